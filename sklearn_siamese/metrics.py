"""One-shot, retrieval and pair-verification metrics, and their scorers.

Three ways to judge a siamese model, in the style of :mod:`sklearn.metrics`:

- :func:`one_shot_accuracy`: Koch et al.'s N-way k-shot test. Each task
  shows ``n_way`` classes by ``k_shot`` examples each and asks which of them
  a new query belongs to; it is usually run on classes never seen in
  training.
- :func:`precision_at_1` and :func:`mean_average_precision_at_r`: retrieval
  quality of embeddings (Musgrave et al. 2020), leaving each query out.
- :func:`pair_roc_auc`: how well a model ranks "same" pairs above
  "different" ones (verification).

Metrics that take an estimator accept an encoder (anything with
``transform``, such as :class:`~sklearn_siamese.SiameseEncoder`, compared by
its ``distance``) or a pair classifier (anything with ``decision_function``,
or ``predict_proba``, and no ``transform``, such as
:class:`~sklearn_siamese.PairClassifier` or a ``CalibratedClassifierCV`` of
one). The
``make_*_scorer`` functions wrap them as ``scorer(estimator, X, y)``
callables for ``GridSearchCV(scoring=...)`` and ``cross_val_score``; greater
is better for all of them.
"""

import contextlib
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import pairwise_distances, roc_auc_score
from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils.validation import check_is_fitted

from ._checks import check_missing_labels
from ._compat import Count, HasMethods, StrOptions, validate_params
from .distances import get_distance

__all__ = [
    "make_one_shot_scorer",
    "make_pair_roc_auc_scorer",
    "make_retrieval_scorer",
    "mean_average_precision_at_r",
    "one_shot_accuracy",
    "pair_roc_auc",
    "precision_at_1",
]

# Pairs scored per decision_function call hold at most this many values, so
# that one-shot tasks on large images do not build gigabytes of pairs.
_PAIR_BUDGET = 2**24

_ESTIMATOR = [
    HasMethods(["transform"]),
    HasMethods(["decision_function"]),
    HasMethods(["predict_proba"]),
]


# -- helpers -------------------------------------------------------------------


def _n_samples(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _check_labels(X, y, x_name="X", y_name="y"):
    """1-D labels, as many as samples in ``X``, none missing, of one
    comparable kind."""
    y = column_or_1d(y, warn=True)
    n = _n_samples(X)
    if n != len(y):
        raise ValueError(
            f"{x_name} and {y_name} have inconsistent numbers of samples: {n} "
            f"and {len(y)}."
        )
    check_missing_labels(y)
    kinds = {type(label) for label in y} if y.dtype == object else ()
    if len(kinds) > 1:  # only object arrays mix types; try to order them
        try:
            np.unique(y)
        except TypeError:
            raise ValueError(
                f"{y_name} mixes labels of types "
                f"{sorted(kind.__name__ for kind in kinds)}, which cannot be "
                "ordered; give every label one type (e.g. all str)."
            ) from None
    return y


def _embedding_steps(estimator):
    """The steps of a Pipeline before its last one when that is a fitted
    classifier of samples (more than two classes, or any classifier right
    after a SiameseEncoder: kNN on the embeddings, say), whose one-shot or
    retrieval quality is that of its embedding; a fitted search or a frozen
    estimator is unwrapped first; anything else as it is."""
    if hasattr(estimator, "best_estimator_"):  # a fitted search over one
        estimator = estimator.best_estimator_
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        from .encoder import SiameseEncoder  # only when needed: it loads torch

        steps = estimator[:-1]
        classes = getattr(estimator[-1], "classes_", None)
        after_encoder = isinstance(_final_estimator(steps), SiameseEncoder)
        if (
            classes is not None
            and (len(classes) > 2 or after_encoder)
            and hasattr(steps, "transform")
        ):
            return steps
    return estimator


def _final_estimator(estimator):
    """The model that scores: the last step of a Pipeline, the best
    estimator of a fitted search, the classifier inside a threshold tuner
    or a calibrator, or a frozen estimator, at any depth."""
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "best_estimator_"):  # a fitted search
            estimator = estimator.best_estimator_
        elif isinstance(
            estimator, (TunedThresholdClassifierCV, FixedThresholdClassifier)
        ) and hasattr(estimator, "estimator_"):
            estimator = estimator.estimator_
        elif isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
        elif isinstance(estimator, CalibratedClassifierCV) and hasattr(
            estimator, "calibrated_classifiers_"
        ):
            estimator = estimator.calibrated_classifiers_[0].estimator
        else:
            return estimator


