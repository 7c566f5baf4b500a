"""Behaviour of sklearn_siamese.metrics, against slow, obviously-correct loops."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import FixedThresholdClassifier, GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder
from sklearn_siamese._response import embedding_part
from sklearn_siamese.metrics import (
    _distinct,
    _draw_tasks,
    make_one_shot_scorer,
    make_pair_roc_auc_scorer,
    make_retrieval_scorer,
    mean_average_precision_at_r,
    one_shot_accuracy,
    precision_at_1,
)

SCIPY_METRIC = {"euclidean": "euclidean", "cosine": "cosine", "manhattan": "cityblock"}


class FakeEncoder(BaseEstimator):
    """Sample ``i`` is the row ``[i]``; its embedding is ``embeddings[i]``."""

    def __init__(self, embeddings, distance="euclidean"):
        self.embeddings = np.asarray(embeddings, dtype=float)
        self.distance = distance
        self.n_features_in_ = 1

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = X.toarray() if sp.issparse(X) else np.asarray(X)
        return self.embeddings[X[:, 0].astype(int)]

    def __sklearn_is_fitted__(self):
        return True


class FakePairClassifier(BaseEstimator):
    """The decision of the pair ``([i], [j])`` is ``table[i, j]``."""

    def __init__(self, table, classes=None, pos_label=None, n_features_in=None):
        self.table = np.asarray(table, dtype=float)
        if classes is not None:
            self.classes_ = np.asarray(classes)
        if pos_label is not None:
            self.pos_label_ = pos_label
        if n_features_in is not None:
            self.n_features_in_ = n_features_in
        self.calls = []

    def fit(self, X, y=None):
        return self

    def decision_function(self, pairs):
        self.calls.append(pairs.shape)
        pairs = pairs.toarray() if sp.issparse(pairs) else np.asarray(pairs)
        if pairs.ndim == 3:
            a, b = pairs[:, 0, 0], pairs[:, 1, 0]
        else:
            a, b = pairs[:, 0], pairs[:, 1]
        return self.table[a.astype(int), b.astype(int)]

    def __sklearn_is_fitted__(self):
        return True


def clustered(n_classes=8, per_class=6, dim=5, noise=1.0, seed=0):
    """Noisy class clusters: one-shot accuracy well inside (0, 1)."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(n_classes), per_class)
    centers = rng.normal(size=(n_classes, dim))
    return centers[y] + noise * rng.normal(size=(len(y), dim)), y


def index_X(n):
    return np.arange(n)[:, None]


def one_shot(estimator, X, y, **kwargs):
    """The accuracy the one-shot scorer gives ``estimator``."""
    return make_one_shot_scorer(**kwargs)(estimator, X, y)


def pair_auc(estimator, X_pairs, y_pairs, pos_label=None):
    """The ROC AUC the pair scorer gives ``estimator``."""
    return make_pair_roc_auc_scorer(pos_label=pos_label)(estimator, X_pairs, y_pairs)


# -- slow references -------------------------------------------------------------


def loop_one_shot_encoder(embeddings, support, query, target, distance):
    correct = 0
    for t in range(len(query)):
        best, best_way = None, None
        for way in range(support.shape[1]):
            prototype = np.mean([embeddings[i] for i in support[t, way]], axis=0)
            d = cdist(
                embeddings[query[t]][None], prototype[None], SCIPY_METRIC[distance]
            )[0, 0]
            if best is None or d < best:
                best, best_way = d, way
        correct += best_way == target[t]
    return correct / len(query)


def loop_one_shot_pairs(similarity, support, query, target):
    correct = 0
    for t in range(len(query)):
        best, best_way = None, None
        for way in range(support.shape[1]):
            s = np.mean([similarity(query[t], i) for i in support[t, way]])
            if best is None or s > best:
                best, best_way = s, way
        correct += best_way == target[t]
    return correct / len(query)


def loop_ranking(embeddings, y, metric):
    """For each query, the other samples' labels from nearest to farthest."""
    d = cdist(embeddings, embeddings, SCIPY_METRIC[metric])
    ranked = []
    for i in range(len(y)):
        others = [j for j in np.argsort(d[i], kind="stable") if j != i]
        ranked.append([y[j] for j in others])
    return ranked


def loop_precision_at_1(embeddings, y, metric):
    ranked = loop_ranking(embeddings, y, metric)
    return np.mean([ranked[i][0] == y[i] for i in range(len(y))])


def loop_map_at_r(embeddings, y, metric):
    ranked = loop_ranking(embeddings, y, metric)
    aps = []
    for i in range(len(y)):
        r = sum(1 for j in range(len(y)) if j != i and y[j] == y[i])
        if r == 0:
            continue
        hits, total = 0, 0.0
        for rank in range(1, r + 1):
            if ranked[i][rank - 1] == y[i]:
                hits += 1
                total += hits / rank
        aps.append(total / r)
    return np.mean(aps)


