"""Arbitrary requests to /slack/events, signed and not: never a 5xx, nothing acted on unsigned.

Hypothesis runs a fixed, derandomised set of examples so CI is deterministic; each is one
request to the bot over loopback HTTP, on both databases.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.commands.core import Core
from bot.slack.app import build_app, serve_http, web_client
from bot.slack.http import COMMAND_FIELDS, bound_port
from bot.slack.settings import SlackSettings
from storage.database import open_database
from storage.models import Incident
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.signed import FORM, SECRET, SIGNED_AT, post, signature
from tests.conftest import Clock, make_settings

NASTY = ["&amp;", "<!channel>", "<@U1>", "@everyone", "’", '"', "\x00", "🚀", "الأسد", "payload"]
header_text = st.text(alphabet=string.printable.strip() + " ", max_size=40)
nasty_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(NASTY), max_size=5).map(" ".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=20,
)
# Slack's own shapes, with any value in their fields.
interaction = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["view_submission", "block_suggestion", "block_actions", "x"]),
        "user": st.one_of(
            st.fixed_dictionaries({"id": st.sampled_from(["U-ADMIN", "U-1"])}), json_values
        ),
        "view": st.one_of(
            st.fixed_dictionaries(
                {
                    "id": nasty_text,
                    "type": st.just("modal"),
                    "callback_id": st.sampled_from(["pausewatch_add", "other"]),
                    "private_metadata": nasty_text,
                    "state": st.fixed_dictionaries(
                        {
                            "values": st.dictionaries(
                                nasty_text, st.dictionaries(nasty_text, json_values)
                            )
                        }
                    ),
                }
            ),
            json_values,
        ),
        "action_id": st.one_of(st.just("series"), json_values),
        "value": json_values,
        "team": json_values,
    }
)
event = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited", "x"]),
        "event": json_values,
        "challenge": json_values,
        "authorizations": json_values,
    }
)
command_fields = st.dictionaries(
    st.sampled_from([*COMMAND_FIELDS, "payload", "ssl_check", "other"]), nasty_text, max_size=8
)


MARK = re.compile(r"fuzzmark[0-9]+x")


def mark(number: int) -> str:
    """Name an example in what it may store or be answered with."""
    return f"fuzzmark{number}x"


def _bodies(number: int, fake: FakeSlack) -> st.SearchStrategy[tuple[bytes, str]]:
    marker = mark(number)

    def command(fields: dict[str, str], verb: str) -> tuple[bytes, str]:
        fields = {
            "command": "/incidents",
            "user_id": "U-ADMIN",
            "channel_id": "C-OPS",
            **fields,
            "response_url": fake.response_url(marker),
        }
        if verb:
            fields["text"] = f"{verb} notes:{marker} {fields.get('text', '')}"
        return urlencode(fields).encode(), FORM

    return st.one_of(
        st.tuples(st.binary(max_size=200), st.sampled_from([FORM, "application/json", "x/y"])),
        st.tuples(json_values.map(lambda v: json.dumps(v).encode()), st.just("application/json")),
        st.tuples(event.map(lambda v: json.dumps(v).encode()), st.just("application/json")),
        st.tuples(
            interaction.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
            st.just(FORM),
        ),
        st.builds(command, command_fields, st.sampled_from(["", "add 2024-07-16", "since"])),
    )


async def _stored_markers(core: Core) -> set[str]:
    async with core.database.read() as session:
        notes = await session.scalars(select(Incident.notes))
    return {found for note in notes if note for found in MARK.findall(note)}


def test_arbitrary_requests_never_fail_and_unsigned_ones_do_nothing(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    fake = FakeSlack()
    run(fake.start())
    database = open_database(database_url)
    core = Core(
        database=database, settings=make_settings(database_url, admins=["U-ADMIN"]), clock=Clock()
    )
    run(core.prepare())
    slack = SlackSettings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake.api_url
    )
    runner = run(serve_http(build_app(core, slack, web_client(slack)), "127.0.0.1", 0))
    url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
    numbers = iter(range(1_000_000))
    unsigned_markers: set[str] = set()

    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        number = next(numbers)
        body, content_type = data.draw(_bodies(number, fake))
        signed = data.draw(st.booleans())
        headers: dict[str, Any] = {"Content-Type": content_type}
        if signed:
            timestamp = str(SIGNED_AT)
            headers["X-Slack-Request-Timestamp"] = timestamp
            headers["X-Slack-Signature"] = signature(body, timestamp)
        else:
            headers["X-Slack-Request-Timestamp"] = data.draw(
                st.one_of(header_text, st.just(str(SIGNED_AT)))
            )
            headers["X-Slack-Signature"] = data.draw(
                st.one_of(header_text, st.just("v0=" + "a" * 64))
            )
            unsigned_markers.add(mark(number))
        calls_before = len(fake.calls)
        status, _ = run(post(url, body, headers))
        assert status < 500, (status, body[:200])
        if not signed:
            assert status == 401
            # Refused before anything ran: no Web API call, no answer to its response URL.
            assert len(fake.calls) == calls_before
            assert all(r["name"] != mark(number) for r in fake.responses)

    try:
        one_request()
        # Let the bot finish what the signed requests started, then look again.
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if pending:
            run(asyncio.wait(pending, timeout=30))
        assert not {r["name"] for r in fake.responses} & unsigned_markers
        assert not run(_stored_markers(core)) & unsigned_markers
    finally:
        run(runner.cleanup())
        run(database.dispose())
        run(fake.stop())
        loop.close()
