"""N+1 detection on synthetic session timelines (the real-client test is in test_sources_pglive.py)."""

from __future__ import annotations

import random

from indexadvisor.sources.nplusone import batch_rewrite, table_of
from indexadvisor.sources.workload import WorkloadBuilder

PARENT = "SELECT id FROM orders WHERE customer_id = {}"
CHILD = "SELECT * FROM order_items WHERE order_id = {}"
OTHER = "SELECT * FROM customers WHERE id = {}"


def _feed(events, builder=None):
    """events: (session, seconds, sql); returns the workload."""
    builder = builder or WorkloadBuilder()
    for i, (session, ts, sql) in enumerate(events, 1):
        builder.add(sql, "app.log", i, session=session, ts=ts, filter=True)
    return builder.build()


def _burst(session, t0, parent_id, n, step=0.001):
    events = [(session, t0, PARENT.format(parent_id))]
    events += [(session, t0 + step * (k + 1), CHILD.format(parent_id * 100 + k)) for k in range(n)]
    return events


def test_a_burst_after_one_parent_is_an_n_plus_one():
    workload = _feed(_burst("p1", 0.0, 7, 12) + _burst("p1", 5.0, 8, 9))
    finding, = workload.findings
    assert finding.kind == "n_plus_one" and finding.severity == "warning"
    assert finding.table == "order_items"
    assert finding.metrics["bursts"] == 2 and finding.metrics["calls"] == 21
    assert finding.metrics["min_burst"] == 9 and finding.metrics["max_burst"] == 12
    parent = next(s for s in workload.statements if "orders" in s.sql)
    child = next(s for s in workload.statements if "order_items" in s.sql)
    assert finding.statements == [parent.fingerprint, child.fingerprint]
    assert "= ANY($1)" in finding.fix and "index does not fix" in finding.fix
    assert "SELECT * FROM order_items WHERE order_id = ANY($1)" in finding.fix
    assert "12" in finding.evidence and "orders" in finding.evidence


def test_sessions_are_told_apart():
    """Two sessions interleaved line by line: each one's burst is still found."""
    a, b = _burst("a", 0.0, 1, 10), [("b", 0.0005 + k * 0.001, OTHER.format(k)) for k in range(11)]
    interleaved = [e for pair in zip(a, b, strict=True) for e in pair]
    finding, = _feed(interleaved).findings
    assert finding.metrics["calls"] == 10


def test_alternating_children_are_one_loop_body():
    events = [("s", 0.0, PARENT.format(1))]
    for k in range(8):
        events.append(("s", 0.001 * (2 * k + 1), CHILD.format(k)))
        events.append(("s", 0.001 * (2 * k + 2), OTHER.format(k)))
    findings = _feed(events).findings
    assert sorted(f.table for f in findings) == ["customers", "order_items"]
    assert all(f.metrics["calls"] == 8 for f in findings)


def test_same_values_repeated_are_not_an_n_plus_one():
    events = [("s", 0.0, PARENT.format(1))] + [("s", 0.001 * k, CHILD.format(5)) for k in range(1, 20)]
    assert _feed(events).findings == []


def test_short_runs_and_pauses_are_not_bursts():
    short = _burst("s", 0.0, 1, 4)
    slow = [("t", 0.0, PARENT.format(2))] + [("t", 2.0 * (k + 1), CHILD.format(k)) for k in range(10)]
    assert _feed(short + slow).findings == []


def test_no_session_no_detection():
    builder = WorkloadBuilder()
    for i, (_session, _ts, sql) in enumerate(_burst("x", 0.0, 1, 20)):
        builder.add(sql, "w.sql", i + 1)
    assert builder.build().findings == []


def test_chance_runs_of_a_common_statement_are_not_reported():
    """A hot statement (a third of all traffic) repeats by chance; that is not an N+1."""
    rng = random.Random(3)
    hot = "SELECT * FROM sessions WHERE token = '{}'"
    others = [f"SELECT * FROM t{k} WHERE id = {{}}" for k in range(30)]
    events = []
    t = 0.0
    for i in range(30000):
        t += 0.001
        sql = hot if rng.random() < 0.33 else rng.choice(others)
        events.append((f"s{i % 3}", t, sql.format(rng.randint(1, 10**6))))
    workload = _feed(events + _burst("s9", t + 1, 3, 15))
    assert [f.table for f in workload.findings] == ["order_items"]


def test_batch_rewrite_targets_the_varying_key():
    assert batch_rewrite("SELECT * FROM items WHERE order_id = 17 AND kind = 'a'", [None, "'a'"]) == \
        "SELECT * FROM items WHERE order_id = ANY($1) AND kind = 'a'"
    assert batch_rewrite("SELECT * FROM items WHERE kind = 'a' AND order_id = 17", ["'a'", None]) == \
        "SELECT * FROM items WHERE kind = 'a' AND order_id = ANY($1)"
    assert batch_rewrite('SELECT * FROM "Item" WHERE "Item"."orderId" = $1 LIMIT $2', None) == \
        'SELECT * FROM "Item" WHERE "Item"."orderId" = ANY($1) LIMIT $2'
    assert batch_rewrite("SELECT * FROM items WHERE order_id > 5", None) is None
    assert table_of('SELECT "public"."Item"."id" FROM "public"."Item" WHERE 1=1') == '"public"."Item"'


def test_a_stray_earlier_child_does_not_swallow_the_parent():
    """C once by chance, a few other statements, then P and C x 10: the parent is P, not what came before C."""
    events = [("s", 0.000, CHILD.format(1)), ("s", 0.001, OTHER.format(1)), ("s", 0.002, "SELECT now()"),
              ("s", 0.003, PARENT.format(9))]
    events += [("s", 0.004 + k * 0.001, CHILD.format(900 + k)) for k in range(10)]
    finding, = _feed(events).findings
    assert finding.metrics["calls"] == 10
    assert "orders" in finding.evidence.split("right after")[1]
