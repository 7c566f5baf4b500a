"""Behaviour of SiameseEncoder."""

import os
import pickle
import re
import signal
import sys
import time

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.losses import PrototypicalLoss
from sklearn_siamese.sampling import ClassBalancedBatches

FAST = dict(max_epochs=3, embedding_dim=8, random_state=0)


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return SiameseEncoder(**FAST).fit(X, y)


def test_transform_shape_dtype_and_separation(fitted, blobs):
    X, y = blobs
    Z = fitted.transform(X)
    assert Z.shape == (80, 8) and Z.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, rtol=1e-5)
    assert fitted.score(X, y) == 1.0


def test_history_and_attributes(fitted):
    assert len(fitted.history_) == 3
    assert {"train_loss", "dur"} <= set(fitted.history_[-1])
    assert fitted.device_ == ("cuda" if torch.cuda.is_available() else "cpu")
    assert fitted.input_shape_ == (6,)
    assert fitted.n_features_in_ == 6
    assert list(fitted.get_feature_names_out()) == [
        f"siameseencoder{i}" for i in range(8)
    ]


def test_the_skorch_net_runs_on_arrays_as_any_skorch_net(fitted, blobs):
    # net_.forward / net_.predict wrap arrays as the encoder does
    X, y = blobs
    expected = fitted.transform(X)
    np.testing.assert_allclose(fitted.net_.forward(X).cpu().numpy(), expected)
    np.testing.assert_allclose(fitted.net_.predict(X.astype(np.float64)), expected)
    np.testing.assert_array_equal(fitted.net_.get_dataset(X, y).y, y)


def test_score_is_leave_one_out_nearest_neighbour_accuracy(fitted, blobs):
    X, y = blobs
    y = y.copy()
    y[::7] = (y[::7] + 1) % 4  # some wrong labels, so the score is not 1
    Z = fitted.transform(X)
    d = np.linalg.norm(Z[:, None] - Z[None], axis=2)
    np.fill_diagonal(d, np.inf)
    expected = np.mean(y[d.argmin(1)] == y)
    assert fitted.score(X, y) == pytest.approx(expected)
    assert 0 < expected < 1


def test_random_state_makes_fits_identical(blobs):
    X, y = blobs
    a = SiameseEncoder(**FAST).fit(X, y).transform(X)
    b = SiameseEncoder(**FAST).fit(X, y).transform(X)
    c = SiameseEncoder(**{**FAST, "random_state": 1}).fit(X, y).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_margin_zero_is_the_plain_prototypical_loss(blobs):
    X, y = blobs
    plain = SiameseEncoder(loss=PrototypicalLoss(), max_epochs=2, random_state=0)
    zero = SiameseEncoder(margin=0, max_epochs=2, random_state=0)
    default = SiameseEncoder(max_epochs=2, random_state=0)
    embeddings = [est.fit(X, y).transform(X) for est in (plain, zero, default)]
    np.testing.assert_array_equal(embeddings[0], embeddings[1])
    assert not np.array_equal(embeddings[0], embeddings[2])


def test_fitting_does_not_touch_global_random_state(blobs):
    X, y = blobs
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_np = torch.rand(1), np.random.rand()
    torch.manual_seed(123)
    np.random.seed(123)
    SiameseEncoder(**FAST).fit(X, y)
    assert torch.rand(1) == expected_torch and np.random.rand() == expected_np


@pytest.mark.parametrize(
    "params",
    [
        dict(loss="triplet", mining="hard"),
        dict(loss="triplet", mining="semihard", distance="cosine"),
        dict(loss="contrastive"),
        dict(loss="contrastive", sampling="random"),
        dict(loss="prototypical", distance="cosine"),
        dict(loss="triplet", sampling="random"),
        dict(distance="manhattan", normalize=False),
    ],
)
def test_losses_samplings_and_distances_learn(digits, params):
    # On held-out digits the trained embedding beats the same network
    # untrained (lr=1e-9), and the loss falls: blobs were separated already
    # by a random network, so a loss without gradients passed
    X, y = digits
    train, test = slice(0, 400), slice(400, 700)
    params = {**FAST, "max_epochs": 10, **params}
    enc = SiameseEncoder(**params).fit(X[train], y[train])
    untrained = SiameseEncoder(**{**params, "lr": 1e-9}).fit(X[train], y[train])
    assert enc.score(X[test], y[test]) > untrained.score(X[test], y[test]) + 0.03
    assert enc.history_[-1, "train_loss"] < 0.8 * enc.history_[0, "train_loss"]


