"""Collect statements from any source into a Workload, deduplicated by shape.

A shape seen 10,000 times is kept once, with its calls and time added up, so the
expensive stages (parsing, costing) run once per shape. Adding a statement is
the hot path of reading a multi-gigabyte log, so it is built to be cheap:

- an exact-text cache (prepared statements repeat their text exactly) and a
  cache of the literal-stripped text (the first, cheaper half of fingerprinting)
  skip most of the work for statements already seen;
- the fingerprint hash is computed once per shape;
- the literal values are extracted only to keep a few sample literal sets per
  shape and to find which literals never change (checked on the first
  ``CONSTANT_CHECKS`` executions of a shape and one in ``CONSTANT_EVERY`` after);
- with ``filter=True`` (logs, ORM logs, exports) utility statements (BEGIN,
  SET, SAVEPOINT ...), catalog queries and the advisor's own queries are counted
  and left out, decided once per exact text or shape.

Statements that carry a session (and a time) also feed the N+1 detector.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from typing import Any

from indexadvisor.model import Finding, SourceError, Statement, Workload
from indexadvisor.sources.fingerprint import (
    finish,
    hash_shape,
    is_parameter,
    limit_counts,
    literals,
    log_parameters,
    strip_literals,
    substitute,
)
from indexadvisor.sources.nplusone import NPlusOneDetector

SAMPLES = 5  # distinct literal sets kept per shape
CONSTANT_CHECKS = 100
CONSTANT_EVERY = 128
# a value is the application's constant, not one value of a parameter that was captured, when it is
# the same in at least this many executions while the statement's other values varied (or it has
# none): the evidence a partial index's WHERE needs (candidates/kinds/partial.py), and on which a
# logged parameter's value is written into the statement's text (WorkloadBuilder.build)
CONSTANT_MIN_EXECUTIONS = 3
CACHE_SIZE = 50_000  # entries in each text cache before it is cleared

_FIRST_WORD = re.compile(r"(?:\s+|--[^\n]*\n?|/\*.*?\*/|\()*([A-Za-z]+)", re.S)
_KINDS = {"select": "select", "with": "with", "values": "select", "table": "select", "insert": "insert",
          "update": "update", "delete": "delete", "merge": "merge"}
_CATALOG = re.compile(
    r"\b(?:pg_catalog\.|information_schema\.|pg_(?:class|namespace|attribute|index|stat\w*|settings|database|"
    r"roles|type|proc|constraint|extension|locks|am|opclass|tables|indexes|views|sequences|description)\b)",
    re.I,
)
_MARKER = "/* indexadvisor */"
_ROW_COUNT_PARAM = re.compile(r"\b(?:LIMIT|OFFSET|FETCH\s+(?:FIRST|NEXT))\s+\$(\d+)", re.I)


Params = Mapping[int, str] | str | None


def _param_map(params: Params) -> Mapping[int, str] | None:
    """Parameters as {number: SQL literal}; a string is PostgreSQL's ``parameters: $1 = ...``."""
    if isinstance(params, str):
        return log_parameters(params)
    return params


def _variant(sql: str, params: Params) -> Any:
    if params is None:
        return sql
    return (sql, params if isinstance(params, str) else tuple(params.items()))


_FAST_KINDS = {"select": "select", "insert": "insert", "update": "update", "delete": "delete"}


def statement_kind(sql: str) -> str:
    """select / with / insert / update / delete / merge, or ``utility`` for anything else."""
    kind = _FAST_KINDS.get(sql[:6].lower())
    if kind is not None and sql[6:7] in (" ", "\n", "\t", "\r"):
        return kind
    m = _FIRST_WORD.match(sql)
    return _KINDS.get(m.group(1).lower(), "utility") if m else "utility"


class _Shape:
    """One shape being collected: its Statement and what is tracked about its literals."""

    __slots__ = ("st", "first", "consts", "n", "kind", "skip", "source")

    def __init__(self, st: Statement | None, kind: str, skip: str | None, source: str) -> None:
        self.st = st
        self.first: Any = None  # the variant (text, parameters) of the representative
        self.consts: list[str | None] | None = None
        self.n = 0  # executions seen (for the constant checks)
        self.kind = kind
        self.skip = skip  # why the shape is left out, or None
        self.source = source


