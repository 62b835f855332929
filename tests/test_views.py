"""The tables behind the briefing, on small hand-made ledgers.

Every view is read off the score result; the expected figures here are worked out by hand
from the rows each test writes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support import ledgers, visit

from baiyi_lib import load_rules, score, views

R = load_rules()


def test_weeks_end_on_friday_and_the_last_one_stops_at_as_of():
    cal = views.weeks(R, dt.date(2019, 3, 6))
    assert cal["end"].dt.strftime("%m-%d").tolist() == ["02-22", "03-01", "03-08"]
    assert cal["start"].dt.strftime("%m-%d").tolist() == ["02-20", "02-23", "03-02"]
    assert cal["label"].tolist() == ["2月22日", "3月1日", "3月6日"]
    assert cal["complete"].tolist() == [True, True, False]


def test_latest_return_day_is_the_friday_the_data_completes():
    led = ledgers(visits=[visit("V1", "2019-04-24", "农水站", "来县")])
    assert views.latest_return_day(led, R) == dt.date(2019, 4, 19)


def test_an_as_of_that_is_not_a_friday_keeps_the_days_since_friday():
    # 04-20 (Saturday) to 04-24 (Wednesday) is this week: scoring counts it, so must every view
    led = ledgers(
        visits=[
            visit("V1", "2019-04-16", "农水站", "来县", persons=2),  # last Tuesday
            visit("V4", "2019-04-19", "农水站", "来县", persons=5),  # last Friday
            visit("V2", "2019-04-22", "农水站", "来县", persons=7),
            visit("V3", "2019-04-25", "农水站", "来县", persons=4),  # after as-of
        ],
        screening=[{"case_id": "C9", "unit": "农水站", "screened_on": "2019-04-01"}],
        backlog=[
            {
                "case_id": "J1",
                "unit": "农水站",
                "first_petition_on": "2010-01-01",
                "status": "已化解",
                "resolved_on": "2019-04-20",
                "certified": "是",
                "certified_on": "2019-04-23",
            }
        ],
    )
    result = score(led, R, as_of="2019-04-24")
    lost = -result.points.loc[result.points["points"] < 0, "points"].sum()
    assert lost == (2 + 5 + 7) * 10 * 2  # all unscreened: doubled
    s = views.visits_summary(led, result).set_index("level")
    # like with like: Saturday to Wednesday of last week (04-13 … 04-17), not its Friday
    got = (s.at["来县", "this_week"], s.at["来县", "last_week"], s.at["来县", "to_date"])
    assert got == (7, 2, 14)
    heat = views.deductions_by_unit_week(result)
    assert heat.to_numpy().sum() == lost and heat.at["农水站", "4月24日"] == 140
    table, p = views.backlog_burndown(led, result)
    assert p["certified"] == 1 and table["open"].iloc[-1] == 0
    assert views.this_week(result)["start"] == pd.Timestamp("2019-04-20")


def test_visits_summary_this_week_last_week_and_to_date():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-01", "农水站", "来县", persons=2),
            visit("V2", "2019-03-05", "农水站", "来县", persons=5),
            visit("V3", "2019-03-06", "工管站", "到市", persons=1),
        ]
    )
    result = score(led, R, as_of="2019-03-08")
    s = views.visits_summary(led, result).set_index("level")
    assert s.loc["来县"].tolist() == [5, 2, 3, 7, 7]  # … and all 7 charged
    assert s.loc["到市", "this_week"] == 1
    only = views.visits_summary(led, result, unit="工管站").set_index("level")
    assert only["to_date"].sum() == 1


def test_backlog_burndown_and_projection():
    rows = [
        {"case_id": f"J{i}", "unit": "河道管理办公室", "first_petition_on": "2010-01-01"}
        for i in range(6)
    ]
    for i in range(2):  # two certified in the first two weeks
        rows[i].update(
            status="已化解",
            resolved_on="2019-02-25",
            certified="是",
            certified_on=f"2019-03-0{i + 1}",
        )
    led = ledgers(backlog=rows)
    table, p = views.backlog_burndown(led, score(led, R, as_of="2019-03-08"))
    assert table["open"].tolist() == [6, 5, 4]
    assert (p["total"], p["certified"], p["open"], p["days_left"]) == (6, 2, 4, 73)
    assert p["pace_per_week"] == pytest.approx(0.8)  # 2 in 17 days
    assert p["needed_per_week"] == pytest.approx(round(4 / (73 / 7), 1))
    assert p["on_track"] is True  # 0.8 a week against 0.4 needed
    _, later = views.backlog_burndown(led, score(led, R, as_of="2019-05-03"))
    assert later["on_track"] is False  # no progress for eight weeks: 4 left, 2.4 weeks to go
    _, past = views.backlog_burndown(led, score(led, R, as_of="2019-05-31"))
    assert past["days_left"] == -11 and past["on_track"] is False


def test_the_burndown_axis_is_ticked_only_on_days_it_holds():
    """No tick before the campaign began (an automatic date axis put one on the Sunday
    2月17日, three days before it); the first week, the as-of and the target (while ahead)
    always labelled, inside the axis' range; no two labels on one line side by side."""
    from baiyi_lib import charts
    from baiyi_lib.dates import week_label

    led = ledgers(backlog=[{"case_id": "J1", "unit": "河道管理办公室",
                            "first_petition_on": "2010-01-01"}])  # fmt: skip
    for as_of in ("2019-02-22", "2019-03-02", "2019-04-26", "2019-05-17", "2019-05-20",
                  "2019-05-24", "2019-05-31"):  # fmt: skip
        table, p = views.backlog_burndown(led, score(led, R, as_of=as_of))
        axis = charts.backlog_burndown(table, p).layout.xaxis
        target = pd.Timestamp(p["target_date"])
        days = [*table["last_day"], target]
        ticks = [pd.Timestamp(t) for t in axis.tickvals]
        assert set(ticks) <= set(days) and len(ticks) <= charts.MOST_TICKS + 2, as_of
        assert ticks[0] == days[0] >= pd.Timestamp(R.campaign.start)
        assert table["last_day"].iloc[-1] in ticks, as_of  # the as-of
        if target > table["last_day"].iloc[-1]:
            assert target in ticks, as_of
        low, high = (pd.Timestamp(x) for x in axis.range)
        assert low < ticks[0] and high > ticks[-1]
        text = list(axis.ticktext)
        assert [t.removeprefix("<br>") for t in text] == [week_label(t) for t in ticks]
        gap = (max(days) - min(days)).days / charts.MOST_TICKS
        for i in range(1, len(ticks)):
            if (ticks[i] - ticks[i - 1]).days < gap:  # close: one of them on the second line
                low = [text[j].startswith("<br>") for j in (i - 1, i)]
                assert low[0] != low[1], (as_of, text)


