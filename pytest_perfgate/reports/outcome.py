"""What every report shows for a test: its verdict as pytest's outcome makes it (an expected failure is
``xfail``, a strict xfail that passed is a failure), so the reports count what pytest counts."""

from __future__ import annotations

from typing import Protocol

from ..record import FAIL, VERDICTS, Record

#: pytest's outcomes of a performance test as its summary counts them (``xpassed-strict``: a strict
#: xfail that passed, which pytest counts as failed).
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
XFAILED, XPASSED, XPASSED_STRICT = "xfailed", "xpassed", "xpassed-strict"
OUTCOMES = (PASSED, FAILED, SKIPPED, XFAILED, XPASSED, XPASSED_STRICT)

#: What the reports show and count beside the verdicts: pytest's expected failures and passes, skips.
XFAIL, XPASS, SKIP = "xfail", "xpass", "skip"
SHOWN = (*VERDICTS, XFAIL, XPASS, SKIP)


class PhaseReport(Protocol):
    """The parts of pytest's ``TestReport`` that say the outcome."""

    @property
    def outcome(self) -> str: ...

    @property
    def longrepr(self) -> object: ...


def outcome_of(report: PhaseReport) -> str:
    """pytest's outcome of a test's call (``wasxfail`` marks an expected failure or an xpass)."""
    if hasattr(report, "wasxfail"):
        return XFAILED if report.outcome == SKIPPED else XPASSED
    if report.outcome == FAILED and str(report.longrepr).startswith("[XPASS(strict)]"):
        return XPASSED_STRICT
    return report.outcome if report.outcome in OUTCOMES else FAILED


def shown(record: Record) -> str:
    """The verdict the reports show and count: the record's, unless pytest's outcome says otherwise."""
    outcome = record.outcome
    if outcome == XFAILED:
        return XFAIL
    if outcome == XPASSED:
        return XPASS
    if outcome == SKIPPED:
        return SKIP
    if outcome in (FAILED, XPASSED_STRICT):
        return FAIL
    return record.verdict


def verdict_text(record: Record) -> str:
    """The record's own verdict as text: ``FAIL`` in capitals, marginal, why it was not measured."""
    text = record.verdict.upper() if record.verdict == FAIL else record.verdict
    if record.marginal:
        text += " (marginal)"
    if record.verdict == "not-measured" and record.reason:
        text += f": {record.reason}"
    elif record.verdict == "pass" and " only: memory not measured" in record.reason:
        text += f" ({record.reason})"
    return text


def shown_text(record: Record) -> str:
    """The verdict column of every report: the verdict, with pytest's outcome where it differs."""
    verdict = verdict_text(record)
    outcome = record.outcome
    if outcome == XFAILED:
        return "xfail (over budget, as expected)" if record.verdict == FAIL else f"xfail ({verdict})"
    if outcome == XPASSED:
        return f"xpass ({verdict})"
    if outcome == XPASSED_STRICT:
        return f"FAIL (XPASS(strict): {verdict})"
    if outcome == SKIPPED:
        return f"skip ({verdict})"
    if outcome == FAILED and record.verdict != FAIL:
        return f"FAIL (the test failed; budget: {verdict})"
    return verdict
