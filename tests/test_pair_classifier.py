"""Behaviour of PairClassifier."""

import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, get_scorer
from sklearn.model_selection import (
    GridSearchCV,
    TunedThresholdClassifierCV,
    cross_val_score,
)

from sklearn_siamese import PairClassifier, PairSampler
from sklearn_siamese.datasets import make_two_views

FAST = dict(max_epochs=15, embedding_dim=8, random_state=0)


@pytest.fixture(scope="module")
def pairs(blobs):
    X, y = blobs
    P, same = PairSampler(n_pairs=400, random_state=0).fit_resample(X, y)
    return P, same


@pytest.fixture(scope="module")
def fitted(pairs):
    P, same = pairs
    return PairClassifier(**FAST).fit(P, same)


def test_learns_pairs_and_outputs_are_consistent(fitted, pairs):
    P, same = pairs
    assert fitted.score(P, same) > 0.95
    proba = fitted.predict_proba(P)
    assert proba.shape == (400, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    decision = fitted.decision_function(P)
    np.testing.assert_array_equal(fitted.predict(P), (decision > 0).astype(int))
    np.testing.assert_array_equal(fitted.predict(P), (proba[:, 1] > 0.5).astype(int))
    assert brier_score_loss(same, proba[:, 1]) < 0.05
    # higher decision values for same-class pairs
    assert decision[same == 1].mean() > decision[same == 0].mean()


def test_two_d_layout_equals_three_d_layout(pairs):
    P, same = pairs
    flat = P.reshape(len(P), -1)
    a = PairClassifier(**FAST).fit(P, same).predict_proba(P)
    b = PairClassifier(**FAST).fit(flat, same).predict_proba(flat)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("head", ["distance", "cosine", "exp"])
def test_heads(pairs, head):
    P, same = pairs
    clf = PairClassifier(head=head, **FAST).fit(P, same)
    assert clf.score(P, same) > 0.9
    assert np.all(
        np.diff(clf.predict_proba(P)[np.argsort(clf.decision_function(P)), 1]) >= 0
    )


@pytest.mark.parametrize(
    "labels, same_label",
    [((0, 1), 1), ((-1, 1), 1), ((False, True), True), (("different", "same"), "same")],
)
def test_label_conventions(pairs, labels, same_label):
    P, same = pairs
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[same]
    clf = PairClassifier(**FAST).fit(P, y)
    assert list(clf.classes_) == list(labels)
    assert clf.pos_label_ == same_label
    assert set(clf.predict(P)) <= set(labels)
    np.testing.assert_array_equal(
        clf.predict_proba(P), PairClassifier(**FAST).fit(P, same).predict_proba(P)
    )


def test_pos_label_for_strings_sorting_the_other_way(pairs):
    P, same = pairs
    y = np.where(same == 1, "match", "no match")  # sorted: "match" first
    clf = PairClassifier(pos_label="match", **FAST).fit(P, y)
    assert clf.pos_label_ == "match"
    reference = PairClassifier(**FAST).fit(P, same)
    np.testing.assert_allclose(
        clf.predict_proba(P)[:, 0], reference.predict_proba(P)[:, 1]
    )
    np.testing.assert_array_equal(clf.predict(P) == "match", reference.predict(P) == 1)
    with pytest.raises(ValueError, match=r"pos_label='yes' is not one of the labels"):
        PairClassifier(pos_label="yes", **FAST).fit(P, y)
    # pairs right at the cut (isotonic calibration puts one there) are
    # "different" under either labelling: P(same) does not exceed threshold_
    kwargs = dict(calibration="isotonic", head="distance", **FAST)
    clf = PairClassifier(pos_label="match", **kwargs).fit(P, y)
    reference = PairClassifier(**kwargs).fit(P, same)
    for threshold in [0.0, 0.5, reference.threshold_]:
        clf.set_threshold(threshold)
        reference.set_threshold(threshold)
        p_same = clf.predict_proba(P)[:, 0]
        np.testing.assert_array_equal(clf.predict(P) == "match", p_same > threshold)
        np.testing.assert_array_equal(
            clf.predict(P) == "match", reference.predict(P) == 1
        )
        decision = clf.decision_function(P)
        np.testing.assert_array_equal(clf.predict(P), clf.classes_[(decision > 0) * 1])


def test_thresholds(fitted, pairs):
    P, same = pairs
    clf = pickle.loads(pickle.dumps(fitted))
    proba = clf.predict_proba(P)[:, 1]
    clf.set_threshold(0.9)
    np.testing.assert_array_equal(clf.predict(P), (proba > 0.9).astype(int))
    clf.calibrate_threshold(P, same, strategy="max_tpr", min_rate=0.99)
    pred = clf.predict(P)
    assert np.mean(pred[same == 0] == 0) >= 0.99
    clf.calibrate_threshold(P, same, strategy="max_tnr", min_rate=1.0)
    assert np.all(clf.predict(P)[same == 1] == 1)
    clf.calibrate_threshold(P, same, strategy="accuracy")
    accuracy = clf.score(P, same)
    for t in np.linspace(0.05, 0.95, 19):
        assert accuracy >= np.mean((proba > t).astype(int) == same) - 1e-12
    clf.calibrate_threshold(P, same, strategy="f_beta", beta=2.0)
    assert 0 <= clf.threshold_ <= 1
    with pytest.raises(
        ValueError, match=r"strategy='max_tpr' needs min_rate in \[0, 1\]"
    ):
        clf.calibrate_threshold(P, same, strategy="max_tpr")
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]; got 1.5"):
        clf.set_threshold(1.5)


