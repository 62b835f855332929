"""Progress towards the plan's targets: backlog burn-down, screening, 只访一次, targets.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import pandas as pd

from ..ledgers import Ledgers
from ..scoring import ScoreResult
from .common import _rule_ids, _unit_filter, weeks
from .visits import scored_visits, visits_seen


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