def _estimator_metric(estimator):
    """The sklearn metric name of an encoder's ``distance`` (default L2)."""
    distance = getattr(_final_estimator(estimator), "distance", None)
    if distance is None:
        return "euclidean"
    return get_distance(distance).metric


def _paired_distances(a, b, metric):
    """Distances between ``a[..., :]`` and ``b[..., :]``, broadcast."""
    if metric == "euclidean":
        return np.sqrt(np.sum((a - b) ** 2, axis=-1))
    if metric == "manhattan":
        return np.sum(np.abs(a - b), axis=-1)
    if metric == "cosine":
        # As sklearn's cosine distance: a zero vector is at distance 1.
        na = np.linalg.norm(a, axis=-1, keepdims=True)
        nb = np.linalg.norm(b, axis=-1, keepdims=True)
        a = np.divide(a, na, out=np.zeros(np.shape(a)), where=na > 0)
        b = np.divide(b, nb, out=np.zeros(np.shape(b)), where=nb > 0)
        return 1.0 - np.sum(a * b, axis=-1)
    raise ValueError(
        f"The estimator's distance {metric!r} is not supported; use "
        "'euclidean', 'cosine' or 'manhattan'."
    )


@contextlib.contextmanager
def _as_fitted():
    """The metrics hand a model NumPy arrays (pairs, gathered samples) even
    when it was fitted on a DataFrame: scikit-learn's warning about missing
    feature names would be noise the caller cannot avoid."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        yield


def _embed(estimator, X, n_samples):
    with _as_fitted():
        embeddings = np.asarray(estimator.transform(X), dtype=np.float64)
    if embeddings.ndim != 2 or len(embeddings) != n_samples:
        raise ValueError(
            "estimator.transform must return embeddings of shape (n_samples, "
            f"n_dims) = ({n_samples}, n_dims); got shape {embeddings.shape}."
        )
    return embeddings


def _similarity_sign(estimator, pos_label=None):
    """+1 if the estimator's ``decision_function`` grows towards ``pos_label``.

    ``pos_label=None`` is the ``pos_label_`` of the estimator (of the last
    step of a Pipeline, of the best estimator of a search) if it has one, else
    ``classes_[1]``: scikit-learn's decision functions grow towards
    ``classes_[1]``.
    """
    classes = getattr(estimator, "classes_", None)
    if pos_label is None:
        pos_label = getattr(_final_estimator(estimator), "pos_label_", None)
    if classes is None or len(classes) != 2 or pos_label is None:
        return 1.0
    classes = np.asarray(classes).tolist()
    if pos_label == classes[1]:
        return 1.0
    if pos_label == classes[0]:
        return -1.0
    raise ValueError(
        f"pos_label={pos_label!r} is not one of the estimator's classes_ {classes}."
    )


def _decisions(estimator, pairs, n_pairs):
    """Scores of the pairs that grow towards ``classes_[1]``: the
    ``decision_function``, else the ``classes_[1]`` column of
    ``predict_proba``."""
    method = (
        "decision_function"
        if hasattr(estimator, "decision_function")
        else "predict_proba"
    )
    with _as_fitted():
        scores = np.asarray(getattr(estimator, method)(pairs), dtype=np.float64)
    if method == "predict_proba" and scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    if scores.shape != (n_pairs,):
        expected = "one score" if method == "decision_function" else "two columns"
        raise ValueError(
            f"estimator.{method} must return {expected} per pair, for "
            f"{n_pairs} pairs; got shape {scores.shape}."
        )
    return scores


def _pair_decisions(estimator, X, first, second):
    """``decision_function`` of the pairs ``(X[first[i]], X[second[i]])``.

    Pairs take the layout the estimator was fitted on: ``[x1 | x2]`` rows
    when ``X`` is 2-D and the estimator (or its final step) saw twice as
    many features (and for sparse ``X``), else ``(n_pairs, 2,
    *sample_shape)`` arrays.
    """
    if sp.issparse(X):
        X = X.tocsr()
    else:
        X = np.asarray(X)
    # The outer width is that of a Pipeline whose first steps change the
    # number of features (PCA); the final one that of a pipeline that makes
    # the pairs itself (an imblearn PairSampler).
    widths = {
        getattr(estimator, "n_features_in_", None),
        getattr(_final_estimator(estimator), "n_features_in_", None),
    }
    # A pipeline that makes [x1 | x2] rows itself (imblearn, PairSampler(layout=
    # "2d")) takes rows, whatever steps follow the sampler.
    sampler_layouts = {
        getattr(step, "layout", None)
        for _, step in (estimator.steps if isinstance(estimator, Pipeline) else [])
        if getattr(step, "_estimator_type", None) == "sampler"
    }
    rows = sp.issparse(X) or (
        X.ndim == 2 and (2 * X.shape[1] in widths or "2d" in sampler_layouts)
    )
    sample_size = max(1, int(np.prod(X.shape[1:])))
    step = max(1, _PAIR_BUDGET // (2 * sample_size))
    scores = []
    for start in range(0, len(first), step):
        a = X[first[start : start + step]]
        b = X[second[start : start + step]]
        if sp.issparse(X):
            pairs = sp.hstack([a, b], format="csr")
        elif rows:
            pairs = np.hstack([a, b])
        else:
            pairs = np.stack([a, b], axis=1)
        scores.append(_decisions(estimator, pairs, a.shape[0]))
    return np.concatenate(scores) if scores else np.zeros(0)


def _distinct(rng, n, k, shape):
    """``k`` distinct integers in ``[0, n)`` for every cell of ``shape``.

    ``n`` broadcasts to ``shape``. Draw ``j`` is uniform among the ``n - j``
    values not drawn yet: a uniform integer ``r`` is mapped to the ``r``-th
    unused value by stepping over the used ones in increasing order. The
    loops run over ``k`` only; every cell is drawn at once.
    """
    n = np.broadcast_to(n, shape)
    out = np.empty((*shape, k), dtype=np.intp)
    used = np.empty((*shape, 0), dtype=np.intp)  # drawn so far, sorted
    for j in range(k):
        r = rng.randint(0, n - j).astype(np.intp)
        for i in range(j):
            r = r + (r >= used[..., i])
        out[..., j] = r
        used = np.sort(np.concatenate([used, r[..., None]], axis=-1), axis=-1)
    return out


def _draw_tasks(y, n_way, k_shot, n_tasks, rng):
    """Draw ``n_tasks`` N-way k-shot tasks from the labels ``y``.

    Each task takes ``n_way`` distinct classes among those with at least
    ``k_shot + 1`` samples, ``k_shot`` distinct support samples of each, and
    one more sample of one of them (the target) as the query.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.
    n_way, k_shot, n_tasks : int
        Classes per task, supports per class, and tasks.
    rng : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    support_idx : ndarray of shape (n_tasks, n_way, k_shot)
        Indices into ``y`` of each task's supports, one row per class.
    query_idx : ndarray of shape (n_tasks,)
        Index into ``y`` of each task's query.
    target : ndarray of shape (n_tasks,)
        Position in ``range(n_way)`` of the query's class in its task.
    """
    classes, codes = np.unique(y, return_inverse=True)
    codes = codes.reshape(-1)
    counts = np.bincount(codes, minlength=len(classes))
    eligible = np.flatnonzero(counts >= k_shot + 1)
    if len(eligible) < n_way:
        raise ValueError(
            f"n_way={n_way} needs {n_way} classes with at least k_shot + 1 = "
            f"{k_shot + 1} samples each; y has {len(classes)} class(es), "
            f"{len(eligible)} of them with {k_shot + 1} or more samples."
        )
    # Samples grouped by class: class c holds order[starts[c]:starts[c + 1]].
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ways = eligible[_distinct(rng, len(eligible), n_way, (n_tasks,))]
    target = rng.randint(n_way, size=n_tasks)
    within = _distinct(rng, counts[ways], k_shot + 1, ways.shape)
    samples = order[starts[ways][..., None] + within]  # (n_tasks, n_way, k + 1)
    support_idx = samples[..., :k_shot]
    query_idx = samples[np.arange(n_tasks), target, k_shot]
    return support_idx, query_idx, target


def _unrankable(estimator, what):
    raise ValueError(
        f"{type(estimator).__name__} gave {what}, so one_shot_accuracy cannot "
        "rank the supports; check the model (e.g. a diverged fit) and its input."
    )


def _task_scores(estimator, X, n_samples, support_idx, query_idx):
    """Similarity of each task's query to each of its classes, (n_tasks, n_way)."""
    n_tasks, n_way, k_shot = support_idx.shape
    if hasattr(estimator, "transform"):
        embeddings = _embed(estimator, X, n_samples)
        if not np.isfinite(embeddings).all():
            _unrankable(estimator, "NaN or infinite embeddings")
        prototypes = embeddings[support_idx[..., 0]]
        for k in range(1, k_shot):
            prototypes += embeddings[support_idx[..., k]]
        prototypes /= k_shot
        queries = embeddings[query_idx][:, None, :]
        return -_paired_distances(prototypes, queries, _estimator_metric(estimator))
    # Pair classifier: score every distinct (query, support) pair once.
    keys = query_idx[:, None, None].astype(np.int64) * n_samples + support_idx
    unique, inverse = np.unique(keys, return_inverse=True)
    first, second = np.divmod(unique, n_samples)
    scores = _pair_decisions(estimator, X, first, second)
    if np.isnan(scores).any():
        _unrankable(estimator, "NaN pair scores")
    scores *= _similarity_sign(estimator)
    return scores[inverse.reshape(n_tasks, n_way, k_shot)].mean(axis=2)


