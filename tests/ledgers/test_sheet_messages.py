"""Messages about a sheet as a whole (a zero return, 零报告) name the file and the sheet,
never the header row's number (the 零报告 mark stands in the title rows, wherever the
clerk put it); and no message ends on an empty expectation ("应为:" and nothing)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from support import RULES

from baiyi_lib import check_ledgers
from baiyi_lib.ledgers import describe
from baiyi_lib.ledgers.schema import headers

FIXTURES = Path(__file__).parent / "fixtures"


def _book(path: Path, title_rows: list[list], rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "矛盾纠纷排查化解登记表"
    for r in title_rows:
        ws.append(r)
    ws.append(headers("screening"))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


ROW = ["NSZ-2019-001", "农水站", "2019-03-01", "移民", "未化解"]
# (title rows, data rows, what the message says): the three zero-return messages, the
# title rows of one, two and three lines (the header on row 2, 3 or 4)
CASES = [
    ([["莒南县水利系统矛盾纠纷排查化解登记表"]], [], "也没有注明零报告"),
    ([["标题"], ["填报单位", "农水站"], ["零报告", "否"]], [], "也没有注明零报告"),
    ([["标题"], ["零报告", "是"]], [], "看不出是哪个单位"),
    ([["标题"], ["填报单位", "农水站", "零报告", "是"]], [ROW], "却有 1 行数据"),
    ([["零报告:是"]], [ROW, ["NSZ-2019-002", *ROW[1:]]], "却有 2 行数据"),
]


@pytest.mark.parametrize(("title", "rows", "says"), CASES)
def test_a_zero_return_message_names_the_file_and_sheet_not_the_header_row(
    tmp_path, title, rows, says
):
    book = _book(tmp_path / "排查台账.xlsx", title, rows)
    problems = check_ledgers(book, RULES).problems
    zero = problems[problems["check"] == "table.zero_return"]
    assert len(zero) == 1, problems
    p = next(zero.itertuples(index=False))
    said = describe(p)
    assert says in said
    assert "排查台账.xlsx" in said and "工作表「矛盾纠纷排查化解登记表」" in said
    header_row = len(title) + 1
    assert f"第 {header_row} 行" not in said and "列「零报告」" not in said
    assert "值为空" not in said  # a sheet has no value to call empty


def _every_problem():
    for folder in ("broken", "field", "personal", "realworld"):
        for path in sorted((FIXTURES / folder).iterdir()):
            yield from check_ledgers(path, RULES).problems.itertuples(index=False)


def test_no_message_ends_on_an_empty_expectation(tmp_path):
    """Before, the zero-return remark (注明了零报告,却有数据) ended on "应为:" with nothing
    after it. Every problem of every fixture, and of each zero-return case, is said with
    an expectation or with none at all, never an empty one."""
    problems = list(_every_problem())
    for i, (title, rows, _) in enumerate(CASES):
        book = _book(tmp_path / f"{i}.xlsx", title, rows)
        problems += list(check_ledgers(book, RULES).problems.itertuples(index=False))
    assert problems
    for p in problems:
        said = describe(p)
        assert not said.rstrip().endswith(("应为:", "应为:")), said
        assert "应为:。" not in said and "应为:," not in said, said
