"""Readers for the data-driven case files under tests/cases/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CASES = Path(__file__).parent / "cases"


@dataclass
class Case:
    name: str
    sections: dict[str, list[str]] = field(default_factory=dict)

    def text(self, section: str) -> str:
        return "\n".join(self.sections.get(section, [])).strip()


def read_cases(filename: str, default_section: str = "sql") -> list[Case]:
    """Split a case file into blocks: '## name' starts a case, '-- section' a section.

    Lines starting with '=> ' belong to the 'expect' section; '#' lines outside a
    case are comments.
    """
    cases: list[Case] = []
    current: Case | None = None
    section = default_section
    for line in (CASES / filename).read_text().splitlines():
        if line.startswith("## "):
            current = Case(line[3:].strip())
            cases.append(current)
            section = default_section
            continue
        if current is None:
            continue
        if line.startswith("-- ") and line[3:].strip() in ("schema", "workload", "expect", "sql"):
            section = line[3:].strip()
            continue
        if line.startswith("=> "):
            current.sections.setdefault("expect", []).append(line[3:])
            continue
        current.sections.setdefault(section, []).append(line)
    return cases


def run_advice_case(case: Case, tmp_path: Path):
    """Analyze a case's schema and workload offline: the report, its DDL, and the expected DDL."""
    from indexadvisor import api

    (tmp_path / "schema.sql").write_text(case.text("schema"))
    (tmp_path / "workload.sql").write_text(case.text("workload"))
    report = api.analyze([tmp_path])
    got = [r.ddl for r in report.recommendations] or ["(none)"]
    want = [line for line in case.text("expect").splitlines() if line.strip()]
    return report, got, want
