"""Branch networks and the siamese wrapper that shares them.

A *branch* maps one input sample to an embedding vector. The built-in
branches are sized from the input shape and the embedding size the
estimator asks for:

- :class:`MLP` for tabular input (it flattens anything else);
- :class:`ConvNet`, a compact VGG-style conv net whose pooling adapts to
  the image size (8x8 digits as well as 105x105 Omniglot characters);
- :class:`KochNet`, the conv net of Koch et al. (2015), kernel sizes scaled
  to the input.

:class:`SiameseNetwork` applies one branch to every input of a pair or
triplet (shared weights), or two different branches for a pseudo-siamese
network, optionally followed by a head that turns two embeddings into a
"same?" logit.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "MLP",
    "ConvNet",
    "CosineHead",
    "ExpHead",
    "KochHead",
    "KochNet",
    "SiameseNetwork",
]


def _image_shape(input_shape):
    """``(C, H, W)`` from a sample shape ``(H, W)`` or ``(C, H, W)``."""
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) == 2:
        return (1, *input_shape)
    if len(input_shape) == 3:
        return input_shape
    raise ValueError(
        "Convolutional branches need image samples of shape (H, W) or "
        f"(C, H, W); got samples of shape {input_shape}."
    )


def _as_images(x):
    # (n, H, W) grayscale batches gain their channel axis here, as a view.
    return x.unsqueeze(1) if x.ndim == 3 else x


class MLP(nn.Module):
    """Multi-layer perceptron branch: ``Linear -> ReLU -> Dropout`` blocks.

    Like the branch of the Keras MNIST siamese example (dense ReLU layers
    with dropout 0.1), with two hidden layers of 256 units, ending in a
    linear layer of ``embedding_dim`` units. Input of any shape is
    flattened.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, e.g. ``(n_features,)``.
    embedding_dim : int, default=64
        Size of the output embedding.
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Units of the hidden layers.
    dropout : float, default=0.1
        Dropout probability after each hidden layer.
    batch_norm : bool, default=False
        Add batch normalisation before each activation.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import MLP
    >>> MLP((10,), embedding_dim=3)(torch.zeros(4, 10)).shape
    torch.Size([4, 3])
    """

    def __init__(
        self,
        input_shape,
        embedding_dim=64,
        hidden_layer_sizes=(256, 256),
        dropout=0.1,
        batch_norm=False,
    ):
        super().__init__()
        layers = [nn.Flatten()]
        n_in = math.prod(input_shape)
        for n_out in hidden_layer_sizes:
            layers.append(nn.Linear(n_in, n_out))
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(nn.ReLU())
            if dropout:
                layers.append(nn.Dropout(dropout))
            n_in = n_out
        layers.append(nn.Linear(n_in, embedding_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class ConvNet(nn.Module):
    """Compact convolutional branch for images of any size.

    Each block is ``Conv 3x3 -> BatchNorm -> ReLU -> MaxPool 2x2`` (run as
    pool then ReLU, which is the same function, cheaper); a block skips its
    pooling once the feature map is down to 1 pixel, so 8x8
    digits work as well as 105x105 characters. Global average pooling and a
    linear layer give the embedding. This is the "Conv-4" backbone of
    few-shot learning (Snell et al. 2017), with a narrower first block.

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` of one image.
    embedding_dim : int, default=64
        Size of the output embedding.
    channels : tuple of int, default=(32, 64, 64, 64)
        Output channels of the convolutional blocks.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import ConvNet
    >>> ConvNet((8, 8), embedding_dim=5)(torch.zeros(2, 8, 8)).shape
    torch.Size([2, 5])
    """

    def __init__(self, input_shape, embedding_dim=64, channels=(32, 64, 64, 64)):
        super().__init__()
        c, h, w = _image_shape(input_shape)
        blocks = []
        # Max-pooling before the ReLU gives the same outputs and gradients
        # (both are monotone) with the ReLU on a map a quarter of the size.
        for n_out in channels:
            blocks += [
                nn.Conv2d(c, n_out, 3, padding=1, bias=False),
                nn.BatchNorm2d(n_out),
            ]
            if min(h, w) >= 2:
                blocks.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            blocks.append(nn.ReLU(inplace=True))
            c = n_out
        self.features = nn.Sequential(*blocks)
        self.embed = nn.Linear(c, embedding_dim)
        # NHWC convolutions are 1.2-1.6x faster on CPU (oneDNN) and use tensor
        # cores on GPU; a 1-channel NCHW batch already is NHWC in memory.
        self.to(memory_format=torch.channels_last)

    def forward(self, x):
        x = self.features(_as_images(x))
        return self.embed(x.mean((2, 3)))


class KochNet(nn.Module):
    """The convolutional branch of Koch, Zemel and Salakhutdinov (2015).

    For 105x105 inputs and ``embedding_dim=4096`` this is the paper's
    network: Conv 64@10x10 -> pool -> Conv 128@7x7 -> pool -> Conv 128@4x4
    -> pool -> Conv 256@4x4 -> Dense(``embedding_dim``) with a sigmoid, all
    convolutions followed by ReLU. For other sizes the kernel sizes are
    scaled by ``min(H, W) / 105`` (at least 2 pixels where the map allows),
    pooling stops once a feature map is down to 1 pixel, and a last feature
    map larger than the paper's 6x6 (large or elongated images) is
    max-pooled down to ``pool_to`` pixels per axis, so that the dense layer
    never gets wider than the paper's. Weights are
    initialised as in the paper: convolution weights from N(0, 0.01), dense
    weights from N(0, 0.2), biases from N(0.5, 0.01).

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` of one image.
    embedding_dim : int, default=4096
        Units of the final dense (sigmoid) layer.
    channels : tuple of int, default=(64, 128, 128, 256)
        Output channels of the four convolutions.
    kernel_sizes : tuple of int, default=(10, 7, 4, 4)
        Kernel sizes for 105x105 input, scaled to the input size.
    pool_to : int or None, default=6
        Largest side of the last feature map; a larger one is max-pooled
        down to it. None keeps it as it is (the dense layer then grows with
        the image).

    References
    ----------
    .. [1] G. Koch, R. Zemel, R. Salakhutdinov, "Siamese Neural Networks for
       One-shot Image Recognition", ICML Deep Learning Workshop, 2015.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import KochNet
    >>> KochNet((28, 28), embedding_dim=16)(torch.zeros(2, 28, 28)).shape
    torch.Size([2, 16])
    """

    def __init__(
        self,
        input_shape,
        embedding_dim=4096,
        channels=(64, 128, 128, 256),
        kernel_sizes=(10, 7, 4, 4),
        pool_to=6,
    ):
        super().__init__()
        c, h, w = _image_shape(input_shape)
        if len(channels) != len(kernel_sizes):
            raise ValueError(
                "KochNet needs one kernel size per convolution; got "
                f"channels={tuple(channels)} and kernel_sizes={tuple(kernel_sizes)}."
            )
        scale = min(h, w) / 105.0
        layers = []
        for i, (n_out, k) in enumerate(zip(channels, kernel_sizes)):
            k = min(max(2, round(k * scale)), h, w)
            layers.append(nn.Conv2d(c, n_out, k))
            h, w = h - k + 1, w - k + 1
            if i < len(channels) - 1 and min(h, w) >= 2:
                layers.append(nn.MaxPool2d(2))  # before the ReLU: same result
                h, w = h // 2, w // 2
            layers.append(nn.ReLU(inplace=True))
            c = n_out
        if pool_to is not None and max(h, w) > pool_to:
            h, w = min(h, pool_to), min(w, pool_to)
            layers.append(nn.AdaptiveMaxPool2d((h, w)))
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(c * h * w, embedding_dim), nn.Sigmoid())
        self.reset_parameters()
        self.to(memory_format=torch.channels_last)

    def reset_parameters(self):
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(
                    m.weight, 0.0, 1e-2 if isinstance(m, nn.Conv2d) else 0.2
                )
                nn.init.normal_(m.bias, 0.5, 1e-2)

    def forward(self, x):
        return self.embed(self.features(_as_images(x)))


class KochHead(nn.Module):
    """Koch et al.'s head: ``|e1 - e2| -> Linear -> logit`` of "same".

    Parameters
    ----------
    embedding_dim : int
        Size of the embeddings it compares.
    scale : float, default=1.0
        Multiplies ``|e1 - e2|`` before the linear layer. For L2-normalised
        embeddings, whose components are about ``1 / sqrt(embedding_dim)``,
        ``sqrt(embedding_dim)`` brings them to order one, the scale the
        linear layer's initialisation expects.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import KochHead
    >>> KochHead(4)(torch.zeros(3, 4), torch.ones(3, 4)).shape
    torch.Size([3])
    """

    def __init__(self, embedding_dim, scale=1.0):
        super().__init__()
        self.linear = nn.Linear(embedding_dim, 1)
        self.scale = scale

    def forward(self, e1, e2):
        diff = (e1 - e2).abs()
        scale = getattr(self, "scale", 1.0)  # heads pickled before it existed
        if scale != 1.0:
            diff = diff * scale
        return self.linear(diff).squeeze(1)


class CosineHead(nn.Module):
    """Logit of "same" from the cosine similarity: ``scale * cos + bias``.

    ``scale`` and ``bias`` are learned, starting at 10 and -5.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import CosineHead
    >>> CosineHead()(torch.ones(2, 3), torch.ones(2, 3))
    tensor([5., 5.], grad_fn=<AddBackward0>)
    """

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.bias = nn.Parameter(torch.tensor(-5.0))

    def forward(self, e1, e2):
        return self.scale * F.cosine_similarity(e1, e2, dim=1, eps=1e-8) + self.bias


class ExpHead(nn.Module):
    """The MaLSTM similarity ``exp(-||e1 - e2||_1)`` as P(same), as a logit.

    Returns ``log(p / (1 - p))`` for ``p = exp(-d)``, computed stably, so
    that it trains with the binary cross-entropy on logits.

    References
    ----------
    .. [1] J. Mueller, A. Thyagarajan, "Siamese Recurrent Architectures for
       Learning Sentence Similarity", AAAI 2016.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import ExpHead
    >>> p = torch.sigmoid(ExpHead()(torch.zeros(1, 2), torch.tensor([[0.5, 0.5]])))
    >>> torch.allclose(p, torch.exp(torch.tensor(-1.0)))
    True
    """

    def forward(self, e1, e2):
        d = (e1 - e2).abs().sum(1).clamp_min(1e-6)
        return -d - torch.log(-torch.expm1(-d))


def _concat(xs):
    """``torch.cat(xs)``, without a copy when the tensors of ``xs`` are the
    consecutive row blocks of one tensor, as the training loop gathers
    pairs and triplets."""
    base = xs[0]._base
    if (
        base is None
        or base.requires_grad
        or not base.is_contiguous()
        or base.shape[1:] != xs[0].shape[1:]
        or base.shape[0] != sum(len(x) for x in xs)
    ):
        return torch.cat(xs)
    step = xs[0][:1].numel() * xs[0].element_size()
    start = base.data_ptr()
    for x in xs:
        if x._base is not base or not x.is_contiguous() or x.data_ptr() != start:
            return torch.cat(xs)
        start += len(x) * step
    return base


class SiameseNetwork(nn.Module):
    """Applies a branch to each input of a tuple, with shared weights.

    Called with one tensor, it returns its embeddings (through
    ``branch_b`` when ``second=True``); called with two or
    three tensors (a pair or a triplet), it returns a tuple of embeddings,
    or ``head(e1, e2)`` when a head is set. With a shared branch, all
    inputs go through the branch in one batch.

    Parameters
    ----------
    branch : torch.nn.Module
        The network applied to every input (to the first input when
        ``branch_b`` is given).
    branch_b : torch.nn.Module, default=None
        A second network for the second input: a pseudo-siamese network
        without weight sharing.
    head : torch.nn.Module, default=None
        Maps two embeddings to a "same?" score.
    normalize : bool, default=False
        L2-normalise the embeddings.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.modules import MLP, SiameseNetwork
    >>> net = SiameseNetwork(MLP((10,), embedding_dim=3), normalize=True)
    >>> e1, e2 = net(torch.zeros(4, 10), torch.ones(4, 10))
    >>> e1.shape, e2.shape
    (torch.Size([4, 3]), torch.Size([4, 3]))
    """

    def __init__(self, branch, branch_b=None, head=None, normalize=False):
        super().__init__()
        self.branch = branch
        self.branch_b = branch_b
        self.head = head
        self.normalize = normalize

    def embed(self, x, second=False):
        """Embeddings of single samples.

        Parameters
        ----------
        x : torch.Tensor of shape (n, *sample_shape)
            Samples of one side.
        second : bool, default=False
            Use ``branch_b`` (side B of a pseudo-siamese network), when
            there is one.

        Returns
        -------
        embeddings : torch.Tensor of shape (n, n_dims)
            L2-normalised when ``normalize`` is set.
        """
        branch = self.branch_b if second and self.branch_b is not None else self.branch
        e = branch(x)
        if not (isinstance(e, torch.Tensor) and e.ndim == 2 and len(e) == len(x)):
            got = (
                f"a tensor of shape {tuple(e.shape)}"
                if isinstance(e, torch.Tensor)
                else f"a {type(e).__name__}"
            )
            raise ValueError(
                f"The branch {type(branch).__name__} must return one tensor of "
                f"shape (n_samples, n_dims); for {len(x)} samples it returned "
                f"{got}. Flatten its features, or return only the embedding."
            )
        if not self.normalize:
            return e
        if e.shape[1] < 2:
            raise ValueError(
                "normalize=True scales every embedding to length 1, which "
                "leaves a 1-dimensional embedding only +1 and -1; use "
                "embedding_dim=2 or more, or normalize=False."
            )
        return F.normalize(e, dim=1)

    def forward(self, *xs, second=False):
        if len(xs) == 1:
            return self.embed(xs[0], second=second)
        if self.branch_b is not None:
            a, b = xs[0], xs[1]
            if b._base is not None and b._base is a._base:
                # blocks of one batch tensor: autograd versions the whole
                # storage, so a side-B branch working in place would spoil
                # what side A's first layer saved for the backward pass
                b = b.clone()
            embeddings = (self.embed(a), self.embed(b, second=True))
            if embeddings[0].shape[1] != embeddings[1].shape[1]:
                raise ValueError(
                    "The two branches must give embeddings of one size; side A "
                    f"gives {embeddings[0].shape[1]} dimensions, side B "
                    f"{embeddings[1].shape[1]}. Build both to end in the same "
                    "number of units."
                )
        elif all(x.shape == xs[0].shape for x in xs):
            embeddings = self.embed(_concat(xs)).chunk(len(xs))
        else:
            embeddings = tuple(self.embed(x) for x in xs)
        if self.head is not None:
            # The head in float32 (or float64), also under mixed precision:
            # a bfloat16 logit (3 significant digits) would tie most pairs.
            with torch.autocast(embeddings[0].device.type, enabled=False):
                return self.head(*(_at_least_float32(e) for e in embeddings))
        return tuple(embeddings)


def _at_least_float32(x):
    return x if x.dtype in (torch.float32, torch.float64) else x.float()
