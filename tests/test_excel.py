"""Excel templates for the units and the export to print."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from support import ledgers

from baiyi_lib import load_ledgers, load_rules, score
from baiyi_lib.cli import main
from baiyi_lib.excel import write_templates
from baiyi_lib.present import spreadsheet_safe

R = load_rules()


def _validations(ws) -> dict[str, str]:
    return {
        str(dv.sqref).split(":")[0][:1]: dv.formula1 for dv in ws.data_validations.dataValidation
    }


def test_templates_have_headers_dropdowns_dates_frozen_header_and_instructions(tmp_path):
    paths = write_templates(tmp_path, R)
    wb = openpyxl.load_workbook(paths[0])
    ws = wb["走访登记"]
    assert [c.value for c in ws[2]] == [
        "编号",
        "日期",
        "责任单位",
        "走访层级",
        "走访形式",
        "人次",
        "非访",
        "案件编号",
        "不满初次办理",
        "内部人员",
    ]
    dv = _validations(ws)
    assert dv["D"] == '"进京,去省,到市,来县"' and dv["E"] == '"个体,集体"' and dv["G"] == '"是,否"'
    assert dv["C"].startswith("'选项'!")  # units from the hidden list sheet
    assert ws["B3"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A3"
    assert "填表说明" in wb.sheetnames and wb["选项"].sheet_state == "hidden"


def test_a_template_filled_in_as_a_person_would_loads_without_error(tmp_path):
    path = write_templates(tmp_path, R, unit="农水站")[0]
    wb = openpyxl.load_workbook(path)
    s = wb["矛盾纠纷排查化解登记表"]
    s.append(
        ["NSZ-001", "农水站", dt.date(2019, 3, 1), "工程款", "未化解", None]
    )  # below the prepared rows
    s["A3"], s["B3"], s["C3"], s["D3"], s["E3"], s["F3"] = (
        "NSZ-002",
        "农水站",
        dt.date(2019, 3, 8),
        "水事纠纷",
        "已化解",
        dt.date(2019, 3, 7),
    )
    b = wb["信访积案"]
    b["A3"], b["B3"], b["C3"], b["D3"], b["E3"], b["F3"], b["G3"] = (
        "JA-1",
        "农水站",
        dt.date(2008, 4, 1),
        "已化解",
        dt.date(2019, 4, 1),
        "是",
        dt.date(2019, 4, 5),
    )
    wb.save(path)
    led = load_ledgers(path)
    assert sorted(led.screening["case_id"].astype(str)) == ["NSZ-001", "NSZ-002"]
    assert led.backlog["certified"].tolist() == [True]
    assert score(led).scores.set_index("unit").at["农水站", "bonuses"] == 200


def test_template_for_an_unknown_unit_is_refused(tmp_path, capsys):
    assert main(["template", str(tmp_path), "--unit", "火星站"]) == 2
    assert "未知单位" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("V1", "V1")],
)
def test_spreadsheet_safe(text, escaped):
    assert spreadsheet_safe(text) == escaped


def test_export_never_writes_a_formula(tmp_path):
    led = ledgers(
        visits=[
            {
                "visit_id": '=HYPERLINK("x")',
                "date": "2019-03-05",
                "unit": "农水站",
                "level": "来县",
                "case_id": "@C1",
            }
        ]
    )
    from baiyi_lib.excel import export

    result = score(led)
    path = export(tmp_path / "x.xlsx", result.scores, result.points, led.problems)
    wb = openpyxl.load_workbook(path)
    values = [
        c.value for row in wb["计分明细"].iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert not any(v.startswith(("=", "@")) for v in values)
    with zipfile.ZipFile(path) as z:
        assert not any(
            "<f>" in z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.startswith("xl/worksheets/")
        )
    ws = wb["得分"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


def test_export_command(tmp_path, capsys):
    out = tmp_path / "导出.xlsx"
    assert main(["export", str(out), "--as-of", "2019-04-26"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["得分", "计分明细", "台账问题"]
    assert wb["得分"].max_row == 26
    broken = str(__import__("pathlib").Path(__file__).parent / "ledgers" / "fixtures" / "broken")
    assert main(["export", str(tmp_path / "b.xlsx"), "--data", broken]) == 1
    assert openpyxl.load_workbook(tmp_path / "b.xlsx")["台账问题"].max_row > 20
