"""Other counties' assessment methods, from their params alone (tests/packs/<name>/).

Each pack is a real public method of our family (its source, what was read and its
ambiguities in ``method.md``), written as a params folder, with cases whose scores were
computed by hand from the method's text (``cases.yaml``: the arithmetic is in each case).
The engine is unchanged between packs: a pack that needs a shape the engine cannot say
yet names it (``needs:``) and its case is expected to fail until the shape exists.

For every case, under the method's default readings (``expect``) and under the other
reading the case gives (``alt_expect``):
- every unit named scores as computed by hand;
- the points table adds up to each unit's score, and ``explain`` ends on that score.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import frames

from baiyi_lib import load_rules, score
from baiyi_lib.errors import ParamsError
from baiyi_lib.sources import load_ledgers

PACKS = Path(__file__).resolve().parent
ROOT = PACKS.parents[1]
# the visits register's header row, as the clerk's template has it
REGISTER = "走访编号,责任单位,走访日期,走访层级,走访形式,人次,非访,不满初次办理,内部人员,案件编号\n"


def _pack_copy(tmp_path, name: str):
    params = tmp_path / "params"
    shutil.copytree(PACKS / name / "params", params)
    return params, params / "rules.yaml"


def _cases():
    for pack in sorted(p for p in PACKS.iterdir() if (p / "params" / "rules.yaml").exists()):
        for case in yaml.safe_load((pack / "cases.yaml").read_text(encoding="utf-8")):
            for which in ("expect", "alt_expect"):
                if which not in case:
                    continue
                marks = []
                needs = case[which].get("needs") or case.get("needs")
                if needs:
                    why = f"引擎尚不能表达:{needs}"
                    marks = [pytest.mark.xfail(reason=why, strict=True)]
                name = f"{pack.name}::{case['name'].split()[0]}::{which}"
                yield pytest.param(pack, case, which, id=name, marks=marks)


@pytest.mark.parametrize(("pack", "case", "which"), list(_cases()))
def test_a_pack_scores_as_computed_by_hand(pack, case, which):
    want = case[which]
    rules = load_rules(pack / "params", **want.get("readings", {}))
    data = load_ledgers(
        frames(**{k: case.get(k) or [] for k in ("visits", "incidents", "screening", "backlog")}),
        rules,
    )
    result = score(data, rules, as_of=case.get("as_of"))
    scores = result.scores.set_index("unit")
    got = {unit: int(scores.at[unit, "score"]) for unit in want["scores"]}
    assert got == want["scores"], f"{case['description']}\n手算:{want.get('arithmetic', '')}"
    base = rules.campaign.base_score
    for unit in want["scores"]:
        total = int(result.points.loc[result.points["unit"] == unit, "points"].sum())
        assert base + total == got[unit], unit
        assert result.explain(unit).split("合计:")[1].splitlines()[1].endswith(f"= {got[unit]}")


def test_the_packs_are_real_methods_with_their_source():
    """Each pack says where its method comes from and marks its quotes as summaries."""
    packs = [p for p in PACKS.iterdir() if (p / "params" / "rules.yaml").exists()]
    assert len(packs) >= 2
    for pack in packs:
        assert "http" in (pack / "method.md").read_text(encoding="utf-8")
        raw = yaml.safe_load((pack / "params" / "rules.yaml").read_text(encoding="utf-8"))
        assert all("摘要" in r["quote"] for r in raw["rules"].values()), pack.name


def test_the_cli_scores_and_explains_a_pack_from_its_folder(tmp_path):
    """`baiyi score` and `baiyi explain` with --rules DIR, on a visits register written
    as the clerk would send it (CSV), in the pack's own words: its levels, its item."""
    pack = PACKS / "county_order_batch"
    register = tmp_path / "走访登记.csv"
    register.write_text(
        REGISTER + "V1,丙镇,2017-06-01,到省,个体,1,是,否,否,C1\n"
        "V2,丙镇,2017-06-20,到省,集体,7,是,否,否,C2\n",
        encoding="utf-8",
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "baiyi_lib.cli", *args, "--rules", str(pack / "params")],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    scored = run("score", "--data", str(tmp_path))
    row = next(line.split() for line in scored.splitlines() if " 丙镇 " in line)
    assert row[4:8] == ["25", "15", "0", "10"], row  # 基础分 扣分 加分 得分
    said = run("explain", "丙镇", "--data", str(tmp_path))
    assert "1 批次(7 人) × -10 = -10" in said
    assert "非访扣完为止(最多扣 15 分)" in said and "+5" in said
    assert "25 − 15(扣分)+ 0(加分)= 10" in said
    method = run("rules")  # the method as a clerk reads it, in its own words
    assert re.search(r"feifang\.province .* -10/批次 +到省非访  \[非访\]", method)
    assert "非访:15 分,扣完为止(二、3)" in method
    assert "去省" not in method and "来县" not in method  # none of our method's levels


