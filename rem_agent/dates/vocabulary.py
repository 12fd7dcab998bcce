"""Date words beyond the parser's own tables: abbreviations read with a period.

Data only, kept out of the parser class; recognise.py reads it.
"""

from __future__ import annotations

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
