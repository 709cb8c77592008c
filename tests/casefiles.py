"""Readers for the data-driven case files under tests/cases/.

A case file is a list of cases: '## name' starts a case and '-- section' a section of it;
a line '=> text' is a line of the case's 'expect' section, and a line starting with '#'
is a comment. Sections written before the first case are the file's defaults: a case
that has no section of that name gets the file's (an empty section overrides one).

The advice cases (candidates.txt, kinds/*.txt) know these sections:

    -- schema       DDL (CREATE TABLE, CREATE INDEX ...), read as a DDL catalog
    -- stats        planner statistics laid over that catalog (apply_stats), or (none)
    -- server       the server_version_num the statistics come from (e.g. 180000: skip scans)
    -- workload     SQL statements; "-- calls=N" after a statement's ';' runs it N times
    -- kinds        the --kinds value (default: all kinds)
    -- expect       the DDL proposed, in order, or (none)
    -- expect kind  the kind of each recommendation, in order
    -- reason       substrings of the first recommendation's reason or kind_reason
    -- notes        substrings, each of which some statement's notes contain
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indexadvisor import api
from indexadvisor.candidates.kinds import parse_kinds
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.model import Catalog, ColumnStats, Report, SourceError
from indexadvisor.select.options import SelectionOptions
from indexadvisor.sources.files import read_workload_file
from indexadvisor.sources.workload import WorkloadBuilder

CASES = Path(__file__).parent / "cases"
SECTIONS = ("schema", "stats", "server", "workload", "sql", "kinds", "expect", "expect kind", "reason", "notes")
NONE = "(none)"


@dataclass
class Case:
    name: str
    sections: dict[str, list[str]] = field(default_factory=dict)

    def text(self, section: str) -> str:
        return "\n".join(self.sections.get(section, [])).strip()

    def lines(self, section: str) -> list[str]:
        return [line.strip() for line in self.sections.get(section, []) if line.strip()]


def read_cases(filename: str, default_section: str = "sql") -> list[Case]:
    """Split a case file into cases (see the module's docstring for the format)."""
    cases: list[Case] = []
    defaults: dict[str, list[str]] = {}
    sections = defaults  # the file's defaults until the first case
    section: str | None = None
    for line in (CASES / filename).read_text().splitlines():
        if line.startswith("## "):
            cases.append(Case(line[3:].strip()))
            sections = cases[-1].sections
            section = default_section
        elif line.startswith("#"):
            continue
        elif line.startswith("-- ") and line[3:].strip() in SECTIONS:
            section = line[3:].strip()
            sections.setdefault(section, [])
        elif line.startswith("=> "):
            sections.setdefault("expect", []).append(line[3:])
        elif section is not None:
            sections.setdefault(section, []).append(line)
    for case in cases:
        for name, lines in defaults.items():
            case.sections.setdefault(name, lines)
    return cases


# --------------------------------------------------------------------------- planner statistics

_WORD = re.compile(r"""(?:"(?:[^"]|"")*"|'(?:[^']|'')*'|[^\s"'])+""")  # quotes may hold spaces
_TARGET = re.compile(r'^("(?:[^"]|"")*"|[^."]+)(?:\.("(?:[^"]|"")*"|[^."]+))?$')
_MCV_ITEM = re.compile(r"(?:'(?:[^']|'')*'|[^,'])+")
TABLE_KEYS = {"rows", "width", "visible"}
COLUMN_KEYS = {"distinct", "width", "null_frac", "correlation", "mcv"}


def apply_stats(catalog: Catalog, text: str) -> None:
    """Lay a '-- stats' section over a catalog read from DDL, as a snapshot would carry them.

    One line per table (pg_class); rows is required, width and visible default to the values shown:
        orders rows=2_000_000 width=100 visible=1.0
    rows is reltuples; relpages is rows x width (the average row, bytes) / 8 kB + 1, and
    relallvisible that times visible. One line per column (pg_stats), likewise:
        orders.state distinct=-1 width=8 null_frac=0 correlation=0.2 mcv=done:0.9,'a b':0.1
    distinct is n_distinct (negative: a fraction of the rows), width avg_width; correlation
    and mcv (most_common_vals:most_common_freqs) are left unset when not given. A column
    without a line has no statistics. Names follow SQL: "startedAt" keeps its case, others
    fold to lower case; a most-common value with spaces, ',' or ':' in it is 'quoted'.
    """
    for line in text.splitlines():
        words = _WORD.findall(line)
        if not words:
            continue
        m = _TARGET.match(words[0])
        if not m or any("=" not in word for word in words[1:]):
            raise ValueError(f"stats line not understood: {line!r}")
        values = dict(word.split("=", 1) for word in words[1:])
        table = catalog.find(_ident(m.group(1)))
        if table is None:
            raise ValueError(f"stats line for a table the schema does not define: {line!r}")
        if m.group(2) is None:
            _check_keys(values, TABLE_KEYS, line)
            if "rows" not in values:
                raise ValueError(f"stats line for a table without rows=: {line!r}")
            rows, width, visible = float(values["rows"]), float(values.get("width", 100)), float(values.get("visible", 1))
            table.row_estimate = rows
            table.pages = int(rows * width / 8192) + 1
            table.all_visible_pages = int(table.pages * visible)
            continue
        column = table.columns.get(_ident(m.group(2)))
        if column is None:
            raise ValueError(f"stats line for a column {table.name} does not have: {line!r}")
        _check_keys(values, COLUMN_KEYS, line)
        mcv = [item.rsplit(":", 1) for item in _MCV_ITEM.findall(values["mcv"])] if "mcv" in values else None
        column.stats = ColumnStats(
            null_frac=float(values.get("null_frac", 0)),
            n_distinct=float(values.get("distinct", -1)),
            avg_width=int(values.get("width", 8)),
            correlation=float(values["correlation"]) if "correlation" in values else None,
            most_common_vals=[_literal(v) for v, _ in mcv] if mcv else None,
            most_common_freqs=[float(f) for _, f in mcv] if mcv else None,
        )
    catalog.source = "snapshot"  # a catalog with statistics, as read from a snapshot or a database


def _check_keys(values: dict[str, str], known: set[str], line: str) -> None:
    if set(values) - known:
        raise ValueError(f"unknown keys {sorted(set(values) - known)} in stats line {line!r}: use {sorted(known)}")


def _ident(text: str) -> str:
    return text[1:-1].replace('""', '"') if text.startswith('"') else text.lower()


def _literal(text: str) -> str:
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


# --------------------------------------------------------------------------- running an advice case

_CALLS = re.compile(r"^(.*;)\s*--\s*calls=(\d+)\s*$")


def _workload(text: str) -> str:
    """The workload with each 'statement; -- calls=N' written out N times."""
    out = []
    for line in text.splitlines():
        m = _CALLS.match(line)
        out.extend([m.group(1)] * int(m.group(2)) if m else [line])
    return "\n".join(out) + "\n"


def run_advice_case(case: Case, tmp_path: Path):
    """Analyze a case's schema (and statistics) and workload offline: the report, its DDL, and the expected DDL."""
    (tmp_path / "schema.sql").write_text(case.text("schema"))
    (tmp_path / "workload.sql").write_text(_workload(case.text("workload")))
    options = SelectionOptions(kinds=parse_kinds(case.text("kinds").split() or None))
    stats = case.text("stats")
    if stats and stats != NONE:
        errors: list[SourceError] = []
        catalog = read_ddl([tmp_path / "schema.sql"], errors)
        apply_stats(catalog, stats)
        if case.text("server"):
            catalog.server_version = int(case.text("server"))
        builder = WorkloadBuilder()
        read_workload_file(tmp_path / "workload.sql", builder)
        report = api.advise(builder.build(), catalog, errors, options)
    else:
        report = api.analyze([tmp_path], options=options)
    got = [r.ddl for r in report.recommendations] or [NONE]
    want = [line for line in case.text("expect").splitlines() if line.strip()]
    return report, got, want


def check_advice_case(case: Case, tmp_path: Path) -> Report:
    """Run an advice case and check every expectation it states; return the report for more."""
    report, got, want = run_advice_case(case, tmp_path)
    assert got == want
    recs = report.recommendations
    if case.lines("expect kind"):
        assert [r.kind for r in recs] == case.lines("expect kind")
    for part in case.lines("reason"):
        assert recs and (part in recs[0].reason or part in recs[0].kind_reason), (part, recs[0] if recs else None)
    notes = [note for statement in report.statements for note in statement.notes]
    for part in case.lines("notes"):
        assert any(part in note for note in notes), (part, notes)
    return report
