"""Questions in people's words (issue 25), each checked for the facts its answer must carry.

A seeded data set of attacks and strikes (phrasing_data.py) is added through the core as an
admin; every phrasing of the table is then asked through `Core.ask`, and its plain-text reply
must not be an error and must carry the facts that a brute-force count over the same generated
list gives (the count, the day of the last incident as the bot writes days, the days since, the
pauses' lengths and dates, the place as the data spells it, the word a typo was read from).
No reply text is stored here: only facts. Every failing phrasing is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import pytest

from bot.commands.core import Caller, Core
from bot.commands.render_text import render_text
from tests.bot.commands import phrasing_data as data
from tests.bot.commands.phrasing_data import (
    TODAY,
    Incident,
    Where,
    day_text,
    last_month,
    last_n_days,
    last_week,
    month,
    this_month,
    this_week,
    where,
    year,
)

ADMIN = Caller(user="U-admin", is_admin=True)
READER = Caller(user="U-reader", is_admin=False)
MONTH_NAMES = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


@dataclass(frozen=True)
class Fact:
    """Something an answer must carry: said in words, found by a regular expression."""

    what: str
    pattern: str

    def found(self, text: str) -> bool:
        return re.search(self.pattern, text) is not None


Data = Sequence[Incident]
Expect = Callable[[Data], list[Fact]]


# --- Facts, written as the bot writes them ----------------------------------------------------


def _number(n: int) -> str:
    return rf"(?<![\d,.]){n:,}(?![\d,])"


def day_fact(day: date) -> Fact:
    """The day as the bot writes days in sentences: "16 Jul 2024"."""
    return Fact(f"the day {day_text(day)}", rf"(?<!\d){re.escape(day_text(day))}")


def listed_day_fact(day: date) -> Fact:
    """A day in a sentence ("16 Jul 2024") or in a table's day column (2024-07-16)."""
    return Fact(
        f"the day {day_text(day)}",
        rf"(?<!\d){re.escape(day_text(day))}|{day.isoformat()}",
    )


def start_fact(day: date) -> Fact:
    """The first day of a span: "4 Feb" (its year is said only when the span crosses one)."""
    return Fact(f"the start {day.day} {day:%b}", rf"(?<!\d){day.day} {day:%b}\b")


def days_fact(n: int, what: str) -> Fact:
    """A number of days: "86 days", "an 86-day pause", "1 day"."""
    return Fact(f"{what}: {n} days", rf"{_number(n)}[ -]days?\b")


def count_fact(n: int, select: Where) -> Fact:
    """A count of incidents: "36 attacks", "9 rocket attacks", "No attacks", "1 strike"."""
    noun = select.noun
    if n == 0:
        return Fact(f"no {noun}s", rf"(?i)\b(?:0|no) (?:[\w-]+ ){{0,2}}{noun}s\b")
    return Fact(f"{n} {noun}s", rf"{_number(n)} (?:[\w-]+ ){{0,2}}{noun}s?\b")


def period_fact(first: date) -> Fact:
    """The period counted, named by its first day: "1–15 Feb 2026", "1 Mar – 25 Nov 2026",
    "20 Dec 2025 – 10 Jan 2026", "since 1 Mar 2026"."""
    pattern = rf"(?<!\d){first.day}(?:–\d+ {first:%b} {first.year}| {first:%b}(?: {first.year})?\b)"
    return Fact(f"the period from {day_text(first)}", pattern)


def place_fact(name: str) -> Fact:
    """A place as the data spells it."""
    return Fact(f"the place {name}", re.escape(name))


def said_fact(word: str) -> Fact:
    """The word a question wrote, said back with how it was read."""
    return Fact(f"how `{word}` was read", rf"(?i)(?<![\w-]){re.escape(word)}(?![\w-])")


def row_fact(label: str, pattern: str, n: int) -> Fact:
    """A row of a breakdown: a line that begins with the label (after a bullet, perhaps) and
    says its count after it."""
    return Fact(f"{label}: {n}", rf"(?m)^[^\w\n]*(?:{pattern})[^\d\n]*{_number(n)}")


def month_row(month_key: tuple[int, int], n: int) -> Fact:
    y, m = month_key
    name = MONTH_NAMES[m - 1]
    return row_fact(f"{name} {y}", rf"{y}-{m:02d}|{name}[a-z]* {y}", n)


