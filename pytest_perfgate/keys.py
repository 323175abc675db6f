"""Where perfgate keeps its state: ``config.stash`` for the session, ``item.stash`` per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .record import Record
from .settings import Settings
from .targets import Gate

if TYPE_CHECKING:
    from .baseline import Baseline
    from .measure.contention import ReferenceProbe

#: The validated settings, read once in pytest_configure.
SETTINGS = pytest.StashKey[Settings]()
#: The factor applied to every time budget (scale x reference machine factor).
TIME_SCALE = pytest.StashKey[float]()
#: A performance test's resolved budget, set at collection.
GATE = pytest.StashKey[Gate]()
#: The record of the test's measurement, set by whatever measured it, written out after the call.
RECORD = pytest.StashKey[Record]()
#: The reference probe of this process (its baseline is taken at the first measurement).
PROBE: pytest.StashKey[ReferenceProbe] = pytest.StashKey()
#: This machine's score, measured at configure time when ``reference_score`` is set.
MACHINE_SCORE = pytest.StashKey[float]()
#: The report given with ``--perfgate-baseline``.
BASELINE: pytest.StashKey[Baseline] = pytest.StashKey()
