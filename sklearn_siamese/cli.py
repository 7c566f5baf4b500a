"""The ``sklearn-siamese`` command line (also ``python -m sklearn_siamese``).

Commands::

    sklearn-siamese demo                      # digits: kNN, pairs, one-shot, plots
    sklearn-siamese fit IMAGE_DIR --output MODEL [--image-size H W] ...
    sklearn-siamese compare MODEL IMAGE_A IMAGE_B
    sklearn-siamese embed MODEL IMAGE_DIR --output FILE.csv|FILE.npy
    sklearn-siamese evaluate MODEL IMAGE_DIR [--n-way 20]

Errors a user can cause (a missing file, an unreadable image, an
incompatible model) print one line to stderr and exit with status 1.
"""

import argparse
import os
import sys
import time

import numpy as np

from . import __version__

_FILE_ERRORS = (OSError, ValueError, TypeError, ImportError)


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


def _say(*args):
    print(*args, flush=True)


def _load_model(path):
    from ._persistence import load

    if not os.path.isfile(path):
        raise CommandError(f"model file not found: {path}")
    try:
        return load(path, with_metadata=True)
    except ValueError as exc:
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
    """One image as the models see it: float32 in [0, 1], resized."""
    if os.path.isdir(path):
        raise CommandError(f"{path} is a folder, not an image file")
    if not os.path.isfile(path):
        raise CommandError(f"image not found: {path}")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise CommandError(
            'reading images needs Pillow: pip install "sklearn-siamese[images]"'
        ) from None
    try:
        with Image.open(path) as image:
            image = image.convert("L" if grayscale else "RGB")
            image = image.resize(
                (image_size[1], image_size[0]), Image.Resampling.BILINEAR
            )
            array = np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise CommandError(f"cannot read image {path}: {exc}") from None
    return array if grayscale else array.transpose(2, 0, 1)


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


def _verification_threshold(Z, y, random_state):
    """Distance threshold that best separates same / different pairs."""
    from .sampling import make_pair_indices

    pairs, same = make_pair_indices(y, 4000, random_state=random_state)
    d = np.linalg.norm(Z[pairs[:, 0]] - Z[pairs[:, 1]], axis=1)
    order = np.argsort(d)
    d, same = d[order], same[order].astype(bool)
    # predicting "same" for the k nearest pairs
    correct = np.cumsum(same) + (np.sum(~same) - np.cumsum(~same))
    k = int(np.argmax(correct))
    return float((d[k] + d[min(k + 1, len(d) - 1)]) / 2)


def cmd_fit(args):
    from .encoder import SiameseEncoder

    X, y, _ = _load_folder(args.image_dir, tuple(args.image_size), not args.color)
    _say(
        f"loaded {len(X)} images of {len(np.unique(y))} classes from "
        f"{args.image_dir} ({X.shape[1:]})"
    )
    encoder = SiameseEncoder(
        module=args.module,
        loss=args.loss,
        embedding_dim=args.embedding_dim,
        max_epochs=args.max_epochs,
        augment=args.augment,
        random_state=args.random_state,
        verbose=1,
    )
    start = time.perf_counter()
    try:
        encoder.fit(X, y)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    Z = encoder.transform(X)
    threshold = _verification_threshold(Z, y, args.random_state)
    encoder.save(args.output, metadata={"threshold": threshold})
    _say(
        f"trained in {time.perf_counter() - start:.0f} s; saved to {args.output} "
        f"(same-class distance threshold {threshold:.3f})"
    )


def cmd_compare(args):
    from .pair_classifier import PairClassifier

    model, metadata = _load_model(args.model)
    size, gray = _image_kind(model)
    a = _read_image(args.image_a, size, gray)
    b = _read_image(args.image_b, size, gray)
    X = _as_model_input(np.stack([a, b]), model)
    if isinstance(model, PairClassifier):
        p = float(model.predict_proba(X[None])[0, model._pos_index])
        verdict = "same" if p > model.threshold_ else "different"
        _say(f"P(same) = {p:.3f}  (threshold {model.threshold_:.2f}): {verdict}")
        return
    Z = model.transform(X)
    distance = float(np.linalg.norm(Z[0] - Z[1]))
    similarity = 1.0 / (1.0 + distance)
    threshold = metadata.get("threshold")
    if threshold is None:
        _say(f"distance = {distance:.4f}  similarity = {similarity:.4f}")
        return
    verdict = "same" if distance < threshold else "different"
    _say(
        f"distance = {distance:.4f}  similarity = {similarity:.4f}  "
        f"(threshold {threshold:.4f}): {verdict}"
    )


