"""A file's or a sheet's name is stored with what it carries (submissions.file, every
row's sheet) and shown on the terminal, the receipts and the export: it may not bring a
person in. A personal number in a file name refuses the file, as in a sheet name (a number
is told for certain); Chinese in a name that is not made of the words returns are named
with (units, ledgers, documents, ledgers.yaml file_names) may be a person's name and is
shown and stored by its length (□ a character): a name can't be told for certain, and a
batch is all or nothing, so an honest file is never refused for its name."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pytest
from support import RULES

from baiyi_lib import check_ledgers
from baiyi_lib.cli import main
from baiyi_lib.ledgers.schema import headers

ROW = ["NSZ-2019-001", "农水站", "2019-03-01", "移民", "未化解"]


def _book(path: Path, sheet: str = "矛盾纠纷排查化解登记表", rows=(ROW,)) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["填报单位", "农水站", "零报告", "否"])
    ws.append(headers("screening"))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def _everything(tmp_path: Path, out: str, store: Path) -> str:
    pages = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "回执").glob("*.html"))
    con = duckdb.connect(str(store), read_only=True)
    try:
        files = " ".join(f for (f,) in con.execute("SELECT file FROM submissions").fetchall())
        sheets = " ".join(
            s for (s,) in con.execute("SELECT DISTINCT src_sheet FROM rows_screening").fetchall()
        )
    finally:
        con.close()
    return " ".join([out, pages, files, sheets])


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("王建国反映情况台账.xlsx", "王建国"),
        ("张伟.xlsx", "张伟"),
        ("nsz_农水站(王芳).xlsx", "王芳"),
        ("农水站排查_李秀英.xlsx", "李秀英"),
        ("欧阳娜娜 农水站.xlsx", "欧阳"),
    ],
)
def test_a_person_named_in_a_file_name_is_shown_and_stored_by_length(
    tmp_path, capsys, name, person
):
    week = tmp_path / "w"
    week.mkdir()
    _book(week / name)
    store = tmp_path / "s.duckdb"
    argv = ["ingest", str(week), "--store", str(store), "--received", "2019-03-08 17:00"]
    assert main([*argv, "--receipts", str(tmp_path / "回执")]) == 0
    out = capsys.readouterr().out
    said = _everything(tmp_path, out, store)
    assert person not in said and person[1:] not in said, said
    assert "□" * len(person) in said
    assert main(["export", str(tmp_path / "x.xlsx"), "--data", str(store)]) == 0


@pytest.mark.parametrize(
    "name",
    ["nsz_农水站.xlsx", "农水站排查台账(3月8日).xlsx", "新建 Microsoft Excel 工作表.xlsx",
     "nsz_农水站_修改版.xlsx", "河道办矛盾纠纷排查化解登记表(最终版).xlsx"],
)  # fmt: skip
def test_an_honest_file_name_is_shown_as_written(tmp_path, name):
    _book(tmp_path / name)
    files = check_ledgers(tmp_path, RULES).accounting["file"]
    assert list(files) == [name]


@pytest.mark.parametrize(
    "name", ["农水站13912345678.xlsx", "13912345678.xlsx", "nsz_农水站(联系139 1234 5678).xlsx",
             "农水站370102198001011234排查.xlsx"],
)  # fmt: skip
def test_a_personal_number_in_a_file_name_refuses_it_as_in_a_sheet_name(tmp_path, capsys, name):
    week = tmp_path / "w"
    week.mkdir()
    _book(week / name)
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(week), "--store", str(store), "--received", "2019-03-08 17:00"]) == 1
    out = capsys.readouterr().out
    assert "文件名中含" in out
    digits = "".join(ch for ch in name if ch.isdigit())
    assert digits not in "".join(ch for ch in out if ch.isdigit())
    problems = check_ledgers(week, RULES).problems
    assert set(problems.loc[problems["severity"] == "错误", "check"]) == {"text.personal"}
    sheet = tmp_path / "sheet"
    sheet.mkdir()
    _book(sheet / "nsz_农水站.xlsx", sheet="排查13912345678")  # the sheet's rule, the same
    p = check_ledgers(sheet, RULES).problems
    assert set(p.loc[p["severity"] == "错误", "check"]) == {"text.personal"}


def test_a_sheet_named_after_a_person_is_stored_by_length(tmp_path, capsys):
    week = tmp_path / "w"
    week.mkdir()
    _book(week / "nsz_农水站.xlsx", sheet="王建国")
    store = tmp_path / "s.duckdb"
    argv = ["ingest", str(week), "--store", str(store), "--received", "2019-03-08 17:00"]
    assert main([*argv, "--receipts", str(tmp_path / "回执")]) == 0
    said = _everything(tmp_path, capsys.readouterr().out, store)
    assert "王建国" not in said and "建国" not in said


def test_two_names_masked_alike_stay_two_files(tmp_path, capsys):
    week = tmp_path / "w"
    week.mkdir()
    _book(week / "张伟.xlsx")
    _book(week / "李娜.xlsx", rows=[["NSZ-2019-002", *ROW[1:]]])
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(week), "--store", str(store), "--received", "2019-03-08 17:00"]) == 0
    con = duckdb.connect(str(store), read_only=True)
    files = sorted(f for (f,) in con.execute("SELECT file FROM submissions").fetchall())
    rows = con.execute("SELECT count(*) FROM rows_screening").fetchall()[0][0]
    con.close()
    assert len(set(files)) == 2 and all("□□" in f for f in files) and rows == 2


def test_two_names_shown_alike_before_masking_stay_two_files(tmp_path):
    """Two spellings of one phone number show alike (138******00): each file keeps a name
    of its own, and each error is said of its own file (both were named "(2)", and each
    listed the other's error)."""
    week = tmp_path / "w"
    week.mkdir()
    _book(week / "nsz_农水站_13800138000.xlsx")
    _book(week / "nsz_农水站_138 0013 8000.xlsx", rows=[["NSZ-2019-002", *ROW[1:]]])
    checked = check_ledgers(week, RULES)
    files = sorted(checked.accounting["file"].astype(str))
    assert len(set(files)) == 2, files
    said = checked.problems[checked.problems["check"] == "text.personal"]
    assert sorted(said["file"]) == files and said["value"].nunique() == 2
