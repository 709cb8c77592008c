"""The peer case files (benchmarks/peers/cases/*.txt) and the index specs they expect.

A case file holds cases; a line '-- case: name' starts one, and lines '-- key: value'
set its fields; a line '-- setup:' or '-- workload:' starts a block of SQL that runs to
the next '-- ' field line. Lines starting with '#' are comments.

    -- case: posts_eq                   a unique name (also names the JSON entry)
    -- source: ankane/dexter test/statement_test.rb (basic index)
    -- fixture: dexter_posts            fixtures/<name>.sql loaded first (optional)
    -- setup:                           extra SQL after the fixture (optional)
    CREATE TABLE ...;
    -- workload:
    SELECT * FROM posts WHERE id = 1;
    SELECT * FROM posts WHERE id = {i:1000}; -- calls=50
    -- expect: posts (id)               one line per index the peer expects, or 'none'
    -- accept: posts (id) INCLUDE (x)   also counts as agreeing with an expect line (optional)
    -- reject: posts (user_id)          proposing this disagrees with the peer (optional)
    -- note: free text                  why the answer is what it is (optional)

In a workload, 'statement; -- calls=N' writes the statement N times; '{i:M}' in it is
replaced, per call k, by 1 + (k * 7919) % M, so literals vary across calls like an app's.

An index spec:  [schema.]table (key, key DESC, (expr), col opclass) [INCLUDE (a, b)]
[WHERE predicate] [USING method]; in an accept line a key list '(*)' matches any keys.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FIXTURES = HERE / "fixtures"

_FIELD = re.compile(r"^--\s*(case|source|fixture|setup|workload|expect|accept|reject|note):\s*(.*)$")
_CALLS = re.compile(r"^(.*;)\s*--\s*calls=(\d+)\s*$")
_VARY = re.compile(r"\{i:(\d+)\}")


@dataclass
class Case:
    name: str
    file: str
    source: str = ""
    fixture: str | None = None
    setup: str = ""
    workload_lines: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)  # spec texts; empty with expect_none
    expect_none: bool = False
    accept: list[str] = field(default_factory=list)
    reject: list[str] = field(default_factory=list)
    note: str = ""

    def fixture_sql(self) -> str:
        return (FIXTURES / f"{self.fixture}.sql").read_text() if self.fixture else ""

    def database(self) -> str:
        """A database per distinct (fixture, setup): cases that share them share the data."""
        digest = hashlib.sha1((self.fixture_sql() + "\n--\n" + self.setup).encode()).hexdigest()[:10]
        return f"peers_{(self.fixture or self.name)[:30].lower()}_{digest}"

    def workload(self) -> str:
        """The workload as SQL text, each 'calls=N' statement written out N times."""
        out: list[str] = []
        for line in self.workload_lines:
            m = _CALLS.match(line.rstrip())
            if not m:
                out.append(_VARY.sub(lambda v: str(1 + 0 % int(v.group(1))), line))
                continue
            stmt, calls = m.group(1), int(m.group(2))
            for k in range(calls):
                out.append(_VARY.sub(lambda v, k=k: str(1 + (k * 7919) % int(v.group(1))), stmt))
        return "\n".join(out).strip() + "\n"


def read_cases(paths: list[Path] | None = None) -> list[Case]:
    cases: list[Case] = []
    for path in paths or sorted(CASES.glob("*.txt")):
        block: str | None = None
        for raw in path.read_text().splitlines():
            if raw.startswith("#"):
                continue
            m = _FIELD.match(raw)
            if m:
                key, value = m.group(1), m.group(2).strip()
                block = None
                if key == "case":
                    cases.append(Case(value, path.name))
                    continue
                if not cases:
                    raise ValueError(f"{path.name}: '{raw}' before the first '-- case:'")
                case = cases[-1]
                if key in ("setup", "workload"):
                    block = key
                elif key == "expect":
                    if value.lower() == "none":
                        case.expect_none = True
                    else:
                        case.expect.append(value)
                elif key in ("accept", "reject"):
                    getattr(case, key).append(value)
                elif key == "note":
                    case.note = (case.note + " " + value).strip()
                else:
                    setattr(case, key, value)
                continue
            if block == "setup":
                cases[-1].setup += raw + "\n"
            elif block == "workload":
                cases[-1].workload_lines.append(raw)
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate case names: {sorted(dupes)}")
    for c in cases:
        if not c.expect and not c.expect_none:
            raise ValueError(f"case {c.name}: no '-- expect:' line")
        if not c.workload_lines:
            raise ValueError(f"case {c.name}: no workload")
    return cases


# --------------------------------------------------------------------------- index specs


@dataclass(frozen=True)
class Spec:
    """An index reduced to what the scoring compares."""

    table: str  # without schema, lower case unless quoted
    keys: tuple[str, ...]  # normalised key texts, no direction, no opclass
    desc: tuple[bool, ...]
    include: frozenset[str] = frozenset()
    where: str | None = None
    method: str = "btree"
    any_keys: bool = False

    def text(self) -> str:
        keys = "*" if self.any_keys else ", ".join(k + (" DESC" if d else "") for k, d in zip(self.keys, self.desc))
        out = f"{self.table} ({keys})"
        if self.include:
            out += f" INCLUDE ({', '.join(sorted(self.include))})"
        if self.where:
            out += f" WHERE {self.where}"
        if self.method != "btree":
            out += f" USING {self.method}"
        return out


_OPCLASSES = re.compile(r"\s+(\w+_ops)\s*$", re.I)


def _ident(name: str) -> str:
    name = name.strip()
    return name[1:-1].replace('""', '"') if name.startswith('"') and name.endswith('"') else name.lower()


def norm_expr(text: str) -> str:
    """Compare expressions and predicates loosely: case, spaces, parentheses, quotes and
    the planner's added casts do not count; 'x = false' is 'NOT x'."""
    t = text.strip()
    t = re.sub(r'"?(\w+)"?\s*=\s*false\b', r"NOT \1", t, flags=re.I)
    t = re.sub(r'"?(\w+)"?\s+IS\s+FALSE\b', r"NOT \1", t, flags=re.I)
    t = re.sub(r'"?(\w+)"?\s*=\s*true\b', r"\1", t, flags=re.I)
    t = re.sub(r"::(text|character varying|varchar|bpchar|character|integer|bigint|numeric|jsonb)(\[\])?", "", t, flags=re.I)
    # one form for a value list: x IN ('a', 'b') = x = ANY ('{a,b}') = x = ANY (ARRAY['a', 'b'])
    def listed(values: list[str]) -> str:
        return "{" + ",".join(sorted(v.strip().strip("'").strip('"') for v in values if v.strip())) + "}"

    t = re.sub(r"\bIN\s*\(([^()]*)\)", lambda m: " IN " + listed(m.group(1).split(",")), t, flags=re.I)
    t = re.sub(r"=\s*ANY\s*\(\s*'\{([^}]*)\}'\s*\)", lambda m: " IN " + listed(m.group(1).split(",")), t, flags=re.I)
    t = re.sub(r"=\s*ANY\s*\(\s*ARRAY\s*\[([^\]]*)\]\s*\)", lambda m: " IN " + listed(m.group(1).split(",")), t, flags=re.I)
    return re.sub(r'[\s()"]', "", t).lower()


