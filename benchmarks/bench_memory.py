"""Peak memory of ``SiameseEncoder.fit`` beyond the data itself.

On MNIST-shaped data (60,000 x 784 float32, 188 MB, 10 classes; random
numbers, fixed seed), each configuration runs in a FRESH Python process:

1. import numpy, torch and sklearn_siamese; set the torch threads;
2. warm up: fit the same configuration for one epoch on 8 samples, in
   batches of 4. The first optimizer step of a process makes torch import
   ``torch._dynamo`` and sympy (about 75 MB), and the first passes set up
   oneDNN and OpenMP (about 20 MB), whatever the data; a hand-written loop
   pays the same. This one-off is printed apart;
3. create ``X`` directly in its dtype (no temporary) and ``y``;
4. read the peak resident set size, ``resource.getrusage(RUSAGE_SELF)
   .ru_maxrss`` -- the baseline: interpreter, libraries and the data;
5. ``SiameseEncoder(...).fit(X, y)``;
6. read ``ru_maxrss`` again.

The difference (6) - (4) is the most memory that fitting ever held on top
of the data: input checks, the network and its optimizer state, the
batches, activations and gradients, torch's allocator caches. It is
printed in MB and as a percentage of the size of ``X``, for
``sampling="batch"`` (class-balanced batches, loss over all in-batch
pairs) and ``sampling="random"`` (isolated random pairs), for growing
numbers of epochs, i.e. of pairs seen. It does not grow with the number of
pairs: batches are gathered by index, one at a time. A last line fits on
float64 ``X`` (what ``StandardScaler`` hands over): batches are cast to
float32 as they are gathered, so no float32 copy of ``X`` (50% of its size)
is made.

For comparison, the seed (the Keras MNIST siamese example) materialised
every pair with ``create_pairs`` before training: 2 x 10 x (5421 - 1) =
108,400 pairs of two 784-float rows, 3.6 x the data. That figure is computed
from the shapes, and measured the same way in a fresh process
(``create_pairs`` from ``bench_sampling.py``, unchanged).

Run: ``python benchmarks/bench_memory.py`` (``--n-samples``, ``--threads``,
``--epochs``; about a minute on 2 quiet cores).
"""

import argparse
import json
import os
import platform
import subprocess
import sys

N_FEATURES = 784
N_CLASSES = 10
MB = 1e6


def peak_bytes():
    import resource

    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def labels(n):
    import numpy as np

    return np.random.default_rng(1).integers(0, N_CLASSES, size=n)


def make_encoder(sampling, epochs, batch_size=128):
    from sklearn_siamese import SiameseEncoder

    return SiameseEncoder(
        "mlp",
        batch_size=batch_size,
        sampling=sampling,
        loss="prototypical" if sampling == "batch" else "contrastive",
        max_epochs=epochs,
        lr_schedule="constant",
        device="cpu",
        random_state=0,
    )


