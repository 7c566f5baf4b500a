"""
=====================================================================
Siamese embeddings in a Pipeline, margin tuned by GridSearchCV
=====================================================================

A :class:`~sklearn_siamese.SiameseEncoder` learns an embedding of
scikit-learn's bundled 8x8 digits in which images of the same digit are close
(contrastive loss, Hadsell et al. 2006). A k-nearest-neighbours classifier
then works in that embedding. ``GridSearchCV`` tunes the contrastive margin
of the encoder inside the pipeline, and the result is compared with
:class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`, scikit-learn's
linear metric learner, and with raw pixels, all measured in the same run.
"""

# %%
# Data: 70% to train and tune, 30% held out.
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_siamese import SiameseEncoder

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# The siamese pipeline, with the margin searched by 3-fold cross-validation.
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("siamese", SiameseEncoder(random_state=0)),
        ("knn", KNeighborsClassifier()),
    ]
)
start = time.perf_counter()
search = GridSearchCV(pipe, {"siamese__margin": [0.5, 1.0, 2.0]}, cv=3)
search.fit(X_train, y_train)
elapsed = time.perf_counter() - start
print(f"best margin: {search.best_params_['siamese__margin']}")
print(f"grid search: {elapsed:.1f} s")

# %%
# The same neighbours classifier on NCA embeddings and on raw pixels.
nca = Pipeline(
    [
        ("scale", StandardScaler()),
        ("nca", NeighborhoodComponentsAnalysis(32, random_state=0)),
        ("knn", KNeighborsClassifier()),
    ]
).fit(X_train, y_train)
raw = Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())]).fit(
    X_train, y_train
)
print(f"test accuracy, siamese + kNN: {search.score(X_test, y_test):.4f}")
print(f"test accuracy, NCA(32) + kNN: {nca.score(X_test, y_test):.4f}")
print(f"test accuracy, pixels + kNN:  {raw.score(X_test, y_test):.4f}")
