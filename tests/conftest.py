"""Test fixtures: a real, throwaway PostgreSQL server for the tests that need one.

The server comes from, in this order: INDEXADVISOR_TEST_DSN; a testcontainers
PostgresContainer when a Docker engine answers; a cluster started here with the
local initdb/pg_ctl. Tests that need it (they use ``pg_dsn``/``fresh_db`` or
carry the ``pg`` marker) fail with the reason when none can be had, so a broken
setup is never mistaken for a green run; INDEXADVISOR_SKIP_PG=1 skips them instead.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

PG_FIXTURES = {"pg_dsn", "fresh_db"}
DOCKER_IMAGE = "postgres:15"
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pg(min_version=None): needs a real PostgreSQL server; min_version is a "
        "server_version_num (e.g. 160000) below which the test is skipped",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a server fixture with ``pg`` (for ``-m 'not pg'``)."""
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("pg"):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(autouse=True)
def _pg_marker(request: pytest.FixtureRequest) -> None:
    """Give ``@pytest.mark.pg`` tests a server (or their failure) and check its version."""
    marker = request.node.get_closest_marker("pg")
    if marker is None:
        return
    dsn = request.getfixturevalue("pg_dsn")
    min_version = marker.kwargs.get("min_version") or (marker.args[0] if marker.args else None)
    if min_version:
        with psycopg.connect(dsn, autocommit=True) as conn:
            version = conn.info.server_version
        if version < int(min_version):
            pytest.skip(f"needs PostgreSQL server_version_num >= {min_version}, have {version}")


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """DSN of a superuser on a throwaway server, for the whole test session."""
    if os.environ.get("INDEXADVISOR_SKIP_PG") == "1":
        pytest.skip("INDEXADVISOR_SKIP_PG=1: tests needing PostgreSQL are skipped")
    env_dsn = os.environ.get("INDEXADVISOR_TEST_DSN")
    if env_dsn:
        yield env_dsn
        return
    reasons: list[str] = []
    if _docker_answers():
        try:
            yield from _docker_server()
            return
        except _StartFailed as e:
            reasons.append(f"docker: {e}")
    try:
        yield from _local_server()
        return
    except _StartFailed as e:
        reasons.append(f"local cluster: {e}")
    pytest.fail(
        "no PostgreSQL server for the tests (set INDEXADVISOR_TEST_DSN, start Docker, "
        "or install the server binaries; INDEXADVISOR_SKIP_PG=1 skips): " + "; ".join(reasons),
        pytrace=False,
    )


@pytest.fixture
def fresh_db(pg_dsn: str) -> Iterator[str]:
    """A new empty database on the test server; its DSN. Dropped afterwards."""
    name = f"ia_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(pg_dsn, dbname=name)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# --------------------------------------------------------------------------- servers


class _StartFailed(Exception):
    """A way of getting a server did not work; the message says why."""


def _docker_answers() -> bool:
    """True when a Docker engine is reachable; cheap, and never hangs."""
    if not os.environ.get("DOCKER_HOST") and not os.path.exists("/var/run/docker.sock"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _docker_server() -> Iterator[str]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community split
        from testcontainers.postgres import PostgresContainer  # type: ignore[no-redef]

    args = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
    container = PostgresContainer(DOCKER_IMAGE, driver=None).with_command(f"postgres {args}")
    try:
        container.start()
    except Exception as e:
        raise _StartFailed(f"cannot start {DOCKER_IMAGE}: {e}") from e
    try:
        yield container.get_connection_url(driver=None)
    finally:
        container.stop()


def _local_server() -> Iterator[str]:
    """initdb + pg_ctl in a temp dir, on a free port of 127.0.0.1, removed at the end."""
    bindir = _find_bindir()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = tempfile.mkdtemp(prefix="indexadvisor-pg-")
    data = os.path.join(tmp, "data")
    started = False
    try:
        if as_root:
            shutil.chown(tmp, "postgres", "postgres")
        _run(
            prefix
            + [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
               "-E", "UTF8", "--locale=C", "--no-sync"],
            "initdb",
        )
        settings = dict(SERVER_SETTINGS)
        if not _has_library(bindir, "pg_stat_statements"):
            settings.pop("shared_preload_libraries")
            settings.pop("pg_stat_statements.track")
        last_error = ""
        for _attempt in range(3):  # the free port can be taken before we bind it
            port = _free_port()
            conf = dict(settings, listen_addresses="127.0.0.1", port=str(port),
                        unix_socket_directories=tmp)
            with open(os.path.join(data, "postgresql.auto.conf"), "w") as f:
                f.writelines(f"{k} = '{v}'\n" for k, v in conf.items())
            if as_root:
                shutil.chown(os.path.join(data, "postgresql.auto.conf"), "postgres", "postgres")
            log = os.path.join(tmp, "server.log")
            result = subprocess.run(
                prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "-l", log, "-w",
                          "-t", "60", "start"],
                capture_output=True, text=True, timeout=90,
            )
            if result.returncode == 0:
                started = True
                break
            last_error = _tail(log) or result.stderr.strip() or result.stdout.strip()
        if not started:
            raise _StartFailed(f"pg_ctl start failed: {last_error}")
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        if started:
            subprocess.run(
                prefix + [os.path.join(bindir, "pg_ctl"), "-D", data, "stop", "-m", "immediate", "-w"],
                capture_output=True, timeout=60,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def _find_bindir() -> str:
    """The newest PostgreSQL bin directory that has initdb and pg_ctl."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    usable = {
        os.path.realpath(d)
        for d in candidates
        if d and os.path.isfile(os.path.join(d, "initdb")) and os.path.isfile(os.path.join(d, "pg_ctl"))
    }
    if not usable:
        raise _StartFailed("no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
    return max(usable, key=_bindir_version)


def _bindir_version(bindir: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([os.path.join(bindir, "pg_ctl"), "--version"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    m = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in m.groups() if g) if m else (0,)


def _has_library(bindir: str, name: str) -> bool:
    libdirs = [str(Path(bindir).parent / "lib")]
    try:
        out = subprocess.run([os.path.join(bindir, "pg_config"), "--pkglibdir"],
                             capture_output=True, text=True, timeout=10)
        libdirs.append(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return any(d and os.path.exists(os.path.join(d, f"{name}.so")) for d in libdirs)


def _run(cmd: list[str], what: str) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise _StartFailed(f"{what}: {e}") from e
    if result.returncode != 0:
        raise _StartFailed(f"{what} failed: {(result.stderr or result.stdout).strip()[-500:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: str, lines: int = 5) -> str:
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""

