"""The data model shared by every stage of the pipeline.

Stages hand these dataclasses to each other; renderers read only a Report. One module
per part: the workload read, the catalog, the access patterns extracted from statements,
and the advice. Everything is importable from here.
"""

from indexadvisor.model.access import (
    ParsedStatement,
    Predicate,
    PredKind,
    SortKey,
    TableAccess,
    is_variant,
    variant_fingerprint,
)
from indexadvisor.model.advice import (
    BudgetCurve,
    Candidate,
    CurveStep,
    Estimate,
    Finding,
    Recommendation,
    Report,
    StatementCost,
    StatementReport,
)
from indexadvisor.model.catalog import (
    Catalog,
    Column,
    ColumnStats,
    Defined,
    ForeignKey,
    Index,
    IndexDef,
    IndexKey,
    QName,
    Table,
)
from indexadvisor.model.workload import SourceError, Statement, Workload, WriteWindow

__all__ = [
    "SourceError",
    "Statement",
    "Workload",
    "WriteWindow",
    "QName",
    "ColumnStats",
    "Column",
    "IndexKey",
    "IndexDef",
    "Defined",
    "Index",
    "ForeignKey",
    "Table",
    "Catalog",
    "PredKind",
    "Predicate",
    "SortKey",
    "TableAccess",
    "ParsedStatement",
    "is_variant",
    "variant_fingerprint",
    "StatementCost",
    "Estimate",
    "Candidate",
    "Recommendation",
    "Finding",
    "StatementReport",
    "Report",
    "BudgetCurve",
    "CurveStep",
]