def _embed_with(model, X):
    from .pair_classifier import PairClassifier

    X = _as_model_input(X, model)
    return model.embed(X) if isinstance(model, PairClassifier) else model.transform(X)


def cmd_embed(args):
    if not args.output.endswith((".csv", ".npy")):
        raise CommandError("--output must end in .csv or .npy")
    model, _ = _load_model(args.model)
    size, gray = _image_kind(model)
    X, y, paths = _load_folder(args.image_dir, size, gray)
    Z = _embed_with(model, X)
    if args.output.endswith(".npy"):
        np.save(args.output, Z)
    else:
        import csv

        with open(args.output, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["path", "label", *[f"e{i}" for i in range(Z.shape[1])]])
            for path, label, row in zip(paths, y, Z):
                writer.writerow([path, label, *(f"{v:.7g}" for v in row)])
    _say(f"wrote {Z.shape[0]} embeddings of size {Z.shape[1]} to {args.output}")


def cmd_evaluate(args):
    from .metrics import one_shot_accuracy

    model, _ = _load_model(args.model)
    size, gray = _image_kind(model)
    X, y, _ = _load_folder(args.image_dir, size, gray)
    try:
        accuracy = one_shot_accuracy(
            model,
            _as_model_input(X, model),
            y,
            n_way=args.n_way,
            k_shot=args.k_shot,
            n_tasks=args.n_tasks,
            random_state=args.random_state,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    _say(
        f"{args.n_way}-way {args.k_shot}-shot accuracy on {len(np.unique(y))} "
        f"classes of {args.image_dir} ({args.n_tasks} tasks): {accuracy:.4f}"
    )


def cmd_demo(args):
    from .demo import run_demo

    run_demo(max_epochs=args.max_epochs, output_dir=args.output_dir)


# -- parser -------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-siamese",
        description="Siamese networks for scikit-learn users: train, compare, "
        "embed and evaluate.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="train on scikit-learn's digits and report (about a minute)"
    )
    demo.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help="epochs of each fit (default: the estimators' auto)",
    )
    demo.add_argument(
        "--output-dir",
        default="sklearn-siamese-demo",
        help="where to write the PNG plots",
    )
    demo.set_defaults(func=cmd_demo)

    fit = sub.add_parser("fit", help="train an encoder on a folder of images")
    fit.add_argument("image_dir", help="one sub-folder of images per class")
    fit.add_argument("--output", required=True, help="model file to write")
    fit.add_argument(
        "--image-size", type=int, nargs=2, default=(28, 28), metavar=("H", "W")
    )
    fit.add_argument(
        "--color", action="store_true", help="keep RGB colour (default: grayscale)"
    )
    fit.add_argument("--max-epochs", type=int, default=None)
    fit.add_argument(
        "--module", default="auto", choices=["auto", "conv", "koch", "mlp"]
    )
    fit.add_argument(
        "--loss",
        default="prototypical",
        choices=["prototypical", "contrastive", "triplet"],
    )
    fit.add_argument("--embedding-dim", type=int, default=64)
    fit.add_argument(
        "--augment",
        action="store_true",
        help="random affine distortions while training",
    )
    fit.add_argument("--random-state", type=int, default=0)
    fit.set_defaults(func=cmd_fit)

    compare = sub.add_parser("compare", help="are two images of the same class?")
    compare.add_argument("model")
    compare.add_argument("image_a")
    compare.add_argument("image_b")
    compare.set_defaults(func=cmd_compare)

    embed = sub.add_parser("embed", help="embed a folder of images")
    embed.add_argument("model")
    embed.add_argument("image_dir")
    embed.add_argument("--output", required=True, help="FILE.csv or FILE.npy")
    embed.set_defaults(func=cmd_embed)

    evaluate = sub.add_parser(
        "evaluate", help="N-way one-shot accuracy on a folder of new classes"
    )
    evaluate.add_argument("model")
    evaluate.add_argument("image_dir")
    evaluate.add_argument("--n-way", type=int, default=20)
    evaluate.add_argument("--k-shot", type=int, default=1)
    evaluate.add_argument("--n-tasks", type=int, default=1000)
    evaluate.add_argument("--random-state", type=int, default=0)
    evaluate.set_defaults(func=cmd_evaluate)
    return parser


def main(argv=None):
    """Entry point of the ``sklearn-siamese`` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "max_epochs", None) is None and args.command != "demo":
        args.max_epochs = "auto"
    try:
        args.func(args)
    except CommandError as exc:
        print(f"sklearn-siamese {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
