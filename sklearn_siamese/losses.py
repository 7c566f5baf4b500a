"""Losses for siamese training, each taking a distance object.

Every loss is a :class:`torch.nn.Module` called as ``loss(output, target)``
and understands the three kinds of training batch the package produces:

- in-batch: ``output`` is an ``(n, d)`` embedding tensor and ``target`` the
  ``(n,)`` integer class codes of the rows; the loss runs over *all* pairs
  (or triplets) that the batch contains. Class-balanced batches of ``P``
  classes times ``K`` samples make every batch rich in both kinds of pair.
- explicit pairs: ``output`` is a tuple ``(e1, e2)`` of embeddings and
  ``target`` is 1 for "same class" and 0 for "different";
- explicit triplets: ``output`` is ``(anchor, positive, negative)``.

The formulas follow Hadsell et al. (2006) for the contrastive loss,
Schroff et al. (2015) and Hermans et al. (2017) for the triplet loss and its
mining, and Snell et al. (2017) for the prototypical loss.
"""

import torch
from torch import nn
from torch.nn import functional as F

from .distances import get_distance

__all__ = ["ContrastiveLoss", "PrototypicalLoss", "TripletLoss", "get_loss"]


def _upper_pairs(labels):
    """Masks of same-class and different-class pairs ``i < j``."""
    n = labels.shape[0]
    upper = torch.ones(n, n, dtype=torch.bool, device=labels.device).triu(1)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    return same & upper, ~same & upper


def _mean_or_zero(values, like):
    # An empty selection contributes nothing, but keeps the graph connected so
    # that ``backward`` still works on a batch that has no such pair.
    return values.mean() if values.numel() else like.sum() * 0.0


class _DistanceLoss(nn.Module):
    def __init__(self, distance="euclidean", margin=1.0):
        super().__init__()
        self.distance = get_distance(distance)
        self.margin = float(margin)

    def extra_repr(self):
        return f"distance={self.distance!r}, margin={self.margin}"


class ContrastiveLoss(_DistanceLoss):
    r"""Contrastive loss of Hadsell, Chopra and LeCun (2006).

    For a pair at distance :math:`d` with :math:`y = 1` for the same class,

    .. math:: \ell = y\, d^2 + (1 - y) \max(m - d, 0)^2 .

    Over explicit pairs the loss is the mean of :math:`\ell`. Within a
    batch of labelled embeddings it is the mean over same-class pairs plus
    the mean over different-class pairs, halved: the expectation of the
    pair loss under balanced pairs, however many pairs of each kind the
    batch holds (a batch with pairs of one kind only gives their mean).

    Parameters
    ----------
    distance : {"euclidean", "cosine", "manhattan"} or Distance, default="euclidean"
        Distance between two embeddings.
    margin : float, default=1.0
        Different-class pairs further apart than ``margin`` cost nothing.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra, Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.losses import ContrastiveLoss
    >>> e1 = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> e2 = torch.tensor([[0.6, 0.8], [0.3, 0.4]])
    >>> ContrastiveLoss(margin=1.0)((e1, e2), torch.tensor([1, 0]))
    tensor(0.6250)
    """

    def forward(self, output, target):
        if isinstance(output, (tuple, list)):
            e1, e2 = output
            same = target.bool()
            d2 = self.distance.squared_paired(e1, e2)
            d = self.distance.paired(e1, e2)
            neg = F.relu(self.margin - d).square()
            return torch.where(same, d2, neg).mean()
        pos, neg = _upper_pairs(target)
        d2 = self.distance.squared_pairwise(output, output)
        d = self.distance.pairwise(output, output)
        pos_loss = d2[pos]
        neg_loss = F.relu(self.margin - d[neg]).square()
        if not pos_loss.numel() or not neg_loss.numel():
            return _mean_or_zero(torch.cat([pos_loss, neg_loss]), output)
        return 0.5 * (pos_loss.mean() + neg_loss.mean())


