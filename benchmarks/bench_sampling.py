"""Benchmark: the seed's Keras ``create_pairs`` loop against our vectorized sampling.

Run from the repository root::

    python benchmarks/bench_sampling.py            # MNIST-sized: 60,000 x 784
    python benchmarks/bench_sampling.py --n-samples 6000 --repeat 2   # quick

On random float32 data shaped like MNIST (10 classes, fixed seed) it times, best
of ``--repeat`` runs each:

(a) the seed's ``create_pairs``: a pure-Python loop building the pair arrays as
    Keras did (``np.array(pairs)``);
(a') the same loop building index pairs only (no data), for a like-for-like
    comparison with (b);
(b) ``make_pair_indices`` for the same number of pairs;
(c) ``PairSampler(strategy="adjacent").fit_resample`` and
    ``PairSampler(n_pairs=<same>).fit_resample`` (input checks, pair drawing
    and the data gather);
(d) a bare numpy gather ``X[idx]`` of the same output size, ``idx`` of shape
    ``(n_pairs, 2)``: the floor for any method that materialises the pairs.

and prints the ratios create_pairs / make_pair_indices (target >= 100x) and
fit_resample / bare gather (target <= 2x).
"""

import argparse
import gc
import os
import platform
import random
import sys
import time

import numpy as np
import scipy
import sklearn

from sklearn_siamese.sampling import PairSampler, make_pair_indices


def create_pairs(x, digit_indices, num_classes):
    """The seed's Keras ``create_pairs``, unchanged but for ``num_classes``."""
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = random.randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    return np.array(pairs), np.array(labels)


def best_of(func, repeat):
    """Best wall time of ``repeat`` calls; results are dropped between calls."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        del result
        best = min(best, elapsed)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=60_000)
    parser.add_argument("--n-features", type=int, default=784)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="best of N (fast)")
    parser.add_argument(
        "--repeat-slow", type=int, default=3, help="best of N (Keras loops)"
    )
    args = parser.parse_args(argv)

    print("machine")
    print(f"  platform   {platform.platform()}")
    print(f"  processor  {platform.processor() or platform.machine()}")
    print(f"  cpus       {os.cpu_count()}")
    print(f"  python     {sys.version.split()[0]}")
    print(
        f"  numpy      {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )

    rng = np.random.default_rng(0)
    X = rng.random((args.n_samples, args.n_features), dtype=np.float32)
    y = rng.integers(0, args.n_classes, size=args.n_samples)
    digit_indices = [np.where(y == i)[0] for i in range(args.n_classes)]
    random.seed(0)

    n_pairs = 2 * args.n_classes * (min(len(d) for d in digit_indices) - 1)
    out_mb = n_pairs * 2 * X.shape[1] * X.itemsize / 2**20
    print(
        f"data       X {X.shape} {X.dtype}, {args.n_classes} classes; "
        f"{n_pairs} pairs = {out_mb:.0f} MiB of pair data"
    )
    print()

    pair_idx, _ = make_pair_indices(y, n_pairs, random_state=0)
    sample_ids = np.arange(args.n_samples)

    timings = {}
    timings["create_pairs"] = best_of(
        lambda: create_pairs(X, digit_indices, args.n_classes), args.repeat_slow
    )
    timings["create_pairs_idx"] = best_of(
        lambda: create_pairs(sample_ids, digit_indices, args.n_classes),
        args.repeat_slow,
    )
    timings["make_pair_indices"] = best_of(
        lambda: make_pair_indices(y, n_pairs, random_state=0), args.repeat
    )
    adjacent = PairSampler(strategy="adjacent", random_state=0)
    timings["adjacent"] = best_of(lambda: adjacent.fit_resample(X, y), args.repeat)
    sampler = PairSampler(n_pairs=n_pairs, random_state=0)
    timings["random"] = best_of(lambda: sampler.fit_resample(X, y), args.repeat)
    timings["gather"] = best_of(lambda: X[pair_idx], args.repeat)

    # Same output, checked once outside the timings.
    X_pairs, y_pairs = adjacent.fit_resample(X, y)
    assert X_pairs.shape == (n_pairs, 2, args.n_features)
    del X_pairs

    rows = [
        ("(a)  create_pairs, Keras loop + np.array(pairs)", "create_pairs"),
        ("(a') create_pairs loop, index pairs only", "create_pairs_idx"),
        ("(b)  make_pair_indices", "make_pair_indices"),
        ('(c)  PairSampler(strategy="adjacent").fit_resample', "adjacent"),
        (f"(c)  PairSampler(n_pairs={n_pairs}).fit_resample", "random"),
        ("(d)  bare gather X[idx], idx (n_pairs, 2)", "gather"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, key in rows:
        print(f"{label:<{width}}  {timings[key] * 1e3:10.1f} ms")
    print()

    def ratio(label, numerator, denominator, target):
        value = timings[numerator] / timings[denominator]
        print(f"{label:<{width}}  {value:10.1f} x   (target {target})")

    ratio(
        "create_pairs / make_pair_indices",
        "create_pairs",
        "make_pair_indices",
        ">= 100",
    )
    ratio(
        "create_pairs (index loop) / make_pair_indices",
        "create_pairs_idx",
        "make_pair_indices",
        "like for like",
    )
    ratio("create_pairs / adjacent fit_resample", "create_pairs", "adjacent", "> 1")
    ratio("adjacent fit_resample / bare gather", "adjacent", "gather", "<= 2")
    ratio("random fit_resample / bare gather", "random", "gather", "<= 2")


if __name__ == "__main__":
    main()
