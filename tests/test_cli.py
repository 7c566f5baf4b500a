"""The sklearn-siamese command line."""

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from sklearn_siamese import PairSampler, SiameseEncoder
from sklearn_siamese.cli import main
from sklearn_siamese.datasets import make_glyphs


def _write_glyphs(root, n_classes, seed):
    X, y = make_glyphs(n_classes, 10, image_size=28, random_state=seed)
    for i, (image, label) in enumerate(zip(X, y)):
        folder = root / "alphabet" / f"char{label:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((image * 255).astype(np.uint8)).save(folder / f"{i:03d}.png")
    return root


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = _write_glyphs(tmp_path_factory.mktemp("train"), 12, seed=0)
    path = tmp_path_factory.mktemp("model") / "model.pt"
    code = main(
        [
            "fit",
            str(root),
            "--output",
            str(path),
            "--max-epochs",
            "15",
            "--image-size",
            "28",
            "28",
        ]
    )
    assert code == 0
    return path


def _similarity(out):
    return float(out.split("similarity = ")[1].split()[0])


def test_compare_same_character_is_more_similar(model, tmp_path, capsys):
    root = _write_glyphs(tmp_path, 5, seed=1)  # characters never seen in training
    a, b = sorted((root / "alphabet" / "char00").iterdir())[:2]
    c = sorted((root / "alphabet" / "char01").iterdir())[0]
    capsys.readouterr()
    assert main(["compare", str(model), str(a), str(b)]) == 0
    same = capsys.readouterr().out
    assert main(["compare", str(model), str(a), str(c)]) == 0
    different = capsys.readouterr().out
    assert _similarity(same) > _similarity(different)
    assert "threshold" in same and same.strip().endswith(("same", "different"))


def test_compare_uses_the_models_distance_and_saved_models_are_quiet(
    model, tmp_path, capsys
):
    from sklearn_siamese import load
    from sklearn_siamese.datasets import load_image_folder

    assert load(model).verbose == 0  # the fit command's table is not kept
    root = _write_glyphs(tmp_path, 3, seed=4)
    X, y = load_image_folder(root, image_size=(28, 28))
    encoder = SiameseEncoder(distance="manhattan", max_epochs=2, random_state=0)
    encoder.fit(X, y).save(tmp_path / "m.pt", metadata={"threshold": 1.0})
    a, b = sorted((root / "alphabet" / "char00").iterdir())[:2]
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "m.pt"), str(a), str(b)]) == 0
    out = capsys.readouterr().out
    Z = encoder.transform(load_image_folder(root, image_size=(28, 28))[0][:2])
    distance = float(out.split("distance = ")[1].split()[0])
    assert distance == pytest.approx(np.abs(Z[0] - Z[1]).sum(), abs=1e-4)
    assert distance != pytest.approx(np.linalg.norm(Z[0] - Z[1]), abs=1e-3)


def test_verification_threshold_is_the_best_cut_compare_can_apply():
    # compare says "same" for distance < threshold: the threshold must put
    # the best split of the pairs on either side, including none "same"
    from sklearn_siamese.cli import _paired_distances, _verification_threshold
    from sklearn_siamese.sampling import make_pair_indices

    encoder = SimpleNamespace(distance="manhattan")
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(5), 20)
    rank_in_class = np.tile(np.arange(20), 5)
    for Z in [
        (10.0 * y + spread * rng.rand(100))[:, None]
        for spread in [0.5, 3.0, 30.0]  # separated, overlapping, one blob
    ] + [10.0 * rank_in_class[:, None]]:  # nearer across classes: none "same"
        Z = Z.astype(np.float32)
        threshold = _verification_threshold(encoder, Z, y, 0)
        pairs, same = make_pair_indices(y, 4000, random_state=0)
        d = _paired_distances(encoder, Z[pairs[:, 0]], Z[pairs[:, 1]])
        accuracy = np.mean((d < threshold) == same)
        cuts = np.r_[d, np.inf]
        best = max(np.mean((d < t) == same) for t in cuts)
        assert accuracy == best
    # identical embeddings: no cut separates anything; "different" for all
    Z = np.zeros((100, 2), np.float32)
    threshold = _verification_threshold(encoder, Z, y, 0)
    assert not np.any(_paired_distances(encoder, Z[:5], Z[5:10]) < threshold)
    # in 2-D the model's own distance decides (Manhattan, cosine)
    Z = np.c_[3.0 * y + 3 * rng.rand(100), 10 * rng.rand(100)].astype(np.float32)
    pairs, same = make_pair_indices(y, 4000, random_state=0)
    for distance in ["manhattan", "cosine"]:
        encoder = SimpleNamespace(distance=distance)
        threshold = _verification_threshold(encoder, Z, y, 0)
        d = _paired_distances(encoder, Z[pairs[:, 0]], Z[pairs[:, 1]])
        best = max(np.mean((d < t) == same) for t in np.r_[d, np.inf])
        assert np.mean((d < threshold) == same) == best, distance


