"""Image defaults of SiameseEncoder: fit time and one-shot accuracy.

``SiameseEncoder(random_state=0).fit(X, y)`` with no other argument on
20,000 grayscale 28x28 images of 1,000 classes (20 drawings each), the size
of Omniglot's background set. The images are synthetic hand-drawn characters
from :func:`sklearn_siamese.datasets.make_glyphs` (nothing is downloaded);
one-shot accuracy is measured on 200 characters never seen in training,
against nearest neighbours on raw pixels.

Run: ``python benchmarks/bench_image_defaults.py [--threads 2]``
"""

import argparse
import os
import platform
import time

import numpy as np
import torch

import sklearn_siamese
from sklearn_siamese import SiameseEncoder
from sklearn_siamese.datasets import make_glyphs


def one_shot_accuracy(Z, y, n_way, n_tasks=1000, seed=0):
    """N-way one-shot: one support per class, one query; nearest support wins."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    members = {c: np.flatnonzero(y == c) for c in classes}
    correct = 0
    for _ in range(n_tasks):
        task = rng.choice(classes, n_way, replace=False)
        drawn = np.array([rng.choice(members[c], 2, replace=False) for c in task])
        target = rng.integers(n_way)
        d = np.linalg.norm(Z[drawn[:, 0]] - Z[drawn[target, 1]], axis=1)
        correct += d.argmin() == target
    return correct / n_tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"{platform.platform()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} "
        f"torch threads, torch {torch.__version__}, sklearn_siamese "
        f"{sklearn_siamese.__version__}"
    )
    X, y = make_glyphs(1000, 20, random_state=0)
    X_new, y_new = make_glyphs(200, 20, random_state=1)
    start = time.perf_counter()
    encoder = SiameseEncoder(random_state=0).fit(X, y)
    elapsed = time.perf_counter() - start
    Z = encoder.transform(X_new)
    pixels = X_new.reshape(len(X_new), -1)
    print(
        f"fit on {X.shape}: {elapsed:.0f} s, {len(encoder.history_)} epochs, "
        f"device {encoder.device_}"
    )
    for n_way in (5, 20):
        print(
            f"{n_way}-way one-shot on unseen characters: siamese "
            f"{one_shot_accuracy(Z, y_new, n_way):.3f}, raw pixels "
            f"{one_shot_accuracy(pixels, y_new, n_way):.3f}"
        )


if __name__ == "__main__":
    main()
