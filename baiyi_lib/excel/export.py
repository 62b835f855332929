"""The export (`baiyi export`): scores, points with clauses, rows not charged, readings,
需要关注, 履职情况 and problems, in one workbook printable on A4."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from .. import views
from ..dates import week_label
from ..ledgers import Ledgers
from ..ledgers.checks import ERROR
from ..ledgers.guard import EXPORT_MARK
from ..ledgers.schema import SCHEMAS
from ..params import Rules
from ..scoring import ScoreResult, score
from ..scoring.caps import is_return
from ..sources import check_ledgers, known_moment, load_ledgers
from ..views import attention, returns_evidence
from .layout import (
    ATTENTION_SHEET_COLUMNS,
    NOT_CHARGED_COLUMNS,
    NOTE_COLUMNS,
    POINT_COLUMNS,
    PROBLEM_COLUMNS,
    SCORE_COLUMNS,
    _attention_frame,
    _calculation,
    _notes_frame,
    _sheet,
    _where,
)
from .workbook import save_whole


def export(
    path: Path,
    result: ScoreResult,
    problems: pd.DataFrame,
    attention: tuple[dict[str, pd.DataFrame], str] | None = None,
    reading: list[str] | None = None,
    duties: pd.DataFrame | None = None,
) -> Path:
    """One workbook to print: 台账读取 first when a ledger is missing or a file was not
    read (``Ledgers.reading_lines``), then 得分, 计分明细 (with the rule in words and its
    clause, and where in the ledgers each point comes from), 未计分的行 (each row read but
    not charged, with its reason), 需要关注 (views.attention with
    what the returns are judged from, when given), 口径与说明, 台账问题. Every page of every
    sheet carries the title and as-of, the column headers and its page number."""
    camp = result.rules.campaign
    day = f"统计截至 {result.as_of.year}年{result.as_of.month}月{result.as_of.day}日"
    head = result.rules.campaign.short_name
    wb = Workbook()
    wb.remove(wb.active)
    if reading:
        lines = pd.DataFrame({"topic": "台账读取", "name": "", "text": reading, "value": ""})
        _sheet(wb, "台账读取", f"{head} · 计分以前:没有找到或未读取的台账 · {day}", lines,
               NOTE_COLUMNS, "无")  # fmt: skip
    s = result.scores.copy()
    for flag in ("veto", "awards_cancelled"):
        s[flag] = s[flag].map({True: "是", False: ""})
    score_columns = SCORE_COLUMNS
    if not result.rules.by_mechanism("flag"):  # a method with no veto has no such column
        score_columns = [c for c in SCORE_COLUMNS if c.field not in ("veto", "awards_cancelled")]
    _sheet(wb, "得分", f"{head} · 各单位得分 · {day}", s, score_columns, "没有单位")
    p = result.points.sort_values(["date", "unit", "source", "source_id"], kind="stable")
    p = p.assign(
        calc=[
            _calculation(*r)
            for r in zip(
                p["persons"],
                p["rate"],
                p["multiplier"],
                p["per"],
                is_return(p, result.rules),
                strict=True,
            )
        ],
        where=_where(p),
    )
    _sheet(
        wb, "计分明细", f"{head} · 计分明细(每条扣分、加分及其条款)· {day}", p,
        POINT_COLUMNS, "统计期内没有扣分、加分或标记",
    )  # fmt: skip
    ex = result.not_charged()
    ex = ex.assign(where=_where(ex))
    _sheet(
        wb, "未计分的行", f"{head} · 读入但未计分的台账行(各附原因)· {day}", ex,
        NOT_CHARGED_COLUMNS, "没有读入而未计分的行",
    )  # fmt: skip
    q = problems.assign(
        where=[
            (f"「{sh}」" if sh else "") + (f"第 {int(r)} 行" if not pd.isna(r) else "")
            for sh, r in zip(problems["sheet"], problems["row"], strict=True)
        ]
    )
    if attention is not None:
        a = _attention_frame(result.rules, *attention)
        _sheet(wb, "需要关注", f"{head} · 需要关注 · {day}", a, ATTENTION_SHEET_COLUMNS, "无")
    if duties is not None:
        _sheet(wb, "履职情况", f"{head} · 履职情况 · {day}", duties, ATTENTION_SHEET_COLUMNS, "无")
    notes = _notes_frame(result)
    _sheet(wb, "口径与说明", f"{head} · 口径与说明 · {day}", notes, NOTE_COLUMNS, "无")
    _sheet(wb, "台账问题", f"{head} · 台账问题 · {day}", q, PROBLEM_COLUMNS, "没有发现问题")
    wb.properties.title = f"{camp.name} 得分({day})"
    wb.properties.keywords = EXPORT_MARK  # a ledger folder lists this file, never reads it
    save_whole(wb, path)
    return path


@dataclass
class Exported:
    """What `baiyi export` wrote: the workbook, and how many ledger errors kept the scores
    out of it (0: everything exported)."""

    path: Path
    errors: int


def export_source(
    path: Path, data: object, rules: Rules, as_of: object = None, known_at: object = None
) -> Exported:
    """Check the ledgers of a source and export them. With ledger errors, only the
    problem table is filled (the score sheets say there is nothing): the office gets the
    list of what to fix in the same printable form."""
    checked = check_ledgers(data, rules, known_at)  # type: ignore[arg-type]
    if checked.ledgers is None:
        nothing = {k: pd.DataFrame(columns=[c.name for c in cols]) for k, cols in SCHEMAS.items()}
        empty = score(load_ledgers(nothing, rules), rules, as_of=as_of)
        empty.scores = empty.scores.iloc[0:0]
        export(path, empty, checked.problems)
        return Exported(path, int((checked.problems["severity"] == ERROR).sum()))
    result = score(checked.ledgers, rules, as_of=as_of)
    moment = None if known_at is None else known_moment(known_at, rules)
    status, basis = returns_evidence(data, checked.ledgers, result, moment)
    lists = attention(checked.ledgers, result, status)
    reading = checked.ledgers.reading_lines()
    duties = duties_frame(checked.ledgers, result) if rules.campaign.duties else None
    return Exported(export(path, result, checked.problems, (lists, basis), reading, duties), 0)


def duties_frame(ledgers: Ledgers, result: ScoreResult) -> pd.DataFrame:
    """履职情况 as one tidy table (list, clause, unit, case_id, detail), by case: the visits
    without the head on the scene, late or open warnings, days without a leader of the
    bureau receiving and the visits to the bureau on them, backlog cases 程序不全, open ones
    without a leader; a duty the ledgers do not record is one row saying so."""
    duties = result.rules.campaign.duties
    rows: list[dict] = []

    def add(listed: str, clause: str, detail: str, unit: object = None, case: object = None):
        rows.append({"list": listed, "clause": clause, "unit": unit, "case_id": case,
                     "detail": detail})  # fmt: skip

    if "head_on_scene" in duties:
        d = duties["head_on_scene"]
        listing, supplied = views.head_on_scene(ledgers, result)
        if not supplied:
            add(d.label, d.clause, "走访登记没有填写主要负责人到场,无法核对")
        for r in listing.itertuples(index=False):
            said = f"{week_label(r.date)} {r.level} 走访 {r.visit_id}:主要负责人{r.status}"
            add(d.label, d.clause, said, r.unit, r.case_id)
    if "warnings" in duties:
        d = duties["warnings"]
        listing, supplied = views.warnings_status(ledgers, result)
        if not supplied:
            add(d.label, d.clause, "没有预警信息台账,无法核对")
        for r in listing[listing["status"].isin([views.LATE_W, views.OPEN_W])].itertuples():
            said = f"{r.warning_id} {r.pushed_at:%m-%d %H:%M} 推送:核查{r.verify}"
            add(
                "预警信息超时或未办结",
                d.clause,
                said + (f",反馈{r.feedback}" if r.feedback else ""),
                r.unit,
            )
    if "daily_reception" in duties:
        d = duties["daily_reception"]
        days, visits, _, supplied = views.reception_days(ledgers, result)
        if not supplied:
            add(d.label, d.clause, "没有局领导接访值班表,无法核对")
        for r in days.itertuples(index=False):
            said = f"{week_label(r.date)}:{r.status}" + (f"({r.posts})" if r.posts else "")
            add("没有局领导在局接访的日子", d.clause, said)
        for r in (visits if visits is not None else days.iloc[:0]).itertuples(index=False):
            said = f"{week_label(r.date)} 来局走访 {r.visit_id}({r.persons} 人次)"
            said += ",当日没有局领导接访"
            if getattr(r, "received_by", None):  # 接待领导, when the register records it
                said += f";接待领导:{r.received_by}"
            add("没有局领导接访之日来局的走访", d.clause, said, r.unit)
    docs = views.documents_status(ledgers, result.rules, result.as_of)
    for r in (docs if docs is not None else pd.DataFrame()).itertuples(index=False):
        if r.status in (views.LATE_D, views.NOT_SENT_D):
            clause = next(dl.clause for doc, dl in result.rules.campaign.documents
                          if doc.id == r.document)  # fmt: skip
            said = f"{r.name}:{r.status}(应于 {week_label(r.due)} 前)"
            add("迟报或未报的材料", clause, said, r.unit)
    if "backlog_by_the_book" in duties:
        d = duties["backlog_by_the_book"]
        short, no_lead, supplied = views.backlog_procedure(ledgers, result)
        if not supplied:
            add(d.label, d.clause, "信访积案台账没有填写包案领导和会议日期,无法核对")
        for r in short.itertuples(index=False):
            said = f"{week_label(r.certified_on)} 认定,缺{r.missing}"
            add("程序不全的积案", d.clause, said, r.unit, r.case_id)
        for r in no_lead.itertuples(index=False):
            add("没有包案领导的积案", d.clause, "未化解,没有填写包案领导", r.unit, r.case_id)
    return pd.DataFrame(rows, columns=[c.field for c in ATTENTION_SHEET_COLUMNS])
