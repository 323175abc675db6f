"""Round times through pytest-benchmark's fixture (its calibration, marker options and flags apply)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Timing:
    """Seconds per call of each round, and how they were taken."""

    data: Sequence[float]
    method: str
    traced: bool = False


def _disabled_reason(config: pytest.Config) -> str:
    if config.getoption("benchmark_disable", False) and not config.getoption("benchmark_enable", False):
        return "pytest-benchmark is disabled (--benchmark-disable)"
    return "pytest-benchmark measured nothing"


def enable_under_xdist(benchmark: Any, config: pytest.Config) -> None:
    """pytest-benchmark turns itself off on xdist workers; perfgate's own measurements turn it back on.

    Only the xdist reason is lifted: ``--benchmark-disable`` is respected.
    """
    if not benchmark.disabled or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if config.getoption("benchmark_disable", False) and not config.getoption("benchmark_enable", False):
        return
    benchmark.disabled = False


def benchmark_timing(benchmark: Any, config: pytest.Config) -> tuple[Timing | None, str]:
    """The rounds pytest-benchmark's fixture took, or None and why there are none."""
    metadata = getattr(benchmark, "stats", None)
    if benchmark.disabled:
        return None, _disabled_reason(config)
    if metadata is None or not metadata.stats.data:
        return None, "the benchmark fixture was not used"
    return Timing(data=list(metadata.stats.data), method="pytest-benchmark"), ""


def run_benchmark(
    benchmark: Any, config: pytest.Config, call: Callable[[], Any]
) -> tuple[Any, Timing | None, str]:
    """Run ``call`` (which drives the fixture) and return its result with the rounds taken."""
    enable_under_xdist(benchmark, config)
    result = call()
    timing, reason = benchmark_timing(benchmark, config)
    return result, timing, reason
