"""The values' words brought up to date per changed value equal the words made whole, always."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.data_words import DataWords, words
from bot.commands.kept import ValueKeeper
from bot.commands.plain_words import Vocabulary
from bot.commands.value_words import ValueWords
from bot.domain.filters import normalised
from bot.settings import Settings
from storage.breakdowns import ValueChange

SETTINGS = Settings()
NAMES = {1: "attacks", 2: "us-strikes", 3: "drills"}
# Spellings that collide: alike but for case (one value, labelled by its first spelling),
# alike under two keys, spelled as a series is named, and empty.
LABELS = ("Erbil", "erbil", "ERBIL", "Tanf", "tanf", "Attacks", "Iraq", "iraq", "Ain al-Asad", "")
KEYS = ("location", "actor", "country")

changes = st.lists(
    st.tuples(
        st.sampled_from(sorted(NAMES)),
        st.sampled_from(KEYS),
        st.sampled_from(LABELS),
        st.integers(min_value=0, max_value=2),  # 0: no live incident holds it any more
    ),
    max_size=8,
)


def made_whole(keeper: ValueKeeper, names: dict[int, str]) -> Vocabulary:
    """The words made whole, as bot.commands.data_words made them before (the oracle)."""
    owners = {
        key: tuple(sorted(names[i] for i in ids if i in names))
        for key, ids in keeper.owners().items()
    }
    return words(SETTINGS, sorted(names.values()), keeper.values(), owners)


def applied(keeper: ValueKeeper, write: list) -> None:
    for series_id, key, label, incidents in write:
        if key == "forget":  # the series went, or is read whole: every word made again
            keeper.forget(series_id)
        else:
            keeper.apply(series_id, [ValueChange(key, normalised(label), label, incidents)])


steps = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(sorted(NAMES)),
            st.sampled_from(KEYS),
            st.sampled_from(LABELS),
            st.integers(min_value=0, max_value=2),  # 0: no live incident holds it any more
        ),
        st.tuples(st.sampled_from(sorted(NAMES)), st.just("forget"), st.just(""), st.just(0)),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(changes, st.lists(steps, min_size=1, max_size=6))
def test_words_brought_up_to_date_equal_the_words_made_whole(
    before: list, writes: list[list]
) -> None:
    keeper = ValueKeeper()
    value_words = ValueWords(keeper)
    applied(keeper, before)  # values held before the words are first made
    assert keeper.take_changes() is None  # nothing made yet: made whole first
    value_words.rebuild()
    vocabulary = made_whole(keeper, NAMES)
    for write in writes:
        version = keeper.version
        applied(keeper, write)
        whole = made_whole(keeper, NAMES)
        if whole != vocabulary:  # else the words kept for this version would be stale
            assert keeper.version > version
        taken = keeper.take_changes()
        if taken is None:  # as bot.commands.data_words does
            value_words.rebuild()
            vocabulary = made_whole(keeper, NAMES)
        else:
            vocabulary = value_words.updated(vocabulary, taken, NAMES)
        assert vocabulary.entries == whole.entries
        assert dict(vocabulary.values) == dict(whole.values)
        assert dict(vocabulary.labels) == dict(whole.labels)
        assert dict(vocabulary.owners) == dict(whole.owners)
        assert vocabulary == whole


def test_a_new_value_is_a_word_at_once_and_a_gone_one_is_not() -> None:
    keeper = ValueKeeper()
    value_words = ValueWords(keeper)
    keeper.take_changes()
    value_words.rebuild()
    vocabulary = made_whole(keeper, NAMES)
    keeper.apply(1, [ValueChange("location", "erbil", "Erbil", 1)])
    vocabulary = value_words.updated(vocabulary, keeper.take_changes() or {}, NAMES)
    assert vocabulary.values["erbil"] == ("location", "Erbil")
    assert vocabulary.owners[("location", "erbil")] == ("attacks",)
    keeper.apply(1, [ValueChange("location", "erbil", "Erbil", 0)])
    vocabulary = value_words.updated(vocabulary, keeper.take_changes() or {}, NAMES)
    assert "erbil" not in vocabulary.values and vocabulary.entries == ()


def test_the_words_a_caller_sees_are_kept_while_the_words_are_the_same() -> None:
    data_words = DataWords()
    everything = words(SETTINGS, ["attacks", "desk-drills"], [("location", "Erbil")])
    owned = {("location", "erbil"): ("desk-drills",)}
    vocabulary = replace(everything, owners=owned)
    first = data_words.seen_by(vocabulary, ["attacks"])
    assert first == vocabulary.seen_by(["attacks"]) and "erbil" not in first.values
    assert data_words.seen_by(vocabulary, ["attacks"]) is first  # kept
    named = words(SETTINGS, ["attacks"], [])  # the series' words alone, for `since attacks`
    assert data_words.seen_by(named, ["attacks"]) is named
    assert data_words.seen_by(vocabulary, ["attacks"]) is first  # not put out by those
    again = replace(vocabulary, owners={})  # other words: read again
    assert "erbil" in data_words.seen_by(again, ["attacks"]).values
