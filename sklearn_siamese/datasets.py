"""Datasets: a loader for folders of images, and small synthetic generators.

Nothing here downloads.
"""

import numbers
import os
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._compat import Amount, Count, validate_params

__all__ = [
    "UnreadableImageError",
    "load_image_folder",
    "make_glyphs",
    "make_two_views",
    "read_image",
]


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


# Points (pixel x segment pairs) that make_glyphs handles at once: 64 MiB
# per float32 temporary of 2-D points, whatever the image size.
_GLYPH_BUDGET = 2**23


@validate_params(
    {
        "n_classes": [Count(1, None, closed="left")],
        "n_per_class": [Count(1, None, closed="left")],
        "image_size": [Count(1, None, closed="left")],
        "n_strokes": "no_validation",  # checked by _check_n_strokes
        "jitter": [Amount(0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
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
        Images are ``image_size x image_size``; the glyphs are square, so
        resize them (e.g. with ``PIL.Image.resize``) for other shapes.
    n_strokes : tuple of (int, int), default=(1, 3)
        Inclusive range ``(min, max)`` of the number of strokes of a
        character, ``1 <= min <= max``; ``(2, 2)`` gives every character
        two strokes. Any sequence or array of two ints is accepted.
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
    n_strokes = _check_n_strokes(n_strokes)
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
    # rows per chunk: each temporary holds rows x segments x pixels points
    rows = max(1, _GLYPH_BUDGET // (seg_a.shape[1] * image_size * image_size))
    with torch.inference_mode():
        for start in range(0, n, rows):
            sl = slice(start, start + rows)
            a, ab = seg_a[sl, :, None], (seg_b[sl] - seg_a[sl])[:, :, None]
            t = ((pix - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)
            closest = a + t.clamp(0, 1).unsqueeze(-1) * ab
            d = (pix - closest).norm(dim=-1).amin(1)
            X[sl] = (1.5 - d / width[sl]).clamp(0.0, 1.0)
    X = X.numpy()
    return X.reshape(n, image_size, image_size), y


def _check_n_strokes(n_strokes):
    """``(min, max)`` of ``make_glyphs``' ``n_strokes`` (any sequence or
    array of two ints), or a clear error."""
    values = (
        list(n_strokes)
        if isinstance(n_strokes, (Sequence, np.ndarray))
        and not isinstance(n_strokes, (str, bytes, bytearray))
        else []
    )
    if len(values) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
        for v in values
    ):
        low, high = int(values[0]), int(values[1])
        if 1 <= low <= high:
            return low, high
    raise ValueError(
        "n_strokes must be a (min, max) tuple of ints with 1 <= min <= max, "
        f"e.g. (1, 3), or (2, 2) for exactly two strokes; got {n_strokes!r}."
    )


@validate_params(
    {
        "n_pairs": [Count(1, None, closed="left")],
        "n_features_a": [Count(1, None, closed="left")],
        "n_features_b": [Count(1, None, closed="left")],
        "noise": [Amount(0, None, closed="left")],
        "map_random_state": ["random_state"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
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
    others, B is the side B of another pair (of one not returned, for a
    single non-matching pair of ``n_pairs=1``). No single feature tells
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
    elif len(others) == 1 and n_pairs >= 2:
        # The one non-matching pair takes the B of a matching pair.
        B[others[0]] = B[rng.choice(np.flatnonzero(same))]
    elif len(others) == 1:
        # A lone pair: the B of a pair that was not drawn.
        B[0] = rng.normal(size=n_features_a) @ W + noise * rng.normal(size=n_features_b)
    return np.hstack([A, B]).astype(np.float32), same.astype(int)


_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")

# The integer modes Pillow opens 16-bit grayscale images in ("I;16",
# "I;16B", ...; older Pillows open 16-bit PNGs as "I"); its own
# convert("L") clips them at 255 instead of scaling, so they are scaled here.
_SIXTEEN_BIT_PREFIX = "I;16"

# The EXIF orientation tag; 1 (or no tag) means the image is stored upright.
_ORIENTATION = 0x0112


class UnreadableImageError(ValueError):
    """An image file that Pillow cannot read.

    Raised by :func:`read_image` and :func:`load_image_folder`; a
    ``ValueError`` whose message names the file and the fix.

    Attributes
    ----------
    path : str
        The file.
    reason : str
        Why it cannot be read, in Pillow's words (e.g. ``"image file is
        truncated"``).

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_siamese.datasets import UnreadableImageError, read_image
    >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"not an image")
    >>> try:
    ...     read_image(path, image_size=28)
    ... except UnreadableImageError as exc:
    ...     print(exc.reason.startswith("cannot identify image file"))
    True
    """

    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        end = "" if reason.endswith(".") else "."
        super().__init__(
            f"Cannot read the image file {path!r}: {reason}{end} Replace it "
            "with a readable image, or remove it."
        )


def _as_8_bit(image):
    """``image`` in a mode that ``convert("L")`` and ``convert("RGB")`` scale
    right: 16-bit and 32-bit integer and float images become 8-bit ``"L"``.

    One fixed scale per mode, whatever the values of the image: integer
    images (``"I"``, ``"I;16"``...) span ``[0, 65535]``, float ones
    (``"F"``) ``[0, 1]``; values outside are clipped and NaN is 0.
    """
    from PIL import Image

    if image.mode == "I" or image.mode.startswith(_SIXTEEN_BIT_PREFIX):
        pixels = np.asarray(image, dtype=np.float64).clip(0, 65535) / 257
    elif image.mode == "F":
        pixels = np.asarray(image, dtype=np.float64)
        pixels = np.nan_to_num(pixels, nan=0.0, posinf=1.0, neginf=0.0)
        pixels = pixels.clip(0.0, 1.0) * 255
    else:
        return image
    return Image.fromarray(np.rint(pixels).astype(np.uint8))


def _read_8_bit(path, image_size, grayscale):
    """One image file as 8-bit pixels, resized to ``image_size``
    ``(height, width)``: a uint8 array of shape ``(H, W)`` when
    ``grayscale`` else ``(H, W, 3)``. The only reader of image files, for
    :func:`load_image_folder` and the command line alike; an unreadable
    file raises :class:`UnreadableImageError`. Needs Pillow."""
    from PIL import Image, ImageOps

    height, width = image_size
    unreadable = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)
    try:
        with Image.open(path) as image:
            # exif_transpose copies an upright image: only called to turn one.
            if image.getexif().get(_ORIENTATION, 1) != 1:
                image = ImageOps.exif_transpose(image)
            image = _as_8_bit(image).convert("L" if grayscale else "RGB")
    except unreadable as exc:
        raise UnreadableImageError(str(path), str(exc).strip()) from exc
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(image)


def _read_image(path, image_size, grayscale):
    """One image file as the models see it: float32 in ``[0, 1]``, of shape
    ``(H, W)`` when ``grayscale`` else ``(3, H, W)``; the values of
    :func:`load_image_folder`, bit for bit (see ``_read_8_bit``)."""
    pixels = _read_8_bit(path, image_size, grayscale).astype(np.float32)
    pixels /= np.float32(255.0)
    return pixels if grayscale else pixels.transpose(2, 0, 1)


def read_image(path, *, image_size, grayscale=True):
    """Read one image file exactly as :func:`load_image_folder` reads each.

    For a prediction script that compares new image files with a model
    trained on a folder: the same EXIF orientation, scale per image mode
    and resizing, so the pixels are bit for bit those a folder would give.

    Needs Pillow: ``pip install "sklearn-siamese[images]"``.

    Parameters
    ----------
    path : str or path-like
        The image file.
    image_size : int or tuple of (int, int)
        ``(height, width)`` to resize to; an int for square images.
    grayscale : bool, default=True
        One channel, else three (RGB).

    Returns
    -------
    image : ndarray of dtype float32
        Of shape ``(H, W)`` when ``grayscale``, else ``(3, H, W)``, with
        values in ``[0, 1]``.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    UnreadableImageError
        If the file is not an image Pillow can read (a ``ValueError``); the
        message names it.

    See Also
    --------
    load_image_folder : Every image of a folder tree, with class labels.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from sklearn_siamese.datasets import read_image
    >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> Image.fromarray(np.full((40, 30), 255, dtype=np.uint8)).save(path)
    >>> image = read_image(path, image_size=28)
    >>> image.shape, image.dtype, float(image.max())
    ((28, 28), dtype('float32'), 1.0)
    """
    try:
        import PIL.Image  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "read_image needs Pillow; install it with "
            'pip install "sklearn-siamese[images]" (or pip install pillow).'
        ) from exc
    size = _check_image_size(image_size)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such image file: {os.fspath(path)!r}.")
    return _read_image(path, size, grayscale)


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
    """``[(class name, [file paths])]`` of the leaf folders under ``root``.

    Two walks, each depth first and, in every folder, through its real
    subfolders before its links to folders, each group sorted by name: the
    first without following links, the second, only when the first met
    links to folders, following them. A folder reached both directly and
    through a link is thus named by its own path, and one reached through
    links only by the first link the second walk meets: the names never
    depend on the order ``os.listdir`` gives.
    """
    classes = []
    named = set()  # real paths of the folders read (or skipped) once
    met_links = False  # did the first walk pass links to folders?
    for follow_links in (False, True):
        if follow_links and not met_links:
            break  # following links would walk the same folders again
        walked = set()  # real paths of the folders of this walk, against loops
        walk = os.walk(root, onerror=_raise, followlinks=follow_links)
        for folder, subfolders, files in walk:
            # Skip folders already walked (reached again through a link).
            real = os.path.realpath(folder)
            if real in walked:
                subfolders[:] = []
                continue
            walked.add(real)
            # Hidden folders skipped; sorted, real folders before links.
            links = {
                d
                for d in subfolders
                if not d.startswith(".") and os.path.islink(os.path.join(folder, d))
            }
            met_links = met_links or bool(links)
            subfolders[:] = sorted(
                (d for d in subfolders if not d.startswith(".")),
                key=lambda d: (d in links, d),
            )
            if real in named:
                continue
            named.add(real)
            images = sorted(
                f
                for f in files
                if not f.startswith(".")
                and os.path.splitext(f)[1].lower() in extensions
            )
            if not images:
                continue
            if subfolders:
                raise ValueError(
                    f"Folder {folder!r} holds {len(images)} image file(s) and "
                    f"also subfolders {sorted(subfolders)}; each class must be a leaf "
                    "folder (a folder without subfolders). Move the images into "
                    "a subfolder of their own, or the subfolders out."
                )
            name = os.path.relpath(folder, root)
            if name == os.curdir:
                raise ValueError(
                    f"Folder {root!r} holds {len(images)} image file(s) but no "
                    "class subfolders; put the images of each class in a "
                    "subfolder of their own, e.g. "
                    f"{os.path.join(root, 'class_a', images[0])!r}."
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
    reached twice (through links, or directly and through a link) is read
    once, named by its own path when it lies under ``root``, else by the
    first of its links met in a depth-first walk of ``root`` that enters,
    in every folder, the real subfolders before the links, each sorted by
    name: a link ``root/z/ext``, in a real folder, comes before a link
    ``root/y_link``.

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
        The images, float32 in ``[0, 1]``, upright (their EXIF orientation
        applied). Each kind of image has one fixed scale, whatever its own
        values: 8-bit images (and palette, RGBA...) ``[0, 255]``; 16-bit
        and 32-bit integer images (Pillow modes ``"I;16"`` and ``"I"``)
        ``[0, 65535]``, so an ``"I"`` image of 8-bit values comes out
        nearly black; float images (mode ``"F"``) ``[0, 1]``. Values
        outside the scale are clipped, and NaN is 0. Images are read in
        8-bit precision.
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
        found; or if a folder with subfolders also holds images.
    UnreadableImageError
        If an image file cannot be read (a ``ValueError``; the message names
        the file).

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
        import PIL.Image  # noqa: F401
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
    for i, path in enumerate(paths.tolist()):  # str, not np.str_, in messages
        pixels = _read_8_bit(path, (height, width), grayscale)
        X[i] = pixels if grayscale else pixels.transpose(2, 0, 1)
    X /= np.float32(255.0)  # once for all, as _read_image does for one
    if return_paths:
        return X, y, paths
    return X, y
