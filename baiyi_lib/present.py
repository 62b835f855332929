"""How tables leave baiyi for people: Chinese column labels (once, for the terminal, the
export and the pages) and text that is safe in a spreadsheet, whatever a ledger held."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

SCORE_HEADERS = {
    "rank": "排名",
    "unit": "单位",
    "unit_id": "代码",
    "kind": "类别",
    "base": "基础分",
    "deductions": "扣分",
    "bonuses": "加分",
    "score": "得分",
    "veto": "一票否决",
    "awards_cancelled": "取消年度奖励",
    "annual_deduction": "年度折算扣分",
}
PROBLEM_HEADERS = {
    "kind": "台账",
    "file": "文件",
    "sheet": "工作表",
    "row": "行",
    "column": "列",
    "value": "值",
    "problem": "问题",
    "expected": "应为",
    "severity": "级别",
}
ACCOUNTING_HEADERS = {
    "file": "文件",
    "sheet": "工作表",
    "kind": "台账",
    "rows_read": "读入行数",
    "rows_used": "采用行数",
    "rows_refused": "拒收行数",
    "note": "说明",
}

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
) -> str:
    """A DataFrame as an HTML table with Chinese headers; highlighted rows get class "hl";
    ``css`` adds a class (``grid``: compact, no wrapping, for unit × week grids)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in columns.values())
    marks = [False] * len(df) if highlight is None else list(highlight.to_numpy(dtype=bool))
    body = "".join(
        ('<tr class="hl">' if mark else "<tr>")
        + "".join(f"<td>{_cell(v)}</td>" for v in rec)
        + "</tr>"
        for rec, mark in zip(df[list(columns)].itertuples(index=False), marks, strict=True)
    )
    classes = f"baiyi {css}".strip()
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
