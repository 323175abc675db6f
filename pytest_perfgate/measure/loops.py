"""Timed loops outside pytest-benchmark: batches of calls long enough to be far above timer resolution."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any


def time_loop(call: Callable[[], Any], iterations: int) -> float:
    """Wall seconds of ``iterations`` back-to-back calls."""
    loop = range(iterations)
    start = time.perf_counter()
    for _ in loop:
        call()
    return time.perf_counter() - start


def autorange(call: Callable[[], Any], target_s: float, limit: int = 10**7) -> tuple[int, float]:
    """The number of calls whose loop lasts at least ``target_s``, and that loop's seconds.

    The first call (a warm-up) is timed alone; one call longer than the target needs no more.
    """
    iterations = 1
    while True:
        elapsed = time_loop(call, iterations)
        if elapsed >= target_s or iterations >= limit:
            return iterations, elapsed
        growth = target_s / elapsed * 1.2 if elapsed > 0 else 10.0
        iterations = min(limit, max(iterations + 1, math.ceil(iterations * min(10.0, max(2.0, growth)))))
