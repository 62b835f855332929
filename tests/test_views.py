"""The tables behind the briefing, on small hand-made ledgers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support import ledgers, visit

from baiyi_lib import load_rules, score, views

R = load_rules()


def test_week_end_is_the_friday_on_or_after():
    d = pd.Series(pd.to_datetime(["2019-02-20", "2019-02-22", "2019-02-23"]))
    assert views.week_end(d, 5).dt.strftime("%m-%d").tolist() == ["02-22", "02-22", "03-01"]


def test_latest_return_day_is_the_friday_the_data_completes():
    led = ledgers(visits=[visit("V1", "2019-04-24", "农水站", "来县")])
    assert views.latest_return_day(led, R) == dt.date(2019, 4, 19)


def test_views_accept_a_date_as_text():
    led = ledgers(visits=[visit("V1", "2019-03-05", "农水站", "来县", persons=3)])
    a = views.visits_summary(led, R, "2019-03-08")
    b = views.visits_summary(led, R, dt.date(2019, 3, 8))
    assert a.equals(b) and a.set_index("level").at["来县", "this_week"] == 3


def test_visits_summary_this_week_last_week_and_to_date():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-01", "农水站", "来县", persons=2),
            visit("V2", "2019-03-05", "农水站", "来县", persons=5),
            visit("V3", "2019-03-06", "工管站", "到市", persons=1),
        ]
    )
    s = views.visits_summary(led, R, "2019-03-08").set_index("level")
    assert s.loc["来县"].tolist() == [5, 2, 3, 7]
    assert s.loc["到市", "this_week"] == 1
    only = views.visits_summary(led, R, "2019-03-08", unit="工管站").set_index("level")
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
    table, p = views.backlog_burndown(ledgers(backlog=rows), R, "2019-03-08")
    assert table["open"].tolist() == [6, 5, 4]
    assert (p["total"], p["certified"], p["open"], p["days_left"]) == (6, 2, 4, 73)
    assert p["pace_per_week"] == pytest.approx(0.7)
    assert p["needed_per_week"] == pytest.approx(round(4 / (73 / 7), 1))
    assert p["on_track"] is True  # 0.7 a week against 0.4 needed
    _, later = views.backlog_burndown(ledgers(backlog=rows), R, "2019-05-03")
    assert later["on_track"] is False  # no progress for eight weeks: 4 left, 2.4 weeks to go


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
    listing, f = views.screening_check(led, R, "2019-03-08")
    assert (f["visits"], f["screened"], f["no_case_id"]) == (4, 2, 1)
    assert sorted(listing["visit_id"]) == ["V3", "V4"]
    once = views.only_once(led, R, "2019-03-08")
    assert (once["cases"], once["once"], once["visits_without_case_id"]) == (2, 1, 1)


def test_returns_status_on_time_late_missing():
    led = ledgers(
        screening=[
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-01"},  # on time
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-11"},  # late for 03-08
            {"case_id": "C2", "unit": "工管站", "screened_on": "2019-03-08"},
        ]
    )
    s = views.returns_status(led, R, "2019-03-08").set_index(["unit", "week_end"])["status"]
    assert s[("农水站", pd.Timestamp("2019-03-01"))] == "按时"
    assert s[("农水站", pd.Timestamp("2019-03-08"))] == "迟报"
    assert s[("工管站", pd.Timestamp("2019-03-01"))] == "未报"
    assert s[("办公室", pd.Timestamp("2019-03-08"))] == "未报"


def test_deadlines_count_down_and_stop_at_the_campaign_end():
    d = views.deadlines(R, dt.date(2019, 2, 26)).set_index("name")["days_left"]
    assert d["每周五报送排查登记表和积案化解情况"] == 3
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
