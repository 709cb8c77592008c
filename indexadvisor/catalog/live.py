"""Read the catalog (tables, materialized views, columns, statistics, indexes, foreign keys, and the
definitions of views) from a live server.

One query per kind of object, each over every table at once, so the cost does not
grow with round trips: a schema of thousands of tables and indexes reads in a
handful of queries. Identifiers are kept exactly as PostgreSQL stores them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg

from indexadvisor.errors import AdvisorError
from indexadvisor.model import (
    Catalog,
    Column,
    ColumnStats,
    ForeignKey,
    Index,
    IndexKey,
    Table,
)
from indexadvisor.pg.session import run
from indexadvisor.pg.types import is_bpchar

# The relations we read, shared by every query below: ordinary and partitioned
# tables and materialized views (which take indexes) outside the system and
# temporary schemas, optionally only some schemas.
_RELS = """
WITH rels AS (
    SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname !~ '^pg_(toast_)?temp_'
      AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
)
"""

_SERVER = """
SELECT current_setting('server_version_num')::int AS server_version,
       (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d
         WHERE d.datname = current_database()) AS stats_reset,
       now() AS captured_at,
       pg_catalog.pg_postmaster_start_time() AS server_started,
       current_schemas(false)::text[] AS search_path,
       current_database()::text AS database,
       (SELECT d.oid::bigint FROM pg_catalog.pg_database d WHERE d.datname = current_database()) AS database_oid,
       -- the database's default collation; through to_jsonb because the provider columns
       -- differ between versions (datlocprovider 15+, daticulocale 15-16, datlocale 17+)
       (SELECT CASE to_jsonb(d) ->> 'datlocprovider'
                 WHEN 'i' THEN 'icu:' || coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale')
                 WHEN 'b' THEN 'builtin:' || (to_jsonb(d) ->> 'datlocale')
                 ELSE d.datcollate::text END
          FROM pg_catalog.pg_database d WHERE d.datname = current_database()) AS default_collation
"""

_TABLES = (
    _RELS
    + """
SELECT r.oid, r.schema, r.name, c.reltuples, c.relpages, c.relallvisible,
       pg_catalog.pg_table_size(r.oid) AS size_bytes,
       s.seq_scan, s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_tup_hot_upd,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze, s.n_mod_since_analyze,
       r.relkind::text AS relkind,
       (SELECT pn.nspname::text || '.' || pc.relname::text
          FROM pg_catalog.pg_inherits inh
          JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE inh.inhrelid = r.oid AND c.relispartition) AS partition_of,
       (SELECT pn.nspname::text || '.' || pc.relname::text
          FROM pg_catalog.pg_inherits inh
          JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE inh.inhrelid = r.oid AND NOT c.relispartition
         ORDER BY inh.inhseqno LIMIT 1) AS inherits_from
FROM rels r
JOIN pg_catalog.pg_class c ON c.oid = r.oid
LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = r.oid
"""
)

_COLUMNS = (
    _RELS
    + """
SELECT a.attrelid AS oid, a.attname::text AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       coll.collname::text AS collation,
       -- generated columns (12+): 's' stored, 'v' virtual (18+), with the generating expression
       CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS generated,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) END AS generation
FROM rels r
JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = a.attcollation
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
)

# A partitioned table has only the statistics of its whole tree (inherited);
# for an ordinary table take its own rows.
_STATS = (
    _RELS
    + """
SELECT r.oid, s.attname::text AS name, s.null_frac, s.n_distinct, s.avg_width,
       s.correlation, s.most_common_vals::text::text[] AS most_common_vals,
       s.most_common_freqs,
       CASE WHEN t.typcategory IN ('N', 'D') OR (t.typcategory = 'S' AND s.avg_width <= 32)
            THEN s.histogram_bounds::text::text[] END AS histogram_bounds
FROM rels r
JOIN pg_catalog.pg_stats s
  ON s.schemaname = r.schema AND s.tablename = r.name
 AND s.inherited = (r.relkind = 'p')
JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attname = s.attname
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
"""
)

_INDEXES = (
    _RELS
    + """
SELECT i.indexrelid, i.indrelid AS oid, ic.relname::text AS name, am.amname::text AS method,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       i.indnkeyatts AS nkeys,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       pg_catalog.pg_relation_size(i.indexrelid) AS size_bytes,
       s.idx_scan,
       con.conname::text AS constraint_name, con.contype::text AS constraint_type,
       (SELECT pn.nspname::text || '.' || pc.relname::text
          FROM pg_catalog.pg_inherits inh
          JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE inh.inhrelid = i.indexrelid) AS parent_index
FROM rels r
JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_catalog.pg_constraint con
  ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
WHERE i.indislive
"""
)

