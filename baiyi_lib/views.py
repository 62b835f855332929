"""The tables behind each section of the weekly briefing (and for analysts in JupyterLab).

Every function takes the validated ledgers and/or a ScoreResult and returns a tidy
DataFrame (or a small dict of figures); nothing here re-parses ledgers or re-scores.
A "week" is the seven days ending on the weekly-return day (Friday): the leading group
meets on the week's returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .ledgers import Ledgers
from .params import Rules
from .scoring import ScoreResult, parse_as_of
from .scoring.visits import screened_before
from .scoring.window import window


def takes_date(fn: Callable) -> Callable:
    """Let a view's ``as_of`` be any date spelling that ``score`` accepts ("2019-04-26")."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(*args, **kwargs)
        bound.arguments["as_of"] = parse_as_of(bound.arguments["as_of"], dt.date.max)
        return fn(*bound.args, **bound.kwargs)

    return wrapper


# --------------------------------------------------------------------------- calendar


def week_end(dates: pd.Series | pd.DatetimeIndex, weekday: int) -> pd.Series:
    """The return day (ISO weekday, 5 = Friday) on or after each date: its week's label."""
    d = pd.to_datetime(pd.Series(dates))
    shift = (weekday - (d.dt.day_of_week + 1)) % 7
    return d + pd.to_timedelta(shift, unit="D")


