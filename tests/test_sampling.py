"""Behaviour tests for sklearn_siamese.sampling."""

import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from imblearn.base import is_sampler
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.sampling import (
    PairSampler,
    TripletSampler,
    _gather,
    make_pair_indices,
    make_triplet_indices,
)


def _assert_valid_pairs(y, pairs, labels):
    y = np.asarray(y)
    assert pairs.shape == (labels.shape[0], 2)
    assert pairs.dtype == np.intp
    assert labels.dtype == np.int64
    assert np.all((pairs >= 0) & (pairs < y.shape[0]))
    assert not np.any(pairs[:, 0] == pairs[:, 1]), "a sample paired with itself"
    assert_array_equal(labels, (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int))


def _assert_valid_triplets(y, triplets):
    y = np.asarray(y)
    a, p, n = triplets.T
    assert triplets.dtype == np.intp
    assert np.all(a != p)
    assert np.all(y[a] == y[p])
    assert np.all(y[a] != y[n])


# ---------------------------------------------------------------------------
# make_pair_indices
# ---------------------------------------------------------------------------


def test_make_pair_indices_basic():
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    pairs, labels = make_pair_indices(y, 101, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    # round(0.5 * 101) rounds the half up
    assert labels.sum() == 51
    # the pairs come out shuffled, not positives first
    assert not np.all(labels[:51] == 1)


@pytest.mark.parametrize(
    "pos_fraction, n_pos", [(0.0, 0), (0.25, 25), (0.3, 30), (0.999, 100), (1.0, 100)]
)
def test_make_pair_indices_pos_fraction(pos_fraction, n_pos):
    y = np.repeat(np.arange(4), 5)
    pairs, labels = make_pair_indices(y, 100, pos_fraction=pos_fraction, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    assert labels.sum() == n_pos


def test_make_pair_indices_string_and_object_labels():
    y = np.array(["cat", "dog", "cat", "a much longer label", "dog", "cat"])
    pairs, labels = make_pair_indices(y, 40, random_state=1)
    _assert_valid_pairs(y, pairs, labels)

    y_obj = np.empty(6, dtype=object)
    y_obj[:] = [("a", 1), ("b", 2), ("a", 1), ("b", 2), ("c", 3), ("a", 1)]
    pairs, labels = make_pair_indices(y_obj, 30, random_state=1)
    same = np.array([y_obj[i] == y_obj[j] for i, j in pairs], dtype=int)
    assert_array_equal(labels, same)

    y_float = [0.5, 0.5, 1.5, 1.5, -2.0]
    pairs, labels = make_pair_indices(y_float, 30, random_state=1)
    _assert_valid_pairs(y_float, pairs, labels)


def test_make_pair_indices_same_class_pairs_balanced_over_eligible_classes():
    # heavily imbalanced: 1000 / 10 / 2 samples, plus two singletons
    y = np.array([0] * 1000 + [1] * 10 + [2] * 2 + [3] + [4])
    pairs, labels = make_pair_indices(y, 1000, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    pos_classes = Counter(y[pairs[labels == 1, 0]].tolist())
    assert set(pos_classes) == {0, 1, 2}
    assert max(pos_classes.values()) - min(pos_classes.values()) <= 1


def test_make_pair_indices_singletons_only_in_different_class_pairs():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 2, 3])
    pairs, labels = make_pair_indices(y, 900, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    singleton = np.isin(pairs, [7, 8]).any(axis=1)
    assert np.all(labels[singleton] == 0)
    # negatives are balanced over classes: each class is the "first" class
    # of a quarter of them, so a singleton takes part in at least that many
    n_neg = int((labels == 0).sum())
    for index in (7, 8):
        assert np.isin(pairs, index).any(axis=1).sum() >= n_neg // 4


def test_make_pair_indices_all_singletons_with_pos_fraction_zero():
    y = np.arange(5)
    pairs, labels = make_pair_indices(y, 20, pos_fraction=0.0, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    assert labels.sum() == 0


def test_make_pair_indices_one_class_with_pos_fraction_one():
    y = ["only"] * 4
    pairs, labels = make_pair_indices(y, 10, pos_fraction=1.0, random_state=0)
    _assert_valid_pairs(y, pairs, labels)
    assert labels.sum() == 10


def test_make_pair_indices_members_uniform_within_class():
    # 3 samples per class: 6 ordered same-class pairs per class, each drawn
    # with probability 1/12 (expected 500 of 6000; sd about 21).
    y = np.array([0, 0, 0, 1, 1, 1])
    pairs, _ = make_pair_indices(y, 6000, pos_fraction=1.0, random_state=0)
    freq = Counter(map(tuple, pairs.tolist()))
    assert len(freq) == 12
    assert 400 < min(freq.values()) and max(freq.values()) < 600
    # different-class pairs: all 18 ordered cross-class pairs, about equally
    pairs, _ = make_pair_indices(y, 9000, pos_fraction=0.0, random_state=0)
    freq = Counter(map(tuple, pairs.tolist()))
    assert len(freq) == 18
    assert 400 < min(freq.values()) and max(freq.values()) < 600


def test_make_pair_indices_negatives_use_both_positions():
    y = np.repeat([0, 1], [50, 50])
    pairs, labels = make_pair_indices(y, 2000, pos_fraction=0.0, random_state=0)
    first_class = y[pairs[:, 0]]
    # the within-pair order is random, so class 0 comes first about half
    # the time (binomial(2000, 0.5): 0.4..0.6 is > 8 standard deviations)
    assert 0.4 < first_class.mean() < 0.6


def test_make_pair_indices_reproducible():
    y = np.repeat(np.arange(5), 7)
    first = make_pair_indices(y, 50, random_state=42)
    second = make_pair_indices(y, 50, random_state=np.int64(42))
    other = make_pair_indices(y, 50, random_state=43)
    assert_array_equal(first[0], second[0])
    assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other[0])

    from_rs = make_pair_indices(y, 50, random_state=np.random.RandomState(42))
    assert_array_equal(first[0], from_rs[0])

    gen_a = make_pair_indices(y, 50, random_state=np.random.default_rng(7))
    gen_b = make_pair_indices(y, 50, random_state=np.random.default_rng(7))
    assert_array_equal(gen_a[0], gen_b[0])
    _assert_valid_pairs(y, *gen_a)


def test_make_pair_indices_numpy_scalar_params():
    y = np.repeat(np.arange(3), 4)
    pairs, labels = make_pair_indices(
        y, np.int64(12), pos_fraction=np.float32(0.25), random_state=np.int32(0)
    )
    assert pairs.shape == (12, 2)
    assert labels.sum() == 3


def test_make_pair_indices_column_vector_y():
    y = np.repeat(np.arange(3), 4)
    pairs, labels = make_pair_indices(y[:, np.newaxis], 12, random_state=0)
    expected = make_pair_indices(y, 12, random_state=0)
    assert_array_equal(pairs, expected[0])


@pytest.mark.parametrize(
    "y, kwargs, message",
    [
        (
            [1, 1, 1],
            {},
            "y has 1 class(es); different-class pairs need at least 2 classes. "
            "Pass labels of at least 2 classes, or pos_fraction=1.0 to build "
            "same-class pairs only.",
        ),
        (
            ["solo"],
            {"pos_fraction": 0.0},
            "y has 1 class(es); different-class pairs need at least 2 classes.",
        ),
        (
            [0, 1, 2],
            {},
            "pos_fraction=0.5 requests 5 same-class pair(s) but no class in y has "
            "at least 2 samples. Pass pos_fraction=0.0 to build different-class "
            "pairs only, or add samples so that a class has at least 2.",
        ),
        (
            [7],
            {"pos_fraction": 1.0},
            "pos_fraction=1.0 requests 10 same-class pair(s) but no class in y",
        ),
        ([], {}, "y is empty; pairs and triplets are drawn from labelled samples"),
        (
            [0.0, 1.0, np.nan, 1.0],
            {},
            "y contains 1 missing label(s) (NaN, NaT or None), first at position 2; "
            "drop those samples or give them a class label.",
        ),
        (
            np.array(["a", None, "b", None], dtype=object),
            {},
            "y contains 2 missing label(s) (NaN, NaT or None), first at position 1",
        ),
        (
            np.array(["a", float("nan"), "b"], dtype=object),
            {},
            "y contains 1 missing label(s) (NaN, NaT or None), first at position 1",
        ),
        (  # pandas' NA: its comparisons are NA, not a bool
            np.array(["a", "a", pd.NA, "b"], dtype=object),
            {},
            "y contains 1 missing label(s) (NaN, NaT or None), first at position 2",
        ),
        (  # NaT: np.unique made one class of all unknown dates
            np.array(["2026-01-01", "NaT", "2026-01-01", "NaT"], dtype="M8[D]"),
            {},
            "y contains 2 missing label(s) (NaN, NaT or None), first at position 1",
        ),
        (
            np.array([1, "NaT", 1, 2], dtype="m8[s]"),
            {},
            "y contains 1 missing label(s) (NaN, NaT or None), first at position 1",
        ),
        (
            [0, 0, 1, 1],
            {"pos_fraction": True},
            "The 'pos_fraction' parameter of make_pair_indices must be a float "
            "in the range [0.0, 1.0]. Got True instead.",
        ),
        (
            np.zeros((4, 2)),
            {},
            "y should be a 1d array, got an array of shape (4, 2) instead.",
        ),
    ],
)
def test_make_pair_indices_errors(y, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_pair_indices(y, 10, **kwargs)


def test_make_pair_indices_mixed_label_types():
    msg = "y mixes label types that cannot be compared with each other"
    with pytest.raises(TypeError, match=msg):
        make_pair_indices(np.array([1, "a", 1, "a"], dtype=object), 4)


@pytest.mark.parametrize("n_pairs", [0, -3, 2.5, "10", None, True, np.bool_(True)])
def test_make_pair_indices_invalid_n_pairs(n_pairs):
    msg = "The 'n_pairs' parameter of make_pair_indices must be an int in the range"
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_pair_indices([0, 0, 1, 1], n_pairs)


@pytest.mark.parametrize("pos_fraction", [-0.1, 1.5, np.nan, "half"])
def test_make_pair_indices_invalid_pos_fraction(pos_fraction):
    msg = (
        "The 'pos_fraction' parameter of make_pair_indices must be a float in "
        "the range [0.0, 1.0]."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_pair_indices([0, 0, 1, 1], 4, pos_fraction=pos_fraction)


def test_make_pair_indices_invalid_random_state():
    with pytest.raises(ValueError, match="The 'random_state' parameter"):
        make_pair_indices([0, 0, 1, 1], 4, random_state="seed")


# ---------------------------------------------------------------------------
# make_triplet_indices
# ---------------------------------------------------------------------------


def test_different_class_pairs_are_balanced_over_classes():
    # the first class of a different-class pair spreads evenly over the
    # classes, the second is uniform among the others: every class takes
    # part equally often and every couple of classes appears
    y = np.repeat(np.arange(10), [5, 10, 20, 50, 100, 2, 3, 7, 30, 60])
    pairs, labels = make_pair_indices(y, 9000, pos_fraction=0.0, random_state=0)
    assert not labels.any()
    first, second = y[pairs[:, 0]], y[pairs[:, 1]]
    # 900 as the evenly spread class (either side), 900 +- 28 as the other
    per_class = np.bincount(np.r_[first, second], minlength=10)
    assert np.abs(per_class - 1800).max() < 5 * np.sqrt(900 * 0.9)
    couples = np.bincount(
        np.minimum(first, second) * 10 + np.maximum(first, second), minlength=100
    )
    expected = 9000 / 45
    present = couples[couples > 0]
    assert len(present) == 45
    assert np.abs(present - expected).max() < 5 * np.sqrt(expected)


def test_make_triplet_indices_valid_and_balanced():
    y = np.array(["x"] * 500 + ["y"] * 3 + ["z"] * 2 + ["w"])
    triplets = make_triplet_indices(y, 301, random_state=0)
    assert triplets.shape == (301, 3)
    _assert_valid_triplets(y, triplets)
    anchor_classes = Counter(y[triplets[:, 0]].tolist())
    assert set(anchor_classes) == {"x", "y", "z"}
    assert max(anchor_classes.values()) - min(anchor_classes.values()) <= 1
    # the singleton still serves as a negative
    assert np.any(y[triplets[:, 2]] == "w")


def test_make_triplet_indices_reproducible():
    y = np.repeat(np.arange(4), 3)
    assert_array_equal(
        make_triplet_indices(y, 20, random_state=3),
        make_triplet_indices(y, np.int64(20), random_state=3),
    )


@pytest.mark.parametrize(
    "y, message",
    [
        (
            [0, 0, 0],
            "y has 1 class(es); triplets need at least 2 classes (the negative "
            "comes from a class other than the anchor's).",
        ),
        (
            ["a", "b", "c"],
            "No class in y has at least 2 samples; a triplet needs an anchor and "
            "a distinct positive of the same class.",
        ),
        ([], "y is empty"),
        ([0, np.nan, 1, 1], "y contains 1 missing label(s) (NaN, NaT or None)"),
    ],
)
def test_make_triplet_indices_errors(y, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_triplet_indices(y, 5)


@pytest.mark.parametrize("n_triplets", [0, 1.5, True])
def test_make_triplet_indices_invalid_n_triplets(n_triplets):
    msg = "The 'n_triplets' parameter of make_triplet_indices must be an int"
    with pytest.raises(ValueError, match=re.escape(msg)):
        make_triplet_indices([0, 0, 1, 1], n_triplets)


# ---------------------------------------------------------------------------
# _gather
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(7, 3), (7, 4, 5), (7, 2, 4, 5)])
def test_gather_dense_any_ndim(shape):
    X = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    idx = np.array([[0, 6], [3, 3], [5, 1]])
    out = _gather(X, idx)
    assert out.shape == (3, 2, *shape[1:])
    assert out.dtype == np.float32
    assert out.flags.c_contiguous
    assert_array_equal(out, X[idx])
    assert_array_equal(_gather(X, idx[:, 0]), X[idx[:, 0]])


def test_gather_2d_layout_concatenates_rows():
    X = np.arange(21).reshape(7, 3)
    idx = np.array([[0, 6, 2], [3, 3, 4]])
    assert_array_equal(
        _gather(X, idx, layout="2d"), np.hstack([X[idx[:, k]] for k in range(3)])
    )
    with pytest.raises(ValueError, match=re.escape("layout='2d' needs 2-D X")):
        _gather(np.zeros((7, 2, 2)), idx, layout="2d")


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
def test_gather_sparse(container):
    dense = np.random.RandomState(0).binomial(1, 0.3, size=(6, 4)).astype(float)
    X = container(dense)
    idx = np.array([[0, 5], [2, 2], [4, 1]])
    out = _gather(X, idx, layout="2d")
    assert sp.issparse(out)
    assert out.format == "csr"
    assert_array_equal(out.toarray(), np.hstack([dense[idx[:, 0]], dense[idx[:, 1]]]))
    assert_array_equal(_gather(X, idx[:, 1]).toarray(), dense[idx[:, 1]])
    with pytest.raises(TypeError, match="Sparse X cannot be stacked into a 3-D"):
        _gather(X, idx)


# ---------------------------------------------------------------------------
# PairSampler
# ---------------------------------------------------------------------------


@pytest.fixture
def tabular():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4)).astype(np.float32)
    y = np.array(["ant", "bee", "cow"])[rng.randint(0, 3, size=30)]
    return X, y


def test_pair_sampler_3d_tabular(tabular):
    X, y = tabular
    sampler = PairSampler(random_state=0)
    X_pairs, y_pairs = sampler.fit_resample(X, y)
    assert X_pairs.shape == (60, 2, 4)  # n_pairs="auto" is 2 * n_samples
    assert X_pairs.dtype == np.float32
    assert_array_equal(X_pairs, X[sampler.pair_indices_])
    assert_array_equal(y_pairs, sampler.pair_labels_)
    _assert_valid_pairs(y, sampler.pair_indices_, y_pairs)
    assert y_pairs.sum() == 30
    assert sampler.n_features_in_ == 4
    assert not hasattr(sampler, "feature_names_in_")


@pytest.mark.parametrize("sample_shape", [(8, 8), (1, 8, 8), (3, 5, 4)])
def test_pair_sampler_images(sample_shape):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(20, *sample_shape))
    y = np.repeat(np.arange(4), 5)
    sampler = PairSampler(n_pairs=16, random_state=0)
    X_pairs, y_pairs = sampler.fit_resample(X, y)
    assert X_pairs.shape == (16, 2, *sample_shape)
    assert_array_equal(X_pairs, X[sampler.pair_indices_])


