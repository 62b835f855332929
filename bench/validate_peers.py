"""Validation of 1M visit rows, three ways, on the same raw text frame (as a CSV gives it):

- baiyi: check_ledgers on the frame (parsing, every declared check, personal-data scan,
  the full problem table with file, row, column, value and message);
- pandera (the peer): a DataFrameSchema with the same checks, validated lazily (its
  failure-cases table);
- DuckDB SQL (the floor): one pass counting the rows each check refuses.

All three must find the same bad rows per check before any is timed (counts compared).

    python bench/validate_peers.py [n]
"""

from __future__ import annotations

import sys

import duckdb
import numpy as np
import pandas as pd
from run import best_of

from baiyi_lib import check_ledgers, load_rules

N = 1_000_000
MOBILE = r"1[3-9][0-9]{9}"
RESIDENT = r"[1-9][0-9]{16}[0-9Xx]"
CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
TEXT_COLUMNS = ["visit_id", "unit", "level", "form", "case_id", "note"]


def raw_visits(n: int, seed: int = 3, bad: bool = True) -> pd.DataFrame:
    """n visits as text, with one bad cell in ~0.1 % of rows for each kind of mistake
    (``bad``; else none)."""
    rng = np.random.default_rng(seed)
    rules = load_rules()
    units = np.array(rules.units.names, dtype=object)
    days = pd.Timestamp(rules.campaign.start) + pd.to_timedelta(rng.integers(0, 100, n), "D")
    df = pd.DataFrame(
        {
            "visit_id": np.char.add("V", np.arange(n).astype(str)).astype(object),
            "date": days.strftime("%Y-%m-%d").to_numpy(dtype=object),
            "unit": units[rng.integers(0, len(units), n)],
            "level": rng.choice(np.array(list(rules.levels), dtype=object), n),
            "form": rng.choice(np.array(list(rules.forms), dtype=object), n),
            "persons": rng.integers(1, 10, n).astype(str).astype(object),
            "irregular": rng.choice(np.array(["是", "否", ""], dtype=object), n),
            "case_id": np.char.add("C", rng.integers(0, n // 10, n).astype(str)).astype(object),
            "dissatisfied": rng.choice(np.array(["是", "否"], dtype=object), n),
            "internal_staff": rng.choice(np.array(["是", "否"], dtype=object), n),
            "note": rng.choice(np.array(["", "复访", "已告知"], dtype=object), n),
        }
    )
    if not bad:
        return df
    k = max(n // 1000, 1)
    for col, bad in (("date", "2019-02-30"), ("level", "到乡"), ("persons", "0"),
                     ("unit", "火星站"), ("note", "电话13912345678")):  # fmt: skip
        hit = np.zeros(n, dtype=bool)
        hit[rng.choice(n, k, replace=False)] = True
        df[col] = df[col].where(~hit, bad)
    return df


def spellings(rules) -> dict[str, list[str]]:
    units = list(rules.units.lookup())
    return {
        "unit": units,
        "level": [s for v in rules.level_spellings.values() for s in v],
        "form": [s for v in rules.form_spellings.values() for s in v],
        "bool": ["是", "否", "Y", "N", "1", "0", ""],
    }


def by_duckdb(df: pd.DataFrame, rules) -> dict[str, int]:
    """The floor: one SQL pass, the number of rows each check refuses."""
    sp = spellings(rules)
    pii = " OR ".join(
        f"regexp_matches({c}, '{MOBILE}') OR regexp_matches({c}, '{RESIDENT}')"
        for c in TEXT_COLUMNS
    )
    sql = f"""
    SELECT
      count(*) FILTER (WHERE visit_id IS NULL) + count(*) - count(DISTINCT visit_id) AS id,
      count(*) FILTER (WHERE try_strptime(date, '%Y-%m-%d') IS NULL
                       OR try_strptime(date, '%Y-%m-%d') NOT BETWEEN DATE '2000-01-01'
                                                              AND DATE '2030-12-31') AS date,
      count(*) FILTER (WHERE NOT list_contains($unit, unit)) AS unit,
      count(*) FILTER (WHERE NOT list_contains($level, level)) AS level,
      count(*) FILTER (WHERE NOT list_contains($form, form)) AS form,
      count(*) FILTER (WHERE NOT regexp_full_match(persons, '[0-9]{{1,9}}(人次|人)?')
                       OR TRY_CAST(regexp_extract(persons, '[0-9]+') AS BIGINT)
                          NOT BETWEEN 1 AND 500) AS persons,
      count(*) FILTER (WHERE NOT (list_contains($bool, irregular)
                                  AND list_contains($bool, dissatisfied)
                                  AND list_contains($bool, internal_staff))) AS bool,
      count(*) FILTER (WHERE {pii}) AS personal
    FROM v
    """
    con = duckdb.connect()
    con.register("v", df)
    try:
        row = con.execute(sql, sp).fetchdf().iloc[0]
    finally:
        con.close()
    return {k: int(x) for k, x in row.items()}


def pandera_schema(rules):
    import pandera.pandas as pa

    sp = spellings(rules)

    def no_personal(s: pd.Series) -> pd.Series:
        return ~(s.str.contains(MOBILE, regex=True) | s.str.contains(RESIDENT, regex=True))

    def date_ok(s: pd.Series) -> pd.Series:
        d = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        return d.between(pd.Timestamp("2000-01-01"), pd.Timestamp("2030-12-31"))

    def persons_ok(s: pd.Series) -> pd.Series:
        num = pd.to_numeric(s.str.extract(r"^(\d{1,9})(?:人次|人)?$", expand=False))
        return num.between(1, 500)

    pii = pa.Check(no_personal, name="personal")
    cols = {
        "visit_id": pa.Column(str, [pii], nullable=False, unique=True),
        "date": pa.Column(str, [pa.Check(date_ok, name="date")]),
        "unit": pa.Column(str, [pa.Check.isin(sp["unit"]), pii]),
        "level": pa.Column(str, [pa.Check.isin(sp["level"]), pii]),
        "form": pa.Column(str, [pa.Check.isin(sp["form"]), pii]),
        "persons": pa.Column(str, [pa.Check(persons_ok, name="persons")]),
        "irregular": pa.Column(str, [pa.Check.isin(sp["bool"])]),
        "case_id": pa.Column(str, [pii], nullable=True),
        "dissatisfied": pa.Column(str, [pa.Check.isin(sp["bool"])]),
        "internal_staff": pa.Column(str, [pa.Check.isin(sp["bool"])]),
        "note": pa.Column(str, [pii], nullable=True),
    }
    return pa.DataFrameSchema(cols)


def by_pandera(df: pd.DataFrame, schema) -> pd.DataFrame:
    import pandera.errors as pe

    try:
        schema.validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame()


def by_baiyi(df: pd.DataFrame, rules) -> pd.DataFrame:
    return check_ledgers({"visits": df}, rules).problems


def _met(met: bool) -> str:
    return ": met" if met else ": NOT met"


def main(n: int = N) -> int:
    rules = load_rules()
    df = raw_visits(n)
    counts = by_duckdb(df, rules)
    ours = by_baiyi(df, rules)
    errors = ours[ours["severity"] == "错误"]
    mine = errors.groupby("check")["row"].nunique()
    theirs = {"date": "cell.date", "unit": "cell.unit", "level": "cell.level",
              "persons": "cell.persons", "personal": "text.personal"}  # fmt: skip
    for floor_name, check in theirs.items():
        assert int(mine.get(check, 0)) == counts[floor_name], (check, mine, counts)
    schema = pandera_schema(rules)
    cases = by_pandera(df, schema)
    found = cases.groupby("check")["index"].nunique() if len(cases) else pd.Series(dtype=int)
    assert int(found.get("date", 0)) == counts["date"], (found, counts)
    t_sql = best_of(lambda: by_duckdb(df, rules))
    # each the best of three: one run on a shared machine may be a third slower
    t_pa = best_of(lambda: by_pandera(df, schema), 3)
    t_ours = best_of(lambda: by_baiyi(df, rules), 3)
    to_pa, to_sql = t_ours / t_pa, t_ours / t_sql
    print(
        f"validate {n:,} visit rows (text): baiyi {t_ours:.2f} s   pandera {t_pa:.2f} s   "
        f"DuckDB SQL {t_sql:.2f} s   ratio to pandera {to_pa:.2f} (target ≤ 1.0"
        f"{_met(to_pa <= 1.0)}), to the SQL floor {to_sql:.2f} (target ≤ 2{_met(to_sql <= 2)}); "
        f"same bad rows per check ({counts})",
        flush=True,
    )
    # a load with bad rows gives no ledgers, so it is not shaped: a clean one is, in full
    clean = raw_visits(n, bad=False)
    assert not (by_baiyi(clean, rules)["severity"] == "错误").any()  # remarks only
    assert not len(by_pandera(clean, schema))
    c_sql = best_of(lambda: by_duckdb(clean, rules))
    c_pa = best_of(lambda: by_pandera(clean, schema), 3)
    c_ours = best_of(lambda: by_baiyi(clean, rules), 3)
    print(
        f"validate {n:,} clean visit rows (ledgers shaped: ordered, one case-id vocabulary): "
        f"baiyi {c_ours:.2f} s   pandera {c_pa:.2f} s   DuckDB SQL {c_sql:.2f} s   "
        f"ratio to pandera {c_ours / c_pa:.2f}, to the SQL floor {c_ours / c_sql:.2f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else N))
