"""``perfgate calibrate``: this machine's score for the fixed reference workload."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

from ..measure.contention import machine_score
from .common import CommandError

HELP = "measure this machine's speed score (for reference_score in [tool.perfgate])"
#: Seconds between measurements, so that one passing disturbance does not spoil them all.
PAUSE_S = 0.2
#: A spread of the measurements beyond this is reported as unsteady.
UNSTEADY = 0.10


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        metavar="N",
        help="measure N times, 0.2 s each and 0.2 s apart, and print the median (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    repeat: int = arguments.repeat
    if repeat < 1:
        raise CommandError(f"--repeat must be at least 1, not {repeat}")
    scores = []
    for index in range(repeat):
        if index:
            time.sleep(PAUSE_S)
        scores.append(machine_score())
    # Each measurement is what a session measures at its start; their median is robust to one that a
    # passing disturbance slowed down.
    score = statistics.median(scores)
    spread = (max(scores) - min(scores)) / score
    if arguments.json:
        print(
            json.dumps(
                {
                    "score": round(score),
                    "spread": round(spread, 4),
                    "scores": [round(value, 1) for value in scores],
                    "python": platform.python_version(),
                    "implementation": sys.implementation.name,
                    "machine": platform.machine(),
                }
            )
        )
        return 0
    print(f"machine score: {score:.0f}")
    print(
        f"  median of {repeat} measurements, {min(scores):.0f} to {max(scores):.0f} ({spread:.1%} spread); "
        f"{sys.implementation.name} {platform.python_version()} on {platform.machine()}"
    )
    print(f"  budgets written on this machine: put reference_score = {score:.0f} under [tool.perfgate]")
    if spread > UNSTEADY:
        print(
            f"  warning: the measurements disagree by {spread:.0%}: the machine is busy or its speed varies; "
            "run again when it is quiet"
        )
    return 0
