"""One-shot and retrieval metrics on arrays, and scorers of estimators.

The metrics take arrays, as those of :mod:`sklearn.metrics` do:
:func:`one_shot_accuracy` (Koch et al.'s N-way k-shot test) takes
embeddings, or the distances between samples, and their labels;
:func:`precision_at_1` and :func:`mean_average_precision_at_r` (Musgrave et
al. 2020) take embeddings. Only the ``make_*_scorer`` functions know
estimators: their ``scorer(estimator, X, y)``, for
``GridSearchCV(scoring=...)`` and ``cross_val_score`` (greater is better),
scores an encoder (anything with ``transform``, compared by its
``distance``), a Pipeline or fitted search ending in one, or a pair
classifier (anything with ``decision_function``, or ``predict_proba``, and
no ``transform``). The ROC AUC of pairs given their scores is
:func:`sklearn.metrics.roc_auc_score`; :func:`make_pair_roc_auc_scorer`
computes the scores.
"""

import functools

import numpy as np
import torch
from sklearn.metrics import pairwise_distances, roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils.validation import check_is_fitted

from ._checks import check_missing_labels
from ._compat import Count, StrOptions, validate_params
from ._response import (
    check_scorable,
    distance_of,
    embed,
    embedding_part,
    encoder_pair_distances,
    final_estimator,
    num_samples,
    pair_similarities,
    similarities,
    unrankable,
)
from .distances import DISTANCES, get_distance

__all__ = [
    "make_one_shot_scorer",
    "make_pair_roc_auc_scorer",
    "make_retrieval_scorer",
    "mean_average_precision_at_r",
    "one_shot_accuracy",
    "precision_at_1",
]


def _check_labels(X, y, x_name="X", y_name="y"):
    """1-D labels, as many as samples in ``X``, none missing, of one
    comparable kind."""
    y = column_or_1d(y, warn=True)
    n = num_samples(X)
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


# -- one-shot --------------------------------------------------------------------


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
    """Draw ``n_tasks`` N-way k-shot tasks from the labels ``y`` with ``rng``.

    Each task takes ``n_way`` distinct classes among those with at least
    ``k_shot + 1`` samples, ``k_shot`` distinct support samples of each, and
    one more sample of one of them (the target) as the query. Returns
    ``support_idx`` of shape ``(n_tasks, n_way, k_shot)`` (indices into
    ``y``, one row per class), ``query_idx`` of shape ``(n_tasks,)`` and
    ``target``, the position in ``range(n_way)`` of each query's class.
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


def _one_shot(y, task_scores, n_way, k_shot, n_tasks, random_state):
    """The fraction of tasks whose query is most similar to its own class, by
    ``task_scores(support_idx, query_idx)`` of shape ``(n_tasks, n_way)``."""
    rng = check_random_state(random_state)
    support_idx, query_idx, target = _draw_tasks(y, n_way, k_shot, n_tasks, rng)
    scores = task_scores(support_idx, query_idx)
    return float(np.mean(np.argmax(scores, axis=1) == target))


def _prototype_scores(embeddings, metric, support_idx, query_idx):
    """Minus the distance of each task's query to each of its prototypes."""
    n_tasks, n_way, k_shot = support_idx.shape
    prototypes = embeddings[support_idx[..., 0]]
    for k in range(1, k_shot):
        prototypes += embeddings[support_idx[..., k]]
    prototypes /= k_shot
    queries = np.repeat(embeddings[query_idx], n_way, axis=0)
    # the distances encoders train with; sklearn's paired_distances puts a
    # zero vector at cosine distance 0.5 of any other, not 1 as pairwise does
    prototypes = torch.from_numpy(prototypes.reshape(queries.shape))
    distances = get_distance(metric).paired(prototypes, torch.from_numpy(queries))
    return -distances.numpy().reshape(n_tasks, n_way)


