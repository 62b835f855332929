"""Ledger templates for the units and the office (`baiyi template`): headers, dropdowns,
date cells, a frozen header, the filling instructions; printed as a form."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..ledgers import kinds_used
from ..ledgers.cells import expected_text
from ..ledgers.schema import KIND_LABELS, STATUS_ALIASES, columns
from ..params import Rules
from .workbook import _landscape_a4, save_whole

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
    "4. 走访层级、走访形式、是/否、化解状态、纠纷类别、领导职务、责任单位请从下拉列表中选择;"
    "纠纷类别只填类别,不写当事人和经过;领导只填职务。",
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
