"""Text to numbers: ``"100ms"`` -> 0.1 seconds, ``"500MB"`` -> 524,288,000 bytes, and back.

Every bad input raises :class:`ValueError` quoting the text; callers add where it came from.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "format_instructions",
    "format_memory",
    "format_ratio",
    "format_time",
    "parse_budget_spec",
    "parse_fraction",
    "parse_instructions",
    "parse_memory",
    "parse_time",
    "split_instructions",
]

TIME_UNITS: dict[str, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # micro sign
    "μs": 1e-6,  # greek mu
    "ms": 1e-3,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
}

MEMORY_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1024,
    "kib": 1024,
    "mb": 1024**2,
    "mib": 1024**2,
    "gb": 1024**3,
    "gib": 1024**3,
    "tb": 1024**4,
    "tib": 1024**4,
}

# Matched with fullmatch() on stripped text of at most _LONGEST characters: one \s* only, so linear.
_QUANTITY = re.compile(
    r"""(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity|nan))
    \s*
    (?P<unit>[^\W\d_]+)?""",
    re.VERBOSE | re.IGNORECASE,
)

Number = int | float
_LARGEST = 1e30  # anything beyond is a typo, not a budget (and would overflow int/float conversions)
_SHORTEST_S = 1e-9  # a time budget under a nanosecond is a typo, and scaled down it could round to 0
_LONGEST = 100  # characters of a quantity's text; longer text is refused before any parsing


def _short(text: str, kind: str) -> str:
    if len(text) > _LONGEST:
        raise ValueError(f"{text[:30]!r}... ({len(text)} characters) is too long to be a {kind}")
    return text


def _match(text: str, kind: str) -> re.Match[str] | None:
    """The quantity regex on ``text`` (stripped), refusing text too long to be a quantity."""
    return _QUANTITY.fullmatch(_short(text, kind).strip())


def _check_number(value: float, text: object) -> float:
    if math.isnan(value) or math.isinf(value) or abs(value) > _LARGEST:
        raise ValueError(f"{text!r} is not a finite quantity")
    if value <= 0:
        raise ValueError(f"{text!r} must be greater than zero")
    return value


def _as_float(value: Number) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"a number of {int(value).bit_length()} bits is not a finite quantity") from None


def _split(text: str, kind: str) -> tuple[float, str]:
    match = _match(text, kind)
    if match is None:
        raise ValueError(f"{text!r} is not a {kind} (expected a number and a unit, e.g. {_EXAMPLE[kind]})")
    unit = match.group("unit")
    if unit is None:
        raise ValueError(f"{text!r} has no unit (e.g. {_EXAMPLE[kind]})")
    return _check_number(float(match.group("number")), text), unit


_EXAMPLE = {
    "time": "'100ms' or '5min'",
    "memory": "'500MB' or '1GiB'",
    "budget": "'100ms', '500MB' or '300s, 500MB'",
}


def _reject_non_numbers(value: object, kind: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a {kind}: give a number or a string such as {_EXAMPLE[kind]}")


def parse_time(text: str | Number) -> float:
    """Parse a duration (``"100ms"``, ``"0.1 s"``, ``"5min"``, or a number of seconds) into seconds."""
    _reject_non_numbers(text, "time")
    if not isinstance(text, str):
        number, factor = _check_number(_as_float(text), text), 1.0
    else:
        number, unit = _split(text, "time")
        unit_factor = TIME_UNITS.get(unit) or TIME_UNITS.get(unit.lower())
        if unit_factor is None:
            known = ", ".join(sorted(set(TIME_UNITS) - {"μs"}, key=TIME_UNITS.__getitem__))
            raise ValueError(f"{text!r} has an unknown time unit {unit!r} (known: {known})")
        factor = unit_factor
    seconds = _check_number(number * factor, text)
    if seconds < _SHORTEST_S:
        raise ValueError(f"{text!r} is less than one nanosecond")
    return seconds


def parse_memory(text: str | Number) -> int:
    """Parse a size (``"500MB"``, ``"1.5 GiB"``, or a number of bytes) into bytes; units are 1024-based."""
    _reject_non_numbers(text, "memory")
    if not isinstance(text, str):
        number, factor = _check_number(_as_float(text), text), 1
    else:
        number, unit = _split(text, "memory")
        unit_factor = MEMORY_UNITS.get(unit.lower())
        if unit_factor is None:
            raise ValueError(
                f"{text!r} has an unknown memory unit {unit!r} (known: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB)"
            )
        factor = unit_factor
    size = round(_check_number(number * factor, text))
    if size < 1:
        raise ValueError(f"{text!r} is less than one byte")
    return size


#: Instruction-count suffixes: powers of 1000 (``"25M"`` is 25,000,000), case-insensitive.
INSTRUCTION_UNITS: dict[str, int] = {"k": 1000, "m": 1000**2, "g": 1000**3}


def parse_instructions(text: str | Number) -> int:
    """Parse an instruction count (``"25M"``, ``"1.5 G"``, ``"800k"``, or a number); K/M/G are 1000-based."""
    if isinstance(text, bool) or not isinstance(text, (int, float, str)):
        raise ValueError(f"{text!r} is not an instruction count: give a number or a string such as '25M'")
    if not isinstance(text, str):
        number, factor = _check_number(_as_float(text), text), 1
    else:
        match = _match(text, "instruction count")
        if match is None:
            raise ValueError(
                f"{text!r} is not an instruction count (expected a number and K, M or G, e.g. '25M')"
            )
        unit = match.group("unit")
        number = _check_number(float(match.group("number")), text)
        unit_factor = INSTRUCTION_UNITS.get(unit.lower()) if unit is not None else 1
        if unit_factor is None:
            raise ValueError(f"{text!r} has an unknown instruction-count suffix {unit!r} (known: K, M, G)")
        factor = unit_factor
    count = round(_check_number(number * factor, text))
    if count < 1:
        raise ValueError(f"{text!r} is less than one instruction")
    return count


def format_instructions(count: float) -> str:
    """``4126621`` -> ``"4.13M"``: three significant digits with a 1000-based K, M or G suffix."""
    rounded = float(f"{count:.3g}")  # 999,999 is "1M", not "1000K"
    for unit, factor in (("G", 1000**3), ("M", 1000**2), ("K", 1000)):
        if abs(rounded) >= factor:
            return f"{_significant(rounded / factor)}{unit}"
    return f"{round(count)}"


_PLURAL = {"time": "times", "memory": "memories"}


def _unit_kind(text: str, spec: str) -> str:
    match = _match(text, "budget")
    if match is None:
        raise ValueError(f"{spec!r} is not a budget: {text!r} is not a quantity (e.g. {_EXAMPLE['budget']})")
    unit = match.group("unit")
    if unit is None:
        raise ValueError(f"{spec!r} is not a budget: {text!r} has no unit (e.g. {_EXAMPLE['budget']})")
    if unit in TIME_UNITS or unit.lower() in TIME_UNITS:
        return "time"
    if unit.lower() in MEMORY_UNITS:
        return "memory"
    raise ValueError(
        f"{spec!r} has an unknown unit {unit!r} "
        "(time: ns, us, ms, s, min, h; memory: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB; instructions: K, M, G)"
    )


def parse_budget_spec(text: str | Number) -> tuple[float | None, int | None]:
    """Parse ``"100ms"``, ``"500MB"`` or ``"300s, 500MB"`` into (seconds, bytes); the unit says which.

    A bare number is a time in seconds.
    """
    _reject_non_numbers(text, "budget")
    if not isinstance(text, str):
        return parse_time(text), None
    parts = [part.strip() for part in _short(text, "budget").split(",")]
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"{text!r} is not a budget: give one time and/or one memory, e.g. '300s, 500MB'")
    seconds: float | None = None
    size: int | None = None
    for part in parts:
        kind = _unit_kind(part, text)
        if (kind == "time" and seconds is not None) or (kind == "memory" and size is not None):
            raise ValueError(
                f"{text!r} gives two {_PLURAL[kind]}; a budget has at most one time and one memory"
            )
        if kind == "time":
            seconds = parse_time(part)
        else:
            size = parse_memory(part)
    return seconds, size


def split_instructions(text: str | Number) -> tuple[str | Number, int | None]:
    """``"100ms, 25M"`` -> ``("100ms", 25_000_000)``: a spec's instruction count (an upper-case K, M or G
    suffix, so that "5m" is never read as 5 million) taken out; the rest is a time and/or memory spec."""
    if not isinstance(text, str):
        return text, None
    rest: list[str] = []
    count: int | None = None
    for part in _short(text, "budget").split(","):
        match = _match(part, "budget")
        if match is None or match.group("unit") not in ("K", "M", "G"):
            rest.append(part.strip())
        elif count is not None:
            raise ValueError(f"{text!r} gives two instruction counts; a budget has at most one")
        else:
            count = parse_instructions(part)
    return ", ".join(rest), count


def parse_fraction(text: object) -> float:
    """``"10%"``, ``"0.1"`` or ``0.1`` -> 0.1: an allowed change, zero or more (``"5000%"`` is 50)."""
    if isinstance(text, bool) or not isinstance(text, (int, float, str)):
        raise ValueError(f"{text!r} is not a fraction such as 10% or 0.1")
    value = str(text).strip()
    try:
        number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a fraction such as 10% or 0.1") from None
    if math.isnan(number) or math.isinf(number) or number > _LARGEST:
        raise ValueError(f"{text!r} is not a finite fraction")
    if number < 0:
        raise ValueError(f"{text!r} must not be negative")
    return number + 0.0  # no -0.0


def format_ratio(ratio: float | None) -> str:
    """``1.3241`` -> ``"1.32x"``; ``"-"`` where there is no ratio."""
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_time(seconds: float) -> str:
    """``0.1324`` -> ``"132 ms"``: three significant digits in the largest fitting unit."""
    for unit, factor in (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= factor:
            return f"{_significant(seconds / factor)} {unit}"
    return f"{_significant(seconds / 1e-9)} ns"


def format_memory(size: float) -> str:
    """``641728512`` -> ``"612 MiB"``: three significant digits, 1024-based units as memray prints."""
    for unit, factor in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if abs(size) >= factor:
            return f"{_significant(size / factor)} {unit}"
    return f"{round(size)} B"


def _significant(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")
