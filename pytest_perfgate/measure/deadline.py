"""The time one test's time verdict may take (``--perfgate-max-time``), shared by every stage."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Deadline:
    """Ends ``max_time`` seconds after it is made (by ``clock``)."""

    max_time: float
    clock: Callable[[], float] = time.perf_counter
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    @property
    def at(self) -> float:
        return self.start + self.max_time

    def remaining(self) -> float:
        """Seconds left (negative once the deadline has passed)."""
        return self.at - self.clock()

    def spent(self) -> bool:
        return self.remaining() <= 0

    def fits(self, per_round: float, reserve: float = 0.0) -> int:
        """How many rounds of ``per_round`` seconds end before the deadline (keeping ``reserve``)."""
        left = self.remaining() - reserve
        return max(0, math.floor(left / max(per_round, 1e-9))) if left > 0 else 0

    def rounds(self, per_round: float, wanted: int) -> int:
        """Rounds to take of the ``wanted``: those that fit, and one while any time is left.

        So the deadline is overrun by at most one round; once it has passed, none.
        """
        if self.spent():
            return 0
        return max(1, min(wanted, self.fits(per_round)))