def test_pipeline_and_grid_search_over_margin(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(
        X[:600], y[:600], test_size=0.3, stratify=y[:600], random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("siamese", SiameseEncoder(max_epochs=5, random_state=0)),
            ("knn", KNeighborsClassifier()),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"siamese__margin": [0.5, 1.0], "siamese__module__dropout": [0.0, 0.1]},
        cv=2,
    ).fit(X_train, y_train)
    assert search.best_estimator_.named_steps["siamese"]._params_for("module") == {
        "dropout": search.best_params_["siamese__module__dropout"]
    }
    assert search.score(X_test, y_test) > 0.85


def test_grid_search_without_scoring_uses_score(digits):
    X, y = digits
    search = GridSearchCV(
        SiameseEncoder(max_epochs=2, random_state=0), {"embedding_dim": [4, 16]}, cv=2
    ).fit(X[:300], y[:300])
    best = SiameseEncoder(max_epochs=2, random_state=0, **search.best_params_)
    by_hand = [
        clone(best).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in KFold(2).split(X[:300])
    ]
    assert search.best_score_ == pytest.approx(np.mean(by_hand))
    assert 0.5 < search.best_score_ <= 1


def test_score_is_precision_at_1_with_the_encoders_distance(digits):
    from sklearn_siamese.metrics import precision_at_1

    X, y = digits[0][:300], digits[1][:300]
    enc = SiameseEncoder(distance="manhattan", normalize=False, **FAST).fit(X, y)
    Z = enc.transform(X)
    assert enc.score(X, y) == precision_at_1(Z, y, metric="manhattan")
    assert enc.score(X, y) != precision_at_1(Z, y, metric="cosine")


def test_max_epochs_auto_aims_at_2000_steps(blobs):
    # 80 samples: one batch per epoch, so 2000 epochs, capped at 100
    X, y = blobs
    enc = SiameseEncoder(embedding_dim=8, random_state=0).fit(X, y)
    assert len(enc.history_) == 100
    assert enc._max_epochs(400) == 5 and enc._max_epochs(10**6) == 5
    assert enc._max_epochs(50) == 40


def test_string_labels(blobs):
    X, y = blobs
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    a = SiameseEncoder(**FAST).fit(X, names).transform(X)
    b = SiameseEncoder(**FAST).fit(X, y).transform(X)
    np.testing.assert_array_equal(a, b)


def test_sparse_tfidf_pipeline():
    docs = [
        f"{topic} {word}"
        for topic in ("apple pie", "rocket launch", "tax law")
        for word in ("one", "two", "three", "four", "five", "six")
    ]
    y = np.repeat([0, 1, 2], 6)
    pipe = Pipeline([("tfidf", TfidfVectorizer()), ("siamese", SiameseEncoder(**FAST))])
    Z = pipe.fit_transform(docs, y)
    assert Z.shape == (18, 8)
    X = TfidfVectorizer().fit_transform(docs)
    dense = SiameseEncoder(**FAST).fit(X.toarray(), y).transform(X.toarray())
    np.testing.assert_allclose(Z, dense, rtol=1e-5, atol=1e-6)


def test_sparse_input_rejected_by_conv_branch():
    X = TfidfVectorizer().fit_transform(["aa bb", "bb cc", "cc dd", "dd ee"])
    with pytest.raises(ValueError, match="module='conv' needs dense image input"):
        SiameseEncoder(module="conv", **FAST).fit(X, [0, 0, 1, 1])


@pytest.mark.parametrize("shape", [(8, 8), (1, 8, 8), (3, 10, 12)])
@pytest.mark.parametrize("module", ["auto", "koch", "mlp"])
def test_image_input(shape, module):
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(3), 6)
    X = rng.rand(18, *shape).astype(np.float32) + y.reshape(-1, *[1] * len(shape))
    enc = SiameseEncoder(module=module, max_epochs=2, embedding_dim=4, random_state=0)
    Z = enc.fit(X, y).transform(X)
    assert Z.shape == (18, 4)
    assert enc.input_shape_ == shape
    with pytest.raises(
        ValueError, match=r"X has samples of shape \(7, 7\), but SiameseEncoder"
    ):
        enc.transform(np.zeros((2, 7, 7), dtype=np.float32))


