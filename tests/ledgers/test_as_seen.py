"""What the clerk sees is what is read (issue: the files offices really send): one test per
kind, each over several instances (formats, spellings, encodings) that nobody gave. The
fixtures in fixtures/seen are made by fixtures/make_seen.py; the others are made here."""

from __future__ import annotations

import codecs
import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from baiyi_lib import LedgerError, load_ledgers, load_rules
from baiyi_lib.cli import main

SEEN = Path(__file__).parent / "fixtures" / "seen"
RULES = load_rules()
VISIT_HEADER = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号"


def _errors(source) -> pd.DataFrame:
    with pytest.raises(LedgerError) as err:
        load_ledgers(source)
    p = err.value.problems
    return p[p["severity"] == "错误"]


# --------------------------------------------------------------------------- hidden sheets


@pytest.mark.parametrize(
    "name",
    [
        "very_hidden_走访.xlsx",
        "hidden_sheet_走访.xlsx",
        "hidden_sheet_走访.ods",
        "hidden_sheet_走访.xls",
    ],
)
def test_a_hidden_sheet_is_not_read_and_is_listed(name):
    led = load_ledgers(SEEN / name)
    assert list(led.visits["visit_id"]) == ["V1"]  # not V9, the 进京 visit of the old copy
    reasons = " ".join(led.not_read()["reason"])
    assert "隐藏的工作表" in reasons
    if name.startswith("very"):
        assert "深度隐藏" in reasons


@pytest.mark.parametrize("name", ["hidden_rows_走访.xlsx", "hidden_rows_走访.ods"])
def test_hidden_rows_are_data_and_the_accounting_says_so(name):
    led = load_ledgers(SEEN / name)
    assert list(led.visits["visit_id"]) == ["V1", "V2", "V3"]
    assert led.visits["case_id"].notna().all()  # the hidden column is read too
    assert any("隐藏行" in line and "第 3 行" in line for line in led.reading_lines())


# --------------------------------------------------------------------------- merged cells


@pytest.mark.parametrize("name", ["merged_走访.xlsx", "merged_走访.xls", "merged_走访.ods"])
def test_a_unit_merged_over_three_visits_is_each_visits_unit(name):
    v = load_ledgers(SEEN / name).visits.set_index("visit_id")
    assert list(v.loc[["V1", "V2", "V3", "V4"], "unit"]) == ["河道管理办公室"] * 3 + ["农水站"]


@pytest.mark.parametrize("name", ["merged_排查.xlsx", "merged_排查.ods"])
def test_merged_cells_in_a_screening_ledger(name):
    s = load_ledgers(SEEN / name).screening_rows.set_index("case_id")
    assert set(s["unit"]) == {"农水站"}
    assert s.at["NSZ-3", "category"] == "灌溉用水"  # merged over NSZ-2 and NSZ-3


@pytest.mark.parametrize("name", ["merged_积案.xlsx", "merged_积案.xls"])
def test_merged_cells_in_a_backlog_ledger(name):
    b = load_ledgers(SEEN / name).backlog
    assert list(b["unit"]) == ["农水站", "农水站"]


# --------------------------------------------------------------------------- header blocks


@pytest.mark.parametrize(
    "name", ["two_row_header_排查.xlsx", "two_row_header_排查.ods", "three_row_header_积案.xlsx"]
)
def test_a_header_block_of_two_or_three_rows_is_read(name):
    led = load_ledgers(SEEN / name)
    table = led.screening_rows if "排查" in name else led.backlog
    assert len(table) == 2
    resolved = table.set_index(table.columns[0]).loc["NSZ-1" if "排查" in name else "JA-1"]
    assert resolved["status"] == "已化解" and pd.notna(resolved["resolved_on"])


# --------------------------------------------------------------------------- template rows


@pytest.mark.parametrize("name", ["template_rows_走访.xlsx", "template_rows_走访.xls"])
def test_serial_numbers_and_prefilled_units_are_empty_rows_and_a_total_is_a_total(name):
    led = load_ledgers(SEEN / name)
    assert list(led.visits["visit_id"]) == ["V1", "V2"]
    remarks = led.problems[led.problems["check"] == "table.total_row"]
    assert list(remarks["row"]) == [23] and "合计" in remarks["problem"].iloc[0]
    note = " ".join(led.accounting["note"].astype(str))
    assert "18 个只有序号的空行" in note


