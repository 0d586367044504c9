"""Which workspace a Slack request names, who is its admin, and a team admin's mention kept."""

from __future__ import annotations

from bot.slack.callers import is_workspace_admin, workspace_of
from bot.slack.text import unescape_command


def test_the_workspace_is_read_where_each_kind_of_request_names_it() -> None:
    # A slash command's form; an Events API envelope; an event that names only its team;
    # an interaction; an interaction of an organisation-wide install (team null).
    assert workspace_of({"command": "/incidents", "team_id": "T1", "user_id": "U1"}) == "T1"
    envelope = {"type": "event_callback", "team_id": "T2", "event": {"type": "app_mention"}}
    assert workspace_of(envelope) == "T2"
    assert workspace_of({"event": {"type": "message", "team": "T3"}}) == "T3"
    action = {"type": "block_actions", "team": {"id": "T4", "domain": "x"}, "user": {"id": "U"}}
    assert workspace_of(action) == "T4"
    org = {"type": "view_submission", "team": None, "user": {"id": "U", "team_id": "T5"}}
    assert workspace_of(org) == "T5"
    assert workspace_of({"type": "event_callback", "event": {}}) is None


def test_an_admin_is_one_of_this_workspace_only() -> None:
    assert is_workspace_admin({"team_id": "T1", "is_admin": True}, "T1")
    assert is_workspace_admin({"team_id": "T1", "is_owner": True}, "T1")
    assert is_workspace_admin({"team_id": "T1", "is_primary_owner": True}, "T1")
    assert not is_workspace_admin({"team_id": "T1", "is_admin": False}, "T1")
    # Another organisation's admin in a shared channel; a deleted admin; no answer at all.
    assert not is_workspace_admin({"team_id": "T9", "is_admin": True}, "T1")
    assert not is_workspace_admin({"team_id": "T1", "is_admin": True, "deleted": True}, "T1")
    assert not is_workspace_admin(None, "T1")
    # An Enterprise Grid member lists the organisation's workspaces they belong to.
    grid = {"team_id": "E1", "is_admin": True, "enterprise_user": {"teams": ["T1", "T2"]}}
    assert is_workspace_admin(grid, "T2")
    assert not is_workspace_admin(grid, "T3")


def test_a_team_admin_command_keeps_the_mentioned_users_id() -> None:
    assert unescape_command("team admin add <@U0B2|bee>") == "team admin add <@U0B2>"
    assert unescape_command("Team  admin remove <@W0B2>") == "Team  admin remove <@W0B2>"
    # Elsewhere a mention is read as the words it shows, as before.
    assert unescape_command("since actor:<@U0B2|bee>") == "since actor:@bee"
    assert unescape_command("team admin add <#C1|ops>") == "team admin add #ops"
