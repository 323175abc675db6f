"""perfgate's state: one :class:`PerfgateSession` under one key of ``config.stash``, created in
``pytest_configure`` with every plugin object it registers, and one :class:`TestState` per test."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..config import timescale
from ..config.markers import budget_for
from ..config.settings import Settings
from ..config.targets import ResolvedBudget
from ..config.unmatched import Unmatched, UnmatchedPatterns
from ..measure.deadline import Deadline
from ..record import Record

if TYPE_CHECKING:
    from ..history.check import HistoryCheck
    from ..measure.contention import ReferenceProbe, Watch
    from ..measure.instructions import Counter
    from ..verdict.baseline import Baseline
    from ..verdict.noisy_time import Policy


@dataclass
class PerfgateSession:
    """What the whole run shares: the settings, the time scale, the memory backend, the reference probe,
    the baseline, the run's warnings, and the plugin objects registered for it."""

    settings: Settings
    time_scale: float
    memory_backend: str
    #: This machine's score, measured at configure time when ``reference_score`` is set.
    machine_score: float | None = None
    #: The report given with ``--perfgate-baseline``.
    baseline: Baseline | None = None
    #: Run-level warnings every report shows (e.g. "times taken while other tests ran").
    run_warnings: list[str] = field(default_factory=list)
    #: Benchmarks the xdist workers measured and sent to the controller's pytest-benchmark session.
    shipped_benchmarks: int = 0
    unmatched: UnmatchedPatterns | None = None
    history_check: HistoryCheck | None = None
    #: The instruction counter, in instructions mode (the session relaunched under callgrind).
    counter: Counter | None = None
    #: The plugin objects registered for this session, by name, unregistered at its end.
    plugins: dict[str, object] = field(default_factory=dict)
    _probe: ReferenceProbe | None = None

    @classmethod
    def of(cls, config: pytest.Config) -> PerfgateSession:
        """The session perfgate's ``pytest_configure`` made."""
        return config.stash[SESSION]

    @property
    def unmatched_patterns(self) -> list[str]:
        """Messages about ``[tool.perfgate.tests]`` patterns that matched no collected test."""
        found = None if self.unmatched is None else self.unmatched.messages
        return list(found or [])

    @property
    def probe(self) -> ReferenceProbe:
        """This process's reference probe (its baseline is taken at first use)."""
        if self._probe is None:
            from ..measure.contention import ReferenceProbe

            self._probe = ReferenceProbe()
        return self._probe

    def watch(self) -> Watch:
        """A watch on the machine for one measurement (run-queue wait, reference probe)."""
        from ..measure.contention import Watch

        return Watch(self.probe)

    def deadline(self, item: pytest.Item | None = None) -> Deadline:
        """The deadline of one test's verdict: ``--perfgate-max-time`` from now. Given the test, its
        rounds leave time for the memory call after them, and that call and the profile's are checked
        against it too (see :func:`call_allowed`)."""
        deadline = Deadline(self.settings.max_time)
        if item is not None:
            test = state(item)
            budget = test.budget or budget_for(self.settings, self.time_scale)
            deadline.calls_after = 0 if budget.memory is None else 1
            test.deadline = deadline
        return deadline

    def policy(self) -> Policy:
        from ..verdict.noisy_time import Policy

        return Policy(confirm=self.settings.confirm, max_time=self.settings.max_time)

    def time_limit(self, nodeid: str, budget: ResolvedBudget) -> float | None:
        """The tightest time the test's statistic must stay under: its budget or its baseline's limit."""
        limits = [budget.time, None if self.baseline is None else self.baseline.limit(nodeid, budget.stat)]
        return min((value for value in limits if value is not None), default=None)

    def register(self, config: pytest.Config, plugin: object, name: str) -> None:
        config.pluginmanager.register(plugin, name)
        self.plugins[name] = plugin

    def unregister(self, config: pytest.Config) -> None:
        for plugin in reversed(list(self.plugins.values())):
            if config.pluginmanager.is_registered(plugin):
                config.pluginmanager.unregister(plugin)
        self.plugins.clear()


@dataclass
class TestState:
    """One performance test's state: its budget, its record, its ``perfgate profile`` section."""

    __test__ = False  # not a test class, despite the name

    budget: ResolvedBudget | None = None
    record: Record | None = None
    profile_section: str | None = None
    #: The deadline of the test's verdict, once its measurement started.
    deadline: Deadline | None = None
    #: Why memory was not measured, when the deadline left no time for its call ("" otherwise).
    memory_why: str = ""


SESSION = pytest.StashKey[PerfgateSession]()
TEST = pytest.StashKey[TestState]()