def test_isotonic_calibration(pairs):
    P, same = pairs
    clf = PairClassifier(calibration="isotonic", **FAST).fit(P, same)
    proba = clf.predict_proba(P)[:, 1]
    assert brier_score_loss(same, proba) < 0.05
    np.testing.assert_array_equal(clf.predict(P), (proba > 0.5).astype(int))
    # P(same) is flat in steps and beyond the calibration scores: the cut of
    # set_threshold follows the rule exactly, at the ends too, also for a
    # barely trained model (P(same) = 0.5 for every pair).
    barely = PairClassifier(**{**FAST, "max_epochs": 1, "lr": 1e-5})
    barely.set_params(calibration="isotonic").fit(P, same)
    for model in (clf, barely):
        p = model.predict_proba(P)[:, 1]
        for t in [0.0, 0.01, 0.2, 0.5, 0.8, 0.99, 1.0, *np.unique(p)]:
            model.set_threshold(t)
            np.testing.assert_array_equal(model.predict(P), (p > t).astype(int))
    # an extreme calibrated threshold (P(same) = 1 here) carries over to
    # partial_fit
    clf.calibrate_threshold(P, same, strategy="max_tnr", min_rate=0.0)
    assert clf.threshold_ in (0.0, 1.0)
    clf.partial_fit(P, same)
    proba = clf.predict_proba(P)[:, 1]
    np.testing.assert_array_equal(clf.predict(P), (proba > clf.threshold_).astype(int))


def test_embed_single_samples(fitted, blobs):
    X, _ = blobs
    Z = fitted.embed(X)
    assert Z.shape == (80, 8) and Z.dtype == np.float32
    np.testing.assert_array_equal(Z, fitted.embed(X, side="b"))
    with pytest.raises(
        ValueError, match=r"X has samples of shape \(5,\), but side 'a'"
    ):
        fitted.embed(X[:, :5])


def test_pseudo_siamese_different_widths():
    X, y = make_two_views(3000, random_state=0)
    X_test, y_test = make_two_views(1000, random_state=1)
    clf = PairClassifier(
        shared=False,
        n_features_a=40,
        module_b="mlp",
        module_b__dropout=0.0,
        max_epochs=30,
        random_state=0,
    ).fit(X, y)
    assert clf.input_shape_ == (40,) and clf.input_shape_b_ == (24,)
    assert clf.net_.module_.branch_b is not None
    assert clf.score(X_test, y_test) >= 0.9
    assert clf.embed(X[:, 40:], side="b").shape == (3000, 64)


