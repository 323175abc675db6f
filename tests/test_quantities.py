"""Quantities: every accepted form, and ValueError (never anything else) for everything bad."""

from __future__ import annotations

import re
import time

import pytest
from generated import SPEC, TEXT, quotes
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_perfgate import parse_memory, parse_time
from pytest_perfgate.quantities import (
    format_memory,
    format_ratio,
    format_time,
    parse_budget_spec,
    parse_fraction,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("100ms", 0.1),
        ("0.1 s", 0.1),
        ("5min", 300.0),
        ("2h", 7200.0),
        ("250ns", 250e-9),
        ("3us", 3e-6),
        ("3µs", 3e-6),
        ("3μs", 3e-6),
        ("1.5e3 ms", 1.5),
        ("  7 s  ", 7.0),
        (0.25, 0.25),
        (2, 2.0),
    ],
)
def test_parse_time(text: str | float, seconds: float) -> None:
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("500MB", 524_288_000),
        ("500 MiB", 524_288_000),
        ("1GiB", 1024**3),
        ("1gb", 1024**3),
        ("2 KB", 2048),
        ("1.5TB", int(1.5 * 1024**4)),
        ("10B", 10),
        (4096, 4096),
    ],
)
def test_parse_memory_is_1024_based(text: str | int, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100ms", (0.1, None)),
        ("500MB", (None, 524_288_000)),
        ("300s, 500MB", (300.0, 524_288_000)),
        ("500MB,300s", (300.0, 524_288_000)),
        (2, (2.0, None)),
    ],
)
def test_budget_spec_unit_says_which(text: str, expected: tuple[float | None, int | None]) -> None:
    assert parse_budget_spec(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "fragment"),
    [
        (parse_time, "0ms", "greater than zero"),
        (parse_time, "-1s", "greater than zero"),
        (parse_time, "nan s", "not a finite"),
        (parse_time, "inf ms", "not a finite"),
        (parse_time, "5 parsecs", "unknown time unit 'parsecs'"),
        (parse_time, "100", "has no unit"),
        (parse_time, "fast", "is not a time"),
        (parse_time, True, "is not a time"),
        (parse_memory, "500XB", "unknown memory unit 'XB'"),
        (parse_memory, "0MB", "greater than zero"),
        (parse_memory, "0.1B", "less than one byte"),
        (parse_budget_spec, "1s, 2s", "two times"),
        (parse_budget_spec, "1MB, 2GB", "two memories"),
        (parse_budget_spec, "1s, 2MB, 3s", "one time and/or one memory"),
        (parse_budget_spec, "1 parsec", "unknown unit 'parsec'"),
        (parse_budget_spec, "", "is not a budget"),
        (parse_budget_spec, None, "is not a budget"),
    ],
)
def test_bad_input_quotes_the_text(parse: object, text: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as error:
        parse(text)  # type: ignore[operator]
    assert fragment in str(error.value)
    if isinstance(text, str) and text:
        assert repr(text) in str(error.value) or repr(text.split(",")[0].strip()) in str(error.value)


@given(st.one_of(st.text(), st.floats(), st.integers(), st.none(), st.booleans(), st.binary()))
def test_parsers_raise_only_value_error(value: object) -> None:
    for parse in (parse_time, parse_memory, parse_budget_spec):
        try:
            result = parse(value)  # type: ignore[arg-type]
        except ValueError:
            continue
        assert result is not None


@given(st.from_regex(r"\A\s*[+-]?\d{0,4}(\.\d{0,3})?(e[+-]?\d{1,3})?\s*(ns|us|ms|s|min|h|B|MB|GiB|xb)?\s*\Z"))
def test_quantity_like_text_parses_or_raises_value_error(text: str) -> None:
    for parse in (parse_time, parse_memory, parse_budget_spec):
        try:
            parse(text)
        except ValueError as error:
            assert str(error)


@given(st.floats(min_value=1e-9, max_value=1e6))
def test_time_round_trips_through_its_format(seconds: float) -> None:
    assert parse_time(format_time(seconds).replace(" ", "")) == pytest.approx(seconds, rel=0.01)


def test_formats() -> None:
    assert format_time(0.1324) == "132 ms"
    assert format_time(2.5e-6) == "2.5 µs"
    assert format_time(300) == "5 min"
    assert format_memory(641_728_512) == "612 MiB"
    assert format_memory(512) == "512 B"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10%", 0.1), ("0.1", 0.1), (0.25, 0.25), (" 5000% ", 50.0), ("0", 0.0), ("-0", 0.0), (2, 2.0)],
)
def test_parse_fraction(text: str | float, expected: float) -> None:
    assert parse_fraction(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lots", "'lots' is not a fraction such as 10% or 0.1"),
        ("%", "is not a fraction"),
        (True, "is not a fraction"),
        (None, "is not a fraction"),
        ("-1%", "'-1%' must not be negative"),
        ("nan", "not a finite fraction"),
        ("inf%", "not a finite fraction"),
        ("1e400", "not a finite fraction"),
    ],
)
def test_parse_fraction_errors_quote_the_text(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_fraction(text)


def test_format_ratio() -> None:
    assert format_ratio(1.3241) == "1.32x"
    assert format_ratio(None) == "-"


@pytest.mark.parametrize("parse", [parse_time, parse_memory, parse_budget_spec])
@pytest.mark.parametrize(
    "text", ["1" + " " * 40000 + "!", "1" * 40000 + "!", "1." + "1" * 40000 + "x", "1 " + "a" * 40000 + "1"]
)
def test_long_text_is_refused_at_once(parse: object, text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ValueError) as error:
        parse(text)  # type: ignore[operator]
    assert time.perf_counter() - started < 0.5  # was 7 s: the regex backtracked quadratically
    assert f"... ({len(text)} characters) is too long" in str(error.value)
    assert repr(text[:30]) in str(error.value)


def test_the_longest_accepted_text_is_100_characters() -> None:
    assert parse_time(" " * 95 + "1 ms") == pytest.approx(0.001)
    with pytest.raises(ValueError, match="too long"):
        parse_time(" " * 97 + "1 ms")


@pytest.mark.parametrize("value", [1e-10, "0.5ns", 5e-324, "1e-300 h"])
def test_a_time_under_a_nanosecond_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="less than one nanosecond"):
        parse_time(value)  # type: ignore[arg-type]


def test_an_integer_too_large_for_a_float_is_a_value_error() -> None:
    for parse in (parse_time, parse_memory, parse_budget_spec):
        with pytest.raises(ValueError, match="bits is not a finite quantity"):
            parse(10**5000)


@given(text=st.one_of(SPEC, TEXT, st.text()))
@settings(max_examples=1000, deadline=None)
def test_generated_text_is_a_sane_quantity_or_a_value_error_quoting_it(text: str) -> None:
    for parse in (parse_time, parse_memory, parse_budget_spec):
        try:
            value = parse(text)
        except ValueError as error:
            assert any(quote in str(error) for quote in quotes(text)), (text, str(error))
            continue
        if parse is parse_time:
            assert 1e-9 <= value <= 1e30  # type: ignore[operator]
        elif parse is parse_memory:
            assert isinstance(value, int) and 1 <= value <= 1e30
        else:
            assert value != (None, None)
