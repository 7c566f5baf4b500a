"""Bad inputs and the errors they raise: one list for the tests and the docs.

Every entry of ``CASES`` calls the package with one bad input on tiny data
and names the exception and the message (a regular expression, matched with
``re.search``) it must raise. ``tests/test_bad_input.py`` runs every case;
``docs/conf.py`` runs them again when the documentation is built and writes
the table of ``docs/bad_input.rst`` from the errors actually raised, so the
table cannot drift from the code (a case that no longer raises its error
fails the build).

This is a plain module, not a test module: it only defines ``CASES``.
"""

import contextlib
import functools
import io
import os
import pickle
import re
import tempfile
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError

from sklearn_siamese import (
    PairClassifier,
    PairSampler,
    SiameseEncoder,
    TripletSampler,
    load,
)
from sklearn_siamese.cli import CommandError, main
from sklearn_siamese.datasets import load_image_folder, make_glyphs, make_two_views
from sklearn_siamese.metrics import (
    make_one_shot_scorer,
    make_pair_roc_auc_scorer,
    make_retrieval_scorer,
    mean_average_precision_at_r,
    one_shot_accuracy,
    precision_at_1,
)
from sklearn_siamese.sampling import make_pair_indices, make_triplet_indices


class Case(NamedTuple):
    """One bad input: where, what, how to trigger it, and the error it gives."""

    area: str
    description: str
    call: Callable[[], object]
    error: type
    match: str


# -- tiny data ---------------------------------------------------------------

# One epoch of a few small batches, on the CPU: every case takes well under
# a second.
FAST = {"max_epochs": 1, "batch_size": 8, "random_state": 0, "device": "cpu"}

ENCODER = "SiameseEncoder"
PAIRS_2D = "PairClassifier, 2-D [x1 | x2]"
PAIRS_3D = "PairClassifier, 3-D (n, 2, ...)"


def _rng():
    return np.random.RandomState(0)


def _X():
    """12 samples, 4 features, float32."""
    return _rng().normal(size=(12, 4)).astype(np.float32)


def _y():
    """3 classes of 4 samples each."""
    return np.repeat([0, 1, 2], 4)


def _images():
    """12 grayscale 8 x 8 images."""
    return _rng().uniform(size=(12, 8, 8)).astype(np.float32)


def _pairs3():
    """12 pairs of 4-feature samples, shape (12, 2, 4)."""
    return _rng().normal(size=(12, 2, 4)).astype(np.float32)


def _pairs2():
    """The same pairs as [x1 | x2] rows, shape (12, 8)."""
    return _pairs3().reshape(12, 8)


def _same():
    """Alternating 0 (different) and 1 (same) pair labels."""
    return np.tile([0, 1], 6)


def _with(X, value, index=3):
    """A copy of ``X`` with ``value`` at flat position ``index``."""
    X = np.array(X)
    X.flat[index] = value
    return X


def _labels_with(y, value, index=3):
    y = np.asarray(y, dtype=object if value is None else np.float64)
    y[index] = value
    return y


def _encoder(**params):
    return SiameseEncoder(**{**FAST, **params})


def _pair_classifier(**params):
    return PairClassifier(**{**FAST, **params})


# Fitted once, shared by the cases that only predict with them.
@functools.cache
def _fitted_encoder():
    return _encoder().fit(_X(), _y())


@functools.cache
def _fitted_image_encoder():
    return _encoder().fit(_images(), _y())


@functools.cache
def _fitted_pairs3():
    return _pair_classifier().fit(_pairs3(), _same())


@functools.cache
def _fitted_pairs2():
    return _pair_classifier().fit(_pairs2(), _same())


# -- files -------------------------------------------------------------------


def _tempdir():
    """A temporary folder whose name ``tidy`` hides in messages."""
    return tempfile.TemporaryDirectory(prefix="bad_input_")


_TMP = re.compile(re.escape(tempfile.gettempdir()) + r"[/\\]bad_input_[^/\\'\"\s]*")


def tidy(message):
    """``message`` with the temporary folders of the cases shown as ``<tmp>``."""
    return _TMP.sub("<tmp>", message)


def _write_image(path, seed=0):
    """An 8 x 8 grayscale PNG image of random pixels, to a path or file."""
    from PIL import Image

    pixels = np.random.RandomState(seed).randint(0, 256, size=(8, 8), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="PNG")


def _image_folder(root, n_classes=2, n_images=2):
    """``root/class_k/i.png``: a loadable folder of tiny images."""
    for k in range(n_classes):
        folder = os.path.join(root, f"class_{k}")
        os.makedirs(folder)
        for i in range(n_images):
            _write_image(os.path.join(folder, f"{i}.png"), seed=10 * k + i)
    return root


def _load_folder_with(name, content):
    """Load an image folder in which ``class_1/name`` holds ``content``."""
    with _tempdir() as tmp:
        root = _image_folder(os.path.join(tmp, "images"))
        with open(os.path.join(root, "class_1", name), "wb") as f:
            f.write(content)
        return load_image_folder(root, image_size=8)


def _png_bytes():
    buffer = io.BytesIO()
    _write_image(buffer)
    return buffer.getvalue()


def _load_folder(*, stray_image=False, image_size=8, make=True):
    with _tempdir() as tmp:
        root = os.path.join(tmp, "images")
        if make:
            _image_folder(root)
        if stray_image:
            _write_image(os.path.join(root, "stray.png"))
        return load_image_folder(root, image_size=image_size)


def _load_file(content=None, *, folder=False):
    """``sklearn_siamese.load`` on a file holding ``content`` (bytes, or an
    object to pickle); ``None`` for a missing file."""
    with _tempdir() as tmp:
        path = os.path.join(tmp, "model.pt")
        if folder:
            os.makedirs(path)
        elif isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        elif content is not None:
            with open(path, "wb") as f:
                pickle.dump(content, f)
        return load(path)


def _torch_file():
    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(2)}, buffer)
    return buffer.getvalue()


