"""The local search that follows the greedy choice under a budget, and how a chosen index is
described (pure logic, no server)."""

from __future__ import annotations

from indexadvisor.costing import OutOfEffort
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import (
    Candidate,
    Catalog,
    Column,
    Estimate,
    Index,
    IndexKey,
    ParsedStatement,
    Statement,
    Table,
)
from indexadvisor.select.budget import local_search
from indexadvisor.select.economics import WriteLoad, write_cost
from indexadvisor.select.reasons import used_for
from indexadvisor.select.state import Chosen, Outcome, Run

# one big index that is the best single pick, and two smaller ones that are better together
ITEMS = {"big": (7, 7.0), "left": (5, 4.9), "right": (5, 4.9)}  # name -> (size, saving)
BUDGET = 10
BEFORE = 100.0


def _candidate(name: str) -> Candidate:
    return Candidate("public", name, [IndexKey("a")])


CANDIDATES = {name: _candidate(name) for name in ITEMS}


def _knapsack(spent: list[int]):
    """A greedy that adds the best-saving items that fit, from `start`, skipping `banned`."""

    def greedy(per_byte, start=None, banned=frozenset(), limit=None):
        chosen, results = (list(start.chosen), list(start.results)) if start else ([], [])
        used = sum(ITEMS[c.table][0] for c in chosen)
        order = sorted(ITEMS, key=lambda n: -(ITEMS[n][1] / ITEMS[n][0] if per_byte else ITEMS[n][1]))
        for name in order:
            c = CANDIDATES[name]
            if limit is not None and spent[0] >= limit:
                raise OutOfEffort  # as the Bounded coster a refill runs with
            spent[0] += 1
            if c in chosen or c.spec in banned or used + ITEMS[name][0] > BUDGET:
                continue
            chosen.append(c)
            results.append(Chosen(c, Estimate("planner", benefit=ITEMS[name][1]), [], ""))
            used += ITEMS[name][0]
        return Run(chosen, results, {})

    return greedy


def _outcome(run):
    return Outcome(BEFORE - sum(ITEMS[c.table][1] for c in run.chosen), run.chosen, run.results, {})


def test_a_swap_trades_the_big_pick_for_two_that_are_better_together():
    spent = [0]
    greedy = _knapsack(spent)
    first = min(_outcome(greedy(False)), _outcome(greedy(True)), key=lambda o: o.total)
    assert [c.table for c in first.chosen] == ["big"]  # both greedy orders take the big one
    sizes = {c.spec: ITEMS[c.table][0] for c in CANDIDATES.values()}
    spent[0] = 12  # what came before the search (its allowance a third of it): room for a refill
    best = local_search(first, greedy, _outcome, sizes, lambda: spent[0])
    assert sorted(c.table for c in best.chosen) == ["left", "right"]
    assert best.total == BEFORE - 9.8


def test_the_search_spends_no_more_work_than_came_before_it():
    spent = [0]
    greedy = _knapsack(spent)
    first = _outcome(greedy(False))
    sizes = {c.spec: ITEMS[c.table][0] for c in CANDIDATES.values()}
    spent[0] = 0  # nothing spent before the search: no allowance, no trial
    best = local_search(first, greedy, _outcome, sizes, lambda: spent[0])
    assert [c.table for c in best.chosen] == ["big"] and spent[0] == 0


def test_a_refill_stops_at_the_search_s_limit_unfinished():
    """The search may spend a third of what came before it, and no more: a refill that reaches the
    limit is left there (3 spent before: 1 more allowed, where a refill takes 3 or 6)."""
    spent = [0]
    greedy = _knapsack(spent)
    first = _outcome(greedy(False))
    sizes = {c.spec: ITEMS[c.table][0] for c in CANDIDATES.values()}
    best = local_search(first, greedy, _outcome, sizes, lambda: spent[0])
    assert [c.table for c in best.chosen] == ["big"] and spent[0] == 4


def test_a_key_no_requirement_asked_for_says_what_the_statements_do_with_it():
    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "orders", {n: Column(n, "integer") for n in ("o_orderkey", "o_custkey")}))
    catalog.add(Table("public", "customer", {n: Column(n, "integer") for n in ("c_custkey", "c_nationkey")}))
    sql = "SELECT count(*) FROM customer JOIN orders ON o_custkey = c_custkey WHERE c_nationkey = 3"
    accesses, _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    helped = [ParsedStatement(Statement("fp", sql, "w.sql", 1), accesses, [])]
    text = used_for(Candidate("public", "orders", [IndexKey("o_custkey")]), helped)
    assert text == "join key on o_custkey, as the planner uses it for these statements"


