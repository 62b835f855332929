"""Figures worked out independently of baiyi, for tests that check what users see.

The visits register is read straight from the sample CSV with pandas and a few lines of
date parsing; nothing here calls baiyi's loader, scoring or views. Only the params files
(data, not code under test) are read, for the unit aliases and the office reading.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from baiyi_lib import load_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
RULES = load_rules()
START, END = dt.date(2019, 2, 20), dt.date(2019, 5, 31)
LEVELS = ["进京", "去省", "到市", "来县"]


def day(text: object) -> dt.date:
    """The sample's date spellings (2019-02-14, 2019/2/14, 2019.2.16, 2019年2月15日)."""
    parts = re.findall(r"\d+", str(text))
    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))


def friday(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=(4 - d.weekday()) % 7)


def label(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def register() -> pd.DataFrame:
    """The visits register as written in the sample CSV (GB18030, one title row)."""
    raw = pd.read_csv(SAMPLE / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    flags = {"是": True, "Y": True, "1": True}
    return pd.DataFrame(
        {
            "day": raw["日期"].map(day),
            "unit": raw["责任单位"].map(lambda u: RULES.units.resolve(u)),
            "level": raw["走访层级"].str.strip(),
            "case": raw["案件编号"].str.strip(),
            "persons": raw["人次"].map(lambda p: int(re.findall(r"\d+", p)[0])),
            "internal": raw["内部人员"].map(lambda v: flags.get(str(v).strip(), False)),
            "dissatisfied": raw["不满初次办理"].map(lambda v: flags.get(str(v).strip(), False)),
        }
    )


def happened(as_of: dt.date, unit: str | None = None) -> pd.DataFrame:
    """Every visit inside the campaign up to as-of, charged or not."""
    v = register()
    v = v[(v["day"] >= START) & (v["day"] <= as_of)]
    return v if unit is None else v[v["unit"] == unit]


def counted(as_of: dt.date, unit: str | None = None) -> pd.DataFrame:
    """Visits inside the campaign up to as-of that the assessment charges (offices' visits
    only as the reading says)."""
    v = register()
    v = v[(v["day"] >= START) & (v["day"] <= as_of)]
    if RULES.value("office_visits") == "internal_or_repeat":
        offices = {u.name for u in RULES.units.units if u.kind == "机关科室"}
        v = v[~v["unit"].isin(offices) | v["internal"] | v["dissatisfied"]]
    return v if unit is None else v[v["unit"] == unit]


def expected_labels(as_of: dt.date) -> list[str]:
    """The campaign's Fridays up to as-of, and as-of itself when it is not a Friday."""
    fridays = []
    d = friday(START)
    while d <= as_of:
        fridays.append(d)
        d += dt.timedelta(days=7)
    if not fridays or fridays[-1] < as_of:
        fridays.append(as_of)
    return [label(x) for x in fridays]


def per_week(as_of: dt.date, unit: str | None = None) -> dict[str, list[int]]:
    """Person-visits per level per week, in the order of ``expected_labels``."""
    v = happened(as_of, unit)
    labels = expected_labels(as_of)
    week = v["day"].map(lambda d: label(min(friday(d), as_of)))
    out = {}
    for level in LEVELS:
        sums = v[v["level"] == level].groupby(week)["persons"].sum()
        out[level] = [int(sums.get(lbl, 0)) for lbl in labels]
    return out