@pytest.mark.parametrize("wide", [False, True])
def test_random_affine_distorts_in_pixel_space(wide):
    # A pattern in the middle of a tall or wide image is rotated and sheared
    # as the same pattern alone in a square image.
    from sklearn_siamese.augment import RandomAffine

    augment = RandomAffine(degrees=30, translate=0.0, scale=(1.0, 1.0), shear=0.2)
    yy, xx = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    blob = torch.exp(-((yy - 7.5) ** 2 / 4 + (xx - 9.5) ** 2 / 8) / 2)
    square = torch.stack([blob, blob.T])
    padded = torch.zeros(2, 16, 48) if wide else torch.zeros(2, 48, 16)
    middle = (slice(None), slice(None), slice(16, 32))
    if not wide:
        middle = (slice(None), slice(16, 32), slice(None))
    padded[middle] = square
    torch.manual_seed(0)
    expected = augment(square)
    torch.manual_seed(0)
    torch.testing.assert_close(augment(padded)[middle], expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"scale": (0, 0)},
            "scale must be a (min, max) pair of positive zoom "
            "factors with min <= max, e.g. (0.9, 1.1); got (0, 0).",
        ),  # made NaN
        ({"scale": 1.1}, "scale must be a (min, max) pair"),
        ({"scale": (1.1, 0.9)}, "scale must be a (min, max) pair"),
        (
            {"degrees": "10"},
            "degrees must be a non-negative number (the largest distortion); got '10'.",
        ),
        ({"translate": -0.1}, "translate must be a non-negative number"),
        ({"shear": float("nan")}, "shear must be a non-negative number"),
        ({"degrees": True}, "degrees must be a non-negative number"),
        ({"scale": (0.9, 1.0, 1.1)}, "scale must be a (min, max) pair"),
    ],
)
def test_random_affine_checks_its_parameters(params, message):
    from sklearn_siamese.augment import RandomAffine

    with pytest.raises(ValueError, match=re.escape(message)):
        RandomAffine(**params)
    scale = [0.9, 1.1]
    augment = RandomAffine(scale=scale)
    scale[1] = 5.0  # the caller's list is not the transform's
    assert augment.scale == (0.9, 1.1)


def test_augment_is_training_only_and_seeded():
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(3), 6)
    X = rng.rand(18, 12, 12).astype(np.float32)
    enc = SiameseEncoder(augment=True, max_epochs=2, embedding_dim=4, random_state=0)
    a = enc.fit(X, y).transform(X)
    np.testing.assert_array_equal(a, enc.transform(X))
    np.testing.assert_array_equal(a, clone(enc).fit(X, y).transform(X))
    plain = SiameseEncoder(max_epochs=2, embedding_dim=4, random_state=0).fit(X, y)
    assert not np.allclose(a, plain.transform(X))
    with pytest.raises(ValueError, match="augment=True distorts images"):
        enc.fit(X.reshape(18, -1), y)


class TinyBranch(torch.nn.Module):
    def __init__(self, n_in=6, n_out=3):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, n_out)

    def forward(self, x):
        return self.linear(x)


@pytest.mark.parametrize("optimizer", [torch.optim.AdamW, torch.optim.SGD])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_weight_decay_reaches_the_optimizer(blobs, optimizer, weight_decay):
    # also 0: AdamW's own default is 0.01
    X, y = blobs
    encoder = SiameseEncoder(optimizer=optimizer, weight_decay=weight_decay, **FAST)
    encoder.fit(X, y)
    assert encoder.net_.optimizer_.param_groups[0]["weight_decay"] == weight_decay


def test_optimizers_without_weight_decay(blobs):
    # weight_decay=0 is not passed on: Rprop has no such argument
    X, y = blobs
    encoder = SiameseEncoder(optimizer=torch.optim.Rprop, max_epochs=3, random_state=0)
    assert encoder.fit(X, y).score(X, y) > 0.9
    assert "weight_decay" not in encoder.net_.optimizer_.defaults


def test_user_module_class_and_instance(blobs):
    X, y = blobs
    enc = SiameseEncoder(TinyBranch, module__n_out=5, **FAST).fit(X, y)
    assert enc.transform(X).shape == (80, 5)
    assert list(enc.get_feature_names_out()) == [f"siameseencoder{i}" for i in range(5)]
    instance = TinyBranch(n_out=2)
    before = instance.linear.weight.detach().clone()
    enc = SiameseEncoder(instance, **FAST).fit(X, y)
    assert enc.transform(X).shape == (80, 2)
    torch.testing.assert_close(
        instance.linear.weight, before
    )  # the user's copy is untouched
    with pytest.raises(
        ValueError, match=r"module__\* parameters \(\['n_out'\]\) cannot be applied"
    ):
        SiameseEncoder(instance, module__n_out=3, **FAST).fit(X, y)


