"""Small readers shared by the plugin's tests."""

from __future__ import annotations

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
