"""Safe persistence: save / load, and pickle round trips."""

import json
import pickle
import re

import joblib
import numpy as np
import pytest
import torch
from skorch.callbacks import EpochTimer

from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder, load

FAST = dict(max_epochs=2, embedding_dim=8, random_state=0)


@pytest.mark.parametrize(
    "params",
    [dict(), dict(loss="triplet", mining="hard", optimizer=torch.optim.SGD)],
)
def test_encoder_round_trip_is_bit_identical(tmp_path, blobs, params):
    X, y = blobs
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    encoder = SiameseEncoder(**FAST, **params, module__hidden_layer_sizes=(16,))
    encoder.fit(X, names)
    path = tmp_path / "encoder.pt"
    encoder.save(path)
    loaded = load(path)
    assert type(loaded) is SiameseEncoder
    assert loaded.get_params() == encoder.get_params()
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    assert loaded.score(X, names) == encoder.score(X, names)
    assert len(loaded.history_) == len(encoder.history_)
    assert list(loaded.get_feature_names_out()) == list(encoder.get_feature_names_out())


def test_image_encoder_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.rand(24, 1, 10, 10).astype(np.float32)
    y = np.repeat(np.arange(4), 6)
    for module in ("conv", "koch"):
        encoder = SiameseEncoder(module=module, **FAST).fit(X, y)
        encoder.save(tmp_path / "m.pt")
        np.testing.assert_array_equal(
            load(tmp_path / "m.pt").transform(X), encoder.transform(X)
        )


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
@pytest.mark.parametrize("head", ["koch", "distance"])
def test_pair_classifier_round_trip(tmp_path, blobs, calibration, head):
    X, y = blobs
    P, same = PairSampler(n_pairs=200, random_state=0).fit_resample(X, y)
    labels = np.where(same == 1, "same", "different")
    clf = PairClassifier(head=head, calibration=calibration, **FAST).fit(P, labels)
    clf.set_threshold(0.3)
    clf.save(tmp_path / "clf.pt")
    loaded = load(tmp_path / "clf.pt")
    np.testing.assert_array_equal(loaded.predict_proba(P), clf.predict_proba(P))
    np.testing.assert_array_equal(loaded.decision_function(P), clf.decision_function(P))
    np.testing.assert_array_equal(loaded.predict(P), clf.predict(P))
    assert loaded.threshold_ == clf.threshold_
    assert list(loaded.classes_) == ["different", "same"]
    # the extreme threshold "never same" has an infinite score cut
    clf.set_threshold(1.0)
    clf.save(tmp_path / "never.pt")
    loaded = load(tmp_path / "never.pt")
    np.testing.assert_array_equal(loaded.decision_function(P), clf.decision_function(P))
    assert list(loaded.predict(P)) == list(clf.predict(P))


def test_load_rejects_pickles_and_random_bytes(tmp_path, blobs):
    X, y = blobs
    encoder = SiameseEncoder(**FAST).fit(X, y)
    pickled = tmp_path / "model.pkl"
    joblib.dump(encoder, pickled)
    with pytest.raises(ValueError, match="is not a sklearn_siamese model file"):
        load(pickled)
    noise = tmp_path / "noise.pt"
    noise.write_bytes(np.random.RandomState(0).bytes(1000))
    with pytest.raises(ValueError, match="is not a sklearn_siamese model file"):
        load(noise)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(ValueError, match="holds no 'sklearn_siamese' format marker"):
        load(other)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


class Branch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(6, 3)

    def forward(self, x):
        return self.linear(x)


def test_save_refuses_what_it_cannot_store_safely(tmp_path, blobs):
    X, y = blobs
    encoder = SiameseEncoder(Branch, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="cannot be stored in the safe format"):
        encoder.save(tmp_path / "m.pt")
    encoder = SiameseEncoder(callbacks=[EpochTimer()], **FAST).fit(X, y)
    with pytest.raises(
        ValueError, match="^callbacks cannot be stored in the safe format; set"
    ):
        encoder.save(tmp_path / "m.pt")


