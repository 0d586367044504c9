"""The install's parts agree: pyproject's extras, bot/extras.py, the lock and the compose stack.

The image installs from requirements.lock (deploy/lock remakes it): a dependency added to
pyproject.toml without re-locking fails here, not in a deployment. deploy/smoke tries the image
and the stack themselves where Docker runs.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

from bot import extras
from tests.dependencies import PROJECT, ROOT, applies, closure, normal, requirements_of

OPTIONAL = PROJECT["optional-dependencies"]
# A pin: name==version, then ` ; marker` when it is for some platforms or Pythons only.
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+?))?\s*\\?$", re.MULTILINE)


def locked() -> dict[str, set[Version]]:
    """Return the versions requirements.lock pins, by distribution (one per marker)."""
    pins: dict[str, set[Version]] = {}
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for name, version, _ in PIN.findall(text):
        pins.setdefault(normal(name), set()).add(Version(version))
    return pins


def locked_for_the_image() -> dict[str, Version]:
    """Return what requirements.lock installs on Python 3.11 on Linux (the image), by name."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, Version] = {}
    for name, version, marker in PIN.findall(text):
        if applies(Marker(marker) if marker else None):
            assert normal(name) not in pins, f"{name} is locked twice for 3.11 on Linux"
            pins[normal(name)] = Version(version)
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


def test_the_lock_is_closed_under_dependencies_for_the_image() -> None:
    # The image installs the lock with --no-deps: whatever a locked package requires on
    # Python 3.11 on Linux (markers evaluated, with the extras asked of it) must be locked
    # too, within its range. The requirements are read from this venv's installed metadata,
    # so only the packages installed at their locked version are checked: a fresh venv may
    # hold a release newer than the lock, whose requirements say nothing of the locked one.
    pins = locked_for_the_image()
    asked = closure(application_requirements())
    unlocked, outside, checked = [], [], 0
    for name, version in sorted(pins.items()):
        try:
            here = Version(distribution(name).version)
        except PackageNotFoundError:
            here = None
        if here != version:
            continue
        checked += 1
        for requirement in requirements_of(name, asked.get(name, ())):
            pin = pins.get(normal(requirement.name))
            if pin is None:
                unlocked.append(f"{name} {version} requires {requirement}")
            elif not requirement.specifier.contains(pin, prereleases=True):
                outside.append(f"{name} {version} requires {requirement}, locked {pin}")
    assert checked, "no package is installed at its locked version: pip install -r the lock"
    assert unlocked == [] and outside == [], "run deploy/lock: the image would lack these"


def test_the_lock_holds_no_test_tool() -> None:
    # A tool only the tests need (pytest, ruff) is not locked; one the application needs as
    # well is (packaging: matplotlib's).
    needed = set(closure(application_requirements()))
    test_only = {normal(Requirement(r).name) for r in OPTIONAL["test"]} - {"pausewatch"}
    assert "pyyaml" in test_only and "packaging" in test_only  # tests/test_deploy.py's
    assert (test_only - needed) & set(locked()) == set()


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


def test_the_image_runs_as_a_numeric_user_of_its_own() -> None:
    # Kubernetes' runAsNonRoot can verify a number only; the user and group exist with it.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (user,) = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user == "10001:10001"
    assert "groupadd --system --gid 10001 pausewatch" in dockerfile
    assert "useradd --system --uid 10001 --gid 10001 " in dockerfile


def executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_apt_trusts_the_system_bundle_and_the_extra_ca_together(tmp_path: Path) -> None:
    # Acquire::https::CAInfo replaces apt's bundle: a mirror reached directly (no proxy) must
    # still be trusted, so the bundle given is the system's followed by the extra CA.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(
        bin_dir / "apt-get",
        '#!/bin/sh\nfor a in "$@"; do echo "arg $a"; done\n'
        'for a in "$@"; do case $a in Acquire::https::CAInfo=*) f="${a#*=}"; '
        'echo "mode $(stat -c %a "$f")"; cat "$f"; echo "$f" > "$WHERE";; esac; done\n',
    )
    (tmp_path / "system.crt").write_text("SYSTEM CAS\n", encoding="utf-8")
    (tmp_path / "extra.crt").write_text("THE PROXY'S CA\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SYSTEM_CA_FILE": str(tmp_path / "system.crt"),
        "EXTRA_CA_FILE": str(tmp_path / "extra.crt"),
        "WHERE": str(tmp_path / "where"),
    }
    run = [str(ROOT / "deploy" / "apt-with-ca"), "install", "-y", "postgresql"]
    ran = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[0] == "arg -o"
    assert ran.stdout.splitlines()[1].startswith("arg Acquire::https::CAInfo=")
    assert ran.stdout.splitlines()[2:] == [
        "arg install",
        "arg -y",
        "arg postgresql",
        "mode 644",  # apt's download methods read it as _apt
        "SYSTEM CAS",
        "THE PROXY'S CA",
    ]
    assert not Path((tmp_path / "where").read_text(encoding="utf-8").strip()).exists()
    # No extra CA: apt-get as it is, its own bundle untouched.
    env["EXTRA_CA_FILE"] = str(tmp_path / "none.crt")
    ran = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines() == ["arg install", "arg -y", "arg postgresql"]
    dockerfile = (ROOT / "deploy" / "postgres.Dockerfile").read_text(encoding="utf-8")
    assert "apt-with-ca update" in dockerfile and "CAInfo" not in dockerfile


