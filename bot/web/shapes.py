"""The JSON API's shapes as pydantic models: what each answer and body holds, written once.

bot/web/data.py fills them from the domain's objects and writes them; bot/web/openapi.py
derives the document's components from them, so an answer cannot drift from its description.
A model's docstring and its fields' descriptions are what the document says of them. Every
field of an answer is always there, null when there is nothing to say.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, create_model

from bot.domain.fields import (
    COLUMN_OF,
    COUNT_FIELDS,
    FIELD_HELP,
    FIELD_NAMES,
    PRECISION_FIELDS,
)
from bot.domain.pauses import Counting
from bot.domain.standing import Kind

Day = date
Count = Annotated[int, Field(ge=0)]
# How precisely a place or a day is known: 1 exact, 2 and 3 less (bot/domain/fields.py).
Precision = Annotated[int, Field(ge=1, le=3)]
# A time of day as chat and the import schema write it: HH:MM.
Clock = Annotated[time, PlainSerializer(lambda moment: moment.strftime("%H:%M"), return_type=str)]


class Shape(BaseModel):
    """A JSON object the API answers with."""

    # Frozen: an answer is made once, then written. By alias: `from` is a keyword, so a field
    # may be named otherwise in Python and written by its alias.
    model_config = ConfigDict(frozen=True, serialize_by_alias=True)


class Words(Shape):
    """What chat answers to the same command, word for word."""

    headline: str
    details: list[str]
    text: str = Field(description="The whole reply as chat prints it.")


class Pause(Shape):
    """A pause: its first and last day, its length as the series counts it, whether it runs."""

    start: Day
    end: Day
    length: Count
    running: bool


class RankedPause(Pause):
    """A pause among the longest: its rank, and whether it is the record."""

    rank: int
    is_record: bool


class Place(Shape):
    """Where a pause stands against the pauses before it."""

    pause: Pause
    kind: Kind
    since: Day | None = Field(description='X of "the longest since X".')
    rival: Pause | None
    record: Pause | None
    is_record: bool
    short_of_record: Count | None
    beaten: int
    earlier: int


class Incident(Shape):
    """An incident: its id, then its fields by the names of chat and of the import schema."""

    # Read from the domain's Incident by attribute, where the day and the time are columns of
    # other names: a page of incidents is then read in one pass (bot/web/data.py).
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    # The fields of bot/domain/fields.py (FIELD_NAMES), in its order: a test holds them so.
    id: int
    date: Day = Field(validation_alias=COLUMN_OF["date"])
    time: Clock | None = Field(validation_alias=COLUMN_OF["time"])
    country: str | None
    location: str | None
    actor: str | None
    kind: str | None
    quantity: Count | None
    killed: Count | None
    wounded: Count | None
    source: str | None
    notes: str | None
    external_id: str | None
    event_type: str | None
    admin1: str | None
    admin2: str | None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None
    geo_precision: Precision | None
    time_precision: Precision | None


class StoredIncident(Incident):
    """An incident with its series, and whether it was deleted (the audit log keeps it)."""

    series: str
    deleted: bool


class Series(Shape):
    """A series: its name, its nouns, when tracking began and what it counts."""

    name: str
    noun: str
    plural: str
    tracking_start: Day | None
    description: str


class SeriesList(Shape):
    """The series."""

    series: list[Series]


class Question(Shape):
    """What a question was about: the series, its filters, the day asked about, today."""

    series: str
    filters: dict[str, str]
    as_of: Day
    today: Day
    scope: str = Field(description='What is counted: "attacks in Iraq".')


class Since(Question):
    """Days since the last incident, that day's incidents, and chat's words (`since`)."""

    days_since: Count | None
    last_day: Day | None
    last_incidents: list[Incident]
    words: Words


class PauseStanding(Question):
    """The running pause, where it stands, the record and the pause last ended (`pause`)."""

    counting: Counting
    tracking_began: Day | None
    days_since: Count | None
    last_day: Day | None
    pause_count: int
    running: Pause | None
    standing: Place | None
    record: Pause | None
    ended: Place | None
    words: Words


class Pauses(Question):
    """The longest closed pauses, ranked, and where the running one would rank (`pauses`)."""

    counting: Counting
    pause_count: int
    record: Pause | None
    running: Pause | None
    running_rank: Count | None
    pauses: list[RankedPause]
    words: Words


class Incidents(Question):
    """One page of the incidents of a range (`list`), or of the latest (`last`)."""

    start: Day | None = Field(serialization_alias="from")
    end: Day = Field(serialization_alias="to")
    order: Literal["newest", "oldest"]
    offset: int
    limit: int
    total: int = Field(description="How many incidents the range holds.")
    next_offset: int | None
    incidents: list[Incident]
    words: Words


class Counted(Shape):
    """One value of a breakdown and how many incidents it has."""

    value: str
    count: int


class Located(Counted):
    """A place of a breakdown by location, with its point where its incidents give one."""

    latitude: float | None = Field(description="Decimal degrees (WGS 84); null: no known point.")
    longitude: float | None


class Breakdown(Shape):
    """The incidents counted by a period or a field."""

    by: str
    rows: list[Located] | list[Counted]  # by=location: each place with its point


class Period(Shape):
    """The days a question counted over (period=, or from= and to=), both included."""

    first: Day
    last: Day
    label: str = Field(description='As chat names it: "in March 2024 (1–31 Mar 2024)".')


class Stats(Question):
    """Counts since tracking began, over the last 7 and 30 days, and breakdowns (`stats`).

    With a period, the counts are of its days, and the last 7 and 30 days end on its last.
    """

    tracking_start: Day | None
    period: Period | None = None
    total: int
    incident_days: int
    last_7_days: int
    last_30_days: int
    breakdowns: list[Breakdown]
    words: Words


class Revision(Shape):
    """What changes whenever an answer may: a write, a new day."""

    revision: str


class IncidentAnswer(Shape):
    """One stored incident."""

    incident: StoredIncident


class WriteResult(Shape):
    """What a write did: the incident as stored now, and chat's words."""

    incident: StoredIncident | None
    words: Words
    replayed: bool = Field(description="A retry under the same Idempotency-Key.")


