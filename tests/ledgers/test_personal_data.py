"""Cases, never people: personal data in any spelling, anywhere in a file, is refused, and
is never shown in full in any message, table, page or store.

One fixture per variant (tests/ledgers/fixtures/personal, made by make_fixtures.py).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from baiyi_lib import LedgerError, check_ledgers, load_ledgers
from baiyi_lib.cli import main
from baiyi_lib.ledgers.privacy import detect, is_pii_header, mask_text

HERE = Path(__file__).parent / "fixtures"
PERSONAL = HERE / "personal"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

# the raw personal numbers of the fixtures, in the plain digits they all reduce to
SECRETS = ["13800138000", "11010519491231002", "110105491231002", "1101051949123100"]

# file, Excel row, column (as the problem names it), what was found
CASES = [
    ("mobile_spaced_走访.csv", 4, "案件编号", "手机号码"),
    ("mobile_dashed_走访.csv", 4, "案件编号", "手机号码"),
    ("mobile_plus86_走访.csv", 4, "案件编号", "手机号码"),
    ("mobile_0086_走访.csv", 4, "案件编号", "手机号码"),
    ("mobile_fullwidth_走访.csv", 4, "案件编号", "手机号码"),
    ("id_fullwidth_走访.csv", 4, "案件编号", "身份证号码"),
    ("id_spaced_走访.csv", 4, "案件编号", "身份证号码"),
    ("id_15_digits_走访.csv", 4, "案件编号", "身份证号码"),
    ("id_number_cell_走访.xlsx", 4, "案件编号", "身份证号码"),
    ("persons_mobile_走访.csv", 4, "人次", "手机号码"),
    ("unit_mobile_走访.csv", 4, "责任单位", "手机号码"),
    ("title_row_走访.xlsx", 1, "标题行 A1", "手机号码"),
    ("instructions_走访.xlsx", 1, "填表说明 A1", "手机号码"),
    ("comment_走访.xlsx", 3, "批注 H3", "身份证号码"),
]
HEADERS = ["联系人", "反映人", "申请人", "被访人", "tel", "微信", "QQ", "邮箱", "E-mail"]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _leaks(text: str) -> list[str]:
    """Secrets that appear in a text, in any spelling (spaces, dashes, full-width)."""
    digits = _digits(text)
    return [s for s in SECRETS if s in digits]


@pytest.mark.parametrize(("name", "row", "column", "what"), CASES, ids=[c[0] for c in CASES])
def test_every_variant_is_refused_where_it_stands(name, row, column, what):
    with pytest.raises(LedgerError) as info:
        load_ledgers(PERSONAL / name)
    problems = info.value.problems
    errors = problems[problems["severity"] == "错误"]
    hit = errors[(errors["row"] == row) & (errors["column"] == column)]
    assert len(hit) >= 1, errors.to_string()
    assert what in hit.iloc[0]["problem"]
    assert hit.iloc[0]["file"] == name


@pytest.mark.parametrize("header", HEADERS)
def test_headers_that_name_people_refuse_the_table(header):
    name = f"header_{HEADERS.index(header) + 1}_走访.csv"
    with pytest.raises(LedgerError, match="个人信息") as info:
        load_ledgers(PERSONAL / name)
    acc = info.value.accounting
    assert acc.loc[acc["file"] == name, "rows_refused"].item() == 2  # the whole table


def test_legitimate_headers_and_ids_are_not_taken_for_people():
    assert not any(is_pii_header(h) for h in ("内部人员", "人次", "初次信访日期", "hotel"))
    assert all(detect(v) == "" for v in ("ZF2019030033", "XSK-2019-001", "20190305", "3人"))


@pytest.mark.parametrize("name", sorted(p.name for p in PERSONAL.iterdir()))
def test_no_message_shows_a_personal_number(name, capsys):
    with pytest.raises(LedgerError) as info:
        load_ledgers(PERSONAL / name)
    err = info.value
    shown = str(err) + err.problems.to_string() + err.accounting.to_string()
    assert _leaks(shown) == []
    for fmt in ("table", "csv"):
        assert main(["validate", str(PERSONAL / name), "--format", fmt]) == 1
        out = capsys.readouterr()
        assert _leaks(out.out + out.err) == []


def test_a_mobile_number_in_the_head_count_is_never_a_head_count():
    with pytest.raises(LedgerError) as info:
        load_ledgers(PERSONAL / "persons_mobile_走访.csv")
    assert "13800138000" not in str(info.value)
    assert info.value.accounting["rows_refused"].sum() == 1


def test_mask_text_masks_every_spelling():
    for raw in (
        "138 0013 8000",
        "+86 138-0013-8000",
        "１３８００１３８０００",
        "110105 19491231 002X",
    ):
        assert _leaks(mask_text(raw)) == [], raw
    assert mask_text("信访人电话13800138000") == "信访人电话138******00"


def test_a_file_named_after_a_phone_number_is_refused_shown_masked(tmp_path):
    """As a sheet named after one is (the name is stored with the submission): before,
    the file was read and its name stored masked."""
    shutil.copy(SAMPLE / "敏感事件.xlsx", tmp_path / "13800138000 敏感事件.xlsx")
    checked = check_ledgers(tmp_path)
    errors = checked.problems[checked.problems["severity"] == "错误"]
    assert list(errors["check"]) == ["text.personal"] and list(errors["column"]) == ["文件名"]
    assert set(errors["file"]) == {"138******00 敏感事件.xlsx"}
    assert "13800138000" not in checked.problems.to_string()


def test_ingest_refuses_and_stores_nothing(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(PERSONAL), "--store", str(store)]) == 1
    out = capsys.readouterr()
    assert _leaks(out.out + out.err) == []
    assert not store.exists()  # a refused batch does not even open the store


def test_a_failed_report_and_an_export_show_no_personal_number(tmp_path, capsys):
    from baiyi_lib.report.run import Job, execute

    folder = tmp_path / "台账"
    shutil.copytree(PERSONAL, folder)
    entry = execute(Job("weekly_briefing", "2019-04-26", None, None, str(folder)), tmp_path)
    assert entry["status"] == "failed" and "个人信息" in entry["error"]
    for page in (tmp_path / "index.html", tmp_path / "2019-04-26" / "manifest.json"):
        assert _leaks(page.read_text(encoding="utf-8")) == [], page.name
    target = tmp_path / "导出.xlsx"
    assert main(["export", str(target), "--data", str(folder), "--as-of", "2019-04-26"]) == 1
    capsys.readouterr()
    import openpyxl

    cells = [
        str(c)
        for ws in openpyxl.load_workbook(target).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert any("手机号码" in c for c in cells)
    assert _leaks(" ".join(cells)) == []


@pytest.mark.parametrize(
    ("column", "value", "name"),
    [
        ("走访编号", "李四", "李四"),  # a two-character name as an id
        ("案件编号", "张三丰", "张三丰"),
        ("案件编号", "NSZ-2019-001 联系人李四13812345678", "李四"),  # a name beside a phone
    ],
)
def test_a_refused_value_never_shows_a_name(tmp_path, capsys, column, value, name):
    """A value refused as prose or as personal data is shown by its length only: not one
    character of a name (a first character is a surname), nor the text around a number."""
    row = {"走访编号": "V1", "走访日期": "2019-03-05", "责任单位": "工管站", "走访层级": "来县",
           "走访形式": "个体", "人次": "1", "案件编号": "GGZ-1", column: value}  # fmt: skip
    (tmp_path / "走访登记.csv").write_text(
        ",".join(row) + "\n" + ",".join(row.values()) + "\n", encoding="utf-8"
    )
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr()
    said = out.out + out.err
    assert f"列「{column}」" in said and "原文未显示" in said
    assert name not in said and f"值「{name[0]}" not in said, said
