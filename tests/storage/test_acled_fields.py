"""ACLED's event type, regions, coordinates and precisions: stored, exported, filtered, refused.

Issue 26, item 6. The answers to `since`, `pause` and `stats` with the new filters and
breakdowns are held to a brute-force count of the imported rows.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import import_file
from bot.domain.fields import FieldError, parse_fields
from bot.settings import DEFAULT_SERIES
from storage import importers
from storage.database import HEAD_REVISION, alembic_config, current_revision, migrate
from storage.export import export_incidents
from storage.gazetteer import gazetteer
from storage.import_formats import ImportFailed, read_rows
from storage.models import Incident
from tests.bot.commands.test_core import ask, refused
from tests.conftest import Clock, make_settings
from tests.storage.test_importers import days_table_matches_incidents

EXPLOSIONS = "Explosions/Remote violence"
EVENT_TYPES = [EXPLOSIONS, "Battles", "Violence against civilians"]
REGIONS = {"Iraq": ["Al Anbar", "Baghdad", "Erbil"], "Syria": ["Deir ez Zor", "Homs"]}
HEADER = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
]
AS_OF = date(2024, 7, 1)


def acled_export(rng: random.Random, n: int) -> list[dict[str, str]]:
    """Return `n` events as an ACLED export's rows, on random days of the first half of 2024."""
    rows = []
    for number in range(1, n + 1):
        country = rng.choice(sorted(REGIONS))
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(170))
        rows.append(
            {
                "event_id_cnty": f"X{number}",
                "event_date": day.strftime("%d %B %Y"),
                "time_precision": rng.choice(["1", "1", "2", "3"]),
                "event_type": rng.choice(EVENT_TYPES),
                "sub_event_type": rng.choice(["Air/drone strike", "Armed clash"]),
                "actor1": "Someone",
                "country": country,
                "admin1": rng.choice(REGIONS[country]),
                "admin2": rng.choice(["", "Hit", "Ramadi"]),
                "admin3": "ignored",
                "location": rng.choice(["Base 1", "Tower 22", "Town"]),
                "latitude": f"{rng.uniform(-90, 90):.4f}",
                "longitude": f"{rng.uniform(-180, 180):.4f}",
                "geo_precision": rng.choice(["1", "2", "3"]),
                "source": "Reuters",
                "notes": "",
                "fatalities": str(rng.randrange(3)),
            }
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


async def load(core: Core, path: Path) -> importers.ImportResult:
    return await import_file(
        core.context, path, file_format=None, series=None, caller=console_caller()
    )


def day_of(row: dict[str, str]) -> date:
    return date.fromisoformat(importers_date(row["event_date"]))


def importers_date(text: str) -> str:
    from bot.domain.acled import iso_date

    return iso_date(text)


def since_answer(rows: list[dict[str, str]]) -> str:
    """The brute force: how `since` begins, from the last matching row's day to AS_OF."""
    if not rows:
        return "No "
    n = (AS_OF - max(day_of(row) for row in rows)).days
    return f"{n} day{'' if n == 1 else 's'} since"


def breakdown(reply: str, label: str) -> int | None:
    """Read one value's count from a `stats` reply's breakdown, None when it is not listed."""
    for line in reply.splitlines():
        found = re.match(rf"^\W*{re.escape(label)}\W+(\d[\d,]*)\b", line.strip())
        if found:
            return int(found[1].replace(",", ""))
    return None


async def test_an_acled_export_is_stored_exported_and_read_back(core: Core, tmp_path: Path) -> None:
    rows = acled_export(random.Random(26), 40)
    result = await load(core, write_csv(tmp_path / "acled.csv", HEADER, rows))
    assert result.added == 40
    async with core.database.read() as session:
        stored = {i.external_id: i for i in await session.scalars(select(Incident))}
    for row in rows:
        incident = stored[row["event_id_cnty"]]
        assert incident.event_type == row["event_type"]
        assert incident.admin1 == row["admin1"]
        assert incident.admin2 == (row["admin2"] or None)
        assert incident.latitude == float(row["latitude"])
        assert incident.longitude == float(row["longitude"])
        assert incident.geo_precision == int(row["geo_precision"])
        assert incident.time_precision == int(row["time_precision"])
    await days_table_matches_incidents(core)

    # Exported in both formats, every new field is read back as it was stored.
    for file_format in ("csv", "json"):
        async with core.database.read() as session:
            out = io.StringIO()
            await export_incidents(session, out, file_format)
        path = tmp_path / f"export.{file_format}"
        path.write_text(out.getvalue(), encoding="utf-8")
        series_ids = {"attacks": 1, "us-strikes": 2}
        read = [
            importers.validate(raw, series_ids, AS_OF)
            for raw in read_rows(path, file_format, "attacks")
        ]
        assert len(read) == 40
        for valid in read:
            assert isinstance(valid, importers.ValidRow), valid
            incident = stored[valid.fields.external_id or ""]
            for column in (
                "event_type",
                "admin1",
                "admin2",
                "latitude",
                "longitude",
                "geo_precision",
                "time_precision",
            ):
                assert getattr(valid.fields, column) == getattr(incident, column), column
        if file_format == "json":
            first = json.loads(out.getvalue())[0]
            assert isinstance(first["latitude"], float)
            assert isinstance(first["time_precision"], int)
    # Importing the export again finds every row stored.
    again = await load(core, tmp_path / "export.csv")
    assert (again.added, again.skipped) == (0, 40)


async def test_an_export_without_the_new_columns_still_imports(core: Core, tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text(
        "series,date,time,country,location,actor,kind,quantity,killed,wounded,source,notes,"
        "external_id\nattacks,2024-07-16,21:30,Iraq,Ain al-Assad,IRI,drone,2,0,1,,,E1\n",
        encoding="utf-8",
    )
    assert (await load(core, path)).added == 1
    async with core.database.read() as session:
        incident = await session.scalar(select(Incident))
    assert incident is not None
    assert (incident.admin1, incident.time_precision) == (None, None)
    # No point in the file: the gazetteer's point of the place it names (storage.gazetteer).
    known = gazetteer().find("Ain al-Assad", "Iraq")
    assert known is not None
    assert (incident.latitude, incident.longitude) == (known.latitude, known.longitude)


@pytest.mark.parametrize("seed", [1, 2])
async def test_event_type_and_admin1_filters_answer_as_a_brute_force_count(
    core: Core, tmp_path: Path, seed: int
) -> None:
    rows = acled_export(random.Random(seed), 120)
    await load(core, write_csv(tmp_path / "acled.csv", HEADER, rows))
    as_of = f"as-of {AS_OF.isoformat()}"
    for question, wanted in [
        (f'since event_type:"{EXPLOSIONS}"', {"event_type": EXPLOSIONS}),
        ('since admin1:"al anbar"', {"admin1": "Al Anbar"}),
        ("since event_type:battles admin1:Homs", {"event_type": "Battles", "admin1": "Homs"}),
        (
            f'since country:Iraq event_type:"{EXPLOSIONS}"',
            {"country": "Iraq", "event_type": EXPLOSIONS},
        ),
    ]:
        # The series skips the events known only to the week or month (imprecise: skip).
        matching = [r for r in rows if all(r[k] == v for k, v in wanted.items())]
        exact = [r for r in matching if r["time_precision"] == "1"]
        said = await ask(core, f"{question} {as_of}")
        assert said.startswith(since_answer(exact)), (question, said)
        skipped = len(matching) - len(exact)
        assert f"{skipped:,} attack" in said and "not counted here" in said, said

    # Breakdowns: the whole series (counts per value), a filter on another key (counts per
    # pair of values), a period (counts per day), and two filters (the incidents).
    for question, wanted, key in [
        ("stats by:admin1", {}, "admin1"),
        ("stats by:event_type", {}, "event_type"),
        ("stats country:Iraq by:admin1", {"country": "Iraq"}, "admin1"),
        (f'stats event_type:"{EXPLOSIONS}" by:admin1', {"event_type": EXPLOSIONS}, "admin1"),
        ("stats admin1:Baghdad by:event_type", {"admin1": "Baghdad"}, "event_type"),
        ("stats between 2024-03-01 and 2024-04-30 by:admin1", {}, "admin1"),
        (
            "stats country:Iraq event_type:battles by:admin1",
            {"country": "Iraq", "event_type": "Battles"},
            "admin1",
        ),
    ]:
        in_period = [
            r
            for r in rows
            if "between" not in question or date(2024, 3, 1) <= day_of(r) <= date(2024, 4, 30)
        ]
        counted = Counter(r[key] for r in in_period if all(r[k] == v for k, v in wanted.items()))
        said = await ask(core, f"{question} {as_of}")
        for label, n in counted.items():
            assert breakdown(said, label) == n, (question, label, n, said)
    await days_table_matches_incidents(core)


async def test_edits_and_deletions_keep_the_new_counts(core: Core) -> None:
    await ask(core, 'add 2024-06-01 country:Iraq admin1:"Al Anbar" event_type:Battles')
    await ask(core, 'add 2024-06-03 country:Iraq admin1:Baghdad event_type:"Riots"')
    await ask(core, "edit 1 admin1:Erbil")
    await ask(core, "delete 2")
    await days_table_matches_incidents(core)
    assert "Erbil" in await ask(core, "stats by:admin1")
    said = await ask(core, "since admin1:erbil as-of 2024-06-11")
    assert said.startswith("10 days since"), said
    assert (await ask(core, "since event_type:riots as-of 2024-06-11")).startswith("No ")


@pytest.mark.parametrize(
    ("written", "told"),
    [
        (
            "latitude:95",
            "latitude '95' is out of range; a latitude is from -90 to 90 degrees, as latitude:N",
        ),
        (
            "longitude:-181.5",
            "longitude '-181.5' is out of range; a longitude is from -180 to 180 degrees",
        ),
        ("latitude:north", "latitude 'north' is not a number of degrees; write decimal degrees"),
        (
            "time_precision:7",
            "time_precision '7' is not 1, 2 or 3 (1 the day is exact, 2 known only to the "
            "week, 3 only to the month); write e.g. time_precision:1",
        ),
        ("geo_precision:0", "geo_precision '0' is not 1, 2 or 3"),
    ],
)
async def test_bad_values_are_refused_saying_how_to_write_them(
    core: Core, written: str, told: str
) -> None:
    said = await refused(core, f"add 2024-06-01 country:Iraq {written}")
    assert told in said, said
    with pytest.raises(FieldError, match=re.escape(told)):
        key, value = written.split(":", 1)
        parse_fields({"date": "2024-06-01", key: value}, today=None)


async def test_an_import_with_a_bad_value_names_its_line(core: Core, tmp_path: Path) -> None:
    rows = acled_export(random.Random(3), 3)
    rows[1]["latitude"] = "95"
    rows[2]["time_precision"] = "7"
    with pytest.raises(ImportFailed) as failed:
        await load(core, write_csv(tmp_path / "acled.csv", HEADER, rows))
    told = [str(error) for error in failed.value.errors]
    assert told[0].startswith("line 3: latitude '95' is out of range"), told
    assert told[1].startswith("line 4: time_precision '7' is not 1, 2 or 3"), told


async def test_the_migration_keeps_a_database_with_data_counted(core: Core, tmp_path: Path) -> None:
    for written in (
        "add 2024-05-01 country:Iraq location:Erbil kind:drone",
        "add 2024-05-02 country:Iraq kind:rocket",
        "add 2024-05-03 country:Syria location:Tanf",
        "add 2024-05-04 kind:drone",
    ):
        await ask(core, written)
    await ask(core, "delete 4")
    before = await ask(core, "since country:Iraq as-of 2024-07-01")
    # The database as it was before the new columns, with its data; then upgraded.
    async with core.database.engine.connect() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(sync), "0016")  # type: ignore[arg-type]
        )
        await connection.commit()
    async with core.database.read() as session:
        columns = await session.run_sync(
            lambda sync: {c["name"] for c in inspect(sync.connection()).get_columns("incidents")}
        )
    assert "admin1" not in columns and "time_precision" not in columns
    await migrate(core.database)
    assert await current_revision(core.database) == HEAD_REVISION
    await days_table_matches_incidents(core)
    fresh = Core(database=core.database, settings=core.settings, clock=core.clock)
    assert await ask(fresh, "since country:Iraq as-of 2024-07-01") == before
    assert breakdown(await ask(fresh, "stats by:admin1 as-of 2024-07-01"), "(not given)") == 3
    # New events with regions, beside the old ones without: the counts per pair of values
    # (Iraq's incidents by region) hold both.
    rows = acled_export(random.Random(5), 20)
    await load(fresh, write_csv(tmp_path / "acled.csv", HEADER, rows))
    await days_table_matches_incidents(fresh)
    said = await ask(fresh, "stats country:Iraq by:admin1 as-of 2024-07-01")
    iraq = Counter(r["admin1"] for r in rows if r["country"] == "Iraq")
    for label, n in iraq.items():
        assert breakdown(said, label) == n, (label, said)
    assert breakdown(said, "(not given)") == 2, said