# -- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def encoder(blobs):
    X, y = blobs
    return SiameseEncoder(max_epochs=3, embedding_dim=8, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def pair_data(blobs):
    X, y = blobs
    return PairSampler(n_pairs=200, random_state=0).fit_resample(X, y)


@pytest.fixture(scope="module")
def pair_classifier(pair_data):
    P, same = pair_data
    return PairClassifier(max_epochs=3, embedding_dim=8, random_state=0).fit(P, same)


# -- task drawing ------------------------------------------------------------------


def test_draw_tasks_are_valid_tasks():
    y = np.array(list("aaaabbbbccdddddde") + ["f"] * 3)
    rng = np.random.RandomState(0)
    support, query, target = _draw_tasks(y, 3, 2, 500, rng)
    assert support.shape == (500, 3, 2)
    assert query.shape == target.shape == (500,)
    used = set()
    for t in range(500):
        way_classes = [y[s[0]] for s in support[t]]
        assert len(set(way_classes)) == 3  # distinct classes
        for s in support[t]:
            assert len({y[i] for i in s}) == 1  # supports of one class
            assert len(set(s)) == 2  # distinct supports
        assert y[query[t]] == way_classes[target[t]]
        assert query[t] not in support[t].ravel()
        used.update(way_classes)
    # "c" has k_shot samples only and "e" one: never drawn; the others are.
    assert used == {"a", "b", "d", "f"}
    assert set(target) == {0, 1, 2}


def test_draw_tasks_depend_on_the_seed_only():
    y = np.repeat(np.arange(10), 5)
    a = _draw_tasks(y, 5, 2, 50, np.random.RandomState(3))
    b = _draw_tasks(y, 5, 2, 50, np.random.RandomState(3))
    c = _draw_tasks(y, 5, 2, 50, np.random.RandomState(4))
    for x, z in zip(a, b):
        np.testing.assert_array_equal(x, z)
    assert not np.array_equal(a[0], c[0])


def test_distinct_draws_are_uniform_without_replacement():
    draws = _distinct(np.random.RandomState(0), 5, 2, (20000,))
    assert np.all(draws[:, 0] != draws[:, 1])
    assert draws.min() == 0 and draws.max() == 4
    # all 20 ordered pairs equally likely: 1000 expected each, sd ~31
    counts = np.bincount(draws[:, 0] * 5 + draws[:, 1], minlength=25)
    assert np.all(np.abs(counts[counts > 0] - 1000) < 150)
    assert np.count_nonzero(counts) == 20


# -- one-shot accuracy ----------------------------------------------------------


@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan"])
@pytest.mark.parametrize("k_shot", [1, 3])
def test_one_shot_encoder_equals_loop(distance, k_shot):
    embeddings, y = clustered()
    kwargs = dict(n_way=5, k_shot=k_shot, n_tasks=300, random_state=1)
    got = one_shot_accuracy(embeddings, y, metric=distance, **kwargs)
    tasks = _draw_tasks(y, 5, k_shot, 300, np.random.RandomState(1))
    expected = loop_one_shot_encoder(embeddings, *tasks, distance)
    assert got == expected
    assert 0.2 < got < 1.0
    # the scorer embeds, and compares by the encoder's distance
    est = FakeEncoder(embeddings, distance=distance)
    assert one_shot(est, index_X(len(y)), y, **kwargs) == expected


def test_one_shot_encoder_without_distance_is_euclidean():
    embeddings, y = clustered()
    est = FakeEncoder(embeddings)
    del est.distance
    X = index_X(len(y))
    got = one_shot(est, X, y, n_way=5, n_tasks=200, random_state=0)
    tasks = _draw_tasks(y, 5, 1, 200, np.random.RandomState(0))
    assert got == loop_one_shot_encoder(embeddings, *tasks, "euclidean")
    assert got == one_shot_accuracy(embeddings, y, n_way=5, n_tasks=200, random_state=0)


@pytest.mark.parametrize("k_shot", [1, 2])
def test_one_shot_pair_classifier_equals_loop_in_one_call(k_shot):
    embeddings, y = clustered()
    rng = np.random.RandomState(0)
    # A similarity that is no distance: asymmetric, noisy.
    table = -cdist(embeddings, embeddings) + rng.normal(size=(len(y), len(y)))
    est = FakePairClassifier(table, classes=[0, 1])
    X = index_X(len(y))
    kwargs = dict(n_way=4, k_shot=k_shot, n_tasks=300, random_state=2)
    got = one_shot(est, X, y, **kwargs)
    tasks = _draw_tasks(y, 4, k_shot, 300, np.random.RandomState(2))
    assert got == loop_one_shot_pairs(lambda i, j: table[i, j], *tasks)
    assert 0.25 < got < 1.0
    # all pairs in one call, each distinct (query, support) pair once
    assert len(est.calls) == 1
    support, query, _ = tasks
    n_distinct = len({(q, s) for q, row in zip(query, support) for s in row.ravel()})
    assert est.calls[0] == (n_distinct, 2, 1)
    # the metric on the distances of every pair: the same tasks, the same mean
    assert one_shot_accuracy(-table, y, metric="precomputed", **kwargs) == got


def test_one_shot_pair_classifier_follows_pos_label():
    embeddings, y = clustered()
    table = -cdist(embeddings, embeddings)
    X = index_X(len(y))
    # pos_label_ = classes_[0]: the decision function grows with dissimilarity
    flipped = FakePairClassifier(-table, classes=[0, 1], pos_label=0)
    plain = FakePairClassifier(table, classes=[0, 1], pos_label=1)
    kwargs = dict(n_way=5, n_tasks=200, random_state=0)
    assert one_shot(flipped, X, y, **kwargs) == one_shot(plain, X, y, **kwargs)
    assert one_shot(plain, X, y, **kwargs) > 0.5
    # also at the end of a Pipeline, or inside a threshold classifier, which
    # have no pos_label_ of their own
    piped = make_pipeline(FunctionTransformer(), flipped)
    fixed = FixedThresholdClassifier(
        FrozenEstimator(flipped), response_method="decision_function"
    ).fit(X, np.arange(len(X)) % 2)
    for wrapped in (piped, fixed):
        assert one_shot(wrapped, X, y, **kwargs) == one_shot(plain, X, y, **kwargs)
    # a pair classifier of one's own with a parameter called steps
    plain.steps = 3
    assert one_shot(plain, X, y, **kwargs) > 0.5


def test_one_shot_pair_layout_follows_n_features_in():
    embeddings, y = clustered()
    table = -cdist(embeddings, embeddings)
    X = index_X(len(y))
    rows = FakePairClassifier(table, n_features_in=2)
    stacked = FakePairClassifier(table)
    a = one_shot(rows, X, y, n_way=3, n_tasks=50, random_state=0)
    b = one_shot(stacked, X, y, n_way=3, n_tasks=50, random_state=0)
    assert a == b
    assert len(rows.calls[0]) == 2 and len(stacked.calls[0]) == 3


def test_one_shot_sparse_input_and_pipelines():
    embeddings, y = clustered()
    X = index_X(len(y))
    kwargs = dict(n_way=5, n_tasks=100, random_state=0)
    encoder = FakeEncoder(embeddings, distance="cosine")
    expected = one_shot(encoder, X, y, **kwargs)
    assert one_shot(encoder, sp.csr_matrix(X), y, **kwargs) == expected
    # a pipeline ending in an encoder keeps the encoder's distance
    pipe = make_pipeline(FunctionTransformer(), encoder).fit(X, y)
    assert one_shot(pipe, X, y, **kwargs) == expected
    euclidean = FakeEncoder(embeddings)
    assert one_shot(euclidean, X, y, **kwargs) != expected
    # sparse samples reach a pair classifier as [x1 | x2] rows
    table = -cdist(embeddings, embeddings)
    dense = one_shot(FakePairClassifier(table), X, y, **kwargs)
    est = FakePairClassifier(table)
    assert one_shot(est, sp.csr_matrix(X), y, **kwargs) == dense
    assert len(est.calls[0]) == 2


def test_one_shot_pair_pipeline_that_changes_the_width():
    # PCA in front of a pair classifier fitted on [x1 | x2] rows: the
    # pipeline takes rows although its last step sees fewer features (3-D
    # pairs reached PCA: "Found array with dim 3")
    from sklearn.decomposition import PCA

    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 10)
    X = rng.normal(size=(40, 6)) + y[:, None]
    first, second = rng.randint(40, size=(2, 80))
    pairs, labels = np.hstack([X[first], X[second]]), y[first] == y[second]
    pipe = make_pipeline(PCA(8), PairClassifier(max_epochs=1, random_state=0))
    pipe.fit(pairs, labels)
    accuracy = one_shot(pipe, X, y, n_way=4, n_tasks=50, random_state=0)
    assert 0 <= accuracy <= 1


