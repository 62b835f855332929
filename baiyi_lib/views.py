"""The tables behind each section of the weekly briefing (and for analysts in JupyterLab).

Every figure is read off the score result: the points table (one row per rule applied),
``excluded`` (rows read and not scored) and ``quality``. Nothing here decides again what
counts, so every view agrees with the scores for any as-of and any interpretation. The
ledgers are read only for facts that scoring does not decide (a visit's case id, how many
backlog cases a unit has, when returns arrived).

A week is a return week: it ends on the weekly return day (Friday). The last week is the
one holding as-of; when as-of is not a Friday that week is shown as far as as-of
(``baiyi_lib.dates.campaign_weeks``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .dates import (
    campaign_weeks,
    next_return_day,
    return_day_on_or_after,
    return_day_on_or_before,
)
from .ledgers import Ledgers
from .params import Rules
from .scoring import ScoreResult
from .scoring.backlog import MEETINGS, meetings_held
from .scoring.returns import (  # noqa: F401  (the returns grid's words, for the pages)
    LATE,
    MISSING,
    NOT_DUE,
    ON_TIME,
    UNKNOWN,
    folder_returns,
    returns_grid,
    stored_returns,
    zero_return_units,
)
from .sources import is_store, weekly_returns

# --------------------------------------------------------------------------- calendar


def weeks(rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """The campaign's return weeks up to as-of: week, start, end (Friday), last_day,
    complete, label (3月1日: the last day the week covers)."""
    camp = rules.campaign
    return campaign_weeks(camp.start, camp.end, camp.weekly_return_weekday, as_of)


def this_week(result: ScoreResult) -> pd.Series:
    """The week holding as-of (its row of ``weeks``)."""
    return weeks(result.rules, result.as_of).iloc[-1]


def previous_day(rules: Rules, as_of: dt.date) -> dt.date | None:
    """The as-of of last week's briefing: the return day before this week began."""
    cal = weeks(rules, as_of)
    day = (cal.iloc[-1]["start"] - pd.Timedelta(days=1)).date()
    return day if day >= rules.campaign.start else None


def latest_return_day(ledgers: Ledgers, rules: Rules) -> dt.date:
    """The latest return day (Friday) the data covers: the default as-of of a briefing."""
    dates = pd.concat(
        [
            ledgers.visits["date"],
            ledgers.incidents["date"],
            ledgers.screening_rows["screened_on"],
            ledgers.backlog["certified_on"].dropna(),
        ]
    ).dropna()
    camp = rules.campaign
    if dates.empty:
        return camp.end
    last = min(dates.max().date(), camp.end)
    day = return_day_on_or_before(last, camp.weekly_return_weekday)
    return max(day, camp.start)


def _week_of(dates: pd.Series, rules: Rules) -> np.ndarray:
    return return_day_on_or_after(dates, rules.campaign.weekly_return_weekday).to_numpy()


