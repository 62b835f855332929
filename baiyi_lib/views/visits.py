"""Visits and points: what was seen, what was charged, by week, level and unit.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..ledgers import Ledgers
from ..scoring import ScoreResult
from .common import _rule_ids, _unit_filter, _week_of, this_week, weeks


def scored_visits(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """One row per visit that scoring counted (it has a rate or first-case row in the
    points table): unit, date, visit_id, level, form, persons, case_id, week_end."""
    p = result.points
    rows = p[p["rule_id"].isin(_rule_ids(result, "visit_rate", "first_case"))]
    rows = _unit_filter(rows, unit).drop_duplicates("source_id")
    out = pd.DataFrame(
        {
            "unit": rows["unit"].to_numpy(),
            "date": rows["date"].to_numpy(),
            "visit_id": rows["source_id"].to_numpy(),
            "level": rows["level"].to_numpy(),
            "persons": rows["persons"].astype(np.int64).to_numpy(),
        }
    )
    facts = ledgers.visits.set_index("visit_id")[["form", "case_id"]]
    facts = facts[~facts.index.duplicated()]
    out["form"] = out["visit_id"].map(facts["form"]).astype(object).to_numpy()
    out["case_id"] = out["visit_id"].map(facts["case_id"]).astype(object).to_numpy()
    out["week_end"] = _week_of(out["date"], result.rules)
    return out


def visits_seen(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Every visit that happened inside the campaign up to the as-of (charged or not): unit,
    date, visit_id, level, form, persons, case_id, week_end, and ``charged``: whether the
    assessment charged it (an office's visit is charged only for its own staff or a
    repeat: 附件2 一(四); a visit outside the window never)."""
    camp = result.rules.campaign
    v = _unit_filter(ledgers.visits, unit)
    last = min(result.as_of, camp.end)
    v = v[(v["date"] >= pd.Timestamp(camp.start)) & (v["date"] <= pd.Timestamp(last))]
    charged = set(scored_visits(ledgers, result, unit)["visit_id"])
    out = pd.DataFrame(
        {
            "unit": v["unit"].astype(object).to_numpy(),
            "date": v["date"].to_numpy(),
            "visit_id": v["visit_id"].astype(object).to_numpy(),
            "level": v["level"].astype(object).to_numpy(),
            "form": v["form"].astype(object).to_numpy(),
            "persons": v["persons"].astype(np.int64).to_numpy(),
            "case_id": v["case_id"].astype(object).to_numpy(),
        }
    )
    out["week_end"] = _week_of(out["date"], result.rules)
    out["charged"] = out["visit_id"].isin(charged).to_numpy()
    return out


def charges(result: ScoreResult, source: str = "走访") -> pd.DataFrame:
    """What each charged record (a visit by default) cost, part by part: one row per
    ``source_id`` with ``points`` (the sum of its rows: rate, first case, doubling) and
    ``parts`` (each row's rule label and signed points: "水利系统第1起进京访 -200;走访前未排查出
    (加倍扣分) -200"), in the points table's order."""
    p = result.points[result.points["source"] == source]
    p = p[p["points"] != 0]
    ids = p["source_id"].astype(str)
    part = p["label"].astype(str) + " " + p["points"].map(lambda x: f"{x:+d}")
    out = pd.DataFrame(
        {
            "points": p.groupby(ids, sort=False)["points"].sum(),
            "parts": part.groupby(ids, sort=False).agg(";".join),
        }
    )
    out.index.name = "source_id"
    return out.reset_index()