def test_verification_threshold_when_every_pair_is_best_called_same(monkeypatch):
    import sklearn_siamese.sampling as sampling
    from sklearn_siamese.cli import _verification_threshold

    def pairs(y, n_pairs, random_state=None):
        return np.array([[0, 1], [0, 2], [0, 3]]), np.array([0, 1, 1])

    monkeypatch.setattr(sampling, "make_pair_indices", pairs)
    Z = np.array([[0.0], [1.0], [2.0], [3.0]], np.float32)
    encoder = SimpleNamespace(distance="euclidean")
    assert _verification_threshold(encoder, Z, None, 0) > 3.0


def _folder_of(root, counts):
    """Class folders c0, c1, ... holding counts[i] glyph images."""
    X, _ = make_glyphs(len(counts), max(counts), image_size=28, random_state=1)
    for c, n in enumerate(counts):
        (root / f"c{c}").mkdir(parents=True)
        for j in range(n):
            image = (X[c * max(counts) + j] * 255).astype(np.uint8)
            Image.fromarray(image).save(root / f"c{c}" / f"{j}.png")
    return root


def test_evaluate_counts_the_classes_it_can_use(model, tmp_path, capsys):
    # classes of exactly k_shot + 1 images serve; one usable class is no task
    root = _folder_of(tmp_path / "a", [2, 2, 2])
    argv = ["evaluate", str(model), str(root), "--n-way", "3", "--n-tasks", "10"]
    assert main(argv) == 0
    root = _folder_of(tmp_path / "b", [3, 1])
    message = _error(["evaluate", str(model), str(root), "--n-way", "2"], capsys)
    assert message.endswith("has 1: add images or classes\n")


def test_demo_seeds_every_step(monkeypatch):
    from sklearn_siamese import demo

    seen = []

    def one_shot(*args, random_state, **kwargs):
        seen.append(random_state)
        return 0.5

    def pair_sampler(n_pairs, random_state):
        seen.append(("pairs", random_state))
        return PairSampler(n_pairs=200, random_state=random_state)

    monkeypatch.setattr(demo, "one_shot_accuracy", one_shot)
    monkeypatch.setattr(demo, "PairSampler", pair_sampler)
    seed = 2**32 - 1
    demo.run_demo(max_epochs=1, output_dir=None, random_state=seed)
    assert seen == [("pairs", seed), ("pairs", 0), seed, seed]


def test_run_demo_leaves_the_callers_pyplot_alone(monkeypatch, tmp_path):
    # run_demo switched the process to the Agg backend and closed every
    # figure of its caller (a notebook's, say).
    import matplotlib
    import matplotlib.pyplot as plt

    from sklearn_siamese import demo

    monkeypatch.setattr(demo, "one_shot_accuracy", lambda *a, **k: 0.5)
    backend = matplotlib.get_backend()
    mine = plt.figure()
    try:
        demo.run_demo(max_epochs=1, output_dir=str(tmp_path))
        assert matplotlib.get_backend() == backend
        assert plt.get_fignums() == [mine.number]
        assert (tmp_path / "history.png").stat().st_size > 0
        assert (tmp_path / "embedding.png").stat().st_size > 0
    finally:
        plt.close(mine)


