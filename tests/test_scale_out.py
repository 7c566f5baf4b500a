"""Beyond one process: parallel searches, Accelerate, mixed precision."""

import os
import pickle

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder

FAST = dict(max_epochs=2, embedding_dim=8, batch_size=32, device="cpu")
GRID = {"margin": [0.5, 1.0], "loss": ["prototypical", "contrastive"]}


def _search():
    return GridSearchCV(SiameseEncoder(random_state=0, **FAST), GRID, cv=2)


def _scores(search):
    return search.cv_results_["split0_test_score"], search.cv_results_[
        "split1_test_score"
    ]


@pytest.fixture(scope="module")
def sequential(digits):
    X, y = digits
    return _search().fit(X[:400], y[:400])


def test_threaded_search_equals_sequential(digits, sequential):
    # Fits in threads share torch's global generators; seeded sections take
    # turns, so results do not depend on the interleaving.
    X, y = digits
    with joblib.parallel_backend("threading", n_jobs=2):
        search = _search().set_params(n_jobs=2).fit(X[:400], y[:400])
    np.testing.assert_array_equal(_scores(search), _scores(sequential))
    np.testing.assert_array_equal(
        search.best_estimator_.transform(X[:50]),
        sequential.best_estimator_.transform(X[:50]),
    )


def test_dask_search_equals_sequential(digits, sequential):
    import distributed

    X, y = digits
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        with joblib.parallel_backend("dask"):
            search = _search().set_params(n_jobs=-1).fit(X[:400], y[:400])
    np.testing.assert_array_equal(_scores(search), _scores(sequential))
    assert search.best_params_ == sequential.best_params_


# -- Accelerate (multi-GPU through skorch's AccelerateMixin; CPU here) -------


@pytest.fixture
def Accelerator():
    import accelerate

    # Accelerate keeps one process-wide state, which refuses an accelerator
    # of another mixed precision than the first one made: start each test
    # afresh (accelerate's own tests do the same).
    accelerate.state.AcceleratorState._reset_state(True)
    yield accelerate.Accelerator
    accelerate.state.AcceleratorState._reset_state(True)


def test_accelerated_fit_equals_plain_fit(digits, Accelerator, capsys):
    X, y = digits
    plain = SiameseEncoder(random_state=0, **FAST).fit(X[:300], y[:300])
    accelerated = SiameseEncoder(
        random_state=0, accelerator=Accelerator(cpu=True), **FAST
    ).fit(X[:300], y[:300])
    assert type(accelerated.net_).__name__ == "AcceleratedSiameseNet"
    assert accelerated.device_ == "cpu"
    assert capsys.readouterr().out == ""  # verbose=0 stays silent
    np.testing.assert_array_equal(
        accelerated.transform(X[:50]), plain.transform(X[:50])
    )


def test_accelerated_model_pickles_without_the_accelerator(digits, Accelerator):
    X, y = digits
    encoder = SiameseEncoder(
        random_state=0, accelerator=Accelerator(cpu=True), **FAST
    ).fit(X[:300], y[:300])
    loaded = pickle.loads(pickle.dumps(encoder))
    assert loaded.accelerator is None and encoder.accelerator is not None
    assert type(loaded.net_).__name__ == "SiameseNet"
    np.testing.assert_array_equal(loaded.transform(X[:50]), encoder.transform(X[:50]))
    # Training resumes in the unpickled model as in the original.
    loaded.partial_fit(X[:300], y[:300])
    encoder.partial_fit(X[:300], y[:300])
    np.testing.assert_array_equal(loaded.transform(X[:50]), encoder.transform(X[:50]))


def test_accelerated_one_sample_batch_norm_error(Accelerator):
    # the accelerator's own training step gets the clear error too
    rng = np.random.RandomState(0)
    P, same = rng.rand(40, 2, 6).astype(np.float32), np.repeat([0, 1], 20)
    clf = PairClassifier(
        shared=False,
        module__batch_norm=True,
        module_b__batch_norm=True,
        max_epochs=1,
        random_state=0,
        accelerator=Accelerator(cpu=True),
    ).fit(P, same)
    with pytest.raises(ValueError, match="A training batch gave a branch a single"):
        clf.partial_fit(P[:1], same[:1])


