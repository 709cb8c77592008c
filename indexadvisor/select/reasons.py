"""What the report says about a chosen index: its estimate and the reason, in words."""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.candidates.kinds import label
from indexadvisor.candidates.requirements import Requirement, key_ref
from indexadvisor.candidates.requirements import describe as describe_requirement
from indexadvisor.candidates.serve import match, pinned_columns, served_requirement
from indexadvisor.costing.stats import key_columns
from indexadvisor.model import Candidate, Estimate, ParsedStatement, PredKind, StatementCost, TableAccess
from indexadvisor.select.state import Chosen, Problem


def note(notes: dict[str, list[str]], fp: str, text: str) -> None:
    """Add a note to a statement, once."""
    bucket = notes.setdefault(fp, [])
    if text not in bucket:
        bucket.append(text)


def estimate_for(method: str, per: dict[str, tuple[float, float]], weight: dict[str, float], gain: float,
                 wcost: float, size: int) -> Estimate:
    """An index's estimate: the statements it helps (biggest weighted gain first), their
    weighted costs before and after, its net benefit, size and write cost."""
    helps = [StatementCost(fp, round(b, 2), round(a, 2))
             for fp, (b, a) in sorted(per.items(), key=lambda kv: -weight[kv[0]] * (kv[1][0] - kv[1][1]))]
    return Estimate(
        method,
        cost_before=round(sum(weight[h.fingerprint] * h.cost_before for h in helps), 2),
        cost_after=round(sum(weight[h.fingerprint] * h.cost_after for h in helps), 2),
        benefit=round(gain - wcost, 2),
        size_bytes=size or None,
        write_cost=round(wcost, 2),
        helps=helps,
    )


def describe(problem: Problem, c: Candidate, per: dict[str, tuple[float, float]], gain: float, wcost: float,
             size: int) -> Chosen:
    """The chosen index with its estimate, its kind and why, and the reason the report shows."""
    method = problem.coster.method
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    if method != "planner" and not (table is not None and table.has_stats):
        method = "rules"
    estimate = estimate_for(method, per, problem.weight, gain, wcost, size)
    helps = estimate.helps
    if method != "planner":
        _rows(problem, estimate, c)
    kind = problem.kinds.kind_of(c)
    why = problem.kinds.why_for(c)
    described = _described(problem, c, helps[0].fingerprint if helps else None) if c.method == "btree" else None
    keys = describe_keys(c, described) if described is not None else ""
    if not keys and (not why or described is None) and c.method == "btree":
        helped = set(per) if described is not None else {helps[0].fingerprint}
        keys = used_for(c, [p for p in problem.parsed if p.statement.fingerprint in helped])
    reason = f"{label(kind)}: " + "; ".join(part for part in (why, keys) if part)
    if len(helps) > 1:
        reason += f"; serves {len(helps)} statement shapes"
    if helps:
        top = helps[0]
        unit = "planner cost" if method == "planner" else "estimated cost"
        reason += f"; {unit} per call {top.cost_before:,.1f} -> {top.cost_after:,.1f}"
        reason += _early_stop_text(problem, top.fingerprint)
    if wcost:
        reason += f"; write cost {wcost:,.0f} charged"
    if method == "rules":
        reason += "; no statistics for this table: ranked by structure and call frequency"
    return Chosen(c, estimate, [h.fingerprint for h in helps], reason, kind, why or keys)


def describe_keys(c: Candidate, req: Requirement) -> str:
    """What each part of a chosen B-tree does for the statement that asked for it: what the serve
    rule finds its keys deliver (a key that follows no searched prefix serves no ORDER BY), and
    whether it is narrower than that statement's ideal index."""
    cols = [key_ref(k) for k in c.keys]
    m = match(replace(c.spec, where=None).as_index(), req)  # the WHERE's own columns need no key
    text = describe_requirement(Requirement(
        [col for col in req.eq if col in m.eq], req.sort if m.order else [], req.range if m.range else None,
        req.range_opclass, [col for col in req.in_after_sort if col in cols] if m.order else [], req.exprs,
        req.range_like, optional=[col for col in req.optional if col not in cols],
        common=[col for col in req.common if col in cols] if m.order else []))
    pinned = pinned_columns(c.where)  # answered by the WHERE: no key of a partial index's ideal
    ideal = [k for k in req.keys() if key_ref(k) not in pinned]
    if text and len(c.keys) < len(ideal):
        text += f"; narrower than the ideal ({', '.join(k.shown for k in ideal)}), which did not pay for its size or width"
    return text


