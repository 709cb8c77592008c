#!/usr/bin/env python3
"""The scale benchmark's inputs (issue 18), generated deterministically: schemas, data and workloads.

    python benchmarks/scale/generate.py OUTDIR     # writes the files below; no database needed

- allpairs: one table t of 100 int columns c00..c99 (2,000 rows) and the 4,950 statements
  ``SELECT * FROM t WHERE cNN = 0 AND cMM = 1``, one per pair of columns (Dexter's batching test);
- app: a catalog of 200 tables (three with 50+ columns; 10 to 5 million rows, long-tailed)
  and 5,000 statement shapes over it, written as a pg_stat_statements CSV export with
  ``$n`` parameters and long-tailed call counts (a Zipf law over a shuffled order); the first
  N rows are the N-shape workload (app-500 ... app-5000);
- huge: one statement with an IN list of about 2.1 million values (23 MB) on allpairs' table;
- highparam: one statement with the parameter ``$10000``, as a pg_stat_statements export;
- analytic: a decision-support star/snowflake schema of 24 tables (6 facts: sales through a store,
  web and catalog channel, store and web returns, weekly stock snapshots, 200,000 to 2 million
  rows; 18 dimensions: days, minutes, products, shoppers, addresses, demographics, ... 5 to
  100,000 rows; primary keys only, some keys skewed) and about 100 distinct read-only
  statements over it with literal constants (stars of a fact and 2 to 5 dimensions, selective
  lookups on a fact by a dimension key, CTEs, correlated and IN subqueries, UNION ALL across
  the channels, window functions, fact-to-fact joins), one per line (``analytic.sql``), each
  of its own shape (they differ in more than their constants).

The SQL that loads each database (``*.load.sql``) builds the rows with generate_series and
hashint8, so the same seed gives the same data on every machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 18
APP_TABLES = 200
APP_SHAPES = 5000
BIG_ROWS = 5_000_000


# --------------------------------------------------------------------------- allpairs


def allpairs_schema() -> str:
    cols = ",\n  ".join(f"c{i:02d} int NOT NULL" for i in range(100))
    return f"CREATE TABLE t (\n  id int PRIMARY KEY,\n  {cols}\n);\n"


def allpairs_load() -> str:
    # each column takes 0..k-1 with k from 2 to 101: some columns select half the rows, some 1%
    exprs = ", ".join(f"abs(hashint8(g::bigint * 131 + {i})) % {2 + i}" for i in range(100))
    return allpairs_schema() + f"INSERT INTO t SELECT g, {exprs} FROM generate_series(1, 2000) g;\nVACUUM ANALYZE t;\n"


def allpairs_workload() -> str:
    return "".join(f"SELECT * FROM t WHERE c{i:02d} = 0 AND c{j:02d} = 1;\n"
                   for i in range(100) for j in range(i + 1, 100))


def huge_workload(values: int = 2_100_000) -> str:
    # a line break every 10,000 values: the readers cut a line at 16 MiB (sources/textio.py MAX_LINE)
    items = [str(100_000_000 + v) + (",\n" if v % 10_000 == 9_999 else ", ") for v in range(values)]
    return "SELECT * FROM t WHERE c05 IN (" + "".join(items)[:-2] + ");\n"


def pgss_csv(rows: list[tuple[str, int, float, int]], path: Path) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "calls", "total_exec_time", "rows"])
        for row in rows:
            w.writerow(row)


# --------------------------------------------------------------------------- app


@dataclass
class Column:
    name: str
    type: str  # int | bigint | text | timestamptz | boolean
    distinct: int  # values it takes (timestamps: one per row)


@dataclass
class Table:
    name: str
    rows: int
    parent: str | None
    columns: list[Column] = field(default_factory=list)

    def filterable(self) -> list[Column]:
        return [c for c in self.columns if c.name != "id"]


def app_catalog(seed: int = SEED) -> list[Table]:
    rng = random.Random(seed)
    tables: list[Table] = []
    for i in range(APP_TABLES):
        if i == 0:
            rows = BIG_ROWS
        elif i < 4:
            rows = rng.choice((500_000, 1_000_000))
        else:  # long tail: most tables small
            rows = int(10 * (10_000 ** (rng.random() ** 2.5)))
        parent = f"t{rng.randrange(i):03d}" if i and rng.random() < 0.7 else None
        t = Table(f"t{i:03d}", rows, parent)
        t.columns.append(Column("id", "bigint", rows))
        if parent:
            t.columns.append(Column("parent_id", "bigint", max(2, rows // 20)))
        t.columns.append(Column("tenant_id", "int", 50))
        t.columns.append(Column("status", "int", 5))
        t.columns.append(Column("created_at", "timestamptz", rows))
        t.columns.append(Column("deleted", "boolean", 2))
        width = 50 + rng.randrange(10) if i in (7, 42, 99) else 3 + rng.randrange(8)
        for k in range(width):
            kind = rng.random()
            if kind < 0.6:
                t.columns.append(Column(f"n{k:02d}", "int", rng.choice((3, 10, 100, 1000, 100_000))))
            elif kind < 0.9:
                t.columns.append(Column(f"s{k:02d}", "text", rng.choice((4, 50, 10_000))))
            else:
                t.columns.append(Column(f"b{k:02d}", "bigint", 1_000_000))
        tables.append(t)
    return tables


def app_schema(tables: list[Table]) -> str:
    out = []
    for t in tables:
        cols = ",\n  ".join(f"{c.name} {c.type}" + (" PRIMARY KEY" if c.name == "id" else "") for c in t.columns)
        out.append(f"CREATE TABLE {t.name} (\n  {cols}\n);\n")
    return "".join(out)


def _expr(c: Column, n: int) -> str:
    h = f"abs(hashint8(g::bigint * 7919 + {n}))"
    if c.name == "id":
        return "g"
    if c.type == "timestamptz":
        return "timestamptz '2024-01-01' + g * interval '1 second'"
    if c.type == "boolean":
        return f"{h} % 20 = 0"
    if c.type == "text":
        return f"'v' || ({h} % {c.distinct})"
    return f"{h} % {c.distinct}"


def app_load(tables: list[Table]) -> str:
    out = [app_schema(tables)]
    for t in tables:
        exprs = ", ".join(_expr(c, n) for n, c in enumerate(t.columns))
        out.append(f"INSERT INTO {t.name} SELECT {exprs} FROM generate_series(1, {t.rows}) g;\n")
    out.append("VACUUM ANALYZE;\n")
    return "".join(out)


def app_workload(tables: list[Table], seed: int = SEED) -> list[tuple[str, int, float, int]]:
    """5,000 distinct shapes, in a fixed order, each with calls, total time and rows."""
    rng = random.Random(seed + 1)
    by_name = {t.name: t for t in tables}
    shapes: dict[str, None] = {}

    def pick(t: Table, n: int) -> list[Column]:
        return rng.sample(t.filterable(), min(n, len(t.filterable())))

    def cond(cols: list[Column], start: int = 1, alias: str = "") -> str:
        return " AND ".join(f"{alias}{c.name} = ${start + k}" for k, c in enumerate(cols))

    hot = tables[:20]
    while len(shapes) < APP_SHAPES:
        t = rng.choice(hot) if rng.random() < 0.3 else rng.choice(tables)
        kind = rng.random()
        if kind < 0.30:
            sql = f"SELECT * FROM {t.name} WHERE {cond(pick(t, 1 + rng.randrange(3)))}"
        elif kind < 0.45:
            cols = pick(t, 1 + rng.randrange(2))
            sql = (f"SELECT id, {cols[0].name} FROM {t.name} WHERE {cond(cols)} "
                   f"ORDER BY created_at DESC LIMIT ${len(cols) + 1}")
        elif kind < 0.55:
            cols = pick(t, 1 + rng.randrange(2))
            sql = f"SELECT count(*) FROM {t.name} WHERE {cond(cols)} AND created_at >= ${len(cols) + 1}"
        elif kind < 0.62:
            c = pick(t, 1)[0]
            sql = f"SELECT * FROM {t.name} WHERE {c.name} IN ($1, $2, $3)"
        elif kind < 0.72 and t.parent:
            p = by_name[t.parent]
            pc, cc = pick(p, 1)[0], pick(t, 1)[0]
            sql = (f"SELECT a.* FROM {t.name} a JOIN {p.name} b ON b.id = a.parent_id "
                   f"WHERE b.{pc.name} = $1 AND a.{cc.name} = $2")
        elif kind < 0.80:
            g, w = pick(t, 2) if len(t.filterable()) > 1 else (pick(t, 1) * 2)
            sql = f"SELECT {g.name}, count(*) FROM {t.name} WHERE {w.name} = $1 GROUP BY {g.name}"
        elif kind < 0.88:
            c = pick(t, 1)[0]
            sql = f"UPDATE {t.name} SET {c.name} = $1 WHERE id = $2"
        elif kind < 0.93:
            cols = [c.name for c in t.columns]
            sql = f"INSERT INTO {t.name} ({', '.join(cols)}) VALUES ({', '.join(f'${k + 1}' for k in range(len(cols)))})"
        else:
            cols = pick(t, 1 + rng.randrange(2))
            sql = f"DELETE FROM {t.name} WHERE {cond(cols)}"
        shapes.setdefault(sql, None)
    ordered = list(shapes)
    rng.shuffle(ordered)
    ranks = list(range(1, len(ordered) + 1))
    rng.shuffle(ranks)
    out = []
    for sql, rank in zip(ordered, ranks):
        calls = max(1, int(2_000_000 / rank ** 1.1))
        out.append((sql, calls, round(calls * (0.05 + rng.random()), 3), calls))
    return out


# --------------------------------------------------------------------------- analytic
#
# A decision-support star/snowflake schema of 24 tables (6 facts, 18 dimensions) of our own
# design, loaded in SQL, and about 100 read-only analytic statements over it.

FIRST_SALE_DAY = 366  # cal_day keys: 1 = 2018-01-01; the facts span 2019-01-01 .. 2023-12-31
SALE_DAYS = 1826
CAL_DAYS = 2557  # 2018-01-01 .. 2024-12-31
SALE_YEARS = (2019, 2020, 2021, 2022, 2023)

CATEGORIES = ("Apparel", "Beauty", "Books", "Electronics", "Garden", "Grocery", "Home", "Jewelry",
              "Music", "Outdoors", "Sports", "Toys")
SUBLINES = ("Basics", "Classic", "Compact", "Deluxe", "Eco", "Kids", "Premium", "Pro", "Travel", "Vintage")
COLOURS = ("amber", "azure", "beige", "black", "bronze", "coral", "cream", "crimson", "gold", "green",
           "grey", "indigo", "ivory", "lime", "navy", "olive", "pink", "plum", "silver", "white")
SIZES = ("XS", "S", "M", "L", "XL", "one size")
ADJECTIVES = ("Bold", "Breezy", "Calm", "Crisp", "Daring", "Dusky", "Fancy", "Gentle", "Handy", "Jolly",
              "Lucky", "Mellow", "Nimble", "Plucky", "Quiet", "Rustic", "Sturdy", "Sunny", "Tidy", "Witty")
NOUNS = ("Backpack", "Blanket", "Bottle", "Candle", "Chair", "Clock", "Cushion", "Jacket", "Kettle",
         "Lamp", "Mug", "Notebook", "Pillow", "Puzzle", "Radio", "Scarf", "Speaker", "Teapot", "Tent",
         "Towel", "Tray", "Umbrella", "Vase", "Wallet", "Watch")
HEADS = ("Ark", "Bel", "Cor", "Dun", "Elm", "Fen", "Gar", "Hol", "Ivo", "Jun", "Kel", "Lum", "Mor", "Nor",
         "Orl", "Pax", "Qui", "Ros", "Sol", "Tor")
TAILS = ("by", "crest", "dale", "field", "ford", "ley", "mark", "ton", "well", "wick")
BRAND_KINDS = ("Goods", "Works", "Labs", "Supply", "Makers")
PLACE_KINDS = ("", " Falls", " Springs")
REGIONS = ("Amberplain", "Brightwater", "Clearwater", "Coastland", "Eastvale", "Frostpeak", "Goldfield",
           "Greenhollow", "Highlands", "Ironhills", "Lakeshore", "Lowmarch", "Mistwood", "Northmark",
           "Oakridge", "Pinecrest", "Redrock", "Riverlands", "Silverbay", "Southreach", "Stonebridge",
           "Sunvalley", "Thornfield", "Westmoor")
COUNTRIES = ("Avalonia", "Borduria", "Carpania", "Dravonia", "Elbonia")
FIRST_NAMES = ("Ada", "Ben", "Cora", "Dev", "Ema", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lea",
               "Milo", "Nia", "Omar", "Pia", "Quin", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wren", "Yara", "Zed")
MARITAL = ("single", "married", "divorced", "widowed", "partnered")
EDUCATION = ("primary", "secondary", "college", "bachelor", "master", "doctorate", "unknown")
CREDIT = ("excellent", "good", "fair", "poor", "unknown")
POTENTIAL = ("under 500", "500-1000", "1000-5000", "5000-10000", "over 10000", "unknown")
CHANNELS = ("store", "web", "catalog", "phone")
PURPOSES = ("clearance", "launch", "seasonal", "loyalty", "bundle")
SHIP_KINDS = ("standard", "express", "overnight", "two-day", "freight")
CARRIERS = ("Northwind", "Swiftline", "Parcelo", "Bluecrate")
CAUSES = ("damaged in transit", "wrong size", "wrong colour", "arrived late", "not as described",
          "changed mind", "found cheaper", "duplicate order", "defective", "missing parts")
CAUSE_NOTES = ("", " (gift)", " (bulk)", " (repeat)", " (warranty)")
PAGE_KINDS = ("home", "product", "search", "cart", "review", "promo")
MARKETS = ("north", "south", "east", "west", "central")
LEVELS = ("basic", "silver", "gold", "platinum", "diamond")


def _h(n: int, var: str = "g") -> str:
    """A deterministic pseudo-random non-negative bigint from `var` and the salt n."""
    return f"abs(hashint8({var}::bigint * 7919 + {n}))"


def _pick(values: tuple[str, ...], index: str) -> str:
    """values[index mod len] as SQL (a text array subscript)."""
    arr = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"(ARRAY[{arr}])[1 + ({index}) % {len(values)}]"


def _skewed(n: int, hot: int, share: int, salt: int, var: str = "g") -> str:
    """1..n, with `share` percent of the rows on the `hot` first keys."""
    return f"CASE WHEN {_h(salt, var)} % 100 < {share} THEN 1 + {_h(salt + 1, var)} % {hot} ELSE 1 + {_h(salt + 1, var)} % {n} END"


def _sale_day(salt: int, var: str = "g") -> str:
    # growing over the five years (half the rows uniform, half with a density rising linearly):
    # the last year has about twice the first one's rows
    u = f"({_h(salt, var)} % 1000000)::float8 / 1000000"
    return (f"{FIRST_SALE_DAY} + floor(CASE WHEN {_h(salt + 100, var)} % 2 = 0 THEN {u} ELSE sqrt({u}) END "
            f"* {SALE_DAYS})::int")


def _money(lo_cents: int, hi_cents: int, salt: int, var: str = "g") -> str:
    return f"(({lo_cents} + {_h(salt, var)} % {hi_cents - lo_cents}) / 100.0)::numeric(9,2)"


def _name(kind_values: tuple[str, ...], idx: str) -> str:
    # a place-like name from syllables: HEADS x TAILS x kind, 20 * 10 * len(kind_values) names
    return (f"{_pick(HEADS, idx)} || {_pick(TAILS, f'({idx}) / 20')} || "
            f"{_pick(kind_values, f'({idx}) / 200')}")


ANALYTIC_ROWS = {
    "cal_day": CAL_DAYS, "clock_minute": 1440, "product": 50_000, "shopper": 100_000,
    "postal_address": 50_000, "demo_profile": 20_000, "household": 7_200, "income_tier": 20,
    "loyalty_level": 5, "outlet": 100, "campaign": 500, "depot": 20, "ship_method": 20,
    "return_cause": 50, "contact_center": 12, "site": 30, "site_page": 2_000, "catalog_spread": 10_000,
    "pos_sale": 2_000_000, "web_order_line": 1_000_000, "catalog_order_line": 600_000,
    "stock_snapshot": 1_000_000,  # the two return facts: about 200,000 each, drawn from their sales
}


def analytic_schema() -> str:
    return """\
