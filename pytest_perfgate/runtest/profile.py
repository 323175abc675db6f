"""Why a test is slow: a cProfile of one more call, taken after the verdict, in the record and the report.

``--perfgate-profile=fail`` (the default) profiles a test whose time is over budget (failed, or
warned in warn mode); ``always`` profiles every measured performance test; ``off`` never. What can
be profiled depends on how the test was measured:

- the ``perfgate`` fixture: one more call of the measured function under cProfile, after the timed
  rounds and the verdict (so it never touches them);
- pytest-benchmark's ``benchmark`` fixture: its function cannot be called again, so the profile is
  pytest-benchmark's own (``--benchmark-cprofile``) when there is one, else a note says how to get it;
- the test body measured as one call: the body cannot be run again; a note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from ..measure.profile import PROFILE_ROWS, format_rows, profile_call, rows_from_stats
from ..record import FAIL, WARN, Record
from . import session as keys

#: The heading of the report section that carries the profile.
SECTION = "perfgate profile"

#: What the perfgate fixture measured: a callable giving (fn, args, kwargs) for one more call.
Prepare = Callable[[], tuple[Callable[..., Any], Sequence[Any], Mapping[str, Any]]]


def wants_profile(item: pytest.Item, record: Record) -> bool:
    """Whether the ``profile`` setting asks for a profile of this test's record."""
    settings = item.config.stash[keys.SETTINGS]
    if settings.profile == "off" or settings.mode == "off":
        return False
    if settings.profile == "always":
        return True
    time = record.time
    over = time is not None and time.ratio is not None and time.ratio > 1
    return over and record.verdict in (FAIL, WARN)


def _heading(what: str, rows: Sequence[Mapping[str, Any]]) -> str:
    return f"{what}: the {len(rows)} functions with the most cumulative time"


def _with_rows(item: pytest.Item, record: Record, what: str, rows: list[dict[str, Any]]) -> Record:
    item.stash[keys.PROFILE_SECTION] = "\n".join([_heading(what, rows), *format_rows(rows)])
    return replace(record, profile=rows)


def _with_note(item: pytest.Item, record: Record, note: str) -> Record:
    item.stash[keys.PROFILE_SECTION] = note
    return replace(record, notes=[*record.notes, note])


def profile_fixture_call(item: pytest.Item, record: Record, prepare: Prepare) -> Record:
    """The perfgate fixture's test: profile one more call of its function when the setting asks."""
    if not wants_profile(item, record):
        return record
    try:
        fn, args, kwargs = prepare()
        rows = profile_call(fn, args, kwargs, item.config.rootpath, PROFILE_ROWS)
    except Exception as error:
        return _with_note(
            item, record, f"no profile: the profiled call raised {type(error).__name__}: {error}"
        )
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return _with_rows(item, record, f"cProfile of one more call of {name} (after the timed rounds)", rows)


def profile_benchmark_test(item: pytest.Item, record: Record, benchmark: Any) -> Record:
    """A ``benchmark`` fixture's test: pytest-benchmark's own profile, if it took one."""
    if not wants_profile(item, record):
        return record
    stats = getattr(getattr(benchmark, "stats", None), "cprofile_stats", None)
    if stats is None:
        return _with_note(
            item,
            record,
            "no profile: pytest-benchmark's benchmark fixture cannot call the function again "
            "(run with --benchmark-cprofile=cumtime, or measure with the perfgate fixture)",
        )
    rows = rows_from_stats(stats, item.config.rootpath, PROFILE_ROWS)
    return _with_rows(item, record, "cProfile taken by pytest-benchmark (--benchmark-cprofile)", rows)


def note_body_test(item: pytest.Item, record: Record) -> Record:
    """A test measured as one call of its body: it cannot be run again, so there is no profile."""
    if not wants_profile(item, record):
        return record
    return _with_note(
        item,
        record,
        "no profile: the test body was measured as one call and cannot be run again "
        "(measure the slow call with the perfgate fixture)",
    )


def with_section(item: pytest.Item, report: pytest.TestReport) -> pytest.TestReport:
    """The call report with the profile (or why there is none) under the ``perfgate profile`` heading."""
    text = item.stash.get(keys.PROFILE_SECTION, None)
    if report.when == "call" and text:
        report.sections.append((SECTION, text))
    return report
