"""What the installed distributions require on Python 3.11 on Linux, read from their metadata.

The image is Python 3.11 on Linux and installs requirements.lock with --no-deps: what a locked
package needs there must be locked too (tests/test_deploy.py), and what an extra alone brings
is what an install without it lacks (tests/bot/test_extras.py hides those modules).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# The image's interpreter and platform, as environment markers see them.
LINUX_311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_release": "",
    "platform_version": "",
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "platform_python_implementation": "CPython",
}


def normal(name: str) -> str:
    """Return a distribution's name as PEP 503 compares them (discord.py is discord-py)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def applies(marker: Marker | None, extras: Iterable[str] = ()) -> bool:
    """Say whether `marker` holds on Python 3.11 on Linux, with no extra or one of `extras`."""
    if marker is None:
        return True
    return any(marker.evaluate({**LINUX_311, "extra": extra}) for extra in ("", *extras))


def requirements_of(name: str, extras: Iterable[str] = ()) -> list[Requirement]:
    """Return what the installed distribution `name` requires on Python 3.11 on Linux, with
    `extras` asked of it (PackageNotFoundError when it is not installed)."""
    wanted = [Requirement(line) for line in distribution(name).requires or []]
    extras = tuple(extras)
    return [r for r in wanted if applies(r.marker, extras)]


def closure(roots: Iterable[Requirement]) -> dict[str, set[str]]:
    """Return every distribution `roots` need on Python 3.11 on Linux, theirs too, each with
    the extras asked of it."""
    asked: dict[str, set[str]] = {}
    queue = [r for r in roots if applies(r.marker)]
    while queue:
        requirement = queue.pop()
        name = normal(requirement.name)
        if name in asked and requirement.extras <= asked[name]:
            continue
        asked.setdefault(name, set()).update(requirement.extras)
        queue += requirements_of(name, asked[name])
    return asked


def plain_install() -> list[Requirement]:
    """Return what `pip install pausewatch` installs: no extra."""
    return [Requirement(line) for line in PROJECT["dependencies"]]


def extra(name: str) -> list[Requirement]:
    """Return what pyproject.toml's extra `name` adds to the plain install."""
    return [Requirement(line) for line in PROJECT["optional-dependencies"][name]]


@cache
def _providers() -> dict[str, list[str]]:
    """Return the distributions of each top-level module, read once (from every one installed)."""
    return packages_distributions()


def modules_only_in(name: str) -> tuple[str, ...]:
    """Return the top-level modules that only extra `name` brings: those of its distributions
    and of theirs that the plain install has not, e.g. numpy and PIL for the charts."""
    only = set(closure(extra(name))) - set(closure(plain_install()))
    return tuple(
        sorted(
            module
            for module, providers in _providers().items()
            if all(normal(p) in only for p in providers)
        )
    )
