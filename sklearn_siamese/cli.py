"""The ``sklearn-siamese`` command line (also ``python -m sklearn_siamese``).

Commands::

    sklearn-siamese demo                      # digits: kNN, pairs, one-shot, plots
    sklearn-siamese fit IMAGE_DIR --output MODEL [--image-size H W] ...
    sklearn-siamese compare MODEL IMAGE_A IMAGE_B
    sklearn-siamese embed MODEL IMAGE_DIR --output FILE.csv|FILE.npy
    sklearn-siamese evaluate MODEL IMAGE_DIR [--n-way 20]

Errors a user can cause (a missing file, an unreadable image, an
incompatible model, an output that cannot be written, an option value out
of its range) print one line to stderr and exit with status 1; the options
and the output paths are checked before any data is read or any training
starts. A value that is not of the option's kind (``--n-way abc``, an
unknown ``--module``) or a missing argument is a usage error, as for any
argparse program: the usage and one error line, status 2.
Paths may start with ``~``, the home folder.
"""

import argparse
import contextlib
import os
import re
import sys
import time

import numpy as np

from . import __version__
from ._paths import prepare_output

_FILE_ERRORS = (OSError, ValueError, TypeError, ImportError)


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


def _say(*args):
    print(*args, flush=True)


def _one_line(exc):
    """The first line of an exception's message (torch's can run on)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _check_at_least(option, value, minimum):
    if value < minimum:
        raise CommandError(f"{option} must be at least {minimum}; got {value}")


def _check_random_state(value):
    if not 0 <= value < 2**32:
        raise CommandError(
            f"--random-state must be between 0 and 2**32 - 1; got {value}"
        )


def _check_output(path, option, example, *, folder=False):
    """``prepare_output`` for the command line: failures as one line."""
    try:
        prepare_output(path, option, folder=folder, example=example)
    except OSError as exc:
        raise CommandError(str(exc)) from None


def _max_epochs(value):
    """``--max-epochs`` of ``fit`` and ``demo``, checked: ``"auto"`` or a
    positive int, as the estimators take it."""
    if value != "auto":
        _check_at_least("--max-epochs", value, 1)
    return value


@contextlib.contextmanager
def _writing(path):
    """Report a failure to write ``path`` in one line."""
    try:
        yield
    except (OSError, RuntimeError) as exc:  # torch.save raises RuntimeError
        raise CommandError(f"cannot write {path}: {_one_line(exc)}") from None


class _NoColour:
    """A text stream that drops ANSI colour codes (skorch's training log
    colours the best scores, which a file or a pipe shows as garbage)."""

    _CODES = re.compile(r"\x1b\[[0-9;]*m")

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(self._CODES.sub("", text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _devnull_stdout():
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def _plain_stdout():
    """Colours off while stdout is not a terminal, or when NO_COLOR is set."""
    if sys.stdout is None:
        # pythonw, or a closed stdout: print() drops text, but skorch's
        # training log flushes sys.stdout itself.
        return _devnull_stdout()
    isatty = getattr(sys.stdout, "isatty", None)
    if os.environ.get("NO_COLOR") or not (isatty and isatty()):
        return contextlib.redirect_stdout(_NoColour(sys.stdout))
    return contextlib.nullcontext()


def _load_model(path):
    from ._persistence import load

    if os.path.isdir(path):
        raise CommandError(
            f"{path} is a folder, not a model file; pass the file written by "
            "'sklearn-siamese fit --output'"
        )
    if not os.path.isfile(path):
        raise CommandError(f"model file not found: {path}")
    try:
        return load(path, with_metadata=True)
    except (ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None


def _image_kind(estimator):
    """``(image_size, grayscale)`` of the images the model was fitted on."""
    shape = estimator.input_shape_
    if len(shape) == 2:
        return shape, True
    if len(shape) == 3 and shape[0] in (1, 3):
        return shape[1:], shape[0] == 1
    raise CommandError(
        f"the model was fitted on samples of shape {shape}, not on images; "
        "compare, embed and evaluate need a model fitted with "
        "'sklearn-siamese fit'"
    )


def _read_image(path, image_size, grayscale):
    """One image as the models see it, read as ``load_image_folder`` reads
    the images of ``fit``, ``embed`` and ``evaluate``."""
    if os.path.isdir(path):
        raise CommandError(f"{path} is a folder, not an image file")
    if not os.path.isfile(path):
        raise CommandError(f"image not found: {path}")
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise CommandError(
            'reading images needs Pillow: pip install "sklearn-siamese[images]"'
        ) from None
    from .datasets import UnreadableImageError, read_image

    try:
        return read_image(path, image_size=image_size, grayscale=grayscale)
    except UnreadableImageError as exc:
        raise CommandError(f"cannot read image {path}: {exc.reason}") from None


def _load_folder(root, image_size, grayscale):
    from .datasets import load_image_folder

    try:
        return load_image_folder(
            root, image_size=image_size, grayscale=grayscale, return_paths=True
        )
    except _FILE_ERRORS as exc:
        raise CommandError(str(exc)) from None


def _as_model_input(X, estimator):
    """Add the channel axis when the model was fitted on (n, 1, H, W)."""
    if len(estimator.input_shape_) == 3 and X.ndim == 3:
        return X[:, None]
    return X


# -- commands -----------------------------------------------------------------


def _paired_distances(encoder, A, B):
    """The encoder's own distance between the rows of ``A`` and ``B``."""
    import torch

    from .distances import get_distance

    with torch.no_grad():
        d = get_distance(encoder.distance).paired(
            torch.as_tensor(A), torch.as_tensor(B)
        )
    return d.double().numpy()


