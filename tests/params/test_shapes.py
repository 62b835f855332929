"""The declared models of params/*.yaml: each kind of pydantic error a params file can
raise is said in Chinese, naming the file and the key path, and a file's problems come
together in one ParamsError."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, field_validator

from baiyi_lib import ParamsError, load_rules
from baiyi_lib.params import default_params_dir
from baiyi_lib.params.strict import TRANSLATED, Strict, Text, one_of, validate
from baiyi_lib.params.yamlio import Checker


class _Inner(Strict):
    when: dt.date
    flag: bool = False


class _Shape(Strict):
    """A small file with one field of each kind the params models use."""

    count: int
    name: Text
    share: float = 0.5
    cap: int | None = None
    inner: _Inner = Field(None)
    names: list[Text] = Field(default_factory=list)
    table: dict[str, int] = Field(default_factory=dict)
    either: one_of(list, dict) = Field(None)  # type: ignore[valid-type]
    items: list[str] = Field(None, alias="list")

    @field_validator("count")
    @classmethod
    def _small(cls, value: int) -> int:
        if value > 99:
            raise ValueError("应不超过 99")
        return value


def _lines(data: Any) -> list[str]:
    c = Checker(Path("x.yaml"))
    assert validate(c, _Shape, data, "x") is None
    return c.errors


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # missing, extra_forbidden (the allowed keys: required first, aliases as written)
        ({"name": "a"}, "x.yaml: x.count: 缺少必填的键"),
        (
            {"count": 1, "name": "a", "cuont": 1},
            "x.yaml: x.cuont: 未知的键(允许的键:count、name、share、cap、inner、names、table、"
            "either、list)",
        ),
        (
            {"count": 1, "name": "a", "inner": {"when": dt.date(2019, 1, 1), "x": 1}},
            "x.yaml: inner.x: 未知的键(允许的键:when、flag)",
        ),
        # int_type: text, a bool, a float are not an int; nullable says /null
        ({"count": "1", "name": "a"}, "x.yaml: x.count: 类型应为 int,实为 '1'"),
        ({"count": True, "name": "a"}, "x.yaml: x.count: 类型应为 int,实为 True"),
        ({"count": 1.0, "name": "a"}, "x.yaml: x.count: 类型应为 int,实为 1.0"),
        ({"count": 1, "name": "a", "cap": "x"}, "x.yaml: x.cap: 类型应为 int/null,实为 'x'"),
        # string_type, string_pattern_mismatch (blank text), in a list with its index
        ({"count": 1, "name": 3}, "x.yaml: x.name: 类型应为 str,实为 3"),
        ({"count": 1, "name": " \u3000"}, "x.yaml: x.name: 不能为空"),
        ({"count": 1, "name": "a", "names": ["b", ""]}, "x.yaml: names[1]: 不能为空"),
        ({"count": 1, "name": "a", "list": ["b", 2]}, "x.yaml: list[1]: 类型应为 str,实为 2"),
        # float_type, bool_type, date_type (a date with a time is not a date)
        ({"count": 1, "name": "a", "share": "x"}, "x.yaml: x.share: 类型应为 float,实为 'x'"),
        (
            {"count": 1, "name": "a", "inner": {"when": dt.date(2019, 1, 1), "flag": "yes"}},
            "x.yaml: inner.flag: 类型应为 bool,实为 'yes'",
        ),
        (
            {"count": 1, "name": "a", "inner": {"when": dt.datetime(2019, 1, 1, 8)}},
            "x.yaml: inner.when: 类型应为 date,实为 datetime.datetime(2019, 1, 1, 8, 0)",
        ),
        # model_type (a mapping expected), dict_type, list_type, a key that is not text
        ({"count": 1, "name": "a", "inner": 3}, "x.yaml: x.inner: 类型应为 dict,实为 3"),
        ({"count": 1, "name": "a", "table": []}, "x.yaml: x.table: 类型应为 dict,实为 []"),
        ({"count": 1, "name": "a", "names": "b"}, "x.yaml: x.names: 类型应为 list,实为 'b'"),
        ({"count": 1, "name": "a", "table": {1: 2}}, "x.yaml: table.1: 键应为文字,实为 1"),
        # one_of_type (one message, not pydantic's one per member), value_error
        ({"count": 1, "name": "a", "either": 3}, "x.yaml: x.either: 类型应为 list/dict,实为 3"),
        ({"count": 100, "name": "a"}, "x.yaml: x.count: 应不超过 99"),
        # the whole file not a mapping
        (None, "x.yaml: x: 应为映射(键: 值),实为 NoneType"),
        ([1], "x.yaml: x: 应为映射(键: 值),实为 list"),
    ],
)
def test_each_pydantic_error_is_said_in_chinese_with_its_key(data, line):
    assert line in _lines(data)


def test_every_error_type_translated_is_tested():
    tested = {
        "missing",
        "extra_forbidden",
        "int_type",
        "string_type",
        "bool_type",
        "float_type",
        "date_type",
        "dict_type",
        "model_type",
        "list_type",
        "string_pattern_mismatch",
        "one_of_type",
        "value_error",
    }
    assert set(TRANSLATED) == tested


def test_a_files_problems_come_together_in_one_message():
    lines = _lines({"name": "", "share": True, "inner": {}, "zz": 1})
    assert len(lines) == 5, lines


@pytest.fixture
def params_copy(tmp_path) -> Path:
    dst = tmp_path / "params"
    shutil.copytree(default_params_dir(), dst)
    return dst


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        # the duties were checked, but their problems were dropped (raised before they were
        # read): now refused like every other key
        (
            "campaign.yaml",
            "verify_within: 当日",
            "verify_within: 次日",
            "duties.warnings.verify_within: 应为 当日(不过夜)",
        ),
        (
            "campaign.yaml",
            "    levels: [去省, 进京]\n",
            "",
            "duties.head_on_scene.levels: 缺少必填的键",
        ),
        (
            "campaign.yaml",
            "  head_on_scene:\n",
            "  head_on_scenes:\n",
            "duties.head_on_scenes: 应为 head_on_scene / backlog_by_the_book",
        ),
        (
            "campaign.yaml",
            "    label: 每天一名局党组领导在局全天接访\n",
            "    label: ' '\n",
            "duties.daily_reception.label: 不能为空",
        ),
        # a type the Checker crashed on (TypeError), now said
        (
            "units.yaml",
            "units:\n",
            "units: 3\nmore_units:\n",
            "units.yaml.units: 类型应为 list,实为 3",
        ),
        (
            "units.yaml",
            "aliases: [渔政站]",
            "aliases: [渔政站, 3]",
            "units[7].aliases[1]: 类型应为 str",
        ),
        (
            "limits.yaml",
            "  max_share: 0.2\n",
            "  max_share: 1\n",
            "replacement.max_share: 类型应为 float,实为 1",
        ),
        ("limits.yaml", "files:\n", "files: 3\nfiles_x:\n", "limits.files: 类型应为 dict,实为 3"),
        (
            "ledgers.yaml",
            "  need_digit: true\n",
            "  need_digit: 1\n",
            "ids.need_digit: 类型应为 bool,实为 1",
        ),
        ("ledgers.yaml", "[合计, 小计", "[3, 小计", "total_words.values[0]: 类型应为 str,实为 3"),
        (
            "rules.yaml",
            "    irregular: any\n",
            "    irregular: [1]\n",
            "rules.province.individual.irregular: 类型应为 bool/str,实为 [1]",
        ),
        (
            "rules.yaml",
            "levels:\n",
            "levels: 3\nlevels_x:\n",
            "rules.yaml.levels: 类型应为 list/dict",
        ),
        ("rules.yaml", "    max_years: null\n", "", "rules.backlog.10y.max_years: 缺少必填的键"),
        (
            "rules.yaml",
            "    max_years: null\n",
            "    max_years: x\n",
            "rules.backlog.10y.max_years: 类型应为 int/null,实为 'x'",
        ),
        (
            "rules.yaml",
            "    label: 代替一般标准\n",
            "    labels: 代替一般标准\n",
            "interpretations.first_case.choices.replaces.labels: 未知的键(允许的键:label、means)",
        ),
        ("rules.yaml", "rules:\n", "floor: 3\nrules:\n", "rules.yaml.floor: 类型应为 dict,实为 3"),
    ],
)
def test_bad_files_say_the_key_and_what_is_wrong(params_copy, file, old, new, words):
    path = params_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_rules(params_copy)
    assert f"{file}: {words}" in str(info.value)


def test_shape_errors_of_the_rules_and_of_the_file_come_together(params_copy):
    """A misspelt key of the file and a wrong type in one rule: both in one message."""
    path = params_copy / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("collective_form:", "collective_farm:", 1)
    path.write_text(text.replace("    points: -30\n", "    points: '-30'\n", 1), "utf-8")
    with pytest.raises(ParamsError) as info:
        load_rules(params_copy)
    said = str(info.value)
    assert "rules.yaml.collective_farm: 未知的键" in said
    assert "rules.province.individual.points: 类型应为 int" in said