def state(item: pytest.Item) -> TestState:
    """The test's state (made empty on first use)."""
    return item.stash.setdefault(TEST, TestState())


def call_allowed(item: pytest.Item, what: str) -> str:
    """Why one more call (``what``: its purpose) may not start: ``--perfgate-max-time`` was spent on
    the measurement before it ("" when it may: the test's deadline has not passed)."""
    found = item.stash.get(TEST, None)
    deadline = None if found is None else found.deadline
    if deadline is None or deadline.allows_call():
        return ""
    return f"--perfgate-max-time ({deadline.max_time:g} s) was spent before {what}"


def budget_of(item: pytest.Item) -> ResolvedBudget | None:
    """The test's resolved budget (marker or pattern), None when it has neither."""
    found = item.stash.get(TEST, None)
    return None if found is None else found.budget


def start_session(config: pytest.Config, settings: Settings) -> PerfgateSession:
    """Make the session, put it in ``config.stash``, and register its plugin objects."""
    scale, score = timescale.time_scale(settings)
    session = PerfgateSession(settings, scale, _memory_backend(settings), score)
    session.baseline = _baseline(config, settings)
    config.stash[SESSION] = session
    session.unmatched = UnmatchedPatterns(settings)
    session.register(config, session.unmatched, "perfgate-unmatched-patterns")
    if not hasattr(config, "workerinput"):
        _register_reports(config, session)
    if config.getoption("perfgate_history_check", False):
        _register_history_check(config, session)
    return session


def stop_session(config: pytest.Config) -> None:
    """Unregister the session's plugin objects (``pytest_unconfigure``)."""
    session = config.stash.get(SESSION, None)
    if session is not None:
        session.unregister(config)


def _memory_backend(settings: Settings) -> str:
    """The backend the session measures with; a usage error naming the setting's source if unusable."""
    from ..measure.memory import resolve_backend

    try:
        return resolve_backend(settings.memory_backend)
    except ValueError as error:
        source = settings.sources.get("memory_backend", "memory_backend")
        raise pytest.UsageError(f"perfgate: {source}: {error}") from None


def _baseline(config: pytest.Config, settings: Settings) -> Baseline | None:
    """``--perfgate-baseline``, read now; a bad file is a usage error."""
    path = config.getoption("perfgate_baseline", None)
    if not path:
        return None
    from ..reports.reader import ReportError
    from ..verdict.baseline import load

    try:
        return load(path, settings.max_regression, settings.max_instructions_regression)
    except ReportError as error:
        raise pytest.UsageError(f"perfgate: --perfgate-baseline: {error}") from None


def _register_reports(config: pytest.Config, session: PerfgateSession) -> None:
    from ..reports.collector import PerfgateReports

    reports = PerfgateReports(config, session.settings, SessionFacts(config))
    session.register(config, reports, "perfgate-reports")
    if config.getoption("perfgate_history", None) is not None:
        from ..history.recorder import HistoryRecorder, store_location

        recorder = HistoryRecorder(config, reports, store_location(config))
        session.register(config, recorder, "perfgate-history-recorder")


def _register_history_check(config: pytest.Config, session: PerfgateSession) -> None:
    from ..history.check import HistoryCheck
    from ..history.store import resolve_location

    location = resolve_location(
        config.getoption("perfgate_history", None),
        Path(config.rootpath),
        Path(config.invocation_params.dir),
    )
    session.history_check = HistoryCheck(session.settings, location, Path(config.rootpath))
    session.register(config, session.history_check, "perfgate-history-check")


class SessionFacts:
    """:class:`RunFacts` read from perfgate's session object."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def time_scale(self) -> float:
        return PerfgateSession.of(self.config).time_scale

    def run_warnings(self) -> Sequence[str]:
        return list(PerfgateSession.of(self.config).run_warnings)

    def shipped_benchmarks(self) -> int:
        return PerfgateSession.of(self.config).shipped_benchmarks

    def unmatched_patterns(self) -> Sequence[Unmatched]:
        unmatched = PerfgateSession.of(self.config).unmatched
        return [] if unmatched is None else list(unmatched.found)

    def performance_tests(self, session: pytest.Session) -> Collection[str] | None:
        controller = self.config.pluginmanager.get_plugin("perfgate-xdist-controller")
        if controller is not None:  # the workers collected; the first to report named them
            announced = getattr(controller, "performance", None)
            return None if announced is None else list(announced)
        return [
            item.nodeid
            for item in session.items
            if budget_of(item) is not None or "perfgate" in getattr(item, "fixturenames", ())
        ]