# .ci/run, with stand-ins for the tests, the linters and docker: a fake docker answers `info`
# and has what FAKE_DOCKER names (buildx, compose, registry: python:3.11-slim can be pulled);
# its builds fail. Every call is logged.
FAKE_DOCKER = r"""#!/usr/bin/env bash
echo "docker $*" >> "$STATE/calls"
has() { [[ " $FAKE_DOCKER " == *" $1 "* ]]; }
image() { [ -e "$STATE/images/${1//[:\/]/_}" ]; }
case "$1" in
    info) exit 0 ;;
    version) echo "${FAKE_DOCKER_VERSION:-28.2.2}" ;;
    buildx) has buildx ;;
    compose) [ "$2" != version ] || has compose ;;
    image) [ "$2" != inspect ] || image "${@: -1}" ;;
    pull) has registry && touch "$STATE/images/${3//[:\/]/_}" ;;
    import) cat > /dev/null && touch "$STATE/images/${3//[:\/]/_}" ;;
    build) echo "the fake docker builds nothing"; exit 1 ;;
esac
"""
# Tools that would reach past the fakes: left out of the PATH the script sees.
LEFT_OUT = {"docker", "docker-compose", "dockerd", "debootstrap", "pg_isready", "python3"}
LEFT_OUT |= {"chromium", "chromium-browser", "google-chrome", "apt-get"}


def ci_run(
    tmp_path: Path,
    docker: str,
    images: tuple[str, ...] = (),
    tests_pass: bool = True,
    debootstrap: bool = False,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run a copy of .ci/run (deploy/ with it) with fakes; return it and the docker calls."""
    repo, fakes, farm, state = (tmp_path / d for d in ("repo", "fakes", "farm", "state"))
    for directory in (repo / ".ci", repo / "deploy", repo / ".venv/bin", fakes, farm):
        directory.mkdir(parents=True)
    (state / "images").mkdir(parents=True)
    (state / "calls").touch()
    for image in images:
        (state / "images" / re.sub(r"[:/]", "_", image)).touch()
    shutil.copy2(ROOT / ".ci/run", repo / ".ci/run")
    for script in ("smoke", "debian-base"):
        shutil.copy2(ROOT / "deploy" / script, repo / "deploy" / script)
    for tool in ("pip", "ruff", "mypy"):
        executable(repo / ".venv/bin" / tool, "#!/bin/sh\nexit 0\n")
    executable(repo / ".venv/bin/pytest", f"#!/bin/sh\nexit {0 if tests_pass else 1}\n")
    executable(fakes / "docker", FAKE_DOCKER)
    executable(fakes / "chromium", "#!/bin/sh\nexit 0\n")
    executable(
        fakes / "python3",
        f'#!/bin/sh\n[ "$1 $2" = "-m venv" ] && exit 0\nexec {sys.executable} "$@"\n',
    )
    if debootstrap:
        executable(fakes / "debootstrap", "#!/bin/sh\nexit 0\n")
    for on_path in os.environ["PATH"].split(os.pathsep):
        for found in Path(on_path).glob("*") if Path(on_path).is_dir() else ():
            if found.name not in LEFT_OUT and not os.path.lexists(farm / found.name):
                (farm / found.name).symlink_to(found)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BASE_", "POSTGRES_"))},
        "PATH": f"{fakes}{os.pathsep}{farm}",
        "STATE": str(state),
        "FAKE_DOCKER": docker,
    }
    env.pop("EXTRA_CA", None)
    ran = subprocess.run(
        ["bash", str(repo / ".ci/run")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return ran, (state / "calls").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("docker", "images", "why"),
    [
        ("buildx registry", (), "neither docker compose nor docker-compose is installed"),
        ("compose registry", (), "no docker client here builds with BuildKit"),
        ("buildx compose", (), "no image registry answers (docker pull python:3.11-slim)"),
    ],
)
def test_ci_skips_the_smoke_saying_which_prerequisite_is_missing(
    tmp_path: Path, docker: str, images: tuple[str, ...], why: str
) -> None:
    ran, calls = ci_run(tmp_path, docker, images)
    assert ran.returncode == 0, ran.stderr
    assert f"deploy/smoke skipped: {why}" in ran.stderr
    assert "docker build " not in calls and "FAILED" not in ran.stderr


def test_ci_fails_when_the_smoke_fails(tmp_path: Path) -> None:
    ran, calls = ci_run(tmp_path, "buildx compose", ("pausewatch-base:bookworm",))
    assert ran.returncode == 1, ran.stderr
    assert "FAILED: docker build -t pausewatch:smoke . failed" in ran.stderr
    assert "--build-arg BASE_IMAGE=pausewatch-base:bookworm" in calls
    assert "skipped" not in ran.stderr


def test_ci_builds_the_local_base_when_no_registry_answers(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("deploy/debian-base needs root; without it CI skips the smoke (above)")
    ran, calls = ci_run(tmp_path, "buildx compose", debootstrap=True)
    assert "building the local base pausewatch-base:bookworm" in ran.stderr
    assert "docker import - pausewatch-base:bookworm" in calls
    assert "--build-arg BASE_IMAGE=pausewatch-base:bookworm" in calls  # then the smoke
    assert ran.returncode == 1 and "FAILED: docker build" in ran.stderr  # (the fake's build)


def test_ci_fails_when_the_tests_fail(tmp_path: Path) -> None:
    ran, calls = ci_run(tmp_path, "buildx compose", tests_pass=False)
    assert ran.returncode == 1
    assert calls == ""  # stopped before the smoke
