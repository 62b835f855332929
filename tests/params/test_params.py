"""The strict params loader: every rule of the reading is there, and bad files are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from support import frames, ledgers, visit

from baiyi_lib import LedgerError, ParamsError, load_ledgers, load_rules, score
from baiyi_lib.params import default_params_dir

READING_RULE_IDS = {
    "first.beijing", "first.province", "first.city", "beijing.bureau",
    "province.individual", "province.collective", "city.individual", "city.collective",
    "county.individual", "county.collective", "incident.beijing", "incident.province",
    "incident.city", "double.unscreened", "double.dissatisfied", "backlog.10y",
    "backlog.5y", "backlog.other", "awards_cancelled", "veto",
}  # fmt: skip
READING_DEFAULTS = {
    "first_case": "replaces",
    "doubling": "once",
    "missing_case_id": "unscreened",
    "beijing_irregular_points": 0,
    "annual_ratio": None,
}
READING_POINTS = {
    "first.beijing": -200, "first.province": -100, "first.city": -60, "beijing.bureau": -100,
    "province.individual": -30, "province.collective": -100, "city.individual": -20,
    "city.collective": -50, "county.individual": -10, "county.collective": -30,
    "incident.beijing": -300, "incident.province": -200, "incident.city": -100,
    "backlog.10y": 200, "backlog.5y": 10, "backlog.other": 20,
}  # fmt: skip


def test_every_rule_of_the_reading_is_encoded_with_clause_and_quote():
    rules = load_rules()
    assert set(rules.rules) >= READING_RULE_IDS
    for r in rules.rules.values():
        assert r.clause.strip() and r.quote.strip() and r.label.strip(), r.id
    for rid, pts in READING_POINTS.items():
        assert rules[rid].points == pts, rid


def test_interpretations_have_the_reading_defaults():
    rules = load_rules()
    for name, value in READING_DEFAULTS.items():
        assert rules.interpretations[name].default == value
        assert rules.value(name) == value


def test_garbled_backlog_rules_are_marked_ambiguous():
    rules = load_rules()
    assert all(
        rules[r].ambiguous and rules[r].note for r in ("backlog.10y", "backlog.5y", "backlog.other")
    )


def test_campaign_frame():
    camp = load_rules().campaign
    assert (str(camp.start), str(camp.end), camp.base_score) == ("2019-02-20", "2019-05-31", 1000)
    assert [p.name for p in camp.phases] == ["动员部署", "集中攻坚", "总结考核"]
    assert camp.weekly_return_weekday == 5
    assert {str(d.date) for d in camp.deadlines} >= {"2019-02-27", "2019-05-20", "2019-05-25"}


def test_units_have_ascii_ids_kinds_and_aliases():
    units = load_rules().units
    assert len(units.units) == 25
    assert units.lookup()["安监办"] == "安全生产管理办公室"
    assert all(u.id.isascii() for u in units.units)
    assert {u.kind for u in units.units} == {"局直单位", "机关科室"}


def test_overrides_by_name():
    rules = load_rules(doubling="stack", annual_ratio="0.2", beijing_irregular_points="-50")
    assert rules.value("doubling") == "stack"
    assert rules.value("annual_ratio") == 0.2
    assert rules.value("beijing_irregular_points") == -50
    assert not rules.interpretations["doubling"].is_default


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"doubling": "twice"}, "once / stack"),
        ({"no_such_thing": 1}, "未知的口径参数"),
        ({"annual_ratio": "1.5"}, "比例"),
        ({"beijing_irregular_points": "many"}, "整数"),
    ],
)
def test_bad_overrides_are_refused(overrides, words):
    with pytest.raises(ParamsError, match=words):
        load_rules(**overrides)


@pytest.fixture
def params_copy(tmp_path) -> Path:
    dst = tmp_path / "params"
    shutil.copytree(default_params_dir(), dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        (
            "rules.yaml",
            "    clause: 附件2 一(一)2\n",
            "",
            "rules.beijing.bureau.clause: 缺少必填的键",
        ),
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: '-30'\n",
            "rules.province.individual.points: 类型应为 int",
        ),
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: -30\n    pionts: -30\n",
            "rules.province.individual.pionts: 未知的键",
        ),
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: -30\n    points: -31\n",
            "重复的键「points」",
        ),
        (
            "rules.yaml",
            "    form: 个体\n    irregular: any\n    points: -30",
            "    form: 集体\n    irregular: any\n    points: -30",
            "去省个体(不是非访)",
        ),
        ("rules.yaml", "    min_years: 5\n", "    min_years: 6\n", "年限档次"),
        # per is a checked choice: a misspelt or unknown unit of charging is refused, not
        # loaded and applied per person
        (
            "rules.yaml",
            "    points: -30\n    per: 人次\n",
            "    points: -30\n    per: 人头\n",
            "rules.province.individual.per: visit_rate 规则只能按 人次 / 批次",
        ),
        (
            "rules.yaml",
            "    points: -300\n    per: 起\n",
            "    points: -300\n    per: 人次\n",
            "rules.incident.beijing.per: incident 规则只能按",
        ),
        (
            "rules.yaml",
            "    points: -30\n    per: 人次\n",
            "    points: -30\n",
            "rules.province.individual.per: 缺少必填的键",
        ),
        # items: a rule's item must exist; an item's cap reading must be one
        (
            "rules.yaml",
            "    points: -30\n    per: 人次\n",
            "    points: -30\n    per: 人次\n    item: 越级访\n",
            "rules.province.individual.item: 项目「越级访」不在 items 中",
        ),
        (
            "rules.yaml",
            "rules:\n",
            "items:\n  x:\n    label: 越级访\n    points: 5\n    clause: c\n    quote: q\n"
            "    capped_from: doubling\nrules:\n",
            "items.x.capped_from: 「doubling」应为可选值 capped / uncapped 的口径参数",
        ),
        (
            "rules.yaml",
            "rules:\n",
            "items:\n  x:\n    label: 越级访\n    points: 5\n    clause: c\n    quote: q\n"
            "    capped: yes please\nrules:\n",
            "items.x.capped: 类型应为 bool",
        ),
        (
            "rules.yaml",
            "rules:\n",
            "floor:\n  points: 0\n  clause: c\n  quote: q\n  lowest: 0\nrules:\n",
            "floor.lowest: 未知的键",
        ),
        # YAML 1.1 number quirks stay text: -030 is not octal -24, nor 1:30 base-60
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: -030\n",
            "rules.province.individual.points: 类型应为 int",
        ),
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: -1:30\n",
            "rules.province.individual.points: 类型应为 int",
        ),
        (
            "rules.yaml",
            "    points: -30\n",
            "    points: -9000000000000000000\n",
            "分值超出可计算的范围",
        ),
        # the readings the engine branches on keep the choices it knows
        (
            "rules.yaml",
            "      stack:\n",
            "      twice:\n",
            "interpretations.doubling.choices: 这一口径的可选值应为 once / stack",
        ),
        # dates as people mistype them, and ids that YAML reads as booleans: refused, no traceback
        (
            "campaign.yaml",
            "  start: 2019-02-20\n  end: 2019-05-31\n",
            "  start: 2019-2-20\n  end: 2019-05-31\n",
            "period.start: 类型应为 date",
        ),
        (
            "campaign.yaml",
            "  start: 2019-02-20\n  end: 2019-05-31\n",
            "  start: 2019-02-20 08:00:00\n  end: 2019-05-31\n",
            "period.start: 类型应为 date",
        ),
        ("units.yaml", "{id: rsk,", "{id: on,", "units[1].id: 类型应为 str"),
        # a mechanism the rules use needs the reading that decides it
        (
            "rules.yaml",
            "  first_case:\n    label: 首起案件计分方式\n",
            "  first_cases:\n    label: 首起案件计分方式\n",
            "interpretations.first_case: 缺少",
        ),
        ("rules.yaml", "    value: once\n", "    value: twice\n", "interpretations.doubling.value"),
        ("campaign.yaml", "  value: 1000\n", "  value: 一千\n", "base_score.value: 类型应为 int"),
        ("campaign.yaml", "  end: 2019-05-31\n", "  end: 2019-01-31\n", "开始日期晚于结束日期"),
        ("units.yaml", "{id: rsk,", "{id: bgs,", "单位 id「bgs」重复"),
        ("units.yaml", "aliases: [渔政站]", "aliases: [渔政站, 农水站]", "同时指向"),
        (
            "units.yaml",
            "{id: rsk, name: 人事科, kind: 机关科室",
            "{id: rsk, name: 人事科, kind: 科室",
            "units[1].kind: 应为 局直单位 或 机关科室(kinds)",
        ),
        # kinds are params; the office rule names the kind it applies to
        (
            "units.yaml",
            "office_kind: 机关科室\n",
            "office_kind: 科室\n",
            "office_kind: 「科室」不在 kinds",
        ),
        (
            "units.yaml",
            "office_kind: 机关科室\n",
            "",
            "interpretations.office_visits: units.yaml 须给出 office_kind",
        ),
    ],
)
def test_bad_params_files_are_refused_naming_file_and_key(params_copy, file, old, new, words):
    _edit(params_copy / file, old, new)
    with pytest.raises(ParamsError) as info:
        load_rules(params_copy)
    assert file in str(info.value)
    assert words in str(info.value)


def test_rules_file_hash_is_kept_for_provenance(params_copy):
    a = load_rules(params_copy).sha256
    _edit(params_copy / "rules.yaml", "document:", "# a comment\ndocument:")
    assert load_rules(params_copy).sha256 != a


def test_every_rule_and_interpretation_value_has_a_plain_language_case():
    """Each rule id appears in an expected row of some YAML case, and each interpretation
    value other than the default is exercised by some case."""
    cases = []
    for path in (Path(__file__).parent.parent / "scoring" / "cases").glob("*.yaml"):
        cases += yaml.safe_load(path.read_text(encoding="utf-8"))
    expected_rules = {row["rule_id"] for c in cases for row in c["expect"].get("rows", [])}
    assert set(load_rules().rules) <= expected_rules
    used = {(k, str(v)) for c in cases for k, v in c.get("interpretations", {}).items()}
    for it in load_rules().interpretations.values():
        for value in it.choices or ():
            assert value == it.default or (it.name, value) in used, (it.name, value)
        if it.type is not None:
            assert any(name == it.name for name, _ in used), it.name


def test_annual_ratio_unset_shows_the_campaign_score_only():
    assert "annual_deduction" not in score(ledgers()).scores.columns


# --------------------------------------------------------------------------- one vocabulary


def _rename_level(params: Path, old: str, new: str) -> None:
    """Rename a level where params name it: rules.yaml (the levels list and every rule)
    and campaign.yaml's duties (the levels a duty checks; refused if left behind)."""
    path = params / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"  {old}: [", f"  {new}: [").replace(f"level: {old}\n", f"level: {new}\n")
    text = text.replace(f"levels: [{old}", f"levels: [{new}")
    path.write_text(text, encoding="utf-8")
    camp = params / "campaign.yaml"
    text = camp.read_text(encoding="utf-8")
    camp.write_text(text.replace(f", {old}]", f", {new}]").replace(f"[{old},", f"[{new},"), "utf-8")


