"""Checks of user input and of trained networks, with errors that say what to do.

Each check raises a ``ValueError`` that names the input (or parameter) at
fault and how to fix it, where NumPy or torch would otherwise fail deep
inside with a message about their own internals, or return NaN silently.
"""

import re
import warnings

import numpy as np
import torch
from sklearn import get_config
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import validate_data

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