def test_accelerated_pair_classifier(digits, Accelerator):
    X, y = digits
    P, same = PairSampler(n_pairs=600, random_state=0).fit_resample(X, y)
    kwargs = dict(random_state=0, **FAST)
    plain = PairClassifier(**kwargs).fit(P, same)
    accelerated = PairClassifier(accelerator=Accelerator(cpu=True), **kwargs)
    accelerated.fit(P, same)
    np.testing.assert_array_equal(
        accelerated.predict_proba(P[:50]), plain.predict_proba(P[:50])
    )


@pytest.mark.parametrize(
    "loss, distance",
    [("prototypical", "cosine"), ("contrastive", "cosine"), ("triplet", "euclidean")],
)
def test_accelerator_mixed_precision_computes_losses_in_float32(
    digits, Accelerator, loss, distance
):
    # The accelerator runs the loss inside its bfloat16 autocast; the losses
    # run outside it, in float32, as with precision="32".
    X, y = digits
    kwargs = dict(loss=loss, distance=distance, random_state=0, **FAST)
    accelerated = SiameseEncoder(
        accelerator=Accelerator(cpu=True, mixed_precision="bf16"), **kwargs
    ).fit(X[:300], y[:300])
    plain = SiameseEncoder(precision="bf16", **kwargs).fit(X[:300], y[:300])
    np.testing.assert_allclose(
        accelerated.history_[:, "train_loss"],
        plain.history_[:, "train_loss"],
        rtol=0.05,
    )


def test_precision_and_accelerator_do_not_mix(digits, Accelerator):
    X, y = digits
    encoder = SiameseEncoder(
        precision="bf16", accelerator=Accelerator(cpu=True), **FAST
    )
    with pytest.raises(ValueError, match="precision='bf16' cannot be combined"):
        encoder.fit(X[:100], y[:100])


# -- mixed precision ----------------------------------------------------------


@pytest.mark.parametrize("Estimator", [SiameseEncoder, PairClassifier])
def test_bf16_trains_like_float32(digits, Estimator):
    X, y = digits
    if Estimator is PairClassifier:
        X, y = PairSampler(n_pairs=1000, random_state=0).fit_resample(X, y)
    kwargs = dict(random_state=0, **{**FAST, "max_epochs": 5})
    full = Estimator(**kwargs).fit(X, y)
    mixed = Estimator(precision="bf16", **kwargs).fit(X, y)
    losses = [est.history_[:, "train_loss"] for est in (full, mixed)]
    np.testing.assert_allclose(losses[1], losses[0], rtol=0.05)
    assert losses[1][-1] < losses[1][0]
    out = mixed.transform(X) if Estimator is SiameseEncoder else mixed.embed(X[:, 0])
    assert out.dtype == np.float32
    assert abs(mixed.score(X, y) - full.score(X, y)) < 0.03


@pytest.mark.parametrize("head", ["koch", "cosine", "exp"])  # "distance": no head
def test_bf16_pair_scores_are_float32_logits(digits, head):
    # The head ran under bfloat16 autocast: 3000 pairs got about 300-500
    # distinct scores (3 significant digits), ties for the isotonic steps,
    # the thresholds and every ranking metric.
    X, y = digits
    pairs, same = PairSampler(n_pairs=3000, random_state=0).fit_resample(X, y)
    clf = PairClassifier(precision="bf16", head=head, random_state=0, **FAST)
    scores = clf.fit(pairs, same).decision_function(pairs)
    assert len(np.unique(scores)) > 0.8 * len(pairs)


def test_accelerated_early_stopping(digits, Accelerator):
    X, y = digits
    kwargs = dict(random_state=0, early_stopping=True, **{**FAST, "max_epochs": 4})
    plain = SiameseEncoder(**kwargs).fit(X[:300], y[:300])
    accelerated = SiameseEncoder(accelerator=Accelerator(cpu=True), **kwargs)
    accelerated.fit(X[:300], y[:300])
    np.testing.assert_array_equal(
        accelerated.history_[:, "valid_loss"], plain.history_[:, "valid_loss"]
    )


# -- where the data live ------------------------------------------------------


def test_training_data_stay_put_on_the_cpu():
    import torch

    from sklearn_siamese._data import TensorData

    data = TensorData(torch.zeros(10, 3, dtype=torch.float64), np.zeros(10, int))
    assert data.to("cpu") is data