def in_order_fact(lengths: Sequence[int]) -> Fact:
    """Pause lengths ranked, longest first."""
    pattern = r".*?".join(rf"{_number(n)}[ -]days?\b" for n in lengths)
    return Fact(f"the lengths in order {list(lengths)}", rf"(?s){pattern}")


# --- What each kind of question must answer (from the generated data) ------------------------


def when(select: Where, today: date = TODAY) -> Expect:
    """The day of the last incident and the days since it."""

    def facts(d: Data) -> list[Fact]:
        return [
            day_fact(data.last_day(d, select, today)),
            days_fact(data.days_since(d, select, today), "days since"),
        ]

    return facts


def current(select: Where, today: date = TODAY) -> Expect:
    """The running pause: its length and the day it began (the last incident day)."""

    def facts(d: Data) -> list[Fact]:
        gap = data.current_pause(d, select, today)
        return [days_fact(gap.length, "the current pause"), day_fact(gap.start)]

    return facts


def record(select: Where, today: date = TODAY) -> Expect:
    """The record pause: its length and its days."""

    def facts(d: Data) -> list[Fact]:
        gap = data.record_pause(d, select, today)
        return [days_fact(gap.length, "the record"), start_fact(gap.start), day_fact(gap.end)]

    return facts


def quiet(select: Where, today: date = TODAY) -> Expect:
    """The current pause against the record."""

    def facts(d: Data) -> list[Fact]:
        gap = data.record_pause(d, select, today)
        return [*current(select, today)(d), days_fact(gap.length, "the record"), day_fact(gap.end)]

    return facts


def ended(select: Where) -> Expect:
    """The pause the last incident ended: its length and its days."""

    def facts(d: Data) -> list[Fact]:
        gap = data.pause_ended_by_last(d, select)
        return [days_fact(gap.length, "the pause ended"), start_fact(gap.start), day_fact(gap.end)]

    return facts


def top(select: Where, n: int) -> Expect:
    """The n longest pauses, ranked; the days of those not tied with the first left out."""

    def facts(d: Data) -> list[Fact]:
        ranked = data.longest_pauses(d, select, n + 1)
        shown, next_one = ranked[:n], ranked[n:]
        cut = next_one[0].length if next_one else 0
        found = [in_order_fact([gap.length for gap in shown])]
        for gap in shown:
            if gap.length != cut:
                found += [start_fact(gap.start), day_fact(gap.end)]
        return found

    return facts


def tally(select: Where, period: tuple[date, date] | None = None) -> Expect:
    """How many incidents in the period (since tracking began without one)."""

    def facts(d: Data) -> list[Fact]:
        first, last = period or (None, TODAY)
        found = [count_fact(data.count(d, select, first, last), select)]
        return found if first is None else [*found, period_fact(first)]

    return facts


def listed(select: Where, period: tuple[date, date]) -> Expect:
    """The incidents of a period: how many, and each one's day and place."""

    def facts(d: Data) -> list[Fact]:
        first, last = period
        found = [count_fact(data.count(d, select, first, last), select), period_fact(first)]
        for incident in data.chosen(d, select):
            if first <= incident.day <= last:
                found += [listed_day_fact(incident.day), place_fact(incident.location)]
        return found

    return facts


def happened(select: Where, day: date) -> Expect:
    """The incidents of one day: the day and each one's place."""

    def facts(d: Data) -> list[Fact]:
        incidents = data.on_day(d, select, day)
        assert incidents, f"no {select} on {day}: pick a day from the data"
        return [listed_day_fact(day), *(place_fact(i.location) for i in incidents)]

    return facts


def most_recent(select: Where, n: int) -> Expect:
    """The n most recent incidents: their days, and the places of those not tied at the cut."""

    def facts(d: Data) -> list[Fact]:
        recent = data.latest(d, select, n + 1)
        shown, cut = recent[:n], recent[n:]
        cut_day = cut[0].day if cut else None
        found = [listed_day_fact(i.day) for i in shown]
        found += [place_fact(i.location) for i in shown if i.day != cut_day]
        return found

    return facts


