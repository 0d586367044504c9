"""The words of questions about pauses: what each asks for, by kind, for the reader (asking.py).

Pure data. A question's verb is told by the kinds of word it holds (a count, a pause, a
when ...), never by its whole sentence, so that new phrasings are read too.
"""

from __future__ import annotations

from bot.domain.calendar_periods import MONTH_NUMBERS


def _listed(words: str) -> tuple[str, ...]:
    """Return the words of a block of text, in order."""
    return tuple(words.split())


COUNT = frozenset(
    ["many", "count", "counts", "number", "total", "totals", "tally", "often", "frequency"]
)
WHEN = frozenset(["when", "last", "latest", "recent", "recently", "since", "ago", "newest"])
PAUSE = frozenset(
    [
        "pause",
        "gap",
        "lull",
        "quiet",
        "quieter",
        "quietest",
        "calm",
        "calmest",
        "stretch",
        "streak",
        "break",
        "respite",
        "hiatus",
        "silence",
        "without",
        "drought",
        "record",
        "longest",
        "peaceful",
        "peace",
        "spell",
        "interval",
        "run",
        "biggest",
        "largest",
        "max",
        "maximum",
        "all-time",
        "alltime",
        "unprecedented",
        "no",
        "zero",
        "longer",
    ]
)
PAUSES = frozenset(
    _listed("pauses gaps lulls stretches streaks breaks droughts top ranking rank periods")
    + _listed("intervals spells")
)
# With a pause word and `last`: the pause that the last incident ended.
BEFORE = frozenset(_listed("before end ends ended preceding preceded prior previous broke ending"))
SHOW = frozenset(["show", "list", "listing", "which", "display", "details", "incidents"])
# "what happened on ..." lists; "when did it happen" asks when: these list only without when
HAPPENED = frozenset(["happened", "happen", "occurred", "occur", "happening"])
CHART = frozenset(["chart", "graph", "plot", "trend", "draw", "visual", "timeline"])
MAP = frozenset(["map", "maps", "mapped"])
# Follow-ups that ask about everywhere again, or about today again.
EVERYWHERE = frozenset(["everywhere", "anywhere", "overall", "worldwide"])
NOW = frozenset(["now", "today", "currently"])
FOLLOW_UP_OPENERS = ("and", "what about", "how about", "same", "also", "or", "but", "now")
BY_WORDS = frozenset(["by", "per", "each", "every", "broken", "split"])
# Nouns that ask for a breakdown alone: "which country had the most attacks".
BREAKDOWN_NOUNS = frozenset(
    _listed("countries kinds types actors groups locations bases places sites")
)
# The same in the singular, a breakdown only after which/what: "which country had the most".
WHICH_NOUNS = frozenset(_listed("country kind type actor group location base place site"))
# Words that make a question a new one rather than a follow-up of the one before.
ASKING = COUNT | WHEN | PAUSE | PAUSES | SHOW | HAPPENED | CHART | MAP
# Words before "there" that make it "there is", not the place asked about before.
EXISTENTIAL = frozenset(_listed("is are was were been has have had be any"))
# Words typed glued to the next ("howmany", "lastweek", "injordan"): split only after these.
GLUE_PRONE = ("how", "last", "this", "when", "since", "what", "past", "per", "in", "by", "at")
# Follow-up words anywhere in a question: "for strikes instead", "jordan too".
FOLLOWING = frozenset(_listed("instead too also only"))
# "all countries", "any kind": the filter of that key goes
ALL_OF = frozenset(_listed("all any every whatever"))
# Pronouns that point at what the question before was about: "when was it last hit?"
REFERRING = frozenset(["it", "they", "them", "those", "same", "there"])
# Unit words a period or breakdown did not take: the question would be read without them.
UNITS = frozenset(["week", "weeks", "month", "months", "year", "years", "quarter", "half"])
BREAKDOWNS = {
    "week": "week",
    "weeks": "week",
    "weekly": "week",
    "month": "month",
    "months": "month",
    "monthly": "month",
    "year": "year",
    "years": "year",
    "yearly": "year",
    "annually": "year",
    "country": "country",
    "countries": "country",
    "kind": "kind",
    "kinds": "kind",
    "type": "kind",
    "types": "kind",
    "location": "location",
    "locations": "location",
    "place": "location",
    "places": "location",
    "base": "location",
    "site": "location",
    "sites": "location",
    "bases": "location",
    "actor": "actor",
    "actors": "actor",
    "group": "actor",
    "groups": "actor",
}
# Breakdowns that stand alone ("monthly"); the others need by/per before them.
ALONE = frozenset(["weekly", "monthly", "yearly", "annually"])
NUMBERS = {
    word: number
    for number, word in enumerate(
        _listed("one two three four five six seven eight nine ten eleven twelve"), start=1
    )
} | {"twenty": 20, "fifteen": 15, "dozen": 12}
# Short forms read as the words they stand for, before periods are read.
SHORT_FORMS = {
    "wk": ("week",),
    "wks": ("weeks",),
    "mo": ("month",),
    "mos": ("months",),
    "yr": ("year",),
    "yrs": ("years",),
    "ytd": ("this", "year"),
    "mtd": ("this", "month"),
    "fortnight": ("2", "weeks"),
    "yday": ("yesterday",),
    "yest": ("yesterday",),
    "u.s": ("us",),
}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3}
# Words that say more than the reader reads when no period or breakdown took them: "the
# second longest", "per day".
LEFT_OVER = frozenset([*ORDINALS, "per", "previous", "prior"])
# Phrases read as the words they mean, before anything else.
PHRASES = {
    "the day before yesterday": "2 days ago",
    "day before yesterday": "2 days ago",
    "new year": "the start of the year",
    "other than": "except",
    "anywhere but": "except",
    "everywhere but": "except",
    "apart from": "except",
    "aside from": "except",
    "but not": "except",
    "this time last year": "this-time-last-year",
    "took place": "happened",
    "take place": "happen",
    "as well": "too",
    "calendar year": "year",
    "calendar month": "month",
    "month-by-month": "by month",
    "month by month": "by month",
    "week by week": "by week",
    "year by year": "by year",
    "year-by-year": "by year",
}
# Negations: the values after them are excluded, not asked about.
NEGATIONS = frozenset(_listed("not except excluding outside besides"))
# Words that would turn a question into another that the bot does not answer: not skipped.
NOT_READ = frozenset(
    _listed("not except excluding outside besides before after late early few several couple")
    + _listed("recently lately weekday weekdays weekend weekends night nights morning evening")
    + _listed("ones thing things")
)
# Words that begin a day when read with those after them: kept from the date parser otherwise.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_WORDS = frozenset(MONTH_NUMBERS)
DAY_STARTS = MONTH_WORDS | frozenset([*WEEKDAYS, "today", "yesterday"])


