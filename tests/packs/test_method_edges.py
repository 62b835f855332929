"""What an independent attack on other methods' params found, one kind per test.

Each test names a kind of failure (a method lacking a mechanism the ledgers still carry, a
declared column that collides or is missing, a monthly assessment and what it must not
restart, returns judged from evidence that cannot tell), tries the instance the attack gave
and others of the same kind, and compares with figures worked out here by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import frames

from baiyi_lib import load_rules, score
from baiyi_lib.errors import ParamsError
from baiyi_lib.sources import load_ledgers

PACKS = Path(__file__).resolve().parent
ROOT = PACKS.parents[1]
TOWNSHIP = PACKS / "township_monthly_warning" / "params"
CHUZHOU = PACKS / "chuzhou_labour_returns" / "params"


def _copy(tmp_path: Path, params: Path) -> Path:
    out = tmp_path / "params"
    shutil.copytree(params, out)
    return out


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", *args],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip


# --------------------------------------------------------------------------- ledgers a
# method has no rule for


@pytest.mark.parametrize("pack", ["township_monthly_warning", "chuzhou_labour_returns"])
def test_a_ledger_the_method_has_no_rule_for_is_read_and_not_scored(pack):
    """A certified backlog resolution, or an incident of any category, under a method with
    no backlog or incident rule: read, listed as not scored with the reason, no traceback,
    no refusal of the row."""
    rules = load_rules(PACKS / pack / "params")
    data = frames(
        backlog=[{"case_id": "J1", "unit": next(iter(rules.units.names)),
                  "first_petition_on": "2005-03-01", "status": "已化解",
                  "resolved_on": f"{rules.campaign.start.year}-03-20", "certified": "是",
                  "certified_on": f"{rules.campaign.start.year}-03-25"}],
        incidents=[{"incident_id": "E1", "unit": next(iter(rules.units.names)),
                    "date": f"{rules.campaign.start.year}-03-02", "level": rules.levels[0],
                    "category": "媒体炒作"}],
    )  # fmt: skip
    result = score(load_ledgers(data, rules), rules, as_of=f"{rules.campaign.start.year}-03-31")
    why = result.excluded.set_index("source_id")["reason"]
    assert why["J1"] == "本考核办法没有积案化解的加分规定"
    assert why["E1"] == "考核办法没有敏感事件的扣分规定"
    assert not result.points["source"].isin(["积案", "事件"]).any()


# --------------------------------------------------------------------------- declared columns


@pytest.mark.parametrize("key", ["status", "certified", "category", "src_file", "received"])
def test_a_declared_column_may_not_take_a_name_the_ledgers_use(tmp_path, key):
    """A key another ledger or the store already uses is refused by every command,
    `rules` included (it was silently ignored, or a traceback)."""
    params = _copy(tmp_path, TOWNSHIP)
    rules_file = params / "rules.yaml"
    text = rules_file.read_text(encoding="utf-8")
    rules_file.write_text(text.replace("warned", key), encoding="utf-8")
    done = _cli("rules", "--rules", str(params))
    assert done.returncode == 2 and f"columns.{key}: 列名「{key}」已被台账使用" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_new_keys_written_wrong_are_refused_naming_file_and_line(tmp_path):
    """`columns` as a list, a date that does not exist in campaign.yaml, a return day
    named unlike its number: a Chinese message naming file and key (or line)."""
    params = _copy(tmp_path, CHUZHOU)
    rules_file, camp = params / "rules.yaml", params / "campaign.yaml"
    rules_text, camp_text = (p.read_text(encoding="utf-8") for p in (rules_file, camp))
    rules_file.write_text(rules_text.replace("items:\n", "columns:\n  - warned: 1\nitems:\n", 1),
                          encoding="utf-8")  # fmt: skip
    with pytest.raises(ParamsError, match=re.escape("rules.yaml.columns: 类型应为 dict")):
        load_rules(params)
    rules_file.write_text(rules_text, encoding="utf-8")
    camp.write_text(camp_text.replace("end: 2008-12-31", "end: 2008-02-30"), encoding="utf-8")
    with pytest.raises(ParamsError, match=re.escape("日期「2008-02-30」不存在")):
        load_rules(params)
    camp.write_text(camp_text.replace("weekday_name: 周五", "weekday_name: 周一"), "utf-8")
    with pytest.raises(ParamsError, match=re.escape("「周一」与 weekday: 5(周五)不符")):
        load_rules(params)
    camp.write_text(camp_text.replace("weekday_name: 周五", "weekday_name: 星期五"), "utf-8")
    assert load_rules(params).campaign.weekday_name == "星期五"


def test_a_declared_column_missing_from_a_ledger_is_said_before_any_score(tmp_path):
    """A register without 已预警 (or with a header the method does not list) reads every
    row as 否: said in the accounting and among the lines read before the scores."""
    data = tmp_path / "台账"
    data.mkdir()
    (data / "走访登记.csv").write_text(
        "走访编号,责任单位,走访日期,走访层级,走访形式,人次,非访,是否已经预警\n"
        "V1,丙镇,2014-05-06,到市,集体,6,否,是\n",
        encoding="utf-8",
    )
    rules = load_rules(TOWNSHIP)
    ledgers = load_ledgers(data, rules)
    assert "走访登记.csv没有考核办法要求的「已预警」列,各行按否计" in ledgers.reading_lines()
    done = _cli("score", "--data", str(data), "--as-of", "2014-05-31", "--rules", str(TOWNSHIP))
    assert "没有考核办法要求的「已预警」列,各行按否计" in done.stdout


def test_a_declared_column_is_stored_by_its_header_and_read_back_by_any_spelling(tmp_path):
    """Stored under its header (已预警), a declared value survives the method renaming its
    key, and is read by another method that lists that header as an alias."""
    data = tmp_path / "台账"
    data.mkdir()
    register = data / "走访登记.csv"
    register.write_text(
        "走访编号,责任单位,走访日期,走访层级,走访形式,人次,非访,已预警\n"
        "V1,乙镇,2014-04-15,到市,集体,30,否,是\n",
        encoding="utf-8",
    )
    store = tmp_path / "台账库.duckdb"
    done = _cli("ingest", str(register), "--store", str(store), "--received",
                "2014-04-18 16:00", "--rules", str(TOWNSHIP))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    params = _copy(tmp_path, TOWNSHIP)
    rules_file = params / "rules.yaml"
    rules_file.write_text(
        rules_file.read_text(encoding="utf-8").replace("warned", "alerted"), encoding="utf-8"
    )
    for method in (TOWNSHIP, params):
        rules = load_rules(method)
        result = score(load_ledgers(str(store), rules), rules, as_of="2014-04-30")
        assert result.scores.set_index("unit").at["乙镇", "score"] == 18, method


# --------------------------------------------------------------------------- 月考核


def _monthly(tmp_path: Path) -> Path:
    """Our own method, assessed month by month (a reading of 月考核 for the test)."""
    params = _copy(tmp_path, ROOT / "params")
    camp = params / "campaign.yaml"
    camp.write_text(
        camp.read_text(encoding="utf-8")
        + "\nassessment:\n  cycle: 月\n  clause: 案例\n  quote: 「摘要」案例设定:按月考核。\n",
        encoding="utf-8",
    )
    return params


def test_a_monthly_assessment_restarts_the_points_not_what_happened(tmp_path):
    """月考核 restarts the score each month, not the campaign's history: the system's first
    進京 visit was in March, so April's is charged the standard rate (−100 × 1, no first-case
    −200); a case visited in March and again in April is a repeat in April; a backlog case
    resolved in March and certified in April earns its bonus in April."""
    rules = load_rules(_monthly(tmp_path))
    visits = [
        {"visit_id": "V1", "unit": "农水站", "date": "2019-03-05", "level": "进京",
         "form": "个体", "persons": 1, "case_id": "C1"},
        {"visit_id": "V2", "unit": "农水站", "date": "2019-04-09", "level": "进京",
         "form": "个体", "persons": 1, "case_id": "C2"},
    ]  # fmt: skip
    backlog = [{"case_id": "J1", "unit": "农水站", "first_petition_on": "2016-01-05",
                "status": "已化解", "resolved_on": "2019-03-28", "certified": "是",
                "certified_on": "2019-04-02"}]  # fmt: skip
    screening = [{"case_id": c, "unit": "农水站", "screened_on": "2019-02-25",
                  "status": "未化解"} for c in ("C1", "C2")]  # fmt: skip
    data = load_ledgers(frames(visits=visits, backlog=backlog, screening=screening), rules)
    april = score(data, rules, as_of="2019-04-30")
    rows = april.points.set_index("source_id")
    assert "first.beijing" not in set(april.points["rule_id"].astype(str))
    assert rows.loc["V2", "points"].sum() == rules.rule_points(
        rules.visit_rate("进京", "个体", False)
    )
    assert rows.loc["J1", "points"] > 0
    march = score(data, rules, as_of="2019-03-31")
    assert "J1" not in set(march.points["source_id"])
    assert set(march.points["rule_id"].astype(str)) >= {"first.beijing"}


# --------------------------------------------------------------------------- returns evidence


def _screening_file(folder: Path, unit: str, day: str | None, name: str) -> None:
    """A unit's weekly screening ledger: one dated row, or a zero return (day None)."""
    head = f"填报单位:{unit}\n" + ("零报告:是\n" if day is None else "")
    body = "案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\n"
    row = "" if day is None else f"K-{len(unit)}01,{unit},{day},其他,未化解,\n"
    (folder / name).write_text(head + body + row, encoding="utf-8")


