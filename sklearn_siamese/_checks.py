"""Checks of user input and of trained networks, with errors that say what to do.

Each check raises a ``ValueError`` that names the input (or parameter) at
fault and how to fix it, where NumPy or torch would otherwise fail deep
inside with a message about their own internals, or return NaN silently.
"""

import math
import re
import warnings

import numpy as np
import torch
from sklearn import get_config
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d, validate_data

# What NumPy and scikit-learn say when X holds text or other objects.
_NOT_NUMERIC = re.compile(
    r"could not convert|argument must be a string or a( real)? number"
    r"|not compatible with arrays of bytes/strings"
)


def input_shape(X):
    """The shape of ``X``, also of nested lists; ``()`` when it has none
    (ragged lists, scalars), for checks that run before validation."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.asarray(X).shape
        except (TypeError, ValueError):
            shape = ()
    return tuple(shape)


def validate_numeric_data(estimator, X, *args, **kwargs):
    """``validate_data``, with a clear error for ``X`` that is not numeric
    (and for missing labels in an object ``y``, such as pandas' NA, which
    scikit-learn's own check cannot test)."""
    y = args[0] if args else kwargs.get("y")
    if y is not None and not isinstance(y, str):
        labels = np.asarray(y)
        if labels.dtype == object and labels.ndim == 1:
            check_missing_labels(labels)
    try:
        out = validate_data(estimator, X, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        match = _NOT_NUMERIC.search(str(exc))
        if not match:
            raise
        if match.group().startswith("not compatible"):
            reason = "strings or bytes"
        else:
            reason = " ".join(str(exc).split()).rstrip(".")
        # The type stays: scikit-learn's checks expect a TypeError for objects.
        raise type(exc)(
            f"{type(estimator).__name__} needs numeric X, but X holds values "
            f"that are not numbers ({reason}). Encode text and categories as "
            "numbers first, e.g. with TfidfVectorizer or OneHotEncoder."
        ) from None
    # scikit-learn counts features of 2-D input only; (n, 8, 0) images have
    # none either
    data = out[0] if isinstance(out, tuple) else out
    if getattr(data, "ndim", 2) > 2 and 0 in data.shape[1:]:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={data.shape}) while a "
            f"minimum of 1 is required by {type(estimator).__name__}."
        )
    return out


