"""The two loops every noisy verdict shares: more rounds while in doubt, and fresh attempts to confirm."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

A = TypeVar("A")


def more_rounds(
    in_doubt: Callable[[], bool],
    taken: Callable[[], int],
    fit: Callable[[], int],
    take: Callable[[int], None],
) -> None:
    """Take more rounds, doubling what was ``taken``, while ``in_doubt()`` and as many as ``fit()``."""
    while in_doubt():
        rounds = min(max(taken(), 1), fit())
        if rounds < 1:
            return
        take(rounds)


def confirmed(
    first: A,
    *,
    over: Callable[[A], bool],
    fresh: Callable[[A], A | None],
    times: int,
    extend: Callable[[A], None] | None = None,
    retry: Callable[[A], bool] | None = None,
) -> list[A]:
    """Attempts until one is within its limit: an attempt ``over`` it is followed by a ``fresh`` one,
    ``times`` times at most (a ``retry``, an attempt set aside, does not count), while ``fresh`` can
    make one. Each attempt is ``extend``-ed first (more rounds while in doubt). Every attempt, oldest
    first: the verdict fails only if the last is over too."""
    attempts: list[A] = []
    current, left = first, times
    while True:
        if extend is not None:
            extend(current)
        attempts.append(current)
        if not over(current):
            return attempts
        if retry is None or not retry(current):
            if left < 1:
                return attempts
            left -= 1
        following = fresh(current)
        if following is None:
            return attempts
        current = following
