"""Neighbour processes that load every core while a test runs, as other jobs do on a shared CI runner."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Pure-Python arithmetic: takes a core.
CPU_BOUND = """
import time
end = time.monotonic() + {seconds}
while time.monotonic() < end:
    sum(i * i for i in range(10_000))
"""

#: Sorts of a 16 MB array: takes a core and memory bandwidth (pure Python where numpy is missing).
SORTS = """
import time
end = time.monotonic() + {seconds}
try:
    import numpy as np
except ImportError:
    np = None
a = None if np is None else np.random.default_rng(0).random(2_000_000)
while time.monotonic() < end:
    if a is None:
        sum(i * i for i in range(10_000))
    else:
        a = np.sort(a[::-1].copy())
"""


@contextmanager
def neighbours(count: int | None = None, seconds: float = 180.0) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` loader processes (default: one more than the cores), alternately CPU- and memory-bound.

    Each stops by itself after ``seconds``; all are killed and reaped when the block ends.
    """
    count = count or (os.cpu_count() or 1) + 1
    kinds = (CPU_BOUND, SORTS)
    processes = [
        subprocess.Popen([sys.executable, "-c", kinds[index % 2].format(seconds=seconds)])
        for index in range(count)
    ]
    try:
        time.sleep(0.5)  # numpy imported, the array made: loading by now
        yield processes
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait(timeout=30)
