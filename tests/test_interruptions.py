"""A run that did not finish never reports itself complete: Ctrl-C once or twice at random points, a
second interrupt during pytest's own report of the first, a crashed xdist worker; and it is not
appended to the history as a normal run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pytest_perfgate.reports.reader import read_report

#: Ten performance tests of at least 0.2 s each (sleeps: they leave the CPU to the other tries).
PROJECT = {
    "test_ten.py": """
import time
import pytest

@pytest.mark.parametrize("n", range(10))
@pytest.mark.performance(time="1s")
def test_sleep(perfgate, n):
    perfgate.pedantic(time.sleep, args=(0.05,), rounds=3)
""",
    "conftest.py": """
def pytest_runtest_logstart(nodeid, location):
    with open("started", "a") as file:
        file.write(nodeid + "\\n")
""",
}

TRIES = 10
#: The latest an interrupt is sent after the first test started: well before the ten tests end.
LATEST_S = 1.2


def make_project(folder: Path) -> None:
    folder.mkdir()
    for name, text in PROJECT.items():
        (folder / name).write_text(text, encoding="utf-8")


def interrupted_run(folder: Path, signals: int, seed: int) -> tuple[dict[str, object] | None, str]:
    """Run the project, send SIGINT ``signals`` times (50 ms apart) at a random point of its tests;
    the JSON report (None when there is none) and the output."""
    make_project(folder)
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}
    plugins = ("no:cacheprovider", "no:xdist", "no:hypothesispytest")  # a quicker start
    command = [sys.executable, "-m", "pytest", *(f"-p{plugin}" for plugin in plugins), "-q"]
    process = subprocess.Popen(
        [*command, "--benchmark-quiet", "--perfgate-json=report.json"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    rng = random.Random(seed)
    deadline = time.monotonic() + 120
    while not (folder / "started").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, LATEST_S))
    for number in range(signals):
        if number:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    report = folder / "report.json"
    return (json.loads(report.read_text()) if report.exists() else None), output


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("signals", [1, 2], ids=["Ctrl-C once", "Ctrl-C twice"])
def test_an_interrupted_run_is_never_reported_complete(tmp_path: Path, signals: int) -> None:
    seed = random.randrange(10**6)
    with ThreadPoolExecutor(max_workers=TRIES) as pool:
        runs = list(
            pool.map(
                lambda number: interrupted_run(tmp_path / f"try{number}", signals, seed + number),
                range(TRIES),
            )
        )
    for number, (document, output) in enumerate(runs):
        where = f"try {number} (seed {seed + number}):\n{output[-3000:]}"
        assert "INTERNALERROR" not in output and "TypeError" not in output, where
        if document is not None:
            report = read_report(tmp_path / f"try{number}" / "report.json")  # valid, as any report
            assert report.complete is False, where
            assert document["exit_status"] == pytest.ExitCode.INTERRUPTED, where
            assert len(report.tests) < 10, where


SECOND_INTERRUPT = {
    # before perfgate's own hook heard of the first (a plugin registered after perfgate's)
    "before perfgate heard": (
        """
        import pytest

        class SecondInterrupt:
            @pytest.hookimpl(tryfirst=True)
            def pytest_keyboard_interrupt(self):
                raise KeyboardInterrupt

        @pytest.hookimpl(trylast=True)
        def pytest_configure(config):
            config.pluginmanager.register(SecondInterrupt())
        """,
        "2 of 4 performance tests got no verdict",
    ),
    # while pytest's terminal writes its report of the first
    "after perfgate heard": (
        """
        def pytest_keyboard_interrupt():
            raise KeyboardInterrupt
        """,
        "the run was interrupted",
    ),
}


@pytest.mark.parametrize(("conftest", "reason"), SECOND_INTERRUPT.values(), ids=SECOND_INTERRUPT)
def test_a_second_interrupt_during_pytests_report_of_the_first(
    pytester: pytest.Pytester, conftest: str, reason: str
) -> None:
    """pytest then calls ``pytest_sessionfinish`` with exit status 0: the report must not believe it."""
    pytester.makeconftest(conftest)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        @pytest.mark.performance(time="1s")
        def test_each(n):
            if n == 2:
                raise KeyboardInterrupt
        """
    )
    with pytest.raises(KeyboardInterrupt):
        pytester.runpytest_inprocess("--perfgate-json=report.json", "--perfgate-history")
    document = json.loads((pytester.path / "report.json").read_text())
    assert document["complete"] is False
    assert document["exit_status"] == pytest.ExitCode.INTERRUPTED
    assert [test["nodeid"][-3:] for test in document["tests"]] == ["[0]", "[1]"]
    assert f"incomplete: {reason}" in document["warnings"]
    assert not (pytester.path / ".perfgate").exists()  # not recorded in the history


def test_an_interrupted_run_is_not_appended_to_the_history(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.performance(time="1s")
        def test_first():
            pass

        def test_stopped():
            raise KeyboardInterrupt
        """
    )
    result = pytester.runpytest_inprocess("--perfgate-history", no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["perfgate history: the run was interrupted; nothing appended to *"])
    assert not (pytester.path / ".perfgate").exists()


def test_a_crashed_worker_with_no_restarts_leaves_an_incomplete_report(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(8))
        @pytest.mark.performance(time="1s")
        def test_each(n):
            if n == 5:
                os._exit(1)
        """
    )
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--max-worker-restart=0",
        "--perfgate-json=report.json",
        "--perfgate-history",
    )
    document = json.loads((pytester.path / "report.json").read_text())
    ran = len(document["tests"])
    assert ran < 8, result.stdout.str()
    assert document["complete"] is False
    assert any(warning.endswith("performance tests got no verdict") for warning in document["warnings"])
    result.stdout.fnmatch_lines(
        ["perfgate history: * performance tests got no verdict; nothing appended to *"]
    )