def test_pair_sampler_2d_layout_matches_3d(tabular):
    X, y = tabular
    X3, y3 = PairSampler(n_pairs=25, random_state=0).fit_resample(X, y)
    X2, y2 = PairSampler(n_pairs=25, layout="2d", random_state=0).fit_resample(X, y)
    assert X2.shape == (25, 8)
    assert_array_equal(X2, X3.reshape(25, 8))
    assert_array_equal(X2[:, :4], X3[:, 0])
    assert_array_equal(y2, y3)


def test_pair_sampler_2d_layout_rejects_images():
    X = np.zeros((6, 3, 3))
    msg = "PairSampler(layout='2d') needs 2-D X of shape (n_samples, n_features)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        PairSampler(layout="2d").fit_resample(X, [0, 0, 0, 1, 1, 1])


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
def test_pair_sampler_sparse_2d_stays_sparse(tabular, container):
    X, y = tabular
    X = np.where(X > 0.5, X, 0)
    sampler = PairSampler(layout="2d", random_state=0)
    X_sparse, y_sparse = sampler.fit_resample(container(X), y)
    X_dense, y_dense = clone(sampler).fit_resample(X, y)
    assert sp.issparse(X_sparse)
    assert X_sparse.format == "csr"
    assert X_sparse.dtype == np.float32
    assert_array_equal(X_sparse.toarray(), X_dense)
    assert_array_equal(y_sparse, y_dense)


