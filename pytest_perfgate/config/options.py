"""perfgate's command-line options and ini keys; every default is None, so ini values are never hidden."""

from __future__ import annotations

import pytest

from .settings import SETTINGS


def benchmark_disabled(config: pytest.Config) -> bool:
    """Whether the user turned timing off (``--benchmark-disable`` without ``--benchmark-enable``)."""
    return bool(config.getoption("benchmark_disable", False)) and not config.getoption(
        "benchmark_enable", False
    )


def add_options(parser: pytest.Parser) -> None:
    """Register the settings' options and ini keys, then the options that are not settings."""
    group = parser.getgroup("perfgate", "performance budgets (pytest-perfgate)")
    for setting in SETTINGS:
        default = "none" if setting.default is None else setting.default
        group.addoption(
            setting.option,
            dest=setting.dest,
            default=None,
            metavar=setting.key.upper(),
            help=f"{setting.help} (ini {setting.ini}; default: {default})",
        )
        parser.addini(setting.ini, setting.help, default=None)
    parser.addini("perfgate_targets", "targets table rows: name = spec", type="linelist", default=None)
    parser.addini("perfgate_tests", "node-id pattern = target or spec", type="linelist", default=None)
    _add_other_options(group)


def _add_other_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--perfgate-target",
        dest="perfgate_target",
        action="append",
        default=None,
        metavar="NAME=SPEC",
        help="set one row of the targets table, e.g. strategy_creation=150ms (repeatable)",
    )
    group.addoption(
        "--perfgate-no-summary",
        dest="perfgate_no_summary",
        action="store_true",
        default=False,
        help="do not print the perfgate summary table",
    )
    for name, what in (
        ("json", "a JSON report"),
        ("markdown", "the summary as a Markdown table"),
        ("html", "a self-contained HTML report with a chart"),
    ):
        group.addoption(
            f"--perfgate-{name}",
            dest=f"perfgate_{name}",
            default=None,
            metavar="PATH",
            help=f"write {what} to PATH",
        )
    group.addoption(
        "--perfgate-baseline",
        dest="perfgate_baseline",
        default=None,
        metavar="REPORT.json",
        help="fail tests that regressed beyond --perfgate-max-regression against this report",
    )
    group.addoption(
        "--perfgate-history",
        dest="perfgate_history",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="append this run to the history store (default .perfgate/history.sqlite)",
    )
    group.addoption(
        "--perfgate-history-check",
        dest="perfgate_history_check",
        action="store_true",
        default=False,
        help="fail tests whose latest figures are a significant step up from their history",
    )
