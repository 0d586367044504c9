"""The install's parts agree: pyproject's extras, bot/extras.py, the lock and the compose stack.

The image installs from requirements.lock (deploy/lock remakes it): a dependency added to
pyproject.toml without re-locking fails here, not in a deployment. deploy/smoke tries the image
and the stack themselves where Docker runs.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from bot import extras

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OPTIONAL = PROJECT["optional-dependencies"]


def normal(name: str) -> str:
    """Return a distribution's name as PEP 503 compares them (discord.py is discord-py)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, set[Version]]:
    """Return the versions requirements.lock pins, by distribution (one per marker)."""
    pins: dict[str, set[Version]] = {}
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, re.MULTILINE):
        pins.setdefault(normal(name), set()).add(Version(version))
    return pins


def application_requirements() -> list[Requirement]:
    """Return what the application needs with every extra: the lock's inputs."""
    wanted = list(PROJECT["dependencies"])
    for name in extras.EXTRAS:
        wanted += OPTIONAL[name]
    return [Requirement(line) for line in wanted]


def test_the_lock_pins_every_requirement_within_its_range() -> None:
    pins = locked()
    unpinned = [str(r) for r in application_requirements() if normal(r.name) not in pins]
    assert unpinned == [], "run deploy/lock: requirements.lock misses these"
    outside = [
        f"{r} (locked {sorted(map(str, pins[normal(r.name)]))})"
        for r in application_requirements()
        if not any(r.specifier.contains(v, prereleases=True) for v in pins[normal(r.name)])
    ]
    assert outside == [], "run deploy/lock: requirements.lock is out of step"


def test_the_lock_holds_no_test_tool() -> None:
    test_only = {normal(Requirement(r).name) for r in OPTIONAL["test"]} - {"pausewatch"}
    assert test_only & set(locked()) == set()


def test_each_extra_of_bot_extras_is_an_extra_whose_packages_give_its_modules() -> None:
    providers = packages_distributions()
    for extra in extras.EXTRAS.values():
        listed = {normal(Requirement(r).name) for r in OPTIONAL[extra.name]}
        for module in extra.modules:
            given_by = {normal(d) for d in providers.get(module, [])}
            assert given_by & listed, f"[{extra.name}] lists {listed}; {module} is in {given_by}"


def test_the_plain_install_has_no_extra_and_all_has_every_one() -> None:
    plain = {normal(Requirement(r).name) for r in PROJECT["dependencies"]}
    for name in extras.EXTRAS:
        assert plain.isdisjoint(normal(Requirement(r).name) for r in OPTIONAL[name]), name
    (everything,) = OPTIONAL["all"]
    assert Requirement(everything).extras == set(extras.EXTRAS)
    assert "all" in Requirement(OPTIONAL["test"][0]).extras  # the README's test command


def test_the_image_installs_from_the_lock_with_hashes() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r /src/requirements.lock" in dockerfile
    allowed = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "!requirements.lock" in allowed and "!bot" in allowed and "!tests" not in allowed


def test_the_stack_publishes_on_loopback_and_waits_for_a_healthy_database() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published and all(port.startswith("127.0.0.1:") for port in published)
    assert services["bot"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert (
        "healthcheck" in services["db"] and "POSTGRES_IMAGE:-postgres:16" in services["db"]["image"]
    )
