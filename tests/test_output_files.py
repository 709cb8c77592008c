"""Output files: never written over an input, and written whole or not at all.

The partial-write tests run the real command in a child process whose file-size limit
(RLIMIT_FSIZE) is smaller than the output: the write fails part-way with EFBIG, as on
a full disk (Python ignores SIGXFSZ, so the write returns the error instead of killing
the process).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor import fileio
from indexadvisor.catalog.snapshot import read_snapshot, write_snapshot
from indexadvisor.cli import app
from indexadvisor.model import Catalog

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workloads"
REPORT = Path(__file__).parent / "cases" / "migrate" / "report.json"
runner = CliRunner()


@pytest.fixture
def workload(tmp_path: Path) -> Path:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, a int, b int);\n")
    path = tmp_path / "wl.sql"
    path.write_text("SELECT * FROM t WHERE a = 1;\nSELECT * FROM t WHERE b = 2 ORDER BY a;\n")
    return path


def _refused(result, victim: Path, before: bytes) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is one of the inputs" in lines[0], result.stderr
    assert victim.read_bytes() == before, "the input was changed"


def test_output_over_a_workload_file_is_refused(workload):
    before = workload.read_bytes()
    _refused(runner.invoke(app, ["analyze", str(workload), "--schema", str(workload.parent / "schema.sql"),
                                 "--output", str(workload)]), workload, before)


def test_output_over_an_input_through_a_link_is_refused(workload):
    schema = workload.parent / "schema.sql"
    link = workload.parent / "link.sql"
    link.symlink_to(schema)
    before = schema.read_bytes()
    _refused(runner.invoke(app, ["analyze", str(workload), "--schema", str(schema), "-o", str(link)]), schema, before)
    hard = workload.parent / "hard.sql"
    os.link(workload, hard)
    _refused(runner.invoke(app, ["analyze", str(workload), "--schema", str(schema), "-o", str(hard)]),
             workload, workload.read_bytes())


def test_output_over_a_file_a_folder_input_reads_is_refused(workload):
    folder = workload.parent
    before = (folder / "schema.sql").read_bytes()
    _refused(runner.invoke(app, ["analyze", str(folder), "-o", str(folder / "schema.sql")]), folder / "schema.sql", before)
    # a file of the folder that is not read is fine
    result = runner.invoke(app, ["analyze", str(folder), "-o", str(folder / "report.txt")])
    assert result.exit_code == 0, result.output


def test_output_over_the_snapshot_is_refused(workload, tmp_path):
    snap = tmp_path / "snap.json"
    write_snapshot(Catalog(), snap)
    before = snap.read_bytes()
    _refused(runner.invoke(app, ["analyze", str(workload), "--snapshot", str(snap), "--output", str(snap)]), snap, before)
    _refused(runner.invoke(app, ["health", "--snapshot", str(snap), "--output", str(snap)]), snap, before)


def test_report_output_over_from_or_baseline_is_refused(tmp_path):
    saved = tmp_path / "r.json"
    saved.write_bytes(REPORT.read_bytes())
    before = saved.read_bytes()
    _refused(runner.invoke(app, ["report", "--from", str(saved), "--output", str(saved)]), saved, before)
    _refused(runner.invoke(app, ["report", "--from", str(REPORT), "--baseline", str(saved), "-o", str(saved)]),
             saved, before)


def test_health_output_over_the_schema_is_refused(workload):
    schema = workload.parent / "schema.sql"
    before = schema.read_bytes()
    _refused(runner.invoke(app, ["health", "--schema", str(schema), "--output", str(schema)]), schema, before)


# --------------------------------------------------------------------------- whole or nothing


def _limited(limit: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


def _run_limited(args: list[str], limit: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexadvisor", *args], capture_output=True, text=True, timeout=120,
                          preexec_fn=_limited(limit), cwd=ROOT)


def test_a_report_that_cannot_be_written_whole_leaves_the_old_file(tmp_path):
    out = tmp_path / "report.json"
    out.write_text('{"old": "report"}\n')
    proc = _run_limited(["analyze", str(SAMPLES / "ecommerce"), "--format", "json", "--output", str(out)], 4096)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"indexadvisor: error: cannot write {out}")
    assert out.read_text() == '{"old": "report"}\n'  # not truncated, not half of the new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary file left behind


def test_a_new_report_that_cannot_be_written_whole_leaves_no_file(tmp_path):
    out = tmp_path / "report.md"
    proc = _run_limited(["report", "--from", str(REPORT), "--output", str(out)], 512)
    assert proc.returncode == 2, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_whole_files_and_keeps_links_and_modes(tmp_path, monkeypatch):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert fileio.write_atomic(link, "new\n") == real
    assert link.is_symlink() and real.read_text() == "new\n" and (real.stat().st_mode & 0o777) == 0o640

    def half_then_full(fd, data):
        os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio, "_write_all", half_then_full)
    with pytest.raises(OSError):
        fileio.write_atomic(real, "a much longer replacement text\n")
    assert real.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]
    with pytest.raises(FileExistsError):
        fileio.write_atomic(real, "x", overwrite=False)


def test_snapshot_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    snap = tmp_path / "snap.json"
    write_snapshot(Catalog(), snap)
    before = snap.read_text()

    def fail(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio, "_write_all", fail)
    with pytest.raises(Exception, match="cannot write snapshot"):
        write_snapshot(Catalog(), snap)
    assert snap.read_text() == before and read_snapshot(snap) is not None
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]
    assert json.loads(before)["format"] == "indexadvisor-snapshot"


def test_migration_files_are_written_whole_or_not_at_all(tmp_path):
    out = tmp_path / "migrations"
    proc = _run_limited(["migrate", "--tool", "sql", "--out", str(out), "--from", str(REPORT)], 700)
    assert proc.returncode != 0
    for path in out.iterdir():  # those written are whole (the last line of each is its RESET), none is half
        assert not path.name.startswith(".") and path.read_text().endswith("RESET lock_timeout;\n"), path