def test_pair_sampler_sparse_3d_layout_error(tabular):
    X, y = tabular
    msg = (
        "PairSampler(layout='3d') cannot stack sparse rows into a 3-D array; "
        "pass layout='2d' for sparse X"
    )
    with pytest.raises(TypeError, match=re.escape(msg)):
        PairSampler().fit_resample(sp.csr_matrix(X), y)


def test_pair_sampler_fit_matches_fit_resample(tabular):
    X, y = tabular
    sampler = PairSampler(n_pairs=np.int64(17), pos_fraction=0.3, random_state=5)
    assert sampler.fit(X, y) is sampler
    indices = sampler.pair_indices_.copy()
    X_pairs, y_pairs = sampler.fit_resample(X, y)
    assert_array_equal(sampler.pair_indices_, indices)
    assert y_pairs.shape == (17,)
    assert y_pairs.sum() == 5  # round(0.3 * 17)
    # the returned labels are a copy, not the fitted attribute
    y_pairs[:] = 7
    assert set(sampler.pair_labels_.tolist()) <= {0, 1}


def test_pair_sampler_refit_after_set_params(tabular):
    X, y = tabular
    sampler = PairSampler(n_pairs=10, random_state=0).fit(X, y)
    assert sampler.pair_indices_.shape == (10, 2)
    sampler.set_params(n_pairs=4).fit(X[:, :2], y)
    assert sampler.pair_indices_.shape == (4, 2)
    assert sampler.n_features_in_ == 2


