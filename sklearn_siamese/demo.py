"""``sklearn-siamese demo``: the package on scikit-learn's bundled digits.

Trains, on a laptop CPU in about a minute:

1. ``StandardScaler -> SiameseEncoder -> KNeighborsClassifier`` on 70% of the
   digits, and reports its test accuracy beside kNN on raw pixels;
2. a :class:`PairClassifier` on 20,000 pairs of training digits, and reports
   its accuracy and Brier score on 2,000 pairs of test digits;
3. a :class:`SiameseEncoder` on the digits 0-4 only, and reports its 5-way
   one-shot accuracy on the digits 5-9 it never saw;
4. the training curves and a 2-D view of the embedding, as PNG files.
"""

import numbers
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._paths import prepare_output
from .encoder import SiameseEncoder
from .metrics import one_shot_accuracy
from .pair_classifier import PairClassifier
from .sampling import PairSampler


class _Step:
    """Prints a step's name, then its duration when it ends."""

    def __init__(self, text):
        self.text = text

    def __enter__(self):
        print(f"- {self.text} ...", end="", flush=True)
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        print(f" {time.perf_counter() - self.start:.1f} s", flush=True)


def _epochs(max_epochs):
    if max_epochs is None:
        return "auto"
    if (
        not isinstance(max_epochs, numbers.Integral)
        or isinstance(max_epochs, (bool, np.bool_))
        or max_epochs < 1
    ):
        raise ValueError(
            "max_epochs must be None (the estimators' 'auto') or a positive "
            f"int; got {max_epochs!r}."
        )
    return int(max_epochs)


def run_demo(max_epochs=None, output_dir="sklearn-siamese-demo", random_state=0):
    """Run the digits demo; return its figures as a dict.

    Parameters
    ----------
    max_epochs : int, default=None
        Epochs of every fit; ``None`` uses the estimators' ``"auto"``.
    output_dir : str or None, default="sklearn-siamese-demo"
        Folder for ``history.png`` and ``embedding.png``; ``None`` skips
        the plots (they need matplotlib).
    random_state : int, default=0
        Seeds the splits, every fit and the one-shot tasks; an int in
        ``[0, 2**32 - 1]``.

    Returns
    -------
    results : dict
        The accuracies printed.

    Raises
    ------
    ValueError
        If ``max_epochs`` is not ``None`` or a positive int, or
        ``random_state`` is not an int in ``[0, 2**32 - 1]``.
    OSError
        If ``output_dir`` cannot be a folder to write in: it is empty, a
        file or a broken link; its nearest existing parent is a file, or a
        folder without write permission; or it cannot be created. Both are
        checked, and ``output_dir`` created, before training.
    """
    epochs = _epochs(max_epochs)
    if (
        not isinstance(random_state, numbers.Integral)
        or isinstance(random_state, (bool, np.bool_))
        or not 0 <= random_state < 2**32
    ):
        raise ValueError(
            "random_state must be an int in [0, 2**32 - 1] (one seed for the "
            f"splits, the fits and the tasks); got {random_state!r}."
        )
    if output_dir is not None:
        prepare_output(
            output_dir, "output_dir", folder=True, example="sklearn-siamese-demo"
        )
    return _run_demo(epochs, output_dir, random_state)


def _run_demo(epochs, output_dir, random_state=0):
    """``run_demo`` once its parameters are checked (and ``output_dir``
    created): ``epochs`` is ``"auto"`` or a positive int. The command line
    checks its own options, with their own names, and calls this."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state
    )
    results = {}
    print("sklearn-siamese demo on scikit-learn's digits (1,797 8x8 images)")

    with _Step("1/4 SiameseEncoder + kNN on 1,257 training digits"):
        pipe = make_pipeline(
            StandardScaler(),
            SiameseEncoder(max_epochs=epochs, random_state=random_state),
            KNeighborsClassifier(),
        ).fit(X_train, y_train)
        raw = make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(
            X_train, y_train
        )
    results["knn_accuracy"] = pipe.score(X_test, y_test)
    print(
        f"  kNN test accuracy: siamese {results['knn_accuracy']:.4f}, raw pixels "
        f"{raw.score(X_test, y_test):.4f}"
    )

    with _Step("2/4 PairClassifier on 20,000 pairs of training digits"):
        scaler = StandardScaler().fit(X_train)
        pairs, same = PairSampler(
            n_pairs=20_000, random_state=random_state
        ).fit_resample(scaler.transform(X_train), y_train)
        test_pairs, test_same = PairSampler(
            n_pairs=2_000, random_state=(random_state + 1) % 2**32
        ).fit_resample(scaler.transform(X_test), y_test)
        clf = PairClassifier(max_epochs=epochs, random_state=random_state)
        clf.fit(pairs, same)
    results["pair_accuracy"] = clf.score(test_pairs, test_same)
    brier = brier_score_loss(test_same, clf.predict_proba(test_pairs)[:, 1])
    print(
        f"  pair verification on 2,000 test pairs: accuracy "
        f"{results['pair_accuracy']:.4f}, Brier score of P(same) {brier:.4f}"
    )

    with _Step("3/4 SiameseEncoder on digits 0-4 only"):
        seen = y < 5
        images = (X / 16.0).astype(np.float32).reshape(-1, 8, 8)
        novel = SiameseEncoder(max_epochs=epochs, random_state=random_state)
        novel.fit(images[seen], y[seen])
    tasks = dict(n_way=5, n_tasks=1000, random_state=random_state)
    results["one_shot_accuracy"] = one_shot_accuracy(
        novel.transform(images[~seen]), y[~seen], **tasks
    )
    pixels = images[~seen].reshape(np.count_nonzero(~seen), -1)
    baseline = one_shot_accuracy(pixels, y[~seen], **tasks)
    print(
        "  5-way one-shot accuracy on the unseen digits 5-9: siamese "
        f"{results['one_shot_accuracy']:.4f}, raw pixels {baseline:.4f}\n"
        "  (five training classes are too few to learn a similarity that "
        "carries over to new\n  ones: docs/benchmarks.rst has the evidence)"
    )

    if output_dir is None:
        return results
    with _Step(f"4/4 plots in {output_dir}/"):
        try:
            # Figures of their own, outside pyplot: the caller's backend and
            # open figures stay as they are.
            from matplotlib.figure import Figure

            from .plotting import plot_embedding, plot_history
        except ImportError:
            print(' skipped: pip install "sklearn-siamese[plot]"', end="")
            return results
        encoder = pipe[1]
        ax = plot_history(encoder, ax=Figure(figsize=(6.4, 4.8)).subplots())
        ax.figure.savefig(os.path.join(output_dir, "history.png"), dpi=100)
        ax = Figure(figsize=(6.4, 4.8)).subplots()
        plot_embedding(encoder, pipe[0].transform(X_test), y_test, ax=ax)
        ax.figure.savefig(os.path.join(output_dir, "embedding.png"), dpi=100)
    return results