def by_month(select: Where, period: tuple[date, date] | None = None, recent: int = 0) -> Expect:
    """Counts per month: every month of the period that has some, or the `recent` latest."""

    def facts(d: Data) -> list[Fact]:
        first, last = period or (None, TODAY)
        counts = data.tallies(d, select, lambda i: (i.day.year, i.day.month), first, last)
        months = sorted(counts)[-recent:] if recent else sorted(counts)
        return [month_row(m, counts[m]) for m in months]

    return facts


def by_value(select: Where, field: str, period: tuple[date, date] | None = None) -> Expect:
    """Counts per year, country or kind."""

    def facts(d: Data) -> list[Fact]:
        first, last = period or (None, TODAY)
        counts = data.tallies(d, select, lambda i: getattr(i, field), first, last)
        return [row_fact(str(k), rf"\b{re.escape(str(k))}\b", n) for k, n in counts.items()]

    return facts


def by_year(select: Where) -> Expect:
    def facts(d: Data) -> list[Fact]:
        counts = data.tallies(d, select, lambda i: i.day.year)
        return [row_fact(str(y), rf"\b{y}\b", n) for y, n in counts.items()]

    return facts


def place(name: str) -> Expect:
    return lambda _d: [place_fact(name)]


def said(word: str) -> Expect:
    return lambda _d: [said_fact(word)]


# --- The table -------------------------------------------------------------------------------

A = where()
S = where("us-strikes")
IRAQ, SYRIA, JORDAN = (where(country=c) for c in ("Iraq", "Syria", "Jordan"))
DRONE, ROCKET, MISSILE = (where(kind=k) for k in ("drone", "rocket", "missile"))
FEB_1_15 = (date(2026, 2, 1), date(2026, 2, 15))
SINCE_MARCH = (date(2026, 3, 1), TODAY)


def at(location: str, series: str = "attacks") -> Where:
    return where(series, location=location)


def strikes(**filters: str) -> Where:
    return where("us-strikes", **filters)


Row = tuple[str, tuple[Expect, ...]]


def row(phrasing: str, *expected: Expect) -> Row:
    return phrasing, expected


