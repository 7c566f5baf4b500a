"""Throughput of the estimators against hand-written PyTorch loops.

Every line compares, in one run and side by side, the package's estimator
(trained through the one skorch loop, ``SiameseNet``) with a plain PyTorch
loop doing the same work on the same module:

- ``SiameseEncoder.fit`` vs a loop over the same class-balanced batches
  (``ClassBalancedBatches`` draws the indices, ``index_select`` gathers the
  rows, then forward, the same loss module, backward, Adam step): an MLP on
  20,000 x 256 features of 100 classes, and the default conv net on 10,000
  28x28 images of 100 classes;
- ``PairClassifier.fit`` vs a loop over shuffled pairs (the same MLP branch
  and Koch head, binary cross-entropy on logits);
- ``SiameseEncoder.transform`` vs calling the module on batches of 1024 rows
  under ``torch.inference_mode()``. Ours sizes its batches for throughput
  (``predict_batch_size="auto"``), so the ratios against the hand loop in
  batches of that same size, bare and after ``sklearn.utils.check_array``
  (the input check, NaN and infinity included, that every scikit-learn
  transformer makes), are printed too.

Training throughput is examples embedded per second of training: the time
from the start to the end of the training loop (skorch's ``on_train_begin``
to ``on_train_end``, measured by a callback; the same span of the hand loop,
after building its module and optimizer). ``fit`` wall time, with input
validation, network construction and (for ``PairClassifier``) calibration,
is printed too. Inference is timed end to end, NumPy array in, NumPy array
out. Each figure is the best of ``--repeats`` runs (``--repeats`` + 2 for
the quick transform); ours and the hand loop
alternate, so both see the same machine load. The ratio is ours / hand
loop: 1.0 means no overhead.

Run: ``python benchmarks/bench_throughput.py`` (``--threads``, ``--epochs``,
``--repeats``, ``--quick`` for a smaller smoke run).
"""

import argparse
import os
import platform
import time
from functools import partial

import numpy as np
import skorch
import torch
from sklearn.utils import check_array
from skorch.callbacks import Callback
from torch.nn import functional as F

import sklearn_siamese
from sklearn_siamese import PairClassifier, SiameseEncoder
from sklearn_siamese.losses import get_loss
from sklearn_siamese.modules import MLP, ConvNet, KochHead, SiameseNetwork
from sklearn_siamese.sampling import (
    ClassBalancedBatches,
    ShuffledBatches,
    make_pair_indices,
)

BATCH_SIZE = 128
SAMPLES_PER_CLASS = 4


class TrainTimer(Callback):
    """Wall time of skorch's training loop (fit_loop, all epochs)."""

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_train_end(self, net, **kwargs):
        self.seconds_ = time.perf_counter() - self.start_


