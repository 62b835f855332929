"""Checks within one row: across its columns (status and dates agree, form and head count),
and its dates against the campaign and the moment the return was received."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..params import Rules
from .problems import Problems
from .raw import REMARK
from .schema import SCHEMAS


def check_campaign_dates(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: Problems,
) -> None:
    """A visit or incident dated outside the campaign is read but not scored: a remark, so
    that a slip of the year (2018 for 2019) is seen before the briefing."""
    if kind not in ("visits", "incidents"):
        return
    camp = rules.campaign
    d = typed["date"]
    outside = ((d < pd.Timestamp(camp.start)) | (d > pd.Timestamp(camp.end))).fillna(False)
    problems.add(
        frame,
        outside.to_numpy(),
        kind,
        headers["date"],
        frame["date"],
        f"日期不在{camp.called}期内({camp.start:%Y-%m-%d} 至 {camp.end:%Y-%m-%d}),该行不计分",
        f"{camp.called}期内的日期;如年份写错请改正",
        severity=REMARK,
        check="row.outside_campaign",
    )


def check_rows(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    problems: Problems,
) -> None:
    """Cross-column rules of the contract (status and dates agree)."""
    h = {c.name: headers[c.name] for c in SCHEMAS[kind]}
    if kind in ("screening", "backlog"):
        done = (typed["status"] == "已化解").fillna(False).to_numpy()
        open_ = (typed["status"] == "未化解").fillna(False).to_numpy()
        has_res = typed["resolved_on"].notna().to_numpy()
        problems.add(
            frame,
            done & ~has_res,
            kind,
            h["resolved_on"],
            "",
            "已化解的案件须填写化解日期",
            "化解日期",
            check="row.resolved_without_date",
        )
        problems.add(
            frame,
            open_ & has_res,
            kind,
            h["resolved_on"],
            frame["resolved_on"],
            "化解状态为未化解,却填写了化解日期",
            "未化解的案件化解日期留空",
            check="row.open_with_date",
        )
    if kind == "backlog":
        cert = typed["certified"].to_numpy(bool)
        has_cert_on = typed["certified_on"].notna().to_numpy()
        problems.add(
            frame,
            cert & ~has_cert_on,
            kind,
            h["certified_on"],
            "",
            "办公室已认定,须填写认定日期",
            "认定日期",
            check="row.certified_without_date",
        )
        problems.add(
            frame,
            ~cert & has_cert_on,
            kind,
            h["certified"],
            frame["certified"],
            "填写了认定日期,但办公室认定不是“是”",
            "认定的案件填“是”",
            check="row.date_without_certified",
        )
        problems.add(
            frame,
            cert & open_,
            kind,
            h["certified"],
            "是",
            "未化解的案件不能认定为已化解",
            "先化解、后认定",
            check="row.certified_open",
        )
        early = (typed["resolved_on"] < typed["first_petition_on"]).fillna(False).to_numpy()
        problems.add(
            frame,
            early,
            kind,
            h["resolved_on"],
            frame["resolved_on"],
            "化解日期早于初次信访日期",
            "不早于初次信访日期的日期",
            check="row.resolved_before_first",
        )
        early_cert = (typed["certified_on"] < typed["resolved_on"]).fillna(False).to_numpy()
        problems.add(
            frame,
            early_cert,
            kind,
            h["certified_on"],
            frame["certified_on"],
            "认定日期早于化解日期",
            "不早于化解日期的日期",
            check="row.certified_before_resolved",
        )
    if kind == "warnings":  # 实施方案 四(二): a warning is verified and fed back after it came
        for name, said in (("verified_at", "核查时间"), ("fed_back_at", "反馈时间")):
            early = (typed[name] < typed["pushed_at"]).fillna(False).to_numpy()
            problems.add(
                frame,
                early,
                kind,
                h[name],
                frame[name],
                f"{said}早于推送时间",
                "不早于推送时间的日期和时间",
                check="row.warning_before_pushed",
            )


def check_form_persons(
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: Problems,
) -> None:
    """A visit whose 形式 the method defines by head count (rules.yaml form_persons) agrees
    with its 人次: 集体 with 3 persons under "集体访指 5 人以上" is refused, naming the cell."""
    persons = pd.to_numeric(typed["persons"], errors="coerce")
    for form, (lo, hi) in rules.form_persons.items():
        mine = (typed["form"].astype(object) == form).to_numpy() & persons.notna().to_numpy()
        outside = (persons < lo) | ((persons > hi) if hi is not None else False)
        bad = mine & outside.fillna(False).to_numpy()
        span = f"{lo} 人以上" if hi is None else f"{lo}—{hi} 人"
        problems.add(
            frame,
            bad,
            "visits",
            headers["form"],
            frame["form"].astype(str) + "(" + frame["persons"].astype(str) + " 人)",
            f"考核办法所称{form}为 {span},与本行人次不符",
            f"{form}为 {span};人次不符时改填形式或人次",
            check="row.form_persons",
        )


def check_after_receipt(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    received: dt.datetime | None,
    problems: Problems,
) -> None:
    """No date of a return lies after the moment it was received: such a date is a slip
    (2019-05-03 typed for 2019-03-05), an error in its row."""
    if received is None:
        return
    last = pd.Timestamp(received.date())
    for col in SCHEMAS[kind]:
        if col.type not in ("date", "opt_date", "moment", "opt_moment"):
            continue
        # compared by day, as dates are (a time later on the day of receipt is not refused)
        cut = last + pd.Timedelta(days=1) if col.type.endswith("moment") else last
        at = pd.to_datetime(typed[col.name])
        late = ((at >= cut) if col.type.endswith("moment") else (at > cut)).fillna(False).to_numpy()
        problems.add(
            frame, late, kind, headers[col.name], frame[col.name],
            f"日期晚于收到这份台账的时间({received:%Y-%m-%d %H:%M}),多为日期写错",
            f"不晚于 {received:%Y-%m-%d} 的日期;如月、日颠倒请改正",
            check="row.after_receipt",
        )  # fmt: skip
