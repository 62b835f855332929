"""How tables leave baiyi for people: Chinese column labels (once, for the terminal, the
export and the pages) and text that is safe in a spreadsheet, whatever a ledger held."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from .dates import week_label
from .ledgers.problems import PROBLEM_COLUMNS
from .params import Rules
from .scoring.result import SCORE_COLUMNS

# Every column label people read, once: the terminal, the export, the pages and the
# receipts take their headers from here (``labels``); a table that means something else
# by a column says so with an override.
LABELS: dict[str, str] = {
    "case_id": "案件编号",
    "unit": "单位",
    "visits": "走访次数",
    "persons": "人次",
    "levels": "层级(按时间)",
    "first": "首次",
    "last": "最近",
    "date": "日期",
    "visit_id": "走访编号",
    "from": "此前最高",
    "to": "本次",
    "weeks": "已过周数",
    "category": "纠纷类别",
    "open": "未化解认定",
    "days_left": "距期限",
    "pace": "每周认定",
    "needed": "每周需认定",
    "on_track": "按进度能否完成",
    "cases": "案件编号",
    "missed": "连续未报周数",
    "since": "自",
    "rank": "排名",
    "score": "得分",
    "change": "较上周",
    "deductions": "扣分",
    "bonuses": "加分",
    "veto": "一票否决",
    "awards_cancelled": "取消年度奖励",
    "level": "层级",
    "form": "形式",
    "first_petition_on": "初次信访",
    "status": "状态",
    "resolved_on": "化解日期",
    "certified_on": "认定日期",
    "points": "分值",
    "incident_id": "编号",
    "note": "说明",
    "backlog_cleared": "积案全部化解",
    "screening_complete": "排查全覆盖",
    "star_eligible": "可授予奖项",  # pages name the method's award (campaign.yaml award)
    "source_id": "编号",
    "received_by": "接待领导",
    "label": "规则",
    "clause": "条款",
    "quote": "原文",
    "this_week": "本周人次",
    "last_week": "上周人次",
    "to_date": "累计人次",
    "target": "任务目标",
    "measure": "衡量",
    "value": "现状",
    "detail": "说明",
    "default_score": "默认口径得分",
    "default_rank": "默认口径名次",
    "corrections": "其中:补报或更正以前各周",
    "file": "报送文件",
    "kind": "台账",
    "key": "编号",
    "src_row": "行号",
    "rows": "行数",
    "name": "口径",
    "default": "默认值",
    "new": "新增",
    "changed": "变更",
    "unchanged": "未变",
    "deleted": "删除",
    "unit_id": "代码",
    "base": "基础分",
    "annual_deduction": "年度折算扣分",
    "sheet": "工作表",
    "row": "行",
    "column": "列",
    "problem": "问题",
    "expected": "应为",
    "severity": "级别",
    "rows_read": "读入行数",
    "rows_used": "采用行数",
    "rows_refused": "拒收行数",
}


def labels(*names: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Column → Chinese header for a table's columns, in order; ``overrides`` for the few
    tables where a column reads differently (责任单位, 本周得分…)."""
    overrides = overrides or {}
    return {n: overrides[n] if n in overrides else LABELS[n] for n in names}


SCORE_HEADERS = labels(*SCORE_COLUMNS, "annual_deduction", overrides={"kind": "类别"})
PROBLEM_HEADERS = labels(
    *(c for c in PROBLEM_COLUMNS if c != "check"), overrides={"file": "文件", "value": "值"}
)
ACCOUNTING_HEADERS = labels(
    "file",
    "sheet",
    "kind",
    "unit",
    "rows_read",
    "rows_used",
    "rows_refused",
    "note",
    overrides={"file": "文件", "unit": "单位"},
)


def _target_day(rules: Rules) -> str:
    """The backlog deadline as people write it (5月20日), or the campaign's end without one."""
    camp = rules.campaign
    day = camp.backlog_target.date if camp.backlog_target else camp.end
    return f"{day.month}月{day.day}日"


