"""Budgets and the targets table: the built-in rows and how other sources override them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from ..quantities import (
    format_instructions,
    format_memory,
    format_time,
    parse_budget_spec,
    parse_instructions,
    parse_memory,
    parse_time,
    split_instructions,
)

__all__ = ["DEFAULT_MEMORY_TARGET", "PERFORMANCE_TARGETS", "Budget", "parse_assignment"]

#: The target whose memory budget holds every performance test without a memory budget of its own.
DEFAULT_MEMORY_TARGET = "memory_usage"
_T = TypeVar("_T")


def _checked(name: str, parse: Callable[[Any], _T], value: object) -> _T:
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(f"{name} {error}") from None


@dataclass(frozen=True, init=False)
class Budget:
    """What a test must stay under: seconds of the compared statistic and/or bytes of peak memory.

    Validated when made, with the rules of every other source: ``Budget(time="20ms")`` and
    ``Budget(time=0.02)`` are the same budget; zero, negative, NaN or infinite values are a ValueError.
    ``instructions`` is an instruction count (``"25M"``), judged in instructions mode.
    """

    time: float | None
    memory: int | None
    instructions: int | None = None

    def __init__(
        self,
        time: float | str | None = None,
        memory: int | float | str | None = None,
        instructions: int | float | str | None = None,
    ) -> None:
        seconds = None if time is None else _checked("time", parse_time, time)
        size = None if memory is None else _checked("memory", parse_memory, memory)
        count = None if instructions is None else _checked("instructions", parse_instructions, instructions)
        if seconds is None and size is None and count is None:
            raise ValueError("a budget needs a time, a memory, or both (or an instruction count)")
        object.__setattr__(self, "time", seconds)
        object.__setattr__(self, "memory", size)
        object.__setattr__(self, "instructions", count)

    @classmethod
    def parse(cls, value: object) -> Budget:
        """A budget from ``"300s, 500MB"``, a number of seconds, or ``{time = ..., memory = ...}``."""
        if isinstance(value, Budget):
            return value
        if isinstance(value, Mapping):
            unknown = set(value) - {"time", "memory", "instructions"}
            if unknown:
                names = sorted(map(str, unknown))
                raise ValueError(
                    f"{dict(value)!r} has unknown keys {names}; use time, memory and instructions"
                )
            if all(value.get(key) is None for key in ("time", "memory", "instructions")):
                raise ValueError(f"{dict(value)!r} gives neither a time nor a memory (nor instructions)")
            return cls(
                time=value.get("time"), memory=value.get("memory"), instructions=value.get("instructions")
            )
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            rest, count = split_instructions(value)
            seconds, size = parse_budget_spec(rest) if rest != "" else (None, None)
            return cls(time=seconds, memory=size, instructions=count)
        raise ValueError(f"{value!r} is not a budget: give a spec such as '300s, 500MB'")

    def __str__(self) -> str:
        parts = []
        if self.time is not None:
            parts.append(format_time(self.time))
        if self.memory is not None:
            parts.append(format_memory(self.memory))
        if self.instructions is not None:
            parts.append(format_instructions(self.instructions))
        return ", ".join(parts)


PERFORMANCE_TARGETS: Mapping[str, Budget] = MappingProxyType(
    {
        "strategy_creation": Budget(time=0.100),
        "trigger_validation": Budget(time=0.050),
        "backtest_1year": Budget(time=300.0),
        "ui_response": Budget(time=0.100),
        "memory_usage": Budget(memory=500 * 1024**2),
    }
)


def parse_assignment(text: str) -> tuple[str, str]:
    """``"name = spec"`` -> ``("name", "spec")``; the name may be quoted (a node-id pattern)."""
    name, sep, spec = text.rpartition("=")
    name = name.strip().strip("\"'")
    spec = spec.strip().strip("\"'")
    if not sep or not name or not spec:
        raise ValueError(f"{text!r} is not of the form 'name = spec'")
    return name, spec


def parse_table(rows: Iterable[tuple[str, object]], source: str) -> dict[str, Budget]:
    """Budgets from (name, spec) rows, each error naming the source and the row."""
    table: dict[str, Budget] = {}
    for name, spec in rows:
        try:
            table[name] = Budget.parse(spec)
        except ValueError as error:
            raise ValueError(f"{source}: target {name!r}: {error}") from None
    return table


@dataclass(frozen=True)
class ResolvedBudget:
    """A test's resolved budget: its target, the scaled time budget, the memory budget, the statistic."""

    target: str | None
    time: float | None
    memory: int | None
    stat: str
    origin: str  # "marker", "pattern" or "fixture": where the test's budget came from
    time_scale: float = 1.0  # the factor already applied to ``time``
    #: Where the budget came from, for messages: the target row, ``pattern "..." (file:line)``, ``marker``.
    source: str = "budget"
    #: The memory budget was set for this test (marker, pattern or target row), not taken from the default.
    memory_explicit: bool = True
    instructions: int | None = None  # judged in instructions mode

    def label(self) -> str:
        return self.target or "budget"
