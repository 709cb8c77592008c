"""Property: an index on one table never suppresses a proposal on another table.

Random schemas of several tables share their column names; each table's proposals must
be the same whether the other tables (their indexes and their statements) are there or
not. Offline (DDL catalog), with --min-improvement 0 so that a table's advice does not
depend on the size of the rest of the workload.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from indexadvisor import api
from indexadvisor.select.options import SelectionOptions

COLUMNS = ("a", "b", "c", "d")
TABLES = ("t1", "t2", "t3")

column = st.sampled_from(COLUMNS)
index_keys = st.lists(column, min_size=1, max_size=2, unique=True)
statement = st.tuples(st.lists(column, min_size=1, max_size=2, unique=True), st.one_of(st.none(), column))
table_spec = st.tuples(st.lists(index_keys, max_size=2), st.lists(statement, min_size=1, max_size=3))


def _ddl(name: str, indexes: list[list[str]]) -> str:
    cols = ", ".join(f"{c} bigint" for c in COLUMNS)
    out = [f"CREATE TABLE {name} (id bigint PRIMARY KEY, {cols});"]
    out += [f"CREATE INDEX {name}_x{n} ON {name} ({', '.join(keys)});" for n, keys in enumerate(indexes)]
    return "\n".join(out)


def _sql(name: str, statements: list[tuple[list[str], str | None]]) -> str:
    out = []
    for n, (filters, order) in enumerate(statements):
        where = " AND ".join(f"{c} = {n + 1}" for c in filters)
        out.append(f"SELECT * FROM {name} WHERE {where}" + (f" ORDER BY {order} LIMIT 10" if order else "") + ";")
    return "\n".join(out)


def _advice(folder: Path, specs: dict[str, tuple]) -> dict[str, set[tuple]]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.sql").write_text("\n".join(_ddl(t, idx) for t, (idx, _) in specs.items()))
    (folder / "workload.sql").write_text("\n".join(_sql(t, sts) for t, (_, sts) in specs.items()))
    report = api.analyze([folder], options=SelectionOptions(min_improvement=0.0))
    out: dict[str, set[tuple]] = {t: set() for t in specs}
    for r in report.recommendations:
        out[r.table].add((tuple(r.columns), r.where))
    return out


@settings(max_examples=25, deadline=None)
@given(st.fixed_dictionaries({t: table_spec for t in TABLES}))
def test_proposals_of_a_table_do_not_depend_on_the_other_tables(tmp_path_factory, specs):
    root = tmp_path_factory.mktemp("serve")
    together = _advice(root / "all", specs)
    for t in TABLES:
        alone = _advice(root / t, {t: specs[t]})
        assert together[t] == alone[t], t
