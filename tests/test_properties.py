"""Property-based tests (hypothesis) for the pair and triplet samplers."""

import re
from collections import Counter
from math import floor

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from sklearn_siamese.sampling import (
    PairSampler,
    _gather,
    make_pair_indices,
    make_triplet_indices,
)

FAST = settings(max_examples=50, deadline=None)

# Labels of one type per y (numpy cannot sort a mix of str and int): small
# alphabets so that classes repeat, strings of mixed lengths (including the
# empty string), floats with signed zeros and infinities.
label_lists = st.one_of(
    st.lists(st.integers(-3, 3), min_size=1, max_size=40),
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=10),
    st.lists(st.text(alphabet="ab\u00e9", max_size=4), min_size=1, max_size=40),
    st.lists(
        st.sampled_from([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf]),
        min_size=1,
        max_size=40,
    ),
    st.lists(st.booleans(), min_size=1, max_size=20),
)
seeds = st.integers(0, 2**32 - 1)


@FAST
@given(
    labels=label_lists,
    n_pairs=st.integers(1, 200),
    pos_fraction=st.floats(0, 1),
    seed=seeds,
)
def test_pairs_valid_balanced_or_clear_error(labels, n_pairs, pos_fraction, seed):
    y = np.asarray(labels)
    counts = Counter(y.tolist())
    eligible = {label for label, count in counts.items() if count >= 2}
    n_pos = floor(pos_fraction * n_pairs + 0.5)
    n_neg = n_pairs - n_pos

    if n_neg > 0 and len(counts) < 2:
        event("error: one class")
        msg = f"y has {len(counts)} class(es); different-class pairs need at least"
        with pytest.raises(ValueError, match=re.escape(msg)):
            make_pair_indices(y, n_pairs, pos_fraction=pos_fraction)
        return
    if n_pos > 0 and not eligible:
        event("error: no class with 2 samples")
        msg = f"requests {n_pos} same-class pair(s) but no class in y has at least 2"
        with pytest.raises(ValueError, match=re.escape(msg)):
            make_pair_indices(y, n_pairs, pos_fraction=pos_fraction)
        return

    event("pairs drawn")
    pairs, labels_out = make_pair_indices(
        y, n_pairs, pos_fraction=pos_fraction, random_state=seed
    )
    # shapes and exact positive / negative split
    assert pairs.shape == (n_pairs, 2)
    assert labels_out.shape == (n_pairs,)
    assert int(labels_out.sum()) == n_pos
    # labels agree with the classes; no sample is paired with itself
    assert np.all((pairs >= 0) & (pairs < len(y)))
    assert np.all(pairs[:, 0] != pairs[:, 1])
    assert_array_equal(labels_out, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int))
    # same-class pairs spread evenly over the classes with >= 2 samples
    pos_classes = Counter(y[pairs[labels_out == 1, 0]].tolist())
    assert set(pos_classes) <= eligible
    if n_pos >= len(eligible):
        assert set(pos_classes) == eligible
    if pos_classes:
        assert max(pos_classes.values()) - min(pos_classes.values()) <= 1
    # the same seed gives the same pairs
    again = make_pair_indices(y, n_pairs, pos_fraction=pos_fraction, random_state=seed)
    assert_array_equal(pairs, again[0])
    assert_array_equal(labels_out, again[1])


@FAST
@given(labels=label_lists, n_triplets=st.integers(1, 150), seed=seeds)
def test_triplets_valid_balanced_or_clear_error(labels, n_triplets, seed):
    y = np.asarray(labels)
    counts = Counter(y.tolist())
    eligible = {label for label, count in counts.items() if count >= 2}
    if len(counts) < 2:
        with pytest.raises(ValueError, match=re.escape("triplets need at least 2")):
            make_triplet_indices(y, n_triplets)
        return
    if not eligible:
        with pytest.raises(ValueError, match="No class in y has at least 2 samples"):
            make_triplet_indices(y, n_triplets)
        return

    triplets = make_triplet_indices(y, n_triplets, random_state=seed)
    assert triplets.shape == (n_triplets, 3)
    a, p, n = triplets.T
    assert np.all(a != p)
    assert np.all(y[a] == y[p])
    assert np.all(y[a] != y[n])
    anchor_classes = Counter(y[a].tolist())
    assert set(anchor_classes) <= eligible
    assert max(anchor_classes.values()) - min(anchor_classes.values()) <= 1
    assert_array_equal(triplets, make_triplet_indices(y, n_triplets, random_state=seed))