def test_a_folder_that_cannot_tell_a_week_charges_nothing_for_it(tmp_path):
    """Returns as points need evidence: a unit that sent a zero return (undated) besides
    dated rows, or a folder with no screening ledger at all, is 无法判断 for the weeks
    without a dated row — never charged as 未报."""
    rules = load_rules(CHUZHOU)
    data = tmp_path / "台账"
    data.mkdir()
    _screening_file(data, "琅琊区局", "2008-01-04", "琅琊1.csv")
    _screening_file(data, "琅琊区局", None, "琅琊2.csv")
    _screening_file(data, "南谯区局", "2008-01-04", "南谯1.csv")
    result = score(load_ledgers(data, rules), rules, as_of="2008-01-18")
    by_unit = result.scores.set_index("unit")["score"]
    assert by_unit["琅琊区局"] == 5  # weeks 2 and 3 cannot be told
    assert by_unit["南谯区局"] == 1  # weeks 2 and 3 missed: −4
    empty = tmp_path / "只有走访"
    empty.mkdir()
    (empty / "走访登记.csv").write_text(
        "走访编号,责任单位,走访日期,走访层级,走访形式,人次\nV1,琅琊区局,2008-01-07,来县,个体,1\n",
        encoding="utf-8",
    )
    blind = score(load_ledgers(empty, rules), rules, as_of="2008-01-18")
    assert set(blind.scores["score"]) == {5}


