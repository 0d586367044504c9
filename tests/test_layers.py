"""The layers keep their direction: each module's imports are checked against the design.

adapters → commands / notify → domain; storage serves the domain and imports no adapter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ("bot.slack", "bot.discord", "bot.console", "bot.web", "bot.sources")
NETWORK = ("aiohttp", "slack_sdk", "slack_bolt", "discord", "httpx", "requests", "socket")
WIRING = ("bot.cli", "bot.app", "bot.platforms")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Return every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {
    module_name(path): imports_of(path)
    for package in ("bot", "storage")
    for path in sorted((ROOT / package).rglob("*.py"))
}


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_tree_has_its_layers() -> None:
    for package in (
        "bot.domain",
        "bot.commands",
        "bot.notify",
        "bot.slack",
        "bot.discord",
        "bot.console",
    ):
        assert package in MODULES, f"{package} is missing"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if under(m, "bot.domain")))
def test_the_domain_is_pure(module: str) -> None:
    wrong = {
        name
        for name in MODULES[module]
        if under(
            name,
            "storage",
            "sqlalchemy",
            "asyncio",
            "bot.commands",
            "bot.notify",
            "matplotlib",
            *ADAPTERS,
            *NETWORK,
            *WIRING,
        )
    }
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if under(m, *ADAPTERS)))
def test_adapters_never_touch_the_database(module: str) -> None:
    wrong = {name for name in MODULES[module] if under(name, "sqlalchemy", "storage")}
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if under(m, "bot.commands", "bot.notify"))
)
def test_commands_and_notifications_import_no_adapter(module: str) -> None:
    wrong = {name for name in MODULES[module] if under(name, *ADAPTERS, *WIRING, *NETWORK)}
    assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if under(m, "storage")))
def test_storage_serves_the_domain_only(module: str) -> None:
    wrong = {
        name
        for name in MODULES[module]
        if under(name, "bot") and not under(name, "bot.domain", "bot.settings")
    }
    assert not wrong, f"{module} imports {sorted(wrong)}"
