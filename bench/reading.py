"""Benchmark: how long reading a question in people's words takes, beside the explicit command.

    .venv/bin/python -m bench.reading                 # 5,000 values in the data
    .venv/bin/python -m bench.reading --values 50000

Reading is pure (bot/commands/asking.py): this times it alone, per phrasing, against a
vocabulary the size of a large ACLED-shaped data set (places, actors, kinds), beside the
grammar's parse of the same question written as a command. The budget is 1 ms a question.
Typos cost most (fuzzy matching against every value); the figures say so per kind.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from bot.commands.asking import read_question
from bot.commands.data_words import words
from bot.commands.grammar import parse
from bot.commands.plain_words import Vocabulary
from bot.settings import Settings

TODAY = date(2026, 11, 25)
QUESTIONS = {
    "plain": [
        "when was the most recent attack in syria?",
        "how many rocket attacks in 2025?",
        "is this a record lull?",
        "the 5 longest pauses in jordan",
        "drone attacks by month",
        "how long did the pause before the last attack last?",
        "how many attacks between 1 and 15 February?",
    ],
    "typos": ["sinc lst atack", "paus", "strikez", "how many rokcet attacks in iraqq"],
    "places": ["pause ain al asad", "since al tanf", "when was tower22 last hit"],
    "dates": ["what happened on 16 July?", "attacks since the 1st of march"],
    "refused": ["what is the meaning of life", "how many attacks in baghdad"],
}
COMMANDS = ["since country:Syria", "stats kind:rocket 2025", "pauses country:Jordan limit:5"]


def vocabulary(values: int, seed: int = 5) -> Vocabulary:
    """Words of a data set with `values` places and actors, and the usual countries and kinds."""
    rng = random.Random(seed)
    syllables = ["al", "ain", "tal", "abu", "jurf", "qa", "im", "sak", "har", "ras", "deir", "zor"]
    found = [("country", c) for c in ("Iraq", "Syria", "Jordan", "Yemen", "Lebanon")]
    found += [("kind", k) for k in ("drone", "rocket", "missile", "mortar")]
    found += [("location", "Ain al-Asad"), ("location", "Al-Tanf"), ("location", "Tower 22")]
    for n in range(values):
        name = "-".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).title()
        found.append(("location" if n % 3 else "actor", f"{name} {n}"))
    return words(Settings(), ["attacks", "us-strikes"], found)


def median_ms(work: list[str], read: object, repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        for text in work:
            start = time.perf_counter()
            read(text)  # type: ignore[operator]
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    known = vocabulary(args.values)
    every = [q for group in QUESTIONS.values() for q in group]
    for text in every:  # the first reading builds the lexicon and loads the date parser
        read_question(text, TODAY, known)
    print(f"Reading a question, {args.values:,} values in the data (median / 95th, ms):")
    for group, questions in QUESTIONS.items():
        median, p95 = median_ms(questions, lambda t: read_question(t, TODAY, known), args.repeats)
        print(f"  {group:<10} {median:7.3f} / {p95:7.3f}")
    median, p95 = median_ms(COMMANDS, lambda t: parse(t, TODAY, known), args.repeats)
    print(f"  {'command':<10} {median:7.3f} / {p95:7.3f}   (the grammar, for comparison)")
    start = time.perf_counter()
    vocabulary_built = vocabulary(args.values, seed=6)
    read_question("paus", TODAY, vocabulary_built)
    once = (time.perf_counter() - start) * 1000
    print(f"  a new vocabulary and its lexicon, once per change of the data: {once:.1f} ms")


if __name__ == "__main__":
    main()
