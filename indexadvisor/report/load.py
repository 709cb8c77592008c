"""Read a saved JSON report (`analyze --format json`) back into a Report.

This is what `migrate --from` and `report --from` / `--baseline` use, so advice can
be computed once (where the database is reachable) and turned into migrations or CI
results elsewhere. Every file is checked against the published report schema
(indexadvisor/report/schema/report.schema.json) first, so a hand-edited or damaged
report is one line saying where it is wrong, never a crash further on. Unknown keys
are ignored and missing ones take their defaults, so a report written by an older or
newer version of the same format still loads.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from indexadvisor.errors import InputError
from indexadvisor.model import (
    BudgetCurve,
    Estimate,
    Finding,
    IndexKey,
    Recommendation,
    Report,
    SourceError,
    StatementReport,
)
from indexadvisor.report import schema as report_schema
from indexadvisor.report.json import FORMAT_VERSION

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
SCHEMA_PATH = "indexadvisor/report/schema/report.schema.json"  # where the format is written down


def load_report(path: str | Path) -> Report:
    """Load a report file; any problem with it is an InputError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor's byte order mark is fine
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InputError(f"{path}: not a report: JSON nested too deeply to read") from None
    try:
        return from_dict(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def from_dict(data: Any) -> Report:
    if not isinstance(data, dict) or not isinstance(data.get("indexadvisor"), dict):
        raise InputError("not an indexadvisor JSON report (write one with `indexadvisor analyze --format json`)")
    fmt = data["indexadvisor"].get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt > FORMAT_VERSION:
        raise InputError(f"report format {fmt!r} is not one this version reads (format {FORMAT_VERSION} or older)")
    problem = report_schema.first_error(data)
    if problem is not None:
        raise InputError(f"malformed report: {problem} (the format: {SCHEMA_PATH})")
    try:
        return _report(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"malformed report: {type(exc).__name__}: {exc}") from None


def _report(data: dict) -> Report:
    statements = data.get("statements") or {}
    catalog = data.get("catalog") or {}
    workload_cost = data.get("workload_cost") or {}
    report = _build(
        Report,
        {
            "recommendations": [_recommendation(r) for r in data.get("recommendations") or []],
            "findings": [_build(Finding, f) for f in data.get("findings") or []],
            "statements": [_build(StatementReport, s) for s in statements.get("items") or []],
            "seen": statements.get("seen", 0),
            "analysed": statements.get("analysed", 0),
            "skipped": statements.get("skipped", 0),
            "errors": [SourceError(e["source"], e.get("line"), e.get("message", "")) for e in statements.get("errors") or []],
            "catalog_source": catalog.get("source", "none"),
            "costing": data.get("costing", "rules"),
            "notes": list(data.get("notes") or []),
            "server_version": catalog.get("server_version"),
            "catalog_files": list(catalog.get("files") or []),
            "explain_count": data.get("explain_count", 0),
            "workload_cost_before": workload_cost.get("before"),
            "workload_cost_after": workload_cost.get("after"),
            "budget_curve": _build(BudgetCurve, data["budget_curve"]) if data.get("budget_curve") else None,
        },
    )
    return report


def _recommendation(r: dict) -> Recommendation:
    schema = r.get("schema") or r["table"].split(".", 1)[0]
    table = r["table"][len(schema) + 1:] if r["table"].startswith(schema + ".") else r["table"]
    estimate: Estimate | None = None
    if r.get("estimate"):
        estimate = _build(Estimate, r["estimate"])
    return Recommendation(
        name=r["name"],
        schema=schema,
        table=table,
        keys=[_build(IndexKey, k) for k in r.get("keys") or []] or [IndexKey(c) for c in r.get("columns") or []],
        include=list(r.get("include") or []),
        where=r.get("where"),
        method=r.get("method") or "btree",
        ddl=r.get("ddl") or "",
        statements=[s["fingerprint"] for s in r.get("statements") or []],
        reason=r.get("reason") or "",
        estimate=estimate,
        kind=r.get("kind") or "btree",
        kind_reason=r.get("kind_reason") or "",
    )


def _build(cls: type[T], values: dict) -> T:
    """A dataclass from the keys it knows; nested dataclass lists are rebuilt where the model has them."""
    if not isinstance(values, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(values).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for name, value in values.items():
        if name not in known:
            continue
        kwargs[name] = _nested(cls, name, value)
    return cls(**kwargs)


def _nested(cls: type, name: str, value: Any) -> Any:
    """Rebuild lists of dataclasses (e.g. Estimate.helps) from the model's own type hints."""
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return value

    hint = typing.get_type_hints(cls).get(name)
    args = typing.get_args(hint)
    item = args[0] if args else None
    if isinstance(item, type) and dataclasses.is_dataclass(item):
        return [_build(item, v) for v in value]
    return value
