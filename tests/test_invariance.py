"""Predictions do not depend on the rows that share a batch, on any CPU.

A float32 matrix product rounds a row differently with the number of rows
and the row's place in the batch: BLAS picks kernels and blocking by shape
and by CPU. MKL can be made to take the code paths of older CPUs
(``MKL_ENABLE_INSTRUCTIONS``, with ATen's own kernels to match), which is
how these tests see, on one machine, the roundings of others; each case
runs in a fresh interpreter, since MKL reads the setting once.
"""

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder

# The instruction sets of x86-64 CPUs, newest first: AVX-512 (recent Xeon),
# AVX2 (AMD EPYC and most desktops), SSE4.2 (the oldest MKL supports).
CPUS = {
    "native": {},
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"},
    "sse4_2": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ATEN_CPU_CAPABILITY": "default"},
}

# Fits a classifier of every head and calibration on float64 pairs of one
# column on side A and two on side B (the scikit-learn check that failed on
# an AMD EPYC) and an encoder of every loss, scores the rows together, one by
# one and in reverse order, and prints the largest differences.
SCRIPT = """
import json, sys
import numpy as np
from sklearn_siamese import PairClassifier, SiameseEncoder

rng = np.random.RandomState(0)
X = 3 * rng.uniform(size=(40, 3))
y = (X[:, 0] > 1.5).astype(int)
worst = {}
for head in ("koch", "distance", "cosine", "exp"):
    for calibration in ("sigmoid", "isotonic"):
        clf = PairClassifier(
            head=head, calibration=calibration, shared=False, n_features_a=1,
            embedding_dim=8, module__hidden_layer_sizes=(16,),
            module_b__hidden_layer_sizes=(16,), max_epochs=5, random_state=1,
        ).fit(X, y)
        for method in ("decision_function", "predict_proba", "predict"):
            f = getattr(clf, method)
            whole = f(X)
            single = np.concatenate([f(X[i : i + 1]) for i in range(len(X))])
            reverse = f(X[::-1])[::-1]
            worst[f"{head}-{calibration}-{method}"] = float(max(
                np.max(np.abs(whole - single)), np.max(np.abs(whole - reverse))
            ))
for loss in ("prototypical", "contrastive", "triplet"):
    encoder = SiameseEncoder(
        loss=loss, embedding_dim=8, module__hidden_layer_sizes=(16,),
        max_epochs=2, random_state=1,
    ).fit(X, y)
    # leave-one-out 1-NN on rows in another order
    worst[f"{loss}-score"] = abs(encoder.score(X, y) - encoder.score(X[::-1], y[::-1]))
    whole = encoder.transform(X)
    single = np.concatenate([encoder.transform(X[i : i + 1]) for i in range(40)])
    reverse = encoder.transform(X[::-1])[::-1]
    worst[f"{loss}-transform"] = float(max(
        np.max(np.abs(whole - single)), np.max(np.abs(whole - reverse))
    ))
json.dump(worst, sys.stdout)
"""


@pytest.mark.slow
@pytest.mark.parametrize("cpu", CPUS)
def test_outputs_for_float64_rows_do_not_depend_on_the_batch(cpu):
    env = {**os.environ, **CPUS[cpu]}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    worst = json.loads(done.stdout)
    # scores computed in float64 and rounded to float32 are the same bits
    # whatever the batch (float32 arithmetic moved them by 1e-7, float64
    # alone by 1e-16, which flipped a pair at an isotonic step)
    assert all(diff == 0 for diff in worst.values()), worst


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
@pytest.mark.parametrize("pos_label", [None, 0])
def test_predict_is_proba_above_threshold_at_every_threshold(
    blobs, calibration, pos_label
):
    # Thresholds equal to the P(same) of a pair put that pair exactly at the
    # cut, where a score shifted by a cut computed apart from P(same) could
    # fall either way; predict, decision_function and predict_proba agree.
    X, y = blobs
    P, same = PairSampler(n_pairs=200, random_state=0).fit_resample(X, y)
    clf = PairClassifier(
        calibration=calibration,
        pos_label=pos_label,
        max_epochs=3,
        embedding_dim=8,
        random_state=0,
    ).fit(P, same)
    pos = list(clf.classes_).index(clf.pos_label_)
    p = clf.predict_proba(P)[:, pos]
    for t in [0.0, 1.0, *np.unique(p)]:
        clf.set_threshold(t)
        predicted_same = clf.predict(P) == clf.pos_label_
        np.testing.assert_array_equal(predicted_same, p > t)
        decision = clf.decision_function(P)
        np.testing.assert_array_equal(
            clf.predict(P), clf.classes_[(decision > 0).astype(int)]
        )


class _Float32Only(torch.nn.Module):
    """A branch that holds a lock (no deep copy), counts its calls, and
    refuses any input but float32."""

    def __init__(self, input_shape):
        super().__init__()
        self.linear = torch.nn.Linear(input_shape[0], 4)
        self.lock, self.calls = threading.Lock(), 0
        self.strict = False

    def forward(self, x):
        self.calls += 1
        if self.strict and x.dtype != torch.float32:
            raise AssertionError("float32 input only")
        return self.linear(x)


def test_float64_inference_runs_the_users_module_itself(blobs):
    # The module runs with float64 weights through functional_call: no copy
    # (a lock cannot be copied), its own state and hooks see every batch; a
    # module that fails in float64 runs in float32, with a warning.
    X, y = blobs
    encoder = SiameseEncoder(
        _Float32Only, module__input_shape=(6,), max_epochs=2, random_state=0
    ).fit(X, y)
    branch = encoder.net_.module_.branch
    seen = []
    branch.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    calls = branch.calls
    X64 = X.astype(np.float64)
    Z = encoder.transform(X64)
    assert Z.dtype == np.float32 and branch.calls == calls + 1
    assert seen == [torch.float64]
    assert next(branch.parameters()).dtype == torch.float32  # weights untouched
    branch.strict = True
    with pytest.warns(UserWarning, match="The network fails in float64"):
        Z32 = encoder.transform(X64)
    np.testing.assert_allclose(Z32, Z, atol=1e-6)
    np.testing.assert_array_equal(Z32, encoder.transform(X64.astype(np.float32)))
