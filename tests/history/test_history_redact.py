"""Store locations in messages: never a password, whichever way the URL carries it."""

from __future__ import annotations

import pytest

from pytest_perfgate.history.redact import redact, scrub, secrets_in


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("postgresql://ci:secret@db:5432/perf", "postgresql://ci:***@db:5432/perf"),
        ("postgresql://ci:p@ss@db/perf", "postgresql://ci:***@db/perf"),
        ("postgresql://ci:a/b?c#d@db/perf", "postgresql://ci:***@db/perf"),
        ("postgresql://ci@db/perf", "postgresql://ci@db/perf"),
        ("postgresql://db/perf", "postgresql://db/perf"),
        ("postgresql://db/perf?options=a@b", "postgresql://db/perf?options=a@b"),
        (
            "postgresql://127.0.0.1:1/perf?user=ci&password=QSECRET",
            "postgresql://127.0.0.1:1/perf?user=ci&password=***",
        ),
        (
            "postgres://db/perf?sslpassword=x1&PASSWORD=x2&a=1",
            "postgres://db/perf?sslpassword=***&PASSWORD=***&a=1",
        ),
        ("postgresql://u:one@db/perf?password=two", "postgresql://u:***@db/perf?password=***"),
        ("/tmp/history.sqlite", "/tmp/history.sqlite"),
        ("relative/p:w@x.sqlite", "relative/p:w@x.sqlite"),
    ],
)
def test_redact(location: str, shown: str) -> None:
    assert redact(location) == shown


def test_scrub_takes_every_form_of_the_password_out_of_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "fromtheenvironment")
    url = "postgresql://ci:p%40ss@w0rd@db/perf?password=QSECRET"
    message = (
        f'connection to {url} failed: could not translate host name "ss@w0rd@db" to address; '
        "password QSECRET, p@ss@w0rd, fromtheenvironment"
    )
    text = scrub(message, url)
    for secret in ("QSECRET", "p%40ss", "p@ss", "ss@w0rd", "fromtheenvironment"):
        assert secret not in text
    assert "postgresql://ci:***@db/perf?password=***" in text
    assert "fromtheenvironment" in secrets_in(url)


def test_short_secrets_do_not_mask_ordinary_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert scrub("the address of a database", "postgresql://u:ad@db/x") == "the address of a database"