def test_a_budget_keeps_a_margin_for_the_size_estimate():
    """A budget is a ceiling on the bytes built; sizes are estimates within 2%: a set fills it to 98%."""
    from indexadvisor.select.options import SelectionOptions
    opts = SelectionOptions(budget_bytes=10_200)
    assert opts.fits(0, 10_000) and opts.fits(4_000, 6_000)
    assert not opts.fits(0, 10_001) and not opts.fits(4_000, 6_001)
    assert SelectionOptions().fits(10**12, 10**12)


def test_a_partial_or_expression_index_costs_the_updates_of_what_it_reads_their_hot_path():
    """PostgreSQL's HOT path needs every column an index reads unchanged: its keys, INCLUDE columns,
    and those its expression keys and WHERE read. UPDATE job SET status = ... is HOT with only the
    primary key, and not once an index reads status anywhere."""

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "job", {n: Column(n, t) for n, t in
                                        (("id", "bigint"), ("queue", "text"), ("status", "text"), ("email", "text"))},
                      indexes=[Index("job_pkey", "public", "job", [IndexKey("id")], unique=True)]))
    writes = {"public.job": WriteLoad(rows=1000.0, updated={"status": 1000.0, "email": 10.0})}
    plain = Candidate("public", "job", [IndexKey("queue")])
    partial = Candidate("public", "job", [IndexKey("queue")], where="status = 'queued'")
    expression = Candidate("public", "job", [IndexKey(None, expression="lower(email)")])
    assert write_cost(plain, writes, catalog) == 1000.0  # the rows written, no HOT lost
    assert write_cost(partial, writes, catalog) == 1000.0 + 1000.0
    assert write_cost(expression, writes, catalog) == 1000.0 + 10.0


def test_a_brin_index_costs_a_tenth_of_a_b_tree_s_writes_and_from_16_no_hot_path():
    """A BRIN index keeps one summary per block range: an insert widens one at most, a delete
    changes none, and from PostgreSQL 16 an UPDATE of a summarised column stays HOT."""
    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "events", {n: Column(n, t) for n, t in (("id", "bigint"), ("at", "timestamp"))},
                      indexes=[Index("events_pkey", "public", "events", [IndexKey("id")], unique=True)]))
    writes = {"public.events": WriteLoad(rows=1000.0, updated={"at": 100.0})}
    btree = Candidate("public", "events", [IndexKey("at")])
    brin = Candidate("public", "events", [IndexKey("at")], method="brin")
    assert write_cost(btree, writes, catalog) == 1000.0 + 100.0
    assert write_cost(brin, writes, catalog) == 100.0 + 100.0  # 15: the HOT path is lost as for any index
    catalog.server_version = 160000
    assert write_cost(brin, writes, catalog) == 100.0


def test_a_reason_claims_the_order_only_where_the_keys_deliver_it():
    """`DISTINCT ON (account_id) ... ORDER BY account_id, created_at DESC` asks for (account_id,
    created_at DESC); the planner may pick (created_at, account_id, id) for its range, and its
    reason must not say it delivers that ORDER BY (the serve rule decides, not which columns it has)."""
    from indexadvisor.candidates.requirements import Requirement
    from indexadvisor.model import SortKey
    from indexadvisor.select.reasons import describe_keys

    req = Requirement([], [SortKey("account_id"), SortKey("created_at", desc=True)])
    seed = Candidate("public", "order", [IndexKey("created_at"), IndexKey("account_id"), IndexKey("id")])
    assert "ORDER BY" not in describe_keys(seed, req)
    ideal = Candidate("public", "order", [IndexKey("account_id"), IndexKey("created_at", desc=True)])
    assert describe_keys(ideal, req) == "delivers ORDER BY account_id, created_at DESC"
    tenant = Requirement(["tenant"], [SortKey("created_at")], in_after_sort=["status"])
    narrow = Candidate("public", "t", [IndexKey("tenant"), IndexKey("status")])
    assert describe_keys(narrow, tenant) == ("equality on tenant; narrower than the ideal (tenant, created_at, status), "
                                             "which did not pay for its size or width")
    # a partial index needs no key for a column its WHERE holds to one value: it is not narrower for that
    public = Requirement(["visibility"], [SortKey("created_at", desc=True)])
    partial = Candidate("public", "chat", [IndexKey("created_at", desc=True)], where="visibility = 'public'")
    assert describe_keys(partial, public) == "delivers ORDER BY created_at DESC"


