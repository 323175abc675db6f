"""How stable is ``perfgate calibrate`` from run to run, and what does the in-session score cost?

Runs ``perfgate calibrate --json`` in fresh processes (as a user would, one after another) and the
in-session measurement (``machine_score(0.2)``) in this process, and prints both spreads.

Run: ``python benchmarks/calibrate.py [--runs 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from pytest_perfgate.config.timescale import SESSION_SCORE_S
from pytest_perfgate.measure.contention import machine_score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    arguments = parser.parse_args()
    command = [sys.executable, "-m", "pytest_perfgate.cli", "calibrate", "--json"]
    scores = []
    started = time.perf_counter()
    for _ in range(arguments.runs):
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        scores.append(json.loads(output)["score"])
    command_s = (time.perf_counter() - started) / arguments.runs
    session, session_s = [], []
    for _ in range(arguments.runs):
        start = time.perf_counter()
        session.append(machine_score(SESSION_SCORE_S))
        session_s.append(time.perf_counter() - start)
    print(f"machine: {os.cpu_count()} cores, load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print("\n| measurement | runs | median | min | max | spread (max-min)/median | seconds each |")
    print("|---|---|---|---|---|---|---|")
    for name, values, seconds in (
        ("`perfgate calibrate` (fresh process)", scores, command_s),
        ("in-session score (pytest_configure)", session, statistics.median(session_s)),
    ):
        middle = statistics.median(values)
        print(
            f"| {name} | {len(values)} | {middle:.0f} | {min(values):.0f} | {max(values):.0f} | "
            f"{(max(values) - min(values)) / middle:.1%} | {seconds:.2f} s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
