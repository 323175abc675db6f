"""pytest-perfgate: performance budgets as ordinary pass/fail tests."""

from __future__ import annotations

from .markers import budget
from .quantities import parse_memory, parse_time
from .record import Record
from .targets import PERFORMANCE_TARGETS, Budget

__all__ = ["PERFORMANCE_TARGETS", "Budget", "Record", "budget", "parse_memory", "parse_time"]
