"""Machine speed: time budgets scaled by ``reference_score`` / this machine's score, measured once per
session (each xdist worker), on top of ``scale``."""

from __future__ import annotations

from .settings import Settings

#: Seconds spent measuring the machine score at the start of a session.
SESSION_SCORE_S = 0.2


def machine_factor(reference_score: float, score: float) -> float:
    """The factor on time budgets for a machine with ``score``, budgets written at ``reference_score``."""
    if not score > 0:
        raise ValueError(f"machine score {score!r} must be greater than zero")
    return reference_score / score


def time_scale(settings: Settings) -> tuple[float, float | None]:
    """``scale`` x the machine factor, and the machine score (measured now when ``reference_score`` is set).

    ``perfgate calibrate`` on the machine the budgets were written on prints its score, which goes
    into ``[tool.perfgate] reference_score``; a machine half as fast gets budgets twice as long.
    """
    if settings.reference_score is None or settings.mode == "off":
        return settings.scale, None
    from ..measure.contention import machine_score  # the probe loads only when it is needed

    score = machine_score(SESSION_SCORE_S)
    return settings.scale * machine_factor(settings.reference_score, score), score


def header_lines(settings: Settings, score: float | None) -> list[str]:
    """The header line on machine speed, when budgets are scaled by it."""
    if score is None or settings.reference_score is None:
        return []
    factor = machine_factor(settings.reference_score, score)
    return [
        f"perfgate: machine score {score:.0f} (reference {settings.reference_score:g}): "
        f"time budgets x{factor:.3g} for machine speed, x{settings.scale:g} scale"
    ]
