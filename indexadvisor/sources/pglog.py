"""Read PostgreSQL server logs: stderr (any log_line_prefix), csvlog and jsonlog.

What becomes a statement:

- ``statement: SQL`` (``log_statement``) and ``duration: N ms  statement: SQL``
  (``log_min_duration_statement``), with the duration added to the shape's time;
  a message holding several statements (``SELECT 1; SELECT 2``) is split;
- ``execute NAME: SQL`` (extended protocol) with the ``DETAIL:  parameters: $1 =
  '...'`` that follows it: the values become the shape's sample literals, and
  with ``substitute_params`` they are written into the representative text;
  ``parse``/``bind`` lines and ``execute fetch from`` are not executions;
- ``statement: EXECUTE name(args)`` with ``DETAIL:  prepare: PREPARE name AS SQL``
  is the prepared SQL with those arguments;
- a bare ``duration: N ms`` (``log_duration``, or a statement already logged by
  ``log_statement``) adds its time to that session's last statement;
- ``auto_explain`` output (``duration: N ms  plan:`` with ``Query Text:``, in
  text or JSON format) is a statement only when the same session did not log
  that text as a statement too (before or right after it), so nothing is counted
  twice; queries run inside functions (``log_nested_statements``) are counted.

Everything else (connections, checkpoints, errors and their STATEMENT lines)
is skipped. Lines that do not parse are counted with their first examples. The
session (``%c`` or ``%p`` in the prefix; the session id in csvlog and jsonlog)
and the timestamp feed N+1 detection.

stderr lines are matched with one regular expression compiled from the
log_line_prefix: given with ``--log-line-prefix``, or detected by trying common
settings on the first lines of the file, or, failing that, a generic pattern
that finds the severity after any prefix.
"""

from __future__ import annotations

import calendar
import csv
import html
import json
import math
import re
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexadvisor.sources.sqlfile import split_statements
from indexadvisor.sources.textio import LineReader, Problems, read_head
from indexadvisor.sources.workload import WorkloadBuilder

SEVERITIES = ("LOG", "ERROR", "WARNING", "NOTICE", "INFO", "FATAL", "PANIC", "DEBUG1", "DEBUG2", "DEBUG3",
              "DEBUG4", "DEBUG5", "DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT")
_SEV = "(?P<sev>" + "|".join(SEVERITIES) + "):  "
_ATTACHED = frozenset(("DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT"))

# log_line_prefix settings seen in the wild, most specific first
COMMON_PREFIXES = (
    "%m [%p] %q%u@%d ",  # Debian and Ubuntu packages
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",  # pgBadger's suggestion
    "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    "%m [%p] %q[user=%u,db=%d,app=%a] ",
    "%m [%p] %q%u@%d/%a ",
    "%t:%r:%u@%d:[%p]:",  # Amazon RDS
    "%m:%r:%u@%d:[%p]:",
    "%t [%p-%l] %q%u@%d ",  # older Debian
    "%m [%p-%l] %q%u@%d ",
    "%t [%p]: [%l-1] ",
    "%m [%p] ",  # PostgreSQL's default
    "%t [%p] ",
    "%m [%c] ",
    "< %m > ",
    "< %t > ",
    "%m ",
    "%t ",
    "",  # the default before PostgreSQL 10
)

