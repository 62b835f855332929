"""Nothing dropped, nothing absurd, nothing crashing: every file format a county office
saves is read, anything else is listed, and hostile files are refused before they are
inflated. Each failure is a Chinese message naming the file; nothing reaches the store.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from baiyi_lib import LedgerError, check_ledgers, load_ledgers
from baiyi_lib.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = FIXTURES / "formats"
BROKEN = FIXTURES / "broken"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(p.name for p in FORMATS.iterdir()))
def test_every_workbook_format_reads_the_same_rows(name):
    reference = load_ledgers(FORMATS / "走访登记.xlsx").visits
    visits = load_ledgers(FORMATS / name).visits
    cols = ["visit_id", "date", "unit", "level", "form", "persons", "case_id"]
    assert visits[cols].astype(str).values.tolist() == reference[cols].astype(str).values.tolist()
    assert visits["persons"].sum() == 4  # 1 + 3


def test_a_wps_file_in_a_folder_is_read_and_other_files_are_listed(tmp_path):
    shutil.copy(FORMATS / "走访登记_wps.et", tmp_path)
    (tmp_path / "工作总结.docx").write_bytes(b"PK\x03\x04 not a ledger")
    (tmp_path / "~$走访登记.xlsx").write_bytes(b"lock")
    checked = check_ledgers(tmp_path)
    assert checked.ok
    assert checked.ledgers is not None and len(checked.ledgers.visits) == 2
    acc = checked.accounting.set_index("file")
    assert acc.at["走访登记_wps.et", "rows_used"] == 2
    assert (
        acc.at["工作总结.docx", "kind"] == "未读取" and ".docx" in acc.at["工作总结.docx", "note"]
    )
    assert acc.at["~$走访登记.xlsx", "kind"] == "未读取"
    remarks = checked.problems[checked.problems["severity"] == "提示"]
    assert set(remarks["file"]) >= {"工作总结.docx", "~$走访登记.xlsx"}


def test_validate_and_ingest_say_what_was_not_read(tmp_path, capsys):
    shutil.copy(FORMATS / "走访登记.ods", tmp_path)
    (tmp_path / "说明.txt").write_text("见附件", encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "说明.txt" in out and "未读取" in out
    assert main(["ingest", str(tmp_path), "--store", str(tmp_path / "s.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "说明.txt" in out and "未读取" in out and "走访登记.ods" in out


@pytest.mark.parametrize("name", ["huge_extent_走访.xlsx", "huge_extent_走访.xlsb"])
def test_a_workbook_claiming_the_whole_grid_is_refused_before_reading(name):
    # A1 and XFD1048576 filled: the reader would allocate 17 billion cells and abort (134)
    code = (
        "from baiyi_lib import check_ledgers;"
        f"r = check_ledgers({str(BROKEN / name)!r});"
        "print(r.problems['problem'].iloc[0])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "A1:XFD1048576" in proc.stdout and "超过读取限度" in proc.stdout
    assert "工作表「走访登记」" in proc.stdout


def _bomb(path: Path, size: int, lie: bool = False, part: str = "xl/worksheets/sheet1.xml") -> None:
    """A workbook whose part inflates to ``size`` bytes of padding; with ``lie`` the zip
    directory claims the part is 1 KB."""
    good = FORMATS / "走访登记.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                end = data.rfind(b"</")
                data = data[:end] + b" " * size + data[end:]
            out.writestr(info.filename, data)
    if lie:
        raw = bytearray(path.read_bytes())
        name = part.encode()
        central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(name))
        raw[central + 24 : central + 28] = (1024).to_bytes(4, "little")  # uncompressed size
        path.write_bytes(bytes(raw))


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path):
    _bomb(tmp_path / "bomb_走访.xlsx", 250_000_000)
    assert (tmp_path / "bomb_走访.xlsx").stat().st_size < 1_000_000
    with pytest.raises(LedgerError, match="解压后超过 200 MB"):
        load_ledgers(tmp_path / "bomb_走访.xlsx")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_a_zip_bomb_with_a_lying_directory_is_refused_as_damaged(tmp_path, part):
    _bomb(tmp_path / "liar_走访.xlsx", 50_000_000, lie=True, part=part)
    with pytest.raises(LedgerError, match="损坏"):
        load_ledgers(tmp_path / "liar_走访.xlsx")


def test_a_200000_character_field_is_refused_in_chinese_with_its_row(tmp_path):
    header = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员"
    long_text = "很" * 200_000
    (tmp_path / "走访.csv").write_text(
        f"{header}\nV1,2019-03-05,农水站,来县,个体,1,否,{long_text},否,否\n", encoding="utf-8"
    )
    with pytest.raises(LedgerError) as info:
        load_ledgers(tmp_path / "走访.csv")
    p = info.value.problems.iloc[0]
    assert p["row"] == 2 and p["column"] == "案件编号"
    assert "过长(200000 字)" in p["problem"]
    assert len(str(info.value)) < 2000  # the value is shortened in the message


def test_dates_outside_the_campaign_are_remarks_and_not_scored(tmp_path):
    header = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员"
    (tmp_path / "走访.csv").write_text(
        f"{header}\nV1,2018-03-05,农水站,来县,个体,1,否,C1,否,否\n", encoding="utf-8"
    )
    checked = check_ledgers(tmp_path)
    assert checked.ok
    remark = checked.problems.iloc[0]
    assert remark["severity"] == "提示" and "不在行动期内" in remark["problem"]


@pytest.mark.parametrize(
    "name",
    [
        "duplicate_header_走访.csv",
        "empty_走访.csv",
        "empty_sheet_走访.xlsx",
        "huge_persons_走访.csv",
        "overflow_persons_走访.csv",
        "year_0019_走访.csv",
        "year_9019_走访.csv",
        "year_9999_走访.xlsx",
        "control_chars_走访.csv",
        "encrypted_走访.xlsx",
        "huge_extent_走访.xlsx",
        "huge_extent_走访.xlsb",
    ],
)
def test_each_hostile_file_exits_1_and_stores_nothing(name, tmp_path, capsys):
    assert main(["validate", str(BROKEN / name)]) == 1
    out = capsys.readouterr().out
    assert name in out and "[错误]" in out
    assert "\x1b" not in out and "\x00" not in out  # nothing reaches the terminal raw
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(BROKEN / name), "--store", str(store)]) == 1
    out = capsys.readouterr().out
    assert f"拒收 {name}" in out and "Traceback" not in out
    assert not store.exists()  # a refused batch does not even open the store
