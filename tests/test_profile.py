"""cProfile rows of one call: which functions, how they are named, how the table reads."""

from __future__ import annotations

import json
import sysconfig
import time
from pathlib import Path

from pytest_perfgate.measure.profile import BUILTIN, PROFILE_ROWS, format_rows, profile_call, short_path


def _leaf() -> int:
    return sum(range(1000))


def _middle() -> int:
    return sum(_leaf() for _ in range(5))


def _napping_helper() -> None:
    time.sleep(0.02)


def _top(depth: int) -> int:
    _napping_helper()
    return _middle() + (_top(depth - 1) if depth else 0)


def test_rows_name_the_functions_with_the_most_cumulative_time() -> None:
    rows = profile_call(_top, (2,), {}, Path(__file__).parent)
    names = [row["function"] for row in rows]
    assert names[0] == "_top"
    assert names.index("_napping_helper") < names.index("_middle")
    assert {"function", "file", "line", "calls", "total_s", "cumulative_s"} <= set(rows[0])
    helper = next(row for row in rows if row["function"] == "_napping_helper")
    assert helper["file"] == "test_profile.py"
    assert helper["line"] == _napping_helper.__code__.co_firstlineno
    assert helper["calls"] == 3
    assert helper["cumulative_s"] >= 0.05
    assert [row["cumulative_s"] for row in rows] == sorted(
        (row["cumulative_s"] for row in rows), reverse=True
    )
    assert not any("_lsprof" in row["function"] for row in rows)
    json.dumps(rows)  # plain data, for the JSON report


def test_recursive_calls_count_every_call() -> None:
    rows = profile_call(_top, (3,), {}, None)
    assert next(row for row in rows if row["function"] == "_top")["calls"] == 4


def test_rows_are_limited() -> None:
    def many() -> None:
        for function in (_leaf, _middle, dict, list, set, tuple, str, bytes, object, int, float, bool):
            function()
        for value in range(20):
            abs(value), repr(value), hash(value), str(value), format(value)

    assert len(profile_call(many, (), {}, None, limit=3)) == 3
    assert len(profile_call(many, (), {}, None)) <= PROFILE_ROWS


def test_short_paths() -> None:
    root = Path(__file__).parent.parent
    assert short_path(__file__, root) == "tests/test_profile.py"
    assert short_path("/opt/venv/lib/python3.11/site-packages/numpy/core/fromnumeric.py", root) == (
        "numpy/core/fromnumeric.py"
    )
    stdlib = Path(sysconfig.get_paths()["stdlib"], "json", "decoder.py")
    assert short_path(str(stdlib), root) == "json/decoder.py"
    assert short_path("~", root) == BUILTIN
    assert short_path("<string>", root) == "<string>"
    assert short_path("/elsewhere/module.py", root) == "/elsewhere/module.py"


def test_builtins_are_named_without_a_file() -> None:
    rows = profile_call(time.sleep, (0.001,), {}, None)
    assert rows[0]["file"] == BUILTIN
    assert "sleep" in rows[0]["function"]


def test_table_lines() -> None:
    rows = [
        {"function": "work", "file": "app.py", "line": 3, "calls": 1, "total_s": 1e-5, "cumulative_s": 0.132},
        {
            "function": "<built-in method time.sleep>",
            "file": BUILTIN,
            "line": 0,
            "calls": 12,
            "total_s": 0.13,
            "cumulative_s": 0.13,
        },
    ]
    header, first, second = format_rows(rows)
    assert header.split() == ["calls", "total", "cumulative", "function", "file:line"]
    assert first.split() == ["1", "10", "µs", "132", "ms", "work", "app.py:3"]
    assert second.endswith(BUILTIN)
    assert "time.sleep" in second
    assert header.index("function") == first.index("work") == second.index("<built-in method")
