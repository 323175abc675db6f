"""Readers for the documentation's tests: code blocks of Markdown pages, and whether the options and
``perfgate`` commands a page names exist (asked of ``pytest --help`` and ``perfgate COMMAND --help``)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

FENCE = re.compile(
    r"^(?P<indent>[ ]*)(?P<fence>```+|~~~+)(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ ]*$",
    re.MULTILINE | re.DOTALL,
)
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?P<code>.+?)(?<!`)\1(?!`)")
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PERFGATE_OPTION = re.compile(r"--perfgate-[a-z]+(?:-[a-z]+)*")
#: ``perfgate SUBCOMMAND ...`` as typed (optionally after a ``$`` prompt); ``perfgate warning:`` and
#: placeholders such as ``perfgate COMMAND`` are not commands.
PERFGATE_COMMAND = re.compile(r"^(?:\$ )?perfgate (?P<command>[a-z][a-z-]*)(?=\s|$)(?P<rest>.*)$")


@dataclass(frozen=True)
class Block:
    """A fenced code block of a Markdown page."""

    page: Path
    line: int
    lang: str
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.lang or 'plain'})"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a page, in order, with their text un-indented."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        found.append(Block(page, text.count("\n", 0, match.start()) + 1, match["lang"], body))
    return found


def prose(page: Path) -> str:
    """A page without its fenced code blocks."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def inline_code(page: Path) -> list[str]:
    return [match["code"].strip() for match in INLINE_CODE.finditer(prose(page))]


def pages() -> list[Path]:
    """README.md and every page of the documentation site."""
    return [README, *sorted(DOCS.glob("*.md"))]


def command_lines(text: str) -> list[str]:
    """Shell command lines of a block: continuation lines joined, comments and prompts dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not line or line.startswith("#"):
            continue
        lines.append(re.sub(r"\s+#\s.*$", "", line))
    return lines


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    # Outside the repository, so that its own configuration plays no part.
    with tempfile.TemporaryDirectory() as folder:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, check=False)


@functools.cache
def pytest_help() -> str:
    completed = _run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--help")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@functools.cache
def pytest_options() -> frozenset[str]:
    """Every long option ``pytest --help`` lists, with this environment's plugins."""
    return frozenset(LONG_OPTION.findall(pytest_help()))


def perfgate_script() -> str:
    script = shutil.which("perfgate", path=sysconfig.get_path("scripts"))
    assert script is not None, "the perfgate console script is not installed"
    return script


@functools.cache
def perfgate_help(command: str | None = None) -> str | None:
    """``perfgate [COMMAND] --help``, or None where there is no such command."""
    completed = _run(perfgate_script(), *([command] if command else []), "--help")
    return completed.stdout if completed.returncode == 0 else None


def perfgate_command_problems(line: str) -> list[str]:
    """What is wrong with a ``perfgate ...`` command line: an unknown command or option."""
    match = PERFGATE_COMMAND.match(line.strip())
    if match is None:
        return []
    usage = perfgate_help(match["command"])
    if usage is None:
        return [f"`{line}`: perfgate has no command {match['command']!r}"]
    known = set(LONG_OPTION.findall(usage)) | set(re.findall(r"(?<![\w-])-[a-z](?=[ ,\]])", usage))
    options = LONG_OPTION.findall(match["rest"]) + re.findall(r"(?<![\w-])-[a-z](?=\s|$)", match["rest"])
    return [
        f"`{line}`: perfgate {match['command']} has no option {option}"
        for option in options
        if option not in known
    ]


@functools.cache
def pytest_accepts(option: str) -> bool:
    """Whether pytest takes a long option: listed by ``--help``, or an alias it hides there (as
    ``--junitxml`` for ``--junit-xml``), tried on an empty collection, with and without a value."""
    if option in pytest_options():
        return True
    for argument in (option, f"{option}=x"):
        completed = _run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q", argument)
        if completed.returncode != 4:  # 4: usage error, e.g. an unrecognised argument
            return True
    return False


def pytest_command_problems(line: str) -> list[str]:
    """What is wrong with a ``pytest ...`` command line: a long option pytest does not take."""
    words = line.split()
    starts = [i for i, word in enumerate(words) if Path(word).name == "pytest"]
    if not starts:
        return []
    options = LONG_OPTION.findall(" ".join(words[starts[0] + 1 :]))
    return [f"`{line}`: pytest has no option {option}" for option in options if not pytest_accepts(option)]


def command_problems(line: str) -> list[str]:
    """Every command of a shell line that runs pytest or perfgate (``a && b``, ``a; b``, ``a | b``)."""
    problems = []
    for part in re.split(r"&&|\|\||;|\|", line):
        problems += perfgate_command_problems(part) + pytest_command_problems(part)
    return problems


def block_commands(block: Block) -> list[str]:
    """The commands of a block: every line of a shell block; the ``$ `` lines of a console or output
    block (the others are what the command printed)."""
    if block.lang in ("bash", "sh", "shell"):
        return command_lines(block.text)
    if block.lang in ("console", "text", ""):
        return command_lines("\n".join(line for line in block.text.splitlines() if line.startswith("$ ")))
    return []