async def test_days_known_only_to_the_week_or_month_are_skipped_or_counted_as_the_series_says(
    core: Core, database, database_url: str, clock: Clock
) -> None:
    await ask(core, "add 2024-06-01 country:Iraq kind:drone")
    await ask(core, "add 2024-06-20 country:Iraq kind:drone time_precision:3")
    await ask(core, "add 2024-06-25 country:Syria time_precision:2")
    # Skipped (the default): the pause runs from 1 June, and the replies say what was left out.
    said = await ask(core, "since as-of 2024-07-01")
    assert said.startswith("30 days since the last attack"), said
    assert "2 attacks known only to the week or month are not counted here" in said
    said = await ask(core, "since country:Iraq as-of 2024-07-01")
    assert said.startswith("30 days since"), said
    assert "1 attack in Iraq known only to the week or month is not counted here" in said
    assert "not counted here" in await ask(core, "pause as-of 2024-07-01")
    assert "not counted here" in await ask(core, "pauses as-of 2024-07-01")
    # Before them, nothing is said.
    assert "week or month" not in await ask(core, "since as-of 2024-06-10")
    # Counts hold them all.
    assert (await ask(core, "stats as-of 2024-07-01")).startswith("At least 3 attacks")

    # A change of precision moves the answer at once (the kept days follow it).
    await ask(core, "edit 3 time_precision:1")
    said = await ask(core, "since as-of 2024-07-01")
    assert said.startswith("6 days since"), said
    assert "1 attack known only to the week or month is not counted here" in said
    await days_table_matches_incidents(core)

    # A series that counts them: on the day the source gives, and said so.
    series = dict(DEFAULT_SERIES)
    series["attacks"] = series["attacks"].model_copy(update={"imprecise": "count"})
    counting = Core(
        database=database, settings=make_settings(database_url, series=series), clock=clock
    )
    said = await ask(counting, "since country:Iraq as-of 2024-07-01")
    assert said.startswith("11 days since"), said
    assert "1 attack in Iraq known only to the week or month is counted on the day" in said