def test_a_branch_given_in_evaluation_mode_trains_in_training_mode(blobs):
    # A pretrained network is usually passed as net.eval(); it used to train
    # with frozen batch statistics and no dropout (fit only: partial_fit and
    # an early-stopping epoch switched it)
    X, y = blobs
    modes = []

    class Recording(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(6, 4)
            self.norm = torch.nn.BatchNorm1d(4)

        def forward(self, x):
            modes.append(torch.is_grad_enabled() and self.training)
            return self.norm(self.linear(x))

    enc = SiameseEncoder(Recording().eval(), **FAST).fit(X, y)
    n_batches = sum(enc.history_[:, "train_batch_count"])
    assert modes[:n_batches] == [True] * n_batches
    assert enc.net_.module_.branch.norm.running_mean.abs().sum() > 0
    enc.transform(X)
    assert not enc.net_.module_.branch.training


class TupleBranch(torch.nn.Module):
    def __init__(self, n_out=4):
        super().__init__()
        self.linear = torch.nn.Linear(6, n_out)

    def forward(self, x):
        return self.linear(x), x


class FeatureMapBranch(TupleBranch):
    def forward(self, x):
        return self.linear(x)[:, None]


def test_a_fit_that_fails_in_training_leaves_the_encoder_unfitted(blobs):
    X, y = blobs
    diverging = dict(
        lr=1e30, optimizer=torch.optim.SGD, loss="contrastive", batch_size=16
    )
    encoder = SiameseEncoder(**FAST).fit(X, y)
    encoder.set_params(**diverging)
    with pytest.raises(ValueError, match="diverged"):
        encoder.fit(X, y)
    with pytest.raises(NotFittedError):
        encoder.transform(X)
    with pytest.raises(NotFittedError):
        encoder.get_feature_names_out()
    # a first partial_fit too; the next one starts afresh
    encoder = SiameseEncoder(**FAST, **diverging)
    with pytest.raises(ValueError, match="diverged"):
        encoder.partial_fit(X, y)
    with pytest.raises(NotFittedError):
        encoder.transform(X)
    encoder.set_params(lr=1e-3, optimizer=torch.optim.Adam).partial_fit(X, y)
    assert len(encoder.history_) == 1 and np.isfinite(encoder.transform(X)).all()


def test_an_interrupted_first_partial_fit_leaves_no_model(blobs, monkeypatch):
    X, y = blobs

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(SiameseEncoder, "_output_size", interrupt)
    encoder = SiameseEncoder(**FAST)
    with pytest.raises(KeyboardInterrupt):
        encoder.partial_fit(X, y)
    assert not hasattr(encoder, "net_")


class CtrlCAt(torch.nn.Module):
    """An MLP branch during whose ``at``-th training forward pass the user
    presses Ctrl-C."""

    def __init__(self, input_shape, at=2):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(5, 4))
        self.at, self.calls = at, 0

    def forward(self, x):
        if self.training:
            self.calls += 1
            if self.calls == self.at:
                os.kill(os.getpid(), signal.SIGINT)
        return self.layers(x)


@pytest.mark.parametrize("estimator", ["encoder", "pairs"])
def test_ctrl_c_in_training_stops_the_fit(estimator):
    # skorch's partial_fit takes any KeyboardInterrupt for the end of
    # training; Ctrl-C propagates, from fit and from every partial_fit, and a
    # fit leaves no model; a later partial_fit keeps the model it had. A
    # callback's KeyboardInterrupt still ends training as in skorch
    # (EarlyStopping's).
    from skorch.callbacks import Callback

    from sklearn_siamese import PairClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(120, 5).astype(np.float32), np.arange(120) % 4
    if estimator == "pairs":
        X, y = rng.randn(120, 2, 5).astype(np.float32), np.arange(120) % 2
    cls = PairClassifier if estimator == "pairs" else SiameseEncoder
    kwargs = dict(module__input_shape=(5,), batch_size=16, **FAST)
    model = cls(CtrlCAt, **kwargs)
    for train in (model.fit, model.partial_fit):
        with pytest.raises(KeyboardInterrupt):
            train(X, y)
        assert not model.__sklearn_is_fitted__()
    model.set_params(module__at=10**9).fit(X, y)
    before = model.net_
    model.net_.module_.branch.at = model.net_.module_.branch.calls + 1
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X, y)
    assert model.__sklearn_is_fitted__() and model.net_ is before

    class StopAfterOneEpoch(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise KeyboardInterrupt

    model = cls(CtrlCAt, callbacks=[StopAfterOneEpoch()], **kwargs)
    model.set_params(module__at=10**9).fit(X, y)
    assert len(model.history_) == 1 and model.__sklearn_is_fitted__()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_a_callback_runs_stops_the_fit(blobs):
    # Ctrl-C (SIGINT) that lands inside a callback is not the callback's
    # own stop: the fit stops and leaves no model.
    import os
    import signal

    from skorch.callbacks import Callback

    class PressCtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the signal is handled in here

    X, y = blobs
    model = SiameseEncoder(callbacks=[PressCtrlC()], **FAST)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert not model.__sklearn_is_fitted__()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class InPlaceFirst(torch.nn.Module):
    def __init__(self, width=5, inplace=True):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.ReLU(inplace=inplace), torch.nn.Linear(width, 4)
        )

    def forward(self, x):
        return self.layers(x)


