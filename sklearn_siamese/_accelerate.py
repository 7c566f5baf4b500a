"""Training through Hugging Face Accelerate (multi-GPU, mixed precision).

skorch's ``AccelerateMixin`` does the work; the overrides below cover what
it lacks for this package: criteria without trainable parameters, a
``partial_fit`` that trains the wrapper again, early stopping that loads
weights saved from the wrapper, and pickling without the live accelerator.
"""

import copy

import torch
from skorch.callbacks import PrintLog
from skorch.hf import AccelerateMixin

from ._net import SiameseNet

__all__ = ["AcceleratedSiameseNet"]


class AcceleratedSiameseNet(AccelerateMixin, SiameseNet):
    """:class:`SiameseNet` run by a Hugging Face ``accelerate.Accelerator``
    (multi-GPU, mixed precision), through skorch's ``AccelerateMixin``.

    The mixin's training step replaces the one above; each process trains
    on its own share of every epoch's batches. The accelerator is a
    training setup: a pickled net is a plain :class:`SiameseNet` on the
    accelerator's device, which unpickles anywhere (skorch maps CUDA
    weights to the CPU on a machine without a GPU).
    """

    def _initialize_accelerator(self):
        # The accelerator wraps every criterion module for distributed
        # training, which refuses modules without trainable parameters
        # (as all the package's losses are): those are left as they are.
        # Optimizers prepared by an earlier call are not wrapped twice.
        criteria, optimizers = self._criteria, self._optimizers
        self._criteria = [name for name in criteria if _has_trainable(self, name)]
        self._optimizers = [
            name
            for name in optimizers
            if not getattr(
                getattr(self, name + "_", None), "_is_accelerate_prepared", False
            )
        ]
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria, self._optimizers = criteria, optimizers

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        # A further partial_fit trains the distributed wrapper again, not
        # the module unwrapped at the end of the previous call.
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._initialize_accelerator()

    def on_train_end(self, net, X=None, y=None, **kwargs):
        # The mixin unwraps the modules here, before the callbacks' own
        # on_train_end; EarlyStopping would then load its best weights,
        # saved from the wrapper, into the unwrapped module. Unwrapping
        # waits for the end of partial_fit instead.
        self.accelerator.wait_for_everyone()
        SiameseNet.on_train_end(self, net, X=X, y=y, **kwargs)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        super().partial_fit(X, y, classes=classes, **fit_params)
        if self.unwrap_after_train:
            self._unwrap_accelerator()
        return self

    def evaluation_step(self, batch, training=False):
        # Validation batches are not sharded: every process scores all of
        # them, so there is nothing to gather from the others.
        return SiameseNet.evaluation_step(self, batch, training=training)

    def __reduce__(self):
        plain = SiameseNet.__new__(SiameseNet)
        plain.__dict__.update(
            (key, value)
            for key, value in vars(self).items()
            if key not in _ACCELERATE_ATTRIBUTES
        )
        plain.device = str(self.accelerator.device)
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_", None)
            if isinstance(module, torch.nn.Module):
                setattr(plain, name + "_", self.accelerator.unwrap_model(module))
        optimizer = getattr(self, "optimizer_", None)
        if optimizer is not None:
            plain.optimizer_ = getattr(optimizer, "optimizer", optimizer)
        copies = {}

        def unwrap(item):
            if isinstance(item, tuple):
                return tuple(map(unwrap, item))
            if id(item) not in copies:
                copies[id(item)] = _without_accelerator(item)
            return copies[id(item)]

        if hasattr(self, "callbacks_"):
            plain.callbacks_ = [unwrap(item) for item in self.callbacks_]
        if self.callbacks:
            plain.callbacks = [unwrap(item) for item in self.callbacks]
        return _plain_net, (plain.__getstate__(),)


def _has_trainable(net, name):
    module = getattr(net, name + "_", None)
    return isinstance(module, torch.nn.Module) and any(
        p.requires_grad for p in module.parameters()
    )


def _plain_net(state):
    net = SiameseNet.__new__(SiameseNet)
    net.__setstate__(state)
    return net


_ACCELERATE_ATTRIBUTES = (
    "accelerator",
    "unwrap_after_train",
    "_wrapped_with_accelerator",
    "callbacks__print_log__sink",
)


def _without_accelerator(callback):
    """A picklable copy of ``callback``, free of accelerate's wrappers."""
    if isinstance(callback, (str, type)):
        return callback
    callback = copy.copy(callback)
    if hasattr(callback, "lr_scheduler_"):
        callback.lr_scheduler_ = None  # rebuilt when training resumes
    if getattr(callback, "sink", None) is not None and callback.sink is not print:
        callback.sink = print if isinstance(callback, PrintLog) else callback.sink
    return callback
