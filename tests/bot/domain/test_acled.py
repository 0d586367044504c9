"""ACLED's mapping (bot/domain/acled.py): one for an export's header and the API's events."""

from __future__ import annotations

from bot.domain import acled
from bot.domain.fields import FIELD_NAMES


def test_every_column_maps_to_one_of_our_fields() -> None:
    assert set(acled.FIELDS.values()) <= set(FIELD_NAMES)
    assert set(acled.REQUIRED) <= set(acled.FIELDS)


def test_an_update_changes_what_the_mapping_fills_but_the_id() -> None:
    filled = {"occurred_on" if f == "date" else f for f in acled.FIELDS.values()}
    assert set(acled.COLUMNS) == filled - {"external_id"}


def test_its_date_spellings_are_read_and_other_text_left_for_the_check() -> None:
    for written in ("2024-07-15", "15 July 2024", "15-July-2024", "15 Jul 2024", " 15 July 2024 "):
        assert acled.iso_date(written) == "2024-07-15"
    assert acled.iso_date("July the 15th") == "July the 15th"


def test_an_export_header_is_told_and_mapped_by_position() -> None:
    header = ["event_id_cnty", "event_date", "admin3", "actor1", "country", "location"]
    assert acled.is_export(header)
    assert not acled.is_export(["date", "location"])
    assert acled.missing_columns(header) == []
    assert acled.missing_columns(["event_date"]) == ["event_id_cnty", "country", "location"]
    assert acled.header_fields(header) == {
        0: "external_id",
        1: "date",
        3: "actor",
        4: "country",
        5: "location",
    }


def test_an_api_event_becomes_our_fields() -> None:
    event = {
        "event_id_cnty": "IRQ1",
        "event_date": "15 July 2024",
        "country": "Iraq",
        "location": "Erbil",
        "sub_event_type": "Air/drone strike",
        "fatalities": 0,
        "notes": " ",
        "admin1": "Erbil",
        "actor1": None,
    }
    assert acled.missing_in_event(event) == []
    assert acled.event_name(event, 7) == "event IRQ1"
    assert acled.event_fields(event) == {
        "external_id": "IRQ1",
        "date": "2024-07-15",
        "country": "Iraq",
        "location": "Erbil",
        "kind": "Air/drone strike",
        "killed": "0",
        "admin1": "Erbil",
    }
    assert acled.missing_in_event({"event_id_cnty": "", "country": "Iraq"}) == [
        "event_id_cnty",
        "event_date",
        "location",
    ]
    assert acled.event_name({}, 7) == "event 7"
