"""Random substitution parameters for the 22 TPC-H queries, drawn from the specification's domains.

The query texts in queries/ carry the validation parameters (clause 2.4.x.4 of the specification);
`workload(seed, queries)` returns the same 22 texts with every substitution parameter drawn at
random from its domain (clause 2.4.x.3), reproducibly from the seed: each query has its own
random stream (seeded with "<seed>:<query>"), so adding a query or a parameter never shifts the
others. Written for this benchmark from the published parameter domains; standard library only.

    from tpch_params import workload
    texts, chosen = workload(2, read_queries())   # {"q01": "SELECT ...", ...}, {"q01": {"DELTA": 97}, ...}
"""

from __future__ import annotations

import datetime as dt
import random
import re

REGIONS = ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")
# nation -> its region (N_REGIONKEY indexes REGIONS)
NATIONS = {
    "ALGERIA": 0, "ARGENTINA": 1, "BRAZIL": 1, "CANADA": 1, "EGYPT": 4, "ETHIOPIA": 0, "FRANCE": 3,
    "GERMANY": 3, "INDIA": 2, "INDONESIA": 2, "IRAN": 4, "IRAQ": 4, "JAPAN": 2, "JORDAN": 4, "KENYA": 0,
    "MOROCCO": 0, "MOZAMBIQUE": 0, "PERU": 1, "CHINA": 2, "ROMANIA": 3, "SAUDI ARABIA": 4, "VIETNAM": 2,
    "RUSSIA": 3, "UNITED KINGDOM": 3, "UNITED STATES": 1,
}
SEGMENTS = ("AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD")
TYPE_1 = ("STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO")
TYPE_2 = ("ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED")
TYPE_3 = ("TIN", "NICKEL", "BRASS", "STEEL", "COPPER")
CONTAINER_1 = ("SM", "LG", "MED", "JUMBO", "WRAP")
CONTAINER_2 = ("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM")
SHIPMODES = ("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")
Q13_WORD1 = ("special", "pending", "unusual", "express")
Q13_WORD2 = ("packages", "requests", "accounts", "deposits")
# the words P_NAME is made of (checked against the loaded part table by run.py)
COLORS = tuple("""
almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood burnished
chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep dim dodger drab firebrick
floral forest frosted gainsboro ghost goldenrod green grey honeydew hot indian ivory khaki lace
lavender lawn lemon light lime linen magenta maroon medium metallic midnight mint misty moccasin
navajo navy olive orange orchid pale papaya peach peru pink plum powder puff purple red rose rosy
royal saddle salmon sandy seashell sienna sky slate smoke snow spring steel tan thistle tomato
turquoise violet wheat white yellow
""".split())
COUNTRY_CODES = tuple(str(k + 10) for k in range(25))  # the leading two characters of C_PHONE


def _date(d: dt.date) -> str:
    return d.isoformat()


