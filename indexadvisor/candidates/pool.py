"""The candidates of the other kinds for one table access, next to the B-tree variants.

The selection's pool (select/pool.py) asks `KindAdvisor.propose` for each access; every
kind module registered in KIND_MODULES answers through one interface (kinds/base.py).
The answer holds B-tree/BRIN candidates for the greedy's pool (partial, covering,
expression, BRIN), whether the access's plain B-tree variants are superseded (a
qualifying partial index, or BRIN on a correlated range column: those are the better
index by the rules in their modules, and the plain variants would only compete with
them on the planner's estimate, which misses their size), and notes. GIN candidates
(trigram, jsonb, arrays) are gathered in `gin_pool` for the rule-based choice after the
greedy (select/gin.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from indexadvisor.candidates.kinds import brin, covering, expression, gin, partial, trigram
from indexadvisor.candidates.kinds.base import Ask, Context, Extra, Pricer
from indexadvisor.candidates.requirements import Requirement
from indexadvisor.model import (
    Candidate,
    Catalog,
    Index,
    IndexDef,
    ParsedStatement,
    Predicate,
    PredKind,
    Table,
    TableAccess,
)
from indexadvisor.pg.selectivity import TableStats

# The kinds, in the order they are asked (a later one reads what an earlier one found:
# BRIN stands back for a partial index, covering builds on one). Each module: KIND, propose().
KIND_MODULES: tuple[KindModule, ...] = (expression, partial, brin, covering, trigram, gin)


class KindModule(Protocol):
    KIND: str

    def propose(self, ctx: Context, ask: Ask, out: Extra) -> None: ...


class KindAdvisor:
    """Asks every enabled kind for its candidates, access by access, and describes what it made."""

    def __init__(self, catalog: Catalog, kinds: frozenset[str], max_width: int, parsed: list[ParsedStatement],
                 model: TableStats, pricer: Pricer, planner: bool) -> None:
        self.catalog = catalog
        # (table, column) -> the workload's filters on it: what a plain one-column B-tree on it is for
        self.uses: dict[tuple[str, str], list[tuple[Predicate, TableAccess, ParsedStatement]]] = {}
        for p in parsed:
            for a in p.accesses:
                for pred in a.predicates:
                    self.uses.setdefault((str(a.table), pred.column), []).append((pred, a, p))
        self.ctx = Context(kinds, max_width, model, pricer, planner, sum(max(p.statement.calls, 1) for p in parsed),
                           {spot: {q.kind for q, _, _ in uses} for spot, uses in self.uses.items()})
        for p in parsed:
            for a in p.accesses:
                for pred in a.predicates:
                    self.ctx.predicate_shapes.setdefault((str(a.table), pred), set()).add(p.statement.fingerprint)
        self._made: list[Candidate] = []

    @property
    def gin_pool(self) -> dict[IndexDef, tuple[Candidate, list[tuple[ParsedStatement, TableAccess]]]]:
        return self.ctx.gin_pool

    def propose(self, p: ParsedStatement, access: TableAccess, table: Table | None, req: Requirement | None,
                rank: Callable[[str], tuple], existing: Index | None) -> Extra:
        out = Extra()
        if access.kind == "insert":
            return out
        ask = Ask(p, access, table, req, rank, existing)
        for module in KIND_MODULES:
            if module.KIND in self.ctx.kinds:
                module.propose(self.ctx, ask, out)
        self._made.extend(c for c, _ in out.candidates)
        return out

    def prune(self, origins: dict[IndexDef, tuple[Candidate, list]]) -> None:
        """Drop the plain one-column B-trees that a partial or BRIN index of this workload supersedes.

        A B-tree whose only key is a column every statement filters on with a fixed
        constant indexes the whole table to find what a partial index holds (a B-tree on a
        flag, or on a status); offline, one whose only key is a BRIN column indexes what BRIN
        summarises, unless a statement needs its order (ORDER BY col LIMIT, nothing else
        to search); with the planner the two compete. They come from other statements' variants and seeds, and the planner,
        blind to size, may price them a little below the better index.
        """
        for key, (c, _) in list(origins.items()):
            if c.method != "btree" or c.where or c.include or len(c.keys) != 1 or c.keys[0].column is None:
                continue
            spot = (f"{c.schema}.{c.table}", c.keys[0].column)
            uses = self.uses.get(spot, [])
            if spot in self.ctx.partial_columns and all(partial.fixed(q, p.statement) for q, _, p in uses):
                del origins[key]
            elif not self.ctx.planner and spot in self.ctx.brin_columns and not any(
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
        # (never one whose INCLUDE columns it lacks, or made for other statements: its reason names them)
        same = [o for o in self._made if (o.schema, o.table, o.method, o.where) == (c.schema, c.table, c.method, c.where)
                and o.keys == c.keys[:len(o.keys)] and self.kind_of(o) == self.kind_of(c)
                and set(o.include) <= set(c.include) and set(o.statements) & set(c.statements)]
        # the same INCLUDE first; a covering index merged with another's INCLUDE columns keeps its reason
        for o in sorted(same, key=lambda o: (o.include != c.include, -len(o.keys))):
            if o.why:
                return o.why
        return ""
