"""A cell refused for what it holds as written — a control character, a text longer than
any cell should be — is shown in its message by its length only, like any refused value
that may name a person: 王建国 with a stray control character is still a name. An extra
column's header in such a message is shown as its remark shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from baiyi_lib import check_ledgers

HEAD = "编号,日期,责任单位,走访层级,走访形式,人次,案件编号,接待领导"
ROW = "V1,2019-03-05,工管站,来县,个体,1,GGZ-1,局长"
NAMES = ("王建国", "张伟", "李四")


def _folder(tmp_path: Path, head: str, row: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "走访登记.csv").write_text(f"{head}\n{row}\n", encoding="utf-8")
    return folder


def _said(checked) -> str:
    return checked.problems.to_string() + checked.accounting.to_string()


@pytest.mark.parametrize("control", ["\x0b", "\x00", "\x1f", "\x7f"], ids=repr)
@pytest.mark.parametrize("column", [6, 7], ids=["案件编号", "接待领导"])
def test_a_name_with_a_control_character_is_shown_by_its_length(tmp_path, control, column):
    cells = ROW.split(",")
    cells[column] = f"王建国{control}13800138000" if column == 6 else f"王建国{control}"
    checked = check_ledgers(_folder(tmp_path, HEAD, ",".join(cells)))
    found = checked.problems[checked.problems["check"] == "cell.control"]
    assert len(found) == 1 and found["value"].item().startswith("(共 ")
    assert not any(name in _said(checked) for name in NAMES), _said(checked)
    assert "138001" not in _said(checked)


def test_an_overlong_text_is_shown_by_its_length(tmp_path):
    cells = ROW.split(",")
    cells[7] = "王建国" + "反映情况" * 600  # over limits.yaml max_cell_chars (2000)
    checked = check_ledgers(_folder(tmp_path, HEAD, ",".join(cells)))
    found = checked.problems[checked.problems["check"] == "cell.too_long"]
    assert len(found) == 1 and found["value"].item().startswith("(共 ")
    assert "王建国" not in _said(checked)


def test_an_extra_columns_header_is_shown_alike_in_every_message(tmp_path):
    checked = check_ledgers(_folder(tmp_path, HEAD + ",张伟", ROW + ",李四\x00住东关村"))
    said = _said(checked)
    assert not any(name in said for name in NAMES) and "东关村" not in said, said
    columns = set(checked.problems.loc[checked.problems["check"] != "cell.control", "column"])
    control = checked.problems[checked.problems["check"] == "cell.control"]
    assert control["column"].item() in columns | {"(共 2 字,原文未显示)"}