@pytest.mark.parametrize("n", range(1, 31))
def test_day_ticks_keep_the_days_asked_and_space_the_others(n):
    from baiyi_lib.charts import day_ticks

    days = list(pd.date_range("2019-02-22", periods=n, freq="7D"))
    keep = [days[-1], days[-1] + pd.Timedelta(days=3)]
    ticks = day_ticks(days, keep, most=8)["tickvals"]
    assert ticks[0] == days[0] and set(keep) <= set(ticks)
    assert ticks == sorted(set(ticks)) and set(ticks) <= set(days) | set(keep)
    assert len(ticks) <= 8 + 2


def test_screening_check_and_only_once():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-05", "农水站", "来县", case_id="C1"),
            visit("V2", "2019-03-06", "农水站", "来县", case_id="C1"),
            visit("V3", "2019-03-07", "农水站", "来县", case_id="C2"),
            visit("V4", "2019-03-07", "农水站", "来县"),
        ],
        screening=[{"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-01"}],
    )
    result = score(led, R, as_of="2019-03-08")
    listing, f = views.screening_check(led, result)
    assert (f["visits"], f["screened"], f["no_case_id"]) == (4, 2, 1)
    assert sorted(listing["visit_id"]) == ["V3", "V4"]
    once = views.only_once(led, result)
    assert (once["cases"], once["once"], once["visits_without_case_id"]) == (2, 1, 1)


