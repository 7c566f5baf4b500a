"""PairClassifier: the figures of issue 4.

1. Digits (StandardScaler; split 70/30 stratified, random_state=0): trained
   on 20,000 PairSampler pairs of the train split, tested on 2,000 balanced
   pairs drawn only from the test split: accuracy and Brier score of
   P(same), for every head.
2. Pseudo-siamese on two views of different widths
   (``datasets.make_two_views``: 40 vs 24 features; B is a noisy linear map
   of A for matching pairs, another pair's B otherwise).

Run: ``python benchmarks/bench_pair_classifier.py`` (``--seeds N`` also
fits the default model with ``random_state`` 0 ... N - 1 and prints the
spread of its accuracy).
"""

import argparse
import platform
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import sklearn_siamese
from sklearn_siamese import PairClassifier, PairSampler
from sklearn_siamese.datasets import make_two_views


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(
        f"{platform.platform()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}, sklearn_siamese {sklearn_siamese.__version__}"
    )
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    pairs, same = PairSampler(n_pairs=20_000, random_state=0).fit_resample(
        X_train, y_train
    )
    pairs_test, same_test = PairSampler(n_pairs=2_000, random_state=1).fit_resample(
        X_test, y_test
    )
    print("1. digits pairs: test accuracy, Brier score of P(same), fit time")
    for head in ["koch", "distance", "cosine", "exp"]:
        start = time.perf_counter()
        clf = PairClassifier(head=head, random_state=0).fit(pairs, same)
        elapsed = time.perf_counter() - start
        proba = clf.predict_proba(pairs_test)[:, 1]
        print(
            f"   head={head!r:11} accuracy {clf.score(pairs_test, same_test):.4f}  "
            f"Brier {brier_score_loss(same_test, proba):.4f}  {elapsed:.1f} s"
        )
    if args.seeds:
        accuracy, brier = [], []
        for seed in range(args.seeds):
            clf = PairClassifier(random_state=seed).fit(pairs, same)
            accuracy.append(clf.score(pairs_test, same_test))
            proba = clf.predict_proba(pairs_test)[:, 1]
            brier.append(brier_score_loss(same_test, proba))
        print(
            f"   default (koch) over {args.seeds} seeds: accuracy "
            f"{min(accuracy):.4f}-{max(accuracy):.4f}, mean {np.mean(accuracy):.4f}; "
            f"mean Brier {np.mean(brier):.4f}"
        )
    X2, y2 = make_two_views(5000, random_state=0)
    X2_test, y2_test = make_two_views(2000, random_state=1)
    print("2. pseudo-siamese, 40 vs 24 features: test accuracy")
    for normalize in (True, False):
        clf = PairClassifier(
            shared=False, n_features_a=40, normalize=normalize, random_state=0
        ).fit(X2, y2)
        print(f"   normalize={normalize}: {clf.score(X2_test, y2_test):.4f}")


if __name__ == "__main__":
    main()