def test_a_branch_working_in_place_leaves_the_input_alone():
    # Inference batches were views of a float32 X: a first layer working in
    # place rewrote the caller's array (a transformer must not).
    from sklearn_siamese import PairClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 5).astype(np.float32), np.repeat(np.arange(3), 20)
    pairs, same = rng.randn(60, 10).astype(np.float32), np.arange(60) % 2
    side = np.ascontiguousarray(pairs[:, :5])
    kwargs = dict(max_epochs=1, batch_size=16, random_state=0)
    enc = SiameseEncoder(InPlaceFirst, **kwargs)
    clf = PairClassifier(InPlaceFirst, **kwargs)
    for data, call in [
        (X, lambda: enc.fit(X, y)),
        (X, lambda: enc.transform(X)),
        (X, lambda: enc.score(X, y)),
        (pairs, lambda: clf.fit(pairs, same)),
        (pairs, lambda: clf.predict_proba(pairs)),
        (side, lambda: clf.embed(side)),
    ]:
        before = data.copy()
        call()
        np.testing.assert_array_equal(data, before)


def test_in_place_branches_leave_the_input_alone_everywhere():
    # net_.forward (skorch's path, through get_iterator) and side B of a
    # pseudo-siamese network copy views of the caller's data too.
    from sklearn_siamese import PairClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 5).astype(np.float32), np.repeat(np.arange(3), 20)
    enc = SiameseEncoder(InPlaceFirst, max_epochs=1, batch_size=16, random_state=0)
    enc.fit(X, y)
    before = X.copy()
    enc.net_.forward(X)
    np.testing.assert_array_equal(X, before)
    pairs, same = rng.randn(60, 10).astype(np.float32), np.arange(60) % 2
    # (side B working in place also trains: the two sides of a batch were
    # blocks of one tensor, and autograd refused the in-place change)
    clf = PairClassifier(
        shared=False,
        n_features_a=5,
        module_b=InPlaceFirst,
        embedding_dim=4,
        max_epochs=1,
        random_state=0,
    ).fit(pairs, same)
    side = np.ascontiguousarray(pairs[:, 5:])
    before = side.copy()
    clf.embed(side, side="b")
    np.testing.assert_array_equal(side, before)


def test_a_branch_with_the_wrong_output_gets_a_clear_error(blobs):
    X, y = blobs
    msg = (
        r"The branch TupleBranch must return one tensor of shape \(n_samples, "
        r"n_dims\); for \d+ samples it returned a tuple. Flatten its features, "
        "or return only the embedding."
    )
    for normalize in (True, False):
        with pytest.raises(ValueError, match=msg):
            SiameseEncoder(TupleBranch, normalize=normalize, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"returned a tensor of shape \(\d+, 1, 4\)"):
        SiameseEncoder(FeatureMapBranch, **FAST).fit(X, y)


def test_built_in_branch_classes_are_their_names(blobs):
    X, y = blobs
    from sklearn_siamese.modules import MLP

    params = {**FAST, "module__hidden_layer_sizes": (16,), "embedding_dim": 5}
    by_class = SiameseEncoder(MLP, **params).fit(X, y).transform(X)
    by_name = SiameseEncoder("mlp", **params).fit(X, y).transform(X)
    assert by_class.shape == (80, 5)
    np.testing.assert_array_equal(by_class, by_name)
    # sizes given as module__* parameters still win
    sized = SiameseEncoder(
        MLP, module__input_shape=(6,), module__embedding_dim=3, **FAST
    ).fit(X, y)
    assert sized.transform(X).shape == (80, 3)
    # 5-D input: the error names the module as given
    with pytest.raises(ValueError, match="module='auto' needs image input"):
        SiameseEncoder(**FAST).fit(np.zeros((80, 2, 2, 2, 2)), y)


def test_set_params_leaves_shallow_copies_alone():
    import copy

    encoder = SiameseEncoder(module__dropout=0.1)
    twin = copy.copy(encoder)
    twin.set_params(module__dropout=0.5, optimizer__momentum=0.9, lr=0.1)
    assert encoder.get_params()["module__dropout"] == 0.1
    assert "optimizer__momentum" not in encoder.get_params()
    assert twin.get_params()["module__dropout"] == 0.5


def test_prefixed_parameters_round_trip(blobs):
    enc = SiameseEncoder(module__hidden_layer_sizes=(32,), optimizer__betas=(0.8, 0.9))
    params = enc.get_params()
    assert params["module__hidden_layer_sizes"] == (32,)
    cloned = clone(enc)
    assert cloned.get_params()["optimizer__betas"] == (0.8, 0.9)
    cloned.set_params(module__dropout=0.0, margin=2.0)
    assert cloned.margin == 2.0 and cloned._params_for("module") == {
        "hidden_layer_sizes": (32,),
        "dropout": 0.0,
    }
    X, y = blobs
    cloned.set_params(max_epochs=1).fit(X, y)
    assert cloned.net_.optimizer_.defaults["betas"] == (0.8, 0.9)


