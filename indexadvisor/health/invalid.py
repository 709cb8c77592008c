"""invalid_index: an index left INVALID by a failed build.

Anti-pattern::

    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    -- ERROR:  could not create unique index "users_email_key"
    -- DETAIL:  Key (email)=(a@example.com) is duplicated.
    -- the index stays behind, marked INVALID (pg_index.indisvalid = false)

The planner never uses an invalid index, yet writes may still maintain it, and a
unique one enforces nothing. ``CREATE INDEX IF NOT EXISTS`` then silently keeps it.

Fix::

    DROP INDEX CONCURRENTLY IF EXISTS public.users_email_key;
    -- remove the duplicates, then build it again:
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON public.users (email);

An index ON ONLY a partitioned table stays invalid until every partition has an
index attached to it: attach the missing ones (``ALTER INDEX ... ATTACH PARTITION``).
"""

from __future__ import annotations

from indexadvisor.health.common import Context, definition, qname, size_text
from indexadvisor.model import Finding

KIND = "invalid_index"
TITLE = "Invalid index (a failed build)"


def cannot_run(ctx: Context) -> str | None:
    if ctx.catalog.source == "none":
        return "no catalog"
    if not ctx.live_like:
        return "DDL files do not say whether an index build failed (pg_index.indisvalid): use --dsn or --snapshot"
    return None


def run(ctx: Context) -> list[Finding]:
    findings = []
    for table in ctx.tables():
        for index in table.indexes:
            if index.valid or index.parent:
                continue
            q = qname(index)
            if ctx.partitioned(index):
                findings.append(Finding(
                    KIND, str(table.qname), q, None,
                    f"{q} is INVALID: an index on a partitioned table stays invalid until an index of every "
                    "partition is attached to it; attach the missing ones (ALTER INDEX ... ATTACH PARTITION), "
                    "or drop it",
                    "medium", None, definition(index),
                ))
                continue
            why = "a failed CREATE INDEX CONCURRENTLY left it behind"
            if index.name.endswith(("_ccnew", "_ccold")) or "_ccnew" in index.name or "_ccold" in index.name:
                why = "a failed REINDEX CONCURRENTLY left it behind"
            evidence = (f"{q} is INVALID ({why}, {size_text(ctx.size(index))}): the planner never uses it, "
                        "but writes may still maintain it; drop it and build it again")
            if index.unique:
                evidence += "; a UNIQUE build usually fails on duplicate values: remove them first, until then uniqueness is not enforced"
            findings.append(Finding(KIND, str(table.qname), q, None, evidence, "high", ctx.drop_sql(index), definition(index)))
    return findings
