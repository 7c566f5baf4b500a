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
import copy
import math
import signal
import threading

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import PrintLog
from skorch.hf import AccelerateMixin
from skorch.utils import to_tensor

from .modules import MLP, ConvNet, KochNet

__all__ = [
    "AcceleratedSiameseNet",
    "ClassBalancedBatches",
    "RandomPairBatches",
    "RandomTripletBatches",
    "ShuffledBatches",
    "SiameseNet",
    "TensorData",
]


def _take(X, index):
    """Rows ``index`` (an int array or a slice) of a tensor or CSR matrix,
    as float32."""
    if isinstance(X, torch.Tensor):
        if isinstance(index, slice):
            rows = X[index]
        else:
            rows = X.index_select(0, torch.from_numpy(index).to(X.device))
    else:
        rows = torch.from_numpy(X[index].toarray())
    # Float64 data are kept as given and cast one batch at a time.
    return rows.float() if rows.dtype == torch.float64 else rows


def _take_sides(Xs, index):
    """Rows ``index`` of every side of pair data.

    Dense sides of one sample shape are gathered straight into consecutive
    row blocks of one tensor, which the siamese network then embeds as one
    batch without copying the rows again (see ``modules._concat``).
    """
    first = Xs[0]
    if not all(
        isinstance(X, torch.Tensor)
        and X.shape[1:] == first.shape[1:]
        and X.dtype == first.dtype
        and X.device == first.device
        for X in Xs
    ):
        return tuple(_take(X, index) for X in Xs)
    if isinstance(index, slice):
        n = len(range(*index.indices(len(first))))
    else:
        n = len(index)
        index = torch.from_numpy(index).to(first.device)
    dtype = torch.float32 if first.dtype == torch.float64 else first.dtype
    out = torch.empty((len(Xs) * n, *first.shape[1:]), dtype=dtype, device=first.device)
    blocks = tuple(out[i * n : (i + 1) * n] for i in range(len(Xs)))
    for X, block in zip(Xs, blocks):
        if isinstance(index, slice):
            block.copy_(X[index])
        elif X.dtype == dtype:
            torch.index_select(X, 0, index, out=block)
        else:
            block.copy_(X.index_select(0, index))
    return blocks


class TensorData(torch.utils.data.Dataset):
    """Training or inference data, gathered a whole batch at a time.

    Parameters
    ----------
    X : torch.Tensor, scipy.sparse.csr_matrix, or tuple of those
        The samples; a tuple holds the two sides of a pair dataset. Float64
        samples are cast to float32 one batch at a time.
    y : ndarray of int, default=None
        Class codes (for class-based batch plans) or pair labels.
    rows : ndarray of int, default=None
        The rows of ``X`` that this data holds (all when None): a subset
        refers to the rows of the whole, it copies none.
    """

    def __init__(self, X, y=None, rows=None):
        self.X = X
        self.y = y
        self.rows = rows

    def __len__(self):
        if self.rows is not None:
            return len(self.rows)
        X = self.X[0] if isinstance(self.X, tuple) else self.X
        return X.shape[0]

    @property
    def is_float64(self):
        """Whether the samples are float64 (batches are float32 all the same)."""
        Xs = self.X if isinstance(self.X, tuple) else (self.X,)
        return all(X.dtype in (torch.float64, np.float64) for X in Xs)

    def __getitem__(self, i):
        return self.take(np.atleast_1d(i)), None

    def take(self, index):
        """Gather a batch.

        ``index`` is a slice or an int array of shape ``(n,)``, giving a
        tensor (or a tuple of tensors for pair data), or of shape ``(n, k)``
        for ``k``-tuples of samples, giving a tuple of ``k`` tensors.
        """
        if self.rows is not None:
            index = self.rows[index]
        if isinstance(self.X, tuple):
            return _take_sides(self.X, index)
        if isinstance(index, np.ndarray) and index.ndim == 2:
            k = index.shape[1]
            return _take(self.X, index.T.ravel()).chunk(k)
        return _take(self.X, index)

    def to(self, device, *, max_fraction=0.5):
        """This data on ``device`` when it takes at most ``max_fraction`` of
        the device's free memory, else ``self``.

        Training data on the GPU are gathered there batch by batch, without
        a host-to-device copy per batch. Float64 data become float32 on the
        way; sparse data stay on the host.
        """
        device = torch.device(device)
        Xs = self.X if isinstance(self.X, tuple) else (self.X,)
        if device.type != "cuda" or not all(
            isinstance(X, torch.Tensor) and X.device.type == "cpu" for X in Xs
        ):
            return self
        free, _ = torch.cuda.mem_get_info(device)
        size = sum(X.numel() * 4 for X in Xs)
        if size > max_fraction * free:
            return self

        def move(X):
            dtype = torch.float32 if X.dtype == torch.float64 else X.dtype
            return X.to(device, dtype=dtype)

        X = tuple(map(move, Xs)) if isinstance(self.X, tuple) else move(self.X)
        return TensorData(X, self.y, self.rows)

    def subset(self, index):
        """The rows ``index`` of this data, as a ``TensorData`` that refers
        to the same ``X``."""
        index = np.asarray(index, dtype=np.intp)
        rows = index if self.rows is None else self.rows[index]
        return TensorData(self.X, None if self.y is None else self.y[index], rows)

    def unlabelled(self):
        """This data without ``y``."""
        return TensorData(self.X, None, self.rows)