@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU"
)
def test_cuda_training_data_move_to_the_gpu_once(digits):
    import torch

    from sklearn_siamese._data import TensorData

    X, y = digits
    data = TensorData(torch.from_numpy(X.astype(np.float64)), y).to("cuda")
    assert data.X.is_cuda and data.X.dtype == torch.float32
    # a row subset (a held-out split) keeps its rows on the way
    subset = TensorData(torch.from_numpy(X), y).subset([7, 2]).to("cuda")
    assert len(subset) == 2 and subset.X.is_cuda
    np.testing.assert_allclose(
        subset.take(slice(0, 2)).cpu().numpy(), X[[7, 2]], rtol=1e-6
    )
    np.testing.assert_array_equal(subset.y, y[[7, 2]])
    pairs = TensorData((torch.from_numpy(X), torch.from_numpy(X)), y).to("cuda")
    assert all(side.is_cuda for side in pairs.X)
    kwargs = dict(random_state=0, **{**FAST, "device": "cuda"})
    full = SiameseEncoder(**kwargs).fit(X, y)
    mixed = SiameseEncoder(precision="bf16", **kwargs).fit(X, y)
    assert mixed.transform(X).dtype == np.float32
    assert abs(mixed.score(X, y) - full.score(X, y)) < 0.03


def test_inference_batches_sized_by_the_widest_activation(digits):
    X, y = digits
    mlp = SiameseEncoder(random_state=0, **FAST).fit(X[:200], y[:200])
    images = X[:200].reshape(-1, 8, 8)
    conv = SiameseEncoder(module="conv", random_state=0, **FAST).fit(images, y[:200])
    # The MLP's widest layer has 256 values per row; the conv net's first
    # feature maps 32 x 8 x 8 = 2048.
    assert mlp.net_.inference_batch_size_ == 2**21 // 256
    assert conv.net_.inference_batch_size_ == 2**21 // 2048
    # The batch size changes nothing but speed.
    for encoder, data in ((mlp, X), (conv, X.reshape(-1, 8, 8))):
        auto = encoder.transform(data)
        encoder.net_.predict_batch_size = 7
        np.testing.assert_allclose(encoder.transform(data), auto, atol=1e-6)
        encoder.net_.predict_batch_size = "auto"


def test_processes_share_each_epoch_in_equal_parts():
    import torch

    from sklearn_siamese._data import TensorData, _Epoch
    from sklearn_siamese.sampling import ShuffledBatches

    data = TensorData(torch.arange(20.0)[:, None], np.arange(20))
    plan = ShuffledBatches(batch_size=2)  # 10 batches an epoch

    def rows(rank):
        epoch = _Epoch(data, plan, seed=0, shard=(rank, 3))
        return [X[:, 0].int().tolist() for X, _ in epoch]

    shares = [rows(rank) for rank in range(3)]
    # Three full rounds of three batches, and a fourth of the tenth batch
    # filled up with the first two: four steps each, every row seen.
    assert [len(share) for share in shares] == [4, 4, 4]
    everything = [X[:, 0].int().tolist() for X, _ in _Epoch(data, plan, seed=0)]
    assert shares[1] == [*everything[1:9:3], everything[0]]
    assert [share[-1] for share in shares] == [everything[9], *everything[:2]]
    seen = {row for share in shares for batch in share for row in batch}
    assert seen == set(range(20))
    # Fewer batches than processes: each still takes one step.
    few = TensorData(torch.arange(4.0)[:, None], np.arange(4))
    steps = [len(list(_Epoch(few, plan, seed=0, shard=(r, 3)))) for r in range(3)]
    assert steps == [1, 1, 1]


_DISTRIBUTED_SCRIPT = """
import json, sys
import numpy as np, torch
from accelerate import Accelerator
from sklearn.datasets import load_digits
from skorch.callbacks import Callback
from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder

torch.set_num_threads(1)
accelerator = Accelerator(cpu=True)
X, y = load_digits(return_X_y=True)
X = (X[:400] / 16).astype(np.float32)
encoder = SiameseEncoder(
    accelerator=accelerator, max_epochs=2, batch_size=32, random_state=0
).fit(X, y[:400])
weights = torch.cat([p.detach().flatten() for p in encoder.net_.module_.parameters()])
result = {
    "rank": accelerator.process_index,
    "world": accelerator.num_processes,
    "batches": int(encoder.history_[-1, "train_batch_count"]),
    "checksum": float(weights.double().sum()),
    "embedding": encoder.transform(X[:3]).tolist(),
}
P, same = PairSampler(n_pairs=600, random_state=0).fit_resample(X, y[:400])
classifier = PairClassifier(
    accelerator=accelerator, early_stopping=True, max_epochs=3, random_state=0
).fit(P, same)
result["valid_loss"] = classifier.history_[:, "valid_loss"]
result["proba"] = classifier.predict_proba(P[:5]).tolist()


class ZeroWeightsInEpoch2(Callback):
    # Spoils the model, so that early stopping restores the first epoch.

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            with torch.no_grad():
                for parameter in net.module_.parameters():
                    parameter.zero_()


restored = PairClassifier(
    accelerator=accelerator, early_stopping=True, max_epochs=2, random_state=0,
    callbacks=[ZeroWeightsInEpoch2()],
).fit(P, same)
result["restored_norm"] = float(
    sum(p.abs().sum() for p in restored.net_.module_.parameters())
)
result["best_epoch"] = [row["valid_loss_best"] for row in restored.history_]
# A further partial_fit trains the distributed model again.
encoder.partial_fit(X, y[:400])
result["after_partial_fit"] = encoder.transform(X[:3]).tolist()
# Without a random_state the processes still agree (on the main process's
# seeds): the same held-out rows, validation losses and model.
unseeded = SiameseEncoder(
    accelerator=accelerator, early_stopping=True, max_epochs=2, batch_size=32
).fit(X, y[:400])
result["unseeded_valid_loss"] = unseeded.history_[:, "valid_loss"]
result["unseeded_embedding"] = unseeded.transform(X[:3]).tolist()
unseeded = PairClassifier(accelerator=accelerator, early_stopping=True, max_epochs=2)
result["unseeded_proba"] = unseeded.fit(P, same).predict_proba(P[:5]).tolist()
with open(f"{sys.argv[1]}/rank{accelerator.process_index}.json", "w") as f:
    json.dump(result, f)
"""


def test_two_processes_train_one_model(tmp_path, Accelerator):
    # Data-parallel training in two CPU processes (gloo), as
    # `accelerate launch` / torchrun start it on several GPUs: each process
    # takes half of every epoch's batches and the replicas stay identical.
    import json
    import subprocess
    import sys

    script = tmp_path / "train.py"
    script.write_text(_DISTRIBUTED_SCRIPT)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            str(script),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = [
        json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)
    ]
    assert [r["rank"] for r in results] == [0, 1] and results[0]["world"] == 2
    # 400 samples in class-balanced batches of 32: 12 batches an epoch, 6 each.
    assert results[0]["batches"] == results[1]["batches"] == 6
    assert results[0]["checksum"] == results[1]["checksum"]
    assert results[0]["embedding"] == results[1]["embedding"]
    # PairClassifier with early stopping: every process scores all held-out
    # batches, so the validation losses and the calibrated model agree.
    assert results[0]["valid_loss"] == results[1]["valid_loss"]
    assert results[0]["proba"] == results[1]["proba"]
    # Early stopping restores the best epoch's weights into the distributed
    # model (saved from and loaded into the same wrapper).
    assert results[0]["best_epoch"] == [True, False]
    assert results[0]["restored_norm"] == results[1]["restored_norm"] > 0
    assert results[0]["after_partial_fit"] == results[1]["after_partial_fit"]
    assert results[0]["after_partial_fit"] != results[0]["embedding"]
    for key in ["unseeded_valid_loss", "unseeded_embedding", "unseeded_proba"]:
        assert results[0][key] == results[1][key], key


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_does_not_inherit_a_held_seed_lock():
    # A process forked while another thread fits (holding the lock) gets a
    # fresh lock; the inherited one would never be released in the child.
    import multiprocessing
    import threading

    from sklearn_siamese import _device

    held, release = threading.Event(), threading.Event()

    def fit_in_a_thread():
        with _device._TORCH_RNG_LOCK:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=fit_in_a_thread)
    thread.start()
    held.wait(10)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(1) as pool:
            assert pool.apply(_acquire_seed_lock, ()) is True
    finally:
        release.set()
        thread.join()


def _acquire_seed_lock():
    from sklearn_siamese import _device

    acquired = _device._TORCH_RNG_LOCK.acquire(timeout=2)
    if acquired:
        _device._TORCH_RNG_LOCK.release()
    return acquired
