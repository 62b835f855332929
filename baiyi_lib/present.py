"""How tables leave baiyi for people: Chinese column labels (once, for the terminal, the
export and the pages) and text that is safe in a spreadsheet, whatever a ledger held."""

from __future__ import annotations

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
