"""The JSON report (``--perfgate-json``), written atomically; :mod:`.reader` reads it back."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .files import write_atomically
from .model import Report


def dumps(report: Report) -> str:
    """The report as JSON text (non-finite numbers become null, so any JSON reader can load it)."""
    return json.dumps(_finite(report.to_dict()), indent=2, allow_nan=False) + "\n"


def write_report(path: Path, report: Report) -> None:
    """Write the report to ``path`` atomically (raises ``ReportPathError`` naming the path)."""
    write_atomically(path, dumps(report))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
