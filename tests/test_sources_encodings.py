"""Encodings (issue 15, item 10): byte order marks are honoured, UTF-16 is read, and text that is
not what the file says it is is counted with its line, in every kind of file the advisor reads."""

from __future__ import annotations

import bz2
import gzip
import random
from pathlib import Path

import pytest

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.textio import sniff_encoding
from indexadvisor.sources.workload import WorkloadBuilder

SQL = "SELECT * FROM t WHERE a = 1;\nSELECT * FROM t WHERE b = 'é';\n"
PREFIX = "2024-01-02 03:04:05.678 UTC [4242] app@app LOG:  duration: 0.5 ms  statement: "
LOG = PREFIX + "SELECT * FROM t WHERE a = 1\n" + PREFIX + "SELECT * FROM t WHERE b = 'é'\n"
PGSS_CSV = 'query,calls,total_exec_time,rows\n"SELECT * FROM t WHERE a = $1",10,5.0,10\n"SELECT * FROM t WHERE b = $1",3,1.0,3\n'
PGSS_JSON = ('{"query": "SELECT * FROM t WHERE a = $1", "calls": 10, "total_exec_time": 5.0}\n'
             '{"query": "SELECT * FROM t WHERE b = $1", "calls": 3, "total_exec_time": 1.0}\n')
PGSS_ARRAY = '[{"query": "SELECT * FROM t WHERE a = $1", "calls": 10},\n {"query": "SELECT * FROM t WHERE b = $1", "calls": 3}]\n'
DJANGO = "(0.002) SELECT * FROM t WHERE a = 1; args=(1,); alias=default\n(0.001) SELECT * FROM t WHERE b = 'é'; args=(); alias=default\n"
SCHEMA = "CREATE TABLE t (a int, b text);\nCREATE INDEX t_a ON t (a);\n"

# name, content, --input-format (None: told from the content)
FILES = [
    ("w.sql", SQL, None),
    ("postgresql.log", LOG, None),
    ("pgss.csv", PGSS_CSV, None),
    ("pgss.json", PGSS_JSON, None),
    ("pgss_array.json", PGSS_ARRAY, None),
    ("django.log", DJANGO, "django"),
]
# encoding name for Python, the byte order mark written before it
ENCODINGS = [
    ("utf-8-sig", "UTF-8 with a byte order mark"),
    ("utf-16", "UTF-16, this machine's order, with a mark"),
    ("utf-16-le-bom", "UTF-16 little-endian with a mark"),
    ("utf-16-be-bom", "UTF-16 big-endian with a mark"),
    ("utf-16-le", "UTF-16 little-endian, no mark"),
    ("utf-16-be", "UTF-16 big-endian, no mark"),
    ("utf-32", "UTF-32 with a mark"),
]


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


def _read(path: Path, input_format: str | None = None):
    builder = WorkloadBuilder()
    read_workload_file(path, builder, SourceOptions(input_format=input_format))
    return builder.build()


@pytest.mark.parametrize("encoding", [e for e, _ in ENCODINGS], ids=[d for _, d in ENCODINGS])
@pytest.mark.parametrize("name, text, fmt", FILES, ids=[f[0] for f in FILES])
def test_every_reader_reads_every_marked_encoding(tmp_path: Path, name: str, text: str, fmt: str | None,
                                                  encoding: str) -> None:
    path = tmp_path / name
    path.write_bytes(encode(text, encoding))
    workload = _read(path, fmt)
    assert not workload.errors, workload.errors
    assert workload.seen == 2 or sum(s.calls for s in workload.statements) == 13
    sqls = sorted(s.sql for s in workload.statements)
    assert sqls[0].startswith("SELECT * FROM t WHERE a = ")  # the first statement is not lost to the mark
    assert all("\ufeff" not in s and "\x00" not in s for s in sqls)
    if "'" in sqls[1]:
        assert sqls[1].endswith("'é'")


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress], ids=["gzip", "bzip2"])
def test_compressed_utf16(tmp_path: Path, compress) -> None:
    path = tmp_path / "w.sql.gz"
    path.write_bytes(compress(SQL.encode("utf-16")))
    workload = _read(path)
    assert workload.seen == 2 and not workload.errors


def test_a_utf8_bom_does_not_lose_the_first_statement_end_to_end(tmp_path: Path) -> None:
    workload = tmp_path / "w.sql"
    workload.write_bytes(b"\xef\xbb\xbf" + SQL.encode())
    schema = tmp_path / "schema.sql"
    schema.write_bytes(b"\xef\xbb\xbf" + SCHEMA.encode())
    report = api.analyze([workload], schema=[schema])
    assert report.analysed == 2 and not report.errors
    assert [r.columns for r in report.recommendations] == [["b"]]  # (a) has t_a already: the schema was read whole


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "utf-32"])
def test_schema_files_in_other_encodings(tmp_path: Path, encoding: str) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_bytes(encode(SCHEMA, encoding))
    errors: list = []
    catalog = read_ddl([schema], errors)
    assert not errors
    table = catalog.find("t")
    assert table is not None and list(table.columns) == ["a", "b"] and [i.name for i in table.indexes] == ["t_a"]


