"""Every bad input of docs/bad_inputs.py raises its clear error.

The error must come from the package (or from scikit-learn's input checks),
never from deep inside torch or NumPy, whose messages speak of their own
internals rather than of the input to fix.
"""

import importlib.util
import os
from pathlib import Path

import pytest

# The cases live beside the documentation, whose table of errors they make.
_SPEC = importlib.util.spec_from_file_location(
    "bad_inputs", Path(__file__).resolve().parent.parent / "docs" / "bad_inputs.py"
)
_CASES = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_CASES)
CASES = _CASES.CASES

# Where a crash, rather than a check of the input, would raise.
_DEEP = tuple(os.sep + name + os.sep for name in ("torch", "numpy", "skorch", "PIL"))


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{case.area}: {case.description}" for case in CASES]
)
def test_bad_input_raises_clear_error(case):
    with pytest.raises(case.error, match=case.match) as excinfo:
        case.call()
    raised_in = str(excinfo.traceback[-1].path)
    assert not any(part in raised_in for part in _DEEP), (
        f"{type(excinfo.value).__name__} raised inside {raised_in}"
    )


def test_cases_are_distinct():
    keys = [(case.area, case.description) for case in CASES]
    assert len(keys) == len(set(keys))
