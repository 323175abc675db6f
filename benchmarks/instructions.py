"""Instructions mode against wall-clock mode, through the plugin as a user runs it (pytest subprocesses
reading --perfgate-json): run-to-run variation, a 2% regression, the main job's cost, other sessions' counts.
Run: ``python benchmarks/instructions.py [--runs 10] [--detection-runs 20] [--no-main-job|--no-contexts]``"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_perfgate.measure.instructions import valgrind_missing

REPO = Path(__file__).resolve().parent.parent
N_UNCHANGED = 100_000
N_REGRESSED = 102_000  # 2% more iterations: 2% more work
TESTS = ("test_perfgate", "test_benchmark")
INSTRUCTIONS, TIME = "instructions", "time"
#: Each measure's extra options; time mode is the default (no option), as a user runs it.
MODE_OPTIONS = {INSTRUCTIONS: ["--perfgate-measure=instructions"], TIME: []}

TEST_FILE = """import pytest

N = {n}


def workload(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


@pytest.mark.performance(instructions="200M")
def test_perfgate(perfgate):
    perfgate(workload, N)


@pytest.mark.performance(instructions="200M")
def test_benchmark(benchmark):
    benchmark(workload, N)
"""

CPU_LOADER = "while True:\n    sum(i * i for i in range(10_000))\n"
SORT_LOADER = (
    "import numpy as np\na = np.random.default_rng(0).random(2_000_000)\n"
    "while True:\n    a = np.sort(a[::-1].copy())\n"
)


@contextmanager
def loaders(count: int) -> Iterator[None]:
    """``count`` busy processes (numpy sorts and pure-Python CPU loops, alternately), killed at the end."""
    codes = [SORT_LOADER if index % 2 == 0 else CPU_LOADER for index in range(count)]
    processes = [subprocess.Popen([sys.executable, "-c", code]) for code in codes]
    try:
        time.sleep(2)  # let them import numpy and start
        yield
    finally:
        for process in processes:
            process.kill()
            process.wait()


def uptime(label: str) -> None:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    print(f"[{label}] {done.stdout.strip()}", flush=True)


@dataclass(frozen=True)
class Result:
    """One test's figures in one run's JSON report."""

    value: float | None  # the instruction count, or the judged time statistic in seconds
    outcome: str
    verdict: str
    baseline: str | None  # the baseline comparison's status
    change: float | None
    message: str

    @property
    def flagged(self) -> bool:
        """Failed by the baseline (the message is the baseline's)."""
        return self.outcome == "failed" and self.baseline == "regressed" and "vs baseline" in self.message


def results(report: dict[str, Any]) -> dict[str, Result]:
    found = {}
    for test in report["tests"]:
        name = test["nodeid"].rsplit("::", 1)[-1]
        counts, times, baseline = test.get("instructions"), test.get("time"), test.get("baseline") or {}
        value = counts["count"] if counts else times["value_s"] if times else None
        found[name] = Result(
            value=value,
            outcome=test["outcome"],
            verdict=test["verdict"],
            baseline=baseline.get("status"),
            change=baseline.get("change"),
            message=test.get("message") or "",
        )
    return found


def run_pytest(
    project: Path, mode: str, report: Path, extra: Sequence[str] = (), env: dict[str, str] | None = None
) -> tuple[dict[str, Result], float]:
    """One fresh pytest session on the project: its tests' figures (from --perfgate-json), wall seconds."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *MODE_OPTIONS[mode]]
    command += [f"--perfgate-json={report}", *extra, "test_workload.py"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1) or not report.exists():
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    loaded = json.loads(report.read_text())
    if not loaded.get("complete"):
        raise RuntimeError(f"{' '.join(command)}: incomplete report\n{done.stdout}\n{done.stderr}")
    return results(loaded), wall


def make_project(root: Path, name: str, n: int) -> Path:
    """A small project (its own rootdir, so node ids match across versions) calling workload(n)."""
    project = root / name
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_workload.py").write_text(TEST_FILE.format(n=f"{n:_}"))
    return project


def show(value: float, mode: str) -> str:
    return f"{value:,.0f}" if mode == INSTRUCTIONS else f"{value * 1e3:.3f} ms"


def progress(index: int, label: str, mode: str, found: dict[str, Result], wall: float) -> None:
    cells = []
    for name in (name for name in TESTS if name in found):
        result = found[name]
        value = "-" if result.value is None else show(result.value, mode)
        extra = f" {result.baseline}" if result.baseline else ""
        extra += " FAILED" if result.outcome == "failed" else ""
        cells.append(f"{name} {value}{extra}")
    load = os.getloadavg()[0]
    print(f"  {index:2} {label:<26} {'; '.join(cells)}  ({wall:.0f} s, load {load:.1f})", flush=True)


def variation(project: Path, runs: int, label: str, out: Path) -> dict[str, dict[str, list[float]]]:
    """``runs`` fresh runs in each mode, alternating: each mode's figures per test."""
    figures: dict[str, dict[str, list[float]]] = {mode: {name: [] for name in TESTS} for mode in MODE_OPTIONS}
    for index in range(1, runs + 1):
        for mode in MODE_OPTIONS:
            found, wall = run_pytest(project, mode, out / f"{label}-{mode}-{index}.json")
            progress(index, f"{label} {mode}", mode, found, wall)
            for name in TESTS:
                value = found[name].value
                if value is None:
                    raise RuntimeError(f"{label} {mode} run {index}: no figure for {name}")
                figures[mode][name].append(value)
    return figures


def variation_table(label: str, figures: dict[str, dict[str, list[float]]]) -> None:
    for mode, per_test in figures.items():
        for name, values in per_test.items():
            middle = statistics.median(values)
            cells = " ".join(f"{show(value, mode):>13}" for value in (min(values), middle, max(values)))
            spread = (max(values) - min(values)) / middle
            print(f"{label:<10} {mode:<13} {name:<15} {cells} {spread:>10.4%}", flush=True)


def section_variation(root: Path, arguments: argparse.Namespace) -> None:
    project = make_project(root, "variation", N_UNCHANGED)
    out = root / "reports"
    tables = {}
    uptime("1. start")
    tables["quiet"] = variation(project, arguments.runs, "quiet", out)
    uptime("1. quiet done")
    with loaders(arguments.loaders):
        uptime(f"1. {arguments.loaders} loaders started")
        tables[f"{arguments.loaders} loaders"] = variation(project, arguments.runs, "loaded", out)
        uptime("1. end (loaders still running)")
    print(f"\n1. Run-to-run variation of workload({N_UNCHANGED:,}), {arguments.runs} fresh pytest runs each")
    print(f"{'':<10} {'mode':<13} {'test':<15} {'min':>13} {'median':>13} {'max':>13} {'(max-min)/med':>10}")
    for label, figures in tables.items():
        variation_table(label, figures)
    print(flush=True)


#: The detection variants: (label, mode, extra options).
VARIANTS = (
    ("instructions, 1% default", INSTRUCTIONS, ()),
    ("wall clock, 10% default", TIME, ()),
    ("wall clock, 1%", TIME, ("--perfgate-max-regression=1%",)),
)


@dataclass
class Tally:
    """One test's detection figures in one variant: per side (unchanged, +2%) the changes and statuses."""

    caught: int = 0
    false_alarms: int = 0
    other_failures: int = 0
    changes: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    statuses: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))

    def add(self, regressed: bool, result: Result) -> None:
        side = int(regressed)
        if result.change is not None:
            self.changes[side].append(result.change)
        status = result.baseline or "none"
        self.statuses[side][status] = self.statuses[side].get(status, 0) + 1
        if result.flagged:
            self.caught += regressed
            self.false_alarms += not regressed
        elif result.outcome == "failed":
            self.other_failures += 1


