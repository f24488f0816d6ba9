"""The house rules: no import cycles, and imports run one way through the layers.

core → evaluators → practice → storage → review, grading, quality → org → services → ui, cli.
Every import counts, including the ones inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hotseat", "evaluators")

# Lowest first; a module may import its own layer and the layers before it, never a later one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("hotseat", "hotseat.errors", "hotseat.settings", "hotseat.datafiles", "hotseat.prompts",
              "hotseat.tokens", "hotseat.text", "hotseat.providers")),
    ("evaluators", ("evaluators",)),
    ("practice", ("hotseat.practice",)),
    ("storage", ("hotseat.storage",)),
    ("review, grading, quality", ("hotseat.review", "hotseat.grading", "hotseat.quality")),
    ("org, authoring", ("hotseat.org", "hotseat.authoring")),
    ("services", ("hotseat.services",)),
    ("ui, cli", ("hotseat.ui", "hotseat.cli")),
]  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # alembic scripts, loaded by alembic, not imported
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import refers to (`a.b.C` → `a.b`), or None for third-party code."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports, anywhere in its body."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def layer_of(module: str) -> int:
    """The index of the layer `module` belongs to (the longest matching prefix wins)."""
    best, best_len = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_real_imports() -> None:
    assert "evaluators.signals" in GRAPH["evaluators.reading"]
    assert "hotseat.practice.session" in GRAPH["hotseat.practice.engine"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if layer_of(m) < 0] == []


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module: str) -> None:
    mine = layer_of(module)
    upward = sorted(t for t in GRAPH[module] if layer_of(t) > mine)
    assert upward == [], f"{module} ({LAYERS[mine][0]}) imports later layers: {upward}"
