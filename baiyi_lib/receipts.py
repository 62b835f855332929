"""Receipts (回执): after a Friday's ingest, one printable page back to each unit.

What its files did (each row new, changed or deleted, and how many unchanged), what was
refused and what to write instead, its score to date with this week's points and their
clauses, and its open backlog cases against the 5月20日 target. Cases and counts only: a
receipt names case ids, never a person. A refused file gets a receipt too, with every
problem; the unit is taken from the file (填报单位, or its name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import views
from .dates import return_day_on_or_after, week_label
from .ledgers import Ledgers
from .ledgers.checks import ERROR
from .ledgers.schema import KIND_LABELS
from .params import Campaign, Rules
from .present import PROBLEM_HEADERS, labels
from .report.files import atomic_write
from .report.markup import render, stylesheet, table
from .scoring import ScoreResult, score
from .scoring.returns import LATE, returns_of
from .sources import load_ledgers
from .store import IngestReport, Withdrawal, describe_withdrawal, row_changes

NEW_ROWS_LISTED = 12  # more new rows than this in one ledger are folded into one line
STATUS = {
    "stored": "已载入",
    "unchanged": "与以前的报送完全相同,未作改动",
    "refused": "拒收",
    "withdrawn": "已撤回",
    "document": "材料已登记",
}


def receipt_week(received: dt.datetime, rules: Rules) -> dt.date:
    """The return day a batch received at this moment belongs to (the Friday on or after),
    within the campaign."""
    camp = rules.campaign
    day = return_day_on_or_after(
        pd.Series([pd.Timestamp(received.date())]), camp.weekly_return_weekday
    )
    return min(max(day.iloc[0].date(), camp.start), camp.end)


def write_receipts(
    store: str | Path,
    reports: list[IngestReport],
    received: dt.datetime,
    out_dir: str | Path,
    rules: Rules,
) -> list[Path]:
    """One receipt per unit that sent a file in this batch; returns the pages written.

    Files that name no unit (the office's own registers) get no receipt; a refused file
    whose unit can't be told goes to one receipt for the campaign office (行动办公室), so
    that nothing refused goes unanswered. Files held back with a refused batch get none
    (the batch is to be sent again)."""
    by_unit: dict[str, list[IngestReport]] = {}
    office: list[IngestReport] = []
    for r in reports:
        if r.status not in STATUS:
            continue
        if r.unit:
            by_unit.setdefault(r.unit, []).append(r)
        elif r.status == "refused":
            office.append(r)
    if not by_unit and not office:
        return []
    as_of = receipt_week(received, rules)
    week = views.weeks(rules, as_of).iloc[-1]["week"]
    standing = _standing(store, rules, _score_day(as_of, received, rules), received)
    out = Path(out_dir)
    written = []
    for unit, mine in sorted(by_unit.items()):
        page = _receipt(unit, mine, standing, received, as_of, rules.campaign)
        u = rules.units.by_name(unit)
        path = out / f"{u.id}_{unit}_回执_第{week}周_{week_label(as_of)}.html"
        atomic_write(path, page.encode("utf-8"))
        written.append(path)
    if office:
        name = rules.campaign.office
        page = _receipt(name, office, None, received, as_of, rules.campaign, office=True)
        path = out / f"{name}_回执_第{week}周_{week_label(as_of)}.html"
        atomic_write(path, page.encode("utf-8"))
        written.append(path)
    return written


@dataclass
class _Standing:
    """The store after the batch: ledgers, scores at the receipt's week, the row changes."""

    ledgers: Ledgers
    result: ScoreResult
    changes: pd.DataFrame


def _late_week(unit: str, standing: _Standing, received: dt.datetime) -> dt.date | None:
    """The return day whose late return (迟报) this receipt's return is, as the returns
    grid judges it on the day received; None when it serves its own week."""
    result = standing.result
    if not result.rules.campaign.has_returns:
        return None
    grid, _ = returns_of(standing.ledgers, result.rules, result.as_of)
    mine = grid[(grid["unit"] == unit) & (grid["status"] == LATE)]
    recent = mine[mine["week_end"] < pd.Timestamp(received.date())]
    if recent.empty:
        return None
    last = recent["week_end"].max()
    grace = pd.Timedelta(days=result.rules.campaign.late_days)
    return last.date() if pd.Timestamp(received.date()) <= last + grace else None


def _score_day(week_day: dt.date, moment: dt.datetime, rules: Rules) -> dt.date:
    """The day a receipt's standing is scored as of: the day it was written, not the
    Friday of its week still to come (a return due that Friday is not yet missed; under
    月考核 a return received on 4-30 is April's, not May's), within the campaign."""
    camp = rules.campaign
    return min(max(min(week_day, moment.date()), camp.start), camp.end)


def _standing(
    store: str | Path, rules: Rules, as_of: dt.date, received: dt.datetime
) -> _Standing | None:
    """The store's ledgers and scores, or None when there is no store yet (a first batch
    refused whole)."""
    if not Path(store).exists():
        return None
    ledgers = load_ledgers(store, rules)
    result = score(ledgers, rules, as_of=as_of)
    changes = row_changes(store, received - dt.timedelta(microseconds=1), received)
    return _Standing(ledgers, result, changes)


def write_withdrawal_receipts(
    store: str | Path, w: Withdrawal, out_dir: str | Path, rules: Rules
) -> list[Path]:
    """A receipt for each unit of a withdrawn submission: what was withdrawn, which rows
    went back to their earlier version, and the unit's standing after it."""
    as_of = receipt_week(w.received, rules)  # the week of the return withdrawn
    week = views.weeks(rules, as_of).iloc[-1]["week"]
    standing = _standing(store, rules, _score_day(as_of, w.at, rules), w.at)
    written = []
    for unit in w.units:
        report = IngestReport(
            w.file, "withdrawn", w.withdrawal_id, pd.DataFrame(),
            message=f"第 {w.submission_id} 次报送已撤回:{describe_withdrawal(w)}。"
            "撤回前的台账仍可按当时已知的数据重现。", unit=unit,
        )  # fmt: skip
        page = _receipt(unit, [report], standing, w.at, as_of, rules.campaign)
        u = rules.units.by_name(unit)
        path = Path(out_dir) / f"{u.id}_{unit}_撤回回执_第{week}周_{week_label(as_of)}.html"
        atomic_write(path, page.encode("utf-8"))
        written.append(path)
    return written


def _row_ranges(rows: list[int]) -> str:
    """Sheet row numbers as short ranges: [4, 5, 6, 9] -> "4–6、9"."""
    rows = sorted(set(rows))
    spans: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        spans.append(str(start) if start == prev else f"{start}–{prev}")
        if r is not None:
            start = prev = r
    return "、".join(spans)


def _fold_new_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The row-by-row changes as the receipt lists them.

    Corrections and deletions are always listed one by one: they are what the unit must
    check. New rows are too, unless a ledger brings more than ``NEW_ROWS_LISTED`` of them
    (a unit's first return, or a catch-up); then they fold into one line with their count
    and sheet rows, so that the receipt stays one printed page."""
    rows = rows.assign(  # sheet row as shown: a deleted row has none in this return
        src_row=rows["src_row"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    )
    out = []
    for kind, group in rows.groupby("kind", sort=False):
        new = group[group["change"] == "新增"]
        if len(new) > NEW_ROWS_LISTED:
            src = [int(r) for r in new["src_row"] if r]
            folded = {
                "kind": kind,
                "key": f"{len(new)} 行(逐行未列出)",
                "src_row": _row_ranges(src) if src else "",
                "change": "新增",
            }
            group = pd.concat(
                [pd.DataFrame([folded]), group[group["change"] != "新增"]], ignore_index=True
            )
        out.append(group)
    return pd.concat(out, ignore_index=True)


def _receipt(
    unit: str,
    reports: list[IngestReport],
    standing: _Standing | None,
    received: dt.datetime,
    as_of: dt.date,
    camp: Campaign,
    office: bool = False,
) -> str:
    """One unit's receipt page (Chinese, one self-contained HTML file, prints on A4); the
    campaign office's (``office``: named by campaign.yaml) lists refused files whose unit
    can't be told."""
    late_for = None if office or standing is None else _late_week(unit, standing, received)
    counted = (
        f"计入截至 {week_label(late_for)}({camp.weekday_name})的一周(迟报)"
        if late_for is not None
        else f"计入截至 {week_label(as_of)}({camp.weekday_name})的一周"
    )
    changes = standing.changes if standing is not None else pd.DataFrame()
    mine = standing is not None and not office
    return render(
        "receipt.html.j2",
        unit=unit,
        css=stylesheet(),
        received=f"{received:%Y-%m-%d %H:%M}",
        counted=counted,
        scored_as_of=f"{standing.result.as_of:%Y-%m-%d}" if mine else None,
        office=office,
        office_name=camp.office,
        reports=_within_one_page([_sent(r, unit, changes) for r in reports]),
        s=_standing_shown(unit, standing) if mine else None,
    )


def _sent(r: IngestReport, unit: str, changes: pd.DataFrame) -> dict[str, Any]:
    """What the receipt says of one file: its status and, as fits it, the rows restored
    (withdrawn), the counts and the row-by-row changes (stored), the problems (refused)."""
    # a document is named by its unit and kind, never its file name (it may name a person)
    out: dict[str, Any] = {
        "file": r.label or r.file,
        "status": STATUS[r.status],
        "message": r.message,
    }
    if r.status == "withdrawn":
        rows = changes[changes["submission_id"] == r.submission_id] if len(changes) else changes
        rows = rows[rows["unit"] == unit] if len(rows) else rows
        restored = table(
            rows.assign(kind=rows["kind"].map(KIND_LABELS)),
            labels("kind", "key", "change", overrides={"change": "变化"}),
        ) if len(rows) else None  # fmt: skip
        return out | {"shown": "withdrawn", "restored": restored}
    if r.status == "stored" and len(r.counts):
        c = r.counts.assign(
            kind=r.counts["kind"].map(KIND_LABELS),
            note=r.counts["rows"].map(lambda n: "零报告" if n == 0 else ""),
        )
        counts = table(c, labels("kind", "rows", "new", "changed", "unchanged", "deleted", "note"))
        rows = changes[(changes["submission_id"] == r.submission_id)]
        rows = rows[(rows["unit"] == unit) | rows["unit"].isna()]
        listed = None
        if len(rows):
            rows = _fold_new_rows(rows.assign(kind=rows["kind"].map(KIND_LABELS)))
            cols = labels("kind", "key", "src_row", "change", overrides={"change": "变化"})
            listed = table(rows, cols)
        return out | {"shown": "stored", "counts": counts, "changes": listed,
                      "remark_rows": r.problems}  # fmt: skip
    if r.status == "refused" and r.problems is not None:
        errors = r.problems[r.problems["severity"] == ERROR]
        shown = errors.assign(row=errors["row"].astype("Int64").astype(object))
        cols = {k: PROBLEM_HEADERS[k] for k in ("sheet", "row", "column", "value", "problem",
                                                "expected")}  # fmt: skip
        return out | {"shown": "refused", "errors": len(errors), "problems": table(shown, cols)}
    return out | {"shown": "message"}


RECEIPT_REMARKS = 5  # remarks listed on a receipt (one A4 page), all files together


def _within_one_page(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored files' remarks (提示) as their receipt shows them: the first few of all
    its files together as tables, each file's count in all (a unit that sent several
    files with remarks still gets one page)."""
    left = RECEIPT_REMARKS
    for f in sent:
        problems = f.pop("remark_rows", None)
        f.update(remarks=None, n_remarks=0, n_shown=0)
        if problems is None or not len(problems):
            continue
        first = problems.head(max(left, 0))
        left -= len(first)
        f.update(n_remarks=len(problems), n_shown=len(first))
        if len(first):
            first = first.assign(row=first["row"].astype("Int64").astype(object))
            cols = {k: PROBLEM_HEADERS[k] for k in ("sheet", "row", "column", "value", "problem")}
            f["remarks"] = table(first, cols)
    return sent


def _case_state(case_id: object, listed: set[str]) -> str:
    """Whether a doubled visit's case is in the unit's screening ledger now."""
    if not isinstance(case_id, str):
        return "未填案件编号"
    where = "现已列入排查台账" if case_id in listed else "至今未列入排查台账"
    return f"案件 {case_id},{where}"


def _todo(unit: str, standing: _Standing) -> list[str]:
    """需要本单位做的事: the unit's own to-do after this return, by case id: screened
    cases still open past the attention threshold, visits doubled because their case was
    not in the screening ledger beforehand, cases visited more than once, and backlog
    cases resolved but still waiting for the campaign office's certification."""
    ledgers, result = standing.ledgers, standing.result
    watch = result.rules.campaign.attention
    watch_office = result.rules.campaign.office
    items: list[str] = []
    stale = (
        views.unresolved_screening(ledgers, result, unit)
        if watch.unresolved_weeks is not None
        else pd.DataFrame()
    )
    if len(stale):
        cases = "、".join(f"{r.case_id}(已 {r.weeks} 周)" for r in stale.itertuples(index=False))
        items.append(
            f"排查出 {watch.unresolved_weeks} 周以上仍未化解的案件 {len(stale)} 件,请抓紧化解,"
            f"化解后在排查登记表中改为已化解并填化解日期:{cases}。"
        )
    doubled, _ = views.screening_check(ledgers, result, unit)
    if len(doubled):
        listed = set(ledgers.screening_rows.loc[
            ledgers.screening_rows["unit"] == unit, "case_id"].astype(str))  # fmt: skip
        visits = "、".join(
            f"{week_label(r.date)} {r.level} {r.visit_id}({_case_state(r.case_id, listed)})"
            for r in doubled.itertuples(index=False)
        )
        items.append(
            f"走访前未列入本单位排查台账、因而加倍扣分的走访 {len(doubled)} 起;"
            f"请把每起走访的案件列入排查台账,以后同类矛盾在走访之前排查出来:{visits}。"
        )
    repeats = views.repeat_visits(ledgers, result, unit)
    if len(repeats):
        cases = "、".join(
            f"{r.case_id}({r.visits} 次,最近 {week_label(r.last)})"
            for r in repeats.itertuples(index=False)
        )
        items.append(f"同一案件多次走访（群众只访一次未做到）{len(repeats)} 件:{cases}。")
    backlog = views.backlog_as_of(ledgers, result, unit)
    waiting = backlog[(backlog["status"] == "已化解") & (backlog["points"] == 0)]
    waiting = waiting[(waiting["resolved_on"] >= pd.Timestamp(result.rules.campaign.start))]
    if len(waiting):
        cases = "、".join(waiting["case_id"].astype(str))
        items.append(
            f"已化解但尚未经{watch_office}认定的积案 {len(waiting)} 件,认定后才加分,"
            f"请报{watch_office}认定:{cases}。"
        )
    return items + _duty_todo(ledgers, result, unit)


def _duty_todo(ledgers: Ledgers, result: ScoreResult, unit: str) -> list[str]:
    """The plan's duties the unit has not met (实施方案 四(三)), by case: visits to the
    province or Beijing without its head on the scene, late or open warnings, documents
    still owed (五、四), backlog cases certified without their three meetings, open ones
    without a leader's post."""
    out = []
    duties = result.rules.campaign.duties
    if "head_on_scene" in duties:
        listing, _ = views.head_on_scene(ledgers, result, unit)
        if len(listing):
            said = "、".join(
                f"{week_label(r.date)} {r.level} {r.visit_id}({r.status})"
                for r in listing.itertuples(index=False)
            )
            duty = duties["head_on_scene"]
            out.append(
                f"{duty.label}({duty.clause}),主要负责人未到场或未填写的走访 {len(listing)} 起,"
                f"请核实并在走访登记中补填:{said}。"
            )
    if "warnings" in duties:
        listing, _ = views.warnings_status(ledgers, result, unit)
        bad = listing[listing["status"].isin([views.LATE_W, views.OPEN_W])]
        if len(bad):
            said = "、".join(f"{r.warning_id}({r.status})" for r in bad.itertuples(index=False))
            out.append(
                f"{duties['warnings'].label}({duties['warnings'].clause}):超时或未办结的预警信息 "
                f"{len(bad)} 条,请尽快核查反馈并在预警信息台账中填写时间:{said}。"
            )
    docs = views.documents_status(ledgers, result.rules, result.as_of)
    if docs is not None:  # 实施方案 五、四: one-off documents the unit owes or sent late
        mine = docs[(docs["unit"] == unit) & (docs["status"] == views.NOT_SENT_D)]
        if len(mine):
            said = "、".join(f"{r.name}(应于 {week_label(r.due)} 前)" for r in mine.itertuples())
            clauses = result.rules.campaign.documents_clauses
            out.append(f"尚未收到本单位的材料({clauses}):{said};请尽快报送。")
    if "backlog_by_the_book" in duties:
        short, no_lead, _ = views.backlog_procedure(ledgers, result, unit)
        if len(short):
            said = "、".join(f"{r.case_id}(缺{r.missing})" for r in short.itertuples(index=False))
            out.append(
                f"认定时没有开齐会商、评议、听证会议的积案 {len(short)} 件(程序不全):{said}。"
            )
        if len(no_lead):
            out.append(
                f"未化解、还没有包案领导的积案 {len(no_lead)} 件,请确定包案领导并在积案表中填写"
                f"职务:{'、'.join(no_lead['case_id'].astype(str))}。"
            )
    return out


def _standing_shown(unit: str, standing: _Standing) -> dict[str, Any]:
    """The unit's score to date, this week's points with their clauses, its to-do, its
    open backlog."""
    ledgers, result = standing.ledgers, standing.result
    s = result.scores.set_index("unit").loc[unit]
    week = views.this_week(result)
    detail = views.points_detail(result, week["start"].date(), unit)
    detail = detail[detail["points"] != 0]
    points = None
    if len(detail):
        detail = detail.assign(
            date=detail["date"].map(week_label), points=detail["points"].map(lambda x: f"{x:+d}")
        )
        points = table(detail, labels("date", "source_id", "label", "clause", "points"))
    backlog = views.backlog_as_of(ledgers, result, unit)
    before = (backlog["resolved_on"] < pd.Timestamp(result.rules.campaign.start)).fillna(False)
    open_cases = backlog[(backlog["points"] == 0) & ~before]  # not yet certified in the campaign
    open_cases = open_cases.assign(
        status=[
            f"已化解,待{result.rules.campaign.office}认定(尚未加分)" if st == "已化解" else st
            for st in open_cases["status"].astype(str)
        ]
    )
    _, p = views.backlog_burndown(ledgers, result, unit)
    when = (
        f"距 {week_label(p['target_date'])} 还有 {p['days_left']} 天"
        if p["days_left"] >= 0
        else f"{week_label(p['target_date'])} 已过"
    )
    cols = labels("case_id", "first_petition_on", "status", "resolved_on",
                  overrides={"first_petition_on": "初次信访日期"})  # fmt: skip
    return {
        "as_of": f"{result.as_of:%Y-%m-%d}",
        "score": int(s["score"]),
        "unit": result.rules.campaign.unit,
        "base": int(s["base"]),
        "deductions": int(s["deductions"]),
        "bonuses": int(s["bonuses"]),
        "units": len(result.scores),
        "rank": int(s["rank"]),
        "veto": bool(s["veto"]),
        "points": points,
        "todo": _todo(unit, standing),
        "open_count": len(open_cases),
        "when": when,
        "target": _backlog_target(result),
        "open_cases": table(open_cases, cols) if len(open_cases) else None,
    }


def _backlog_target(result: ScoreResult) -> str:
    """The plan's backlog target as a receipt cites it ((实施方案 二、2:现有信访积案全部化解)),
    from campaign.yaml targets; "" where the method has none."""
    target = next(
        (t for t in result.rules.campaign.targets if t.measure == "backlog_cleared"), None
    )
    return f"({target.clause}:{target.name})" if target is not None else ""
