"""Run schemathesis over the OpenAPI document a server serves, in a process of its own.

`python -m tests.fuzz.api_schema` reads a Request as JSON on stdin, makes the requests and
prints what came back as JSON on stdout; `fuzz()` starts that process and reads its answer.

A process of its own, because schemathesis changes Hypothesis for the whole process it runs
in as soon as its test builder is imported: a larger buffer (other tests would draw other
examples) and a printer that prints nothing (a failing example would read `x=,`). The suite's
own Hypothesis tests must not depend on whether this ran first in their worker, so
schemathesis is imported only here, in the child, and its pytest plugin is off
(`-p no:schemathesis` in pyproject.toml).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Examples per operation and generation mode: with 11 operations that take parameters or a
# body, in both modes, and 6 that take none, about 226 requests a run.
EXAMPLES = 10
# A run takes a few seconds; one that takes minutes is stuck.
TIMEOUT = 300.0


@dataclass
class Request:
    """What to fuzz and how: the document's address, what to present, what the data holds."""

    url: str
    # Each request presents one of these Authorization headers (None: none), by kind of
    # credential: "none", "invalid", "read", "write".
    credentials: dict[str, list[str | None]]
    # What the served data holds, for the examples steered to it (see _steer).
    series: list[str]
    ids: list[int]
    values: dict[str, list[str]]
    first_day: str
    last_day: str
    examples: int = EXAMPLES
    # Other servers' documents: each request made for the first is made again to each of
    # these, built from that server's own document (the same parameters, headers and body),
    # and checked against it. Servers that differ in their settings only are fuzzed with the
    # very same requests, for the cost of one run's examples.
    also: list[str] = field(default_factory=list)


@dataclass
class Exchange:
    """One request made, what it presented, and what came back."""

    method: str
    template: str
    credential: str
    status: int
    body: Any
    curl: str
    server: int = 0  # 0: Request.url's; n: Request.also[n - 1]'s

    @property
    def reads_data(self) -> bool:
        """Say whether this asked the API for data (the document itself is open to all)."""
        return (
            self.method == "GET"
            and self.template.startswith("/api/v1/")
            and self.template != "/api/v1/openapi.json"
        )


@dataclass
class Run:
    """What one run saw: every exchange, and each distinct failure of a check once."""

    exchanges: list[Exchange] = field(default_factory=list)
    # "operation: failure title" -> the failure as schemathesis words it, and a curl command.
    failures: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        """Say every failure, each with a request that reproduces it."""
        return "\n\n".join(self.failures.values())

    def listed(self, wanted: Any) -> str:
        """List the exchanges `wanted` takes, one a line: status, what it presented, request."""
        return "\n".join(
            f"{e.status} ({e.credential}) {e.curl}" for e in self.exchanges if wanted(e)
        )


