"""The candidates of the other kinds for one table access, next to the B-tree variants.

selection.Advisor.advise asks `KindAdvisor.propose` for each access; the answer
holds B-tree/BRIN candidates for the greedy's pool (partial, covering,
expression, BRIN), whether the access's plain B-tree variants are superseded
(a qualifying partial index, or BRIN on a correlated range column: those are the
better index by the rules in their modules, and the plain variants would only
compete with them on the planner's estimate, which misses their size), and notes.
GIN candidates (trigram, jsonb, arrays) are gathered in `gin_pool` for the
rule-based choice after the greedy (rules.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from indexadvisor.candidates import serve
from indexadvisor.candidates.kinds import brin, covering, expression, gin, partial
from indexadvisor.candidates.requirements import Requirement, requirement_for, variants
from indexadvisor.candidates.serve import match
from indexadvisor.model import (
    Candidate,
    Catalog,
    Index,
    IndexKey,
    ParsedStatement,
    Predicate,
    PredKind,
    Table,
    TableAccess,
)
from indexadvisor.pg.selectivity import TableStats
from indexadvisor.pg.sizes import format_size


@dataclass
class Extra:
    candidates: list[tuple[Candidate, Requirement]] = field(default_factory=list)
    supersede_plain: bool = False
    covering: bool = False  # a covering (INCLUDE) candidate serves the access's index-only scan
    notes: list[str] = field(default_factory=list)
    served_by: list[str] = field(default_factory=list)  # existing indexes that already serve a kind's filters


class KindAdvisor:
    def __init__(self, catalog: Catalog, kinds: frozenset[str], max_width: int, parsed: list[ParsedStatement],
                 model: TableStats, coster, planner: bool) -> None:
        self.catalog = catalog
        self.kinds = kinds
        self.max_width = max_width
        self.model = model
        self.coster = coster
        self.planner = planner
        self.total_calls = sum(max(p.statement.calls, 1) for p in parsed)
        # (table, column) -> the workload's filters on it: what a plain one-column B-tree on it is for,
        # and every operator used on it (jsonb_path_ops only when @> is all)
        self.uses: dict[tuple[str, str], list[tuple[Predicate, TableAccess, ParsedStatement]]] = {}
        for p in parsed:
            for a in p.accesses:
                for pred in a.predicates:
                    self.uses.setdefault((str(a.table), pred.column), []).append((pred, a, p))
        self.workload_ops = {spot: {q.kind for q, _, _ in uses} for spot, uses in self.uses.items()}
        # GIN candidates by identity: the candidate and the (statement, access) pairs it serves
        self.gin_pool: dict[tuple, tuple[Candidate, list[tuple[ParsedStatement, TableAccess]]]] = {}
        self._made: list[Candidate] = []
        self.partial_columns: set[tuple[str, str]] = set()  # where a partial index took the column out of the key
        self.brin_columns: set[tuple[str, str]] = set()  # where BRIN serves the range

    def propose(self, p: ParsedStatement, access: TableAccess, table: Table | None, req: Requirement | None,
                rank: Callable[[str], tuple], existing: Index | None) -> Extra:
        out = Extra()
        if access.kind == "insert":
            return out
        if "expression" in self.kinds:
            self._expression(access, table, rank, out)
        partials: list[Candidate] = []
        if "partial" in self.kinds and existing is None:
            partials = self._partial(p, access, table, rank, out)
        if "brin" in self.kinds and existing is None and not partials:
            self._brin(p, access, table, req, out)
        if "covering" in self.kinds and existing is None and not (out.supersede_plain and not partials):
            self._covering(p, access, table, req, partials, out)  # (not beside a BRIN: a B-tree on the range column)
        if "trigram" in self.kinds:
            found, notes = gin.trigram(access, table)
            out.notes += notes
            self._gin(p, access, table, found, out)
        if "gin" in self.kinds:
            found, notes = gin.containment(access, table, self.workload_ops)
            out.notes += notes
            self._gin(p, access, table, found, out)
        self._made.extend(c for c, _ in out.candidates)
        return out

    def prune(self, origins: dict[tuple, tuple[Candidate, list]]) -> None:
        """Drop the plain one-column B-trees that a partial or BRIN index of this workload supersedes.

        A B-tree whose only key is a column every statement filters on with a fixed
        constant indexes the whole table to find what a partial index holds (a B-tree on a
        flag, or on a status); one whose only key is a BRIN column indexes what BRIN
        summarises, unless a statement needs its order (ORDER BY col LIMIT, nothing else
        to search). They come from other statements' variants and seeds, and the planner,
        blind to size, may price them a little below the better index.
        """
        for key, (c, _) in list(origins.items()):
            if c.method != "btree" or c.where or c.include or len(c.keys) != 1 or c.keys[0].column is None:
                continue
            spot = (f"{c.schema}.{c.table}", c.keys[0].column)
            uses = self.uses.get(spot, [])
            if spot in self.partial_columns and all(partial.fixed(q, p.statement) for q, _, p in uses):
                del origins[key]
            elif spot in self.brin_columns and not any(
                    a.order_by and a.order_by[0].column == spot[1] and a.limit is not None
                    and not any(q.kind in (PredKind.EQ, PredKind.IN) for q in a.predicates) for _, a, _ in uses):
                del origins[key]

    # ------------------------------------------------------------------ describing

    @staticmethod
    def kind_of(c: Candidate) -> str:
        """The kind of an index, from its definition (a candidate grown from another keeps its kind)."""
        if c.method == "gin":
            return "trigram" if any(k.opclass == "gin_trgm_ops" for k in c.keys) else "gin"
        if c.method == "brin":
            return "brin"
        if c.where and c.include:
            return "partial+covering"
        if c.where:
            return "partial"
        if c.include:
            return "covering"
        if any(k.expression for k in c.keys):
            return "expression"
        return "btree"

    def why_for(self, c: Candidate) -> str:
        """Why this kind: the candidate's own reason, or that of the candidate it was grown from."""
        if c.why or self.kind_of(c) == "btree":
            return c.why
        same = [o for o in self._made if (o.schema, o.table, o.method, o.where) == (c.schema, c.table, c.method, c.where)
                and o.keys == c.keys[:len(o.keys)] and self.kind_of(o) == self.kind_of(c)]
        # the same INCLUDE first; a covering index merged with another's INCLUDE columns keeps its reason
        for o in sorted(same, key=lambda o: (o.include != c.include, -len(o.keys))):
            if o.why:
                return o.why
        return ""

    # ------------------------------------------------------------------ kinds

    def _expression(self, access, table, rank, out: Extra) -> None:
        access_e, preds, notes = expression.indexable(access, table)
        out.notes += notes
        if not preds:
            return
        exprs = {q.column for q in preds}
        # plain equality columns first (they line up with the other statements' indexes), then expressions
        req = requirement_for(access_e, lambda ref: (ref in exprs,) + tuple(rank(ref)), expressions=True, table=table)
        if req is None or not req.exprs:
            return
        for index in table.indexes if table else []:
            if match(index, req, access_e).full:
                out.served_by.append(index.name)
                return
        refs = list(req.exprs)
        why = expression.why([req.exprs[r] for r in refs], self.planner)
        options = variants(req, self.max_width) + [[req.key(r)] for r in refs]
        seen: list[list[IndexKey]] = []
        for keys in options:
            if keys in seen or not any(k.expression for k in keys):
                continue
            seen.append(keys)
            c = Candidate(access.table.schema, access.table.name, keys, kind="expression", why=why)
            out.candidates.append((c, req))

    def _partial(self, p, access, table, rank, out: Extra) -> list[Candidate]:
        qualifying = partial.qualifying(access, p.statement, table)
        if not qualifying:
            return []
        preds = [q for q, _ in qualifying]
        shares = dict((q, s) for q, s in qualifying)
        # the whole set, and each constant that is selective enough alone
        groups = [preds] + ([[q] for q in preds if shares[q] <= partial.PARTIAL_MAX_FRACTION] if len(preds) > 1 else [])
        made: list[Candidate] = []
        for group in groups:
            where = partial.where_text(group)
            rest = partial.without(access, group)
            req = requirement_for(rest, rank, table=table)
            share = 1.0
            for q in group:
                share *= shares[q]
            evidence = "; ".join(partial.evidence(q, shares[q], p.statement) for q in group)
            constants = list(dict.fromkeys(q.column for q in group if q.kind != PredKind.ROW_COMPARE))
            if req is None:  # nothing else to search: key on a constant's column, a comparison's when none
                lead = constants[0] if constants else group[0].column
                keys_list = [[IndexKey(lead)]]
                req = Requirement([lead])
            else:
                keys_list = variants(req, self.max_width)
            for keys in keys_list:
                # (a constant's column stays in the key where the statement sorts or groups by it)
                leaving = [col for col in constants if col not in {k.column for k in keys}]
                why = f"WHERE {where}: {evidence}; so the index holds about {share:.1%} of the table"
                if leaving:
                    why += f" and {', '.join(leaving)} {'leaves' if len(leaving) == 1 else 'leave'} the key"
                c = Candidate(access.table.schema, access.table.name, keys, where=where, kind="partial", why=why,
                              rows_fraction=share)
                out.candidates.append((c, req))
                made.append(c)
        self.partial_columns.update((str(access.table), q.column) for q in preds)
        out.supersede_plain = True
        return made

    def _covering(self, p, access, table, req, partials: list[Candidate], out: Extra) -> None:
        if partials:
            base = partials[0]
            keys, where = base.keys, base.where
            base_req = next(r for c, r in out.candidates if c is base)
        elif req is not None:
            keys, where, base_req = variants(req, self.max_width)[0], None, req
        else:
            return
        include, why, note = covering.include_for(access, p.statement, table, keys, where, self.total_calls)
        if note:
            out.notes.append(note)
        if not include:
            return
        if partials:
            c = Candidate(access.table.schema, access.table.name, keys, include, where, kind="partial+covering",
                          why=f"{partials[0].why}; {why}", rows_fraction=partials[0].rows_fraction)
        else:
            c = Candidate(access.table.schema, access.table.name, keys, include, kind="covering", why=why)
        out.candidates.append((c, base_req))
        out.covering = True

    def _brin(self, p, access, table, req, out: Extra) -> None:
        column, evidence = brin.column_for(access, table, req, self.model)
        if column is None:
            if evidence:
                out.notes.append(evidence)
            return
        c = Candidate(access.table.schema, access.table.name, [IndexKey(column)], method="brin", kind="brin")
        alternative = Candidate(access.table.schema, access.table.name, [IndexKey(column)])
        size, alt_size = self.coster.size(c), self.coster.size(alternative)
        why = f"{evidence}; a BRIN index is {format_size(size)} against {format_size(alt_size)} for the B-tree ({column})"
        if self.planner:
            mine, theirs = self.coster.statement_cost(p, [c]), self.coster.statement_cost(p, [alternative])
            if mine is not None and theirs is not None:
                why += (f"; the planner prices it at {mine:,.0f} per call against {theirs:,.0f} for the B-tree, "
                        "but prices BRIN pessimistically (real and hypothetical alike), so the gain is understated")
        c.why = why
        out.candidates.append((c, req))
        self.brin_columns.add((str(access.table), column))
        out.supersede_plain = True

    def _gin(self, p, access, table, found: list[tuple[Candidate, list]], out: Extra) -> None:
        rewritten = gin.as_rewritten(access)
        for c, preds in found:
            wanted = {q for q in rewritten.predicates if q.column == preds[0].column and q.kind in serve.GIN_KINDS}
            served = next((i for i in (table.indexes if table else [])
                           if i.method == "gin" and set(serve.served_predicates(i, rewritten, table)) >= wanted), None)
            if served is not None:
                out.served_by.append(served.name)
                continue
            home = self.gin_pool.setdefault(c.key, (c, []))
            if all(a is not access for _, a in home[1]):
                home[1].append((p, access))
            if p.statement.fingerprint not in home[0].statements:
                home[0].statements.append(p.statement.fingerprint)