CREATE TABLE cal_day (
  day_key int PRIMARY KEY, cal_date date NOT NULL, yr int NOT NULL, qtr int NOT NULL, mon int NOT NULL,
  dom int NOT NULL, dow int NOT NULL, iso_week int NOT NULL, yr_month int NOT NULL, month_name text NOT NULL,
  day_name text NOT NULL, is_weekend boolean NOT NULL, is_holiday boolean NOT NULL, fiscal_yr int NOT NULL
);
CREATE TABLE clock_minute (
  minute_key int PRIMARY KEY, hr int NOT NULL, mi int NOT NULL, am_pm text NOT NULL, day_part text NOT NULL,
  shift text NOT NULL
);
CREATE TABLE income_tier (
  tier_key int PRIMARY KEY, lower_bound int NOT NULL, upper_bound int NOT NULL
);
CREATE TABLE household (
  household_key int PRIMARY KEY, tier_key int NOT NULL, buy_potential text NOT NULL, dependents int NOT NULL,
  vehicles int NOT NULL
);
CREATE TABLE demo_profile (
  profile_key int PRIMARY KEY, gender text NOT NULL, marital text NOT NULL, education text NOT NULL,
  credit_rating text NOT NULL, dependents int NOT NULL, employed_dependents int NOT NULL
);
CREATE TABLE loyalty_level (
  level_key int PRIMARY KEY, level_name text NOT NULL, min_points int NOT NULL, discount_pct int NOT NULL
);
CREATE TABLE postal_address (
  address_key int PRIMARY KEY, street_no int NOT NULL, street_name text NOT NULL, unit text, city text NOT NULL,
  county text NOT NULL, region text NOT NULL, postcode text NOT NULL, country text NOT NULL, gmt_offset int NOT NULL
);
CREATE TABLE shopper (
  shopper_key int PRIMARY KEY, shopper_code text NOT NULL, first_name text NOT NULL, last_name text NOT NULL,
  birth_year int NOT NULL, birth_month int NOT NULL, email text NOT NULL, home_address_key int NOT NULL,
  profile_key int NOT NULL, household_key int NOT NULL, level_key int NOT NULL, first_visit_day_key int NOT NULL,
  preferred boolean NOT NULL, signup_channel text NOT NULL
);
CREATE TABLE product (
  product_key int PRIMARY KEY, sku text NOT NULL, title text NOT NULL, category text NOT NULL,
  subcategory text NOT NULL, brand_id int NOT NULL, brand_name text NOT NULL, manufacturer_id int NOT NULL,
  colour text NOT NULL, size text NOT NULL, unit_cost numeric(9,2) NOT NULL, list_price numeric(9,2) NOT NULL,
  launch_day_key int NOT NULL, is_active boolean NOT NULL
);
CREATE TABLE outlet (
  outlet_key int PRIMARY KEY, outlet_code text NOT NULL, outlet_name text NOT NULL, city text NOT NULL,
  region text NOT NULL, floor_sq_m int NOT NULL, employees int NOT NULL, opened_day_key int NOT NULL,
  closed_day_key int, market_no int NOT NULL, manager_name text NOT NULL, tax_pct numeric(4,2) NOT NULL
);
CREATE TABLE campaign (
  campaign_key int PRIMARY KEY, campaign_code text NOT NULL, campaign_name text NOT NULL, purpose text NOT NULL,
  by_email boolean NOT NULL, by_tv boolean NOT NULL, by_radio boolean NOT NULL, by_print boolean NOT NULL,
  budget numeric(12,2) NOT NULL, start_day_key int NOT NULL, end_day_key int NOT NULL
);
CREATE TABLE depot (
  depot_key int PRIMARY KEY, depot_name text NOT NULL, sq_m int NOT NULL, city text NOT NULL, region text NOT NULL,
  country text NOT NULL
);
CREATE TABLE ship_method (
  ship_method_key int PRIMARY KEY, method_code text NOT NULL, kind text NOT NULL, carrier text NOT NULL,
  speed_days int NOT NULL
);
CREATE TABLE return_cause (
  cause_key int PRIMARY KEY, cause_code text NOT NULL, description text NOT NULL
);
CREATE TABLE contact_center (
  center_key int PRIMARY KEY, center_name text NOT NULL, region text NOT NULL, employees int NOT NULL,
  sq_m int NOT NULL, hours text NOT NULL, manager_name text NOT NULL, opened_day_key int NOT NULL
);
CREATE TABLE site (
  site_key int PRIMARY KEY, site_code text NOT NULL, site_name text NOT NULL, market text NOT NULL,
  company_name text NOT NULL, opened_day_key int NOT NULL
);
CREATE TABLE site_page (
  page_key int PRIMARY KEY, site_key int NOT NULL, url_path text NOT NULL, page_kind text NOT NULL,
  char_count int NOT NULL, link_count int NOT NULL, image_count int NOT NULL, created_day_key int NOT NULL
);
CREATE TABLE catalog_spread (
  spread_key int PRIMARY KEY, catalog_no int NOT NULL, page_no int NOT NULL, department text NOT NULL,
  start_day_key int NOT NULL, end_day_key int NOT NULL
);
CREATE TABLE pos_sale (
  receipt_no bigint NOT NULL, line_no int NOT NULL, day_key int NOT NULL, minute_key int NOT NULL,
  product_key int NOT NULL, shopper_key int NOT NULL, profile_key int NOT NULL, household_key int NOT NULL,
  address_key int NOT NULL, outlet_key int NOT NULL, campaign_key int, quantity int NOT NULL,
  list_price numeric(9,2) NOT NULL, sale_price numeric(9,2) NOT NULL, discount_amt numeric(10,2) NOT NULL,
  net_paid numeric(10,2) NOT NULL, net_profit numeric(10,2) NOT NULL,
  PRIMARY KEY (receipt_no, line_no)
);
CREATE TABLE web_order_line (
  order_no bigint NOT NULL, line_no int NOT NULL, ordered_day_key int NOT NULL, ordered_minute_key int NOT NULL,
  shipped_day_key int NOT NULL, product_key int NOT NULL, bill_shopper_key int NOT NULL,
  ship_shopper_key int NOT NULL, bill_household_key int NOT NULL, ship_address_key int NOT NULL,
  site_key int NOT NULL, page_key int NOT NULL, ship_method_key int NOT NULL, depot_key int NOT NULL,
  campaign_key int, quantity int NOT NULL, list_price numeric(9,2) NOT NULL, sale_price numeric(9,2) NOT NULL,
  ship_cost numeric(9,2) NOT NULL, net_paid numeric(10,2) NOT NULL, net_profit numeric(10,2) NOT NULL,
  PRIMARY KEY (order_no, line_no)
);
CREATE TABLE catalog_order_line (
  order_no bigint NOT NULL, line_no int NOT NULL, ordered_day_key int NOT NULL, shipped_day_key int NOT NULL,
  product_key int NOT NULL, bill_shopper_key int NOT NULL, bill_profile_key int NOT NULL,
  ship_address_key int NOT NULL, center_key int NOT NULL, spread_key int NOT NULL, ship_method_key int NOT NULL,
  depot_key int NOT NULL, campaign_key int, quantity int NOT NULL, list_price numeric(9,2) NOT NULL,
  sale_price numeric(9,2) NOT NULL, ship_cost numeric(9,2) NOT NULL, net_paid numeric(10,2) NOT NULL,
  net_profit numeric(10,2) NOT NULL,
  PRIMARY KEY (order_no, line_no)
);
CREATE TABLE pos_return_line (
  receipt_no bigint NOT NULL, line_no int NOT NULL, returned_day_key int NOT NULL, product_key int NOT NULL,
  shopper_key int NOT NULL, outlet_key int NOT NULL, cause_key int NOT NULL, quantity int NOT NULL,
  refund_amt numeric(10,2) NOT NULL, fee numeric(9,2) NOT NULL,
  PRIMARY KEY (receipt_no, line_no)
);
CREATE TABLE web_return_line (
  order_no bigint NOT NULL, line_no int NOT NULL, returned_day_key int NOT NULL, product_key int NOT NULL,
  shopper_key int NOT NULL, page_key int NOT NULL, cause_key int NOT NULL, quantity int NOT NULL,
  refund_amt numeric(10,2) NOT NULL, ship_back_cost numeric(9,2) NOT NULL,
  PRIMARY KEY (order_no, line_no)
);
CREATE TABLE stock_snapshot (
  snapshot_day_key int NOT NULL, product_key int NOT NULL, depot_key int NOT NULL, on_hand int NOT NULL,
  PRIMARY KEY (snapshot_day_key, product_key, depot_key)
);
"""


def analytic_load() -> str:
    r = ANALYTIC_ROWS
    h = _h
    holidays = "('01-01', '05-01', '07-04', '10-31', '11-11', '12-24', '12-25', '12-31')"
    tables = re.findall(r"^CREATE TABLE (\w+)", analytic_schema(), re.M)
    # no autoanalyze while loading: a snapshot it holds while the final VACUUM runs keeps pages
    # from being marked all-visible, and the planner's index-only costs would vary run to run
    out = [analytic_schema()] + [f"ALTER TABLE {t} SET (autovacuum_enabled = off);\n" for t in tables]
    out.append(
        "INSERT INTO cal_day SELECT g, d, extract(year FROM d), extract(quarter FROM d), extract(month FROM d), "
        "extract(day FROM d), extract(dow FROM d), extract(week FROM d), "
        "extract(year FROM d) * 100 + extract(month FROM d), to_char(d, 'FMMonth'), to_char(d, 'FMDay'), "
        f"extract(isodow FROM d) >= 6, to_char(d, 'MM-DD') IN {holidays}, extract(year FROM d + 92) "
        f"FROM generate_series(1, {r['cal_day']}) g, LATERAL (SELECT date '2017-12-31' + g AS d) x;\n")
    out.append(
        "INSERT INTO clock_minute SELECT g, g / 60, g % 60, CASE WHEN g < 720 THEN 'AM' ELSE 'PM' END, "
        "CASE WHEN g < 360 THEN 'night' WHEN g < 720 THEN 'morning' WHEN g < 1020 THEN 'afternoon' "
        "ELSE 'evening' END, CASE WHEN g < 480 THEN 'third' WHEN g < 960 THEN 'first' ELSE 'second' END "
        "FROM generate_series(0, 1439) g;\n")
    out.append(f"INSERT INTO income_tier SELECT g, (g - 1) * 10000, g * 10000 - 1 "
               f"FROM generate_series(1, {r['income_tier']}) g;\n")
    out.append(
        f"INSERT INTO household SELECT g, 1 + {h(1)} % {r['income_tier']}, {_pick(POTENTIAL, h(2))}, "
        f"{h(3)} % 10, {h(4)} % 5 FROM generate_series(1, {r['household']}) g;\n")
    out.append(
        f"INSERT INTO demo_profile SELECT g, CASE WHEN {h(1)} % 2 = 0 THEN 'F' ELSE 'M' END, "
        f"{_pick(MARITAL, h(2))}, {_pick(EDUCATION, h(3))}, {_pick(CREDIT, h(4))}, {h(5)} % 7, {h(6)} % 4 "
        f"FROM generate_series(1, {r['demo_profile']}) g;\n")
    out.append("INSERT INTO loyalty_level VALUES " + ", ".join(
        f"({k + 1}, '{name}', {k * k * 1000}, {k * 3})" for k, name in enumerate(LEVELS)) + ";\n")
    # an address's city: a quarter of the addresses in 10 big cities; region and county follow the city
    out.append(
        f"INSERT INTO postal_address SELECT g, 1 + {h(1)} % 9999, {_pick(HEADS, h(2))} || {_pick(TAILS, h(3))} || "
        f"{_pick((' Street', ' Avenue', ' Road', ' Lane', ' Way', ' Court'), h(4))}, "
        f"CASE WHEN {h(5)} % 10 < 3 THEN 'Unit ' || (1 + {h(6)} % 300) END, {_name(PLACE_KINDS, 'cid')}, "
        f"{_pick(HEADS, 'cid / 7')} || ' County', {_pick(REGIONS, 'cid')}, lpad(({h(7)} % 100000)::text, 5, '0'), "
        f"CASE WHEN cid % 10 < 6 THEN '{COUNTRIES[0]}' ELSE {_pick(COUNTRIES, 'cid')} END, -(3 + cid % 6) "
        f"FROM generate_series(1, {r['postal_address']}) g, LATERAL (SELECT {_skewed(600, 10, 25, 8)} - 1 AS cid) x;\n")
    out.append(
        f"INSERT INTO shopper SELECT g, 'C' || lpad(g::text, 9, '0'), fn, "
        f"{_pick(HEADS, h(2))} || {_pick(TAILS, h(3))} || {_pick(('', 'er', 'son', 'ing'), h(4))}, "
        f"1940 + {h(5)} % 66, 1 + {h(6)} % 12, lower(fn) || '.' || g || '@example.org', "
        f"1 + {h(7)} % {r['postal_address']}, 1 + {h(8)} % {r['demo_profile']}, 1 + {h(9)} % {r['household']}, "
        f"CASE WHEN {h(10)} % 100 < 60 THEN 1 WHEN {h(10)} % 100 < 85 THEN 2 WHEN {h(10)} % 100 < 95 THEN 3 "
        f"WHEN {h(10)} % 100 < 99 THEN 4 ELSE 5 END, 1 + {h(11)} % {FIRST_SALE_DAY + SALE_DAYS}, {h(12)} % 5 = 0, "
        f"{_pick(CHANNELS, h(13))} "
        f"FROM generate_series(1, {r['shopper']}) g, LATERAL (SELECT {_pick(FIRST_NAMES, h(1))} AS fn) x;\n")
    out.append(
        f"INSERT INTO product SELECT g, 'SKU-' || lpad(g::text, 7, '0'), "
        f"{_pick(ADJECTIVES, h(1))} || ' ' || {_pick(NOUNS, h(2))}, cat, cat || ' / ' || {_pick(SUBLINES, h(3))}, "
        f"bid, {_pick(HEADS, 'bid')} || {_pick(TAILS, 'bid / 20')} || ' ' || {_pick(BRAND_KINDS, 'bid / 200')}, "
        f"1 + bid % 300, {_pick(COLOURS, h(4))}, {_pick(SIZES, h(5))}, cost, "
        f"round(cost * (1.2 + ({h(6)} % 80) / 100.0), 2), 1 + {h(7)} % {CAL_DAYS}, {h(8)} % 20 <> 0 "
        f"FROM generate_series(1, {r['product']}) g, LATERAL (SELECT {_pick(CATEGORIES, h(9))} AS cat, "
        f"{h(10)} % 1000 AS bid, {_money(50, 25000, 11)} AS cost) x;\n")
    out.append(
        f"INSERT INTO outlet SELECT g, 'OUT-' || lpad(g::text, 4, '0'), {_name(('', ' Plaza', ' Corner', ' Square'), 'g * 37')}, "
        f"{_name(PLACE_KINDS, 'g * 13 % 600')}, {_pick(REGIONS, 'g * 13 % 600')}, 400 + {h(1)} % 9600, "
        f"10 + {h(2)} % 190, 1 + {h(3)} % {FIRST_SALE_DAY}, CASE WHEN {h(4)} % 12 = 0 THEN 2000 + {h(5)} % 500 END, "
        f"1 + {h(6)} % 10, {_pick(FIRST_NAMES, h(7))} || ' ' || {_pick(HEADS, h(8))} || {_pick(TAILS, h(9))}, "
        f"(({h(10)} % 900) / 100.0)::numeric(4,2) FROM generate_series(1, {r['outlet']}) g;\n")
    out.append(
        f"INSERT INTO campaign SELECT g, 'CMP-' || lpad(g::text, 5, '0'), {_pick(ADJECTIVES, h(1))} || ' ' || "
        f"{_pick(('Spring', 'Summer', 'Autumn', 'Winter', 'Weekend', 'Flash'), h(2))} || ' ' || (g % 97), "
        f"{_pick(PURPOSES, h(3))}, {h(4)} % 2 = 0, {h(5)} % 4 = 0, {h(6)} % 5 = 0, {h(7)} % 3 = 0, "
        f"{_money(100000, 10000000, 8)}, s, s + 7 + {h(9)} % 60 "
        f"FROM generate_series(1, {r['campaign']}) g, LATERAL (SELECT {FIRST_SALE_DAY} + {h(10)} % {SALE_DAYS} AS s) x;\n")
    out.append(
        f"INSERT INTO depot SELECT g, {_name(('',), 'g * 11')} || ' Depot', 5000 + {h(1)} % 95000, "
        f"{_name(PLACE_KINDS, 'g * 29 % 600')}, {_pick(REGIONS, 'g * 29 % 600')}, {_pick(COUNTRIES, 'g % 7')} "
        f"FROM generate_series(1, {r['depot']}) g;\n")
    out.append(
        f"INSERT INTO ship_method SELECT g, 'SM' || lpad(g::text, 2, '0'), {_pick(SHIP_KINDS, 'g - 1')}, "
        f"{_pick(CARRIERS, '(g - 1) / 5')}, 1 + (g - 1) % 5 * 2 FROM generate_series(1, {r['ship_method']}) g;\n")
    out.append(
        f"INSERT INTO return_cause SELECT g, 'RC' || lpad(g::text, 3, '0'), {_pick(CAUSES, 'g - 1')} || "
        f"{_pick(CAUSE_NOTES, '(g - 1) / 10')} FROM generate_series(1, {r['return_cause']}) g;\n")
    out.append(
        f"INSERT INTO contact_center SELECT g, {_name(('',), 'g * 17')} || ' Contact Centre', {_pick(REGIONS, 'g * 5')}, "
        f"20 + {h(1)} % 500, 300 + {h(2)} % 5000, {_pick(('8-16', '8-20', '24x7'), h(3))}, "
        f"{_pick(FIRST_NAMES, h(4))} || ' ' || {_pick(HEADS, h(5))} || {_pick(TAILS, h(6))}, 1 + {h(7)} % {FIRST_SALE_DAY} "
        f"FROM generate_series(1, {r['contact_center']}) g;\n")
    out.append(
        f"INSERT INTO site SELECT g, 'site' || lpad(g::text, 3, '0'), {_name(('',), 'g * 23')} || '.example', "
        f"{_pick(MARKETS, 'g')}, {_pick(HEADS, 'g * 3')} || {_pick(TAILS, 'g')} || ' Online', 1 + {h(1)} % {FIRST_SALE_DAY} "
        f"FROM generate_series(1, {r['site']}) g;\n")
    out.append(
        f"INSERT INTO site_page SELECT g, 1 + {h(1)} % {r['site']}, '/' || kind || '/' || g, kind, "
        f"200 + {h(2)} % 8000, {h(3)} % 120, {h(4)} % 40, 1 + {h(5)} % {CAL_DAYS} "
        f"FROM generate_series(1, {r['site_page']}) g, LATERAL (SELECT {_pick(PAGE_KINDS, h(6))} AS kind) x;\n")
    out.append(
        f"INSERT INTO catalog_spread SELECT g, 1 + (g - 1) / 100, 1 + (g - 1) % 100, {_pick(CATEGORIES, h(1))}, "
        f"s, s + 90 + {h(2)} % 90 FROM generate_series(1, {r['catalog_spread']}) g, "
        f"LATERAL (SELECT {FIRST_SALE_DAY} - 90 + ((g - 1) / 100) * 18 AS s) x;\n")
    # the store channel: 4 lines a receipt; a receipt's day, time, shopper and outlet come from its number;
    # a fifth of the lines on 50 hot products, a third of the receipts in 5 hot outlets
    out.append(
        "INSERT INTO pos_sale SELECT r, l, day_key, minute_key, product_key, shopper_key, profile_key, household_key, "
        "address_key, outlet_key, campaign_key, qty, lp, sp, (lp - sp) * qty, sp * qty, round(sp * qty * margin, 2) "
        f"FROM (SELECT (g - 1) / 4 + 1 AS r, (g - 1) % 4 + 1 AS l, {_sale_day(1, 'r')} AS day_key, "
        f"480 + {h(2, 'r')} % 840 AS minute_key, {_skewed(r['product'], 50, 20, 3)} AS product_key, "
        f"{_skewed(r['shopper'], 2000, 30, 5, 'r')} AS shopper_key, 1 + {h(7, 'r')} % {r['demo_profile']} AS profile_key, "
        f"1 + {h(8, 'r')} % {r['household']} AS household_key, 1 + {h(9, 'r')} % {r['postal_address']} AS address_key, "
        f"{_skewed(r['outlet'], 5, 33, 10, 'r')} AS outlet_key, "
        f"CASE WHEN {h(12)} % 10 < 3 THEN 1 + {h(13)} % {r['campaign']} END AS campaign_key, "
        f"1 + {h(14)} % 6 AS qty, lp, round(lp * (100 - {h(15)} % 30) / 100, 2) AS sp, "
        f"(({h(16)} % 40) - 5) / 100.0 AS margin "
        f"FROM generate_series(1, {r['pos_sale']}) g, LATERAL (SELECT (g - 1) / 4 + 1 AS r, {_money(99, 30000, 17)} AS lp) y) x;\n")
    out.append(
        "INSERT INTO web_order_line SELECT o, l, day_key, minute_key, day_key + 1 + sh % 14, product_key, bill, "
        "CASE WHEN sh % 100 < 85 THEN bill ELSE 1 + sh % 100000 END, household_key, address_key, site_key, page_key, "
        "1 + sh % 20, depot_key, campaign_key, qty, lp, sp, ship, sp * qty + ship, round(sp * qty * margin, 2) "
        f"FROM (SELECT o, (g - 1) % 3 + 1 AS l, {_sale_day(1, 'o')} AS day_key, {h(2, 'o')} % 1440 AS minute_key, "
        f"{h(3, 'o')} AS sh, {_skewed(r['product'], 50, 15, 4)} AS product_key, "
        f"{_skewed(r['shopper'], 2000, 25, 6, 'o')} AS bill, 1 + {h(8, 'o')} % {r['household']} AS household_key, "
        f"1 + {h(9, 'o')} % {r['postal_address']} AS address_key, {_skewed(r['site'], 3, 40, 10, 'o')} AS site_key, "
        f"1 + {h(12)} % {r['site_page']} AS page_key, 1 + {h(13, 'o')} % {r['depot']} AS depot_key, "
        f"CASE WHEN {h(14)} % 10 < 2 THEN 1 + {h(15)} % {r['campaign']} END AS campaign_key, 1 + {h(16)} % 4 AS qty, "
        f"lp, round(lp * (100 - {h(17)} % 25) / 100, 2) AS sp, (({h(18)} % 1500) / 100.0)::numeric(9,2) AS ship, "
        f"(({h(19)} % 40) - 5) / 100.0 AS margin "
        f"FROM generate_series(1, {r['web_order_line']}) g, LATERAL (SELECT (g - 1) / 3 + 1 AS o, {_money(99, 40000, 20)} AS lp) y) x;\n")
    out.append(
        "INSERT INTO catalog_order_line SELECT o, l, day_key, day_key + 2 + sh % 20, product_key, bill, profile_key, "
        "address_key, center_key, spread_key, 1 + sh % 20, depot_key, campaign_key, qty, lp, sp, ship, sp * qty + ship, "
        "round(sp * qty * margin, 2) "
        f"FROM (SELECT o, (g - 1) % 5 + 1 AS l, {_sale_day(1, 'o')} AS day_key, {h(3, 'o')} AS sh, "
        f"{_skewed(r['product'], 50, 15, 4)} AS product_key, {_skewed(r['shopper'], 2000, 20, 6, 'o')} AS bill, "
        f"1 + {h(8, 'o')} % {r['demo_profile']} AS profile_key, 1 + {h(9, 'o')} % {r['postal_address']} AS address_key, "
        f"1 + {h(10, 'o')} % {r['contact_center']} AS center_key, 1 + {h(11)} % {r['catalog_spread']} AS spread_key, "
        f"1 + {h(13, 'o')} % {r['depot']} AS depot_key, "
        f"CASE WHEN {h(14)} % 10 < 4 THEN 1 + {h(15)} % {r['campaign']} END AS campaign_key, 1 + {h(16)} % 8 AS qty, "
        f"lp, round(lp * (100 - {h(17)} % 35) / 100, 2) AS sp, (({h(18)} % 2500) / 100.0)::numeric(9,2) AS ship, "
        f"(({h(19)} % 40) - 5) / 100.0 AS margin "
        f"FROM generate_series(1, {r['catalog_order_line']}) g, LATERAL (SELECT (g - 1) / 5 + 1 AS o, {_money(99, 50000, 20)} AS lp) y) x;\n")
    # returns: about one store line in ten and one web line in five, a tenth of them for one cause
    out.append(
        f"INSERT INTO pos_return_line SELECT receipt_no, line_no, least(day_key + 1 + {h(1, 'k')} % 60, {CAL_DAYS}), "
        f"product_key, shopper_key, outlet_key, {_skewed(50, 1, 10, 2, 'k')}, q, q * sale_price, "
        f"(({h(4, 'k')} % 500) / 100.0)::numeric(9,2) "
        f"FROM pos_sale, LATERAL (SELECT receipt_no * 8 + line_no AS k) x, "
        f"LATERAL (SELECT 1 + {h(5, 'k')} % quantity AS q) y WHERE {h(6, 'k')} % 10 = 0;\n")
    out.append(
        f"INSERT INTO web_return_line SELECT order_no, line_no, least(shipped_day_key + 1 + {h(1, 'k')} % 30, {CAL_DAYS}), "
        f"product_key, ship_shopper_key, 1 + {h(2, 'k')} % {r['site_page']}, {_skewed(50, 3, 30, 3, 'k')}, q, "
        f"q * sale_price, (({h(5, 'k')} % 1200) / 100.0)::numeric(9,2) "
        f"FROM web_order_line, LATERAL (SELECT order_no * 8 + line_no AS k) x, "
        f"LATERAL (SELECT 1 + {h(6, 'k')} % quantity AS q) y WHERE {h(7, 'k')} % 5 = 0;\n")
    # weekly snapshots of 200 products in each of the 20 depots (a depot's own 200), 250 weeks
    out.append(
        f"INSERT INTO stock_snapshot SELECT {FIRST_SALE_DAY} + 7 * (g / 4000), "
        f"1 + ((g % 4000) / 20) * 250 + (g % 20) * 11, 1 + g % 20, "
        f"CASE WHEN {h(1)} % 20 = 0 THEN 0 ELSE {h(2)} % 500 END "
        f"FROM generate_series(0, {r['stock_snapshot'] - 1}) g;\n")
    # VACUUM marks a page all-visible only once its rows' commits are flushed (the hint bits wait
    # for the WAL); the benchmark cluster commits asynchronously, so one synchronous commit first
    out.append("SET synchronous_commit = on;\nSELECT txid_current();\nVACUUM ANALYZE;\n")
    out += [f"ALTER TABLE {t} RESET (autovacuum_enabled);\n" for t in tables]
    return "".join(out)


# The workload: templates filled from a seeded random.Random. A dimension's filters and
# grouping columns are written for its alias; a fact lists the dimensions its keys reference.

Filter = Callable[[str, random.Random], str]


def _year(rng: random.Random, last: int = SALE_YEARS[-1]) -> int:
    return rng.randint(SALE_YEARS[0], last)


def _in(values: tuple[str, ...] | list[str], rng: random.Random, k: int) -> str:
    return ", ".join(f"'{v}'" for v in sorted(rng.sample(list(values), k)))


def _day_filters() -> list[Filter]:
    def month_range(a: str, rng: random.Random) -> str:
        m = rng.randint(1, 10)
        return f"{a}.yr = {_year(rng)} AND {a}.mon BETWEEN {m} AND {m + 2}"

    def dates(a: str, rng: random.Random) -> str:
        d0 = rng.randint(FIRST_SALE_DAY, FIRST_SALE_DAY + SALE_DAYS - 60)
        day = _day_date(d0)
        return f"{a}.cal_date BETWEEN date '{day}' AND date '{day}' + {rng.choice((7, 14, 30, 60))}"

    def half(a: str, rng: random.Random) -> str:
        y = _year(rng)
        return f"{a}.yr_month BETWEEN {y}01 AND {y}06" if rng.random() < 0.5 else f"{a}.yr_month BETWEEN {y}07 AND {y}12"

    return [
        lambda a, rng: f"{a}.yr = {_year(rng)}",
        lambda a, rng: f"{a}.yr BETWEEN {(y := _year(rng, 2022))} AND {y + 1}",
        month_range,
        lambda a, rng: f"{a}.yr = {_year(rng)} AND {a}.qtr = {rng.randint(1, 4)}",
        half,
        dates,
        lambda a, rng: f"{a}.yr = {_year(rng)} AND {a}.dow IN (0, 6)",
        lambda a, rng: f"{a}.yr IN ({(y := _year(rng, 2022))}, {y + 1}) AND {a}.is_holiday",
    ]


def _day_date(key: int) -> str:
    return (datetime.date(2017, 12, 31) + datetime.timedelta(days=key)).isoformat()


@dataclass
class Dim:
    name: str
    key: str
    alias: str
    filters: list[Filter]
    groups: list[str]


def _dims() -> dict[str, Dim]:
    def prefix(rng: random.Random) -> str:
        return rng.choice(HEADS)

    dims = [
        Dim("cal_day", "day_key", "d", _day_filters(), ["yr", "qtr", "mon", "yr_month", "day_name"]),
        Dim("clock_minute", "minute_key", "t", [
            lambda a, rng: f"{a}.hr BETWEEN {(x := rng.randint(8, 19))} AND {x + 2}",
            lambda a, rng: f"{a}.day_part = '{rng.choice(('morning', 'afternoon', 'evening'))}'",
        ], ["hr", "day_part"]),
        Dim("product", "product_key", "p", [
            lambda a, rng: f"{a}.category = '{rng.choice(CATEGORIES)}'",
            lambda a, rng: f"{a}.category IN ({_in(CATEGORIES, rng, 3)})",
            lambda a, rng: f"{a}.brand_name LIKE '{prefix(rng)}%'",
            lambda a, rng: f"{a}.colour IN ({_in(COLOURS, rng, rng.randint(2, 4))})",
            lambda a, rng: f"{a}.list_price BETWEEN {(x := rng.randint(10, 250))} AND {x + 30}",
            lambda a, rng: f"{a}.manufacturer_id = {rng.randint(1, 300)}",
            lambda a, rng: f"{a}.subcategory = '{rng.choice(CATEGORIES)} / {rng.choice(SUBLINES)}'",
            lambda a, rng: f"{a}.title LIKE '{rng.choice(ADJECTIVES)} %'",
        ], ["category", "subcategory", "brand_name", "colour", "size"]),
        Dim("shopper", "shopper_key", "c", [
            lambda a, rng: f"{a}.birth_year BETWEEN {(x := rng.randrange(1940, 2000, 5))} AND {x + 9}",
            lambda a, rng: f"{a}.last_name LIKE '{prefix(rng)}{rng.choice(TAILS)[:1]}%'",
            lambda a, rng: f"{a}.preferred AND {a}.signup_channel = '{rng.choice(CHANNELS)}'",
            lambda a, rng: f"{a}.birth_month = {rng.randint(1, 12)}",
        ], ["signup_channel", "birth_year", "preferred"]),
        Dim("postal_address", "address_key", "a", [
            lambda a, rng: f"{a}.region = '{rng.choice(REGIONS)}'",
            lambda a, rng: f"{a}.region IN ({_in(REGIONS, rng, rng.randint(2, 5))})",
            lambda a, rng: f"{a}.city LIKE '{prefix(rng)}%'",
            lambda a, rng: f"{a}.country = '{rng.choice(COUNTRIES[1:])}'",
            lambda a, rng: f"{a}.gmt_offset = {-rng.randint(3, 8)}",
        ], ["region", "country", "city"]),
        Dim("demo_profile", "profile_key", "cd", [
            lambda a, rng: f"{a}.gender = '{rng.choice('FM')}' AND {a}.marital = '{rng.choice(MARITAL)}'",
            lambda a, rng: f"{a}.education IN ({_in(EDUCATION, rng, 2)})",
            lambda a, rng: f"{a}.credit_rating = '{rng.choice(CREDIT)}'",
        ], ["education", "marital", "gender", "credit_rating"]),
        Dim("household", "household_key", "hh", [
            lambda a, rng: f"{a}.buy_potential = '{rng.choice(POTENTIAL)}'",
            lambda a, rng: f"{a}.dependents = {rng.randint(0, 9)}",
            lambda a, rng: f"{a}.vehicles >= {rng.randint(2, 4)}",
        ], ["buy_potential", "vehicles", "dependents"]),
        Dim("income_tier", "tier_key", "ib", [
            lambda a, rng: f"{a}.lower_bound >= {(x := rng.randrange(0, 150000, 10000))} AND {a}.upper_bound <= {x + 49999}",
        ], ["lower_bound"]),
        Dim("loyalty_level", "level_key", "lv", [
            lambda a, rng: f"{a}.level_name IN ({_in(LEVELS, rng, 2)})",
        ], ["level_name"]),
        Dim("outlet", "outlet_key", "o", [
            lambda a, rng: f"{a}.region = '{rng.choice(REGIONS)}'",
            lambda a, rng: f"{a}.market_no IN ({', '.join(map(str, sorted(rng.sample(range(1, 11), 3))))})",
            lambda a, rng: f"{a}.outlet_name LIKE '{prefix(rng)}%'",
            lambda a, rng: f"{a}.floor_sq_m BETWEEN {(x := rng.randrange(400, 8000, 100))} AND {x + 2000}",
        ], ["outlet_name", "region", "market_no"]),
        Dim("campaign", "campaign_key", "cm", [
            lambda a, rng: f"{a}.by_email AND NOT {a}.by_tv",
            lambda a, rng: f"{a}.purpose = '{rng.choice(PURPOSES)}'",
            lambda a, rng: f"({a}.by_radio OR {a}.by_print)",
        ], ["purpose"]),
        Dim("depot", "depot_key", "w", [
            lambda a, rng: f"{a}.region = '{rng.choice(REGIONS)}'",
            lambda a, rng: f"{a}.sq_m > {rng.randrange(20000, 80000, 5000)}",
        ], ["depot_name", "region"]),
        Dim("ship_method", "ship_method_key", "sm", [
            lambda a, rng: f"{a}.kind IN ({_in(SHIP_KINDS, rng, 2)})",
            lambda a, rng: f"{a}.carrier = '{rng.choice(CARRIERS)}'",
        ], ["carrier", "kind"]),
        Dim("return_cause", "cause_key", "rc", [
            lambda a, rng: f"{a}.description LIKE '{rng.choice(CAUSES).split()[0]}%'",
            lambda a, rng: f"{a}.description = '{rng.choice(CAUSES)}'",
        ], ["description"]),
        Dim("contact_center", "center_key", "cc", [
            lambda a, rng: f"{a}.hours = '{rng.choice(('8-16', '8-20', '24x7'))}'",
            lambda a, rng: f"{a}.employees > {rng.randrange(100, 400, 50)}",
        ], ["center_name", "region"]),
        Dim("site", "site_key", "ws", [
            lambda a, rng: f"{a}.market = '{rng.choice(MARKETS)}'",
        ], ["site_name", "market"]),
        Dim("site_page", "page_key", "wp", [
            lambda a, rng: f"{a}.page_kind = '{rng.choice(PAGE_KINDS)}'",
            lambda a, rng: f"{a}.image_count > {rng.randint(20, 35)}",
        ], ["page_kind"]),
        Dim("catalog_spread", "spread_key", "cp", [
            lambda a, rng: f"{a}.department = '{rng.choice(CATEGORIES)}'",
            lambda a, rng: f"{a}.catalog_no BETWEEN {(x := rng.randint(1, 90))} AND {x + 9}",
        ], ["department", "catalog_no"]),
    ]
    return {d.name: d for d in dims}


@dataclass
class Fact:
    name: str
    alias: str
    links: list[tuple[str, str]]  # (the fact's key column, the dimension), the date first
    measures: list[str]
    weight: int


FACTS = [
    Fact("pos_sale", "s", [("day_key", "cal_day"), ("minute_key", "clock_minute"), ("product_key", "product"),
                           ("shopper_key", "shopper"), ("profile_key", "demo_profile"),
                           ("household_key", "household"), ("address_key", "postal_address"),
                           ("outlet_key", "outlet"), ("campaign_key", "campaign")],
         ["quantity", "net_paid", "net_profit", "sale_price", "discount_amt"], 5),
    Fact("web_order_line", "s", [("ordered_day_key", "cal_day"), ("ordered_minute_key", "clock_minute"),
                                 ("product_key", "product"), ("bill_shopper_key", "shopper"),
                                 ("bill_household_key", "household"), ("ship_address_key", "postal_address"),
                                 ("site_key", "site"), ("page_key", "site_page"),
                                 ("ship_method_key", "ship_method"), ("depot_key", "depot"),
                                 ("campaign_key", "campaign")],
         ["quantity", "net_paid", "net_profit", "ship_cost"], 3),
    Fact("catalog_order_line", "s", [("ordered_day_key", "cal_day"), ("product_key", "product"),
                                     ("bill_shopper_key", "shopper"), ("bill_profile_key", "demo_profile"),
                                     ("ship_address_key", "postal_address"), ("center_key", "contact_center"),
                                     ("spread_key", "catalog_spread"), ("ship_method_key", "ship_method"),
                                     ("depot_key", "depot"), ("campaign_key", "campaign")],
         ["quantity", "net_paid", "net_profit", "ship_cost"], 3),
    Fact("pos_return_line", "r", [("returned_day_key", "cal_day"), ("product_key", "product"),
                                  ("shopper_key", "shopper"), ("outlet_key", "outlet"), ("cause_key", "return_cause")],
         ["quantity", "refund_amt", "fee"], 1),
    Fact("web_return_line", "r", [("returned_day_key", "cal_day"), ("product_key", "product"),
                                  ("shopper_key", "shopper"), ("page_key", "site_page"), ("cause_key", "return_cause")],
         ["quantity", "refund_amt", "ship_back_cost"], 1),
    Fact("stock_snapshot", "i", [("snapshot_day_key", "cal_day"), ("product_key", "product"), ("depot_key", "depot")],
         ["on_hand"], 1),
]
# snowflake hops: a dimension reached through another one's key
HOPS = {"shopper": [("level_key", "loyalty_level"), ("home_address_key", "postal_address")],
        "household": [("tier_key", "income_tier")], "site_page": [("site_key", "site")]}
SALES = FACTS[:3]  # the three sales channels
# a sales channel's date key, shopper key and label
CHANNEL_KEYS = {"pos_sale": ("day_key", "shopper_key", "store"),
                "web_order_line": ("ordered_day_key", "bill_shopper_key", "web"),
                "catalog_order_line": ("ordered_day_key", "bill_shopper_key", "catalog")}
FACT_PK = {"pos_sale": ["receipt_no", "line_no"], "web_order_line": ["order_no", "line_no"],
           "catalog_order_line": ["order_no", "line_no"], "pos_return_line": ["receipt_no", "line_no"],
           "web_return_line": ["order_no", "line_no"], "stock_snapshot": ["snapshot_day_key", "product_key", "depot_key"]}
ANALYTIC_QUOTAS = {"star": 46, "lookup": 14, "cte": 8, "subquery": 10, "union": 8, "window": 8, "fact_join": 6}


def _agg(rng: random.Random, a: str, measures: list[str]) -> list[str]:
    out = []
    for m in rng.sample(measures, min(len(measures), rng.randint(1, 3))):
        fn = rng.choice(("sum", "sum", "avg"))
        out.append(f"{fn}({a}.{m}) AS {fn}_{m}")
    if rng.random() < 0.4:
        out.append("count(*) AS n")
    return out


def _star(rng: random.Random, dims: dict[str, Dim], fact: Fact | None = None) -> str:
    """A fact joined with 2 to 5 dimensions on their keys, filtered, grouped, ordered, LIMIT 100."""
    fact = fact or rng.choices(FACTS, weights=[f.weight for f in FACTS])[0]
    fa = fact.alias
    want = rng.randint(2, 5)
    joined: list[tuple[Dim, str]] = []  # (dimension, alias)
    joins: list[str] = []

    def join(d: Dim, alias: str, on: str) -> None:
        joined.append((d, alias))
        joins.append(f"JOIN {d.name} {alias} ON {alias}.{d.key} = {on}")

    day = dims["cal_day"]
    join(day, day.alias, f"{fa}.{fact.links[0][0]}")
    for col, name in rng.sample(fact.links[1:], min(want - 1, len(fact.links) - 1)):
        if len(joined) >= want:
            break
        d = dims[name]
        join(d, d.alias, f"{fa}.{col}")
        if len(joined) < want and name in HOPS and rng.random() < 0.5:
            hcol, hname = rng.choice(HOPS[name])
            if all(j[0].name != hname for j in joined):
                join(dims[hname], dims[hname].alias, f"{d.alias}.{hcol}")
    where = [rng.choice(day.filters)(day.alias, rng)]
    groups: list[str] = []
    for d, alias in joined[1:]:
        role = rng.random()
        if role < 0.45 or len(groups) >= 2:
            where.append(rng.choice(d.filters)(alias, rng))
        else:
            groups.append(f"{alias}.{rng.choice(d.groups)}")
            if role > 0.85:
                where.append(rng.choice(d.filters)(alias, rng))
    if not groups or rng.random() < 0.3:
        groups.insert(0, f"{day.alias}.{rng.choice(day.groups)}")
    aggs = _agg(rng, fa, fact.measures)
    having = f" HAVING count(*) > {rng.choice((5, 10, 50))}" if rng.random() < 0.15 else ""
    first = aggs[0].split(" AS ")[1]
    order = f"{first} DESC, {', '.join(groups)}" if rng.random() < 0.6 else ", ".join(groups)
    return (f"SELECT {', '.join(groups)}, {', '.join(aggs)} FROM {fact.name} {fa} {' '.join(joins)} "
            f"WHERE {' AND '.join(where)} GROUP BY {', '.join(groups)}{having} ORDER BY {order} LIMIT 100")


def _lookup(rng: random.Random, dims: dict[str, Dim]) -> str:
    """A selective lookup on a fact by a dimension key (from the long tail of keys: no hot ones)."""
    fact = rng.choice(FACTS)
    fa, day_col = fact.alias, fact.links[0][0]
    col, name = rng.choice([(c, n) for c, n in fact.links[1:] if ANALYTIC_ROWS[n] >= 2_000])
    rows = ANALYTIC_ROWS[name]
    key = rng.randint(rows // 5, rows)
    ms = rng.sample(fact.measures, min(2, len(fact.measures)))
    kind = rng.randrange(4)
    if kind == 0:  # the latest rows of one key
        cols = ", ".join(f"{fa}.{c}" for c in FACT_PK[fact.name] + [day_col] + ms if c != col)
        return f"SELECT {cols} FROM {fact.name} {fa} WHERE {fa}.{col} = {key} ORDER BY {fa}.{day_col} DESC LIMIT 100"
    if kind == 1:  # one key's totals over a year
        aggs = ", ".join(f"sum({fa}.{m}) AS total_{m}" for m in ms)
        return (f"SELECT {aggs}, count(*) AS n FROM {fact.name} {fa} JOIN cal_day d ON d.day_key = {fa}.{day_col} "
                f"WHERE {fa}.{col} = {key} AND d.yr = {_year(rng)}")
    if kind == 2:  # one key's rows in a date window, by month
        lo = rng.randint(FIRST_SALE_DAY, FIRST_SALE_DAY + SALE_DAYS - 180)
        return (f"SELECT d.yr_month, sum({fa}.{ms[0]}) AS total FROM {fact.name} {fa} "
                f"JOIN cal_day d ON d.day_key = {fa}.{day_col} WHERE {fa}.{col} = {key} "
                f"AND {fa}.{day_col} BETWEEN {lo} AND {lo + rng.choice((90, 180))} GROUP BY d.yr_month ORDER BY d.yr_month")
    # through the dimension's own code, where it has one
    d = dims[name]
    code = {"shopper": ("shopper_code", f"'C{key:09d}'"), "product": ("sku", f"'SKU-{key:07d}'")}.get(name)
    where = f"x.{code[0]} = {code[1]}" if code else f"x.{d.key} = {key}"
    return (f"SELECT {fa}.{day_col}, {', '.join(f'{fa}.{m}' for m in ms)} FROM {fact.name} {fa} "
            f"JOIN {name} x ON x.{d.key} = {fa}.{col} WHERE {where} ORDER BY {fa}.{ms[0]} DESC LIMIT 100")


SALE_MEASURES = ("net_paid", "net_profit", "quantity")


def _cte(rng: random.Random, dims: dict[str, Dim]) -> str:
    fact = rng.choice(SALES)
    day_col, shopper_col, _ = CHANNEL_KEYS[fact.name]
    m = rng.choice(SALE_MEASURES)
    y = _year(rng, 2022)
    kind = rng.randrange(4)
    if kind == 0:  # shoppers whose spending grew from one year to the next
        return (f"WITH yearly AS (SELECT s.{shopper_col} AS shopper_key, d.yr, sum(s.{m}) AS total "
                f"FROM {fact.name} s JOIN cal_day d ON d.day_key = s.{day_col} WHERE d.yr IN ({y}, {y + 1}) "
                f"GROUP BY s.{shopper_col}, d.yr) "
                f"SELECT c.shopper_code, c.first_name, c.last_name, a.total AS before, b.total AS after "
                f"FROM yearly a JOIN yearly b ON b.shopper_key = a.shopper_key AND b.yr = a.yr + 1 "
                f"JOIN shopper c ON c.shopper_key = a.shopper_key WHERE a.yr = {y} AND b.total > a.total * "
                f"{rng.choice((1.5, 2, 3))} ORDER BY b.total - a.total DESC LIMIT 100")
    if kind == 1:  # regions' months above the average month
        if fact.name == "pos_sale":
            place, join = "o.region", "JOIN outlet o ON o.outlet_key = s.outlet_key"
        else:
            place, join = "a.region", "JOIN postal_address a ON a.address_key = s.ship_address_key"
        return (f"WITH monthly AS (SELECT {place} AS region, d.mon, sum(s.{m}) AS total FROM {fact.name} s "
                f"JOIN cal_day d ON d.day_key = s.{day_col} {join} "
                f"WHERE d.yr = {y} AND {place} IN ({_in(REGIONS, rng, 4)}) GROUP BY {place}, d.mon) "
                f"SELECT region, mon, total FROM monthly WHERE total > "
                f"(SELECT {rng.choice((1.1, 1.2, 1.5))} * avg(total) FROM monthly) ORDER BY total DESC LIMIT 100")
    if kind == 2:  # top products of a category, then their store returns
        return (f"WITH top_products AS (SELECT s.product_key, sum(s.{m}) AS total FROM {fact.name} s "
                f"JOIN product p ON p.product_key = s.product_key JOIN cal_day d ON d.day_key = s.{day_col} "
                f"WHERE p.category = '{rng.choice(CATEGORIES)}' AND d.yr = {y} GROUP BY s.product_key "
                f"ORDER BY total DESC LIMIT 20) "
                f"SELECT p.sku, p.title, t.total, count(r.line_no) AS returned, sum(r.refund_amt) AS refunded "
                f"FROM top_products t JOIN product p ON p.product_key = t.product_key "
                f"LEFT JOIN pos_return_line r ON r.product_key = t.product_key "
                f"GROUP BY p.sku, p.title, t.total ORDER BY t.total DESC LIMIT 100")
    # a campaign purpose's share of each month
    return (f"WITH promoted AS (SELECT d.yr_month, sum(s.{m}) AS total FROM {fact.name} s "
            f"JOIN cal_day d ON d.day_key = s.{day_col} JOIN campaign cm ON cm.campaign_key = s.campaign_key "
            f"WHERE cm.purpose = '{rng.choice(PURPOSES)}' AND d.yr = {y} GROUP BY d.yr_month), "
            f"everything AS (SELECT d.yr_month, sum(s.{m}) AS total FROM {fact.name} s "
            f"JOIN cal_day d ON d.day_key = s.{day_col} WHERE d.yr = {y} GROUP BY d.yr_month) "
            f"SELECT e.yr_month, p.total AS promoted, e.total, round(100.0 * p.total / e.total, 2) AS pct "
            f"FROM everything e LEFT JOIN promoted p ON p.yr_month = e.yr_month ORDER BY e.yr_month LIMIT 100")


def _subquery(rng: random.Random, dims: dict[str, Dim]) -> str:
    y = _year(rng)
    kind = rng.randrange(5)
    if kind == 0:  # correlated: refunds well above the average of their product's (or cause's) returns
        fact = rng.choice(FACTS[3:5])
        by = rng.choice(("product_key", "cause_key"))
        return (f"SELECT rc.description, c.shopper_code, r.refund_amt FROM {fact.name} r "
                f"JOIN cal_day d ON d.day_key = r.returned_day_key JOIN return_cause rc ON rc.cause_key = r.cause_key "
                f"JOIN shopper c ON c.shopper_key = r.shopper_key WHERE d.yr = {y} AND d.mon = {rng.randint(1, 12)} "
                f"AND r.refund_amt > (SELECT {rng.choice((1.5, 2, 3))} * avg(r2.refund_amt) FROM {fact.name} r2 "
                f"WHERE r2.{by} = r.{by}) ORDER BY r.refund_amt DESC LIMIT 100")
    if kind == 1:  # IN: shoppers of a region who returned something for a cause
        fact = rng.choice(FACTS[3:5])
        place = (f"a.region = '{rng.choice(REGIONS)}'" if rng.random() < 0.5
                 else f"a.city LIKE '{rng.choice(HEADS)}%'")
        return (f"SELECT c.shopper_code, c.last_name, a.city FROM shopper c "
                f"JOIN postal_address a ON a.address_key = c.home_address_key WHERE {place} "
                f"AND c.shopper_key IN (SELECT r.shopper_key FROM {fact.name} r "
                f"JOIN return_cause rc ON rc.cause_key = r.cause_key "
                f"WHERE rc.description LIKE '{rng.choice(CAUSES).split()[0]}%') ORDER BY c.last_name LIMIT 100")
    if kind == 2:  # correlated EXISTS: one channel's shoppers of a month who also bought through another
        outer, inner = rng.sample(SALES, 2)
        o_day, o_shopper, _ = CHANNEL_KEYS[outer.name]
        i_day, i_shopper, _ = CHANNEL_KEYS[inner.name]
        m = rng.randint(1, 12)
        lo = next(k for k in range(FIRST_SALE_DAY, CAL_DAYS) if _day_date(k).startswith(f"{y}-{m:02d}"))
        return (f"SELECT c.shopper_code, count(*) AS n, sum(s.net_paid) AS paid FROM {outer.name} s "
                f"JOIN shopper c ON c.shopper_key = s.{o_shopper} JOIN cal_day d ON d.day_key = s.{o_day} "
                f"WHERE d.yr = {y} AND d.mon = {m} AND EXISTS (SELECT 1 FROM {inner.name} w "
                f"WHERE w.{i_shopper} = s.{o_shopper} AND w.{i_day} BETWEEN {lo} AND {lo + 27}) "
                f"GROUP BY c.shopper_code ORDER BY paid DESC LIMIT 100")
    if kind == 3:  # IN: products out of stock in a week, and what they sold the month before
        fact = rng.choice(SALES)
        day_col = CHANNEL_KEYS[fact.name][0]
        week = FIRST_SALE_DAY + 7 * rng.randrange(10, 250)
        return (f"SELECT p.category, p.brand_name, sum(s.quantity) AS units FROM {fact.name} s "
                f"JOIN product p ON p.product_key = s.product_key WHERE s.{day_col} BETWEEN {week - 30} AND {week} "
                f"AND s.product_key IN (SELECT i.product_key FROM stock_snapshot i WHERE i.snapshot_day_key = {week} "
                f"AND i.on_hand = 0) GROUP BY p.category, p.brand_name ORDER BY units DESC LIMIT 100")
    # correlated: products priced well above their subcategory (or brand), and their sales
    fact = rng.choice(SALES)
    day_col = CHANNEL_KEYS[fact.name][0]
    by = rng.choice(("subcategory", "brand_id"))
    return (f"SELECT p.sku, p.{by}, p.list_price, sum(s.net_paid) AS paid FROM product p "
            f"JOIN {fact.name} s ON s.product_key = p.product_key JOIN cal_day d ON d.day_key = s.{day_col} "
            f"WHERE p.category = '{rng.choice(CATEGORIES)}' AND d.yr = {y} AND p.list_price > "
            f"(SELECT {rng.choice((1.3, 1.5))} * avg(p2.list_price) FROM product p2 WHERE p2.{by} = p.{by}) "
            f"GROUP BY p.sku, p.{by}, p.list_price ORDER BY paid DESC LIMIT 100")


def _channels(cols: str, where: str) -> str:
    """The three sales channels' rows as one: a UNION ALL of `cols` (written for alias s, with {day}
    and {shopper} for the channel's key columns) under `where`."""
    parts = []
    for fact in SALES:
        day_col, shopper_col, label = CHANNEL_KEYS[fact.name]
        sel = cols.format(day=day_col, shopper=shopper_col)
        parts.append(f"SELECT '{label}' AS channel, {sel} FROM {fact.name} s WHERE {where.format(day=day_col)}")
    return " UNION ALL ".join(parts)


