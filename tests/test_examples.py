"""Run every gallery example (``examples/plot_*.py``) as a script, in fast mode.

With ``SKLEARN_SIAMESE_FAST_EXAMPLES=1`` the examples train for two epochs on
small data, so this checks that they run from start to end, not their
results. Each runs in its own interpreter, in a temporary folder, with
matplotlib's non-interactive Agg backend. Torch gets one thread (unless
``OMP_NUM_THREADS`` is already set): the examples' small models gain nothing
from more, and on a busy CI machine several threads per process slow them
down many times over.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))


def test_examples_found():
    assert EXAMPLES, f"no plot_*.py examples found in {EXAMPLES_DIR}"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs(path, tmp_path):
    env = {
        "OMP_NUM_THREADS": "1",
        **os.environ,
        "SKLEARN_SIAMESE_FAST_EXAMPLES": "1",
        "MPLBACKEND": "Agg",
    }
    result = subprocess.run(
        [sys.executable, str(path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{path.name} exited with code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n"
        f"--- stderr ---\n{result.stderr[-5000:]}"
    )