def test_embed_and_evaluate(model, tmp_path, capsys):
    root = _write_glyphs(tmp_path / "new", 6, seed=2)
    assert (
        main(["embed", str(model), str(root), "--output", str(tmp_path / "e.npy")]) == 0
    )
    assert np.load(tmp_path / "e.npy").shape == (60, 64)
    assert (
        main(["embed", str(model), str(root), "--output", str(tmp_path / "e.csv")]) == 0
    )
    lines = (tmp_path / "e.csv").read_text().splitlines()
    assert len(lines) == 61 and lines[0].startswith("path,label,e0")
    # the CSV holds the float32 values exactly; upper-case suffixes work
    from_csv = np.array([line.split(",")[2:] for line in lines[1:]], np.float32)
    np.testing.assert_array_equal(from_csv, np.load(tmp_path / "e.npy"))
    assert (
        main(["embed", str(model), str(root), "--output", str(tmp_path / "E.NPY")]) == 0
    )
    np.testing.assert_array_equal(np.load(tmp_path / "E.NPY"), from_csv)
    capsys.readouterr()
    assert (
        main(["evaluate", str(model), str(root), "--n-way", "5", "--n-tasks", "200"])
        == 0
    )
    accuracy = float(capsys.readouterr().out.rsplit(":", 1)[1])
    assert 0.6 < accuracy <= 1.0  # chance is 0.2; raw pixels about 0.75
    # too few classes: the options to change, not one_shot_accuracy's names
    message = _error(["evaluate", str(model), str(root)], capsys)
    assert message.endswith(
        f"--n-way 20 --k-shot 1 needs 20 classes of at least 2 images; {root} "
        "has 6: use --n-way 6 or less\n"
    )
    message = _error(["evaluate", str(model), str(root), "--k-shot", "10"], capsys)
    assert message.endswith("has 0: add images or classes, or a smaller --k-shot\n")


def _error(argv, capsys):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    return captured.err


def test_errors_are_one_line(model, tmp_path, capsys, blobs):
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(good)
    assert "model file not found" in _error(
        ["compare", str(tmp_path / "nope.pt"), str(good), str(good)], capsys
    )
    assert "image not found" in _error(
        ["compare", str(model), str(good), str(tmp_path / "nope.png")], capsys
    )
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"not an image")
    assert "cannot read image" in _error(
        ["compare", str(model), str(good), str(corrupt)], capsys
    )
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 100)
    assert "not a sklearn_siamese model file" in _error(
        ["compare", str(garbage), str(good), str(good)], capsys
    )
    X, y = blobs
    tabular = tmp_path / "tabular.pt"
    SiameseEncoder(max_epochs=1).fit(X, y).save(tabular)
    assert "not on images" in _error(
        ["compare", str(tabular), str(good), str(good)], capsys
    )
    message = _error(["fit", str(tmp_path / "missing"), "--output", "m.pt"], capsys)
    assert "fit: error: No such folder:" in message and "missing" in message
    message = _error(["embed", str(model), str(tmp_path), "--output", "e.txt"], capsys)
    assert "--output e.txt must end in .csv or .npy" in message