def test_one_shot_sampler_pipeline_with_a_step_that_changes_the_width():
    from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
    from sklearn.decomposition import PCA

    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 10)
    X = rng.normal(size=(40, 6)) + y[:, None]
    pipe = make_imblearn_pipeline(
        PairSampler(layout="2d", random_state=0),
        PCA(6),
        PairClassifier(max_epochs=1, random_state=0),
    ).fit(X, y)
    accuracy = one_shot(pipe, X, y, n_way=4, n_tasks=50, random_state=0)
    assert 0 <= accuracy <= 1


def test_one_shot_refuses_nan_scores():
    y = np.repeat(np.arange(3), 4)
    msg = "FakeEncoder gave NaN or infinite embeddings, which cannot be ranked"
    for value in (np.nan, np.inf):
        bad = np.ones((12, 2))
        bad[5, 1] = value  # one infinite coordinate gave an infinite distance
        with pytest.raises(ValueError, match=msg):
            one_shot(FakeEncoder(bad), index_X(12), y, n_way=3, n_tasks=10)
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            one_shot_accuracy(bad, y, n_way=3, n_tasks=10)
    table = np.full((12, 12), np.nan)
    with pytest.raises(ValueError, match="FakePairClassifier gave NaN pair scores"):
        one_shot(FakePairClassifier(table), index_X(12), y, n_way=3)
    with pytest.raises(ValueError, match="X holds NaN distances"):
        one_shot_accuracy(table, y, metric="precomputed", n_way=3)
    # an infinite pair score ranks: that support wins
    table = np.zeros((12, 12))
    table[:, [0, 1, 2, 3]] = np.inf  # class 0 supports are certainly "same"
    kwargs = dict(n_way=3, n_tasks=300, random_state=0)
    accuracy = one_shot(FakePairClassifier(table), index_X(12), y, **kwargs)
    assert 0.2 < accuracy < 0.5  # right exactly when the query is of class 0
    assert one_shot_accuracy(-table, y, metric="precomputed", **kwargs) == accuracy


def test_one_shot_pair_classifier_scores_in_chunks(monkeypatch):
    import sklearn_siamese._response as response

    embeddings, y = clustered()
    table = -cdist(embeddings, embeddings)
    X = index_X(len(y))
    kwargs = dict(n_way=5, n_tasks=100, random_state=0)
    whole = one_shot(FakePairClassifier(table), X, y, **kwargs)
    monkeypatch.setattr(response, "PAIR_BUDGET", 2 * 7)  # 7 pairs per call
    est = FakePairClassifier(table)
    assert one_shot(est, X, y, **kwargs) == whole
    assert len(est.calls) > 1 and max(shape[0] for shape in est.calls) == 7


