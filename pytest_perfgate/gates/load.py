"""What a gate beyond one call saw of the machine while it measured: cores, other processes' CPU use,
and the time its code waited for a CPU because of them (the run-queue wait, taken out as the time
gate does)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..measure.contention import CONTENDED, Span, cpu_busy_s


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def busy_time(span: Span, crowd: float = 1.0) -> float:
    """The seconds of ``span`` had no other process wanted its CPU: wall less the run-queue wait.

    ``crowd`` is how many of the gate's own workers share each core (above 1 only when there are
    more workers than cores): the wait they cause each other is the code's, so it stays in (as the
    CPU time the others ran meanwhile). Never below the span's CPU time; the wall time where the
    wait is unknown.
    """
    if span.waited_s is None:
        return span.wall_s
    cpu = span.cpu_s or 0.0
    own = cpu * max(0.0, crowd - 1.0)
    kept = min(span.wall_s, span.wall_s - span.waited_s + own)
    return max(kept, min(cpu, span.wall_s), span.wall_s * 1e-3)


@dataclass(frozen=True)
class Load:
    """The machine during a gate's measurement."""

    cores: int
    wall_s: float = 0.0
    #: Cores' worth of CPU that other processes used meanwhile (None where the platform does not tell).
    others_cores: float | None = None
    #: Seconds the code was timed, and of those, seconds it waited for a CPU other processes had
    #: (None where the kernel does not report the wait).
    timed_s: float = 0.0
    waited_s: float | None = None

    @property
    def factor(self) -> float:
        """How much longer the timed stretches took because other processes had the CPU (>= 1)."""
        if not self.waited_s or self.timed_s <= 0:
            return 1.0
        return self.timed_s / max(self.timed_s - self.waited_s, self.timed_s * 1e-3)

    @property
    def busy(self) -> bool:
        return self.factor > CONTENDED

    def text(self, who: str = "the code") -> str:
        """ "2 cores; other processes used 1.6 cores and kept the workers from a CPU 38% of the time"."""
        cores = f"{self.cores} core{'s' if self.cores != 1 else ''}"
        if self.others_cores is not None:
            used = f"other processes used {self.others_cores:.2f} cores"
        else:
            used = f"load average {_load_average()}"
        if self.waited_s is None:
            return f"{cores}; {used}; the wait for a CPU is not known here (judged on wall time)"
        share = self.waited_s / self.timed_s if self.timed_s > 0 else 0.0
        return f"{cores}; {used} and kept {who} waiting for a CPU {share:.0%} of the time (taken out)"

    def figures(self) -> dict[str, Any]:
        """The figures for ``Record.extra``: cores, others' cores, wait share and contention factor."""
        figures: dict[str, Any] = {"cores": self.cores, "contention": round(self.factor, 4)}
        if self.others_cores is not None:
            figures["others_cores"] = round(self.others_cores, 3)
        if self.waited_s is not None and self.timed_s > 0:
            figures["waited_share"] = round(self.waited_s / self.timed_s, 4)
        return figures


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


class LoadWatch:
    """Watches the machine over a measurement: ``start()``, then ``stop(...)`` gives its :class:`Load`."""

    def __init__(self, cores: int | None = None) -> None:
        self.cores = cores or available_cores()
        self._start = 0.0
        self._busy: float | None = None
        self._own = 0.0

    def start(self) -> None:
        self._busy = cpu_busy_s()
        self._own = time.process_time()
        self._start = time.perf_counter()

    def stop(self, timed: Iterable[tuple[Span, float]], elsewhere_cpu_s: float = 0.0) -> Load:
        """The load, from the ``(span, busy seconds)`` of every timed stretch.

        ``elsewhere_cpu_s``: CPU time the measurement used outside this process (worker processes).
        """
        wall = time.perf_counter() - self._start
        own = time.process_time() - self._own + elsewhere_cpu_s
        busy = cpu_busy_s()
        others = None
        if busy is not None and self._busy is not None and wall > 0:
            others = max(0.0, (busy - self._busy - own) / wall)
        pairs = list(timed)
        timed_s = sum(span.wall_s for span, _ in pairs)
        known = all(span.waited_s is not None for span, _ in pairs)
        waited = sum(span.wall_s - kept for span, kept in pairs) if known and pairs else None
        return Load(self.cores, wall, others, timed_s, waited)
