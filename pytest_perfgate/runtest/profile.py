"""Why a test is slow: a cProfile of one more call, taken after the timed rounds, for its record and the
``perfgate profile`` report section (``--perfgate-profile=fail|always|off``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from ..config.settings import Settings
from ..measure.profile import PROFILE_ROWS, format_rows, profile_call, rows_from_stats
from .session import TEST, call_allowed, state

#: The heading of the report section that carries the profile.
SECTION = "perfgate profile"

#: What the perfgate fixture measured: a callable giving (fn, args, kwargs) for one more call.
Prepare = Callable[[], tuple[Callable[..., Any], Sequence[Any], Mapping[str, Any]]]


@dataclass(frozen=True)
class Profile:
    """The profile rows for the record, or a note saying why there are none."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


NONE = Profile()


def wants_profile(settings: Settings, over_time: bool) -> bool:
    """Whether the ``profile`` setting asks for a profile: ``always``, or ``fail`` and over budget."""
    if settings.profile == "off" or settings.mode == "off":
        return False
    return settings.profile == "always" or over_time


def _heading(what: str, rows: Sequence[Mapping[str, Any]]) -> str:
    return f"{what}: the {len(rows)} functions with the most cumulative time"


def _with_rows(item: pytest.Item, what: str, rows: list[dict[str, Any]]) -> Profile:
    state(item).profile_section = "\n".join([_heading(what, rows), *format_rows(rows)])
    return Profile(rows=rows)


def _with_note(item: pytest.Item, note: str) -> Profile:
    state(item).profile_section = note
    return Profile(note=note)


def fixture_call(item: pytest.Item, prepare: Prepare) -> Profile:
    """The perfgate fixture's test: one more call of its function under cProfile (within its deadline)."""
    why = call_allowed(item, "a profiled call")
    if why:
        return _with_note(item, f"no profile: {why}")
    try:
        fn, args, kwargs = prepare()
        rows = profile_call(fn, args, kwargs, item.config.rootpath, PROFILE_ROWS)
    except Exception as error:
        return _with_note(item, f"no profile: the profiled call raised {type(error).__name__}: {error}")
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return _with_rows(item, f"cProfile of one more call of {name} (after the timed rounds)", rows)


def benchmark_test(item: pytest.Item, benchmark: Any) -> Profile:
    """A ``benchmark`` fixture's test: pytest-benchmark's own profile, if it took one."""
    stats = getattr(getattr(benchmark, "stats", None), "cprofile_stats", None)
    if stats is None:
        return _with_note(
            item,
            "no profile: pytest-benchmark's benchmark fixture cannot call the function again "
            "(run with --benchmark-cprofile=cumtime, or measure with the perfgate fixture)",
        )
    rows = rows_from_stats(stats, item.config.rootpath, PROFILE_ROWS)
    return _with_rows(item, "cProfile taken by pytest-benchmark (--benchmark-cprofile)", rows)


def body_test(item: pytest.Item) -> Profile:
    """A test measured as one call of its body: it cannot be run again, so there is no profile."""
    return _with_note(
        item,
        "no profile: the test body was measured as one call and cannot be run again "
        "(measure the slow call with the perfgate fixture)",
    )


def with_section(item: pytest.Item, report: pytest.TestReport) -> pytest.TestReport:
    """The call report with the profile (or why there is none) under the ``perfgate profile`` heading."""
    found = item.stash.get(TEST, None)
    text = None if found is None else found.profile_section
    if report.when == "call" and text:
        report.sections.append((SECTION, text))
    return report
