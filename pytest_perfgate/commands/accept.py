"""``perfgate history --accept [--test PATTERN] [--db URL]``: a step up is the tests' new normal.

The history check then judges later runs against the accepted level (see the internals page)."""

from __future__ import annotations

from collections.abc import Sequence

from ..history.context import utc_now
from ..history.levels import LOOKBACK, Series, judge_series, memory_series, time_series
from ..history.redact import redact
from ..history.store import HistoryError, Run, Store, open_store
from ..history.trends import THRESHOLD
from ..quantities import format_memory, format_time
from .common import CommandError


def _series(nodeid: str, runs: Sequence[Run]) -> Series:
    """The figure the check judges: the time statistic of the test's latest run, else memory."""
    stats = [result.stat for run in runs for result in run.results if result.nodeid == nodeid]
    stat = next((stat for stat in reversed(stats) if stat), None)
    series = time_series(nodeid, runs, stat) if stat else None
    return series if series and series.values else memory_series(nodeid, runs)


def open_steps(store: Store, nodeid: str, runs: Sequence[Run]) -> list[str]:
    """One line per kind of machine on which the test's latest level is an open step up."""
    kinds: dict[tuple[str | None, int | None], list[Run]] = {}
    for run in runs:
        kinds.setdefault((run.machine.cpu, run.machine.cores), []).append(run)
    accepted = store.accepted(nodeid)
    lines = []
    for (cpu, cores), kind in kinds.items():
        series = _series(nodeid, kind)
        if not series.values:
            continue
        # A next run at the latest level: it would fail the check if that level is an open step up.
        step = judge_series(series, accepted, THRESHOLD, series.values[-1]).regression
        if step is None:
            continue
        show = format_time if series.figure == "time" else format_memory
        machine = f" on {cpu or 'an unknown CPU'} x{cores or '?'}" if len(kinds) > 1 else ""
        lines.append(
            f"  {nodeid}: {series.label} {show(step.before)} -> {show(step.after)} ({step.ratio:.2f}x) "
            f"since {series.runs[min(step.index, len(series.runs) - 1)].label()}{machine}"
        )
    return lines


def accept(location: str, pattern: str | None) -> int:
    """Accept the level of every test matching ``pattern`` as of its latest run; print the steps."""
    try:
        with open_store(location) as store:
            runs = store.runs(pattern, LOOKBACK, rounds=True)
            latest: dict[str, int] = {}
            for run in runs:
                for result in run.results:
                    latest[result.nodeid] = run.id or 0
            if not latest:
                what = f"no test matching {pattern!r}" if pattern else "no runs"
                raise CommandError(f"{what} in {redact(location)}: nothing to accept")
            lines = [line for nodeid in sorted(latest) for line in open_steps(store, nodeid, runs)]
            store.accept(sorted(latest.items()), utc_now())
    except HistoryError as error:
        raise CommandError(str(error)) from None
    tests = f"{len(latest)} test" + ("s" if len(latest) != 1 else "")
    print(f"perfgate history: accepted the level of {tests} as of their latest run in {redact(location)}")
    if lines:
        print("steps up accepted as the new normal:")
        for line in lines:
            print(line)
    else:
        print("none of them is at a step up now; a step up found later is judged as before")
    return 0