def test_bad_parameters_have_clear_errors(blobs):
    X, y = blobs
    with pytest.raises(
        TypeError, match=r"unexpected keyword argument\(s\) \['hidden'\]"
    ):
        SiameseEncoder(hidden=3).fit(X, y)
    with pytest.raises(
        ValueError, match=r"Unknown module__\* parameter\(s\) \['width'\]"
    ):
        SiameseEncoder(module__width=3).fit(X, y)
    with pytest.raises(
        ValueError, match="The 'margin' parameter of SiameseEncoder must be"
    ):
        SiameseEncoder(margin=-1).fit(X, y)
    with pytest.raises(
        ValueError, match="The 'loss' parameter of SiameseEncoder must be"
    ):
        SiameseEncoder(loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match="The 'embedding_dim' parameter"):
        SiameseEncoder(embedding_dim=0).fit(X, y)
    with pytest.raises(
        ValueError, match="loss='prototypical' needs class-balanced batches"
    ):
        SiameseEncoder(loss="prototypical", sampling="random").fit(X, y)
    with pytest.raises(ValueError, match=r"module='conv' needs image input"):
        SiameseEncoder(module="conv").fit(X, y)


def test_built_in_loss_instances_train_as_their_names(blobs):
    # An instance is trained as the loss of its name: TripletLoss gets
    # triplets under sampling="random" (it got pairs and failed to unpack),
    # PrototypicalLoss is refused there at once, and a distance other than
    # the estimator's (which score and the metrics use) is an error.
    from sklearn_siamese.losses import TripletLoss

    X, y = blobs
    named = SiameseEncoder(loss="triplet", sampling="random", **FAST).fit(X, y)
    instance = SiameseEncoder(loss=TripletLoss(), sampling="random", **FAST)
    np.testing.assert_array_equal(instance.fit(X, y).transform(X), named.transform(X))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "loss=PrototypicalLoss needs class-balanced batches; use "
            "sampling='batch' instead of sampling='random'."
        ),
    ):
        SiameseEncoder(loss=PrototypicalLoss(), sampling="random").fit(X, y)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "loss=PrototypicalLoss(distance='cosine') trains with the cosine "
            "distance, but distance='euclidean', which score and the metrics "
            "use; pass distance='cosine' too."
        ),
    ):
        SiameseEncoder(loss=PrototypicalLoss(distance="cosine")).fit(X, y)
    enc = SiameseEncoder(loss=PrototypicalLoss(distance="cosine"), distance="cosine")
    assert enc.set_params(**FAST).fit(X, y).score(X, y) > 0.5


@pytest.mark.parametrize(
    "y, message",
    [
        (np.zeros(10), r"y has 1 class\(es\), 1 of them"),
        (np.arange(10), r"y has 10 class\(es\), 0 of them with 2 or more samples"),
        (np.r_[np.zeros(9), 1], r"y has 2 class\(es\), 1 of them"),
    ],
)
def test_labels_that_cannot_make_pairs(y, message):
    with pytest.raises(ValueError, match=message):
        SiameseEncoder(**FAST).fit(np.random.rand(10, 3), y)


def test_bad_input_errors(fitted, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="Input y contains NaN"):
        SiameseEncoder(**FAST).fit(X, np.r_[np.nan, y[1:]].astype(float))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        SiameseEncoder(**FAST).fit(np.r_[[np.full(6, np.nan)], X[1:]], y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SiameseEncoder(**FAST).fit(X, y[:-1])
    with pytest.raises(
        ValueError, match="X has 5 features, but SiameseEncoder is expecting 6"
    ):
        fitted.transform(X[:, :5])


def test_partial_fit_continues_training(blobs):
    X, y = blobs
    enc = SiameseEncoder(**FAST)
    enc.partial_fit(X, y)
    first = enc.transform(X)
    enc.partial_fit(X, y)
    assert len(enc.history_) == 2
    assert not np.allclose(first, enc.transform(X))
    with pytest.raises(ValueError, match="X has 5 features"):
        enc.partial_fit(X[:, :5], y)


@pytest.mark.parametrize("lr_schedule", ["cosine", "constant"])
def test_user_callbacks_stay_through_partial_fit(blobs, lr_schedule):
    # A user callback is called in fit and in every partial_fit after it;
    # the names of the package's own callbacks are refused with a message
    # (skorch's duplicate-name error did not say which parameter added the
    # other one, and partial_fit dropped a user callback of such a name).
    from skorch.callbacks import Callback

    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    X, y = blobs
    params = {**FAST, "max_epochs": 2, "lr_schedule": lr_schedule}
    enc = SiameseEncoder(callbacks=[("count", CountEpochs())], **params).fit(X, y)
    enc.partial_fit(X, y)
    assert dict(enc.net_.callbacks_)["count"].epochs == 3
    for name in ["lr_schedule", "early_stopping"]:
        enc = SiameseEncoder(callbacks=[(name, CountEpochs())], **params)
        with pytest.raises(
            ValueError,
            match=f"callbacks: the name '{name}' is reserved for the callback "
            f"that the {name} parameter adds; give your callback another name.",
        ):
            enc.fit(X, y)


def test_partial_fit_after_fit_trains_at_the_constant_lr(blobs):
    # fit's cosine schedule ends at a learning rate of zero; partial_fit
    # goes on at lr, as documented, and really changes the model.
    X, y = blobs
    enc = SiameseEncoder(**{**FAST, "lr": 0.01}).fit(X, y)
    assert enc.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0)
    before = enc.transform(X)
    enc.partial_fit(X, y)
    assert enc.net_.optimizer_.param_groups[0]["lr"] == 0.01
    assert not np.allclose(enc.transform(X), before)
    assert len(enc.history_) == FAST["max_epochs"] + 1


