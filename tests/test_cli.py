"""The sklearn-siamese command line."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.cli import main
from sklearn_siamese.datasets import make_glyphs

Image = pytest.importorskip("PIL.Image")


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
    capsys.readouterr()
    assert (
        main(["evaluate", str(model), str(root), "--n-way", "5", "--n-tasks", "200"])
        == 0
    )
    accuracy = float(capsys.readouterr().out.rsplit(":", 1)[1])
    assert 0.2 < accuracy <= 1.0


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
    assert _error(["fit", str(tmp_path / "missing"), "--output", "m.pt"], capsys)
    message = _error(["embed", str(model), str(tmp_path), "--output", "e.txt"], capsys)
    assert "--output must end in .csv or .npy" in message


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