def test_pair_sampler_random_state_generator_and_instance(tabular):
    X, y = tabular
    a = PairSampler(random_state=np.random.default_rng(3)).fit(X, y)
    b = PairSampler(random_state=np.random.default_rng(3)).fit(X, y)
    assert_array_equal(a.pair_indices_, b.pair_indices_)
    rs = np.random.RandomState(0)
    sampler = PairSampler(random_state=rs)
    first = sampler.fit(X, y).pair_indices_
    second = sampler.fit(X, y).pair_indices_
    assert not np.array_equal(first, second)  # the shared RandomState moves on


def test_pair_sampler_preserves_integer_dtype(tabular):
    X, y = tabular
    X_int = (X * 10).astype(np.int16)
    X_pairs, _ = PairSampler(random_state=0).fit_resample(X_int, y)
    assert X_pairs.dtype == np.int16


def test_pair_sampler_dataframe_feature_names(tabular):
    X, y = tabular
    df = pd.DataFrame(X, columns=["w", "x", "y", "z"])
    sampler = PairSampler(layout="2d", random_state=0)
    X_pairs, y_pairs = sampler.fit_resample(df, pd.Series(y))
    assert isinstance(X_pairs, np.ndarray)
    assert_array_equal(sampler.feature_names_in_, ["w", "x", "y", "z"])
    assert sampler.get_feature_names_out().tolist() == [
        "x1__w",
        "x1__x",
        "x1__y",
        "x1__z",
        "x2__w",
        "x2__x",
        "x2__y",
        "x2__z",
    ]
    with pytest.raises(ValueError, match="input_features is not equal"):
        sampler.get_feature_names_out(["a", "b", "c", "d"])


