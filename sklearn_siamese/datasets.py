"""Datasets: a loader for folders of images, and small synthetic generators.

Nothing here downloads.
"""

import numbers
import os

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["load_image_folder", "make_glyphs", "make_two_views"]


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


def make_two_views(
    n_pairs=1000,
    *,
    n_features_a=40,
    n_features_b=24,
    noise=0.1,
    map_random_state=0,
    random_state=None,
):
    """Make pairs of two views of different widths, for pseudo-siamese models.

    Side A of each pair is a standard normal vector of ``n_features_a``
    features. For a matching pair (about half of them), side B is a fixed
    linear map of A plus Gaussian noise, ``b = a @ W + noise * e``; for the
    others, B is the side B of another pair. No single feature tells
    matching pairs apart, so a linear model on ``[a | b]`` is at chance,
    while a :class:`~sklearn_siamese.PairClassifier` with ``shared=False``
    and ``n_features_a`` learns to map both views to one embedding.

    Parameters
    ----------
    n_pairs : int, default=1000
        Number of pairs.
    n_features_a, n_features_b : int, default=40 and 24
        Widths of the two views.
    noise : float, default=0.1
        Standard deviation of the noise on side B of matching pairs.
    map_random_state : int, RandomState instance or None, default=0
        Seeds the map ``W`` (standard normal entries over
        ``sqrt(n_features_a)``), which defines the task: keep it fixed to
        draw training and test pairs of one task with different
        ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seeds the pairs.

    Returns
    -------
    X : ndarray of shape (n_pairs, n_features_a + n_features_b), dtype float32
        Rows ``[a | b]``.
    y : ndarray of shape (n_pairs,)
        1 for matching pairs, 0 otherwise.

    Examples
    --------
    >>> from sklearn_siamese.datasets import make_two_views
    >>> X, y = make_two_views(6, n_features_a=3, n_features_b=2, random_state=0)
    >>> X.shape, X.dtype, y.tolist()
    ((6, 5), dtype('float32'), [0, 0, 1, 1, 0, 1])
    """
    W = check_random_state(map_random_state).normal(size=(n_features_a, n_features_b))
    W /= np.sqrt(n_features_a)
    rng = check_random_state(random_state)
    A = rng.normal(size=(n_pairs, n_features_a))
    B = A @ W + noise * rng.normal(size=(n_pairs, n_features_b))
    same = rng.rand(n_pairs) < 0.5
    others = np.flatnonzero(~same)
    if len(others) >= 2:
        # A random cyclic order: no pair keeps its own B.
        order = others[rng.permutation(len(others))]
        B[order] = B[np.roll(order, 1)]
    else:
        same[:] = True  # one non-matching pair cannot take another's B
    return np.hstack([A, B]).astype(np.float32), same.astype(int)


_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")

# Pillow opens 16-bit grayscale images in these modes; its own convert("L")
# clips them at 255 instead of scaling, so they are scaled here.
_SIXTEEN_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N")


def _check_image_size(image_size):
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        size = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        size = tuple(image_size)
    else:
        size = None
    if size is None or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
        for v in size
    ):
        raise ValueError(
            "image_size must be a positive int or a (height, width) tuple of "
            f"positive ints; got {image_size!r}."
        )
    return int(size[0]), int(size[1])


def _check_extensions(extensions):
    if isinstance(extensions, str):
        extensions = (extensions,)
    try:
        extensions = tuple(extensions)
    except TypeError:
        extensions = ()
    if not extensions or not all(
        isinstance(e, str) and e.strip(".") for e in extensions
    ):
        raise ValueError(
            "extensions must be a non-empty sequence of file extensions such as "
            f"('.png', '.jpg'); got {extensions!r}."
        )
    return tuple(sorted({"." + e.lower().lstrip(".") for e in extensions}))


def _raise(exc):
    raise exc


def _find_classes(root, extensions):
    """``[(class name, [file paths])]`` of the leaf folders under ``root``."""
    classes = []
    seen = set()
    walk = os.walk(root, onerror=_raise, followlinks=True)
    for folder, subfolders, files in walk:
        # Skip hidden folders, and folders already visited through a link.
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        images = sorted(
            f
            for f in files
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in extensions
        )
        if not images:
            continue
        if subfolders:
            raise ValueError(
                f"Folder {folder!r} holds {len(images)} image file(s) and also "
                f"subfolders {sorted(subfolders)}; each class must be a leaf "
                "folder (a folder without subfolders). Move the images into a "
                "subfolder of their own, or the subfolders out."
            )
        name = os.path.relpath(folder, root)
        if name == os.curdir:
            raise ValueError(
                f"Folder {root!r} holds {len(images)} image file(s) but no class "
                "subfolders; put the images of each class in a subfolder of "
                f"their own, e.g. {os.path.join(root, 'class_a', images[0])!r}."
            )
        name = name.replace(os.sep, "/")
        classes.append((name, [os.path.join(folder, f) for f in images]))
    return sorted(classes)