def test_python_dash_m_and_demo(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_siamese",
            "demo",
            "--max-epochs",
            "1",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "kNN test accuracy" in out and "one-shot accuracy" in out
    assert "pair verification" in out
    assert (tmp_path / "history.png").exists() and (tmp_path / "embedding.png").exists()


def test_outputs_checked_before_loading_or_training(tmp_path, capsys):
    root = _write_glyphs(tmp_path / "images", 3, seed=3)
    (tmp_path / "file").write_text("")
    for argv, message in [
        (["fit", str(root), "--output", str(tmp_path / "no" / "m.pt")], "no such"),
        (["fit", str(root), "--output", str(root)], "is a folder"),
        (["fit", str(root), "--output", str(tmp_path / "file" / "m.pt")], "is a file"),
    ]:
        err = _error(argv + ["--max-epochs", "1"], capsys).replace(
            "does not", "no such"
        )
        assert message in err
        assert "loaded" not in capsys.readouterr().out  # the images were not read
    assert not (tmp_path / "no").exists()


def test_embed_output_checked_before_loading(model, tmp_path, capsys):
    missing = tmp_path / "missing-images"  # not read: the output fails first
    for name in ["e.csv", "e.npy"]:
        out = tmp_path / "no" / name
        message = _error(
            ["embed", str(model), str(missing), "--output", str(out)], capsys
        )
        assert f"cannot write {out}: folder {out.parent} does not exist" in message
    folder = tmp_path / "looks-like.npy"
    folder.mkdir()
    message = _error(
        ["embed", str(model), str(missing), "--output", str(folder)], capsys
    )
    assert f"--output {folder} is a folder" in message


def test_options_checked_before_loading(tmp_path, capsys):
    missing = str(tmp_path / "missing")
    out = str(tmp_path / "m.pt")
    for option, value, minimum in [
        ("--max-epochs", "0", 1),
        ("--embedding-dim", "1", 2),  # the embeddings are unit vectors
        ("--image-size", "0", 1),
    ]:
        values = [value, "28"] if option == "--image-size" else [value]
        message = _error(["fit", missing, "--output", out, option, *values], capsys)
        assert f"{option} must be at least {minimum}; got {value}" in message
    message = _error(["fit", missing, "--output", out, "--random-state", "-1"], capsys)
    assert "--random-state must be between 0 and 2**32 - 1" in message
    for option, value, minimum in [("--n-way", "1", 2), ("--k-shot", "0", 1)]:
        message = _error(["evaluate", missing, missing, option, value], capsys)
        assert f"{option} must be at least {minimum}; got {value}" in message


def test_unparsable_options_are_usage_errors(tmp_path, capsys):
    # argparse's convention, as documented: usage, one error line, status 2
    missing = str(tmp_path / "missing")
    for argv, expected in [
        (["evaluate", missing, missing, "--n-way", "abc"], "invalid int value: 'abc'"),
        (["fit", missing, "--module", "resnet"], "invalid choice: 'resnet'"),
        (["compare", missing], "the following arguments are required"),
    ]:
        with pytest.raises(SystemExit) as excinfo:
            main(argv)
        assert excinfo.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: sklearn-siamese") and expected in err


def test_write_failures_are_one_line(tmp_path, capsys, monkeypatch):
    root = _write_glyphs(tmp_path / "images", 3, seed=3)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full\nand more torch detail")

    monkeypatch.setattr(SiameseEncoder, "save", fail)
    out = tmp_path / "m.pt"
    message = _error(
        ["fit", str(root), "--output", str(out), "--max-epochs", "1"], capsys
    )
    assert message.strip().endswith(f"cannot write {out}: disk full")


def test_embed_write_failure_is_one_line(model, tmp_path, capsys, monkeypatch):
    root = _write_glyphs(tmp_path / "images", 3, seed=3)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", fail)
    out = tmp_path / "e.npy"
    message = _error(["embed", str(model), str(root), "--output", str(out)], capsys)
    assert f"cannot write {out}: [Errno 28] No space left on device" in message


def test_demo_checks_before_training(tmp_path, capsys):
    plots = tmp_path / "plots"
    plots.write_text("")
    message = _error(["demo", "--output-dir", str(plots)], capsys)
    assert f"--output-dir {plots} is a file, not a folder; give another" in message
    message = _error(["demo", "--output-dir", str(plots / "sub")], capsys)
    assert f"cannot write in {plots / 'sub'}: {plots} is a file, not a" in message
    message = _error(["demo", "--max-epochs", "0"], capsys)
    assert "--max-epochs must be at least 1; got 0" in message


def _read_only(monkeypatch, *paths):
    """``os.access`` denies writing ``paths``, whoever runs the tests (root
    may write anything, whatever the permissions say)."""
    denied = {os.path.realpath(path) for path in paths}
    access = os.access

    def emulated(path, mode):
        if mode & os.W_OK and os.path.realpath(path) in denied:
            return False
        return access(path, mode)

    monkeypatch.setattr(os, "access", emulated)


def test_outputs_that_would_fail_after_training(model, tmp_path, capsys, monkeypatch):
    missing = str(tmp_path / "missing")  # never read: the output fails first
    existing = tmp_path / "old.pt"
    existing.write_text("")
    locked = tmp_path / "locked"
    locked.mkdir()
    _read_only(monkeypatch, existing, locked)
    fit = ["fit", missing, "--max-epochs", "1", "--output"]
    embed = ["embed", str(model), missing, "--output"]
    for argv, message in [
        (fit + [str(existing)], f"cannot write {existing}: no permission to write"),
        (fit + [str(locked / "m.pt")], f"no permission to write in {locked}"),
        (embed + [str(locked / "e.npy")], f"no permission to write in {locked}"),
        (fit + [""], "--output is empty; give a file name, e.g. model.pt"),
        (fit + [str(tmp_path / "new") + os.sep], "names a folder; give a file"),
    ]:
        assert message in _error(argv, capsys)
    if not hasattr(os, "symlink"):
        return
    link = tmp_path / "link.pt"
    os.symlink(tmp_path / "gone" / "m.pt", link)
    message = _error(fit + [str(link)], capsys)
    assert f"cannot write {link}: it is a broken link (to " in message
    # A link to a file that can be written is fine; fit then fails on input.
    os.symlink(tmp_path / "fresh.pt", tmp_path / "good.pt")
    assert "No such folder" in _error(fit + [str(tmp_path / "good.pt")], capsys)


def test_demo_output_dir_checked_and_created_before_training(
    tmp_path, capsys, monkeypatch
):
    from sklearn_siamese import demo

    locked = tmp_path / "locked"
    locked.mkdir()
    _read_only(monkeypatch, locked)
    message = _error(["demo", "--output-dir", str(locked / "plots")], capsys)
    assert f"cannot write in {locked / 'plots'}: no permission to write in" in message
    if hasattr(os, "symlink"):
        os.symlink(tmp_path / "gone", tmp_path / "link")
        message = _error(["demo", "--output-dir", str(tmp_path / "link")], capsys)
        assert "is a broken link" in message
    if os.path.isdir("/proc/self"):  # not writable, even by root
        message = _error(["demo", "--output-dir", "/proc/no/plots"], capsys)
        assert message.startswith("sklearn-siamese demo: error: cannot write in")
    assert "1/4" not in capsys.readouterr().out  # nothing trained

    # The folder is made before training (it was made after, for the plots).
    def stop(**kwargs):
        assert (tmp_path / "new" / "plots").is_dir()
        raise ValueError("stopped before training")

    monkeypatch.setattr(demo, "load_digits", stop)
    message = _error(["demo", "--output-dir", str(tmp_path / "new" / "plots")], capsys)
    assert "stopped before training" in message
    # run_demo checks with the same code, naming its own parameters.
    with pytest.raises(NotADirectoryError, match="output_dir .* is a file, not a"):
        demo.run_demo(output_dir=__file__)
    with pytest.raises(FileNotFoundError, match="output_dir is empty"):
        demo.run_demo(output_dir="")
    with pytest.raises(ValueError, match="max_epochs must be None"):
        demo.run_demo(max_epochs=0, output_dir=None)
    for seed in [None, np.random.RandomState(0), -1, 2**32, True]:
        msg = r"random_state must be an int in \[0, 2\*\*32 - 1\] .*; got "
        with pytest.raises(ValueError, match=msg):
            demo.run_demo(max_epochs=1, output_dir=None, random_state=seed)


def test_demo_max_epochs_checked_once(tmp_path, monkeypatch):
    from sklearn_siamese import demo

    def fail(*args):
        raise AssertionError("max_epochs checked again")

    runs = []
    monkeypatch.setattr(demo, "_epochs", fail)
    monkeypatch.setattr(demo, "_run_demo", lambda *args: runs.append(args))
    for value, epochs in [("3", 3), ("auto", "auto")]:
        argv = ["demo", "--max-epochs", value, "--output-dir", str(tmp_path)]
        assert main(argv) == 0
        assert runs.pop() == (epochs, str(tmp_path))


def test_plain_stdout_without_stdout(monkeypatch):
    from sklearn_siamese.cli import _plain_stdout

    monkeypatch.setattr(sys, "stdout", None)  # pythonw, or stdout closed
    with _plain_stdout():
        print("\x1b[32mdropped\x1b[0m")
        sys.stdout.flush()  # as skorch's training log does


def test_fit_without_stdout(tmp_path, monkeypatch):
    root = _write_glyphs(tmp_path / "images", 2, seed=3)
    monkeypatch.setattr(sys, "stdout", None)
    argv = ["fit", str(root), "--output", str(tmp_path / "m.pt")]
    assert main([*argv, "--max-epochs", "1", "--image-size", "8", "8"]) == 0


def test_paths_expand_the_home_folder(model, tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    _write_glyphs(home / "images", 2, seed=5)
    (home / "model.pt").write_bytes(model.read_bytes())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    image = os.path.join("~", "images", "alphabet", "char00", "000.png")
    assert main(["compare", "~/model.pt", image, image]) == 0
    argv = ["embed", "~/model.pt", "~/images", "--output", "~/e.npy"]
    assert main(argv) == 0
    assert np.load(home / "e.npy").shape == (20, 64)
    message = _error(["fit", "~/images", "--output", "~/no/m.pt"], capsys)
    assert f"cannot write {home / 'no' / 'm.pt'}: folder" in message
    (home / "plots").write_text("")
    message = _error(["demo", "--output-dir", "~/plots"], capsys)
    assert f"--output-dir {home / 'plots'} is a file" in message


def test_compare_reads_images_like_load_image_folder(tmp_path):
    from sklearn_siamese.cli import _read_image
    from sklearn_siamese.datasets import load_image_folder

    folder = tmp_path / "c"
    folder.mkdir()
    Image.fromarray(np.full((30, 20), 40000, np.uint16)).save(folder / "u16.png")
    Image.fromarray(np.full((30, 20), 0.5, np.float32)).save(folder / "f.tif")
    Image.fromarray(np.full((30, 20), 40000, np.int32)).save(folder / "i.tif")
    rotated = np.zeros((30, 20, 3), np.uint8)
    rotated[:, :5] = (255, 128, 0)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(rotated).save(folder / "exif.png", exif=exif)
    for grayscale in [True, False]:
        X, _, paths = load_image_folder(
            tmp_path, image_size=(12, 9), grayscale=grayscale, return_paths=True
        )
        for x, path in zip(X, paths):
            np.testing.assert_array_equal(_read_image(path, (12, 9), grayscale), x)
    values = dict(zip((os.path.basename(p) for p in paths), X))
    assert values["u16.png"][0, 0, 0] == pytest.approx(156 / 255)  # was 1.0
    assert values["f.tif"][0, 0, 0] == pytest.approx(128 / 255)  # was 0.0
    # Upright: the orange left columns of the stored image are on top.
    assert values["exif.png"][0, 0, -1] == pytest.approx(1.0)
    assert values["exif.png"][0, -1, 0] == 0.0


def test_compare_decompression_bomb_is_one_line(model, tmp_path, capsys, monkeypatch):
    image = tmp_path / "big.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(image)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    message = _error(["compare", str(model), str(image), str(image)], capsys)
    assert f"cannot read image {image}: Image size (784 pixels) exceeds" in message


def test_compare_folder_as_model_and_small_threshold(model, tmp_path, capsys):
    from sklearn_siamese import load

    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(image)
    message = _error(["compare", str(tmp_path), str(image), str(image)], capsys)
    assert f"{tmp_path} is a folder, not a model file" in message
    encoder, _ = load(model, with_metadata=True)
    tiny = tmp_path / "tiny.pt"
    encoder.save(tiny, metadata={"threshold": 7e-6})
    assert main(["compare", str(tiny), str(image), str(image)]) == 0
    assert "(threshold 7e-06)" in capsys.readouterr().out


def test_fit_log_has_no_colour_codes_in_a_pipe(tmp_path, capsys):
    root = _write_glyphs(tmp_path / "images", 3, seed=3)
    out = tmp_path / "m.pt"
    argv = ["fit", str(root), "--output", str(out), "--max-epochs", "2"]
    assert main(argv) == 0
    log = capsys.readouterr().out
    assert "train_loss" in log and "\x1b[" not in log


def test_embed_csv_is_utf_8_whatever_the_locale(model, tmp_path):
    root = _write_glyphs(tmp_path / "images", 2, seed=4)
    (root / "alphabet" / "char00").rename(root / "alphabet" / "café")
    out = tmp_path / "e.csv"
    # An ASCII locale: the default encoding of open() cannot write "é".
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"}
    command = [sys.executable, "-m", "sklearn_siamese", "embed", str(model)]
    result = subprocess.run(
        [*command, str(root), "--output", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = out.read_bytes().decode("utf-8").splitlines()
    assert len(rows) == 21 and rows[1].split(",")[1] == "alphabet/café"


def test_help_shows_defaults_and_the_embed_output(capsys):
    for command in ["fit", "embed", "evaluate", "demo", "compare"]:
        with pytest.raises(SystemExit) as excinfo:
            main([command, "--help"])
        assert excinfo.value.code == 0
        text = capsys.readouterr().out
        if command == "fit":
            assert "(default: 64)" in text and "(default: auto)" in text
        if command == "evaluate":
            assert "(default: 20)" in text and "(default: 1000)" in text
        if command == "embed":
            flat = " ".join(text.split())
            assert "float32 array of shape (number of images, embedding size)" in flat
            assert "class folders sorted by name" in flat
