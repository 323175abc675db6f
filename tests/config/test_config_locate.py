"""The line where a test-id pattern was written: its key in pyproject.toml, its row in an ini option."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_perfgate.config.locate import ini_rows, toml_array_rows, toml_table_lines

TESTS = ("tool", "perfgate", "tests")

PYPROJECT = textwrap.dedent(
    '''\
    [project]
    description = "gates bench/test_a.py::test_x"      # 2: the text, in another table
    notes = """
    "bench/test_a.py::test_x" = "1s"
    """

    [tool.perfgate.tests]                               # 7
    # "bench/test_a.py::test_x" = "2s" was here         # 8: a comment
    "bench/test_a.py::test_x_big" = "10s"               # 9: a longer pattern holding the text
    'bench/test_a.py::test_y[1]' = "1s"                 # 10: a literal key
    "bench/test_a.py::test_x" = "2s"                    # 11
    "bench/test_\\u00e9.py::*" = "3s"                   # 12: an escape
    "a \\"quoted\\" one" = "3s"                         # 13
    plain_key = "3s"                                    # 14
      "indented"   =   "3s"                             # 15
    "with.dot" = "3s"                                   # 16

    [ tool . perfgate ]                                 # 18
    stat = "max"
    tests."dotted" = "4s"                               # 20

    [tool.perfgate.tests.nested]                        # 22: a sub-table's header is its key
    "bench/test_a.py::test_z" = "1s"
    '''
)


def test_each_key_is_found_on_its_own_line() -> None:
    lines, opening = toml_table_lines(PYPROJECT, TESTS)
    assert opening == 7
    assert lines == {
        "bench/test_a.py::test_x_big": 9,
        "bench/test_a.py::test_y[1]": 10,
        "bench/test_a.py::test_x": 11,
        "bench/test_é.py::*": 12,
        'a "quoted" one': 13,
        "plain_key": 14,
        "indented": 15,
        "with.dot": 16,
        "dotted": 20,
        "nested": 22,
    }


def test_an_inline_table_gives_the_line_of_its_key() -> None:
    text = '[tool.perfgate]\nstat = "max"\ntests = { "a::b" = "1s" }\n'
    assert toml_table_lines(text, TESTS) == ({}, 3)


def test_no_table_no_lines() -> None:
    assert toml_table_lines("[tool.other]\na = 1\n", TESTS) == ({}, None)


def test_rows_of_an_ini_options_array() -> None:
    text = textwrap.dedent(
        """\
        [tool.pytest.ini_options]
        addopts = "-q"  # perfgate_tests = ["x = 1s"]
        perfgate_tests = ["a.py::* = 1s",
            # "b.py::test_b = 1s",
            "b.py::test_b[x=1] = 2s",  'c.py = 3s',
        ]
        other = ["d.py = 4s"]
        """
    )
    assert toml_array_rows(text, ("tool", "pytest", "ini_options", "perfgate_tests")) == {
        "a.py::*": 3,
        "b.py::test_b[x=1]": 5,
        "c.py": 5,
    }


def test_rows_of_an_ini_option() -> None:
    text = textwrap.dedent(
        """\
        [flake8]
        perfgate_tests = a.py::* = 9s

        [pytest]
        addopts = -q
        perfgate_tests = a.py::* = 1s
            # b.py = 2s
            b.py::test_b[x=1] = 2s

            c.py = 3s
        perfgate_targets =
            d.py = 4s
        """
    )
    assert ini_rows(text, "perfgate_tests") == {"a.py::*": 6, "b.py::test_b[x=1]": 8, "c.py": 10}


_KEYS = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20)


@given(keys=st.lists(_KEYS, min_size=1, max_size=8, unique=True), filler=st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_any_key_is_found_on_its_line(keys: list[str], filler: int) -> None:
    """Keys that hold each other's text, quoted with escapes, each after ``filler`` lines that mention it."""
    lines = (
        ["[tool.other]"]
        + [f"k{i} = {json.dumps(key)}" for i, key in enumerate(keys)]
        + ["[tool.perfgate.tests]"]
    )
    expected = {}
    for key in keys:
        lines += [f"# {key}"] * filler
        lines.append(f"{json.dumps(key, ensure_ascii=False)} = '1s'")
        expected[key] = len(lines)
    assert toml_table_lines("\n".join(lines), TESTS) == (expected, 1 + len(keys) + 1)


def test_only_a_newline_ends_a_line() -> None:
    text = '[tool.perfgate.tests]\n"a\u2028b\x85c" = "1s"\n"x" = "1s"\n'
    assert toml_table_lines(text, TESTS) == ({"a\u2028b\x85c": 2, "x": 3}, 1)


@pytest.mark.parametrize("text", ["", "[", "[[", '"', "= 1", "[tool.perfgate.tests\na = 1", '"""\n'])
def test_broken_text_finds_nothing_and_does_not_fail(text: str) -> None:
    toml_table_lines(text, TESTS)
    toml_array_rows(text, TESTS)
    ini_rows(text, "perfgate_tests")
