"""Distances between embeddings, in the pytorch-metric-learning style.

A loss takes a distance object, so swapping the cosine distance for the
Euclidean one is a parameter, not a new loss. Every distance offers two
views of the same quantity:

- ``pairwise(a, b)`` -> the ``(len(a), len(b))`` matrix of distances,
  used by in-batch losses over all pairs of a batch;
- ``paired(a, b)`` -> the ``(len(a),)`` distances between rows ``a[i]`` and
  ``b[i]``, used by losses over explicit pairs and triplets.

``squared_pairwise`` and ``squared_paired`` return the squared distances;
the contrastive loss uses them for same-class pairs so that the gradient
stays finite at distance zero.
"""

import torch

__all__ = [
    "CosineDistance",
    "Distance",
    "EuclideanDistance",
    "ManhattanDistance",
    "get_distance",
]

# Added under square roots: keeps gradients finite where two embeddings
# coincide (the diagonal of a pairwise matrix, duplicated samples).
_EPS = 1e-12


class Distance:
    """Base class: subclasses implement ``pairwise`` and ``paired``.

    ``metric`` is the name under which scikit-learn's neighbours know the
    same distance, so that evaluation in embedding space (for example
    ``SiameseEncoder.score``) uses exactly the distance the network was
    trained with.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.distances import Distance
    >>> class Chebyshev(Distance):
    ...     metric = "chebyshev"
    ...     def pairwise(self, a, b):
    ...         return (a[:, None] - b[None]).abs().amax(-1)
    ...     def paired(self, a, b):
    ...         return (a - b).abs().amax(-1)
    >>> Chebyshev().paired(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, -3.0]]))
    tensor([3.])
    """

    metric = None

    def pairwise(self, a, b):
        """Distances between every row of ``a`` and every row of ``b``.

        Parameters
        ----------
        a : torch.Tensor of shape (n, d)
        b : torch.Tensor of shape (m, d)

        Returns
        -------
        distances : torch.Tensor of shape (n, m)
            Differentiable, with finite gradients where rows coincide.
        """
        raise NotImplementedError

    def paired(self, a, b):
        """Distances between the rows ``a[i]`` and ``b[i]``.

        Parameters
        ----------
        a, b : torch.Tensor of shape (n, d)

        Returns
        -------
        distances : torch.Tensor of shape (n,)
        """
        raise NotImplementedError

    def squared_pairwise(self, a, b):
        """The squares of :meth:`pairwise`, which some losses use (the
        Euclidean distance computes them without a square root)."""
        return self.pairwise(a, b).square()

    def squared_paired(self, a, b):
        """The squares of :meth:`paired`."""
        return self.paired(a, b).square()

    def __repr__(self):
        return f"{type(self).__name__}()"


class EuclideanDistance(Distance):
    """The L2 distance ``||a - b||_2``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.distances import EuclideanDistance
    >>> a, b = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])
    >>> EuclideanDistance().paired(a, b)
    tensor([5.])
    """

    metric = "euclidean"

    def squared_pairwise(self, a, b):
        # |a|^2 + |b|^2 - 2 a.b, after moving both sets by the same vector
        # (distances do not change) so that the norms are small: the
        # expansion cancels badly for vectors far from the origin.
        if len(a):
            centre = a.mean(0).detach()
            a, b = a - centre, b - centre
        sq = (
            a.square().sum(1, keepdim=True)
            + b.square().sum(1).unsqueeze(0)
            - 2.0 * (a @ b.T)
        )
        return sq.clamp_min(0.0)

    def pairwise(self, a, b):
        return (self.squared_pairwise(a, b) + _EPS).sqrt()

    def squared_paired(self, a, b):
        return (a - b).square().sum(1)

    def paired(self, a, b):
        return (self.squared_paired(a, b) + _EPS).sqrt()


class CosineDistance(Distance):
    """The cosine distance ``1 - cos(a, b)``, in ``[0, 2]``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.distances import CosineDistance
    >>> CosineDistance().paired(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]]))
    tensor([1.])
    """

    metric = "cosine"

    @staticmethod
    def _unit(a):
        return torch.nn.functional.normalize(a, dim=1, eps=1e-8)

    def pairwise(self, a, b):
        return 1.0 - self._unit(a) @ self._unit(b).T

    def paired(self, a, b):
        return 1.0 - (self._unit(a) * self._unit(b)).sum(1)


class ManhattanDistance(Distance):
    """The L1 distance ``||a - b||_1``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.distances import ManhattanDistance
    >>> a, b = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, -4.0]])
    >>> ManhattanDistance().paired(a, b)
    tensor([7.])
    """

    metric = "manhattan"

    def pairwise(self, a, b):
        return (a.unsqueeze(1) - b.unsqueeze(0)).abs().sum(2)

    def paired(self, a, b):
        return (a - b).abs().sum(1)


DISTANCES = {
    "euclidean": EuclideanDistance,
    "cosine": CosineDistance,
    "manhattan": ManhattanDistance,
}


def get_distance(distance):
    """Return a distance object from its name or pass an instance through.

    Parameters
    ----------
    distance : {"euclidean", "cosine", "manhattan"} or Distance
        The name of a built-in distance, or a :class:`Distance` instance.

    Returns
    -------
    distance : Distance

    Examples
    --------
    >>> from sklearn_siamese.distances import get_distance
    >>> get_distance("cosine")
    CosineDistance()
    """
    if isinstance(distance, Distance):
        return distance
    try:
        return DISTANCES[distance]()
    except (KeyError, TypeError):
        raise ValueError(
            f"distance={distance!r} is not supported; use one of "
            f"{sorted(DISTANCES)} or a Distance instance."
        ) from None