def test_a_return_is_a_return_a_correction_is_not(tmp_path):
    """From the store: a 补报 (a partial file adding a row) is no week's return; an
    identical file sent on the next Friday after a Monday late return is this week's
    return, not a repeat to skip."""
    from baiyi_lib.store import ingest

    rules = load_rules(CHUZHOU)
    files, store = tmp_path / "收到", tmp_path / "台账库.duckdb"
    files.mkdir()
    _screening_file(files, "琅琊区局", "2008-01-04", "琅琊区局排查.csv")
    ingest([files / "琅琊区局排查.csv"], store, dt.datetime(2008, 1, 4, 16), rules)
    _screening_file(files, "琅琊区局", "2008-01-07", "琅琊区局排查_补报.csv")
    ingest([files / "琅琊区局排查_补报.csv"], store, dt.datetime(2008, 1, 7, 9), rules)
    grid_score = score(load_ledgers(str(store), rules), rules, as_of="2008-01-11")
    assert grid_score.scores.set_index("unit").at["琅琊区局", "score"] == 3  # week 2 missed
    _screening_file(files, "南谯区局", "2008-01-04", "南谯区局排查.csv")
    ingest([files / "南谯区局排查.csv"], store, dt.datetime(2008, 1, 14, 9), rules)  # wk 2, late
    same = files / "南谯区局排查.csv"
    reports = ingest([same], store, dt.datetime(2008, 1, 18, 16), rules)
    assert reports[0].status == "stored", reports[0].message
    result = score(load_ledgers(str(store), rules), rules, as_of="2008-01-18")
    rows = result.points[result.points["unit"] == "南谯区局"]
    assert set(rows["source_id"]) >= {"第1周"} and "第3周" not in set(rows["source_id"])


def test_a_receipt_scores_the_day_it_is_written(tmp_path):
    """A return received on Monday: its receipt scores as of that Monday (the week due on
    Friday is not yet missed); under 月考核 a return received on 4-30 shows April."""
    from baiyi_lib.receipts import _score_day

    rules = load_rules(CHUZHOU)
    assert _score_day(dt.date(2008, 1, 18), dt.datetime(2008, 1, 14, 9), rules) == dt.date(
        2008, 1, 14
    )
    township = load_rules(TOWNSHIP)
    day = _score_day(dt.date(2014, 5, 2), dt.datetime(2014, 4, 30, 10), township)
    assert township.campaign.assessment_period(day)[0] == dt.date(2014, 4, 1)


def test_templates_of_another_method_say_its_words(tmp_path):
    """No weekly return: the unit template is not called 每周报送 and its instructions do
    not state our Friday rule; no incident rule: no incident template."""
    out = tmp_path / "模板"
    assert _cli("template", str(out), "--rules", str(TOWNSHIP)).returncode == 0
    names = sorted(p.name for p in out.iterdir())
    assert "敏感事件.xlsx" not in names and "单位报送.xlsx" in names
    from openpyxl import load_workbook

    notes = load_workbook(out / "走访登记.xlsx")["填表说明"]
    text = "\n".join(str(c.value) for c in notes["A"] if c.value)
    assert "周五" not in text and "实施方案" not in text and "行动办公室" not in text


