"""Tell what kind of workload file a path holds, from its content first and its name second.

The formats it tells apart are those of ``indexadvisor.sources.formats`` (the values of
``--input-format``). Compressed files (gzip, bzip2, xz) are looked into; their inner name counts.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from indexadvisor.sources.textio import read_head

COMPRESSED = (".gz", ".bz2", ".xz")

_SEVERITY = re.compile(r"(?:LOG|ERROR|WARNING|NOTICE|INFO|FATAL|PANIC|DEBUG[1-5]|DETAIL|HINT|STATEMENT|CONTEXT):  ")
_PRISMA = re.compile(r"prisma:query |^\s*Query: |^\s*Params: \[")
_DJANGO = re.compile(r"\(\d+\.\d+\) .*; args=")
_SQL_START = re.compile(
    r"(?:\s+|--[^\n]*\n|/\*.*?\*/)*(?:select|with|insert|update|delete|values|table|explain|begin|create|alter|set|"
    r"drop|merge|copy|prepare|execute|show|start|commit|analyze|vacuum|\()\b",
    re.I | re.S,
)
_PGSS_COLUMNS = ("query", "calls")


def inner_name(path: Path) -> str:
    name = path.name.lower()
    for ext in COMPRESSED:
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def detect_format(path: Path) -> str | None:
    """The file's format, or None when it cannot be told."""
    name = inner_name(path)
    head = read_head(path, 65536)
    text = head.decode("utf-8", "replace")
    if len(head) == 65536 and "\n" in text:
        text = text[: text.rfind("\n")]
    return detect_text(text, name)


def detect_text(text: str, name: str = "") -> str | None:
    lines = [ln for ln in text.split("\n")[:400]]
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if name.endswith(".sql"):
        return "sql"
    if not first:
        return _by_name(name)
    if first.startswith(("{", "[")):
        if '"error_severity"' in first:
            return "jsonlog"
        if '"query"' in text[:4096] and '"calls"' in text[:4096]:
            return "pgss-json"
        if '"query"' in first and '"params"' in first:
            return "prisma"
    header = first.lower()
    if ("," in header or "\t" in header) and all(c in re.split(r"[,\t\"]+", header) for c in _PGSS_COLUMNS):
        return "pgss-csv"
    try:  # the first record: a csvlog message can span lines
        row = next(csv.reader(io.StringIO(text.lstrip())))
    except (csv.Error, StopIteration):
        row = []
    if len(row) >= 23 and row[11] in ("LOG", "ERROR", "WARNING", "NOTICE", "INFO", "FATAL", "PANIC", "DETAIL"):
        return "csvlog"
    scores = {"prisma": 0, "django": 0, "stderr": 0}
    for ln in lines:
        if _PRISMA.search(ln):
            scores["prisma"] += 1
        elif _DJANGO.search(ln):
            scores["django"] += 1
        elif _SEVERITY.search(ln):
            scores["stderr"] += 1
    best = max(scores, key=lambda k: scores[k])
    if scores[best]:
        return best
    if _SQL_START.match(text):
        return "sql"
    return _by_name(name)


def _by_name(name: str) -> str | None:
    if name.endswith(".sql"):
        return "sql"
    return None