def test_a_level_renamed_in_rules_yaml_alone_is_the_only_name_the_loader_knows(params_copy):
    """Before, the loader had its own list of levels: renaming 进京 in rules.yaml loaded a
    Beijing visit with an empty level and charged it as a county visit."""
    _rename_level(params_copy, "进京", "赴京访")
    renamed = load_rules(params_copy)
    assert renamed.levels[0] == "赴京访"
    with pytest.raises(LedgerError) as info:
        load_ledgers(frames(visits=[visit("V1", "2019-03-05", "农水站", "进京")]), renamed)
    assert "走访层级" in str(info.value) and "进京" in str(info.value)
    # the new name loads, at the rate of its rule
    ok = load_ledgers(frames(visits=[visit("V1", "2019-03-05", "农水站", "赴京访")]), renamed)
    assert ok.visits["level"].tolist() == ["赴京访"]
    first = renamed.rules["first.beijing"]
    assert first.level == "赴京访"
    assert score(ok, renamed).points["points"].iloc[0] == first.points


def test_scoring_ledgers_against_rules_that_lack_their_level_is_an_error(params_copy):
    """Ledgers loaded under one vocabulary, scored under another: an error, never the
    last entry of the rate table."""
    loaded = ledgers(visits=[visit("V1", "2019-03-05", "农水站", "进京")])
    _rename_level(params_copy, "进京", "赴京访")
    with pytest.raises(LedgerError, match="进京"):
        score(loaded, load_rules(params_copy))


def test_a_spelling_claimed_by_two_levels_is_refused(params_copy):
    _edit(params_copy / "rules.yaml", "  去省: [去省访,", "  去省: [到京, 去省访,")
    with pytest.raises(ParamsError, match="到京"):
        load_rules(params_copy)


def test_templates_offer_the_rules_levels_and_forms(params_copy, tmp_path):
    from openpyxl import load_workbook

    from baiyi_lib.excel import write_template

    _rename_level(params_copy, "进京", "赴京访")
    path = write_template(tmp_path / "t.xlsx", ["visits"], load_rules(params_copy))
    ws = load_workbook(path)["走访登记"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"赴京访,去省,到市,来县"' in lists
    assert '"个体,集体"' in lists