ATTACK_ROWS: list[Row] = [
    # When: the last attack, anywhere or somewhere.
    row("when was the most recent attack in syria?", when(SYRIA)),
    row("When was the last attack?", when(A)),
    row("when was the latest attack in Iraq", when(IRAQ)),
    # "What was" asks for the attack itself (its day and place), not the days since.
    row("what was the last attack on tower 22?", most_recent(at("Tower 22"), 1), place("Tower 22")),
    row("date of the last drone attack", when(DRONE)),
    row("last rocket attack in iraq, when?", when(where(country="Iraq", kind="rocket"))),
    row("how many days since the last attack?", when(A)),
    row("days since last attack in jordan", when(JORDAN)),
    row("since al tanf", when(at("Al-Tanf")), place("Al-Tanf")),
    row("since ain al asad", when(at("Ain al-Asad")), place("Ain al-Asad")),
    row("sinc lst atack", when(A), said("atack")),
    row("how many days since the last attack in iraqq?", when(IRAQ), said("iraqq")),
    row("@pausewatch when was the last attack at Erbil?", when(at("Erbil")), place("Erbil")),
    row("please tell me when the last missile attack was", when(MISSILE)),
    row("When was Tower 22 last attacked?", when(at("Tower 22"))),
    row("last time al-shaddadi was hit?", when(at("Al-Shaddadi")), place("Al-Shaddadi")),
    row("SINCE LAST ATTACK IN SYRIA", when(SYRIA)),
    row("how many days since an attack at green village", when(at("Green Village"))),
    row("latest atack in jordan", when(JORDAN), said("atack")),
    row("when was the last attack at Harir", when(at("Harir"))),
    row("how many days since the last attack as of 1 July 2025?", when(A, date(2025, 7, 1))),
    row("time since last attack on ain al-assad", when(at("Ain al-Asad")), place("Ain al-Asad")),
    row("Please, when was the last attack?", when(A)),
    row("hi! how long since the last attack in Iraq??", when(IRAQ)),
    row("days since the last rokcet attack", when(ROCKET), said("rokcet")),
    row(
        "how long ago was the last drone attack in syria",
        when(where(country="Syria", kind="drone")),
    ),
    row("When did Erbil last see an attack", when(at("Erbil"))),
    row("how many days has it been since an attack in Jordan?", when(JORDAN)),
    # How many, over every form of period, with filters and typos.
    row("how many rocket attacks in 2025?", tally(ROCKET, year(2025))),
    row("how many attacks this month?", tally(A, this_month())),
    row("how many attacks between 1 and 15 February?", tally(A, FEB_1_15)),
    row("how many attacks since march?", tally(A, SINCE_MARCH)),
    row("how many attacks last week?", tally(A, last_week())),
    row("how many attacks this week", tally(A, this_week())),
    row("How many attacks last month", tally(A, last_month())),
    row("how many attacks this year?", tally(A, year(2026))),
    row("how many attacks last year?", tally(A, year(2025))),
    row("How many attacks in 2024?", tally(A, year(2024))),
    row(
        "number of drone attacks in Iraq in 2026",
        tally(where(country="Iraq", kind="drone"), year(2026)),
    ),
    row("how many attacks in march 2026", tally(A, month(2026, 3))),
    row("how many attacks in March?", tally(A, month(2026, 3))),
    row("attacks in the last 30 days?", tally(A, last_n_days(30))),
    row("how many attacks in the last 90 days", tally(A, last_n_days(90))),
    row(
        "how many attacks on ain al asad in 2025",
        tally(at("Ain al-Asad"), year(2025)),
        place("Ain al-Asad"),
    ),
    row(
        "how many attacks at tower22 this year",
        tally(at("Tower 22"), year(2026)),
        place("Tower 22"),
    ),
    row(
        "how many attacks in jordan between March 1 and April 15 2025",
        tally(JORDAN, (date(2025, 3, 1), date(2025, 4, 15))),
    ),
    row("how many attaks in 2025", tally(A, year(2025)), said("attaks")),
    row("how many rokcet attacks last year", tally(ROCKET, year(2025)), said("rokcet")),
    row("how many attacks in iraqq in 2024", tally(IRAQ, year(2024)), said("iraqq"), place("Iraq")),
    row("HOW MANY ATTACKS IN SYRIA THIS YEAR", tally(SYRIA, year(2026))),
    row("total number of attacks so far", tally(A)),
    row("how many attacks in total?", tally(A)),
    row("how many attacks in iraq", tally(IRAQ)),
    row("how many drone attacks?", tally(DRONE)),
    row("@pausewatch how many attacks last month?", tally(A, last_month())),
    row(
        "how many attacks from 10 June 2025 to 20 August 2025",
        tally(A, (date(2025, 6, 10), date(2025, 8, 20))),
    ),
    row(
        "how many rocket attacks in syria since march",
        tally(where(country="Syria", kind="rocket"), SINCE_MARCH),
    ),
    row("how many attacks on erbil in the last 90 days", tally(at("Erbil"), last_n_days(90))),
    row("how many attacks were there in feb 2025?", tally(A, month(2025, 2))),
    row(
        "how many missile attacks in jordan in 2024",
        tally(where(country="Jordan", kind="missile"), year(2024)),
    ),
    row("any attacks this week?", tally(A, this_week())),
    row("number of attacks in Syria during 2024", tally(SYRIA, year(2024))),
    row(
        "how many attacks between 2025-12-20 and 2026-01-10",
        tally(A, (date(2025, 12, 20), date(2026, 1, 10))),
    ),
    row("how many attacks since 1 Nov", tally(A, this_month())),
    row("how many attacks in the past 30 days", tally(A, last_n_days(30))),
    row("how many attacks in december 2025?", tally(A, month(2025, 12))),
    row("Hey bot, how many attacks in 2025?", tally(A, year(2025))),
    row(
        "Could you tell me how many drone attacks there were last month?",
        tally(DRONE, last_month()),
    ),
    row("how many attacks since the 1st of march", tally(A, SINCE_MARCH)),
    row("how many attacks since 2025-06-01?", tally(A, (date(2025, 6, 1), TODAY))),
    row("count of missile attacks in 2026", tally(MISSILE, year(2026))),
    row(
        "how many attacks at Al Shaddadi last year",
        tally(at("Al-Shaddadi"), year(2025)),
        place("Al-Shaddadi"),
    ),
    row("how many drone attacks in the last 60 days?", tally(DRONE, last_n_days(60))),
    # The current pause, the record, how they compare.
    row("has it ever been this quiet?", quiet(A)),
    row("is this a record lull?", quiet(A)),
    row("longest stretch without an attack", record(A)),
    row("what is the current gap?", current(A)),
    row("how long is the current calm?", current(A)),
    row("paus", quiet(A), said("paus")),
    row("pause ain al asad", quiet(at("Ain al-Asad")), place("Ain al-Asad")),
    row("pause al-tanf", quiet(at("Al-Tanf")), place("Al-Tanf")),
    row("PAUSE AL TANF", quiet(at("Al-Tanf")), place("Al-Tanf")),
    row("is the current pause in jordan a record?", quiet(JORDAN)),
    row("what's the record pause?", record(A)),
    row("record lull in syria", record(SYRIA)),
    row("longest pause in iraq ever", record(IRAQ)),
    row("longest gap between attacks in jordan", record(JORDAN)),
    row("longest streak without a drone attack", record(DRONE)),
    row("how long is the lull in syria", current(SYRIA)),
    row("current calm at Erbil", current(at("Erbil"))),
    row("longest period with no rocket attacks", record(ROCKET)),
    row("what's the longest pause ever?", record(A)),
    row("what was the pause as of 1 March 2025?", quiet(A, date(2025, 3, 1))),
    row("lenght of the current pause", current(A)),
    row("Is the current pause the longest since tracking began?", quiet(A)),
    row("how long has it been quiet in Jordan", current(JORDAN)),
    row("pause for missile attacks", quiet(MISSILE)),
    row("has Tower 22 ever gone this long without an attack?", quiet(at("Tower 22"))),
    # The longest pauses, ranked.
    row("the 5 longest pauses in jordan", top(JORDAN, 5)),
    row("top 3 pauses", top(A, 3)),
    row("longest 4 pauses in drone attacks", top(DRONE, 4)),
    row("top 5 lulls in syria", top(SYRIA, 5)),
    row("top 3 longest pauses at tower 22", top(at("Tower 22"), 3)),
    row("5 longest quiet stretches in Iraq", top(IRAQ, 5)),
    row("longest pauses", top(A, 3)),
    row("3 longest paus for rocket attacks", top(ROCKET, 3), said("paus")),
    row("what were the six longest gaps between attacks?", top(A, 6)),
    # Counts by month, year, country, kind.
    row("drone attacks by month", by_month(DRONE, recent=6)),
    row("attacks by month in 2025", by_month(A, year(2025))),
    row("attacks by country", by_value(A, "country")),
    row("attacks per year", by_year(A)),
    row("rocket attacks by month in 2026", by_month(ROCKET, year(2026))),
    row("monthly attacks in syria in 2025", by_month(SYRIA, year(2025))),
    row("how many attacks per month this year", by_month(A, year(2026))),
    row("attacks in iraq by year", by_year(IRAQ)),
    row("missile attacks by country", by_value(MISSILE, "country")),
    row("attacks by kind in 2025", by_value(A, "kind", year(2025))),
    row("atacks per country in 2024", by_value(A, "country", year(2024)), said("atacks")),
    # The incidents of a period or a day.
    row("show attacks from last week", listed(A, last_week())),
    row("what happened on 16 July?", happened(A, date(2026, 7, 16))),
    row("what happened on 3 November?", happened(A, date(2026, 11, 3))),
    row("list attacks in march 2026", listed(A, month(2026, 3))),
    row("show me the attacks last month", listed(A, last_month())),
    row("which attacks were there this month?", listed(A, this_month())),
    row("attacks on 19 November", happened(A, date(2026, 11, 19))),
    row("what happened on 2026-11-17", happened(A, date(2026, 11, 17))),
    row("show the last 3 attacks", most_recent(A, 3)),
    row("list attacks in jordan this month", listed(JORDAN, this_month())),
    row("show drone attacks in the last 30 days", listed(DRONE, last_n_days(30))),
    # Without a verb, a count or a list both answer: the count is what they share.
    row("attacks lst week", tally(A, last_week()), said("lst")),
    row("what happened in iraq on 16 July 2026", happened(IRAQ, date(2026, 7, 16))),
    row("list attacks between 1 and 15 february", listed(A, FEB_1_15)),
    row("Were there any attacks on the 19th of November?", happened(A, date(2026, 11, 19))),
    row("the 4 most recent attacks", most_recent(A, 4)),
    # The pause the last attack ended.
    row("how long did the pause before the last attack last?", ended(A)),
    row("how long was the pause before the last attack in syria?", ended(SYRIA)),
    row(
        "how long was the gap before the latest attack at ain al asad?",
        ended(at("Ain al-Asad")),
        place("Ain al-Asad"),
    ),
    row("which pause did the last attack in Jordan end?", ended(JORDAN)),
    row("how long was the lull before the last drone attack", ended(DRONE)),
]