def test_built_in_branch_classes_losses_and_output_config_are_stored(tmp_path, blobs):
    from sklearn_siamese.losses import ContrastiveLoss, PrototypicalLoss, TripletLoss
    from sklearn_siamese.modules import MLP

    X, y = blobs
    for params in [
        {"module": MLP, "module__hidden_layer_sizes": (16,)},
        {"loss": PrototypicalLoss("cosine", 0.2, margin=0.1), "distance": "cosine"},
        {"loss": TripletLoss("manhattan", 0.3, "hard"), "distance": "manhattan"},
        {"loss": ContrastiveLoss(margin=2.0)},
    ]:
        encoder = SiameseEncoder(**FAST, **params).set_output(transform="pandas")
        encoder.fit(X, y).save(tmp_path / "m.pt")
        loaded = load(tmp_path / "m.pt")
        assert repr(loaded.get_params()) == repr(encoder.get_params())
        expected = encoder.transform(X)
        assert list(loaded.transform(X).columns) == list(expected.columns)
        np.testing.assert_array_equal(loaded.transform(X), expected)
        # the loaded model refits like the original
        np.testing.assert_array_equal(
            loaded.fit(X, y).transform(X), encoder.fit(X, y).transform(X)
        )

    # a subclass of a built-in loss may hold anything, even under the same
    # name, and so may a distance given settings of its own: refused
    class Scaled(ContrastiveLoss):
        pass

    def same_name():
        class ContrastiveLoss(Scaled):
            def forward(self, *args):
                return 2 * super().forward(*args)

        return ContrastiveLoss()

    tuned = ContrastiveLoss()
    tuned.distance.eps = 1e-3
    for loss in [Scaled(), same_name(), tuned]:
        encoder = SiameseEncoder(loss=loss, **FAST).fit(X, y)
        with pytest.raises(ValueError, match="cannot be stored in the safe format"):
            encoder.save(tmp_path / "m.pt")
    # a file naming a distance this version does not have
    SiameseEncoder(loss=ContrastiveLoss(), **FAST).fit(X, y).save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    params = json.loads(payload["params"])
    params["loss"]["distance"] = "chebyshev"
    payload["params"] = json.dumps(params)
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="Unknown loss 'ContrastiveLoss' in the file"):
        load(tmp_path / "bad.pt")


def test_metadata_numbers_of_numpy_and_what_json_cannot_store(tmp_path, blobs):
    X, y = blobs
    encoder = SiameseEncoder(**FAST).fit(X, y)
    metadata = {"threshold": np.float32(0.5), "sizes": np.arange(3)}
    encoder.save(tmp_path / "m.pt", metadata=metadata)
    _, stored = load(tmp_path / "m.pt", with_metadata=True)
    assert stored == {"threshold": 0.5, "sizes": [0, 1, 2]}
    msg = "metadata must hold only what JSON stores (str, numbers, bools, None,"
    with pytest.raises(ValueError, match=re.escape(msg)):
        encoder.save(tmp_path / "m.pt", metadata={"when": object()})
    with pytest.raises(ValueError, match="metadata must be a dict"):
        encoder.save(tmp_path / "m.pt", metadata=[1, 2])


def test_a_file_from_a_newer_version_asks_for_an_upgrade(tmp_path, blobs):
    X, y = blobs
    SiameseEncoder(**FAST).fit(X, y).save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    params = json.loads(payload["params"])
    params["temperature"] = 0.1  # a parameter this version does not know
    payload["params"] = json.dumps(params)
    payload["package_version"] = "9.0.0"
    torch.save(payload, tmp_path / "newer.pt")
    with pytest.raises(
        ValueError, match="was written by sklearn_siamese 9.0.0, newer than this"
    ):
        load(tmp_path / "newer.pt")
    payload["package_version"] = "0.0.1"
    torch.save(payload, tmp_path / "older.pt")
    with pytest.raises(ValueError, match="is a damaged sklearn_siamese model file"):
        load(tmp_path / "older.pt")


def test_device_given_as_torch_device_is_saved(tmp_path, blobs):
    X, y = blobs
    encoder = SiameseEncoder(device=torch.device("cpu"), **FAST).fit(X, y)
    encoder.save(tmp_path / "m.pt")
    loaded = load(tmp_path / "m.pt")
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_pickle_and_joblib_round_trips(tmp_path, blobs):
    X, y = blobs
    encoder = SiameseEncoder(**FAST).fit(X, y)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(encoder)).transform(X), encoder.transform(X)
    )
    joblib.dump(encoder, tmp_path / "m.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "m.joblib").transform(X), encoder.transform(X)
    )


def test_cuda_model_loads_on_cpu_only_machine(tmp_path, blobs, monkeypatch):
    X, y = blobs
    encoder = SiameseEncoder(**FAST).fit(X, y)
    encoder.device_ = "cuda"  # as if trained on a GPU
    encoder.save(tmp_path / "m.pt")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="it is loaded on 'cpu'"):
        loaded = load(tmp_path / "m.pt")
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_models_of_other_accelerators_load_on_cpu(tmp_path, blobs, monkeypatch):
    # a file written on a Mac ("mps") or an Intel GPU ("xpu") loads on the
    # CPU elsewhere; the warning points at the caller's load
    from sklearn_siamese import _device, _persistence

    def usable(device):
        return device.type == "cpu"

    monkeypatch.setattr(_device, "device_usable", usable)
    monkeypatch.setattr(_persistence, "device_usable", usable)
    X, y = blobs
    encoder = SiameseEncoder(**FAST).fit(X, y)
    for device in ["mps", "xpu:0"]:
        encoder.device_ = device
        encoder.save(tmp_path / "m.pt")
        with pytest.warns(UserWarning, match=f"trained on '{device}'") as record:
            loaded = load(tmp_path / "m.pt")
        assert record[0].filename == __file__
        assert loaded.device_ == "cpu"
        np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
        msg = (
            f"device='{device}', but this PyTorch build cannot use "
            f"'{device[:3]}' devices here; use device='auto' or 'cpu'."
        )
        with pytest.raises(ValueError, match=re.escape(msg)):
            load(tmp_path / "m.pt", device=device)
        with pytest.raises(ValueError, match=re.escape(msg)):
            SiameseEncoder(**{**FAST, "device": device}).fit(X, y)