def clustered(n, shape, n_classes, seed):
    """Float32 samples around one random centre per class, int labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    rng.shuffle(y)
    centres = rng.normal(size=(n_classes, *shape)).astype(np.float32)
    X = centres[y] + rng.normal(size=(n, *shape)).astype(np.float32)
    return X, y


def examples_trained(net):
    """Samples embedded by the training batches of all epochs."""
    return int(sum(sum(net.history[:, "batches", :, "train_batch_size"], [])))


# -- SiameseEncoder ---------------------------------------------------------


def encoder_ours(X, y, module, epochs):
    timer = TrainTimer()
    encoder = SiameseEncoder(
        module,
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        samples_per_class=SAMPLES_PER_CLASS,
        lr_schedule="constant",
        device="cpu",
        callbacks=[timer],
        random_state=0,
    )
    start = time.perf_counter()
    encoder.fit(X, y)
    wall = time.perf_counter() - start
    # A batch of k-tuples counts its k * n samples; here batches are rows.
    return timer.seconds_, wall, examples_trained(encoder.net_), encoder


def encoder_hand(X, y, branch, epochs):
    """The same training, written as a plain PyTorch loop."""
    torch.manual_seed(0)
    module = SiameseNetwork(branch(), normalize=True)
    criterion = get_loss("prototypical", margin=1.0)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    plan = ClassBalancedBatches(BATCH_SIZE, SAMPLES_PER_CLASS)
    rng = np.random.default_rng(0)
    X = torch.from_numpy(X)
    module.train()
    n = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for index, target in plan(y, rng):
            xb = X.index_select(0, torch.from_numpy(index))
            optimizer.zero_grad()
            loss = criterion(module(xb), torch.from_numpy(target))
            loss.backward()
            optimizer.step()
            n += len(index)
    return time.perf_counter() - start, n


# -- PairClassifier ------------------------------------------------------------


def pairs_ours(P, same, epochs):
    timer = TrainTimer()
    clf = PairClassifier(
        "mlp",
        max_epochs=epochs,
        batch_size=BATCH_SIZE,
        lr_schedule="constant",
        device="cpu",
        callbacks=[timer],
        random_state=0,
    )
    start = time.perf_counter()
    clf.fit(P, same)
    wall = time.perf_counter() - start
    n_pairs = examples_trained(clf.net_)
    return timer.seconds_, wall, 2 * n_pairs, n_pairs // epochs


def pairs_hand(P, same, epochs, n_train):
    """Shuffled pairs: gather both sides at once, one forward, BCE."""
    torch.manual_seed(0)
    d = P.shape[2]
    branch = MLP((d,), embedding_dim=64)
    module = SiameseNetwork(branch, head=KochHead(64), normalize=True)
    optimizer = torch.optim.Adam(module.parameters(), lr=3e-3)
    plan = ShuffledBatches(BATCH_SIZE)
    rng = np.random.default_rng(0)
    P = torch.from_numpy(P[:n_train])
    target = same[:n_train].astype(np.float32)
    module.train()
    n = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for index, t in plan(target, rng):
            # (b, 2, d) -> (2b, d): side A rows, then side B rows.
            xb = P.index_select(0, torch.from_numpy(index))
            xb = xb.transpose(0, 1).reshape(-1, d)
            optimizer.zero_grad()
            e1, e2 = F.normalize(branch(xb), dim=1).chunk(2)
            loss = F.binary_cross_entropy_with_logits(
                module.head(e1, e2), torch.from_numpy(t)
            )
            loss.backward()
            optimizer.step()
            n += 2 * len(index)
    return time.perf_counter() - start, n


# -- inference -------------------------------------------------------------------


def transform_ours(encoder, X):
    start = time.perf_counter()
    encoder.transform(X)
    return time.perf_counter() - start


def transform_hand(module, X, batch_size=1024, check=False):
    """The module on batches; with ``check``, after the input check that any
    scikit-learn transformer makes (dtype, shape, no NaN or infinity)."""
    start = time.perf_counter()
    if check:
        X = check_array(X, allow_nd=True, dtype=[np.float32, np.float64])
    module.eval()
    X = torch.from_numpy(X)
    with torch.inference_mode():
        out = [module(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    torch.cat(out).numpy()
    return time.perf_counter() - start


# -- driver ------------------------------------------------------------------------


def best(runs):
    return min(runs)


def report(name, n_ours, t_ours, n_hand, t_hand, extra=""):
    ours, hand = n_ours / t_ours, n_hand / t_hand
    print(
        f"{name:<34} {ours:>10,.0f} {hand:>10,.0f} {ours / hand:>7.3f}  {extra}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller data sets")
    parser.add_argument(
        "--only", nargs="*", default=["mlp", "conv", "pairs", "transform"]
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    scale = 5 if args.quick else 1
    print(
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"skorch {skorch.__version__}, numpy {np.__version__}, "
        f"sklearn_siamese {sklearn_siamese.__version__}"
    )
    print(
        f"batch_size={BATCH_SIZE}, {args.epochs} epochs, Adam, constant lr, "
        f"best of {args.repeats}, CPU"
    )
    print(f"\n{'examples / s':<34} {'ours':>10} {'hand':>10} {'ratio':>7}")

    mlp_data = clustered(20_000 // scale, (256,), 100, seed=0)
    conv_data = clustered(10_000 // scale, (28, 28), 100, seed=1)
    encoders = {}
    cases = [
        ("mlp", "fit  SiameseEncoder mlp 256", mlp_data, "mlp", MLP, (256,)),
        (
            "conv",
            "fit  SiameseEncoder conv 28x28",
            conv_data,
            "conv",
            ConvNet,
            (28, 28),
        ),
    ]
    for key, name, (X, y), module, cls, shape in cases:
        if key not in args.only:
            continue
        ours, walls, hand = [], [], []
        for _ in range(args.repeats):
            t, wall, n_ours, encoders[key] = encoder_ours(X, y, module, args.epochs)
            ours.append(t)
            walls.append(wall)
            t, n_hand = encoder_hand(X, y, partial(cls, shape), args.epochs)
            hand.append(t)
        report(
            name,
            n_ours,
            best(ours),
            n_hand,
            best(hand),
            f"(fit() wall {best(walls):.2f} s for {n_ours:,} examples)",
        )

    if "pairs" in args.only:
        X, y = mlp_data
        index, same = make_pair_indices(y, len(y), random_state=0)
        P = X[index]  # (n_pairs, 2, 256), the PairSampler layout
        ours, walls, hand = [], [], []
        for _ in range(args.repeats):
            t, wall, n_ours, n_train = pairs_ours(P, same, args.epochs)
            ours.append(t)
            walls.append(wall)
            t, n_hand = pairs_hand(P, same, args.epochs, n_train)
            hand.append(t)
        report(
            "fit  PairClassifier mlp+koch",
            n_ours,
            best(ours),
            n_hand,
            best(hand),
            f"(fit() wall {best(walls):.2f} s, with calibration)",
        )

    if "transform" in args.only:
        for key, X in (("mlp", mlp_data[0]), ("conv", conv_data[0])):
            encoder = (
                encoders.get(key)
                or encoder_ours(*{"mlp": mlp_data, "conv": conv_data}[key], key, 1)[3]
            )
            module = encoder.net_.module_
            encoder.transform(X[:2])  # sizes the inference batches
            rows = encoder.net_.inference_batch_size_
            ours, hand, same_rows, checked = [], [], [], []
            for _ in range(args.repeats + 2):
                ours.append(transform_ours(encoder, X))
                hand.append(transform_hand(module, X))
                same_rows.append(transform_hand(module, X, batch_size=rows))
                checked.append(transform_hand(module, X, batch_size=rows, check=True))
            report(
                f"transform SiameseEncoder {key}",
                len(X),
                best(ours),
                len(X),
                best(hand),
                f"(ours in batches of {rows} rows; against the hand loop in "
                f"batches of {rows}: {best(same_rows) / best(ours):.3f}, and "
                f"after check_array: {best(checked) / best(ours):.3f})",
            )
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
