"""The one training loop of the package: a configured skorch ``NeuralNet``.

Every estimator trains through :class:`SiameseNet`. It customises skorch only
through its hooks:

- ``get_iterator`` draws a fresh epoch of index batches from a *batch plan*
  (class-balanced ``P x K`` batches, random pairs, random triplets, or shuffled
  rows of given pairs) and gathers the rows of each batch in one indexing
  operation, never per item and never materialising all pairs;
- ``infer`` feeds a pair or triplet batch to the module as separate inputs;
- ``get_loss`` stops training with a clear error when the loss diverges;
- ``initialize_module`` seeds the batch plan's random generator;
- batches reach the device as the iterator yields them: from page-locked
  memory without blocking on CUDA, or already there when the training data
  were moved to the device as a whole (``TensorData.to``); the forward pass
  runs in bfloat16 autocast with ``precision="bf16"``;
- ``train_step_single`` and ``evaluation_step`` are skorch's, but switch
  the modules to training or evaluation mode only when they are not in it.

Estimators build a ``SiameseNet`` inside ``fit``; they never copy its loop.
"""

import contextlib
import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.utils import to_tensor

from ._data import (
    TensorData,
    _Epoch,
    _Sequential,
    _to_device,
    _unshared,
    as_tensor_data,
)
from .modules import MLP, ConvNet, KochNet

__all__ = ["SiameseNet"]


# Inference batches hold about this many activation values of the widest
# layer (float32: 8 MiB on the CPU, where batches that stay in cache are
# fastest; 64 MiB on a GPU), within these bounds on the number of rows.
_ACTIVATION_BUDGET = {"cpu": 2**21, "cuda": 2**24}
_INFERENCE_ROWS = (16, 16384)


def _widest_activation(net, X, **fit_params):
    """The largest number of values per row that any layer outputs (or
    takes in) when the module runs on the rows ``X`` (with ``fit_params``)."""
    n_rows = len(X[0] if isinstance(X, tuple) else X)
    sizes = [sum(x.numel() for x in X) if isinstance(X, tuple) else X.numel()]

    def record(module, inputs, output):
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        sizes.extend(o.numel() for o in outputs if isinstance(o, torch.Tensor))

    hooks = [m.register_forward_hook(record) for m in net.module_.modules()]
    try:
        net._ensure_mode(False)
        with torch.inference_mode():
            net.infer(_to_device(X, net.data_device), **fit_params)
    finally:
        for hook in hooks:
            hook.remove()
    return max(sizes) // max(1, n_rows)


