"""The add modal: an incident's fields as a Slack form, checked field by field on submission."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.fields import FIELD_HELP, FieldError, parse_field

ADD_CALLBACK = "pausewatch_add"
ACTION = "value"
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


def add_modal(
    *, series: list[str], default_series: str, today: date, channel: str
) -> dict[str, Any]:
    """Return the modal view that records one incident."""
    options = [{"text": _plain(name), "value": name} for name in series]
    chosen = next((o for o in options if o["value"] == default_series), options[0])
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
                "type": "static_select",
                "action_id": ACTION,
                "options": options,
                "initial_option": chosen,
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
        "private_metadata": channel,
        "title": _plain("Record an incident"),
        "submit": _plain("Record"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """Read a submitted modal's values as field name → text (empty when left blank)."""
    values = {}
    for block_id, actions in state.items():
        element = actions.get(ACTION, {})
        if element.get("type") == "datepicker":
            values[block_id] = element.get("selected_date") or ""
        elif element.get("type") == "static_select":
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
