"""N+1 detection: a burst of one statement shape right after one other statement.

The classic N+1: an application reads N parent rows, then runs one query per row
(``SELECT ... FROM items WHERE order_id = 17``, ``= 18``, ...). In a source that
carries a session (a log with ``%p``/``%c``, csvlog, jsonlog, an ORM log) the
statements of each session are followed in order:

- a *loop body* is found when a shape repeats: the shapes since its first
  occurrence are the body (one shape, or a few that alternate, as when each
  parent row loads two relations), and the statement just before it is the
  *parent*;
- the burst lasts while statements keep to the body and come within
  ``max_gap`` seconds of each other (when the source has timestamps);
- a body shape run at least ``min_burst`` times with different values (different
  literal text or different bound parameters) is an N+1 burst.

Bursts are added up per (parent shape, child shape) and reported as findings of
kind ``n_plus_one`` whose fix is a batch (``= ANY($1)``) or a join, not an index.
Transaction control and other utility statements are transparent.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from indexadvisor.model import Finding
from indexadvisor.sources.fingerprint import is_parameter, literal_spans

MIN_BURST = 5
MAX_GAP_S = 1.0
MAX_FIRST_PASS = 8  # shapes remembered while looking for the loop body
MAX_SESSIONS = 20_000
CHANCE = 0.001  # a burst expected by chance less often than this is an N+1


class _Session:
    __slots__ = ("seq", "shapes", "body", "parent", "prev", "last_ts", "first_ts", "line", "fresh")

    def __init__(self) -> None:
        self.seq: list[tuple] = []  # (shape, variant, line, ts) since the last burst, before a repeat
        self.shapes: list[Any] = []  # the shapes of seq
        self.body: dict[Any, list] | None = None  # shape -> [count, varied, first variant]
        self.parent: Any = None
        self.prev: Any = None  # the shape of the session's previous statement
        self.fresh: tuple | None = None  # the body was just formed: (parent, variant, line, ts) of the repeat
        self.last_ts: float | None = None
        self.first_ts: float | None = None
        self.line: int | None = None


class _Pair:
    __slots__ = ("parent", "child", "sizes", "sessions", "line", "first_ts", "last_ts")

    def __init__(self, parent: Any, child: Any) -> None:
        self.parent, self.child = parent, child
        self.sizes: dict[int, int] = {}  # burst size -> bursts
        self.sessions: set = set()
        self.line: int | None = None
        self.first_ts: float | None = None
        self.last_ts: float | None = None


class NPlusOneDetector:
    """Feed ``observe`` every statement of a session in order; ``findings()`` at the end.

    Shapes are opaque objects with ``.st`` (the Statement) and ``.kind``
    (select, insert, update, delete, ...); a *variant* is anything that differs
    when the values differ (the statement text, or its parameters).
    """

    def __init__(self, min_burst: int = MIN_BURST, max_gap: float = MAX_GAP_S) -> None:
        self.min_burst = min_burst
        self.max_gap = max_gap
        self._sessions: dict[Hashable, _Session] = {}
        self._pairs: dict[tuple[int, int], _Pair] = {}
        self.observed = 0

    def observe(self, session: Hashable, ts: float | None, shape: Any, variant: Any,
                line: int | None = None) -> None:
        self.observed += 1
        s = self._sessions.get(session)
        if s is None:
            if len(self._sessions) >= MAX_SESSIONS:
                self._evict()
            s = self._sessions[session] = _Session()
        elif ts is not None and s.last_ts is not None and ts - s.last_ts > self.max_gap:
            self._close(session, s)  # a pause: whatever comes next starts afresh
            s.seq.clear()
            s.shapes.clear()
            s.parent = s.prev = None
        s.last_ts = ts
        prev, s.prev = s.prev, shape
        body = s.body
        if body is not None:
            stats = body.get(shape)
            fresh, s.fresh = s.fresh, None
            if fresh is not None and shape is prev and len(body) > 1:
                # the same shape twice in a row right after the body was formed: the
                # body is that shape alone, and the statement before the pair its parent
                s.parent, s.line, s.first_ts = fresh[0], fresh[2], fresh[3]
                s.body = {shape: [2, variant != fresh[1], fresh[1]]}
                return
            if stats is not None:
                stats[0] += 1
                if not stats[1] and variant != stats[2]:
                    stats[1] = True
                return
            # a shape outside the loop body ends the burst; the statement just
            # before it is its parent if it starts a loop of its own (nested loops)
            self._close(session, s)
            s.parent = prev
            s.seq = [(shape, variant, line, ts)]
            s.shapes = [shape]
            return
        shapes = s.shapes
        if shape not in shapes:
            s.seq.append((shape, variant, line, ts))
            shapes.append(shape)
            if len(shapes) > MAX_FIRST_PASS:
                del s.seq[0], shapes[0]
            return
        # a repeat: the shapes since its first occurrence are the loop body
        seq = s.seq
        j = shapes.index(shape)
        s.parent = seq[j - 1][0] if j > 0 else s.parent
        s.line, s.first_ts = seq[j][2], seq[j][3]
        s.body = {sh: [1, False, v] for sh, v, _l, _t in seq[j:]}
        stats = s.body[shape]
        stats[0] = 2
        stats[1] = variant != stats[2]
        s.seq = []
        s.shapes = []
        s.fresh = (prev, variant, line, ts)

    def _close(self, session: Hashable, s: _Session) -> None:
        body, parent = s.body, s.parent
        s.body = None
        if not body or parent is None:
            return
        for shape, (count, varied, _first) in body.items():
            if count < self.min_burst or not varied or shape is parent:
                continue
            key = (id(parent), id(shape))
            pair = self._pairs.get(key)
            if pair is None:
                pair = self._pairs[key] = _Pair(parent, shape)
                pair.line = s.line
                pair.first_ts = s.first_ts
            pair.sizes[count] = pair.sizes.get(count, 0) + 1
            if len(pair.sessions) < 1000:
                pair.sessions.add(session)
            pair.last_ts = s.last_ts

    def _evict(self) -> None:
        """Close the half of the sessions seen longest ago (connections come and go)."""
        items = list(self._sessions.items())
        for session, s in items[: len(items) // 2]:
            self._close(session, s)
            del self._sessions[session]

    def finish(self) -> None:
        for session, s in self._sessions.items():
            self._close(session, s)
        self._sessions.clear()

    def findings(self, total: int) -> list[Finding]:
        """The N+1 findings, given how many statements the whole workload has.

        A run of one shape also happens by chance when the shape is common, so
        a burst counts only when a run that long is unlikely from the shape's
        share of the statements outside bursts: with ``f`` that share and ``n``
        the shape's calls, ``n * f ** (size - 1)`` runs of ``size`` are expected by
        chance, and a burst counts when fewer than ``CHANCE`` are.
        """
        self.finish()
        in_bursts: dict[int, int] = {}
        all_bursts = 0
        for pair in self._pairs.values():
            calls = sum(size * n for size, n in pair.sizes.items())
            in_bursts[id(pair.child)] = in_bursts.get(id(pair.child), 0) + calls
            all_bursts += calls
        out: list[tuple[int, Finding]] = []
        for pair in self._pairs.values():
            child_calls = pair.child.st.calls
            background = max(child_calls - in_bursts[id(pair.child)], 0) / max(total - all_bursts, 1)
            sizes = {size: n for size, n in pair.sizes.items() if child_calls * background ** (size - 1) < CHANCE}
            if sizes:
                out.append((sum(size * n for size, n in sizes.items()), _finding(pair, sizes)))
        out.sort(key=lambda item: -item[0])
        return [f for _, f in out]


# --------------------------------------------------------------------------- reporting

_TABLE = re.compile(r'\b(?:from|update|into|join)\s+((?:"(?:[^"]|"")+"|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\w$]+))?)', re.I)
_EQ_BEFORE = re.compile(r'((?:(?:"(?:[^"]|"")+"|[\w$]+)\s*\.\s*)*(?:"(?:[^"]|"")+"|[\w$]+))\s*=\s*$')


def table_of(sql: str) -> str:
    m = _TABLE.search(sql)
    if not m:
        return ""
    name = re.sub(r"\s+", "", m.group(1))
    return name if "." in name or '"' in name else name.lower()


def _short(sql: str, width: int = 120) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def batch_rewrite(sql: str, constants: list[str | None] | None) -> str | None:
    """The child statement with its per-row key turned into ``= ANY($n)``, when it is a plain ``col = value``."""

    spans = literal_spans(sql)
    order = list(range(len(spans)))
    if constants is not None and len(constants) == len(spans):
        order = [i for i in order if constants[i] is None] + [i for i in order if constants[i] is not None]
    params = [int(p) for p in re.findall(r"\$(\d+)", sql)]
    next_param = max(params, default=0) + 1
    for i in order:
        start, end = spans[i]
        m = _EQ_BEFORE.search(sql, 0, start)
        if not m:
            continue
        value = sql[start:end]
        param = value if is_parameter(value) else f"${next_param}"
        return f"{sql[:m.start()]}{m.group(1)} = ANY({param}){sql[end:]}"
    return None


def _finding(pair: _Pair, bursts_by_size: dict[int, int]) -> Finding:
    parent_st, child_st = pair.parent.st, pair.child.st
    kind = getattr(pair.child, "kind", "select")
    bursts = sum(bursts_by_size.values())
    calls = sum(size * n for size, n in bursts_by_size.items())
    smallest, largest = min(bursts_by_size), max(bursts_by_size)
    mean = calls / bursts
    sizes = f"{smallest}" if smallest == largest else f"{smallest}-{largest}, mean {mean:.1f}"
    span = None
    if pair.first_ts is not None and pair.last_ts is not None and pair.last_ts > pair.first_ts:
        span = pair.last_ts - pair.first_ts
    rate = bursts / (span / 60) if span and bursts > 1 else None
    freq = f", {rate:.1f} bursts a minute" if rate else ""
    evidence = (
        f"{child_st.location}: `{_short(child_st.sql)}` ran {calls:,} times in {bursts:,} "
        f"burst(s) of {sizes} with different values, each right after `{_short(parent_st.sql)}` "
        f"({parent_st.location}) in the same session{freq}; {calls:,} of its {child_st.calls:,} calls"
    )
    rewrite = batch_rewrite(child_st.sql, getattr(child_st, "constants", None)) if kind in ("select", "with", "update", "delete") else None
    if kind == "insert":
        fix = "insert the rows in one statement (a multi-row INSERT ... VALUES, INSERT ... SELECT FROM unnest($1), or COPY), not one per parent row; an index does not fix this"
    else:
        target = f": `{_short(rewrite, 200)}` with all the parent rows' keys in one array" if rewrite else ""
        fix = (f"run it once for all parent rows instead of once per row{target}, or join it into the parent query; "
               "an index does not fix this")
    return Finding(
        kind="n_plus_one",
        table=table_of(child_st.sql),
        related=f"{parent_st.fingerprint}>{child_st.fingerprint}",
        evidence=evidence,
        severity="warning",
        fix=fix,
        statements=[parent_st.fingerprint, child_st.fingerprint],
        metrics={
            "bursts": bursts,
            "calls": calls,
            "min_burst": smallest,
            "max_burst": largest,
            "mean_burst": round(mean, 1),
            "sessions": len(pair.sessions),
            "bursts_per_minute": round(rate, 2) if rate else None,
            "parent_calls": parent_st.calls,
            "child_calls": child_st.calls,
        },
    )
