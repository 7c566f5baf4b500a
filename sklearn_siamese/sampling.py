"""Balanced pairs and triplets drawn, by index, from labelled samples.

The functions :func:`make_pair_indices` and :func:`make_triplet_indices` are the
vectorized core: they return *row indices* into the data, never copies of it,
so an estimator can draw fresh pairs every epoch and gather each batch on the
fly. :class:`PairSampler` and :class:`TripletSampler` wrap them in the
imbalanced-learn sampler protocol (``fit_resample(X, y)``) so that pairs can be
built inside an ``imblearn.pipeline.Pipeline``.
"""

# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass, fields
from functools import lru_cache
from math import ceil, floor
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import InputTags, Tags, check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._checks import check_missing_labels, validate_numeric_data
from ._compat import (
    Amount,
    Count,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    validate_params,
)

__all__ = [
    "PairSampler",
    "TripletSampler",
    "make_pair_indices",
    "make_triplet_indices",
]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _check_random_state(random_state):
    """Return a random generator; a numpy ``Generator`` is used as is.

    Everything downstream only calls ``rng.random`` and ``rng.permutation``,
    which ``RandomState`` and ``Generator`` both provide.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return check_random_state(random_state)


def _entropy(random_state):
    """128 bits drawn from a ``RandomState``, to seed a ``Generator`` with."""
    return tuple(random_state.randint(2**32, size=4, dtype=np.uint32).tolist())


@lru_cache(maxsize=64)
def _int_seed_entropy(seed):
    """``_entropy(RandomState(seed))``, cached: ``RandomState(seed)`` alone
    takes ~0.1 ms to build."""
    return _entropy(np.random.RandomState(seed))


def _as_generator(random_state):
    """A numpy ``Generator`` for ``random_state``; one passed in is used as is.

    ``Generator`` draws are faster than ``RandomState`` ones. An int, None or
    a ``RandomState`` seeds a fresh ``Generator`` from the ``RandomState``
    that :func:`sklearn.utils.check_random_state` gives, so an int and
    ``RandomState(int)`` draw the same pairs, a ``RandomState`` instance moves
    on between calls, and ``None`` follows ``np.random.seed``. Its bit
    generator is ``SFC64``, numpy's fastest (~10-20% faster shuffles and
    draws than the default ``PCG64``).
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, Integral):
        entropy = _int_seed_entropy(int(random_state))
    else:
        entropy = _entropy(check_random_state(random_state))
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(entropy)))


def _uniform_below(rng, high, size=None):
    """Uniform integers in ``[0, high)``; ``high`` (all >= 1) may vary per entry.

    Vectorized over per-row bounds; works with both ``RandomState`` and
    ``Generator`` because it only needs ``rng.random``. ``floor(u * high)``
    with ``0 <= u <= 1 - 2**-53`` never rounds up to ``high`` (the product is
    at least half a unit in the last place below it), so no clipping is needed.
    """
    draws = rng.random(np.shape(high) if size is None else size)
    draws *= high
    return draws.astype(np.intp)


