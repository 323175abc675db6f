"""Records and reports built by hand, for the tests of the report writers and the commands."""

from __future__ import annotations

from typing import Any

from pytest_perfgate.record import MemoryFigures, Record, TimeFigures
from pytest_perfgate.reports.model import Report


def time_figures(value: float, budget: float | None, stat: str = "median", rounds: int = 5) -> TimeFigures:
    data = [value * factor for factor in (0.9, 0.95, 1.0, 1.05, 1.1)][:rounds]
    return TimeFigures(
        stat=stat,
        value_s=value,
        budget_s=budget,
        ratio=None if budget is None else value / budget,
        rounds=len(data),
        min=min(data),
        median=value,
        mean=sum(data) / len(data),
        max=max(data),
        stddev=0.05 * value,
        data=data,
    )


def record(
    nodeid: str,
    verdict: str = "pass",
    *,
    value: float | None = 0.01,
    budget: float | None = 0.1,
    peak: int | None = 1024,
    memory_budget: int | None = 500 * 1024**2,
    **fields: Any,
) -> Record:
    return Record(
        nodeid=nodeid,
        target=fields.pop("target", None),
        verdict=verdict,
        time=None if value is None else time_figures(value, budget),
        memory=MemoryFigures(
            peak,
            memory_budget,
            None if peak is None or memory_budget is None else peak / memory_budget,
            None if peak is None else "memray",
        ),
        **fields,
    )


def sample_report(**fields: Any) -> Report:
    """Four tests, one of each verdict, the failing one with profile rows and allocation sites."""
    tests = (
        record("tests/test_a.py::test_pass", target="ui_response"),
        record(
            "tests/test_a.py::test_fail",
            "fail",
            value=0.25,
            message="perfgate: budget: time median 250 ms > budget 100 ms (2.50x)",
            profile=[
                {
                    "function": "slow_part",
                    "file": "src/app.py",
                    "line": 12,
                    "calls": 3,
                    "total_s": 0.2,
                    "cumulative_s": 0.24,
                }
            ],
            allocations=[{"location": "src/app.py:14", "bytes": 3 * 1024**2, "count": 42}],
        ),
        record("tests/test_b.py::test_warn[a|b]", "warn", value=0.12, peak=600 * 1024**2),
        record(
            "tests/test_b.py::test_unmeasured",
            "not-measured",
            value=None,
            peak=None,
            reason="pytest-benchmark is disabled (--benchmark-disable)",
        ),
    )
    defaults: dict[str, Any] = {
        "tests": tests,
        "settings": {"stat": "median", "mode": "enforce", "scale": 1.0},
        "targets": {"ui_response": {"time_s": 0.1, "memory_bytes": None, "spec": "100 ms"}},
        "machine": {"cpu": "Test CPU", "cores": 2, "python": "3.11.0", "commit": "0" * 40},
        "created": "2026-01-01T00:00:00+00:00",
    }
    defaults.update(fields)
    return Report(**defaults)
