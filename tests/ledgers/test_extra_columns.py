"""What the clerk sees is what is read: a column the ledger does not have (备注, a column
without a header) that holds something is not read, and the problem table and the
accounting say so, naming file, sheet, header row and column — never dropped without a
word, never quoting what was written in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from baiyi_lib import load_ledgers

HEAD = ["走访编号", "走访日期", "责任单位", "走访层级", "走访形式", "人次", "案件编号"]
ROW = ["V1", "2019-03-05", "工管站", "来县", "个体", "1", "GGZ-1"]


def _csv(tmp_path: Path, extra_head: list[str], extra_cells: list[str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    text = ",".join(HEAD + extra_head) + "\n" + ",".join(ROW + extra_cells) + "\n"
    text += ",".join([*ROW[:0], "V2", *ROW[1:]] + [""] * len(extra_head)) + "\n"
    (folder / "走访登记.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("head", "cell", "shown"),
    [
        ("备注", "已电话告知", "H 列 (共 2 字,原文未显示)"),
        ("联系情况", "上午已到", "H 列 (共 4 字,原文未显示)"),
        ("", "多出来的一格", "第H列"),
    ],
)
def test_an_extra_column_that_holds_something_is_said(tmp_path, head, cell, shown):
    led = load_ledgers(_csv(tmp_path, [head], [cell]))
    said = led.problems[led.problems["check"] == "table.extra_column"]
    assert said[["file", "row", "column", "severity"]].values.tolist() == [
        ["走访登记.csv", 1, shown, "提示"]
    ]
    assert "1 行填了内容" in said["problem"].item()
    assert cell not in led.problems.to_string() + led.accounting.to_string()
    assert "不是" in led.accounting["note"].item() and shown in led.accounting["note"].item()
    if head:
        assert f"「{head}」" not in led.problems.to_string() + led.accounting.to_string()
    assert len(led.visits) == 2  # the rows themselves are read


def test_an_empty_extra_column_says_nothing(tmp_path):
    led = load_ledgers(_csv(tmp_path, ["备注"], [""]))
    assert not (led.problems["check"] == "table.extra_column").any()


@pytest.mark.parametrize("cell", ["无", "/", "——", " N/A ", "暂无", "－", "无\u200b", "\u3000无"])
def test_an_extra_column_saying_none_is_an_empty_one(tmp_path, cell):
    # a "none" as people write it (ledgers.yaml placeholders) holds nothing to be lost
    led = load_ledgers(_csv(tmp_path, ["备注"], [cell]))
    assert not (led.problems["check"] == "table.extra_column").any()


def test_a_zero_in_an_extra_column_is_something_said(tmp_path):
    led = load_ledgers(_csv(tmp_path, ["复访次数"], ["0"]))
    said = led.problems[led.problems["check"] == "table.extra_column"]
    assert len(said) == 1 and "1 行填了内容" in said["problem"].item()


def test_an_optional_column_under_another_accepted_spelling_is_read_not_remarked(tmp_path):
    led = load_ledgers(_csv(tmp_path, ["是否不满初次办理"], ["是"]))
    assert not (led.problems["check"] == "table.extra_column").any()
    assert led.visits["dissatisfied"].tolist() == [True, False]


def test_a_misspelt_optional_column_is_said_not_read_as_no(tmp_path):
    """是否不满意 is not a spelling of 不满初次办理: its 是 can't double a visit, and the
    clerk is told the column was not read, rather than every row silently reading 否."""
    led = load_ledgers(_csv(tmp_path, ["是否不满意"], ["是"]))
    said = led.problems[led.problems["check"] == "table.extra_column"]
    assert said["column"].tolist() == ["H 列 是否不满意"]


# (a header holding a phone number is refused whole: see below)
@pytest.mark.parametrize("head", ["张伟", "王小明", "备注(张伟)", "Zhang Wei"])
def test_a_header_that_may_name_a_person_is_shown_by_its_length(tmp_path, head):
    led = load_ledgers(_csv(tmp_path, [head], ["已告知"]))
    said = led.problems[led.problems["check"] == "table.extra_column"]
    assert said["column"].item() == f"H 列 (共 {len(head)} 字,原文未显示)"
    shown = led.problems.to_string() + led.accounting.to_string()
    for part in [p for p in ("张", "伟", "王小明", "Zhang", "1381234") if p in head]:
        assert part not in shown, part


@pytest.mark.parametrize("head", ["序号", "序 号", "NO."])
def test_a_serial_number_column_is_no_extra_column(tmp_path, head):
    led = load_ledgers(_csv(tmp_path, [head], ["1"]))
    assert not (led.problems["check"] == "table.extra_column").any()


def test_two_extra_columns_headed_alike_are_two_columns(tmp_path):
    """备注 twice: each is a column of its own, named by its letter, each said of and each
    scanned for personal data (the first was lost under the second's name, and a phone
    number in it went unseen)."""
    led = load_ledgers(_csv(tmp_path, ["备注", "备注"], ["已电话告知", "上午已到"]))
    said = led.problems[led.problems["check"] == "table.extra_column"]
    assert said["column"].tolist() == ["H 列 (共 2 字,原文未显示)", "I 列 (共 2 字,原文未显示)"]
    from baiyi_lib import check_ledgers

    for n, (first, second) in enumerate((("电话13912345678", "无"), ("无", "电话13912345678"))):
        (tmp_path / str(n)).mkdir()
        checked = check_ledgers(_csv(tmp_path / str(n), ["备注", "备注"], [first, second]))
        personal = checked.problems[checked.problems["check"] == "text.personal"]
        assert len(personal) == 1 and checked.ledgers is None
        assert "13912345678" not in checked.problems.to_string()


def test_two_columns_of_a_dataframe_named_alike_are_both_scanned():
    """The same kind through the DataFrame path (an analyst's frame): the second 备注 was
    dropped unseen."""
    import pandas as pd

    from baiyi_lib import check_ledgers

    head = ["visit_id", "date", "unit", "level", "form", "persons", "case_id", "备注", "备注"]
    for cells in (["电话13912345678", "无"], ["无", "电话13912345678"]):
        df = pd.DataFrame([[*ROW, *cells]], columns=head)
        checked = check_ledgers({"visits": df})
        assert (checked.problems["check"] == "text.personal").sum() == 1
        assert checked.ledgers is None


@pytest.mark.parametrize(
    "head", ["13800138000", "联系13800138000", "370102199001011234", "张伟 13812345678"]
)
@pytest.mark.parametrize("cell", ["已告知", ""])
def test_a_header_holding_a_personal_number_refuses_the_table(tmp_path, head, cell):
    """A phone or ID number typed into the header row is personal data as it is in a
    cell, a title row or a sheet name: the table is refused, filled column or empty, and
    the number is never shown."""
    from baiyi_lib import check_ledgers

    checked = check_ledgers(_csv(tmp_path, [head], [cell]))
    said = checked.problems[checked.problems["check"] == "table.personal_header"]
    assert len(said) == 1 and checked.ledgers is None
    digits = "".join(ch for ch in head if ch.isdigit())
    assert digits[3:9] not in checked.problems.to_string() + checked.accounting.to_string()
    assert not (checked.problems["check"] == "table.extra_column").any()


def test_a_ledger_header_written_twice_is_no_extra_column(tmp_path):
    """案件编号 twice refuses the table (one column twice); the second is not also said to
    be a column the ledger does not have, which would contradict it."""
    from baiyi_lib import check_ledgers

    checked = check_ledgers(_csv(tmp_path, ["案件编号"], ["GGZ-2"]))
    checks = set(checked.problems["check"])
    assert "table.duplicate_header" in checks and "table.extra_column" not in checks
