"""Checks on the code base itself: every module says what it is for."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    path
    for package in ("bot", "storage", "bench")
    for path in (ROOT / package).rglob("*.py")
    if path.name != "__init__.py" or path.stat().st_size
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_opens_with_a_sentence(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path} has no module docstring"
    first = docstring.splitlines()[0]
    assert first.endswith("."), f"{path}: first line should be one sentence: {first!r}"