def test_a_floor_stops_the_total_and_says_where(tmp_path):
    """A method's floor (总分扣完为止): 11 batches of 10 from 100 leave 0, not −10; the
    floor's row gives back 10 at the batch that passed it, and a later bonus-free unit is
    untouched. Under the capped reading the item stops first and the floor never acts."""
    params, rules_file = _pack_copy(tmp_path, "fangshan_person_batch")
    text = rules_file.read_text(encoding="utf-8")
    floor = "floor:\n  points: 0\n  clause: 总则\n  quote: 「摘要」案例设定:总分扣完为止。\n"
    rules_file.write_text(text.replace("rules:\n", floor + "rules:\n", 1), encoding="utf-8")
    visits = [
        {"visit_id": f"V{i:02d}", "unit": "质监站", "date": f"2019-03-{i:02d}", "level": "到市",
         "form": "集体", "persons": 4, "irregular": "是", "case_id": f"C{i}"}
        for i in range(1, 12)
    ] + [{"visit_id": "W1", "unit": "房管所", "date": "2019-03-05", "level": "到市",
          "form": "个体", "persons": 1, "irregular": "是", "case_id": "D1"}]  # fmt: skip
    for reading, want in (("uncapped", 0), ("capped", 91)):
        rules = load_rules(params, item_caps=reading)
        result = score(load_ledgers(frames(visits=visits), rules), rules)
        scores = result.scores.set_index("unit")["score"]
        assert scores["质监站"] == want and scores["房管所"] == 95, reading
        floor_rows = result.points[result.points["rule_id"] == "floor"]
        if reading == "uncapped":
            [row] = floor_rows.itertuples(index=False)
            assert (row.unit, row.source_id, row.points) == ("质监站", "V11", 10)
            assert "总分扣完为止(最低 0 分)" in result.explain("质监站")
        else:
            assert floor_rows.empty


def test_several_kinds_of_event_at_one_level_each_with_its_points(tmp_path):
    """A method charging 劝返 failures and media events at the same level, each at its own
    points: both rules apply, each to its category; one category claimed twice at a level
    is refused naming the rule."""
    params, rules_file = _pack_copy(tmp_path, "county_order_batch")
    media = (
        "  media.beijing:\n    label: 在京媒体炒作\n    clause: 案例\n    mechanism: incident\n"
        "    level: 进京\n    points: -2\n    per: 起\n    categories: [媒体炒作]\n"
        "    quote: 「摘要」案例设定:在京媒体炒作每起扣 2 分。\n"
    )
    text = rules_file.read_text(encoding="utf-8")
    rules_file.write_text(text.replace("category_aliases:", media + "\ncategory_aliases:"), "utf-8")
    rules = load_rules(params)
    events = [
        {"incident_id": "E1", "unit": "甲镇", "date": "2017-05-02", "level": "进京",
         "category": "滞留未及时到场劝返"},
        {"incident_id": "E2", "unit": "甲镇", "date": "2017-05-03", "level": "进京",
         "category": "媒体炒作"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(incidents=events), rules), rules)
    charged = result.points.set_index("source_id")[["rule_id", "points"]]
    assert charged.loc["E1"].tolist() == ["quanfan.beijing", -5]
    assert charged.loc["E2"].tolist() == ["media.beijing", -2]
    assert result.scores.set_index("unit").at["甲镇", "score"] == 18
    clash = media.replace("media.beijing", "media2.beijing").replace(
        "[媒体炒作]", "[滞留未及时到场劝返]"
    )
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace(
            "\ncategory_aliases:", clash + "\ncategory_aliases:"
        ),
        "utf-8",
    )
    with pytest.raises(
        ParamsError, match=r"rules\.media2\.beijing.*滞留未及时到场劝返.*quanfan\.beijing"
    ):
        load_rules(params)
    # written with punctuation it is the same category (the ledgers are matched so)
    text = rules_file.read_text(encoding="utf-8")
    said = "\n    quote: 「摘要」案例设定"
    text = text.replace("[滞留未及时到场劝返]" + said, "[滞留、未及时到场劝返]" + said)
    rules_file.write_text(text, "utf-8")
    with pytest.raises(ParamsError, match=r"rules\.media2\.beijing.*滞留、未及时到场劝返"):
        load_rules(params)


