"""A throwaway PostgreSQL server for the history store's tests, from Debian's postgresql packages.

``start()`` makes a cluster with initdb in a temporary folder, starts it on a free localhost port
(with its socket in the same folder) and returns its URL; as root, the server runs as the
``postgres`` user, since PostgreSQL refuses to run as root. ``Unavailable`` says why no server
could be started (binaries or the driver absent), for a visible skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any


class Unavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest version, or whatever is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running cluster: ``database()`` makes a fresh, empty database and returns its URL."""

    bindir: Path
    base: Path
    port: int
    user: dict[str, Any]
    _numbers: count[int] = field(default_factory=lambda: count(1))

    @property
    def admin_url(self) -> str:
        return f"postgresql://perfgate@127.0.0.1:{self.port}/postgres"

    def database(self) -> str:
        import psycopg

        name = f"history_{next(self._numbers)}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://perfgate@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
            cwd=self.base,
            **self.user,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def start() -> Server:
    """Start a server, or raise :class:`Unavailable` with the reason."""
    bindir = binaries()
    if bindir is None:
        raise Unavailable("PostgreSQL server binaries not found (apt-get install -y postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install 'pytest-perfgate[postgres]')") from None
    user: dict[str, Any] = {}
    base = Path(tempfile.mkdtemp(prefix="perfgate-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            raise Unavailable("running as root and there is no 'postgres' user to run the server") from None
        os.chown(base, account.pw_uid, account.pw_gid)
        user = {"user": account.pw_uid, "group": account.pw_gid}
    port = _free_port()
    steps = [
        [
            str(bindir / "initdb"),
            "-D",
            str(base / "data"),
            "-A",
            "trust",
            "-U",
            "perfgate",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(base / "data"),
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False, cwd=base, **user)
        if done.returncode != 0:
            log = base / "server.log"
            detail = done.stderr.strip() or (log.read_text() if log.exists() else "")
            shutil.rmtree(base, ignore_errors=True)
            raise RuntimeError(f"{Path(step[0]).name} failed: {detail}")
    return Server(bindir, base, port, user)