def child(args):
    """One measurement, in this (fresh) process; prints a JSON line."""
    import numpy as np
    import torch

    import sklearn_siamese  # noqa: F401  (imports are part of the baseline)

    torch.set_num_threads(args.threads)
    imported = peak_bytes()
    if args.child != "seed":
        # Warm-up, on 8 samples in batches of 4 so as to hold no buffer of
        # the real batch size: the first optimizer step of a process imports
        # torch._dynamo and sympy (~75 MB), the first forward and backward
        # passes set up oneDNN / OpenMP (~20 MB), whatever the data. A
        # hand-written loop pays the same. Counted apart, as a one-off.
        make_encoder(args.child, 1, batch_size=4).fit(
            np.random.default_rng(2).standard_normal((8, N_FEATURES), dtype="f4"),
            np.arange(8) % 2,
        )
    warm = peak_bytes()
    X = np.random.default_rng(0).standard_normal(
        (args.n_samples, N_FEATURES), dtype=args.child_dtype
    )
    y = labels(args.n_samples)
    base = peak_bytes()
    if args.child == "seed":
        import random

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from bench_sampling import create_pairs

        random.seed(0)
        digit_indices = [np.flatnonzero(y == i) for i in range(N_CLASSES)]
        pairs, _ = create_pairs(X, digit_indices, N_CLASSES)
        n_pairs = len(pairs)
    else:
        encoder = make_encoder(args.child, args.child_epochs).fit(X, y)
        history = encoder.history_
        batch_sizes = sum(history[:, "batches", :, "train_batch_size"], [])
        if args.child == "batch":  # every in-batch pair
            n_pairs = sum(b * (b - 1) // 2 for b in batch_sizes)
        else:  # a batch of pairs holds 2 rows per pair
            n_pairs = sum(batch_sizes)
    print(
        json.dumps(
            {
                "warm_up": warm - imported,
                "base": base,
                "peak": peak_bytes(),
                "data": X.nbytes,
                "pairs": n_pairs,
            }
        )
    )


def measure(args, kind, epochs=0, dtype="float32"):
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        kind,
        "--child-dtype",
        dtype,
        "--child-epochs",
        str(epochs),
        "--n-samples",
        str(args.n_samples),
        "--threads",
        str(args.threads),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    out = proc.stdout
    return json.loads(out.strip().splitlines()[-1])


def row(name, pairs, r):
    extra = r["peak"] - r["base"]
    print(
        f"{name:<44} {pairs:>14,} {extra / MB:>9.1f} {100 * extra / r['data']:>9.1f}%",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=60_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-seed", action="store_true", help="skip create_pairs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-epochs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-dtype", default="float32", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import numpy as np
    import torch

    import sklearn_siamese

    data_mb = args.n_samples * N_FEATURES * 4 / MB
    print(
        f"{platform.platform()}, {os.cpu_count()} CPUs, {args.threads} torch "
        f"threads; python {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__}, sklearn_siamese {sklearn_siamese.__version__}"
    )
    print(
        f"X: {args.n_samples:,} x {N_FEATURES} float32 = {data_mb:.1f} MB, "
        f"{N_CLASSES} classes; MLP branch, batch_size=128; peak RSS beyond the "
        "data, one fresh process per line"
    )
    print(f"\n{'configuration':<44} {'pairs seen':>14} {'MB':>9} {'% data':>10}")
    warm_up = []
    for kind in ("batch", "random"):
        for epochs in args.epochs:
            r = measure(args, kind, epochs)
            row(f"fit sampling={kind!r}, {epochs} epoch(s)", r["pairs"], r)
            warm_up.append(r["warm_up"])
    # StandardScaler and most of scikit-learn hand over float64: batches are
    # cast to float32 as they are gathered, so there is no float32 copy of X.
    r = measure(args, "batch", args.epochs[0], "float64")
    name = f"fit sampling='batch', float64 X ({r['data'] / MB:.0f} MB)"
    row(name, r["pairs"], r)

    counts = np.bincount(labels(args.n_samples))
    n_pairs = 2 * N_CLASSES * (counts.min() - 1)
    seed_bytes = n_pairs * 2 * N_FEATURES * 4
    print(
        f"{'seed create_pairs (from the shapes)':<44} {n_pairs:>14,} "
        f"{seed_bytes / MB:>9.1f} {100 * seed_bytes / (data_mb * MB):>9.1f}%"
    )
    if not args.no_seed:
        r = measure(args, "seed")
        row("seed create_pairs (measured)", r["pairs"], r)
    print(
        "\nNot counted above: the first fit in a process costs "
        f"{min(warm_up) / MB:.0f}-{max(warm_up) / MB:.0f} MB once, whatever the "
        "data (torch imports torch._dynamo and sympy on the first optimizer "
        "step, and sets up oneDNN and OpenMP)."
    )


if __name__ == "__main__":
    main()
