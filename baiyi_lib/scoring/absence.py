"""Points for an absence: a unit with no visit at the rule's levels in the whole assessment
period earns the rule's points (乡信访稳定工作奖惩办法 二、1: 全年没有发生赴县及以上信访事件的
工作区,奖 1000 元).

Only a finished period can be clean: before its last day nothing is awarded. Every visit
that happened counts against it, charged or not (the office rule is about points, not about
what happened). The row belongs to the period itself (source 考核期), dated its last day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..params import Rules
from . import points as pt

SOURCE = "考核期"
PERIOD_ID = "全期"


def clean_period_points(
    visits: pd.DataFrame, happened: np.ndarray, rules: Rules, as_of: dt.date
) -> list[dict[str, object]]:
    """One row per unit and clean_period rule for the units with no visit (among those
    marked ``happened``: inside the period) at the rule's levels, once the period is over."""
    camp = rules.campaign
    period_end = camp.assessment_period(as_of)[1]
    if as_of < period_end:
        return []
    parts = []
    for rule in rules.by_mechanism("clean_period"):
        at = happened & visits["level"].isin(rule.levels).to_numpy()
        seen = set(visits.loc[at, "unit"].astype(str))
        clean = [u for u in rules.units.names if u not in seen]
        if not clean:
            continue
        levels = "、".join(rule.levels)
        whole = "全期" if camp.cycle == "全期" else f"本{camp.cycle}"
        period = (
            PERIOD_ID
            if camp.cycle == "全期"
            else f"{period_end:%Y年%m月}"
            if camp.cycle == "月"
            else f"本{camp.cycle}"
        )
        parts.append(
            pt.unledgered_rows(
                rules,
                rule=rule.id,
                source=SOURCE,
                units=clean,
                dates=pd.Timestamp(period_end),
                ids=period,
                notes=[f"{whole}没有{levels}的走访"] * len(clean),
            )
        )
    return parts
