"""``perfgate merge A.json B.json ... -o OUT.json [--expect N] [--markdown PATH] [--html PATH]``: the
reports of sharded CI jobs as one; exit status 1 when fewer reports than expected were given."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ..record import Record
from ..reports.model import Report, by_nodeid
from .common import CommandError, add_file_options, load, output_paths, write_files

HELP = "merge the JSON reports of sharded runs into one"

#: pytest's exit statuses from the best to the worst: the merged report takes its shards' worst
#: (no tests collected is the best: it only holds when no shard collected any). Others are worse still.
EXIT_STATUS_ORDER = (5, 0, 1, 2, 4, 3)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT.json", help="reports to merge")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.json", help="where to write the result")
    parser.add_argument(
        "--expect",
        type=_count,
        metavar="N",
        help="the number of reports expected (one per shard): with fewer, the merged report is "
        "incomplete, says how many are missing, and the exit status is 1; more is an error",
    )
    add_file_options(parser, "the merged report")
    parser.add_argument(
        "--prefer",
        choices=("newest",),
        default=None,
        help="when a test is in several reports, keep the one from the newest report "
        "(default: that is an error)",
    )
    parser.set_defaults(run=run)


def _count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of reports (1 or more)")
    return number


def worst_exit_status(statuses: Sequence[int | None]) -> int | None:
    """The worst of the shards' exit statuses (None where no shard recorded one)."""
    known = [status for status in statuses if status is not None]
    rank = {status: index for index, status in enumerate(EXIT_STATUS_ORDER)}
    return max(known, key=lambda status: (rank.get(status, len(rank)), status), default=None)


def missing_warning(given: int, expected: int | None) -> str | None:
    """The warning for shard reports that never arrived, or None when all did."""
    if expected is None or given >= expected:
        return None
    missing = expected - given
    verb = "is" if missing == 1 else "are"
    return (
        f"{missing} of {expected} expected shard reports {verb} missing (--expect {expected}, "
        f"{given} given): their tests are not in this report"
    )


def _comparable(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in settings.items() if key != "sources"}


def merge(
    parts: Sequence[tuple[str, Report]], prefer: str | None = None, expect: int | None = None
) -> Report:
    """One report of all tests; a test in two parts is an error unless ``prefer="newest"``. With
    ``expect``, fewer parts make the report incomplete (and say how many are missing)."""
    if not parts:
        raise CommandError("nothing to merge")
    if expect is not None and len(parts) > expect:
        raise CommandError(f"{len(parts)} reports given, more than --expect {expect}")
    chosen: dict[str, tuple[str, Report, Record]] = {}
    for source, report in parts:
        for record in report.tests:
            seen = chosen.get(record.nodeid)
            if seen is None:
                chosen[record.nodeid] = (source, report, record)
                continue
            if prefer != "newest":
                raise CommandError(
                    f"{record.nodeid} is in both {seen[0]} and {source}; "
                    "pass --prefer newest to keep the newer one"
                )
            if report.created >= seen[1].created:
                chosen[record.nodeid] = (source, report, record)
    first = parts[0][1]
    warnings: list[str] = []
    for source, report in parts:
        warnings += [warning for warning in report.warnings if warning not in warnings]
        if _comparable(report.settings) != _comparable(first.settings):
            warnings.append(f"{source} was run with other settings than {parts[0][0]}")
        if dict(report.targets) != dict(first.targets):
            warnings.append(f"{source} was run with another targets table than {parts[0][0]}")
    missing = missing_warning(len(parts), expect)
    warnings += [missing] if missing else []
    created = [report.created for _, report in parts if report.created]
    durations = [report.duration_s for _, report in parts if report.duration_s is not None]
    return Report(
        tests=tuple(by_nodeid(record for _, _, record in chosen.values())),
        settings=first.settings,
        targets=first.targets,
        machine=first.machine,
        complete=missing is None and all(report.complete for _, report in parts),
        created=min(created, default=""),
        # Shards run side by side: the wall time of the whole is the longest shard's.
        duration_s=max(durations, default=None),
        exit_status=worst_exit_status([report.exit_status for _, report in parts]),
        warnings=tuple(warnings),
        merged_from=tuple(
            {
                "path": source,
                "created": report.created,
                "complete": report.complete,
                "tests": len(report.tests),
                "duration_s": report.duration_s,
                "exit_status": report.exit_status,
                "cpu": report.machine.get("cpu"),
                "commit": report.machine.get("commit"),
            }
            for source, report in parts
        ),
    )


def run(arguments: argparse.Namespace) -> int:
    paths = output_paths(arguments, json=arguments.output)
    parts = [(path, load(path)) for path in arguments.reports]
    merged = merge(parts, arguments.prefer, arguments.expect)
    write_files(merged, paths)
    written = ", ".join(str(path) for path in paths.values())
    print(f"merged {len(parts)} reports ({len(merged.tests)} tests) into {written}")
    missing = missing_warning(len(parts), arguments.expect)
    if missing:
        print(f"perfgate merge: warning: {missing}", file=sys.stderr)
        return 1
    return 0
