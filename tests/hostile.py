"""Hypothesis strategies for "no input gives a 500", shared by every hostile-input test.

Anything at all, biased towards what breaks parsers: digits of every script
(superscripts, full-width, mathematical, Arabic-Indic), NUL and other control
characters, numbers far beyond any column, and long strings. PostgreSQL refuses NUL
in text outright, so run these on it too (CI does).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Fewer, for what a page only passes by (a query it ignores, an unknown id in its
# address) and for tests that make several requests per example.
HOSTILE_QUICK = settings(HOSTILE, max_examples=10)

# Digits that str.isdigit() (and often int()) accepts but no person types as a number.
ODD_DIGITS = ("\uff11\uff12\uff13", "\U0001d7d9\U0001d7da", "\u0663", "\u00b2")

TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Cc", "Cf"]), max_size=30),
    st.integers(min_value=-(10**40), max_value=10**4000).map(str),
    st.sampled_from(
        [
            *("", " ", "\x00", "1\x002", "$FAULTID", "-1"),
            *ODD_DIGITS,
        ]
    ),
)
# Never a usable id: so a send or an override can never be valid, whatever the rest.
NOT_AN_ID = TEXT.filter(lambda s: not (s.isascii() and s.strip().isdigit()))

# Longer than any column or form field takes (the longest are a few thousand).
LONG_TEXT = st.one_of(
    st.text(min_size=250, max_size=600),
    st.sampled_from(["x" * 5000, "9" * 5000, "\x00" * 300, "\u0663" * 400]),
)

# What a date box may receive: real dates at the ends of the calendar (the day after
# 9999-12-31 does not exist), dates in other digits, and impossible dates.
DATE_TEXT = st.one_of(
    st.dates().map(str),
    st.sampled_from(
        [
            *("0001-01-01", "9999-12-31", "9999-12-30", "2025-02-30", "2025-13-01"),
            *("\uff12\uff10\uff12\uff15-01-31", "\u0662\u0660\u0662\u0665-01-31"),
            *("2025-01-31\x00", "31/01/2025", "-2025-01-01", "10000-01-01"),
        ]
    ),
)

# Numbers just past a 32- or 64-bit column, and far past, as a browser sends them.
HUGE_NUMBER_TEXT = st.one_of(
    st.integers(min_value=2**31 - 2, max_value=10**30).map(str),
    st.integers(min_value=-(10**30), max_value=-(2**31) + 2).map(str),
    st.sampled_from(["2147483648", "9223372036854775808", "9" * 30, "9" * 5000]),
)

# What naive parsing gets wrong: NUL and other invisible characters, digits of other
# scripts ("2\u0b69" is 23 to int()), decimals and hex, the calendar's last day, a
# word repeated past a column's length, one character past a common max_length.
KNOWN_BAD = st.sampled_from(
    [
        *("\x00", "a\x00b", "1\x002", "\x07", "\u202e", "\u200b"),
        *ODD_DIGITS,
        *("2\u0b69", "\u0661\u0660", "20.0", " 25 ", "1e3", "0x10", "-0", "0"),
        *("9999-12-31", "all " * 60, "x" * 301),
    ]
)

# Whatever a form field may receive.
ANY_INPUT = st.one_of(KNOWN_BAD, HUGE_NUMBER_TEXT, TEXT, LONG_TEXT, DATE_TEXT)

# A JSON value of any shape, for API bodies: text as above, numbers beyond every
# column (and NaN, infinities), nesting.
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([2**31, 2**63, 10**400, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    ANY_INPUT,
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)