def _union(rng: random.Random, dims: dict[str, Dim]) -> str:
    y = _year(rng)
    m = rng.choice(SALE_MEASURES)
    kind = rng.randrange(3)
    if kind == 0:  # a few categories (or brands) by channel over some weeks
        lo = FIRST_SALE_DAY + rng.randrange(0, SALE_DAYS - 90)
        inner = _channels(f"s.product_key, s.{m}", f"s.{{day}} BETWEEN {lo} AND {lo + rng.choice((30, 60, 90))}")
        if rng.random() < 0.5:
            what, cond = "p.category", f"p.category IN ({_in(CATEGORIES, rng, rng.randint(2, 4))})"
        else:
            what, cond = "p.brand_name", f"p.brand_name LIKE '{rng.choice(HEADS)}%'"
        return (f"SELECT x.channel, {what}, sum(x.{m}) AS total, count(*) AS n FROM ({inner}) x "
                f"JOIN product p ON p.product_key = x.product_key WHERE {cond} "
                f"GROUP BY x.channel, {what} ORDER BY x.channel, total DESC LIMIT 100")
    if kind == 1:  # promoted sales by channel, quarter and the shopper's home region
        inner = _channels(f"s.{{day}} AS day_key, s.{{shopper}} AS shopper_key, s.{m}", "s.campaign_key IS NOT NULL")
        return (f"SELECT x.channel, d.qtr, a.region, sum(x.{m}) AS total FROM ({inner}) x "
                f"JOIN cal_day d ON d.day_key = x.day_key JOIN shopper c ON c.shopper_key = x.shopper_key "
                f"JOIN postal_address a ON a.address_key = c.home_address_key "
                f"WHERE d.yr = {y} AND a.country = '{rng.choice(COUNTRIES[1:])}' "
                f"GROUP BY x.channel, d.qtr, a.region ORDER BY total DESC LIMIT 100")
    # returns of both channels by cause (or by month)
    rm = rng.choice(("refund_amt", "quantity"))
    group = rng.choice(("rc.description", "d.mon"))
    return (f"SELECT x.channel, {group}, sum(x.{rm}) AS total FROM ("
            f"SELECT 'store' AS channel, r.cause_key, r.returned_day_key, r.{rm} FROM pos_return_line r "
            f"UNION ALL SELECT 'web', r.cause_key, r.returned_day_key, r.{rm} FROM web_return_line r) x "
            f"JOIN return_cause rc ON rc.cause_key = x.cause_key JOIN cal_day d ON d.day_key = x.returned_day_key "
            f"WHERE d.yr = {y} AND d.qtr = {rng.randint(1, 4)} AND rc.description LIKE '{rng.choice(CAUSES).split()[0]}%' "
            f"GROUP BY x.channel, {group} ORDER BY total DESC LIMIT 100")