async def fuzz(request: Request) -> Run:
    """Fuzz in a child process while this one's event loop goes on serving; return what it saw."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fuzz.api_schema",
        # Found from the repository; run where the test runs (its temporary directory). No
        # example is kept on disk (database=None, below); the only thing Hypothesis keeps is
        # its tables of Unicode and of UTF-8's characters, the same in every run, which take
        # 2-4 s to make: kept where Hypothesis keeps them for the repository, made once.
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "HYPOTHESIS_STORAGE_DIRECTORY": str(ROOT / ".hypothesis"),
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(TIMEOUT):
            out, err = await child.communicate(json.dumps(asdict(request)).encode())
    finally:
        if child.returncode is None:  # timed out, or the test was stopped: leave nothing behind
            child.kill()
            await child.wait()
    assert child.returncode == 0, f"the fuzzer failed:\n{err.decode(errors='replace')}"
    seen = json.loads(out)
    return Run([Exchange(**e) for e in seen["exchanges"]], seen["failures"])


def _steer(case: Any, data: Any, request: Request) -> bool:
    """Give some examples what the served data holds: a series, an incident's id, a day, a
    filter value, a CSV file with rows, an edit of a free-text field.

    Drawn at random, a name is almost never a series, an id almost never a stored incident and
    a string almost never a day: without this the questions and writes would reach little but
    their 400, 404 and 422 answers, and the answers with figures in them would go unchecked.
    What is not steered stays as generated. Return whether this example was steered.
    """
    from hypothesis import strategies as st

    if not data.draw(st.booleans(), label="steered"):
        return False
    first, last = date.fromisoformat(request.first_day), date.fromisoformat(request.last_day)
    day = data.draw(st.dates(first, last), label="day").isoformat()
    for name in ("name", "series"):
        if name in case.path_parameters:
            case.path_parameters[name] = data.draw(st.sampled_from(request.series), label=name)
    if "id" in case.path_parameters:
        case.path_parameters["id"] = data.draw(st.sampled_from(request.ids), label="id")
    query = case.query if isinstance(case.query, dict) else {}
    for key in query.keys() & {"as_of", "from", "to"}:
        query[key] = day
    for key in query.keys() & request.values.keys():
        query[key] = data.draw(st.sampled_from(request.values[key]), label=key)
    if case.method == "POST" and case.path == "/api/v1/incidents" and isinstance(case.body, dict):
        case.body["date"] = day
    if case.method == "PATCH" and isinstance(case.body, dict):
        case.body = {k: v for k, v in case.body.items() if k in ("notes", "source")}
        case.body["killed"] = data.draw(st.integers(0, 50), label="killed")
    if case.path == "/api/v1/imports":
        rows = data.draw(st.integers(1, 3), label="rows")
        # The file says it is CSV; a generated ?format= would almost always be refused (415).
        query.pop("format", None)
        case.media_type = "text/csv"
        case.body = "series,date,country,kind\n" + "".join(
            f"{request.series[0]},{day},Syria,rocket {n}\n" for n in range(rows)
        )
    return True


def _run(request: Request) -> Run:
    """Fuzz every operation of the document in both modes (positive, negative) and check each
    answer against it: a documented status, content type, headers and body; never a 5xx; and
    a request that breaks the document refused."""
    import requests
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core.result import Err, Ok

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    # The caller, not schemathesis, decides what each request presents: left to it, a
    # negative example may drop the Authorization header, and a read would go without the
    # token meant.
    config = schemathesis.Config.from_dict(
        {"seed": 0, "generation": {"with-security-parameters": False}}
    )
    # The same examples every run (derandomized, no example database), however long each takes.
    fixed = settings(
        derandomize=True,
        database=None,
        deadline=None,
        # The strategies are schemathesis', built per operation: a slow or filtered draw is its.
        suppress_health_check=list(HealthCheck),
    )
    base = request.url.split("/api/v1/")[0]
    schema = schemathesis.openapi.from_url(request.url, config=config)
    others = [_operations(url, config) for url in request.also]
    presented = st.sampled_from(
        [(kind, header) for kind, headers in request.credentials.items() for header in headers]
    )
    run = Run()
    results = list(schema.get_all_operations())
    problems = [str(result.err()) for result in results if isinstance(result, Err)]
    assert not problems, f"schemathesis cannot read these operations: {problems}"
    with requests.Session() as session:
        for result in results:
            assert isinstance(result, Ok)
            operation = result.ok()
            # An operation without parameters or a body has one request to make, and nothing
            # to get wrong.
            varied = bool(list(operation.iter_parameters()) or operation.body)
            modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * varied
            for mode in modes:

                @settings(fixed, max_examples=request.examples if varied else 1)
                @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
                def exercise(case: Any, data: Any) -> None:
                    steered = _steer(case, data, request)
                    credential, header = data.draw(presented, label="Authorization")
                    case.headers.pop("Authorization", None)
                    if header is not None:
                        case.headers["Authorization"] = header
                    # A request that breaks the document is refused (4xx), unless steering
                    # made it one that fits: the case would still say it breaks it.
                    rejection = [negative_data_rejection] if not steered else []
                    sent = Sent(session, credential, checks + rejection, run)
                    sent.to(case, base, 0)
                    for server, (other_base, operations) in enumerate(others, start=1):
                        sent.to(_same_case(case, operations), other_base, server)

                exercise()
    return run


def _operations(url: str, config: Any) -> tuple[str, dict[tuple[str, str], Any]]:
    """Read a server's document: its base address and its operations by method and path."""
    import schemathesis
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_url(url, config=config)
    operations = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"schemathesis cannot read an operation of {url}"
        operation = result.ok()
        operations[(operation.method.upper(), operation.path)] = operation
    return url.split("/api/v1/")[0], operations


def _same_case(case: Any, operations: dict[tuple[str, str], Any]) -> Any:
    """Return the request `case` makes, as a case of another server's document (the same
    operation in it): the same parameters, headers, body and generation mode."""
    operation = operations[(case.method.upper(), case.operation.path)]
    return operation.Case(
        method=case.method,
        path_parameters=dict(case.path_parameters or {}),
        headers=dict(case.headers or {}),
        cookies=dict(case.cookies or {}),
        query=dict(case.query) if isinstance(case.query, dict) else case.query,
        body=case.body,
        media_type=case.media_type,
        _meta=case._meta,
    )


@dataclass
class Sent:
    """Sends a case to a server, records the exchange and the failures of the checks."""

    session: Any
    credential: str
    checks: list[Any]
    run: Run

    def to(self, case: Any, base: str, server: int) -> None:
        """Send `case` to the server at `base`, record what came back and check it."""
        from schemathesis.core.failures import FailureGroup

        response = case.call(base_url=base, session=self.session)
        curl = case.as_curl_command(base_url=base)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:200]
        self.run.exchanges.append(
            Exchange(
                case.method, case.path, self.credential, response.status_code, body, curl, server
            )
        )
        try:
            case.validate_response(response, checks=self.checks)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{case.operation.label}: {failure.title}"
                if server:
                    key = f"{key} (server {server})"
                answer = f"answered {response.status_code}: {json.dumps(body)[:500]}"
                report = f"{key}\n{failure.message}\n{curl}\n{answer}"
                self.run.failures.setdefault(key, report)


def main() -> None:
    """Read a Request on stdin, fuzz, print the Run on stdout."""
    request = Request(**json.load(sys.stdin))
    run = _run(request)
    json.dump(
        {"exchanges": [asdict(e) for e in run.exchanges], "failures": run.failures}, sys.stdout
    )


if __name__ == "__main__":
    main()
