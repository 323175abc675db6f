"""Checks of a gate's arguments: a TypeError or ValueError that names the method and the argument."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any


def describe(fn: object) -> str:
    """``module.qualname`` of a function (``<lambda>`` included), else its repr."""
    qualname = getattr(fn, "__qualname__", None)
    module = getattr(fn, "__module__", None)
    if isinstance(qualname, str):
        return f"{module}.{qualname}" if isinstance(module, str) else qualname
    return repr(fn)


def function(method: str, name: str, value: object) -> Callable[..., Any]:
    __tracebackhide__ = True
    if not callable(value):
        raise TypeError(f"{method}: {name} must be callable, not {value!r}")
    return value


def number(
    method: str, name: str, value: object, *, above: float | None = None, least: float | None = None
) -> float:
    """A finite real number, greater than ``above`` or at least ``least``."""
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{method}: {name} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{method}: {name} must be finite, not {value!r}")
    if above is not None and not number > above:
        raise ValueError(f"{method}: {name} must be greater than {above:g}, not {value!r}")
    if least is not None and not number >= least:
        raise ValueError(f"{method}: {name} must be at least {least:g}, not {value!r}")
    return number


def whole(method: str, name: str, value: object, *, least: int, why: str = "") -> int:
    """An integer of at least ``least`` (``why``: said in the error)."""
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{method}: {name} must be a whole number, not {value!r}")
    if int(value) < least:
        because = f" ({why})" if why else ""
        raise ValueError(f"{method}: {name} must be at least {least}{because}, not {value!r}")
    return int(value)


def choice(method: str, name: str, value: object, choices: tuple[str, ...]) -> str:
    __tracebackhide__ = True
    if value not in choices:
        options = " or ".join(repr(option) for option in choices)
        raise ValueError(f"{method}: {name} must be {options}, not {value!r}")
    return str(value)


def positive_or_none(method: str, name: str, value: object) -> float | None:
    """None, or a finite number greater than zero."""
    __tracebackhide__ = True
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{method}: {name} must be a number, not {value!r}")
    if not (float(value) > 0 and math.isfinite(value)):
        raise ValueError(f"{method}: {name} must be a finite number greater than zero, not {value!r}")
    return float(value)
