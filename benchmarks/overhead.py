"""Overhead of the plugin on a suite of unmarked trivial tests: with perfgate vs ``-p no:perfgate``.

Run: python benchmarks/overhead.py [--tests 1500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(directory: Path, tests: int) -> None:
    per_file = 100
    for index in range(0, tests, per_file):
        body = "\n".join(f"def test_{n}():\n    assert {n} == {n}\n" for n in range(index, index + per_file))
        (directory / f"test_trivial_{index // per_file}.py").write_text(body)


def run(directory: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=directory,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        make_suite(directory, arguments.tests)
        run(directory)  # warm file caches and bytecode
        with_plugin, without = [], []
        for _ in range(arguments.repeat):
            with_plugin.append(run(directory))
            without.append(run(directory, "-p", "no:perfgate"))
    on, off = statistics.median(with_plugin), statistics.median(without)
    print(f"{arguments.tests} unmarked trivial tests, median of {arguments.repeat} runs")
    print(f"{'with perfgate':<22}{on:8.3f} s")
    print(f"{'-p no:perfgate':<22}{off:8.3f} s")
    print(f"{'overhead':<22}{on - off:8.3f} s ({on / off:.3f}x)")


if __name__ == "__main__":
    main()
