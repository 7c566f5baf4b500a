"""Where tensors go and how torch is seeded; a leaf of the package."""

import contextlib
import os
import threading

import torch

__all__ = ["device_usable", "resolve_device", "torch_seed"]


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when a GPU is present, else ``"cpu"``; any
    other device is checked to exist."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu', "
            "'cuda' or 'cuda:N'."
        ) from None
    if parsed.type == "meta":
        raise ValueError(
            f"device={device!r} holds no data, so nothing can be trained or "
            "embedded there; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        )
    if parsed.type == "cuda":
        n_gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n_gpus == 0:
            raise ValueError(
                f"device={device!r}, but PyTorch sees no CUDA GPU here "
                "(torch.cuda.is_available() is False); use device='auto' or "
                "'cpu', or install a CUDA build of PyTorch."
            )
        if parsed.index is not None and parsed.index >= n_gpus:
            raise ValueError(
                f"device={device!r}, but PyTorch sees {n_gpus} CUDA GPU(s), "
                f"numbered 0 to {n_gpus - 1}."
            )
    elif not device_usable(parsed):
        raise ValueError(
            f"device={device!r}, but this PyTorch build cannot use "
            f"{parsed.type!r} devices here; use device='auto' or 'cpu'."
        )
    return str(device)


def device_usable(device):
    """Whether torch can put data on ``device`` (a ``torch.device``) here;
    Apple's "mps", Intel's "xpu" and others fail in their own ways when
    absent."""
    if device.type == "cuda":
        n_gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return (device.index or 0) < n_gpus
    try:
        torch.empty(0, device=device)
    except Exception:  # RuntimeError, AssertionError, ModuleNotFoundError...
        return False
    return True


# torch's generators are global to the process: fits in concurrent threads
# (joblib's threading backend, an in-process dask worker) take turns, or
# they would draw from one another's seeded streams.
_TORCH_RNG_LOCK = threading.RLock()


def _new_lock_after_fork():
    # A child forked while another thread held the lock would wait forever.
    global _TORCH_RNG_LOCK
    _TORCH_RNG_LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)


@contextlib.contextmanager
def torch_seed(seed, device):
    """Run with torch's generators seeded, restoring them afterwards.

    Library code never touches torch's global random state for good: the
    generators are forked, seeded from ``random_state`` and restored. One
    thread at a time runs under a seed, so that concurrent fits in threads
    give the same results as sequential ones.
    """
    devices = []
    if str(device).startswith("cuda") and torch.cuda.is_available():
        index = torch.device(device).index
        devices = [torch.cuda.current_device() if index is None else index]
    with _TORCH_RNG_LOCK, torch.random.fork_rng(devices=devices):
        # Seed only the generators that fork_rng restores (torch.manual_seed
        # would also reseed every GPU for good).
        torch.random.default_generator.manual_seed(seed)
        for index in devices:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield
