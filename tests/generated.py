"""Hypothesis strategies for settings input (quantities, setting values, TOML and Python values), and
how each is written into a file and quoted in a message."""

from __future__ import annotations

import json
import math
import re

from hypothesis import strategies as st

from pytest_perfgate.config.settings import MODES, STATS
from pytest_perfgate.quantities import MEMORY_UNITS, TIME_UNITS

#: Every unit (memory units also in upper case), none, and unknown ones.
_UNITS = [*TIME_UNITS, *MEMORY_UNITS, *map(str.upper, MEMORY_UNITS), "", "x", "parsec", "MINS"]
_NUMBER_TEXT = st.one_of(
    st.floats().map(repr),
    st.integers(-(10**6), 10**40).map(str),
    st.sampled_from(
        ["5e-324", "1e-320", "1e308", "0", "-0", "nan", "inf", "-inf", "1_000", ".5", "5.", "1e"]
    ),
)
QUANTITY = st.builds("{}{}{}".format, _NUMBER_TEXT, st.sampled_from(["", " ", "\t"]), st.sampled_from(_UNITS))
SPEC = st.one_of(QUANTITY, st.builds("{}, {}".format, QUANTITY, QUANTITY))
_CHOICES = st.sampled_from(
    [*STATS, *MODES, "auto", "memray", "tracemalloc", "fail", "always", "isolate", "parallel"]
)
NO_SURROGATES = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
TEXT = st.one_of(
    _CHOICES,
    _NUMBER_TEXT,
    SPEC,
    st.sampled_from(
        ["10%", "0%", "-5%", "1e999%", "0.001", "1000", "1000.5", "1e-6", "1e9", "2e9", "100", "101"]
    ),
    st.text(NO_SURROGATES, max_size=30),
    st.text(" 1!", min_size=95, max_size=300),
)
_FLOATS = st.floats() | st.sampled_from([5e-324, 1e-320, 1e-10, 1e30, 1e31])
TOML_VALUE = st.one_of(
    TEXT,
    st.booleans(),
    _FLOATS,
    st.integers(-(2**63), 2**63 - 1),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["time", "memory", "x"]), QUANTITY | _FLOATS, max_size=2),
)
PYTHON_VALUE = st.one_of(
    st.none(), st.booleans(), _FLOATS, st.integers(-(10**400), 10**400), QUANTITY, st.text(max_size=20)
)
#: Text an ini file holds as one value: no comment characters, nothing that ends a line.
INI_TEXT = TEXT.map(lambda text: re.sub(r"[#;\x00-\x1f\x7f\x85\u2028\u2029]", " ", text))


def toml(value: object) -> str:
    """A TOML value: strings as basic strings (JSON's escapes are TOML's), floats as TOML writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml(key)} = {toml(item)}" for key, item in value.items()) + " }"
    return repr(value)


def python(value: object) -> str:
    """A Python literal for ``value`` (``float('nan')`` for the floats without one)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    return repr(value)


def quotes(value: object) -> list[str]:
    """The ways a message may quote ``value``: whole, stripped, shortened, or one part of a spec."""
    if not isinstance(value, str):
        return [repr(value), str(value)]
    parts = [value, value.strip(), *(part.strip() for part in value.split(","))]
    return [repr(part) for part in parts] + [repr(value[:30])[:-1], repr(value.strip()[:30])[:-1]]


#: The message for an integer too large to quote.
HUGE = "bits is not a finite quantity"
