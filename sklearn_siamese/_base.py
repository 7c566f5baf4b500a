"""What every estimator of the package shares.

Shared parameters and their constraints, ``module__*`` / ``optimizer__*``
routing for ``get_params`` / ``set_params``, branch construction, building
and running the one training loop (:class:`~sklearn_siamese._net.SiameseNet`)
and the one inference path of both estimators.
"""

import contextlib
import copy
import inspect
import signal
import threading
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.helper import predefined_split
from skorch.utils import to_device
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._accelerate import AcceleratedSiameseNet
from ._compat import Amount, Count, HasMethods, StrOptions
from ._data import StratifiedHoldout, TensorData, _Sequential
from ._device import resolve_device, torch_seed
from ._net import SiameseNet
from ._persistence import MODEL_CLASSES, save
from .modules import MLP, ConvNet, KochNet

BRANCHES = {"mlp": MLP, "conv": ConvNet, "koch": KochNet}

_INT32_MAX = np.iinfo(np.int32).max


def _module_constraint():
    return [StrOptions({"auto", *BRANCHES}), type, torch.nn.Module]


SHARED_CONSTRAINTS = {
    "module": _module_constraint(),
    "embedding_dim": [Count(1, None, closed="left")],
    "normalize": ["boolean"],
    "margin": [Amount(0, None, closed="neither")],
    "distance": [StrOptions({"euclidean", "cosine", "manhattan"})],
    "max_epochs": [
        Count(1, None, closed="left"),
        StrOptions({"auto"}),
    ],
    "batch_size": [Count(2, None, closed="left")],
    "lr": [Amount(0, None, closed="neither")],
    "optimizer": [type],
    "weight_decay": [Amount(0, None, closed="left")],
    "lr_schedule": [StrOptions({"cosine", "constant"})],
    "early_stopping": ["boolean"],
    "validation_fraction": [Amount(0, 1, closed="neither")],
    "n_iter_no_change": [Count(1, None, closed="left")],
    "device": [StrOptions({"auto"}), str, torch.device],
    "precision": [StrOptions({"32", "bf16"})],
    "accelerator": [HasMethods(["prepare", "backward"]), None],
    "callbacks": [list, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}

# Optimiser steps that max_epochs="auto" aims at, and its bounds in epochs.
_AUTO_STEPS = 2000
_AUTO_EPOCHS = (5, 100)

# Names of the callbacks that the lr_schedule and early_stopping parameters
# add (partial_fit removes them); user callbacks may not take them.
_OWN_CALLBACKS = ("lr_schedule", "early_stopping")


def _takes(cls, name):
    """Whether ``cls(...)`` accepts the keyword argument ``name``."""
    parameters = inspect.signature(cls).parameters
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class SiameseMixin:
    """Parameter routing and training plumbing shared by the estimators."""

    # Prefixes of the skorch-style parameters (module__*, optimizer__*).
    _prefixes = ("module__", "optimizer__")

    # -- skorch-style prefixed parameters ---------------------------------

    def _set_prefixed(self, kwargs):
        # Stored privately and checked in ``fit``: scikit-learn estimators
        # neither validate in ``__init__`` nor set non-parameter attributes.
        self._prefixed_params = dict(kwargs)

    def _check_prefixed(self):
        if not issubclass(self.optimizer, torch.optim.Optimizer):
            raise ValueError(
                "optimizer must be a torch.optim.Optimizer class, such as "
                f"torch.optim.SGD; got {self.optimizer!r}."
            )
        if self.weight_decay and not _takes(self.optimizer, "weight_decay"):
            raise ValueError(
                f"weight_decay={self.weight_decay!r}, but "
                f"{self.optimizer.__name__} takes no weight_decay; leave it at "
                "0 or choose an optimizer that has one, such as torch.optim.AdamW."
            )
        for name in ("lr", "weight_decay"):
            if f"optimizer__{name}" in self._prefixed_params:
                raise ValueError(
                    f"optimizer__{name} repeats the {name} parameter of "
                    f"{type(self).__name__}; set {name}= instead."
                )
        unknown = [k for k in self._prefixed_params if not k.startswith(self._prefixes)]
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) "
                f"{unknown}; parameters of the branch network or the optimizer "
                "are passed with a prefix, as in module__hidden_layer_sizes=(64,) "
                "or optimizer__momentum=0.9."
            )

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._prefixed_params)
        return params

    def set_params(self, **params):
        prefixed = {
            k: v
            for k, v in params.items()
            if k.startswith(self._prefixes) or k in self._prefixed_params
        }
        # a new dict: a shallow copy of the estimator keeps its own values
        self._prefixed_params = {**self._prefixed_params, **prefixed}
        others = {k: v for k, v in params.items() if k not in prefixed}
        if others:
            super().set_params(**others)
        return self

    def _params_for(self, prefix):
        prefix = prefix + "__"
        return {
            k[len(prefix) :]: v
            for k, v in self._prefixed_params.items()
            if k.startswith(prefix)
        }

    def __getstate__(self):
        state = super().__getstate__()
        if state.get("accelerator") is not None:
            # A training setup holding live processes and wrapped objects;
            # the model pickles without it (as in the safe format).
            state = {**state, "accelerator": None}
        return state

    # -- building blocks ---------------------------------------------------

    def _build_branch(self, input_shape, *, prefix="module", module=None):
        """Instantiate the branch network named or given by ``module``."""
        module = self.module if module is None else module
        kwargs = self._params_for(prefix)
        if isinstance(module, torch.nn.Module):
            if kwargs:
                raise ValueError(
                    f"{prefix}__* parameters ({sorted(kwargs)}) cannot be applied "
                    f"to a module instance; pass the class as {prefix}= instead."
                )
            return copy.deepcopy(module)
        shown, sizes = repr(module), {}
        if isinstance(module, type):
            if not issubclass(module, torch.nn.Module):
                raise TypeError(
                    f"{prefix}={module.__name__} is not a torch.nn.Module subclass."
                )
            names = {cls: name for name, cls in BRANCHES.items()}
            if module not in names:
                return module(**kwargs)
            # A built-in class is sized from the input, like its name, unless
            # its sizes are given as {prefix}__input_shape / __embedding_dim.
            shown, module = module.__name__, names[module]
            sizes = {
                k: kwargs.pop(k)
                for k in ("input_shape", "embedding_dim")
                if k in kwargs
            }
        if module == "auto":
            module = "mlp" if len(input_shape) == 1 else "conv"
        input_shape = sizes.get("input_shape", input_shape)
        if module in ("conv", "koch") and len(input_shape) not in (2, 3):
            raise ValueError(
                f"{prefix}={shown} needs image input of shape (n_samples, H, "
                f"W) or (n_samples, C, H, W); got samples of shape {input_shape}. "
                f"Use {prefix}='mlp' for tabular data."
            )
        cls = BRANCHES[module]
        allowed = set(inspect.signature(cls).parameters) - {
            "input_shape",
            "embedding_dim",
        }
        unknown = set(kwargs) - allowed
        if unknown:
            raise ValueError(
                f"Unknown {prefix}__* parameter(s) {sorted(unknown)} for "
                f"{prefix}={shown}; it accepts {sorted(allowed)}."
            )
        embedding_dim = sizes.get("embedding_dim", self.embedding_dim)
        return cls(input_shape, embedding_dim=embedding_dim, **kwargs)

    def _max_epochs(self, n_batches):
        if self.max_epochs != "auto":
            return self.max_epochs
        low, high = _AUTO_EPOCHS
        return int(np.clip(round(_AUTO_STEPS / max(1, n_batches)), low, high))

    def _make_net(self, module, criterion, batch_plan, *, seed, device, valid, epochs):
        """The training loop; ``valid`` is False, True (hold out a stratified
        ``validation_fraction``) or the ``TensorData`` to validate on;
        ``epochs`` sets the length of the learning-rate schedule (``None``
        for ``partial_fit``, which trains at a constant rate)."""
        callbacks = list(self.callbacks or [])
        for callback in callbacks:
            if isinstance(callback, tuple) and callback[0] in _OWN_CALLBACKS:
                raise ValueError(
                    f"callbacks: the name {callback[0]!r} is reserved for the "
                    f"callback that the {callback[0]} parameter adds; give "
                    "your callback another name."
                )
        if self.lr_schedule == "cosine" and epochs is not None:
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(CosineAnnealingLR, T_max=epochs, step_every="epoch"),
                )
            )
        if isinstance(valid, TensorData):
            train_split = predefined_split(valid)
        elif valid:
            train_split = StratifiedHoldout(self.validation_fraction, seed)
        else:
            train_split = None
        if train_split is not None and self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        net_class, extra = SiameseNet, {"device": device}
        if self.accelerator is not None:
            # Placement is the accelerator's.
            extra = {
                "accelerator": self.accelerator,
                "device": None,
                "callbacks__print_log__sink": (
                    self.accelerator.print if self.verbose else _silent
                ),
            }
            net_class = AcceleratedSiameseNet
        return net_class(
            module,
            criterion,
            batch_plan=batch_plan,
            seed=seed,
            precision=self.precision,
            optimizer=self.optimizer,
            lr=self.lr,
            # passed whenever the optimizer takes it (AdamW's own default is
            # 0.01, not our 0); Rprop and LBFGS take none
            **(
                {"optimizer__weight_decay": self.weight_decay}
                if _takes(self.optimizer, "weight_decay")
                else {}
            ),
            **{f"optimizer__{k}": v for k, v in self._params_for("optimizer").items()},
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=callbacks,
            verbose=self.verbose,
            **extra,
        )

    def _initialize_net(
        self, module, criterion, batch_plan, *, valid, epochs, device=None
    ):
        """Seed, build and initialise ``self.net_`` (weights drawn here).

        Returns a further seed drawn from ``random_state``, for the caller's
        own data splits.
        """
        self._check_prefixed()
        rng = check_random_state(self.random_state)
        torch_seed_value, batch_seed, split_seed = self._agreed(
            rng.randint(_INT32_MAX, size=3)
        )
        if self.accelerator is not None:
            if self.precision != "32":
                raise ValueError(
                    f"precision={self.precision!r} cannot be combined with an "
                    "accelerator; set the accelerator's mixed precision instead, "
                    "as in Accelerator(mixed_precision='bf16')."
                )
            device = self.accelerator.device
        self.device_ = resolve_device(self.device if device is None else device)
        if (
            self.precision == "bf16"
            and self.device_.startswith("cuda")
            # bfloat16 matrix units come with compute capability 8.0
            # (Ampere); older GPUs only emulate it, slowly.
            and torch.cuda.get_device_capability(self.device_) < (8, 0)
        ):
            raise ValueError(
                f"precision='bf16' needs a GPU with bfloat16 support; "
                f"{torch.cuda.get_device_name(self.device_)} has none. Use "
                "precision='32'."
            )
        with torch_seed(int(torch_seed_value), self.device_):
            module = module()
            self.net_ = self._make_net(
                module,
                criterion,
                batch_plan,
                seed=int(batch_seed),
                device=self.device_,
                valid=valid,
                epochs=epochs,
            ).initialize()
        return int(split_seed)

    def _agreed(self, seeds):
        """``seeds`` as the main process drew them. The processes of a
        multi-process accelerator must agree on the weights, the held-out
        rows and the epoch plans; with ``random_state=None`` each would
        draw its own (and early stopping could stop one process only)."""
        accelerator = self.accelerator
        if accelerator is None or accelerator.num_processes == 1:
            return seeds
        from accelerate.utils import broadcast_object_list

        return broadcast_object_list([int(s) for s in seeds], from_process=0)

    def _continue_training(self):
        """Set up a fitted ``net_`` for ``partial_fit``: the constant rate
        ``lr`` (the cosine schedule of ``fit`` has annealed it to zero), the
        batches of the current parameters, no held-out split and no early
        stopping."""
        net = self.net_
        net.set_params(
            lr=self.lr,  # skorch sets it on the optimizer's parameter groups
            batch_size=self.batch_size,
            batch_plan=self._batch_plan(),
            train_split=None,
        )
        # skorch disables a callback (set_params(callbacks__name=None)) only
        # by initialising every callback again, which would reset the user's
        # callbacks: the package's own are taken out of the lists instead.
        net.callbacks = [
            cb
            for cb in net.callbacks
            if not (isinstance(cb, tuple) and cb[0] in _OWN_CALLBACKS)
        ]
        net.callbacks_ = [
            (n, cb) for n, cb in net.callbacks_ if n not in _OWN_CALLBACKS
        ]

    def _train(self, data, epochs):
        """Run ``epochs`` epochs of the training loop on ``data``."""
        seed = int(self.net_.batch_rng_.integers(_INT32_MAX))
        with torch_seed(seed, self.device_):
            # Inside the lock: concurrent fits on one GPU see each other's
            # data when they check its free memory.
            data = data.to(self.net_.data_device)
            with _noting_sigint() as pressed:
                self.net_.partial_fit(data, None, epochs=epochs)
        if pressed:
            # skorch ends training on any KeyboardInterrupt and returns, as
            # a callback (EarlyStopping) asks it to; Ctrl-C stops the fit
            # (a search, a loop of fits) as in scikit-learn, with no model.
            raise KeyboardInterrupt
        return self

    def save(self, path, *, metadata=None):
        """Save the fitted estimator in the safe format.

        One file holds the network's weights (plain tensors) and the
        hyperparameters, fitted attributes and training history (JSON);
        :func:`sklearn_siamese.load` reads it back without executing any
        code from the file, on a CPU-only machine too. Only built-in branch
        networks (by name or class: ``MLP``, ``ConvNet``, ``KochNet``) and
        built-in losses (by name or instance) can be saved this way; pickle
        or joblib save any model.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        metadata : dict, default=None
            JSON-able information stored beside the model (numpy numbers and
            arrays are stored as Python numbers and lists), returned by
            ``load(path, with_metadata=True)``.

        Returns
        -------
        self : estimator
            The estimator, unchanged.

        Examples
        --------
        >>> import os, tempfile
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_siamese import SiameseEncoder, load
        >>> X, y = load_digits(return_X_y=True)
        >>> encoder = SiameseEncoder(max_epochs=1, random_state=0).fit(X[:200], y[:200])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "encoder.pt")
        ...     _ = encoder.save(path)
        ...     loaded = load(path)
        >>> bool((loaded.transform(X[:5]) == encoder.transform(X[:5])).all())
        True
        """
        save(self, path, metadata)
        return self

    @property
    def history_(self):
        """The skorch ``History`` of the training loop: one row per epoch."""
        return self.net_.history

    def _forward(self, data, *, exact=True, **fit_params):
        """The module's outputs on ``data`` (called with ``fit_params``), on
        the CPU, in evaluation mode: the inference path of both estimators.

        ``net_.forward`` with less per-batch work: batches sized for
        inference go through the net's ``infer`` in inference mode (which
        also skips the view and version tracking that ``no_grad`` keeps; the
        outputs only ever become NumPy arrays).

        With ``exact``, float64 data on the CPU (with ``precision="32"``)
        run in float64 (the rows as float32, as in training; the module's
        own weights and buffers as float64, through ``functional_call``),
        and the outputs are float64: a matrix product rounds each row
        differently with the number of rows and the row's place in the batch
        (BLAS picks its kernels and blocks by shape and CPU), which in
        float32 moves an output by an ulp with the rows that share its
        batch; in float64 by 1e-16, which rounding to float32 removes.
        Float32 data run in float32, as fast as the module goes. A module
        that fails in float64 (float32 constants of its own, a dtype check)
        runs in float32, with a warning.
        """
        net = self.net_
        net.check_is_fitted()
        net._ensure_mode(False)
        batches = _Sequential(
            data,
            net._inference_batch_size(data, **fit_params),
            net.data_device,
            copy=net.may_change_inputs(),
        )
        run = net.infer
        if (
            exact
            and self.precision == "32"
            and data.is_float64
            and torch.device(net.data_device or "cpu").type == "cpu"
        ):
            module = net.module_
            state = {
                name: value.double() if value.is_floating_point() else value
                for name, value in (
                    *module.named_parameters(),
                    *module.named_buffers(),
                )
            }

            def run(X, **fit_params):
                X = tuple(x.double() for x in (X if isinstance(X, tuple) else (X,)))
                return torch.func.functional_call(module, state, X, fit_params)

        outputs = []
        with torch.inference_mode():
            for X, _ in batches:
                try:
                    out = run(X, **fit_params)
                except Exception as exc:
                    if run is net.infer or outputs:
                        raise
                    warnings.warn(
                        f"The network fails in float64 ({type(exc).__name__}: "
                        f"{exc}); float64 input runs in float32, where a row's "
                        "last bits can depend on the rows that share its batch.",
                        stacklevel=3,
                    )
                    run = net.infer
                    out = run(X, **fit_params)
                outputs.append(to_device(out, "cpu"))
        if outputs and isinstance(outputs[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*outputs))
        return torch.cat(outputs)


@contextlib.contextmanager
def _noting_sigint():
    """A list that gets an entry when SIGINT (Ctrl-C) arrives in the block;
    the handler in place (Python's, which raises KeyboardInterrupt, or a
    notebook's) still runs. Only in the main thread, where Python handles
    signals."""
    pressed, previous = [], signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(
        previous
    ):
        yield pressed
        return

    def handler(signum, frame):
        pressed.append(signum)
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _silent(*args, **kwargs):
    pass


class _Base(SiameseMixin, BaseEstimator):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("sklearn_siamese."):  # not users' subclasses
            MODEL_CLASSES[cls.__name__] = cls  # what sklearn_siamese.load rebuilds

    def __sklearn_is_fitted__(self):
        # Fitted once a training loop is built; fit drops the previous one
        # first, so that a fit that fails leaves the estimator unfitted.
        return hasattr(self, "net_")

    @contextlib.contextmanager
    def _unfitted_on_error(self):
        """Drop the training loop when the block fails: a fit that stops
        in training (a diverged loss, an interrupt) leaves no model."""
        try:
            yield
        except BaseException:
            self.__dict__.pop("net_", None)
            raise