def test_pair_shape_errors(fitted, pairs):
    P, same = pairs
    with pytest.raises(
        ValueError, match=r"pair width must be even; got 1 feature\(s\)"
    ):
        PairClassifier(**FAST).fit(np.zeros((10, 1)), np.arange(10) % 2)
    with pytest.raises(ValueError, match=r"whose second axis is not 2"):
        PairClassifier(**FAST).fit(np.zeros((10, 3, 4)), np.arange(10) % 2)
    with pytest.raises(
        ValueError, match=r"so n_features_a \(12\) leaves none for side B"
    ):
        PairClassifier(n_features_a=12, shared=False, **FAST).fit(
            np.zeros((10, 12)), np.arange(10) % 2
        )
    with pytest.raises(ValueError, match="a shared branch needs sides of equal width"):
        PairClassifier(n_features_a=4, **FAST).fit(
            np.zeros((10, 12)), np.arange(10) % 2
        )
    with pytest.raises(ValueError, match="module_b gives side B its own branch"):
        PairClassifier(module_b="mlp", **FAST).fit(P, same)
    with pytest.raises(ValueError, match=r"pairs of samples of shape \(5,\), but"):
        fitted.predict(P[:, :, :5])
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        PairClassifier(**FAST).fit(P, np.arange(400) % 3)
    with pytest.raises(ValueError, match=r"y has 1 class \(1.0\)"):
        PairClassifier(**FAST).fit(P, np.ones(400))


def test_image_pairs():
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 10)
    X = rng.rand(40, 1, 10, 10).astype(np.float32) * 0.3 + y[:, None, None, None] / 4
    P, same = PairSampler(n_pairs=200, random_state=0).fit_resample(X, y)
    assert P.shape == (200, 2, 1, 10, 10)
    clf = PairClassifier(max_epochs=5, embedding_dim=4, random_state=0).fit(P, same)
    assert clf.predict_proba(P).shape == (200, 2)
    assert clf.embed(X).shape == (40, 4)


def test_meta_estimators(pairs):
    P, same = pairs
    flat = P.reshape(len(P), -1)
    clf = PairClassifier(**FAST)
    scores = cross_val_score(clf, flat, same, cv=3)
    assert scores.mean() > 0.9
    search = GridSearchCV(clf, {"head": ["koch", "cosine"]}, cv=2).fit(flat, same)
    assert search.best_score_ > 0.9
    tuned = TunedThresholdClassifierCV(clf, cv=2, scoring="balanced_accuracy")
    assert tuned.fit(flat, same).score(flat, same) > 0.9
    calibrated = CalibratedClassifierCV(clf, cv=2).fit(flat, same)
    assert brier_score_loss(same, calibrated.predict_proba(flat)[:, 1]) < 0.1


def test_imblearn_pipeline_fits_on_samples_and_predicts_pairs(blobs):
    import imblearn.pipeline as imblearn_pipeline

    X, y = blobs
    pipe = imblearn_pipeline.Pipeline(
        [
            ("pairs", PairSampler(n_pairs=400, random_state=0)),
            ("clf", PairClassifier(**FAST)),
        ]
    ).fit(X, y)
    P, same = PairSampler(n_pairs=100, random_state=1).fit_resample(X, y)
    assert pipe.score(P, same) > 0.9


def test_outputs_do_not_depend_on_the_batching(fitted, pairs):
    # each pair is scored on its own: alone or among others, the same score
    # up to float32 rounding (matrix products of other sizes round
    # differently)
    P, _ = pairs
    for method in ("decision_function", "predict_proba"):
        full = getattr(fitted, method)(P[:20])
        alone = np.concatenate(
            [getattr(fitted, method)(P[i : i + 1]) for i in range(20)]
        )
        np.testing.assert_allclose(alone, full, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("head", ["koch", "distance", "cosine", "exp"])
def test_a_shared_branch_scores_a_pair_either_way_round(pairs, head):
    P, same = pairs
    clf = PairClassifier(head=head, **{**FAST, "max_epochs": 2}).fit(P, same)
    np.testing.assert_allclose(
        clf.decision_function(P[:, ::-1]),
        clf.decision_function(P),
        rtol=1e-5,
        atol=1e-6,
    )


def test_pickle_round_trip(fitted, pairs):
    P, _ = pairs
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict_proba(P), fitted.predict_proba(P))


def test_koch_branch_and_head_have_the_papers_parameter_count():
    from sklearn_siamese.modules import KochHead, KochNet

    branch = KochNet((105, 105), embedding_dim=4096)
    n = sum(p.numel() for p in branch.parameters())
    n += sum(p.numel() for p in KochHead(4096).parameters())
    assert n == 38_951_745


