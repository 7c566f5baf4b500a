"""Tests of load_image_folder: layout, order, pixels and error messages."""

import math
import os
import re

import numpy as np
import pytest
from PIL import Image

from sklearn_siamese.datasets import load_image_folder, make_glyphs


def _save(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode=mode).save(path)


@pytest.fixture
def nested(tmp_path):
    """Omniglot-like layout: alpha/charA (3), alpha/charB (2), beta/charC (2).

    Every pixel of ``<class>/<k>.png`` is ``10 * class index + k``, so the
    order and the values of the loaded images can be checked exactly.
    """
    layout = {"alpha/charA": 3, "alpha/charB": 2, "beta/charC": 2}
    for c, (name, n) in enumerate(layout.items()):
        # Written in reverse order: loading must sort them.
        for k in reversed(range(n)):
            value = np.full((6, 8), 10 * c + k, dtype=np.uint8)
            _save(tmp_path.joinpath(*name.split("/"), f"{k}.png"), value)
    return tmp_path


def test_nested_layout_shapes_classes_and_order(nested):
    X, y = load_image_folder(nested, image_size=(6, 8))
    assert X.shape == (7, 6, 8)
    assert X.dtype == np.float32
    assert y.dtype.kind == "U"
    assert y.tolist() == ["alpha/charA"] * 3 + ["alpha/charB"] * 2 + ["beta/charC"] * 2
    expected = np.array([0, 1, 2, 10, 11, 20, 21]) / 255
    np.testing.assert_allclose(X[:, 0, 0], expected, rtol=1e-6)
    # Same image size: no resampling, every pixel equal.
    assert np.all(X == X[:, :1, :1])


def test_deterministic_and_sorted(nested):
    X1, y1, paths1 = load_image_folder(nested, image_size=4, return_paths=True)
    X2, y2, paths2 = load_image_folder(str(nested), image_size=4, return_paths=True)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(paths1, paths2)
    assert list(y1) == sorted(y1)
    assert list(np.unique(y1)) == ["alpha/charA", "alpha/charB", "beta/charC"]


def test_return_paths(nested):
    X, y, paths = load_image_folder(nested, image_size=4, return_paths=True)
    assert len(paths) == len(X) == len(y)
    assert paths[0] == os.path.join(nested, "alpha", "charA", "0.png")
    for path, label in zip(paths, y):
        assert os.path.isfile(path)
        rel = os.path.relpath(os.path.dirname(path), nested)
        assert rel.replace(os.sep, "/") == label


def test_resize_and_value_range(tmp_path):
    rng = np.random.RandomState(0)
    for name in ["a", "b"]:
        for k in range(2):
            pixels = rng.randint(0, 256, size=(30, 20), dtype=np.uint8)
            pixels[0, 0], pixels[-1, -1] = 0, 255
            _save(tmp_path / name / f"{k}.png", pixels)
    X, y = load_image_folder(tmp_path, image_size=(12, 9))
    assert X.shape == (4, 12, 9)
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert y.tolist() == ["a", "a", "b", "b"]
    # Resizing follows Image.resize((W, H), BILINEAR) on the grayscale image.
    original = Image.open(tmp_path / "a" / "0.png").convert("L")
    resized = original.resize((9, 12), Image.Resampling.BILINEAR)
    np.testing.assert_allclose(X[0], np.asarray(resized) / 255, atol=1e-6)


