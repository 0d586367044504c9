"""Imports of the project's CSV/JSON and of ACLED CSV, and the export they round-trip with."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
from collections import Counter
from dataclasses import fields as dataclass_fields
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.context import console_caller
from bot.commands.core import Core
from bot.commands.imports import ANALYZE_AFTER, import_file
from bot.domain.fields import COLUMNS, IncidentFields
from bot.domain.filters import FILTER_KEYS, normalised
from bot.settings import SAMPLE_DATA
from storage import importers
from storage.count_tables import keeps_pairs
from storage.counts import DAY_COUNT_KEY, FILTER_VALUE_KEY, PAIR_COUNT_KEY
from storage.export import export_incidents
from storage.import_formats import ImportFailed
from storage.models import (
    AuditEntry,
    DayCount,
    FilterValue,
    Incident,
    PairCount,
    Series,
    is_paired,
)
from tests.bot.commands.test_core import ask, snapshot
from tests.conftest import NOW
from tests.fuzz.strategies import FUZZ

ACLED_HEADER = (
    "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,country,admin1,location,"
    "latitude,longitude,fatalities,source,notes\n"
)


async def load(core: Core, path: Path, **options: str | None) -> importers.ImportResult:
    return await import_file(
        core.context,
        path,
        file_format=options.get("file_format"),
        series=options.get("series"),
        caller=console_caller(),
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def _nonzero_counts(session: AsyncSession, model: type, key: list[str]) -> dict:
    """Return a counts table as {key: incidents}, rows counted down to zero left out."""
    query = select(*(getattr(model, column) for column in key), model.incidents)
    return {tuple(key): n for *key, n in (await session.execute(query)).all() if n}


async def stored_columns(core: Core, *columns: str) -> list[tuple[object, ...]]:
    """Return these columns of every stored incident, deleted ones too, in id order."""
    query = select(*(getattr(Incident, column) for column in columns)).order_by(Incident.id)
    async with core.database.read() as session:
        return [tuple(row) for row in await session.execute(query)]


async def days_table_matches_incidents(core: Core) -> None:
    """Assert that the day, value and pair counts equal a fresh count of the incidents."""
    async with core.database.read() as session:
        stored = await _nonzero_counts(session, DayCount, list(DAY_COUNT_KEY))
        values = await _nonzero_counts(session, FilterValue, list(FILTER_VALUE_KEY))
        pairs = await _nonzero_counts(session, PairCount, list(PAIR_COUNT_KEY))
        live = (
            await session.execute(
                select(
                    Incident.series_id,
                    Incident.occurred_on,
                    Incident.time_precision,
                    *(getattr(Incident, key) for key in FILTER_KEYS),
                ).where(Incident.deleted_at.is_(None))
            )
        ).all()
    counted: Counter[tuple[object, ...]] = Counter()
    counted_values: Counter[tuple[object, ...]] = Counter()
    counted_pairs: Counter[tuple[object, ...]] = Counter()
    for series_id, day, time_precision, *filtered in live:
        counted[(series_id, "", "", day)] += 1
        if time_precision in (2, 3):  # known only to the week or month
            counted[(series_id, "imprecise", "", day)] += 1
        given = dict(zip(FILTER_KEYS, filtered, strict=True))
        for key, value in given.items():
            counted[(series_id, key, normalised(value or ""), day)] += 1
            if value:
                counted_values[(series_id, key, normalised(value))] += 1
                for other, other_value in given.items():
                    if is_paired(key, other):  # not two keys of many values
                        pair = (key, normalised(value), other, normalised(other_value or ""))
                        counted_pairs[(series_id, *pair)] += 1
    # A value of a key of many values keeps its pairs only while enough incidents hold it.
    counted_pairs = Counter(
        {
            pair: n
            for pair, n in counted_pairs.items()
            if keeps_pairs(pair[1], pair[3], counted_values[pair[:3]])
        }
    )
    assert stored == dict(counted)
    assert values == dict(counted_values)
    assert pairs == dict(counted_pairs)


async def test_sample_imports_and_reimports_as_a_no_op(core: Core) -> None:
    first = await load(core, SAMPLE_DATA)
    assert (first.added, first.skipped) == (7, 0)
    assert dict(first.added_by_series) == {"attacks": 4, "us-strikes": 3}
    assert first.newest == {"attacks": date(2024, 7, 16), "us-strikes": date(2024, 2, 7)}
    before = await snapshot(core)
    again = await load(core, SAMPLE_DATA)
    assert (again.added, again.skipped) == (0, 7)
    incidents, days, audits = await snapshot(core)
    assert (incidents, days) == before[:2]
    assert audits == before[2] + 1  # the no-op import is itself audited
    await days_table_matches_incidents(core)


async def test_bad_rows_are_all_reported_by_line_and_nothing_is_stored(
    core: Core, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        "series,date,country,killed\n"
        "attacks,2024-07-16,Iraq,0\n"
        "attacks,2024-13-01,Iraq,0\n"
        "atacks,2024-07-17,Iraq,0\n"
        "attacks,2024-07-18,Iraq\n"
        "attacks,2024-07-19,Iraq,two\n"
        "attacks,,Iraq,0\n"
        "attacks,2099-01-01,Iraq,0\n",
    )
    before = await snapshot(core)
    with pytest.raises(ImportFailed) as failed:
        await load(core, path)
    messages = [str(e) for e in failed.value.errors]
    assert messages[0] == (
        "line 3: date '2024-13-01' is not a day of the calendar; write dates as YYYY-MM-DD, e.g. 2024-07-16"
    )
    assert messages[1] == "line 4: series 'atacks' is not known; the series are attacks, us-strikes"
    assert messages[2].startswith("line 5: has 3 values but the header has 4 columns")
    assert messages[3] == "line 6: killed 'two' is not a whole number; write e.g. killed:2"
    assert messages[4].startswith("line 7: date is missing")
    assert messages[5].startswith("line 8: date 2099-01-01 is in the future")
    assert len(messages) == 6
    assert await snapshot(core) == before


async def test_a_bad_row_after_stored_chunks_still_changes_nothing(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "CHUNK_ROWS", 2)
    rows = "".join(f"attacks,2024-01-{day:02d},Iraq\n" for day in range(1, 8))
    path = write(tmp_path, "late.csv", "series,date,country\n" + rows + "attacks,2024-01-32,Iraq\n")
    before = await snapshot(core)
    with pytest.raises(ImportFailed) as failed:
        await load(core, path)
    assert [str(e).split(":")[0] for e in failed.value.errors] == ["line 9"]
    assert await snapshot(core) == before


@pytest.mark.parametrize("chunk_rows", [2, importers.CHUNK_ROWS])  # across chunks, within one
async def test_duplicates_across_chunks_and_within_the_file_are_skipped(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    monkeypatch.setattr(importers, "CHUNK_ROWS", chunk_rows)
    path = write(
        tmp_path,
        "dups.csv",
        "date,location,kind,source,external_id\n"
        "2024-01-01,Base A,drone,R,\n"
        "2024-01-01,Base A,rocket,R,\n"
        "2024-01-01,base a,DRONE,R,\n"  # same day, location, kind and source: a duplicate
        "2024-01-02,Base A,drone,R,x-1\n"
        "2024-01-03,Base B,drone,R,x-1\n"  # same external id: a duplicate
        "2024-01-02,Base A,drone,R,x-2\n"  # a new id is a new incident, even at the same place
        "2024-01-02,BASE A,Drone,R,\n"  # no id, and x-1's day, place, kind, source: a duplicate
        "2024-01-03,base b,drone,R,\n"  # the second x-1's key, but that row was not kept
        "2024-01-04,Base C,,,\n"
        "2024-01-04,BASE C,,,\n",  # no kind and no source, on either: a duplicate
    )
    result = await load(core, path)
    assert (result.read, result.added, result.skipped) == (10, 6, 4)
    stored = await stored_columns(core, "occurred_on", "location", "kind", "external_id")
    # The first of each key is the one kept, in the file's order.
    assert stored == [
        (date(2024, 1, 1), "Base A", "drone", None),
        (date(2024, 1, 1), "Base A", "rocket", None),
        (date(2024, 1, 2), "Base A", "drone", "x-1"),
        (date(2024, 1, 2), "Base A", "drone", "x-2"),
        (date(2024, 1, 3), "base b", "drone", None),
        (date(2024, 1, 4), "Base C", None, None),
    ]
    await days_table_matches_incidents(core)


_EXAMPLES = itertools.count()
# A row of a generated file: series, day (from the example's first), location, kind, source,
# external id ("" for none, as often as an id). Few values, so that rows meet.
_FILE_ROW = st.tuples(
    st.sampled_from(["attacks", "attacks", "us-strikes"]),
    st.integers(min_value=0, max_value=1),
    st.sampled_from(["Base A", "base a", "B"]),
    st.sampled_from(["drone", "DRONE"]),
    st.sampled_from(["R", "R", ""]),
    st.sampled_from(["", "", "1", "2"]),
)


def kept_by_oracle(
    stored: list[tuple[object, ...]], rows: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    """Return the rows an import must add, read one at a time as the README says: a row is
    skipped if its external id is taken in its series, or, for one without an id, if an
    incident stored or kept before it has its day, its location and kind (in any case) and
    its source. Rows and stored incidents as (series id, external id, day, location, kind,
    source), a missing value as None."""

    def natural(row: tuple[object, ...]) -> tuple[object, ...]:
        series, _, day, location, kind, source = row
        return (series, day, normalised(str(location or "")), normalised(str(kind or "")), source)

    ids = {(row[0], row[1]) for row in stored if row[1] is not None}
    keys = {natural(row) for row in stored}
    kept = []
    for row in rows:
        if row[1] is not None:
            if (row[0], row[1]) in ids:
                continue
            ids.add((row[0], row[1]))
        elif natural(row) in keys:
            continue
        keys.add(natural(row))
        kept.append(row)
    return kept


@FUZZ.__class__(FUZZ, max_examples=40)
@given(
    files=st.lists(st.lists(_FILE_ROW, max_size=12), min_size=2, max_size=2),
    chunk_rows=st.sampled_from([1, 2, 3, importers.CHUNK_ROWS]),
)
# A row with an id takes its key only if it is kept: not the second row with an id, nor a
# row whose id an earlier file stored at another place.
@example(
    files=[
        [
            ("attacks", 0, "A", "drone", "R", "1"),
            ("attacks", 0, "B", "drone", "R", "1"),
            ("attacks", 0, "b", "drone", "R", ""),
        ],
        [],
    ],
    chunk_rows=importers.CHUNK_ROWS,
)
@example(
    files=[
        [("attacks", 0, "A", "drone", "R", "1")],
        [("attacks", 0, "B", "drone", "R", "1"), ("attacks", 0, "b", "DRONE", "R", "")],
    ],
    chunk_rows=importers.CHUNK_ROWS,
)
async def test_an_import_adds_what_reading_its_rows_one_by_one_adds_in_chunks_of_any_size(
    core: Core, files: list[list[tuple[str, int, str, str, str, str]]], chunk_rows: int
) -> None:
    example = next(_EXAMPLES)  # each example has days and ids of its own: they share a database
    first_day = date(2000, 1, 1) + timedelta(days=4 * example)
    columns = ("series_id", "external_id", "occurred_on", "location", "kind", "source")
    async with core.database.read() as session:
        series_ids = dict((await session.execute(select(Series.name, Series.id))).all())
    usual_chunk = importers.CHUNK_ROWS
    importers.CHUNK_ROWS = chunk_rows
    try:
        with tempfile.TemporaryDirectory() as folder:
            for number, lines in enumerate(files):  # the second file over what the first stored
                text = "series,date,location,kind,source,external_id\n"
                rows = []
                for series, offset, location, kind, source, external in lines:
                    day = first_day + timedelta(days=offset)
                    external = f"{example}-{external}" if external else ""
                    text += f"{series},{day},{location},{kind},{source},{external}\n"
                    values = (series_ids[series], external, day, location, kind, source)
                    rows.append(tuple(value or None for value in values))
                before = await stored_columns(core, *columns)
                result = await load(core, write(Path(folder), f"{number}.csv", text))
                added = (await stored_columns(core, *columns))[len(before) :]
                assert added == kept_by_oracle(before, rows), text
                assert (result.read, result.added) == (len(rows), len(added))
    finally:
        importers.CHUNK_ROWS = usual_chunk
    await days_table_matches_incidents(core)


async def test_a_deleted_incident_counts_as_stored(core: Core, tmp_path: Path) -> None:
    await ask(core, 'add 2024-01-01 location:"Base A" kind:drone')
    await ask(core, 'add 2024-01-02 location:"Base B" external_id:E1')
    await ask(core, "delete 1")
    await ask(core, "delete 2")
    path = write(
        tmp_path,
        "again.csv",
        "date,location,kind,external_id\n"
        "2024-01-01,base a,DRONE,\n"  # the deleted #1, by day, place and kind
        "2024-01-03,Base C,,E1\n"  # the deleted #2, by its id
        "2024-01-03,base c,,\n"  # the key of that row, which was not stored: a new incident
        "2024-01-04,Base D,,E2\n",
    )
    result = await load(core, path)
    assert (result.read, result.added, result.skipped) == (4, 2, 2)
    assert (await stored_columns(core, "location", "external_id"))[2:] == [
        ("base c", None),
        ("Base D", "E2"),
    ]
    await days_table_matches_incidents(core)


async def test_text_that_looks_like_a_number_is_stored_as_written(
    core: Core, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "numbers.csv",
        "date,location,kind,source,external_id\n2024-01-01,0012,1e5,007,007\n2024-01-02,1.0,x,1E5,1e5\n",
    )
    assert (await load(core, path)).added == 2
    again = write(
        tmp_path, "ids.csv", "date,external_id\n2024-01-05,7\n2024-01-05,007\n2024-01-05,100000\n"
    )
    assert ((result := await load(core, again)).added, result.skipped) == (2, 1)
    stored = await stored_columns(core, "location", "kind", "source", "external_id")
    assert stored == [
        ("0012", "1e5", "007", "007"),
        ("1.0", "x", "1E5", "1e5"),
        (None, None, None, "7"),
        (None, None, None, "100000"),
    ]


async def test_what_each_series_gained_is_told_across_chunks(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importers, "CHUNK_ROWS", 2)
    path = write(
        tmp_path,
        "series.csv",
        "series,date,location,external_id\n"
        "attacks,2024-01-03,A,1\nus-strikes,2024-01-01,B,1\nattacks,2024-01-05,C,2\n"
        "attacks,2024-01-04,C,3\nus-strikes,2024-01-02,B,1\nus-strikes,2023-12-01,B,9\n",
    )
    result = await load(core, path)
    assert (result.read, result.added, result.skipped) == (6, 5, 1)
    assert dict(result.added_by_series) == {"attacks": 3, "us-strikes": 2}
    assert result.newest == {"attacks": date(2024, 1, 5), "us-strikes": date(2024, 1, 1)}
    await days_table_matches_incidents(core)


async def test_a_value_is_labelled_as_first_written_in_the_file_or_before_it(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ask(core, 'add 2024-01-05 location:"BASE ONE"')
    monkeypatch.setattr(importers, "CHUNK_ROWS", 3)
    spellings = [
        ("2024-01-02", "base two", "Group x"),
        ("2024-01-01", "Base Two", "GROUP X"),
        ("2024-01-02", "BASE TWO", "group x"),
        ("2024-01-05", "Base One", "Group Y"),
        ("2024-01-01", "base TWO", "group y"),
        ("2024-01-03", "Base Two", "GROUP Y"),
        ("2024-01-03", "base two", "group x"),
    ]
    rows = "".join(
        f"{day},{location},{actor},{n}\n" for n, (day, location, actor) in enumerate(spellings)
    )
    await load(core, write(tmp_path, "spellings.csv", "date,location,actor,external_id\n" + rows))

    # The oracle: each key's first spelling, the incident stored before the file first.
    first: dict[tuple[str, str], str] = {}
    for _, location, actor in [("2024-01-05", "BASE ONE", None), *spellings]:
        for dimension, label in (("location", location), ("actor", actor)):
            if label is not None:
                first.setdefault((dimension, normalised(label)), label)
    async with core.database.read() as session:
        labels = {
            (dimension, value): label
            for dimension, value, label in await session.execute(
                select(FilterValue.dimension, FilterValue.value, FilterValue.label).where(
                    FilterValue.dimension.in_(["location", "actor"])
                )
            )
        }
    assert labels == first
    await days_table_matches_incidents(core)


async def test_unknown_and_missing_columns_are_named(core: Core, tmp_path: Path) -> None:
    path = write(tmp_path, "cols.csv", "series,contry,kind\nattacks,Iraq,drone\n")
    with pytest.raises(ImportFailed) as failed:
        await load(core, path)
    text = str(failed.value)
    assert "line 1: column 'contry' is not in the pausewatch schema (did you mean country?)" in text
    assert "line 1: the header has no date column" in text


async def test_an_empty_file_and_a_missing_file(core: Core, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="the file is empty; it needs a header row"):
        await load(core, write(tmp_path, "empty.csv", ""))
    with pytest.raises(ImportFailed, match="no such file"):
        await load(core, tmp_path / "nope.csv")


async def test_json_import(core: Core, tmp_path: Path) -> None:
    items = [
        {"date": "2024-07-16", "country": "Iraq", "location": "Ain al-Assad", "quantity": 2},
        {"series": "us-strikes", "date": "2024-02-07", "country": "Iraq"},
    ]
    result = await load(core, write(tmp_path, "in.json", json.dumps({"incidents": items})))
    assert dict(result.added_by_series) == {"attacks": 1, "us-strikes": 1}
    assert "#1, 16 Jul 2024, Ain al-Assad, Iraq, ×2" in await ask(core, "since")


async def test_json_bad_items_are_reported_by_position(core: Core, tmp_path: Path) -> None:
    items = [{"date": "2024-07-16"}, "text", {"date": "2024-07-16", "colour": "red"}]
    with pytest.raises(ImportFailed) as failed:
        await load(core, write(tmp_path, "bad.json", json.dumps(items)))
    messages = [str(e) for e in failed.value.errors]
    assert messages[0] == "item 2: is not an object of field: value"
    assert messages[1].startswith("item 3: 'colour' not in the schema")
    with pytest.raises(ImportFailed, match="not a JSON file"):
        await load(core, write(tmp_path, "broken.json", "[{"))


async def test_acled_export(core: Core, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acled.csv",
        ACLED_HEADER
        + 'IRQ1001,16 July 2024,2024,Explosions/Remote violence,Air/drone strike,"Islamic Resistance in Iraq",'
        "Iraq,Al Anbar,Ain al-Assad,33.8,42.4,0,Reuters,Two drones launched at the base\n"
        + "SYR2002,2024-04-21,2024,Explosions/Remote violence,Shelling/artillery/missile attack,"
        "Unidentified Armed Group,Syria,Al Hasakah,Rumaylan,36.6,41.9,0,SOHR,Rockets\n",
    )
    result = await load(core, path)
    assert result.added == 2
    async with core.database.read() as session:
        stored = await session.scalar(select(Incident).where(Incident.external_id == "IRQ1001"))
    assert stored is not None
    assert (stored.occurred_on, stored.kind, stored.actor, stored.killed, stored.location) == (
        date(2024, 7, 16),
        "Air/drone strike",
        "Islamic Resistance in Iraq",
        0,
        "Ain al-Assad",
    )
    again = await load(core, path)
    assert (again.added, again.skipped) == (0, 2)


async def test_acled_without_its_key_columns_is_refused(core: Core, tmp_path: Path) -> None:
    path = write(tmp_path, "acled.csv", "event_id_cnty,event_date,fatalities\nX1,2024-01-01,0\n")
    with pytest.raises(ImportFailed, match="no country, location column"):
        await load(core, path)


@pytest.mark.parametrize("file_format", ["csv", "json"])
async def test_an_import_of_an_export_is_a_no_op(
    core: Core, tmp_path: Path, file_format: str
) -> None:
    await load(core, SAMPLE_DATA)
    await ask(core, 'add 2024-07-20 location:"Tower 22" kind:drone notes:"no external id"')
    await ask(core, 'add 2024-07-21 location:"Tower 22" kind:drone notes:"to be deleted"')
    await ask(core, "edit 1 kind:rocket")
    await ask(core, "delete 9")
    async with core.database.read() as session:
        out = io.StringIO()
        written = await export_incidents(session, out, file_format)
    assert written == 8
    path = write(tmp_path, f"export.{file_format}", out.getvalue())
    before = await snapshot(core)
    result = await load(core, path)
    assert (result.added, result.skipped) == (0, 8)
    assert (await snapshot(core))[:2] == before[:2]


async def test_an_export_carries_every_field(core: Core, tmp_path: Path) -> None:
    await ask(
        core,
        'add 2024-07-16 time:21:30 country:Iraq location:"Ain al-Assad" actor:"IRI" kind:drone '
        'quantity:2 killed:0 wounded:1 source:https://example.org/a notes:"two drones" external_id:E1 '
        'event_type:"Explosions/Remote violence" admin1:"Al Anbar" admin2:Hit latitude:33.7858 '
        "longitude:42.4412 geo_precision:1 time_precision:2",
    )
    async with core.database.read() as session:
        out = io.StringIO()
        await export_incidents(session, out, "csv")
    header, row = out.getvalue().splitlines()
    assert header == (
        "series,date,time,country,location,actor,kind,quantity,killed,wounded,source,notes,"
        "external_id,event_type,admin1,admin2,latitude,longitude,geo_precision,time_precision"
    )
    assert row == (
        "attacks,2024-07-16,21:30,Iraq,Ain al-Assad,IRI,drone,2,0,1,https://example.org/a,"
        "two drones,E1,Explosions/Remote violence,Al Anbar,Hit,33.7858,42.4412,1,2"
    )


async def test_an_import_is_audited_once(core: Core) -> None:
    await load(core, SAMPLE_DATA)
    async with core.database.read() as session:
        audits = list(await session.scalars(select(AuditEntry)))
    assert len(audits) == 1
    assert audits[0].action == "import"
    assert audits[0].changes == {
        "file": "sample-incidents.csv",
        "read": 7,
        "added": 7,
        "skipped": 0,
    }


async def test_json_export_writes_numbers_as_numbers(core: Core) -> None:
    await ask(core, "add 2024-07-16 quantity:2 killed:0")
    async with core.database.read() as session:
        out = io.StringIO()
        await export_incidents(session, out, "json")
    assert json.loads(out.getvalue()) == [
        {"series": "attacks", "date": "2024-07-16", "quantity": 2, "killed": 0}
    ]


async def test_imported_values_read_back_exactly(core: Core, tmp_path: Path) -> None:
    """The bulk path writes through the driver; what it stores must read back as typed."""
    path = write(
        tmp_path,
        "full.csv",
        "series,date,time,country,location,actor,kind,quantity,killed,wounded,source,notes,external_id\n"
        'us-strikes,2024-02-02,23:05,Iraq,Al-Qaim,United States,air strike,85,0,3,"CENTCOM, press release","a, b",S-1\n',
    )
    await load(core, path)
    async with core.database.read() as session:
        incident = await session.scalar(select(Incident))
    assert incident is not None
    assert (incident.occurred_on, incident.occurred_at) == (date(2024, 2, 2), time(23, 5))
    assert (incident.country, incident.location, incident.actor, incident.kind) == (
        "Iraq",
        "Al-Qaim",
        "United States",
        "air strike",
    )
    assert (incident.quantity, incident.killed, incident.wounded) == (85, 0, 3)
    assert (incident.source, incident.notes, incident.external_id) == (
        "CENTCOM, press release",
        "a, b",
        "S-1",
    )
    assert incident.recorded_by == console_caller().user
    assert incident.recorded_at == NOW and incident.recorded_at.tzinfo is not None
    row = (await ask(core, "last us-strikes")).splitlines()[-1].split("  ")
    assert [cell.strip() for cell in row if cell.strip()] == [
        "1",
        "2024-02-02",
        "Al-Qaim, Iraq",
        "air strike ×85",
        "0 killed, 3 wounded",
        "CENTCOM, press release",
    ]


def test_incident_fields_carry_the_columns_in_order() -> None:
    assert tuple(f.name for f in dataclass_fields(IncidentFields)) == COLUMNS


async def test_a_large_import_gives_the_planner_the_more_selective_key(
    core: Core, tmp_path: Path
) -> None:
    # 40 locations and 2 actors: with two filters, the location's index is the one to read.
    rows = [
        f"attacks,2020-01-{1 + n % 28:02d},Iraq,Base {n % 40},Group {n % 2},drone,,s,bench-{n}"
        for n in range(ANALYZE_AFTER)
    ]
    data = tmp_path / "many.csv"
    data.write_text(
        "series,date,country,location,actor,kind,killed,source,external_id\n" + "\n".join(rows)
    )
    assert (await load(core, data)).added == ANALYZE_AFTER
    async with core.database.read() as session:
        if core.database.is_sqlite:
            plan = (
                await session.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT occurred_on FROM incidents WHERE series_id = 1"
                        " AND deleted_at IS NULL AND actor_key = 'group 1'"
                        " AND location_key = 'base 7'"
                    )
                )
            ).all()
            assert "ix_incidents_live_location_day" in str(plan)
        else:
            counted = await session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'incidents'")
            )
            assert counted == ANALYZE_AFTER
