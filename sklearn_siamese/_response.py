"""How the scorers of :mod:`sklearn_siamese.metrics` read an estimator.

As scikit-learn's ``sklearn/utils/_response.py`` does for its scorers: the
model inside meta-estimators (Pipelines, fitted searches, threshold tuners,
calibrators, frozen estimators), an encoder's embeddings and distance, and
the similarity a pair classifier gives pairs of samples, built in the layout
it was fitted on. An encoder is recognised by what the scorers use, its
``transform`` and ``distance``; nothing here imports the estimators.
"""

import contextlib
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .distances import get_distance

# Pairs scored per decision_function call hold at most this many values, so
# that one-shot tasks on large images do not build gigabytes of pairs.
PAIR_BUDGET = 2**24


def num_samples(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _unwrapped(estimator):
    """The best estimator of a fitted search, the estimator a frozen one wraps."""
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
        else:
            return estimator


def final_estimator(estimator):
    """The model that scores, at any depth: the last step of a Pipeline, the
    best estimator of a search, the classifier inside a threshold tuner or a
    calibrator, the estimator a frozen one wraps."""
    estimator = _unwrapped(estimator)
    if isinstance(estimator, Pipeline):
        return final_estimator(estimator[-1])
    tuners = (FixedThresholdClassifier, TunedThresholdClassifierCV)
    if isinstance(estimator, tuners) and hasattr(estimator, "estimator_"):
        return final_estimator(estimator.estimator_)
    if hasattr(estimator, "calibrated_classifiers_"):  # CalibratedClassifierCV
        return final_estimator(estimator.calibrated_classifiers_[0].estimator)
    return estimator


def distance_of(encoder):
    """The :class:`~sklearn_siamese.distances.Distance` an encoder compares
    by: its ``distance``, Euclidean when it has none."""
    distance = getattr(final_estimator(encoder), "distance", None)
    return get_distance(distance or "euclidean")


def embedding_part(estimator):
    """What the one-shot and retrieval scorers embed with: the estimator, or
    the steps before the last of a Pipeline that ends in a fitted classifier
    of samples (of more than two classes, or right after an encoder that
    names its ``distance``, as a SiameseEncoder does: kNN on the embedding)."""
    estimator = _unwrapped(estimator)
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        steps, classes = estimator[:-1], getattr(estimator[-1], "classes_", None)
        encoder = final_estimator(steps)
        after_encoder = hasattr(encoder, "transform") and hasattr(encoder, "distance")
        if (
            classes is not None
            and (len(classes) > 2 or after_encoder)
            and hasattr(steps, "transform")
        ):
            return steps
    return estimator


def check_scorable(estimator, scorer):
    """A fitted encoder or pair classifier, or a ``TypeError`` naming ``scorer``."""
    methods = ("transform", "decision_function", "predict_proba")
    if not any(hasattr(estimator, method) for method in methods):
        raise TypeError(
            f"{scorer} scores encoders (with transform) and pair classifiers "
            "(with decision_function or predict_proba); "
            f"{type(estimator).__name__} has none of these methods."
        )
    check_is_fitted(estimator)


@contextlib.contextmanager
def _as_fitted():
    """The scorers hand a model NumPy arrays (pairs, gathered samples) even
    when it was fitted on a DataFrame: scikit-learn's warning about missing
    feature names would be noise the caller cannot avoid."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        yield


def unrankable(model, what):
    raise ValueError(
        f"{type(model).__name__} gave {what}, which cannot be ranked; check "
        "the model (e.g. a diverged fit) and its input."
    )


def embed(encoder, X, n_rows):
    """``encoder.transform(X)`` in float64, one finite row per sample."""
    with _as_fitted():
        embeddings = np.asarray(encoder.transform(X), dtype=np.float64)
    if embeddings.ndim != 2 or len(embeddings) != n_rows:
        raise ValueError(
            "estimator.transform must return embeddings of shape (n_samples, "
            f"n_dims) = ({n_rows}, n_dims); got shape {embeddings.shape}."
        )
    if not np.isfinite(embeddings).all():
        unrankable(encoder, "NaN or infinite embeddings")
    return embeddings


def encoder_pair_distances(encoder, X_pairs):
    """The encoder's distance between the embeddings of the two samples of
    each pair: ``(n_pairs, 2, *sample_shape)`` arrays or ``[x1 | x2]`` rows."""
    width = getattr(encoder, "n_features_in_", None)
    ndim = 2 if sp.issparse(X_pairs) else np.ndim(X_pairs)
    if not sp.issparse(X_pairs):
        X_pairs = np.asarray(X_pairs)
    if ndim >= 3 and X_pairs.shape[1] == 2:
        first, second = X_pairs[:, 0], X_pairs[:, 1]
    elif ndim == 2 and width is not None and X_pairs.shape[1] == 2 * width:
        first, second = X_pairs[:, :width], X_pairs[:, width:]
    else:
        raise ValueError(
            "X_pairs must hold pairs of shape (n_pairs, 2, *sample_shape), or "
            "[x1 | x2] rows of twice the encoder's n_features_in_ "
            f"({width}); got X_pairs of shape {X_pairs.shape}."
        )
    n = first.shape[0]
    both = (sp.vstack if sp.issparse(X_pairs) else np.concatenate)([first, second])
    # sklearn_siamese.distances: the distances the encoder trains with
    embeddings = torch.from_numpy(embed(encoder, both, 2 * n))
    return distance_of(encoder).paired(embeddings[:n], embeddings[n:]).numpy()


def similarities(classifier, pairs, n_pairs, pos_label=None):
    """Scores of the pairs that grow towards ``pos_label``.

    The ``decision_function``, else the ``classes_[1]`` column of
    ``predict_proba``, which grow towards ``classes_[1]``; turned round when
    ``pos_label`` is ``classes_[0]``. ``pos_label=None`` is the
    ``pos_label_`` of the final estimator, if it has one.
    """
    if hasattr(classifier, "decision_function"):
        method = "decision_function"
    else:
        method = "predict_proba"
    with _as_fitted():
        scores = np.asarray(getattr(classifier, method)(pairs), dtype=np.float64)
    if method == "predict_proba" and scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    if scores.shape != (n_pairs,):
        expected = "one score" if method == "decision_function" else "two columns"
        raise ValueError(
            f"estimator.{method} must return {expected} per pair, for "
            f"{n_pairs} pairs; got shape {scores.shape}."
        )
    classes = getattr(classifier, "classes_", None)
    if pos_label is None:
        pos_label = getattr(final_estimator(classifier), "pos_label_", None)
    if classes is None or len(classes) != 2 or pos_label is None:
        return scores
    classes = np.asarray(classes).tolist()
    if pos_label not in classes:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the estimator's classes_ {classes}."
        )
    return scores if pos_label == classes[1] else -scores


def pair_similarities(classifier, X, first, second):
    """:func:`similarities` of the pairs ``(X[first[i]], X[second[i]])``.

    Pairs take the layout the classifier was fitted on: ``[x1 | x2]`` rows
    when ``X`` is sparse, or 2-D and the classifier (or its final step) saw
    twice as many features, else ``(n_pairs, 2, *sample_shape)`` arrays.
    """
    X = X.tocsr() if sp.issparse(X) else np.asarray(X)
    # The outer width is that of a Pipeline whose first steps change the
    # number of features (PCA); the final one that of a pipeline that makes
    # the pairs itself (an imblearn PairSampler).
    widths = {
        getattr(classifier, "n_features_in_", None),
        getattr(final_estimator(classifier), "n_features_in_", None),
    }
    # A pipeline that makes [x1 | x2] rows itself (imblearn, PairSampler(layout=
    # "2d")) takes rows, whatever steps follow the sampler.
    steps = classifier.steps if isinstance(classifier, Pipeline) else []
    sampler_layouts = {
        getattr(step, "layout", None)
        for _, step in steps
        if getattr(step, "_estimator_type", None) == "sampler"
    }
    rows = sp.issparse(X) or (
        X.ndim == 2 and (2 * X.shape[1] in widths or "2d" in sampler_layouts)
    )
    step = max(1, PAIR_BUDGET // (2 * max(1, int(np.prod(X.shape[1:])))))
    scores = []
    for start in range(0, len(first), step):
        a = X[first[start : start + step]]
        b = X[second[start : start + step]]
        if sp.issparse(X):
            pairs = sp.hstack([a, b], format="csr")
        else:
            pairs = np.hstack([a, b]) if rows else np.stack([a, b], axis=1)
        scores.append(similarities(classifier, pairs, a.shape[0]))
    return np.concatenate(scores) if scores else np.zeros(0)
