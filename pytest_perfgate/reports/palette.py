"""The colours of the verdicts, one palette for every chart and page (reports and history)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: verdict -> colour of its bars, points and text.
VERDICT_COLOURS: Mapping[str, str] = MappingProxyType(
    {"pass": "#2e7d32", "fail": "#c62828", "warn": "#e67e00", "not-measured": "#8a8a8a"}
)

#: The palette as CSS custom properties (``var(--verdict-fail)``), for a page's ``<style>``.
CSS_VARIABLES = (
    ":root { "
    + " ".join(f"--verdict-{verdict}: {colour};" for verdict, colour in VERDICT_COLOURS.items())
    + " }\n"
)


def colour_of(verdict: str) -> str:
    """The colour of a verdict (an unknown one is drawn as not measured)."""
    return VERDICT_COLOURS.get(verdict, VERDICT_COLOURS["not-measured"])