def _window(rng: random.Random, dims: dict[str, Dim]) -> str:
    fact = rng.choice(SALES)
    day_col, shopper_col, _ = CHANNEL_KEYS[fact.name]
    m = rng.choice(SALE_MEASURES)
    y = _year(rng)
    kind = rng.randrange(4)
    if kind == 0:  # the best brands of each category in a quarter
        return (f"SELECT * FROM (SELECT p.category, p.brand_name, sum(s.{m}) AS total, "
                f"rank() OVER (PARTITION BY p.category ORDER BY sum(s.{m}) DESC) AS rnk FROM {fact.name} s "
                f"JOIN product p ON p.product_key = s.product_key JOIN cal_day d ON d.day_key = s.{day_col} "
                f"WHERE d.yr = {y} AND d.qtr = {rng.randint(1, 4)} GROUP BY p.category, p.brand_name) ranked "
                f"WHERE rnk <= {rng.choice((3, 5, 10))} ORDER BY category, rnk LIMIT 100")
    if kind == 1:  # month over month, per home region of the shopper
        return (f"SELECT a.region, d.yr_month, sum(s.{m}) AS total, sum(s.{m}) - lag(sum(s.{m})) "
                f"OVER (PARTITION BY a.region ORDER BY d.yr_month) AS change FROM {fact.name} s "
                f"JOIN cal_day d ON d.day_key = s.{day_col} JOIN shopper c ON c.shopper_key = s.{shopper_col} "
                f"JOIN postal_address a ON a.address_key = c.home_address_key WHERE d.yr = {y} "
                f"AND a.region IN ({_in(REGIONS, rng, 3)}) GROUP BY a.region, d.yr_month ORDER BY a.region, d.yr_month "
                f"LIMIT 100")
    if kind == 2:  # a month's running total, day by day
        return (f"SELECT d.cal_date, sum(s.{m}) AS total, sum(sum(s.{m})) OVER (ORDER BY d.cal_date) AS running "
                f"FROM {fact.name} s JOIN cal_day d ON d.day_key = s.{day_col} JOIN product p ON p.product_key = s.product_key "
                f"WHERE d.yr = {y} AND d.mon = {rng.randint(1, 12)} AND p.category = '{rng.choice(CATEGORIES)}' "
                f"GROUP BY d.cal_date ORDER BY d.cal_date LIMIT 100")
    # months far from their subcategory's average month
    return (f"SELECT * FROM (SELECT p.subcategory, d.mon, sum(s.{m}) AS total, "
            f"avg(sum(s.{m})) OVER (PARTITION BY p.subcategory) AS avg_month FROM {fact.name} s "
            f"JOIN product p ON p.product_key = s.product_key JOIN cal_day d ON d.day_key = s.{day_col} "
            f"WHERE d.yr = {y} AND p.category IN ({_in(CATEGORIES, rng, 2)}) GROUP BY p.subcategory, d.mon) m "
            f"WHERE abs(total - avg_month) > {rng.choice((0.1, 0.2))} * avg_month ORDER BY subcategory, mon LIMIT 100")


