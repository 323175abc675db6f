"""The one reader of JSON reports: typed objects from good files, one line naming file and field for bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reportdata import sample_report

from pytest_perfgate.reports import reader
from pytest_perfgate.reports.jsonfile import dumps
from pytest_perfgate.reports.reader import ReportError, read_report, record_from_dict


def good() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(dumps(sample_report()))
    return document


def error_of(path: Path) -> str:
    with pytest.raises(ReportError) as caught:
        read_report(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    return message[len(f"{path}: ") :]


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "report.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_written_report_reads_back_as_typed_objects(tmp_path: Path) -> None:
    report = read_report(write(tmp_path, dumps(sample_report())))
    assert report == sample_report()
    first = report.tests[0]
    assert first.time is not None and isinstance(first.time.value_s, float)
    assert isinstance(report.warnings, tuple)


def test_keys_it_does_not_know_are_ignored(tmp_path: Path) -> None:
    document = good()
    document["future"] = 1
    document["tests"][0]["future"] = {"x": 1}
    document["tests"][0]["time"]["future"] = 2
    assert read_report(write(tmp_path, json.dumps(document))).tests == sample_report().tests


def test_optional_figures_may_be_left_out(tmp_path: Path) -> None:
    document = {"schema": "pytest-perfgate/1", "tests": [{"nodeid": "t", "verdict": "pass", "target": None}]}
    del document["tests"][0]["target"]  # type: ignore[attr-defined]
    report = read_report(write(tmp_path, json.dumps(document)))
    assert report.tests[0].target is None and report.tests[0].notes == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ("[]", "not a pytest-perfgate report (a list, not a JSON object)"),
        ('{"schema": "pytest-benchmark/4"}', "not a pytest-perfgate report: schema 'pytest-benchmark/4'"),
        ('{"machine_info": {}}', "not a pytest-perfgate report: no schema key"),
        ('{"schema": "pytest-perfgate/1"}', "field tests: is missing"),
        ('{"schema": "pytest-perfgate/1", "tests": {}}', "field tests: must be a list, not an object"),
        ('{"schema": "pytest-perfgate/1", "tests": [[]]}', "field tests[0]: must be an object, not a list"),
        (
            '{"schema": "pytest-perfgate/1", "tests": [{"verdict": "pass"}]}',
            "field tests[0].nodeid: is missing",
        ),
        (
            '{"schema": "pytest-perfgate/1", "tests": [{"nodeid": "t", "verdict": "great"}]}',
            "field tests[0].verdict: the string 'great' is not one of pass, fail, warn, not-measured",
        ),
        (
            '{"schema": "pytest-perfgate/1", "tests": [{"nodeid": "", "verdict": "pass"}]}',
            "field tests[0].nodeid: must not be empty",
        ),
    ],
)
def test_structure(tmp_path: Path, content: str, message: str) -> None:
    assert error_of(write(tmp_path, content)).startswith(message)


def set_field(document: dict[str, Any], path: str, value: object) -> None:
    parts: list[str | int] = [int(part) if part.isdigit() else part for part in path.split(".")]
    target: Any = document
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("warnings", 5, "field warnings: must be a list, not the number 5"),
        ("warnings", [1], "field warnings[0]: must be a string, not the number 1"),
        ("complete", "yes", "field complete: must be true or false, not the string 'yes'"),
        ("targets", {"a": 1}, "field targets.a: must be an object, not the number 1"),
        ("settings", [], "field settings: must be an object, not a list"),
        ("duration_s", -1, "field duration_s: must not be negative, not the number -1"),
        ("exit_status", 1.5, "field exit_status: must be a whole number, not the number 1.5"),
        ("tests.0.notes", None, "field tests[0].notes: must be a list, not null"),
        ("tests.0.target", 5, "field tests[0].target: must be a string, not the number 5"),
        ("tests.0.time.value_s", None, "field tests[0].time.value_s: must be a number, not null"),
        (
            "tests.0.time.value_s",
            "fast",
            "field tests[0].time.value_s: must be a number, not the string 'fast'",
        ),
        ("tests.0.time.stat", 5, "field tests[0].time.stat: must be a string, not the number 5"),
        ("tests.0.time.stat", "p50", "field tests[0].time.stat: the string 'p50' is not one of min, median"),
        ("tests.0.time.data", [0.1, "x"], "field tests[0].time.data[1]: must be a number"),
        ("tests.0.time.data", [0.1, -0.1], "field tests[0].time.data[1]: must not be negative"),
        ("tests.0.time", [], "field tests[0].time: must be an object, not a list"),
        ("tests.0.memory.peak_bytes", "1MB", "field tests[0].memory.peak_bytes: must be a number"),
        (
            "tests.0.memory.peak_bytes",
            10**30,
            "field tests[0].memory.peak_bytes: a number of 31 digits is out",
        ),
        ("tests.0.extra", {"scaling": {"ratio": 10**40}}, "field tests[0].extra.scaling.ratio: a number of"),
        ("tests.0.profile", [5], "field tests[0].profile[0]: must be an object, not the number 5"),
        ("tests.0.contention", "busy", "field tests[0].contention: must be an object, not the string 'busy'"),
        ("tests.1", 7, "field tests[1]: must be an object, not the number 7"),
    ],
)
def test_field_types(tmp_path: Path, field: str, value: object, message: str) -> None:
    document = good()
    set_field(document, field, value)
    assert error_of(write(tmp_path, json.dumps(document))).startswith(message)


@pytest.mark.parametrize(
    ("literal", "shown"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "Infinity")],
)
def test_non_finite_numbers(tmp_path: Path, literal: str, shown: str) -> None:
    document = good()
    document["tests"][0]["time"]["value_s"] = "@@"
    text = json.dumps(document).replace('"@@"', literal)
    message = error_of(write(tmp_path, text))
    assert message == f"field tests[0].time.value_s: must be a finite number, not {shown}"
    document = good()
    document["machine"]["speed"] = "@@"
    assert error_of(write(tmp_path, json.dumps(document).replace('"@@"', literal))).startswith(
        "field machine.speed: must be a finite number"
    )


def test_latin_1_bytes(tmp_path: Path) -> None:
    document = good()
    document["tests"][0]["nodeid"] = "test_caf\u00e9"
    path = write(tmp_path, json.dumps(document, ensure_ascii=False).encode("latin-1"))
    assert error_of(path).startswith("not UTF-8 text (byte 0xe9 at offset ")


def test_deep_nesting(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "[" * 200_000 + "]" * 200_000)) == (
        "not a report: its JSON is nested too deeply to read"
    )
    document = good()
    document["settings"]["deep"] = "@@"
    text = json.dumps(document).replace('"@@"', "[" * 200 + "]" * 200)
    assert error_of(write(tmp_path, text)).startswith("field settings.deep")
    assert "nested more than 48 levels deep" in error_of(write(tmp_path, text))


def test_a_number_of_5001_digits(tmp_path: Path) -> None:
    document = good()
    document["duration_s"] = "@@"
    text = json.dumps(document).replace('"@@"', "1" * 5001)
    message = error_of(write(tmp_path, text))
    assert message.startswith("not valid JSON (line 1, column ") or message.startswith("field duration_s")
    assert "5001 digits" in message


def test_lone_surrogate(tmp_path: Path) -> None:
    document = good()
    document["tests"][0]["nodeid"] = "@@"
    text = json.dumps(document).replace('"@@"', '"t\\udc80"')
    assert error_of(write(tmp_path, text)) == (
        "field tests[0].nodeid: is not valid Unicode (it holds a lone surrogate escape)"
    )
    text = json.dumps(good()).replace('"ui_response":', '"ui\\udc80":')
    assert error_of(write(tmp_path, text)).startswith("field targets: is not valid Unicode")


def test_a_file_larger_than_any_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    path = write(tmp_path, " " * 2000 + dumps(sample_report()))
    assert error_of(path) == "larger than 1000 B, more than any report holds"


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + dumps(sample_report()).encode())
    assert read_report(path) == sample_report()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.json") == "no such file"
    assert error_of(tmp_path) == "is a directory, not a report file"


def test_record_from_dict_names_where() -> None:
    with pytest.raises(ReportError, match=r"^store: field record\.verdict: the string 'x' is not one of"):
        record_from_dict({"nodeid": "t", "verdict": "x"}, "store")
    assert record_from_dict({"nodeid": "t", "verdict": "pass"}, "store").nodeid == "t"