def test_colour_channels_first(tmp_path):
    rgb = np.zeros((5, 7, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 255, 51, 0
    _save(tmp_path / "red" / "0.png", rgb)
    _save(tmp_path / "red" / "1.jpg", rgb)
    gray = np.full((5, 7), 102, dtype=np.uint8)
    _save(tmp_path / "gray" / "0.bmp", gray)

    X, y = load_image_folder(tmp_path, image_size=(5, 7), grayscale=False)
    assert X.shape == (3, 3, 5, 7)
    assert X.dtype == np.float32
    assert y.tolist() == ["gray", "red", "red"]
    # A grayscale file is replicated over the three channels.
    np.testing.assert_allclose(X[0], 0.4, atol=1e-6)
    np.testing.assert_allclose(X[1, :, 2, 3], [1.0, 0.2, 0.0], atol=1e-6)
    # JPEG is lossy; close enough.
    np.testing.assert_allclose(X[2, :, 2, 3], [1.0, 0.2, 0.0], atol=0.05)

    X_gray, _ = load_image_folder(tmp_path, image_size=(5, 7))
    assert X_gray.shape == (3, 5, 7)
    # ITU-R 601-2 luma of (255, 51, 0): 0.299 * 255 + 0.587 * 51 = 106.2.
    np.testing.assert_allclose(X_gray[1], 106 / 255, atol=1 / 255)


def test_rgba_palette_and_16_bit_images(tmp_path):
    _save(tmp_path / "c" / "rgba.png", np.full((4, 4, 4), 200, dtype=np.uint8))
    Image.new("P", (4, 4), color=3).save(tmp_path / "c" / "palette.gif")
    _save(tmp_path / "c" / "sixteen.png", np.full((4, 4), 65535, dtype=np.uint16))
    X, y, paths = load_image_folder(tmp_path, image_size=4, return_paths=True)
    values = dict(zip((os.path.basename(p) for p in paths), X[:, 0, 0]))
    assert values["rgba.png"] == pytest.approx(200 / 255)
    assert values["sixteen.png"] == pytest.approx(1.0)
    assert 0.0 <= values["palette.gif"] <= 1.0


def test_hidden_and_other_files_ignored(nested):
    (nested / "alpha" / "charA" / ".hidden.png").write_bytes(b"not an image")
    (nested / "alpha" / "charA" / "notes.txt").write_text("hello")
    _save(nested / ".cache" / "thumbs" / "0.png", np.zeros((3, 3), np.uint8))
    _save(nested / "beta" / ".git" / "0.png", np.zeros((3, 3), np.uint8))
    (nested / "empty" / "leaf").mkdir(parents=True)
    X, y = load_image_folder(nested, image_size=3)
    assert len(X) == 7
    assert sorted(set(y)) == ["alpha/charA", "alpha/charB", "beta/charC"]


def test_extensions_case_insensitive_and_selectable(tmp_path):
    pixels = np.zeros((3, 3), dtype=np.uint8)
    _save(tmp_path / "a" / "0.PNG", pixels)
    _save(tmp_path / "a" / "1.bmp", pixels)
    _save(tmp_path / "b" / "0.png", pixels)
    _, y = load_image_folder(tmp_path, image_size=3)
    assert y.tolist() == ["a", "a", "b"]
    _, y = load_image_folder(tmp_path, image_size=3, extensions=["png"])
    assert y.tolist() == ["a", "b"]
    _, y = load_image_folder(tmp_path, image_size=3, extensions=".bmp")
    assert y.tolist() == ["a"]


def test_trains_an_encoder(nested):
    from sklearn_siamese import SiameseEncoder

    X, y = load_image_folder(nested, image_size=8)
    encoder = SiameseEncoder(max_epochs=1, embedding_dim=4, random_state=0)
    assert encoder.fit(X, y).transform(X).shape == (7, 4)


def test_missing_root(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(missing)))):
        load_image_folder(missing, image_size=4)


def test_root_not_a_folder(tmp_path):
    path = tmp_path / "file.png"
    path.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        load_image_folder(path, image_size=4)


def test_no_images(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "readme.txt").write_text("no images here")
    match = (
        rf"No images found under {re.escape(repr(str(tmp_path)))}: .*"
        r"extensions \.bmp, \.gif, \.jpeg, \.jpg, \.png, \.tif, \.tiff, \.webp"
    )
    with pytest.raises(ValueError, match=match):
        load_image_folder(tmp_path, image_size=4)
    with pytest.raises(ValueError, match=r"No images found .*extensions \.png\."):
        load_image_folder(tmp_path, image_size=4, extensions=(".png",))


def test_corrupt_image_names_the_file(nested):
    bad = nested / "beta" / "charC" / "x.png"
    bad.write_bytes(b"garbage, not a PNG")
    with pytest.raises(ValueError, match=r"Cannot read the image file .*x\.png"):
        load_image_folder(nested, image_size=4)


