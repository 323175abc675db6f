"""The README is true: every code block in it is run or checked, and its failure line is the real one.

Python blocks are written into a project and run with their pyproject block; shell blocks name only
commands and options that exist; the failure line printed there has the shape of the example's real
one. The documentation pages are held to the same options and commands.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from doccheck import (
    DOCS,
    PERFGATE_OPTION,
    README,
    ROOT,
    Block,
    block_commands,
    blocks,
    command_lines,
    command_problems,
    inline_code,
    pages,
    pytest_help,
    pytest_options,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VENV = "python3 -m venv .venv && .venv/bin/pip install -e"
QUICK_START = [
    f'{VENV} ".[examples]" && .venv/bin/pytest -m performance examples',
    f'{VENV} ".[test]" && .venv/bin/pytest',
]

#: Hypothesis's plugin re-imports hypothesis in every in-process run (seconds each); not needed here.
QUICK = ("-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def readme_blocks(lang: str) -> list[Block]:
    return [block for block in blocks(README) if block.lang == lang]


def the_block(lang: str) -> Block:
    (block,) = readme_blocks(lang)
    return block


TIME_UNIT = r"(?:ns|µs|ms|s|min|h)"
MEMORY_UNIT = r"(?:B|KiB|MiB|GiB|TiB)"
FIGURE = re.compile(r"\d+(?:\.\d+)?(?: (?P<unit>ns|µs|ms|s|min|h|B|KiB|MiB|GiB|TiB)\b)?")


def failure_shape(line: str) -> re.Pattern[str]:
    """A line as a pattern: every figure (a number, with its unit where it has one) may differ."""
    pattern, position = "", 0
    for match in FIGURE.finditer(line):
        pattern += re.escape(line[position : match.start()]) + r"\d+(?:\.\d+)?"
        if match["unit"]:
            pattern += " " + (MEMORY_UNIT if match["unit"].endswith("B") else TIME_UNIT)
        position = match.end()
    return re.compile(pattern + re.escape(line[position:]) + "$")


# -- the shape of the README ------------------------------------------------------------------------


def test_the_readme_opens_with_the_quick_start_and_its_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "Quick start"
    after_heading = text.split("## Quick start\n", 1)[1].lstrip("\n")
    assert after_heading.startswith("```bash\n"), "the Quick start heading is followed by its block"
    first = blocks(README)[0]
    assert first.lang == "bash"
    assert command_lines(first.text) == QUICK_START


def test_the_quick_start_names_what_exists(pytester: pytest.Pytester) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    named = [extra for command in QUICK_START for extra in re.findall(r'"\.\[(\w+)\]"', command)]
    assert named == ["examples", "test"]
    assert all(extra in extras for extra in named)
    assert (ROOT / "examples").is_dir()
    pytester.runpytest(*QUICK, "--markers").stdout.fnmatch_lines(["@pytest.mark.performance*"])
    assert not [problem for command in QUICK_START for problem in command_problems(command)]


def test_the_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 200


def test_every_readme_block_is_one_the_tests_handle() -> None:
    """A new kind of block in the README needs a test here before it can be trusted."""
    kinds = [block.lang for block in blocks(README)]
    assert kinds == ["bash", "bash", "python", "", "toml", "bash"], kinds


# -- the example runs as written ----------------------------------------------------------------------


def example_file() -> tuple[str, str]:
    """The README's Python example: its file name (from its first comment line) and its text."""
    text = the_block("python").text
    first = text.splitlines()[0]
    assert re.fullmatch(r"# test_\w+\.py", first), f"the example names its file on its first line: {first!r}"
    return first[2:], text