def test_partial_fit_has_no_held_out_split_nor_early_stopping(blobs):
    X, y = blobs
    # after a fit with early stopping, and as the first call
    enc = SiameseEncoder(**{**FAST, "early_stopping": True}).fit(X, y)
    assert "valid_loss" in enc.history_[-1]
    enc.partial_fit(X, y)
    fresh = SiameseEncoder(**{**FAST, "early_stopping": True}).partial_fit(X, y)
    for model in (enc, fresh):
        assert "valid_loss" not in model.history_[-1]
        assert model.net_.train_split is None
        assert "early_stopping" not in dict(model.net_.callbacks_)


def test_early_stopping_with_a_large_validation_fraction(blobs):
    # 0.75 of classes of 4 samples used to leave a single training sample
    # per class: ZeroDivisionError in the batch plan
    X, y = blobs
    keep = np.concatenate([np.flatnonzero(y == c)[:4] for c in range(3)])
    enc = SiameseEncoder(
        **{**FAST, "early_stopping": True, "validation_fraction": 0.75}
    ).fit(X[keep], y[keep])
    assert np.isfinite(enc.history_[-1, "train_loss"])
    assert np.isfinite(enc.history_[-1, "valid_loss"])


def test_early_stopping_holds_out_and_stops(digits):
    X, y = digits
    enc = SiameseEncoder(
        early_stopping=True, n_iter_no_change=2, max_epochs=200, lr=0.05, random_state=0
    ).fit(X[:500], y[:500])
    history = enc.history_
    assert "valid_loss" in history[-1]
    assert len(history) < 200
    best = min(history[:, "valid_loss"])
    assert history[-1, "valid_loss"] >= best


def test_verbose_prints_an_epoch_table(blobs, capsys):
    X, y = blobs
    SiameseEncoder(**FAST).fit(X, y)
    assert capsys.readouterr().out == ""
    SiameseEncoder(**{**FAST, "verbose": 1}).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 5


def test_pickle_round_trip(fitted, blobs):
    X, _ = blobs
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_set_output_pandas(blobs):
    import pandas as pd

    X, y = blobs
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    enc = SiameseEncoder(**FAST).set_output(transform="pandas").fit(frame, y)
    out = enc.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"siameseencoder{i}" for i in range(8)]
    assert list(enc.feature_names_in_) == list(frame.columns)


def test_class_balanced_batches_cover_classes_evenly():
    rng = np.random.default_rng(0)
    counts = np.array([50, 30, 20, 20, 10, 5, 5, 3, 2, 1])
    y = np.repeat(np.arange(10), counts)
    plan = ClassBalancedBatches(batch_size=16, samples_per_class=4)
    batches = list(plan(y, rng))
    # the singleton class never trains: an epoch is about the other rows
    assert sum(len(b) for b, _ in batches) == pytest.approx(len(y) - 1, rel=0.1)
    visits = np.zeros(10)
    for index, target in batches:
        np.testing.assert_array_equal(target, y[index])
        classes, taken = np.unique(target, return_counts=True)
        # P = 4 distinct classes of K = 4 samples (of all 3 or 2 samples of
        # the small classes: a row twice would pair with itself), also for
        # the batches that take the end of one round of the 9 classes and
        # the start of the next
        assert len(classes) == 4 and len(set(index)) == len(index)
        np.testing.assert_array_equal(taken, np.minimum(4, counts[classes]))
        visits[classes] += 1
    assert visits[9] == 0  # a singleton class cannot form a same-class pair
    assert visits[:9].max() - visits[:9].min() <= 1