class WorkloadBuilder:
    def __init__(self, substitute_params: bool = False, n_plus_one: bool = True) -> None:
        self._shapes: dict[str, _Shape] = {}  # shape text -> shape
        self._raw: dict[str, _Shape] = {}  # exact text -> shape
        self._raw_filtered: dict[str, _Shape] = {}  # the same, for filtered sources
        self._stripped: dict[str, _Shape] = {}  # literal-stripped text -> shape
        self._skipped_shapes: dict[tuple[str, str], _Shape] = {}
        self.seen = 0
        self.errors: list[SourceError] = []
        self.notes: list[str] = []
        self.findings: list[Finding] = []
        self.skipped: dict[tuple[str, str], int] = {}  # (source, reason) -> statements
        self.substitute_params = substitute_params
        self.detector: NPlusOneDetector | None = NPlusOneDetector() if n_plus_one else None

    # ------------------------------------------------------------------ adding

    def add(
        self,
        sql: str,
        source: str,
        line: int | None = None,
        calls: int = 1,
        total_time_ms: float | None = None,
        rows: int | None = None,
        *,
        params: Params = None,
        session: Hashable | None = None,
        ts: float | None = None,
        filter: bool = False,
    ) -> Statement | None:
        """Count one statement (``calls`` executions of it); return its shape's Statement.

        ``params`` are the logged values of ``$n`` parameters: {number: SQL
        literal}, or PostgreSQL's ``parameters: $1 = '...'`` text (parsed only if needed);
        ``session``/``ts`` place it in a session's timeline for N+1 detection.
        With ``filter``, utility and catalog statements are counted as skipped
        and None is returned.
        """
        cache = self._raw_filtered if filter else self._raw
        shape = cache.get(sql)
        if shape is None:
            shape = self._lookup(sql, source, line, params, filter)
            self._remember(cache, sql, shape)
        st = shape.st
        if st is None:  # left out
            key = (source, shape.skip or "")
            self.skipped[key] = self.skipped.get(key, 0) + calls
            return None
        self.seen += calls
        st.calls += calls
        if total_time_ms is not None:
            st.total_time_ms = (st.total_time_ms or 0.0) + total_time_ms
        if rows is not None:
            st.rows = (st.rows or 0) + rows
        n = shape.n
        shape.n = n + calls
        if n:
            variant = sql if params is None else _variant(sql, params)
            if variant != shape.first and (shape.consts is not None or len(st.samples) < SAMPLES) and (
                n < CONSTANT_CHECKS or not n % CONSTANT_EVERY
            ):
                self._track(shape, st, sql, params)
        else:
            variant = shape.first
        if session is not None and self.detector is not None:
            self.detector.observe(session, ts, shape, variant, line)
        return st

    def _lookup(self, sql: str, source: str, line: int | None, params: Params,
                filter: bool) -> _Shape:
        if filter:
            kind = statement_kind(sql)
            if kind == "utility":
                return self._skip_shape(source, "utility statements (BEGIN, SET, ...)", kind)
        stripped = strip_literals(sql)
        shape = self._stripped.get(stripped)
        if shape is None:
            text = finish(stripped)
            shape = self._shapes.get(text)
            if shape is None:
                shape = self._new_shape(text, sql, source, line, params, filter)
            self._remember(self._stripped, stripped, shape)
        return shape

    @staticmethod
    def _remember(cache: dict, key: Any, shape: _Shape) -> None:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = shape

    def _skip_shape(self, source: str, reason: str, kind: str) -> _Shape:
        shape = self._skipped_shapes.get((source, reason))
        if shape is None:
            shape = self._skipped_shapes[(source, reason)] = _Shape(None, kind, reason, source)
        return shape

    def _new_shape(self, text: str, sql: str, source: str, line: int | None,
                   params: Params, filter: bool) -> _Shape:
        kind = statement_kind(sql)
        if filter and (_MARKER in sql or _CATALOG.search(sql)):
            shape = _Shape(None, kind, "catalog and monitoring queries", source)
            self._shapes[text] = shape
            return shape
        pmap = _param_map(params)
        representative = substitute(sql, pmap) if (pmap and self.substitute_params) else sql
        st = Statement(hash_shape(text), representative, source, line, 0, None, None)
        shape = _Shape(st, kind, None, source)
        shape.first = _variant(sql, params)
        values = literals(sql, pmap)
        st.samples = [values] if values else []
        shape.consts = list(values) if values else None
        st.constants = list(values) if values else None
        self._shapes[text] = shape
        return shape

    def _track(self, shape: _Shape, st: Statement, sql: str, params: Params) -> None:
        values = literals(sql, _param_map(params))
        if len(st.samples) < SAMPLES and values not in st.samples:
            st.samples.append(values)
        consts = shape.consts
        if consts is None:
            return
        alive = False
        n = len(values)
        for i, v in enumerate(consts):
            if v is None:
                continue
            if i >= n or values[i] != v:
                consts[i] = None
            else:
                alive = True
        if not alive:
            shape.consts = None
        st.constants = list(consts)

    def error(self, source: str, line: int | None, message: str) -> None:
        self.errors.append(SourceError(source, line, message))

    def add_time(self, st: Statement, ms: float) -> None:
        """Add a duration logged separately from its statement (``log_duration``)."""
        st.total_time_ms = (st.total_time_ms or 0.0) + ms

    # ------------------------------------------------------------------ result

    def build(self) -> Workload:
        statements = []
        for shape in self._shapes.values():
            st = shape.st
            if st is None or not st.calls:
                continue
            if st.constants is not None and not any(v is not None for v in st.constants):
                st.constants = None
            if not self.substitute_params:
                st.sql = _constant_parameters(st, shape.n)
            statements.append(st)
        notes = list(self.notes)
        by_source: dict[str, list[str]] = {}
        for (source, reason), n in self.skipped.items():
            by_source.setdefault(source, []).append(f"{n:,} {reason}")
        for source, parts in by_source.items():
            notes.append(f"{source}: left out {', '.join(parts)}")
        findings = list(self.findings)
        if self.detector is not None:
            findings.extend(self.detector.findings(self.seen))
        return Workload(statements, self.seen, self.errors, notes=notes, findings=findings)