def visits_charged(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Every visit that happened (``visits_seen``) with what it was charged: ``points`` (the
    sum of its rate, first-case and doubling rows), ``parts`` (each part with its rule)
    and ``note``: the points and why, or why it was not charged (an office's visit by
    others than its own staff and not a repeat…)."""
    v = visits_seen(ledgers, result, unit)
    c = charges(result).set_index("source_id")
    ex = result.excluded[result.excluded["source"] == "走访"]
    why = dict(zip(ex["source_id"].astype(str), ex["reason"].astype(str), strict=False))
    ids = v["visit_id"].astype(str)
    v["points"] = ids.map(c["points"]).fillna(0).astype(np.int64).to_numpy()
    v["parts"] = ids.map(c["parts"]).fillna("").to_numpy()
    v["note"] = [
        (f"扣 {-x} 分({parts})" if x else "计分,0 分") if ch else why.get(i, "未计分")
        for i, ch, x, parts in zip(ids, v["charged"], v["points"], v["parts"], strict=True)
    ]
    return v


def upper_visits(
    ledgers: Ledgers, result: ScoreResult, since: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """The visits from ``since`` to as-of that reached a level above the lowest (到市 and
    above: 越级访), highest level first: ``visits_charged``'s columns, with ``irregular``."""
    v = visits_charged(ledgers, result, unit)
    lowest = result.rules.levels[-1]
    v = v[(v["date"] >= pd.Timestamp(since)) & (v["level"].astype(str) != lowest)]
    irregular = ledgers.visits.drop_duplicates("visit_id").set_index("visit_id")["irregular"]
    v = v.assign(irregular=v["visit_id"].map(irregular).fillna(False).astype(bool))
    order = {lv: i for i, lv in enumerate(result.rules.levels)}
    v = v.assign(_lv=v["level"].astype(str).map(order))
    return v.sort_values(["_lv", "date", "unit"], kind="stable").drop(columns="_lv")


def movers(changes: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` units whose score moved most since last week (``score_changes`` rows with a
    non-zero change), largest move first; ties by the ranking's order."""
    moved = changes[changes["change"] != 0]
    size = moved["change"].abs()
    return (
        moved.assign(_size=size)
        .sort_values("_size", ascending=False, kind="stable")
        .head(n)
        .drop(columns="_size")
    )


def visits_by_week(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Person-visits and visits per week and level, every week × level present (zeros),
    counting every visit that happened (charged or not); ``label`` names the week as the
    charts show it."""
    v = visits_seen(ledgers, result, unit)
    rules = result.rules
    cal = weeks(rules, result.as_of)
    grid = pd.MultiIndex.from_product([cal["end"], list(rules.levels)], names=["week_end", "level"])
    g = v.assign(level=v["level"].astype(str)).groupby(["week_end", "level"])
    agg = pd.DataFrame({"person_visits": g["persons"].sum(), "visits": g.size()})
    out = agg.reindex(grid, fill_value=0).reset_index()
    out["level"] = pd.Categorical(out["level"], categories=list(rules.levels), ordered=True)
    out["label"] = out["week_end"].map(dict(zip(cal["end"], cal["label"], strict=True)))
    return out


def visits_summary(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Per level: person-visits that happened this week, last week, the change, to date,
    and ``charged`` (to date, the person-visits the assessment charged).

    Like is compared with like: ``last_week`` covers the same days of last week as this
    week has so far (Saturday to Wednesday on a Wednesday page; the whole week on a
    Friday), so ``change`` never sets five days against seven."""
    seen = visits_seen(ledgers, result, unit)
    charged = seen[seen["charged"]].groupby(seen["level"].astype(str))["persons"].sum()
    start, end = last_week_same_days(result)
    week_start = this_week(result)["start"]
    day = seen["date"]
    level = seen["level"].astype(str)
    now = seen[day >= week_start].groupby(level)["persons"].sum()
    before = seen[(day >= start) & (day <= end)].groupby(level)["persons"].sum()
    total = seen.groupby(level)["persons"].sum()
    rows = []
    for lv in result.rules.levels:
        n, b = int(now.get(lv, 0)), int(before.get(lv, 0))
        rows.append(
            {
                "level": lv,
                "this_week": n,
                "last_week": b,
                "change": n - b,
                "to_date": int(total.get(lv, 0)),
                "charged": int(charged.get(lv, 0)),
            }
        )
    return pd.DataFrame(rows)


def last_week_same_days(result: ScoreResult) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days of last week that match this week so far: from last week's first day to
    as-of minus seven days (the whole of last week when as-of is its return day)."""
    week = this_week(result)
    return week["start"] - pd.Timedelta(days=7), pd.Timestamp(result.as_of) - pd.Timedelta(days=7)


# --------------------------------------------------------------------------- scores


def score_changes(result: ScoreResult, previous: ScoreResult | None) -> pd.DataFrame:
    """The score table with the change in score and rank since the previous briefing."""
    table = result.scores.copy()
    if previous is None:
        table["change"] = 0
        table["rank_change"] = 0
        return table
    prev = previous.scores.set_index("unit")
    table["change"] = table["score"] - table["unit"].map(prev["score"]).astype(int)
    table["rank_change"] = table["unit"].map(prev["rank"]).astype(int) - table["rank"]
    return table


def deductions_by_unit_week(result: ScoreResult) -> pd.DataFrame:
    """Unit × week matrix of points lost (positive numbers), all units, all weeks; the
    columns are the weeks' labels (3月1日), in order. What an item or the total gives back
    where it is used up (扣完为止: the cap and floor rows) is netted in the week it happens,
    so that each unit's row adds up to its deductions."""
    rules = result.rules
    stops = _rule_ids(result, "item_cap", "score_floor")
    p = result.points[(result.points["points"] < 0) | result.points["rule_id"].isin(stops)]
    cal = weeks(rules, result.as_of)
    ends = _week_of(p["date"], rules)
    lost = (-p["points"]).groupby([p["unit"].astype(str).to_numpy(), ends]).sum()
    matrix = lost.unstack(fill_value=0) if len(lost) else pd.DataFrame()
    matrix = matrix.reindex(index=rules.units.names, columns=cal["end"], fill_value=0)
    matrix.columns = cal["label"].to_list()
    matrix.index.name, matrix.columns.name = "unit", "week"
    return matrix.astype(int)


def flags_raised(result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """The flag rows (veto, awards cancelled): unit, date, visit, level, why."""
    p = result.points[result.points["rule_id"].isin(_rule_ids(result, "flag"))]
    p = _unit_filter(p, unit)
    return p[
        ["unit", "date", "rule_id", "label", "clause", "source_id", "level", "persons", "note"]
    ]


def first_cases(result: ScoreResult) -> pd.DataFrame:
    """The first visit of each level in the whole system (附件2 一、首段): level, unit,
    date, source_id, persons, rule_id, clause, and what the visit was charged in all
    (``points``: the first-case rate and any doubling, with ``parts`` naming each)."""
    p = result.points[result.points["rule_id"].isin(_rule_ids(result, "first_case"))]
    p = p.drop_duplicates("source_id")
    c = charges(result).set_index("source_id")
    ids = p["source_id"].astype(str)
    out = p[["level", "unit", "date", "source_id", "persons", "rule_id", "clause", "label"]]
    return out.assign(
        points=ids.map(c["points"]).fillna(0).astype(np.int64).to_numpy(),
        parts=ids.map(c["parts"]).fillna("").to_numpy(),
    ).reset_index(drop=True)


def points_detail(
    result: ScoreResult, start: dt.date | None = None, unit: str | None = None
) -> pd.DataFrame:
    """Points rows (from ``start`` on), with the rule's source sentence, for the detail table."""
    p = _unit_filter(result.points, unit)
    if start is not None:
        p = p[p["date"] >= pd.Timestamp(start)]
    p = p.sort_values(["date", "unit", "source", "source_id"], kind="stable")
    quotes = {r.id: r.quote for r in result.rules.rules.values()}
    out = p.assign(quote=p["rule_id"].astype(str).map(quotes))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- backlog
