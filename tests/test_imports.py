"""The import rules of the package layout, read from the source: the
library never imports the command line, the metrics know no estimator
class, and feature modules use one another's public names only."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sklearn_siamese"
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py"))

# cli calls the demo's core once it has checked the options under their own
# names (--max-epochs, --output-dir); run_demo would check them again.
ALLOWED = {("cli", "demo", "_run_demo")}


def imports(module):
    """``(imported module, name)`` for each ``from .module import name``
    and ``(module, None)`` for each ``from . import module``."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if node.module is None:
                    yield alias.name, None
                else:
                    yield node.module, alias.name


def test_the_library_does_not_import_the_command_line():
    for module in MODULES:
        if module not in ("cli", "__main__"):
            assert "cli" not in {name for name, _ in imports(module)}, module


@pytest.mark.parametrize("module", ["metrics", "_response", "plotting"])
def test_metrics_and_plots_know_no_estimator_class(module):
    imported = {name for name, _ in imports(module)}
    assert not imported & {"encoder", "pair_classifier", "_base", "_net"}


def test_feature_modules_use_public_names_of_one_another():
    for module in MODULES:
        for source, name in imports(module):
            if not source.startswith("_") and name and name.startswith("_"):
                assert (module, source, name) in ALLOWED, (module, source, name)