def _verification_threshold(encoder, Z, y, random_state):
    """Distance threshold that best separates same / different pairs."""
    from .sampling import make_pair_indices

    pairs, same = make_pair_indices(y, 4000, random_state=random_state)
    d = _paired_distances(encoder, Z[pairs[:, 0]], Z[pairs[:, 1]])
    order = np.argsort(d)
    d, same = d[order], same[order].astype(bool)
    # "same" for the k nearest pairs, k = 0 ... n, as `distance < threshold`
    # decides: cuts between distinct distances only (ties stay together)
    correct = np.r_[0, np.cumsum(same)] + np.r_[np.cumsum((~same)[::-1])[::-1], 0]
    valid = np.r_[True, d[:-1] < d[1:], True]
    k = int(np.argmax(np.where(valid, correct, -1)))
    if k == 0:
        return float(d[0])  # none is nearer
    if k == len(d):
        return float(np.nextafter(d[-1], np.inf))  # all are nearer
    return float((d[k - 1] + d[k]) / 2)


def cmd_fit(args):
    from .encoder import SiameseEncoder

    for side in args.image_size:
        _check_at_least("--image-size", side, 1)
    max_epochs = _max_epochs(args.max_epochs)
    # the embeddings are L2-normalised: one dimension leaves only +1 and -1
    _check_at_least("--embedding-dim", args.embedding_dim, 2)
    _check_random_state(args.random_state)
    _check_output(args.output, "--output", "model.pt")
    X, y, _ = _load_folder(args.image_dir, tuple(args.image_size), not args.color)
    _say(
        f"loaded {len(X)} images of {len(np.unique(y))} classes from "
        f"{args.image_dir} ({X.shape[1:]})"
    )
    encoder = SiameseEncoder(
        module=args.module,
        loss=args.loss,
        embedding_dim=args.embedding_dim,
        max_epochs=max_epochs,
        augment=args.augment,
        random_state=args.random_state,
        verbose=1,
    )
    start = time.perf_counter()
    try:
        with _plain_stdout():
            encoder.fit(X, y)
    except ValueError as exc:
        raise CommandError(_one_line(exc)) from None
    Z = encoder.transform(X)
    threshold = _verification_threshold(encoder, Z, y, args.random_state)
    encoder.set_params(verbose=0)  # the epoch table was for this command
    with _writing(args.output):
        encoder.save(args.output, metadata={"threshold": threshold})
    _say(
        f"trained in {time.perf_counter() - start:.0f} s; saved to {args.output} "
        f"(same-class distance threshold {threshold:.4g})"
    )


