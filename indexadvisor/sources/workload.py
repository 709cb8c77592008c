"""Collect statements from any source into a Workload, deduplicated by fingerprint.

A shape seen 10,000 times is kept once, with its calls and time added up, so the
expensive stages (parsing, costing) run once per shape.
"""

from __future__ import annotations

from typing import Optional

from indexadvisor.model import SourceError, Statement, Workload
from indexadvisor.sources.fingerprint import fingerprint


class WorkloadBuilder:
    def __init__(self) -> None:
        self._by_fp: dict[str, Statement] = {}
        self.seen = 0
        self.errors: list[SourceError] = []

    def add(
        self,
        sql: str,
        source: str,
        line: Optional[int] = None,
        calls: int = 1,
        total_time_ms: Optional[float] = None,
        rows: Optional[int] = None,
    ) -> None:
        self.seen += calls
        fp = fingerprint(sql)
        known = self._by_fp.get(fp)
        if known is None:
            self._by_fp[fp] = Statement(fp, sql, source, line, calls, total_time_ms, rows)
            return
        known.calls += calls
        if total_time_ms is not None:
            known.total_time_ms = (known.total_time_ms or 0.0) + total_time_ms
        if rows is not None:
            known.rows = (known.rows or 0) + rows

    def error(self, source: str, line: Optional[int], message: str) -> None:
        self.errors.append(SourceError(source, line, message))

    def build(self) -> Workload:
        return Workload(list(self._by_fp.values()), self.seen, self.errors)
