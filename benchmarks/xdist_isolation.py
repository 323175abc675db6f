"""Wall time and isolation of a mixed suite under pytest-xdist: -n 0 against -n 2 (isolate, parallel).

Writes a suite of ordinary tests (each sleeps, and a few burn CPU) and performance tests into a
temporary directory, runs it three ways and prints one row per run: wall time, how many
performance-test intervals overlapped another test (recorded in the test bodies), and the median
time perfgate measured for a CPU-bound performance test.

    python benchmarks/xdist_isolation.py [--plain 24] [--perf 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFTEST = """
import json, os, time
import pytest

@pytest.fixture(autouse=True)
def interval(request):
    start = time.time()
    yield
    perf = request.node.get_closest_marker("performance") is not None
    with open(os.environ["INTERVALS"], "a") as file:
        file.write(json.dumps({"name": request.node.nodeid, "perf": perf, "start": start,
                               "end": time.time()}) + "\\n")
"""

SUITE = """
import time
import pytest

def burn(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(1000))

def work(n=20000):
    return sum(i * i for i in range(n))

@pytest.mark.parametrize("i", range({plain}))
def test_plain(i):
    if i % 6 == 0:
        burn(0.3)   # a CPU-heavy neighbour
    else:
        time.sleep(0.3)

@pytest.mark.performance(time="1s")
@pytest.mark.parametrize("i", range({perf}))
def test_perf(perfgate, i):
    perfgate.pedantic(work, rounds=30)
"""


def run(directory: Path, args: list[str]) -> tuple[float, int, int, float, int]:
    log = directory / "intervals.jsonl"
    log.unlink(missing_ok=True)
    report = directory / "report.json"
    env = {**os.environ, "INTERVALS": str(log)}
    start = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            f"--perfgate-json={report}",
            *args,
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    spans = [json.loads(line) for line in log.read_text().splitlines()]
    perf = [span for span in spans if span["perf"]]
    overlapping = sum(
        any(
            other is not span and other["start"] < span["end"] and span["start"] < other["end"]
            for other in spans
        )
        for span in perf
    )
    tests = json.loads(report.read_text())["tests"]
    medians = sorted(test["time"]["median"] for test in tests)
    return wall, len(perf), overlapping, medians[len(medians) // 2], len(tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", type=int, default=60)
    parser.add_argument("--perf", type=int, default=4)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfgate-xdist-") as name:
        directory = Path(name)
        (directory / "conftest.py").write_text(CONFTEST)
        (directory / "test_mixed.py").write_text(SUITE.format(plain=arguments.plain, perf=arguments.perf))
        runs = [
            ("-n 0", ["-n", "0"]),
            ("-n 2 (isolate)", ["-n", "2"]),
            ("-n 2 --perfgate-xdist=parallel", ["-n", "2", "--perfgate-xdist=parallel"]),
        ]
        print(
            f"suite: {arguments.plain} ordinary tests (0.3 s each, every sixth CPU-bound), "
            f"{arguments.perf} performance tests"
        )
        if hasattr(os, "getloadavg"):
            print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"{'run':34} {'wall':>8} {'perf tests':>10} {'overlapping':>11} {'median of medians':>18}")
        for label, args in runs:
            wall, perf, overlapping, median, recorded = run(directory, args)
            assert recorded == perf == arguments.perf
            print(f"{label:34} {wall:7.2f}s {perf:>10} {overlapping:>11} {median * 1e3:15.3f} ms")


if __name__ == "__main__":
    main()