def attention_lists(rules: Rules, basis: str) -> dict[str, tuple[str, str, dict[str, str]]]:
    """The 需要关注 lists (views.attention) as people read them: title, clause, columns;
    the thresholds in the titles come from campaign.yaml's attention. ``basis`` says what
    the returns are judged from."""
    watch = rules.campaign.attention
    said = watch.clauses  # the plan's clause behind each list (campaign.yaml)
    lists = {
        "repeats": (
            "同一案件多次走访"
            + (
                "(群众只访一次未做到)"
                if "only_once" in {t.measure for t in rules.campaign.targets}
                else ""
            ),
            said.get("repeats", ""),
            labels("case_id", "unit", "visits", "persons", "levels", "first", "last"),
        ),
        "escalations": (
            "走访层级上升(越级)",
            said.get("escalations", ""),
            labels("case_id", "unit", "date", "visit_id", "from", "to"),
        ),
        "unresolved": (
            f"排查出 {watch.unresolved_weeks} 周以上仍未化解的案件",
            said.get("unresolved", ""),
            labels(
                "case_id", "unit", "first", "weeks", "category", overrides={"first": "首次排查"}
            ),
        ),
        "backlog": (
            f"距 {_target_day(rules)} 不足 {watch.backlog_weeks_left} 周仍有积案未化解认定的单位",
            said.get("backlog", ""),
            labels("unit", "open", "days_left", "pace", "needed", "on_track", "cases"),
        ),
        "returns": (
            f"连续 {watch.missed_returns} 周以上未报送的单位({basis})",
            said.get("returns", ""),
            labels("unit", "missed", "since"),
        ),
    }
    backlog = watch.backlog_weeks_left if rules.by_mechanism("backlog") else None
    duty = rules.campaign.duties.get("warnings")
    if duty is not None:
        lists["warnings"] = (
            "预警信息超时或未办结",
            duty.clause,
            labels(
                "warning_id",
                "unit",
                "level",
                "pushed_at",
                "status",
                overrides={
                    "warning_id": "预警编号",
                    "level": "风险层级",
                    "pushed_at": "推送时间",
                    "status": "情况",
                },
            ),
        )
    drawn = {"unresolved": watch.unresolved_weeks, "backlog": backlog,
             "returns": watch.missed_returns if rules.campaign.has_returns else None}  # fmt: skip
    return {k: v for k, v in lists.items() if drawn.get(k, True) is not None}


def days_in_words(days: int) -> str:
    """Days to a deadline as people say them: 还有 24 天 / 今天 / 已过 58 天."""
    if days > 0:
        return f"还有 {days} 天"
    return "今天" if days == 0 else f"已过 {-days} 天"


def whole_cases(x: float) -> int:
    """A projected number of cases as people say it: whole (8.7 → 9), never below 0."""
    return max(0, round(x))


def attention_shown(lists: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The 需要关注 lists with their values written as people read them (能/不能, 3月1日)."""
    out = dict(lists)
    if "backlog" in out:
        out["backlog"] = out["backlog"].assign(
            on_track=out["backlog"]["on_track"].map({True: "能", False: "不能"}),
            days_left=out["backlog"]["days_left"].map(days_in_words),
        )
    if "returns" in out:
        out["returns"] = out["returns"].assign(since=out["returns"]["since"].map(week_label))
    if "warnings" in out:
        when = pd.to_datetime(out["warnings"]["pushed_at"]).dt.strftime("%m-%d %H:%M")
        out["warnings"] = out["warnings"].assign(pushed_at=when)
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=cmd|' /C calc'!A0, +1, @SUM…)
    gets a leading apostrophe, in exports and in CSV output alike; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --------------------------------------------------------------------------- pages


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return f"{value:%Y-%m-%d}"
    return html.escape(str(value))


def html_table(
    df: pd.DataFrame,
    columns: dict[str, str],
    highlight: pd.Series | None = None,
    css: str = "",
    nowrap: tuple[str, ...] = (),
) -> str:
    """A DataFrame as an HTML table with Chinese headers; highlighted rows get class "hl";
    ``css`` adds a class (``grid``: compact, no wrapping, for unit × week grids);
    the ``nowrap`` columns never wrap (dates, levels, points: short values that a narrow
    printed column would break a character per line)."""
    keep = [c in nowrap for c in columns]
    tag = {True: '<td class="nw">', False: "<td>"}
    th = {True: '<th class="nw">', False: "<th>"}
    head = "".join(
        f"{th[k]}{html.escape(h)}</th>" for h, k in zip(columns.values(), keep, strict=True)
    )
    marks = [False] * len(df) if highlight is None else list(highlight.to_numpy(dtype=bool))
    body = "".join(
        ('<tr class="hl">' if mark else "<tr>")
        + "".join(f"{tag[k]}{_cell(v)}</td>" for v, k in zip(rec, keep, strict=True))
        + "</tr>"
        for rec, mark in zip(df[list(columns)].itertuples(index=False), marks, strict=True)
    )
    classes = f"baiyi {css}".strip()
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
