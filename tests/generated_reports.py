"""Generated report files for the property tests: a valid report, then random mutations of it.

Mutations of the JSON tree (a value replaced by any JSON value, a key dropped or added), of its
text (NaN and infinities, numbers of thousands of digits, nesting thousands deep, padding) and of
its bytes (latin-1, stray bytes, a cut, a byte order mark, nothing at all).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from reportdata import record, sample_report

from pytest_perfgate.reports.jsonfile import dumps

#: Stands for a value the text mutations put in place after ``json.dumps``.
SENTINEL = "@@generated@@"
#: What the text mutations put where the sentinel is.
RAW_VALUES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-0",
    "9" * 20,
    "9" * 400,
    "9" * 4300,
    "1" * 5001,
    "[" * 60 + "]" * 60,
    "[" * 1000 + "]" * 1000,
    "[" * 200_000 + "]" * 200_000,
    '{"a":' * 100 + "1" + "}" * 100,
    '"\\ud800"',
    '"\\u0000"',
]


def base_documents(nodeid: str = "t.py::test_x") -> list[dict[str, Any]]:
    """Valid reports to start from: the sample report, and one test with every section filled."""
    full = record(
        nodeid,
        "warn",
        value=0.02,
        marginal=True,
        notes=["contention: corrected"],
        attempts=[{"value_s": 0.02, "rounds": 5, "contention": 1.2, "counted": True}],
        contention={"factor": 1.2, "action": "corrected", "probes": 3},
        baseline={"status": "unchanged", "change": 0.01},
        profile=[
            {"function": "f", "file": "a.py", "line": 3, "calls": 1, "total_s": 0.1, "cumulative_s": 0.1}
        ],
        allocations=[{"location": "a.py:3", "bytes": 100, "count": 1}],
        extra={"scaling": {"exponent": 1.1, "max_exponent": 1.2, "ratio": 0.9}},
    )
    documents = [
        sample_report(),
        sample_report(tests=(full,), warnings=("w",)),
        replace(sample_report(), tests=()),
    ]
    return [json.loads(dumps(document)) for document in documents]


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["pass", "fail", "median", "p99", "", "pytest-perfgate/1", "t.py::test_x"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _containers(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every object and list in the document (the root included)."""
    found = [path]
    children = document.items() if isinstance(document, dict) else enumerate(document)
    for key, child in children:
        if isinstance(child, (dict, list)):
            found += _containers(child, (*path, key))
    return found


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated_document(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """The base document with one to four changes of its tree."""
    document = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 4))):
        if not isinstance(document, (dict, list)):
            break
        # the simplest choices (hypothesis's favourites) are the deepest container and its last key
        container = _at(document, draw(st.sampled_from(_containers(document)[::-1])))
        keys = (list(container) if isinstance(container, dict) else list(range(len(container))))[::-1]
        action = draw(st.sampled_from(["replace", "replace", "raw", "drop", "add"]))
        if action == "add" or not keys:
            if isinstance(container, dict):
                container[draw(st.text(max_size=8))] = draw(json_values)
            else:
                container.append(draw(json_values))
        elif action == "drop":
            del container[draw(st.sampled_from(keys))]
        else:
            key = draw(st.sampled_from(keys))
            container[key] = SENTINEL if action == "raw" else draw(json_values)
    if draw(st.sampled_from([False] * 19 + [True])):
        document = draw(json_values)  # not a report at all
    return document


@st.composite
def report_bytes(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    """The bytes of a report file: a mutated document, serialised, sometimes damaged further."""
    text = json.dumps(draw(mutated_document(base)), ensure_ascii=draw(st.booleans()))
    while f'"{SENTINEL}"' in text:
        text = text.replace(f'"{SENTINEL}"', draw(st.sampled_from(RAW_VALUES)), 1)
    damage = draw(st.sampled_from(["none"] * 6 + ["latin-1", "bytes", "cut", "bom", "empty", "pad"]))
    if damage == "latin-1":  # an accent inside the first string, in the wrong encoding
        return text.replace('"', '"\u00e9', 1).encode("latin-1", "replace")
    data = text.encode("utf-8", "surrogatepass")
    if damage == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    if damage == "cut":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if damage == "bom":
        return b"\xef\xbb\xbf" + data
    if damage == "empty":
        return b""
    if damage == "pad":
        return data + b" " * draw(st.integers(0, 120_000))
    return data
