"""A safe file format for fitted estimators: weights plus JSON, no code.

``save`` writes one file with ``torch.save``: the module's weights as plain
tensors, and the hyperparameters, fitted attributes and training history as
JSON strings. ``load`` reads it with ``torch.load(weights_only=True)``, which
refuses to build any object but tensors and plain containers, so loading a
file never executes code from it. Models with a branch network of the user's
own (a ``torch.nn.Module`` class or instance) or other non-JSON parameters
are saved with pickle / joblib instead, from trusted sources only.
"""

import inspect
import json
import numbers
import os
import warnings

import numpy as np
import torch
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from ._device import device_usable, resolve_device
from ._version import __version__
from .distances import DISTANCES
from .losses import ContrastiveLoss, PrototypicalLoss, TripletLoss
from .modules import MLP, ConvNet, KochNet

FORMAT = "sklearn_siamese"
# The one format of the 0.1 release. Versions 1-4 were development formats
# and are refused, not migrated (a number is never given to two formats).
FORMAT_VERSION = 5

# The estimator classes that files name, by class name; each registers
# itself (see ``_base._Base.__init_subclass__``), so that this module needs
# no import of them.
MODEL_CLASSES = {}

# Fitted attributes besides ``*_`` ones that the estimators need (and the
# set_output configuration, which scikit-learn keeps in an attribute).
_PRIVATE = (
    "_n_features_out",
    "_pos_index",
    "_score_threshold",
    "_sklearn_output_config",
)


def _builtin_branches():
    return {cls.__name__: cls for cls in (MLP, ConvNet, KochNet)}


def _builtin_losses():
    return {
        cls.__name__: cls for cls in (ContrastiveLoss, PrototypicalLoss, TripletLoss)
    }


def _encode_loss(loss):
    """``{"loss": name, "distance": name, "params": ...}`` for a built-in
    loss with a built-in distance, else None; a loss's settings are its
    constructor's arguments, kept as attributes of the same names."""

    cls = _builtin_losses().get(type(loss).__name__)
    distance = getattr(loss, "distance", None)
    if cls is not type(loss) or type(distance) not in DISTANCES.values():
        return None
    if vars(distance):
        return None
    params = {
        name: _encode(getattr(loss, name), name)
        for name in inspect.signature(cls).parameters
        if name != "distance"
    }
    return {"loss": cls.__name__, "distance": distance.metric, "params": params}