def _cycle(values, n):
    """``values`` repeated cyclically to length ``n`` (like ``np.resize``)."""
    if n == 0 or values.shape[0] == 0:
        return np.zeros(n, dtype=values.dtype)
    return np.tile(values, -(-n // values.shape[0]))[:n]


def _encode_labels(y):
    """Check labels and encode them as integers in ``[0, n_classes)``.

    Returns ``classes, y_encoded, counts``. Any hashable, mutually comparable
    labels are accepted (ints, floats, strings, objects); missing labels (NaN
    or None) and empty ``y`` are rejected.
    """
    if not (type(y) is np.ndarray and y.ndim == 1 and y.dtype.kind in "iu"):
        # (column_or_1d returns such a y as is, at ~0.05-0.2 ms per call.)
        y = column_or_1d(y)
    if y.shape[0] == 0:
        raise ValueError(
            "y is empty; pairs and triplets are drawn from labelled samples, "
            "so pass at least 2 labels."
        )
    check_missing_labels(y)
    if y.dtype.kind in "iu":
        # Non-negative integer labels of small range (class ids): count them
        # directly instead of sorting them (np.unique).
        y_min, y_max = int(y.min()), int(y.max())
        if y_min >= 0 and y_max <= max(y.shape[0], 1024):
            counts = np.bincount(y.astype(np.intp, copy=False))
            present = counts > 0
            if present.all():
                return np.arange(y_max + 1, dtype=y.dtype), y, counts
            classes = np.flatnonzero(present)
            code = np.cumsum(present) - 1
            return classes.astype(y.dtype), code[y], counts[classes]
    try:
        classes, y_encoded = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise TypeError(
            "y mixes label types that cannot be compared with each other "
            "(for example str and int); convert the labels to one type first, "
            "e.g. np.asarray(y, dtype=str)."
        ) from exc
    y_encoded = y_encoded.reshape(-1)
    counts = np.bincount(y_encoded, minlength=classes.shape[0])
    return classes, y_encoded, counts


def _class_layout(y_encoded, counts):
    """Sample indices grouped by class, and where each class starts.

    ``order[offsets[c] + k]`` is the k-th sample of class ``c`` (in the order
    of appearance in ``y``).
    """
    codes = y_encoded
    # A stable sort gives the same order whatever the dtype; with few classes
    # a small dtype lets numpy use its radix sort.
    for small in (np.uint8, np.uint16):
        if counts.shape[0] <= np.iinfo(small).max + 1:
            codes = y_encoded.astype(small)
            break
    order = np.argsort(codes, kind="stable")
    offsets = np.cumsum(counts) - counts
    return order, offsets


def _n_positive(n_pairs, pos_fraction):
    """``pos_fraction * n_pairs`` rounded to the nearest int, halves up."""
    return min(int(floor(pos_fraction * n_pairs + 0.5)), n_pairs)


def _balanced_counts(n_items, n_bins, rng):
    """How many of ``n_items`` each of ``n_bins`` bins gets: ``n_items //
    n_bins``, plus one for ``n_items % n_bins`` bins drawn at random."""
    if n_bins == 0:
        return np.zeros(0, dtype=np.intp)
    quotient, remainder = divmod(n_items, n_bins)
    sizes = np.full(n_bins, quotient, dtype=np.intp)
    sizes[rng.permutation(n_bins)[:remainder]] += 1
    return sizes


def _negative_blocks(n_neg, n_classes, rng):
    """Classes ``(first, second)`` of the different-class pairs, in blocks.

    Returns ``first, second, sizes``: ``sizes[i]`` pairs have their first
    member in class ``first[i]`` and their second in ``second[i]``. Class
    ``a`` is spread evenly over all classes, class ``b`` is uniform among the
    ``n_classes - 1`` others and the pair is ``(a, b)`` or ``(b, a)`` with
    probability 1/2 each. With few classes the pairs are counted per ordered
    class pair (multinomial, then binomial counts); with many, each pair is a
    block of its own. (A count costs more than a per-pair draw, but many small
    blocks slow down the member draws; the threshold was measured.)
    """
    class_a = _balanced_counts(n_neg, n_classes, rng)
    if 4 * n_classes * (n_classes - 1) <= n_neg:
        # per_b[a, j]: pairs of class a with class b = j + (j >= a)
        per_b = rng.multinomial(class_a, np.full(n_classes - 1, 1 / (n_classes - 1)))
        swapped = rng.binomial(per_b, 0.5)
        a = np.repeat(np.arange(n_classes), n_classes - 1)
        b = np.tile(np.arange(n_classes - 1), n_classes)
        b += b >= a
        return (
            np.concatenate((a, b)),
            np.concatenate((b, a)),
            np.concatenate(((per_b - swapped).ravel(), swapped.ravel())),
        )
    a = np.repeat(np.arange(n_classes), class_a)
    b = _uniform_below(rng, n_classes - 1, size=n_neg)
    b += b >= a
    swap = rng.random(n_neg) < 0.5
    first = np.where(swap, b, a)
    return first, a + b - first, np.ones(n_neg, dtype=np.intp)


# Rows per chunk in _draw_pairs: its temporaries stay small (~128 KiB each),
# so they are reused from one chunk to the next and stay in cache.
_CHUNK = 8192


def _draw_pairs(y_encoded, counts, n_pairs, pos_fraction, random_state):
    """Vectorized core of :func:`make_pair_indices`, on encoded labels.

    The pairs come in blocks of pairs that share the classes of their two
    members: one block per class with at least 2 samples for the same-class
    pairs, then the blocks of :func:`_negative_blocks`. The block ids of all
    pairs are shuffled, which puts the pairs in random order; then each pair
    draws its two members within their classes, a chunk of rows at a time.
    """
    n_classes = counts.shape[0]
    n_pos = _n_positive(n_pairs, pos_fraction)
    n_neg = n_pairs - n_pos
    eligible = np.flatnonzero(counts >= 2)

    if n_neg > 0 and n_classes < 2:
        raise ValueError(
            f"y has {n_classes} class(es); different-class pairs need at least "
            "2 classes. Pass labels of at least 2 classes, or pos_fraction=1.0 "
            "to build same-class pairs only."
        )
    if n_pos > 0 and eligible.shape[0] == 0:
        raise ValueError(
            f"pos_fraction={pos_fraction!r} requests {n_pos} same-class pair(s) "
            "but no class in y has at least 2 samples. Pass pos_fraction=0.0 "
            "to build different-class pairs only, or add samples so that a "
            "class has at least 2."
        )

    rng = _as_generator(random_state)
    order, offsets = _class_layout(y_encoded, counts)

    # Blocks: same-class ones first (ids below n_pos_blocks), exactly
    # balanced over the eligible classes (sizes differ by at most one).
    n_pos_blocks = eligible.shape[0]
    first, second = eligible, eligible
    sizes = _balanced_counts(n_pos, n_pos_blocks, rng)
    if n_neg > 0:
        neg_first, neg_second, neg_sizes = _negative_blocks(n_neg, n_classes, rng)
        first = np.concatenate((first, neg_first))
        second = np.concatenate((second, neg_second))
        sizes = np.concatenate((sizes, neg_sizes))
    # Members are drawn as floor(u * count) (see _uniform_below) below these
    # bounds; the second member of a same-class pair among the count - 1
    # others, then shifted past the first so that it is never the first.
    bound_first = counts[first].astype(np.float64)
    bound_second = counts[second].astype(np.float64)
    bound_second[:n_pos_blocks] -= 1
    start_first = offsets[first]
    start_second = offsets[second]

    # The block id of every pair, in random order.
    block_ids = np.repeat(np.arange(first.shape[0], dtype=np.int64), sizes)
    rng.shuffle(block_ids)

    pair_indices = np.empty((n_pairs, 2), dtype=np.intp)
    for start in range(0, n_pairs, _CHUNK):
        block = block_ids[start : start + _CHUNK]
        member = rng.random((block.shape[0], 2))
        member[:, 0] *= bound_first[block]
        member[:, 1] *= bound_second[block]
        member = member.astype(np.intp)
        member[:, 1] += (member[:, 1] >= member[:, 0]) & (block < n_pos_blocks)
        member[:, 0] += start_first[block]
        member[:, 1] += start_second[block]
        # The positions are in range, so mode="clip" (which skips numpy's
        # bounds-checking copy) never clips.
        np.take(order, member, out=pair_indices[start : start + _CHUNK], mode="clip")
    # The labels overwrite the block ids (both int64, one pass, no new array).
    return pair_indices, np.less(block_ids, n_pos_blocks, out=block_ids)


def _adjacent_pairs(y_encoded, counts, classes, rng):
    """All pairs of the Keras ``create_pairs`` scheme, vectorized.

    For each class ``d`` (sorted order) and each position ``i < n`` with
    ``n = min(class counts) - 1``: the same-class pair ``(c_d[i], c_d[i + 1])``
    then the different-class pair ``(c_d[i], c_dn[i])`` with
    ``dn = (d + inc) % n_classes`` and ``inc`` uniform in
    ``1 .. n_classes - 1``; ``c_d`` lists the samples of class ``d`` in the
    order they appear in ``y``.
    """
    n_classes = counts.shape[0]
    if n_classes < 2:
        raise ValueError(f"y has {n_classes} class(es); pairs need at least 2 classes.")
    n = int(counts.min()) - 1
    if n < 1:
        smallest = classes[int(np.argmin(counts))]
        if isinstance(smallest, np.generic):
            smallest = smallest.item()  # 'z' rather than np.str_('z')
        raise ValueError(
            "strategy='adjacent' pairs sample i with sample i + 1 of every "
            "class, so every class needs at least 2 samples; class "
            f"{smallest!r} has 1. Use strategy='random', which handles "
            "single-sample classes."
        )
    order, offsets = _class_layout(y_encoded, counts)
    position = np.arange(n)
    start = offsets[:, np.newaxis] + position  # (n_classes, n)
    anchor = order[start]
    neighbour = order[start + 1]
    inc = 1 + _uniform_below(rng, n_classes - 1, size=(n_classes, n))
    other_class = (np.arange(n_classes)[:, np.newaxis] + inc) % n_classes
    other = order[offsets[other_class] + position]
    # (n_classes, n, [same, different], [first, second]), Keras' order.
    pairs = np.stack(
        (np.stack((anchor, neighbour), axis=-1), np.stack((anchor, other), axis=-1)),
        axis=2,
    )
    pair_indices = pairs.reshape(-1, 2).astype(np.intp, copy=False)
    pair_labels = np.tile(np.array([1, 0], dtype=np.int64), n_classes * n)
    return pair_indices, pair_labels


def _draw_triplets(y_encoded, counts, n_triplets, rng):
    """Vectorized core of :func:`make_triplet_indices`, on encoded labels."""
    n_classes = counts.shape[0]
    eligible = np.flatnonzero(counts >= 2)
    if n_classes < 2:
        raise ValueError(
            f"y has {n_classes} class(es); triplets need at least 2 classes "
            "(the negative comes from a class other than the anchor's)."
        )
    if eligible.shape[0] == 0:
        raise ValueError(
            "No class in y has at least 2 samples; a triplet needs an anchor "
            "and a distinct positive of the same class. Add samples so that "
            "a class has at least 2."
        )
    order, offsets = _class_layout(y_encoded, counts)

    # Balanced anchor classes, shuffled so that the triplets come in random
    # order (everything else is drawn independently per triplet).
    anchor_class = rng.permutation(_cycle(rng.permutation(eligible), n_triplets))
    count = counts[anchor_class]
    anchor = _uniform_below(rng, count)
    positive = _uniform_below(rng, count - 1)
    positive += positive >= anchor
    start = offsets[anchor_class]
    negative_class = _uniform_below(rng, n_classes - 1, size=n_triplets)
    negative_class += negative_class >= anchor_class
    negative = order[
        offsets[negative_class] + _uniform_below(rng, counts[negative_class])
    ]
    return np.column_stack(
        (order[start + anchor], order[start + positive], negative)
    ).astype(np.intp, copy=False)


# Values gathered at once when hard negatives are mined.
_MINING_BUDGET = 2**22


def _squared_distances(X, rows, others):
    """``|X[rows[i]] - X[others[i, j]]|^2``, shape ``others.shape``, in float64.

    Dense ``X`` of any shape is compared as flat rows, in chunks of about
    ``_MINING_BUDGET`` values; sparse ``X`` through row norms and dot
    products.
    """
    if sp.issparse(X):
        X = X.tocsr().astype(np.float64)  # small integer types would wrap
        norms = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        A = X[rows]
        dots = np.column_stack(
            [
                np.asarray(A.multiply(X[others[:, j]]).sum(axis=1)).ravel()
                for j in range(others.shape[1])
            ]
        )
        return np.maximum(norms[rows][:, None] + norms[others] - 2 * dots, 0.0)
    flat = X.reshape(X.shape[0], -1)
    # float32 only where it holds every value exactly (integers beyond 2**24
    # would round, and mining pick the farther negative)
    kind, size = flat.dtype.kind, flat.dtype.itemsize
    exact = (kind == "f" and size <= 4) or (kind in "biu" and size <= 2)
    dtype = np.float32 if exact else np.float64
    step = max(1, _MINING_BUDGET // (others.shape[1] * max(1, flat.shape[1])))
    out = np.empty(others.shape, dtype=np.float64)
    for start in range(0, len(rows), step):
        stop = start + step
        anchors = flat[rows[start:stop]].astype(dtype, copy=False)
        candidates = flat[others[start:stop]].astype(dtype, copy=False)
        out[start:stop] = np.square(candidates - anchors[:, None]).sum(axis=-1)
    return out


def _mine_hard_negatives(X, triplets, y_encoded, counts, n_candidates, rng):
    """Each triplet's negative replaced by the nearest to its anchor (in
    squared Euclidean distance between rows of ``X``) of ``n_candidates``
    negatives drawn as :func:`make_triplet_indices` draws one: its own and
    ``n_candidates - 1`` more."""
    order, offsets = _class_layout(y_encoded, counts)
    anchor_class = y_encoded[triplets[:, 0]]
    shape = (len(triplets), n_candidates - 1)
    negative_class = _uniform_below(rng, counts.shape[0] - 1, size=shape)
    negative_class += negative_class >= anchor_class[:, None]
    more = order[offsets[negative_class] + _uniform_below(rng, counts[negative_class])]
    candidates = np.column_stack((triplets[:, 2], more))
    distances = _squared_distances(X, triplets[:, 0], candidates)
    nearest = np.argmin(distances, axis=1)
    mined = triplets.copy()
    mined[:, 2] = candidates[np.arange(len(triplets)), nearest]
    return mined


def _gather(X, indices, *, layout="3d"):
    """Gather rows of ``X`` for an index array, without a Python loop.

    Parameters
    ----------
    X : ndarray of shape (n_samples, *sample_shape) or sparse matrix
        Samples. Sparse input must support row indexing (CSR is fastest).

    indices : ndarray of int of shape (n,) or (n, k)
        Row indices; ``k`` is 2 for pairs and 3 for triplets.

    layout : {"3d", "2d"}, default="3d"
        For 2-D ``indices``: ``"3d"`` returns shape ``(n, k, *sample_shape)``;
        ``"2d"`` concatenates the ``k`` rows side by side into shape
        ``(n, k * n_features)`` (``X`` must then be 2-D). Ignored for 1-D
        ``indices``, which return ``X[indices]``.

    Returns
    -------
    gathered : ndarray or sparse matrix
        Dense output is a fresh C-contiguous array of ``X``'s dtype; sparse
        output is CSR (only with 1-D ``indices`` or ``layout="2d"``).
    """
    indices = np.asarray(indices)
    if sp.issparse(X):
        if indices.ndim == 1:
            return X[indices]
        if layout != "2d":
            raise TypeError(
                "Sparse X cannot be stacked into a 3-D array of pairs or "
                "triplets; use layout='2d' (rows [x1 | x2], which stay sparse) "
                "or densify X with X.toarray()."
            )
        blocks = [X[indices[:, k]] for k in range(indices.shape[1])]
        return sp.hstack(blocks, format="csr", dtype=X.dtype)

    X = np.asarray(X)
    # One flat gather into a fresh contiguous array; the reshapes are free.
    gathered = np.take(X, indices.reshape(-1), axis=0)
    if indices.ndim == 1:
        return gathered
    if layout == "2d":
        if X.ndim != 2:
            raise ValueError(
                "layout='2d' needs 2-D X of shape (n_samples, n_features); got "
                f"X with shape {X.shape}. Use layout='3d' for images, or "
                "reshape X to 2-D first."
            )
        return gathered.reshape(indices.shape[0], -1)
    return gathered.reshape(indices.shape + X.shape[1:])


# ---------------------------------------------------------------------------
# Index-level API
# ---------------------------------------------------------------------------


_PAIR_INDICES_CONSTRAINTS = {
    "y": ["array-like"],
    "n_pairs": [Count(1, None, closed="left")],
    "pos_fraction": [Amount(0, 1, closed="both")],
    "random_state": ["random_state", np.random.Generator],
}


def _pair_indices_params_plainly_valid(y, n_pairs, pos_fraction, random_state):
    """A quick check that implies ``_PAIR_INDICES_CONSTRAINTS`` hold.

    ``validate_params`` costs ~0.1-0.2 ms per call, a noticeable part of
    :func:`make_pair_indices` on 100,000 pairs; it only runs (and raises its
    usual errors) when this check fails.
    """
    return (
        isinstance(y, np.ndarray)
        and isinstance(n_pairs, Integral)
        and not isinstance(n_pairs, (bool, np.bool_))
        and n_pairs >= 1
        and isinstance(pos_fraction, Real)
        and not isinstance(pos_fraction, (bool, np.bool_))
        and 0 <= pos_fraction <= 1
        and (
            random_state is None
            or isinstance(random_state, (np.random.RandomState, np.random.Generator))
            or (isinstance(random_state, Integral) and 0 <= random_state < 2**32)
        )
    )


def _validate_pair_indices_params(y, n_pairs, *, pos_fraction=0.5, random_state=None):
    """Raise ``validate_params``' error for invalid :func:`make_pair_indices`
    parameters; do nothing otherwise."""


_validate_pair_indices_params.__qualname__ = "make_pair_indices"  # error messages
_validate_pair_indices_params = validate_params(
    _PAIR_INDICES_CONSTRAINTS, prefer_skip_nested_validation=True
)(_validate_pair_indices_params)


def make_pair_indices(y, n_pairs, *, pos_fraction=0.5, random_state=None):
    """Draw balanced same-class and different-class pairs of sample indices.

    The pairs are index pairs into ``y`` (and so into the rows of the matching
    ``X``); no data is copied. Everything is vectorized: the cost is
    ``O(n_samples log n_samples + n_pairs)``.

    - ``round(pos_fraction * n_pairs)`` pairs (halves rounded up) are
      *same-class* pairs (label 1). Their classes are spread exactly evenly
      over the classes that have at least 2 samples (counts differ by at most
      one), and the two members are always distinct samples.
    - The other pairs are *different-class* pairs (label 0): a first class
      spread evenly over all classes, a second class uniform among the other
      classes, then a uniformly drawn member of each; the order of the two
      members is random.
    - The pairs are returned in random order.

    Classes with a single sample only appear in different-class pairs.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels of any hashable, mutually comparable type (ints, floats,
        strings, objects). Missing labels (NaN, NaT or None) are rejected.

    n_pairs : int
        Number of pairs to draw (at least 1).

    pos_fraction : float, default=0.5
        Fraction of same-class pairs, in ``[0, 1]``. At least two classes are
        needed whenever different-class pairs are requested; with
        ``pos_fraction=1.0`` a single class with at least 2 samples is enough.
        With ``pos_fraction=0.0`` no class needs 2 samples.

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw. Pass an int for the same pairs on every call.

    Returns
    -------
    pair_indices : ndarray of shape (n_pairs, 2), dtype=intp
        Row indices of the two members of each pair.

    pair_labels : ndarray of shape (n_pairs,), dtype=int64
        1 where both members share a class, 0 otherwise.

    Raises
    ------
    ValueError
        If ``y`` is empty or contains missing labels, if different-class pairs
        are requested and ``y`` has fewer than 2 classes, or if same-class
        pairs are requested and no class has at least 2 samples.

    See Also
    --------
    make_triplet_indices : Anchor, positive and negative indices.
    PairSampler : Pairs of samples in the imbalanced-learn sampler protocol.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import make_pair_indices
    >>> y = np.array(["cat", "cat", "dog", "dog", "dog", "owl"])
    >>> pairs, same = make_pair_indices(y, 8, random_state=0)
    >>> pairs.shape, int(same.sum())
    ((8, 2), 4)
    >>> bool(np.all((y[pairs[:, 0]] == y[pairs[:, 1]]) == same))
    True
    >>> bool(np.any(pairs[:, 0] == pairs[:, 1]))  # never a sample with itself
    False
    """
    if not _pair_indices_params_plainly_valid(y, n_pairs, pos_fraction, random_state):
        _validate_pair_indices_params(
            y, n_pairs, pos_fraction=pos_fraction, random_state=random_state
        )
    _, y_encoded, counts = _encode_labels(y)
    return _draw_pairs(
        y_encoded, counts, int(n_pairs), float(pos_fraction), random_state
    )


@validate_params(
    {
        "y": ["array-like"],
        "n_triplets": [Count(1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
def make_triplet_indices(y, n_triplets, *, random_state=None):
    """Draw (anchor, positive, negative) triplets of sample indices.

    Anchors are spread exactly evenly over the classes that have at least 2
    samples (counts differ by at most one); the positive is another sample of
    the anchor's class (never the anchor itself); the negative is a uniformly
    drawn sample of a class drawn uniformly among the other classes. Fully
    vectorized; the triplets are returned in random order.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels of any hashable, mutually comparable type. Missing labels
        (NaN, NaT or None) are rejected.

    n_triplets : int
        Number of triplets to draw (at least 1).

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw. Pass an int for the same triplets on every call.

    Returns
    -------
    triplet_indices : ndarray of shape (n_triplets, 3), dtype=intp
        Row indices of anchor, positive and negative, in that column order.

    Raises
    ------
    ValueError
        If ``y`` is empty or contains missing labels, has fewer than 2
        classes, or has no class with at least 2 samples.

    See Also
    --------
    make_pair_indices : Same-class and different-class pairs.
    TripletSampler : Triplets of samples in the imbalanced-learn sampler
        protocol.

    References
    ----------
    .. [1] F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: A Unified
       Embedding for Face Recognition and Clustering", CVPR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import make_triplet_indices
    >>> y = np.array([0, 0, 0, 1, 1, 2])
    >>> triplets = make_triplet_indices(y, 4, random_state=0)
    >>> triplets.shape
    (4, 3)
    >>> a, p, n = triplets.T
    >>> bool(np.all((y[a] == y[p]) & (a != p) & (y[a] != y[n])))
    True
    """
    rng = _check_random_state(random_state)
    _, y_encoded, counts = _encode_labels(y)
    return _draw_triplets(y_encoded, counts, int(n_triplets), rng)


# ---------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _SamplerTags:
    """Sampler tags, field for field as imbalanced-learn declares them."""

    sample_indices: bool = False


@dataclass(slots=True)
class _InputTags(InputTags):
    """scikit-learn's input tags plus imbalanced-learn's ``dataframe`` field."""

    dataframe: bool = False


@dataclass(slots=True)
class _Tags(Tags):
    """scikit-learn's tags plus ``sampler_tags``, as imbalanced-learn reads them.

    imbalanced-learn is not a dependency; carrying the same field lets its
    ``is_sampler`` and its sampler checks recognise our samplers.
    """

    sampler_tags: _SamplerTags | None = None


def _sampler_tags(base, *, layout):
    tags = _Tags(
        **{field.name: getattr(base, field.name) for field in fields(base)},
        sampler_tags=_SamplerTags(sample_indices=False),
    )
    tags.input_tags = _InputTags(
        **{
            field.name: getattr(base.input_tags, field.name)
            for field in fields(base.input_tags)
        },
        dataframe=True,
    )
    tags.estimator_type = "sampler"
    tags.target_tags.required = True
    tags.input_tags.two_d_array = True
    tags.input_tags.three_d_array = layout == "3d"
    tags.input_tags.sparse = layout == "2d"
    return tags


def _layout_is_2d(sampler):
    return sampler.layout == "2d"


class _BaseSampler(BaseEstimator):
    """Checks and plumbing shared by :class:`PairSampler` and :class:`TripletSampler`.

    A subclass names its count parameter (``_count_param``) and the prefixes
    of its output columns (``_feature_prefixes``), draws the row indices in
    ``_draw`` and builds the output from them in ``_resample``.
    """

    # imbalanced-learn's ``is_sampler`` looks for this attribute.
    _estimator_type = "sampler"

    def _fit(self, X, y):
        X, y = self._check_inputs(X, y)
        classes, y_encoded, counts = _encode_labels(y)
        rng = _check_random_state(self.random_state)
        self._draw(X, classes, y_encoded, counts, rng)
        return X, y

    def _check_inputs(self, X, y):
        if sp.issparse(X) and self.layout == "3d":
            raise TypeError(
                f"{type(self).__name__}(layout='3d') cannot stack sparse rows "
                "into a 3-D array; pass layout='2d' for sparse X (the "
                "concatenated rows stay sparse) or densify X with X.toarray()."
            )
        X, y = validate_numeric_data(
            self,
            X,
            y,
            accept_sparse="csr",
            allow_nd=True,
            dtype="numeric",
            ensure_min_samples=2,
        )
        if self.layout == "2d" and X.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}(layout='2d') needs 2-D X of shape "
                f"(n_samples, n_features); got X with shape {X.shape}. Use "
                "layout='3d' for images, or reshape X to 2-D first."
            )
        # (missing labels are refused by then: NaN by validate_data, None
        # and NA in object labels by validate_numeric_data)
        check_classification_targets(y)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the input and draw the pairs or triplets, without building them.

        Use :meth:`fit_resample` to get the pairs or triplets themselves;
        ``fit`` only stores their indices in ``pair_indices_`` or
        ``triplet_indices_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, *sample_shape)
            Samples: 2-D tabular data, 3-D ``(n, H, W)`` or 4-D
            ``(n, C, H, W)`` images. Sparse input needs ``layout="2d"``.

        y : array-like of shape (n_samples,)
            Class labels, as a scikit-learn classifier takes them: ints,
            strings, whole-number floats (continuous values are refused;
            :func:`make_pair_indices` groups any values).

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Draw pairs or triplets and return them with their labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, *sample_shape)
            Samples: 2-D tabular data, 3-D ``(n, H, W)`` or 4-D
            ``(n, C, H, W)`` images. Sparse input needs ``layout="2d"``.

        y : array-like of shape (n_samples,)
            Class labels, as a scikit-learn classifier takes them: ints,
            strings, whole-number floats (continuous values are refused;
            :func:`make_pair_indices` groups any values).

        Returns
        -------
        X_resampled : ndarray of shape (n_out, k, *sample_shape) or \
                {ndarray, sparse matrix} of shape (n_out, k * n_features)
            The ``n_out`` pairs (``k = 2``) of :class:`PairSampler` or
            triplets (``k = 3``: anchor, positive, negative) of
            :class:`TripletSampler`, laid out as ``layout`` says, in ``X``'s
            dtype.

        y_resampled : ndarray of shape (n_out,)
            For pairs (dtype int64), 1 where both members share a class, 0
            otherwise; for triplets, the class label of each anchor (also
            the positive's), taken from ``y``.
        """
        X, y = self._fit(X, y)
        return self._resample(X, y)

    @available_if(_layout_is_2d)
    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, for ``layout="2d"`` only.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None, ``feature_names_in_`` is used when
            defined, else ``["x0", "x1", ...]``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            For pairs (``[x1 | x2]``), ``x1__<name>`` for every input
            feature, then ``x2__<name>``; for triplets
            (``[anchor | positive | negative]``), ``anchor__<name>``, then
            ``positive__<name>``, then ``negative__<name>``.
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        prefixes = self._feature_prefixes
        return np.asarray(
            [f"{prefix}__{name}" for prefix in prefixes for name in names],
            dtype=object,
        )

    def __sklearn_tags__(self):
        return _sampler_tags(super().__sklearn_tags__(), layout=self.layout)


class PairSampler(_BaseSampler):
    """Build balanced same-class / different-class pairs of samples.

    ``fit_resample(X, y)`` turns labelled samples into labelled pairs: the
    imbalanced-learn sampler protocol, so the sampler can be the first step
    of an ``imblearn.pipeline.Pipeline`` (which applies it while fitting only)
    in front of any binary classifier of pairs. The pairs are drawn by index
    (:func:`~sklearn_siamese.sampling.make_pair_indices`); only the final
    output gathers the data.

    Parameters
    ----------
    n_pairs : int or "auto", default="auto"
        Number of pairs. With ``strategy="random"``, ``"auto"`` draws
        ``2 * n_samples`` pairs, so that each sample takes part in about four
        pairs. With ``strategy="adjacent"``, ``"auto"`` keeps all
        ``2 * n_classes * (min class count - 1)`` pairs of the scheme; an int
        keeps ``ceil(n_pairs / 2)`` of its (same, different) pair couples
        drawn at random, in the scheme's order, cut to ``n_pairs`` pairs, and
        more pairs than the scheme has raise a ``ValueError``.

    pos_fraction : float, default=0.5
        Fraction of same-class pairs (``round(pos_fraction * n_pairs)``,
        halves up), in ``[0, 1]``. ``strategy="adjacent"`` always builds as
        many same-class as different-class pairs, so any other value raises
        a ``ValueError`` there.

    strategy : {"random", "adjacent"}, default="random"
        How pairs are drawn.

        - ``"random"``: :func:`~sklearn_siamese.sampling.make_pair_indices`;
          same-class pairs spread
          evenly over the classes with at least 2 samples, different-class
          pairs over all classes, in random order. Handles imbalanced classes
          and single-sample classes.
        - ``"adjacent"``: the scheme of the Keras MNIST siamese example
          (``create_pairs``): for each class in sorted order and each position
          ``i`` below ``min class count - 1``, sample ``i`` of the class with
          sample ``i + 1`` (label 1), then sample ``i`` with sample ``i`` of a
          random other class (label 0), interleaved in that order. Every class
          needs at least 2 samples.

    layout : {"3d", "2d"}, default="3d"
        Shape of the returned pairs.

        - ``"3d"``: ``(n_pairs, 2, *sample_shape)``, the metric-learn
          convention; ``X`` may be 2-D tabular data or 3-D/4-D images.
        - ``"2d"``: rows ``[x1 | x2]`` of shape ``(n_pairs, 2 * n_features)``
          for 2-D ``X``, which any scikit-learn classifier accepts. Sparse
          ``X`` stays sparse (CSR).

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw of the pairs. Pass an int for the same pairs on every
        call.

    Attributes
    ----------
    pair_indices_ : ndarray of shape (n_pairs, 2), dtype=intp
        Row indices into ``X`` of the two members of each pair.

    pair_labels_ : ndarray of shape (n_pairs,), dtype=int64
        1 where both members share a class, 0 otherwise.

    n_features_in_ : int
        Number of features seen during :term:`fit` (``X.shape[1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn_siamese.sampling.make_pair_indices : The vectorized pair drawing
        used here.
    TripletSampler : Anchor, positive and negative triplets.

    Notes
    -----
    The output is always a numpy array (or a CSR matrix), also for pandas
    input: a pair is not a row of the input table. With ``layout="2d"``,
    :meth:`get_feature_names_out` names the columns ``x1__<feature>`` and
    ``x2__<feature>``.

    In a pipeline the sampler runs at fit time only; ``predict`` and
    ``score`` of the pipeline then expect pairs, laid out as the sampler
    lays them out.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import PairSampler
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> y = np.array(["a", "a", "a", "b", "b", "c"])
    >>> X_pairs, y_pairs = PairSampler(random_state=0).fit_resample(X, y)
    >>> X_pairs.shape, y_pairs.shape, int(y_pairs.sum())
    ((12, 2, 2), (12,), 6)
    >>> sampler = PairSampler(n_pairs=4, layout="2d", random_state=0)
    >>> X_rows, y_rows = sampler.fit_resample(X, y)
    >>> X_rows.shape
    (4, 4)
    >>> sampler.get_feature_names_out().tolist()
    ['x1__x0', 'x1__x1', 'x2__x0', 'x2__x1']
    """

    _count_param = "n_pairs"
    _feature_prefixes = ("x1", "x2")

    _parameter_constraints: dict = {
        "n_pairs": [Count(1, None, closed="left"), StrOptions({"auto"})],
        "pos_fraction": [Amount(0, 1, closed="both")],
        "strategy": [StrOptions({"random", "adjacent"})],
        "layout": [StrOptions({"3d", "2d"})],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_pairs="auto",
        *,
        pos_fraction=0.5,
        strategy="random",
        layout="3d",
        random_state=None,
    ):
        self.n_pairs = n_pairs
        self.pos_fraction = pos_fraction
        self.strategy = strategy
        self.layout = layout
        self.random_state = random_state

    def _draw(self, X, classes, y_encoded, counts, rng):
        if self.strategy == "adjacent":
            if self.pos_fraction != 0.5:
                raise ValueError(
                    f"pos_fraction={self.pos_fraction!r} has no effect with "
                    "strategy='adjacent', which builds one same-class and one "
                    "different-class pair per sample position; use "
                    "strategy='random' or leave pos_fraction=0.5."
                )
            pair_indices, pair_labels = _adjacent_pairs(y_encoded, counts, classes, rng)
            n_units = pair_indices.shape[0] // 2
            if self.n_pairs != "auto" and self.n_pairs != 2 * n_units:
                if self.n_pairs > 2 * n_units:
                    raise ValueError(
                        f"n_pairs ({self.n_pairs}) cannot be greater than the "
                        f"{2 * n_units} pairs strategy='adjacent' builds from "
                        "this y (2 * n_classes * (smallest class count - 1)); "
                        "use n_pairs='auto' or strategy='random'."
                    )
                keep = np.sort(rng.permutation(n_units)[: ceil(self.n_pairs / 2)])
                pair_indices = pair_indices.reshape(n_units, 2, 2)[keep]
                pair_indices = pair_indices.reshape(-1, 2)[: self.n_pairs]
                pair_labels = pair_labels[: self.n_pairs]
        else:
            n_pairs = 2 * X.shape[0] if self.n_pairs == "auto" else int(self.n_pairs)
            pair_indices, pair_labels = _draw_pairs(
                y_encoded, counts, n_pairs, float(self.pos_fraction), rng
            )

        self.pair_indices_ = pair_indices
        self.pair_labels_ = pair_labels

    def _resample(self, X, y):
        X_pairs = _gather(X, self.pair_indices_, layout=self.layout)
        return X_pairs, self.pair_labels_.copy()


class TripletSampler(_BaseSampler):
    """Build (anchor, positive, negative) triplets of samples.

    ``fit_resample(X, y)`` follows the imbalanced-learn sampler protocol and
    returns the triplets with the anchor's class label. The triplets are
    drawn by index (:func:`~sklearn_siamese.sampling.make_triplet_indices`):
    anchors spread evenly over
    the classes with at least 2 samples, the positive another sample of the
    anchor's class, the negative a sample of another class. With
    ``strategy="hard"`` the negative is mined: the nearest to the anchor, in
    the features of ``X``, of ``n_candidates`` negatives drawn that way
    (hard-negative mining on the input, e.g. after a scaler or a first
    encoder in a pipeline; :class:`~sklearn_siamese.SiameseEncoder` mines in
    its own embedding space during training with ``loss="triplet"``).

    Parameters
    ----------
    n_triplets : int or "auto", default="auto"
        Number of triplets. ``"auto"`` draws ``n_samples`` triplets, so that
        each sample takes part in about three.

    layout : {"3d", "2d"}, default="3d"
        Shape of the returned triplets: ``"3d"`` gives
        ``(n_triplets, 3, *sample_shape)``; ``"2d"`` gives rows
        ``[anchor | positive | negative]`` of shape
        ``(n_triplets, 3 * n_features)`` for 2-D ``X`` (sparse ``X`` stays
        sparse).

    strategy : {"random", "hard"}, default="random"
        ``"random"``: a uniformly drawn negative. ``"hard"``: the nearest to
        the anchor (squared Euclidean distance between the rows of ``X``,
        images flattened) of ``n_candidates`` random negatives.

    n_candidates : int, default=10
        Negatives compared per triplet with ``strategy="hard"``; more give
        harder negatives (1 is ``"random"``). Memory grows as
        ``n_triplets * n_candidates`` (the features of dense ``X`` are
        compared a chunk of triplets at a time).

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw of the triplets. Pass an int for the same triplets on
        every call.

    Attributes
    ----------
    triplet_indices_ : ndarray of shape (n_triplets, 3), dtype=intp
        Row indices into ``X`` of anchor, positive and negative.

    n_features_in_ : int
        Number of features seen during :term:`fit` (``X.shape[1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn_siamese.sampling.make_triplet_indices : The vectorized triplet
        drawing used here.
    PairSampler : Same-class and different-class pairs.

    References
    ----------
    .. [1] F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: A Unified
       Embedding for Face Recognition and Clustering", CVPR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import TripletSampler
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> y = np.array([0, 0, 0, 1, 1, 2])
    >>> X_triplets, y_anchor = TripletSampler(random_state=0).fit_resample(X, y)
    >>> X_triplets.shape, y_anchor.shape
    ((6, 3, 2), (6,))
    >>> sorted(set(y_anchor.tolist()))  # class 2 has no positive to offer
    [0, 1]
    """

    _count_param = "n_triplets"
    _feature_prefixes = ("anchor", "positive", "negative")

    _parameter_constraints: dict = {
        "n_triplets": [
            Count(1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "layout": [StrOptions({"3d", "2d"})],
        "strategy": [StrOptions({"random", "hard"})],
        "n_candidates": [Count(1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_triplets="auto",
        *,
        layout="3d",
        strategy="random",
        n_candidates=10,
        random_state=None,
    ):
        self.n_triplets = n_triplets
        self.layout = layout
        self.strategy = strategy
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _draw(self, X, classes, y_encoded, counts, rng):
        n_triplets = X.shape[0] if self.n_triplets == "auto" else int(self.n_triplets)
        triplets = _draw_triplets(y_encoded, counts, n_triplets, rng)
        if self.strategy == "hard" and self.n_candidates > 1:
            triplets = _mine_hard_negatives(
                X, triplets, y_encoded, counts, self.n_candidates, rng
            )
        self.triplet_indices_ = triplets

    def _resample(self, X, y):
        X_triplets = _gather(X, self.triplet_indices_, layout=self.layout)
        return X_triplets, y[self.triplet_indices_[:, 0]]


# --------------------------------------------------------------------------
# Batch plans: which rows make each training batch of one epoch.
# Each plan is a picklable callable ``plan(y, rng) -> iterator of
# (index, target)``; one call is one epoch, so batches are fresh every epoch.


class ClassBalancedBatches:
    """``P`` classes times ``K`` samples per batch, for in-batch losses.

    ``P = batch_size // K``, so a batch has at most ``batch_size`` rows;
    with fewer than ``P`` classes a batch holds every class, with
    ``batch_size // n_classes`` samples each.

    Classes with at least two samples are visited in random order, each
    equally often; within a class, samples are taken in a random cyclic
    order, so every sample is used about equally often. An epoch has about
    as many rows as the classes of two or more samples hold, and at least
    one batch. A class with fewer than ``K`` samples gives each of them
    once (no row appears twice in a batch: a row with its own copy would
    be a free same-class pair), so such batches are a little smaller; when
    every class is smaller than ``K``, ``K`` is the largest class size and
    more classes fill the batch.
    Targets are the class codes of the rows.
    """

    def __init__(self, batch_size, samples_per_class):
        self.batch_size = batch_size
        self.samples_per_class = samples_per_class

    def _layout(self, counts):
        """``(eligible classes, P, K, batches per epoch)`` for class sizes
        ``counts``."""
        eligible = np.flatnonzero(counts >= 2)
        n_classes = len(eligible)
        # P = batch_size // K classes of K samples (a batch of P * K rows,
        # at most batch_size); with fewer classes, all of them, each with
        # as many samples as fill the batch
        k = min(self.samples_per_class, self.batch_size // 2)
        k = min(k, counts[eligible].max())  # classes all smaller: P grows
        p = max(2, self.batch_size // k)
        if p > n_classes:
            p = n_classes
            k = max(2, self.batch_size // p)
        # A class of fewer than k samples gives each of them once (a row
        # twice in a batch would be a same-class pair at distance 0). An
        # epoch has about as many rows as the eligible classes hold.
        taken = np.minimum(k, counts[eligible])
        n_usable = counts[eligible].sum()
        n_batches = max(1, round(n_usable * n_classes / (p * taken.sum())))
        return eligible, p, k, n_batches

    def n_batches(self, y):
        """Batches per epoch for the class codes ``y``."""
        return self._layout(np.bincount(y))[3]

    def __call__(self, y, rng):
        n = len(y)
        counts = np.bincount(y)
        eligible, p, k, n_batches = self._layout(counts)
        n_classes = len(eligible)
        # Class sequence: concatenated random permutations of the classes.
        n_slots = n_batches * p
        reps = -(-n_slots // n_classes)
        perms = np.argsort(rng.random((reps, n_classes)), axis=1)
        if n_classes % p:
            _distinct_across_joins(perms, p)
        classes = eligible[perms.ravel()[:n_slots]]
        # The j-th visit of a class takes its members j*k ... j*k + k - 1 in a
        # per-epoch random cyclic order.
        visit_order = np.argsort(classes, kind="stable")
        first_visit = np.searchsorted(classes[visit_order], classes[visit_order])
        visit = np.empty(n_slots, dtype=np.intp)
        visit[visit_order] = np.arange(n_slots) - first_visit
        shuffled = rng.permutation(n)
        members = shuffled[np.argsort(y[shuffled], kind="stable")]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        sizes = counts[classes][:, None]
        offset = (visit[:, None] * k + np.arange(k)) % sizes
        index = members[starts[classes][:, None] + offset].reshape(n_batches, p * k)
        keep = (np.arange(k) < sizes).reshape(n_batches, p * k)
        for batch, rows in zip(index, keep):
            batch = batch[rows]
            yield batch, y[batch]


def _distinct_across_joins(perms, p):
    """Reorder the rows of ``perms`` (permutations of the classes, visited
    in sequence ``p`` at a time) so that a batch that takes the end of one
    row and the start of the next holds ``p`` distinct classes; every row
    stays a permutation, so visits stay balanced."""
    flat = perms.reshape(-1)
    n_classes = perms.shape[1]
    for row in range(1, len(perms)):
        start = row * n_classes
        fill = -start % p  # slots of the straddling batch taken from this row
        if not fill:
            continue
        clash = np.isin(perms[row], flat[start - (p - fill) : start])
        if clash[:fill].any():
            first = np.flatnonzero(~clash)[:fill]
            rest = np.ones(n_classes, dtype=bool)
            rest[first] = False
            perms[row] = np.concatenate([perms[row, first], perms[row, rest]])


class RandomPairBatches:
    """Isolated random pairs, half same-class, ``batch_size // 2`` per batch.

    Pairs come from :func:`~sklearn_siamese.sampling.make_pair_indices`; an
    epoch has ``len(y) // 2`` pairs, so it embeds about ``len(y)`` samples.
    Targets are 1 for same-class pairs and 0 otherwise.
    """

    def __init__(self, batch_size, pos_fraction=0.5):
        self.batch_size = batch_size
        self.pos_fraction = pos_fraction

    def __call__(self, y, rng):
        n_pairs = max(1, len(y) // 2)
        pairs, labels = make_pair_indices(
            y, n_pairs, pos_fraction=self.pos_fraction, random_state=_draw_seed(rng)
        )
        labels = labels.astype(np.float32)
        step = max(1, self.batch_size // 2)
        for start in range(0, n_pairs, step):
            yield pairs[start : start + step], labels[start : start + step]


class RandomTripletBatches:
    """Isolated random triplets, ``batch_size // 3`` per batch.

    Triplets come from :func:`~sklearn_siamese.sampling.make_triplet_indices`;
    an epoch has ``len(y) // 3`` triplets. There is no target.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        n = max(1, len(y) // 3)
        triplets = make_triplet_indices(y, n, random_state=_draw_seed(rng))
        step = max(1, self.batch_size // 3)
        for start in range(0, n, step):
            yield triplets[start : start + step], None


class ShuffledBatches:
    """Rows in a random order, ``batch_size`` per batch, with their targets.

    For data that already are pairs (``PairClassifier``). A last batch of a
    single row joins the batch before it: the branch of each side of a
    pseudo-siamese network would see one sample, which batch normalisation
    cannot train on.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        order = rng.permutation(len(y))
        starts = list(range(0, len(y), self.batch_size))
        if len(starts) > 1 and len(y) - starts[-1] == 1:
            starts.pop()
        for start, stop in zip(starts, [*starts[1:], len(y)]):
            batch = order[start:stop]
            yield batch, y[batch]


def _draw_seed(rng):
    return int(rng.integers(np.iinfo(np.int32).max))