def load_image_folder(
    root,
    *,
    image_size,
    grayscale=True,
    return_paths=False,
    extensions=_IMAGE_EXTENSIONS,
):
    """Load a folder of labelled images: one class per leaf folder.

    Every folder under ``root`` without subfolders of its own (a *leaf*
    folder), at any depth, is a class, and its images are the samples of
    that class. This reads both the layout of Omniglot
    (``alphabet/character/*.png``, classes such as ``"Latin/character01"``)
    and the common ``class/*.jpg`` layout of one's own photos. Images are
    resized to ``image_size`` and scaled to ``[0, 1]``, ready for the
    convolutional branches of :class:`~sklearn_siamese.SiameseEncoder` and
    :class:`~sklearn_siamese.PairClassifier`.

    Samples come in a deterministic order: classes sorted by name, and the
    files of a class sorted by name. Files and folders whose names start
    with ``"."`` are ignored, as are files with other extensions (matched
    case-insensitively) and leaf folders without images. Image files lying
    in a folder that also has subfolders are ambiguous (their own class, or
    misplaced?) and raise a ``ValueError`` naming the folder, as do images
    directly in ``root``. Symbolic links to folders are followed; a folder
    reached twice through links is read once.

    Needs Pillow: ``pip install "sklearn-siamese[images]"``.

    Parameters
    ----------
    root : str or path-like
        The folder to read.
    image_size : int or tuple of (int, int)
        Size of the returned images, ``(height, width)``; an int gives
        square images. Every image is resized to it (bilinear), without
        keeping its aspect ratio.
    grayscale : bool, default=True
        Load images in grayscale, of shape ``(H, W)``; ``False`` loads them
        in RGB, channels first, of shape ``(3, H, W)``. Transparency is
        dropped, and animated images give their first frame.
    return_paths : bool, default=False
        Also return the path of the file of each sample.
    extensions : sequence of str, default=(".png", ".jpg", ".jpeg", ".bmp", \
            ".gif", ".tif", ".tiff", ".webp")
        Extensions of the files to read, case-insensitive.

    Returns
    -------
    X : ndarray of shape (n_samples, H, W) or (n_samples, 3, H, W)
        The images, float32 in ``[0, 1]``; 16-bit images are scaled from
        their full 16-bit range.
    y : ndarray of str of shape (n_samples,)
        The class of each image: the path of its leaf folder relative to
        ``root``, with ``"/"`` separators on every platform.
    paths : ndarray of str of shape (n_samples,)
        The file of each image, ``root`` joined with its relative path.
        Only returned when ``return_paths=True``.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is not a folder.
    ValueError
        If ``image_size`` or ``extensions`` is invalid; if no images are
        found; if a folder with subfolders also holds images; or if an
        image file cannot be read (the message names the file).

    See Also
    --------
    make_glyphs : Synthetic Omniglot-like characters, without files.

    Examples
    --------
    >>> import os, tempfile
    >>> from PIL import Image
    >>> from sklearn_siamese.datasets import load_image_folder
    >>> with tempfile.TemporaryDirectory() as root:
    ...     for name in ["Latin/a", "Latin/b", "Greek/alpha"]:
    ...         os.makedirs(os.path.join(root, *name.split("/")))
    ...         for i in range(2):
    ...             image = Image.new("RGB", (40, 30), color=(255, 128, 0))
    ...             image.save(os.path.join(root, *name.split("/"), f"{i}.png"))
    ...     X, y = load_image_folder(root, image_size=28)
    ...     X_rgb, _ = load_image_folder(root, image_size=(32, 24), grayscale=False)
    >>> X.shape, X.dtype, X_rgb.shape
    ((6, 28, 28), dtype('float32'), (6, 3, 32, 24))
    >>> y.tolist()
    ['Greek/alpha', 'Greek/alpha', 'Latin/a', 'Latin/a', 'Latin/b', 'Latin/b']
    >>> X_rgb[0, :, 0, 0].round(2).tolist()
    [1.0, 0.5, 0.0]
    """
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(
            "load_image_folder needs Pillow; install it with "
            'pip install "sklearn-siamese[images]" (or pip install pillow).'
        ) from exc
    height, width = _check_image_size(image_size)
    extensions = _check_extensions(extensions)
    root = os.fspath(root)
    if not os.path.exists(root):
        raise FileNotFoundError(f"No such folder: {root!r}.")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"{root!r} is not a folder.")

    classes = _find_classes(root, extensions)
    if not classes:
        raise ValueError(
            f"No images found under {root!r}: expected one subfolder per class "
            f"holding files with extensions {', '.join(extensions)}."
        )
    y = np.array([name for name, files in classes for _ in files], dtype=str)
    paths = np.array([path for _, files in classes for path in files], dtype=str)

    shape = (height, width) if grayscale else (3, height, width)
    X = np.empty((len(paths), *shape), dtype=np.float32)
    mode = "L" if grayscale else "RGB"
    unreadable = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)
    for i, path in enumerate(paths.tolist()):  # str, not np.str_, in messages
        try:
            with Image.open(path) as image:
                if image.mode in _SIXTEEN_BIT_MODES:
                    high = np.asarray(image, dtype=np.int32).clip(0, 65535) >> 8
                    image = Image.fromarray(high.astype(np.uint8), mode="L")
                image = image.convert(mode)
        except unreadable as exc:
            raise ValueError(
                f"Cannot read the image file {path!r}: {exc}. Replace it "
                "with a readable image, or remove it."
            ) from exc
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(image, dtype=np.float32)
        X[i] = pixels if grayscale else pixels.transpose(2, 0, 1)
    X /= 255.0
    if return_paths:
        return X, y, paths
    return X, y
