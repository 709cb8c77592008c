"""SQL text and identifiers may hold control characters: every report format still holds together.

JUnit XML stays well-formed (XML 1.0 cannot hold ESC or \\x01, not even as a
character reference), and what is printed for a terminal (the analyze and health
tables, markdown, GitHub annotations) never carries a raw terminal escape
sequence: "\\x1b]0;...\\x07" would retitle the window, "\\x1b[2J" clear the screen.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.report import table
from indexadvisor.report.ci import FORMATS, renderer
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.load import load_report

HERE = Path(__file__).parent
REPORT = HERE / "cases" / "migrate" / "report.json"
SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-2.1.0.json").read_text())
runner = CliRunner()

TABLE = 't\x1b[31mx'  # ESC [31m: red from here on
COLUMN = 'c\x01ol'
TITLE = 'i\x1b]0;pwned\x07dx'  # OSC 0: sets the terminal's title
# what a terminal acts on: C0 controls (but tab and newline), DEL, C1 (0x9b is CSI), bidi overrides
RAW = [chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)]] + ["\u202e", "\u2066"]

SCHEMA = f"""\
CREATE TABLE "{TABLE}" (id int PRIMARY KEY, "{COLUMN}" text, status text, created_at timestamptz);
CREATE INDEX "{TITLE}" ON "{TABLE}" (status);
CREATE INDEX "{TITLE}2" ON "{TABLE}" (status);
"""
WORKLOAD = (f"SELECT * FROM \"{TABLE}\" WHERE \"{COLUMN}\" = 'a\x1b[2Jb' ORDER BY created_at;\n" * 5
            + f"SELECT * FROM \"{TABLE}\" WHERE id = 'x\x01\x9b1m\u202e';\n"
            + "SELECT \x1b[2J FROM;\n")


def _no_raw_control(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in RAW})
    assert not found, f"raw control characters {found} in:\n{text!r}"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "wl.sql").write_text(WORKLOAD, encoding="utf-8")
    return tmp_path


def test_analyze_table_prints_no_terminal_escape(files: Path) -> None:
    result = runner.invoke(app, ["analyze", str(files / "wl.sql"), "--schema", str(files / "schema.sql")])
    assert result.exit_code == 0, result.output
    _no_raw_control(result.stdout)
    assert "t\\x1b[31mx" in result.stdout and "c\\x01ol" in result.stdout  # shown, written out
    assert "i\\x1b]0;pwned\\x07dx" in result.stdout


def test_health_table_prints_no_terminal_escape(files: Path) -> None:
    result = runner.invoke(app, ["health", "--schema", str(files / "schema.sql")])
    assert result.exit_code == 0, result.output
    _no_raw_control(result.stdout)
    assert "duplicate_index" in result.stdout and "i\\x1b]0;pwned\\x07dx" in result.stdout


def test_junit_from_sql_with_control_characters_parses_back(files: Path) -> None:
    out = files / "r.xml"
    result = runner.invoke(app, ["report", str(files / "wl.sql"), "--schema", str(files / "schema.sql"),
                                 "--format", "junit", "--output", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()  # well-formed
    text = ET.tostring(root, encoding="unicode")
    _no_raw_control(text)
    assert "c\\x01ol" in text and "t\\x1b[31mx" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_ci_format_holds_control_characters_and_lone_surrogates(tmp_path: Path, fmt: str) -> None:
    data = json.loads(REPORT.read_text())
    rec = data["recommendations"][0]
    rec["reason"] += " \x1b[2J\x01\x9b"
    rec["where"] = "note = 'x\x1b]0;t\x07'"
    rec["statements"][0]["location"] = "work\x1bload.sql:3"
    finding = data["findings"][0]
    finding["evidence"] += " \x1b[31m\x00\x7f\u202e \udc80"  # a lone surrogate: only a hand-edited JSON report has one
    finding["table"] = "public.t\x1b[31mx"
    source = tmp_path / "r.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    report = load_report(source)
    result = evaluate(report, parse_fail_on([]), None, None)
    text = renderer(fmt)(report, result)
    text.encode("utf-8")  # can be written out
    if fmt == "junit":
        ET.fromstring(text)
        _no_raw_control(text)
    elif fmt in ("sarif", "json"):
        document = json.loads(text)
        if fmt == "sarif":
            jsonschema.validate(document, SARIF_SCHEMA)
    else:
        _no_raw_control(text)
    out = tmp_path / f"out.{fmt}"
    cli = runner.invoke(app, ["report", "--from", str(source), "--format", fmt, "--output", str(out)])
    assert cli.exit_code == 0, cli.output
    assert out.read_text(encoding="utf-8") == text


def test_table_of_a_report_with_control_characters(tmp_path: Path) -> None:
    data = json.loads(REPORT.read_text())
    data["recommendations"][0]["reason"] += " \x1b[2J\udc80"
    data["findings"][0]["evidence"] += " \x1b]0;t\x07"
    data["notes"].append("note \x1b[5m")
    source = tmp_path / "r.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    text = table.render(load_report(source))
    text.encode("utf-8")
    _no_raw_control(text)
    assert "\\x1b[2J\\udc80" in text and "\\x1b]0;t\\x07" in text and "note \\x1b[5m" in text


def test_printable_keeps_text_newlines_and_tabs() -> None:
    assert table.printable("a\tb\nc é ✓ \u00a0") == "a\tb\nc é ✓ \u00a0"
    assert table.printable("\x1b[31m\r\x9b\u202e") == "\\x1b[31m\\x0d\\x9b\\u202e"
