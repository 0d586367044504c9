"""The options the /incidents subcommands share: their descriptions, ranges and filters.

Discord shows each description under the option as it is typed, so every option has one; the
ranges are checked by Discord before the bot is asked.
"""

from __future__ import annotations

from discord import app_commands

from bot.commands.verbs import MAX_LIMIT

FIELD_DESCRIPTIONS = {
    "day": "The day it happened: YYYY-MM-DD, or yesterday, 3 days ago",
    "series": "Which series (default: the default series)",
    "time": "Local time of day: HH:MM",
    "country": "Country, e.g. Iraq",
    "location": "Base or town, e.g. Ain al-Assad",
    "actor": "Who did it",
    "kind": "drone, rocket, missile, ...",
    "quantity": "How many: drones launched, targets struck",
    "killed": "People killed",
    "wounded": "People wounded",
    "source": "Where it was reported: a URL or a name",
    "notes": "Free text",
}
# Given to every subcommand that has the option, unless it describes its own.
FILTER_DESCRIPTIONS = {
    "series": "Which series (default: the default series)",
    "country": "Only incidents in this country, e.g. Iraq",
    "location": "Only incidents at this base or town",
    "actor": "Only incidents by this actor",
    "kind": "Only this kind: drone, rocket, missile, ...",
    "as_of": "Ask about a past day: YYYY-MM-DD",
    "period": "A period: in March 2024, last week, 2025, between 2024-03-01 and 2024-03-15",
    "public": "Show the answer to the whole channel (default: only to you)",
}
LIMIT_DESCRIPTION = f"How many to show, 1 to {MAX_LIMIT}"
INCIDENT_DESCRIPTION = "The incident's id, from /incidents last"
EVERY_DESCRIPTION = "A digest's days and time, e.g. monday 08:00, every day 07:30, weekdays 9am"
TOPIC_DESCRIPTION = "Alerts when a pause ends, the weekly digest, or a reviewed source's candidates"

Limit = app_commands.Range[int, 1, MAX_LIMIT]
Count = app_commands.Range[int, 0, 2_000_000_000]
Id = app_commands.Range[int, 1, 2_000_000_000]


def filters(
    country: str | None, location: str | None, actor: str | None, kind: str | None
) -> dict[str, str | None]:
    """Gather the filter options as the command builders take them."""
    return {"country": country, "location": location, "actor": actor, "kind": kind}
