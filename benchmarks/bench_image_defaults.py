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

import torch
from sklearn.preprocessing import FunctionTransformer

import sklearn_siamese
from sklearn_siamese import SiameseEncoder
from sklearn_siamese.datasets import make_glyphs
from sklearn_siamese.metrics import one_shot_accuracy


def accuracy(model, X, y, n_way):
    """N-way one-shot: one support per class, one query; nearest support wins."""
    Z = model.transform(X)
    return one_shot_accuracy(Z, y, n_way=n_way, n_tasks=1000, random_state=0)


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
    pixels = FunctionTransformer(lambda X: X.reshape(len(X), -1)).fit(X_new)
    print(
        f"fit on {X.shape}: {elapsed:.0f} s, {len(encoder.history_)} epochs, "
        f"device {encoder.device_}"
    )
    for n_way in (5, 20):
        print(
            f"{n_way}-way one-shot on unseen characters: siamese "
            f"{accuracy(encoder, X_new, y_new, n_way):.3f}, raw pixels "
            f"{accuracy(pixels, X_new, y_new, n_way):.3f}"
        )


if __name__ == "__main__":
    main()