def test_pair_sampler_feature_names_only_for_2d_layout(tabular):
    X, y = tabular
    assert not hasattr(PairSampler(layout="3d").fit(X, y), "get_feature_names_out")
    assert hasattr(PairSampler(layout="2d"), "get_feature_names_out")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_pairs": 0}, "The 'n_pairs' parameter of PairSampler must be"),
        ({"n_pairs": "all"}, "The 'n_pairs' parameter of PairSampler must be"),
        (
            {"n_pairs": True},
            "The 'n_pairs' parameter of PairSampler must be an int in the range "
            "[1, inf) or a str among {'auto'}. Got True instead.",
        ),
        ({"pos_fraction": 1.01}, "The 'pos_fraction' parameter of PairSampler"),
        ({"strategy": "hard"}, "The 'strategy' parameter of PairSampler must be"),
        ({"layout": "flat"}, "The 'layout' parameter of PairSampler must be"),
    ],
)
def test_pair_sampler_invalid_params(tabular, params, message):
    X, y = tabular
    with pytest.raises(ValueError, match=re.escape(message)):
        PairSampler(**params).fit_resample(X, y)


def test_pair_sampler_input_errors(tabular):
    X, y = tabular
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PairSampler().fit_resample(X_nan, y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        PairSampler().fit_resample(X, np.linspace(0, 1, 30))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        PairSampler().fit_resample(X, np.r_[np.nan, np.zeros(29)])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        PairSampler().fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match=re.escape("y has 1 class(es)")):
        PairSampler().fit_resample(X, np.zeros(30))
    with pytest.raises(ValueError, match="requires y to be passed"):
        PairSampler().fit_resample(X, None)


def test_pair_sampler_one_class_with_pos_fraction_one(tabular):
    X, _ = tabular
    X_pairs, y_pairs = PairSampler(pos_fraction=1.0, random_state=0).fit_resample(
        X, np.zeros(30, dtype=int)
    )
    assert X_pairs.shape == (60, 2, 4)
    assert np.all(y_pairs == 1)


def test_pair_sampler_has_no_transform():
    # imblearn's Pipeline rejects steps with both fit_resample and transform
    assert hasattr(PairSampler(), "fit_resample")
    assert not hasattr(PairSampler(), "transform")
    assert not hasattr(TripletSampler(), "transform")


def test_pair_sampler_tags():
    assert is_sampler(PairSampler())
    assert is_sampler(TripletSampler())
    tags = get_tags(PairSampler())
    assert tags.target_tags.required
    assert tags.input_tags.three_d_array
    assert not tags.input_tags.sparse
    tags_2d = get_tags(PairSampler(layout="2d"))
    assert tags_2d.input_tags.sparse
    assert not tags_2d.input_tags.three_d_array


