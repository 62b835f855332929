"""The house: imports run one way, from the command down to the errors, never back.

Read from the source (ast), every import counts, also those inside functions: a lazy import
that runs backwards is still a cycle, only hidden.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "baiyi_lib"

# Lowest first. A module may import from its own layer (without a cycle) or below.
LAYERS: list[tuple[str, ...]] = [
    ("_version", "errors"),
    ("dates",),
    ("params",),
    ("ledgers",),
    ("store",),
    ("sources",),
    ("scoring",),
    ("views", "whatif"),
    ("present", "charts"),
    ("report", "receipts"),
    ("excel",),
    ("sample",),
    ("cli",),
]
# Imports inside a function, allowed where they keep a command from loading what it does
# not use (the reason is the test's documentation).
LAZY_OK = {
    ("sources", "store"): "duckdb is loaded only when a store is read",
    ("report", "store"): "a briefing's kernel imports duckdb only when its page reads a store",
    ("params", "params"): "pydantic (the declared models) only when a params file is checked, "
    "not when a cached rule set is taken (params/cache.py)",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The baiyi_lib modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("baiyi_lib")]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if node.level:
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    if not target.startswith("baiyi_lib"):
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in MODULES else target)
    return out


def _edges() -> list[tuple[str, str, bool]]:
    """(importer, imported, inside a function) for every import of a baiyi_lib module."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy_nodes = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _resolve(module, path, node):
                    if target != module:
                        edges.append((module, target, id(node) in lazy_nodes))
    return edges


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(module: str) -> int:
    top = _top(module)
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def test_every_module_has_a_layer():
    for module in MODULES:
        if module != "baiyi_lib":
            _layer(module)


def test_no_module_imports_a_later_layer():
    backwards = [
        f"{a} → {b}"
        for a, b, _ in _edges()
        if b != "baiyi_lib" and a != "baiyi_lib" and _layer(b) > _layer(a)
    ]
    assert not backwards, backwards


def test_no_module_imports_the_package_facade():
    """baiyi_lib/__init__ gathers the public API; inside the package it is never a source
    (it imports half the package, so importing from it closes cycles)."""
    assert not [a for a, b, _ in _edges() if b == "baiyi_lib"]


def test_the_import_graph_has_no_cycle():
    graph: dict[str, set[str]] = {}
    for a, b, _ in _edges():
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_no_lazy_import_hides_a_dependency():
    """Imports inside functions are only the command-level ones (cli) and the listed ones."""
    hidden = [
        f"{a} → {b}"
        for a, b, lazy in _edges()
        if lazy and _top(a) != "cli" and (_top(a), _top(b)) not in LAZY_OK
    ]
    assert not hidden, hidden


def test_the_checker_sees_a_backward_lazy_import(tmp_path, monkeypatch):
    """The graph reader catches what the old code had: store → views inside a function."""
    src = "def f():\n    from .views import returns_grid\n"
    node = ast.parse(src).body[0].body[0]  # type: ignore[attr-defined]
    assert _resolve("baiyi_lib.store", PKG / "store.py", node) == ["baiyi_lib.views"]
    assert _layer("baiyi_lib.views") > _layer("baiyi_lib.store")


def test_the_briefing_loads_without_duckdb():
    """What a briefing's kernel imports before its first cell (report.kernel WARM) leaves
    duckdb out: it is loaded when a store is read, not on the path of every page."""
    code = "import sys, baiyi_lib.report.briefing; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