def test_screening_check_follows_the_interpretations_that_scoring_used():
    # an office's visit by a member of the public, and a visit with no case id
    led = ledgers(
        visits=[
            visit("V1", "2019-03-05", "办公室", "来县", case_id="C1"),
            visit("V2", "2019-03-06", "农水站", "来县"),
            visit("V3", "2019-03-07", "农水站", "来县", case_id="C2"),
        ],
    )
    rules = load_rules(missing_case_id="ignore", office_visits="internal_or_repeat")
    result = score(led, rules, as_of="2019-03-08")
    doubled = set(result.points.loc[result.points["rule_id"] == "double.unscreened", "source_id"])
    assert doubled == {"V3"}
    listing, f = views.screening_check(led, result)
    assert set(listing["visit_id"]) == doubled  # never a visit scoring did not double
    assert (f["visits"], f["unscreened"], f["no_case_id"]) == (2, 1, 1)
    star = views.final_assessment(led, result).set_index("unit")
    assert star.at["办公室", "screening_complete"]  # its visit was not counted at all


def test_returns_status_on_time_late_missing():
    led = ledgers(
        screening=[
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-01"},  # on time
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-11"},  # late for 03-08
            {"case_id": "C2", "unit": "工管站", "screened_on": "2019-03-08"},
        ]
    )
    result = score(led, R, as_of="2019-03-13")
    s = views.returns_status(led, result).set_index(["unit", "week_end"])["status"]
    assert s[("农水站", pd.Timestamp("2019-03-01"))] == "按时"
    assert s[("农水站", pd.Timestamp("2019-03-08"))] == "迟报"  # Monday after
    assert s[("工管站", pd.Timestamp("2019-03-01"))] == "未报"  # its next return was next week's
    assert s[("工管站", pd.Timestamp("2019-03-08"))] == "按时"
    assert s[("办公室", pd.Timestamp("2019-03-08"))] == "未报"


def test_a_thursday_return_is_on_time_for_its_week_and_the_current_week_is_not_yet_due():
    days = pd.Series(pd.to_datetime(["2019-03-07", "2019-03-12"]))
    grid = views.returns_grid(pd.Series(["农水站", "农水站"]), days, R, dt.date(2019, 3, 13))
    s = grid[grid["unit"] == "农水站"].set_index("week_end")["status"]
    assert s[pd.Timestamp("2019-03-01")] == "未报"
    assert s[pd.Timestamp("2019-03-08")] == "按时"  # Thursday: early, not late
    assert s[pd.Timestamp("2019-03-15")] == "按时"  # Tuesday's return, before the Friday
    other = grid[grid["unit"] == "工管站"].set_index("week_end")["status"]
    assert other[pd.Timestamp("2019-03-15")] == "未到期"


def test_deadlines_count_down_and_stop_at_the_campaign_end():
    d = views.deadlines(R, dt.date(2019, 2, 26)).set_index("name")["days_left"]
    assert d["每周五报送矛盾纠纷排查化解登记表和信访积案化解情况"] == 3
    assert d["报送动员部署情况、实施方案和领导小组成员名单"] == 1
    late = views.deadlines(R, dt.date(2019, 5, 31))
    assert not late["name"].str.startswith("每周五").any()


