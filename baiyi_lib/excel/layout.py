"""The export's sheets: their columns and widths, each sheet's rows, and cell values stored
as text where they could run as formulas."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ..dates import week_label
from ..params import Rules
from ..present import attention_lists, attention_shown, spreadsheet_safe
from ..scoring import ScoreResult
from ..scoring.result import charged
from .templates import HEADER_FILL
from .workbook import _landscape_a4

# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Col:
    """One printed column: the field, its header, the widest it may get (in character
    widths of the 10 pt font; longer text wraps), and how its values are written."""

    field: str
    header: str
    max_width: float = 12
    kind: str = "text"  # text, date, int


# Landscape A4 with 1 cm side margins holds about 110 character widths at 100 % (measured
# through LibreOffice): each sheet stays within ~135, so that "fit to one page wide"
# never shrinks the 10 pt font below 8 pt (a test prints every sheet and checks).
PAGE_WIDTH = 135
FONT_SIZE = 10
LINE_HEIGHT = 13.5  # points, for the 10 pt font

SCORE_COLUMNS = [
    Col("rank", "排名", 5, "int"),
    Col("unit", "单位", 26),
    Col("kind", "类别", 9),
    Col("base", "基础分", 7, "int"),
    Col("deductions", "扣分", 7, "int"),
    Col("bonuses", "加分", 7, "int"),
    Col("score", "得分", 7, "int"),
    Col("veto", "一票否决", 9),
    Col("awards_cancelled", "取消年度奖励", 13),
    Col("annual_deduction", "年度折算扣分", 13),
]
POINT_COLUMNS = [
    Col("date", "日期", 10, "date"),
    Col("unit", "单位", 12),
    Col("source_id", "编号", 12),
    Col("level", "层级", 4),
    Col("label", "规则", 14),
    Col("clause", "条款", 10),
    Col("calc", "计算", 12),
    Col("points", "分值", 5, "int"),
    Col("where", "台账位置", 16),
    Col("note", "说明", 22),
]
NOT_CHARGED_COLUMNS = [
    Col("date", "日期", 10, "date"),
    Col("unit", "单位", 26),
    Col("source", "台账", 8),
    Col("source_id", "编号", 14),
    Col("reason", "未计分的原因", 50),
    Col("where", "台账位置", 24),
]
PROBLEM_COLUMNS = [
    Col("severity", "级别", 4),
    Col("kind", "台账", 8),
    Col("file", "文件", 16),
    Col("where", "位置", 10),
    Col("column", "列", 8),
    Col("value", "值", 12),
    Col("problem", "问题", 34),
    Col("expected", "应为", 28),
]


def display_width(value: object) -> float:
    """How wide a value prints, in character widths (a Chinese character counts two)."""
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell_value(value: object, kind: str) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "int":
        return int(value)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    return spreadsheet_safe(str(value)) if isinstance(value, str) else value


def _sheet(
    wb: Workbook, name: str, title: str, df: pd.DataFrame, columns: list[Col], empty: str
) -> None:
    """One printable sheet: the title and the column headers on every page, page x of y,
    real dates, widths from the content (wrapping the long ones), A4 landscape."""
    ws = wb.create_sheet(name)
    columns = [c for c in columns if c.field in df.columns]
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=j, value=col.header)
        cell.font = Font(bold=True, size=FONT_SIZE)
        cell.fill = HEADER_FILL
        cell.border = border
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = list(df[[c.field for c in columns]].itertuples(index=False))
    for i, rec in enumerate(rows, start=3):
        for j, (col, value) in enumerate(zip(columns, rec, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value, col.kind))
            cell.font = Font(size=FONT_SIZE)
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif col.kind == "text" and cell.value is not None:
                cell.data_type = "s"  # never a formula
    if not rows:
        ws.cell(row=3, column=1, value=empty).font = Font(size=FONT_SIZE)
        ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(columns))
    widths = []
    for j, col in enumerate(columns, start=1):
        widest = max([display_width(col.header)] + [display_width(r[j - 1]) for r in rows[:500]])
        widths.append(min(widest, col.max_width) + 1)
        ws.column_dimensions[get_column_letter(j)].width = widths[-1]
    # office suites keep the default height for wrapped text: give each row its lines
    for i, rec in enumerate([tuple(c.header for c in columns), *rows], start=2):
        lines = max(
            math.ceil(display_width(v) / max(w - 1, 1)) if v is not None and str(v) else 1
            for v, w in zip(rec, widths, strict=True)
        )
        ws.row_dimensions[i].height = LINE_HEIGHT * max(lines, 1) + 2
    ws.freeze_panes = "A3"
    if rows:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{len(rows) + 2}"
    _landscape_a4(ws, "1:2")
    ws.oddFooter.center.size = FONT_SIZE
    ws.oddHeader.right.text = title.split("·")[-1].strip()
    ws.oddHeader.right.size = FONT_SIZE


def _calculation(
    persons: object, rate: object, multiplier: object, per: object = "", given_back: bool = False
) -> str:
    """A points row's arithmetic as the explain text writes it: 3 人次 × -10, × 再加 1 倍;
    1 批次(6 人)× -5 for a rule charged per batch; 超出部分不扣 for 扣完为止."""
    if given_back:
        return "扣完为止,超出部分不扣"
    if pd.isna(rate):
        return "标记,不计分"
    if pd.isna(persons):  # an incident (per 起, 批次…), or the period itself (no per)
        return f"每{per} {int(rate):+d}" if per else f"全期 {int(rate):+d}"
    extra = "" if pd.isna(multiplier) or int(multiplier) == 1 else f" × 再加 {int(multiplier)} 倍"
    return f"{charged(int(persons), per)} × {int(rate):+d}{extra}"


NOTE_COLUMNS = [
    Col("topic", "事项", 16),
    Col("name", "口径", 18),
    Col("text", "内容", 58),
    Col("value", "本次取值", 12),
    Col("default", "默认值", 10),
    Col("clause", "条款", 14),
]
ATTENTION_SHEET_COLUMNS = [
    Col("list", "清单", 26),
    Col("clause", "依据", 14),
    Col("unit", "单位", 16),
    Col("case_id", "案件编号", 12),
    Col("detail", "详情", 60),
]


def _notes_frame(result: ScoreResult) -> pd.DataFrame:
    """口径与说明: every interpretation in force (non-default ones marked) and what the
    scores must be read with (ScoreResult.disclosures), one row each."""
    rows = []
    for it in result.rules.interpretations.values():
        rows.append(
            {
                "topic": "口径" if it.is_default else "口径(非默认)",
                "name": it.label,
                "text": it.meaning() or it.note,
                "value": it.value_words(),
                "default": it.value_words(it.default),
                "clause": it.clause,
            }
        )
    for heading, items in result.disclosures():
        rows += [{"topic": heading, "text": item} for item in items]
    return pd.DataFrame(rows, columns=[c.field for c in NOTE_COLUMNS])


def _attention_frame(rules: Rules, lists: dict[str, pd.DataFrame], basis: str) -> pd.DataFrame:
    """需要关注 as one tidy table: which list, its clause, unit, case id, and the list's
    other columns written out as 「label value」."""
    shown = attention_shown(lists)
    rows = []
    for key, (title, clause, cols) in attention_lists(rules, basis).items():
        other = {c: h for c, h in cols.items() if c not in ("unit", "case_id")}
        for rec in shown[key].to_dict("records"):
            detail = ";".join(
                f"{h} {_text(rec.get(c))}" for c, h in other.items() if _text(rec.get(c))
            )
            rows.append(
                {
                    "list": title,
                    "clause": clause,
                    "unit": rec.get("unit"),
                    "case_id": rec.get("case_id"),
                    "detail": detail,
                }
            )
    return pd.DataFrame(rows, columns=[c.field for c in ATTENTION_SHEET_COLUMNS])


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.date):
        return week_label(value)
    if isinstance(value, list | tuple):
        return "→".join(map(str, value))
    return str(value)


def _where(rows: pd.DataFrame) -> pd.Series:
    """Where each row sits in the ledgers: file「sheet」 第 n 行; a row of no ledger row
    says what it belongs to (the whole period, a week's return)."""
    where = (
        rows["src_file"].astype(str)
        + rows["src_sheet"].astype(str).map(lambda x: f"「{x}」" if x else "")
        + " 第 " + rows["src_row"].astype(str) + " 行"
    )  # fmt: skip
    whole = np.where(
        rows["source"].astype(str) == "报送", "(该周的报送,不是台账中的一行)", "(整个考核期)"
    )
    return where.where(rows["src_row"] > 0, pd.Series(whole, index=rows.index))
