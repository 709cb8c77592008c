"""The data model shared by every stage of the pipeline.

Stages hand these dataclasses to each other; renderers read only a Report. One module
per part: the workload read, the catalog, the access patterns extracted from statements,
and the advice. Everything is importable from here.
"""

from indexadvisor.model.workload import SourceError, Statement, Workload
from indexadvisor.model.catalog import QName, ColumnStats, Column, IndexKey, Index, ForeignKey, Table, Catalog
from indexadvisor.model.access import PredKind, Predicate, SortKey, TableAccess, ParsedStatement
from indexadvisor.model.advice import StatementCost, Estimate, Candidate, Recommendation, Finding, StatementReport, Report

__all__ = [
    "SourceError",
    "Statement",
    "Workload",
    "QName",
    "ColumnStats",
    "Column",
    "IndexKey",
    "Index",
    "ForeignKey",
    "Table",
    "Catalog",
    "PredKind",
    "Predicate",
    "SortKey",
    "TableAccess",
    "ParsedStatement",
    "StatementCost",
    "Estimate",
    "Candidate",
    "Recommendation",
    "Finding",
    "StatementReport",
    "Report",
]
