"""Calendar and filters shared by the views: return weeks, the as-of week, units.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..dates import (
    campaign_weeks,
    return_day_on_or_after,
    return_day_on_or_before,
)
from ..ledgers import Ledgers
from ..params import Rules
from ..scoring import ScoreResult


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