class _Scorer:
    """``scorer(estimator, X, y)`` calling a metric with fixed keywords."""

    def __init__(self, factory, metric, kwargs):
        self._factory = factory
        self._metric = metric
        self._kwargs = kwargs

    def __call__(self, estimator, X, y):
        return self._metric(estimator, X, y, **self._kwargs)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._kwargs.items())
        return f"{self._factory}({args})"


# -- one-shot --------------------------------------------------------------------


@validate_params(
    {
        "estimator": _ESTIMATOR,
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "n_way": [Count(2, None, closed="left")],
        "k_shot": [Count(1, None, closed="left")],
        "n_tasks": [Count(1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def one_shot_accuracy(
    estimator, X, y, *, n_way=20, k_shot=1, n_tasks=1000, random_state=None
):
    """Accuracy on random N-way k-shot classification tasks.

    The test of Koch et al. (2015): each task draws ``n_way`` distinct
    classes (among those with at least ``k_shot + 1`` samples), ``k_shot``
    support samples of each, and one query from one of those classes,
    distinct from the supports. The task is solved when the query's most
    similar class is its own:

    - for an encoder (anything with ``transform``), the class whose
      supports' mean embedding (its prototype; the support itself when
      ``k_shot=1``) is nearest to the query's embedding, by the
      estimator's ``distance`` (Euclidean when it has none);
    - for a pair classifier (anything with ``decision_function``, or
      ``predict_proba``, and no ``transform``), the class with the highest
      mean ``decision_function`` (or probability of ``classes_[1]``) of the
      (query, support) pairs; the sign is turned round when the
      estimator's ``pos_label_`` (its "same" label) is ``classes_[0]``.

    Ties go to the class drawn first in the task, whose position is random,
    so a model that cannot tell classes apart scores about ``1 / n_way``.
    All tasks are drawn and scored at once: ``X`` is embedded once, and a
    pair classifier scores each distinct (query, support) pair once, in as
    few ``decision_function`` calls as memory allows (one, unless the pairs
    would hold more than 2**24 values).

    Parameters
    ----------
    estimator : estimator object
        A fitted encoder (with ``transform``) or pair classifier (with
        ``decision_function`` or ``predict_proba``), or a Pipeline ending in
        one. A Pipeline ending in a classifier of more than two classes, or
        in any classifier right after a SiameseEncoder (``[scaler, encoder,
        kNN]``), is scored on the steps before it, its embedding. A pair
        classifier gets ``[x1 | x2]`` rows when ``X`` is 2-D and it was
        fitted on twice as many features (``n_features_in_``), else pairs
        of shape ``(n_pairs, 2, *sample_shape)``.
    X : {array-like, sparse matrix} of shape (n_samples, ...)
        Samples, typically of classes not seen in training.
    y : array-like of shape (n_samples,)
        Their class labels.
    n_way : int, default=20
        Classes per task; chance accuracy is ``1 / n_way``.
    k_shot : int, default=1
        Support samples per class.
    n_tasks : int, default=1000
        Number of tasks; the standard error of the accuracy is about
        ``sqrt(acc * (1 - acc) / n_tasks)``.
    random_state : int, RandomState instance or None, default=None
        Draws the tasks; an int always draws the same tasks.

    Returns
    -------
    accuracy : float
        Fraction of tasks solved, in ``[0, 1]``.

    See Also
    --------
    make_one_shot_scorer : The same accuracy as a scorer for model selection.

    References
    ----------
    .. [1] G. Koch, R. Zemel, R. Salakhutdinov, "Siamese Neural Networks for
       One-shot Image Recognition", ICML Deep Learning Workshop, 2015.
    .. [2] J. Snell, K. Swersky, R. Zemel, "Prototypical Networks for
       Few-shot Learning", NeurIPS 2017.

    Examples
    --------
    Train on the digits 0 to 4, then test one-shot on the unseen 5 to 9:

    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import SiameseEncoder
    >>> from sklearn_siamese.metrics import one_shot_accuracy
    >>> X, y = load_digits(return_X_y=True)
    >>> seen = y < 5
    >>> encoder = SiameseEncoder(max_epochs=2, random_state=0)
    >>> encoder = encoder.fit(X[seen] / 16, y[seen])
    >>> accuracy = one_shot_accuracy(
    ...     encoder, X[~seen] / 16, y[~seen], n_way=5, n_tasks=200, random_state=0
    ... )
    >>> accuracy > 1 / 5  # better than chance
    True
    """
    y = _check_labels(X, y)
    check_is_fitted(estimator)
    estimator = _embedding_steps(estimator)
    rng = check_random_state(random_state)
    support_idx, query_idx, target = _draw_tasks(y, n_way, k_shot, n_tasks, rng)
    scores = _task_scores(estimator, X, len(y), support_idx, query_idx)
    return float(np.mean(np.argmax(scores, axis=1) == target))


@validate_params(
    {
        "n_way": [Count(2, None, closed="left")],
        "k_shot": [Count(1, None, closed="left")],
        "n_tasks": [Count(1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_one_shot_scorer(*, n_way=5, k_shot=1, n_tasks=500, random_state=0):
    """Make a scorer of :func:`one_shot_accuracy`.

    Parameters
    ----------
    n_way : int, default=5
        Classes per task. Cross-validation folds must hold at least
        ``n_way`` classes with ``k_shot + 1`` samples each.
    k_shot : int, default=1
        Support samples per class.
    n_tasks : int, default=500
        Tasks per evaluation.
    random_state : int, RandomState instance or None, default=0
        Draws the tasks. The default int draws the same tasks for every
        candidate on the same fold, so candidates are compared on equal
        terms; a RandomState instance draws new tasks at every call (which
        ones depends on how the calls are spread over ``n_jobs`` workers,
        each of which gets its own copy, so prefer an int).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)`` returns ``one_shot_accuracy(estimator,
        X, y, ...)``; greater is better. It scores a ``[scaler, encoder,
        kNN]`` pipeline on its embedding, so it serves in a search over
        such a pipeline.

    See Also
    --------
    one_shot_accuracy : The metric.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_siamese import SiameseEncoder
    >>> from sklearn_siamese.metrics import make_one_shot_scorer
    >>> scorer = make_one_shot_scorer(n_way=5, n_tasks=100)
    >>> scorer
    make_one_shot_scorer(n_way=5, k_shot=1, n_tasks=100, random_state=0)
    >>> X, y = load_digits(return_X_y=True)
    >>> search = GridSearchCV(
    ...     SiameseEncoder(max_epochs=2, random_state=0),
    ...     {"margin": [0.5, 1.0]},
    ...     scoring=scorer,
    ...     cv=2,
    ... )
    >>> search = search.fit(X[:200] / 16, y[:200])
    >>> print(search.best_score_ > 1 / 5)  # better than chance
    True
    """
    return _Scorer(
        "make_one_shot_scorer",
        one_shot_accuracy,
        dict(n_way=n_way, k_shot=k_shot, n_tasks=n_tasks, random_state=random_state),
    )


# -- retrieval -------------------------------------------------------------------


def _check_embeddings(embeddings, y, metric):
    """Checked embeddings and label codes, in a fixed random order.

    The retrieval metrics rank neighbours at equal distance in the order of
    the samples; shuffled with a fixed seed, that order is random, so data
    sorted by class gain nothing from ties (a collapsed embedding would
    look good).
    """
    if isinstance(metric, str) and metric == "precomputed":
        raise ValueError(
            "metric='precomputed' is not supported: pass the embeddings "
            "themselves, with the metric that compares them."
        )
    embeddings = check_array(embeddings, ensure_min_samples=2)
    y = _check_labels(embeddings, y, "embeddings", "y")
    codes = np.unique(y, return_inverse=True)[1].reshape(-1)
    order = np.random.RandomState(0).permutation(len(y))
    return embeddings[order], codes[order]


# Neighbour indices (and distances) held at once by the retrieval metrics.
_NEIGHBOR_BUDGET = 2**22


def _exact_nearest_others(embeddings, rows, k, metric):
    """:func:`_nearest_others` from all the distances, ties at the k-th
    distance going to the samples that come first."""
    distances = pairwise_distances(embeddings[rows], embeddings, metric=metric)
    distances[np.arange(len(rows)), rows] = np.inf
    kth = np.partition(distances, k - 1, axis=1)[:, k - 1 : k]
    tied = distances == kth
    room = k - np.count_nonzero(distances < kth, axis=1)[:, None]
    keep = (distances < kth) | (tied & (np.cumsum(tied, axis=1) <= room))
    columns = np.nonzero(keep)[1].reshape(len(rows), k)
    return columns, np.take_along_axis(distances, columns, axis=1)


def _nearest_others(nn, embeddings, rows, k):
    """The ``k`` nearest samples of each of ``embeddings[rows]`` other than
    itself, nearest first, from ``nn`` fitted on ``embeddings``.

    At equal distance the sample that comes first in ``embeddings`` comes
    first, the same rule whatever ``k``, so that the metrics agree on ties:
    within the neighbours found they are sorted so, and a row whose k-th
    and (k+1)-th neighbours are at the same distance (which of them
    ``kneighbors`` returns is arbitrary) is settled from all its distances.
    """
    n = len(embeddings)
    n_found = min(k + 2, n)  # itself, k others, and one more to see a tie
    distances, columns = nn.kneighbors(embeddings[rows], n_found)
    is_self = columns == rows[:, None]
    # With more exact duplicates than that, a row may not find itself: drop
    # its farthest instead.
    is_self[~is_self.any(axis=1), -1] = True
    columns = columns[~is_self].reshape(len(rows), n_found - 1)
    distances = distances[~is_self].reshape(len(rows), n_found - 1)
    if n_found - 1 > k:
        ambiguous = np.flatnonzero(distances[:, k - 1] == distances[:, k])
        columns, distances = columns[:, :k], distances[:, :k]
        if len(ambiguous):
            columns[ambiguous], distances[ambiguous] = _exact_nearest_others(
                embeddings, rows[ambiguous], k, nn.metric
            )
    order = np.lexsort((columns, distances), axis=-1)
    return np.take_along_axis(columns, order, axis=1)


def _ranked(embeddings, r, metric):
    """``(queries, neighbours)`` in chunks of about ``_NEIGHBOR_BUDGET``
    neighbours: the ``r[q]`` nearest others of each query ``q``, padded to
    the largest ``r`` of its chunk (queries taken in order of ``r``)."""
    queries = np.flatnonzero(r > 0)
    queries = queries[np.argsort(r[queries], kind="stable")]
    widths = r[queries].astype(np.int64) + 2  # neighbours asked per query
    nn = NearestNeighbors(metric=metric).fit(embeddings)
    start = 0
    while start < len(queries):
        # the most rows whose count x the chunk's largest width (its last)
        # stays within the budget; that product grows with the row count
        most = widths[start : start + max(1, _NEIGHBOR_BUDGET // widths[start])]
        cost = np.arange(1, len(most) + 1) * most
        rows = max(1, int(np.searchsorted(cost, _NEIGHBOR_BUDGET, side="right")))
        chunk, start = queries[start : start + rows], start + rows
        yield chunk, _nearest_others(nn, embeddings, chunk, int(r[chunk[-1]]))


@validate_params(
    {
        "embeddings": ["array-like"],
        "y": ["array-like"],
        "metric": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def precision_at_1(embeddings, y, *, metric="euclidean"):
    """Leave-one-out precision@1: is each sample's nearest other sample of its class?

    Also the leave-one-out accuracy of a 1-nearest-neighbour classifier;
    :meth:`SiameseEncoder.score <sklearn_siamese.SiameseEncoder.score>` is
    this metric on the encoder's embeddings. A sample whose class has no
    other sample counts as a miss. Neighbours at equal distance are ranked
    in a random order (with a fixed seed), not in the order of the samples.

    Parameters
    ----------
    embeddings : array-like of shape (n_samples, n_dims)
        Embeddings, e.g. ``encoder.transform(X)``; at least two.
    y : array-like of shape (n_samples,)
        Their class labels.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors` but
        ``"precomputed"``.

    Returns
    -------
    precision : float
        Fraction of samples whose nearest other sample shares their label.

    See Also
    --------
    mean_average_precision_at_r : Retrieval quality beyond the first hit.
    make_retrieval_scorer : Either metric as a scorer of an encoder.

    Examples
    --------
    >>> from sklearn_siamese.metrics import precision_at_1
    >>> embeddings = [[0.0], [1.2], [5.0], [8.0], [9.0], [20.0]]
    >>> y = ["a", "a", "a", "b", "b", "c"]
    >>> precision_at_1(embeddings, y)  # 5.0 is nearest to 8.0; "c" is alone
    0.666...
    """
    embeddings, codes = _check_embeddings(embeddings, y, metric)
    hits = sum(
        np.sum(codes[neighbors[:, 0]] == codes[chunk])
        for chunk, neighbors in _ranked(embeddings, np.ones(len(codes), int), metric)
    )
    return float(hits / len(codes))


@validate_params(
    {
        "embeddings": ["array-like"],
        "y": ["array-like"],
        "metric": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def mean_average_precision_at_r(embeddings, y, *, metric="euclidean"):
    """Mean average precision at R (MAP@R), leaving each query out.

    The retrieval metric of Musgrave et al. (2020). For each sample as a
    query, ``R`` is the number of other samples of its class, and

    ``AP@R = (1 / R) * sum_{i=1..R} P(i) * rel(i)``

    over the ``R`` nearest other samples, where ``rel(i)`` is 1 when the
    ``i``-th nearest shares the query's class and ``P(i)`` is the precision
    among the ``i`` nearest. It rewards putting *all* same-class samples
    first, in contrast to precision@1. Queries whose class has no other
    sample are skipped; neighbours at equal distance are ranked in a random
    order (with a fixed seed), not in the order of the samples, and the
    same for both metrics. Neighbours are found for a few queries at a
    time, so memory stays bounded.

    Parameters
    ----------
    embeddings : array-like of shape (n_samples, n_dims)
        Embeddings, e.g. ``encoder.transform(X)``.
    y : array-like of shape (n_samples,)
        Their class labels; at least one class needs two samples.
    metric : str or callable, default="euclidean"
        Any metric of :class:`sklearn.neighbors.NearestNeighbors` but
        ``"precomputed"``.

    Returns
    -------
    map_at_r : float
        The mean of AP@R over the queries, in ``[0, 1]``.

    See Also
    --------
    precision_at_1 : Whether the first hit is right.
    make_retrieval_scorer : Either metric as a scorer of an encoder.

    References
    ----------
    .. [1] K. Musgrave, S. Belongie, S.-N. Lim, "A Metric Learning Reality
       Check", ECCV 2020.

    Examples
    --------
    The query 5.0 (class "a", R = 2) finds 8.0 ("b") then 1.2 ("a"): AP@R
    = (0 + 1/2) / 2 = 0.25. The other four queries find only their own
    class first (AP@R = 1) and "c" has no other sample:

    >>> from sklearn_siamese.metrics import mean_average_precision_at_r
    >>> embeddings = [[0.0], [1.2], [5.0], [8.0], [9.0], [20.0]]
    >>> y = ["a", "a", "a", "b", "b", "c"]
    >>> mean_average_precision_at_r(embeddings, y)  # (4 + 0.25) / 5
    0.85
    """
    embeddings, codes = _check_embeddings(embeddings, y, metric)
    r = np.bincount(codes)[codes] - 1  # other samples of each query's class
    n_queries = np.count_nonzero(r > 0)
    if not n_queries:
        raise ValueError(
            "mean_average_precision_at_r needs a class with at least 2 samples "
            "in y; every class has a single sample."
        )
    total = 0.0
    for chunk, neighbors in _ranked(embeddings, r, metric):
        ranks = np.arange(1, neighbors.shape[1] + 1)
        relevant = (codes[neighbors] == codes[chunk, None]) & (ranks <= r[chunk, None])
        precision = np.cumsum(relevant, axis=1) / ranks
        total += np.sum(np.sum(precision * relevant, axis=1) / r[chunk])
    return float(total / n_queries)


_RETRIEVAL_METRICS = {
    "precision_at_1": precision_at_1,
    "map_at_r": mean_average_precision_at_r,
}


def _retrieval_score(estimator, X, y, *, metric_name):
    y = _check_labels(X, y)
    estimator = _embedding_steps(estimator)
    if not hasattr(estimator, "transform"):
        raise TypeError(
            "make_retrieval_scorer scores encoders, estimators with a transform "
            f"method (such as SiameseEncoder); {type(estimator).__name__} has "
            "none. Score a pair classifier with make_one_shot_scorer or "
            "make_pair_roc_auc_scorer."
        )
    check_is_fitted(estimator)
    embeddings = _embed(estimator, X, len(y))
    metric = _RETRIEVAL_METRICS[metric_name]
    return metric(embeddings, y, metric=_estimator_metric(estimator))


@validate_params(
    {"metric_name": [StrOptions(set(_RETRIEVAL_METRICS))]},
    prefer_skip_nested_validation=True,
)
def make_retrieval_scorer(metric_name="precision_at_1"):
    """Make a scorer of an encoder's retrieval quality.

    The scorer embeds ``X`` with ``estimator.transform`` and computes the
    metric with the estimator's ``distance`` (Euclidean when it has none).
    A Pipeline ending in a classifier of more than two classes (kNN on the
    embeddings) is scored on the steps before it.

    Parameters
    ----------
    metric_name : {"precision_at_1", "map_at_r"}, default="precision_at_1"
        :func:`precision_at_1` or :func:`mean_average_precision_at_r`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``; greater is better.

    See Also
    --------
    precision_at_1, mean_average_precision_at_r : The metrics.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_siamese import SiameseEncoder
    >>> from sklearn_siamese.metrics import make_retrieval_scorer
    >>> scorer = make_retrieval_scorer("map_at_r")
    >>> scorer
    make_retrieval_scorer(metric_name='map_at_r')
    >>> X, y = load_digits(return_X_y=True)
    >>> encoder = SiameseEncoder(max_epochs=2, random_state=0)
    >>> scores = cross_val_score(encoder, X[:300] / 16, y[:300], cv=2, scoring=scorer)
    >>> scores.shape
    (2,)
    """
    return _Scorer(
        "make_retrieval_scorer", _retrieval_score, dict(metric_name=metric_name)
    )


# -- pair verification -------------------------------------------------------------


def _encoder_pair_distances(estimator, X_pairs):
    """Embedding distance between the two samples of each pair."""
    width = getattr(estimator, "n_features_in_", None)
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
    if sp.issparse(X_pairs):
        both = sp.vstack([first, second], format="csr")
    else:
        both = np.concatenate([first, second])
    embeddings = _embed(estimator, both, 2 * n)
    return _paired_distances(
        embeddings[:n], embeddings[n:], _estimator_metric(estimator)
    )


@validate_params(
    {
        "estimator": _ESTIMATOR,
        "X_pairs": ["array-like", "sparse matrix"],
        "y_pairs": ["array-like"],
        "pos_label": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def pair_roc_auc(estimator, X_pairs, y_pairs, *, pos_label=None):
    """Area under the ROC curve of "same" versus "different" pairs.

    The score of a pair is ``decision_function`` for a pair classifier
    (anything with ``decision_function`` and no ``transform``; else the
    probability of ``classes_[1]`` from ``predict_proba``; its sign is
    turned so that higher means ``pos_label``), and the negative embedding
    distance (by the estimator's ``distance``) for an encoder.

    Parameters
    ----------
    estimator : estimator object
        A fitted pair classifier or encoder.
    X_pairs : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
            or (n_pairs, 2 * n_features)
        Pairs: in the layout a pair classifier was fitted on; for an
        encoder, stacked pairs or ``[x1 | x2]`` rows.
    y_pairs : array-like of shape (n_pairs,)
        Two labels, "same" and "different".
    pos_label : label, default=None
        The label of "same" pairs. ``None`` means the estimator's
        ``pos_label_`` if it has one (as :class:`~sklearn_siamese.PairClassifier`
        does), else the greater of the two labels (1 for {0, 1} and
        {-1, 1}, True for booleans).

    Returns
    -------
    auc : float
        ROC AUC, in ``[0, 1]``; 0.5 is chance.

    See Also
    --------
    make_pair_roc_auc_scorer : The same metric as a scorer.
    sklearn.metrics.roc_auc_score : The metric on given scores.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import PairClassifier, PairSampler
    >>> from sklearn_siamese.metrics import pair_roc_auc
    >>> X, y = load_digits(return_X_y=True)
    >>> sampler = PairSampler(n_pairs=500, random_state=0)
    >>> pairs, same = sampler.fit_resample(X / 16, y)
    >>> clf = PairClassifier(max_epochs=2, random_state=0).fit(pairs, same)
    >>> pair_roc_auc(clf, pairs, same) > 0.5
    True
    """
    y = _check_labels(X_pairs, y_pairs, "X_pairs", "y_pairs")
    labels = np.unique(y).tolist()
    if len(labels) != 2:
        raise ValueError(
            "y_pairs must hold two labels, one for 'same' and one for "
            f"'different' pairs; got {len(labels)}: {labels[:10]}."
        )
    check_is_fitted(estimator)
    if pos_label is None:
        pos_label = getattr(_final_estimator(estimator), "pos_label_", labels[1])
    if pos_label not in labels:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels in y_pairs: {labels}."
        )
    if hasattr(estimator, "transform"):
        scores = -_encoder_pair_distances(estimator, X_pairs)
    else:
        scores = _decisions(estimator, X_pairs, len(y))
        scores *= _similarity_sign(estimator, pos_label)
    return float(roc_auc_score(y == pos_label, scores))


@validate_params({"pos_label": "no_validation"}, prefer_skip_nested_validation=True)
def make_pair_roc_auc_scorer(*, pos_label=None):
    """Make a scorer of :func:`pair_roc_auc`.

    Unlike ``scoring="roc_auc"``, it also scores encoders on pairs.

    Parameters
    ----------
    pos_label : label, default=None
        The label of "same" pairs, as in :func:`pair_roc_auc`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X_pairs, y_pairs)``; greater is better.

    See Also
    --------
    pair_roc_auc : The metric.

    Examples
    --------
    >>> from sklearn_siamese.metrics import make_pair_roc_auc_scorer
    >>> make_pair_roc_auc_scorer()
    make_pair_roc_auc_scorer(pos_label=None)
    """
    return _Scorer("make_pair_roc_auc_scorer", pair_roc_auc, dict(pos_label=pos_label))
