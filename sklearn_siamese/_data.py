"""The rows of training and inference data, gathered a whole batch at a time.

:class:`TensorData` holds the samples (a tensor sharing memory with the
caller's array, a CSR matrix, or the two sides of pairs) and gathers the
rows of a batch by index in one operation; batches of pairs, triplets or
classes are index arrays into it, never copies of the data. ``_Epoch``
runs a batch plan (:mod:`sklearn_siamese.sampling`) for one epoch of
training batches, ``_Sequential`` yields consecutive inference batches,
and :class:`StratifiedHoldout` splits off validation rows as a subset.
"""

import math
import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["StratifiedHoldout", "TensorData", "as_tensor_data"]


def as_tensor_data(X):
    """A torch tensor sharing memory with ``X``, or a CSR matrix.

    Float64 data stay float64 (no float32 copy of the whole data set):
    :class:`TensorData` casts each batch to float32 as it gathers it, and
    inference on the CPU computes in float64 for them.
    Other dtypes become float32.
    """
    if sp.issparse(X):
        dtype = np.float64 if X.dtype == np.float64 else np.float32
        return sp.csr_matrix(X, dtype=dtype)
    X = np.asarray(X)
    dtype = np.float64 if X.dtype == np.float64 else np.float32
    if any(stride < 0 for stride in X.strides):  # torch cannot view these
        X = np.ascontiguousarray(X, dtype=dtype)
    else:
        X = np.asarray(X, dtype=dtype)
    with warnings.catch_warnings():
        # Read-only input (a memmap, say) is never written to.
        warnings.filterwarnings(
            "ignore", message="The given NumPy array is not writable"
        )
        return torch.from_numpy(X)


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