def test_koch_branch_stays_the_papers_size_on_large_or_elongated_images():
    # the last feature map is pooled down to the paper's 6x6: a 1 x 1000
    # "image" built a 1-billion-parameter dense layer at 4096 units
    from sklearn_siamese.modules import KochNet

    def n_parameters(shape):
        return sum(p.numel() for p in KochNet(shape, embedding_dim=4096).parameters())

    dense = 256 * 6 * 4096 + 4096
    assert n_parameters((1, 1000)) < 2 * dense
    assert n_parameters((3, 10, 300)) < 40_000_000
    assert KochNet((1, 1000), embedding_dim=8)(torch.zeros(2, 1, 1000)).shape == (2, 8)
    with pytest.raises(ValueError, match="KochNet needs one kernel size per conv"):
        KochNet((28, 28), channels=(8, 8, 8, 8, 8))


class TupleBranch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(6, 4)

    def forward(self, x):
        return self.linear(x), x


def test_branches_with_the_wrong_output_get_a_clear_error():
    rng = np.random.RandomState(0)
    P, same = rng.normal(size=(40, 2, 6)).astype(np.float32), np.tile([0, 1], 20)
    # the Koch head's width probe used to fail: 'tuple' has no 'shape'
    for head in ("koch", "distance"):
        with pytest.raises(ValueError, match="The branch TupleBranch must return one"):
            PairClassifier(TupleBranch, head=head, max_epochs=1).fit(P, same)
        with pytest.raises(ValueError, match="side A gives 4 dimensions, side B 3"):
            PairClassifier(
                torch.nn.Linear,
                module__in_features=6,
                module__out_features=4,
                module_b=torch.nn.Linear,
                module_b__in_features=6,
                module_b__out_features=3,
                shared=False,
                head=head,
                max_epochs=1,
            ).fit(P.reshape(40, 12), same)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda(pairs):
    P, same = pairs
    clf = PairClassifier(device="cuda", **FAST).fit(P, same)
    proba = clf.predict_proba(P)
    assert isinstance(proba, np.ndarray) and clf.device_ == "cuda"
    assert next(clf.net_.module_.parameters()).is_cuda
    # it learns as on the CPU (the random streams of the two devices differ)
    cpu = PairClassifier(device="cpu", **FAST).fit(P, same)
    assert abs(clf.score(P, same) - cpu.score(P, same)) < 0.05
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(P), proba, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("normalize, scale", [(True, 8**0.5), (False, 1.0)])
def test_koch_head_scales_normalized_differences(pairs, normalize, scale):
    # Components of unit-length embeddings are about 1 / sqrt(dim); the head
    # brings them to order one for its linear layer.
    P, same = pairs
    clf = PairClassifier(normalize=normalize, **FAST).fit(P, same)
    head = clf.net_.module_.head
    assert head.scale == pytest.approx(scale)
    e1, e2 = torch.zeros(1, 8), torch.full((1, 8), 0.5)
    expected = head.linear(torch.full((1, 8), 0.5 * scale)).squeeze(1)
    torch.testing.assert_close(head(e1, e2), expected)


def test_partial_fit_learns_from_chunks_of_pairs(pairs):
    P, same = pairs
    clf = PairClassifier(embedding_dim=8, random_state=0)
    for _ in range(6):
        for chunk in np.array_split(np.arange(len(P)), 4):
            clf.partial_fit(P[chunk], same[chunk])
    assert len(clf.history_) == 24
    assert clf.score(P, same) > 0.95
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    # The same calls give the same model.
    again = PairClassifier(embedding_dim=8, random_state=0)
    for _ in range(6):
        for chunk in np.array_split(np.arange(len(P)), 4):
            again.partial_fit(P[chunk], same[chunk])
    np.testing.assert_array_equal(again.predict_proba(P), clf.predict_proba(P))


