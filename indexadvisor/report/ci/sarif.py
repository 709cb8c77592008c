"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

One rule per finding kind plus one for proposed indexes; each result points at the
workload file and line of the statement it concerns (a proposal's hottest statement
first, the others as related locations), or at the schema or snapshot file when there is
no statement. `partialFingerprints` carry the problem's stable id, so code scanning
tracks a problem across runs the way `--baseline` does.

Every result has a physical location: GitHub code scanning rejects a SARIF file in which a
result has none (`physicalLocation.artifactLocation.uri`), and a live-database run
(pg_stat_statements, no schema file) has no file to point at. Such a result points at a
stable stand-in artifact named after the source (`pg_stat_statements`, or `database` when
the report names none), described in `run.artifacts`, with the table or index as its
logical location; the uri stays the same from run to run, so fingerprints match.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from indexadvisor import __version__
from indexadvisor.model import Report
from indexadvisor.report.ci import repo_path, to_json
from indexadvisor.report.gate import NOT_A_FILE, GateResult, Location, Problem
from indexadvisor.report.identity import PROPOSAL_RULE

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "indexadvisor/v1"
MAX_RELATED = 10
FALLBACK_URI = "database"  # the stand-in artifact when the report names no source at all

# id: (name, short description, full description, help markdown, default level)
RULES: dict[str, tuple[str, str, str, str, str]] = {
    PROPOSAL_RULE: (
        "ProposedIndex",
        "An index would make statements of the workload cheaper",
        "The workload runs statements that no existing index serves; the proposed B-tree index "
        "serves them (equality columns first, then the ORDER BY columns, then one range column).",
        "Statements at these locations filter or sort on columns that no existing index serves, so "
        "PostgreSQL scans and sorts more than it needs to.\n\n"
        "**Fix**: add the proposed index in a migration, built `CONCURRENTLY` outside a transaction "
        "(`indexadvisor migrate` writes one for your migration tool). Every index slows writes to its "
        "table a little, so add the ones whose benefit is worth it.",
        "warning",
    ),
    "unused_index": (
        "UnusedIndex",
        "An index has not been scanned since statistics were last reset",
        "pg_stat_user_indexes.idx_scan is 0 for this index: it costs writes and space and serves no reads "
        "on this server.",
        "The index has not been used since the statistics were reset. The evidence is per server: a "
        "replica's reads do not show on the primary, so check the replicas before dropping it.\n\n"
        "**Fix**: `DROP INDEX CONCURRENTLY` it (`indexadvisor migrate --include-drops`). Indexes that back "
        "a primary key, unique or exclusion constraint are never reported.",
        "warning",
    ),
    "duplicate_index": (
        "DuplicateIndex",
        "Two indexes have the same definition",
        "Two indexes on the same table have the same keys, predicate and method: one of them is enough.",
        "Both indexes are maintained on every write and either one serves the same queries.\n\n"
        "**Fix**: drop one of them concurrently, keeping the one that backs a constraint if any.",
        "warning",
    ),
    "redundant_index": (
        "RedundantIndex",
        "An index is a left prefix of another index",
        "Every query this index serves is served by a wider index whose leading keys are the same.",
        "An index on `(a)` is redundant when `(a, b)` exists: the wider index serves the same lookups "
        "and orderings.\n\n**Fix**: drop the narrower index concurrently, unless it is much smaller and "
        "serves a very hot query.",
        "note",
    ),
    "fk_without_index": (
        "ForeignKeyWithoutIndex",
        "A foreign key's referencing columns are not indexed",
        "Deleting or updating a referenced row scans the referencing table, and joins on the key cannot "
        "use an index.",
        "Without an index on the referencing columns, each DELETE or key UPDATE on the referenced table "
        "scans the whole referencing table while holding locks.\n\n"
        "**Fix**: create an index on the foreign key's columns, concurrently.",
        "warning",
    ),
    "invalid_index": (
        "InvalidIndex",
        "An index is INVALID",
        "A failed CREATE INDEX CONCURRENTLY left an invalid index: it is maintained on writes but never "
        "used by queries.",
        "An INVALID index is what a failed or cancelled concurrent build leaves behind. It slows every "
        "write and serves no read.\n\n**Fix**: `DROP INDEX CONCURRENTLY` it, then build it again.",
        "error",
    ),
    "n_plus_one": (
        "NPlusOneQueries",
        "The same statement runs once per row of a preceding query",
        "Bursts of one statement shape with different ids, each right after one parent query: the N+1 "
        "pattern, which no index fixes.",
        "Each burst runs the child statement once per row the parent returned, paying a round trip every "
        "time.\n\n**Fix**: fetch the children in one statement (a join, or `WHERE id = ANY($1)` / `IN (...)` "
        "with the parent's ids).",
        "warning",
    ),
}