def _encode(value, name):
    """A JSON-able description of a parameter or fitted attribute."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, name) for v in value]}
    if isinstance(value, list):
        return [_encode(v, name) for v in value]
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return {"scalar": value.item(), "dtype": value.dtype.str}
    if isinstance(value, type) and value.__module__.startswith("torch.optim"):
        return {"optimizer": value.__name__}
    if isinstance(value, type) and _builtin_branches().get(value.__name__) is value:
        return {"branch": value.__name__}
    if isinstance(value, torch.nn.Module) and (loss := _encode_loss(value)):
        return loss
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v, name) for k, v in value.items()}}
    if isinstance(value, LogisticRegression):
        return {"sigmoid": [float(value.coef_[0, 0]), float(value.intercept_[0])]}
    if isinstance(value, IsotonicRegression):
        return {
            "isotonic": [value.X_thresholds_.tolist(), value.y_thresholds_.tolist()]
        }
    raise ValueError(
        f"{name}={value!r} cannot be stored in the safe format, which holds "
        "built-in branch networks and losses and plain parameters only; save "
        "this model with pickle or joblib instead (and load it from trusted "
        "sources only)."
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "tuple" in value:
        return tuple(_decode(v) for v in value["tuple"])
    if "ndarray" in value:
        return np.array(value["ndarray"], dtype=np.dtype(value["dtype"]))
    if "scalar" in value:
        return np.array(value["scalar"], dtype=np.dtype(value["dtype"]))[()]
    if "optimizer" in value:
        optimizer = getattr(torch.optim, value["optimizer"], None)
        if not (
            isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)
        ):
            raise ValueError(f"Unknown optimizer {value['optimizer']!r} in the file.")
        return optimizer
    if "branch" in value:
        branch = _builtin_branches().get(value["branch"])
        if branch is None:
            raise ValueError(f"Unknown branch network {value['branch']!r} in the file.")
        return branch
    if "loss" in value:
        loss = _builtin_losses().get(value["loss"])
        if loss is None or value.get("distance") not in DISTANCES:
            raise ValueError(f"Unknown loss {value['loss']!r} in the file.")
        params = {k: _decode(v) for k, v in value["params"].items()}
        return loss(distance=value["distance"], **params)
    if "dict" in value:
        return {k: _decode(v) for k, v in value["dict"].items()}
    if "sigmoid" in value:
        calibrator = LogisticRegression()
        calibrator.coef_ = np.array([[value["sigmoid"][0]]])
        calibrator.intercept_ = np.array([value["sigmoid"][1]])
        calibrator.classes_ = np.array([0, 1])
        return calibrator
    if "isotonic" in value:
        xs, ys = (np.asarray(v, dtype=np.float64) for v in value["isotonic"])
        return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
            xs, ys
        )
    raise ValueError(f"Unreadable value {value!r} in the file.")


def _metadata_json(metadata):
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(
            f"metadata must be a dict (or None); got {type(metadata).__name__}."
        )
    try:
        # numpy numbers and arrays as the Python numbers and lists they hold
        return json.dumps(metadata or {}, default=_plain)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "metadata must hold only what JSON stores (str, numbers, bools, "
            f"None, lists and dicts with str keys): {exc}."
        ) from None


def _plain(value):
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def save(estimator, path, metadata=None):
    """Write a fitted estimator to ``path`` in the safe format.

    ``metadata`` is a JSON-able dict stored beside the model (the command
    line keeps its verification threshold there).
    """
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.RandomState):
        params["random_state"] = None  # only matters for refitting
    params["accelerator"] = None  # a training setup, not part of the model
    if params.get("callbacks"):
        raise ValueError(
            "callbacks cannot be stored in the safe format; set callbacks=None "
            "before saving, or save with pickle or joblib."
        )
    if isinstance(params.get("device"), torch.device):
        params["device"] = str(params["device"])
    params = {name: _encode(value, name) for name, value in params.items()}
    fitted = {
        name: _encode(value, name)
        for name, value in vars(estimator).items()
        if (name.endswith("_") and name != "net_") or name in _PRIVATE
    }
    state = {
        k: v.detach().to("cpu").clone()
        for k, v in estimator.net_.module_.state_dict().items()
    }
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "class": type(estimator).__name__,
        "params": json.dumps(params),
        "fitted": json.dumps(fitted),
        "history": json.dumps(list(estimator.net_.history), default=float),
        "state_dict": state,
        "metadata": _metadata_json(metadata),
    }
    torch.save(payload, path)


def load(path, *, device=None, with_metadata=False):
    """Read an estimator written by ``save``; never executes code.

    Parameters
    ----------
    path : str or path-like
        The file written by ``estimator.save(path)``.
    device : str, default=None
        Where to put the model; ``None`` uses the device it was trained on,
        falling back to the CPU (with a warning) when that is CUDA and none
        is available.
    with_metadata : bool, default=False
        Also return the metadata dict stored with the model.

    Returns
    -------
    estimator : SiameseEncoder or PairClassifier
        The fitted estimator, with bit-identical weights.
    metadata : dict
        Only when ``with_metadata=True``.

    Raises
    ------
    ValueError
        When the file is not a model in this format (a pickle, random bytes,
        a newer format version) or is damaged.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import SiameseEncoder, load
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:200] / 16, y[:200]
    >>> encoder = SiameseEncoder(max_epochs=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "encoder.pt")
    >>> encoder.save(path, metadata={"trained_on": "digits"})
    SiameseEncoder(max_epochs=1, random_state=0)
    >>> loaded, metadata = load(path, with_metadata=True)
    >>> np.array_equal(loaded.transform(X), encoder.transform(X))
    True
    >>> metadata
    {'trained_on': 'digits'}
    """
    if isinstance(path, (str, os.PathLike)):
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such model file: {os.fspath(path)!r}.")
        if os.path.isdir(path):
            raise IsADirectoryError(
                f"{os.fspath(path)!r} is a folder; pass the model file written "
                "by estimator.save."
            )
    try:
        with warnings.catch_warnings():
            # torch notes pickle protocols it did not write itself; the
            # weights-only reader rejects whatever it cannot handle anyway.
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as exc:
        raise ValueError(
            f"{str(path)!r} is not a sklearn_siamese model file ({type(exc).__name__} "
            "while reading it as one). sklearn_siamese.load reads only files "
            "written by estimator.save and never runs code from a file; a "
            "pickled model loads with joblib.load, from trusted sources only."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(
            f"{str(path)!r} is not a sklearn_siamese model file: it holds no "
            f"{FORMAT!r} format marker."
        )
    version = payload.get("format_version", 0)
    if not isinstance(version, int):
        raise ValueError(
            f"{str(path)!r} is a damaged sklearn_siamese model file: its format "
            f"version is {version!r}."
        )
    if version < FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} uses format version {version}, written by a "
            f"development version of sklearn_siamese before {__version__}, which "
            "this one does not read; load it with that version and save it "
            "again, or refit the model."
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} uses format version {payload['format_version']}, newer "
            f"than this sklearn_siamese {__version__} reads ({FORMAT_VERSION}); "
            "upgrade sklearn_siamese."
        )
    classes = MODEL_CLASSES
    name = payload.get("class")
    if not isinstance(name, str) or name not in classes:
        raise ValueError(f"Unknown estimator class {name!r} in the file.")
    if device is not None:
        device = resolve_device(device)  # the caller's errors stay their own
    try:
        estimator, metadata = _rebuild(payload, classes[name], device)
    except (KeyError, TypeError, AttributeError, RuntimeError, ValueError) as exc:
        reason = (
            f"{type(exc).__name__} while rebuilding the model from it "
            f"({str(exc).splitlines()[0] if str(exc) else 'no message'})"
        )
        written_by = payload.get("package_version")
        if _newer(written_by, __version__):
            raise ValueError(
                f"{str(path)!r} was written by sklearn_siamese {written_by}, "
                f"newer than this one ({__version__}), and it holds a model "
                f"this version cannot rebuild: {reason}. Upgrade sklearn_siamese."
            ) from None
        raise ValueError(
            f"{str(path)!r} is a damaged sklearn_siamese model file: {reason}."
        ) from None
    return (estimator, metadata) if with_metadata else estimator


def _newer(version, than):
    """Whether the version string ``version`` is later than ``than``, by
    PEP 440 (``0.1.dev5`` is earlier than ``0.1.0``); local parts
    (``+g1234``) are ignored and strings that are no version are not newer."""
    if not isinstance(version, str):
        return False
    try:
        with warnings.catch_warnings():  # a non-PEP 440 string is a legacy one
            warnings.simplefilter("ignore", DeprecationWarning)
            return parse_version(version.split("+")[0]) > parse_version(
                than.split("+")[0]
            )
    except ValueError:  # or refused, with newer packaging
        return False


def _rebuild(payload, cls, device):
    """The estimator (and metadata) that ``payload`` describes."""
    params = {k: _decode(v) for k, v in json.loads(payload["params"]).items()}
    estimator = cls(**params)
    estimator._validate_params()
    for name, value in json.loads(payload["fitted"]).items():
        setattr(estimator, name, _decode(value))
    if device is None:
        device = _available(estimator.device_)
    estimator._rebuild_net(str(device))
    estimator.net_.module_.load_state_dict(payload["state_dict"])
    estimator.net_.history = History(json.loads(payload["history"]))
    return estimator, json.loads(payload.get("metadata", "{}"))


def _available(device):
    """``device``, or the nearest one this machine has (with a warning)."""
    device = torch.device(device)
    if device_usable(device):
        return str(device)
    if device.type == "cuda" and torch.cuda.is_available():
        fallback = "cuda"  # another GPU of this machine
    else:
        fallback = "cpu"
    warnings.warn(
        f"The model was trained on {str(device)!r}, which is not available; it "
        f"is loaded on {fallback!r}.",
        stacklevel=4,  # load's caller (load -> _rebuild -> _available)
    )
    return fallback
