"""Instruction counts against wall-clock times: run-to-run variation quiet and beside busy loaders,
a 2% regression against a 1% threshold, and the costs (start-up, switching, counted calls, cache-sim).
Run: ``python benchmarks/instructions.py [--runs 10] [--detection-runs 20] [--skip-costs]`` (Linux)."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pytest_perfgate.measure.instructions import valgrind_command, valgrind_log, valgrind_missing

N_UNCHANGED = 100_000
N_REGRESSED = 102_000  # 2% more iterations: 2% more work
THRESHOLD = 0.01

WORKLOAD = """
def workload(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
"""

SESSION_TESTS = (
    WORKLOAD
    + """
import os, time
from pytest_perfgate.measure.instructions import Counter

counter = Counter.from_environment()
count_call, instrumentation, measure = counter.count_call, counter.instrumentation, counter.measure

def report(name, n):
    measurement = measure(lambda: workload(n), rounds=3)
    print(f"\\nFIGURE {name} {measurement.instructions} {measurement.cycles_est}")

def test_unchanged():
    report("unchanged", int(os.environ["N_UNCHANGED"]))

def test_regressed():
    report("regressed", int(os.environ["N_REGRESSED"]))

def test_costs():
    started = time.perf_counter()
    measure(lambda: None)
    switched = time.perf_counter() - started
    with instrumentation():
        started = time.perf_counter()
        for _ in range(10):
            count_call(lambda: None)
        empty = (time.perf_counter() - started) / 10
        started = time.perf_counter()
        counts, _ = count_call(lambda: workload(int(os.environ["N_UNCHANGED"])))
        counted = time.perf_counter() - started
    print(f"\\nCOSTS {switched} {empty} {counted} {counts.instructions}")
"""
)

WALL_CLOCK = (
    WORKLOAD
    + """
import statistics, sys, time
for name, n in (("unchanged", int(sys.argv[1])), ("regressed", int(sys.argv[2]))):
    for _ in range(3):
        workload(n)
    times = []
    for _ in range(21):
        started = time.perf_counter()
        workload(n)
        times.append(time.perf_counter() - started)
    print(f"FIGURE {name} {statistics.median(times)}")
"""
)

LOADER = "import numpy as np\na = np.random.default_rng(0).random(2_000_000)\nwhile True:\n    np.sort(a)\n"


@contextmanager
def loaders(count: int) -> Iterator[None]:
    """``count`` processes sorting numpy arrays in a loop for the block, then killed."""
    processes = [subprocess.Popen([sys.executable, "-c", LOADER]) for _ in range(count)]
    try:
        time.sleep(2)  # let them import numpy and start sorting
        yield
    finally:
        for process in processes:
            process.kill()
            process.wait()


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[str, float, float]:
    """Run a command: its output, wall seconds and CPU seconds."""
    cpu, started = child_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - started, child_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]}... failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout, wall, cpu


def figures(output: str, tag: str = "FIGURE") -> dict[str, list[str]]:
    return {
        match[0]: match[1:]
        for match in (line.split()[1:] for line in output.splitlines() if line.startswith(tag + " "))
    }


def counted_run(project: Path, selection: str, cache_sim: bool = False) -> tuple[str, float]:
    """One pytest session under callgrind running the selected tests: its output, and wall seconds."""
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", N_UNCHANGED=str(N_UNCHANGED))
    env["N_REGRESSED"] = str(N_REGRESSED)
    with tempfile.TemporaryDirectory() as out_dir:
        command = valgrind_command(
            ["-s", "-p", "no:cacheprovider", "-k", selection, "test_session.py"], out_dir, cache_sim
        )
        try:
            output, wall, _ = run(command, project, env)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{valgrind_log(out_dir)}") from None
    return output, wall


def wall_clock_run(project: Path) -> dict[str, float]:
    output, _, _ = run(
        [sys.executable, "wall_clock.py", str(N_UNCHANGED), str(N_REGRESSED)], project, dict(os.environ)
    )
    return {name: float(values[0]) for name, values in figures(output).items()}


def spread(values: Sequence[float]) -> str:
    """Min..max, (max - min) / median and the coefficient of variation of a run's figures."""
    middle = statistics.median(values)
    cv = statistics.stdev(values) / statistics.mean(values) if len(values) > 1 else 0.0
    return f"spread {(max(values) - min(values)) / middle:8.4%}  CV {cv:8.4%}"


def series(
    project: Path, runs: int, selection: str
) -> tuple[list[dict[str, float]], list[dict[str, float]], list[float]]:
    """``runs`` fresh runs: counts and wall-clock figures per run, and each counted session's seconds."""
    counts: list[dict[str, float]] = []
    walls: list[dict[str, float]] = []
    session_seconds: list[float] = []
    for index in range(runs):
        output, seconds = counted_run(project, selection)
        counts.append({name: float(values[0]) for name, values in figures(output).items()})
        session_seconds.append(seconds)
        walls.append(wall_clock_run(project))
        print(f"   run {index + 1:2}: {counts[-1]}  wall-clock {walls[-1]}  ({seconds:.0f} s)", flush=True)
    return counts, walls, session_seconds


def variation_rows(label: str, counts: Sequence[dict[str, float]], walls: Sequence[dict[str, float]]) -> None:
    instructions = [run["unchanged"] for run in counts]
    seconds = [run["unchanged"] for run in walls]
    low, high = min(instructions), max(instructions)
    print(f"{label:<12} instructions {low:>12,.0f}..{high:<12,.0f} {spread(instructions)}")
    low, high = min(seconds) * 1e3, max(seconds) * 1e3
    print(f"{'':<12} wall clock   {low:>9.3f} ms..{high:<9.3f} ms {spread(seconds)}")


def detection_rows(
    baseline: tuple[float, float], counts: Sequence[dict[str, float]], walls: Sequence[dict[str, float]]
) -> None:
    for label, base, runs in (("instructions", baseline[0], counts), ("wall clock", baseline[1], walls)):
        cells = []
        for name in ("unchanged", "regressed"):
            ratios = [run[name] / base for run in runs]
            flagged = sum(ratio > 1 + THRESHOLD for ratio in ratios)
            cells.append(
                f"{name} {flagged:2}/{len(ratios)} over +1% (ratio {min(ratios):.4f}..{max(ratios):.4f})"
            )
        print(f"{label:<12} " + "   ".join(cells))


STARTUP_CONFTEST = 'import os\nif os.environ.get("HEAVY") == "1":\n    import numba, numpy  # noqa: F401\n'


def startup_costs(project: Path) -> None:
    """pytest start-up (one empty test, every installed plugin loaded): natively and under callgrind."""
    (project / "conftest.py").write_text(STARTUP_CONFTEST)
    (project / "test_empty.py").write_text("def test_empty():\n    pass\n")
    argv = ["-q", "-p", "no:cacheprovider", "test_empty.py"]
    for heavy in ("0", "1"):
        env = dict(os.environ, HEAVY=heavy)
        cells = []
        with tempfile.TemporaryDirectory() as switched, tempfile.TemporaryDirectory() as from_start:
            for name, command in (
                ("native", [sys.executable, "-m", "pytest", *argv]),
                ("callgrind, switched", valgrind_command(argv, switched, False)),
                ("callgrind, from start", valgrind_command(argv, from_start, False, instr_atstart=True)),
            ):
                _, wall, cpu = run(command, project, env)
                cells.append(f"{name} {wall:5.1f} s wall {cpu:5.1f} s CPU")
        imports = "pytest + numpy + numba" if heavy == "1" else "pytest alone        "
        print(f"start-up, {imports}: " + " | ".join(cells), flush=True)


def call_costs(project: Path) -> None:
    """The cost of switching instrumentation, of one counted call, and of cache simulation."""
    rows = {}
    for cache_sim in (False, True):
        output, _ = counted_run(project, "costs", cache_sim=cache_sim)
        line = next(line for line in output.splitlines() if line.startswith("COSTS "))
        switched, empty, counted, count = (float(value) for value in line.split()[1:])
        rows[cache_sim] = counted
        print(
            f"{'cache-sim' if cache_sim else 'no cache-sim'}: measure(empty) with both switches "
            f"{switched:.2f} s; an empty counted call {empty * 1e3:.0f} ms; one counted call of "
            f"workload({N_UNCHANGED}) ({count:,.0f} instructions) {counted:.2f} s",
            flush=True,
        )
    print(f"cache simulation multiplies the time of a counted call by {rows[True] / rows[False]:.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="fresh runs for the variation")
    parser.add_argument("--detection-runs", type=int, default=20, help="runs under the loaders")
    parser.add_argument("--loaders", type=int, default=3, help="busy numpy processes")
    parser.add_argument("--skip-costs", action="store_true", help="no start-up and per-call costs")
    arguments = parser.parse_args(argv)
    missing = valgrind_missing()
    if missing:
        sys.exit(missing)
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "test_session.py").write_text(SESSION_TESTS)
        (project / "wall_clock.py").write_text(WALL_CLOCK)
        print(f"workload({N_UNCHANGED:,}) vs workload({N_REGRESSED:,}); {os.cpu_count()} CPUs", flush=True)
        print(f"quiet: {arguments.runs} runs (load average {load_average()})", flush=True)
        quiet = series(project, arguments.runs, "unchanged")
        print(f"{arguments.loaders} loaders: {arguments.detection_runs} runs", flush=True)
        with loaders(arguments.loaders):
            print(f"   load average {load_average()}", flush=True)
            busy = series(project, arguments.detection_runs, "unchanged or regressed")
            print(f"   load average {load_average()}", flush=True)
        print(f"\n1. Run-to-run variation of workload({N_UNCHANGED:,}), {arguments.runs} fresh runs each")
        variation_rows("quiet", quiet[0], quiet[1])
        variation_rows(f"{arguments.loaders} loaders", busy[0][: arguments.runs], busy[1][: arguments.runs])
        baseline = (quiet[0][0]["unchanged"], quiet[1][0]["unchanged"])
        print(
            f"\n2. A 2% regression, {arguments.detection_runs} runs each under {arguments.loaders} loaders, "
            "against the first quiet run, threshold +1%"
        )
        detection_rows(baseline, busy[0], busy[1])
        print(
            f"\ncounted session (pytest under callgrind, 3 counted calls per test): quiet "
            f"{statistics.median(quiet[2]):.0f} s, under loaders {statistics.median(busy[2]):.0f} s (median)"
        )
        if not arguments.skip_costs:
            print("\n3. Costs (quiet machine)")
            startup_costs(project)
            call_costs(project)


if __name__ == "__main__":
    main()