def _mean_distance_scores(distances, support_idx, query_idx):
    """Minus the mean distance of each task's query to each class's supports."""
    return -distances[query_idx[:, None, None], support_idx].mean(axis=2)


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "metric": [StrOptions({*DISTANCES, "precomputed"})],
        "n_way": [Count(2, None, closed="left")],
        "k_shot": [Count(1, None, closed="left")],
        "n_tasks": [Count(1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def one_shot_accuracy(
    X, y, *, metric="euclidean", n_way=20, k_shot=1, n_tasks=1000, random_state=None
):
    """Accuracy on random N-way k-shot classification tasks.

    The test of Koch et al. (2015): each task draws ``n_way`` distinct
    classes (among those with at least ``k_shot + 1`` samples), ``k_shot``
    support samples of each, and one query from one of those classes,
    distinct from the supports. The task is solved when the query is
    nearest to its own class: to the mean embedding of its supports (its
    prototype; the support itself when ``k_shot=1``), or with
    ``metric="precomputed"`` at the least mean distance to its supports.
    Ties go to the class drawn first in the task, whose position is random,
    so a model that cannot tell classes apart scores about ``1 / n_way``.
    :func:`make_one_shot_scorer` scores an estimator on the same tasks,
    a pair classifier (which has no embeddings) included.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_dims) or (n_samples, n_samples)
        Embeddings, e.g. ``encoder.transform(samples)``, typically of
        classes not seen in training; with ``metric="precomputed"``, the
        distance of every sample as a query (row) to every sample as a
        support (column), infinite values allowed: minus a pair
        classifier's ``decision_function`` of each pair, say.
    y : array-like of shape (n_samples,)
        Their class labels.
    metric : {"euclidean", "cosine", "manhattan", "precomputed"}, \
            default="euclidean"
        The distance between embeddings, as :mod:`sklearn_siamese.distances`
        computes it (a zero vector is at cosine distance 1), or
        ``"precomputed"``.
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
    make_one_shot_scorer : The same accuracy as a scorer of estimators.

    References
    ----------
    .. [1] G. Koch, R. Zemel, R. Salakhutdinov, "Siamese Neural Networks for
       One-shot Image Recognition", ICML Deep Learning Workshop, 2015.
    .. [2] J. Snell, K. Swersky, R. Zemel, "Prototypical Networks for
       Few-shot Learning", NeurIPS 2017.

    Examples
    --------
    Three classes far apart: every task is solved, from the embeddings as
    from their distances.

    >>> import numpy as np
    >>> from sklearn_siamese.metrics import one_shot_accuracy
    >>> embeddings = np.array([[0.0], [0.1], [5.0], [5.2], [9.0], [9.1]])
    >>> y = [0, 0, 1, 1, 2, 2]
    >>> one_shot_accuracy(embeddings, y, n_way=3, n_tasks=100, random_state=0)
    1.0
    >>> distances = np.abs(embeddings - embeddings.T)
    >>> one_shot_accuracy(distances, y, metric="precomputed", n_way=3, n_tasks=100)
    1.0
    """
    precomputed = metric == "precomputed"
    # float64 whatever the dtype: the prototypes are sums of embeddings
    X = check_array(
        X, dtype=np.float64, ensure_all_finite=not precomputed, input_name="X"
    )
    y = _check_labels(X, y)
    if not precomputed:
        task_scores = functools.partial(_prototype_scores, X, metric)
    elif X.shape[1] != X.shape[0]:
        raise ValueError(
            "metric='precomputed' needs X of shape (n_samples, n_samples), the "
            "distance of every query (row) to every support (column); got X of "
            f"shape {X.shape}."
        )
    elif np.isnan(X).any():
        raise ValueError("X holds NaN distances, which cannot be ranked.")
    else:
        task_scores = functools.partial(_mean_distance_scores, X)
    return _one_shot(y, task_scores, n_way, k_shot, n_tasks, random_state)


# -- retrieval -------------------------------------------------------------------


def _checkembed(embeddings, y, metric):
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

_RETRIEVAL_PARAMETERS = validate_params(
    {"embeddings": ["array-like"], "y": ["array-like"], "metric": [str, callable]},
    prefer_skip_nested_validation=True,
)


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


@_RETRIEVAL_PARAMETERS
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
    embeddings, codes = _checkembed(embeddings, y, metric)
    hits = sum(
        np.sum(codes[neighbors[:, 0]] == codes[chunk])
        for chunk, neighbors in _ranked(embeddings, np.ones(len(codes), int), metric)
    )
    return float(hits / len(codes))


@_RETRIEVAL_PARAMETERS
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
    embeddings, codes = _checkembed(embeddings, y, metric)
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


# -- scorers: from estimators to arrays -------------------------------------------


class _Scorer:
    """``scorer(estimator, X, y)`` calling a score function with fixed keywords."""

    def __init__(self, factory, score, kwargs):
        self._factory = factory
        self._score = score
        self._kwargs = kwargs

    def __call__(self, estimator, X, y):
        return self._score(estimator, X, y, **self._kwargs)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._kwargs.items())
        return f"{self._factory}({args})"


def _pair_task_scores(model, X, support_idx, query_idx):
    """Mean similarity of each task's query to each class's supports; each
    distinct pair is scored once."""
    n = num_samples(X)
    keys = query_idx[:, None, None].astype(np.int64) * n + support_idx
    unique, inverse = np.unique(keys, return_inverse=True)
    scores = pair_similarities(model, X, *np.divmod(unique, n))
    if np.isnan(scores).any():
        unrankable(model, "NaN pair scores")
    return scores[inverse.reshape(support_idx.shape)].mean(axis=2)


def _one_shot_score(estimator, X, y, **kwargs):
    y = _check_labels(X, y)
    check_scorable(estimator, "make_one_shot_scorer")
    model = embedding_part(estimator)
    if hasattr(model, "transform"):
        embeddings = embed(model, X, len(y))
        return one_shot_accuracy(
            embeddings, y, metric=distance_of(model).metric, **kwargs
        )
    return _one_shot(y, functools.partial(_pair_task_scores, model, X), **kwargs)


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
    """Make a scorer of an estimator's :func:`one_shot_accuracy`.

    ``scorer(estimator, X, y)`` draws the tasks from the labels ``y`` as
    :func:`one_shot_accuracy` does, and scores:

    - an encoder on ``estimator.transform(X)``, by its ``distance``
      (Euclidean when it has none). A Pipeline ending in a classifier of
      more than two classes, or in any classifier right after an encoder
      that names its ``distance`` (``[scaler, encoder, kNN]``), is scored
      on the steps before it, its embedding;
    - a pair classifier on the mean ``decision_function`` (or probability
      of ``classes_[1]``) of each class's (query, support) pairs, turned
      round when its ``pos_label_`` (its "same" label) is ``classes_[0]``.
      Each distinct pair is scored once, in as few calls as memory allows
      (one, unless the pairs would hold more than 2**24 values), in the
      layout the classifier was fitted on: ``[x1 | x2]`` rows when ``X`` is
      sparse, or 2-D and the classifier was fitted on twice as many
      features (``n_features_in_``), else pairs of shape ``(n_pairs, 2,
      *sample_shape)``.

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
        ``scorer(estimator, X, y)``, the accuracy of the fitted
        ``estimator`` on the samples ``X`` (typically of classes not seen
        in training) of labels ``y``; greater is better.

    See Also
    --------
    one_shot_accuracy : The metric, on embeddings or distances.

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
        _one_shot_score,
        dict(n_way=n_way, k_shot=k_shot, n_tasks=n_tasks, random_state=random_state),
    )


def _retrieval_score(estimator, X, y, *, metric_name):
    y = _check_labels(X, y)
    model = embedding_part(estimator)
    if not hasattr(model, "transform"):
        raise TypeError(
            "make_retrieval_scorer scores encoders, estimators with a transform "
            f"method (such as SiameseEncoder); {type(model).__name__} has "
            "none. Score a pair classifier with make_one_shot_scorer or "
            "make_pair_roc_auc_scorer."
        )
    check_is_fitted(model)
    metric = _RETRIEVAL_METRICS[metric_name]
    return metric(embed(model, X, len(y)), y, metric=distance_of(model).metric)


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


def _pair_roc_auc_score(estimator, X_pairs, y_pairs, *, pos_label):
    y = _check_labels(X_pairs, y_pairs, "X_pairs", "y_pairs")
    labels = np.unique(y).tolist()
    if len(labels) != 2:
        raise ValueError(
            "y_pairs must hold two labels, one for 'same' and one for "
            f"'different' pairs; got {len(labels)}: {labels[:10]}."
        )
    check_scorable(estimator, "make_pair_roc_auc_scorer")
    if pos_label is None:
        pos_label = getattr(final_estimator(estimator), "pos_label_", labels[1])
    if pos_label not in labels:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels in y_pairs: {labels}."
        )
    if hasattr(estimator, "transform"):
        scores = -encoder_pair_distances(estimator, X_pairs)
    else:
        scores = similarities(estimator, X_pairs, len(y), pos_label)
    return float(roc_auc_score(y == pos_label, scores))


@validate_params({"pos_label": "no_validation"}, prefer_skip_nested_validation=True)
def make_pair_roc_auc_scorer(*, pos_label=None):
    """Make a scorer of the ROC AUC of "same" versus "different" pairs.

    ``scorer(estimator, X_pairs, y_pairs)`` is
    :func:`sklearn.metrics.roc_auc_score` of ``y_pairs == pos_label`` and
    the pairs' scores: a pair classifier's ``decision_function`` (else its
    probability of ``classes_[1]``), turned round when ``pos_label`` is
    ``classes_[0]``; minus the distance of the two embeddings for an
    encoder, by its ``distance``. Unlike ``scoring="roc_auc"``, it scores
    encoders, and follows the estimator's "same" label.

    Parameters
    ----------
    pos_label : label, default=None
        The label of "same" pairs. ``None`` means the estimator's
        ``pos_label_`` if it has one (as :class:`~sklearn_siamese.PairClassifier`
        does), else the greater of the two labels (1 for {0, 1} and
        {-1, 1}, True for booleans).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X_pairs, y_pairs)``, in ``[0, 1]`` (0.5 is
        chance); greater is better. ``X_pairs`` are pairs in the layout a
        pair classifier was fitted on; for an encoder, of shape
        ``(n_pairs, 2, *sample_shape)`` or ``[x1 | x2]`` rows.
        ``y_pairs`` holds two labels.

    See Also
    --------
    sklearn.metrics.roc_auc_score : The metric, on scores already computed.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import PairClassifier, PairSampler
    >>> from sklearn_siamese.metrics import make_pair_roc_auc_scorer
    >>> scorer = make_pair_roc_auc_scorer()
    >>> scorer
    make_pair_roc_auc_scorer(pos_label=None)
    >>> X, y = load_digits(return_X_y=True)
    >>> pairs, same = PairSampler(n_pairs=500, random_state=0).fit_resample(X / 16, y)
    >>> clf = PairClassifier(max_epochs=2, random_state=0).fit(pairs, same)
    >>> scorer(clf, pairs, same) > 0.5
    True
    """
    return _Scorer(
        "make_pair_roc_auc_scorer", _pair_roc_auc_score, dict(pos_label=pos_label)
    )
