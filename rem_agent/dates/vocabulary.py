"""Date words: the tables the date rules read (month and weekday names, units, number
words, the words a phrase may start with) and the spelling corrector's targets and
exceptions. Data only.
"""

from __future__ import annotations

from rem_agent import text
from rem_agent.dates.phrases import DayPartName, Rel, Unit

RELATIVE_WORDS: dict[str, Rel] = {"this": "this", "last": "last", "next": "next", "past": "last"}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    _words("january february march april may june july august september october november december"),
    start=1,
):
    MONTHS[_name] = _number
    MONTHS[_name[:3]] = _number
MONTHS["sept"] = 9
# Words that are also ordinary English (or names): a month only with context.
WEAK_MONTHS = frozenset(k for k in MONTHS if len(k) <= 4 and k not in ("june", "july")) | {"may"}

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday mon",
        "tuesday tue tues",
        "wednesday wed",
        "thursday thu thur thurs",
        "friday fri",
        "saturday sat",
        "sunday sun",
    )
):
    for _name in _names.split():
        WEEKDAYS[_name] = _number
WEAK_WEEKDAYS = frozenset(k for k in WEEKDAYS if not k.endswith("day"))

_UNIT_NAMES: tuple[tuple[Unit, str], ...] = (
    ("second", "second seconds sec secs"),
    ("minute", "minute minutes min mins"),
    ("hour", "hour hours hr hrs h"),
    ("day", "day days d"),
    ("week", "week weeks wk wks w"),
    ("month", "month months mo mos mth mths"),
    ("quarter", "quarter quarters qtr qtrs"),
    ("year", "year years yr yrs y"),
)
UNITS: dict[str, tuple[Unit, int]] = {
    name: (unit, 1) for unit, names in _UNIT_NAMES for name in names.split()
}
UNITS |= {"fortnight": ("week", 2), "fortnights": ("week", 2)}
UNITS |= {"decade": ("year", 10), "decades": ("year", 10)}
CALENDAR_UNITS = frozenset({"day", "week", "month", "quarter", "year", "hour", "minute"})

NUMBER_WORDS, TENS = text.NUMBER_WORDS, text.TENS  # one home: the request text
ORDINAL_WORDS = {
    w: n
    for n, w in enumerate(
        _words(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
            "nineteenth twentieth"
        ),
        start=1,
    )
}
ORDINAL_WORDS["thirtieth"] = 30
VAGUE_NUMBERS = frozenset(_words("few several some many couple"))
TO_DATE_STARTERS = frozenset(_words("so this the week month quarter year earlier ytd mtd qtd wtd"))

DAY_PARTS: dict[str, DayPartName] = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
}
PREPOSITIONS = frozenset(_words("in on during from over for within throughout"))
APPROXIMATE = frozenset(_words("about around roughly approximately circa nearly almost"))
VAGUE_PARTS = frozenset(_words("early mid late"))
RANGE_TO = frozenset(_words("to until till til through thru - – —"))
# Words a phrase can begin with; anything else is skipped without running the rules.
WORD_STARTERS = (
    frozenset(MONTHS)
    | frozenset(WEEKDAYS)
    | frozenset(NUMBER_WORDS)
    | frozenset(TENS)
    | frozenset(ORDINAL_WORDS)
    | PREPOSITIONS
    | APPROXIMATE
    | VAGUE_PARTS
    | VAGUE_NUMBERS
    | TO_DATE_STARTERS
    | frozenset(
        _words(
            "today yesterday tomorrow tonight last next past previous prior current "
            "coming following recently lately weekend a an since as starting beginning "
            "after before until till til up through thru between older more less "
            "sometime long ages way not these recent start end middle at no day"
        )
    )
)


# Words the rules read as they are: never respelt.
KNOWN_WORDS = WORD_STARTERS | frozenset(UNITS) | frozenset(DAY_PARTS) | RANGE_TO


# Abbreviations that, written with a period, are read as a date name on their own
# ("what happened fri."): with the period they are not an English word. Left out:
# sat, sun, may (words: "we sat in the sun.") and jan (a name).
PERIOD_ABBREVIATIONS: frozenset[str] = frozenset(
    "mon tue tues wed thu thur thurs fri feb mar apr jun jul aug sep sept oct nov dec".split()
)

# Date words a misspelling is corrected to (spelling.py). Whole words only: correcting
# to an abbreviation ("sat", "wed") would turn ordinary words into dates.
SPELLING_TARGETS: frozenset[str] = frozenset(
    """
    today yesterday tomorrow tonight day days week weeks weekend month months year years
    quarter hour hours minutes last past next this ago since before after until between
    recently lately morning afternoon evening
    monday tuesday wednesday thursday friday saturday sunday
    january february march april june july august september october november december
    """.split()
)
# Real words close to a date word: never corrected, whatever follows them ("the quartet
# last played", "mourning"). Every word of an American English word list (wamerican,
# names included) that spelling.candidates() finds a date word for, less "las": "las
# month" is a common slip, and "Las Vegas" never forms a date phrase.
TOPIC_WORDS: frozenset[str] = frozenset(
    """
    afternoons agog aprils argo augusta augusts betaken betoken davy deceiver decembers
    dray drays earning emending evading evenings evincing evoking eyeing fridays horus
    imputes jaguar jaguars junes lasts lat lats least mach manning mantes manures marc
    marking marring meaning merging minces mines mingles mining minster minted mints
    minuet minuets minus minuses minuted minutely minuter minutest minutia minxes miring
    misuses mites moaning mobbing mocking modding molding molting mondays mont mooing
    mooning mooring mooting moping mopping moraine morin mornings moth moths mounding
    mounting mourning mousing moving mowing mutes net nonmember novembers octobers pabst
    pas pasta paste pasts pasty pat pats pst quainter quaker quarrel quart quartered
    quarterly quarters quartet quartets quarto quartos quarts quartz quaver quieter
    quilter quitter recent recenter reentry saturdays septembers sine sturdy sundays
    thais thins thursdays tight toady tomorrows toniest tuesdays veering veining vending
    venting vexing weaken weakened weakens wednesdays wee weeded weekended weekends wees
    yea yearn yearns yeas yesterdays
    """.split()
)
