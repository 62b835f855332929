"""Regular returns (定期报送): which unit sent its return for which week, and the points a
method lays on a missed or late one (每漏报一次扣 2 分).

A week's return is due on its return day (campaign.yaml ``weekly_return``). The evidence
is the store's submission records (a screening or backlog return, not withdrawn, as known
at the store's ``known_at``) or, for a folder of ledgers, the dates of the screening rows
(each weekly rolling ledger carries its date). What arrived after the as-of day is never
used: a page or a score as of Friday is the same whenever it is computed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..dates import campaign_weeks, return_day_on_or_after
from ..ledgers import Ledgers
from ..ledgers.schema import KIND_LABELS
from ..params import Rules
from . import points as pt

ON_TIME, LATE, MISSING, NOT_DUE = "按时", "迟报", "未报", "未到期"
# a folder's zero return (零报告) carries no date: whether it came each week cannot be told
UNKNOWN = "无法判断"
# the status each missed_return rule condition charges
CHARGED_STATUS = {"missed": MISSING, "late": LATE}
SOURCE = "报送"


def returns_grid(units: pd.Series, days: pd.Series, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Unit × week: 按时 / 迟报 / 未报 / 未到期, from evidence of returns (unit, day it arrived).

    Each piece of evidence serves one week: arriving within ``late_days`` after a return
    day whose week has no return, it is that week's late return (迟报); otherwise it is the
    return of the week it falls in, on time (a Thursday return is early, not late). A due
    week without one is 未报; the week holding as-of, before its return day, is 未到期
    until a return arrives.
    """
    camp = rules.campaign
    days = pd.to_datetime(pd.Series(days)).dt.normalize().reset_index(drop=True)
    evidence = pd.DataFrame(
        {
            "unit": pd.Series(units).astype(str).to_numpy(),
            "day": days.to_numpy(),
            "week_end": return_day_on_or_after(days, camp.weekly_return_weekday).to_numpy(),
        }
    ).drop_duplicates()
    cal = campaign_weeks(camp.start, camp.end, camp.weekly_return_weekday, as_of)
    ends = list(cal["end"])
    after = ends[-1] + pd.Timedelta(days=7) if ends else None  # late returns for the last week
    grace = pd.Timedelta(days=camp.late_days)
    arrived: dict[tuple[str, pd.Timestamp], list[pd.Timestamp]] = {}  # (unit, week): days
    for unit, day, end in evidence.sort_values("day").itertuples(index=False):
        arrived.setdefault((unit, end), []).append(day)
    rows = []
    for unit in rules.units.names:
        pending = None  # a due week still without a return
        for end in [*ends, after]:
            week = arrived.get((unit, end), [])
            if pending is not None and week and week[0] <= pending + grace:
                rows[-1]["status"] = LATE
                week = week[1:]
            if end is after:
                break
            pending = None
            if week:
                status = ON_TIME
            elif end > pd.Timestamp(as_of):
                status = NOT_DUE
            else:
                status, pending = MISSING, end
            rows.append({"unit": unit, "week_end": end, "status": status})
    return pd.DataFrame(rows, columns=["unit", "week_end", "status"])


def stored_returns(received: pd.DataFrame, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Unit × week from the store's submission records (unit, received, withdrawn; as
    known at the store's ``known_at``): only what arrived by the end of the as-of day, and
    was not withdrawn by then."""
    day_end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    gone = received["withdrawn"].notna() & (received["withdrawn"] < day_end)
    subs = received[(received["received"] < day_end) & ~gone]
    return returns_grid(subs["unit"], subs["received"], rules, as_of)


def zero_return_units(ledgers: Ledgers) -> set[str]:
    """Units that sent their screening ledger as a zero return (零报告) in the files read."""
    acc = ledgers.accounting
    if "zero" not in acc:
        return set()
    mine = acc[(acc["kind"] == KIND_LABELS["screening"]) & acc["zero"].fillna(False).astype(bool)]
    return set(mine["unit"].dropna().astype(str))


def folder_returns(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Unit × week judged from the screening dates (a folder of ledgers): the screening
    rows dated up to as-of. What a folder cannot tell is 无法判断, never 未报: every week
    of a unit that sent a zero return (零报告 carries no date: it may be any week's), and
    every week when the folder holds no screening ledger at all."""
    rows = ledgers.screening_rows
    rows = rows[rows["screened_on"] <= pd.Timestamp(as_of)]
    grid = returns_grid(rows["unit"], rows["screened_on"], rules, as_of)
    blind = grid["unit"].isin(zero_return_units(ledgers))
    if "screening" in ledgers.missing:
        blind[:] = True
    grid.loc[blind & (grid["status"] == MISSING), "status"] = UNKNOWN
    return grid


def returns_of(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> tuple[pd.DataFrame, str]:
    """Unit × week returns and, in Chinese, what they are judged from: the store's
    submission records when the ledgers come from the store, else the screening dates."""
    if ledgers.received is not None:
        return stored_returns(ledgers.received, rules, as_of), "依据台账库中的报送记录"
    return folder_returns(ledgers, rules, as_of), "依据排查台账日期"


def missed_return_points(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> list[dict]:
    """A row per unit and due week whose return is missing (未报) or late (迟报), for each
    missed_return rule charging that status (每漏报一次扣 2 分). A week that cannot be
    judged (零报告 in a folder) or is not yet due is never charged. The row belongs to the
    week (source 报送), dated its return day."""
    found = rules.by_mechanism("missed_return")
    if not found:
        return []
    grid, basis = returns_of(ledgers, rules, as_of)
    first = pd.Timestamp(rules.campaign.assessment_period(as_of)[0])
    grid = grid[grid["week_end"] >= first]  # a monthly assessment charges its own weeks
    cal = campaign_weeks(
        rules.campaign.start, rules.campaign.end, rules.campaign.weekly_return_weekday, as_of
    )
    number = dict(zip(cal["end"], cal["week"], strict=True))
    parts = []
    for rule in found:
        status = CHARGED_STATUS[str(rule.condition)]
        hit = grid[grid["status"] == status]
        if hit.empty:
            continue
        day = rules.campaign.weekday_name
        said = [f"截至{e.month}月{e.day}日({day})的一周{status}({basis})" for e in hit["week_end"]]
        parts.append(
            pt.unledgered_rows(
                rules,
                rule=rule.id,
                source=SOURCE,
                units=list(hit["unit"]),
                dates=hit["week_end"].to_numpy(),
                ids=[f"第{number[e]}周" for e in hit["week_end"]],
                notes=said,
            )
        )
    return parts