def test_partial_fit_calibration_and_threshold(pairs):
    P, same = pairs
    clf = PairClassifier(**FAST).fit(P, same)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0)
    clf.set_threshold(0.7)
    before, calibrator = clf.decision_function(P), clf.calibrator_
    # after fit, partial_fit trains at the constant lr and recalibrates
    clf.partial_fit(P, same, classes=[1, 0])
    assert clf.net_.optimizer_.param_groups[0]["lr"] == clf.lr
    assert not np.allclose(clf.decision_function(P), before)
    assert clf.calibrator_ is not calibrator
    assert clf.threshold_ == 0.7
    proba = clf.predict_proba(P)[:, 1]
    np.testing.assert_array_equal(clf.predict(P), (proba > 0.7).astype(int))
    # pairs of one label train, but keep the calibration
    calibrator = clf.calibrator_
    clf.partial_fit(P[same == 1], same[same == 1])
    assert clf.calibrator_ is calibrator
    assert len(clf.history_) == FAST["max_epochs"] + 2
    with pytest.raises(ValueError, match="X holds pairs of samples of shape"):
        clf.partial_fit(P[:, :, :1], same)


def test_partial_fit_classes_for_string_labels(pairs):
    P, same = pairs
    labels = np.where(same == 1, "same", "different")
    clf = PairClassifier(**FAST).partial_fit(P, labels, classes=["same", "different"])
    np.testing.assert_array_equal(clf.classes_, ["different", "same"])
    assert clf.pos_label_ == "same"
    # a chunk of "different" pairs only, after the first call
    clf.partial_fit(P[same == 0], labels[same == 0])
    assert set(clf.predict(P)) <= {"same", "different"}


def test_partial_fit_after_early_stopping(pairs):
    P, same = pairs
    clf = PairClassifier(**{**FAST, "early_stopping": True}).fit(P, same)
    assert "valid_loss" in clf.history_[-1]
    clf.partial_fit(P, same)
    assert "valid_loss" not in clf.history_[-1]
    assert "early_stopping" not in dict(clf.net_.callbacks_)


def test_early_stopping_without_pairs_to_hold_out_is_an_error(pairs):
    # With fewer than 4 pairs of a label nothing is held out: early stopping
    # was silently off (SiameseEncoder raises in the same case).
    P, same = pairs
    keep = np.r_[np.flatnonzero(same == 1)[:3], np.flatnonzero(same == 0)[:20]]
    clf = PairClassifier(**{**FAST, "early_stopping": True})
    with pytest.raises(
        ValueError,
        match=re.escape(
            "early_stopping=True measures a validation loss on held-out pairs, "
            "which needs 4 or more pairs of each label; y has 3 of one. Set "
            "early_stopping=False, or give more pairs."
        ),
    ):
        clf.fit(P[keep], same[keep])
    assert not clf.__sklearn_is_fitted__()
    clf.set_params(early_stopping=False).fit(P[keep], same[keep])  # in-sample


def test_a_large_validation_fraction_leaves_pairs_to_train_on(pairs):
    # 0.99 of 8 pairs used to hold out every pair: a "fitted" model that
    # had not taken a single training step
    P, same = pairs
    clf = PairClassifier(**{**FAST, "max_epochs": 1, "validation_fraction": 0.99})
    clf.fit(P[:8], same[:8])
    assert clf.history_[-1, "train_batch_count"] == 1
    assert np.isfinite(clf.history_[-1, "train_loss"])


def test_inference_batches_sized_for_each_side():
    # Side A is narrow, side B wide: each gets its own inference batch size,
    # whichever is embedded first.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 2 + 4000)).astype(np.float32)
    same = np.arange(64) % 2
    clf = PairClassifier(shared=False, n_features_a=2, max_epochs=1, random_state=0)
    clf.fit(X, same)
    for first, second in [("a", "b"), ("b", "a")]:
        net = clf.net_
        net.inference_batch_sizes_.clear()
        for side in (first, second):
            clf.embed(X[:, :2] if side == "a" else X[:, 2:], side=side)
            # side A's widest layer is the hidden one (256), side B's input
            expected = 2**21 // 256 if side == "a" else 2**21 // 4096
            assert net.inference_batch_size_ == expected
    clf.predict(X)
    assert net.inference_batch_size_ == 2**21 // 4096
    assert len(net.inference_batch_sizes_) == 3


