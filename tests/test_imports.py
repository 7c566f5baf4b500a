"""The package's modules import one another without a cycle.

Every import of a package module counts, the ones inside functions too: an
import moved into a function to dodge a cycle is still one. The command line
sits on top of the library: no library module imports it.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sklearn_siamese"


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