def test_imblearn_pipeline_composition(tabular):
    X, y = tabular
    pipe = Pipeline(
        [
            ("pairs", PairSampler(layout="2d", random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    pipe.fit(X, y)
    assert pipe[-1].n_features_in_ == 2 * X.shape[1]
    # the sampler only runs at fit time: predict takes pairs as [x1 | x2] rows
    X_pairs, y_pairs = PairSampler(layout="2d", random_state=1).fit_resample(X, y)
    assert pipe.predict(X_pairs).shape == (X_pairs.shape[0],)
    assert set(pipe.predict(X_pairs).tolist()) <= {0, 1}
    assert 0.0 <= pipe.score(X_pairs, y_pairs) <= 1.0
    # the fitted clone of the sampler in the pipeline holds the pair indices
    assert pipe.named_steps["pairs"].pair_indices_.shape == (60, 2)


def test_imblearn_pipeline_with_metadata_routing(tabular):
    X, y = tabular
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("pairs", PairSampler(layout="2d", random_state=0)),
                ("clf", LogisticRegression()),
            ]
        ).fit(X, y)
    assert pipe[-1].n_features_in_ == 2 * X.shape[1]


# ---------------------------------------------------------------------------
# strategy="adjacent"
# ---------------------------------------------------------------------------


def _keras_create_pairs(x, digit_indices, num_classes, randrange):
    """The seed's Keras loop, verbatim but for the injected ``randrange``."""
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    return np.array(pairs), np.array(labels)


@pytest.mark.parametrize("labels", [np.arange(4), np.array(["d", "b", "c", "a"])])
def test_adjacent_strategy_matches_keras_loop(labels):
    rng = np.random.RandomState(0)
    counts = [5, 7, 4, 9]
    y = rng.permutation(np.repeat(labels, counts))
    classes = np.unique(y)
    sampler = PairSampler(strategy="adjacent", random_state=0)
    X = np.arange(y.shape[0], dtype=float)[:, np.newaxis]
    X_pairs, y_pairs = sampler.fit_resample(X, y)
    pair_indices = sampler.pair_indices_
    n = min(counts) - 1
    assert pair_indices.shape == (2 * len(classes) * n, 2)
    assert_array_equal(X_pairs[:, :, 0], pair_indices)

    # Feed the Keras loop the class increments the sampler drew: read them
    # back from the class of the second member of each different-class pair.
    code = np.searchsorted(classes, y)
    d = np.repeat(np.arange(len(classes)), n)
    incs = list((code[pair_indices[1::2, 1]] - d) % len(classes))
    assert all(1 <= inc < len(classes) for inc in incs)

    def randrange(start, stop):
        assert (start, stop) == (1, len(classes))
        return incs.pop(0)

    digit_indices = [np.where(code == k)[0] for k in range(len(classes))]
    pairs, keras_labels = _keras_create_pairs(
        np.arange(y.shape[0]), digit_indices, len(classes), randrange
    )
    assert not incs
    assert_array_equal(pair_indices, pairs)
    assert_array_equal(y_pairs, keras_labels)


def test_adjacent_strategy_draws_every_other_class():
    y = np.repeat(np.arange(5), 200)
    sampler = PairSampler(strategy="adjacent", random_state=0).fit(
        np.zeros((1000, 1)), y
    )
    negatives = sampler.pair_indices_[sampler.pair_labels_ == 0]
    assert np.all(y[negatives[:, 0]] != y[negatives[:, 1]])
    inc = (y[negatives[:, 1]] - y[negatives[:, 0]]) % 5
    freq = np.bincount(inc, minlength=5)
    assert freq[0] == 0
    assert freq[1:].min() > 0.8 * len(inc) / 4  # about uniform over 1..4


def test_adjacent_strategy_int_n_pairs_subsamples_balanced():
    y = np.repeat(np.arange(3), [10, 12, 11])
    X = np.zeros((33, 2))
    full = PairSampler(strategy="adjacent", random_state=0).fit(X, y)
    assert full.pair_indices_.shape == (2 * 3 * 9, 2)
    same_all = PairSampler(strategy="adjacent", n_pairs=54, random_state=0).fit(X, y)
    assert_array_equal(same_all.pair_indices_, full.pair_indices_)

    sampler = PairSampler(strategy="adjacent", n_pairs=15, random_state=0).fit(X, y)
    assert sampler.pair_indices_.shape == (15, 2)
    assert sampler.pair_labels_.sum() == 8  # ceil(15 / 2) same-class pairs
    _assert_valid_pairs(y, sampler.pair_indices_, sampler.pair_labels_)
    # a subset of the scheme's pairs, in the scheme's order
    full_rows = [tuple(row) for row in full.pair_indices_]
    positions = [full_rows.index(tuple(row)) for row in sampler.pair_indices_]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "y, params, message",
    [
        (
            np.repeat(np.arange(3), 4),
            {"n_pairs": 19},
            "n_pairs (19) cannot be greater than the 18 pairs strategy='adjacent' "
            "builds from this y (2 * n_classes * (smallest class count - 1)); use "
            "n_pairs='auto' or strategy='random'.",
        ),
        (
            np.array(["a", "a", "b", "b", "c"] * 2 + ["z"]),
            {},
            "strategy='adjacent' pairs sample i with sample i + 1 of every class, "
            "so every class needs at least 2 samples; class 'z' has 1. Use "
            "strategy='random', which handles single-sample classes.",
        ),
        (
            np.zeros(6),
            {},
            "y has 1 class(es); pairs need at least 2 classes.",
        ),
        (
            np.repeat(np.arange(3), 4),
            {"pos_fraction": 0.7},
            "pos_fraction=0.7 has no effect with strategy='adjacent'",
        ),
    ],
)
def test_adjacent_strategy_errors(y, params, message):
    X = np.zeros((len(y), 2))
    sampler = PairSampler(strategy="adjacent", **params)
    with pytest.raises(ValueError, match=re.escape(message)):
        sampler.fit_resample(X, y)


# ---------------------------------------------------------------------------
# TripletSampler
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sample_shape", [(4,), (6, 6), (1, 6, 6)])
def test_triplet_sampler_shapes(sample_shape):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(24, *sample_shape)).astype(np.float32)
    y = np.repeat(["p", "q", "r"], 8)
    sampler = TripletSampler(random_state=0)
    X_triplets, y_triplets = sampler.fit_resample(X, y)
    assert X_triplets.shape == (24, 3, *sample_shape)  # "auto" is n_samples
    assert X_triplets.dtype == np.float32
    assert_array_equal(X_triplets, X[sampler.triplet_indices_])
    assert_array_equal(y_triplets, y[sampler.triplet_indices_[:, 0]])
    _assert_valid_triplets(y, sampler.triplet_indices_)


