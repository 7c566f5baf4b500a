"""Datasets: generators of small synthetic data sets. Nothing here downloads."""

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["make_glyphs"]


def _bezier(points, n_steps):
    """Points along the quadratic B-spline through ``points`` (..., k, 2)."""
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    mids = (points[..., :-1, :] + points[..., 1:, :]) / 2
    starts = np.concatenate([points[..., :1, :], mids[..., 1:-1, :]], axis=-2)
    ends = np.concatenate([mids[..., 1:-1, :], points[..., -1:, :]], axis=-2)
    ctrl = points[..., 1:-1, :]
    curve = (
        (1 - t) ** 2 * starts[..., :, None, :]
        + 2 * (1 - t) * t * ctrl[..., :, None, :]
        + t**2 * ends[..., :, None, :]
    )
    return curve.reshape(*curve.shape[:-3], -1, 2)


def make_glyphs(
    n_classes=20,
    n_per_class=20,
    *,
    image_size=28,
    n_strokes=(1, 3),
    jitter=0.04,
    random_state=None,
):
    """Make images of synthetic hand-drawn characters, Omniglot style.

    Each class is a random character of ``n_strokes`` smooth pen strokes;
    each sample redraws it by hand: the stroke control points jitter, the
    pen width varies and the whole glyph is slightly rotated, scaled and
    shifted. Classes share no structure, so the data suit one-shot learning
    experiments on classes never seen in training, without downloads.

    Parameters
    ----------
    n_classes : int, default=20
        Number of characters.
    n_per_class : int, default=20
        Drawings of each character.
    image_size : int, default=28
        Images are ``image_size x image_size``.
    n_strokes : tuple of int, default=(1, 3)
        Inclusive range of the number of strokes of a character.
    jitter : float, default=0.04
        Standard deviation of the per-drawing control-point noise, as a
        fraction of the image size.
    random_state : int, RandomState instance or None, default=None
        Seeds the characters and their drawings.

    Returns
    -------
    X : ndarray of shape (n_classes * n_per_class, image_size, image_size)
        Grayscale float32 images in ``[0, 1]``, ink bright on black.
    y : ndarray of shape (n_classes * n_per_class,)
        Class of each image, ``0 ... n_classes - 1``, grouped by class.

    Examples
    --------
    >>> from sklearn_siamese.datasets import make_glyphs
    >>> X, y = make_glyphs(n_classes=3, n_per_class=2, random_state=0)
    >>> X.shape, X.dtype, y.tolist()
    ((6, 28, 28), dtype('float32'), [0, 0, 1, 1, 2, 2])
    """
    rng = check_random_state(random_state)
    max_strokes, k = n_strokes[1], 4
    # Characters: control points of each stroke, and how many strokes count.
    proto = rng.uniform(0.15, 0.85, size=(n_classes, max_strokes, k, 2))
    used = rng.randint(n_strokes[0], n_strokes[1] + 1, size=n_classes)
    y = np.repeat(np.arange(n_classes), n_per_class)
    n = len(y)
    # Drawings: jittered control points, then a random affine map per image.
    pts = proto[y] + rng.normal(0, jitter, size=(n, max_strokes, k, 2))
    angle = rng.uniform(-0.2, 0.2, n)
    scale = rng.uniform(0.9, 1.1, n)
    shift = rng.uniform(-0.05, 0.05, (n, 2))
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    rot = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    pts = np.einsum("nij,nskj->nski", rot, pts - 0.5) + 0.5 + shift[:, None, None]
    curve = _bezier(pts, 6)  # (n, strokes, segments + 1, 2)
    seg_a, seg_b = curve[:, :, :-1], curve[:, :, 1:]
    # Strokes beyond a character's count are moved far off the canvas.
    off = np.arange(max_strokes)[None, :] >= used[y][:, None]
    seg_a = np.where(off[:, :, None, None], 10.0, seg_a).reshape(n, -1, 2)
    seg_b = np.where(off[:, :, None, None], 10.0, seg_b).reshape(n, -1, 2)
    width = rng.uniform(0.025, 0.045, n)[:, None]
    grid = (torch.arange(image_size, dtype=torch.float32) + 0.5) / image_size
    pix = torch.stack(torch.meshgrid(grid, grid, indexing="xy"), -1).reshape(-1, 2)
    seg_a = torch.from_numpy(seg_a.astype(np.float32))
    seg_b = torch.from_numpy(seg_b.astype(np.float32))
    width = torch.from_numpy(width.astype(np.float32))
    X = torch.empty(n, image_size * image_size)
    with torch.inference_mode():
        for start in range(0, n, 500):
            sl = slice(start, start + 500)
            a, ab = seg_a[sl, :, None], (seg_b[sl] - seg_a[sl])[:, :, None]
            t = ((pix - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)
            closest = a + t.clamp(0, 1).unsqueeze(-1) * ab
            d = (pix - closest).norm(dim=-1).amin(1)
            X[sl] = (1.5 - d / width[sl]).clamp(0.0, 1.0)
    X = X.numpy()
    return X.reshape(n, image_size, image_size), y