def test_the_example_runs_as_written_and_fails_as_the_readme_shows(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")  # pytest prints summary lines in full on CI, as the README shows them
    name, text = example_file()
    pytester.path.joinpath(name).write_text(text, encoding="utf-8")
    result = pytester.runpytest(*QUICK, "--perfgate-json=perf.json")
    result.assert_outcomes(passed=1, failed=1)

    (shown,) = command_lines(the_block("").text)
    failed = [line for line in result.outlines if line.startswith("FAILED ")]
    assert len(failed) == 1, result.outlines
    assert failure_shape(shown).match(failed[0]), f"README:\n  {shown}\nreal:\n  {failed[0]}"

    report = json.loads(pytester.path.joinpath("perf.json").read_text())
    verdicts = {test["nodeid"]: test["verdict"] for test in report["tests"]}
    assert verdicts == {f"{name}::test_small_index": "pass", f"{name}::test_big_index": "fail"}


def test_the_failure_shape_tells_a_different_message_apart() -> None:
    shown = "FAILED t.py::test_x - Failed: perfgate: marker: time median 29.7 ms > budget 1 ms (29.75x)"
    assert failure_shape(shown).match(
        "FAILED t.py::test_x - Failed: perfgate: marker: time median 1.02 s > budget 1 ms (1020.5x)"
    )
    assert not failure_shape(shown).match(
        "FAILED t.py::test_x - Failed: perfgate: budget: time median 29.7 ms > budget 1 ms (29.75x)"
    )
    assert not failure_shape(shown).match("FAILED t.py::test_x - Failed: perfgate: marker: ...")


def test_the_configuration_block_configures_the_example(pytester: pytest.Pytester) -> None:
    """The README's pyproject block, with the example, a test using one of its targets and a
    pytest-benchmark test its pattern names: every setting, target and pattern takes effect."""
    pytester.path.joinpath("pyproject.toml").write_text(the_block("toml").text, encoding="utf-8")
    name, text = example_file()
    pytester.path.joinpath(name).write_text(text, encoding="utf-8")
    pytester.makepyfile(
        test_search="""
        import pytest

        @pytest.mark.performance("search")
        def test_search(perfgate):
            perfgate(sorted, range(100))
        """
    )
    pytester.mkdir("benchmarks")
    pytester.path.joinpath("benchmarks", "test_parse.py").write_text(
        "def test_parse(benchmark):\n    benchmark(int, '42')\n", encoding="utf-8"
    )
    result = pytester.runpytest(*QUICK, "-k", "not test_big_index", "--perfgate-json=perf.json")
    result.assert_outcomes(passed=3)
    result.stdout.re_match_lines([r"perfgate: stat=median, mode=enforce, scale=1.5, memory=\w+, targets=7"])
    result.stdout.no_fnmatch_line("*matched no collected test*")

    report = json.loads(pytester.path.joinpath("perf.json").read_text())
    assert report["targets"]["checkout"]["memory_bytes"] == 64 * 1024**2
    budgets = {test["nodeid"]: test["time"]["budget_s"] for test in report["tests"]}
    assert budgets["test_search.py::test_search"] == pytest.approx(0.020 * 1.5)
    assert budgets["benchmarks/test_parse.py::test_parse"] == pytest.approx(0.002 * 1.5)
    assert budgets[f"{name}::test_small_index"] == pytest.approx(0.050 * 1.5)


def test_the_documentation_shows_the_same_example() -> None:
    (first,) = [block for block in blocks(DOCS / "index.md") if block.lang == "python"]
    assert first.text == the_block("python").text


# -- commands and options ---------------------------------------------------------------------------------


def test_the_install_block_names_this_distribution() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    install = command_lines(readme_blocks("bash")[1].text)
    assert install[0].split() == ["pip", "install", project["name"]]
    assert all(shlex.split(line)[:2] == ["pip", "install"] for line in install)


def test_the_readme_ci_block_is_what_the_workflow_runs() -> None:
    workflow = yaml.safe_load((DOCS / "ci" / "perfgate.yml").read_text(encoding="utf-8"))
    runs = [
        line
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "run" in step
        for line in command_lines(step["run"])
    ]
    shown = command_lines(readme_blocks("bash")[2].text)
    assert len(shown) == 2
    for line in shown:
        assert line in runs, f"the README's CI command is not in docs/ci/perfgate.yml: {line}"


def test_every_perfgate_option_in_the_readme_and_docs_exists() -> None:
    named = {
        (page.name, option)
        for page in pages()
        for option in PERFGATE_OPTION.findall(page.read_text(encoding="utf-8"))
    }
    assert len({option for _, option in named}) >= 15, "the pages name the options"
    missing = sorted(f"{page}: {option}" for page, option in named if option not in pytest_options())
    assert not missing


def test_every_setting_key_in_the_configuration_tables_is_an_ini_key() -> None:
    for page in (README, DOCS / "configuration.md"):
        keys = re.findall(r"^\| `([a-z_]+)` \| `--perfgate-", page.read_text(encoding="utf-8"), re.MULTILINE)
        assert len(keys) >= 4, page
        for key in keys:
            if key not in ("targets", "tests"):
                assert f"perfgate_{key} (string)" in pytest_help(), f"{page.name}: no ini key perfgate_{key}"


def test_every_command_in_the_readme_and_docs_exists() -> None:
    problems: list[str] = []
    checked = 0
    for page in pages():
        for block in blocks(page):
            for line in block_commands(block):
                problems += [f"{block}: {problem}" for problem in command_problems(line)]
                checked += 1
        for code in inline_code(page):
            problems += [f"{page.name}: {problem}" for problem in command_problems(code)]
    assert checked > 20
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_does_not_exist() -> None:
    assert command_problems("pytest --perfgate-jsn=x.json")
    assert command_problems("perfgate mergee a.json -o b.json")
    assert command_problems("perfgate merge a.json -o b.json --markdwn b.md")
    assert not command_problems("perfgate merge a.json -o b.json --prefer newest")
    assert not command_problems("perfgate merge a.json -o b.json --expect 2 --markdown b.md --html b.html")
    assert not command_problems('.venv/bin/pip install -e ".[test]" && .venv/bin/pytest -m performance')
    assert not command_problems("pytest --junitxml=junit.xml")  # an alias --help does not list
    assert block_commands(Block(README, 1, "console", "$ perfgate calibrate\nmachine score: 866\n")) == [
        "perfgate calibrate"
    ]


def test_config_blocks_in_the_readme_and_docs_parse() -> None:
    parsed = 0
    for page in pages():
        for block in blocks(page):
            if block.lang == "toml":
                tomllib.loads(block.text)
                parsed += 1
            elif block.lang == "ini":
                configparser.ConfigParser().read_string(block.text)
                parsed += 1
    assert parsed >= 6


def test_every_picture_and_file_the_readme_links_exists() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    assert "docs/img/report.png" in links and "docs/img/terminal.png" in links
    for link in links:
        assert (ROOT / link).exists(), link


def test_the_screenshots_are_pictures() -> None:
    for name in ("terminal.png", "report.png"):
        data = Path(DOCS / "img" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