def _depths(text: str, start: int = 0):
    """Each (index, character, parenthesis depth after it) from start, quoted text at the depth it
    is quoted at (parentheses inside '...' do not count)."""
    depth, quote = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        yield i, ch, depth, quote


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts, cur = [], ""
    for _, ch, depth, quote in _depths(text):
        if ch == sep and depth == 0 and not quote:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _balanced(text: str, start: int) -> int:
    """The index just past the ')' closing the '(' at start."""
    for i, ch, depth, quote in _depths(text, start):
        if ch == ")" and not quote and depth == 0:
            return i + 1
    raise ValueError(f"unbalanced parentheses in {text!r}")


def norm_key(text: str) -> tuple[str, bool]:
    t = text.strip()
    desc = False
    m = re.search(r"\s+(ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?\s*$", t, re.I)
    if m:
        desc = m.group(1).upper() == "DESC"
        t = t[: m.start()]
    t = _OPCLASSES.sub("", t)
    if re.fullmatch(r'"[^"]+"|\w+', t):
        return _ident(t), desc
    return norm_expr(t), desc


def parse_spec(text: str) -> Spec:
    """'table (keys) [INCLUDE (...)] [WHERE ...] [USING m]' (also 'table USING m (keys)')."""
    t = text.strip()
    m = re.match(r'^((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)\s*', t)
    if not m:
        raise ValueError(f"index spec not understood: {text!r}")
    table = _ident(m.group(1).split(".")[-1]) if '"' not in m.group(1) else _ident(_split_dot(m.group(1))[-1])
    rest = t[m.end():]
    method = "btree"
    mu = re.match(r"USING\s+(\w+)\s*", rest, re.I)
    if mu:
        method, rest = mu.group(1).lower(), rest[mu.end():]
    if not rest.startswith("("):
        raise ValueError(f"index spec without a key list: {text!r}")
    end = _balanced(rest, 0)
    keys_text, rest = rest[1:end - 1], rest[end:].strip()
    include: frozenset[str] = frozenset()
    where = None
    while rest:
        mi = re.match(r"INCLUDE\s*", rest, re.I)
        mw = re.match(r"WHERE\s+", rest, re.I)
        mu = re.match(r"USING\s+(\w+)\s*", rest, re.I)
        if mi:
            rest = rest[mi.end():]
            e = _balanced(rest, 0)
            include = frozenset(_ident(c) for c in _split_top(rest[1:e - 1]))
            rest = rest[e:].strip()
        elif mu:
            method, rest = mu.group(1).lower(), rest[mu.end():].strip()
        elif mw:
            body = rest[mw.end():]
            cut = re.search(r"\s+USING\s+\w+\s*$", body, re.I)
            if cut:
                method = cut.group(0).split()[-1].lower()
                body = body[: cut.start()]
            where, rest = norm_expr(body), ""
        else:
            raise ValueError(f"index spec not understood after the keys: {text!r}")
    if keys_text.strip() == "*":
        return Spec(table, (), (), include, where, method, any_keys=True)
    keys = [norm_key(k) for k in _split_top(keys_text)]
    return Spec(table, tuple(k for k, _ in keys), tuple(d for _, d in keys), include, where, method)


