"""Small readers shared by the plugin's tests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    """testcase name -> {property name: value} of a junit XML file."""
    cases: dict[str, dict[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        cases[case.get("name", "")] = {
            prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")
        }
    return cases


def search_output(output: str, pattern: str) -> re.Match[str]:
    """The first match of a regular expression in a run's output; fails with the output if none."""
    match = re.search(pattern, output, re.MULTILINE)
    assert match is not None, f"{pattern!r} not found in:\n{output}"
    return match


def without_contention(notes: list[str]) -> list[str]:
    """A record's notes less the ``contention:`` note that a busy machine adds to any measurement."""
    return [note for note in notes if not note.startswith("contention:")]
