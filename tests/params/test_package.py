"""The params package: one concern per module, each small, each saying what it may import,
and every public name still importable from ``baiyi_lib.params``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import baiyi_lib.params as params

PACKAGE = Path(params.__file__).parent
MODULES = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
MAX_LINES = 400


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_each_module_is_small_and_says_what_it_may_import(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) < MAX_LINES, f"{path.name}: split it"
    tree = ast.parse(text)
    doc = ast.get_docstring(tree) or ""
    assert "Owns" in doc and "May import" in doc, path.name
    said = " ".join(doc.split())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            name = node.module or ""
            if node.level == 2:  # baiyi_lib.errors, .dates, ._version
                assert f"baiyi_lib.{name}" in said, f"{path.name} imports ..{name} unsaid"
            elif "the other params modules" not in said:
                assert f"``{name}``" in said, f"{path.name} imports .{name} unsaid"


def test_every_public_name_is_importable_from_the_package():
    assert len(set(params.__all__)) == len(params.__all__)
    for name in params.__all__:
        value = getattr(params, name)
        if callable(value):  # a class or function of a params module, not one passed on
            assert value.__module__.startswith("baiyi_lib.params."), name
