"""The ``performance`` marker, the ``budget`` decorator, and a test's budget resolved from them."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path

import pytest

from ..quantities import parse_instructions, parse_memory, parse_time
from .patterns import TestPattern
from .settings import STATS, Settings
from .targets import DEFAULT_MEMORY_TARGET, Budget, ResolvedBudget

MARKER = "performance"


def performance(
    target: str | None = None,
    *,
    time: str | float | None = None,
    memory: str | int | None = None,
    stat: str | None = None,
    instructions: str | int | None = None,
) -> None:
    """Hold the test to a performance budget: a row of the targets table, with time/memory/stat overrides.

    ``instructions`` (e.g. "25M", 1000-based K/M/G) is judged in ``--perfgate-measure=instructions``.

    Its signature is the marker's: arguments are bound to it, so a wrong one is a clear error.
    """


def marker_help() -> str:
    """The ``pytest --markers`` line, generated from the real signature."""
    parameters = []
    for parameter in inspect.signature(performance).parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in parameters:
            parameters.append("*")
        parameters.append(f"{parameter.name}={parameter.default!r}")
    summary = (performance.__doc__ or "").strip().splitlines()[0]
    return f"{MARKER}({', '.join(parameters)}): {summary}"


def _validated(
    target: object, time: object, memory: object, stat: object, instructions: object = None
) -> tuple[str | None, float | None, int | None, str | None, int | None]:
    if target is not None and not isinstance(target, str):
        raise ValueError(f"target must be a target name, not {target!r}")
    if stat is not None and stat not in STATS:
        raise ValueError(f"stat {stat!r} is not one of {', '.join(STATS)}")
    seconds = None if time is None else parse_time(time)  # type: ignore[arg-type]
    size = None if memory is None else parse_memory(memory)  # type: ignore[arg-type]
    count = None if instructions is None else _instructions(instructions)
    return target, seconds, size, stat, count


def _instructions(value: object) -> int:
    try:
        return parse_instructions(value)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValueError(f"instructions {error}") from None


def budget(
    target: str | None = None,
    *,
    time: str | float | None = None,
    memory: str | int | None = None,
    stat: str | None = None,
    instructions: str | int | None = None,
) -> pytest.MarkDecorator:
    """``@budget("strategy_creation")``, ``@budget(time="2ms")``: the performance marker, validated now.

    Works on functions, classes and as ``pytestmark``.
    """
    _validated(target, time, memory, stat, instructions)
    given = (("time", time), ("memory", memory), ("stat", stat), ("instructions", instructions))
    kwargs = {key: value for key, value in given if value is not None}
    args = () if target is None else (target,)
    decorator: pytest.MarkDecorator = pytest.mark.performance(*args, **kwargs)
    return decorator


def _unknown_target(name: str, targets: Mapping[str, Budget]) -> ValueError:
    return ValueError(f"unknown target {name!r}; known targets: {', '.join(sorted(targets))}")


def _no_budget() -> ValueError:
    """Only a marker naming no budget can leave a test without one (every target row holds one)."""
    return ValueError(
        f"no budget of any kind: the marker names no target, time or memory, and the "
        f"{DEFAULT_MEMORY_TARGET!r} target gives no memory budget"
    )


def resolve(item: pytest.Item, settings: Settings, time_scale: float) -> ResolvedBudget | None:
    """The test's gate from its marker or a ``[tool.perfgate.tests]`` pattern; None if it has neither.

    A marker that names a budget (a target, a time or a memory) wins over any pattern. A marker
    that names none (a bare ``@pytest.mark.performance``, or one with only ``stat``) takes its
    budget from the longest matching pattern, if there is one. Raises ValueError naming the bad
    argument or target, or saying that the test has no budget of any kind.
    """
    marker = item.get_closest_marker(MARKER)
    targets = settings.targets
    target: str | None = None
    time: float | None = None
    memory: int | None = None
    stat: str | None = None
    instructions: int | None = None
    if marker is not None:
        try:
            bound = inspect.signature(performance).bind(*marker.args, **marker.kwargs)
        except TypeError as error:
            raise ValueError(f"@pytest.mark.{MARKER}: {error}") from None
        target, time, memory, stat, instructions = _validated(
            *(bound.arguments.get(name) for name in ("target", "time", "memory", "stat", "instructions"))
        )
        origin = "marker"
    pattern = None if target or time or memory or instructions else settings.pattern_for(item.nodeid)
    if pattern is not None:
        target = pattern.target
        time = pattern.budget.time if pattern.budget else None
        memory = pattern.budget.memory if pattern.budget else None
        instructions = pattern.budget.instructions if pattern.budget else None
        origin = "pattern" if marker is None else "marker"
    elif marker is None:
        return None
    if target is not None and target not in targets:
        raise _unknown_target(target, targets)
    source = pattern_source(pattern) if pattern is not None else None
    resolved = budget_for(settings, time_scale, target, time, memory, stat, origin, source, instructions)
    if resolved.time is None and resolved.memory is None and resolved.instructions is None:
        raise _no_budget()
    return resolved


def pattern_source(pattern: TestPattern) -> str:
    """A pattern as a budget's source: ``pattern "tests/x.py::*" (pyproject.toml:67)``, after its target."""
    where = pattern.source
    if pattern.path:
        where = Path(pattern.path).name + (f":{pattern.line}" if pattern.line is not None else "")
    text = f'pattern "{pattern.pattern}" ({where})'
    return f"{pattern.target} via {text}" if pattern.target else text


def pattern_marker(settings: Settings, nodeid: str) -> pytest.MarkDecorator:
    """The ``performance`` marker for a test matched by a pattern, carrying that pattern's budget."""
    pattern = settings.pattern_for(nodeid)
    budget = pattern.budget if pattern else None
    kwargs = (
        {}
        if budget is None
        else {"time": budget.time, "memory": budget.memory, "instructions": budget.instructions}
    )
    args = () if pattern is None or pattern.target is None else (pattern.target,)
    decorator: pytest.MarkDecorator = pytest.mark.performance(
        *args, **{key: value for key, value in kwargs.items() if value is not None}
    )
    return decorator


def budget_for(
    settings: Settings,
    time_scale: float,
    target: str | None = None,
    time: float | None = None,
    memory: int | None = None,
    stat: str | None = None,
    origin: str = "fixture",
    source: str | None = None,
    instructions: int | None = None,
) -> ResolvedBudget:
    """Fill in the target's row and the defaults: explicit values, then the row, then memory_usage.

    ``source`` names where the budget came from (default: the target row, else the marker).
    """
    row = settings.targets.get(target) if target else None
    default_memory = settings.targets.get(DEFAULT_MEMORY_TARGET)
    time = time if time is not None else (row.time if row else None)
    memory = memory if memory is not None else (row.memory if row else None)
    explicit = memory is not None
    instructions = instructions if instructions is not None else (row.instructions if row else None)
    if memory is None and default_memory is not None:
        memory = default_memory.memory
    if source is None:
        source = target or ("marker" if origin == "marker" else DEFAULT_MEMORY_TARGET)
    return ResolvedBudget(
        target=target,
        time=None if time is None else time * time_scale,
        memory=memory,
        stat=stat or settings.stat,
        origin=origin,
        time_scale=time_scale,
        source=source,
        memory_explicit=explicit,
        instructions=instructions,
    )