def cmd_compare(args):
    from .pair_classifier import PairClassifier

    model, metadata = _load_model(args.model)
    size, gray = _image_kind(model)
    a = _read_image(args.image_a, size, gray)
    b = _read_image(args.image_b, size, gray)
    X = _as_model_input(np.stack([a, b]), model)
    if isinstance(model, PairClassifier):
        same = model.classes_.tolist().index(model.pos_label_)
        p = float(model.predict_proba(X[None])[0, same])
        verdict = "same" if p > model.threshold_ else "different"
        _say(f"P(same) = {p:.3f}  (threshold {model.threshold_:.4g}): {verdict}")
        return
    Z = model.transform(X)
    distance = float(_paired_distances(model, Z[:1], Z[1:])[0])
    similarity = 1.0 / (1.0 + distance)
    threshold = metadata.get("threshold")
    if threshold is None:
        _say(f"distance = {distance:.4f}  similarity = {similarity:.4f}")
        return
    verdict = "same" if distance < threshold else "different"
    _say(
        f"distance = {distance:.4f}  similarity = {similarity:.4f}  "
        f"(threshold {threshold:.4g}): {verdict}"
    )


def _embed_with(model, X):
    from .pair_classifier import PairClassifier

    X = _as_model_input(X, model)
    return model.embed(X) if isinstance(model, PairClassifier) else model.transform(X)


def cmd_embed(args):
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in (".csv", ".npy"):
        raise CommandError(f"--output {args.output} must end in .csv or .npy")
    example = "embeddings" + suffix
    _check_output(args.output, "--output", example)
    model, _ = _load_model(args.model)
    size, gray = _image_kind(model)
    X, y, paths = _load_folder(args.image_dir, size, gray)
    Z = _embed_with(model, X)
    with _writing(args.output):
        if suffix == ".npy":
            with open(args.output, "wb") as f:  # np.save(path) would add .npy
                np.save(f, Z)
        else:
            import csv

            # UTF-8 whatever the locale; a file name that is not valid in
            # the file system's encoding keeps its own bytes.
            with open(
                args.output,
                "w",
                encoding="utf-8",
                errors="surrogateescape",
                newline="",
            ) as f:
                writer = csv.writer(f)
                header = ["path", "label", *[f"e{i}" for i in range(Z.shape[1])]]
                writer.writerow(header)
                for path, label, row in zip(paths, y, Z):
                    # 9 significant digits read back as the same float32
                    writer.writerow([path, label, *(f"{v:.9g}" for v in row)])
    _say(f"wrote {Z.shape[0]} embeddings of size {Z.shape[1]} to {args.output}")


def cmd_evaluate(args):
    from .metrics import make_one_shot_scorer

    _check_at_least("--n-way", args.n_way, 2)
    _check_at_least("--k-shot", args.k_shot, 1)
    _check_at_least("--n-tasks", args.n_tasks, 1)
    _check_random_state(args.random_state)
    model, _ = _load_model(args.model)
    size, gray = _image_kind(model)
    X, y, _ = _load_folder(args.image_dir, size, gray)
    need = args.k_shot + 1  # supports and a query
    usable = int(np.sum(np.unique(y, return_counts=True)[1] >= need))
    if usable < args.n_way:
        advice = (
            f"use --n-way {usable} or less" if usable >= 2 else "add images or classes"
        )
        if args.k_shot > 1:
            advice += ", or a smaller --k-shot"
        raise CommandError(
            f"--n-way {args.n_way} --k-shot {args.k_shot} needs {args.n_way} "
            f"classes of at least {need} images; {args.image_dir} has {usable}: "
            f"{advice}"
        )
    scorer = make_one_shot_scorer(
        n_way=args.n_way,
        k_shot=args.k_shot,
        n_tasks=args.n_tasks,
        random_state=args.random_state,
    )
    try:
        accuracy = scorer(model, _as_model_input(X, model), y)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    _say(
        f"{args.n_way}-way {args.k_shot}-shot accuracy on {len(np.unique(y))} "
        f"classes of {args.image_dir} ({args.n_tasks} tasks): {accuracy:.4f}"
    )


