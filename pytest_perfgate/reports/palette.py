"""The colours of the verdicts, one palette for every chart and page (reports and history)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: verdict -> colour of its bars, points and text.
VERDICT_COLOURS: Mapping[str, str] = MappingProxyType(
    {"pass": "#2e7d32", "fail": "#c62828", "warn": "#e67e00", "not-measured": "#8a8a8a"}
)

#: What the reports show beside the verdicts (pytest's expected failures and passes, skips): colours
#: apart from pass and fail, as neither is a failure of the run nor an ordinary pass.
OUTCOME_COLOURS: Mapping[str, str] = MappingProxyType(
    {"xfail": "#5e60ce", "xpass": "#00838f", "skip": "#b0a48a"}
)

#: Every colour a report draws, by what it shows (see ``reports.outcome.SHOWN``).
SHOWN_COLOURS: Mapping[str, str] = MappingProxyType({**VERDICT_COLOURS, **OUTCOME_COLOURS})

#: The palette as CSS custom properties (``var(--verdict-fail)``), for a page's ``<style>``.
CSS_VARIABLES = (
    ":root { "
    + " ".join(f"--verdict-{verdict}: {colour};" for verdict, colour in SHOWN_COLOURS.items())
    + " }\n"
)


def colour_of(verdict: str) -> str:
    """The colour of a verdict or shown outcome (an unknown one is drawn as not measured)."""
    return SHOWN_COLOURS.get(verdict, VERDICT_COLOURS["not-measured"])
