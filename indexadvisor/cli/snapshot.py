"""`indexadvisor snapshot`: the live database's catalog and statistics, to a file."""

from __future__ import annotations

from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import write_snapshot
from indexadvisor.cli.options import DsnOpt, SnapshotOutputOpt
from indexadvisor.cli.output import note
from indexadvisor.pg import session as db


def snapshot(*, dsn: DsnOpt = None, output: SnapshotOutputOpt) -> None:
    """Write the live database's catalog and statistics to a file, for offline analysis."""
    with db.connect(dsn) as conn:
        catalog = read_catalog(conn)
    write_snapshot(catalog, output)
    note(f"wrote {len(catalog.tables)} tables to {output}")