# --------------------------------------------------------------------------- placeholders


@pytest.mark.parametrize(
    "spelling", ["暂无", "N/A", "不详", "／", "－", "空", "无案件编号", " 无 "]
)
def test_other_spellings_of_none_are_blank(tmp_path, spelling):
    path = tmp_path / "走访登记.csv"
    path.write_text(f"{VISIT_HEADER}\nV1,2019-03-05,农水站,来县,个体,1,{spelling},{spelling}\n",
                    encoding="utf-8")  # fmt: skip
    v = load_ledgers(path).visits
    assert v["case_id"].isna().all() and not v["irregular"].any()


def test_a_placeholder_in_a_required_column_is_an_empty_required_cell(tmp_path):
    path = tmp_path / "走访登记.csv"
    path.write_text(f"{VISIT_HEADER}\nV1,无,农水站,来县,个体,1,,\n", encoding="utf-8")
    e = _errors(path)
    assert list(e["column"]) == ["日期"] and "「无」表示没有,但此列必填" in e["problem"].iloc[0]


# --------------------------------------------------------------------------- text exports

ROWS = "V1\t2019-03-05\t农水站\t到市\t个体\t2\t否\tC1\n"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("走访登记.txt", "utf-16"),  # Excel "Unicode 文本" (little-endian, with a mark)
        ("走访登记.txt", "utf-16-be"),
        ("nsz_农水站.txt", "utf-8"),  # no ledger word in the name: known by its header
        ("走访登记.txt", "gb18030"),  # "文本文件(制表符分隔)"
    ],
)
def test_excels_text_exports_are_read(tmp_path, name, encoding):
    text = VISIT_HEADER.replace(",", "\t") + "\n" + ROWS
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    (tmp_path / name).write_bytes(data)
    v = load_ledgers(tmp_path).visits
    assert list(v["visit_id"]) == ["V1"] and int(v["persons"].iloc[0]) == 2


def test_a_semicolon_csv_is_read(tmp_path):
    (tmp_path / "走访登记.csv").write_text(
        VISIT_HEADER.replace(",", ";") + "\n" + ROWS.replace("\t", ";"), encoding="utf-8"
    )
    assert len(load_ledgers(tmp_path).visits) == 1


@pytest.mark.parametrize("name", ["走访登记.pdf", "排查台账.docx", "积案.wps"])
def test_a_file_named_as_a_ledger_that_cant_be_read_is_an_error(tmp_path, capsys, name):
    (tmp_path / "走访登记.csv").write_text(f"{VISIT_HEADER}\n" + ROWS.replace("\t", ","),
                                           encoding="utf-8")  # fmt: skip
    (tmp_path / name).write_bytes(b"%PDF-1.4 binary \x00\x01\x02")
    (tmp_path / "说明.docx").write_bytes(b"PK\x03\x04 not a ledger")  # plainly not: a remark
    assert main(["score", "--data", str(tmp_path), "--as-of", "2019-04-26"]) == 1
    err = capsys.readouterr().err
    assert name in err and "说明.docx" not in err


# --------------------------------------------------------------------------- zips


def _zip(path: Path, members: dict[str, bytes], utf8: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if utf8:
                info.flag_bits |= 0x800
            else:  # as Windows in Chinese writes it: GBK bytes, no flag
                info.filename = name.encode("gb18030").decode("cp437")
            zf.writestr(info, data)
    return path


def test_a_zip_with_utf8_names_and_a_folder_inside_is_read(tmp_path):
    csv = (f"{VISIT_HEADER}\n" + ROWS.replace("\t", ",")).encode("utf-8")
    z = _zip(tmp_path / "第8周.zip", {"第8周/办公室/走访登记.csv": csv}, utf8=True)
    led = load_ledgers(z)
    assert list(led.accounting["file"]) == ["第8周.zip/第8周/办公室/走访登记.csv"]


def test_a_zip_member_outside_the_archive_or_a_nested_zip_is_listed(tmp_path, capsys):
    csv = (f"{VISIT_HEADER}\n" + ROWS.replace("\t", ",")).encode("utf-8")
    z = _zip(tmp_path / "周五报送.zip",
             {"走访登记.csv": csv, "../../etc/走访登记.csv": csv, "旧的.zip": b"PK"})  # fmt: skip
    assert main(["validate", str(z)]) == 0
    out = capsys.readouterr().out
    assert "压缩包以外" in out and "压缩包中的压缩包" in out
    assert not (tmp_path.parent / "etc").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, capsys):
    path = tmp_path / "周五报送.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("走访登记.csv", b"0" * (RULES.limits.max_uncompressed_bytes + 1))
    assert main(["validate", str(path)]) == 1
    assert "超过读取限度" in capsys.readouterr().out


