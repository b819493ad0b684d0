"""The floors of the house (docs/architecture.md): each app imports only the apps below it, and
no module takes part in an import cycle — function-local imports included, since hiding an
import inside a function hides the cycle too. Migrations are history and not walked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# From the ground floor up. ``core`` is a leaf; ``ops`` and ``undersigned`` (settings, entry
# points) may import everything below them.
LAYERS = ("core", "pages", "statements", "signatures", "comments", "updates", "delivery",
          "dashboard", "reach", "api", "webhooks", "privacy", "accounts", "ops", "undersigned")


def modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that ``name`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


def floor(module: str) -> int:
    return LAYERS.index(module.partition(".")[0])


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_only_from_its_floor_or_below(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if floor(t) > floor(module))
    assert not upward, f"{module} imports from a floor above it: {upward}"


def test_no_import_cycles() -> None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_the_walk_sees_imports() -> None:
    """Guards the walk itself: a known downward import and a function-local one are found."""
    assert "statements.models" in GRAPH["signatures.models"]
    assert "core.generations" in GRAPH["pages.decorators"]
    assert any(t.startswith("core.") for t in GRAPH["statements.apps"])  # inside ready()
