"""Where perfgate keeps its state: ``config.stash`` for the session, ``item.stash`` per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..config.settings import Settings
from ..config.targets import Gate
from ..record import Record

if TYPE_CHECKING:
    from ..measure.contention import ReferenceProbe
    from ..verdict.baseline import Baseline

#: The validated settings, read once in pytest_configure.
SETTINGS = pytest.StashKey[Settings]()
#: The factor applied to every time budget (scale x reference machine factor).
TIME_SCALE = pytest.StashKey[float]()
#: A performance test's resolved budget, set at collection.
GATE = pytest.StashKey[Gate]()
#: The record of the test's measurement, set by whatever measured it, written out after the call.
RECORD = pytest.StashKey[Record]()
#: The memory backend the session measures with (``auto`` resolved), set in pytest_configure.
MEMORY_BACKEND = pytest.StashKey[str]()
#: The text of the ``perfgate profile`` report section (a profile, or why there is none).
PROFILE_SECTION = pytest.StashKey[str]()
#: Messages about ``[tool.perfgate.tests]`` patterns that matched no collected test.
UNMATCHED_PATTERNS = pytest.StashKey[list[str]]()
#: Run-level warnings every report shows (e.g. "times taken while other tests ran"), on the controller.
RUN_WARNINGS = pytest.StashKey[list[str]]()
#: Benchmarks the xdist workers measured and sent to the controller's pytest-benchmark session.
SHIPPED_BENCHMARKS = pytest.StashKey[int]()
#: The reference probe of this process (its baseline is taken at the first measurement).
PROBE: pytest.StashKey[ReferenceProbe] = pytest.StashKey()
#: This machine's score, measured at configure time when ``reference_score`` is set.
MACHINE_SCORE = pytest.StashKey[float]()
#: The report given with ``--perfgate-baseline``.
BASELINE: pytest.StashKey[Baseline] = pytest.StashKey()