class TripletLoss(_DistanceLoss):
    r"""Triplet margin loss, :math:`\max(d(a, p) - d(a, n) + m, 0)`.

    Parameters
    ----------
    distance : {"euclidean", "cosine", "manhattan"} or Distance, default="euclidean"
        Distance between two embeddings.
    margin : float, default=1.0
        How much closer the positive must be than the negative.
    mining : {"all", "hard", "semihard"}, default="all"
        Which in-batch triplets make the loss (explicit triplets are always
        used as given):

        - ``"all"``: every valid triplet of the batch, averaged over those
          with a non-zero loss ("batch all", Hermans et al. 2017);
        - ``"hard"``: per anchor, its furthest positive and nearest negative
          ("batch hard", Hermans et al. 2017);
        - ``"semihard"``: per anchor-positive pair, the nearest negative
          that is further than the positive, or the furthest negative when
          there is none (Schroff et al. 2015, as in TensorFlow Addons).

    References
    ----------
    .. [1] F. Schroff, D. Kalenichenko, J. Philbin, "FaceNet: A Unified
       Embedding for Face Recognition and Clustering", CVPR 2015.
    .. [2] A. Hermans, L. Beyer, B. Leibe, "In Defense of the Triplet Loss
       for Person Re-Identification", arXiv:1703.07737, 2017.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.losses import TripletLoss
    >>> a, p = torch.zeros(1, 2), torch.tensor([[0.0, 1.0]])
    >>> n = torch.tensor([[0.0, 1.5]])
    >>> TripletLoss(margin=1.0)((a, p, n), None)
    tensor(0.5000)
    """

    def __init__(self, distance="euclidean", margin=1.0, mining="all"):
        super().__init__(distance, margin)
        if mining not in ("all", "hard", "semihard"):
            raise ValueError(
                f"mining={mining!r} is not supported; use 'all', 'hard' or 'semihard'."
            )
        self.mining = mining

    def extra_repr(self):
        return super().extra_repr() + f", mining={self.mining!r}"

    def forward(self, output, target):
        if isinstance(output, (tuple, list)):
            a, p, n = output
            d_ap = self.distance.paired(a, p)
            d_an = self.distance.paired(a, n)
            return F.relu(d_ap - d_an + self.margin).mean()
        labels = target
        dist = self.distance.pairwise(output, output)
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
        pos_mask = same & ~eye
        neg_mask = ~same
        if self.mining == "all":
            # One row per (anchor, positive) pair, one column per sample:
            # (pairs x n) values rather than n^3.
            anchor, positive = pos_mask.nonzero(as_tuple=True)
            loss = F.relu(
                dist[anchor, positive].unsqueeze(1) - dist[anchor] + self.margin
            )
            loss = loss[neg_mask[anchor]]
            return _mean_or_zero(loss[loss > 0], output)
        if self.mining == "hard":
            hardest_pos = dist.masked_fill(~pos_mask, float("-inf")).amax(1)
            hardest_neg = dist.masked_fill(~neg_mask, float("inf")).amin(1)
            valid = pos_mask.any(1) & neg_mask.any(1)
            loss = F.relu(hardest_pos - hardest_neg + self.margin)
            return _mean_or_zero(loss[valid], output)
        # semihard: one negative per (anchor, positive) pair
        d_an = dist.unsqueeze(1)  # (a, 1, n)
        d_ap = dist.unsqueeze(2)  # (a, p, 1)
        neg = neg_mask.unsqueeze(1)
        outside = neg & (d_an > d_ap)
        nearest_outside = d_an.masked_fill(~outside, float("inf")).amin(2)
        furthest = dist.masked_fill(~neg_mask, float("-inf")).amax(1, keepdim=True)
        chosen = torch.where(outside.any(2), nearest_outside, furthest)
        valid = pos_mask & neg_mask.any(1, keepdim=True)
        loss = F.relu(dist - chosen + self.margin)
        return _mean_or_zero(loss[valid], output)


