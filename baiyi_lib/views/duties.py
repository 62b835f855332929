"""The plan's duties tracked by case (实施方案 四, 五、四), never scored.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..ledgers import Ledgers
from ..params import Rules
from ..scoring import ScoreResult
from ..scoring.backlog import MEETINGS, meetings_held
from .common import _unit_filter

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
    ledgers: Ledgers, result: ScoreResult, unit: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None, int, bool]:
    """实施方案 四(一) (campaign.yaml duties.daily_reception; reading ``reception_days``):
    the days of the campaign up to as-of (every day, or Monday to Friday) without a leader
    of the bureau (``duty.posts``) on the roster: date, status (没有值班记录 / 值班的不是局
    领导), posts written (the roster's other posts, "" if none). Also the visits received at
    the bureau (来局走访 是) on those days (of ``unit`` only, if given) (date, visit_id,
    unit, level, persons, and received_by, the post written as 接待领导 (None where a
    visit has none), only when the visits ledger records 接待领导 for some visit; None
    when the visits ledger does not record 来局走访 at all), the number of days checked, and
    whether the roster was supplied at all (a missing roster says so, never "0 days")."""
    cols = ["date", "status", "posts"]
    visit_cols = ["date", "visit_id", "unit", "level", "persons"]
    if "received_by" in ledgers.visits and ledgers.visits["received_by"].notna().any():
        visit_cols.append("received_by")
    duty = result.rules.campaign.duties.get("daily_reception")
    roster = ledgers.roster
    if duty is None or "roster" in ledgers.missing or "date" not in roster:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=visit_cols), 0, False
    camp = result.rules.campaign
    days = pd.date_range(camp.start, min(result.as_of, camp.end), freq="D")
    if result.rules.value("reception_days") == "working_days":
        days = pd.DatetimeIndex([d for d in days if camp.working_day(d.date())])
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
    v = _unit_filter(ledgers.visits, unit)
    if not ledgers.visits["at_bureau"].notna().any():
        return out, None, len(days), True
    there = v["at_bureau"].astype("boolean").fillna(False).astype(bool).to_numpy()
    v = v[there & v["date"].isin(out["date"]).to_numpy()]
    visits = pd.DataFrame(
        {c: v[c].astype(object) if c != "date" else v[c] for c in visit_cols}, columns=visit_cols
    ).sort_values(["date", "visit_id"], ignore_index=True)
    if "received_by" in visits:  # a visit without 接待领导: None
        visits["received_by"] = visits["received_by"].where(visits["received_by"].notna(), None)
    return out, visits, len(days), True


ON_TIME_D, LATE_D, NOT_SENT_D, NOT_DUE_D = "按时", "迟报", "未报", "未到期"


def documents_status(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame | None:
    """实施方案 五、四 (campaign.yaml deadlines[].documents): per unit and document, as known
    at the end of ``as_of`` (from the campaign's last day on: every receipt known, so a
    document sent after the end is 迟报, not 未报): unit, document (id), name, due,
    received (the first receipt,
    NaT if none), status (按时: received by the end of the due day / 迟报 / 未报: none and
    the day has passed / 未到期). None when the ledgers come from files: only the store
    records when a document came (``baiyi ingest``)."""
    docs = rules.campaign.documents
    if ledgers.documents is None or not docs:
        return None
    got = ledgers.documents
    if as_of < rules.campaign.end:  # the final assessment counts every receipt known
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