def test_pseudo_siamese_batch_norm_with_a_last_batch_of_one_pair(pairs):
    P, same = pairs
    n = 2 * 16 + 1  # two batches of 16 pairs and one of a single pair
    clf = PairClassifier(
        shared=False,
        batch_size=16,
        module__batch_norm=True,
        module_b__batch_norm=True,
        embedding_dim=8,
        random_state=0,
    )
    clf.partial_fit(P[:n], same[:n])
    assert clf.history_[-1, "train_batch_count"] == 2
    # a call of one pair cannot train batch normalisation: say so
    msg = "A training batch gave a branch a single sample"
    with pytest.raises(ValueError, match=msg):
        clf.partial_fit(P[:1], same[:1])


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
def test_calibrated_threshold_is_a_rule_on_p_same(pairs, calibration):
    # calibrate_threshold's split is the rule "P(same) > threshold_", so
    # set_threshold(threshold_) and partial_fit keep it.
    P, same = pairs
    clf = PairClassifier(calibration=calibration, **FAST).fit(P[:200], same[:200])
    X, y = P[200:], same[200:]
    proba = clf.predict_proba(X)[:, 1]
    for strategy, kwargs in [
        ("accuracy", {}),
        ("f_beta", {"beta": 2.0}),
        ("max_tpr", {"min_rate": 0.9}),
        ("max_tpr", {"min_rate": 0.0}),
        ("max_tnr", {"min_rate": 0.0}),
    ]:
        clf.calibrate_threshold(X, y, strategy=strategy, **kwargs)
        pred = clf.predict(X)
        np.testing.assert_array_equal(pred, (proba > clf.threshold_).astype(int))
        np.testing.assert_array_equal(
            clf.set_threshold(clf.threshold_).predict(X), pred
        )
    assert not clf.predict(X).any()  # max_tnr with min_rate 0: none "same"


def test_decision_function_stays_finite_and_ranked_at_extreme_thresholds(pairs):
    P, same = pairs
    clf = PairClassifier(calibration="isotonic", **FAST).fit(P, same)
    # a calibration whose P(same) stays within [0.3, 0.6]
    scores = clf._pair_scores(P)
    narrow = pickle.loads(pickle.dumps(clf))
    narrow.calibrator_ = IsotonicRegression(out_of_bounds="clip").fit(
        np.quantile(scores, [0.25, 0.75]), [0.3, 0.6]
    )
    order = np.argsort(scores, kind="stable")
    for model, threshold, sign in [
        (clf, 1.0, -1),  # no P(same) exceeds 1
        (narrow, 0.6, -1),
        (narrow, 0.2, 1),  # every P(same) exceeds 0.2
    ]:
        model.set_threshold(threshold)
        decision = model.decision_function(P)
        assert np.all(np.isfinite(decision)) and np.all(np.sign(decision) == sign)
        np.testing.assert_array_equal(model.predict(P), (decision > 0).astype(int))
        proba = model.predict_proba(P)[:, 1]
        np.testing.assert_array_equal(model.predict(P), (proba > threshold).astype(int))
        assert np.all(np.diff(decision[order]) >= 0) and np.ptp(decision) > 0
    assert get_scorer("roc_auc")(clf.set_threshold(1.0), P, same) > 0.9