def render(report: Report, result: GateResult) -> str:
    rule_ids = [PROPOSAL_RULE] + [k for k in RULES if k != PROPOSAL_RULE]
    for p in result.problems:
        if p.rule not in rule_ids:
            rule_ids.append(p.rule)
    index_of = {rid: i for i, rid in enumerate(rule_ids)}
    fallback = _fallback_uri(report)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "indexadvisor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(rid) for rid in rule_ids],
            }
        },
        "automationDetails": {"id": "indexadvisor/"},
        "columnKind": "utf16CodeUnits",
        "results": [_result(p, index_of[p.rule], result, fallback) for p in result.problems],
        "properties": {
            "catalog": report.catalog_source,
            "costing": report.costing,
            "statements": {"seen": report.seen, "shapes": len(report.statements),
                           "analysed": report.analysed, "skipped": report.skipped},
            "gate": {"failOn": result.policy.levels, "failed": result.failed,
                     "baseline": result.baseline, "resolved": result.gone},
            "notes": report.notes,
        },
    }
    artifacts: list[dict[str, Any]] = [{"location": _artifact_location(uri)} for uri in _artifacts(result)]
    if any(not p.locations for p in result.problems):
        artifacts.append({
            "location": _artifact_location(fallback),
            "description": {"text": f"not a file: the {report.catalog_source} catalog and the workload read from "
                                    f"{fallback}; the logical location names the table or index"},
        })
    if artifacts:
        run["artifacts"] = artifacts
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return to_json(document)


def _rule(rule_id: str) -> dict[str, Any]:
    name, short, full, help_md, level = RULES.get(rule_id) or (
        "".join(w.capitalize() for w in rule_id.split("_")),
        rule_id.replace("_", " ").capitalize(),
        f"Health finding of kind {rule_id}.",
        f"A health finding of kind `{rule_id}`; see its message.",
        "warning",
    )
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_md.replace("**", "").replace("`", ""), "markdown": help_md},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["performance", "postgresql", "index"], "precision": "medium"},
    }


def _result(p: Problem, rule_index: int, result: GateResult, fallback: str) -> dict[str, Any]:
    level = "error" if p.gated else p.severity
    out: dict[str, Any] = {
        "ruleId": p.rule,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": p.message},
        "partialFingerprints": {FINGERPRINT_KEY: p.id},
        "properties": {"table": p.table, "index": p.index, "ddl": p.ddl, "benefit": p.benefit, "gated": p.gated},
    }
    if p.locations:
        out["locations"] = [_location(p.locations[0], p)]
        related = [_location(loc, p, i) for i, loc in enumerate(p.locations[1:MAX_RELATED + 1], 1)]
        if related:
            out["relatedLocations"] = related
    else:  # no file: the stand-in artifact, so that the result still has the physical location GitHub requires
        out["locations"] = [{"physicalLocation": {"artifactLocation": _artifact_location(fallback)},
                             "logicalLocations": [_logical(p)]}]
    if result.baseline is not None:
        out["baselineState"] = "new" if p.new else "unchanged"
    return out


def _location(loc: Location, p: Problem, rel_id: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(_uri(loc.path))}
    physical["region"] = {"startLine": loc.line or 1}
    out: dict[str, Any] = {"physicalLocation": physical, "logicalLocations": [_logical(p)]}
    if rel_id is not None:
        out["id"] = rel_id
        out["message"] = {"text": "another statement this index serves"}
    return out


def _logical(p: Problem) -> dict[str, Any]:
    if p.index:
        schema = p.table.partition(".")[0]
        name = p.index[len(schema) + 1:] if p.index.startswith(schema + ".") else p.index  # findings say schema.name
        return {"name": name, "fullyQualifiedName": f"{schema}.{name}", "kind": "index"}
    return {"name": p.table.rpartition(".")[2], "fullyQualifiedName": p.table, "kind": "table"}


def _uri(path: str) -> str:
    text = repo_path(path)
    if text.startswith("/"):
        return "file://" + quote(text)
    return quote(text)


def _artifact_location(uri: str) -> dict[str, str]:
    """Relative URIs are relative to the checkout (%SRCROOT%); absolute ones stand alone."""
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def _fallback_uri(report: Report) -> str:
    """The stand-in artifact of results with no file: the source the report names for its statements
    (`pg_stat_statements`), else `database`; a relative uri, stable from run to run."""
    for s in report.statements:
        if s.location in NOT_A_FILE:
            return _uri(s.location)
    return FALLBACK_URI


def _artifacts(result: GateResult) -> list[str]:
    seen: list[str] = []
    for p in result.problems:
        for loc in p.locations:
            uri = _uri(loc.path)
            if uri not in seen:
                seen.append(uri)
    return seen