@takes_date
def weeks(rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """The campaign's weeks up to as-of: number, first day, return day (week end)."""
    camp = rules.campaign
    first_end = week_end(pd.Series([pd.Timestamp(camp.start)]), camp.weekly_return_weekday)[0]
    last = pd.Timestamp(min(as_of, camp.end))
    ends = pd.date_range(first_end, max(first_end, week_end(pd.Series([last]), 5)[0]), freq="7D")
    ends = ends[ends <= max(last, first_end)] if len(ends) else ends
    starts = [max(e - pd.Timedelta(days=6), pd.Timestamp(camp.start)) for e in ends]
    return pd.DataFrame({"week": np.arange(1, len(ends) + 1), "start": starts, "end": ends})


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
    # the return day on or before the last date seen (the week the data completes)
    back = (last.isoweekday() - camp.weekly_return_weekday) % 7
    day = last - dt.timedelta(days=back)
    return max(day, camp.start)


def _unit_filter(df: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    return df if unit is None else df[df["unit"] == unit]


# --------------------------------------------------------------------------- visits


@takes_date
def counted_visits(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Visits inside the campaign and on or before as-of, with their week end."""
    v = ledgers.visits
    ok, _ = window(v["date"], rules.campaign, as_of)
    out = v.loc[ok].copy()
    out["week_end"] = week_end(out["date"], rules.campaign.weekly_return_weekday).to_numpy()
    return out


@takes_date
def visits_by_week(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Person-visits and visits per week and level, every week × level present (zeros)."""
    v = _unit_filter(counted_visits(ledgers, rules, as_of), unit)
    cal = weeks(rules, as_of)
    grid = pd.MultiIndex.from_product([cal["end"], list(rules.levels)], names=["week_end", "level"])
    g = v.assign(level=v["level"].astype(str)).groupby(["week_end", "level"])
    agg = pd.DataFrame({"person_visits": g["persons"].sum(), "visits": g.size()})
    out = agg.reindex(grid, fill_value=0).reset_index()
    out["level"] = pd.Categorical(out["level"], categories=list(rules.levels), ordered=True)
    return out


@takes_date
def visits_summary(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """Per level: person-visits this week, last week, the change, and to date."""
    by_week = visits_by_week(ledgers, rules, as_of, unit)
    ends = sorted(by_week["week_end"].unique())
    this = ends[-1] if ends else None
    prev = ends[-2] if len(ends) > 1 else None
    rows = []
    for level in rules.levels:
        lv = by_week[by_week["level"] == level].set_index("week_end")["person_visits"]
        now = int(lv.get(this, 0)) if this is not None else 0
        before = int(lv.get(prev, 0)) if prev is not None else 0
        rows.append(
            {
                "level": level,
                "this_week": now,
                "last_week": before,
                "change": now - before,
                "to_date": int(lv.sum()),
            }
        )
    return pd.DataFrame(rows)


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


def deductions_by_unit_week(result: ScoreResult, rules: Rules) -> pd.DataFrame:
    """Unit × week matrix of points lost (positive numbers), all units, all weeks."""
    p = result.points[result.points["points"] < 0]
    cal = weeks(rules, result.as_of)
    ends = week_end(p["date"], rules.campaign.weekly_return_weekday)
    lost = (-p["points"]).groupby([p["unit"].astype(str).to_numpy(), ends.to_numpy()]).sum()
    matrix = lost.unstack(fill_value=0) if len(lost) else pd.DataFrame()
    matrix = matrix.reindex(index=rules.units.names, columns=cal["end"], fill_value=0)
    matrix.index.name, matrix.columns.name = "unit", "week_end"
    return matrix.astype(int)


def flags_raised(result: ScoreResult, unit: str | None = None) -> pd.DataFrame:
    """The flag rows (veto, awards cancelled): unit, date, visit, level, why."""
    flag_ids = [r.id for r in result.rules.by_mechanism("flag")]
    p = result.points[result.points["rule_id"].isin(flag_ids)]
    p = _unit_filter(p, unit)
    return p[
        ["unit", "date", "rule_id", "label", "clause", "source_id", "level", "persons", "note"]
    ]


def first_cases(result: ScoreResult) -> pd.DataFrame:
    """The first case of each level in the whole system (rows of the first.* rules)."""
    ids = [r.id for r in result.rules.by_mechanism("first_case")]
    p = result.points[result.points["rule_id"].isin(ids)]
    return p[["level", "unit", "date", "source_id", "persons", "points", "rule_id", "clause"]]


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


@takes_date
def backlog_burndown(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None
) -> tuple[pd.DataFrame, dict]:
    """Weekly open backlog cases (not yet resolved and certified) and the projection.

    The pace is the mean number of certified resolutions per week over the weeks so far;
    the projection carries it to the backlog target date (集中攻坚阶段结束, 5月20日).
    """
    b = _unit_filter(ledgers.backlog, unit)
    total = len(b)
    cal = weeks(rules, as_of)
    cert_on = b["certified_on"].where(b["certified"] & (b["status"] == "已化解"))
    done = [int((cert_on <= end).sum()) for end in cal["end"]]
    table = cal.assign(certified=done, open=[total - d for d in done])
    target = next(
        (d.date for d in rules.campaign.deadlines if d.id == "backlog_target"), rules.campaign.end
    )
    n_weeks = max(len(cal), 1)
    done_now = done[-1] if done else 0
    pace = done_now / n_weeks
    open_now = total - done_now
    days_left = (target - min(as_of, target)).days
    weeks_left = days_left / 7
    needed = open_now / weeks_left if weeks_left > 0 else float(open_now)
    projected_open = max(open_now - pace * weeks_left, 0.0)
    projection = {
        "total": total,
        "certified": done_now,
        "resolved": int((b["status"] == "已化解").sum()),
        "open": open_now,
        "target_date": target,
        "days_left": days_left,
        "pace_per_week": round(pace, 1),
        "needed_per_week": round(needed, 1),
        "projected_open_at_target": round(projected_open, 1),
        "on_track": open_now == 0 or pace >= needed,
    }
    return table, projection


# --------------------------------------------------------------------------- screening


@takes_date
def screening_check(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None
) -> tuple[pd.DataFrame, dict]:
    """Counted visits whose case was not in the unit's screening ledger beforehand, and the
    share that was (二、矛盾纠纷排查)."""
    v = _unit_filter(counted_visits(ledgers, rules, as_of), unit).reset_index(drop=True)
    ok = screened_before(v, ledgers.screening) if len(v) else np.zeros(0, dtype=bool)
    missing_id = v["case_id"].isna().to_numpy()
    listing = v.loc[~ok, ["date", "unit", "visit_id", "case_id", "level", "persons"]]
    figures = {
        "visits": len(v),
        "screened": int(ok.sum()),
        "share": float(ok.mean()) if len(v) else 1.0,
        "no_case_id": int(missing_id.sum()),
    }
    return listing.reset_index(drop=True), figures


@takes_date
def only_once(ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None) -> dict:
    """ "群众只访一次": among cases that led to a counted visit, the share that came once."""
    v = _unit_filter(counted_visits(ledgers, rules, as_of), unit)
    per_case = v.dropna(subset=["case_id"]).groupby("case_id", observed=True).size()
    return {
        "cases": len(per_case),
        "once": int((per_case == 1).sum()),
        "share": float((per_case == 1).mean()) if len(per_case) else 1.0,
        "visits_without_case_id": int(v["case_id"].isna().sum()),
    }


@takes_date
def targets(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str | None = None
) -> pd.DataFrame:
    """The plan's four targets (任务目标) and where each stands."""
    _, scr = screening_check(ledgers, rules, as_of, unit)
    _, bl = backlog_burndown(ledgers, rules, as_of, unit)
    once = only_once(ledgers, rules, as_of, unit)
    above = counted_visits(ledgers, rules, as_of)
    above = _unit_filter(above, unit)
    above = above[above["level"] != "来县"]
    cleared = bl["certified"] / bl["total"] if bl["total"] else 1.0
    return pd.DataFrame(
        [
            {
                "target": "矛盾纠纷排查全覆盖、无死角",
                "clause": "实施方案 二、1",
                "measure": "走访前已排查出的走访占比",
                "value": scr["share"],
                "detail": f"{scr['screened']} / {scr['visits']} 起走访",
            },
            {
                "target": "现有信访积案全部化解",
                "clause": "实施方案 二、2",
                "measure": "已化解并经认定的积案占比",
                "value": cleared,
                "detail": f"{bl['certified']} / {bl['total']} 件",
            },
            {
                "target": "群众信访只访一次",
                "clause": "实施方案 二、3",
                "measure": "只走访过一次的案件占比",
                "value": once["share"],
                "detail": f"{once['once']} / {once['cases']} 件",
            },
            {
                "target": "重点群众稳控在当地",
                "clause": "实施方案 二、4",
                "measure": "到市以上走访(越级访)人次",
                "value": float(above["persons"].sum()),
                "detail": f"{len(above)} 起",
            },
        ]
    )


# --------------------------------------------------------------------------- returns


def returns_grid(units: pd.Series, days: pd.Series, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Unit × week: 按时 / 迟报 / 未报, from evidence of returns (unit, day it arrived).

    Evidence dated on a return day (Friday) is that week's return, on time; evidence dated
    Saturday to Thursday is the previous Friday's return, late. A week counts as on time if
    any evidence for it is. No evidence at all is 未报.
    """
    days = pd.to_datetime(pd.Series(days)).dt.normalize().reset_index(drop=True)
    next_day = week_end(days, rules.campaign.weekly_return_weekday)
    on_time = (days == next_day).to_numpy()
    record = pd.DataFrame(
        {
            "unit": pd.Series(units).astype(str).to_numpy(),
            "week_end": (next_day - pd.to_timedelta(np.where(on_time, 0, 7), unit="D")).to_numpy(),
            "late": ~on_time,
        }
    )
    agg = record.groupby(["unit", "week_end"])["late"].min()
    cal = weeks(rules, as_of)
    grid = pd.MultiIndex.from_product([rules.units.names, cal["end"]], names=["unit", "week_end"])
    status = agg.reindex(grid)
    label = np.where(
        status.isna(), "未报", np.where(status.fillna(False).astype(bool), "迟报", "按时")
    )
    return pd.DataFrame({"status": label}, index=grid).reset_index()


@takes_date
def returns_status(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Unit × week returns, judged from the screening dates (a folder of ledgers).

    Without the store's submission records, the evidence is the screening rows' dates. A
    unit with no case to report sends nothing and shows as missing.
    """
    rows = ledgers.screening_rows
    return returns_grid(rows["unit"], rows["screened_on"], rules, as_of)


@takes_date
def deadlines(rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """The next weekly return and the campaign's fixed deadlines, with days left."""
    camp = rules.campaign
    back = (camp.weekly_return_weekday - as_of.isoweekday()) % 7
    next_friday = as_of + dt.timedelta(days=back or 7)
    rows = []
    if next_friday <= camp.end:
        rows.append(
            {
                "name": "每周五报送排查登记表和积案化解情况",
                "date": next_friday,
                "clause": "实施方案 五、四",
            }
        )
    rows += [{"name": d.name, "date": d.date, "clause": d.clause} for d in camp.deadlines]
    out = pd.DataFrame(rows)
    out["days_left"] = [(d - as_of).days for d in out["date"]]
    out["status"] = np.where(out["days_left"] < 0, "已过", "未到")
    return out.sort_values("date", ignore_index=True)


# --------------------------------------------------------------------------- final assessment


def final_assessment(ledgers: Ledgers, result: ScoreResult) -> pd.DataFrame:
    """总结考核: final score and rank, flags, and whether the unit may receive 平安稳定星.

    实施方案 五、三: a province or Beijing irregular or collective visit vetoes the unit
    (一票否决), and a unit that does not reach the campaign's targets cannot receive
    平安稳定星. The targets measurable per unit are used: every backlog case resolved and
    certified (二、2) and every counted visit's case screened beforehand (二、1). The
    leading group decides; this table is the evidence.
    """
    rules, as_of = result.rules, result.as_of
    table = result.scores.copy()
    backlog_done, screened_all = [], []
    for unit in table["unit"]:
        _, bl = backlog_burndown(ledgers, rules, as_of, unit)
        _, sc = screening_check(ledgers, rules, as_of, unit)
        backlog_done.append(bl["open"] == 0)
        screened_all.append(sc["screened"] == sc["visits"])
    table["backlog_cleared"] = backlog_done
    table["screening_complete"] = screened_all
    table["star_eligible"] = ~table["veto"] & table["backlog_cleared"] & table["screening_complete"]
    return table


@takes_date
def unit_cases(
    ledgers: Ledgers, rules: Rules, as_of: dt.date, unit: str
) -> dict[str, pd.DataFrame]:
    """One unit's own records: its counted visits, incidents and backlog cases."""
    v = counted_visits(ledgers, rules, as_of)
    inc = ledgers.incidents
    ok, _ = window(inc["date"], rules.campaign, as_of)
    return {
        "visits": v[v["unit"] == unit].reset_index(drop=True),
        "incidents": inc[ok & (inc["unit"] == unit).to_numpy()].reset_index(drop=True),
        "backlog": ledgers.backlog[ledgers.backlog["unit"] == unit].reset_index(drop=True),
    }


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