def test_invalid_utf8_in_a_sql_file_is_counted_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "w.sql"
    path.write_bytes(b"SELECT * FROM t WHERE a = 1;\n-- fine\nSELECT * FROM t WHERE b = 'caf\xe9';\nSELECT 1 FROM t WHERE a = 2;\n")
    workload = _read(path)
    assert workload.seen == 3
    assert [(e.line, e.message.split(":")[0]) for e in workload.errors] == [(3, "lines not in UTF-8 (read as Latin-1)")]
    assert any("b = 'café'" in s.sql for s in workload.statements)  # read, not replaced
    assert any("1 lines not in UTF-8" in n for n in workload.notes)


def test_invalid_utf8_in_a_schema_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_bytes(b"CREATE TABLE t (a int, b text);\nCOMMENT ON TABLE t IS 'caf\xe9';\n")
    errors: list = []
    catalog = read_ddl([schema], errors)
    assert catalog.find("t") is not None
    assert [(e.source, e.line) for e in errors] == [(str(schema), 2)] and "not in UTF-8" in errors[0].message


def test_invalid_utf16_is_replaced_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "w.sql"
    lone = b"\x00\xdc"  # a low surrogate with no high one before it (little-endian)
    body = ("SELECT * FROM t WHERE a = 1;\nSELECT * FROM t WHERE b = '".encode("utf-16-le") + lone
            + "';\nSELECT * FROM t WHERE a = 3 AND b = 'x';\n".encode("utf-16-le") + b"\x41")  # and a cut-off last unit
    path.write_bytes(b"\xff\xfe" + body)
    workload = _read(path)
    assert workload.seen == 4  # the cut-off unit is a U+FFFD "statement" of its own on line 4, which will not parse
    bad = [(e.line, e.message.split(":")[0]) for e in workload.errors]
    assert bad == [(2, "characters not in UTF-16 (replaced by U+FFFD)"), (4, "characters not in UTF-16 (replaced by U+FFFD)")]
    assert any(s.sql.endswith("b = '\ufffd'") for s in workload.statements)
    assert any("read as UTF-16" in n for n in workload.notes)


def test_a_utf16_log_was_silent_before(tmp_path: Path) -> None:
    """The issue: a UTF-16 file failed every statement (or was not recognised) with exit 0 and no hint."""
    path = tmp_path / "postgresql.log"
    path.write_bytes(LOG.encode("utf-16"))
    workload = _read(path)
    assert workload.seen == 2 and not workload.errors


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_are_not_taken_for_utf16(seed: int) -> None:
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(4096))
    assert sniff_encoding(data)[0] in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    if not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff")):
        assert sniff_encoding(data) == ("utf-8", 0)


def test_sniffing() -> None:
    assert sniff_encoding(b"\xef\xbb\xbfSELECT") == ("utf-8", 3)
    assert sniff_encoding(b"\xff\xfeS\x00") == ("utf-16-le", 2)
    assert sniff_encoding(b"\xfe\xff\x00S") == ("utf-16-be", 2)
    assert sniff_encoding(b"\xff\xfe\x00\x00S\x00\x00\x00") == ("utf-32-le", 4)
    assert sniff_encoding("SELECT 1;\n".encode("utf-16-le")) == ("utf-16-le", 0)
    assert sniff_encoding("SELECT 1;\n".encode("utf-16-be")) == ("utf-16-be", 0)
    assert sniff_encoding(b"SELECT 1;\n") == ("utf-8", 0)
    assert sniff_encoding(b"") == ("utf-8", 0)


def test_a_truncated_compressed_utf16_file_keeps_what_it_could_read(tmp_path: Path) -> None:
    path = tmp_path / "w.sql.gz"
    data = gzip.compress("".join(f"SELECT * FROM t WHERE a = {i};\n" for i in range(20000)).encode("utf-16"))
    path.write_bytes(data[: len(data) // 2])
    workload = _read(path)
    assert 1000 < workload.seen < 20000
    assert any("cut short" in e.message for e in workload.errors)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_a_first_record_longer_than_the_sniffed_bytes_is_still_told_apart(tmp_path: Path, encoding: str) -> None:
    """The bytes looked at for a byte order mark are put back whole: detection still reads 64 KB."""
    record = ('2024-01-02 03:04:05.678 UTC,"app","app",4242,"127.0.0.1:5000",65a1b2c3.1092,1,"SELECT",'
              '2024-01-02 03:04:00 UTC,3/5,0,LOG,00000,"duration: 0.5 ms  statement: SELECT * FROM t WHERE a IN ('
              + ", ".join(str(i) for i in range(3000)) + ')",,,,,,,,,"psql","client backend",,0\n')
    path = tmp_path / "postgresql.csv"
    path.write_bytes(record.encode(encoding))
    assert len(record) > 8192
    workload = _read(path)
    assert workload.seen == 1 and not workload.errors
