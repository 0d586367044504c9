"""The add modal: an incident's fields as a Slack form, checked field by field on submission."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.fields import FIELD_HELP, FieldError, parse_field
from bot.domain.replies import Reply
from bot.slack.render import render_blocks
from bot.slack.text import fit

ADD_CALLBACK = "pausewatch_add"
ACTION = "value"
# The series menu's own action: Slack asks for its options as the admin types (any number).
SERIES_ACTION = "series"
OPTIONS_LIMIT = 100  # Slack shows at most 100 options
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
MODAL_BLOCK_LIMIT = 100
# (field, label, multiline); the day and the series are laid out on their own.
TEXT_FIELDS = [
    ("time", "Time of day (HH:MM)", False),
    ("country", "Country", False),
    ("location", "Location (base or town)", False),
    ("actor", "Actor", False),
    ("kind", "Kind (drone, rocket, missile, ...)", False),
    ("quantity", "Quantity (drones launched, targets struck)", False),
    ("killed", "Killed", False),
    ("wounded", "Wounded", False),
    ("source", "Source (a URL or a name)", False),
    ("notes", "Notes", True),
]


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _option(name: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": fit(name, OPTION_TEXT_LIMIT)}, "value": name}


def series_options(names: list[str], typed: str) -> list[dict[str, Any]]:
    """Return the series menu's options for what the admin typed: names starting with it first."""
    wanted = typed.strip().casefold()
    found = [n for n in names if wanted in n.casefold() and len(n) <= OPTION_VALUE_LIMIT]
    found.sort(key=lambda name: (not name.casefold().startswith(wanted), name.casefold()))
    return [_option(name) for name in found[:OPTIONS_LIMIT]]


@dataclass(frozen=True)
class FormOrigin:
    """Where the add form was opened: its channel, and the slash command's response URL."""

    channel: str
    response_url: str | None = None

    def metadata(self) -> str:
        """Write it as the view's private_metadata (Slack gives it back on submission)."""
        return json.dumps({"channel": self.channel, "response_url": self.response_url})

    @classmethod
    def read(cls, metadata: str | None, user: str) -> FormOrigin:
        """Read private_metadata back; a form without it answers the user where it can."""
        try:
            data = json.loads(metadata or "")
        except ValueError:
            # A form opened before the metadata was JSON held the bare channel id.
            return cls(channel=metadata or user)
        if not isinstance(data, dict):
            return cls(channel=user)
        channel, url = data.get("channel"), data.get("response_url")
        return cls(
            channel=channel if isinstance(channel, str) and channel else user,
            response_url=url if isinstance(url, str) and url else None,
        )


def answer_view(reply: Reply) -> dict[str, Any]:
    """Return the modal shown after a submission, when there is nowhere else to answer."""
    return {
        "type": "modal",
        "title": _plain("Record an incident"),
        "close": _plain("Close"),
        "blocks": render_blocks(reply)[:MODAL_BLOCK_LIMIT],
    }


def add_modal(*, default_series: str, today: date, origin: FormOrigin) -> dict[str, Any]:
    """Return the modal view that records one incident."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "date",
            "label": _plain("Day it happened"),
            "element": {
                "type": "datepicker",
                "action_id": ACTION,
                "initial_date": today.isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": "series",
            "label": _plain("Series"),
            "element": {
                "type": "external_select",
                "action_id": SERIES_ACTION,
                "min_query_length": 0,
                "initial_option": _option(default_series),
            },
        },
    ]
    for name, label, multiline in TEXT_FIELDS:
        blocks.append(
            {
                "type": "input",
                "block_id": name,
                "optional": True,
                "label": _plain(label),
                "hint": _plain(FIELD_HELP[name]),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ACTION,
                    "multiline": multiline,
                },
            }
        )
    return {
        "type": "modal",
        "callback_id": ADD_CALLBACK,
        "private_metadata": origin.metadata(),
        "title": _plain("Record an incident"),
        "submit": _plain("Record"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """Read a submitted modal's values as field name → text (empty when left blank)."""
    values = {}
    for block_id, actions in state.items():
        element = actions.get(ACTION) or actions.get(SERIES_ACTION) or {}
        if element.get("type") == "datepicker":
            values[block_id] = element.get("selected_date") or ""
        elif element.get("type") in ("static_select", "external_select"):
            values[block_id] = (element.get("selected_option") or {}).get("value", "")
        else:
            values[block_id] = element.get("value") or ""
    return values


def field_errors(values: dict[str, str], today: date) -> dict[str, str]:
    """Check each field on its own; return block id → what is wrong, shown under that field."""
    errors = {}
    if not values.get("date"):
        errors["date"] = "Pick the day it happened."
    for name, text in values.items():
        if name == "series" or not text.strip():
            continue
        try:
            parse_field(name, text, today=today)
        except FieldError as error:
            errors[name] = str(error)
    return errors