def _described(problem: Problem, c: Candidate, fingerprint: str | None) -> Requirement | None:
    """The requirement a chosen index is described by: the one of the statement it helps most,
    as ranked when it asked for an index (one of the candidate's origins) where it did; else as
    that statement's access needs it; else the candidate's first origin where that statement asked
    for it (or none helps), and None where it did not (used_for says what it does). A candidate asked for by
    one statement can be chosen for another: (occurred_at DESC), grown from a feed's ORDER BY,
    chosen for `DELETE ... WHERE occurred_at < $1`, is a range there, not an ORDER BY."""
    origins = problem.origins[c.spec]
    found = _helped(problem, c, fingerprint) if fingerprint else None
    if found is None:
        # another statement's requirement would describe what this one does not do with it
        return origins[0] if fingerprint is None or fingerprint in c.statements else None
    req = found[1]
    same = [r for r in origins if (set(r.eq), r.sort, r.range, r.in_after_sort) == (set(req.eq), req.sort, req.range, req.in_after_sort)]
    return same[0] if same else req


def _helped(problem: Problem, c: Candidate, fingerprint: str) -> tuple[TableAccess, Requirement] | None:
    """The statement's first access to the candidate's table that it serves, with that access's requirement."""
    target = next(p for p in problem.parsed if p.statement.fingerprint == fingerprint)
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    index = c.spec.as_index()
    for access in target.accesses:
        if access.table.schema != c.schema or access.table.name != c.table:
            continue
        req = served_requirement(index, access, table)
        if req is not None:
            return access, req
    return None


def _early_stop_text(problem: Problem, fingerprint: str) -> str:
    """When the statement's current plan is cheap only if its LIMIT stops early, say how it was costed."""
    statement = next(p for p in problem.parsed if p.statement.fingerprint == fingerprint)
    early = problem.coster.early_stop(statement)
    if early is None:
        return ""
    return (f" (without it the plan's LIMIT stops early only if the rows its filter keeps are spread evenly, "
            f"{early[0]:,.1f} per call if they are: counted at {early[1]:,.1f}, allowing for rows that cluster; "
            "the LIMIT trap)")


def _rows(problem: Problem, estimate: Estimate, c: Candidate) -> None:
    """Rows read per call before/after, for the hottest helped statement (statistics mode)."""
    found = _helped(problem, c, estimate.helps[0].fingerprint) if estimate.helps else None
    if found is None:
        return
    access, req = found
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    m = match(c.spec.as_index(), req, access)
    estimate.rows_before = round(problem.model.rows(table), 1)
    estimate.rows_after = round(problem.model.index_scan(table, access, req, m, key_columns=key_columns(c.keys)).rows, 1)


_USE_WORDS = {PredKind.JOIN: "join key", PredKind.EQ: "equality", PredKind.IN: "IN list", PredKind.RANGE: "range",
              PredKind.LIKE_PREFIX: "LIKE prefix", PredKind.IS_NULL: "IS NULL", PredKind.IS_NOT_NULL: "IS NOT NULL"}


def used_for(c: Candidate, helped: list[ParsedStatement]) -> str:
    """What the statements an index helps do with its leading column, for a candidate that
    no single statement's requirement asked for (the planner picked it, e.g. a join key)."""
    lead = c.keys[0].column
    uses: list[str] = []
    for p in helped:
        for a in p.accesses:
            if a.table.schema != c.schema or a.table.name != c.table:
                continue
            uses += [_USE_WORDS[q.kind] for q in a.predicates if q.column == lead and q.kind in _USE_WORDS]
            uses += ["ORDER BY" for k in a.order_by if k.column == lead] + ["GROUP BY" for g in a.group_by if g == lead]
    words = list(dict.fromkeys(uses))
    return f"{' and '.join(words) if words else 'access'} on {lead}, as the planner uses it for these statements"
