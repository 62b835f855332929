"""The plan's duties tracked by case (实施方案 四(三)), from YAML cases at their boundaries.

Each case is scored and viewed as the pages view it; what is listed is compared with what
the case says by hand, and no duty changes a score under the default reading.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import frames

from baiyi_lib import load_rules, score, views
from baiyi_lib.sources import load_ledgers

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"].split()[0] for c in CASES])
def test_a_duty_lists_what_the_plan_asks_by_case(case):
    rules = load_rules(**case.get("readings", {}))
    tables = frames(
        visits=case.get("visits") or [],
        backlog=case.get("backlog") or [],
        warnings=case.get("warnings") or [],
        **({"roster": case["roster"]} if "roster" in case else {}),
    )
    if case.get("no_warnings_register"):
        del tables["warnings"]
    data = load_ledgers(tables, rules)
    result = score(data, rules, as_of=case["as_of"])
    want = case["expect"]
    if "head_supplied" in want:
        listing, supplied = views.head_on_scene(data, result)
        assert supplied == want["head_supplied"]
        assert (
            dict(zip(listing["visit_id"], listing["status"], strict=True)) == want["head_missing"]
        )
    if "book_supplied" in want:
        short, no_lead, supplied = views.backlog_procedure(data, result)
        assert supplied == want["book_supplied"]
        assert dict(zip(short["case_id"], short["missing"], strict=True)) == want["incomplete"]
        assert list(no_lead["case_id"]) == want["no_lead"]
    if "warn_supplied" in want:
        listing, supplied = views.warnings_status(data, result)
        assert supplied == want["warn_supplied"]
        assert dict(zip(listing["warning_id"], listing["status"], strict=True)) == want["warnings"]
    if "reception_supplied" in want:
        days, visits, n_days, supplied = views.reception_days(data, result)
        assert supplied == want["reception_supplied"]
        assert n_days == want.get("reception_days", 0)
        got = {d.strftime("%Y-%m-%d"): s for d, s in zip(days["date"], days["status"], strict=True)}
        if "days_missing" in want:
            assert got == {str(k): v for k, v in want["days_missing"].items()}
        for day, status in (want.get("days_missing_includes") or {}).items():
            assert got.get(str(day)) == status, day
        for day in want.get("days_missing_excludes") or []:
            assert str(day) not in got, day
        if "bureau_visits" in want:
            expected = want["bureau_visits"]
            assert (None if visits is None else list(visits["visit_id"])) == expected
        if "received_by" in want:  # 接待领导 of the visits listed; no column when never written
            got = dict(zip(visits["visit_id"], visits["received_by"], strict=True))
            assert got == want["received_by"]
        elif visits is not None:
            assert "received_by" not in visits
    for case_id, points in (want.get("points") or {}).items():
        got = result.points[result.points["source_id"] == case_id]["points"].sum()
        assert got == points, case_id


def test_a_name_where_a_post_belongs_is_refused_and_never_shown(tmp_path):
    """包案领导 holds a post (ledgers.yaml posts: 分管副局长…), never a name: anything else
    is refused naming file, row and column, the value masked."""
    from baiyi_lib.cli import main

    book = tmp_path / "nsz_农水站积案.csv"
    book.write_text(
        "填报单位:农水站\n案件编号,责任单位,初次信访日期,化解状态,包案领导\n"
        "J-01,农水站,2015-01-05,未化解,王小明\nJ-02,农水站,2015-01-05,未化解,分管局长\n",
        encoding="utf-8",
    )
    assert main(["validate", str(book)]) == 1
    rules = load_rules()
    from baiyi_lib.sources import check_ledgers

    checked = check_ledgers(book, rules)
    said = checked.problems.to_string()
    assert "王小明" not in said and "包案领导只填一个职务" in said
    assert set(checked.problems["row"].dropna().astype(int)) == {3}
    assert set(checked.problems["check"]) == {"cell.post"}


def test_the_export_lists_each_duty_unmet_by_case(tmp_path):
    """The export's 履职情况 sheet: one row per visit without the head on the scene and per
    backlog case 程序不全 or without a leader, each with its clause."""
    from openpyxl import load_workbook

    from baiyi_lib.excel import export_source

    case = next(c for c in CASES if c["name"].startswith("meetings.same.day"))
    visits = next(c for c in CASES if c["name"].startswith("head.levels"))["visits"]
    data = frames(visits=visits, backlog=case["backlog"])
    out = export_source(tmp_path / "e.xlsx", data, load_rules(), as_of="2019-04-30").path
    ws = load_workbook(out)["履职情况"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if any(r)]
    assert [(r[0], r[3]) for r in rows] == [
        ("到省进京的走访,主要负责人亲自到现场接访", None),
        ("到省进京的走访,主要负责人亲自到现场接访", None),
        ("每天一名局党组领导在局全天接访", None),
        ("程序不全的积案", "J2"),
        ("程序不全的积案", "J3"),
    ]
    assert [r[1] for r in rows] == ["实施方案 四(三)"] * 2 + ["实施方案 四(一)"] + [
        "实施方案 四(三)"
    ] * 2
    assert rows[2][4] == "没有局领导接访值班表,无法核对"  # missing is said, never "0 days"


def test_a_units_page_lists_only_its_own_visits_to_the_bureau():
    """The days without a leader are the bureau's; the visits listed on them are, on a
    unit's page, that unit's only."""
    case = next(c for c in CASES if c["name"].startswith("reception.every.day"))
    data = load_ledgers(frames(visits=case["visits"], roster=case["roster"]), load_rules())
    result = score(data, load_rules(), as_of=case["as_of"])
    _, mine, _, _ = views.reception_days(data, result, "河道管理办公室")
    _, every, _, _ = views.reception_days(data, result)
    assert list(mine["visit_id"]) == ["V4"] and list(every["visit_id"]) == ["V2", "V4"]


def test_a_time_of_exactly_midnight_is_read_as_the_screen_shows_it(tmp_path):
    """推送时间 typed as 2019-03-05 0:00 in Excel is a datetime cell at midnight: in a format
    that shows the time it is 00:00 (not a missing time); in a date-only format the screen
    shows no time and the cell is refused as lacking one."""
    import datetime as dt

    import openpyxl

    from baiyi_lib.ledgers.schema import headers
    from baiyi_lib.sources import check_ledgers

    def register(path, fmt):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "预警信息"
        ws.append(headers("warnings"))
        ws.append(
            ["YJ-1", "农水站", "进京", "否", dt.datetime(2019, 3, 5), dt.datetime(2019, 3, 5, 9)]
        )
        ws["E2"].number_format = fmt
        ws["F2"].number_format = "yyyy-mm-dd hh:mm"
        path.parent.mkdir(exist_ok=True)
        wb.save(path)
        return path

    rules = load_rules()
    shown = check_ledgers(register(tmp_path / "预警信息.xlsx", "yyyy-mm-dd hh:mm"), rules)
    assert shown.ok and shown.ledgers.warnings["pushed_at"].iloc[0] == dt.datetime(2019, 3, 5)
    dated = check_ledgers(register(tmp_path / "b" / "预警信息.xlsx", "yyyy-mm-dd"), rules)
    errors = dated.problems[dated.problems["severity"] == "错误"]
    assert list(errors["column"]) == ["推送时间"] and "缺少时间" in errors["problem"].iloc[0]


def test_the_export_and_the_page_say_who_received_a_visit_to_the_bureau(tmp_path):
    """接待领导 beside each visit to the bureau on a day without a leader on the roster: in
    the export's 履职情况 sheet (when written) and in the page's table (未填写 when not)."""
    from openpyxl import load_workbook

    from baiyi_lib.excel import export_source
    from baiyi_lib.report.briefing_duties import _bureau_visits

    case = next(c for c in CASES if c["name"].startswith("reception.received.by"))
    data = frames(visits=case["visits"], roster=case["roster"])
    out = export_source(tmp_path / "e.xlsx", data, load_rules(), as_of=case["as_of"]).path
    ws = load_workbook(out)["履职情况"]
    said = [r[4] for r in ws.iter_rows(min_row=3, values_only=True) if r[4] and "来局走访" in r[4]]
    assert [s.split(" ")[1:3] for s in said] == [["来局走访", "V2(2"], ["来局走访", "V4(1"]]
    assert said[0].endswith(";接待领导:分管副局长") and "接待领导" not in said[1]
    ledgers = load_ledgers(data, load_rules())
    _, visits, _, _ = views.reception_days(ledgers, score(ledgers, as_of=case["as_of"]))
    assert list(_bureau_visits(visits)["received_by"]) == ["分管副局长", "未填写"]