@pytest.mark.filterwarnings("ignore:The number of unique classes")
def test_epochs_count_the_rows_that_can_train(monkeypatch):
    # 10 classes of 3 and 1,000 single-sample classes: one batch of the 30
    # rows that can train (not 9 of 120), and max_epochs="auto" counts it.
    y = np.concatenate([np.repeat(np.arange(10), 3), np.arange(10, 1010)])
    batches = list(ClassBalancedBatches(120, 4)(y, np.random.default_rng(0)))
    assert len(batches) == 1 and len(batches[0][0]) == 30
    pairs = ClassBalancedBatches(16, 4)(
        np.repeat(np.arange(500), 2), np.random.default_rng(0)
    )
    assert abs(sum(len(index) for index, _ in pairs) - 1000) <= 16
    seen = []
    monkeypatch.setattr(
        SiameseEncoder, "_max_epochs", lambda self, n: seen.append(n) or 1
    )
    X = np.random.RandomState(0).randn(len(y), 5).astype(np.float32)
    SiameseEncoder(batch_size=32, random_state=0).fit(X, y)
    assert seen == [1]  # the plan's one batch, not round(1030 / 32)


def test_classes_of_two_fill_the_batch_and_auto_epochs_count_batches():
    # Pairs of images per person: K = 4 asked, every class has 2. Batches
    # were 32 classes of 2 (64 rows, half the batch) and max_epochs="auto"
    # counted 128-row batches, so fits ran twice the documented 2,000 steps.
    y = np.repeat(np.arange(5000), 2)
    plan = ClassBalancedBatches(batch_size=128, samples_per_class=4)
    batches = list(plan(y, np.random.default_rng(0)))
    assert {len(index) for index, _ in batches} == {128}
    assert len(batches) == plan.n_batches(y) == 78
    epochs = []
    with pytest.MonkeyPatch.context() as mp:  # the training itself is not needed
        mp.setattr(SiameseEncoder, "_train", lambda self, data, n: epochs.append(n))
        SiameseEncoder().fit(np.zeros((len(y), 3)), y)
    assert epochs[0] * len(batches) == pytest.approx(2000, rel=0.02)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_returns_numpy_on_cpu(blobs):
    X, y = blobs
    enc = SiameseEncoder(device="cuda", **FAST).fit(X, y)
    Z = enc.transform(X)
    assert isinstance(Z, np.ndarray) and enc.device_ == "cuda"
    assert next(enc.net_.module_.parameters()).is_cuda
    loaded = pickle.loads(pickle.dumps(enc))
    np.testing.assert_allclose(loaded.transform(X), Z, rtol=1e-5)


class _LearnedScaleLoss(torch.nn.Module):
    """The prototypical loss on embeddings times a learned scale."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, output, target):
        from sklearn_siamese.losses import PrototypicalLoss

        return PrototypicalLoss()(output * self.scale, target)


def test_a_loss_module_is_copied_for_each_fit(blobs):
    X, y = blobs
    loss = _LearnedScaleLoss()
    enc = SiameseEncoder(loss=loss, optimizer=torch.optim.SGD, lr=0.1, **FAST)
    first = enc.fit(X, y).transform(X)
    assert enc.net_.criterion_ is not loss and loss.scale.item() == 1.0
    assert enc.net_.criterion_.scale.item() != 1.0  # the copy was trained
    np.testing.assert_array_equal(enc.fit(X, y).transform(X), first)


def test_a_fit_leaves_the_gpu_generators_alone(blobs, monkeypatch):
    calls = []
    for name in ("manual_seed", "manual_seed_all"):
        monkeypatch.setattr(
            torch.cuda, name, lambda seed, name=name: calls.append(name)
        )
    X, y = blobs
    SiameseEncoder(device="cpu", **FAST).fit(X, y).transform(X)
    assert calls == []


def test_a_failed_refit_leaves_the_encoder_unfitted(blobs):
    X, y = blobs
    enc = SiameseEncoder(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="Unknown module__"):
        enc.set_params(module__bogus=1).fit(X[:, :3], y)
    with pytest.raises(NotFittedError):
        enc.transform(X[:, :3])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_under_a_handler_of_the_users_stops_the_fit():
    # A notebook or an application may install its own SIGINT handler: it
    # still runs, and a Ctrl-C that it turns into KeyboardInterrupt stops
    # the fit (skorch alone would take it for the end of training).
    calls = []

    def users_handler(signum, frame):
        calls.append(signum)
        raise KeyboardInterrupt

    rng = np.random.RandomState(0)
    X, y = rng.randn(120, 5).astype(np.float32), np.arange(120) % 4
    model = SiameseEncoder(CtrlCAt, module__input_shape=(5,), batch_size=16, **FAST)
    previous = signal.signal(signal.SIGINT, users_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
        assert signal.getsignal(signal.SIGINT) is users_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == [signal.SIGINT] and not model.__sklearn_is_fitted__()