def test_one_shot_real_pair_classifier_equals_loop(pair_classifier, blobs):
    X, y = blobs
    got = one_shot(pair_classifier, X, y, n_way=3, k_shot=2, n_tasks=40, random_state=0)
    support, query, target = _draw_tasks(y, 3, 2, 40, np.random.RandomState(0))
    pairs = np.stack(
        [np.repeat(query, 6), support.reshape(-1)], axis=1
    )  # (240, 2) indices, task by task
    scores = pair_classifier.decision_function(X[pairs]).reshape(40, 6)
    table = {(q, s): v for (q, s), v in zip(pairs.tolist(), scores.ravel())}
    expected = loop_one_shot_pairs(lambda i, j: table[(i, j)], support, query, target)
    assert got == pytest.approx(expected)
    assert got > 1 / 3


def test_one_shot_real_pair_classifier_on_rows(pair_data, blobs):
    X, y = blobs
    P, same = pair_data
    clf = PairClassifier(max_epochs=3, embedding_dim=8, random_state=0)
    clf.fit(P.reshape(len(P), -1), same)  # [x1 | x2] rows
    assert clf.n_features_in_ == 2 * X.shape[1]
    accuracy = one_shot(clf, X, y, n_way=4, n_tasks=50, random_state=0)
    assert 0.25 < accuracy <= 1.0


def test_perfect_and_constant_embeddings():
    y = np.repeat(np.arange(10), 4)
    perfect = np.eye(10)[y]
    assert one_shot_accuracy(perfect, y, n_way=10, n_tasks=200) == 1.0
    assert (
        one_shot_accuracy(perfect, y, n_way=5, k_shot=3, n_tasks=200, random_state=0)
        == 1.0
    )
    constant = np.ones((len(y), 3))
    chance = one_shot_accuracy(constant, y, n_way=5, n_tasks=4000, random_state=0)
    assert abs(chance - 1 / 5) < 0.03  # 4.7 standard errors
    distances = np.zeros((len(y), len(y)))
    chance = one_shot_accuracy(
        distances, y, metric="precomputed", n_way=5, n_tasks=4000, random_state=0
    )
    assert abs(chance - 1 / 5) < 0.03


def test_k_shot_compares_prototypes_not_single_supports(monkeypatch):
    import sklearn_siamese.metrics as metrics

    # Class 0 supports at -1 and 3 (prototype 1), class 1 supports at 2.5 and
    # 2.5 (prototype 2.5); the query 1.2 of class 0 is nearest to a class-1
    # support (1.3 < 1.8 < 2.2) but to its own class's prototype (0.2 < 1.3).
    embeddings = np.array([[-1.0], [3.0], [1.2], [2.5], [2.5]])
    y = np.array([0, 0, 0, 1, 1])
    task = (np.array([[[0, 1], [3, 4]]]), np.array([2]), np.array([0]))
    monkeypatch.setattr(metrics, "_draw_tasks", lambda *args: task)
    kwargs = dict(n_way=2, k_shot=2, n_tasks=1)
    assert one_shot_accuracy(embeddings, y, **kwargs) == 1
    assert one_shot(FakeEncoder(embeddings), index_X(5), y, **kwargs) == 1
    # distances are averaged over the supports: class 0's mean distance
    # (2.2 + 1.8) / 2 = 2.0 is more than class 1's 1.3
    distances = np.abs(embeddings - embeddings.T)
    assert one_shot_accuracy(distances, y, metric="precomputed", **kwargs) == 0
    # a pair classifier averages its decisions over the supports: its best
    # single pair (1.0) is with class 0, its best mean (0.8) with class 1
    table = np.zeros((5, 5))
    table[2, [0, 1, 3, 4]] = [1.0, 0.4, 0.8, 0.8]
    est = FakePairClassifier(table)
    assert one_shot(est, index_X(5), y, **kwargs) == 0
    table[2, 1] = 0.7  # class 0's mean rises to 0.85
    assert one_shot(est, index_X(5), y, **kwargs) == 1


def test_one_shot_with_a_real_encoder(encoder, blobs):
    X, y = blobs
    got = one_shot(encoder, X, y, n_way=4, k_shot=2, n_tasks=100)
    assert got > 0.9  # well-separated blobs
    tasks = _draw_tasks(y, 4, 2, 100, np.random.RandomState(0))
    expected = loop_one_shot_encoder(encoder.transform(X), *tasks, "euclidean")
    assert got == expected
    assert (
        one_shot_accuracy(
            encoder.transform(X), y, n_way=4, k_shot=2, n_tasks=100, random_state=0
        )
        == expected
    )


def test_one_shot_random_state():
    embeddings, y = clustered(noise=2.0)
    kwargs = dict(n_way=5, n_tasks=100)
    a = one_shot_accuracy(embeddings, y, random_state=np.int64(7), **kwargs)
    assert a == one_shot_accuracy(embeddings, y, random_state=7, **kwargs)
    rng = np.random.RandomState(7)
    assert one_shot_accuracy(embeddings, y, random_state=rng, **kwargs) == a
    # a RandomState instance moves on: new tasks at the next call
    values = {one_shot_accuracy(embeddings, y, random_state=rng, **kwargs)}
    values |= {one_shot_accuracy(embeddings, y, random_state=rng, **kwargs)}
    values |= {one_shot_accuracy(embeddings, y, random_state=rng, **kwargs)}
    assert values != {a}
    # so does the scorer's, once per call, for an encoder and a pair classifier
    X = index_X(len(y))
    for est in [
        FakeEncoder(embeddings),
        FakePairClassifier(-cdist(embeddings, embeddings)),
    ]:
        first = one_shot(est, X, y, random_state=7, **kwargs)
        scorer = make_one_shot_scorer(random_state=np.random.RandomState(7), **kwargs)
        assert scorer(est, X, y) == first
        assert {scorer(est, X, y) for _ in range(3)} != {first}


