"""No part of a password in any connection error, however the connection string is broken.

Passwords here are two distinctive halves joined by a character that a URI or a
key/value string cannot hold as is ('@', '/', ' ', '%'): a message must not hold
either half (libpq may have split the password there), and must still say what
is wrong, in our words when libpq's own text would quote the input.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from indexadvisor.errors import ConnectionFailed
from indexadvisor.pg import session as db

HEAD, TAIL = "hunter2", "qx7work"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_no_secret(text: str) -> None:
    assert HEAD not in text and TAIL not in text, text


def _failure(dsn: str) -> str:
    with pytest.raises(ConnectionFailed) as exc:
        db.connect(dsn)
    message = str(exc.value)
    _assert_no_secret(message)
    assert "\n" not in message and exc.value.__cause__ is None
    assert exc.value.__context__ is None or exc.value.__suppress_context__  # no libpq text in a traceback either
    return message


# (connection string with {port} of a closed port, words the message must hold)
BROKEN = [
    # an unencoded '@' in a URI password: libpq takes the tail as part of the host name
    ("postgres://app:hunter2@qx7work@127.0.0.1:{port}/app", ["%40"]),
    ("postgres://app:hunter2@qx7work@localhost/app", ["%40"]),
    # an unencoded '/': libpq finds no user info, takes the head for the port and the tail for the database
    ("postgres://app:hunter2/qx7work@127.0.0.1:{port}/app", ["%2F"]),
    # a space in a URI: libpq's "unexpected spaces found in ..." quotes the password whole
    ("postgres://app:hunter2 qx7work@127.0.0.1:{port}/app", ["space", "%20"]),
    # a space in an unquoted key/value password: libpq's 'missing "=" after ...' quotes the tail
    ("host=127.0.0.1 port={port} user=app password=hunter2 qx7work dbname=app", ['"="', "quote"]),
    ("host=127.0.0.1 port={port} user=app password=hunter2 qx7work", ['"="']),
    # an unterminated quote: the message names it, and is not garbled by masking
    ("host=127.0.0.1 port={port} password='hunter2 qx7work", ["unterminated quoted string"]),
    ("host=127.0.0.1 password='unterminated", ["unterminated quoted string"]),
    # libpq quotes the whole URI in these
    ("postgresql://app:hunter2qx7work@[::1/app", ["IPv6", "]"]),
    ("postgresql://app:hunter2%qx7work@127.0.0.1:{port}/app", ["%25"]),
    ("postgresql://app:hunter2%00qx7work@127.0.0.1:{port}/app", ["%00"]),
    ("postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?foo=bar", ["query parameter"]),
    ("postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?sslmode", ["query parameter", '"="']),
    ("postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?sslmode=a=b", ["query parameter", '"="']),
    ("postgresql://app:hunter2qx7work@[::1]x/app", ["unexpected character", "percent-encode"]),
    ("postgresql://app:hunter2qx7work@[]/app", ["IPv6", "empty"]),
    # one parameter libpq rejects at connect time: its message names the parameter, never the password
    ("postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?sslmode=bogus", ["sslmode"]),
    ("host=127.0.0.1 port={port} password=hunter2qx7work sslmode=bogus", ["sslmode"]),
    ("postgresql://app:hunter2%40qx7work@127.0.0.1:{port}/app", ["refused"]),
    ("host=127.0.0.1 port={port} user=app password='hunter2 qx7work' dbname=app", ["refused"]),
]


@pytest.mark.parametrize("dsn, words", BROKEN)
def test_broken_connection_strings_name_the_problem_without_the_password(dsn: str, words: list[str]) -> None:
    message = _failure(dsn.format(port=_closed_port()))
    assert message.startswith(("invalid connection string: ", "cannot connect to PostgreSQL at ")), message
    for word in words:
        assert word.lower() in message.lower(), message
    assert "***" not in message, message  # our words, not a libpq text with holes in it


def test_an_at_in_a_query_value_is_neither_refused_nor_masked() -> None:
    port = _closed_port()
    for dsn in (f"postgresql://127.0.0.1:{port}/app?user=me@corp",
                f"postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?application_name=me@corp"):
        message = _failure(dsn)
        assert message.startswith(f"cannot connect to PostgreSQL at 127.0.0.1:{port}: ") and "***" not in message


def test_libpq_cannot_parse_these_so_the_fallback_parse_masks_them() -> None:
    # the premise of the tests above: libpq's own text quotes (part of) the password
    for dsn in ("postgres://app:hunter2 qx7work@h/app", "host=h password=hunter2 qx7work"):
        with pytest.raises(psycopg.ProgrammingError) as exc:
            conninfo_to_dict(dsn)
        assert TAIL in str(exc.value)
    assert conninfo_to_dict("postgres://app:hunter2@qx7work@h/app")["host"] == "qx7work@h"


def test_password_from_the_environment_is_masked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("PGPASSWORD", "hunter2qx7work")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app@127.0.0.1:{port}/app?sslmode=hunter2qx7work")
    message = _failure(None)  # type: ignore[arg-type]
    assert "sslmode" in message


# --------------------------------------------------------------------------- a real server


@pytest.fixture
def server(pg_dsn: str) -> dict[str, str]:
    params = conninfo_to_dict(pg_dsn)
    return {"host": str(params.get("host", "127.0.0.1")), "port": str(params.get("port", "5432")),
            "user": str(params.get("user", "postgres"))}


def test_a_real_server_refuses_and_the_message_has_no_password(server: dict[str, str], pg_dsn: str) -> None:
    h, p, u = server["host"], server["port"], server["user"]
    no_db = f"ia_no_such_db_{uuid.uuid4().hex[:8]}"
    message = _failure(f"host={h} port={p} user={u} password='hunter2 qx7work' dbname={no_db}")
    assert f'database "{no_db}" does not exist' in message
    message = _failure(f"postgresql://{u}:hunter2%40qx7work@{h}:{p}/{no_db}")
    assert f'database "{no_db}" does not exist' in message
    role = f"ia_nologin_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    try:
        message = _failure(f"postgresql://{role}:hunter2%20qx7work@{h}:{p}/postgres")
        assert "not permitted to log in" in message
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_misplaced_at_is_refused_before_anything_is_sent(server: dict[str, str]) -> None:
    """libpq would look up a host named after the password's tail (and send the head to it)."""
    h, p, u = server["host"], server["port"], server["user"]
    message = _failure(f"postgresql://{u}:hunter2@qx7work@{h}:{p}/postgres")
    assert message.startswith("invalid connection string: ") and "%40" in message
    # the same password, encoded, connects
    with db.connect(f"postgresql://{u}:hunter2%40qx7work@{h}:{p}/postgres") as conn:
        assert db.run(conn, "SELECT 1 AS one") == [{"one": 1}]


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("dsn", [
    "postgres://app:hunter2@qx7work@127.0.0.1:{port}/app",
    "postgres://app:hunter2 qx7work@127.0.0.1:{port}/app",
    "host=127.0.0.1 port={port} user=app password=hunter2 qx7work dbname=app",
    "postgresql://app:hunter2qx7work@127.0.0.1:{port}/app?sslmode=bogus",
])
@pytest.mark.parametrize("how", ["--dsn", "DATABASE_URL"])
def test_no_part_of_the_password_in_stdout_stderr_or_any_file(tmp_path: Path, dsn: str, how: str) -> None:
    dsn = dsn.format(port=_closed_port())
    (tmp_path / "wl.sql").write_text("SELECT * FROM t WHERE a = 1;\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    commands = [
        ["analyze", "wl.sql", "--output", "report.json", "--format", "json"],
        ["snapshot", "--output", "snap.json"],
        ["health", "--format", "json"],
    ]
    for command in commands:
        if how == "--dsn":
            args, run_env = command + ["--dsn", dsn], env
        else:
            args, run_env = command, dict(env, DATABASE_URL=dsn)
        proc = subprocess.run([sys.executable, "-m", "indexadvisor", *args], cwd=tmp_path, env=run_env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
        _assert_no_secret(proc.stdout + proc.stderr)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            _assert_no_secret(path.read_text(errors="replace"))
