"""The import rules of the package layout, read from the source.

The modules import one another without a cycle: every import of a package
module counts, the ones inside functions too (an import moved into a
function to dodge a cycle is still one). The command line sits on top of
the library: no library module imports it. The metrics know no estimator
class, and feature modules use one another's public names only.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sklearn_siamese"

# cli calls the demo's core once it has checked the options under their own
# names (--max-epochs, --output-dir); run_demo would check them again.
ALLOWED = {("cli", "demo", "_run_demo")}


def imports_of(path):
    """The package modules that the module at ``path`` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "sklearn_siamese":
                    continue
                module = parts[1] if len(parts) > 1 else None
            else:
                module = node.module
            if module:
                found.add(module.split(".")[0])
            else:  # from . import name
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sklearn_siamese" and len(parts) > 1:
                    found.add(parts[1])
    return found


def import_graph():
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    return {
        name: imports_of(path) & set(modules) - {name}
        for name, path in modules.items()
        if name not in ("__init__", "__main__")
    }


def find_cycle(graph):
    """A list of modules that import one another in a ring, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return path[path.index(other) :] + [other]
            if other not in state:
                cycle = visit(other, path + [other])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_a_ring_and_only_a_ring():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_of_reads_function_level_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        "from . import a\nfrom .b import x\nimport sklearn_siamese.c\n"
        "def f():\n    from ._d import y\n    from sklearn_siamese.e import z\n"
    )
    assert imports_of(path) == {"a", "b", "c", "_d", "e"}


def test_no_import_cycle():
    assert find_cycle(import_graph()) is None


def test_no_library_module_imports_the_command_line():
    graph = import_graph()
    assert [name for name, imported in graph.items() if "cli" in imported] == []


def names_imported(path):
    """``(module, name)`` for each ``from .module import name`` of the module
    at ``path``, and ``(module, None)`` for each ``from . import module``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if node.module is None:
                    yield alias.name, None
                else:
                    yield node.module, alias.name


@pytest.mark.parametrize("module", ["metrics", "_response", "plotting"])
def test_metrics_and_plots_know_no_estimator_class(module):
    imported = {name for name, _ in names_imported(PACKAGE / f"{module}.py")}
    assert not imported & {"encoder", "pair_classifier", "_base", "_net"}


def test_feature_modules_use_public_names_of_one_another():
    for path in PACKAGE.glob("*.py"):
        for source, name in names_imported(path):
            if not source.startswith("_") and name and name.startswith("_"):
                assert (path.stem, source, name) in ALLOWED, (path.stem, source, name)
