"""pytest-perfgate: performance budgets as ordinary pass/fail tests.

PYTEST_DONT_REWRITE: the plugin reports through its own messages, not assert statements.
"""

from __future__ import annotations

from .config.markers import budget
from .config.targets import PERFORMANCE_TARGETS, Budget
from .quantities import parse_memory, parse_time
from .record import Record

__all__ = ["PERFORMANCE_TARGETS", "Budget", "Record", "budget", "parse_memory", "parse_time"]
