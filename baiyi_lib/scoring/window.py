"""Which events count: only those inside the campaign period and on or before as-of."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..params import Campaign


def window(dates: pd.Series, campaign: Campaign, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(counts, reason): counts marks dates inside [start, min(end, as_of)].

    reason holds the Chinese reason for each date that does not count ('' where it does).
    """
    start = pd.Timestamp(campaign.start)
    end = pd.Timestamp(campaign.end)
    cut = pd.Timestamp(min(campaign.end, as_of))
    d = dates.to_numpy(dtype="datetime64[ns]")
    before = d < start.to_datetime64()
    after_end = d > end.to_datetime64()
    after_cut = (d > cut.to_datetime64()) & ~after_end
    missing = np.isnat(d)
    reason = np.select(
        [missing, before, after_end, after_cut],
        [
            "日期为空",
            f"早于行动开始日 {campaign.start:%Y-%m-%d}",
            f"晚于行动结束日 {campaign.end:%Y-%m-%d}",
            f"晚于统计截止日 {as_of:%Y-%m-%d}",
        ],
        default="",
    )
    return reason == "", reason
