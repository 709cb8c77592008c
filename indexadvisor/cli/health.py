"""`indexadvisor health`: what the existing indexes cost for nothing, and the indexes foreign keys lack."""

from __future__ import annotations

from indexadvisor import api
from indexadvisor.cli.options import DsnOpt, Format, FormatOpt, MinEvidenceDaysOpt, OutputOpt, SchemaOpt, SnapshotOpt
from indexadvisor.cli.output import refuse_overwriting_inputs, warn, write
from indexadvisor.health import HealthOptions
from indexadvisor.report import health as health_report

_DEFAULTS = HealthOptions()


def health(
    schema: SchemaOpt = None,
    snapshot: SnapshotOpt = None,
    dsn: DsnOpt = None,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
    min_evidence_days: MinEvidenceDaysOpt = _DEFAULTS.min_evidence_days,
) -> None:
    """Find unused, duplicate, redundant and invalid indexes and unindexed foreign keys (catalog only)."""
    refuse_overwriting_inputs(output, [*(schema or []), snapshot])
    result = api.health(schema=schema or [], snapshot=snapshot, dsn=dsn, options=HealthOptions(min_evidence_days=min_evidence_days))
    warn(result.errors)
    write(health_report.render_json(result) if format is Format.json else health_report.render_table(result), output)