def _fact_join(rng: random.Random, dims: dict[str, Dim]) -> str:
    y = _year(rng)
    kind = rng.randrange(3)
    if kind == 0:  # store returns with their sales: days to return, by cause or outlet region
        group, join = rng.choice((("rc.description", "JOIN return_cause rc ON rc.cause_key = r.cause_key"),
                                  ("o.region", "JOIN outlet o ON o.outlet_key = s.outlet_key")))
        return (f"SELECT {group}, count(*) AS n, avg(r.returned_day_key - s.day_key) AS days_to_return, "
                f"sum(r.refund_amt) AS refunded FROM pos_return_line r JOIN pos_sale s ON s.receipt_no = r.receipt_no "
                f"AND s.line_no = r.line_no {join} JOIN cal_day d ON d.day_key = s.day_key "
                f"WHERE d.yr = {y} AND d.qtr = {rng.randint(1, 4)} GROUP BY {group} ORDER BY n DESC LIMIT 100")
    if kind == 1:  # web returns with their orders: by site or ship method
        group, join = rng.choice((("ws.site_name", "JOIN site ws ON ws.site_key = s.site_key"),
                                  ("sm.kind", "JOIN ship_method sm ON sm.ship_method_key = s.ship_method_key")))
        return (f"SELECT {group}, count(*) AS n, sum(r.refund_amt) AS refunded, sum(s.ship_cost) AS shipped "
                f"FROM web_return_line r JOIN web_order_line s ON s.order_no = r.order_no AND s.line_no = r.line_no "
                f"{join} JOIN cal_day d ON d.day_key = r.returned_day_key WHERE d.yr = {y} AND d.mon = {rng.randint(1, 12)} "
                f"GROUP BY {group} ORDER BY refunded DESC LIMIT 100")
    # the same shopper and product in a store and then through another channel, within a month
    other = rng.choice(SALES[1:])
    o_day, o_shopper, _ = CHANNEL_KEYS[other.name]
    lo = FIRST_SALE_DAY + rng.randrange(0, SALE_DAYS - 60)
    return (f"SELECT p.category, count(*) AS n, sum(w.net_paid) AS paid FROM pos_sale s "
            f"JOIN {other.name} w ON w.{o_shopper} = s.shopper_key AND w.product_key = s.product_key "
            f"AND w.{o_day} BETWEEN s.day_key AND s.day_key + 30 "
            f"JOIN product p ON p.product_key = s.product_key WHERE s.day_key BETWEEN {lo} AND {lo + 14} "
            f"AND p.category = '{rng.choice(CATEGORIES)}' GROUP BY p.category ORDER BY n DESC LIMIT 100")