def test_the_rows_pg_stat_statements_counted_are_the_rows_a_statement_writes():
    """`DELETE ... WHERE expires_at < $1` every 5 minutes deletes a thin slice; to a generic plan it
    is a third of the table. pg_stat_statements' rows say what it wrote: 12 calls, 120 rows."""
    from indexadvisor.costing.stats import StatsCoster
    from indexadvisor.model import ColumnStats
    from indexadvisor.select.economics import DELETE_SHARE, write_load
    from indexadvisor.select.options import SelectionOptions

    catalog = Catalog(source="ddl")
    cols = {n: Column(n, t) for n, t in (("id", "bigint"), ("expires_at", "timestamptz"))}
    cols["expires_at"].stats = ColumnStats(n_distinct=-1)
    catalog.add(Table("public", "sessions", cols, row_estimate=1_000_000.0, pages=10_000))
    sql = "DELETE FROM sessions WHERE expires_at < $1"
    accesses, _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    coster = StatsCoster(catalog, lambda access, table: (lambda col: (0, col)))
    counted = ParsedStatement(Statement("fp", sql, "pg_stat_statements", None, calls=12, rows=120), accesses, [])
    guessed = ParsedStatement(Statement("fp", sql, "w.sql", 1, calls=12), accesses, [])
    assert write_load([counted], coster, catalog, SelectionOptions())["public.sessions"].rows == 120 * DELETE_SHARE
    assert write_load([guessed], coster, catalog, SelectionOptions())["public.sessions"].rows > 1000 * 120 * DELETE_SHARE


def test_statements_near_their_ideal_are_not_re_costed_while_together_they_stay_under_a_tenth_of_the_floor():
    """greedy._negligible: what-if calls go to the statements where a candidate could matter.
    The lowest floor the run can have is 1% of the workload at its ideal (9,492): a, at its ideal,
    and b, 8 from it, may together miss 8, under the 9.49 a tenth of it allows; c could gain 500.
    A grown candidate is not bounded by the ideal (it was not offered), so there a statement's
    whole cost counts."""
    from types import SimpleNamespace

    from indexadvisor.select.greedy import _negligible
    from indexadvisor.select.options import SelectionOptions

    now = {"a": 1_000.0, "b": 3_000.0, "c": 6_000.0}
    weight = dict.fromkeys(now, 1.0)
    problem = SimpleNamespace(options=SelectionOptions(), weight=weight, ideal={"a": 1_000.0, "b": 2_992.0, "c": 5_500.0},
                              workload_cost=lambda costs: sum(weight[fp] * c for fp, c in costs.items()))
    run = Run([], [], dict(now))
    assert _negligible(problem, run, ["c", "b", "a"], grown=False) == {"a": 1_000.0, "b": 3_000.0}
    problem.ideal["b"] = 2_990.0  # 10 from it: with a, no longer under a tenth
    assert _negligible(problem, run, ["c", "b", "a"], grown=False) == {"a": 1_000.0}
    assert _negligible(problem, run, ["c", "b", "a"], grown=True) == {}


def test_a_statement_that_matters_once_the_big_ones_are_served_is_re_costed_while_they_are_not():
    """Early in a run the floor is high: a tenth of it (100 here) would skip a statement that could
    gain 42, which clears the floor once the big statement is served (the helpdesk's partial
    index for unassigned open tickets was evaluated at nothing and left the run). What is skipped
    is measured against the lowest floor the run can have: the workload at its ideal."""
    from types import SimpleNamespace

    from indexadvisor.select.greedy import _negligible
    from indexadvisor.select.options import SelectionOptions

    weight = {"big": 1.0, "small": 1.0}
    problem = SimpleNamespace(options=SelectionOptions(), weight=weight, ideal={"big": 10.0, "small": 8.0},
                              workload_cost=lambda costs: sum(weight[fp] * c for fp, c in costs.items()))
    run = Run([], [], {"big": 100_000.0, "small": 50.0})
    assert _negligible(problem, run, ["small"], grown=False) == {}