class PrototypicalLoss(nn.Module):
    r"""Prototypical-network loss (Snell et al. 2017) inside a batch.

    Each embedding is classified among the class means ("prototypes") of
    the batch by a softmax over negative distances; its own class's
    prototype leaves the embedding itself out, so every sample of a
    ``P`` classes by ``K`` samples batch is a ``P``-way, ``(K - 1)``-shot
    episode. This trains exactly for the nearest-support test of one-shot
    evaluation. Samples whose class has no other member in the batch only
    serve as prototypes.

    An optional additive margin (as in the AM-softmax / CosFace losses) is
    added to the distance to the sample's own prototype before the
    softmax, so that the sample is only classified confidently when its
    own prototype is nearer than the others by at least ``margin``.

    Parameters
    ----------
    distance : {"euclidean", "cosine", "manhattan"} or Distance, default="euclidean"
        Distance to the prototypes; the Euclidean distance is squared, as
        in the paper.
    temperature : float, default=0.1
        Logits are ``-distance / temperature``.
    margin : float, default=0.0
        Additive margin on the distance to the own prototype.

    References
    ----------
    .. [1] J. Snell, K. Swersky, R. Zemel, "Prototypical Networks for
       Few-shot Learning", NeurIPS 2017.
    .. [2] F. Wang, J. Cheng, W. Liu, H. Liu, "Additive Margin Softmax for
       Face Verification", IEEE Signal Processing Letters, 2018.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.losses import PrototypicalLoss
    >>> emb = torch.tensor([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0], [5.0, 5.1]])
    >>> PrototypicalLoss()(emb, torch.tensor([0, 0, 1, 1])) < 1e-6
    tensor(True)
    """

    def __init__(self, distance="euclidean", temperature=0.1, margin=0.0):
        super().__init__()
        self.distance = get_distance(distance)
        self.temperature = float(temperature)
        self.margin = float(margin)

    def extra_repr(self):
        return (
            f"distance={self.distance!r}, temperature={self.temperature}, "
            f"margin={self.margin}"
        )

    def _dist(self, pairwise, a, b):
        if self.distance.metric == "euclidean":
            fn = (
                self.distance.squared_pairwise
                if pairwise
                else self.distance.squared_paired
            )
        else:
            fn = self.distance.pairwise if pairwise else self.distance.paired
        return fn(a, b)

    def forward(self, output, target):
        if isinstance(output, (tuple, list)):
            raise ValueError(
                "The prototypical loss needs class-labelled batches; use "
                "sampling='batch', not explicit pairs or triplets."
            )
        classes, inv = torch.unique(target, return_inverse=True)
        counts = torch.bincount(inv, minlength=len(classes)).to(output.dtype)
        sums = output.new_zeros(len(classes), output.shape[1]).index_add(0, inv, output)
        protos = sums / counts.unsqueeze(1)
        own_count = counts[inv]
        valid = own_count > 1
        loo = (sums[inv] - output) / (own_count - 1).clamp_min(1).unsqueeze(1)
        dist = self._dist(True, output, protos)
        own = self._dist(False, output, loo)
        dist = dist.scatter(1, inv.unsqueeze(1), own.unsqueeze(1) + self.margin)
        logits = -dist / self.temperature
        if not valid.any() or len(classes) < 2:
            return output.sum() * 0.0
        return F.cross_entropy(logits[valid], inv[valid])


LOSSES = {
    "contrastive": ContrastiveLoss,
    "triplet": TripletLoss,
    "prototypical": PrototypicalLoss,
}


def get_loss(loss, *, distance="euclidean", margin=1.0, mining="all"):
    """Build a loss module from its name, or pass a module through.

    Parameters
    ----------
    loss : {"contrastive", "triplet", "prototypical"} or torch.nn.Module
        The loss name, or a ready loss module (used as given).
    distance : str or Distance, default="euclidean"
        Passed to the built-in losses.
    margin : float, default=1.0
        Margin of the contrastive and triplet losses, and the additive
        margin of the prototypical loss.
    mining : {"all", "hard", "semihard"}, default="all"
        Triplet mining strategy.

    Returns
    -------
    loss : torch.nn.Module

    Examples
    --------
    >>> from sklearn_siamese.losses import get_loss
    >>> get_loss("triplet", margin=0.5, mining="hard")
    TripletLoss(distance=EuclideanDistance(), margin=0.5, mining='hard')
    """
    if isinstance(loss, nn.Module):
        return loss
    if loss == "contrastive":
        return ContrastiveLoss(distance, margin)
    if loss == "triplet":
        return TripletLoss(distance, margin, mining)
    if loss == "prototypical":
        return PrototypicalLoss(distance, margin=margin)
    raise ValueError(
        f"loss={loss!r} is not supported; use one of {sorted(LOSSES)} or a "
        "torch.nn.Module."
    )