@FAST
@given(
    class_counts=st.lists(st.integers(2, 8), min_size=2, max_size=6),
    seed=seeds,
)
def test_adjacent_pairs_follow_the_keras_scheme(class_counts, seed):
    rng = np.random.RandomState(seed)
    y = rng.permutation(np.repeat(np.arange(len(class_counts)), class_counts))
    sampler = PairSampler(strategy="adjacent", random_state=seed)
    sampler.fit(np.zeros((len(y), 1)), y)
    pairs, labels = sampler.pair_indices_, sampler.pair_labels_
    n = min(class_counts) - 1
    assert pairs.shape == (2 * len(class_counts) * n, 2)
    assert_array_equal(labels, np.tile([1, 0], len(class_counts) * n))
    # position of each sample within its class, in order of appearance
    rank = np.empty(len(y), dtype=int)
    for label in range(len(class_counts)):
        members = np.flatnonzero(y == label)
        rank[members] = np.arange(len(members))
    pos, neg = pairs[0::2], pairs[1::2]
    expected_class = np.repeat(np.arange(len(class_counts)), n)
    expected_rank = np.tile(np.arange(n), len(class_counts))
    # same-class pair: sample i and sample i + 1 of class d, classes in order
    assert_array_equal(y[pos[:, 0]], expected_class)
    assert_array_equal(y[pos[:, 1]], expected_class)
    assert_array_equal(rank[pos[:, 0]], expected_rank)
    assert_array_equal(rank[pos[:, 1]], expected_rank + 1)
    # different-class pair: the same sample i, with sample i of another class
    assert_array_equal(neg[:, 0], pos[:, 0])
    assert np.all(y[neg[:, 1]] != y[neg[:, 0]])
    assert_array_equal(rank[neg[:, 1]], expected_rank)


@FAST
@given(
    n_samples=st.integers(1, 12),
    sample_shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    n_rows=st.integers(1, 20),
    k=st.integers(1, 3),
    seed=seeds,
)
def test_gather_equals_fancy_indexing(n_samples, sample_shape, n_rows, k, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, *sample_shape))
    idx = rng.randint(0, n_samples, size=(n_rows, k))
    assert_array_equal(_gather(X, idx), X[idx])
    if X.ndim == 2:
        flat = _gather(X, idx, layout="2d")
        assert_array_equal(flat, X[idx].reshape(n_rows, -1))
        X_sparse = sp.csr_matrix(np.where(X > 0, X, 0))
        assert_array_equal(
            _gather(X_sparse, idx, layout="2d").toarray(),
            np.where(X > 0, X, 0)[idx].reshape(n_rows, -1),
        )


@FAST
@given(
    labels=st.lists(st.sampled_from(["x", "yy", "zzz"]), min_size=4, max_size=30),
    n_pairs=st.integers(1, 60),
    seed=seeds,
)
def test_pair_sampler_layouts_agree(labels, n_pairs, seed):
    y = np.asarray(labels)
    if len(set(labels)) < 2 or max(Counter(labels).values()) < 2:
        return  # covered by the error properties above
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(len(y), 3)).astype(np.float32)
    X3, y3 = PairSampler(n_pairs, random_state=seed).fit_resample(X, y)
    X2, y2 = PairSampler(n_pairs, layout="2d", random_state=seed).fit_resample(X, y)
    X_sparse, y_sparse = PairSampler(
        n_pairs, layout="2d", random_state=seed
    ).fit_resample(sp.csr_matrix(X), y)
    assert X3.shape == (n_pairs, 2, 3)
    assert_array_equal(X2, X3.reshape(n_pairs, 6))
    assert_array_equal(X_sparse.toarray(), X2)
    assert_array_equal(y2, y3)
    assert_array_equal(y_sparse, y3)


