"""``perfgate merge A.json B.json ... -o OUT.json``: the reports of sharded CI jobs as one."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..record import Record
from ..reports.files import ReportPathError, check_writable, write_atomically
from ..reports.jsonfile import dumps
from ..reports.model import Report, by_nodeid
from .common import CommandError, load

HELP = "merge the JSON reports of sharded runs into one"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT.json", help="reports to merge")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.json", help="where to write the result")
    parser.add_argument(
        "--prefer",
        choices=("newest",),
        default=None,
        help="when a test is in several reports, keep the one from the newest report "
        "(default: that is an error)",
    )
    parser.set_defaults(run=run)


def _comparable(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in settings.items() if key != "sources"}


def merge(parts: Sequence[tuple[str, Report]], prefer: str | None = None) -> Report:
    """One report of all tests; a test in two parts is an error unless ``prefer="newest"``."""
    if not parts:
        raise CommandError("nothing to merge")
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
    created = [report.created for _, report in parts if report.created]
    return Report(
        tests=tuple(by_nodeid(record for _, _, record in chosen.values())),
        settings=first.settings,
        targets=first.targets,
        machine=first.machine,
        complete=all(report.complete for _, report in parts),
        created=min(created, default=""),
        warnings=tuple(warnings),
        merged_from=tuple(
            {
                "path": source,
                "created": report.created,
                "complete": report.complete,
                "tests": len(report.tests),
                "cpu": report.machine.get("cpu"),
                "commit": report.machine.get("commit"),
            }
            for source, report in parts
        ),
    )


def run(arguments: argparse.Namespace) -> int:
    parts = [(path, load(path)) for path in arguments.reports]
    merged = merge(parts, arguments.prefer)
    output = Path(arguments.output)
    try:
        check_writable(output)
        write_atomically(output, dumps(merged))
    except ReportPathError as error:
        raise CommandError(str(error)) from None
    print(f"merged {len(parts)} reports ({len(merged.tests)} tests) into {output}")
    return 0
