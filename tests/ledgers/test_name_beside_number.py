"""Cases, never people: a personal number outside the table's cells (an instruction sheet,
a title row, a hidden sheet, a comment, a sheet's name) refuses the file like a cell does,
and the words beside it — which may name the person — are never shown, in any message.

One workbook per place, each holding a name beside a mobile or ID number.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from baiyi_lib import LedgerError, load_ledgers
from baiyi_lib.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
NAMES = ["张伟", "欧阳明", "Zhang Wei"]
NUMBERS = ["13912345678", "110105194912310021"]


def _returns(tmp_path: Path) -> Path:
    """A copy of one unit's workbook from the sample."""
    src = SAMPLE / "units" / "ggz_工管站.xlsx"
    out = tmp_path / "in" / src.name
    out.parent.mkdir()
    shutil.copy(src, out)
    return out


def _place(book: openpyxl.Workbook, where: str, text: str) -> None:
    ws = book.worksheets[0]
    if where == "instructions":
        book.create_sheet("填表说明")["A2"] = text
    elif where == "title":
        ws.insert_rows(1)
        ws["A1"] = text
    elif where == "hidden":
        extra = book.create_sheet("备用")
        extra["B3"] = text
        extra.sheet_state = "hidden"
    elif where == "very_hidden":
        extra = book.create_sheet("备用")
        extra["B3"] = text
        extra.sheet_state = "veryHidden"
    elif where == "comment":
        ws["B3"].comment = Comment(text, "填表人")
    elif where == "sheet_name":
        ws.title = text[:31]


PLACES = ["instructions", "title", "hidden", "very_hidden", "comment", "sheet_name"]


@pytest.mark.parametrize("where", PLACES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("number", NUMBERS)
def test_a_name_beside_a_number_is_refused_and_never_shown(tmp_path, capsys, where, name, number):
    path = _returns(tmp_path)
    book = openpyxl.load_workbook(path)
    _place(book, where, f"{name}{number}" if where == "sheet_name" else f"联系人{name} {number}")
    book.save(path)
    with pytest.raises(LedgerError) as info:
        load_ledgers(path.parent)
    problems = info.value.problems
    personal = problems[problems["check"] == "text.personal"]
    assert len(personal), problems.to_string()
    shown = str(info.value) + problems.to_string() + info.value.accounting.to_string()
    for fmt in ("table", "csv"):
        assert main(["validate", str(path.parent), "--format", fmt]) == 1
        out = capsys.readouterr()
        shown += out.out + out.err
    assert name not in shown and name[:1] + " " not in shown, where
    assert number not in shown and number[:7] not in shown, where
    assert "原文未显示" in shown


def test_a_number_alone_is_shown_masked_so_the_clerk_can_find_it(tmp_path):
    path = _returns(tmp_path)
    book = openpyxl.load_workbook(path)
    _place(book, "instructions", "13912345678")
    book.save(path)
    with pytest.raises(LedgerError) as info:
        load_ledgers(path.parent)
    personal = info.value.problems.query("check == 'text.personal'")
    assert personal["value"].tolist() == ["139******78"]


@pytest.mark.parametrize(("header", "shown"), [
    ("联系人王建国", "(共 6 字,原文未显示)"), ("信访人李秀英", "(共 6 字,原文未显示)"),
    ("联系电话", "联系电话"), ("身份证号码", "身份证号码"),
])  # fmt: skip
def test_a_header_naming_personal_data_never_shows_the_name_beside_it(tmp_path, header, shown):
    folder = tmp_path / "in"
    folder.mkdir()
    head = "走访编号,走访日期,责任单位,走访层级,走访形式,人次,案件编号"
    (folder / "走访登记.csv").write_text(
        f"{head},{header}\nV1,2019-03-05,工管站,来县,个体,1,GGZ-1,x\n", encoding="utf-8"
    )
    with pytest.raises(LedgerError) as info:
        load_ledgers(folder)
    problems = info.value.problems
    refused = problems[problems["check"] == "table.personal_header"]
    assert refused["column"].tolist() == [shown] and refused["value"].tolist() == [shown]
    assert not (problems["check"] == "table.extra_column").any()  # said once, as the error
    if shown != header:
        assert header[3:] not in problems.to_string() + info.value.accounting.to_string()


def test_a_formula_never_calculated_is_not_quoted_when_it_spells_text(tmp_path):
    path = _returns(tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    header_row = next(r for r in range(1, 8) if any(c.value == "案件编号" for c in ws[r]))
    col = next(c.column for c in ws[header_row] if c.value == "案件编号")
    ws.cell(header_row + 1, col, '="张"&"三丰"&"138"&"0013"&"8000"')
    book.save(path)  # openpyxl saves no cached value: the formula was never calculated
    with pytest.raises(LedgerError) as info:
        load_ledgers(path.parent)
    said = info.value.problems.query("check == 'cell.formula'")
    assert len(said) == 1 and said["value"].item() == "(共 29 字,原文未显示)"
    assert "三丰" not in info.value.problems.to_string()