@FAST
@given(n_rows=st.integers(1, 60), batch_size=st.integers(2, 20), seed=seeds)
def test_shuffled_batches_cover_every_row_once(n_rows, batch_size, seed):
    from sklearn_siamese.sampling import ShuffledBatches

    y = np.arange(n_rows) % 2
    batches = list(ShuffledBatches(batch_size)(y, np.random.default_rng(seed)))
    rows = np.concatenate([index for index, _ in batches])
    assert_array_equal(np.sort(rows), np.arange(n_rows))
    for index, target in batches:
        assert_array_equal(target, y[index])
    # full batches, then the rest; a lone last row joins the batch before
    full, rest = divmod(n_rows, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if rest == 1 and full:
        expected = [batch_size] * (full - 1) + [batch_size + 1]
    assert [len(index) for index, _ in batches] == expected


@FAST
@given(
    class_counts=st.lists(st.integers(1, 30), min_size=2, max_size=25),
    batch_size=st.integers(4, 64),
    samples_per_class=st.integers(2, 8),
    seed=seeds,
)
def test_class_balanced_batches_hold_distinct_classes_evenly(
    class_counts, batch_size, samples_per_class, seed
):
    from sklearn_siamese.sampling import ClassBalancedBatches

    y = np.repeat(np.arange(len(class_counts)), class_counts)
    eligible = np.flatnonzero(np.asarray(class_counts) >= 2)
    if len(eligible) < 2:
        return  # the estimators refuse such y
    plan = ClassBalancedBatches(batch_size, samples_per_class)
    # P classes in every batch, K samples of each (K as asked, up to half the
    # batch and the largest class; P = batch_size // K), unless there are
    # fewer classes than that
    counts = np.asarray(class_counts)
    k = min(samples_per_class, batch_size // 2, counts.max())
    p = max(2, batch_size // k)
    if p > len(eligible):
        p, k = len(eligible), max(2, batch_size // len(eligible))
    visits = np.zeros(len(class_counts), dtype=int)
    rows = 0
    for index, target in plan(y, np.random.default_rng(seed)):
        assert_array_equal(target, y[index])
        # no row twice; each class of a batch gives K rows, or all its rows
        # when it has fewer
        assert len(set(index)) == len(index)
        classes, taken = np.unique(target, return_counts=True)
        assert len(classes) == p and len(index) <= batch_size
        assert_array_equal(taken, np.minimum(k, counts[classes]))
        visits[classes] += 1
        rows += len(index)
    # an epoch holds about the rows of the classes that can train (those
    # of two samples or more), within a batch
    assert abs(rows - counts[eligible].sum()) <= batch_size
    assert set(np.flatnonzero(visits)) <= set(eligible)
    assert visits[eligible].max() - visits[eligible].min() <= 1


@FAST
@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=8),
    fraction=st.floats(0.01, 0.99),
    seed=seeds,
)
def test_stratified_holdout_keeps_two_of_each_class_to_train(counts, fraction, seed):
    # Every class of 4 or more rows gives between 2 and all but 2 of them,
    # whatever the fraction (0.75 of 4 rows used to leave one for training);
    # smaller classes stay whole in the training part.
    from sklearn_siamese._data import StratifiedHoldout, TensorData

    y = np.repeat(np.arange(len(counts)), counts)
    X = torch.arange(len(y), dtype=torch.float32)[:, None]
    data = TensorData(X, y)
    train, valid = StratifiedHoldout(fraction, seed)(data)
    n_train = np.bincount(train.y, minlength=len(counts))
    n_valid = np.bincount(valid.y, minlength=len(counts))
    assert_array_equal(n_train + n_valid, counts)
    rows = [part.take(slice(None))[:, 0].numpy() for part in (train, valid)]
    assert_array_equal(np.sort(np.concatenate(rows)), X[:, 0].numpy())
    for part, part_rows in zip((train, valid), rows):  # labels follow rows
        assert_array_equal(y[part_rows.astype(int)], part.y)
    assert train.X is X and valid.X is X  # the parts copy no data
    big = np.asarray(counts) >= 4
    assert (n_valid[~big] == 0).all()
    assert (n_valid[big] >= 2).all() and (n_train[big] >= 2).all()


@FAST
@given(
    n=st.integers(1, 40),
    picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
    seed=seeds,
)
def test_subsets_gather_the_rows_of_the_whole(n, picks, seed):
    # A subset of a subset (of pair sides too) gathers, by slice, by index
    # and by k-tuples, the rows that indexing the whole array gives.
    from sklearn_siamese._data import TensorData

    rng = np.random.RandomState(seed)
    A = torch.from_numpy(rng.normal(size=(n, 3)).astype(np.float32))
    data, pairs, rows = (
        TensorData(A, np.arange(n)),
        TensorData((A, A * 2)),
        np.arange(n),
    )
    for pick in picks:
        index = rng.choice(len(rows), 1 + pick % len(rows), replace=False)
        data, pairs, rows = data.subset(index), pairs.subset(index), rows[index]
        assert len(data) == len(pairs) == len(rows)
        assert_array_equal(data.y, rows)
    torch.testing.assert_close(data.take(slice(None)), A[rows])
    torch.testing.assert_close(data.unlabelled().take(slice(1, None)), A[rows[1:]])
    backwards = np.arange(len(rows))[::-1].copy()
    a, b = pairs.take(backwards)
    torch.testing.assert_close(a, A[rows[backwards]])
    torch.testing.assert_close(b, 2 * A[rows[backwards]])
    k_tuples = rng.randint(len(rows), size=(5, 3))
    for j, part in enumerate(data.take(k_tuples)):
        torch.testing.assert_close(part, A[rows[k_tuples[:, j]]])


@FAST
@given(
    counts=st.lists(st.integers(1, 6), min_size=2, max_size=6),
    n_candidates=st.integers(1, 12),
    seed=seeds,
)
def test_hard_triplets_are_triplets_no_farther_than_random(counts, n_candidates, seed):
    from sklearn_siamese import TripletSampler

    assume(max(counts) >= 2)  # else there is no positive to draw
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.random.RandomState(seed).normal(size=(len(y), 3))
    random = TripletSampler(random_state=seed).fit(X, y).triplet_indices_
    hard = TripletSampler(
        strategy="hard", n_candidates=n_candidates, random_state=seed
    ).fit(X, y)
    hard = hard.triplet_indices_
    a, p, n = hard.T
    assert ((y[a] == y[p]) & (a != p) & (y[a] != y[n])).all()
    assert_array_equal(hard[:, :2], random[:, :2])
    near = ((X[a] - X[n]) ** 2).sum(1)
    far = ((X[random[:, 0]] - X[random[:, 2]]) ** 2).sum(1)
    assert (near <= far).all()