def test_truncated_image_names_the_file(nested):
    good = (nested / "beta" / "charC" / "0.png").read_bytes()
    (nested / "beta" / "charC" / "y.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"Cannot read the image file .*y\.png"):
        load_image_folder(nested, image_size=4)


def test_images_beside_subfolders(nested):
    _save(nested / "alpha" / "stray.png", np.zeros((3, 3), np.uint8))
    folder = re.escape(repr(str(nested / "alpha")))
    match = rf"Folder {folder} holds 1 image file\(s\) and also subfolders"
    with pytest.raises(ValueError, match=match):
        load_image_folder(nested, image_size=4)


def test_images_directly_in_root(tmp_path):
    _save(tmp_path / "0.png", np.zeros((3, 3), np.uint8))
    with pytest.raises(ValueError, match="but no class subfolders"):
        load_image_folder(tmp_path, image_size=4)


@pytest.mark.parametrize(
    "image_size", [0, -3, 2.5, "28", (28,), (28, 0), (28, 28, 3), None, True]
)
def test_bad_image_size(nested, image_size):
    match = r"image_size must be a positive int or a \(height, width\) tuple"
    with pytest.raises(ValueError, match=match):
        load_image_folder(nested, image_size=image_size)


def test_numpy_image_size(nested):
    X, _ = load_image_folder(nested, image_size=np.int64(5))
    assert X.shape == (7, 5, 5)
    X, _ = load_image_folder(nested, image_size=[np.int32(3), 4])
    assert X.shape == (7, 3, 4)


@pytest.mark.parametrize("extensions", [(), "", [".png", 3], ["."]])
def test_bad_extensions(nested, extensions):
    with pytest.raises(ValueError, match="extensions must be a non-empty sequence"):
        load_image_folder(nested, image_size=4, extensions=extensions)


def test_missing_pillow(nested, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=re.escape('"sklearn-siamese[images]"')):
        load_image_folder(nested, image_size=4)


def test_make_glyphs_unchanged():
    X, y = make_glyphs(n_classes=3, n_per_class=2, random_state=0)
    assert X.shape == (6, 28, 28) and X.dtype == np.float32
    assert y.tolist() == [0, 0, 1, 1, 2, 2]


def test_make_two_views():
    from sklearn.linear_model import LogisticRegression

    from sklearn_siamese.datasets import make_two_views

    X, y = make_two_views(2000, n_features_a=5, n_features_b=3, random_state=0)
    assert X.shape == (2000, 8) and X.dtype == np.float32
    assert set(np.unique(y)) == {0, 1} and 0.45 < y.mean() < 0.55
    A, B = X[:, :5].astype(float), X[:, 5:].astype(float)
    # Matching pairs: B is the map of A up to the noise; the others are not.
    W, *_ = np.linalg.lstsq(A[y == 1], B[y == 1], rcond=None)
    residual = np.linalg.norm(B - A @ W, axis=1)
    assert np.median(residual[y == 0]) > 5 * np.median(residual[y == 1])
    # No non-matching pair keeps its own B: every such B is another row's.
    Xs, ys = make_two_views(50, n_features_a=5, n_features_b=3, noise=0.0)
    As, Bs = Xs[:, :5].astype(float), Xs[:, 5:].astype(float)
    Ws, *_ = np.linalg.lstsq(As[ys == 1], Bs[ys == 1], rcond=None)
    assert np.all(np.linalg.norm(Bs - As @ Ws, axis=1)[ys == 0] > 1e-3)
    # The map is the task: same map_random_state, same W; the pairs differ.
    X2, _ = make_two_views(2000, n_features_a=5, n_features_b=3, random_state=1)
    assert not np.allclose(X, X2)
    same2 = _ == 1
    W2, *_ = np.linalg.lstsq(
        X2[same2, :5].astype(float), X2[same2, 5:].astype(float), rcond=None
    )
    np.testing.assert_allclose(W2, W, atol=0.02)
    # A linear model on [a | b] is at chance.
    X_test, y_test = make_two_views(
        2000, n_features_a=5, n_features_b=3, random_state=2
    )
    assert LogisticRegression().fit(X, y).score(X_test, y_test) < 0.6


@pytest.mark.parametrize("n_pairs", [1, 2, 3])
def test_make_two_views_keeps_a_lone_non_matching_pair(n_pairs):
    # A draw with a single non-matching pair made every pair matching (a
    # one-class y for 3 of 4 seeds at n_pairs=2); the pair is kept, with a B
    # that is not the map of its A, and the counts are binomial.
    from sklearn_siamese.datasets import make_two_views

    def views(n, seed):
        X, y = make_two_views(
            n, n_features_a=4, n_features_b=3, noise=0.0, random_state=seed
        )
        return X[:, :4].astype(float), X[:, 4:].astype(float), y

    A, B, y = views(4000, 0)
    W = np.linalg.lstsq(A[y == 1], B[y == 1], rcond=None)[0]
    counts = np.zeros(n_pairs + 1, int)
    for seed in range(400):
        A, B, y = views(n_pairs, seed)
        counts[y.sum()] += 1
        residual = np.linalg.norm(B - A @ W, axis=1)
        assert np.all(residual[y == 0] > 1e-3) and np.all(residual[y == 1] < 1e-3)
    binomial = [math.comb(n_pairs, k) / 2**n_pairs for k in range(n_pairs + 1)]
    np.testing.assert_allclose(counts / 400, binomial, atol=0.07)


def test_float_and_32_bit_integer_images(tmp_path):
    # One fixed scale per mode: "F" (float32 TIFF) [0, 1]; "I" (int32) and
    # "I;16" (uint16) [0, 65535]. Pillow's own convert("L") made the float
    # images black and clipped the integer ones at 255.
    images = {
        "f_unit.tif": np.full((4, 4), 0.4, np.float32),
        "f_byte.tif": np.full((4, 4), 51.0, np.float32),  # clipped at 1
        "i_byte.tif": np.full((4, 4), 250, np.int32),
        "i_word.tif": np.full((4, 4), 40000, np.int32),
        "u16_byte.png": np.full((4, 4), 250, np.uint16),
        "u16_word.png": np.full((4, 4), 40000, np.uint16),
    }
    for name, pixels in images.items():
        _save(tmp_path / "c" / name, pixels)
    modes = {name: Image.open(tmp_path / "c" / name).mode for name in images}
    assert modes["f_unit.tif"] == "F" and modes["i_byte.tif"] == "I"
    assert modes["u16_byte.png"].startswith("I;16")
    X, _, paths = load_image_folder(tmp_path, image_size=4, return_paths=True)
    values = dict(zip((os.path.basename(p) for p in paths), X[:, 0, 0]))
    assert values["f_unit.tif"] == pytest.approx(102 / 255)
    assert values["f_byte.tif"] == 1.0
    # 16-bit values: v * 255 / 65535, rounded; the same in "I" and "I;16".
    for name in ["i_word.tif", "u16_word.png"]:
        assert values[name] == pytest.approx(156 / 255), name
    for name in ["i_byte.tif", "u16_byte.png"]:
        assert values[name] == pytest.approx(1 / 255), name
    X_rgb, _ = load_image_folder(tmp_path, image_size=4, grayscale=False)
    np.testing.assert_allclose(X_rgb[:, 0], X, atol=1e-6)


@pytest.mark.parametrize(
    "dtype, value, others",
    [
        (np.float32, 0.9, [0.5, 1.1, 40.0]),
        (np.int32, 250, [100, 300, 70000]),
        (np.uint16, 250, [100, 300, 65535]),
    ],
)
def test_pixel_values_do_not_depend_on_the_image_peak(tmp_path, dtype, value, others):
    # A pixel of `value` beside a pixel of each of `others`: the image's
    # peak used to pick the scale (an "F" 0.9 gave 0.898 beside 0.5 but
    # 0.0039 beside 1.1; an "I" 250 gave 0.98 beside 100, 0.0039 beside 300).
    for i, other in enumerate(others):
        _save(tmp_path / "c" / f"{i}.tif", np.array([[value, other]], dtype))
    X, _ = load_image_folder(tmp_path, image_size=(1, 2))
    assert np.all(X[:, 0, 0] == X[0, 0, 0])


def test_float_image_clipped_and_nan_safe(tmp_path):
    pixels = np.array([[0.25, -1.0, np.nan, np.inf]], np.float32)
    _save(tmp_path / "c" / "0.tif", pixels)
    X, _ = load_image_folder(tmp_path, image_size=(1, 4))
    np.testing.assert_allclose(X[0, 0], [64 / 255, 0.0, 0.0, 1.0], atol=1e-6)


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((2, 4), np.uint8)
    pixels[:, 0] = 255  # a white left column; stored 4 wide, 2 high
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    (tmp_path / "c").mkdir()
    Image.fromarray(pixels).save(tmp_path / "c" / "0.png", exif=exif)
    X, _ = load_image_folder(tmp_path, image_size=(4, 2))
    # Displayed 2 wide and 4 high, the white column now the top row.
    np.testing.assert_array_equal(X[0], np.rot90(pixels, -1) / 255)


def test_exif_transpose_only_for_turned_images(tmp_path, monkeypatch):
    from PIL import ImageOps

    calls = []
    transpose = ImageOps.exif_transpose

    def counting(image, **kwargs):
        calls.append(image.getexif().get(0x0112))
        return transpose(image, **kwargs)

    monkeypatch.setattr(ImageOps, "exif_transpose", counting)
    pixels = np.zeros((2, 4), np.uint8)
    pixels[:, 0] = 255
    _save(tmp_path / "c" / "0_plain.png", pixels)
    for orientation in [1, 3]:
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / "c" / f"{orientation}_tagged.png"
        Image.fromarray(pixels).save(path, exif=exif)
    X, _ = load_image_folder(tmp_path, image_size=(2, 4))
    assert calls == [3]  # not for the upright images (the call copies them)
    np.testing.assert_array_equal(X[0], pixels / 255)
    np.testing.assert_array_equal(X[1], pixels / 255)
    np.testing.assert_array_equal(X[2], pixels[::-1, ::-1] / 255)


def test_links_walk_only_when_there_are_links(nested, monkeypatch):
    walks = []
    walk = os.walk

    def recording(top, **kwargs):
        walks.append(kwargs["followlinks"])
        return walk(top, **kwargs)

    monkeypatch.setattr(os, "walk", recording)
    _, y = load_image_folder(nested, image_size=3)
    assert walks == [False]  # no links: walking again would find nothing new
    if not hasattr(os, "symlink"):
        return
    # A link in a hidden folder is not reached, so it does not count.
    os.mkdir(nested / ".hidden")
    os.symlink(nested / "beta", nested / ".hidden" / "link")
    walks.clear()
    assert load_image_folder(nested, image_size=3)[1].tolist() == y.tolist()
    assert walks == [False]
    os.symlink(nested / "beta" / "charC", nested / "alpha" / "linked")
    walks.clear()
    assert load_image_folder(nested, image_size=3)[1].tolist() == y.tolist()
    assert walks == [False, True]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_linked_folders_named_by_their_own_path(tmp_path):
    root = tmp_path / "root"
    pixels = np.zeros((3, 3), np.uint8)
    _save(root / "b" / "0.png", pixels)
    _save(root / "z" / "real" / "0.png", pixels)
    _save(tmp_path / "outside" / "cls" / "0.png", pixels)
    (root / "a").mkdir()
    try:
        # Links sorting before what they alias, whatever os.listdir's order.
        os.symlink(root / "z" / "real", root / "a" / "alias")
        os.symlink(root / "z", root / "0_link")
        os.symlink(root, root / "z" / "loop")
        # A class outside root, reached through two links.
        os.symlink(tmp_path / "outside" / "cls", root / "y_link")
        os.symlink(tmp_path / "outside" / "cls", root / "z" / "ext")
    except OSError:
        pytest.skip("cannot create symbolic links here")
    for _ in range(3):
        _, y = load_image_folder(root, image_size=3)
        # Walked depth first, real folders before links, each sorted: the
        # link z/ext, in the real folder z, is met before the link y_link.
        assert y.tolist() == ["b", "z/ext", "z/real"]


def test_unreadable_image_message_ends_one_sentence(nested, monkeypatch):
    # Pillow's own message ends with a period: not two.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(ValueError, match=r"DOS attack\. Replace it") as excinfo:
        load_image_folder(nested, image_size=4)
    assert ".." not in str(excinfo.value)


def test_make_glyphs_chunks_do_not_change_the_images(monkeypatch):
    # large images are drawn a few rows at a time (a fixed number of points
    # per chunk): 500 105x105 glyphs at once peaked at 4.5 GB
    import sklearn_siamese.datasets as datasets

    expected = make_glyphs(4, 3, image_size=12, random_state=0)
    for budget in [1, 3 * 12 * 12 * 6, 10**9]:
        monkeypatch.setattr(datasets, "_GLYPH_BUDGET", budget)
        X, y = make_glyphs(4, 3, image_size=12, random_state=0)
        np.testing.assert_array_equal(X, expected[0])
        np.testing.assert_array_equal(y, expected[1])


def test_make_glyphs_edge_values():
    X, y = make_glyphs(1, 1, image_size=1, n_strokes=[2, 2], jitter=0.0)
    assert X.shape == (1, 1, 1) and y.tolist() == [0]


@pytest.mark.parametrize(
    "n_strokes",
    [np.array([1, 2]), np.array([1, 2], np.int32), [np.int64(1), 2], range(1, 3)],
)
def test_make_glyphs_n_strokes_any_sequence_of_two_ints(n_strokes):
    X, _ = make_glyphs(3, 2, n_strokes=n_strokes, random_state=0)
    np.testing.assert_array_equal(
        X, make_glyphs(3, 2, n_strokes=(1, 2), random_state=0)[0]
    )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_per_class": 0}, "'n_per_class' parameter of make_glyphs"),
        ({"n_classes": True}, "'n_classes' parameter of make_glyphs"),
        ({"jitter": -0.1}, "'jitter' parameter of make_glyphs"),
        ({"image_size": 2.5}, "'image_size' parameter of make_glyphs"),
        ({"n_strokes": (3, 1)}, r"n_strokes must be a \(min, max\) tuple.*\(3, 1\)"),
        ({"n_strokes": (1,)}, r"n_strokes must be a \(min, max\) tuple.*\(1,\)"),
        ({"n_strokes": (1.0, 2)}, r"n_strokes must be a \(min, max\) tuple"),
        (
            {"n_strokes": np.array([1.0, 2.0])},
            r"n_strokes must .*array\(\[1\., 2\.\]\)",
        ),
        ({"n_strokes": np.array([True, True])}, r"n_strokes must be a \(min, max\)"),
        ({"n_strokes": np.array([[1, 2]])}, r"n_strokes must be a \(min, max\)"),
        ({"n_strokes": "12"}, r"n_strokes must be a \(min, max\) tuple.*'12'"),
        ({"n_strokes": {1, 2}}, r"n_strokes must be a \(min, max\) tuple"),
    ],
)
def test_make_glyphs_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        make_glyphs(**params)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"n_pairs": 0}, "n_pairs"),
        ({"n_features_a": 0}, "n_features_a"),
        ({"n_features_b": 0}, "n_features_b"),
        ({"noise": -1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_make_two_views_bad_params(params, name):
    from sklearn_siamese.datasets import make_two_views

    with pytest.raises(ValueError, match=f"'{name}' parameter of make_two_views"):
        make_two_views(**params)


@pytest.mark.parametrize("grayscale", [True, False])
def test_read_image_reads_as_the_folder_does(tmp_path, grayscale):
    from PIL import Image

    from sklearn_siamese.datasets import read_image

    rng = np.random.RandomState(0)
    files = {
        "u16.png": Image.fromarray(rng.randint(0, 65535, (20, 12)).astype(np.uint16)),
        "rgba.png": Image.fromarray(rng.randint(0, 255, (9, 30, 4)).astype(np.uint8)),
        "float.tif": Image.fromarray(rng.uniform(size=(16, 16)).astype(np.float32)),
    }
    folder = tmp_path / "class"
    folder.mkdir()
    for name, image in files.items():
        image.save(folder / name)
    X, _, paths = load_image_folder(
        tmp_path, image_size=(14, 10), grayscale=grayscale, return_paths=True
    )
    for row, path in zip(X, paths):
        got = read_image(path, image_size=(14, 10), grayscale=grayscale)
        np.testing.assert_array_equal(got, row)
    with pytest.raises(FileNotFoundError, match="No such image file"):
        read_image(tmp_path / "missing.png", image_size=8)
    with pytest.raises(ValueError, match="Cannot read the image file"):
        (tmp_path / "text.png").write_text("not an image")
        read_image(tmp_path / "text.png", image_size=8)


def test_unreadable_image_error_says_which_file_and_why(tmp_path):
    # the command line reports the reason after its own words
    from sklearn_siamese.datasets import UnreadableImageError, read_image

    path = tmp_path / "c" / "text.png"
    path.parent.mkdir()
    path.write_text("not an image")
    for load in (
        lambda: read_image(path, image_size=8),
        lambda: load_image_folder(tmp_path, image_size=8),
    ):
        with pytest.raises(UnreadableImageError) as excinfo:
            load()
        assert isinstance(excinfo.value, ValueError)
        assert excinfo.value.path == str(path)
        assert excinfo.value.reason == f"cannot identify image file {str(path)!r}"