def _unit_filter(df: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    return df if unit is None else df[df["unit"] == unit]


def _rule_ids(result: ScoreResult, *mechanisms: str) -> list[str]:
    return [r.id for m in mechanisms for r in result.rules.by_mechanism(m)]


# --------------------------------------------------------------------------- visits


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


def backlog_burndown(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, dict]:
    """Weekly open backlog cases and the projection to the target date (5月20日).

    A case leaves the backlog when its resolution is certified inside the campaign: the
    bonus rows of 附件2 三 in the points table, on their certification date. The backlog
    is every case in the ledger except those already resolved before the campaign began.
    The pace is the certified cases per week so far; the projection carries it on.
    """
    rules, as_of = result.rules, result.as_of
    camp = rules.campaign
    b = _unit_filter(ledgers.backlog, unit)
    before = (b["status"] == "已化解").to_numpy() & (
        b["resolved_on"] < pd.Timestamp(camp.start)
    ).fillna(False).to_numpy()
    total = int(len(b) - before.sum())
    bonus = result.points[result.points["rule_id"].isin(_rule_ids(result, "backlog"))]
    certified_on = _unit_filter(bonus, unit)["date"].to_numpy(dtype="datetime64[ns]")
    cal = weeks(rules, as_of)
    done = [int((certified_on <= d.to_datetime64()).sum()) for d in cal["last_day"]]
    table = cal.assign(certified=done, open=[total - d for d in done])
    target = camp.backlog_target.date if camp.backlog_target else camp.end
    done_now = done[-1] if done else 0
    weeks_so_far = ((as_of - camp.start).days + 1) / 7
    pace = done_now / weeks_so_far if weeks_so_far > 0 else 0.0
    open_now = total - done_now
    days_left = (target - as_of).days
    weeks_left = max(days_left, 0) / 7
    needed = open_now / weeks_left if weeks_left > 0 else float(open_now)
    resolved = (b["status"] == "已化解") & b["resolved_on"].between(
        pd.Timestamp(camp.start), pd.Timestamp(as_of)
    )
    projection = {
        "total": total,
        "certified": done_now,
        "resolved": int(resolved.sum()),
        "open": open_now,
        "target_date": target,
        "days_left": days_left,
        "pace_per_week": round(pace, 1),
        "needed_per_week": round(needed, 1),
        "projected_open_at_target": round(max(open_now - pace * weeks_left, 0.0), 1),
        "on_track": open_now == 0 or (weeks_left > 0 and pace >= needed),
    }
    return table, projection


# --------------------------------------------------------------------------- screening


def screening_check(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, dict]:
    """二、矛盾纠纷排查: the counted visits that scoring doubled as not screened beforehand
    (with the interpretations in force), and the share that was screened.

    A visit without a case id cannot be checked: under ``missing_case_id = unscreened`` it
    is doubled and listed; under ``ignore`` it is neither screened nor doubled.
    """
    v = scored_visits(ledgers, result, unit)
    unscreened_rules = [
        r.id for r in result.rules.by_mechanism("doubling") if r.condition == "unscreened"
    ]
    p = result.points
    doubled = set(p.loc[p["rule_id"].isin(unscreened_rules), "source_id"])
    no_case = v["case_id"].isna().to_numpy()
    is_doubled = v["visit_id"].isin(doubled).to_numpy()
    screened = ~is_doubled & ~no_case
    listing = v.loc[is_doubled, ["date", "unit", "visit_id", "case_id", "level", "persons"]]
    figures = {
        "visits": len(v),
        "screened": int(screened.sum()),
        "unscreened": int(is_doubled.sum()),
        "share": float(screened.mean()) if len(v) else 1.0,
        "no_case_id": int(no_case.sum()),
    }
    return listing.reset_index(drop=True), figures


def only_once(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> dict:
    """ "群众只访一次": among cases that led to a visit (charged or not), the share that
    came once."""
    v = visits_seen(ledgers, result, unit)
    per_case = v.dropna(subset=["case_id"]).groupby("case_id").size()
    return {
        "cases": len(per_case),
        "once": int((per_case == 1).sum()),
        "share": float((per_case == 1).mean()) if len(per_case) else 1.0,
        "visits_without_case_id": int(v["case_id"].isna().sum()),
    }


def targets(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """The plan's targets (任务目标, campaign.yaml ``targets``) and where each stands, one row
    per target: target, clause, measure (words), value (a share 0–1, or person-visits),
    detail, is_share. No row for a plan without targets."""
    camp = result.rules.campaign
    levels = result.rules.levels
    figures = {}
    for t in camp.targets:
        if t.measure == "screened_share":
            _, scr = screening_check(ledgers, result, unit)
            detail = f"{scr['screened']} / {scr['visits']} 起走访"
            figures[t.id] = ("走访前已排查出的走访占比", scr["share"], detail)
        elif t.measure == "backlog_cleared":
            _, bl = backlog_burndown(ledgers, result, unit)
            cleared = bl["certified"] / bl["total"] if bl["total"] else 1.0
            figures[t.id] = (
                "已化解并经认定的积案占比",
                cleared,
                f"{bl['certified']} / {bl['total']} 件",
            )
        elif t.measure == "only_once":
            once = only_once(ledgers, result, unit)
            figures[t.id] = (
                "只走访过一次的案件占比",
                once["share"],
                f"{once['once']} / {once['cases']} 件",
            )
        elif t.measure == "upper_visits":
            v = visits_seen(ledgers, result, unit)
            above = v[v["level"].astype(str) != levels[-1]]
            figures[t.id] = (
                f"{levels[-2]}以上走访(越级访)人次" if len(levels) > 1 else "走访人次",
                float(above["persons"].sum()),
                f"{len(above)} 起",
            )
    rows = [
        {"target": t.name, "clause": t.clause, "measure": m, "value": val, "detail": d,
         "is_share": t.measure != "upper_visits"}
        for t in camp.targets
        for m, val, d in [figures[t.id]]
    ]  # fmt: skip
    columns = ["target", "clause", "measure", "value", "detail", "is_share"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- attention


def repeat_visits(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Cases with more than one visit in the campaign, charged or not (群众只访一次 broken,
    实施方案 二、3): case, unit, visits, person-visits, the levels in date order, first and
    last."""
    v = visits_seen(ledgers, result, unit).dropna(subset=["case_id"])
    v = v.sort_values(["date", "visit_id"])
    g = v.groupby("case_id", sort=False)
    t = pd.DataFrame(
        {
            "unit": g["unit"].agg(lambda x: "、".join(dict.fromkeys(map(str, x)))),
            "visits": g.size(),
            "persons": g["persons"].sum(),
            "levels": g["level"].agg(lambda x: "→".join(map(str, x))),
            "first": g["date"].min(),
            "last": g["date"].max(),
        }
    )
    t = t[t["visits"] > 1].reset_index()
    return t.sort_values(["visits", "last"], ascending=[False, False], ignore_index=True)


def escalations(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """Visits at a higher level than any earlier visit of the same case (来县 → 到市 → 去省 →
    进京): the case is moving up (考核办法 一: each level costs more; 实施方案 四(二))."""
    order = {lv: i for i, lv in enumerate(result.rules.levels)}  # 0 is the highest
    v = visits_seen(ledgers, result, unit).dropna(subset=["case_id"])
    rows = []
    for case, g in v.sort_values(["date", "visit_id"]).groupby("case_id", sort=False):
        highest = None
        for r in g.itertuples(index=False):
            rank = order[str(r.level)]
            if highest is not None and rank < highest:
                rows.append(
                    {"case_id": case, "unit": r.unit, "date": r.date, "visit_id": r.visit_id,
                     "from": result.rules.levels[highest], "to": str(r.level)}
                )  # fmt: skip
            highest = rank if highest is None else min(highest, rank)
    cols = ["case_id", "unit", "date", "visit_id", "from", "to"]
    return pd.DataFrame(rows, columns=cols).sort_values("date", ascending=False, ignore_index=True)


def unresolved_screening(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> pd.DataFrame:
    """Screened cases still 未化解 (as of as-of, by their latest return) the campaign's
    ``unresolved_weeks`` after they were first screened, oldest first (实施方案 二、1 and
    三、2: 排查化解, 化解销号)."""
    weeks = result.rules.campaign.attention.unresolved_weeks
    cut = pd.Timestamp(result.as_of)
    rows = _unit_filter(ledgers.screening_rows, unit)
    rows = rows[rows["screened_on"] <= cut].sort_values(["screened_on", "src_file", "src_row"])
    if rows.empty:
        return pd.DataFrame(columns=["case_id", "unit", "first", "weeks", "category"])
    g = rows.groupby(["unit", "case_id"], observed=True)
    latest = g.tail(1).set_index(["unit", "case_id"])
    t = pd.DataFrame({"first": g["screened_on"].min()}).join(latest[["status", "category"]])
    t = t[(t["status"] == "未化解") & (t["first"] <= cut - pd.Timedelta(weeks=weeks))]
    t["weeks"] = ((cut - t["first"]).dt.days // 7).astype(int)
    t = t.reset_index().sort_values("first", ignore_index=True)
    return t[["case_id", "unit", "first", "weeks", "category"]].astype(
        {"unit": str, "case_id": str}
    )


def backlog_behind(ledgers: Ledgers, result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """With fewer than ``backlog_weeks_left`` weeks to the backlog target (5月20日), each
    unit's open backlog cases against its pace (实施方案 二、2: 现有信访积案全部化解)."""
    weeks_max = result.rules.campaign.attention.backlog_weeks_left
    rows = []
    for name in [unit] if unit else result.rules.units.names:
        _, p = backlog_burndown(ledgers, result, name)
        if p["open"] == 0 or p["days_left"] >= weeks_max * 7:
            continue
        cases = backlog_as_of(ledgers, result, name)
        before = (cases["resolved_on"] < pd.Timestamp(result.rules.campaign.start)).fillna(False)
        open_ids = cases.loc[(cases["points"] == 0) & ~before, "case_id"].astype(str)
        rows.append(
            {"unit": name, "open": p["open"], "days_left": p["days_left"],
             "pace": p["pace_per_week"], "needed": p["needed_per_week"],
             "on_track": p["on_track"], "cases": "、".join(sorted(open_ids))}
        )  # fmt: skip
    cols = ["unit", "open", "days_left", "pace", "needed", "on_track", "cases"]
    return pd.DataFrame(rows, columns=cols).sort_values("open", ascending=False, ignore_index=True)


def missed_returns(status: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Units whose last ``missed_returns`` or more due Fridays all went without a return
    (实施方案 五、四: 每周五下午报送), from a returns grid: unit, missed, since."""
    run = rules.campaign.attention.missed_returns
    rows = []
    for unit, g in status[status["status"] != NOT_DUE].groupby("unit", sort=False):
        tail = 0
        for s in reversed(g.sort_values("week_end")["status"].tolist()):
            if s != MISSING:
                break
            tail += 1
        if tail >= run:
            since = g.sort_values("week_end")["week_end"].iloc[-tail]
            rows.append({"unit": unit, "missed": tail, "since": since})
    return pd.DataFrame(rows, columns=["unit", "missed", "since"])


def attention(
    ledgers: Ledgers, result: ScoreResult, returns: pd.DataFrame, unit: str | None = None
) -> dict[str, pd.DataFrame]:
    """需要关注: what needs the leading group's attention before the next visit happens,
    by case id and unit (never a person): repeated visits, escalations, cases screened
    long ago and still open, backlog behind pace near 5月20日, runs of missed returns."""
    watch, camp = result.rules.campaign.attention, result.rules.campaign
    out = {
        "repeats": repeat_visits(ledgers, result, unit),
        "escalations": escalations(ledgers, result, unit),
    }
    # the others only where the method sets their threshold (campaign.yaml attention)
    if watch.unresolved_weeks is not None:
        out["unresolved"] = unresolved_screening(ledgers, result, unit)
    if watch.backlog_weeks_left is not None and result.rules.by_mechanism("backlog"):
        out["backlog"] = backlog_behind(ledgers, result, unit)
    if watch.missed_returns is not None and camp.has_returns:
        missed = missed_returns(returns, result.rules)
        out["returns"] = missed if unit is None else missed[missed["unit"] == unit]
    if "warnings" in camp.duties:  # 实施方案 四(二): late or still open, by warning id
        listing, _ = warnings_status(ledgers, result, unit)
        late = listing[listing["status"].isin([LATE_W, OPEN_W])]
        out["warnings"] = late[["warning_id", "unit", "level", "pushed_at", "status"]]
    return out


# --------------------------------------------------------------------------- returns


def returns_from_submissions(
    store: str | Path,
    rules: Rules,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    wait: float = 60.0,
) -> pd.DataFrame:
    """Unit × week: whether the Friday return (screening or backlog) arrived in its week
    (按时), during the next week (迟报), or not at all (未报), from the submission records
    of the store received by ``known_at`` and by the end of the as-of day (a page never
    uses what arrived after its as-of); a submission withdrawn by then is no return."""
    return stored_returns(weekly_returns(store, known_at, wait), rules, as_of)


def returns_status(ledgers: Ledgers, result: ScoreResult) -> pd.DataFrame:
    """Unit × week returns, judged from the screening dates (a folder of ledgers); a zero
    return with no dated row is 无法判断 (scoring.returns.folder_returns)."""
    return folder_returns(ledgers, result.rules, result.as_of)


def returns_evidence(
    data: object, ledgers: Ledgers, result: ScoreResult, known_at: dt.datetime | None = None
) -> tuple[pd.DataFrame, str]:
    """Unit × week returns and what they are judged from, in Chinese: the submission
    records when the ledgers come from the store, else the screening dates."""
    if is_store(data):
        status = returns_from_submissions(data, result.rules, result.as_of, known_at=known_at)  # type: ignore[arg-type]
        return status, "依据台账库中的报送记录"
    return returns_status(ledgers, result), "依据排查台账日期"


def deadlines(rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """The next weekly return and the campaign's fixed deadlines, with days left."""
    camp = rules.campaign
    next_return = next_return_day(as_of, camp.weekly_return_weekday)
    rows = []
    if next_return <= camp.end and camp.has_returns:
        rows.append(
            {
                "name": camp.weekly_return,
                "date": next_return,
                "clause": camp.weekly_return_clause,
            }
        )
    rows += [{"name": d.name, "date": d.date, "clause": d.clause} for d in camp.deadlines]
    out = pd.DataFrame(rows, columns=["name", "date", "clause"])
    out["days_left"] = [(d - as_of).days for d in out["date"]]
    out["status"] = np.where(
        out["days_left"] < 0, "已过", np.where(out["days_left"] == 0, "今日", "未到")
    )
    return out.sort_values("date", ignore_index=True)


# --------------------------------------------------------------------------- final assessment


def final_assessment(ledgers: Ledgers, result: ScoreResult) -> pd.DataFrame:
    """总结考核: final score and rank, flags, and whether the unit may receive 平安稳定星.

    实施方案 五、三: a province or Beijing irregular or collective visit vetoes the unit
    (一票否决), and a unit that does not reach the campaign's targets cannot receive
    平安稳定星. The targets measurable per unit are used: every backlog case resolved and
    certified (二、2) and every counted visit's case screened beforehand (二、1). The
    leading group decides; ``missed`` says, per unit, which of these it misses and by how
    much, so that it decides on facts. From a store, ``documents`` says which one-off
    documents (五、四) a unit sent late or not at all.
    """
    table = result.scores.copy()
    backlog_done, screened_all, missed = [], [], []
    for unit, vetoed in zip(table["unit"], table["veto"], strict=True):
        _, bl = backlog_burndown(ledgers, result, unit)
        _, sc = screening_check(ledgers, result, unit)
        backlog_done.append(bl["open"] == 0)
        screened_all.append(sc["screened"] == sc["visits"])
        reasons = ["一票否决(实施方案 五、三)"] if vetoed else []
        if bl["open"]:
            reasons.append(f"积案未全部化解:{bl['open']} / {bl['total']} 件未认定(二、2)")
        if sc["unscreened"]:
            reasons.append(f"走访前未排查出:{sc['unscreened']} 起(二、1)")
        unchecked = sc["visits"] - sc["screened"] - sc["unscreened"]
        if unchecked:
            reasons.append(f"走访未填案件编号、无法倒查:{unchecked} 起(二、1)")
        missed.append(";".join(reasons))
    table["backlog_cleared"] = backlog_done
    table["screening_complete"] = screened_all
    table["star_eligible"] = ~table["veto"] & table["backlog_cleared"] & table["screening_complete"]
    table["missed"] = missed
    docs = documents_status(ledgers, result.rules, result.as_of)
    if docs is not None:  # 实施方案 五、四: who sent what, late or missing (not a target)
        table["documents"] = table["unit"].astype(object).map(_documents_in_words(docs))
    return table


def _documents_in_words(status: pd.DataFrame) -> dict[str, str]:
    """Per unit: 按时报齐, or its late and missing documents (迟报:实施方案;未报:典型经验)."""
    out = {}
    for unit, g in status.groupby("unit", sort=False):
        parts = [
            f"{s}:{'、'.join(g.loc[g['status'] == s, 'name'])}"
            for s in (LATE_D, NOT_SENT_D)
            if (g["status"] == s).any()
        ]
        due = g["status"] != NOT_DUE_D
        out[unit] = ";".join(parts) or ("按时报齐" if due.any() else "未到期")
    return out


def unit_cases(ledgers: Ledgers, result: ScoreResult, unit: str) -> dict[str, pd.DataFrame]:
    """One unit's own records as scoring saw them: every visit over its matters (charged,
    with its points, or not, with the reason), its incidents (likewise) and its backlog."""
    visits = visits_charged(ledgers, result, unit)
    p = _unit_filter(result.points, unit)
    charged = p[p["source"] == "事件"][["date", "source_id", "level", "points"]]
    charged = charged.assign(note=charged["points"].map(lambda x: f"扣 {-x} 分"))
    ex = _unit_filter(result.excluded, unit)
    ex = ex[(ex["source"] == "事件") & ~ex["reason"].str.startswith("晚于统计截止日")]
    not_charged = ex[["date", "source_id"]].assign(note=ex["reason"].to_numpy())
    inc = pd.concat([charged.drop(columns="points"), not_charged], ignore_index=True)
    facts = ledgers.incidents.set_index("incident_id")
    facts = facts[~facts.index.duplicated()]
    inc = inc.rename(columns={"source_id": "incident_id"}).assign(
        level=lambda d: d["incident_id"].map(facts["level"]).astype(object),
        category=lambda d: d["incident_id"].map(facts["category"]).astype(object),
    )
    return {
        "visits": visits.reset_index(drop=True),
        "incidents": inc.sort_values("date", ignore_index=True),
        "backlog": backlog_as_of(ledgers, result, unit),
    }


def backlog_as_of(ledgers: Ledgers, result: ScoreResult, unit: str) -> pd.DataFrame:
    """A unit's backlog cases as they stood at as-of: a resolution or certification dated
    later is not shown yet; ``points`` is the bonus each earned (附件2 三), from the points
    table."""
    cut = pd.Timestamp(result.as_of)
    b = ledgers.backlog[ledgers.backlog["unit"] == unit].reset_index(drop=True)
    later = (b["resolved_on"] > cut).fillna(False)
    status = b["status"].astype(object).where(~later, "未化解")
    p = result.points
    bonus = p[p["rule_id"].isin(_rule_ids(result, "backlog"))]
    earned = bonus.groupby("source_id")["points"].sum()
    return b.assign(
        status=status,
        resolved_on=b["resolved_on"].where(~later),
        certified_on=b["certified_on"].where((b["certified_on"] <= cut).fillna(False)),
        points=b["case_id"].astype(object).map(earned).fillna(0).astype(int),
    )


def score_change_explained(
    now: ScoreResult, previous: ScoreResult | None, restated: ScoreResult | None
) -> pd.DataFrame:
    """Why each unit's score moved since the last briefing (变化说明).

    ``restated`` is last week's as-of scored on today's data: the difference from
    ``previous`` is what late or corrected returns changed for past weeks, and the rest is
    this week's events.
    """
    table = now.scores[["unit", "score"]].copy()
    if previous is None:
        table["change"] = 0
        table["this_week"] = 0
        table["corrections"] = 0
        return table
    prev = previous.scores.set_index("unit")["score"]
    mid = (restated or previous).scores.set_index("unit")["score"]
    table["change"] = table["score"] - table["unit"].map(prev)
    table["corrections"] = table["unit"].map(mid) - table["unit"].map(prev)
    table["this_week"] = table["change"] - table["corrections"]
    return table


# --------------------------------------------------------------------------- the plan's duties

NOT_THERE, NOT_RECORDED = "未到场", "未填写"
MEETING_NAMES = {"consulted_on": "会商", "reviewed_on": "评议", "heard_on": "听证"}


def head_on_scene(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, bool]:
    """实施方案 四(三) (campaign.yaml duties.head_on_scene): each visit at the duty's levels
    (去省、进京), inside the campaign up to as-of, without the head of the unit recorded on
    the scene: date, visit_id, unit, level, case_id, status (未到场 / 未填写). Also whether
    the visits ledger records the duty at all (a ledger without the column says nothing,
    never "0 missing")."""
    cols = ["date", "visit_id", "unit", "level", "case_id", "status"]
    duty = result.rules.campaign.duties.get("head_on_scene")
    v = ledgers.visits
    supplied = duty is not None and bool(v["head_present"].notna().any())
    if not supplied:
        return pd.DataFrame(columns=cols), False
    camp = result.rules.campaign
    last = pd.Timestamp(min(result.as_of, camp.end))
    v = _unit_filter(v, unit)
    v = v[(v["date"] >= pd.Timestamp(camp.start)) & (v["date"] <= last)]
    there = v["head_present"].astype("boolean").fillna(False).astype(bool)
    v = v[v["level"].isin(duty.levels).to_numpy() & ~there.to_numpy()]
    out = pd.DataFrame(
        {
            "date": v["date"].to_numpy(),
            "visit_id": v["visit_id"].astype(object).to_numpy(),
            "unit": v["unit"].astype(object).to_numpy(),
            "level": v["level"].astype(object).to_numpy(),
            "case_id": v["case_id"].astype(object).to_numpy(),
            "status": np.where(v["head_present"].isna(), NOT_RECORDED, NOT_THERE),
        },
        columns=cols,
    )
    return out.sort_values(["date", "visit_id"], ignore_index=True), True


def backlog_procedure(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """实施方案 四(三) (campaign.yaml duties.backlog_by_the_book), as of as-of: backlog
    cases certified without their three meetings held by then (程序不全: case_id, unit,
    certified_on, missing), and open cases without a leader's post (case_id, unit,
    first_petition_on). Also whether the backlog ledger records these at all."""
    cut = pd.Timestamp(result.as_of)
    b = _unit_filter(ledgers.backlog, unit)
    supplied = "backlog_by_the_book" in result.rules.campaign.duties and bool(
        b[["lead_post", *MEETINGS]].notna().any().any() if len(b) else False
    )
    if not supplied:
        empty = pd.DataFrame(columns=["case_id", "unit", "certified_on", "missing"])
        return empty, pd.DataFrame(columns=["case_id", "unit", "first_petition_on"]), False
    # what was written by as-of: later meetings and certifications are not yet known
    b = b.assign(
        **{m: b[m].where((b[m] <= cut).fillna(False)) for m in MEETINGS},
        certified_on=b["certified_on"].where((b["certified_on"] <= cut).fillna(False)),
    )
    certified = b["certified"].to_numpy(bool) & b["certified_on"].notna().to_numpy()
    short = b[certified & ~meetings_held(b)]
    missing = [
        "、".join(
            MEETING_NAMES[m] + ("(在认定之后)" if pd.notna(r[m]) else "")
            for m in MEETINGS
            if pd.isna(r[m]) or r[m] > r["certified_on"]
        )
        for _, r in short.iterrows()
    ]
    incomplete = pd.DataFrame(
        {
            "case_id": short["case_id"].astype(object).to_numpy(),
            "unit": short["unit"].astype(object).to_numpy(),
            "certified_on": short["certified_on"].to_numpy(),
            "missing": missing,
        }
    )
    open_ = b[
        (b["status"] == "未化解").to_numpy() | ((b["resolved_on"] > cut).fillna(False)).to_numpy()
    ]
    lead = open_[open_["lead_post"].isna()]
    no_lead = pd.DataFrame(
        {
            "case_id": lead["case_id"].astype(object).to_numpy(),
            "unit": lead["unit"].astype(object).to_numpy(),
            "first_petition_on": lead["first_petition_on"].to_numpy(),
        }
    )
    return incomplete, no_lead, True


ON_TIME_W, LATE_W, OPEN_W, NOT_DUE_W = "按时", "超时", "未办结", "未到期"


def warnings_status(
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, bool]:
    """实施方案 四(二) (campaign.yaml duties.warnings): each warning pushed inside the
    campaign up to as-of, judged as known at the end of the as-of day: verified before
    midnight of the day it was pushed (核查不过夜), and, if important, fed back within
    ``feedback_hours`` (重要信息 2 小时反馈; exactly 2 hours is in time). Columns:
    warning_id, unit, level, important, pushed_at, verified_at, fed_back_at, verify,
    feedback ("" when not important), status (按时 / 超时 / 未办结 / 未到期). Also whether the
    register was supplied at all (a missing register says so, never "0 late")."""
    cols = ["warning_id", "unit", "level", "important", "pushed_at", "verified_at",
            "fed_back_at", "verify", "feedback", "status"]  # fmt: skip
    duty = result.rules.campaign.duties.get("warnings")
    if duty is None or "warnings" in ledgers.missing or "warning_id" not in ledgers.warnings:
        return pd.DataFrame(columns=cols), False
    camp = result.rules.campaign
    end = pd.Timestamp(min(result.as_of, camp.end)) + pd.Timedelta(days=1)  # as-of's end
    w = _unit_filter(ledgers.warnings, unit)
    w = w.assign(**{c: pd.to_datetime(w[c]) for c in ("pushed_at", "verified_at", "fed_back_at")})
    w = w[(w["pushed_at"] >= pd.Timestamp(camp.start)) & (w["pushed_at"] < end)]
    known = {c: w[c].where(w[c] < end) for c in ("verified_at", "fed_back_at")}
    verify_by = w["pushed_at"].dt.normalize() + pd.Timedelta(days=1)
    feed_by = w["pushed_at"] + pd.Timedelta(hours=duty.feedback_hours or 0)
    verify = _step(known["verified_at"], verify_by, end, before=True)  # 不过夜: before 0:00
    important = w["important"].astype(bool)
    feedback = _step(known["fed_back_at"], feed_by, end).where(important, "")
    steps = pd.concat([verify, feedback], axis=1)
    status = np.select(
        [
            (steps == OPEN_W).any(axis=1),
            (steps == LATE_W).any(axis=1),
            (steps == NOT_DUE_W).any(axis=1),
        ],
        [OPEN_W, LATE_W, NOT_DUE_W],
        default=ON_TIME_W,
    )
    out = pd.DataFrame(
        {
            "warning_id": w["warning_id"].astype(object),
            "unit": w["unit"].astype(object),
            "level": w["level"].astype(object),
            "important": important,
            "pushed_at": w["pushed_at"],
            "verified_at": known["verified_at"],
            "fed_back_at": known["fed_back_at"],
            "verify": verify,
            "feedback": feedback,
            "status": status,
        },
        columns=cols,
    )
    return out.sort_values(["pushed_at", "warning_id"], ignore_index=True), True


def _step(done: pd.Series, due: pd.Series, end: pd.Timestamp, before: bool = False) -> pd.Series:
    """One step of a warning (核查, 反馈): 按时 (done by its due moment; strictly before it
    with ``before``: midnight is the next day), 超时 (done after it), 未办结 (not done and
    overdue by the end of the as-of day), 未到期 (not done, not yet due)."""
    in_time = (done < due) if before else (done <= due)
    return pd.Series(
        np.select(
            [done.notna() & in_time, done.notna(), due <= end],
            [ON_TIME_W, LATE_W, OPEN_W],
            default=NOT_DUE_W,
        ),
        index=done.index,
        dtype=object,
    )


NO_ENTRY, NOT_A_LEADER = "没有值班记录", "值班的不是局领导"


def reception_days(
    ledgers: Ledgers, result: ScoreResult
) -> tuple[pd.DataFrame, pd.DataFrame | None, int, bool]:
    """实施方案 四(一) (campaign.yaml duties.daily_reception; reading ``reception_days``):
    the days of the campaign up to as-of (every day, or Monday to Friday) without a leader
    of the bureau (``duty.posts``) on the roster: date, status (没有值班记录 / 值班的不是局
    领导), posts written (the roster's other posts, "" if none). Also the visits received at
    the bureau (来局走访 是) on those days (date, visit_id, unit, level, persons; None when
    the visits ledger does not record 来局走访 at all), the number of days checked, and
    whether the roster was supplied at all (a missing roster says so, never "0 days")."""
    cols = ["date", "status", "posts"]
    visit_cols = ["date", "visit_id", "unit", "level", "persons"]
    duty = result.rules.campaign.duties.get("daily_reception")
    roster = ledgers.roster
    if duty is None or "roster" in ledgers.missing or "date" not in roster:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=visit_cols), 0, False
    camp = result.rules.campaign
    days = pd.date_range(camp.start, min(result.as_of, camp.end), freq="D")
    if result.rules.value("reception_days") == "working_days":
        days = days[days.day_of_week < 5]
    posts = roster.groupby("date")["lead_post"].agg(lambda s: "、".join(sorted(set(map(str, s)))))
    led = set(roster.loc[roster["lead_post"].isin(duty.posts), "date"])
    short = [d for d in days if d not in led]
    written = [posts.get(d, "") for d in short]
    out = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(short),
            "status": [NOT_A_LEADER if w else NO_ENTRY for w in written],
            "posts": written,
        },
        columns=cols,
    )
    v = ledgers.visits
    if not v["at_bureau"].notna().any():
        return out, None, len(days), True
    there = v["at_bureau"].astype("boolean").fillna(False).astype(bool).to_numpy()
    v = v[there & v["date"].isin(out["date"]).to_numpy()]
    visits = pd.DataFrame(
        {c: v[c].astype(object) if c != "date" else v[c] for c in visit_cols}, columns=visit_cols
    ).sort_values(["date", "visit_id"], ignore_index=True)
    return out, visits, len(days), True


ON_TIME_D, LATE_D, NOT_SENT_D, NOT_DUE_D = "按时", "迟报", "未报", "未到期"


def documents_status(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame | None:
    """实施方案 五、四 (campaign.yaml deadlines[].documents): per unit and document, as known
    at the end of ``as_of``: unit, document (id), name, due, received (the first receipt,
    NaT if none), status (按时: received by the end of the due day / 迟报 / 未报: none and
    the day has passed / 未到期). None when the ledgers come from files: only the store
    records when a document came (``baiyi ingest``)."""
    docs = rules.campaign.documents
    if ledgers.documents is None or not docs:
        return None
    got = ledgers.documents
    got = got[pd.to_datetime(got["received"]) < pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    first = got.groupby(["unit", "kind"])["received"].min()
    rows = []
    for unit in rules.units.names:
        for doc, deadline in docs:
            when = first.get((unit, doc.id), pd.NaT)
            due_end = pd.Timestamp(deadline.date) + pd.Timedelta(days=1)
            if pd.notna(when):
                status = ON_TIME_D if when < due_end else LATE_D
            else:
                status = NOT_SENT_D if as_of > deadline.date else NOT_DUE_D
            rows.append({"unit": unit, "document": doc.id, "name": doc.name,
                         "due": deadline.date, "received": when, "status": status})  # fmt: skip
    return pd.DataFrame(rows, columns=["unit", "document", "name", "due", "received", "status"])