def test_device_usable_on_this_machine():
    from sklearn_siamese._device import device_usable

    assert device_usable(torch.device("cpu"))
    assert device_usable(torch.device("cuda")) == torch.cuda.is_available()
    assert not device_usable(torch.device("cuda", torch.cuda.device_count()))
    if not torch.backends.mps.is_available():  # not a Mac: no "mps" here
        assert not device_usable(torch.device("mps"))


def test_newer_version_ignores_local_parts():
    from sklearn_siamese import __version__
    from sklearn_siamese._persistence import _newer

    assert _newer("9.0.0", __version__) and not _newer(__version__, "9.0.0")
    assert not _newer(__version__ + "+g1234", __version__)
    assert not _newer(None, __version__) and not _newer("garbage", __version__)
    # PEP 440 order: a development release precedes its release
    assert not _newer("0.1.dev5", "0.1.0") and _newer("0.1.0", "0.1.dev5")
    assert _newer("0.2.0.dev0", "0.1.0") and not _newer("1.0rc1", "1.0")


def test_missing_gpu_index_falls_back_to_the_first_gpu(monkeypatch):
    from sklearn_siamese._persistence import _available

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.warns(UserWarning, match="'cuda:1', which is not available; it is"):
        assert _available("cuda:1") == "cuda"
    assert _available("cuda:0") == "cuda:0"
    assert _available("cpu") == "cpu"


def test_loaded_pseudo_siamese_embeds_side_b_first(tmp_path):
    # The first inference call after loading sizes the batches; side B of
    # another width must not go through side A's branch to do so.
    from sklearn_siamese import PairClassifier
    from sklearn_siamese.datasets import make_two_views

    X, y = make_two_views(200, n_features_a=6, n_features_b=4, random_state=0)
    clf = PairClassifier(
        shared=False, n_features_a=6, max_epochs=1, embedding_dim=8, random_state=0
    ).fit(X, y)
    clf.save(tmp_path / "m.pt")
    loaded = load(tmp_path / "m.pt")
    np.testing.assert_array_equal(
        loaded.embed(X[:, 6:], side="b"), clf.embed(X[:, 6:], side="b")
    )


def _tampered(tmp_path, source, change):
    payload = torch.load(source, weights_only=True)
    change(payload)
    path = tmp_path / "tampered.pt"
    torch.save(payload, path)
    return path


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("params"),
        lambda p: p.pop("state_dict"),
        lambda p: p.update(params="[1, 2]"),
        lambda p: p.update(state_dict={}),
        lambda p: p.update(
            params=p["params"].replace('"embedding_dim": 8', '"embedding_dim": "x"')
        ),
        lambda p: p.update(fitted="{}"),
    ],
    ids=[
        "no params",
        "no weights",
        "params a list",
        "empty weights",
        "bad param",
        "no fitted",
    ],
)
def test_damaged_files_give_a_clear_error(tmp_path, blobs, change):
    X, y = blobs
    SiameseEncoder(**FAST).fit(X, y).save(tmp_path / "m.pt")
    path = _tampered(tmp_path, tmp_path / "m.pt", change)
    with pytest.raises(ValueError, match="is a damaged sklearn_siamese model file"):
        load(path)


def test_load_checks_the_device_it_is_given(tmp_path, blobs):
    X, y = blobs
    SiameseEncoder(**FAST).fit(X, y).save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="device='meta' holds no data"):
        load(tmp_path / "m.pt", device="meta")
    with pytest.raises(ValueError, match="device='tpu' is not a torch device"):
        load(tmp_path / "m.pt", device="tpu")


def test_a_development_format_file_is_refused(tmp_path, blobs):
    # format versions 1-4 belonged to development versions; their files are
    # refused with a message, never loaded as if they were today's
    X, y = blobs
    SiameseEncoder(**FAST).fit(X, y).save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    assert payload["format_version"] == 5
    payload["format_version"] = 4
    torch.save(payload, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="uses format version 4, written by a dev"):
        load(tmp_path / "old.pt")


def test_a_subclass_of_the_users_does_not_take_over_load(tmp_path, blobs):
    X, y = blobs

    mine = type("SiameseEncoder", (SiameseEncoder,), {})  # the same name
    assert mine.__module__ != SiameseEncoder.__module__
    SiameseEncoder(**FAST).fit(X, y).save(tmp_path / "m.pt")
    assert type(load(tmp_path / "m.pt")) is SiameseEncoder
