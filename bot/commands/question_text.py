"""The text of a question made into the words the reader reads (bot/commands/question_reader.py).

Pure. Punctuation and mentions go; phrases are read as the words they mean ("the day before
yesterday" is "2 days ago"); the forms people shorten are written out: "3-9 March" is
"between 3 and 9 March", "howmany" is "how many", "30d" is "30 days", "two" is "2".
"""

from __future__ import annotations

import re

from bot.commands import question_words as q
from bot.commands.lexicon import PLAIN_ENGLISH, Lexicon
from bot.domain.calendar_periods import is_day_of_month
from bot.domain.fields import clean_text

_PUNCTUATION = "?!.,;:()[]{}\"'“”‘’«»…"
_RANGE = re.compile(r"(\d{1,2}|[a-z]{3,9})[-–](\d{1,2}|[a-z]{3,9})")
_DAYS = re.compile(r"(\d{1,5})d")  # 30d
_EMOJI_CODE = re.compile(r":[a-z0-9_+-]+:")
_GLUED_NUMBER = re.compile(r"([a-z]{2,})(\d{4})")  # in2025


def words_of(text: str) -> list[str]:
    """Split a question into words, without the punctuation around them or a possessive 's;
    phrases are read as the words they mean."""
    found = []
    for raw in clean_text(text).split():
        if _EMOJI_CODE.fullmatch(raw) or raw.startswith(("&gt;", ">")):
            continue  # :rocket: is an emoji, not the kind; "&gt;" a quote mark
        word = raw.strip(_PUNCTUATION + "*_~`")
        for ending in ("'s", "’s"):
            word = word.removesuffix(ending)
        if word and not word.startswith(("@", "<@", "<#", "<!")):
            found.append(word)  # a mention of the bot or of anyone names no part of a question
    spaced = f" {' '.join(found)} "
    for phrase, meaning in q.PHRASES.items():
        while (at := spaced.lower().find(f" {phrase} ")) >= 0:
            spaced = f"{spaced[:at]} {meaning} {spaced[at + len(phrase) + 2 :]}"
    return spaced.split()


def rewritten(words: list[str], lexicon: Lexicon) -> list[str]:
    """Write the forms people shorten in the words the reader reads: "3-9 March" as
    "between 3 and 9 March", "howmany" as "how many", "30d" as "30 days", "two" as "2"."""
    out: list[str] = []
    for at, word in enumerate(words):
        lowered = word.lower()
        following = words[at + 1].lower() if at + 1 < len(words) else ""
        if lowered in q.NUMBERS:
            out.append(str(q.NUMBERS[lowered]))
        elif lowered in q.SHORT_FORMS:
            out.extend(q.SHORT_FORMS[lowered])
        elif lowered in q.ORDINALS and following in ("quarter", "half"):
            out.append(f"{following[0]}{q.ORDINALS[lowered]}")  # first quarter: q1
        elif (
            lowered in ("quarter", "half") and out and out[-1][:1] in "qh" and out[-1][1:].isdigit()
        ):
            continue
        elif (ends := _range_ends(lowered)) is not None:
            out.extend(("between", ends[0], "and", ends[1]))
        elif (found := _DAYS.fullmatch(lowered)) is not None:
            out.extend((found[1], "days"))
        elif lowered == "no" and following in ("of", "."):
            out.append("number")
        elif lowered == "year" and len(following) == 4 and following.isdigit():
            continue  # in year 2025
        elif lowered == "there" and out and out[-1].lower() in q.EXISTENTIAL:
            continue  # "were there any": not "there", the place asked about before
        elif lowered.startswith("non-") and len(lowered) > 4:
            out.extend(("not", lowered[4:]))  # non-drone: a negation, refused, never dropped
        elif lowered.rstrip("s") in q.WEEKDAYS and (
            lowered.endswith("s") or (out and out[-1].lower() in ("a", "every", "each"))
        ):
            out.append("weekday")  # on a friday, on fridays: a day of the week, not read
        else:
            out.extend(_unglued(word, lexicon))
    return out


def _unglued(word: str, lexicon: Lexicon) -> list[str]:
    """Split words typed without their space ("howmany", "lastweek", "in2025")."""
    lowered = word.lower()
    if lexicon.known(lowered) or len(lowered) < 4 or not lowered.isalnum():
        return [word]
    if (mixed := _GLUED_NUMBER.fullmatch(lowered)) is not None:
        return [mixed[1], mixed[2]]
    for left in q.GLUE_PRONE:
        right = lowered.removeprefix(left)
        if right != lowered and len(right) > 2 and _whole_word(right, lexicon):
            return [left, right]
    return [word]


def _whole_word(word: str, lexicon: Lexicon) -> bool:
    return (
        word in lexicon.words
        or word in lexicon.value_words
        or (word in PLAIN_ENGLISH and len(word) > 2)
    )


def _range_ends(word: str) -> tuple[str, str] | None:
    """Return the ends of a range written with a dash: 3-9 (days), jan-mar (months)."""
    found = _RANGE.fullmatch(word)
    if found is None:
        return None
    first, last = found[1], found[2]
    if first.isdigit() and last.isdigit() and is_day_of_month(first) and is_day_of_month(last):
        return first, last
    if first in q.MONTH_WORDS and last in q.MONTH_WORDS:
        return first, last
    return None