def baselines(projects: dict[bool, Path], out: Path) -> dict[str, Path]:
    """A baseline report of the unchanged code in each mode, on the machine as it is (no loaders)."""
    stored = {}
    for mode in MODE_OPTIONS:
        path = out / f"baseline-{mode}.json"
        found, wall = run_pytest(projects[False], mode, path)
        progress(0, f"baseline {mode}", mode, found, wall)
        stored[mode] = path
    return stored


def detection(root: Path, arguments: argparse.Namespace) -> dict[tuple[str, str], Tally]:
    """Runs of the unchanged and the regressed code against each mode's baseline, under the loaders."""
    projects = {
        False: make_project(root, "unchanged", N_UNCHANGED),
        True: make_project(root, "regressed", N_REGRESSED),
    }
    out = root / "reports"
    uptime("2. start")
    stored = baselines(projects, out)
    tallies = {(label, name): Tally() for label, _, _ in VARIANTS for name in TESTS}
    with loaders(arguments.loaders):
        uptime(f"2. {arguments.loaders} loaders started")
        for index in range(1, arguments.detection_runs + 1):
            for label, mode, extra in VARIANTS:
                for regressed, project in projects.items():
                    path = out / f"detect-{mode}-{len(extra)}-{int(regressed)}-{index}.json"
                    options = [f"--perfgate-baseline={stored[mode]}", *extra]
                    found, wall = run_pytest(project, mode, path, options)
                    progress(index, f"{label}{' +2%' if regressed else ''}", mode, found, wall)
                    for name in TESTS:
                        tallies[label, name].add(regressed, found[name])
        uptime("2. end (loaders still running)")
    return tallies