def test_a_statement_is_explained_with_the_candidates_relevant_to_it_and_every_partial_one_on_its_tables():
    """Problem.config_for: the greedy re-costs a statement only for the candidates relevant to it
    (screen.relevant_statements), so it is explained with those alone, and the same configuration
    is asked once, whatever else the set holds. A partial index stays in: a scan of it alone can
    serve a statement whose conditions imply its WHERE. A candidate whose relevance is unknown
    (not sized yet) stays in too."""
    from indexadvisor.select.screen import column_index, relevant_statements
    from indexadvisor.select.state import Problem

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "t", {n: Column(n, "integer") for n in ("a", "b", "c")}))
    texts = {"on_a": "SELECT * FROM t WHERE a = 1", "on_b": "SELECT * FROM t WHERE b = 2 AND c = 3"}
    parsed = []
    for fp, sql in texts.items():
        accesses, _ = Extractor(catalog).extract(Statement(fp, sql, "w.sql", 1))
        parsed.append(ParsedStatement(Statement(fp, sql, "w.sql", 1), accesses, []))
    on_a = Candidate("public", "t", [IndexKey("a")])
    on_b = Candidate("public", "t", [IndexKey("b")])
    partial = Candidate("public", "t", [IndexKey("a")], where="c = 3")
    unknown = Candidate("public", "t", [IndexKey("c")])
    by_column = column_index(parsed)
    problem = Problem(catalog, None, None, None, None, parsed, [on_a, on_b, partial], {}, {}, by_column,  # type: ignore[arg-type]
                      {fp: {"public.t"} for fp in texts}, {}, {}, 1.0, {})
    problem.relevant = {c.spec: relevant_statements(c, by_column, catalog, broad=True) for c in (on_a, on_b, partial)}
    assert problem.config_for("on_a", [on_a, on_b, partial, unknown]) == [on_a, partial, unknown]
    assert problem.config_for("on_b", [on_a, on_b, partial, unknown]) == [on_b, partial, unknown]
    problem.relevant[on_b.spec] = list(parsed)  # set anew (bitmap_or.py does for an arm's index): not a stale answer
    assert problem.config_for("on_a", [on_a, on_b]) == [on_a, on_b]


def test_a_chosen_index_is_described_by_what_it_does_for_the_statement_it_helps_most():
    """A candidate asked for by one statement can be chosen for another: (occurred_at DESC), asked
    for by a feed's ORDER BY, chosen for the clean-up `DELETE ... WHERE occurred_at < $1`, is a
    range there. Where the statement the index helps most asked for it, its own requirement (as
    ranked then) describes it; and the ideal it is narrower than keeps its keys' directions."""
    from types import SimpleNamespace

    from indexadvisor.candidates.requirements import Requirement
    from indexadvisor.model import SortKey
    from indexadvisor.select.reasons import _described, describe_keys

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "activities", {n: Column(n, t) for n, t in (
        ("id", "bigint"), ("deal_id", "bigint"), ("occurred_at", "timestamptz"))}))
    parsed = []
    for fp, sql in (("feed", "SELECT * FROM activities WHERE deal_id = $1 ORDER BY occurred_at DESC LIMIT 20"),
                    ("cleanup", "DELETE FROM activities WHERE occurred_at < $1")):
        accesses, _ = Extractor(catalog).extract(Statement(fp, sql, "w.sql", 1))
        parsed.append(ParsedStatement(Statement(fp, sql, "w.sql", 1), accesses, []))
    by_sort = Candidate("public", "activities", [IndexKey("occurred_at", desc=True)])
    feed = Requirement(["deal_id"], [SortKey("occurred_at", desc=True)])
    problem = SimpleNamespace(catalog=catalog, parsed=parsed, origins={by_sort.spec: [feed]})
    assert describe_keys(by_sort, _described(problem, by_sort, "cleanup")) == "range on occurred_at"
    assert _described(problem, by_sort, "feed") is feed  # the statement that asked for it
    assert describe_keys(by_sort, feed) == ("delivers ORDER BY occurred_at DESC; narrower than the ideal "
                                            "(deal_id, occurred_at DESC), which did not pay for its size or width")


def test_an_index_is_not_described_by_a_requirement_the_statement_it_helps_most_did_not_make():
    """(state) asked for by a lookup `WHERE state = $1`, chosen mostly for a report that only
    groups by state (TPC-DS q35): 'equality on state' was the lookup's requirement, not what the
    report does with the index; nothing is described from it, and used_for says what is done."""
    from types import SimpleNamespace

    from indexadvisor.candidates.requirements import Requirement
    from indexadvisor.select.reasons import _described

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "address", {n: Column(n, t) for n, t in (("id", "bigint"), ("state", "text"))}))
    parsed = []
    for fp, sql in (("lookup", "SELECT id FROM address WHERE state = $1"),
                    ("report", "SELECT state, count(*) FROM address GROUP BY state")):
        accesses, _ = Extractor(catalog).extract(Statement(fp, sql, "w.sql", 1))
        parsed.append(ParsedStatement(Statement(fp, sql, "w.sql", 1), accesses, []))
    by_state = Candidate("public", "address", [IndexKey("state")], statements=["lookup"])
    lookup = Requirement(["state"])
    problem = SimpleNamespace(catalog=catalog, parsed=parsed, origins={by_state.spec: [lookup]})
    assert _described(problem, by_state, "report") is None
    assert _described(problem, by_state, "lookup") is lookup
    assert used_for(by_state, parsed[1:]) == "GROUP BY on state, as the planner uses it for these statements"