class ImportResult(Shape):
    """What an import added."""

    read: int
    added: int
    skipped: int = Field(description="Rows already stored.")
    added_by_series: dict[str, int]
    replayed: bool
    placed: int = Field(
        default=0,
        description="Rows without a point that the gazetteer placed (bot/data/places.csv).",
    )
    notes: bool = Field(
        default=False,
        description="True when the file was read as notes (series, date, text), not incidents.",
    )


# The shapes below only describe: the errors are written by bot/web/errors.py, the operators'
# answers by bot/web/ops.py, and the bodies are read field by field with the chat's messages.


class Error(Shape):
    """What was wrong, per field or parameter when it is known."""

    error: str = Field(description="What was wrong and how to write it.")
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="Per field or parameter: the chat's message for that value.",
    )
    details: list[str] = Field(default_factory=list)


class BadRow(Shape):
    """A row an import refused: where it is and what is wrong."""

    where: str
    message: str


class ImportProblems(Shape):
    """Bad rows (rows, total_bad_rows), or a bad parameter such as ?series= (fields)."""

    # Named as the document has always named it (ImportError is Python's own).
    model_config = ConfigDict(title="ImportError")

    error: str
    fields: dict[str, str] = Field(default_factory=dict)
    rows: list[BadRow] = Field(default_factory=list)
    total_bad_rows: int = 0


class Health(Shape):
    """The process is up."""

    status: str


class DatabaseCheck(Shape):
    """Whether the database answers, and if not, why."""

    ok: bool
    problem: str | None


class MigrationsCheck(Shape):
    """Whether the database's schema is at the newest migration."""

    ok: bool
    current: str | None
    head: str | None


class PlatformsCheck(Shape):
    """Whether every chat platform is connected, and each one's state."""

    ok: bool
    connected: dict[str, bool]


class Checks(Shape):
    """Each check of /readyz."""

    database: DatabaseCheck
    migrations: MigrationsCheck
    platforms: PlatformsCheck


class Ready(Shape):
    """Whether the bot can work, and each check."""

    status: Literal["ready", "not ready"]
    checks: Checks


def _body_field(name: str) -> Any:
    """Describe a field of a body: text, or a whole number for a count, as chat reads them."""
    # Coordinates are sent as text ("33.79"), as chat writes them: a body holds text or whole
    # numbers (bot/web/writes.py).
    numeric = name in COUNT_FIELDS or name in PRECISION_FIELDS
    kind = int | str | None if numeric else str | None
    required = name == "date"
    return (kind, Field(... if required else None, description=FIELD_HELP[name]))


# An incident's fields as a body sends them, made from bot/domain/fields.py's list: a field
# added there is documented here at once (and the answers' Incident fails its test until it
# has the field too).
NewIncident = create_model(
    "NewIncident",
    __config__=ConfigDict(extra="forbid"),
    __doc__="An incident to record, its series and fields as chat reads them (edit: any of them).",
    series=(str, ""),
    **{name: _body_field(name) for name in FIELD_NAMES},
)


class Reason(BaseModel):
    """Why an incident is deleted."""

    reason: str = ""
