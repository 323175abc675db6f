"""Setting values from text or TOML values: choices, bounded numbers, durations, counts, fractions.
Each parser raises :class:`ValueError` quoting the value; the caller adds where it came from."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..quantities import parse_fraction, parse_time


def quote(value: object) -> str:
    """``repr(value)``, shortened for long text."""
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:30]!r}... ({len(value)} characters)"
    return repr(value)


def choice(choices: Sequence[str]) -> Callable[[object], str]:
    """A parser accepting one of ``choices`` (case and surrounding space ignored)."""

    def parse(value: object) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"{quote(value)} is not one of {', '.join(choices)}")
        return text

    return parse


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{quote(value)} is not a number")
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{quote(value)} is not a number") from None


def number_between(low: float, high: float) -> Callable[[object], float]:
    """A parser accepting a finite number from ``low`` to ``high`` (both greater than zero)."""

    def parse(value: object) -> float:
        number = _number(value)
        if not number > 0 or math.isinf(number):
            raise ValueError(f"{quote(value)} must be a finite number greater than zero")
        if not low <= number <= high:
            raise ValueError(f"{quote(value)} is outside the range {low:g} to {high:g}")
        return number

    return parse


def duration(value: object) -> float:
    """``"10s"``, ``"500ms"`` or a number of seconds (``"10"`` too: a bare number is seconds)."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return parse_time(value)
    number = _number(value)
    if not 0 < number < math.inf:
        raise ValueError(f"{quote(value)} must be a finite number of seconds greater than zero")
    if number < 1e-9:
        raise ValueError(f"{quote(value)} is less than one nanosecond")
    try:
        return parse_time(number)
    except ValueError as error:  # e.g. beyond the largest quantity: quote the text as it was given
        raise ValueError(f"{quote(value)}: {error}") from None


def whole_number(high: int) -> Callable[[object], int]:
    """A parser accepting a whole number from 0 to ``high``."""

    def parse(value: object) -> int:
        text = str(value).strip()
        try:
            number = None if isinstance(value, (bool, float)) or len(text) > 20 else int(text)
        except ValueError:
            number = None
        if number is None:
            raise ValueError(f"{quote(value)} is not a whole number")
        if number < 0:
            raise ValueError(f"{quote(value)} must not be negative")
        if number > high:
            raise ValueError(f"{quote(value)} must be at most {high}")
        return number

    return parse


def fraction(value: object) -> float:
    """``"10%"`` or ``0.1`` -> 0.1: an allowed change, zero or more (see :func:`parse_fraction`)."""
    return parse_fraction(value)