# One row per index column: the keys, then the INCLUDE columns. indoption,
# indclass and indcollation are 0-based vectors covering only the key columns.
# A flat result is several times faster than aggregating per index in SQL.
_INDEX_COLUMNS = (
    _RELS
    + """
SELECT i.indexrelid, k.n AS position, a.attname::text AS column,
       CASE WHEN k.attnum = 0
            THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.n::int, true) END AS expression,
       coalesce(i.indoption[k.n - 1], 0) AS options,
       CASE WHEN NOT opc.opcdefault THEN opc.opcname::text END AS opclass,
       CASE WHEN coll.oid <> coalesce(a.attcollation, ityp.typcollation)
            THEN coll.collname::text END AS collation
FROM rels r
JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
LEFT JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n
LEFT JOIN pg_catalog.pg_type ityp ON ityp.oid = ia.atttypid
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[k.n - 1]
LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = i.indcollation[k.n - 1]
WHERE i.indislive
ORDER BY i.indexrelid, k.n
"""
)

# A foreign key that references a partitioned table is stored once more per
# referenced partition (same conrelid, conparentid set); keep only the parent.
_FOREIGN_KEYS = (
    _RELS
    + """
SELECT con.conrelid AS oid, con.conname::text AS name,
       rn.nspname::text AS ref_schema, rc.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.n) AS columns,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.n) AS ref_columns
FROM rels r
JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid AND con.contype = 'f'
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p
                   WHERE p.oid = con.conparentid AND p.conrelid = con.conrelid)
"""
)

# Views, with their defining SELECT as PostgreSQL prints it (tables qualified where the search path needs it)
_VIEWS = """
SELECT n.nspname::text AS schema, c.relname::text AS name,
       pg_catalog.pg_get_viewdef(c.oid, true) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname !~ '^pg_(toast_)?temp_'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
ORDER BY 1, 2
"""

_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"

_PRIVILEGE = "pg_read_all_stats (or pg_monitor)"


def read_catalog(conn: psycopg.Connection[Any], schemas: list[str] | None = None) -> Catalog:
    """The catalog of the database conn is connected to (all user schemas, or only ``schemas``)."""
    params = {"schemas": list(schemas) if schemas is not None else None}

    def fetch(query: str, what: str, with_params: bool = True) -> list[dict[str, Any]]:
        return run(
            conn,
            query,
            params if with_params else None,
            what=f"reading the catalog ({what})",
            privilege=_PRIVILEGE,
        )

    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    if not (conn.autocommit and idle):
        return _read(fetch)  # the caller's transaction decides the snapshot
    # One snapshot for all the queries, so they agree on which objects exist. Our
    # own BEGIN (not conn.transaction()) so that it too carries the marker.
    fetch(_BEGIN, "snapshot", with_params=False)
    try:
        catalog = _read(fetch)
    except BaseException:
        try:
            fetch("ROLLBACK", "snapshot", with_params=False)
        except AdvisorError:
            pass  # the session is gone; the first error is the one to report
        raise
    fetch("COMMIT", "snapshot", with_params=False)
    return catalog


Fetch = Callable[..., list[dict[str, Any]]]


