"""The vectorized core of pair and triplet drawing: row indices, never data.

:func:`make_pair_indices` and :func:`make_triplet_indices` (public through
:mod:`sklearn_siamese.sampling`) return *row indices* into the data, so an
estimator draws fresh pairs every epoch and gathers each batch on the fly;
the samplers and the training batch plans of :mod:`sklearn_siamese.sampling`
build on them.
"""

# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache
from math import floor
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d

from ._checks import check_missing_labels
from ._compat import (
    Amount,
    Count,
    validate_params,
)

__all__ = ["make_pair_indices", "make_triplet_indices"]

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