def test_triplet_sampler_2d_layout_sparse(tabular):
    X, y = tabular
    sampler = TripletSampler(n_triplets=9, layout="2d", random_state=0)
    X_sparse, y_sparse = sampler.fit_resample(sp.csr_matrix(X), y)
    X_dense, y_dense = clone(sampler).fit_resample(X, y)
    assert sp.issparse(X_sparse)
    assert X_dense.shape == (9, 12)
    assert_array_equal(X_sparse.toarray(), X_dense)
    assert_array_equal(y_sparse, y_dense)
    assert sampler.get_feature_names_out()[[0, 4, 8]].tolist() == [
        "anchor__x0",
        "positive__x0",
        "negative__x0",
    ]
    with pytest.raises(TypeError, match=re.escape("TripletSampler(layout='3d')")):
        TripletSampler().fit_resample(sp.csr_matrix(X), y)


def test_triplet_sampler_errors(tabular):
    X, _ = tabular
    with pytest.raises(ValueError, match=re.escape("y has 1 class(es); triplets")):
        TripletSampler().fit_resample(X, np.ones(30))
    with pytest.raises(ValueError, match="The 'n_triplets' parameter"):
        TripletSampler(n_triplets=True).fit_resample(X, np.arange(30) % 2)


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


def test_pandas_na_labels_get_the_missing_label_error():
    X = np.zeros((5, 2))
    y = pd.Series(["a", "a", "b", "b", pd.NA], dtype="string")
    msg = re.escape(
        "y contains 1 missing label(s) (NaN, NaT or None), first at position 4"
    )
    for sampler in (PairSampler(n_pairs=4), TripletSampler(n_triplets=4)):
        with pytest.raises(ValueError, match=msg):
            sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match=msg):
        SiameseEncoder(max_epochs=1).fit(X, y)


def test_hard_triplets_mine_from_the_random_draw():
    # Same seed: the same anchors and positives, and each negative the
    # nearest of candidates that include the random triplet's own negative
    X, y = _digits()
    random = TripletSampler(random_state=0).fit(X, y).triplet_indices_
    hard = TripletSampler(strategy="hard", random_state=0).fit(X, y).triplet_indices_
    assert_array_equal(hard[:, :2], random[:, :2])
    assert (y[hard[:, 0]] != y[hard[:, 2]]).all()

    def distance(t):
        return ((X[t[:, 0]] - X[t[:, 2]]) ** 2).sum(axis=1)

    assert (distance(hard) <= distance(random)).all()
    assert distance(hard).mean() < 0.8 * distance(random).mean()
    one = TripletSampler(strategy="hard", n_candidates=1, random_state=0)
    assert_array_equal(one.fit(X, y).triplet_indices_, random)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.float64])
def test_hard_triplets_compare_large_integers_exactly(dtype):
    # Beyond 2**24 float32 rounds integers: dense int64 rows mined the farther
    # negative (sparse ones, in float64, the nearer).
    X = np.array([[33554433], [33554433], [33554435], [33554430]], dtype=dtype)
    y = np.array([0, 0, 1, 1])
    for data in [X, sp.csr_matrix(X)]:
        sampler = TripletSampler(
            n_triplets=200,
            layout="2d",
            strategy="hard",
            n_candidates=10,
            random_state=0,
        ).fit(data, y)
        triplets = sampler.triplet_indices_
        assert set(triplets[triplets[:, 0] < 2, 2]) == {2}


