"""Index sets for the app benchmarks (saas/, apps/): build a set for real, describe it from the
catalog, and score an advisor's set against an expert's (full, key-column or missed)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


@dataclass
class Key:
    text: str  # the column or expression as pg_get_indexdef writes it
    desc: bool = False
    nulls_first: bool = False

    def __str__(self) -> str:
        out = self.text + (" DESC" if self.desc else "")
        if self.nulls_first != self.desc:
            out += " NULLS FIRST" if self.nulls_first else " NULLS LAST"
        return out


@dataclass
class IndexShape:
    """An index as PostgreSQL's catalog has it, normalised for comparison."""

    name: str
    table: str
    method: str
    keys: list[Key]
    include: list[str]
    where: str | None
    definition: str  # pg_get_indexdef
    size: int = 0

    def brief(self) -> str:
        out = f"{self.table}" + (f" USING {self.method}" if self.method != "btree" else "")
        out += f" ({', '.join(str(k) for k in self.keys)})"
        if self.include:
            out += f" INCLUDE ({', '.join(self.include)})"
        if self.where:
            out += f" WHERE {self.where}"
        return out


def describe(conn: psycopg.Connection, names: list[str]) -> list[IndexShape]:
    out = []
    for name in names:
        row = conn.execute(
            "SELECT c.relname, t.relname, am.amname, i.indnkeyatts, i.indnatts, i.indoption::int2[], "
            "pg_get_expr(i.indpred, i.indrelid, true), pg_get_indexdef(i.indexrelid), pg_relation_size(i.indexrelid), "
            "i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_am am ON am.oid = c.relam WHERE i.indexrelid = to_regclass(%s)", (f'public."{name}"',)).fetchone()
        if row is None:
            continue
        iname, table, method, nkey, natts, options, where, definition, size, oid = row
        cols = [conn.execute("SELECT pg_get_indexdef(%s, %s, true)", (oid, k)).fetchone()[0] for k in range(1, natts + 1)]
        keys = [Key(cols[k], bool(options[k] & 1), bool(options[k] & 2)) for k in range(nkey)]
        if method == "brin" or method == "gin":
            keys = [Key(k.text) for k in keys]
        out.append(IndexShape(iname, table, method, keys, sorted(cols[nkey:]), where, definition, size))
    return out


def build(db: str, ddls: list[str]) -> tuple[list[str], list[dict[str, str]], float]:
    """Create the indexes (without CONCURRENTLY: nothing else runs here), ANALYZE the tables of
    expression indexes (their statistics); returns the names built, the failures and the seconds."""
    started = time.perf_counter()
    built, failed = [], []
    with psycopg.connect(db, autocommit=True) as conn:
        before = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        for ddl in ddls:
            try:
                conn.execute(re.sub(r"\bCONCURRENTLY\s+", "", ddl, flags=re.I))
            except psycopg.Error as exc:
                failed.append({"ddl": ddl, "error": str(exc).strip().splitlines()[0]})
        rows = conn.execute("SELECT c.relname, t.relname, i.indexprs IS NOT NULL FROM pg_index i "
                            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'").fetchall()
        new = [(name, table, expr) for name, table, expr in rows if name not in before]
        built = [name for name, _, _ in new]
        for table in sorted({table for _, table, expr in new if expr}):
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return built, failed, time.perf_counter() - started


def drop(db: str, names: list[str]) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP INDEX IF EXISTS public.{}").format(sql.Identifier(name)))


def expert_ddl(path: Path) -> list[str]:
    """The CREATE INDEX lines of an answer key's ```sql block (saas/EXPERT.md, apps/*/EXPECTED.md)."""
    text = path.read_text()
    block = re.search(r"```sql\n(.*?)```", text, re.S)
    if not block:
        raise SystemExit(f"{path}: no ```sql block with the expert's CREATE INDEX statements")
    return [line.split(";")[0].strip() + ";" for line in block.group(1).splitlines() if line.upper().startswith("CREATE")]


# --------------------------------------------------------------------------- scoring


def keys_equal(a: IndexShape, b: IndexShape) -> bool:
    if [k.text for k in a.keys] != [k.text for k in b.keys]:
        return False
    same = all(x.desc == y.desc and x.nulls_first == y.nulls_first for x, y in zip(a.keys, b.keys))
    mirrored = all(x.desc != y.desc and x.nulls_first != y.nulls_first for x, y in zip(a.keys, b.keys))
    return same or mirrored or a.method != "btree"


def full_match(e: IndexShape, a: IndexShape) -> bool:
    return (e.table == a.table and e.method == a.method and keys_equal(e, a) and e.include == a.include
            and (e.where or "") == (a.where or ""))


def key_match(e: IndexShape, a: IndexShape) -> bool:
    """Same table and the same leading key columns: one key list is a left prefix of the other."""
    x, y = [k.text for k in e.keys], [k.text for k in a.keys]
    n = min(len(x), len(y))
    return e.table == a.table and n > 0 and x[:n] == y[:n]


def score(expert: list[IndexShape], advisor: list[IndexShape]) -> dict[str, Any]:
    """Each expert index: full, key-column or missed (an advisor index counts for one expert index)."""
    result: dict[str, dict[str, Any]] = {e.name: {"expert": e.brief(), "match": "missed", "advisor": None} for e in expert}
    used: set[str] = set()
    for kind, test in (("full", full_match), ("key-column", key_match)):
        for e in expert:
            if result[e.name]["match"] != "missed":
                continue
            for a in advisor:
                if a.name not in used and test(e, a):
                    used.add(a.name)
                    result[e.name].update(match=kind, advisor=a.brief(), advisor_name=a.name)
                    break
    extras = [a.brief() for a in advisor if a.name not in used]
    counts = {k: sum(1 for r in result.values() if r["match"] == k) for k in ("full", "key-column", "missed")}
    return {"per_expert": result, "extras": extras, "counts": counts}