def span(values: Sequence[float]) -> str:
    return f"{min(values):+.2%}..{max(values):+.2%}" if values else "-"


def section_detection(root: Path, arguments: argparse.Namespace) -> None:
    tallies = detection(root, arguments)
    runs = arguments.detection_runs
    print(
        f"\n2. A 2% regression (workload({N_REGRESSED:,}) vs workload({N_UNCHANGED:,})) against a baseline "
        f"stored without loaders; {runs} runs each under {arguments.loaders} loaders"
    )
    print(
        f"{'mode, allowed regression':<26} {'test':<15} {'caught':>7} {'false alarms':>12} "
        f"{'other fails':>11}  "
        f"{'change, unchanged':<18} {'change, +2%':<18} statuses (unchanged | +2%)"
    )
    for (label, name), tally in tallies.items():
        statuses = " | ".join(
            ", ".join(f"{k} {v}" for k, v in sorted(side.items())) for side in tally.statuses
        )
        print(
            f"{label:<26} {name:<15} {tally.caught:>4}/{runs:<2} {tally.false_alarms:>9}/{runs:<2} "
            f"{tally.other_failures:>11}  {span(tally.changes[0]):<18} {span(tally.changes[1]):<18} "
            f"{statuses}"
        )
    print(flush=True)


#: Sessions that run the same test file differently: (label, directory names of the unchanged and the
#: regressed project, extra options, extra environment). "unchanged"/"regressed" are section 2's.
CONTEXTS: tuple[tuple[str, tuple[str, str], tuple[str, ...], dict[str, str]], ...] = (
    ("as in 2.", ("unchanged", "regressed"), (), {}),
    ("directories u/, r/", ("u", "r"), (), {}),
    ("-p no:cacheprovider", ("unchanged", "regressed"), ("-p", "no:cacheprovider"), {}),
    ("-k test_perfgate", ("unchanged", "regressed"), ("-k", "test_perfgate"), {}),
    ("PYTHONMALLOC=malloc", ("unchanged", "regressed"), (), {"PYTHONMALLOC": "malloc"}),
    ("malloc, u/, r/", ("u", "r"), (), {"PYTHONMALLOC": "malloc"}),
)


def project_for(root: Path, name: str, n: int) -> Path:
    return root / name if (root / name).exists() else make_project(root, name, n)


