"""附件2 三 (积案化解): a bonus for each old backlog case resolved during the campaign.

The bonus depends on the case's age at resolution, from its first petition date to its
resolution date, in whole years (ten years includes exactly ten: 含十年). Only resolutions
inside the campaign that the campaign office certified (须经行动办公室统一认定) earn it, on the
certification date, which must itself fall inside the campaign and on or before as-of.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..params import Campaign, Rules
from . import points as pt

SOURCE = "积案"


def age_in_years(first: pd.Series, resolved: pd.Series) -> np.ndarray:
    """Whole years between two dates: a case first petitioned on 2009-05-10 is ten years
    old on 2019-05-10 and after. (A 29 February start has its anniversary on 1 March.)"""
    f = pd.DatetimeIndex(first)
    r = pd.DatetimeIndex(resolved)
    years = r.year - f.year
    before_anniversary = (r.month < f.month) | ((r.month == f.month) & (r.day < f.day))
    return np.asarray(years - before_anniversary.astype(int), dtype=np.int64)


MEETINGS = ("consulted_on", "reviewed_on", "heard_on")


def meetings_held(backlog: pd.DataFrame) -> np.ndarray:
    """Whether each case held its three meetings (会商、评议、听证: 实施方案 四(三)) on or
    before its certification (or, not yet certified, at all)."""
    held = np.ones(len(backlog), dtype=bool)
    cert_on = backlog["certified_on"].to_numpy(dtype="datetime64[ns]")
    for name in MEETINGS:
        if name not in backlog:
            return np.zeros(len(backlog), dtype=bool)
        on = backlog[name].to_numpy(dtype="datetime64[ns]")
        with np.errstate(invalid="ignore"):
            held &= ~np.isnat(on) & (np.isnat(cert_on) | (on <= cert_on))
    return held


def backlog_points(
    backlog: pd.DataFrame, rules: Rules, as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(points rows, not-scored rows): certified resolutions inside the campaign, by age bracket."""
    empty = pd.DataFrame(columns=pt.EXCLUDED_COLUMNS)
    if backlog.empty:
        return [], empty
    camp: Campaign = rules.campaign
    if not rules.by_mechanism("backlog"):  # the method rewards no resolution
        resolved = (backlog["status"] == "已化解").to_numpy()
        why = np.where(resolved, "本考核办法没有积案化解的加分规定", "")
        return [], pt.excluded(backlog, resolved, SOURCE, "case_id", "resolved_on", why)
    # resolved inside the campaign; certified inside the assessment period holding as-of
    # (under 月考核 a case resolved in March and certified in April earns in April)
    start = np.datetime64(camp.start, "ns")
    period_start = np.datetime64(camp.assessment_period(as_of)[0], "ns")
    end = np.datetime64(camp.end, "ns")
    cut = np.datetime64(min(camp.end, as_of), "ns")
    resolved = (backlog["status"] == "已化解").to_numpy()
    res_on = backlog["resolved_on"].to_numpy(dtype="datetime64[ns]")
    cert = backlog["certified"].to_numpy(dtype=bool)
    cert_on = backlog["certified_on"].to_numpy(dtype="datetime64[ns]")
    with np.errstate(invalid="ignore"):
        res_in = (res_on >= start) & (res_on <= end)
        cert_in = (cert_on >= period_start) & (cert_on <= cut)
        cert_earlier = (cert_on >= start) & (cert_on < period_start)
    earns = resolved & cert & res_in & cert_in
    # 实施方案 四(三), under meetings_for_certification=required: no bonus without the three
    # meetings (会商、评议、听证) held on or before the certification
    short = np.zeros(len(backlog), dtype=bool)
    if rules.value("meetings_for_certification") == "required":
        short = earns & ~meetings_held(backlog)
        earns &= ~short
    said = (
        rules.interpretations["meetings_for_certification"].words()
        if rules.has("meetings_for_certification")
        else ""
    )
    reason = np.select(
        [
            short,
            resolved & ~res_in & (res_on < start),
            resolved & ~res_in,
            resolved & ~cert,
            resolved & cert & (cert_on > cut) & (cert_on <= end),
            resolved & cert & cert_earlier,
            resolved & cert & ~cert_in,
        ],
        [
            f"认定前没有开齐会商、评议、听证会议,按「{said}」不计加分",
            f"化解日期早于{camp.called}开始日,不计加分",
            f"化解日期晚于{camp.called}结束日,不计加分",
            f"已化解但尚未经{camp.office}认定,暂不加分",
            f"认定日期晚于统计截止日 {as_of:%Y-%m-%d}",
            f"认定在此前的考核{camp.cycle},计入当{camp.cycle}",
            f"认定日期不在{camp.called}期内,不计加分",
        ],
        default="",
    )
    brackets = sorted(rules.by_mechanism("backlog"), key=lambda r: r.min_years or 0)
    sub = backlog.loc[earns]
    age = age_in_years(sub["first_petition_on"], sub["resolved_on"])
    lower = np.array([r.min_years or 0 for r in brackets])
    which = np.searchsorted(lower, age, side="right") - 1
    which = np.clip(which, 0, len(brackets) - 1)
    pts = np.array([rules.rule_points(r) for r in brackets], dtype=np.int64)[which]
    rule_ids = list(rules.rules)
    codes = np.array([rule_ids.index(r.id) for r in brackets], dtype=np.int16)[which]
    first = sub["first_petition_on"].dt.strftime("%Y-%m-%d")
    res = sub["resolved_on"].dt.strftime("%Y-%m-%d")
    years = pd.Series(age, index=sub.index).astype(str)
    note = "案龄 " + years + " 年(初次信访 " + first + ",化解 " + res + ")"
    rows = pt.rows(
        sub,
        rules,
        rule=codes,
        source=SOURCE,
        id_column="case_id",
        date_column="certified_on",
        rate=pts,
        multiplier=1,
        points=pts,
        note=pd.Categorical(note),
    )
    skipped = pt.excluded(backlog, reason != "", SOURCE, "case_id", "resolved_on", reason)
    return [rows], skipped