def test_one_shot_errors(blobs):
    embeddings, y = clustered(n_classes=4, per_class=3)
    y[-2:] = 99  # one class with 2 samples: too few for k_shot=2
    est, X = FakeEncoder(embeddings), index_X(len(y))
    with pytest.raises(ValueError, match="'n_way' parameter of one_shot_accuracy"):
        one_shot_accuracy(embeddings, y, n_way=1)
    with pytest.raises(ValueError, match="'k_shot' parameter"):
        one_shot_accuracy(embeddings, y, n_way=2, k_shot=0)
    with pytest.raises(ValueError, match="'n_tasks' parameter"):
        one_shot_accuracy(embeddings, y, n_way=2, n_tasks=0)
    with pytest.raises(ValueError, match="'metric' parameter of one_shot_accuracy"):
        one_shot_accuracy(embeddings, y, metric="chebyshev")
    msg = (
        r"n_way=4 needs 4 classes with at least k_shot \+ 1 = 3 samples "
        r"each; y has 5 class\(es\), 3 of them with 3 or more samples\."
    )
    with pytest.raises(ValueError, match=msg):
        one_shot_accuracy(embeddings, y, n_way=4, k_shot=2)
    with pytest.raises(ValueError, match=msg):
        one_shot(est, X, y, n_way=4, k_shot=2)
    with pytest.raises(
        ValueError, match="X and y have inconsistent numbers of samples: 12 and 11"
    ):
        one_shot_accuracy(embeddings, y[:-1], n_way=2)
    with pytest.raises(
        ValueError, match="X and y have inconsistent numbers of samples: 12 and 11"
    ):
        one_shot(est, X, y[:-1], n_way=2)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        one_shot_accuracy(embeddings[:, 0], y, n_way=2)
    with pytest.raises(
        ValueError,
        match=r"metric='precomputed' needs X of shape \(n_samples, n_samples\), "
        r"the distance of every query \(row\) to every support \(column\); got X "
        r"of shape \(12, 5\)\.",
    ):
        one_shot_accuracy(embeddings, y, metric="precomputed", n_way=2)
    msg = (
        "make_one_shot_scorer scores encoders .with transform. and pair "
        "classifiers .with decision_function or predict_proba.; object has none"
    )
    with pytest.raises(TypeError, match=msg):
        one_shot(object(), X, y, n_way=2)
    Xb, yb = blobs
    with pytest.raises(NotFittedError):
        one_shot(SiameseEncoder(), Xb, yb, n_way=2)
    with pytest.raises(NotFittedError):
        one_shot(PairClassifier(), Xb, yb, n_way=2)
    with pytest.raises(ValueError, match="'n_way' parameter of make_one_shot"):
        make_one_shot_scorer(n_way=1)


# -- retrieval ---------------------------------------------------------------------


def test_retrieval_hand_computed_example():
    embeddings = [[0.0], [1.2], [5.0], [8.0], [9.0], [20.0]]
    y = ["a", "a", "a", "b", "b", "c"]
    # AP@R: 0.0 -> [a, a] = 1; 1.2 -> [a, a] = 1; 5.0 -> [b, a] = (0 + 1/2)/2;
    # 8.0 -> [b] = 1; 9.0 -> [b] = 1; 20.0 alone in "c": skipped.
    assert mean_average_precision_at_r(embeddings, y) == pytest.approx(4.25 / 5)
    # precision@1: 5.0 finds "b", 20.0 finds "b"
    assert precision_at_1(embeddings, y) == pytest.approx(4 / 6)
    # R = 2 for each query of class 0: 0.0 -> [1, 0] = 1/4, 2.0 -> [1, 0]
    # = 1/4, 10.0 -> [0, 1] = 1/2; the query 1.0 alone in class 1 is skipped.
    embeddings = [[0.0], [1.0], [2.0], [10.0]]
    assert mean_average_precision_at_r(embeddings, [0, 1, 0, 0]) == pytest.approx(1 / 3)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
@pytest.mark.parametrize("seed", [0, 1])
def test_retrieval_metrics_equal_loops(metric, seed):
    rng = np.random.RandomState(seed)
    y = rng.randint(5, size=60)
    y[-1] = 7  # a class of one sample
    embeddings = rng.normal(size=(60, 4)) + y[:, None] * 0.3
    p1 = precision_at_1(embeddings, y, metric=metric)
    mapr = mean_average_precision_at_r(embeddings, y, metric=metric)
    assert p1 == pytest.approx(loop_precision_at_1(embeddings, y, metric))
    assert mapr == pytest.approx(loop_map_at_r(embeddings, y, metric))
    assert 0 < mapr < 1 and 0 < p1 < 1