def section_contexts(root: Path) -> None:
    """The count of the same code in sessions run differently (no loaders), and the 2% step within each."""
    uptime("4. start")
    rows: list[tuple[str, dict[str, list[float | None]]]] = []
    for label, directories, extra, env in CONTEXTS:
        counts: dict[str, list[float | None]] = {name: [] for name in TESTS}
        for n, directory in zip((N_UNCHANGED, N_REGRESSED), directories, strict=True):
            project = project_for(root, directory, n)
            path = root / "reports" / f"context-{len(rows)}-{n}.json"
            found, wall = run_pytest(project, INSTRUCTIONS, path, extra, dict(os.environ, **env))
            progress(len(rows) + 1, f"{label} ({n:,})", INSTRUCTIONS, found, wall)
            for name in TESTS:
                counts[name].append(found[name].value if name in found else None)
        rows.append((label, counts))
    uptime("4. end")
    base = results(json.loads((root / "reports" / "baseline-instructions.json").read_text()))
    print("\n4. Instruction counts of the same code in sessions run differently, quiet (one run each)")
    print(
        f"{'session':<22} {'test':<15} {f'workload({N_UNCHANGED:,})':>17} "
        f"{f'workload({N_REGRESSED:,})':>17} {'step':>7}   against 2.'s baseline: unchanged, +2%"
    )
    for label, counts in rows:
        for name, (low, high) in counts.items():
            old = base[name].value
            if low is None or high is None or old is None:
                continue
            print(
                f"{label:<22} {name:<15} {low:>17,.0f} {high:>17,.0f} {high / low - 1:+7.2%}   "
                f"{low / old - 1:+.2%}, {high / old - 1:+.2%}"
            )
    print(flush=True)


def numba_entries() -> int:
    """The numba cache's compiled entries (``*.nbc``) under examples/: more after a run means it compiled."""
    return sum(1 for _ in (REPO / "examples").rglob("*.nbc"))


def main_job(mode: str) -> tuple[float, str, int, int]:
    """``pytest -m performance examples`` from the repository root: wall seconds, its last line, its exit
    status, and the numba cache entries it added (0: a warm cache)."""
    command = [sys.executable, "-m", "pytest", "-m", "performance", "examples", "-p", "no:randomly"]
    before, started = numba_entries(), time.perf_counter()
    done = subprocess.run(command + MODE_OPTIONS[mode], cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""]
    added = numba_entries() - before
    print(f"  main job, {mode}: {wall:.0f} s, exit {done.returncode}, {lines[-1].strip('= ')}", flush=True)
    print(f"    numba cache entries added: {added} ({'cold' if added else 'warm'})", flush=True)
    return wall, lines[-1].strip("= "), done.returncode, added


def section_main_job() -> None:
    """The main job's wall time in each mode, warm (a run that compiled numba kernels is run again)."""
    uptime("3. start")
    figures = {}
    for mode in (TIME, INSTRUCTIONS):
        first = main_job(mode)
        figures[mode] = (first, main_job(mode) if first[3] else None)
    uptime("3. end")
    print("\n3. Cost: `pytest -m performance examples -p no:randomly` from the repository root")
    for mode, (first, warm) in figures.items():
        runs = [("first run", first)] + ([("warm run", warm)] if warm else [])
        for label, (wall, summary, status, added) in runs:
            state = f"cold: compiled {added} numba cache entries" if added else "warm numba cache"
            print(
                f"{mode:<13} {label:<10} {wall:7.0f} s ({wall / 60:4.1f} min), {state}; "
                f"exit {status}: {summary}"
            )
    time_s = (figures[TIME][1] or figures[TIME][0])[0]
    count_s = (figures[INSTRUCTIONS][1] or figures[INSTRUCTIONS][0])[0]
    cold_s = figures[INSTRUCTIONS][0][0]
    print(f"warm: instructions mode / time mode = {count_s:.0f} s / {time_s:.0f} s = {count_s / time_s:.1f}x")
    print(
        f"instructions mode within 10 minutes: warm {count_s <= 600}, first run {cold_s <= 600}", flush=True
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="fresh runs per mode for the variation")
    parser.add_argument("--detection-runs", type=int, default=20, help="runs per version under the loaders")
    parser.add_argument("--loaders", type=int, default=3, help="busy processes beside the runs")
    parser.add_argument(
        "--contexts", action=argparse.BooleanOptionalAction, default=True, help="4: counts in other sessions"
    )
    parser.add_argument(
        "--main-job", action=argparse.BooleanOptionalAction, default=True, help="3: the main job's cost"
    )
    arguments = parser.parse_args(argv)
    missing = valgrind_missing()
    if missing:
        sys.exit(missing)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {arguments.loaders} loaders", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "reports").mkdir()
        section_variation(root, arguments)
        section_detection(root, arguments)
        if arguments.main_job:
            section_main_job()
        if arguments.contexts:
            section_contexts(root)


if __name__ == "__main__":
    main()