# --------------------------------------------------------------------------- a newcomer's pack


def test_the_weekly_deductions_add_up_to_the_score_where_an_item_stops(tmp_path):
    """The heat map's cells net what an item gives back where it is used up: a unit's row
    adds up to its deductions (the county pack's 非访 stops at 15 after 20 charged)."""
    from baiyi_lib import views

    rules = load_rules(PACKS / "county_order_batch" / "params")
    visits = [
        {"visit_id": "V1", "unit": "丙镇", "date": "2017-06-01", "level": "到省", "form": "个体",
         "persons": 1, "irregular": "是"},
        {"visit_id": "V2", "unit": "丙镇", "date": "2017-06-20", "level": "到省", "form": "集体",
         "persons": 7, "irregular": "是"},
    ]  # fmt: skip
    result = score(load_ledgers(frames(visits=visits), rules), rules, as_of="2017-06-30")
    heat = views.deductions_by_unit_week(result)
    assert int(heat.loc["丙镇"].sum()) == int(
        result.scores.set_index("unit").at["丙镇", "deductions"]
    )
    assert int(heat.loc["丙镇"].sum()) == 15


def test_what_a_method_lacks_is_not_asked_of_it(tmp_path):
    """A method with no readings, no incidents and no backlog (滁州): compare says there
    is nothing to compare, not "use --set doubling=stack"; no line says incidents or
    backlog are missing; a misspelt ``when`` is one message, not a cascade of coverage."""
    done = _cli("compare", "--set", "doubling=stack", "--rules", str(CHUZHOU), "--data",
                str(ROOT / "data" / "sample"))  # fmt: skip
    assert done.returncode == 2 and "没有需要另行确定的口径" in done.stderr
    rules = load_rules(CHUZHOU)
    ledgers = load_ledgers(frames(visits=[]), rules)
    assert not [line for line in ledgers.reading_lines() if "敏感事件" in line or "积案" in line]
    params = _copy(tmp_path, TOWNSHIP)
    rules_file = params / "rules.yaml"
    text = rules_file.read_text(encoding="utf-8")
    rules_file.write_text(text.replace("when: {warned: false}", "when: {warnd: false}", 1), "utf-8")
    with pytest.raises(ParamsError) as info:
        load_rules(params)
    lines = [x for x in str(info.value).splitlines() if x.strip().startswith("-")]
    assert len(lines) == 1 and "warnd" in lines[0]


def test_a_clean_month_is_named_as_the_month(tmp_path):
    """Points for an absence under 月考核 belong to the month (2014年03月), not 全期."""
    params = _copy(tmp_path, PACKS / "xiang_reward_penalty" / "params")
    camp = params / "campaign.yaml"
    camp.write_text(
        camp.read_text(encoding="utf-8")
        + "assessment:\n  cycle: 月\n  clause: 案例\n  quote: 「摘要」案例设定:按月考核。\n",
        encoding="utf-8",
    )
    rules = load_rules(params)
    result = score(load_ledgers(frames(visits=[]), rules), rules, as_of="2007-03-31")
    rows = result.points[result.points["rule_id"] == "clean.year"]
    assert set(rows["source_id"]) == {"2007年03月"}
    assert set(rows["note"].astype(str)) == {"本月没有赴京、赴省、赴市、赴县的走访"}


def test_a_late_return_s_receipt_names_the_week_it_is_late_for(tmp_path):
    """A return received on Monday after a Friday without one is that week's 迟报: its
    receipt says so (not the coming Friday's week), and charges nothing for a week not due."""
    files, store, out = tmp_path / "收到", tmp_path / "台账库.duckdb", tmp_path / "回执"
    files.mkdir()
    _screening_file(files, "琅琊区局", "2008-01-04", "琅琊区局排查1.csv")
    done = _cli("ingest", str(files / "琅琊区局排查1.csv"), "--store", str(store),
                "--received", "2008-01-04 16:00", "--rules", str(CHUZHOU))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    _screening_file(files, "琅琊区局", "2008-01-11", "琅琊区局排查2.csv")
    done = _cli("ingest", str(files / "琅琊区局排查2.csv"), "--store", str(store),
                "--received", "2008-01-14 09:00", "--receipts", str(out),
                "--rules", str(CHUZHOU))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [page] = list(out.glob("ly_琅琊区局_回执_*.html"))
    text = page.read_text(encoding="utf-8")
    assert "计入截至 1月11日(周五)的一周(迟报)" in text
    assert "得分统计截至 2008-01-14" in text and "第3周" not in text