def test_a_run_starts_a_candidate_at_what_it_saved_next_to_the_same_indexes_before():
    """greedy._bounds: a candidate's gain next to exactly the indexes a run starts from is known from
    an earlier run (the per-byte order from none, after the benefit order evaluated it next to none)
    and bounds it; next to fewer of them only with `earlier` (the lazy greedy's premise, the curve's)."""
    from types import SimpleNamespace

    from indexadvisor.select.greedy import _bounds
    from indexadvisor.select.options import SelectionOptions

    c, other = _candidate("t"), _candidate("u")
    statement = ParsedStatement(Statement("fp", "SELECT 1", "w.sql", 1), [], [])
    problem = SimpleNamespace(options=SelectionOptions(), pool=[c], grown={}, relevant={c.spec: [statement]},
                              weight={"fp": 1.0}, ideal={"fp": 0.0}, sizes={c.spec: 8192},
                              gains={c.spec: [(frozenset(), 500.0), (frozenset({other.spec}), 200.0)]})
    [entry] = _bounds(problem, Run([], [], {"fp": 1_000.0}), False, frozenset(), earlier=False)
    assert entry.most == 500.0  # next to none, as the earlier run found
    [entry] = _bounds(problem, Run([other], [], {"fp": 1_000.0}), False, frozenset(), earlier=False)
    assert entry.most == 200.0  # next to exactly `other`
    [entry] = _bounds(problem, Run([other, _candidate("v")], [], {"fp": 1_000.0}), False, frozenset(), earlier=False)
    assert entry.most == 1_000.0  # next to more of them: no premise taken
    [entry] = _bounds(problem, Run([other, _candidate("v")], [], {"fp": 1_000.0}), False, frozenset(), earlier=True)
    assert entry.most == 200.0


def test_a_run_from_nothing_is_offered_an_extension_only_after_its_parent():
    """greedy._bounds: what an earlier run grew from an index it took is offered to a run that starts
    from a set (a refill of the local search), not to one from nothing (the per-byte order), which
    grows it again when it takes the parent (greedy._grow), as the first run did."""
    from types import SimpleNamespace

    from indexadvisor.select.greedy import _bounds
    from indexadvisor.select.options import SelectionOptions

    parent, other = _candidate("t"), _candidate("u")
    wider = Candidate("public", "t", [IndexKey("a"), IndexKey("b")])
    statement = ParsedStatement(Statement("fp", "SELECT 1", "w.sql", 1), [], [])
    problem = SimpleNamespace(options=SelectionOptions(), pool=[parent, other], grown={wider.spec: (wider, 9)},
                              relevant={c.spec: [statement] for c in (parent, other, wider)},
                              weight={"fp": 1.0}, ideal={"fp": 0.0}, sizes={c.spec: 8192 for c in (parent, other, wider)}, gains={})
    offered = _bounds(problem, Run([], [], {"fp": 1_000.0}), False, frozenset(), earlier=False)
    assert sorted(e.candidate.table for e in offered) == ["t", "u"]
    offered = _bounds(problem, Run([other], [], {"fp": 1_000.0}), False, frozenset(), earlier=False)
    assert [(e.candidate.spec, e.order) for e in offered] == [(parent.spec, 0), (wider.spec, 9)]


def test_what_a_replacement_makes_dearer_counts_against_it():
    """greedy.savings: where the added index replaces chosen ones (`losses`), the gain is what the
    statements made cheaper save less what those made dearer lose (the replaced index's statement on
    the wider one); only the cheaper ones are said to be served. Not for an index added beside the
    set: the statement a LIMIT's early stop would make dearer now may get its own index later (the
    saas events feed and `("createdAt")`), and a candidate that saves nothing leaves the run."""
    from types import SimpleNamespace

    from indexadvisor.select.greedy import savings

    statements = [ParsedStatement(Statement(fp, "SELECT 1", "w.sql", 1), [], []) for fp in ("lookup", "feed", "other")]
    problem = SimpleNamespace(weight={"lookup": 300.0, "feed": 15.0, "other": 1.0})
    run = Run([], [], {"lookup": 48.0, "feed": 62.0, "other": 10.0})
    known = {"lookup": 4.0, "feed": 1_402.0, "other": None}
    per, gain, costs = savings(problem, run, statements, [], [], known=dict(known), losses=True)
    assert per == {"lookup": (48.0, 4.0)}
    assert gain == 300 * 44 - 15 * 1_340
    assert costs == known
    assert savings(problem, run, statements, [], [], known=dict(known))[1] == 300 * 44