STRIKE_ROWS: list[Row] = [
    row("how long since the last strike?", when(S)),
    row("When did the US last strike Syria?", when(strikes(country="Syria"))),
    row("most recent strike in iraq?", when(strikes(country="Iraq"))),
    row(
        "days since a strike on Abu Kamal", when(strikes(location="Abu Kamal")), place("Abu Kamal")
    ),
    row("how long has it been since the last drone strike?", when(strikes(kind="drone"))),
    row("days since last strik in syria", when(strikes(country="Syria")), said("strik")),
    row("days since last strike as of 2025-12-31", when(S, date(2025, 12, 31))),
    row(
        "when did jurf al sakhar last get struck",
        when(strikes(location="Jurf al-Sakhar")),
        place("Jurf al-Sakhar"),
    ),
    row("when was the last US strike?", when(S)),
    row(
        "when was the most recent missile strike in Syria?",
        when(strikes(country="Syria", kind="missile")),
    ),
    row(
        "how many days since a strike at mayadin?",
        when(strikes(location="Mayadin")),
        place("Mayadin"),
    ),
    row(
        "Days since the last strike on Al Qaim", when(strikes(location="Al-Qaim")), place("Al-Qaim")
    ),
    row("how many strikes in 2025", tally(S, year(2025))),
    row(
        "count strikes in syria since 1 january 2025",
        tally(strikes(country="Syria"), (date(2025, 1, 1), TODAY)),
    ),
    row(
        "how many strikes between 2025-03-01 and 2025-06-30",
        tally(S, (date(2025, 3, 1), date(2025, 6, 30))),
    ),
    row("how many missile strikes last year", tally(strikes(kind="missile"), year(2025))),
    row("how many strikez in 2026", tally(S, year(2026)), said("strikez")),
    row("how many strikes have there been?", tally(S)),
    row("please, how many strikes in the last 30 days?", tally(S, last_n_days(30))),
    row(
        "how many strikes on al qaim in 2025",
        tally(strikes(location="Al-Qaim"), year(2025)),
        place("Al-Qaim"),
    ),
    row("how many strikes last month", tally(S, last_month())),
    row("how many drone strikes since march", tally(strikes(kind="drone"), SINCE_MARCH)),
    row("how many strikes in iraq in 2024", tally(strikes(country="Iraq"), year(2024))),
    row("how many strikes this month?", tally(S, this_month())),
    row("how many us strikes in 2024", tally(S, year(2024))),
    row(
        "how many strikes on abukamal in 2025",
        tally(strikes(location="Abu Kamal"), year(2025)),
        place("Abu Kamal"),
    ),
    row("How many strikes between 1 and 15 February?", tally(S, FEB_1_15)),
    row("longest stretch without a strike?", record(S)),
    row("has it ever been this quiet for strikes?", quiet(S)),
    row("is this a record lull in strikes?", quiet(S)),
    row("how long has it been quiet for strikes?", current(S)),
    row("current pause between strikes", current(S)),
    row("Is the current strike pause the longest?", quiet(S)),
    row("pause strikez", quiet(S), said("strikez")),
    row("is this the longest pause in strikes on syria?", quiet(strikes(country="Syria"))),
    row("how long was the record lull for strikes in iraq?", record(strikes(country="Iraq"))),
    row("how long is the current calm in drone strikes", current(strikes(kind="drone"))),
    row("us-strikes pause", quiet(S)),
    row("strike pause at al qaim", quiet(strikes(location="Al-Qaim")), place("Al-Qaim")),
    row("ten longest gaps between strikes", top(S, 10)),
    row("what were the 3 longest pauses for strikes in iraq?", top(strikes(country="Iraq"), 3)),
    row("top five pauses in strikes", top(S, 5)),
    row("top 3 strike pauses in syria", top(strikes(country="Syria"), 3)),
    row("strikes by year", by_year(S)),
    row("strikes per country in 2025", by_value(S, "country", year(2025))),
    row("breakdown of strikes by country", by_value(S, "country")),
    row("strikes in iraq by month in 2025", by_month(strikes(country="Iraq"), year(2025))),
    row("show strikes from last month", listed(S, last_month())),
    row("list strikes between 1 and 15 February", listed(S, FEB_1_15)),
    row("what strikes happened on 30 Oct?", happened(S, date(2026, 10, 30))),
    row("last 5 strikes", most_recent(S, 5)),
    row("what pause did the last strike end?", ended(S)),
    row(
        "how long was the lull before the most recent strike in syria",
        ended(strikes(country="Syria")),
    ),
]