def _month(r: random.Random, first: tuple[int, int], last: tuple[int, int]) -> dt.date:
    """The first day of a month drawn uniformly from first..last (year, month), both included."""
    a = first[0] * 12 + first[1] - 1
    b = last[0] * 12 + last[1] - 1
    m = r.randint(a, b)
    return dt.date(m // 12, m % 12 + 1, 1)


def _year(r: random.Random) -> dt.date:
    return dt.date(r.randint(1993, 1997), 1, 1)


def _brand(r: random.Random) -> str:
    return f"Brand#{r.randint(1, 5)}{r.randint(1, 5)}"


def draw(name: str, r: random.Random, sf: float = 1) -> dict[str, object]:
    """One query's substitution parameters (clause 2.4.x.3)."""
    nations = sorted(NATIONS)
    if name == "q01":
        return {"DELTA": r.randint(60, 120)}
    if name == "q02":
        return {"SIZE": r.randint(1, 50), "TYPE": r.choice(TYPE_3), "REGION": r.choice(REGIONS)}
    if name == "q03":
        return {"SEGMENT": r.choice(SEGMENTS), "DATE": _date(dt.date(1995, 3, r.randint(1, 31)))}
    if name == "q04":
        return {"DATE": _date(_month(r, (1993, 1), (1997, 10)))}
    if name == "q05":
        return {"REGION": r.choice(REGIONS), "DATE": _date(_year(r))}
    if name == "q06":
        return {"DATE": _date(_year(r)), "DISCOUNT": f"0.0{r.randint(2, 9)}", "QUANTITY": r.randint(24, 25)}
    if name == "q07":
        n1, n2 = r.sample(nations, 2)
        return {"NATION1": n1, "NATION2": n2}
    if name == "q08":
        n = r.choice(nations)
        return {"NATION": n, "REGION": REGIONS[NATIONS[n]],
                "TYPE": f"{r.choice(TYPE_1)} {r.choice(TYPE_2)} {r.choice(TYPE_3)}"}
    if name == "q09":
        return {"COLOR": r.choice(COLORS)}
    if name == "q10":
        return {"DATE": _date(_month(r, (1993, 2), (1995, 1)))}
    if name == "q11":
        return {"NATION": r.choice(nations), "FRACTION": f"{0.0001 / sf:.10f}".rstrip("0")}
    if name == "q12":
        m1, m2 = r.sample(SHIPMODES, 2)
        return {"SHIPMODE1": m1, "SHIPMODE2": m2, "DATE": _date(_year(r))}
    if name == "q13":
        return {"WORD1": r.choice(Q13_WORD1), "WORD2": r.choice(Q13_WORD2)}
    if name == "q14":
        return {"DATE": _date(dt.date(r.randint(1993, 1997), r.randint(1, 12), 1))}
    if name == "q15":
        return {"DATE": _date(_month(r, (1993, 1), (1997, 10)))}
    if name == "q16":
        return {"BRAND": _brand(r), "TYPE": f"{r.choice(TYPE_1)} {r.choice(TYPE_2)}",
                "SIZES": r.sample(range(1, 51), 8)}
    if name == "q17":
        return {"BRAND": _brand(r), "CONTAINER": f"{r.choice(CONTAINER_1)} {r.choice(CONTAINER_2)}"}
    if name == "q18":
        return {"QUANTITY": r.randint(312, 315)}
    if name == "q19":
        return {"QUANTITY1": r.randint(1, 10), "QUANTITY2": r.randint(10, 20), "QUANTITY3": r.randint(20, 30),
                "BRAND1": _brand(r), "BRAND2": _brand(r), "BRAND3": _brand(r)}
    if name == "q20":
        return {"COLOR": r.choice(COLORS), "DATE": _date(_year(r)), "NATION": r.choice(nations)}
    if name == "q21":
        return {"NATION": r.choice(nations)}
    if name == "q22":
        return {"CODES": r.sample(COUNTRY_CODES, 7)}
    raise KeyError(name)


def _replace(text: str, old: str, new: str, count: int) -> str:
    """Replace `old` exactly `count` times (the validation literal must be where we expect it)."""
    found = text.count(old)
    if found != count:
        raise ValueError(f"expected {old!r} {count} time(s) in the query text, found {found}")
    return text.replace(old, new)


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _substitute(name: str, text: str, p: dict[str, object]) -> str:
    """The query text with its validation literals replaced by the parameters `p`."""
    fills: list[str] = []

    def rep(old: str, new: str, count: int = 1) -> None:
        # through a placeholder, so a drawn value equal to a later validation literal is never replaced again
        nonlocal text
        text = _replace(text, old, f"\x00{len(fills)}\x00", count)
        fills.append(new)

    if name == "q01":
        rep("interval '90 day'", f"interval '{p['DELTA']} day'")
    elif name == "q02":
        rep("p_size = 15", f"p_size = {p['SIZE']}")
        rep("'%BRASS'", _quote(f"%{p['TYPE']}"))
        rep("r_name = 'EUROPE'", f"r_name = {_quote(p['REGION'])}", 2)
    elif name == "q03":
        rep("'BUILDING'", _quote(p["SEGMENT"]))
        rep("date '1995-03-15'", f"date '{p['DATE']}'", 2)
    elif name == "q04":
        rep("date '1993-07-01'", f"date '{p['DATE']}'", 2)
    elif name == "q05":
        rep("r_name = 'ASIA'", f"r_name = {_quote(p['REGION'])}")
        rep("date '1994-01-01'", f"date '{p['DATE']}'", 2)
    elif name == "q06":
        rep("date '1994-01-01'", f"date '{p['DATE']}'", 2)
        rep("0.06 ", f"{p['DISCOUNT']} ", 2)
        rep("l_quantity < 24", f"l_quantity < {p['QUANTITY']}")
    elif name == "q07":
        swap = {"FRANCE": p["NATION1"], "GERMANY": p["NATION2"]}
        if text.count("'FRANCE'") != 2 or text.count("'GERMANY'") != 2:
            raise ValueError("q07: expected FRANCE and GERMANY twice each")
        text = re.sub(r"'(FRANCE|GERMANY)'", lambda m: _quote(swap[m.group(1)]), text)
    elif name == "q08":
        rep("nation = 'BRAZIL'", f"nation = {_quote(p['NATION'])}")
        rep("r_name = 'AMERICA'", f"r_name = {_quote(p['REGION'])}")
        rep("'ECONOMY ANODIZED STEEL'", _quote(p["TYPE"]))
    elif name == "q09":
        rep("'%green%'", _quote(f"%{p['COLOR']}%"))
    elif name == "q10":
        rep("date '1993-10-01'", f"date '{p['DATE']}'", 2)
    elif name == "q11":
        rep("n_name = 'GERMANY'", f"n_name = {_quote(p['NATION'])}", 2)
        rep("* 0.0001", f"* {p['FRACTION']}")
    elif name == "q12":
        rep("('MAIL', 'SHIP')", f"({_quote(p['SHIPMODE1'])}, {_quote(p['SHIPMODE2'])})")
        rep("date '1994-01-01'", f"date '{p['DATE']}'", 2)
    elif name == "q13":
        rep("'%special%requests%'", _quote(f"%{p['WORD1']}%{p['WORD2']}%"))
    elif name == "q14":
        rep("date '1995-09-01'", f"date '{p['DATE']}'", 2)
    elif name == "q15":
        rep("date '1996-01-01'", f"date '{p['DATE']}'", 2)
    elif name == "q16":
        rep("'Brand#45'", _quote(p["BRAND"]))
        rep("'MEDIUM POLISHED%'", _quote(f"{p['TYPE']}%"))
        rep("(49, 14, 23, 45, 19, 3, 36, 9)", "(" + ", ".join(map(str, p["SIZES"])) + ")")
    elif name == "q17":
        rep("'Brand#23'", _quote(p["BRAND"]))
        rep("'MED BOX'", _quote(p["CONTAINER"]))
    elif name == "q18":
        rep("sum(l_quantity) > 300", f"sum(l_quantity) > {p['QUANTITY']}")
    elif name == "q19":
        for i, (brand, qty) in enumerate((("Brand#12", 1), ("Brand#23", 10), ("Brand#34", 20)), start=1):
            rep(f"p_brand = '{brand}'", f"p_brand = {_quote(p[f'BRAND{i}'])}")
            q = p[f"QUANTITY{i}"]
            rep(f"l_quantity >= {qty} AND l_quantity <= {qty} + 10", f"l_quantity >= {q} AND l_quantity <= {q} + 10")
    elif name == "q20":
        rep("'forest%'", _quote(f"{p['COLOR']}%"))
        rep("date '1994-01-01'", f"date '{p['DATE']}'", 2)
        rep("n_name = 'CANADA'", f"n_name = {_quote(p['NATION'])}")
    elif name == "q21":
        rep("n_name = 'SAUDI ARABIA'", f"n_name = {_quote(p['NATION'])}")
    elif name == "q22":
        rep("('13', '31', '23', '29', '30', '18', '17')", "(" + ", ".join(_quote(c) for c in p["CODES"]) + ")", 2)
    else:
        raise KeyError(name)
    for i, new in enumerate(fills):
        text = text.replace(f"\x00{i}\x00", new)
    return text


def workload(seed: int, queries: dict[str, str], sf: float = 1) -> tuple[dict[str, str], dict[str, dict]]:
    """The queries with parameters drawn for `seed`; and the parameters chosen, per query."""
    texts: dict[str, str] = {}
    chosen: dict[str, dict] = {}
    for name, text in queries.items():
        p = draw(name, random.Random(f"{seed}:{name}"), sf)
        chosen[name] = p
        texts[name] = _substitute(name, text, p)
    return texts, chosen


def check_domains(conn) -> list[str]:
    """Where the loaded data's value lists differ from the domains above (empty when they agree)."""
    problems = []
    words = {w for (w,) in conn.execute("SELECT DISTINCT unnest(string_to_array(p_name, ' ')) FROM part")}
    if words != set(COLORS):
        problems.append(f"P_NAME words differ from COLORS: {sorted(words ^ set(COLORS))}")
    nations = {n.strip(): r.strip() for n, r in conn.execute(
        "SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey")}
    if nations != {n: REGIONS[k] for n, k in NATIONS.items()}:
        problems.append("nations or their regions differ from NATIONS")
    types = {t.strip() for (t,) in conn.execute("SELECT DISTINCT p_type FROM part")}
    if types != {f"{a} {b} {c}" for a in TYPE_1 for b in TYPE_2 for c in TYPE_3}:
        problems.append("P_TYPE values differ from the type syllables")
    containers = {t.strip() for (t,) in conn.execute("SELECT DISTINCT p_container FROM part")}
    if containers != {f"{a} {b}" for a in CONTAINER_1 for b in CONTAINER_2}:
        problems.append("P_CONTAINER values differ from the container syllables")
    segments = {t.strip() for (t,) in conn.execute("SELECT DISTINCT c_mktsegment FROM customer")}
    if segments != set(SEGMENTS):
        problems.append("C_MKTSEGMENT values differ from SEGMENTS")
    codes = {t for (t,) in conn.execute("SELECT DISTINCT substring(c_phone FROM 1 FOR 2) FROM customer")}
    if codes != set(COUNTRY_CODES):
        problems.append("country codes differ from COUNTRY_CODES")
    return problems