_TZ = r"(?: (?:[A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?))?"
_ESCAPES = {
    "m": (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+" + _TZ, "ts"),
    "t": (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" + _TZ, "ts"),
    "n": (r"\d+(?:\.\d+)?", "ts"),
    "s": (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" + _TZ, None),
    "p": (r"\d+", "pid"),
    "P": (r"\d*", None),
    "c": (r"[0-9a-f]+\.[0-9a-f]+", "session"),
    "l": (r"\d+", None),
    "u": (r".*?", None),
    "d": (r".*?", None),
    "a": (r".*?", None),
    "h": (r".*?", None),
    "r": (r".*?", None),
    "b": (r".*?", None),
    "i": (r".*?", None),
    "e": (r"[0-9A-Z]{5}", None),
    "v": (r"[0-9/]*", None),
    "x": (r"\d*", None),
    "Q": (r"-?\d*", None),
}
_ESCAPE = re.compile(r"%(-?\d*)([a-zA-Z%])")


class PrefixError(ValueError):
    """A log_line_prefix that cannot be used."""


@dataclass
class LinePattern:
    """A compiled log_line_prefix: the regex for a whole line and what it captures."""

    prefix: str | None  # None: the generic pattern
    regex: re.Pattern[str]
    has_ts: bool
    has_session: bool

    @property
    def label(self) -> str:
        return "generic (no known log_line_prefix matched)" if self.prefix is None else repr(self.prefix)


def compile_prefix(prefix: str) -> LinePattern:
    """Turn a log_line_prefix setting into a regex for whole log lines."""
    parts: list[str] = []
    used: set[str] = set()
    optional_from: int | None = None
    pos = 0
    for m in _ESCAPE.finditer(prefix):
        parts.append(re.escape(prefix[pos:m.start()]))
        pos = m.end()
        pad, code = m.groups()
        if code == "%":
            parts.append("%")
            continue
        if code == "q":
            optional_from = len(parts)
            continue
        if code not in _ESCAPES:
            raise PrefixError(f"unknown escape %{code} in log_line_prefix {prefix!r}")
        pattern, group = _ESCAPES[code]
        if pad:
            pattern = rf"\s*{pattern}\s*"
        name = group
        if group == "pid" and "session" in used:
            name = None
        if name == "session" and "pid" in used:
            # %c names the session better than %p: rename the pid group
            parts = [p.replace("(?P<pid>", "(?:") for p in parts]
            used.discard("pid")
        if name and name not in used:
            used.add(name)
            parts.append(f"(?P<{name}>{pattern})")
        else:
            parts.append(f"(?:{pattern})")
    parts.append(re.escape(prefix[pos:]))
    if optional_from is not None:
        parts = parts[:optional_from] + ["(?:" + "".join(parts[optional_from:]) + ")?"]
    body = "".join(parts)
    if "pid" in used:
        body = body.replace("(?P<pid>", "(?P<session>")
        used.add("session")
    if "ts" not in used:
        body = "(?P<ts>)" + body
    if "session" not in used:
        body = "(?P<session>)" + body
    regex = re.compile("^" + body + _SEV + "(?P<msg>.*)$", re.S)
    return LinePattern(prefix, regex, "ts" in used, "session" in used)


_GENERIC = re.compile(r"^(?P<pre>.{0,300}?)" + _SEV + "(?P<msg>.*)$", re.S)
_GEN_TS = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?")
_GEN_SESSION = re.compile(r"\b([0-9a-f]{6,}\.[0-9a-f]{1,8})\b|\[(\d+)(?:-\d+)?\]|\bpid=(\d+)")


def generic_pattern() -> LinePattern:
    return LinePattern(None, _GENERIC, True, True)


def detect_prefix(lines: list[str]) -> LinePattern:
    """The common log_line_prefix that matches most of these lines, else the generic pattern."""
    candidates = [ln for ln in lines if ln and not ln.startswith("\t") and _GENERIC.match(ln)]
    if not candidates:
        return generic_pattern()
    best: LinePattern | None = None
    best_score = 0
    for prefix in COMMON_PREFIXES:
        pattern = compile_prefix(prefix)
        score = sum(1 for ln in candidates if pattern.regex.match(ln))
        if score > best_score:
            best, best_score = pattern, score
    if best is None or best_score < 0.9 * len(candidates):
        return generic_pattern()
    return best


# --------------------------------------------------------------------------- timestamps

_EPOCH_CACHE: dict[str, float] = {}
MAX_MS = 1e15  # a duration longer than some 30,000 years is not one a server logged


def duration_ms(value: object, scale: float = 1.0) -> float | None:
    """A logged duration in milliseconds (``scale`` 1000 for seconds); None when it is not a number
    a server or a client could have written (infinite, NaN, negative, absurdly large)."""
    try:
        ms = float(value) * scale  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return ms if 0 <= ms <= MAX_MS else None


def parse_ts(text: str) -> float | None:
    """Seconds (as if UTC) of a log timestamp, cheap enough for every statement."""
    if not text:
        return None
    base = _EPOCH_CACHE.get(text[:19])
    if base is None:
        try:
            if text[4:5] != "-":
                epoch = float(text)  # %n: epoch
                return epoch if math.isfinite(epoch) else None
            base = float(calendar.timegm(time.strptime(text[:19].replace("T", " "), "%Y-%m-%d %H:%M:%S")))
        except ValueError:
            return None
        if len(_EPOCH_CACHE) > 100_000:
            _EPOCH_CACHE.clear()
        _EPOCH_CACHE[text[:19]] = base
    sep = text[19:20]
    if sep == "." and text[20:23].isdigit() and not text[23:24].isdigit():
        return base + int(text[20:23]) * 0.001
    if sep in (".", ","):
        end = 20
        while end < len(text) and text[end].isdigit():
            end += 1
        return base + float("0." + text[20:end]) if end > 20 else base
    return base


# --------------------------------------------------------------------------- messages

_PREPARE = re.compile(r"\s*prepare\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s*(?:\([^)]*\))?\s+as\s+(.*)", re.I | re.S)
_EXECUTE = re.compile(r"\s*execute\s+(\"(?:[^\"]|\"\")+\"|[\w$]+)\s*(?:\((.*)\))?\s*;?\s*$", re.I | re.S)
_ARG = re.compile(r"\s*('(?:[^']|'')*'(?:::[\w. \[\]]+)?|[^,()']+(?:\([^()]*\))?)\s*(?:,|$)")
_PLAN_NODE = re.compile(r"\s\s\((?:cost=|actual time=|actual rows=)|\(never executed\)")
_YAML_QUERY = re.compile(r'Query Text: "((?:[^"\\]|\\.)*)"', re.S)
_XML_QUERY = re.compile(r"<Query-Text>(.*?)</Query-Text>", re.S)


def plan_query(body: str) -> tuple[str | None, str | None]:
    """(query text, parameters text) of an auto_explain plan message, in any of its formats."""
    text = body.lstrip("\n ")
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return None, None
        if isinstance(doc, dict):
            query = doc.get("Query Text")
            params = doc.get("Query Parameters")
            return (query if isinstance(query, str) else None), (params if isinstance(params, str) else None)
        return None, None
    if text.startswith("<"):
        m = _XML_QUERY.search(text)
        if not m:
            return None, None

        return html.unescape(m.group(1)), None
    if text.startswith('Query Text: "'):
        m = _YAML_QUERY.match(text)
        try:
            return (json.loads('"' + m.group(1) + '"') if m else None), None
        except ValueError:  # an escape JSON does not have: not a plan auto_explain wrote
            return None, None
    if not text.startswith("Query Text: "):
        return None, None
    lines = text[len("Query Text: "):].split("\n")
    query = [lines[0]]
    params = None
    for ln in lines[1:]:
        if ln.startswith("Query Parameters: "):
            params = ln[len("Query Parameters: "):]
            break
        if _PLAN_NODE.search(ln):
            break
        query.append(ln)
    else:
        query = [lines[0]]  # no plan node found (COSTS off): only the first line is sure
    return "\n".join(query).strip(), params


class _Last:
    """A session's last statement: for bare durations and auto_explain duplicates."""

    __slots__ = ("st", "text", "more", "timed")

    def __init__(self, st, text: str, more: tuple[str, ...], timed: bool) -> None:
        self.st = st
        self.text = text
        self.more = more  # other texts it was logged as (the parts of a multi-statement message ...)
        self.timed = timed

    def has(self, text: str) -> bool:
        return text == self.text or text in self.more


MAX_SESSIONS = 100_000


class LogInterpreter:
    """Turns log entries (already split into time, session, message, detail) into statements."""

    def __init__(self, builder: WorkloadBuilder, source: str, problems: Problems) -> None:
        self.builder = builder
        self.source = source
        self.problems = problems
        self._last: dict[Hashable, _Last] = {}
        self._plans: dict[Hashable, tuple] = {}
        self.statements = 0
        self.timed = 0
        self.plans_used = 0
        self.entries = 0
        self._ts_text: str | None = None
        self._ts_value: float | None = None

    def _remember(self, session: Hashable | None, st, text: str, more: tuple[str, ...], timed: bool) -> None:
        last = self._last.get(session)
        if last is None:
            if len(self._last) >= MAX_SESSIONS:
                self._last.clear()
            self._last[session] = _Last(st, text, more, timed)
        else:
            last.st, last.text, last.more, last.timed = st, text, more, timed

    def entry(self, line: int, ts: str | None, session: Hashable | None, message: str,
              detail: str | None) -> None:
        """One LOG entry."""
        self.entries += 1
        if message.startswith("duration: "):
            j = message.find(" ms", 10)
            ms_read = duration_ms(message[10:j])
            if ms_read is None:
                self.problems.add("log entries with an unreadable duration", line, message)
                return
            ms = ms_read
            rest = message[j + 3:].lstrip(" ")
            if not rest:
                last = self._last.get(session)
                if last is not None and not last.timed and last.st is not None:
                    self.builder.add_time(last.st, ms)
                    last.timed = True
                    self.timed += 1
                return
            if rest.startswith("statement: "):
                self.statement(rest[11:], ms, line, ts, session, detail)
            elif rest.startswith("execute "):
                self.execute(rest, ms, line, ts, session, detail)
            elif rest.startswith("plan:"):
                self.plan(rest[5:], ms, line, ts, session)
            # parse / bind / fastpath function call: not executions
        elif message.startswith("statement: "):
            self.statement(message[11:], None, line, ts, session, detail)
        elif message.startswith("execute "):
            self.execute(message, None, line, ts, session, detail)

    def statement(self, sql: str, ms: float | None, line: int, ts: str | None,
                  session: Hashable | None, detail: str | None) -> None:
        if detail is not None and detail.startswith("prepare: ") and _EXECUTE.match(sql):
            self._execute_prepared(sql, detail[9:], ms, line, ts, session)
            return
        if self._plans:
            self._flush_plan(session, sql)
        if ";" in sql and ";" in sql.rstrip().rstrip(";"):
            parts = [s.sql for s in split_statements(sql)]
            if len(parts) > 1:
                share = ms / len(parts) if ms is not None else None
                st = None
                for part in parts:
                    st = self._add(part, share, line, ts, session, None) or st
                self._remember(session, st, sql, tuple(parts), ms is not None)
                return
        self._remember(session, self._add(sql, ms, line, ts, session, None), sql, (), ms is not None)

    def execute(self, message: str, ms: float | None, line: int, ts: str | None,
                session: Hashable | None, detail: str | None) -> None:
        if message.startswith("execute fetch from "):
            return  # more rows from a portal already counted
        k = message.find(": ", 8)
        if k < 0:
            self.problems.add("execute lines without a statement", line, message)
            return
        sql = message[k + 2:]
        if self._plans:
            self._flush_plan(session, sql)
        # "parameters: $1 = ..." (15 and before); 18 writes "Parameters: $1 = ..."
        params = detail if detail is not None and detail[:12].lower() == "parameters: " else None
        self._remember(session, self._add(sql, ms, line, ts, session, params), sql, (), ms is not None)

    def _execute_prepared(self, sql: str, prepare: str, ms: float | None, line: int, ts: str | None,
                          session: Hashable | None) -> None:
        m = _PREPARE.match(prepare)
        e = _EXECUTE.match(sql)
        if not m or not e:
            self._flush_plan(session, sql)
            self._remember(session, self._add(sql, ms, line, ts, session, None), sql, (), ms is not None)
            return
        body = m.group(2).strip().rstrip(";")
        args = [a.strip() for a in _ARG.findall(e.group(2) or "")]
        params = {i + 1: a for i, a in enumerate(args) if a}
        self._flush_plan(session, body, prepare)
        st = self._add(body, ms, line, ts, session, params or None)
        self._remember(session, st, sql, (prepare, body), ms is not None)

    def plan(self, body: str, ms: float, line: int, ts: str | None, session: Hashable | None) -> None:
        query, params_text = plan_query(body)
        if not query:
            self.problems.add("auto_explain plans without a query text", line, body)
            return
        prepared = _PREPARE.match(query)
        if prepared:
            query = prepared.group(2).strip()
        last = self._last.get(session)
        if last is not None and (last.has(query) or (prepared and last.has(body))):
            return  # the statement was logged itself
        pending = self._plans.get(session)
        if pending is not None and pending[0] == query:
            # the same text again: another statement of a multi-statement query, or another execution
            self._plans[session] = (query, pending[1] + ms, pending[2], pending[3], pending[4], pending[5] + 1)
            return
        self._flush_plan(session, None)
        params = f"parameters: {params_text}" if params_text else None
        self._plans[session] = (query, ms, line, ts, params, 1)

    def _flush_plan(self, session: Hashable | None, next_sql: str | None, alt: str | None = None) -> None:
        """A pending plan: dropped when the statement logged next is its own, else counted."""
        if not self._plans:
            return
        pending = self._plans.pop(session, None)
        if pending is None:
            return
        query, ms, line, ts, params, count = pending
        if next_sql is not None and (query == next_sql or query == alt or query in (next_sql.strip(), (alt or "").strip())):
            return
        parts = [s.sql for s in split_statements(query)] if ";" in query.rstrip().rstrip(";") else [query]
        per_part = max(1, count // len(parts))
        st = None
        for part in parts:
            for _ in range(per_part):
                st = self._add(part, ms / (per_part * len(parts)), line, ts, session, params) or st
                self.plans_used += 1
        self._remember(session, st, query, tuple(parts), True)

    def _add(self, sql: str, ms: float | None, line: int, ts: str | None, session: Hashable | None,
             params) -> object | None:
        self.statements += 1
        if ts != self._ts_text:
            self._ts_text = ts
            self._ts_value = parse_ts(ts) if ts else None
        return self.builder.add(sql, self.source, line, 1, ms, params=params, session=session,
                                ts=self._ts_value, filter=True)

    def finish(self) -> None:
        for session in list(self._plans):
            self._flush_plan(session, None)
        self._last.clear()


# --------------------------------------------------------------------------- readers


@dataclass
class LogOptions:
    log_line_prefix: str | None = None
    on_progress: Callable[[int], None] | None = None


def read_stderr_log(path: Path, builder: WorkloadBuilder, problems: Problems,
                    options: LogOptions | None = None) -> LogInterpreter:
    options = options or LogOptions()
    source = str(path)
    if options.log_line_prefix is not None:
        pattern = compile_prefix(options.log_line_prefix)
    else:
        head = read_head(path, 1 << 20).decode("utf-8", "replace").split("\n")[:-1]
        pattern = detect_prefix(head[:5000])
    interp = LogInterpreter(builder, source, problems)
    match = pattern.regex.match
    generic = pattern.prefix is None
    gen_ts, gen_session = _GEN_TS.search, _GEN_SESSION.search
    entry = interp.entry
    lines_read = 0
    matched = 0
    # the entry being assembled: [line, ts, session, message parts, detail parts or None]
    cur_line = 0
    cur_ts: str | None = None
    cur_session: str | None = None
    msg: list[str] | None = None  # None: no LOG entry open (continuations are dropped)
    detail: list[str] | None = None
    target: list[str] | None = None  # where continuation lines go
    in_entry = False
    reader = LineReader(path, problems, options.on_progress)
    for first, lines in reader:
        lines_read += len(lines)
        for i, text in enumerate(lines, first):
            if text.startswith("\t"):
                if target is not None:
                    target.append(text[1:])
                elif not in_entry and text.strip():
                    problems.add("continuation lines outside any log entry", i, text)
                continue
            m = match(text)
            if m is None:
                if text:
                    problems.add("lines not matching the log_line_prefix", i, text)
                continue
            matched += 1
            sev = m.group("sev")
            if sev in _ATTACHED:
                if msg is not None and sev == "DETAIL" and (generic or m.group("session") == cur_session):
                    detail = [m.group("msg")]
                    target = detail
                else:
                    target = None
                continue
            if msg is not None:
                entry(cur_line, cur_ts, cur_session or None, "\n".join(msg) if len(msg) > 1 else msg[0],
                      ("\n".join(detail) if len(detail) > 1 else detail[0]) if detail else None)
            in_entry = True
            detail = None
            body = m.group("msg")
            if sev == "LOG" and body[:4] in ("dura", "stat", "exec"):
                msg = [body]
                target = msg
                cur_line = i
                if generic:
                    pre = m.group("pre")
                    t = gen_ts(pre)
                    cur_ts = t.group() if t else None
                    s = gen_session(pre)
                    cur_session = (s.group(1) or s.group(2) or s.group(3)) if s else None
                else:
                    cur_ts = m.group("ts")
                    cur_session = m.group("session")
            else:
                msg = None
                target = None
    if msg is not None:
        entry(cur_line, cur_ts, cur_session or None, "\n".join(msg) if len(msg) > 1 else msg[0],
              ("\n".join(detail) if len(detail) > 1 else detail[0]) if detail else None)
    interp.finish()
    _summarise(interp, problems, f"log_line_prefix {pattern.label}", lines_read, matched,
               session_known=pattern.has_session)
    return interp


def _lines_with_newlines(reader: LineReader) -> Iterator[str]:
    for _first, lines in reader:
        for text in lines:
            yield text + "\n"


CSV_FIELDS_MIN = 23  # PostgreSQL 13 has 23 csvlog columns, 14 and later 26


def read_csvlog(path: Path, builder: WorkloadBuilder, problems: Problems,
                options: LogOptions | None = None) -> LogInterpreter:
    options = options or LogOptions()
    interp = LogInterpreter(builder, str(path), problems)
    entry = interp.entry
    reader = LineReader(path, problems, options.on_progress)
    rows = csv.reader(_lines_with_newlines(reader))
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 64 << 20))
    records = 0
    prev_line = 0
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.add("lines that are not csvlog records", rows.line_num, str(exc))
                prev_line = rows.line_num
                continue
            line = prev_line + 1
            prev_line = rows.line_num
            if not row or row == [""]:
                continue
            if len(row) < CSV_FIELDS_MIN:
                problems.add("lines that are not csvlog records", line, ",".join(row))
                continue
            records += 1
            if row[11] != "LOG":
                continue
            message = row[13]
            if message[:4] not in ("dura", "stat", "exec"):
                continue
            entry(line, row[0], row[5] or row[3] or None, message, row[14] or None)
    finally:
        csv.field_size_limit(old_limit)
    interp.finish()
    _summarise(interp, problems, "csvlog", prev_line, records, session_known=True)
    return interp


def read_jsonlog(path: Path, builder: WorkloadBuilder, problems: Problems,
                 options: LogOptions | None = None) -> LogInterpreter:
    options = options or LogOptions()
    interp = LogInterpreter(builder, str(path), problems)
    entry = interp.entry
    loads = json.loads
    records = 0
    lines_read = 0
    reader = LineReader(path, problems, options.on_progress)
    for first, lines in reader:
        lines_read += len(lines)
        for i, text in enumerate(lines, first):
            if not text:
                continue
            if '"error_severity":"LOG"' not in text:
                if text.startswith("{") and text.endswith("}") and '"error_severity"' in text:
                    records += 1
                elif text.strip():
                    problems.add("lines that are not jsonlog records", i, text)
                continue
            try:
                doc = loads(text)
                message = doc["message"]
            except (ValueError, KeyError, TypeError, RecursionError):
                problems.add("lines that are not jsonlog records", i, text)
                continue
            records += 1
            if not isinstance(message, str) or message[:4] not in ("dura", "stat", "exec"):
                continue
            detail = doc.get("detail")
            entry(i, doc.get("timestamp"), doc.get("session_id") or doc.get("pid"), message,
                  detail if isinstance(detail, str) else None)
    interp.finish()
    _summarise(interp, problems, "jsonlog", lines_read, records, session_known=True)
    return interp


def _summarise(interp: LogInterpreter, problems: Problems, how: str, lines: int, entries: int,
               session_known: bool) -> None:
    parts = [f"{lines:,} lines read as a PostgreSQL log ({how})", f"{interp.statements:,} statements"]
    if interp.timed:
        parts.append(f"{interp.timed:,} durations logged on their own line")
    if interp.plans_used:
        parts.append(f"{interp.plans_used:,} from auto_explain plans")
    problems.note(f"{problems.source}: " + ", ".join(parts))
    if not interp.statements:
        if entries:
            problems.empty = (
                f"the log has no statements in it ({entries:,} log entries, none of them a statement): "
                "set log_min_duration_statement = 0 (or log_statement = 'all') to log them"
            )
        else:
            problems.empty = (f"the log has no statements in it: no line is a PostgreSQL log entry for {how}"
                              + (" (pass --log-line-prefix with the server's setting)" if "prefix" in how else ""))
    elif not session_known:
        problems.note(f"{problems.source}: the log_line_prefix has neither %p nor %c, so N+1 bursts cannot be "
                      "told apart by session and are not looked for")
