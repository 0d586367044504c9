"""Alerts and digests to Discord through discord.py's HTTP layer, against a fake API."""

from __future__ import annotations

from datetime import date, timedelta

from discord.http import HTTPClient

from bot.commands.core import Caller, Core
from bot.discord.render import render_embed
from bot.discord.sender import DiscordSender, nonce
from bot.domain.replies import Reply, Table
from bot.notify.delivery import Delivery, outgoing
from bot.notify.digests import queue_digests
from tests.bot.commands.test_core import ask
from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.notify.test_delivery import alert_queued, the_message
from tests.conftest import Clock

OPS = Caller("42", True, "discord", "987654321")


async def alert_for_ops(core: Core) -> None:
    await alert_queued(core, OPS)


def test_a_reply_becomes_one_embed() -> None:
    reply = Reply(
        headline="84 days since the last attack",
        details=("As of 15 Jul 2024.",),
        tables=(Table("Pauses", ("#", "length"), (("1", "86 days"),)),),
    )
    embed = render_embed(reply).to_dict()
    assert embed["title"] == "84 days since the last attack"
    assert embed["description"] == "As of 15 Jul 2024."
    assert embed["fields"] == [
        {"name": "Pauses", "value": "```\n#  length\n1  86 days\n```", "inline": False}
    ]
    assert render_embed(Reply.error("nope")).colour.value == 0xC00000


async def test_an_alert_is_posted_once_with_an_enforced_nonce(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    [posted] = fake_discord.posted
    message = await the_message(core)
    assert posted.channel == "987654321"
    assert posted.payload["embeds"][0]["title"] == "New attack on 16 Jul 2024 ends an 86-day pause"
    assert posted.payload["nonce"] == nonce(outgoing(message))
    assert posted.payload["enforce_nonce"] is True
    assert message.status == "sent"


async def test_a_retry_after_a_lost_response_is_not_posted_twice(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    message = await the_message(core)
    sender = DiscordSender(discord_http)

    async def lost(part: str) -> None:
        pass  # the process dies before it can record what was posted

    await sender.send(outgoing(message), lost)  # posted, but the answer "was lost"
    await sender.send(outgoing(message), lost)  # the retry carries the same nonce
    assert len(fake_discord.posted) == 1


async def test_a_429_is_honoured_and_the_alert_posted_once(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_discord.fail(
        429,
        {"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
        # Discord's own 429s come through its proxy (Via); discord.py trusts only those.
        {"Retry-After": "0.2", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
    )
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    assert fake_discord.requests.count(("POST", "/channels/987654321/messages")) == 2
    assert len(fake_discord.posted) == 1
    assert (await the_message(core)).status == "sent"


async def test_missing_permissions_are_reported_and_the_alert_kept(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_discord.fail(403, {"message": "Missing Permissions", "code": 50013})
    delivery = Delivery(core.database, [DiscordSender(discord_http)], clock=clock)
    await delivery.run_once()
    clock.now += timedelta(days=1)
    await delivery.run_once()
    message = await the_message(core)
    assert message.status == "failed"
    assert message.last_error.startswith(
        "Discord refused: missing permissions (Missing Permissions)"
    )
    assert fake_discord.posted == []


async def test_a_digest_is_posted_with_its_chart_attached(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await ask(core, "add 2024-04-22")
    await ask(core, "add 2024-07-16")
    await core.handle("subscribe digest", OPS)
    assert await queue_digests(core.database, core.settings, date(2024, 7, 22), clock.now) == 1
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    [posted] = fake_discord.posted
    embed = posted.payload["embeds"][0]
    assert embed["title"].startswith("Weekly digest, attacks: 1 attack this week")
    assert embed["image"]["url"] == "attachment://attacks-2024-07-22.png"
    # The chart (the embed's image), then the map of the chart's weeks beside it.
    assert list(posted.files) == ["attacks-2024-07-22.png", "map-2023-07-31-attacks-2024-07-22.png"]
    assert all(content.startswith(b"\x89PNG") for content in posted.files.values())


async def test_a_deleted_channel_is_reported_and_the_alert_kept(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_discord.fail(404, {"message": "Unknown Channel", "code": 10003})
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    message = await the_message(core)
    assert (message.status, message.last_error) == (
        "failed",
        "Discord refused: the channel was deleted or the id is wrong",
    )


async def test_a_message_discord_refuses_as_invalid_fails_at_once_with_the_reason(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    fake_discord.fail(
        400,
        {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {
                "embeds": {
                    "0": {
                        "description": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 4096 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            },
        },
    )
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    message = await the_message(core)
    assert message.status == "failed"  # not queued for a retry that would be refused again
    assert message.attempts == 1
    assert message.last_error.startswith("Discord refused the message (400, code 50035)")
    assert "Must be 4096 or fewer in length." in message.last_error
    assert fake_discord.requests.count(("POST", "/channels/987654321/messages")) == 1


async def test_an_alert_is_posted_with_no_allowed_mentions(
    core: Core, fake_discord: FakeDiscord, discord_http: HTTPClient, clock: Clock
) -> None:
    await alert_for_ops(core)
    await Delivery(core.database, [DiscordSender(discord_http)], clock=clock).run_once()
    [posted] = fake_discord.posted
    assert posted.payload["allowed_mentions"] == {"parse": []}