def _is_missing(value):
    """None, NaN-like (``x != x``) or pandas' NA (whose truth is ambiguous)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA != pd.NA is NA
        return True


def check_missing_labels(y):
    """Reject missing class labels (NaN, NaT or None) in 1-D ``y``, naming
    the first."""
    if y.dtype.kind in "fc":
        missing = np.isnan(y)
    elif y.dtype.kind in "mM":
        missing = np.isnat(y)
    elif y.dtype == object:
        missing = np.frompyfunc(_is_missing, 1, 1)(y).astype(bool)
    else:
        return
    if missing.any():
        raise ValueError(
            f"y contains {int(missing.sum())} missing label(s) (NaN, NaT or None), "
            f"first at position {int(np.argmax(missing))}; drop those samples "
            "or give them a class label."
        )


def sum_is_finite(X):
    """Whether a float NumPy array's sum is finite, computed by torch.

    A finite sum proves every value finite, and torch sums with all its
    threads, in a third of the time NumPy takes. A NaN, an infinity, or a
    sum that overflows gives False: the caller then checks the values
    themselves. Arrays torch cannot view (negative strides) give False too.
    """
    if not (
        isinstance(X, np.ndarray)
        and X.dtype in (np.float32, np.float64)
        and X.size
        and all(stride >= 0 for stride in X.strides)
    ):
        return False
    with warnings.catch_warnings():
        # Read-only input (a memmap, say) is never written to.
        warnings.filterwarnings("ignore", message="The given NumPy array is not")
        return bool(torch.isfinite(torch.from_numpy(X).sum()))


def check_finite_output(output, estimator, *, fitting, rows="samples"):
    """Reject NaN or infinite network outputs, one row per sample (or pair).

    While fitting, they mean that training diverged, even where the loss of
    the last step was still finite; afterwards, that the network overflows
    on the given X.
    """
    if isinstance(output, torch.Tensor):
        output = output.detach().float().cpu().numpy()
    output = np.asarray(output)
    if sum_is_finite(output):
        return
    finite = np.isfinite(output).reshape(len(output), -1).all(axis=1)
    if finite.all():
        return
    name = type(estimator).__name__
    if fitting:
        raise ValueError(
            f"Training diverged: the network of {name} gives NaN or infinite "
            f"outputs after training; lower the learning rate "
            f"(lr={estimator.lr}) or check X for extreme values."
        )
    raise ValueError(
        f"{name} gives NaN or infinite outputs for {int((~finite).sum())} of "
        f"the {len(finite)} {rows} of X: the network overflows on them. Check "
        "X for extreme values (scale it as the training data was scaled), or "
        f"refit with a lower learning rate (lr={estimator.lr})."
    )


def assert_finite(X, estimator):
    """Reject NaN and infinity in ``X`` as ``validate_data`` does.

    For ``validate_data(..., ensure_all_finite=False)`` output. The first
    pass of scikit-learn's check, a sum (finite only when every value is),
    runs multi-threaded in torch, in a third of the time NumPy's takes;
    scikit-learn's own check, with its usual error, runs only when that sum
    is not finite.
    """
    if get_config()["assume_finite"] or sum_is_finite(X):
        return
    assert_all_finite(X, estimator_name=type(estimator).__name__, input_name="X")


# -- pairs -------------------------------------------------------------------


def check_pair_layout(estimator, X):
    """Refuse pairs ``X`` in another layout than those ``estimator`` was
    fitted on, with a message that says how to reshape them."""
    # Run before validate_data, whose "X has k features" would misreport
    # a change of layout (k is 2 for pairs stacked on the second axis).
    shape = input_shape(X)
    if len(shape) < 2:
        return
    if len(shape) > 2 and shape[1] != 2:
        raise ValueError(
            "Pairs of shape (n_pairs, 2, *sample_shape) were expected; "
            f"got X of shape {shape}, whose second axis is not 2."
        )
    a, b = estimator.input_shape_, estimator.input_shape_b_
    # The layouts of fit: [x1 | x2] rows, or pairs stacked on axis 1
    # (both fit samples of one feature).
    rows = len(a) == len(b) == 1 and a[0] + b[0] == estimator.n_features_in_
    stacked = estimator.n_features_in_ == 2 and a == b
    if not stacked and len(shape) > 2:
        raise ValueError(
            f"X has shape {shape}, but {type(estimator).__name__} was fitted on "
            f"2-D [x1 | x2] rows of {estimator.n_features_in_} features; pass "
            "pairs in that layout, e.g. X.reshape(len(X), -1)."
        )
    if not rows and len(shape) == 2:
        sample = ", ".join(str(n) for n in a)
        hint = (
            f", e.g. X.reshape(len(X), 2, {sample})"
            if shape[1] == 2 * math.prod(a)
            else ""
        )
        raise ValueError(
            f"X has shape {shape}, but {type(estimator).__name__} was fitted on "
            f"pairs of shape (n_pairs, 2, {sample}); pass pairs in that "
            f"layout{hint}."
        )
    if len(shape) > 2 and shape[2:] != a:
        raise ValueError(
            f"X holds pairs of samples of shape {shape[2:]}, but "
            f"{type(estimator).__name__} was fitted on samples of shape {a}."
        )


def split_pairs(X, n_features_a, shared):
    """The two sides of validated pairs ``X``: 2-D ``[x1 | x2]`` rows split
    after ``n_features_a`` columns (half of them by default), or the two
    samples of ``(n_pairs, 2, *sample_shape)`` pairs."""
    if X.ndim == 2:
        width = X.shape[1]
        k = n_features_a
        if k is None:
            if width % 2:
                raise ValueError(
                    "PairClassifier reads 2-D X as [x1 | x2] rows, so the pair "
                    f"width must be even; got {width} feature(s). Pass pairs "
                    "as an array of shape (n_pairs, 2, n_features), or set "
                    "n_features_a with shared=False for sides of different "
                    "widths."
                )
            k = width // 2
        elif k >= width:
            raise ValueError(
                f"X has {width} feature(s), so n_features_a ({k}) leaves "
                "none for side B; n_features_a must be smaller than the "
                "pair width."
            )
        elif shared and 2 * k != width:
            raise ValueError(
                f"n_features_a={k} splits {width} columns into sides of "
                f"{k} and {width - k}; a shared branch needs sides of equal "
                "width. Set shared=False for sides of different widths."
            )
        A, B = X[:, :k], X[:, k:]
    else:
        if n_features_a is not None:
            raise ValueError(
                "n_features_a applies to 2-D [x1 | x2] input only; X has "
                f"shape {X.shape}."
            )
        if X.shape[1] != 2:
            raise ValueError(
                "Pairs of shape (n_pairs, 2, *sample_shape) were expected; "
                f"got X of shape {X.shape}, whose second axis is not 2."
            )
        A, B = X[:, 0], X[:, 1]
    return A, B


def encode_pair_labels(estimator, y, *, classes=None, reset=True):
    """1 for "same" pairs, 0 for "different" ones; ``reset`` (a first
    fit) sets the estimator's ``classes_`` (from ``classes``, else from
    ``y``), ``pos_label_`` and ``_pos_index``."""
    y = column_or_1d(y, warn=True)
    check_missing_labels(y)
    if y.dtype.kind in "fc":  # scikit-learn's error, before its cast warns
        assert_all_finite(y, input_name="y")
    check_classification_targets(y)
    if not reset:
        if classes is not None and not np.array_equal(
            np.unique(classes), estimator.classes_
        ):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} differs from the "
                f"classes_ of the first call to partial_fit, "
                f"{estimator.classes_.tolist()}; pass the same classes or none."
            )
        classes = estimator.classes_
    elif classes is None:
        classes = np.unique(y)
        if len(classes) == 1:
            raise ValueError(
                "PairClassifier needs 'same' and 'different' pairs to learn "
                f"from; y has 1 class ({classes.tolist()[0]!r})."
            )
        if len(classes) > 2:
            raise ValueError(
                "Only binary classification is supported. PairClassifier "
                "classifies pairs as same or different; y has "
                f"{len(classes)} classes: {classes.tolist()[:10]}. To learn "
                "from class labels of single samples, use PairSampler or "
                "SiameseEncoder."
            )
    else:
        classes = np.unique(classes)
        if len(classes) != 2:
            raise ValueError(
                "classes must hold the two pair labels, 'same' and "
                f"'different'; got {len(classes)}: {classes.tolist()[:10]}."
            )
    unknown = np.setdiff1d(np.unique(y), classes)
    if len(unknown):
        raise ValueError(
            f"y has labels {unknown.tolist()[:10]} that are not among the "
            f"classes {classes.tolist()}."
        )
    if reset:
        if estimator.pos_label is None:
            pos = 1
        elif estimator.pos_label in classes.tolist():
            pos = classes.tolist().index(estimator.pos_label)
        else:
            raise ValueError(
                f"pos_label={estimator.pos_label!r} is not one of the labels in "
                f"y: {classes.tolist()}."
            )
        estimator.classes_ = classes
        estimator.pos_label_ = classes[pos]
        estimator._pos_index = pos
    return (np.searchsorted(classes, y) == estimator._pos_index).astype(np.int64)
