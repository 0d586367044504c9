"""Teams on Discord through the loopback gateway: two allowed servers, each its own team.

Each server's Manage-Server members and the roles its admins name are its admins there
alone, its own series are its alone, and the shared series is written by the owner team's
admins (A's). Every interaction and message goes through discord.py's Client as Discord sends
it; what was stored is read back through the core, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from bot.commands.teams import not_an_owner
from tests.bot.discord.fake_discord import (
    USER,
    FakeDiscord,
    message_payload,
    person,
    text_of,
    title,
)
from tests.bot.discord.fake_gateway import Bot, FakeGateway, reply_to
from tests.bot.discord.fake_servers import (
    BOT_ID,
    MANAGE_GUILD,
    NO_PERMISSION,
    ROLE,
    A,
    B,
    ask,
    completed,
    incidents,
)


async def test_manage_server_makes_an_admin_of_that_server_alone(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    # User 7 manages A, user 8 manages B; each is a member where they lack the permission.
    said = {
        (user, guild): await ask(
            gateway,
            fake_discord,
            "team",
            guild=guild,
            user=user,
            permissions=MANAGE_GUILD if (user, guild) in (("7", A), ("8", B)) else NO_PERMISSION,
        )
        for user in ("7", "8")
        for guild in (A, B)
    }
    assert said["7", A].startswith(f"Team discord:{A}; you are an admin")
    assert said["7", B].startswith(f"Team discord:{B}; you are a member")
    assert said["8", B].startswith(f"Team discord:{B}; you are an admin")
    assert said["8", A].startswith(f"Team discord:{A}; you are a member")
    # What an admin may do in A, the same user without the permission may not do in B.
    refused = await ask(
        gateway, fake_discord, "team", guild=B, action="series", details="add sevens"
    )
    assert refused.startswith("Only this team's admins change it")
    done = await ask(
        gateway,
        fake_discord,
        "add",
        guild=A,
        permissions=MANAGE_GUILD,
        day="2024-07-16",
    )
    assert done.startswith("Recorded attack #1 on 16 Jul 2024")
    assert "sevens" not in await two_teams.core.series_names()


async def test_a_role_named_in_a_makes_admins_in_a_only(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    named = await ask(
        gateway,
        fake_discord,
        "team",
        guild=A,
        permissions=MANAGE_GUILD,
        action="admin",
        details=f"add <@&{ROLE}>",
    )
    assert named.startswith("Added 1 named admin of this team"), named
    # Its holder, with no permission of their own: an admin in A, by command and by mention.
    holder = {"user": "9", "roles": (ROLE,)}
    said = await ask(gateway, fake_discord, "team", guild=A, **holder)
    assert said.startswith(f"Team discord:{A}; you are an admin")
    added = await ask(gateway, fake_discord, "add", guild=A, day="2024-07-16", **holder)
    assert added.startswith("Recorded attack #1 on 16 Jul 2024")
    write = f"<@{BOT_ID}> add 2024-07-17"
    in_a = message_payload(write, author=person("9"), mentions=(USER,), roles=(ROLE,))
    assert title(await reply_to(gateway, fake_discord, in_a)).startswith("Recorded attack #2")
    # The same role id in B makes nobody an admin there, by command or by mention.
    said = await ask(gateway, fake_discord, "team", guild=B, **holder)
    assert said.startswith(f"Team discord:{B}; you are a member")
    in_b = message_payload(
        "<@1000> add 2024-07-18", author=person("9"), mentions=(USER,), roles=(ROLE,), guild_id=B
    )
    refused = title(await reply_to(gateway, fake_discord, in_b))
    assert "admins may `add`" in refused
    # Nor does a role A's admins did not name, in A.
    other = await ask(gateway, fake_discord, "add", guild=A, day="2024-07-19", roles=("8880002",))
    assert "admins may `add`" in other
    assert await incidents(two_teams) == ["2024-07-17", "2024-07-16"]


async def test_a_series_of_bs_own_is_bs_alone(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    made = await ask(
        gateway, fake_discord, "team", action="series", details="add outages", **b_admin
    )
    assert made.startswith("Made the series outages, seen and written only by this team")
    added = await ask(gateway, fake_discord, "add", day="2024-07-16", series="outages", **b_admin)
    assert added.startswith("Recorded"), added
    asked = await ask(gateway, fake_discord, "since", series="outages", **b_admin)
    assert "since the last" in asked and "16 Jul 2024" in asked
    # A neither sees it (questions, completion) nor writes it, its admin included.
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    unseen = await ask(gateway, fake_discord, "since", series="outages", **a_admin)
    # Refused as the options are read, with the series A sees: `outages` is no word of A's.
    assert unseen.startswith("`outages` is not a series; the series are attacks, us-strikes.")
    assert "outages" not in await ask(gateway, fake_discord, "team", **a_admin)
    refused = await ask(gateway, fake_discord, "add", day="2024-07-17", series="outages", **a_admin)
    assert refused.startswith("`outages` is not a series; the series are attacks, us-strikes.")
    assert await completed(gateway, fake_discord, guild=A, typed="out") == []
    assert await completed(gateway, fake_discord, guild=B, typed="out") == ["outages"]
    # A DM belongs to no team: the shared series alone.
    dm = message_payload("since outages", author=person("7"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("`outages` is not a series (attacks, us-strikes)")
    dm = message_payload("add 2024-07-17", author=person("7"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("A DM belongs to no team: here pausewatch answers questions")
    # An operator is trusted by their id, in a DM as anywhere: they write every series.
    dm = message_payload("add 2024-07-18 outages", author=person("42"), guild_id=None)
    in_dm = text_of(await reply_to(gateway, fake_discord, dm))
    assert in_dm.startswith("Recorded incident #2 on 18 Jul 2024"), in_dm
    assert await incidents(two_teams, "outages") == ["2024-07-18", "2024-07-16"]


async def test_only_the_owner_teams_admins_write_the_shared_series(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    refused = await ask(
        gateway, fake_discord, "add", guild=B, permissions=MANAGE_GUILD, day="2024-07-16"
    )
    settings = two_teams.core.settings
    assert not_an_owner(settings.default_series, settings).replace("`", "") in refused.replace(
        "`", ""
    )
    written = await ask(
        gateway, fake_discord, "add", guild=A, permissions=MANAGE_GUILD, day="2024-07-17"
    )
    assert written.startswith("Recorded attack #1 on 17 Jul 2024")
    # Every team reads it.
    read = await ask(gateway, fake_discord, "since", guild=B)
    assert "17 Jul 2024" in read
    assert await incidents(two_teams) == ["2024-07-17"]


async def test_each_servers_subscriptions_are_its_own(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    b_admin = {"guild": B, "permissions": MANAGE_GUILD}
    subscribed = await ask(gateway, fake_discord, "subscribe", what="alerts", **a_admin)
    assert subscribed.startswith("Subscribed this channel to alerts"), subscribed
    digest = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="monday 08:00", **b_admin
    )
    assert digest.startswith("Subscribed this channel to the weekly digest"), digest
    assert "every monday 08:00" in digest
    in_a = await ask(gateway, fake_discord, "subscriptions", **a_admin)
    in_b = await ask(gateway, fake_discord, "subscriptions", **b_admin)
    assert "alerts" in in_a and "digest" not in in_a
    assert "digest" in in_b and "alerts" not in in_b


async def test_subscribe_every_is_a_digests_schedule(
    two_teams: Bot, gateway: FakeGateway, fake_discord: FakeDiscord
) -> None:
    a_admin = {"guild": A, "permissions": MANAGE_GUILD}
    wrong_day = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="someday 08:00", **a_admin
    )
    assert "`someday` is not a day of the week" in wrong_day
    alerts = await ask(
        gateway, fake_discord, "subscribe", what="alerts", every="monday 08:00", **a_admin
    )
    assert "Only a digest takes a schedule" in alerts
    listed = await ask(gateway, fake_discord, "subscriptions", **a_admin)
    assert listed.startswith("This channel has no subscriptions")
    daily = await ask(
        gateway, fake_discord, "subscribe", what="digest", every="every day 07:30", **a_admin
    )
    assert daily.startswith("Subscribed this channel to the daily digest"), daily
    assert "every day 07:30" in daily
