"""Instructions mode around pytest: the session relaunched under callgrind, and each kind of
performance test counted there (``perfgate`` fixture, ``benchmark`` fixture, test body)."""

from __future__ import annotations

import functools
import gc
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from ..config.pyproject import read_pyproject
from ..config.settings import PYPROJECT_KEYS, read_values
from ..config.targets import ResolvedBudget
from ..measure.instructions import (
    Counter,
    Measurement,
    steady_gc,
    under_callgrind,
    valgrind_command,
    valgrind_log,
    valgrind_missing,
)
from ..measure.memory import MemoryResult
from ..record import InstructionFigures
from ..verdict.instructions import instruction_figures
from . import memory
from .session import PerfgateSession

if TYPE_CHECKING:
    from ..gates.scaling_counts import CountedScaling

#: Cache simulation: its cost falls on the counted calls only, and it gives the estimated cycles.
CACHE_SIM = True
#: Counted calls of a measured function, after one uncounted warm-up call; one when the warm-up was long.
ROUNDS = 3
LONG_CALL_S = 0.5
HEADER = "counts under callgrind, cache simulation on, xdist off"


def requested(config: pytest.Config) -> bool:
    """Whether the run asks for instructions mode (read before the settings are, for the relaunch)."""
    values, _ = read_values(config, read_pyproject(config, PYPROJECT_KEYS))
    return bool(values["measure"] == "instructions")


#: Options of runs that measure nothing (help, listings, collection only): never relaunched.
INFORMATIONAL = ("help", "version", "markers", "showfixtures", "show_fixtures_per_test", "collectonly")


def _informational(config: pytest.Config) -> bool:
    return any(getattr(config.option, name, False) for name in INFORMATIONAL)


def relaunch(config: pytest.Config) -> int | None:
    """In instructions mode, outside callgrind: rerun this very session under callgrind, return its
    exit status (this process collects nothing). None when there is nothing to relaunch."""
    if under_callgrind() or hasattr(config, "workerinput") or _informational(config):
        return None
    if not requested(config):
        return None
    problem = valgrind_missing()
    if problem is not None:
        raise pytest.UsageError(f"perfgate: {problem}")
    args = list(config.invocation_params.args)
    if config.pluginmanager.hasplugin("xdist"):
        args += ["-n", "0"]  # valgrind does not follow the workers: one process, last -n wins
    out_dir = tempfile.mkdtemp(prefix="perfgate-callgrind-")
    try:
        command = valgrind_command(args, out_dir, CACHE_SIM)
        process = subprocess.Popen(command, cwd=config.invocation_params.dir)
        try:
            status = process.wait()
        except KeyboardInterrupt:
            status = process.wait()
        log = valgrind_log(out_dir).strip()
        if log and (status < 0 or status > int(pytest.ExitCode.INTERRUPTED)):  # not just failed tests
            sys.stderr.write(f"perfgate: valgrind's log of the relaunched session:\n{log}\n")
        return status
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def counter_for(config: pytest.Config, measure: str) -> Counter | None:
    """The session's counter (in the relaunched session), None in time mode; instructions mode outside
    callgrind is a usage error."""
    if measure != "instructions" or hasattr(config, "workerinput"):
        return None
    if _informational(config) and not under_callgrind():
        return None
    if not under_callgrind():
        raise pytest.UsageError(
            "perfgate: --perfgate-measure=instructions: this session is not running under callgrind "
            "(perfgate relaunches pytest itself: run pytest from the command line)"
        )
    return Counter.from_environment()


def _counter(config: pytest.Config) -> Counter | None:
    return PerfgateSession.of(config).counter


def active(config: pytest.Config) -> bool:
    """Whether this session counts instructions."""
    return _counter(config) is not None


def header_lines(session: PerfgateSession) -> list[str]:
    return [f"perfgate: measure=instructions ({HEADER})"] if session.counter is not None else []


def _unused() -> Any:
    raise AssertionError("measured through prepare()")


