"""Figures worked out independently of baiyi, for tests that check what users see.

The visits register is read straight from the sample CSV with pandas and a few lines of
date parsing, the units' workbooks and the incidents with openpyxl; nothing here calls
baiyi's loader, scoring or views. Only the params files (data, not code under test) are
read, for the unit aliases and the readings in force; the points are those printed in
附件2, written out below.
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


# --------------------------------------------------------------------------- scores
# The points of 附件2, as printed (per person-visit, per incident, per backlog case).

RATE = {  # 一(一)2 … 一(四)8: (level, form) → per person-visit
    ("进京", "个体"): 100, ("进京", "集体"): 100,
    ("去省", "个体"): 30, ("去省", "集体"): 100,
    ("到市", "个体"): 20, ("到市", "集体"): 50,
    ("来县", "个体"): 10, ("来县", "集体"): 30,
}  # fmt: skip
FIRST = {"进京": 200, "去省": 100, "到市": 60}  # 一、首段: the system's first case of a level
INCIDENT = {"进京": 300, "去省": 200, "到市": 100}  # 一(一)3, 一(二)5, 一(三)7, per incident
BASE = 1000  # 四、1


def visits() -> pd.DataFrame:
    """The register with what scoring needs: id, form, 非访, case id (None when blank)."""
    raw = pd.read_csv(SAMPLE / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    v = register()
    v["visit_id"] = raw["编号"].str.strip()
    v["form"] = raw["走访形式"].str.strip()
    v["irregular"] = raw["非访"].map(lambda x: str(x).strip() in ("是", "Y", "1"))
    v["case"] = v["case"].where(v["case"].notna(), None)
    return v


def unit_sheet(sheet: str) -> pd.DataFrame:
    """One sheet of every unit's workbook, below its header row (the 案件编号 row)."""
    out = []
    for path in sorted((SAMPLE / "units").glob("*.xlsx")):
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
        head = raw.index[raw[0] == "案件编号"][0]
        rows = raw.iloc[head + 1 :].set_axis(list(raw.iloc[head]), axis=1)
        out.append(rows.dropna(subset=["案件编号"]))
    t = pd.concat(out, ignore_index=True)
    t["unit"] = t["责任单位"].map(RULES.units.resolve)
    return t


def _day_or_none(x: object) -> dt.date | None:
    return None if pd.isna(x) else day(x)


def backlog(as_of: dt.date) -> pd.DataFrame:
    """The backlog cases (信访积案) with ``bonus``: the points of 三 that the case earns by
    as-of (a certified resolution inside the campaign, by the case's age when resolved;
    0 if none); ``listed``: counted in the backlog (not resolved before the campaign);
    ``open``: listed and not yet earning."""
    b = unit_sheet("信访积案")
    resolved, certified = b["化解日期"].map(_day_or_none), b["认定日期"].map(_day_or_none)
    done = b["化解状态"] == "已化解"
    earns = (
        done
        & (b["办公室认定"] == "是")
        & resolved.map(lambda d: d is not None and START <= d <= END)
        & certified.map(lambda d: d is not None and START <= d <= min(as_of, END))
    )
    first = b["初次信访日期"].map(day)
    age = [
        r.year - f.year - ((r.month, r.day) < (f.month, f.day)) if ok else 0
        for f, r, ok in zip(first, resolved, earns, strict=True)
    ]
    b["bonus"] = [(200 if a >= 10 else 10 if a >= 5 else 20) if ok else 0
                  for a, ok in zip(age, earns, strict=True)]  # fmt: skip
    b["listed"] = ~(done & resolved.map(lambda d: d is not None and d < START))
    b["open"] = b["listed"] & ~earns
    return b


def scores(as_of: dt.date, doubling: str = "once") -> pd.DataFrame:
    """Each unit's deductions, bonuses, score, rank, veto and 平安稳定星 as of a day, worked
    out from the sample files and the printed points (default readings but ``doubling``)."""
    v = counted(as_of).join(visits()[["visit_id", "form", "irregular"]])
    v = v.sort_values(["day", "visit_id"])
    first = {lvl: g.index[0] for lvl, g in v.groupby("level") if lvl in FIRST}
    s = unit_sheet("矛盾纠纷排查化解登记表")
    screened_on = s.assign(day=s["排查日期"].map(day)).groupby(["unit", "案件编号"])["day"].min()
    on = [screened_on.get((r.unit, r.case)) for r in v.itertuples()]
    v["screened"] = [d is not None and d <= r.day for d, r in zip(on, v.itertuples(), strict=True)]

    def deduction(r) -> int:
        if r.level == "进京" and r.irregular:  # 一(一)1: no per-person points in the text
            rate = 0
        else:
            rate = FIRST[r.level] if first.get(r.level) == r.Index else RATE[(r.level, r.form)]
        n = (not r.screened) + bool(r.dissatisfied)  # 二: not screened beforehand; dissatisfied
        factor = 2**n if doubling == "stack" else (2 if n else 1)
        return r.persons * rate * factor

    ded = v.assign(points=[deduction(r) for r in v.itertuples()]).groupby("unit")["points"].sum()
    inc = pd.read_excel(SAMPLE / "敏感事件.xlsx", skiprows=1, dtype=object, engine="openpyxl")
    for r in inc[inc["日期"].map(day).between(START, as_of)].itertuples():
        unit = RULES.units.resolve(r.责任单位)
        # (every incident of the sample is of a category its level lists)
        ded[unit] = ded.get(unit, 0) + INCIDENT.get(r.走访层级, 0)
    b = backlog(as_of)
    veto = v[v["level"].isin(["进京", "去省"]) & (v["irregular"] | (v["form"] == "集体"))]
    t = pd.DataFrame({"unit": RULES.units.names})
    t["deductions"] = t["unit"].map(ded).fillna(0).astype(int)
    t["bonuses"] = t["unit"].map(b.groupby("unit")["bonus"].sum()).fillna(0).astype(int)
    t["score"] = BASE - t["deductions"] + t["bonuses"]
    t["rank"] = t["score"].rank(ascending=False, method="min").astype(int)
    t["veto"] = t["unit"].isin(veto["unit"])
    # 平安稳定星 (实施方案 五、三; 二、1, 二、2): no veto, every backlog case certified, every
    # counted visit's case screened beforehand
    missed = set(b.loc[b["open"], "unit"]) | set(v.loc[~v["screened"], "unit"])
    t["star"] = ~t["veto"] & ~t["unit"].isin(missed)
    return t.set_index("unit")
