"""Bad input never crashes a reader: it is counted, with the first examples and their line numbers."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from indexadvisor import api
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.formats import FORMATS
from indexadvisor.sources.textio import LineReader, Problems
from indexadvisor.sources.workload import WorkloadBuilder

GOOD = "2024-01-02 03:04:05.678 UTC [4242] app@app LOG:  duration: 0.5 ms  statement: SELECT * FROM t WHERE id = {}\n"


def _read(path: Path, **options):
    builder = WorkloadBuilder()
    read_workload_file(path, builder, SourceOptions(**options))
    return builder.build()


def test_truncated_lines_garbage_and_mixed_encodings(tmp_path: Path):
    path = tmp_path / "postgresql.log"
    with open(path, "wb") as f:
        f.write(GOOD.format(1).encode())
        f.write(b"2024-01-02 03:04:05.679 UTC [4242] app@a\n")  # truncated: line 2
        f.write(GOOD.format(2).encode())
        f.write(bytes([0, 1, 2, 255, 254, 7, 0, 0, 3, 27, 200, 0, 9]) * 3 + b"\n")  # binary: line 4
        f.write("2024-01-02 03:04:05.680 UTC [4242] app@app LOG:  duration: 0.5 ms  statement: SELECT * FROM t WHERE name = 'caf\u00e9'\n".encode("latin-1"))  # line 5
        f.write(b"something else wrote this\n")  # line 6
        f.write(GOOD.format(3).encode()[:30])  # cut short at the end, no newline: line 7
    workload = _read(path)
    assert workload.seen == 3
    st = next(s for s in workload.statements if "name" in s.sql)
    assert st.sql.endswith("'café'")  # the Latin-1 line is read, not lost
    lines = {e.line: e.message for e in workload.errors}
    assert "lines not matching the log_line_prefix" in lines[2]
    assert "binary" in lines[4]
    assert "Latin-1" in lines[5]
    assert "not matching" in lines[6] and "not matching" in lines[7]
    summary = next(n for n in workload.notes if "skipped" in n)
    assert "3 lines not matching" in summary and "1 lines of binary data" in summary


def test_only_the_first_examples_are_kept(tmp_path: Path):
    path = tmp_path / "postgresql.log"
    path.write_text("".join(GOOD.format(i) + "garbage line\n" for i in range(500)))
    workload = _read(path)
    assert workload.seen == 500
    assert [e.line for e in workload.errors] == [2, 4, 6]
    assert any("500 lines not matching" in n for n in workload.notes)


def test_unknown_prefix_says_how_to_fix_it(tmp_path: Path):
    path = tmp_path / "postgresql.log"
    path.write_text("".join(f"<<{i}>> LOG:  duration: 1.0 ms  statement: SELECT {i}\n" for i in range(20)))
    workload = _read(path)  # the generic pattern still finds the severity
    assert workload.seen == 20
    bad = _read(path, log_line_prefix="%m [%p] ")
    assert bad.seen == 0
    assert any("no statements" in e.message and "--log-line-prefix" in e.message for e in bad.errors)


def test_truncated_gzip(tmp_path: Path):
    path = tmp_path / "postgresql.log.gz"
    data = gzip.compress("".join(GOOD.format(i) for i in range(5000)).encode())
    path.write_bytes(data[: len(data) // 2])
    workload = _read(path)
    assert 0 < workload.seen < 5000
    assert any("cut short" in e.message for e in workload.errors)


def test_empty_and_missing_files(tmp_path: Path):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    workload = _read(empty, input_format="stderr")
    assert any("no statements" in e.message for e in workload.errors)
    workload = _read(tmp_path / "missing.log", input_format="stderr")
    assert any("unreadable" in e.message for e in workload.errors)


def test_unknown_content_is_one_error(tmp_path: Path):
    path = tmp_path / "notes.log"
    path.write_text("nothing here looks like SQL or a log\n" * 10)
    workload = _read(path)
    assert workload.statements == []
    assert len(workload.errors) == 1 and "--input-format" in workload.errors[0].message


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_bytes_in_every_format(tmp_path: Path, fmt: str):
    rng = random.Random(fmt)
    path = tmp_path / "junk"
    chunks = []
    for _ in range(300):
        roll = rng.random()
        if roll < 0.3:
            chunks.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
        elif roll < 0.6:
            chunks.append(GOOD.format(rng.randrange(100)).encode()[: rng.randrange(1, 90)])
        else:
            chunks.append(rng.choice([b'{"query": "SELECT', b'"a,b', b"\\x00\\N\t", b"(0.1) SELECT", b"prisma:query ",
                                      b"Params: [1,", b"\n\t", b"'unterminated", b"$$", b"/*"]))
    path.write_bytes(b"\n".join(chunks))
    workload = _read(path, input_format=fmt)  # no exception, whatever the content
    assert isinstance(workload.seen, int)


def test_a_line_too_long_is_counted_and_skipped_and_the_next_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "w.sql"
    path.write_text("SELECT 1;\nSELECT '" + "x" * 300 + "';\nSELECT 3;\n")
    problems = Problems(str(path))
    lines = [(first + i, text) for first, block in LineReader(path, problems, chunk=16, max_line=100)
             for i, text in enumerate(block)]
    assert lines == [(1, "SELECT 1;"), (2, ""), (3, "SELECT 3;")]
    assert problems.counts == {"line too long": 1} and problems.examples[0].line == 2


def test_a_huge_statement_is_analysed_but_its_text_in_the_report_is_bounded(tmp_path):
    values = ", ".join(str(i) for i in range(20_000))
    (tmp_path / "w.sql").write_text(f"SELECT * FROM orders WHERE customer_id IN ({values});\n")
    (tmp_path / "schema.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n")
    report = api.analyze([tmp_path / "w.sql"], schema=[tmp_path / "schema.sql"])
    (statement,) = report.statements
    assert report.analysed == 1 and len(statement.sql) <= api.REPORT_SQL_MAX + 4
    assert any("text cut to its first 10,000" in n for n in statement.notes)