def _read(fetch: Fetch) -> Catalog:
    """Run the catalog queries through fetch and assemble the Catalog."""
    server = fetch(_SERVER, "server", with_params=False)[0]
    version = int(server["server_version"])
    catalog = Catalog(
        source="live",
        server_version=version,
        stats_reset=_iso(server["stats_reset"]),
        captured_at=_iso(server["captured_at"]),
        server_started=_iso(server["server_started"]),
        search_path=list(server["search_path"] or []),
        database=server["database"],
        database_oid=int(server["database_oid"]) if server["database_oid"] is not None else None,
    )

    default_collation = server["default_collation"]
    by_oid: dict[int, Table] = {}
    for row in sorted(fetch(_TABLES, "tables"), key=lambda r: (r["schema"], r["name"])):
        table = Table(
            schema=row["schema"],
            name=row["name"],
            row_estimate=_row_estimate(row["reltuples"], row["relpages"], version),
            pages=row["relpages"],
            all_visible_pages=row["relallvisible"],
            size_bytes=row["size_bytes"],
            seq_scan=row["seq_scan"],
            n_tup_ins=row["n_tup_ins"],
            n_tup_upd=row["n_tup_upd"],
            n_tup_del=row["n_tup_del"],
            n_tup_hot_upd=row["n_tup_hot_upd"],
            last_analyze=_iso(row["last_analyze"]),
            n_mod_since_analyze=row["n_mod_since_analyze"],
            partitioned=row["relkind"] == "p",
            partition_of=row["partition_of"],
            inherits_from=row["inherits_from"],
            materialized=row["relkind"] == "m",
        )
        by_oid[row["oid"]] = table
        catalog.add(table)

    for row in fetch(_COLUMNS, "columns"):
        owner = by_oid.get(row["oid"])
        if owner is not None:
            collation = default_collation if row["collation"] == "default" else row["collation"]
            owner.columns[row["name"]] = Column(row["name"], row["type"], bool(row["not_null"]), collation=collation,
                                                generated=row["generated"], generation=row["generation"])

    for row in fetch(_STATS, "column statistics"):
        owner = by_oid.get(row["oid"])
        column = owner.columns.get(row["name"]) if owner is not None else None
        if column is not None:
            mcv = row["most_common_vals"]
            if mcv is not None and is_bpchar(column.type):
                # character(n) values come padded ('AIR       '); they compare without the padding
                mcv = [v.rstrip(" ") if v is not None else v for v in mcv]
            column.stats = ColumnStats(
                null_frac=float(row["null_frac"]),
                n_distinct=float(row["n_distinct"]),
                avg_width=int(row["avg_width"]),
                correlation=_float(row["correlation"]),
                most_common_vals=mcv,
                most_common_freqs=(
                    [float(f) for f in row["most_common_freqs"]]
                    if row["most_common_freqs"] is not None
                    else None
                ),
                histogram_bounds=row["histogram_bounds"],
            )

    index_columns: dict[int, list[dict[str, Any]]] = {}
    for row in fetch(_INDEX_COLUMNS, "index columns"):
        index_columns.setdefault(row["indexrelid"], []).append(row)
    for row in sorted(fetch(_INDEXES, "indexes"), key=lambda r: r["name"]):
        owner = by_oid.get(row["oid"])
        if owner is not None:
            owner.indexes.append(_index(owner, row, index_columns.get(row["indexrelid"], [])))

    for row in sorted(fetch(_FOREIGN_KEYS, "foreign keys"), key=lambda r: r["name"]):
        owner = by_oid.get(row["oid"])
        if owner is not None:
            owner.foreign_keys.append(
                ForeignKey(
                    name=row["name"],
                    columns=list(row["columns"]),
                    ref_schema=row["ref_schema"],
                    ref_table=row["ref_table"],
                    ref_columns=list(row["ref_columns"]),
                )
            )
    for row in fetch(_VIEWS, "views"):
        if row["definition"] is not None:
            catalog.views[f"{row['schema']}.{row['name']}"] = row["definition"].strip().rstrip(";").strip()
    return catalog


def _index(table: Table, row: dict[str, Any], columns: list[dict[str, Any]]) -> Index:
    """One Index from a row of _INDEXES and its rows of _INDEX_COLUMNS, in order."""
    nkeys = int(row["nkeys"])
    keys: list[IndexKey] = []
    for col in columns[:nkeys]:
        bits = int(col["options"] or 0)
        desc = bool(bits & 1)  # INDOPTION_DESC
        nulls_first = bool(bits & 2)  # INDOPTION_NULLS_FIRST
        keys.append(
            IndexKey(
                column=col["column"],
                expression=col["expression"] if col["column"] is None else None,
                desc=desc,
                # The default is NULLS LAST for ASC and NULLS FIRST for DESC.
                nulls_first=nulls_first if nulls_first != desc else None,
                opclass=col["opclass"],
                collation=col["collation"],
            )
        )
    return Index(
        name=row["name"],
        schema=table.schema,
        table=table.name,
        keys=keys,
        include=[c["column"] for c in columns[nkeys:] if c["column"] is not None],
        where=row["predicate"],
        method=row["method"],
        unique=bool(row["is_unique"]),
        primary=bool(row["is_primary"]),
        constraint=row["constraint_name"],
        constraint_type=row["constraint_type"],
        valid=bool(row["is_valid"]),
        definition=row["definition"],
        size_bytes=row["size_bytes"],
        idx_scan=row["idx_scan"],
        parent=row["parent_index"],
    )


def _row_estimate(reltuples: Any, relpages: Any, version: int) -> float | None:
    """pg_class.reltuples, or None when the table was never analysed or vacuumed.

    PostgreSQL 14+ says "unknown" with -1; before 14 it wrote 0 rows in 0 pages.
    """
    if reltuples is None:
        return None
    value = float(reltuples)
    if value < 0:
        return None
    if version < 140000 and value == 0 and not relpages:
        return None
    return value


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)