# --------------------------------------------------------------------------
# Batch plans: which rows make each training batch of one epoch.
# Each plan is a picklable callable ``plan(y, rng) -> iterator of
# (index, target)``; one call is one epoch, so batches are fresh every epoch.


class ClassBalancedBatches:
    """``P`` classes times ``K`` samples per batch, for in-batch losses.

    ``P = batch_size // K``, so a batch has at most ``batch_size`` rows;
    with fewer than ``P`` classes a batch holds every class, with
    ``batch_size // n_classes`` samples each.

    Classes with at least two samples are visited in random order, each
    equally often; within a class, samples are taken in a random cyclic
    order, so every sample is used about equally often. An epoch has about
    as many rows as the classes of two or more samples hold, and at least
    one batch. A class with fewer than ``K`` samples gives each of them
    once (no row appears twice in a batch: a row with its own copy would
    be a free same-class pair), so such batches are a little smaller; when
    every class is smaller than ``K``, ``K`` is the largest class size and
    more classes fill the batch.
    Targets are the class codes of the rows.
    """

    def __init__(self, batch_size, samples_per_class):
        self.batch_size = batch_size
        self.samples_per_class = samples_per_class

    def _layout(self, counts):
        """``(eligible classes, P, K, batches per epoch)`` for class sizes
        ``counts``."""
        eligible = np.flatnonzero(counts >= 2)
        n_classes = len(eligible)
        # P = batch_size // K classes of K samples (a batch of P * K rows,
        # at most batch_size); with fewer classes, all of them, each with
        # as many samples as fill the batch
        k = min(self.samples_per_class, self.batch_size // 2)
        k = min(k, counts[eligible].max())  # classes all smaller: P grows
        p = max(2, self.batch_size // k)
        if p > n_classes:
            p = n_classes
            k = max(2, self.batch_size // p)
        # A class of fewer than k samples gives each of them once (a row
        # twice in a batch would be a same-class pair at distance 0). An
        # epoch has about as many rows as the eligible classes hold.
        taken = np.minimum(k, counts[eligible])
        n_usable = counts[eligible].sum()
        n_batches = max(1, round(n_usable * n_classes / (p * taken.sum())))
        return eligible, p, k, n_batches

    def n_batches(self, y):
        """Batches per epoch for the class codes ``y``."""
        return self._layout(np.bincount(y))[3]

    def __call__(self, y, rng):
        n = len(y)
        counts = np.bincount(y)
        eligible, p, k, n_batches = self._layout(counts)
        n_classes = len(eligible)
        # Class sequence: concatenated random permutations of the classes.
        n_slots = n_batches * p
        reps = -(-n_slots // n_classes)
        perms = np.argsort(rng.random((reps, n_classes)), axis=1)
        if n_classes % p:
            _distinct_across_joins(perms, p)
        classes = eligible[perms.ravel()[:n_slots]]
        # The j-th visit of a class takes its members j*k ... j*k + k - 1 in a
        # per-epoch random cyclic order.
        visit_order = np.argsort(classes, kind="stable")
        first_visit = np.searchsorted(classes[visit_order], classes[visit_order])
        visit = np.empty(n_slots, dtype=np.intp)
        visit[visit_order] = np.arange(n_slots) - first_visit
        shuffled = rng.permutation(n)
        members = shuffled[np.argsort(y[shuffled], kind="stable")]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        sizes = counts[classes][:, None]
        offset = (visit[:, None] * k + np.arange(k)) % sizes
        index = members[starts[classes][:, None] + offset].reshape(n_batches, p * k)
        keep = (np.arange(k) < sizes).reshape(n_batches, p * k)
        for batch, rows in zip(index, keep):
            batch = batch[rows]
            yield batch, y[batch]


def _distinct_across_joins(perms, p):
    """Reorder the rows of ``perms`` (permutations of the classes, visited
    in sequence ``p`` at a time) so that a batch that takes the end of one
    row and the start of the next holds ``p`` distinct classes; every row
    stays a permutation, so visits stay balanced."""
    flat = perms.reshape(-1)
    n_classes = perms.shape[1]
    for row in range(1, len(perms)):
        start = row * n_classes
        fill = -start % p  # slots of the straddling batch taken from this row
        if not fill:
            continue
        clash = np.isin(perms[row], flat[start - (p - fill) : start])
        if clash[:fill].any():
            first = np.flatnonzero(~clash)[:fill]
            rest = np.ones(n_classes, dtype=bool)
            rest[first] = False
            perms[row] = np.concatenate([perms[row, first], perms[row, rest]])


class RandomPairBatches:
    """Isolated random pairs, half same-class, ``batch_size // 2`` per batch.

    Pairs come from :func:`~sklearn_siamese.sampling.make_pair_indices`; an
    epoch has ``len(y) // 2`` pairs, so it embeds about ``len(y)`` samples.
    Targets are 1 for same-class pairs and 0 otherwise.
    """

    def __init__(self, batch_size, pos_fraction=0.5):
        self.batch_size = batch_size
        self.pos_fraction = pos_fraction

    def __call__(self, y, rng):
        from .sampling import make_pair_indices

        n_pairs = max(1, len(y) // 2)
        pairs, labels = make_pair_indices(
            y, n_pairs, pos_fraction=self.pos_fraction, random_state=_seed(rng)
        )
        labels = labels.astype(np.float32)
        step = max(1, self.batch_size // 2)
        for start in range(0, n_pairs, step):
            yield pairs[start : start + step], labels[start : start + step]


class RandomTripletBatches:
    """Isolated random triplets, ``batch_size // 3`` per batch.

    Triplets come from :func:`~sklearn_siamese.sampling.make_triplet_indices`;
    an epoch has ``len(y) // 3`` triplets. There is no target.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        from .sampling import make_triplet_indices

        n = max(1, len(y) // 3)
        triplets = make_triplet_indices(y, n, random_state=_seed(rng))
        step = max(1, self.batch_size // 3)
        for start in range(0, n, step):
            yield triplets[start : start + step], None


class ShuffledBatches:
    """Rows in a random order, ``batch_size`` per batch, with their targets.

    For data that already are pairs (``PairClassifier``). A last batch of a
    single row joins the batch before it: the branch of each side of a
    pseudo-siamese network would see one sample, which batch normalisation
    cannot train on.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        order = rng.permutation(len(y))
        starts = list(range(0, len(y), self.batch_size))
        if len(starts) > 1 and len(y) - starts[-1] == 1:
            starts.pop()
        for start, stop in zip(starts, [*starts[1:], len(y)]):
            batch = order[start:stop]
            yield batch, y[batch]


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


def _seed(rng):
    return int(rng.integers(np.iinfo(np.int32).max))


def _to_device(X, device):
    """``X`` (a tensor or tuple of tensors) on ``device``.

    Host-to-GPU copies go through page-locked memory without blocking, so
    the next batch is gathered while this one is copied.
    """
    if isinstance(X, tuple):
        return tuple(_to_device(x, device) for x in X)
    if device is None or X.device == torch.device(device):
        return X
    if X.device.type == "cpu" and torch.device(device).type == "cuda":
        return X.pin_memory().to(device, non_blocking=True)
    return X.to(device)


def _unshared(X):
    """``X``, copied where it is a view of the caller's data (a slice of a
    float32 array on its own device): a module may work in place."""
    if isinstance(X, tuple):
        return tuple(map(_unshared, X))
    return X.clone() if X._base is not None else X


class _Epoch:
    """Re-iterable batches: every ``iter()`` runs the plan for a new epoch.

    With ``shard=(rank, world_size)`` (multi-process training) a process
    keeps every ``world_size``-th batch, starting at its ``rank``; all
    processes draw the same plan from identically seeded generators.
    """

    def __init__(
        self,
        data,
        plan,
        rng=None,
        seed=None,
        transform=None,
        device=None,
        shard=(0, 1),
    ):
        self.data = data
        self.plan = plan
        self.rng = rng
        self.seed = seed
        self.transform = transform
        self.device = device
        self.shard = shard

    def __iter__(self):
        # Validation re-creates its generator so that every epoch is scored
        # on the same batches; training keeps drawing from the net's one.
        rng = self.rng if self.rng is not None else np.random.default_rng(self.seed)
        batches = self.plan(self.data.y, rng)
        if self.shard[1] > 1:
            batches = _shard(batches, *self.shard)
        for index, target in batches:
            X = _to_device(self.data.take(index), self.device)
            if self.transform is not None:
                X = self.transform(X)
            if target is not None:
                target = _to_device(torch.from_numpy(np.asarray(target)), self.device)
            yield X, target


def _shard(batches, rank, world_size):
    """Batch ``rank`` of every round of ``world_size`` batches.

    An incomplete last round is filled up with the first batches of the
    epoch, as ``torch.utils.data.DistributedSampler`` pads with repeated
    samples: every process takes the same number of steps (distributed
    data parallel training waits for all processes at every step), and at
    least one, however few batches an epoch has.
    """
    first, round_ = [], []
    for batch in batches:
        if len(first) < world_size:
            first.append(batch)
        round_.append(batch)
        if len(round_) == world_size:
            yield round_[rank]
            round_ = []
    if round_:
        yield (round_ + first * world_size)[rank]


class _Sequential:
    """Consecutive slices of the data, for inference."""

    def __init__(self, data, batch_size, device=None, *, copy=True):
        self.data = data
        self.batch_size = batch_size
        self.device = device
        self.copy = copy

    def __iter__(self):
        for start in range(0, len(self.data), self.batch_size):
            batch = _to_device(
                self.data.take(slice(start, start + self.batch_size)), self.device
            )
            yield _unshared(batch) if self.copy else batch, None

    def __len__(self):
        return math.ceil(len(self.data) / self.batch_size)


class StratifiedHoldout:
    """skorch ``train_split``: hold out a stratified fraction of the rows.

    Each class of at least ``min_count`` rows gives at least two of them
    and keeps at least two for training, whatever the fraction; smaller
    classes stay in the training part.
    """

    min_count = 4

    def __init__(self, fraction, seed):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **fit_params):
        rng = np.random.default_rng(self.seed)
        codes = dataset.y
        order = rng.permutation(len(codes))
        order = order[np.argsort(codes[order], kind="stable")]
        counts = np.bincount(codes)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        rank = np.arange(len(codes)) - np.repeat(starts, counts)
        n_valid = np.floor(counts * self.fraction + rng.random(len(counts)))
        n_valid = np.where(counts >= self.min_count, np.clip(n_valid, 2, counts - 2), 0)
        in_valid = rank < np.repeat(n_valid, counts)
        return dataset.subset(np.sort(order[~in_valid])), dataset.subset(
            np.sort(order[in_valid])
        )


@contextlib.contextmanager
def _noting_sigint():
    """A list that gets an entry when SIGINT (Ctrl-C) arrives in the block,
    which still raises KeyboardInterrupt as usual: Ctrl-C that lands while
    a callback runs is told apart from the callback's own KeyboardInterrupt.
    Only where Python's default handler is in place, in the main thread."""
    pressed = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield pressed
        return

    def handler(signum, frame):
        pressed.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


class Interrupted(Exception):
    """A KeyboardInterrupt in the training loop, carried through skorch's
    ``partial_fit`` (which swallows KeyboardInterrupt) as its cause."""


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
        from ._base import as_tensor_data

        if isinstance(X, tuple):  # the two sides of pairs
            X = tuple(as_tensor_data(x) for x in X)
        else:
            X = as_tensor_data(X)
        return TensorData(X, None if y is None else np.asarray(y))

    def notify(self, method_name, **cb_kwargs):
        try:
            super().notify(method_name, **cb_kwargs)
        except KeyboardInterrupt as exc:
            # skorch's way for a callback (EarlyStopping) to end training
            exc.from_callback = True
            raise

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch's partial_fit takes any KeyboardInterrupt for the end of
        # training and returns. A callback's is (see notify); Ctrl-C is not:
        # a scikit-learn fit stops (a search or a loop of fits stops with it,
        # and the estimator keeps no half-trained model). It crosses skorch's
        # partial_fit as an Interrupted, raised again as the original.
        with _noting_sigint() as pressed:
            try:
                return super().fit_loop(X, y, epochs=epochs, **fit_params)
            except KeyboardInterrupt as exc:
                if getattr(exc, "from_callback", False) and not pressed:
                    raise
                raise Interrupted("training was interrupted") from exc

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
        # (nets pickled before the sizes were kept per key have no dict)
        sizes = self.__dict__.setdefault("inference_batch_sizes_", {})
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


def _to_float32(out):
    if isinstance(out, (tuple, list)):
        return type(out)(_to_float32(o) for o in out)
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        return out.float()
    return out
