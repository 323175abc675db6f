"""Instruction counts of single calls under callgrind: each counted call runs as the callback of
libc's ``qsort``, callgrind collects inside ``qsort_r`` only and dumps when it leaves, one dump a call;
instrumentation starts off and is switched on around the counted calls through ``vgdb``."""

from __future__ import annotations

import ctypes
import gc
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

__all__ = [
    "DIR_ENV",
    "INSTR_ENV",
    "CallgrindError",
    "Counter",
    "Counts",
    "Measurement",
    "callgrind_options",
    "cycles_estimate",
    "parse_dump",
    "read_dump",
    "steady_gc",
    "under_callgrind",
    "valgrind_command",
    "valgrind_log",
    "valgrind_missing",
]

T = TypeVar("T")

#: Set by perfgate on the relaunched session: the directory callgrind writes its dumps to.
DIR_ENV = "PERFGATE_CALLGRIND_DIR"
#: Set with it: ``"on"`` when instrumentation runs from the start, ``"off"`` when it is switched on.
INSTR_ENV = "PERFGATE_CALLGRIND_INSTR"
#: The libc function whose every entry and exit callgrind watches (``qsort`` calls it).
TOGGLE_FUNCTIONS = ("qsort_r", "__qsort_r")
DUMP_PREFIX = "callgrind.out"
VGDB_PREFIX = "vgdb-pipe"
LOG_PREFIX = "valgrind.log"
#: How long a switch of instrumentation may take before it is an error.
SWITCH_TIMEOUT_S = 60.0


class CallgrindError(RuntimeError):
    """Counting is impossible here: not under callgrind, or callgrind did not see the call."""


@dataclass(frozen=True)
class Counts:
    """What callgrind counted in one call: ``instructions`` (Ir), and every event by name."""

    instructions: int
    events: Mapping[str, int] = field(default_factory=dict)

    @property
    def cycles_est(self) -> int | None:
        """Estimated cycles (:func:`cycles_estimate`); None without cache simulation."""
        return cycles_estimate(self.events)


@dataclass(frozen=True)
class Measurement(Generic[T]):
    """The counts of each counted call, and the result of the last call."""

    counts: Sequence[Counts]
    result: T

    @property
    def instructions(self) -> int:
        """The figure of the measurement: the median count (counted calls normally agree exactly)."""
        return _lower_median([c.instructions for c in self.counts])

    @property
    def cycles_est(self) -> int | None:
        """The median estimated cycle count; None without cache simulation."""
        cycles = [c for c in (c.cycles_est for c in self.counts) if c is not None]
        return _lower_median(cycles) if cycles else None