TEMPLATES: dict[str, Callable[[random.Random, dict[str, Dim]], str]] = {
    "star": _star, "lookup": _lookup, "cte": _cte, "subquery": _subquery, "union": _union, "window": _window,
    "fact_join": _fact_join,
}
_LITERAL = re.compile(r"'[^']*'|-?\b\d+(?:\.\d+)?\b")
_LIST = re.compile(r"\(\?(?:, \?)+\)")


def _shape(sql: str) -> str:
    """The statement without its constants (IN lists as one): one shape per distinct statement."""
    return _LIST.sub("(?)", _LITERAL.sub("?", sql))


def analytic_workload(seed: int = SEED) -> list[tuple[str, str]]:
    """About 100 statements of distinct shapes, (template, SQL), in a fixed shuffled order."""
    rng = random.Random(seed + 2)
    dims = _dims()
    shapes: dict[str, tuple[str, str]] = {}
    # the stars' facts in proportion to their weights (the largest remainders), not left to chance
    stars = ANALYTIC_QUOTAS["star"]
    share = {f.name: stars * f.weight / sum(g.weight for g in FACTS) for f in FACTS}
    count = {n: int(v) for n, v in share.items()}
    for n in sorted(share, key=lambda n: count[n] - share[n])[:stars - sum(count.values())]:
        count[n] += 1
    star_facts = [f for f in FACTS for _ in range(count[f.name])]
    for name, quota in ANALYTIC_QUOTAS.items():
        made, tries = 0, 0
        while made < quota and tries < quota * 100:
            tries += 1
            sql = _star(rng, dims, star_facts[made]) if name == "star" else TEMPLATES[name](rng, dims)
            if _shape(sql) not in shapes:
                shapes[_shape(sql)] = (name, sql)
                made += 1
    out = list(shapes.values())
    rng.shuffle(out)
    return out


# --------------------------------------------------------------------------- main


def generate(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "allpairs.load.sql").write_text(allpairs_load())
    (out / "allpairs.sql").write_text(allpairs_workload())
    (out / "huge.sql").write_text(huge_workload())
    pgss_csv([("SELECT * FROM t WHERE c00 = $10000", 10, 1.0, 10)], out / "highparam.csv")
    tables = app_catalog()
    (out / "app.load.sql").write_text(app_load(tables))
    rows = app_workload(tables)
    for n in (500, 1000, 2500, 5000):
        pgss_csv(rows[:n], out / f"app-{n}.csv")
    (out / "analytic.load.sql").write_text(analytic_load())
    (out / "analytic.sql").write_text("".join(sql + ";\n" for _, sql in analytic_workload()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", type=Path)
    args = p.parse_args(argv)
    generate(args.outdir)
    print(f"written to {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
