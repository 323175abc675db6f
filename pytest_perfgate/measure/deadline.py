"""The time one test's verdict may take (``--perfgate-max-time``): every call of the function is
checked against it before it starts, so the test ends by it give or take one call."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Deadline:
    """Ends ``max_time`` seconds after it is made (by ``clock``).

    Rounds are planned to end ``calls_after`` calls before it (the calls made after the rounds, such
    as the memory measurement, once a call's time is known); a call beyond the rounds starts only
    while the deadline has not passed. So only one call can run past it.
    """

    max_time: float
    clock: Callable[[], float] = time.perf_counter
    #: Calls made after the rounds, each only while the deadline has not passed (the memory call).
    calls_after: int = 0
    #: Seconds one call takes, once known (0: not yet).
    call_s: float = 0.0
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    @property
    def at(self) -> float:
        return self.start + self.max_time

    @property
    def reserved_s(self) -> float:
        """Seconds kept for the calls after the rounds."""
        return self.calls_after * self.call_s

    def learn(self, call_s: float) -> None:
        """Note how long one call takes (the first figure known is kept)."""
        if self.call_s <= 0 and call_s > 0:
            self.call_s = call_s

    def remaining(self) -> float:
        """Seconds left (negative once the deadline has passed)."""
        return self.at - self.clock()

    def for_rounds(self) -> float:
        """Seconds left for rounds: what remains but the time kept for the calls after them."""
        return self.remaining() - self.reserved_s

    def spent(self) -> bool:
        return self.remaining() <= 0

    def allows_call(self) -> bool:
        """Whether one more call beyond the rounds may start (the deadline has not passed)."""
        return not self.spent()

    def fits(self, per_round: float, reserve: float = 0.0) -> int:
        """How many rounds of ``per_round`` seconds end in the time for rounds (keeping ``reserve``)."""
        left = self.for_rounds() - reserve
        return max(0, math.floor(left / max(per_round, 1e-9))) if left > 0 else 0

    def rounds(self, per_round: float, wanted: int) -> int:
        """Rounds to take of the ``wanted``: those that fit in the time for rounds; if none does, one
        while time for rounds is left and the calls after it can still start before the deadline.

        So only one call runs past the deadline: this round, or else the last call after the rounds.
        """
        fitting = self.fits(per_round)
        if fitting > 0:
            return min(wanted, fitting)
        after = per_round if self.calls_after else 0.0
        return 1 if wanted > 0 and self.for_rounds() > 0 and self.remaining() > after else 0