def test_hard_triplets_equal_a_loop_with_every_negative_a_candidate():
    # 500 candidates among 20 negatives: every negative is a candidate
    # (else the probability is below 1e-10), so the mined negative is the
    # nearest sample of another class, found here by a plain loop
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    y = np.repeat([0, 1, 2], 10)
    sampler = TripletSampler(strategy="hard", n_candidates=500, random_state=0)
    triplets = sampler.fit(X, y).triplet_indices_
    for anchor, _, negative in triplets:
        others = [i for i in range(30) if y[i] != y[anchor]]
        nearest = min(others, key=lambda i: np.sum((X[i] - X[anchor]) ** 2))
        assert negative == nearest


def test_hard_triplets_in_every_layout_and_chunk(monkeypatch):
    import sklearn_siamese._indices as indices

    X, y = _digits()
    expected = TripletSampler(strategy="hard", random_state=0).fit(X, y)
    expected = expected.triplet_indices_
    for data, layout in [
        (sp.csr_matrix(X), "2d"),
        (X.reshape(-1, 8, 8), "3d"),
        (X.astype(np.float32), "3d"),  # multiples of 1/16: exact in float32
    ]:
        sampler = TripletSampler(strategy="hard", layout=layout, random_state=0)
        assert_array_equal(sampler.fit(data, y).triplet_indices_, expected)
    # small integers: sparse products used to wrap around in int8
    small = np.array([[100], [0], [50], [90]], dtype=np.int8)
    labels = np.array([0, 1, 1, 0])
    for data, layout in [(small, "3d"), (sp.csr_matrix(small), "2d")]:
        sampler = TripletSampler(
            n_triplets=50,
            strategy="hard",
            n_candidates=30,
            layout=layout,
            random_state=0,
        )
        triplets = sampler.fit(data, labels).triplet_indices_
        assert (triplets[labels[triplets[:, 0]] == 0, 2] == 2).all()
    monkeypatch.setattr(indices, "_MINING_BUDGET", 100)
    sampler = TripletSampler(strategy="hard", random_state=0)
    assert_array_equal(sampler.fit(X, y).triplet_indices_, expected)
    with pytest.raises(ValueError, match="The 'n_candidates' parameter"):
        TripletSampler(strategy="hard", n_candidates=0).fit(X, y)


# ---------------------------------------------------------------------------
# scikit-learn and imbalanced-learn common checks
# ---------------------------------------------------------------------------


@parametrize_with_checks(
    [
        PairSampler(),
        PairSampler(layout="2d"),
        PairSampler(strategy="adjacent"),
        TripletSampler(),
        TripletSampler(layout="2d"),
        TripletSampler(strategy="hard"),
    ]
)
def test_sklearn_compatible_sampler(estimator, check):
    check(estimator)


def _imblearn_expected_failures(estimator):
    """imbalanced-learn checks that do not apply to pair/triplet samplers."""
    not_rows = (
        "a pair (triplet) is not a row of the input table, so fit_resample "
        "returns numpy arrays with 2 (3) * n_features columns, not a DataFrame "
        "with the input's columns"
    )
    failures = {
        "check_samplers_fit": (
            "sampling_strategy_ is imbalanced-learn's per-class resampling "
            "target; pairs and triplets are balanced over classes by "
            "construction and have no such target"
        ),
        "check_samplers_pandas": not_rows,
        "check_samplers_pandas_sparse": not_rows,
        "check_samplers_list": "the output is numpy whatever the input container",
        "check_samplers_multiclass_ova": (
            "y holds 1-D class labels; a one-hot y is rejected, and pair labels "
            "(same/different) have no one-vs-all form"
        ),
    }
    if isinstance(estimator, PairSampler):
        failures["check_samplers_preserve_dtype"] = (
            "y_pairs are new 0/1 same/different labels (int64), not values of "
            "y, so y's dtype does not carry over (X's dtype does)"
        )
    return failures


# random_state is fixed because check_samplers_sparse compares two fits.
# check_samplers_fit_resample and check_samplers_sampling_strategy_fit_resample
# only assert for imbalanced-learn's own base classes, so they pass vacuously.
_imblearn_checks = imblearn_parametrize_with_checks(
    [
        PairSampler(layout="2d", random_state=0),
        PairSampler(layout="2d", strategy="adjacent", random_state=0),
        TripletSampler(layout="2d", random_state=0),
        TripletSampler(layout="2d", strategy="hard", random_state=0),
    ],
    expected_failed_checks=_imblearn_expected_failures,
)


# imbalanced-learn hands pytest a generator, which pytest deprecates: listify.
# check_samplers_2d_target passes a column-vector y on purpose.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
@pytest.mark.parametrize(
    _imblearn_checks.args[0], list(_imblearn_checks.args[1]), **_imblearn_checks.kwargs
)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)


def test_make_pair_indices_refuses_a_boolean_count_on_its_fast_path():
    # an array y takes the quick parameter check, which must refuse it too
    with pytest.raises(ValueError, match="'n_pairs' parameter of make_pair_indices"):
        make_pair_indices(np.array([0, 0, 1, 1]), True)
