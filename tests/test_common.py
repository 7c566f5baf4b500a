"""scikit-learn's estimator checks, on every estimator of the package."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_siamese import SiameseEncoder

# Small and quick, but the same code paths as the defaults.
ESTIMATORS = [
    SiameseEncoder(max_epochs=2, embedding_dim=8, module__hidden_layer_sizes=(16,)),
    SiameseEncoder(
        loss="triplet",
        sampling="random",
        max_epochs=2,
        embedding_dim=8,
        module__hidden_layer_sizes=(16,),
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
