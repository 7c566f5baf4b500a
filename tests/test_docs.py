"""The Python code of the getting-started page runs, and prints what the
page says it prints: a trained figure within the band the page states, as
figures differ between CPUs in the last digits."""

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "getting_started.rst"


def python_blocks(text):
    """The ``.. code-block:: python`` blocks of an rst text, dedented, and
    the prose that follows each (up to the next block)."""
    parts = re.split(r"^\.\. code-block:: (\w+)\n", text, flags=re.MULTILINE)
    blocks = []
    for language, body in zip(parts[1::2], parts[2::2]):
        code = re.match(r"(?:\n|   .*\n)*", body).group(0)
        if language == "python":
            lines = [line[3:] for line in code.splitlines()]
            blocks.append(("\n".join(lines), body[len(code) :]))
    return blocks


def test_python_blocks_found():
    assert len(python_blocks(PAGE.read_text())) == 3


@pytest.mark.slow
def test_getting_started_runs_as_written():
    namespace, checked = {}, 0
    for code, prose in python_blocks(PAGE.read_text()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(PAGE), "exec"), namespace)
        claim = re.match(
            r"\s*This prints about ([0-9.]+)\s+\(give or take ([0-9.]+)", prose
        )
        if claim:  # the page states the figure the block prints, as a band
            printed = float(out.getvalue())
            figure, tolerance = map(float, claim.groups())
            assert abs(printed - figure) <= tolerance, (printed, claim.group(0))
            # and what it says of it: above chance, below raw pixels
            assert 0.2 < printed < 0.735
            checked += 1
    assert checked == 1
    assert namespace["clf"].predict_proba(namespace["pairs"][:5]).shape == (5, 2)