def test_retrieval_metrics_equal_loops_in_chunks(monkeypatch):
    # MAP@R holds about _NEIGHBOR_BUDGET neighbours at once: tiny budgets
    # give the same result, also with a class much larger than the others
    import sklearn_siamese.metrics as metrics

    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(40, int), rng.randint(1, 6, size=30), [9]]
    embeddings = rng.normal(size=(len(y), 3)) + y[:, None] * 0.2
    expected = loop_map_at_r(embeddings, y, "euclidean")
    asked = []

    def nearest_others(nn, embeddings, queries, k):
        asked.append((len(queries), k))
        return nearest(nn, embeddings, queries, k)

    nearest = metrics._nearest_others
    monkeypatch.setattr(metrics, "_nearest_others", nearest_others)
    for budget in [1, 7, 100, 2**22]:
        monkeypatch.setattr(metrics, "_NEIGHBOR_BUDGET", budget)
        asked.clear()
        assert mean_average_precision_at_r(embeddings, y) == pytest.approx(expected)
        # every query once; a chunk over the budget only if it is one row,
        # and no chunk could have taken the next query within the budget
        assert sum(rows for rows, _ in asked) == len(y) - 1
        for (rows, k), (_, next_k) in zip(asked, asked[1:] + [(0, 0)]):
            assert rows == 1 or rows * (k + 2) <= budget
            assert (rows + 1) * (max(k, next_k) + 2) > budget or next_k == 0


def test_retrieval_ties_do_not_follow_the_order_of_the_samples():
    # Two points, four classes, data sorted by class: neighbours at equal
    # distance used to come in sample order, which favoured the first
    # class of each point (MAP@R 0.5 sorted, 0.27 shuffled).
    embeddings = np.repeat(np.eye(2), [50, 50], axis=0)
    y = np.r_[np.repeat([0, 1], 25), np.repeat([2, 3], 25)]
    shuffle = np.random.RandomState(1).permutation(100)
    for metric in (mean_average_precision_at_r, precision_at_1):
        ordered = metric(embeddings, y)
        shuffled = metric(embeddings[shuffle], y[shuffle])
        assert abs(ordered - shuffled) < 0.05, metric
    assert mean_average_precision_at_r(embeddings, y) < 0.35
    # duplicates of a query are its neighbours, never the query itself
    assert mean_average_precision_at_r(np.zeros((4, 1)), [0, 0, 1, 1]) < 1


def test_retrieval_metrics_agree_on_ties_whatever_the_chunks(monkeypatch):
    # Quantised embeddings, many ties. With classes of two samples MAP@R is
    # precision@1 (one relevant neighbour), ties included; chunking changes
    # nothing (which tied neighbour kneighbors returns used to depend on k)
    import sklearn_siamese.metrics as metrics

    for seed in range(20):
        rng = np.random.RandomState(seed)
        embeddings = rng.randint(0, 3, size=(40, 2)).astype(float)
        y = np.repeat(np.arange(20), 2)
        assert mean_average_precision_at_r(embeddings, y) == precision_at_1(
            embeddings, y
        )
    y = rng.randint(0, 4, size=40)
    expected = mean_average_precision_at_r(embeddings, y)
    for budget in [1, 5, 50]:
        monkeypatch.setattr(metrics, "_NEIGHBOR_BUDGET", budget)
        assert mean_average_precision_at_r(embeddings, y) == pytest.approx(expected)


def test_retrieval_perfect_embeddings():
    y = np.repeat(["x", "y", "z"], 5)
    embeddings = np.eye(3)[np.searchsorted(["x", "y", "z"], y)]
    embeddings = embeddings + 1e-3 * np.random.RandomState(0).normal(size=(15, 3))
    assert precision_at_1(embeddings, y) == 1.0
    assert mean_average_precision_at_r(embeddings, y) == 1.0


def test_retrieval_errors():
    with pytest.raises(ValueError, match="every class has a single sample"):
        mean_average_precision_at_r([[0.0], [1.0]], [0, 1])
    with pytest.raises(ValueError, match="embeddings and y have inconsistent"):
        precision_at_1([[0.0], [1.0]], [0, 1, 1])
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        precision_at_1([[0.0]], [0])
    with pytest.raises(ValueError, match="'metric_name' parameter"):
        make_retrieval_scorer("recall")
    table = np.zeros((4, 4))
    msg = "make_retrieval_scorer scores encoders, .* FakePairClassifier has none"
    with pytest.raises(TypeError, match=msg):
        make_retrieval_scorer()(FakePairClassifier(table), index_X(4), [0, 0, 1, 1])


def test_metrics_refuse_what_they_cannot_score():
    # A precomputed matrix was shuffled by rows only (p@1 0.167 instead of
    # 1.0); NaN labels made one class of unlabelled samples; mixed label
    # types failed inside NumPy.
    X = np.random.RandomState(0).rand(20, 3)
    for metric_fn in (precision_at_1, mean_average_precision_at_r):
        with pytest.raises(
            ValueError,
            match="metric='precomputed' is not supported: pass the embeddings "
            "themselves, with the metric that compares them.",
        ):
            metric_fn(cdist(X, X), np.arange(20) % 3, metric="precomputed")
    y_nan = np.r_[np.full(10, np.nan), np.arange(10) % 2]
    mixed = np.array([1, "a"] * 10, dtype=object)
    for score in (
        lambda y: precision_at_1(X, y),
        lambda y: mean_average_precision_at_r(X, y),
        lambda y: one_shot_accuracy(X, y, n_way=2, n_tasks=5),
        lambda y: one_shot(FakeEncoder(X), index_X(20), y, n_way=2, n_tasks=5),
        lambda y: make_retrieval_scorer()(FakeEncoder(X), index_X(20), y),
    ):
        with pytest.raises(
            ValueError, match=r"y contains 10 missing label\(s\) \(NaN, NaT or None\)"
        ):
            score(y_nan)
        with pytest.raises(
            ValueError,
            match=r"y mixes labels of types \['int', 'str'\], which cannot be "
            r"ordered; give every label one type \(e.g. all str\).",
        ):
            score(mixed)


