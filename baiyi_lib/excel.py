"""Excel in and out for people: ledger templates for the units, and the export to print.

Templates (`baiyi template`): a title row, the canonical headers, dropdowns for level, form,
yes/no, status and unit, date-formatted date cells, a frozen header, and a sheet of filling
instructions in Chinese. A template filled in as a person would loads without error.

Export (`baiyi export`): the score table, the points table with clauses, and the problem
table, formatted to print. Text that begins with =, +, - or @ is stored as text with a
leading apostrophe, so that no formula runs when the file is opened.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .ledgers.schema import FORM_ALIASES, KIND_LABELS, LEVEL_ALIASES, SCHEMAS, STATUS_ALIASES
from .params import Rules
from .present import spreadsheet_safe

TEMPLATE_ROWS = 500  # rows prepared with dropdowns and date formats
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INSTRUCTIONS = [
    "填表说明",
    "1. 每周五下午报送矛盾纠纷排查化解登记表和信访积案化解情况(实施方案 五、四)。",
    "2. 只填写案件编号和人次。不得填写信访人的姓名、身份证号码、电话、住址等个人信息,"
    "否则整表被拒收。",
    "3. 不要修改第2行的表头;标题行可以改写。日期填在日期格中(如 2019-03-05)。",
    "4. 走访层级、走访形式、是/否、化解状态、责任单位请从下拉列表中选择。",
    "5. 排查登记表是滚动台账:已报送的案件每周继续填报,更新化解状态;已化解的要填化解日期。",
    "6. 信访积案经行动办公室认定后,填写“办公室认定=是”和认定日期。",
    "7. 报送前可用 `baiyi validate 文件` 检查,所有问题会一次列出(文件、行号、列名、值)。",
]


def _choices(kind_type: str, rules: Rules) -> list[str] | None:
    return {
        "level": list(LEVEL_ALIASES),
        "form": list(FORM_ALIASES),
        "bool": ["是", "否"],
        "status": list(STATUS_ALIASES),
        "category": list(rules.categories),
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
        title = f"莒南县水利系统{KIND_LABELS[kind]}" + (f"(填报单位:{unit})" if unit else "")
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
        for col, spec in enumerate(SCHEMAS[kind], start=1):
            cell = ws.cell(row=2, column=col, value=spec.header)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = max(12, 2.2 * len(spec.header) + 2)
            cells = f"{letter}3:{letter}{TEMPLATE_ROWS + 2}"
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
                for row in range(3, TEMPLATE_ROWS + 3):
                    ws.cell(row=row, column=col).number_format = "yyyy-mm-dd"
            elif spec.type == "persons":
                dv = DataValidation(
                    type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True
                )
            else:
                dv = None
            if dv is not None:
                dv.error = f"应为:{spec.expected}"
                dv.errorTitle = spec.header
                dv.prompt = spec.expected
                dv.showErrorMessage = True
                dv.showInputMessage = True
                ws.add_data_validation(dv)
                dv.add(cells)
        ws.freeze_panes = "A3"
    notes = wb.create_sheet("填表说明")
    for i, line in enumerate(INSTRUCTIONS, start=1):
        notes.cell(row=i, column=1, value=line).font = Font(bold=(i == 1))
    notes.column_dimensions["A"].width = 110
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(out_dir: Path, rules: Rules, unit: str | None = None) -> list[Path]:
    """The office's templates (visits, incidents) and the units' (screening, backlog)."""
    out_dir = Path(out_dir)
    if unit:
        u = rules.units.by_name(unit)
        return [
            write_template(
                out_dir / f"{u.id}_{u.name}_每周报送.xlsx", ["screening", "backlog"], rules, unit
            )
        ]
    return [
        write_template(out_dir / "走访登记.xlsx", ["visits"], rules),
        write_template(out_dir / "敏感事件.xlsx", ["incidents"], rules),
        write_template(out_dir / "单位每周报送.xlsx", ["screening", "backlog"], rules),
    ]


# --------------------------------------------------------------------------- export


def _sheet(wb: Workbook, title: str, df: pd.DataFrame, headers: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    cols = [c for c in headers if c in df.columns]
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=headers[c])
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, rec in enumerate(df[cols].itertuples(index=False), start=2):
        for j, value in enumerate(rec, start=1):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime().date()
            elif hasattr(value, "item") and not isinstance(value, str):
                value = value.item()  # numpy scalar
            cell = ws.cell(
                row=i, column=j, value=spreadsheet_safe(value) if isinstance(value, str) else value
            )
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for j, c in enumerate(cols, start=1):
        width = max([len(str(headers[c]))] + [len(str(v)) for v in df[c].head(200).tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, width * 1.6), 60)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = ws.dimensions


def export(path: Path, scores: pd.DataFrame, points: pd.DataFrame, problems: pd.DataFrame) -> Path:
    """One workbook: 得分, 计分明细 (with clauses), 台账问题; every sheet prints on A4."""
    from .cli import PROBLEM_HEADERS, SCORE_HEADERS

    wb = Workbook()
    wb.remove(wb.active)
    s = scores.copy()
    for flag in ("veto", "awards_cancelled"):
        s[flag] = s[flag].map({True: "是", False: ""})
    _sheet(wb, "得分", s, SCORE_HEADERS)
    point_headers = {
        "date": "日期",
        "unit": "单位",
        "source": "来源",
        "source_id": "编号",
        "level": "层级",
        "rule_id": "规则",
        "clause": "条款",
        "label": "规则名称",
        "persons": "人次",
        "rate": "标准",
        "multiplier": "倍数",
        "points": "分值",
        "note": "说明",
        "src_file": "台账文件",
        "src_sheet": "工作表",
        "src_row": "行号",
    }
    p = points.sort_values(["date", "unit", "source", "source_id"], kind="stable")
    p = p.astype(
        {
            c: object
            for c in (
                "unit",
                "source",
                "level",
                "rule_id",
                "clause",
                "label",
                "note",
                "src_file",
                "src_sheet",
            )
        }
    )
    _sheet(wb, "计分明细", p, point_headers)
    _sheet(wb, "台账问题", problems, PROBLEM_HEADERS)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
