"""Which events count: only those inside the campaign period and on or before as-of."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..dates import in_campaign, parse_day
from ..params import Campaign, Rules


def as_of_day(value: object, rules: Rules, what: str = "截止日期") -> dt.date:
    """The as-of of a score or a briefing: a date in the one date grammar (the campaign's
    year may be left out: 4-26 is 2019-04-26), inside the campaign period. None is the
    campaign's last day, as is NaT (a blank cell of a parameters table). Anything else is a
    ParamsError naming what is wrong."""
    camp = rules.campaign
    if value is None or value is pd.NaT:
        return camp.end
    if isinstance(value, dt.datetime | pd.Timestamp):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        year = camp.start.year if camp.start.year == camp.end.year else None
        lim = rules.limits
        day = parse_day(value, what, lim.event_earliest, lim.event_latest, default_year=year)
    return in_campaign(day, what, camp.start, camp.end, camp.called)


def window(dates: pd.Series, campaign: Campaign, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(counts, reason): counts marks dates inside [start, min(end, as_of)], where start
    is the start of the assessment period holding as-of (the campaign's, or its month's
    under 月考核).

    reason holds the Chinese reason for each date that does not count ('' where it does).
    """
    start = pd.Timestamp(campaign.start)
    end = pd.Timestamp(campaign.end)
    cut = pd.Timestamp(min(campaign.end, as_of))
    period_start = pd.Timestamp(campaign.assessment_period(as_of)[0])
    d = dates.to_numpy(dtype="datetime64[ns]")
    before = d < start.to_datetime64()
    earlier = (d < period_start.to_datetime64()) & ~before
    after_end = d > end.to_datetime64()
    after_cut = (d > cut.to_datetime64()) & ~after_end
    missing = np.isnat(d)
    reason = np.select(
        [missing, before, earlier, after_end, after_cut],
        [
            "日期为空",
            f"早于{campaign.called}开始日 {campaign.start:%Y-%m-%d}",
            f"属于此前的考核{campaign.cycle}(按{campaign.cycle}考核,本{campaign.cycle}"
            f"自 {period_start:%Y-%m-%d} 起算)",
            f"晚于{campaign.called}结束日 {campaign.end:%Y-%m-%d}",
            f"晚于统计截止日 {as_of:%Y-%m-%d}",
        ],
        default="",
    )
    return reason == "", reason