# --------------------------------------------------------------------------- hostile workbooks

BOMB = textwrap.dedent(
    """
    import sys
    from baiyi_lib import check_ledgers
    c = check_ledgers(sys.argv[1])
    print(sorted(set(c.problems["check"])))
    """
)


def _workbook_with(sheet_part: str, sheet_xml: bytes) -> bytes:
    """A minimal xlsx whose one sheet lives at ``sheet_part``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"/>')  # fmt: skip
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'officeDocument" Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.'
                    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
                    'name="走访登记" sheetId="1" r:id="rId1"/></sheets></workbook>')  # fmt: skip
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship'
            ' Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="/{sheet_part}"/></Relationships>',
        )
        zf.writestr(sheet_part, sheet_xml)
    return buf.getvalue()


def _sheet(body: bytes) -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + body + b"</sheetData></worksheet>"
    )


@pytest.mark.parametrize(
    "case",
    ["far_cell_outside_worksheets", "cells_without_references", "rows_without_references"],
)
def test_a_small_hostile_workbook_is_refused_not_a_crash(tmp_path, case):
    if case == "far_cell_outside_worksheets":
        body = (
            b'<row r="1"><c r="A1"><v>1</v></c></row>'
            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        )
        part = "xl/hide/here.xml"
    elif case == "cells_without_references":
        body = b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>"  # 300 columns, no r=
        part = "xl/worksheets/sheet1.xml"
    else:
        body = b"<row><c><v>1</v></c></row>" * 1_000_001  # a million rows, no r=
        part = "xl/worksheets/sheet1.xml"
    path = tmp_path / "走访登记.xlsx"
    path.write_bytes(_workbook_with(part, _sheet(body)))
    proc = subprocess.run([sys.executable, "-c", BOMB, str(path)], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "file.refused" in proc.stdout


# --------------------------------------------------------------------------- free text


def test_prose_in_a_dispute_category_or_a_case_id_is_refused_and_never_echoed(tmp_path, capsys):
    prose = "王小明与李大勇宅基地纠纷(王小明住后湖村3组)"
    (tmp_path / "nsz_农水站排查.csv").write_text(
        "填报单位:农水站\n案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\n"
        f"NSZ-1,农水站,2019-03-01,{prose},未化解,\nNSZ-2,农水站,2019-03-01,移民,未化解,\n"
        "王小明,农水站,2019-03-01,其他,未化解,\n",
        encoding="utf-8",
    )
    e = _errors(tmp_path)
    assert set(e["check"]) == {"cell.dispute", "cell.prose"}
    store = tmp_path / "s.duckdb"
    code = main(["ingest", str(tmp_path), "--store", str(store), "--received", "2019-03-08 17:00",
                 "--receipts", str(tmp_path / "回执")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    pages = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "回执").iterdir())
    for text in (out, err, pages, e.to_string()):
        assert "宅基地" not in text and "王小明" not in text and "后湖村" not in text
    assert "原文未显示" in out
    s = load_ledgers(_only(tmp_path, "NSZ-2")).screening_rows
    assert list(s["category"]) == ["移民补偿"]  # another spelling of a category in the list


def _only(tmp_path: Path, case: str) -> Path:
    out = tmp_path / "only"
    out.mkdir()
    (out / "nsz_农水站排查.csv").write_text(
        "案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\n"
        f"{case},农水站,2019-03-01,移民,未化解,\n",
        encoding="utf-8",
    )
    return out
