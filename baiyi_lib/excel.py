"""Excel in and out for people: ledger templates for the units, and the export to print.

Templates (`baiyi template`): a title row, the canonical headers, dropdowns for level, form,
yes/no, status and unit, date-formatted date cells, a frozen header, and a sheet of filling
instructions in Chinese. A template filled in as a person would loads without error.

Export (`baiyi export`): the score table, the points table with clauses, and the problem
table, formatted to print on A4 landscape at a readable size. Text that begins with =, +,
- or @ is stored as text with a leading apostrophe, so that no formula runs when the file
is opened. Its keywords carry ``guard.EXPORT_MARK``: saved into a ledger folder, it is
listed as 未读取, not read as a ledger.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import views
from .dates import week_label
from .ledgers import Ledgers, kinds_used
from .ledgers.cells import expected_text
from .ledgers.checks import ERROR
from .ledgers.guard import EXPORT_MARK
from .ledgers.schema import KIND_LABELS, SCHEMAS, STATUS_ALIASES, columns
from .params import Rules
from .present import attention_lists, attention_shown, spreadsheet_safe
from .report.files import atomic_write
from .scoring import ScoreResult, score
from .scoring.caps import is_return
from .scoring.result import charged
from .sources import check_ledgers, known_moment, load_ledgers
from .views import attention, returns_evidence

TEMPLATE_ROWS = 500  # rows prepared with dropdowns and date formats
HEADER_ROW = 3  # row 1 the title, row 2 填报单位 and 零报告, then the headers
FORM_ROWS = 20  # rows ruled as a form on paper
# What the template says in a cell's prompt: exactly what its validation admits (the
# loader itself is more lenient, e.g. "3人" or "2019.3.5" in a CSV).
TEMPLATE_PROMPTS = {
    "persons": "整数人次,只填数字,如 3",
    "date": "日期,如 2019-3-5(填入后显示为 2019-03-05)",
    "opt_date": "日期,如 2019-3-5;没有则留空",
    "moment": "日期和时间,如 2019-3-5 14:30",
    "opt_moment": "日期和时间,如 2019-3-5 14:30;还没有则留空",
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INSTRUCTIONS = [
    "填表说明",
    "1. {returns}",
    "2. 只填写案件编号和人次。不得填写信访人的姓名、身份证号码、电话、住址等个人信息,"
    "否则整表被拒收。",
    "3. 不要修改第3行的表头;第2行选填报单位。日期填在日期格中(如 2019-03-05)。",
    "   本单位没有某类案件时,在该表第2行的“零报告”后选“是”,不填数据行,照常报送(零报告)。",
    "4. 走访层级、走访形式、是/否、化解状态、纠纷类别、责任单位请从下拉列表中选择;"
    "纠纷类别只填类别,不写当事人和经过。",
    "   没有的项留空即可(写“无”“/”也按空白处理)。",
    "5. 排查登记表是滚动台账:已报送的案件每周继续填报,更新化解状态;已化解的要填化解日期。",
    "6. 信访积案经{office}认定后,填写“办公室认定=是”和认定日期。",
    "7. 报送前可用 `baiyi validate 文件` 检查,所有问题会一次列出(文件、行号、列名、值)。",
]


def _choices(kind_type: str, rules: Rules) -> list[str] | None:
    return {
        "level": list(rules.levels),
        "form": list(rules.forms),
        "bool": ["是", "否"],
        "opt_bool": ["是", "否"],
        "post": list(rules.reading.posts),
        "status": list(STATUS_ALIASES),
        "category": list(rules.categories),
        "dispute": list(rules.reading.dispute_categories),
    }.get(kind_type)


def write_template(path: Path, kinds: list[str], rules: Rules, unit: str | None = None) -> Path:
    """One workbook with a sheet per ledger kind, ready to fill in Excel or WPS."""
    wb = Workbook()
    wb.remove(wb.active)
    lists = wb.create_sheet("选项")
    for i, name in enumerate(rules.units.names, start=1):
        lists.cell(row=i, column=1, value=name)
    unit_range = f"'选项'!$A$1:$A${len(rules.units.names)}"
    lists.sheet_state = "hidden"
    for kind in kinds:
        ws = wb.create_sheet(KIND_LABELS[kind], index=len(wb.sheetnames) - 1)
        title = f"{rules.units.organisation}{KIND_LABELS[kind]}"
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
        _return_row(ws, unit, unit_range)
        cols = columns(kind, rules)  # the contract's and the method's declared columns
        for col, spec in enumerate(cols, start=1):
            cell = ws.cell(row=HEADER_ROW, column=col, value=spec.header)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = max(12, 2.2 * len(spec.header) + 2)
            cells = f"{letter}{HEADER_ROW + 1}:{letter}{TEMPLATE_ROWS + HEADER_ROW}"
            choices = _choices(spec.type, rules)
            if spec.type == "unit":
                dv = DataValidation(type="list", formula1=unit_range, allow_blank=True)
            elif choices:
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
                )
            elif spec.type in ("date", "opt_date"):
                dv = DataValidation(
                    type="date", operator="greaterThan", formula1="1", allow_blank=True
                )
                # the format belongs to the column: empty cells stay empty (and unprinted)
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            elif spec.type in ("moment", "opt_moment"):  # a date with its time (推送时间)
                dv = DataValidation(
                    type="date", operator="greaterThan", formula1="1", allow_blank=True
                )
                ws.column_dimensions[letter].number_format = "yyyy-mm-dd hh:mm"
            elif spec.type == "persons":
                dv = DataValidation(
                    type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True
                )
            else:
                dv = None
            if dv is not None:
                said = TEMPLATE_PROMPTS.get(spec.type) or expected_text(spec, rules)
                dv.error = f"应为:{said}"
                dv.errorTitle = spec.header
                dv.prompt = said
                dv.showErrorMessage = True
                dv.showInputMessage = True
                ws.add_data_validation(dv)
                dv.add(cells)
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        _print_as_form(ws, len(cols), title)
    notes = wb.create_sheet("填表说明")
    camp = rules.campaign
    returns = (
        f"{camp.weekly_return_quote.rstrip('。')}({camp.weekly_return_clause})。"
        if camp.has_returns
        else "按考核办法的要求报送(办法没有规定定期报送)。"
    )
    for i, line in enumerate(INSTRUCTIONS, start=1):
        line = line.format(returns=returns, office=camp.office)
        notes.cell(row=i, column=1, value=line).font = Font(bold=(i == 1))
    notes.column_dimensions["A"].width = 110
    save_whole(wb, path)
    return path


def _return_row(ws: Worksheet, unit: str | None, unit_range: str) -> None:
    """Row 2 of a template: whose return this is, and the zero-return mark (零报告: 是 when
    the unit has no case of this kind; the sheet is then sent without rows)."""
    bold = Font(bold=True)
    ws.cell(row=2, column=1, value="填报单位").font = bold
    ws.cell(row=2, column=2, value=unit)
    ws.cell(row=2, column=3, value="零报告").font = bold
    ws.cell(row=2, column=4, value="否")
    ws.cell(row=2, column=5, value="本单位没有此类案件时,零报告选“是”,表中不填数据行")
    for ref, formula, prompt in (
        ("B2", unit_range, "报送单位"),
        ("D2", '"是,否"', "本单位没有此类案件时选“是”"),
    ):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.prompt, dv.showInputMessage = prompt, True
        ws.add_data_validation(dv)
        dv.add(ref)


def _print_as_form(ws: Worksheet, n_columns: int, title: str) -> None:
    """On paper the template is a form: landscape, every column on one page width, the
    header and some empty rows ruled, the title and headers repeated, page x of y."""
    thin = Side(style="thin", color="666666")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for row in range(HEADER_ROW, FORM_ROWS + HEADER_ROW + 1):
        for col in range(1, n_columns + 1):
            ws.cell(row=row, column=col).border = border
        ws.row_dimensions[row].height = 20
    _landscape_a4(ws, f"1:{HEADER_ROW}")
    ws.oddFooter.right.text = title


def _landscape_a4(ws: Worksheet, title_rows: str) -> None:
    """Print on A4 landscape, one page wide, the title rows on every page, page x of y."""
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    # the running header and footer need room of their own above and below the sheet:
    # LibreOffice and Excel clip them to (margin − header distance); 0.8 − 0.3 inch holds
    # a 10 pt line with its spacing
    ws.page_margins.left = ws.page_margins.right = 0.4  # inches: 1 cm
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3


def write_templates(out_dir: Path, rules: Rules, unit: str | None = None) -> list[Path]:
    """The office's templates (visits, and incidents where the method charges events) and
    the units' (screening, backlog: 每周报送 where the method sets a weekly return)."""
    out_dir = Path(out_dir)
    returns = "每周报送" if rules.campaign.has_returns else "报送"
    weekly = [k for k in ("screening", "backlog") if k in kinds_used(rules)] or ["screening"]
    if unit:
        u = rules.units.by_name(unit)
        return [write_template(out_dir / f"{u.id}_{u.name}_{returns}.xlsx", weekly, rules, unit)]
    out = [write_template(out_dir / "走访登记.xlsx", ["visits"], rules)]
    if "warnings" in rules.campaign.duties:  # 实施方案 四(二): the office's register
        out.append(write_template(out_dir / "预警信息.xlsx", ["warnings"], rules))
    if "daily_reception" in rules.campaign.duties:  # 实施方案 四(一): the office's roster
        out.append(write_template(out_dir / "局领导接访值班表.xlsx", ["roster"], rules))
    if rules.by_mechanism("incident"):  # a method that charges no event needs no such form
        out.append(write_template(out_dir / "敏感事件.xlsx", ["incidents"], rules))
    out.append(write_template(out_dir / f"单位{returns}.xlsx", weekly, rules))
    return out


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


def save_whole(wb: Workbook, path: Path) -> None:
    """Save a workbook whole or not at all (report.files.atomic_write): the previous file
    of that name stays as it was if the disk is full or read-only (OutputNotWritable)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write(path, buffer.getvalue())


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
            add("没有局领导接访之日来局的走访", d.clause, said + ",当日没有局领导接访", r.unit)
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