def count_fixture_call(
    item: pytest.Item, budget: ResolvedBudget, prepare: Callable[[], Callable[[], Any]]
) -> tuple[Any, InstructionFigures, MemoryResult | None]:
    """The ``perfgate`` fixture's call counted (one warm-up, up to three counted calls), then its memory
    on one more call; returns the last call's result, the counts and the peak."""
    counter = _counter(item.config)
    assert counter is not None
    measurement = counter.measure(_unused, warmup=1, rounds=ROUNDS, prepare=prepare, long_call_s=LONG_CALL_S)
    figures = instruction_figures(measurement, budget, "perfgate fixture")
    peak = None if budget.memory is None else memory.measure_call(item, budget.memory, prepare())
    return measurement.result, figures, peak


def gate_reason(config: pytest.Config, kind: str) -> str | None:
    """Why a gate beyond one call is not measured in this session (instructions mode), or None."""
    if not active(config):
        return None
    return f"instructions mode counts single calls; the {kind} gate judges times or many calls"


def scaling(
    item: pytest.Item,
    fn: Callable[[Any], Any],
    sizes: Sequence[float],
    make_input: Callable[[Any], Any],
    max_exponent: float,
) -> Callable[[], CountedScaling]:
    """The scaling gate's measurement on counts (deterministic: the caller does not confirm it)."""
    from ..gates import scaling_counts  # loaded by the tests that use it

    counter = _counter(item.config)
    assert counter is not None
    return lambda: scaling_counts.measure(counter, fn, sizes, make_input, max_exponent)


def _count_benchmark(benchmark: Any, counter: Counter, sink: list[Measurement[Any]]) -> None:
    """pytest-benchmark's fixture made to count the function it is given instead of timing it."""

    def raw(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(fn, *args, **kwargs)
        sink.append(counter.measure(call, warmup=1, rounds=ROUNDS, long_call_s=LONG_CALL_S))
        return sink[-1].result

    def raw_pedantic(
        target: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[..., Any] | None = None,
        **ignored: Any,
    ) -> Any:
        def prepare() -> Callable[[], Any]:
            made = setup() if setup is not None else None
            call_args, call_kwargs = made if made else (args, kwargs or {})
            return functools.partial(target, *call_args, **call_kwargs)

        sink.append(
            counter.measure(_unused, warmup=1, rounds=ROUNDS, prepare=prepare, long_call_s=LONG_CALL_S)
        )
        if teardown is not None:
            teardown(*args, **(kwargs or {}))
        return sink[-1].result

    benchmark._raw = raw
    benchmark._raw_pedantic = raw_pedantic


def _count_body(item: pytest.Item, counter: Counter, sink: list[Measurement[Any]]) -> Callable[[], None]:
    """The test function replaced by one that counts its one call; returns how to put it back."""
    original = item.obj  # type: ignore[attr-defined]

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        with steady_gc():
            gc.collect()
            counts, result = counter.count_call(lambda: original(*args, **kwargs))
        sink.append(Measurement(counts=[counts], result=result))
        return result

    item.obj = counted  # type: ignore[attr-defined]

    def restore() -> None:
        item.obj = original  # type: ignore[attr-defined]

    return restore


def measure_test(
    item: pytest.Item, budget: ResolvedBudget
) -> Generator[None, object, tuple[object, InstructionFigures | None, str]]:
    """Wrap the call of a test using ``benchmark``, or of a test body: its result, its counts (None when
    nothing was counted) and why its memory is not measured."""
    counter = _counter(item.config)
    assert counter is not None
    sink: list[Measurement[Any]] = []
    restore: Callable[[], None] = lambda: None  # noqa: E731
    if "benchmark" in getattr(item, "fixturenames", ()):
        method, why = "benchmark fixture", "the benchmark fixture's calls are counted in instructions mode"
        _count_benchmark(item.funcargs["benchmark"], counter, sink)  # type: ignore[attr-defined]
    else:
        method, why = "test body", "the test body's one call is counted in instructions mode"
        restore = _count_body(item, counter, sink)
    try:
        result = yield
    finally:
        restore()
    figures = instruction_figures(sink[-1], budget, method) if sink else None
    return result, figures, why
