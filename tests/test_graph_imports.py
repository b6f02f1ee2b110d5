"""graph/'s modules import each other without a cycle, and its stores build on the interface only.

Read with ast, imports inside functions included: an import put off until a call is still a
dependency, and such imports were how store.py, remote.py, aggregates.py, handoff.py and
binding.py came to need each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

GRAPH = Path(__file__).resolve().parent.parent / "graph"
STORES = {"embedded", "remote", "handoff"}


def _imports() -> dict[str, set[str]]:
    """Each module of graph/ → the modules of graph/ it imports, wherever in its text."""
    modules = {path.stem for path in GRAPH.glob("*.py")} - {"__init__"}
    found: dict[str, set[str]] = {}
    for name in modules:
        tree = ast.parse((GRAPH / f"{name}.py").read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("graph.")}
            elif isinstance(node, ast.ImportFrom) and node.module == "graph":
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("graph."):
                targets.add(node.module.split(".")[1])
        found[name] = targets & modules
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as the modules along it ([] when there is none)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        path.append(name)
        for target in sorted(graph[name]):
            if found := visit(target):
                return found
        path.pop()
        done.add(name)
        return []

    for name in sorted(graph):
        if found := visit(name):
            return found
    return []


def test_the_modules_of_graph_import_each_other_without_a_cycle() -> None:
    assert _cycle(_imports()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_interface_needs_nothing_of_graph_and_no_store_another() -> None:
    imports = _imports()
    assert imports["interface"] == set()
    for store in STORES:
        assert "interface" in imports[store]
        assert imports[store] & (STORES | {"store"}) == set(), store
