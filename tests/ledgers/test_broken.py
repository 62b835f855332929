"""One small broken fixture per loader failure mode.

Each must be refused with a message that names the file, the row as seen in Excel (title
and header rows counted), the column by its header, the value, and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baiyi_lib import LedgerError, check_ledgers, load_ledgers

BROKEN = Path(__file__).parent / "fixtures" / "broken"

# file, row, column header, value shown, the declared check (checks.CHECKS) that refuses it,
# and words the message must hold where the wording is the point (the suggested unit). A
# refused value that is not a near-miss of its column's words may be a name: its length
# is shown, not its text (下周三, 到乡, 可能); a typo of a unit's name is shown with the unit.
CASES = [
    ("bad_date_走访.csv", 4, "日期", "2019-02-30", "cell.date", ""),
    ("unreadable_date_走访.csv", 4, "日期", "(共 3 字,原文未显示)", "cell.date", ""),
    ("bad_level_走访.csv", 4, "走访层级", "(共 2 字,原文未显示)", "cell.level", ""),
    ("bad_form_走访.csv", 4, "走访形式", "(共 2 字,原文未显示)", "cell.form", ""),
    ("bad_persons_走访.csv", 4, "人次", "2.5", "cell.persons", ""),
    ("zero_persons_走访.csv", 4, "人次", "0人", "cell.persons", ""),
    ("bad_yes_no_走访.csv", 4, "非访", "(共 2 字,原文未显示)", "cell.bool", ""),
    ("unknown_unit_走访.csv", 4, "责任单位", "石泉湖水库管理处", "cell.unit", "石泉湖水库管理所"),
    ("blank_id_走访.csv", 4, "编号", "", "cell.id", ""),
    ("duplicate_id_走访.csv", 4, "编号", "V1", "rows.unique", ""),
    ("resident_id_走访.csv", 4, "案件编号", "110*************2X", "text.personal", ""),
    # words beside the number may name the person: only the length is shown
    ("mobile_走访.csv", 4, "案件编号", "(共 13 字,原文未显示)", "text.personal", ""),
    ("pii_header_走访.csv", 2, "信访人姓名", "信访人姓名", "table.personal_header", ""),
    ("missing_column_走访.csv", 2, "走访层级", "", "table.required_columns", ""),
    ("resolved_without_date_积案.csv", 3, "化解日期", "", "row.resolved_without_date", ""),
    ("certified_without_date_积案.csv", 3, "认定日期", "", "row.certified_without_date", ""),
    (
        "certified_before_resolved_积案.csv",
        3,
        "认定日期",
        "2019-03-01",
        "row.certified_before_resolved",
        "",
    ),
    ("certified_unresolved_积案.csv", 3, "办公室认定", "是", "row.certified_open", ""),
    ("conflicting_duplicate_积案.csv", 4, "案件编号", "J1", "rows.unique", ""),
    ("open_with_date_排查.csv", 3, "化解日期", "2019-03-02", "row.open_with_date", ""),
    # a template copied from another unit: its title names one unit, its rows another
    (
        "declared_unit_排查.csv",
        1,
        "填报单位",
        "标题行:河道管理办公室",
        "table.declared_unit",
        "农水站",
    ),
    ("unknown_category_事件.csv", 3, "事件类别", "(共 4 字,原文未显示)", "cell.category", ""),
    # hostile or absurd input: refused with the row, never a traceback or a wrong score
    (
        "duplicate_header_走访.csv",
        2,
        "F 列「人次」、K 列「人次」",
        "人次",
        "table.duplicate_header",
        "",
    ),
    ("huge_persons_走访.csv", 4, "人次", "1000000000", "cell.persons", ""),
    ("overflow_persons_走访.csv", 4, "人次", "99999999999999999999", "cell.persons", ""),
    ("year_0019_走访.csv", 4, "日期", "0019-03-05", "cell.date", ""),
    ("year_9019_走访.csv", 4, "日期", "9019-03-05", "cell.date", ""),
    ("year_9999_走访.xlsx", 4, "日期", "9999-12-31 00:00", "cell.date", ""),
    ("control_chars_走访.csv", 4, "案件编号", "(共 8 字,原文未显示)", "cell.control", ""),
]


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "check", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_broken_fixture_is_refused_with_a_precise_message(name, row, column, value, check, words):
    with pytest.raises(LedgerError) as info:
        load_ledgers(BROKEN / name)
    err = info.value
    assert isinstance(err, ValueError)
    problems = err.problems[err.problems["severity"] == "错误"]
    hit = problems[(problems["row"] == row) & (problems["column"] == column)]
    assert len(hit) == 1, problems.to_string()
    p = hit.iloc[0]
    assert p["file"] == name
    assert p["value"] == value
    assert p["check"] == check
    assert words in p["problem"] + p["expected"]
    assert p["expected"]
    message = str(err)
    assert name in message and f"第 {row} 行" in message and f"列「{column}」" in message
    if value:
        assert f"值「{value}」" in message


@pytest.mark.parametrize("name", ["resident_id_走访.csv", "mobile_走访.csv"])
def test_personal_numbers_are_never_echoed_in_full(name):
    with pytest.raises(LedgerError) as info:
        load_ledgers(BROKEN / name)
    text = str(info.value) + info.value.problems.to_string()
    assert "11010519491231002X" not in text
    assert "13912345678" not in text


def test_file_level_failures_name_the_file():
    for name, words in [
        ("unknown_kind.csv", "无法识别台账类型"),
        ("bad_encoding_走访.csv", "编码"),
        ("corrupt_走访.xlsx", "损坏"),
        ("empty_走访.csv", "文件为空"),
        ("empty_sheet_走访.xlsx", "没有任何台账数据"),
        ("encrypted_走访.xlsx", "打开密码"),
        ("huge_extent_走访.xlsx", "A1:XFD1048576"),
        ("huge_extent_走访.xlsb", "A1:XFD1048576"),
    ]:
        with pytest.raises(LedgerError) as info:
            load_ledgers(BROKEN / name)
        assert name in str(info.value) and words in str(info.value), name


def test_every_problem_in_a_folder_is_listed_in_one_pass():
    result = check_ledgers(BROKEN)
    errors = result.problems[result.problems["severity"] == "错误"]
    # every fixture contributes at least one error; none stops the others being read
    assert set(errors["file"]) == {p.name for p in BROKEN.iterdir()}


def test_rows_read_equal_rows_used_plus_rows_refused():
    result = check_ledgers(BROKEN)
    acc = result.accounting
    assert (acc["rows_read"] == acc["rows_used"] + acc["rows_refused"]).all()
    assert acc.loc[
        acc["file"] == "bad_date_走访.csv", ["rows_read", "rows_used", "rows_refused"]
    ].values.tolist() == [[2, 1, 1]]
    # a whole table with a personal-data header is refused
    assert acc.loc[acc["file"] == "pii_header_走访.csv", "rows_refused"].item() == 1
