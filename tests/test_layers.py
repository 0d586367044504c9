"""The layers keep their direction: each module imports only what its layer may, and no cycle.

The decided order, downwards: the wiring (bot/app.py, cli/, platforms.py, script.py) →
adapters (slack, discord, console, web, sources; none imports another) → commands → notify
→ storage → settings → domain. tests/import_graph.py holds the rules as an allow-list per
layer; the last tests here add a forbidden import to a copy of the tree and watch it fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.import_graph import (
    LAYERS,
    MAY_IMPORT,
    Module,
    cycles,
    layer_of,
    parse_tree,
    violations,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    """Read the tree once, in the worker that runs these tests (not in each at collection)."""
    return parse_tree(ROOT)


def test_the_tree_has_its_layers(modules: dict[str, Module]) -> None:
    for package in LAYERS:
        assert package in modules, f"{package} is missing"
    assert [m for m in modules if layer_of(m) is None and m not in ("bot", "storage")] == []


def test_commands_may_import_notify_and_notify_never_commands() -> None:
    assert "notify" in MAY_IMPORT["commands"]
    assert "commands" not in MAY_IMPORT["notify"]


def test_every_import_keeps_to_its_layer(modules: dict[str, Module]) -> None:
    assert violations(modules) == []


def test_no_module_imports_itself_back(modules: dict[str, Module]) -> None:
    assert cycles(modules) == []


def test_the_imports_are_read_as_python_resolves_them(modules: dict[str, Module]) -> None:
    core = {i.name for i in modules["bot.commands.core"].imports}
    assert {"bot.commands.reviews", "bot.commands.sources", "storage.queries"} <= core
    assert "storage" not in core  # `from storage import queries` names the module


# The checks on a copy of the tree with one forbidden import added: each must fail.


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copy bot/ and storage/ (sources only) once; each test copies this copy."""
    root = tmp_path_factory.mktemp("pristine")
    for package in ("bot", "storage"):
        shutil.copytree(
            ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    return root


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(pristine, root)
    return root


def add_line(root: Path, module: str, line: str) -> None:
    """Append a line of code to a module of the copied tree."""
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_copy_of_the_tree_passes(tree: Path) -> None:
    copied = parse_tree(tree)
    assert violations(copied) == [] and cycles(copied) == []


@pytest.mark.parametrize(
    ("module", "line", "said"),
    [
        pytest.param(
            "bot.commands.operations",
            "from ..slack import render",
            "the commands layer may not import bot.slack.render (slack)",
            id="relative-import-across-layers",
        ),
        pytest.param(
            "bot.web.api",
            'importlib.import_module("storage.queries")',
            "the web layer may not import storage.queries (storage)",
            id="import-module-of-storage",
        ),
        pytest.param(
            "bot.slack.render",
            '__import__("sqlalchemy.orm")',
            "the slack layer may not use sqlalchemy.orm",
            id="dunder-import-of-sqlalchemy",
        ),
        pytest.param(
            "bot.domain.pauses",
            "import sqlite3",
            "the domain is pure, and sqlite3 does I/O",
            id="sqlite3-in-the-domain",
        ),
        pytest.param(
            "bot.slack.render",
            "from bot.discord import render as discord_render",
            "the slack layer may not import bot.discord.render (discord)",
            id="adapter-imports-another-adapter",
        ),
        pytest.param(
            "bot.domain.wording",
            "from bot.settings import Settings",
            "the domain layer may not import bot.settings (config)",
            id="domain-imports-settings",
        ),
        pytest.param(
            "bot.notify.delivery",
            "from bot.commands.metrics import Recorder",
            "the notify layer may not import bot.commands.metrics (commands)",
            id="notify-imports-commands",
        ),
        pytest.param(
            "bot.console.app",
            "from bot import app",
            "the console layer may not import bot.app (wiring)",
            id="adapter-imports-the-wiring",
        ),
        pytest.param(
            "bot.web.api",
            'importlib.import_module(".queries", "storage")',
            "the web layer may not import storage.queries (storage)",
            id="relative-import-module-of-storage",
        ),
        pytest.param(
            "storage.outbox",
            "from . import queries",
            "",
            id="control-a-relative-import-within-a-layer",
        ),
    ],
)
def test_a_forbidden_import_fails(tree: Path, module: str, line: str, said: str) -> None:
    add_line(tree, module, line)
    found = violations(parse_tree(tree))
    if not said:
        assert found == []
        return
    assert len(found) == 1, found
    assert found[0].startswith(f"{module}:") and found[0].endswith(said), found


def test_a_cycle_fails(tree: Path) -> None:
    # The context is below the core: importing it back makes a circle, even done lazily.
    add_line(tree, "bot.commands.context", "def _later() -> None:\n    from . import core")
    assert violations(parse_tree(tree)) == []  # within one layer: only the cycle check sees it
    [cycle] = cycles(parse_tree(tree))
    assert {"bot.commands.context", "bot.commands.core"} <= set(cycle)


def test_a_module_in_no_layer_fails(tree: Path) -> None:
    (tree / "bot" / "errors.py").write_text('"""Errors."""\n', encoding="utf-8")
    assert violations(parse_tree(tree)) == ["bot.errors: in no layer (add it to LAYERS)"]