def check(text: str, is_error: bool, facts: list[Fact]) -> list[str]:
    """Return what an answer lacks: an error, or each fact not found in it."""
    if is_error:
        return ["answered with an error"]
    return [fact.what for fact in facts if not fact.found(text)]


async def add_data(core: Core) -> list[Incident]:
    incidents = data.generated()
    for incident in incidents:
        reply = await core.handle(incident.command(), ADMIN)
        assert not reply.is_error, render_text(reply)
    return incidents


def test_the_table_is_large_and_varied() -> None:
    phrasings = [text for text, _ in ATTACK_ROWS + STRIKE_ROWS]
    assert len(phrasings) >= 150
    assert len(set(phrasings)) == len(phrasings), "a phrasing is in the table twice"


async def test_phrasings_answer_with_the_facts(core: Core) -> None:
    """Both tables on one data set, added once; each table asked by a reader of its own, so
    that no conversation carries from one table to the other."""
    incidents = await add_data(core)
    failures = []
    tables = ((ATTACK_ROWS, READER), (STRIKE_ROWS, Caller(user="U-reader-2", is_admin=False)))
    for rows, reader in tables:
        for phrasing, expected in rows:
            facts = [fact for expect in expected for fact in expect(incidents)]
            reply = (await core.ask(phrasing, reader)).reply
            text = render_text(reply)
            missing = check(text, reply.is_error, facts)
            if missing:
                shown = text.replace("\n", " ⏎ ")[:300]
                failures.append(f"{phrasing!r}: lacks {'; '.join(missing)}\n    got: {shown}")
    asked = len(ATTACK_ROWS) + len(STRIKE_ROWS)
    assert not failures, f"{len(failures)} of {asked} phrasings failed:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    "question", ["what is the meaning of life", "tell me a joke", "asdf qwerty zxcv"]
)
async def test_a_question_not_understood_gets_commands_that_work(core: Core, question: str) -> None:
    await core.handle('add 2025-03-04 attacks country:Iraq location:"Ain al-Asad"', ADMIN)
    reply = (await core.ask(question, READER)).reply
    text = render_text(reply)
    assert reply.is_error, text
    assert re.search(r"`(?:since|pause|pauses|last|list|stats)\b[^`]*`", text), text
    assert "The commands are:" not in text, text


async def test_an_honestly_ambiguous_place_is_asked_back(core: Core) -> None:
    """`tower 22` is as close to Tower 21 as to Tower 23: the answer offers both, and the
    number of one, asked next in the thread, answers about it."""
    for day, tower in (("2026-11-10", "Tower 21"), ("2026-11-02", "Tower 23")):
        added = await core.handle(f'add {day} country:Jordan location:"{tower}"', ADMIN)
        assert not added.is_error, render_text(added)
    asked = (
        await core.ask("how many days since the last attack at tower 22?", READER, thread="t")
    ).reply
    text = render_text(asked)
    assert len(asked.choices) >= 2, text
    assert any("Tower 21" in choice for choice in asked.choices), asked.choices
    picked = [i for i, choice in enumerate(asked.choices, start=1) if "Tower 23" in choice]
    assert len(picked) == 1, asked.choices
    answer = (await core.ask(str(picked[0]), READER, thread="t")).reply
    text = render_text(answer)
    assert not answer.is_error, text
    for fact in (day_fact(date(2026, 11, 2)), days_fact(23, "days since"), place_fact("Tower 23")):
        assert fact.found(text), (fact.what, text)