def _lower_median(values: Sequence[int]) -> int:
    """The middle value, the lower of the two middle ones for an even count: always a value counted."""
    return sorted(values)[(len(values) - 1) // 2]


# -- the child: where are we, and reading callgrind's dumps ---------------------------------------


def under_callgrind() -> bool:
    """Whether this process is a session perfgate started under callgrind (env var and valgrind loaded)."""
    if not os.environ.get(DIR_ENV):
        return False
    if "vgpreload_core" in os.environ.get("LD_PRELOAD", ""):
        return True
    try:
        return "vgpreload_core" in Path("/proc/self/maps").read_text()
    except OSError:
        return False


def parse_dump(text: str) -> dict[str, int]:
    """A callgrind dump's event totals: the ``events:`` names with the ``summary:`` or ``totals:`` line.

    Reading stops at the header's ``summary:`` line, so the head of a large dump is enough.
    """
    names: list[str] | None = None
    values: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("events:"):
            names = line.split()[1:]
        elif line.startswith(("summary:", "totals:")):
            values = line.split()[1:]
        if names is not None and values is not None:
            break
    if not names or values is None:
        raise ValueError("not a callgrind dump: no 'events:' line or no 'summary:'/'totals:' line")
    if len(values) > len(names):
        raise ValueError(f"callgrind dump has {len(values)} totals for {len(names)} events")
    counts = dict.fromkeys(names, 0)  # trailing zero totals may be left out
    counts.update(zip(names[: len(values)], (int(value) for value in values), strict=True))
    return counts


def read_dump(path: Path, head: int = 8192) -> dict[str, int]:
    """:func:`parse_dump` of a dump file, reading only its head when the summary is there."""
    with path.open("rb") as dump:
        text = dump.read(head)
        summary = text.find(b"\nsummary:")
        if summary < 0 or text.find(b"\n", summary + 1) < 0:  # not there, or cut short
            text += dump.read()
    return parse_dump(text.decode(errors="replace"))


#: Miss penalties of the cycle estimate: L1 miss 10 cycles, last-level miss 100 cycles.
L1_MISS_CYCLES = 10
LL_MISS_CYCLES = 100
_L1_MISSES = ("I1mr", "D1mr", "D1mw")
_LL_MISSES = ("ILmr", "DLmr", "DLmw")


def cycles_estimate(events: Mapping[str, int]) -> int | None:
    """KCachegrind's usual estimate, CEst = Ir + 10 x (I1mr + D1mr + D1mw) + 100 x (ILmr + DLmr + DLmw).

    None when the events have no cache misses (callgrind ran without ``--cache-sim=yes``).
    """
    if "Ir" not in events or not all(name in events for name in (*_L1_MISSES, *_LL_MISSES)):
        return None
    l1 = sum(events[name] for name in _L1_MISSES)
    last_level = sum(events[name] for name in _LL_MISSES)
    return events["Ir"] + L1_MISS_CYCLES * l1 + LL_MISS_CYCLES * last_level


# -- the child: counting one call -----------------------------------------------------------------

_Compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


#: Calls that warm up the counting machinery's own Python code (3.11 quickens code at its 8th call).
WARM_CALLS = 16


def _nothing() -> None:
    return None


class _Trampoline:
    """Runs a callable as the comparison callback of libc's ``qsort`` on two ints (one callback)."""

    def __init__(self) -> None:
        libc = ctypes.PyDLL(None)  # PyDLL: the GIL stays held, nothing else runs in between
        self._qsort = libc.qsort
        self._qsort.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, _Compare]
        self._qsort.restype = None
        self._items = (ctypes.c_int * 2)(0, 1)
        self._job: Callable[[], None] | None = None
        self._running = False
        self._compare = _Compare(self._callback)  # kept alive as long as the trampoline
        for _ in range(WARM_CALLS):  # the interpreter specialises (quickens) code after a few calls
            self.call(_nothing)

    def _callback(self, left: int | None, right: int | None) -> int:
        job, self._job = self._job, None
        if job is not None:
            job()
        return 0

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` from inside ``qsort``; its exception, if any, is raised after ``qsort`` returns."""
        if self._running:
            raise CallgrindError("a counted call cannot count another call inside it")
        outcome: list[T] = []
        errors: list[BaseException] = []

        def job() -> None:
            try:
                outcome.append(fn())
            except BaseException as error:  # a ctypes callback cannot raise: carried out instead
                errors.append(error)

        self._job, self._running = job, True
        try:
            self._qsort(self._items, 2, ctypes.sizeof(ctypes.c_int), self._compare)
        finally:
            called, self._job, self._running = self._job is None, None, False
        if errors:
            raise errors[0]
        if not called:
            raise CallgrindError("libc's qsort did not call its comparison function")
        return outcome[0]


class _Dumps:
    """The dumps callgrind writes for this process: ``callgrind.out.<pid>.<n>``, one per qsort_r exit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def pending(self) -> list[Path]:
        """This process's numbered dumps, oldest first."""
        prefix = f"{DUMP_PREFIX}.{os.getpid()}."
        found = [
            (int(path.name[len(prefix) :]), path)
            for path in self.directory.glob(prefix + "*")
            if path.name[len(prefix) :].isdigit()
        ]
        return [path for _, path in sorted(found)]

    def drain(self) -> None:
        """Delete the dumps left by earlier calls of qsort (ours, or anybody's)."""
        for path in self.pending():
            path.unlink(missing_ok=True)

    def take(self) -> Counts:
        """The counts of the call just made: the sum of the dumps written since :meth:`drain`."""
        paths = self.pending()
        if not paths:
            raise CallgrindError(
                f"callgrind wrote no dump in {self.directory} for the counted call: is this session running "
                f"under callgrind with --dump-after={TOGGLE_FUNCTIONS[0]}, and instrumentation on?"
            )
        events: dict[str, int] = {}
        for path in paths:
            for name, value in read_dump(path).items():
                events[name] = events.get(name, 0) + value
            path.unlink(missing_ok=True)
        return Counts(instructions=events.get("Ir", 0), events=events)


def _vgdb() -> str:
    valgrind = shutil.which("valgrind")
    beside = Path(valgrind).with_name("vgdb") if valgrind else None
    return str(beside) if beside is not None and beside.exists() else shutil.which("vgdb") or "vgdb"


@contextmanager
def steady_gc() -> Iterator[None]:
    """Python's cyclic GC made cheap to reset: everything collected and frozen (``gc.freeze``) for the block.

    A ``gc.collect()`` inside then sees only the newer objects: the reset before each counted call.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Counter:
    """Counts calls of this process under callgrind: one per session, kept in the session's state."""

    def __init__(self, directory: Path, instr_switched: bool) -> None:
        self.pid = os.getpid()
        self.dumps = _Dumps(directory)
        self.trampoline = _Trampoline()
        #: Instrumentation starts off and is switched on around counted calls.
        self.instr_switched = instr_switched
        self.instr_on = False

    @classmethod
    def from_environment(cls) -> Counter:
        """The counter of a session perfgate started under callgrind; CallgrindError anywhere else."""
        if not under_callgrind():
            raise CallgrindError(f"not running under callgrind started by perfgate (no {DIR_ENV})")
        return cls(Path(os.environ[DIR_ENV]), os.environ.get(INSTR_ENV, "on") == "off")

    def _check_process(self) -> None:
        if os.getpid() != self.pid:
            raise CallgrindError("a counter counts in the process that made it, not in a forked one")

    def count_call(self, fn: Callable[[], T]) -> tuple[Counts, T]:
        """Count one call of ``fn``; inside an :meth:`instrumentation` block, else in one of its own."""
        self._check_process()
        if self.instr_switched and not self.instr_on:
            with self.instrumentation():
                return self.count_call(fn)
        self.dumps.drain()
        try:
            result = self.trampoline.call(fn)
        except BaseException:
            self.dumps.drain()
            raise
        return self.dumps.take(), result

    def _switch(self, state: str) -> None:
        """Tell callgrind (through vgdb and valgrind's gdbserver) to turn instrumentation on or off."""
        command = [
            _vgdb(),
            f"--vgdb-prefix={self.dumps.directory / VGDB_PREFIX}",
            f"--pid={os.getpid()}",
            "instrumentation",
            state,
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SWITCH_TIMEOUT_S
        # Keep executing meanwhile: the gdbserver looks for vgdb's request every few thousand blocks.
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise CallgrindError(
                    f"callgrind did not switch instrumentation {state} in {SWITCH_TIMEOUT_S:.0f} s"
                )
        output = process.stdout.read().decode(errors="replace").strip() if process.stdout else ""
        if process.returncode != 0:
            raise CallgrindError(f"could not switch callgrind's instrumentation {state}: {output}")
        self.instr_on = state == "on"

    @contextmanager
    def instrumentation(self) -> Iterator[None]:
        """Callgrind's instrumentation on during the block (then off again, if the session started it off)."""
        self._check_process()
        if not self.instr_switched or self.instr_on:
            yield
            return
        self._switch("on")
        try:
            # The first dump after a switch is off by the previous period's costs: a call to throw away.
            self.dumps.drain()
            self.trampoline.call(_nothing)
            self.dumps.drain()
            yield
        finally:
            self._switch("off")

    def measure(
        self,
        fn: Callable[[], T],
        *,
        warmup: int = 1,
        rounds: int = 1,
        prepare: Callable[[], Callable[[], T]] | None = None,
        long_call_s: float | None = None,
    ) -> Measurement[T]:
        """Call ``fn`` ``warmup`` times uncounted (compilation, caches), then count ``rounds`` calls of it.

        ``prepare`` (optional) makes each call's callable, uncounted (e.g. a setup); one counted call
        only when a warm-up call took longer than ``long_call_s``. The collector is reset before each.
        """
        if rounds < 1 or warmup < 0:
            raise ValueError(f"rounds must be >= 1 and warmup >= 0 (got rounds={rounds}, warmup={warmup})")
        self._check_process()
        make = prepare or (lambda: fn)
        counts: list[Counts] = []
        with steady_gc():
            for _ in range(warmup):  # through qsort like the counted calls, so the same code is warm
                started = time.perf_counter()
                self.trampoline.call(make())
                if long_call_s is not None and time.perf_counter() - started > long_call_s:
                    rounds = 1
            gc.collect()
            gc.freeze()  # what the warm-up left (compiled code, caches) too: the resets stay cheap
            self.dumps.drain()
            with self.instrumentation():
                for _ in range(rounds):
                    call = make()
                    gc.collect()
                    count, result = self.count_call(call)
                    counts.append(count)
        return Measurement(counts=counts, result=result)


# -- the parent: relaunching the session under callgrind ------------------------------------------


#: The simulated caches (size, associativity, line size), the same on every machine so that
#: cycle estimates compare across CI runners: 32 KiB 8-way L1s and an 8 MiB 16-way last level.
SIMULATED_CACHES = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")


def callgrind_options(out_dir: str, cache_sim: bool, *, instr_atstart: bool, all_threads: bool) -> list[str]:
    """Callgrind's options: collect inside ``qsort_r`` only, one dump per call, instrumentation as asked.

    ``all_threads`` counts every thread while the call runs (else only the calling thread).
    """
    if all_threads:  # everything collects; costs are zeroed when qsort_r starts
        collect = ["--collect-atstart=yes", *(f"--zero-before={name}" for name in TOGGLE_FUNCTIONS)]
    else:
        collect = ["--collect-atstart=no", *(f"--toggle-collect={name}" for name in TOGGLE_FUNCTIONS)]
    return [
        "--tool=callgrind",
        "--quiet",
        f"--log-file={os.path.join(out_dir, LOG_PREFIX)}.%p",  # e.g. the cache warnings; shown on failure
        f"--callgrind-out-file={os.path.join(out_dir, DUMP_PREFIX)}.%p",
        *collect,
        *(f"--dump-after={name}" for name in TOGGLE_FUNCTIONS),
        f"--instr-atstart={'yes' if instr_atstart else 'no'}",
        "--vgdb=yes",
        f"--vgdb-prefix={os.path.join(out_dir, VGDB_PREFIX)}",
        *(["--cache-sim=yes", *SIMULATED_CACHES] if cache_sim else ["--cache-sim=no"]),
    ]


def valgrind_command(
    argv: Sequence[str],
    out_dir: str | os.PathLike[str],
    cache_sim: bool,
    *,
    instr_atstart: bool = False,
    all_threads: bool = False,
    valgrind: str | None = None,
    python: str = sys.executable,
    environ: Mapping[str, str] = os.environ,
) -> list[str]:
    """The command rerunning ``python -m pytest <argv>`` under callgrind, dumps going to ``out_dir``;
    ``env`` sets :data:`DIR_ENV`, :data:`INSTR_ENV`, a fixed ``PYTHONHASHSEED`` and ``PYTHONMALLOC=malloc``
    (each unless set): counts that do not hang on string hashes or on where pymalloc placed a block."""
    out = os.fspath(out_dir)
    return [
        shutil.which("env") or "/usr/bin/env",
        f"{DIR_ENV}={out}",
        f"{INSTR_ENV}={'on' if instr_atstart else 'off'}",
        f"PYTHONHASHSEED={environ.get('PYTHONHASHSEED', '0')}",
        # pymalloc's free costs more or less by where its arena lies: a count would depend on the run's past
        f"PYTHONMALLOC={environ.get('PYTHONMALLOC', 'malloc')}",
        valgrind or shutil.which("valgrind") or "valgrind",
        *callgrind_options(out, cache_sim, instr_atstart=instr_atstart, all_threads=all_threads),
        python,
        "-m",
        "pytest",
        *argv,
    ]


def valgrind_log(out_dir: str | os.PathLike[str]) -> str:
    """What valgrind wrote in the session's log files (its warnings and errors), for a failure report."""
    logs = sorted(Path(out_dir).glob(LOG_PREFIX + ".*"))
    return "".join(path.read_text(errors="replace") for path in logs)


def valgrind_missing(
    platform: str = sys.platform, which: Callable[[str], str | None] = shutil.which
) -> str | None:
    """None where callgrind can run; else the usage error to show, naming the package to install."""
    mode = "--perfgate-measure=instructions counts instructions with Valgrind's callgrind"
    if platform == "darwin" or platform.startswith(("win", "cygwin", "msys")):
        name = "macOS" if platform == "darwin" else "Windows"
        return (
            f"{mode}, which is not available on {name}: run this mode on Linux "
            "(a CI runner or a container with the 'valgrind' package installed)"
        )
    missing = [tool for tool in ("valgrind", "vgdb") if which(tool) is None]
    if not missing:
        return None
    return (
        f"{mode}, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on PATH: "
        "install the 'valgrind' package (Debian/Ubuntu: sudo apt-get install valgrind; "
        "Fedora/RHEL: sudo dnf install valgrind; Arch: sudo pacman -S valgrind)"
    )