def _split_dot(name: str) -> list[str]:
    return [p for p in re.findall(r'"(?:[^"]|"")*"|[^.]+', name)]


def spec_of_recommendation(rec) -> Spec:
    """A Recommendation (indexadvisor.model) as a Spec."""
    keys, desc = [], []
    for k in rec.keys:
        if k.column is not None:
            keys.append(k.column if k.column != k.column.lower() else k.column.lower())
        else:
            keys.append(norm_expr(k.expression or ""))
        desc.append(bool(k.desc))
    return Spec(rec.table, tuple(keys), tuple(desc), frozenset(c.lower() if c == c.lower() else c for c in rec.include),
                norm_expr(rec.where) if rec.where else None, (rec.method or "btree").lower())


# --------------------------------------------------------------------------- matching


def _same_direction(a: Spec, b: Spec) -> bool:
    """Directions matter only where the expected keys mix ASC and DESC (an ORDER BY a, b DESC):
    then the same directions, or all reversed (a B-tree is read backwards as well). A single
    direction is served by an index in either direction."""
    if len(set(a.desc)) < 2:
        return True
    return a.desc == b.desc or a.desc == tuple(not d for d in b.desc)


def shape_match(expected: Spec, got: Spec) -> bool:
    """The same index but for its INCLUDE columns."""
    if expected.table != got.table or expected.method != got.method or expected.where != got.where:
        return False
    if expected.any_keys:
        return True
    return expected.keys == got.keys and _same_direction(expected, got)


def full_match(expected: Spec, got: Spec) -> bool:
    return shape_match(expected, got) and expected.include == got.include


def key_match(expected: Spec, got: Spec) -> bool:
    """Same table and the same leading key column (directions, opclasses, later keys, WHERE,
    INCLUDE and the access method aside)."""
    if expected.table != got.table:
        return False
    if expected.any_keys:
        return True
    return bool(expected.keys) and bool(got.keys) and expected.keys[0] == got.keys[0]
