"""Random affine distortion of image batches, applied on the device."""

import math
import numbers

import torch
from torch.nn import functional as F

__all__ = ["RandomAffine"]


def _is_real(value):
    """A finite real number, not a bool."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


class RandomAffine:
    """Small random affine distortions of a batch of images.

    Each image gets its own rotation, shear, scale and shift, drawn from
    torch's generator (seeded by the estimator's ``random_state``), applied
    with one ``affine_grid`` / ``grid_sample`` call for the whole batch.
    Rotations and shears are those of pixel space, also for images that
    are not square.
    Koch et al. (2015) trained with such distortions.

    Parameters
    ----------
    degrees : float, default=10.0
        Maximal rotation, in degrees.
    translate : float, default=0.1
        Maximal shift, as a fraction of the image size.
    scale : tuple of float, default=(0.9, 1.1)
        Range of the zoom factor.
    shear : float, default=0.1
        Maximal shear.

    Examples
    --------
    >>> import torch
    >>> from sklearn_siamese.augment import RandomAffine
    >>> RandomAffine()(torch.zeros(4, 8, 8)).shape
    torch.Size([4, 8, 8])
    """

    def __init__(self, degrees=10.0, translate=0.1, scale=(0.9, 1.1), shear=0.1):
        for name, value in [
            ("degrees", degrees),
            ("translate", translate),
            ("shear", shear),
        ]:
            if not _is_real(value) or value < 0:
                raise ValueError(
                    f"{name} must be a non-negative number (the largest "
                    f"distortion); got {value!r}."
                )
        if not (
            isinstance(scale, (tuple, list))
            and len(scale) == 2
            and all(_is_real(v) and v > 0 for v in scale)
            and scale[0] <= scale[1]
        ):
            raise ValueError(
                "scale must be a (min, max) pair of positive zoom factors with "
                f"min <= max, e.g. (0.9, 1.1); got {scale!r}."
            )
        self.degrees = degrees
        self.translate = translate
        self.scale = tuple(scale)
        self.shear = shear

    def __call__(self, x):
        if isinstance(x, (tuple, list)):
            return type(x)(self(xi) for xi in x)
        images = x.unsqueeze(1) if x.ndim == 3 else x
        n = images.shape[0]

        def uniform(low, high):
            return torch.rand(n, device=x.device) * (high - low) + low

        angle = uniform(-self.degrees, self.degrees) * (math.pi / 180)
        zoom = uniform(*self.scale)
        shear = uniform(-self.shear, self.shear)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.stack(
            [
                torch.stack(
                    [cos, -sin + shear * cos, uniform(-1, 1) * 2 * self.translate], 1
                ),
                torch.stack(
                    [sin, cos + shear * sin, uniform(-1, 1) * 2 * self.translate], 1
                ),
            ],
            1,
        ).to(images.dtype)
        # theta acts on coordinates normalised to [-1, 1] along each axis;
        # rescale the off-diagonal terms so that the rotation and the shear
        # are those of pixel space also for non-square images.
        height, width = images.shape[-2:]
        theta[:, 0, 1] *= height / width
        theta[:, 1, 0] *= width / height
        grid = F.affine_grid(theta, images.shape, align_corners=False)
        out = F.grid_sample(images, grid, align_corners=False, padding_mode="zeros")
        return out.squeeze(1) if x.ndim == 3 else out

    def __repr__(self):
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
            f"scale={self.scale}, shear={self.shear})"
        )