def test_head_count_brackets_split_a_visit_rate_and_must_tile(tmp_path):
    """A rate by head count (集体访 1–5 人 / 6 人以上): each visit meets the bracket of its
    persons; brackets with a gap or an overlap are refused naming the visits they miss."""
    params, rules_file = _pack_copy(tmp_path, "fangshan_person_batch")
    text = rules_file.read_text(encoding="utf-8")
    old = "  regular.city:\n"
    bracket = (
        "  regular.city.large:\n    label: 到市6人以上走访\n    clause: 案例\n"
        "    mechanism: visit_rate\n    level: 到市\n    form: any\n    irregular: false\n"
        "    min_persons: 6\n    points: -1\n    per: 人次\n"
        "    quote: 「摘要」案例设定:6 人以上每人次扣 1 分。\n"
    )
    small = old + "    max_persons: 5\n"
    rules_file.write_text(text.replace(old, bracket + small, 1), encoding="utf-8")
    rules = load_rules(params, item_caps="uncapped")
    visits = [
        {"visit_id": "V1", "unit": "拆迁办", "date": "2019-05-06", "level": "到市",
         "form": "个体", "persons": 5, "irregular": "否"},
        {"visit_id": "V2", "unit": "房管所", "date": "2019-05-06", "level": "到市",
         "form": "个体", "persons": 7, "irregular": "否"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules)
    by_id = result.points.set_index("source_id")
    assert by_id.at["V1", "rule_id"] == "regular.city" and by_id.at["V1", "points"] == 0
    assert by_id.at["V2", "rule_id"] == "regular.city.large" and by_id.at["V2", "points"] == -7
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace(
            "    max_persons: 5\n", "    max_persons: 4\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ParamsError, match=re.escape("走访 到市个体(不是非访) 应恰好适用一条")) as e:
        load_rules(params)
    assert "5 人没有或不止一条" in str(e.value)  # the head count no bracket covers
    with pytest.raises(ParamsError):
        load_rules(params)


def test_the_briefing_of_another_method_speaks_only_of_that_method(tmp_path):
    """`baiyi report --rules DIR` on the county pack: the page is titled in the method's
    name, names its levels and items and none of ours, and states no figure for what the
    method does not have (no backlog, no veto, no targets, no office rule)."""
    from bs4 import BeautifulSoup

    data = tmp_path / "台账"
    data.mkdir()
    (data / "走访登记.csv").write_text(
        REGISTER + "V1,丙镇,2017-06-01,到省,个体,1,是,否,否,C1\n"
        "V2,丙镇,2017-06-20,到省,集体,7,是,否,否,C2\n"
        "V3,甲镇,2017-06-21,到县,个体,2,否,否,否,C3\n",
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", "report", "--rules",
         str(PACKS / "county_order_batch" / "params"), "--data", str(data),
         "--as-of", "2017-06-23", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = BeautifulSoup(
        (out / "2017-06-23" / "weekly_briefing.html").read_text(encoding="utf-8"), "html.parser"
    )
    for tag in page.select(".appendix"):
        tag.decompose()
    text = page.get_text(" ", strip=True)
    assert page.h1 and page.h1.get_text().startswith("某县信访工作目标管理考核(案例)周报")
    assert "各层级颜色在所有图中一致:进京、到省、到市、到县。" in text
    assert "到省非访 -10;非访扣完为止(最多扣 15 分) +5" in text
    for ours in (
        "去省",
        "来县",
        "一票否决",
        "信访积案 ",
        "5月20日",
        "机关科室",
        "实施方案",
        "平安稳定星",
    ):
        assert ours not in text, ours
    assert "本方案没有设定任务目标" in text
    assert "没有倒查矛盾纠纷排查台账的规定" in text


def test_what_a_hostile_method_writer_tried_is_refused(tmp_path):
    """Found by an independent attack: a single bracketed rate leaving persons uncovered,
    a floor above the base, a clean period or extra charge with no levels, an event rule
    with no category. Each is refused naming the rule and key, never scored."""
    params, rules_file = _pack_copy(tmp_path, "fangshan_person_batch")
    original = rules_file.read_text(encoding="utf-8")
    edits = {
        "进京个体(不是非访) 应恰好适用一条每人次标准(或人数档次首尾相接),实为 "
        "regular.beijing,1 人没有或不止一条": original.replace(
            "  regular.beijing:\n", "  regular.beijing:\n    min_persons: 3\n", 1
        ),
        "最低分 150 高于基础分 100": original.replace(
            "rules:\n", "floor:\n  points: 150\n  clause: x\n  quote: y\nrules:\n", 1
        ),
        "collective.five.plus.levels: 不能为空": original.replace(
            "    levels: [到市, 进京]\n", "    levels: []\n", 1
        ),
    }
    for words, text in edits.items():
        rules_file.write_text(text, encoding="utf-8")
        with pytest.raises(ParamsError, match=re.escape(words)):
            load_rules(params)


def test_a_repeat_is_a_repeat_of_what_the_rule_doubles(tmp_path):
    """重复访加倍 within 非正常上访: an ordinary visit of the case before is not the first
    非访; the first 非访 is charged once, the second doubled (found by the attack)."""
    rules = load_rules(PACKS / "fangshan_person_batch" / "params", item_caps="uncapped")
    visits = [
        {"visit_id": "V1", "unit": "房管所", "date": "2019-03-01", "level": "到市",
         "form": "个体", "persons": 1, "irregular": "否", "case_id": "C1"},
        {"visit_id": "V2", "unit": "房管所", "date": "2019-03-05", "level": "到市",
         "form": "个体", "persons": 1, "irregular": "是", "case_id": "C1"},
        {"visit_id": "V3", "unit": "房管所", "date": "2019-03-09", "level": "进京",
         "form": "个体", "persons": 1, "irregular": "是", "case_id": "C1"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules)
    by_visit = result.points.groupby("source_id")["points"].sum()
    assert by_visit.to_dict() == {"V1": 0, "V2": -5, "V3": -10}


def test_the_floor_sits_where_the_score_went_past_it(tmp_path):
    """County pack (25 points) with a floor of 20: 到省非访 −10 on 6-01 already passes it;
    the 非访 item stops at 15 later. The floor's row is at V1, its amount 10, score 20."""
    params, rules_file = _pack_copy(tmp_path, "county_order_batch")
    text = rules_file.read_text(encoding="utf-8")
    floor = "floor:\n  points: 20\n  clause: 案例\n  quote: 「摘要」案例设定:总分最低 20 分。\n"
    rules_file.write_text(text.replace("rules:\n", floor + "rules:\n", 1), encoding="utf-8")
    rules = load_rules(params)
    visits = [
        {"visit_id": "V1", "unit": "丙镇", "date": "2017-06-01", "level": "到省",
         "form": "个体", "persons": 1, "irregular": "是"},
        {"visit_id": "V2", "unit": "丙镇", "date": "2017-06-05", "level": "到市",
         "form": "个体", "persons": 1, "irregular": "是"},
        {"visit_id": "V3", "unit": "丙镇", "date": "2017-06-09", "level": "到省",
         "form": "个体", "persons": 1, "irregular": "是"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules)
    rows = result.points.set_index("rule_id")
    assert (rows.at["floor", "source_id"], rows.at["floor", "points"]) == ("V1", 10)
    assert (rows.at["cap.feifang", "source_id"], rows.at["cap.feifang", "points"]) == ("V3", 10)
    assert result.scores.set_index("unit").at["丙镇", "score"] == 20


def test_a_form_the_method_defines_by_head_count_must_agree_with_the_persons(tmp_path):
    """某乡's 集体走访 is 5 persons or more (二、3): `baiyi validate --rules` refuses a 集体 row
    of 3 persons naming file, row, column and value; 5 persons is read and charged."""
    data = tmp_path / "台账"
    data.mkdir()
    (data / "走访登记.csv").write_text(
        REGISTER + "V1,五区,2007-06-01,赴县,集体,3,否,否,否,C1\n"
        "V2,五区,2007-06-02,赴县,集体,5,否,否,否,C2\n",
        encoding="utf-8",
    )
    params = str(PACKS / "xiang_reward_penalty" / "params")
    done = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", "validate", str(data), "--rules", params],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "第 2 行" in said and "走访形式" in said and "集体(3 人)" in said
    assert "考核办法所称集体为 5 人以上,与本行人次不符" in said
    assert "第 3 行" not in said
    rules = load_rules(params)
    frames_ = frames(visits=[{"visit_id": "V2", "unit": "五区", "date": "2007-06-02",
                              "level": "赴县", "form": "集体", "persons": 5}])  # fmt: skip
    result = score(load_ledgers(frames_, rules), rules)
    assert result.points.set_index("source_id").at["V2", "points"] == -300


# --------------------------------------------------------------------------- declared columns

TOWNSHIP = PACKS / "township_monthly_warning" / "params"
WARNED_REGISTER = REGISTER.rstrip("\n") + ",已预警\n"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", *args, "--rules", str(TOWNSHIP)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip


def test_a_column_the_method_declares_is_read_from_the_clerks_file_and_chooses_the_rate(
    tmp_path,
):
    """The township method declares 已预警 (rules.yaml columns): a register with that
    column is read as written (是, 否, blank = 否, its aliases as header); the rate of each
    collective visit follows it (−2 warned, −5 not); a value that is not yes/no is refused
    naming the file, row, column and value, and the template offers the column with 是/否."""
    data = tmp_path / "台账"
    data.mkdir()
    rows = ("V1,丙镇,2014-05-06,到市,集体,6,否,否,否,C1,\n"  # blank: not warned
            "V2,丙镇,2014-05-21,到省,集体,12,否,否,否,C2,是\n"
            "V3,乙镇,2014-05-22,进京,集体,5,否,否,否,C3,否\n")  # fmt: skip
    (data / "走访登记.csv").write_text(WARNED_REGISTER + rows, encoding="utf-8")
    done = _cli("score", "--data", str(data), "--as-of", "2014-05-31")
    assert done.returncode == 0, done.stderr
    got = {line.split()[1]: line.split()[7] for line in done.stdout.splitlines()[2:]
           if len(line.split()) > 7}  # fmt: skip
    assert got["丙镇"] == "13" and got["乙镇"] == "15", done.stdout
    said = _cli("explain", "丙镇", "--data", str(data), "--as-of", "2014-05-31").stdout
    assert "到省集体上访(已报送预警)" in said and "1 次(12 人) × -2 = -2" in said
    # another spelling of the header, as the method lists it
    (data / "走访登记.csv").write_text(
        WARNED_REGISTER.replace("已预警", "是否预警") + rows, encoding="utf-8"
    )
    assert _cli("score", "--data", str(data), "--as-of", "2014-05-31").stdout == done.stdout
    (data / "走访登记.csv").write_text(
        WARNED_REGISTER + rows.replace("C2,是", "C2,可能"), encoding="utf-8"
    )
    bad = _cli("validate", str(data))
    said = bad.stdout + bad.stderr
    assert bad.returncode == 1 and "第 3 行" in said and "已预警" in said and "(共 2 字" in said
    assert "Traceback" not in said
    out = tmp_path / "模板"
    assert _cli("template", str(out)).returncode == 0
    from openpyxl import load_workbook

    ws = load_workbook(out / "走访登记.xlsx")["走访登记"]
    header = [c.value for c in next(r for r in ws.iter_rows() if "已预警" in [c.value for c in r])]
    assert header[-1] == "已预警"
    offered = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"是,否"' in offered
    assert ws["A1"].value == "某县乡镇走访登记"  # the pack's organisation, not ours


def test_a_declared_column_is_kept_in_the_store_and_a_change_to_it_is_a_change(tmp_path):
    """Ingested with the township method, 已预警 is stored with its row: the store scores
    as the folder does; a re-sent register where only 已预警 changed records one changed row
    and the new rate."""
    data = tmp_path / "台账"
    data.mkdir()
    register = data / "走访登记.csv"
    rows = "V1,丙镇,2014-05-06,到市,集体,6,否,否,否,C1,否\n"
    register.write_text(WARNED_REGISTER + rows, encoding="utf-8")
    store = tmp_path / "台账库.duckdb"
    first = _cli("ingest", str(register), "--store", str(store), "--received", "2014-05-09 16:00")
    assert first.returncode == 0, first.stdout + first.stderr
    from_folder = _cli("score", "--data", str(data), "--as-of", "2014-05-31").stdout
    from_store = _cli("score", "--data", str(store), "--as-of", "2014-05-31").stdout
    assert from_store.splitlines()[2:] == from_folder.splitlines()[2:]
    register.write_text(WARNED_REGISTER + rows.replace("C1,否", "C1,是"), encoding="utf-8")
    again = _cli("ingest", str(register), "--store", str(store), "--received", "2014-05-16 16:00")
    assert again.returncode == 0, again.stdout + again.stderr
    from baiyi_lib.store import submissions

    counts = submissions(store).dropna(subset=["kind"]).iloc[-1]
    assert (counts["changed"], counts["unchanged"]) == (1, 0)
    said = _cli("explain", "丙镇", "--data", str(store), "--as-of", "2014-05-31").stdout
    assert "到市以上集体上访(已报送预警)" in said and "= 18" in said


def test_a_monthly_method_counts_only_the_month_and_says_why(tmp_path):
    """月考核: as of 9-10, August's visits are not charged; each is listed with the reason
    (属于此前的考核月), and the explanation's period starts on the first of the month."""
    rules = load_rules(TOWNSHIP)
    visits = [
        {"visit_id": "V1", "unit": "己镇", "date": "2014-08-29", "level": "到市", "form": "集体",
         "persons": 6},
        {"visit_id": "V2", "unit": "己镇", "date": "2014-09-03", "level": "到市", "form": "集体",
         "persons": 6},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules, as_of="2014-09-10")
    assert list(result.points["source_id"]) == ["V2"]
    why = result.excluded.set_index("source_id").at["V1", "reason"]
    assert why == "属于此前的考核月(按月考核,本月自 2014-09-01 起算)"
    assert "统计期:2014-09-01 至 2014-09-10" in result.explain("己镇")


def test_what_a_method_may_not_say_about_its_columns_is_refused(tmp_path):
    """A ``when`` on a column nobody declared, a yes/no that is not true/false, a declared
    header that is already a column of the ledger, rates that leave 已预警 = 是 without a
    rule, a doubling on a column without ``when``, a cycle that is not one: each refused
    naming the file, the rule and the key."""
    params, rules_file = _pack_copy(tmp_path, "township_monthly_warning")
    original = rules_file.read_text(encoding="utf-8")
    unwarned = "    when: {warned: false}\n    points: -5\n"
    edits = {
        "collective.unwarned.when.alerted: 「alerted」不是 columns 中为走访登记声明的是否列": (
            original.replace(unwarned, "    when: {alerted: false}\n    points: -5\n", 1)
        ),
        "collective.unwarned.when.warned: 应为 true / false,实为 '否'": original.replace(
            unwarned, "    when: {warned: 否}\n    points: -5\n", 1
        ),
        "走访 到市集体(不是非访、「已预警」为否) 应恰好适用一条每人次标准": original.replace(
            unwarned, "    when: {warned: true}\n    points: -5\n", 1
        ),
        "columns.Warned: 列名应为小写英文字母": original.replace("  warned:\n", "  Warned:\n", 1),
        "dbl.when: condition: declared 须写 when": original
        + (
            "  dbl:\n    label: x\n    clause: x\n    quote: x\n    mechanism: doubling\n"
            "    condition: declared\n    factor: 2\n"
        ),
    }
    for words, text in edits.items():
        rules_file.write_text(text, encoding="utf-8")
        with pytest.raises(ParamsError, match=re.escape(words)):
            load_rules(params)
    rules_file.write_text(original.replace("header: 已预警", "header: 非访"), encoding="utf-8")
    rules = load_rules(params)
    with pytest.raises(
        ParamsError, match=re.escape("columns.warned: 「非访」已是走访登记的列「非访」")
    ):
        load_ledgers(frames(visits=[]), rules)
    rules_file.write_text(original, encoding="utf-8")
    camp = params / "campaign.yaml"
    camp.write_text(camp.read_text(encoding="utf-8").replace("cycle: 月", "cycle: 周"), "utf-8")
    with pytest.raises(ParamsError, match=re.escape("assessment.cycle: 应为 全期 / 月 / 季")):
        load_rules(params)


def test_a_doubling_on_a_declared_column_doubles_what_it_says(tmp_path):
    """劝返 as a declared column with a doubling of its own (condition: declared): a visit
    marked 是 is doubled and says so in the ledger's words; the others are not."""
    params, rules_file = _pack_copy(tmp_path, "township_monthly_warning")
    text = rules_file.read_text(encoding="utf-8").replace(
        "items:\n",
        "  returned:\n    ledger: visits\n    header: 劝返\n    label: 在外滞留后被劝返\n"
        "    clause: 案例\n    quote: 「摘要」案例设定。\n\nitems:\n",
        1,
    ) + (
        "  returned.double:\n    label: 劝返的集体上访加倍\n    clause: 案例\n"
        "    quote: 「摘要」案例设定:劝返的加倍扣分。\n    mechanism: doubling\n"
        "    condition: declared\n    when: {returned: true}\n    factor: 2\n"
    )
    rules_file.write_text(text, encoding="utf-8")
    rules = load_rules(params)
    visits = [
        {"visit_id": "V1", "unit": "甲乡", "date": "2014-03-04", "level": "到市", "form": "集体",
         "persons": 6, "returned": "是"},
        {"visit_id": "V2", "unit": "甲乡", "date": "2014-03-05", "level": "到市", "form": "集体",
         "persons": 6, "returned": "否"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules, as_of="2014-03-31")
    rows = result.points[result.points["rule_id"] == "returned.double"]
    assert list(rows["source_id"]) == ["V1"] and list(rows["points"]) == [-5]
    assert list(rows["note"]) == ["「劝返」为是,加倍"]
    assert result.scores.set_index("unit").at["甲乡", "score"] == 20 - 5 - 5 - 5  # V1 doubled, V2


# --------------------------------------------------------------------------- returns as points

CHUZHOU = PACKS / "chuzhou_labour_returns" / "params"
SCREENING_HEAD = "填报单位:{unit}\n案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\n"


def _weekly_return(folder: Path, unit: str, day: str) -> Path:
    """One unit's weekly screening ledger as it sends it (one case, dated that day)."""
    path = folder / f"{unit}排查{day}.csv"
    path.write_text(
        SCREENING_HEAD.format(unit=unit) + f"K-{unit}-1,{unit},{day},其他,未化解,\n",
        encoding="utf-8",
    )
    return path


def test_missed_and_late_returns_are_charged_from_when_the_store_received_them(tmp_path):
    """Returns as points (滁州 pack: 延误一次扣 2 分, 5 分扣完为止), from the store's
    submission records: a return received on Monday is week 2's late return, a week with
    none is missed, a withdrawn return is no return; each charged week is one row naming
    it, and the page's returns grid agrees with the rows charged, week by week."""
    from baiyi_lib.cli import main
    from baiyi_lib.store import ingest

    files, store = tmp_path / "收到", tmp_path / "台账库.duckdb"
    files.mkdir()
    rules = load_rules(CHUZHOU)
    sent = [
        ("琅琊区局", "2008-01-04", "2008-01-04 16:00"),  # in the order received
        ("南谯区局", "2008-01-04", "2008-01-04 17:00"),
        ("南谯区局", "2008-01-11", "2008-01-11 17:00"),
        ("琅琊区局", "2008-01-11", "2008-01-14 09:00"),
    ]  # Monday: week 2, late; fmt: skip
    ids = {}
    for unit, day, at in sent:
        at_ = dt.datetime.fromisoformat(at)
        report = ingest([_weekly_return(files, unit, day)], store, at_, rules)
        ids[(unit, day)] = report[0].submission_id
    result = score(load_ledgers(str(store), rules), rules, as_of="2008-01-18")
    rows = result.points[result.points["rule_id"].str.startswith("returns.")]
    charged = {(r.unit, r.source_id, r.rule_id) for r in rows.itertuples()}
    assert charged == {
        ("琅琊区局", "第2周", "returns.late"),
        ("琅琊区局", "第3周", "returns.missed"),
        ("南谯区局", "第3周", "returns.missed"),
        *{(u, f"第{w}周", "returns.missed") for u in ("来安县局", "全椒县局") for w in (1, 2, 3)},
    }
    scores = result.scores.set_index("unit")["score"].to_dict()
    assert scores == {"琅琊区局": 1, "南谯区局": 3, "来安县局": 0, "全椒县局": 0}
    from baiyi_lib import views

    grid = views.returns_from_submissions(store, rules, dt.date(2008, 1, 18))
    for status, rule in (("迟报", "returns.late"), ("未报", "returns.missed")):
        weeks = grid[grid["status"] == status]
        assert len(weeks) == (rows["rule_id"] == rule).sum()
    # a withdrawn return is no return: 南谯区局 week 2 becomes missed
    assert main(["withdraw", str(ids[("南谯区局", "2008-01-11")]), "--store", str(store),
                 "--rules", str(CHUZHOU), "--at", "2008-01-15 10:00"]) == 0  # fmt: skip
    after = score(load_ledgers(str(store), rules), rules, as_of="2008-01-18")
    assert after.scores.set_index("unit").at["南谯区局", "score"] == 1
    then = score(load_ledgers(str(store), rules, known_at="2008-01-14 12:00"), rules,
                 as_of="2008-01-18")  # fmt: skip
    assert then.scores.set_index("unit").at["南谯区局", "score"] == 3
    said = after.explain("南谯区局")
    assert "报送 第2周 报表未报送(按延误计)(信访基础建设 4):截至1月11日(周五)的一周未报" in said
    assert "第 0 行" not in said


def test_a_method_charging_returns_needs_a_return_day(tmp_path):
    """missed_return without campaign.yaml's weekly_return, or with a condition that is
    not missed / late: refused naming the file, rule and key."""
    params, rules_file = _pack_copy(tmp_path, "chuzhou_labour_returns")
    camp = params / "campaign.yaml"
    text = camp.read_text(encoding="utf-8")
    start, end = text.index("weekly_return:"), text.index("base_score:")
    camp.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(
        ParamsError,
        match=re.escape("rules.returns.late: 按报送计分,但 campaign.yaml 没有 weekly_return"),
    ):
        load_rules(params)
    camp.write_text(text, encoding="utf-8")
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace("condition: late", "condition: 迟报"),
        encoding="utf-8",
    )
    with pytest.raises(
        ParamsError, match=re.escape("rules.returns.late.condition: 应为 missed / late")
    ):
        load_rules(params)


def _render(tmp_path, pack: str, register: str, as_of: str, notebook: str):
    """A page of a pack's method through `baiyi report --rules`, as parsed text (appendix out)."""
    from bs4 import BeautifulSoup

    data = tmp_path / f"台账-{notebook}"
    data.mkdir()
    (data / "走访登记.csv").write_text(register, encoding="utf-8")
    out = tmp_path / f"reports-{notebook}"
    done = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", "report", "--rules", str(PACKS / pack / "params"),
         "--data", str(data), "--as-of", as_of, "--out", str(out), "--notebook", notebook],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = BeautifulSoup(
        (out / as_of / f"{notebook}.html").read_text(encoding="utf-8"), "html.parser"
    )
    for tag in page.select(".appendix"):
        tag.decompose()
    return page.get_text(" ", strip=True)


def test_a_monthly_method_without_returns_or_backlog_is_paged_in_its_own_terms(tmp_path):
    """The township method (月考核, no weekly return, no backlog, no readings, no award):
    its weekly page says the scores are this month's, that no return is set, that the
    backlog section does not apply, draws weeks ending on Sunday; its final page has no
    award, veto or sensitivity table; neither uses this plan's words (行动, 领导小组,
    平安稳定星, 周五)."""
    register = WARNED_REGISTER + (
        "V1,丙镇,2014-05-06,到市,集体,6,否,否,否,C1,\n"
        "V2,丙镇,2014-05-21,到省,集体,12,否,否,否,C2,是\n"
        "V4,戊乡,2014-04-22,到市,集体,5,否,否,否,C4,否\n"
    )
    pack = "township_monthly_warning"
    weekly = _render(tmp_path, pack, register, "2014-05-30", "weekly_briefing")
    assert "按月考核(总则),得分为本月(5月1日—5月31日)的得分" in weekly
    assert "本考核办法没有规定定期报送台账" in weekly
    assert "本考核办法没有信访积案化解的计分规定" in weekly
    assert "考核以来累计 23 人次(其中计分 18 人次)" in weekly  # April's 5 are last month's
    final = _render(tmp_path, pack, register, "2014-05-30", "final_assessment")
    assert "各单位考核期的最终得分和名次" in final and "考核得分" in final
    assert "考核办法的文字没有需要另行确定口径之处" in final
    for text in (weekly, final):
        for ours in ("行动", "领导小组", "平安稳定星", "一票否决", "周五"):
            assert ours not in text, ours


@pytest.mark.parametrize(
    "pack", sorted(p.name for p in PACKS.iterdir() if (p / "params" / "rules.yaml").exists())
)
def test_the_export_of_each_pack_prints_the_scores_computed_by_hand(tmp_path, pack):
    """`export` under each pack's params: the 得分 sheet (read with openpyxl) gives every
    unit of the pack's first case the score worked out by hand in cases.yaml."""
    from openpyxl import load_workbook

    from baiyi_lib.excel import export_source

    case = yaml.safe_load((PACKS / pack / "cases.yaml").read_text(encoding="utf-8"))[0]
    rules = load_rules(PACKS / pack / "params")
    data = frames(**{k: case.get(k) or [] for k in ("visits", "incidents", "screening", "backlog")})
    out = export_source(tmp_path / "e.xlsx", data, rules, as_of=case.get("as_of")).path
    ws = load_workbook(out)["得分"]
    header = [c.value for c in ws[2]]
    rows = {
        r[header.index("单位")]: r[header.index("得分")]
        for r in ws.iter_rows(min_row=3, values_only=True)
        if r[0] is not None
    }
    for unit, want in case["expect"]["scores"].items():
        assert rows[unit] == want, (pack, unit)