def test_retrieval_scorers_use_the_encoder(encoder, blobs):
    X, y = blobs
    embeddings = encoder.transform(X)
    p1 = make_retrieval_scorer()(encoder, X, y)
    assert p1 == precision_at_1(embeddings, y) == encoder.score(X, y)
    assert make_retrieval_scorer("map_at_r")(
        encoder, X, y
    ) == mean_average_precision_at_r(embeddings, y)
    rng = np.random.RandomState(0)
    embeddings, y = rng.normal(size=(30, 3)), rng.randint(3, size=30)
    cosine = FakeEncoder(embeddings, distance="cosine")
    assert make_retrieval_scorer("map_at_r")(
        cosine, index_X(30), y
    ) == mean_average_precision_at_r(embeddings, y, metric="cosine")


def test_a_pipeline_ending_in_knn_is_scored_on_its_embedding(blobs):
    # the README's [scaler, encoder, kNN] pipeline in a search with the
    # package's scorers (it failed inside, every score NaN)
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler

    X, y = blobs
    pipe = make_pipeline(
        StandardScaler(),
        SiameseEncoder(max_epochs=2, embedding_dim=4, random_state=0),
        KNeighborsClassifier(),
    ).fit(X, y)
    embedding = pipe[:-1]
    kwargs = dict(n_way=3, n_tasks=200, random_state=0)
    assert one_shot(pipe, X, y, **kwargs) == one_shot(embedding, X, y, **kwargs)
    for name in ["precision_at_1", "map_at_r"]:
        scorer = make_retrieval_scorer(name)
        assert scorer(pipe, X, y) == scorer(embedding, X, y)
    search = GridSearchCV(
        pipe,
        {"siameseencoder__margin": [0.5, 1.0]},
        scoring=make_one_shot_scorer(n_way=3, n_tasks=50),
        cv=2,
        error_score="raise",
    ).fit(X, y)
    assert np.all(search.cv_results_["mean_test_score"] > 1 / 3)
    # the fitted search itself, and a frozen pipeline, are scored the same way
    best = search.best_estimator_[:-1]
    for model in [search, FrozenEstimator(pipe)]:
        assert embedding_part(model)[-1] is (
            best[-1] if model is search else embedding[-1]
        )
    # a kNN of two classes after a SiameseEncoder too
    two = clone(pipe).fit(X, y % 2)
    assert embedding_part(two)[-1] is two[-2]
    # a two-class classifier at the end of anything else could be a pair
    # classifier: left as it is
    binary = make_pipeline(FunctionTransformer(), KNeighborsClassifier())
    binary.fit(X, y % 2)
    assert embedding_part(binary) is binary


def test_scorer_reprs():
    assert repr(make_one_shot_scorer()) == (
        "make_one_shot_scorer(n_way=5, k_shot=1, n_tasks=500, random_state=0)"
    )
    assert repr(make_retrieval_scorer("map_at_r")) == (
        "make_retrieval_scorer(metric_name='map_at_r')"
    )
    assert repr(make_pair_roc_auc_scorer(pos_label="same")) == (
        "make_pair_roc_auc_scorer(pos_label='same')"
    )


def test_scorers_in_grid_search(blobs):
    X, y = blobs
    order = np.random.RandomState(0).permutation(len(y))  # every fold: all classes
    X, y = X[order], y[order]
    one_shot = make_one_shot_scorer(n_way=3, n_tasks=50)
    search = GridSearchCV(
        SiameseEncoder(max_epochs=2, embedding_dim=4, random_state=0),
        {"margin": [0.5, 1.0]},
        scoring={"one_shot": one_shot, "map": make_retrieval_scorer("map_at_r")},
        refit="one_shot",
        cv=2,
        error_score="raise",
    )
    search.fit(X, y)
    for key in ("one_shot", "map"):
        scores = search.cv_results_[f"mean_test_{key}"]
        assert np.all((scores > 0) & (scores <= 1))
    assert search.best_score_ == search.cv_results_["mean_test_one_shot"].max()
    # the scorer alone, as GridSearchCV(scoring=...) gets it
    alone = GridSearchCV(
        SiameseEncoder(max_epochs=2, embedding_dim=4, random_state=0),
        {"margin": [0.5, 1.0]},
        scoring=one_shot,
        cv=2,
        error_score="raise",
    ).fit(X, y)
    np.testing.assert_array_equal(
        alone.cv_results_["mean_test_score"], search.cv_results_["mean_test_one_shot"]
    )


# -- pair verification ----------------------------------------------------------


def test_pair_roc_auc_of_a_pair_classifier():
    rng = np.random.RandomState(0)
    table = rng.normal(size=(20, 20))
    pairs = rng.randint(20, size=(50, 2))
    scores = table[pairs[:, 0], pairs[:, 1]]
    same = (scores + rng.normal(size=50) > 0).astype(int)
    expected = roc_auc_score(same, scores)
    assert 0.6 < expected < 0.95
    X_pairs = pairs[:, :, None]  # (50, 2, 1)
    est = FakePairClassifier(table, classes=[0, 1])
    assert pair_auc(est, X_pairs, same) == pytest.approx(expected)
    assert make_pair_roc_auc_scorer()(est, X_pairs, same) == pytest.approx(expected)
    # on scores already computed, the metric is roc_auc_score
    assert roc_auc_score(same, est.decision_function(X_pairs)) == expected
    # "same" is classes_[0]: decision values grow towards "different"
    flipped = FakePairClassifier(-table, classes=[0, 1], pos_label=0)
    assert pair_auc(flipped, X_pairs, 1 - same) == pytest.approx(expected)
    piped = make_pipeline(FunctionTransformer(), flipped)
    assert pair_auc(piped, X_pairs, 1 - same) == pytest.approx(expected)
    # an explicit pos_label: the estimator's decisions grow towards
    # classes_[1], so with "same" = 0 they are turned round; an estimator
    # without classes_ is taken to grow towards "same"
    assert pair_auc(est, X_pairs, same, pos_label=0) == pytest.approx(expected)
    no_classes = FakePairClassifier(table)
    assert pair_auc(no_classes, X_pairs, same, pos_label=0) == pytest.approx(
        1 - expected
    )
    labels = np.array(["different", "same"])[same]
    assert pair_auc(no_classes, X_pairs, labels) == pytest.approx(expected)
    with pytest.raises(ValueError, match="not one of the estimator's classes_"):
        pair_auc(est, X_pairs, labels)