def _constant_parameters(st: Statement, executions: int) -> str:
    """The statement's text with each logged `$n` whose value never changed written in, as a literal
    the application always sends (CONSTANT_MIN_EXECUTIONS): an ORM binds `status = 'new'` or
    `config ->> 'installationId'` as parameters, and a partial index's WHERE or an expression index's
    key needs the value. The parameters whose values varied stay `$n`, costed by a generic plan, and
    so do LIMIT and OFFSET: a real LIMIT beside a generic plan's average rows for a varying key makes
    a sort look cheap that the calls to big keys pay for (the saas benchmark, from pg_stat_statements:
    0.80x -> 1.70x the expert set's cost when LIMIT was written in)."""
    if st.constants is None or "$" not in st.sql:
        return st.sql
    texts = literals(st.sql)
    if len(texts) != len(st.constants):
        return st.sql
    rows = {int(n) for n in _ROW_COUNT_PARAM.findall(st.sql)}
    counts = limit_counts(st.sql)
    fixed = {int(t[1:]): v for t, v in zip(texts, st.constants)  # (not NULL, not a value the log cut short)
             if v is not None and is_parameter(t) and int(t[1:]) not in rows
             and v.startswith("'") and v.endswith("'")
             and constant_evidence(executions, [c for j, (other, c) in enumerate(zip(texts, st.constants))
                                                if other != t and j not in counts])}
    return substitute(st.sql, fixed) if fixed else st.sql


def constant_evidence(executions: int, others: list[str | None]) -> bool:
    """Whether a value the same in all `executions` is the application's constant rather than one
    value of a parameter captured a few times: seen in CONSTANT_MIN_EXECUTIONS executions while
    the statement's `others` values (None: one that changed; a `$n` parameter) varied, or it has
    none (one call repeated tells a constant from nothing). The one rule for literals (candidates/kinds/partial.py)
    and for logged parameters (_constant_parameters)."""
    return executions >= CONSTANT_MIN_EXECUTIONS and (not others or any(v is None or is_parameter(v) for v in others))

