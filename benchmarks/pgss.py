"""pg_stat_statements for the benchmarks that also advise from it (saas, apps): the library loaded
on the server, and one database's statements cleared before a replay."""

from __future__ import annotations

import psycopg
from cluster import LocalCluster


def loaded(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return "pg_stat_statements" in conn.execute("SHOW shared_preload_libraries").fetchone()[0]


def ensure_loaded(dsn: str, cluster: LocalCluster | None) -> str:
    """The server's DSN with pg_stat_statements loaded: a local cluster gets the library in
    shared_preload_libraries and a restart; a given server (cluster None) must load it already."""
    if loaded(dsn):
        return dsn
    if cluster is None:
        raise SystemExit("--pgss: the server does not load pg_stat_statements (shared_preload_libraries)")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    cluster.stop()
    return cluster.start()


def reset(conn: psycopg.Connection) -> None:
    """The extension created, and this database's statements cleared (the view is the server's:
    other databases' statements are not ours to clear); committed."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    conn.execute("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)")
    conn.commit()