def _compare(image_b=None, *, model=True):
    """``sklearn-siamese compare MODEL a.png b.png``; a failure (exit status
    1, one line on stderr) is raised as the ``CommandError`` it reports."""
    with _tempdir() as tmp:
        model_path = os.path.join(tmp, "model.pt")
        if model:
            _fitted_image_encoder().save(model_path)
        image_a = os.path.join(tmp, "a.png")
        _write_image(image_a)
        path_b = os.path.join(tmp, "b.png")
        if image_b is not None:
            with open(path_b, "wb") as f:
                f.write(image_b)
        stderr = io.StringIO()
        with (
            contextlib.redirect_stderr(stderr),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            status = main(["compare", model_path, image_a, path_b])
        if status != 0:
            raise CommandError(stderr.getvalue().strip())


def _command(*argv, files=()):
    """``sklearn-siamese *argv`` in a temporary folder holding a saved image
    encoder ``model.pt``, a loadable folder ``images`` and the empty
    ``files``; ``<tmp>`` in an argument stands for the folder. A failure
    (exit status 1, one line on stderr) is raised as the ``CommandError`` it
    reports."""
    with _tempdir() as tmp:
        _fitted_image_encoder().save(os.path.join(tmp, "model.pt"))
        _image_folder(os.path.join(tmp, "images"))
        for name in files:
            open(os.path.join(tmp, name), "wb").close()
        argv = [arg.replace("<tmp>", tmp) for arg in argv]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            status = main(argv)
        if status != 0:
            raise CommandError(stderr.getvalue().strip())


def _image_over_pixel_limit():
    """Load an image folder while Pillow allows 20 pixels (its decompression
    bomb check refuses images of more than twice its MAX_IMAGE_PIXELS)."""
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 10
    try:
        return _load_folder()
    finally:
        Image.MAX_IMAGE_PIXELS = limit


# -- the cases ---------------------------------------------------------------


def _exact(message):
    """A pattern matching ``message`` literally."""
    return re.escape(message)


def _param(name, owner, allowed, got):
    return _exact(
        f"The '{name}' parameter of {owner} must be {allowed}. Got {got} instead."
    )


_NAN_X = _exact("Input X contains NaN.")
_SPHERE_1D = _exact(
    "normalize=True scales every embedding to length 1, which leaves a "
    "1-dimensional embedding only +1 and -1; use embedding_dim=2 or more, or "
    "normalize=False."
)
_INF_X = _exact("Input X contains infinity or a value too large for dtype('float32').")
_NOT_NUMERIC = (
    "{} needs numeric X, but X holds values that are not numbers "
    "({}). Encode text and categories as numbers first, e.g. with "
    "TfidfVectorizer or OneHotEncoder."
)
_STRINGS = np.array([["a", "b", "c", "d"]] * 12)
_MISSING = (
    "y contains 1 missing label(s) (NaN, NaT or None), first at position 3; drop "
    "those samples or give them a class label."
)
_NOT_FITTED = (
    "This {} instance is not fitted yet. Call 'fit' with appropriate arguments "
    "before using this estimator."
)
_INCONSISTENT = "Found input variables with inconsistent numbers of samples: [12, 11]"
_DIVERGED = (
    "Training diverged: the network of {} gives NaN or infinite outputs after "
    "training; lower the learning rate (lr=1e+30) or check X for extreme values."
)
_ONE_D = _exact("Expected 2D array, got 1D array instead:")
_SINGLE_CLASS_PAIRS = (
    "y has 1 class(es); different-class pairs need at least 2 classes. Pass "
    "labels of at least 2 classes, or pos_fraction=1.0 to build same-class "
    "pairs only."
)
_SINGLETON_PAIRS = (
    "pos_fraction=0.5 requests {} same-class pair(s) but no class in y has at "
    "least 2 samples. Pass pos_fraction=0.0 to build different-class pairs "
    "only, or add samples so that a class has at least 2."
)
_SINGLE_CLASS_TRIPLETS = (
    "y has 1 class(es); triplets need at least 2 classes (the negative comes "
    "from a class other than the anchor's)."
)
_SINGLETON_TRIPLETS = (
    "No class in y has at least 2 samples; a triplet needs an anchor and a "
    "distinct positive of the same class. Add samples so that a class has at "
    "least 2."
)
_ENCODER_CLASSES = (
    "SiameseEncoder needs at least 2 classes with 2 or more samples each, to "
    "form same-class and different-class pairs; y has {} class(es), {} of them "
    "with 2 or more samples."
)
_MODEL_FILE = (
    "'<tmp>/model.pt' is not a sklearn_siamese model file ({} while reading it "
    "as one). sklearn_siamese.load reads only files written by estimator.save "
    "and never runs code from a file; a pickled model loads with joblib.load, "
    "from trusted sources only."
)


def _tmp_pattern(message):
    """``message`` with ``<tmp>`` standing for a case's temporary folder."""
    return _exact(message).replace(re.escape("<tmp>"), r".*bad_input_[^/\\]*")


CASES = [
    # -- SiameseEncoder ------------------------------------------------------
    Case(
        ENCODER,
        "NaN in X",
        lambda: _encoder().fit(_with(_X(), np.nan), _y()),
        ValueError,
        _NAN_X,
    ),
    Case(
        ENCODER,
        "infinity in X",
        lambda: _encoder().fit(_with(_X(), np.inf), _y()),
        ValueError,
        _INF_X,
    ),
    Case(
        ENCODER,
        "1-D X",
        lambda: _encoder().fit(np.arange(6.0), [0, 0, 0, 1, 1, 1]),
        ValueError,
        _ONE_D,
    ),
    Case(
        ENCODER,
        "empty X",
        lambda: _encoder().fit(np.zeros((0, 4)), []),
        ValueError,
        _exact(
            "Found array with 0 sample(s) (shape=(0, 4)) while a minimum of 2 "
            "is required by SiameseEncoder."
        ),
    ),
    Case(
        ENCODER,
        "text in X",
        lambda: _encoder().fit(_STRINGS, _y()),
        ValueError,
        _exact(
            _NOT_NUMERIC.format(
                "SiameseEncoder", f"could not convert string to float: {np.str_('a')!r}"
            )
        ),
    ),
    Case(
        ENCODER,
        "Python objects in X",
        lambda: _encoder().fit(_with(_X().astype(object), {"a": 1}), _y()),
        TypeError,
        _exact(
            _NOT_NUMERIC.format(
                "SiameseEncoder",
                "float() argument must be a string or a real number, not 'dict'",
            )
        ),
    ),
    Case(
        ENCODER,
        "NaN in y",
        lambda: _encoder().fit(_X(), _labels_with(_y(), np.nan)),
        ValueError,
        _exact("Input y contains NaN."),
    ),
    Case(
        ENCODER,
        "None in y",
        lambda: _encoder().fit(_X(), _labels_with(_y(), None)),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        ENCODER,
        "X and y of different lengths",
        lambda: _encoder().fit(_X(), _y()[:11]),
        ValueError,
        _exact(_INCONSISTENT),
    ),
    Case(
        ENCODER,
        "one class only",
        lambda: _encoder().fit(_X(), np.zeros(12)),
        ValueError,
        _exact(_ENCODER_CLASSES.format(1, 1)),
    ),
    Case(
        ENCODER,
        "only single-sample classes",
        lambda: _encoder().fit(_X(), np.arange(12)),
        ValueError,
        _exact(_ENCODER_CLASSES.format(12, 0)),
    ),
    Case(
        ENCODER,
        "continuous y",
        lambda: _encoder().fit(_X(), np.linspace(0, 1, 12)),
        ValueError,
        _exact("Unknown label type: continuous."),
    ),
    Case(
        ENCODER,
        "negative margin",
        lambda: _encoder(margin=-1.0).fit(_X(), _y()),
        ValueError,
        _param("margin", ENCODER, "a float in the range [0.0, inf)", "-1.0"),
    ),
    Case(
        ENCODER,
        "class-balanced batches too small for a same-class pair",
        lambda: _encoder(batch_size=3).fit(_X(), _y()),
        ValueError,
        _exact(
            "sampling='batch' needs batch_size=4 or more (two classes of two "
            "samples, for a same-class pair); got batch_size=3."
        ),
    ),
    Case(
        ENCODER,
        "a 1-dimensional embedding on the unit sphere",
        lambda: _encoder(embedding_dim=1).fit(_X(), _y()),
        ValueError,
        _SPHERE_1D,
    ),
    Case(
        PAIRS_3D,
        "a 1-dimensional embedding on the unit sphere",
        lambda: _pair_classifier(embedding_dim=1).fit(_pairs3(), _same()),
        ValueError,
        _SPHERE_1D,
    ),
    Case(
        ENCODER,
        "images with no pixels",
        lambda: _encoder().fit(np.zeros((12, 8, 0)), _y()),
        ValueError,
        _exact(
            "Found array with 0 feature(s) (shape=(12, 8, 0)) while a minimum "
            "of 1 is required by SiameseEncoder."
        ),
    ),
    Case(
        PAIRS_3D,
        "pairs of samples with no features",
        lambda: _pair_classifier().fit(np.zeros((12, 2, 0)), _same()),
        ValueError,
        _exact(
            "Found array with 0 feature(s) (shape=(12, 2, 0)) while a minimum "
            "of 1 is required by PairClassifier."
        ),
    ),
    Case(
        ENCODER,
        "zero margin with the contrastive loss",
        lambda: _encoder(loss="contrastive", margin=0).fit(_X(), _y()),
        ValueError,
        _exact(
            "margin=0 with loss='contrastive' never pushes different-class "
            "pairs apart, so the embeddings collapse to one point; use a "
            "positive margin."
        ),
    ),
    Case(
        ENCODER,
        "unknown loss name",
        lambda: _encoder(loss="hinge").fit(_X(), _y()),
        ValueError,
        _exact("The 'loss' parameter of SiameseEncoder must be a str among {")
        + ".*"
        + _exact("Got 'hinge' instead."),
    ),
    Case(
        ENCODER,
        "unknown distance name",
        lambda: _encoder(distance="cos").fit(_X(), _y()),
        ValueError,
        _exact("The 'distance' parameter of SiameseEncoder must be a str among {")
        + ".*"
        + _exact("Got 'cos' instead."),
    ),
    Case(
        ENCODER,
        "zero epochs",
        lambda: _encoder(max_epochs=0).fit(_X(), _y()),
        ValueError,
        _param(
            "max_epochs",
            ENCODER,
            "an int in the range [1, inf) or a str among {'auto'}",
            "0",
        ),
    ),
    Case(
        ENCODER,
        "zero batch size",
        lambda: _encoder(batch_size=0).fit(_X(), _y()),
        ValueError,
        _param("batch_size", ENCODER, "an int in the range [2, inf)", "0"),
    ),
    Case(
        ENCODER,
        "zero embedding size",
        lambda: _encoder(embedding_dim=0).fit(_X(), _y()),
        ValueError,
        _param("embedding_dim", ENCODER, "an int in the range [1, inf)", "0"),
    ),
    Case(
        ENCODER,
        "embedding size given as a boolean",
        lambda: _encoder(embedding_dim=True).fit(_X(), _y()),
        ValueError,
        _param("embedding_dim", ENCODER, "an int in the range [1, inf)", "True"),
    ),
    Case(
        ENCODER,
        "epochs given as a boolean",
        lambda: _encoder(max_epochs=True).fit(_X(), _y()),
        ValueError,
        _param(
            "max_epochs",
            ENCODER,
            "an int in the range [1, inf) or a str among {'auto'}",
            "True",
        ),
    ),
    Case(
        ENCODER,
        "optimizer that is not an optimizer class",
        lambda: _encoder(optimizer=dict).fit(_X(), _y()),
        ValueError,
        _exact(
            "optimizer must be a torch.optim.Optimizer class, such as "
            "torch.optim.SGD; got <class 'dict'>."
        ),
    ),
    Case(
        PAIRS_2D,
        "weight decay for an optimizer without one",
        lambda: _pair_classifier(optimizer=torch.optim.Rprop, weight_decay=0.01).fit(
            _pairs2(), _same()
        ),
        ValueError,
        _exact(
            "weight_decay=0.01, but Rprop takes no weight_decay; leave it at 0 "
            "or choose an optimizer that has one, such as torch.optim.AdamW."
        ),
    ),
    Case(
        ENCODER,
        "unknown device",
        lambda: _encoder(device="tpu").fit(_X(), _y()),
        ValueError,
        _exact(
            "device='tpu' is not a torch device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ),
    ),
    *(
        []
        if torch.cuda.is_available()
        else [
            Case(
                ENCODER,
                "device='cuda' on a machine without a GPU",
                lambda: _encoder(device="cuda").fit(_X(), _y()),
                ValueError,
                _exact(
                    "device='cuda', but PyTorch sees no CUDA GPU here "
                    "(torch.cuda.is_available() is False); use device='auto' "
                    "or 'cpu', or install a CUDA build of PyTorch."
                ),
            )
        ]
    ),
    Case(
        ENCODER,
        "unknown parameter",
        lambda: SiameseEncoder(hidden_layer_sizes=(8,)).fit(_X(), _y()),
        TypeError,
        _exact(
            "SiameseEncoder got unexpected keyword argument(s) "
            "['hidden_layer_sizes']; parameters of the branch network or the "
            "optimizer are passed with a prefix, as in "
            "module__hidden_layer_sizes=(64,) or optimizer__momentum=0.9."
        ),
    ),
    Case(
        ENCODER,
        "optimizer__lr instead of lr",
        lambda: _encoder(optimizer__lr=0.5).fit(_X(), _y()),
        ValueError,
        _exact(
            "optimizer__lr repeats the lr parameter of SiameseEncoder; set lr= instead."
        ),
    ),
    Case(
        ENCODER,
        "device='meta'",
        lambda: _encoder(device="meta").fit(_X(), _y()),
        ValueError,
        _exact(
            "device='meta' holds no data, so nothing can be trained or embedded "
            "there; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ),
    ),
    Case(
        ENCODER,
        "image branch on tabular X",
        lambda: _encoder(module="conv").fit(_X(), _y()),
        ValueError,
        _exact(
            "module='conv' needs image input of shape (n_samples, H, W) or "
            "(n_samples, C, H, W); got samples of shape (4,). Use module='mlp' "
            "for tabular data."
        ),
    ),
    Case(
        ENCODER,
        "huge learning rate: the loss diverges",
        lambda: _encoder(
            lr=1e30, optimizer=torch.optim.SGD, loss="contrastive", batch_size=4
        ).fit(_X(), _y()),
        ValueError,
        _exact("The training loss diverged (it became nan); lower the learning rate")
        + r" \(lr=1e\+30\)",
    ),
    Case(
        ENCODER,
        "huge learning rate: the last step diverges",
        lambda: _encoder(lr=1e30, optimizer=torch.optim.SGD, batch_size=16).fit(
            _X(), _y()
        ),
        ValueError,
        _exact(_DIVERGED.format(ENCODER)),
    ),
    Case(
        ENCODER,
        "transform before fit",
        lambda: _encoder().transform(_X()),
        NotFittedError,
        _exact(_NOT_FITTED.format(ENCODER)),
    ),
    Case(
        ENCODER,
        "transform: wrong number of features",
        lambda: _fitted_encoder().transform(_X()[:, :3]),
        ValueError,
        _exact(
            "X has 3 features, but SiameseEncoder is expecting 4 features as input."
        ),
    ),
    Case(
        ENCODER,
        "transform: NaN in X",
        lambda: _fitted_encoder().transform(_with(_X(), np.nan)),
        ValueError,
        _NAN_X,
    ),
    Case(
        ENCODER,
        "transform: values that overflow float32",
        lambda: _fitted_encoder().transform(_X().astype(np.float64) * 1e300),
        ValueError,
        _exact(
            "SiameseEncoder gives NaN or infinite outputs for 12 of the 12 "
            "samples of X: the network overflows on them. Check X for extreme "
            "values (scale it as the training data was scaled), or refit with a "
            "lower learning rate (lr=0.001)."
        ),
    ),
    Case(
        ENCODER,
        "transform: wrong image shape",
        lambda: _fitted_image_encoder().transform(np.zeros((2, 9, 9))),
        ValueError,
        _exact(
            "X has samples of shape (9, 9), but SiameseEncoder was fitted on "
            "samples of shape (8, 8)."
        ),
    ),
    Case(
        ENCODER,
        "transform: flattened images",
        lambda: _fitted_image_encoder().transform(np.zeros((2, 64))),
        ValueError,
        _exact(
            "X has samples of shape (64,), but SiameseEncoder was fitted on "
            "samples of shape (8, 8)."
        ),
    ),
    Case(
        ENCODER,
        "score: X and y of different lengths",
        lambda: _fitted_encoder().score(_X(), _y()[:11]),
        ValueError,
        _exact("X and y have inconsistent numbers of samples: 12 and 11."),
    ),
    Case(
        ENCODER,
        "early_stopping with classes too small to hold out",
        lambda: _encoder(early_stopping=True).fit(_X(), np.arange(12) % 4),
        ValueError,
        _exact(
            "early_stopping=True measures a validation loss on held-out samples "
            "of the classes with 4 or more samples; it needs 2 such classes and "
            "y has 0. Set early_stopping=False, or give more samples per class."
        ),
    ),
    Case(
        ENCODER,
        "transform: images as nested lists of the wrong size",
        lambda: _fitted_image_encoder().transform(_images()[:, :6, :6].tolist()),
        ValueError,
        _exact(
            "X has samples of shape (6, 6), but SiameseEncoder was fitted on "
            "samples of shape (8, 8)."
        ),
    ),
    # -- PairClassifier, 2-D [x1 | x2] rows ------------------------------------
    Case(
        PAIRS_2D,
        "infinity in X",
        lambda: _pair_classifier().fit(_with(_pairs2(), np.inf), _same()),
        ValueError,
        _INF_X,
    ),
    Case(
        PAIRS_2D,
        "infinity in y",
        lambda: _pair_classifier().fit(_pairs2(), np.where(_same() == 1, np.inf, 0.0)),
        ValueError,
        _exact("Input y contains infinity or a value too large for dtype('float64')."),
    ),
    Case(
        PAIRS_2D,
        "1-D X",
        lambda: _pair_classifier().fit(np.arange(6.0), [0, 1] * 3),
        ValueError,
        _ONE_D,
    ),
    Case(
        PAIRS_2D,
        "empty X",
        lambda: _pair_classifier().fit(np.zeros((0, 8)), []),
        ValueError,
        _exact(
            "Found array with 0 sample(s) (shape=(0, 8)) while a minimum of 1 "
            "is required by PairClassifier."
        ),
    ),
    Case(
        PAIRS_2D,
        "text in X",
        lambda: _pair_classifier().fit(np.hstack([_STRINGS, _STRINGS]), _same()),
        ValueError,
        _exact(
            _NOT_NUMERIC.format(
                "PairClassifier", f"could not convert string to float: {np.str_('a')!r}"
            )
        ),
    ),
    Case(
        PAIRS_2D,
        "NaN in y",
        lambda: _pair_classifier().fit(_pairs2(), _labels_with(_same(), np.nan)),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        PAIRS_2D,
        "X and y of different lengths",
        lambda: _pair_classifier().fit(_pairs2(), _same()[:11]),
        ValueError,
        _exact("X and y have inconsistent numbers of pairs: 12 and 11."),
    ),
    Case(
        PAIRS_2D,
        "one label only",
        lambda: _pair_classifier().fit(_pairs2(), np.ones(12, dtype=int)),
        ValueError,
        _exact(
            "PairClassifier needs 'same' and 'different' pairs to learn from; y "
            "has 1 class (1)."
        ),
    ),
    Case(
        PAIRS_2D,
        "more than two labels",
        lambda: _pair_classifier().fit(_pairs2(), np.arange(12) % 3),
        ValueError,
        _exact(
            "Only binary classification is supported. PairClassifier classifies "
            "pairs as same or different; y has 3 classes: [0, 1, 2]. To learn "
            "from class labels of single samples, use PairSampler or "
            "SiameseEncoder."
        ),
    ),
    Case(
        PAIRS_2D,
        "partial_fit: first call with one label only",
        lambda: _pair_classifier().partial_fit(
            _pairs2(), np.ones(12, dtype=int), classes=[0, 1]
        ),
        ValueError,
        _exact(
            "The first call to partial_fit needs both 'same' and 'different' "
            "pairs, to calibrate P(same); y holds only pairs labelled 1."
        ),
    ),
    Case(
        PAIRS_2D,
        "partial_fit: classes of more than two labels",
        lambda: _pair_classifier().partial_fit(_pairs2(), _same(), classes=[0, 1, 2]),
        ValueError,
        _exact(
            "classes must hold the two pair labels, 'same' and 'different'; "
            "got 3: [0, 1, 2]."
        ),
    ),
    Case(
        PAIRS_2D,
        "partial_fit: label not among classes",
        lambda: _pair_classifier().partial_fit(
            _pairs2(), np.tile([0, 2], 6), classes=[0, 1]
        ),
        ValueError,
        _exact("y has labels [2] that are not among the classes [0, 1]."),
    ),
    Case(
        PAIRS_2D,
        "partial_fit: other classes than the first call",
        lambda: (
            _pair_classifier()
            .partial_fit(_pairs2(), _same())
            .partial_fit(_pairs2(), _same() + 1, classes=[1, 2])
        ),
        ValueError,
        _exact(
            "classes=[1, 2] differs from the classes_ of the first call to "
            "partial_fit, [0, 1]; pass the same classes or none."
        ),
    ),
    Case(
        PAIRS_2D,
        "module_b__* parameters with a shared branch",
        lambda: _pair_classifier(module_b__hidden_layer_sizes=(8,)).fit(
            _pairs2(), _same()
        ),
        ValueError,
        _exact(
            "module_b__hidden_layer_sizes configure side B's own branch, which "
            "only a pseudo-siamese network has; set shared=False, or use "
            "module__* parameters for the shared branch."
        ),
    ),
    Case(
        PAIRS_3D,
        "predict: pairs as nested lists of the wrong sample shape",
        lambda: _fitted_pairs3().predict(_pairs3()[:, :, :3].tolist()),
        ValueError,
        _exact(
            "X holds pairs of samples of shape (3,), but PairClassifier was "
            "fitted on samples of shape (4,)."
        ),
    ),
    Case(
        PAIRS_2D,
        "odd pair width",
        lambda: _pair_classifier().fit(_pairs2()[:, :7], _same()),
        ValueError,
        _exact(
            "PairClassifier reads 2-D X as [x1 | x2] rows, so the pair width "
            "must be even; got 7 feature(s). Pass pairs as an array of shape "
            "(n_pairs, 2, n_features), or set n_features_a with shared=False "
            "for sides of different widths."
        ),
    ),
    Case(
        PAIRS_2D,
        "n_features_a not below the pair width",
        lambda: _pair_classifier(n_features_a=8, shared=False).fit(_pairs2(), _same()),
        ValueError,
        _exact(
            "X has 8 feature(s), so n_features_a (8) leaves none for side B; "
            "n_features_a must be smaller than the pair width."
        ),
    ),
    Case(
        PAIRS_2D,
        "n_features_a of 0",
        lambda: _pair_classifier(n_features_a=0, shared=False).fit(_pairs2(), _same()),
        ValueError,
        _param(
            "n_features_a",
            "PairClassifier",
            "an int in the range [1, inf) or None",
            "0",
        ),
    ),
    Case(
        PAIRS_2D,
        "n_features_a giving unequal sides to a shared branch",
        lambda: _pair_classifier(n_features_a=3).fit(_pairs2(), _same()),
        ValueError,
        _exact(
            "n_features_a=3 splits 8 columns into sides of 3 and 5; a shared "
            "branch needs sides of equal width. Set shared=False for sides of "
            "different widths."
        ),
    ),
    Case(
        PAIRS_2D,
        "unknown head name",
        lambda: _pair_classifier(head="dot").fit(_pairs2(), _same()),
        ValueError,
        _exact("The 'head' parameter of PairClassifier must be a str among {")
        + ".*"
        + _exact("Got 'dot' instead."),
    ),
    Case(
        PAIRS_2D,
        "negative margin",
        lambda: _pair_classifier(margin=-0.5).fit(_pairs2(), _same()),
        ValueError,
        _param("margin", "PairClassifier", "a float in the range (0.0, inf)", "-0.5"),
    ),
    Case(
        PAIRS_2D,
        "pos_label not among the labels",
        lambda: _pair_classifier(pos_label="same").fit(_pairs2(), _same()),
        ValueError,
        _exact("pos_label='same' is not one of the labels in y: [0, 1]."),
    ),
    Case(
        PAIRS_2D,
        "huge learning rate: training diverges",
        lambda: _pair_classifier(lr=1e30, optimizer=torch.optim.SGD).fit(
            _pairs2(), _same()
        ),
        ValueError,
        _exact(_DIVERGED.format("PairClassifier")),
    ),
    Case(
        PAIRS_2D,
        "predict before fit",
        lambda: _pair_classifier().predict(_pairs2()),
        NotFittedError,
        _exact(_NOT_FITTED.format("PairClassifier")),
    ),
    Case(
        PAIRS_2D,
        "predict: wrong number of features",
        lambda: _fitted_pairs2().predict(_pairs2()[:, :6]),
        ValueError,
        _exact(
            "X has 6 features, but PairClassifier is expecting 8 features as input."
        ),
    ),
    Case(
        PAIRS_2D,
        "predict: 3-D pairs after fitting on rows",
        lambda: _fitted_pairs2().predict(_pairs3()),
        ValueError,
        _exact(
            "X has shape (12, 2, 4), but PairClassifier was fitted on 2-D "
            "[x1 | x2] rows of 8 features; pass pairs in that layout, e.g. "
            "X.reshape(len(X), -1)."
        ),
    ),
    # -- PairClassifier, 3-D (n_pairs, 2, *sample_shape) -------------------------
    Case(
        PAIRS_3D,
        "NaN in X",
        lambda: _pair_classifier().fit(_with(_pairs3(), np.nan), _same()),
        ValueError,
        _NAN_X,
    ),
    Case(
        PAIRS_3D,
        "three samples per pair",
        lambda: _pair_classifier().fit(np.zeros((12, 3, 4)), _same()),
        ValueError,
        _exact(
            "Pairs of shape (n_pairs, 2, *sample_shape) were expected; got X of "
            "shape (12, 3, 4), whose second axis is not 2."
        ),
    ),
    Case(
        PAIRS_3D,
        "X and y of different lengths",
        lambda: _pair_classifier().fit(_pairs3(), _same()[:11]),
        ValueError,
        _exact("X and y have inconsistent numbers of pairs: 12 and 11."),
    ),
    Case(
        PAIRS_3D,
        "None in y",
        lambda: _pair_classifier().fit(_pairs3(), _labels_with(_same(), None)),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        PAIRS_3D,
        "n_features_a with 3-D pairs",
        lambda: _pair_classifier(n_features_a=2, shared=False).fit(_pairs3(), _same()),
        ValueError,
        _exact(
            "n_features_a applies to 2-D [x1 | x2] input only; X has shape (12, 2, 4)."
        ),
    ),
    Case(
        PAIRS_3D,
        "zero batch size",
        lambda: _pair_classifier(batch_size=0).fit(_pairs3(), _same()),
        ValueError,
        _param("batch_size", "PairClassifier", "an int in the range [2, inf)", "0"),
    ),
    Case(
        PAIRS_3D,
        "partial_fit on one pair, two branches with batch normalisation",
        lambda: (
            _pair_classifier(
                shared=False, module__batch_norm=True, module_b__batch_norm=True
            )
            .fit(_pairs3(), _same())
            .partial_fit(_pairs3()[:1], _same()[:1])
        ),
        ValueError,
        _exact(
            "A training batch gave a branch a single sample, which its batch "
            "normalisation cannot train on: pass at least 2 pairs (or samples) "
            "per fit or partial_fit call."
        ),
    ),
    Case(
        PAIRS_3D,
        "predict_proba before fit",
        lambda: _pair_classifier().predict_proba(_pairs3()),
        NotFittedError,
        _exact(_NOT_FITTED.format("PairClassifier")),
    ),
    Case(
        PAIRS_3D,
        "predict: NaN in X",
        lambda: _fitted_pairs3().predict(_with(_pairs3(), np.nan)),
        ValueError,
        _NAN_X,
    ),
    Case(
        PAIRS_2D,
        "decision_function: infinity in X",
        lambda: _fitted_pairs2().decision_function(_with(_pairs2(), np.inf)),
        ValueError,
        _INF_X,
    ),
    Case(
        PAIRS_3D,
        "predict_proba: infinity in X",
        lambda: _fitted_pairs3().predict_proba(_with(_pairs3(), -np.inf)),
        ValueError,
        _INF_X,
    ),
    Case(
        PAIRS_3D,
        "predict: wrong sample shape",
        lambda: _fitted_pairs3().predict(np.zeros((2, 2, 3))),
        ValueError,
        _exact(
            "X holds pairs of samples of shape (3,), but PairClassifier was "
            "fitted on samples of shape (4,)."
        ),
    ),
    Case(
        PAIRS_3D,
        "predict: [x1 | x2] rows after fitting on 3-D pairs",
        lambda: _fitted_pairs3().predict(_pairs2()),
        ValueError,
        _exact(
            "X has shape (12, 8), but PairClassifier was fitted on pairs of "
            "shape (n_pairs, 2, 4); pass pairs in that layout, e.g. "
            "X.reshape(len(X), 2, 4)."
        ),
    ),
    Case(
        PAIRS_3D,
        "predict: three samples per pair",
        lambda: _fitted_pairs3().predict(np.zeros((2, 3, 4))),
        ValueError,
        _exact(
            "Pairs of shape (n_pairs, 2, *sample_shape) were expected; got X of "
            "shape (2, 3, 4), whose second axis is not 2."
        ),
    ),
    Case(
        PAIRS_3D,
        "predict: values that overflow float32",
        lambda: _fitted_pairs3().predict(_pairs3().astype(np.float64) * 1e300),
        ValueError,
        _exact(
            "PairClassifier gives NaN or infinite outputs for 12 of the 12 pairs "
            "of X: the network overflows on them."
        ),
    ),
    Case(
        PAIRS_3D,
        "embed: wrong sample shape",
        lambda: _fitted_pairs3().embed(np.zeros((2, 3))),
        ValueError,
        _exact(
            "X has samples of shape (3,), but side 'a' of the PairClassifier was "
            "fitted on samples of shape (4,)."
        ),
    ),
    Case(
        PAIRS_3D,
        "threshold outside (0, 1)",
        lambda: _fitted_pairs3().set_threshold(1.5),
        ValueError,
        _exact("threshold must be in [0, 1]; got 1.5."),
    ),
    # -- PairSampler -------------------------------------------------------------
    Case(
        "PairSampler",
        "NaN in X",
        lambda: PairSampler().fit_resample(_with(_X(), np.nan), _y()),
        ValueError,
        _NAN_X,
    ),
    Case(
        "PairSampler",
        "empty X",
        lambda: PairSampler().fit_resample(np.zeros((0, 4)), []),
        ValueError,
        _exact(
            "Found array with 0 sample(s) (shape=(0, 4)) while a minimum of 2 "
            "is required by PairSampler."
        ),
    ),
    Case(
        "PairSampler",
        "text in X",
        lambda: PairSampler().fit_resample(_STRINGS, _y()),
        ValueError,
        _exact(_NOT_NUMERIC.format("PairSampler", "strings or bytes")),
    ),
    Case(
        "PairSampler",
        "None in y",
        lambda: PairSampler().fit_resample(_X(), _labels_with(_y(), None)),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        "PairSampler",
        "X and y of different lengths",
        lambda: PairSampler().fit_resample(_X(), _y()[:11]),
        ValueError,
        _exact(_INCONSISTENT),
    ),
    Case(
        "PairSampler",
        "one class only",
        lambda: PairSampler().fit_resample(_X(), np.zeros(12)),
        ValueError,
        _exact(_SINGLE_CLASS_PAIRS),
    ),
    Case(
        "PairSampler",
        "only single-sample classes",
        lambda: PairSampler().fit_resample(_X(), np.arange(12)),
        ValueError,
        _exact(_SINGLETON_PAIRS.format(12)),
    ),
    Case(
        "PairSampler",
        "n_pairs of 0",
        lambda: PairSampler(n_pairs=0).fit_resample(_X(), _y()),
        ValueError,
        _param(
            "n_pairs",
            "PairSampler",
            "an int in the range [1, inf) or a str among {'auto'}",
            "0",
        ),
    ),
    Case(
        "PairSampler",
        "pos_fraction above 1",
        lambda: PairSampler(pos_fraction=1.5).fit_resample(_X(), _y()),
        ValueError,
        _param("pos_fraction", "PairSampler", "a float in the range [0.0, 1.0]", "1.5"),
    ),
    Case(
        "PairSampler",
        "pos_fraction with strategy='adjacent'",
        lambda: PairSampler(strategy="adjacent", pos_fraction=0.3).fit_resample(
            _X(), _y()
        ),
        ValueError,
        _exact(
            "pos_fraction=0.3 has no effect with strategy='adjacent', which "
            "builds one same-class and one different-class pair per sample "
            "position; use strategy='random' or leave pos_fraction=0.5."
        ),
    ),
    Case(
        "PairSampler",
        "layout='2d' with images",
        lambda: PairSampler(layout="2d").fit_resample(_images(), _y()),
        ValueError,
        _exact(
            "PairSampler(layout='2d') needs 2-D X of shape (n_samples, "
            "n_features); got X with shape (12, 8, 8). Use layout='3d' for "
            "images, or reshape X to 2-D first."
        ),
    ),
    Case(
        "PairSampler",
        "sparse X with layout='3d'",
        lambda: PairSampler().fit_resample(sp.csr_matrix(_X()), _y()),
        TypeError,
        _exact(
            "PairSampler(layout='3d') cannot stack sparse rows into a 3-D array; "
            "pass layout='2d' for sparse X (the concatenated rows stay sparse) "
            "or densify X with X.toarray()."
        ),
    ),
    # -- TripletSampler ----------------------------------------------------------
    Case(
        "TripletSampler",
        "infinity in X",
        lambda: TripletSampler().fit_resample(_with(_X(), -np.inf), _y()),
        ValueError,
        _INF_X,
    ),
    Case(
        "TripletSampler",
        "1-D X",
        lambda: TripletSampler().fit_resample(np.arange(6.0), [0, 0, 0, 1, 1, 1]),
        ValueError,
        _ONE_D,
    ),
    Case(
        "TripletSampler",
        "NaN in y",
        lambda: TripletSampler().fit_resample(_X(), _labels_with(_y(), np.nan)),
        ValueError,
        _exact("Input y contains NaN."),
    ),
    Case(
        "TripletSampler",
        "one class only",
        lambda: TripletSampler().fit_resample(_X(), np.zeros(12)),
        ValueError,
        _exact(_SINGLE_CLASS_TRIPLETS),
    ),
    Case(
        "TripletSampler",
        "only single-sample classes",
        lambda: TripletSampler().fit_resample(_X(), np.arange(12)),
        ValueError,
        _exact(_SINGLETON_TRIPLETS),
    ),
    Case(
        "TripletSampler",
        "negative n_triplets",
        lambda: TripletSampler(n_triplets=-1).fit_resample(_X(), _y()),
        ValueError,
        _param(
            "n_triplets",
            "TripletSampler",
            "an int in the range [1, inf) or a str among {'auto'}",
            "-1",
        ),
    ),
    Case(
        "TripletSampler",
        "unknown layout",
        lambda: TripletSampler(layout="flat").fit_resample(_X(), _y()),
        ValueError,
        _exact("The 'layout' parameter of TripletSampler must be a str among {")
        + ".*"
        + _exact("Got 'flat' instead."),
    ),
    # -- make_pair_indices / make_triplet_indices ---------------------------------
    Case(
        "make_pair_indices",
        "empty y",
        lambda: make_pair_indices([], 4),
        ValueError,
        _exact(
            "y is empty; pairs and triplets are drawn from labelled samples, so "
            "pass at least 2 labels."
        ),
    ),
    Case(
        "make_pair_indices",
        "NaN in y",
        lambda: make_pair_indices([0, 0, 1, np.nan, 1], 4),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        "make_pair_indices",
        "one class only",
        lambda: make_pair_indices([0, 0, 0], 4),
        ValueError,
        _exact(_SINGLE_CLASS_PAIRS),
    ),
    Case(
        "make_pair_indices",
        "only single-sample classes",
        lambda: make_pair_indices([0, 1, 2], 4),
        ValueError,
        _exact(_SINGLETON_PAIRS.format(2)),
    ),
    Case(
        "make_pair_indices",
        "n_pairs of 0",
        lambda: make_pair_indices([0, 0, 1, 1], 0),
        ValueError,
        _param("n_pairs", "make_pair_indices", "an int in the range [1, inf)", "0"),
    ),
    Case(
        "make_pair_indices",
        "labels of mixed types",
        lambda: make_pair_indices(np.array([0, "a", 0, "a"], dtype=object), 4),
        TypeError,
        _exact(
            "y mixes label types that cannot be compared with each other (for "
            "example str and int); convert the labels to one type first, e.g. "
            "np.asarray(y, dtype=str)."
        ),
    ),
    Case(
        "make_triplet_indices",
        "one class only",
        lambda: make_triplet_indices([0, 0, 0], 4),
        ValueError,
        _exact(_SINGLE_CLASS_TRIPLETS),
    ),
    Case(
        "make_triplet_indices",
        "only single-sample classes",
        lambda: make_triplet_indices([0, 1, 2], 4),
        ValueError,
        _exact(_SINGLETON_TRIPLETS),
    ),
    Case(
        "make_triplet_indices",
        "n_triplets of True",
        lambda: make_triplet_indices([0, 0, 1, 1], True),
        ValueError,
        _param(
            "n_triplets", "make_triplet_indices", "an int in the range [1, inf)", "True"
        ),
    ),
    # -- load_image_folder -------------------------------------------------------
    Case(
        "load_image_folder",
        "missing folder",
        lambda: _load_folder(make=False),
        FileNotFoundError,
        _tmp_pattern("No such folder: '<tmp>/images'."),
    ),
    Case(
        "load_image_folder",
        "corrupt image file",
        lambda: _load_folder_with("bad.png", b"not an image"),
        ValueError,
        _tmp_pattern(
            "Cannot read the image file '<tmp>/images/class_1/bad.png': cannot "
            "identify image file '<tmp>/images/class_1/bad.png'. Replace it with "
            "a readable image, or remove it."
        ),
    ),
    Case(
        "load_image_folder",
        "truncated image file",
        lambda: _load_folder_with("cut.png", _png_bytes()[:60]),
        ValueError,
        _tmp_pattern(
            "Cannot read the image file '<tmp>/images/class_1/cut.png': image "
            "file is truncated. Replace it with a readable image, or remove it."
        ),
    ),
    Case(
        "load_image_folder",
        "images beside the class folders",
        lambda: _load_folder(stray_image=True),
        ValueError,
        _tmp_pattern(
            "Folder '<tmp>/images' holds 1 image file(s) and also subfolders "
            "['class_0', 'class_1']; each class must be a leaf folder"
        ),
    ),
    Case(
        "load_image_folder",
        "image_size of 0",
        lambda: _load_folder(image_size=0),
        ValueError,
        _exact(
            "image_size must be a positive int or a (height, width) tuple of "
            "positive ints; got 0."
        ),
    ),
    Case(
        "load_image_folder",
        "image over Pillow's pixel limit",
        _image_over_pixel_limit,
        ValueError,
        _tmp_pattern(
            "Cannot read the image file '<tmp>/images/class_0/0.png': Image size "
            "(64 pixels) exceeds limit of 20 pixels, could be decompression bomb "
            "DOS attack. Replace it with a readable image, or remove it."
        ),
    ),
    # -- make_glyphs / make_two_views --------------------------------------------
    Case(
        "make_glyphs",
        "n_per_class of 0",
        lambda: make_glyphs(n_per_class=0),
        ValueError,
        _param("n_per_class", "make_glyphs", "an int in the range [1, inf)", "0"),
    ),
    Case(
        "make_glyphs",
        "n_classes of 0",
        lambda: make_glyphs(n_classes=0),
        ValueError,
        _param("n_classes", "make_glyphs", "an int in the range [1, inf)", "0"),
    ),
    Case(
        "make_glyphs",
        "n_strokes of (0, 0)",
        lambda: make_glyphs(n_strokes=(0, 0)),
        ValueError,
        _exact(
            "n_strokes must be a (min, max) tuple of ints with 1 <= min <= max, "
            "e.g. (1, 3), or (2, 2) for exactly two strokes; got (0, 0)."
        ),
    ),
    Case(
        "make_glyphs",
        "n_strokes of 2",
        lambda: make_glyphs(n_strokes=2),
        ValueError,
        _exact(
            "n_strokes must be a (min, max) tuple of ints with 1 <= min <= max, "
            "e.g. (1, 3), or (2, 2) for exactly two strokes; got 2."
        ),
    ),
    Case(
        "make_glyphs",
        "n_strokes of floats",
        lambda: make_glyphs(n_strokes=np.array([1.0, 3.0])),
        ValueError,
        _exact(
            "n_strokes must be a (min, max) tuple of ints with 1 <= min <= max, "
            "e.g. (1, 3), or (2, 2) for exactly two strokes; got array([1., 3.])."
        ),
    ),
    Case(
        "make_glyphs",
        "n_strokes as bytes",
        lambda: make_glyphs(n_strokes=b"\x01\x03"),
        ValueError,
        _exact(
            "n_strokes must be a (min, max) tuple of ints with 1 <= min <= max, "
            "e.g. (1, 3), or (2, 2) for exactly two strokes; got b'\\x01\\x03'."
        ),
    ),
    Case(
        "make_glyphs",
        "non-square image_size (16, 12)",
        lambda: make_glyphs(image_size=(16, 12)),
        ValueError,
        _param("image_size", "make_glyphs", "an int in the range [1, inf)", "(16, 12)"),
    ),
    Case(
        "make_glyphs",
        "image_size of 0",
        lambda: make_glyphs(image_size=0),
        ValueError,
        _param("image_size", "make_glyphs", "an int in the range [1, inf)", "0"),
    ),
    Case(
        "make_two_views",
        "negative noise",
        lambda: make_two_views(noise=-1),
        ValueError,
        _param("noise", "make_two_views", "a float in the range [0.0, inf)", "-1"),
    ),
    Case(
        "make_two_views",
        "n_features_a of 0",
        lambda: make_two_views(n_features_a=0),
        ValueError,
        _param("n_features_a", "make_two_views", "an int in the range [1, inf)", "0"),
    ),
    # -- sklearn_siamese.load ----------------------------------------------------
    Case(
        "load",
        "missing model file",
        lambda: _load_file(),
        FileNotFoundError,
        _tmp_pattern("No such model file: '<tmp>/model.pt'."),
    ),
    Case(
        "load",
        "a folder instead of a model file",
        lambda: _load_file(folder=True),
        IsADirectoryError,
        _tmp_pattern(
            "'<tmp>/model.pt' is a folder; pass the model file written by "
            "estimator.save."
        ),
    ),
    Case(
        "load",
        "a pickled estimator",
        lambda: _load_file(SiameseEncoder()),
        ValueError,
        _tmp_pattern(_MODEL_FILE.format("UnpicklingError")),
    ),
    Case(
        "load",
        "random bytes",
        lambda: _load_file(np.random.RandomState(0).bytes(256)),
        ValueError,
        _tmp_pattern(_MODEL_FILE.format("UnpicklingError")),
    ),
    Case(
        "load",
        "a torch file of something else",
        lambda: _load_file(_torch_file()),
        ValueError,
        _tmp_pattern(
            "'<tmp>/model.pt' is not a sklearn_siamese model file: it holds no "
            "'sklearn_siamese' format marker."
        ),
    ),
    # -- metrics and scorers -----------------------------------------------------
    Case(
        "one_shot_accuracy",
        "n_way larger than the classes",
        lambda: one_shot_accuracy(_X(), _y(), n_way=4),
        ValueError,
        _exact(
            "n_way=4 needs 4 classes with at least k_shot + 1 = 2 samples each; "
            "y has 3 class(es), 3 of them with 2 or more samples."
        ),
    ),
    Case(
        "one_shot_accuracy",
        "NaN in the embeddings",
        lambda: one_shot_accuracy(_with(_X(), np.nan), _y(), n_way=2),
        ValueError,
        _NAN_X,
    ),
    Case(
        "one_shot_accuracy",
        "a missing label",
        lambda: one_shot_accuracy(_X(), _labels_with(_y(), np.nan), n_way=2),
        ValueError,
        _exact(_MISSING),
    ),
    Case(
        "one_shot_accuracy",
        "labels of two types",
        lambda: one_shot_accuracy(_X(), np.array([0, "a"] * 6, dtype=object), n_way=2),
        ValueError,
        _exact(
            "y mixes labels of types ['int', 'str'], which cannot be ordered; "
            "give every label one type (e.g. all str)."
        ),
    ),
    Case(
        "one_shot_accuracy",
        "metric='precomputed' with embeddings",
        lambda: one_shot_accuracy(_X(), _y(), metric="precomputed", n_way=2),
        ValueError,
        _exact(
            "metric='precomputed' needs X of shape (n_samples, n_samples), the "
            "distance of every query (row) to every support (column); got X of "
            "shape (12, 4)."
        ),
    ),
    Case(
        "one_shot_accuracy",
        "NaN distances",
        lambda: one_shot_accuracy(
            _with(np.zeros((12, 12)), np.nan), _y(), metric="precomputed", n_way=2
        ),
        ValueError,
        _exact("X holds NaN distances, which cannot be ranked."),
    ),
    Case(
        "make_one_shot_scorer",
        "an estimator that neither embeds nor scores pairs",
        lambda: make_one_shot_scorer(n_way=2)(
            DummyRegressor().fit(_X(), _y()), _X(), _y()
        ),
        TypeError,
        _exact(
            "make_one_shot_scorer scores encoders (with transform) and pair "
            "classifiers (with decision_function or predict_proba); "
            "DummyRegressor has none of these methods."
        ),
    ),
    Case(
        "make_one_shot_scorer",
        "an unfitted encoder",
        lambda: make_one_shot_scorer(n_way=2)(_encoder(), _X(), _y()),
        NotFittedError,
        _exact(_NOT_FITTED.format("SiameseEncoder")),
    ),
    Case(
        "make_one_shot_scorer",
        "X and y of different lengths",
        lambda: make_one_shot_scorer(n_way=2)(_fitted_encoder(), _X(), _y()[:-1]),
        ValueError,
        _exact("X and y have inconsistent numbers of samples: 12 and 11."),
    ),
    Case(
        "precision_at_1",
        "metric='precomputed'",
        lambda: precision_at_1(np.zeros((12, 12)), _y(), metric="precomputed"),
        ValueError,
        _exact(
            "metric='precomputed' is not supported: pass the embeddings "
            "themselves, with the metric that compares them."
        ),
    ),
    Case(
        "mean_average_precision_at_r",
        "every class of one sample",
        lambda: mean_average_precision_at_r(_X(), np.arange(12)),
        ValueError,
        _exact(
            "mean_average_precision_at_r needs a class with at least 2 samples "
            "in y; every class has a single sample."
        ),
    ),
    Case(
        "make_retrieval_scorer",
        "a pair classifier",
        lambda: make_retrieval_scorer()(_fitted_pairs2(), _X(), _y()),
        TypeError,
        _exact(
            "make_retrieval_scorer scores encoders, estimators with a transform "
            "method (such as SiameseEncoder); PairClassifier has none. Score a "
            "pair classifier with make_one_shot_scorer or make_pair_roc_auc_scorer."
        ),
    ),
    Case(
        "make_pair_roc_auc_scorer",
        "three labels",
        lambda: make_pair_roc_auc_scorer()(_fitted_pairs3(), _pairs3(), _y()),
        ValueError,
        _exact(
            "y_pairs must hold two labels, one for 'same' and one for "
            "'different' pairs; got 3: [0, 1, 2]."
        ),
    ),
    Case(
        "make_pair_roc_auc_scorer",
        "pos_label not among the labels",
        lambda: make_pair_roc_auc_scorer(pos_label="yes")(
            _fitted_pairs3(), _pairs3(), _same()
        ),
        ValueError,
        _exact("pos_label='yes' is not one of the labels in y_pairs: [0, 1]."),
    ),
    Case(
        "make_pair_roc_auc_scorer",
        "an encoder given samples, not pairs",
        lambda: make_pair_roc_auc_scorer()(_fitted_encoder(), _X(), _same()),
        ValueError,
        _exact(
            "X_pairs must hold pairs of shape (n_pairs, 2, *sample_shape), or "
            "[x1 | x2] rows of twice the encoder's n_features_in_ (4); got "
            "X_pairs of shape (12, 4)."
        ),
    ),
    # -- command line ------------------------------------------------------------
    Case(
        "sklearn-siamese compare",
        "missing image file",
        lambda: _compare(None),
        CommandError,
        _tmp_pattern("sklearn-siamese compare: error: image not found: <tmp>/b.png"),
    ),
    Case(
        "sklearn-siamese compare",
        "corrupt image file",
        lambda: _compare(b"not an image"),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese compare: error: cannot read image <tmp>/b.png: "
            "cannot identify image file '<tmp>/b.png'"
        ),
    ),
    Case(
        "sklearn-siamese compare",
        "truncated image file",
        lambda: _compare(_png_bytes()[:60]),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese compare: error: cannot read image <tmp>/b.png: "
            "image file is truncated"
        ),
    ),
    Case(
        "sklearn-siamese compare",
        "missing model file",
        lambda: _compare(_png_bytes(), model=False),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese compare: error: model file not found: <tmp>/model.pt"
        ),
    ),
    Case(
        "sklearn-siamese compare",
        "a folder instead of a model file",
        lambda: _command("compare", "<tmp>/images", "<tmp>/a.png", "<tmp>/b.png"),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese compare: error: <tmp>/images is a folder, not a "
            "model file; pass the file written by 'sklearn-siamese fit --output'"
        ),
    ),
    Case(
        "sklearn-siamese fit",
        "--output in a folder that does not exist",
        lambda: _command("fit", "<tmp>/images", "--output", "<tmp>/nodir/m.pt"),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese fit: error: cannot write <tmp>/nodir/m.pt: folder "
            "<tmp>/nodir does not exist; create it first"
        ),
    ),
    Case(
        "sklearn-siamese fit",
        "--output is a folder",
        lambda: _command("fit", "<tmp>/images", "--output", "<tmp>/images"),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese fit: error: --output <tmp>/images is a folder; give "
            "a file name, e.g. <tmp>/images/model.pt"
        ),
    ),
    Case(
        "sklearn-siamese fit",
        "empty --output",
        lambda: _command("fit", "<tmp>/images", "--output", ""),
        CommandError,
        _exact(
            "sklearn-siamese fit: error: --output is empty; give a file name, "
            "e.g. model.pt"
        ),
    ),
    Case(
        "sklearn-siamese fit",
        "--output ending in a separator",
        lambda: _command("fit", "<tmp>/images", "--output", "<tmp>/models/"),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese fit: error: --output <tmp>/models/ names a folder; "
            "give a file name, e.g. <tmp>/models/model.pt"
        ),
    ),
    Case(
        "sklearn-siamese fit",
        "--max-epochs 0",
        lambda: _command(
            "fit", "<tmp>/images", "--output", "<tmp>/m.pt", "--max-epochs", "0"
        ),
        CommandError,
        _exact("sklearn-siamese fit: error: --max-epochs must be at least 1; got 0"),
    ),
    Case(
        "sklearn-siamese fit",
        "--embedding-dim 1 (the embeddings are unit vectors)",
        lambda: _command(
            "fit", "<tmp>/images", "--output", "<tmp>/m.pt", "--embedding-dim", "1"
        ),
        CommandError,
        _exact("sklearn-siamese fit: error: --embedding-dim must be at least 2; got 1"),
    ),
    Case(
        "sklearn-siamese embed",
        "--output in a folder that does not exist",
        lambda: _command(
            "embed", "<tmp>/model.pt", "<tmp>/images", "--output", "<tmp>/no/e.csv"
        ),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese embed: error: cannot write <tmp>/no/e.csv: folder "
            "<tmp>/no does not exist; create it first"
        ),
    ),
    Case(
        "sklearn-siamese evaluate",
        "--n-way 1",
        lambda: _command("evaluate", "<tmp>/model.pt", "<tmp>/images", "--n-way", "1"),
        CommandError,
        _exact("sklearn-siamese evaluate: error: --n-way must be at least 2; got 1"),
    ),
    Case(
        "sklearn-siamese demo",
        "--output-dir is a file",
        lambda: _command("demo", "--output-dir", "<tmp>/plots", files=["plots"]),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese demo: error: --output-dir <tmp>/plots is a file, not "
            "a folder; give another --output-dir"
        ),
    ),
    Case(
        "sklearn-siamese demo",
        "--output-dir in a file",
        lambda: _command("demo", "--output-dir", "<tmp>/plots/new", files=["plots"]),
        CommandError,
        _tmp_pattern(
            "sklearn-siamese demo: error: cannot write in <tmp>/plots/new: "
            "<tmp>/plots is a file, not a folder"
        ),
    ),
    Case(
        "sklearn-siamese demo",
        "--max-epochs 0",
        lambda: _command("demo", "--max-epochs", "0"),
        CommandError,
        _exact("sklearn-siamese demo: error: --max-epochs must be at least 1; got 0"),
    ),
]