# Words a question may hold that change nothing in it.
NEUTRAL = frozenset(
    _listed(
        """
    how long much did does do is was has have been it the a an this that current currently
    so far ever there any all whole time times day days incident incidents event events
    take took us u.s. forces force me please tell
    give show whats what's ongoing running still right latest go gone going in on at of
    for to from up till until yet now data recorded reported see start started begin began
    begun beginning lately stand stands status like look there were happening date dates
    bot pausewatch length lengths duration breakdown hit hits targeted struck attacked
    bombed shelled get got see seen compare compared compares versus vs resume resumed
    restart restarted idea i'd i'm like know pls plz wondering wonder mind american americans
    carry carried out close closer far away down within period possible ranked confirm
    appreciate provide calendar conduct conducted inclusive summarise summarize summary terms
    situational awareness able analyse analyze cheers whilst reckon d'you present spread
    across make passed retaliatory records began brief preparing report need air total
    recorded overview instead only everything one
    """
    )
)
QUESTION_WORDS = (
    COUNT
    | WHEN
    | PAUSE
    | PAUSES
    | BEFORE
    | SHOW
    | HAPPENED
    | NOT_READ
    | CHART
    | MAP
    | EVERYWHERE
    | NOW
    | BY_WORDS
    | frozenset(BREAKDOWNS)
    | NEUTRAL
    | DAY_STARTS
    | frozenset(NUMBERS)
    | frozenset(["as", "of", "between", "and", "about", "same", "also", "or", "but", "most"])
    | frozenset(["this", "last", "past", "previous", "week", "month", "year", "days"])
    | frozenset(["since", "pause", "pauses", "last", "list", "stats", "chart", "help"])
    | frozenset(["start", "beginning"])
    | REFERRING
    | UNITS
    | frozenset(ORDINALS)
)
