"""接待领导 on the visits ledger (实施方案 四(一)): the post of the leader who received the
visit, read from CSV and XLSX under its accepted headers; a post of params/ledgers.yaml
``posts`` or blank, never a name: anything else is refused naming file, row and column,
and not shown."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from support import RULES

from baiyi_lib.sources import check_ledgers

HEADER = ["编号", "日期", "责任单位", "走访层级", "走访形式", "人次", "来局走访"]
ROWS = [
    ["V1", "2019-03-05", "农水站", "来县", "个体", "1", "是"],
    ["V2", "2019-03-06", "农水站", "来县", "个体", "2", "是"],
    ["V3", "2019-03-07", "河道办", "来县", "个体", "1", "否"],
]


def _csv(folder: Path, header: str, posts: list[str]) -> Path:
    lines = [",".join([*HEADER, header])]
    lines += [",".join([*row, post]) for row, post in zip(ROWS, posts, strict=True)]
    path = folder / "走访登记.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["接待领导", "接待领导职务", "接待领导(职务)", "接待局领导"])
def test_the_post_is_read_from_a_csv_under_each_accepted_header(tmp_path, header):
    checked = check_ledgers(_csv(tmp_path, header, ["局长", "分管领导", "无"]), RULES)
    assert checked.problems.empty, checked.problems.to_string()
    posts = checked.ledgers.visits.set_index("visit_id")["received_by"]
    # a spelling of ledgers.yaml is its post; a "none" (无) is a blank
    assert posts["V1"] == "局长" and posts["V2"] == "分管副局长" and posts.isna()["V3"]


def test_the_post_is_read_from_a_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "走访登记"
    ws.append(["莒南县水利系统走访登记"])
    ws.append([*HEADER, "接待领导"])
    for row, post in zip(ROWS, ["副局长", None, "局党组成员"], strict=True):
        ws.append([*row, post])
    wb.save(tmp_path / "走访登记.xlsx")
    checked = check_ledgers(tmp_path / "走访登记.xlsx", RULES)
    assert checked.problems.empty, checked.problems.to_string()
    posts = checked.ledgers.visits.set_index("visit_id")["received_by"]
    assert posts["V1"] == "副局长" and posts.isna()["V2"] and posts["V3"] == "局党组成员"


@pytest.mark.parametrize("name", ["程建民", "王局长", "Cheng Jianmin"])
def test_a_name_is_refused_naming_file_row_and_column_and_is_not_shown(tmp_path, name):
    checked = check_ledgers(_csv(tmp_path, "接待领导", ["局长", name, ""]), RULES)
    errors = checked.problems[checked.problems["severity"] == "错误"]
    assert len(errors) == 1, checked.problems.to_string()
    error = errors.iloc[0]
    assert error["file"] == "走访登记.csv" and error["row"] == 3 and error["column"] == "接待领导"
    assert error["value"] == f"(共 {len(name)} 字,原文未显示)"
    assert "接待领导只填一个职务" in error["problem"] and "分两行" not in error["problem"]
    said = checked.problems.to_string() + checked.accounting.to_string()
    assert name not in said and name[0] not in " ".join(checked.problems["value"].astype(str))
    # the row is refused, the others are read
    counts = checked.accounting.iloc[0]
    assert (counts["rows_read"], counts["rows_used"], counts["rows_refused"]) == (3, 2, 1)