class SiameseNet(NeuralNet):
    """skorch ``NeuralNet`` that trains a siamese network on index batches.

    Parameters
    ----------
    module : torch.nn.Module
        Usually a :class:`~sklearn_siamese.modules.SiameseNetwork`.
    criterion : torch.nn.Module
        Called as ``criterion(output, target)``; see
        :mod:`sklearn_siamese.losses`.
    batch_plan : callable
        ``plan(y, rng)`` yielding ``(index, target)`` per batch of an epoch.
    seed : int, default=0
        Seeds the generator of the batch plan.
    augment : callable, default=None
        Applied to each training batch (on the device) before the forward
        pass; never at validation or inference.
    predict_batch_size : int or "auto", default="auto"
        Rows per forward pass at inference. ``"auto"`` sizes batches for
        throughput from the module's largest activation per row, measured
        on two rows: wide, shallow activations (an MLP) get large batches,
        big feature maps (a conv net) small ones that stay in cache.
    precision : {"32", "bf16"}, default="32"
        ``"bf16"`` runs the module's forward pass in bfloat16 autocast
        (mixed precision); its outputs, and so the loss, are float32.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        module,
        criterion,
        *,
        batch_plan,
        seed=0,
        augment=None,
        predict_batch_size="auto",
        precision="32",
        **kwargs,
    ):
        super().__init__(module, criterion, **kwargs)
        self.batch_plan = batch_plan
        self.seed = seed
        self.augment = augment
        self.predict_batch_size = predict_batch_size
        self.precision = precision

    def initialize_module(self):
        self.batch_rng_ = np.random.default_rng(self.seed)
        self.inference_batch_size_ = None
        self.inference_batch_sizes_ = {}
        self._mode_is_uniform = False
        return super().initialize_module()

    @property
    def data_device(self):
        """Where batches go: the accelerator's device when there is one."""
        accelerator = getattr(self, "accelerator", None)
        return accelerator.device if accelerator is not None else self.device

    def get_dataset(self, X, y=None):
        """``TensorData`` as given; arrays (``net_.forward(X)``, as with any
        skorch net) are wrapped as the estimators wrap them."""
        if isinstance(X, TensorData):
            return X
        if isinstance(X, tuple):  # the two sides of pairs
            X = tuple(as_tensor_data(x) for x in X)
        else:
            X = as_tensor_data(X)
        return TensorData(X, None if y is None else np.asarray(y))

    def may_change_inputs(self):
        """Whether a branch may write to its input: one of the user's may
        (``ReLU(inplace=True)`` first, say), the built-in ones do not; a
        batch that is a view of the caller's data is copied for the former."""
        module = getattr(self, "module_", None)
        branches = [getattr(module, name, None) for name in ("branch", "branch_b")]
        return not all(
            branch is None or type(branch) in (MLP, ConvNet, KochNet)
            for branch in branches
        )

    def get_iterator(self, dataset, training=False):
        device = self.data_device
        if dataset.y is None:
            return _Sequential(
                dataset,
                self._inference_batch_size(dataset),
                device,
                copy=self.may_change_inputs(),
            )
        if training:
            accelerator = getattr(self, "accelerator", None)
            shard = (0, 1)
            if accelerator is not None:
                shard = (accelerator.process_index, accelerator.num_processes)
            return _Epoch(
                dataset,
                self.batch_plan,
                rng=self.batch_rng_,
                transform=self.augment,
                device=device,
                shard=shard,
            )
        return _Epoch(dataset, self.batch_plan, seed=self.seed, device=device)

    def _inference_batch_size(self, dataset, **fit_params):
        """Rows per inference batch. ``"auto"`` probes the module on two rows
        of ``dataset`` the first time it sees rows of their shape with these
        ``fit_params`` (the two sides of a pseudo-siamese network differ) on
        this kind of device, and keeps the size in ``inference_batch_sizes_``;
        the size last used is ``inference_batch_size_``."""
        if self.predict_batch_size != "auto":
            return self.predict_batch_size
        if len(dataset) == 0:
            return _INFERENCE_ROWS[1]
        X = dataset.X if isinstance(dataset.X, tuple) else (dataset.X,)
        shapes = tuple(tuple(x.shape[1:]) for x in X)
        device_type = torch.device(self.data_device or "cpu").type
        key = (device_type, shapes, tuple(sorted(fit_params.items())))
        sizes = self.inference_batch_sizes_
        if key not in sizes:  # gather two rows only to probe
            rows = _unshared(dataset.take(slice(0, 2)))
            widest = _widest_activation(self, rows, **fit_params)
            budget = _ACTIVATION_BUDGET.get(device_type, _ACTIVATION_BUDGET["cpu"])
            n = 2 ** int(np.log2(max(1, budget // max(1, widest))))
            sizes[key] = int(np.clip(n, *_INFERENCE_ROWS))
        self.inference_batch_size_ = sizes[key]
        return sizes[key]

    # train_step_single and evaluation_step are skorch's, except that they
    # switch the modules to training or evaluation mode only when they are
    # not in it already: skorch walks every submodule before every batch,
    # which costs more than the rest of its per-batch bookkeeping.

    def train_step_single(self, batch, **fit_params):
        self._ensure_mode(True)
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def evaluation_step(self, batch, training=False):
        self.check_is_fitted()
        Xi, _ = batch
        with torch.set_grad_enabled(training):
            self._ensure_mode(training)
            return self.infer(Xi)

    def _ensure_mode(self, training):
        if not getattr(self, "_mode_is_uniform", True):
            # A new module may mix modes (a pretrained branch given in
            # evaluation mode inside a wrapper in training mode): set every
            # submodule once, as skorch does before every batch.
            self._set_training(training)
            self._mode_is_uniform = True
            return
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                self._set_training(training)
                return

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.data_device)
        try:
            with self.autocast():
                if isinstance(x, (tuple, list)):
                    out = self.module_(*x, **fit_params)
                else:
                    out = self.module_(x, **fit_params)
        except ValueError as exc:
            # (here, so that the accelerator's training step says it too)
            if "more than 1 value per channel" not in str(exc):
                raise
            raise ValueError(
                "A training batch gave a branch a single sample, which its "
                "batch normalisation cannot train on: pass at least 2 pairs "
                "(or samples) per fit or partial_fit call."
            ) from exc
        return out if self.precision == "32" else _to_float32(out)

    def autocast(self):
        """The mixed-precision context of ``precision`` for forward passes."""
        if self.precision == "32":
            return contextlib.nullcontext()
        device_type = torch.device(self.data_device or "cpu").type
        return torch.autocast(device_type, dtype=torch.bfloat16)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_true is not None:
            y_true = to_tensor(y_true, device=self.data_device)
        # Losses run in float32, outside any autocast: an accelerator's
        # mixed precision calls get_loss inside autocast, where the matrix
        # products of the in-batch distances would come out in bfloat16.
        first = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
        with torch.autocast(first.device.type, enabled=False):
            loss = self.criterion_(_to_float32(y_pred), y_true)
        # skorch reads the loss with .item() after every step anyway; a
        # Python float test costs far less than a torch.isfinite kernel.
        if training and not math.isfinite(loss.item()):
            raise ValueError(
                f"The training loss diverged (it became {loss.item()}); "
                f"lower the learning rate (lr={self.lr}) or check X for "
                "extreme values."
            )
        return loss


def _to_float32(out):
    if isinstance(out, (tuple, list)):
        return type(out)(_to_float32(o) for o in out)
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        return out.float()
    return out