def test_sigmoid_thresholds_hold_for_extreme_probabilities(fitted, pairs):
    # predict is "P(same) > threshold_" also where P(same) is below 1e-12 or
    # above 1 - 1e-12; threshold 1 calls no pair "same"
    P, _ = pairs
    clf = pickle.loads(pickle.dumps(fitted))
    clf.calibrator_.coef_ = clf.calibrator_.coef_ * 20
    proba = clf.predict_proba(P)[:, 1]
    assert np.mean(proba < 1e-14) > 0.2 and proba.max() > 1 - 1e-14
    middle = np.sort(proba)[len(proba) // 2]
    for threshold in [1e-300, 1e-20, 1e-14, middle, 1 - 1e-15, 1.0]:
        clf.set_threshold(threshold)
        pred = clf.predict(P)
        np.testing.assert_array_equal(pred, (proba > threshold).astype(int))
        decision = clf.decision_function(P)
        assert np.all(np.isfinite(decision))
        np.testing.assert_array_equal(pred, (decision > 0).astype(int))
    # threshold 0: "same" for every pair but those whose P(same) rounds to 0
    np.testing.assert_array_equal(clf.set_threshold(0.0).predict(P), proba > 0)
    assert 0 < np.sum(proba == 0) < len(P)
    assert not clf.set_threshold(1.0).predict(P).any()


@pytest.mark.parametrize("offset", [-1.0, 1e6])
def test_sigmoid_calibration_of_a_model_that_ranks_pairs_backwards(offset):
    # P(same) then stays at the base rate, not near 0 or 1, whatever the
    # scale of the scores
    rng = np.random.RandomState(0)
    same = (rng.rand(200) < 0.47).astype(int)
    scores = offset - 0.3 * same + 0.1 * rng.randn(200)
    clf = PairClassifier()
    clf._fit_calibration(scores, same)
    proba = clf._proba_same(scores)
    assert clf.calibrator_.coef_[0, 0] > 0
    assert proba == pytest.approx(np.full_like(proba, same.mean()), abs=1e-3)


def test_calibrate_threshold_refuses_an_unreachable_rate(pairs):
    # with isotonic calibration pairs of P(same) = 0 are never "same"
    P, same = pairs
    clf = PairClassifier(calibration="isotonic", **FAST).fit(P[:200], same[:200])
    X, y = P[200:], same[200:].copy()
    proba = clf.predict_proba(X)[:, 1]
    assert proba.min() == 0
    y[np.argmin(proba)] = 1
    best = np.mean(proba[y == 1] > 0)
    msg = (
        "No threshold on P(same) gives these pairs a true positive rate of at "
        "least min_rate=1.0 (pairs of equal P(same) fall on one side); the "
        f"highest reachable is {best:.4g}. Lower min_rate."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        clf.calibrate_threshold(X, y, strategy="max_tnr", min_rate=1.0)
    clf.calibrate_threshold(X, y, strategy="max_tnr", min_rate=best)
    assert np.mean(clf.predict(X)[y == 1] == 1) == best
    # max_tpr names the true negative rate; "none same" always reaches TNR 1
    msg = "true negative rate of at least min_rate=0.5 .* highest reachable is 0."
    with pytest.raises(ValueError, match=msg):
        clf.calibrate_threshold(X, np.ones_like(y), strategy="max_tpr", min_rate=0.5)
    y = same[200:].copy()
    y[np.argmax(proba)] = 0  # the most similar pair is a "different" one
    clf.calibrate_threshold(X, y, strategy="max_tpr", min_rate=1.0)
    assert not np.any(clf.predict(X)[y == 0])


def test_the_skorch_net_scores_the_two_sides_of_pairs(fitted, pairs):
    P, _ = pairs
    scores = fitted.net_.forward((P[:, 0], P[:, 1])).cpu().numpy()
    np.testing.assert_allclose(
        scores, fitted._pair_scores(P).astype(np.float32), rtol=1e-5
    )


def test_infinite_pair_labels_are_refused_without_a_warning(pairs):
    P, same = pairs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Input y contains infinity"):
            PairClassifier(**FAST).fit(P, np.where(same == 1, np.inf, 0.0))


def test_set_threshold_needs_a_fitted_classifier_and_a_number(fitted):
    with pytest.raises(NotFittedError):
        PairClassifier().set_threshold(0.5)
    clf = pickle.loads(pickle.dumps(fitted))
    for bad in [True, "0.5", float("nan")]:
        with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
            clf.set_threshold(bad)


def test_partial_fit_reads_lr_and_batch_size_at_every_call(pairs):
    P, same = pairs
    clf = PairClassifier(**FAST).partial_fit(P, same)
    assert clf.history_[-1, "train_batch_count"] == 4  # 400 pairs, 128 a batch
    clf.set_params(batch_size=50, lr=0.01).partial_fit(P, same)
    assert clf.history_[-1, "train_batch_count"] == 8
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.01


def test_a_failed_refit_leaves_the_classifier_unfitted(pairs):
    P, same = pairs
    clf = PairClassifier(**FAST).fit(P, same)
    with pytest.raises(ValueError, match="Training diverged|training loss diverged"):
        clf.set_params(lr=1e12, max_epochs=3).fit(P, same)
    with pytest.raises(NotFittedError):
        clf.predict(P)
    # partial_fit starts afresh rather than training the diverged network
    clf.set_params(lr=3e-3).partial_fit(P, same)
    assert len(clf.history_) == 1
