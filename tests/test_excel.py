"""Excel templates for the units and the export to print."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support import fill, ledgers, remount_read_only, sample_as_sent, tmpfs
from truth import scores

from baiyi_lib import LedgerError, load_ledgers, load_rules, score
from baiyi_lib.cli import main
from baiyi_lib.excel import write_templates
from baiyi_lib.present import spreadsheet_safe
from baiyi_lib.store import ingest

R = load_rules()
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
BROKEN = Path(__file__).resolve().parent / "ledgers" / "fixtures" / "broken"


def _validations(ws) -> dict[str, str]:
    return {
        str(dv.sqref).split(":")[0][:1]: dv.formula1 for dv in ws.data_validations.dataValidation
    }


def test_templates_have_headers_dropdowns_dates_frozen_header_and_instructions(tmp_path):
    paths = write_templates(tmp_path, R)
    wb = openpyxl.load_workbook(paths[0])
    ws = wb["走访登记"]
    assert [c.value for c in ws[2]][:4] == ["填报单位", None, "零报告", "否"]
    assert [c.value for c in ws[3]] == [
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
        "主要负责人到场",  # 实施方案 四(三): optional, blank is not recorded
        "到场日期",
        "来局走访",
        "接待领导",  # 实施方案 四(一): a post, never a name
    ]
    dv = _validations(ws)
    assert dv["D"] == '"进京,去省,到市,来县"' and dv["E"] == '"个体,集体"' and dv["G"] == '"是,否"'
    assert dv["N"] == '"' + ",".join(R.reading.posts) + '"'  # the posts of ledgers.yaml
    assert dv["K"] == '"是,否"' and ws.column_dimensions["L"].number_format == "yyyy-mm-dd"
    assert dv["C"].startswith("'选项'!")  # units from the hidden list sheet
    assert ws.column_dimensions["B"].number_format == "yyyy-mm-dd"  # the whole column
    assert ws.freeze_panes == "A4"
    assert "填表说明" in wb.sheetnames and wb["选项"].sheet_state == "hidden"


def test_a_template_filled_in_as_a_person_would_loads_without_error(tmp_path):
    path = write_templates(tmp_path, R, unit="农水站")[0]
    wb = openpyxl.load_workbook(path)
    s = wb["矛盾纠纷排查化解登记表"]
    s.append(
        ["NSZ-001", "农水站", dt.date(2019, 3, 1), "工程款", "未化解", None]
    )  # below the prepared rows
    s["A4"], s["B4"], s["C4"], s["D4"], s["E4"], s["F4"] = (
        "NSZ-002",
        "农水站",
        dt.date(2019, 3, 8),
        "水事纠纷",
        "已化解",
        dt.date(2019, 3, 7),
    )
    b = wb["信访积案"]
    b["A4"], b["B4"], b["C4"], b["D4"], b["E4"], b["F4"], b["G4"] = (
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
                "visit_id": '=HYPERLINK("x1")',
                "date": "2019-03-05",
                "unit": "农水站",
                "level": "来县",
                "case_id": "@C1",
            }
        ]
    )
    from baiyi_lib.excel import export

    result = score(led)
    path = export(tmp_path / "x.xlsx", result, led.problems)
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
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$2"


def test_export_command(tmp_path):
    """`baiyi export` from a store of its own (the whole campaign's returns): as of 04-26,
    each unit's row of 得分, and its points in 计分明细, are the figures worked out from
    the sample. On ledgers with errors: exit 1, no unit scored, every faulty file listed."""
    store, out, as_of = tmp_path / "s.duckdb", tmp_path / "导出.xlsx", dt.date(2019, 4, 26)
    ingest([SAMPLE], store, received=dt.datetime(2019, 6, 3, 17))
    assert main(["export", str(out), "--data", str(store), "--as-of", str(as_of)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "得分",
        "计分明细",
        "未计分的行",
        "需要关注",
        "履职情况",
        "口径与说明",
        "台账问题",
    ]
    truth = scores(as_of)
    rows = pd.DataFrame(wb["得分"].iter_rows(min_row=3, values_only=True))
    rows.columns = [c.value for c in wb["得分"][2]]
    shown = rows.set_index("单位")[["排名", "扣分", "加分", "得分"]]
    cols = ["rank", "deductions", "bonuses", "score"]
    assert shown.T.to_dict("list") == truth[cols].T.to_dict("list")
    assert set(rows.loc[rows["一票否决"] == "是", "单位"]) == set(truth.index[truth["veto"]])
    detail = pd.DataFrame(wb["计分明细"].iter_rows(min_row=3, values_only=True))
    detail.columns = [c.value for c in wb["计分明细"][2]]
    net = detail.groupby("单位")["分值"].sum().reindex(truth.index, fill_value=0)
    assert net.to_dict() == (truth["bonuses"] - truth["deductions"]).to_dict()

    assert main(["export", str(tmp_path / "b.xlsx"), "--data", str(BROKEN)]) == 1
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert [r[0] for r in wb["得分"].iter_rows(min_row=3, values_only=True)] == ["没有单位"]
    named = {r[2] for r in wb["台账问题"].iter_rows(min_row=3, values_only=True)}
    assert named == {p.name for p in BROKEN.iterdir()}


def test_the_export_prints_as_people_read_it(tmp_path):
    from baiyi_lib.excel import PAGE_WIDTH, export

    led = load_ledgers(SAMPLE)
    result = score(led, R, as_of="2019-04-26")
    wb = openpyxl.load_workbook(export(tmp_path / "x.xlsx", result, led.problems.iloc[0:0]))
    for ws in wb.worksheets:
        assert "统计截至 2019年4月26日" in ws["A1"].value  # the title on every page:
        assert ws.print_title_rows == "$1:$2"  # rows 1-2 repeat
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        widths = sum(d.width for d in ws.column_dimensions.values())
        assert widths <= PAGE_WIDTH, (ws.title, widths)  # 10 pt stays >= 8 pt (tests/office)
    detail = wb["计分明细"]
    header = [c.value for c in detail[2]]
    first = dict(zip(header, [c.value for c in detail[3]], strict=True))
    assert isinstance(first["日期"], dt.datetime) and detail["A3"].number_format == "yyyy-mm-dd"
    assert first["规则"] == "来县个体走访" and first["条款"] == "附件2 一(四)8"
    assert first["计算"] == "1 人次 × -10" and "第" in first["台账位置"]
    assert not any("county." in str(c.value) for row in detail.iter_rows() for c in row)
    assert wb["台账问题"]["A3"].value == "没有发现问题"  # not a blank printed page


def test_template_prompts_say_what_their_validation_admits(tmp_path):
    wb = openpyxl.load_workbook(write_templates(tmp_path, R)[0])
    prompts = {
        str(dv.sqref)[:1]: dv
        for dv in wb["走访登记"].data_validations.dataValidation
        if not str(dv.sqref).endswith("2")  # row 2: 填报单位 and 零报告
    }
    persons, date = prompts["F"], prompts["B"]
    assert persons.type == "whole" and "3人" not in persons.prompt and "只填数字" in persons.prompt
    assert date.type == "date" and "2019.3.5" not in date.prompt
    ws = wb["走访登记"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws["A4"].border.left.style == "thin"  # a ruled form on paper


def test_an_instructions_sheet_saved_as_csv_is_skipped_like_the_sheet(tmp_path):
    import shutil

    shutil.copytree(SAMPLE, tmp_path / "s")
    (tmp_path / "s" / "农水站_填表说明.csv").write_text(
        "填表说明\n1. 每周五报送\n", encoding="utf-8"
    )
    led = load_ledgers(tmp_path / "s")
    acc = led.accounting.set_index("file")
    assert acc.at["农水站_填表说明.csv", "note"] == "填表说明"
    (tmp_path / "s" / "农水站_填表说明.csv").write_text("问题请打 13800138000\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="手机号码"):
        load_ledgers(tmp_path / "s")  # still scanned for personal data


def test_a_return_missing_a_sheet_it_used_to_carry_is_pointed_out(
    tmp_path, tmp_path_factory, capsys
):
    from baiyi_lib.store import ingest, return_gaps

    sent = sample_as_sent(dt.date(2019, 3, 29), tmp_path_factory)  # as it was on 03-29
    unit_book = sent / "units" / "nsz_农水站.xlsx"
    store = tmp_path / "s.duckdb"
    ingest([unit_book], store, received=dt.datetime(2019, 3, 29, 17))
    # Excel's "save as CSV" keeps the first sheet only: the screening ledger, no backlog
    sheets = pd.read_excel(unit_book, sheet_name=None, header=None, dtype=object, engine="calamine")
    week = tmp_path / "第6周"
    week.mkdir()
    sheets["矛盾纠纷排查化解登记表"].to_csv(week / "nsz_农水站.csv", index=False, header=False)
    args = ["ingest", str(week), "--store", str(store), "--received", "2019-04-05 17:00"]
    assert main(["validate", str(week), "--store", str(store)]) == 0
    assert "农水站 本次报送没有信访积案" in capsys.readouterr().out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "提示:农水站 本次报送没有信访积案" in out and "另存为 CSV" in out
    gaps = return_gaps(store)
    assert gaps[["unit", "kind"]].values.tolist() == [["农水站", "backlog"]]
    from baiyi_lib.report.briefing import Briefing

    returns = Briefing.prepare(str(store), "2019-04-05", unit="农水站").returns().markup
    assert "农水站:缺信访积案" in returns and "另存为 CSV" in returns
    # two CSVs in one batch, or the same workbook again: nothing to point out
    sheets["信访积案"].to_csv(week / "nsz_农水站_积案.csv", index=False, header=False)
    assert main([*args[:-1], "2019-04-12 17:00"]) == 0
    assert "本次报送没有" not in capsys.readouterr().out
    args = ["ingest", str(unit_book), "--store", str(store), "--received", "2019-04-19 17:00"]
    assert main(args) == 0
    assert "本次报送没有" not in capsys.readouterr().out


def test_a_template_sent_as_a_zero_return_is_read_as_one(tmp_path):
    from baiyi_lib import check_ledgers

    path = write_templates(tmp_path, R, unit="农水站")[0]
    wb = openpyxl.load_workbook(path)
    for ws in (wb["矛盾纠纷排查化解登记表"], wb["信访积案"]):
        ws["D2"] = "是"  # 零报告, as a person picks it from the dropdown
    wb.save(path)
    checked = check_ledgers(path)
    assert checked.ok, checked.problems.to_string()
    tables = checked.accounting[checked.accounting["kind"] != ""]
    assert tables["zero"].all() and set(tables["unit"]) == {"农水站"}


def test_the_export_carries_the_attention_lists_and_the_readings(tmp_path):
    """The workbook the office prints has what the briefing has beside the scores: the
    需要关注 lists (here the repeated cases, recounted from the register) and every
    interpretation in force with the disclosures."""
    from truth import happened

    out = tmp_path / "x.xlsx"
    assert main(["export", str(out), "--data", str(SAMPLE), "--as-of", "2019-04-26"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "得分",
        "计分明细",
        "未计分的行",
        "需要关注",
        "履职情况",
        "口径与说明",
        "台账问题",
    ]
    rows = list(wb["需要关注"].iter_rows(min_row=3, values_only=True))
    repeats = {(r[2], r[3]) for r in rows if r[0].startswith("同一案件多次走访")}
    v = happened(dt.date(2019, 4, 26)).dropna(subset=["case"])
    per_case = v.groupby(["unit", "case"]).size()
    assert repeats == set(per_case[per_case > 1].index)
    notes = list(wb["口径与说明"].iter_rows(min_row=3, values_only=True))
    names = {r[1] for r in notes if r[0].startswith("口径")}
    assert names == {it.label for it in load_rules().interpretations.values()}
    assert any(r[0] == "数据质量" for r in notes)
    assert main(["export", str(out), "--data", str(SAMPLE), "--set", "doubling=stack"]) == 0
    notes = list(openpyxl.load_workbook(out)["口径与说明"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in notes if r[0] == "口径(非默认)"] == ["两项加倍条件同时成立时"]


# --------------------------------------------------------------------------- a disk that says no


def _export(target: Path, as_of: str = "2019-04-26") -> int:
    return main(["export", str(target), "--data", str(SAMPLE), "--as-of", as_of])


@pytest.mark.parametrize("trouble", ["full", "read-only"])
def test_an_export_that_cant_be_written_keeps_the_previous_workbook(capsys, trouble):
    with tmpfs("4m") as fs:
        target = fs / "得分.xlsx"
        assert _export(target, "2019-03-15") == 0  # an earlier week: a smaller workbook
        capsys.readouterr()
        before = target.read_bytes()
        if trouble == "full":
            fill(fs)
        else:
            remount_read_only(fs)
        assert _export(target) == 5
        err = capsys.readouterr().err
        assert "Traceback" not in err and str(target) in err and "未改动" in err, err
        assert ("磁盘空间已满" if trouble == "full" else "只读") in err, err
        assert target.read_bytes() == before
        assert sorted(p.name for p in fs.iterdir()) == sorted(
            ["得分.xlsx", *(["filler"] if trouble == "full" else [])]
        )  # no temporary file left behind
