"""需要关注 and returns: repeat visits, escalations, unresolved cases, returns, deadlines.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..dates import (
    next_return_day,
)
from ..ledgers import Ledgers
from ..params import Rules
from ..scoring import ScoreResult
from ..scoring.returns import (
    MISSING,
    NOT_DUE,
    folder_returns,
    stored_returns,
)
from ..sources import is_store, weekly_returns
from .common import _unit_filter
from .duties import LATE_W, OPEN_W, warnings_status
from .final import backlog_as_of
from .progress import backlog_burndown
from .visits import visits_seen


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
