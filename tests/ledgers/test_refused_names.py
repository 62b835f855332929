"""A refused value that may be a person's name is never echoed (principle 1), in any
typed column: a message shows its length, and still names file, row and column (principle
4). A refused value written only with its column's own characters (京, 2019-13-45, 三人)
is shown as written, so the clerk sees what to correct."""

from __future__ import annotations

import pytest
from support import RULES, frames

from baiyi_lib.sources import check_ledgers

NAME = "欧阳娜娜"

VISIT = {"visit_id": "V1", "date": "2019-03-05", "unit": "农水站", "level": "进京",
         "form": "个体", "persons": 1}  # fmt: skip
INCIDENT = {"incident_id": "E1", "date": "2019-03-05", "unit": "农水站", "level": "进京",
            "category": "非访"}  # fmt: skip
WARNING = {"warning_id": "W1", "unit": "农水站", "level": "进京",
           "pushed_at": "2019-03-05 10:00"}  # fmt: skip
BACKLOG = {"case_id": "J1", "unit": "农水站", "first_petition_on": "2015-01-05", "status": "未化解"}


@pytest.mark.parametrize(
    ("kind", "row", "column"),
    [
        ("visits", VISIT, "level"),
        ("visits", VISIT, "form"),
        ("visits", VISIT, "unit"),
        ("visits", VISIT, "date"),
        ("visits", VISIT, "persons"),
        ("visits", VISIT, "irregular"),
        ("visits", VISIT, "head_present"),
        ("visits", VISIT, "head_present_on"),
        ("incidents", INCIDENT, "category"),
        ("warnings", WARNING, "pushed_at"),
        ("warnings", WARNING, "outcome"),
        ("backlog", BACKLOG, "status"),
        ("backlog", BACKLOG, "certified_on"),
    ],
)
def test_a_name_typed_into_any_typed_column_is_refused_and_not_shown(kind, row, column):
    checked = check_ledgers(frames(**{kind: [{**row, column: NAME}]}), RULES)
    errors = checked.problems[checked.problems["severity"] == "错误"]
    assert len(errors) == 1, errors.to_string()
    assert NAME not in checked.problems.to_string()
    assert NAME[0] not in " ".join(checked.problems["value"].astype(str))
    assert errors["value"].iloc[0] == f"(共 {len(NAME)} 字,原文未显示)"


@pytest.mark.parametrize(
    ("column", "value"),
    [("level", "京"), ("date", "2019-13-45"), ("persons", "三人"), ("form", "个")],
)
def test_a_value_in_its_columns_own_characters_is_shown_as_written(column, value):
    checked = check_ledgers(frames(visits=[{**VISIT, column: value}]), RULES)
    errors = checked.problems[checked.problems["severity"] == "错误"]
    assert list(errors["value"]) == [value]


@pytest.mark.parametrize(
    ("kind", "row", "column", "value"),
    [
        ("visits", VISIT, "unit", "农水站张伟"),  # a unit's name with a person's added
        ("visits", VISIT, "unit", "李建设管理办公室"),
        ("visits", VISIT, "irregular", "否王伟"),
        ("warnings", WARNING, "outcome", "已稳控在当地张伟"),
    ],
)
def test_a_columns_word_with_a_name_added_is_not_a_typo(kind, row, column, value):
    checked = check_ledgers(frames(**{kind: [{**row, column: value}]}), RULES)
    assert value not in checked.problems.to_string()
    assert list(checked.problems["value"]) == [f"(共 {len(value)} 字,原文未显示)"]