@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan"])
def test_pair_roc_auc_of_an_encoder(distance):
    rng = np.random.RandomState(0)
    embeddings = rng.normal(size=(20, 3))
    first = rng.randint(20, size=60)
    pairs = np.column_stack([first, (first + rng.randint(1, 20, size=60)) % 20])
    same = rng.choice([-1, 1], size=60)
    d = [
        cdist(embeddings[[i]], embeddings[[j]], SCIPY_METRIC[distance])[0, 0]
        for i, j in pairs
    ]
    expected = roc_auc_score(same, -np.array(d))
    est = FakeEncoder(embeddings, distance=distance)
    assert pair_auc(est, pairs[:, :, None], same) == pytest.approx(expected)
    # [x1 | x2] rows, twice the encoder's single feature
    assert pair_auc(est, pairs, same) == pytest.approx(expected)


def test_pair_roc_auc_of_an_encoder_on_sparse_rows():
    rng = np.random.RandomState(0)
    embeddings = rng.normal(size=(20, 3))
    pairs = np.column_stack([np.arange(20), rng.permutation(20)])
    same = rng.randint(2, size=20)
    est = FakeEncoder(embeddings)
    assert pair_auc(est, sp.csr_matrix(pairs), same) == pair_auc(est, pairs, same)


def test_pair_roc_auc_of_real_estimators(pair_classifier, encoder, pair_data):
    P, same = pair_data
    auc = pair_auc(pair_classifier, P, same)
    assert auc == pytest.approx(
        roc_auc_score(same, pair_classifier.decision_function(P))
    )
    assert auc > 0.9
    assert pair_auc(encoder, P, same) > 0.9


def test_pair_roc_auc_errors(encoder, pair_data):
    P, same = pair_data
    with pytest.raises(ValueError, match="y_pairs must hold two labels"):
        pair_auc(encoder, P, np.ones_like(same))
    with pytest.raises(ValueError, match="pos_label='yes' is not one of the labels"):
        pair_auc(encoder, P, same, pos_label="yes")
    with pytest.raises(ValueError, match="X_pairs and y_pairs have inconsistent"):
        pair_auc(encoder, P, same[:-1])
    with pytest.raises(ValueError, match="X_pairs must hold pairs of shape"):
        pair_auc(encoder, P[:, 0], same)
    with pytest.raises(NotFittedError):
        pair_auc(PairClassifier(), P, same)
    with pytest.raises(TypeError, match="make_pair_roc_auc_scorer scores encoders"):
        pair_auc(object(), P, same)
    msg = "FakeEncoder gave NaN or infinite embeddings, which cannot be ranked"
    with pytest.raises(ValueError, match=msg):
        pair_auc(FakeEncoder([[0.0], [np.nan]]), [[0, 1], [1, 0]], [0, 1])


def test_pair_classifier_behind_a_2d_sampler_pipeline_and_a_calibrator(digits):
    # An imblearn pipeline of PairSampler(layout="2d") and a PairClassifier
    # is fitted on samples; its n_features_in_ is the sampler's, the
    # classifier's is twice that. A calibrator has predict_proba only.
    from imblearn.pipeline import Pipeline
    from sklearn.calibration import CalibratedClassifierCV

    X, y = digits
    X, y = X[:400], y[:400]
    sampler = PairSampler(n_pairs=600, layout="2d", random_state=0)
    clf = PairClassifier(max_epochs=3, embedding_dim=8, random_state=0)
    pipe = Pipeline([("pairs", sampler), ("clf", clf)]).fit(X, y)
    kwargs = dict(n_way=3, n_tasks=100, random_state=0)
    alone = one_shot(pipe[-1], X, y, **kwargs)
    assert alone > 0.5
    assert one_shot(pipe, X, y, **kwargs) == alone
    rows, same = sampler.fit_resample(X, y)
    calibrated = CalibratedClassifierCV(pipe[-1], cv=2).fit(rows, same)
    assert one_shot(calibrated, X, y, **kwargs) > 0.5
    assert pair_auc(calibrated, rows, same) > 0.8


def test_metrics_do_not_warn_about_feature_names(digits):
    import warnings

    import pandas as pd

    X, y = digits
    frame = pd.DataFrame(X[:300], columns=[f"p{i}" for i in range(X.shape[1])])
    encoder = SiameseEncoder(max_epochs=2, embedding_dim=8, random_state=0)
    encoder.fit(frame, y[:300])
    pairs, same = PairSampler(n_pairs=100, random_state=0).fit_resample(
        X[:300], y[:300]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pair_auc(encoder, pairs, same)
        one_shot(encoder, frame, y[:300], n_way=5, n_tasks=50)