def test_final_assessment_star_eligibility():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-05", "工管站", "去省", form="集体", persons=5, case_id="C1"),
            visit("V2", "2019-03-05", "农水站", "来县", case_id="C2"),
        ],
        screening=[
            {"case_id": "C1", "unit": "工管站", "screened_on": "2019-03-01"},
            {"case_id": "C2", "unit": "农水站", "screened_on": "2019-03-01"},
        ],
        backlog=[{"case_id": "J1", "unit": "河道办", "first_petition_on": "2010-01-01"}],
    )
    t = views.final_assessment(led, score(led, R)).set_index("unit")
    assert not t.at["工管站", "star_eligible"]  # vetoed
    assert t.at["农水站", "star_eligible"]
    assert not t.at["河道管理办公室", "star_eligible"]  # an open backlog case
    assert t.at["办公室", "star_eligible"]
    # which target each unit misses, and by how much: the leading group decides on facts
    assert t.at["工管站", "missed"] == "一票否决(实施方案 五、三)"
    assert t.at["河道管理办公室", "missed"] == "积案未全部化解:1 / 1 件未认定(实施方案 二、2)"
    assert t.at["农水站", "missed"] == ""


def test_a_units_backlog_is_shown_as_it_stood_at_as_of():
    case = {"unit": "农水站", "first_petition_on": "2005-01-01", "status": "已化解"}
    led = ledgers(
        backlog=[
            {**case, "case_id": "J1", "resolved_on": "2019-03-01", "certified": "是",
             "certified_on": "2019-03-05"},
            {**case, "case_id": "J2", "resolved_on": "2019-03-01", "certified": "是",
             "certified_on": "2019-04-05"},
            {**case, "case_id": "J3", "resolved_on": "2019-04-02", "certified": "否"},
        ]
    )  # fmt: skip
    b = views.unit_cases(led, score(led, R, as_of="2019-03-15"), "农水站")["backlog"]
    b = b.set_index("case_id")
    assert b.at["J1", "points"] == 200 and b.at["J2", "points"] == 0
    assert pd.isna(b.at["J2", "certified_on"]) and b.at["J2", "status"] == "已化解"
    assert b.at["J3", "status"] == "未化解" and pd.isna(b.at["J3", "resolved_on"])


def test_a_return_dated_after_as_of_is_not_used():
    # a page as of Friday 03-08 cannot know of Monday's late return
    led = ledgers(
        screening=[
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-01"},
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-11"},
        ]
    )
    result = score(led, R, as_of="2019-03-08")
    s = views.returns_status(led, result).set_index(["unit", "week_end"])["status"]
    assert s[("农水站", pd.Timestamp("2019-03-08"))] == "未报"


def _unit_workbook(path, unit: str, rows: list[list[object]]) -> None:
    """A unit's return as the template has it: title rows, 零报告 when it has no case."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "矛盾纠纷排查化解登记表"
    ws.append(["莒南县水利系统矛盾纠纷排查化解登记表"])
    ws.append([f"填报单位:{unit}"])
    ws.append(["零报告:是" if not rows else "零报告:否"])
    ws.append(["案件编号", "责任单位", "排查日期", "纠纷类别", "化解状态", "化解日期"])
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_a_zero_return_in_a_folder_cannot_be_judged_and_is_never_listed_as_missing(tmp_path):
    from baiyi_lib import load_ledgers

    _unit_workbook(tmp_path / "bgs_办公室.xlsx", "办公室", [])
    _unit_workbook(
        tmp_path / "nsz_农水站.xlsx",
        "农水站",
        [["C1", "农水站", "2019-03-01", "其他", "未化解", None]],
    )
    led = load_ledgers(tmp_path, R)
    result = score(led, R, as_of="2019-03-15")
    grid = views.returns_status(led, result)
    office = grid[grid["unit"] == "办公室"]["status"]
    assert set(office) == {views.UNKNOWN}  # a dateless zero return: cannot tell
    farm = grid[grid["unit"] == "农水站"].set_index("week_end")["status"]
    assert farm[pd.Timestamp("2019-03-08")] == "未报"  # a dated ledger can show a gap
    missed = views.missed_returns(grid, R)
    assert "办公室" not in set(missed["unit"]) and "农水站" in set(missed["unit"])
    # a unit with no file at all is still missing: nothing came
    assert set(grid[grid["unit"] == "工管站"]["status"]) == {"未报"}