def cmd_demo(args):
    from .demo import _run_demo

    max_epochs = _max_epochs(args.max_epochs)
    _check_output(args.output_dir, "--output-dir", "sklearn-siamese-demo", folder=True)
    try:
        _run_demo(max_epochs, args.output_dir)
    except (ValueError, OSError) as exc:
        print(flush=True)  # ends the line of the step that failed
        raise CommandError(_one_line(exc)) from None


# -- parser -------------------------------------------------------------------


def _epochs(text):
    """``--max-epochs``: an integer, or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer or 'auto'; got {text!r}"
        ) from None


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless it has none worth showing."""

    def _get_help_string(self, action):
        if (
            action.default is None
            or isinstance(action.default, bool)
            or action.required
            or "default" in (action.help or "")
        ):
            return action.help
        return super()._get_help_string(action)


_EMBED_HELP = (
    "Embed every image of IMAGE_DIR, read like 'fit' reads its folder, with "
    "MODEL. FILE.npy gets a float32 array of shape (number of images, "
    "embedding size); FILE.csv, in UTF-8, a header line, then one line per "
    "image: its path, its label (its class folder) and the embedding "
    "(columns e0, e1, ...). Rows come in the order the images are read: "
    "class folders sorted by name, then the files of each sorted by name; "
    "'fit' and 'evaluate' read them in that order too."
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-siamese",
        description="Siamese networks for scikit-learn users: train, compare, "
        "embed and evaluate.",
        epilog="Run 'sklearn-siamese COMMAND --help' for the options of a command.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help, description):
        return sub.add_parser(
            name, help=help, description=description, formatter_class=_HelpFormatter
        )

    def positional(parser, name, help):
        """A path argument; ``~`` expanded, as for every path option."""
        parser.add_argument(
            name.lower(), metavar=name, type=os.path.expanduser, help=help
        )

    demo = command(
        "demo",
        "train on scikit-learn's digits and report (about a minute)",
        "Train on scikit-learn's bundled digits (nothing is downloaded) and "
        "report kNN accuracy on the embeddings, pair verification and 5-way "
        "one-shot accuracy on digits never seen in training; write plots of "
        "the training curves and of the embedding (needs matplotlib).",
    )
    demo.add_argument(
        "--max-epochs",
        type=_epochs,
        default="auto",
        metavar="N",
        help="epochs of each fit: an integer, or 'auto' for the estimators' own choice",
    )
    demo.add_argument(
        "--output-dir",
        default="sklearn-siamese-demo",
        metavar="DIR",
        type=os.path.expanduser,
        help="folder for the PNG plots, created (with missing parents) before training",
    )
    demo.set_defaults(func=cmd_demo)

    fit = command(
        "fit",
        "train an encoder on a folder of images",
        "Train a SiameseEncoder on the images of IMAGE_DIR, one sub-folder per "
        "class at any depth (Omniglot's alphabet/character/*.png as well as "
        "class/*.jpg), and save it with the distance threshold that best "
        "separates same-class from different-class training pairs.",
    )
    positional(fit, "IMAGE_DIR", "folder of images, one sub-folder per class")
    fit.add_argument(
        "--output",
        required=True,
        metavar="MODEL",
        type=os.path.expanduser,
        help="model file to write (its folder must exist)",
    )
    fit.add_argument(
        "--image-size",
        type=int,
        nargs=2,
        default=(28, 28),
        metavar=("H", "W"),
        help="height and width every image is resized to (default: 28 28)",
    )
    fit.add_argument(
        "--color", action="store_true", help="keep RGB colour (default: grayscale)"
    )
    fit.add_argument(
        "--max-epochs",
        type=_epochs,
        default="auto",
        metavar="N",
        help="training epochs: an integer, or 'auto' (about 2000 optimiser "
        "steps, within 5 to 100 epochs)",
    )
    fit.add_argument(
        "--module",
        default="auto",
        choices=["auto", "conv", "koch", "mlp"],
        help="the branch network ('auto' is 'conv' for images)",
    )
    fit.add_argument(
        "--loss",
        default="prototypical",
        choices=["prototypical", "contrastive", "triplet"],
        help="training loss",
    )
    fit.add_argument(
        "--embedding-dim",
        type=int,
        default=64,
        metavar="DIM",
        help="size of the embeddings (2 or more: they are L2-normalised)",
    )
    fit.add_argument(
        "--augment",
        action="store_true",
        help="random affine distortions while training",
    )
    fit.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the training",
    )
    fit.set_defaults(func=cmd_fit)

    compare = command(
        "compare",
        "are two images of the same class?",
        "Are two images of the same class? With an encoder, print their "
        "distance, a similarity 1 / (1 + distance) and the verdict at the "
        "threshold stored by 'fit'; with a saved PairClassifier, P(same) and "
        "the verdict at its threshold_.",
    )
    positional(compare, "MODEL", "model file written by 'fit'")
    positional(compare, "IMAGE_A", "an image file")
    positional(compare, "IMAGE_B", "another image file")
    compare.set_defaults(func=cmd_compare)

    embed = command("embed", "embed a folder of images", _EMBED_HELP)
    positional(embed, "MODEL", "model file written by 'fit'")
    positional(embed, "IMAGE_DIR", "folder of images, one sub-folder per class")
    embed.add_argument(
        "--output",
        required=True,
        metavar="FILE",
        type=os.path.expanduser,
        help="FILE.npy (the array) or FILE.csv (paths, labels and embeddings)",
    )
    embed.set_defaults(func=cmd_embed)

    evaluate = command(
        "evaluate",
        "N-way one-shot accuracy on a folder of new classes",
        "N-way k-shot accuracy of MODEL on the images of IMAGE_DIR, of "
        "classes it was not trained on: each task draws N classes, k examples "
        "of each and a new image of one of them, which is assigned to the "
        "nearest class (by mean embedding for an encoder, by the mean score "
        "of its pairs for a PairClassifier).",
    )
    positional(evaluate, "MODEL", "model file written by 'fit'")
    positional(evaluate, "IMAGE_DIR", "folder of images of new classes")
    evaluate.add_argument(
        "--n-way",
        type=int,
        default=20,
        metavar="N",
        help="classes to choose from in a task",
    )
    evaluate.add_argument(
        "--k-shot",
        type=int,
        default=1,
        metavar="K",
        help="examples of each class in a task",
    )
    evaluate.add_argument(
        "--n-tasks", type=int, default=1000, metavar="N", help="tasks to average"
    )
    evaluate.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the tasks",
    )
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv=None):
    """Entry point of the ``sklearn-siamese`` console script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; ``None`` reads
        ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 after an error a user can cause (printed as one
        line on stderr). Arguments that do not parse exit with status 2
        (``SystemExit``), as in any argparse program.

    Examples
    --------
    >>> from sklearn_siamese.cli import main
    >>> main(["evaluate", "no-such-model.pt", "no-such-folder"])
    1
    """
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CommandError as exc:
        print(f"sklearn-siamese {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
