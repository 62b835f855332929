"""One date grammar for every date a person types: ledger cells, --as-of, --known-at."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from baiyi_lib import ParamsError, load_rules, score
from baiyi_lib.dates import parse_moment, read_date, read_dates
from baiyi_lib.scoring import as_of_day
from baiyi_lib.sources import known_moment

R = load_rules()
LO, HI = dt.date(2000, 1, 1), dt.date(2030, 12, 31)
DAY = dt.date(2019, 4, 26)


@pytest.mark.parametrize(
    "text",
    ["2019-04-26", "2019/4/26", "2019.4.26", "2019年4月26日", "20190426", "２０１９-０４-２６",
     "2019-04-26T00:00:00", "2019 年 4 月 26 日", "2019-4-26 17:30"],
)  # fmt: skip
def test_every_accepted_spelling_is_the_same_day(text):
    assert read_date(text, LO, HI).day == DAY


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("04-26", "缺少年份"),
        ("4月26日", "缺少年份"),
        ("19-04-26", "四位"),
        ("2019-02-30", "日期不存在"),
        ("2019-04-26 25:00", "时间不存在"),
        ("0019-03-05", "超出允许范围"),
        ("9019-03-05", "超出允许范围"),
        ("9999-12-31", "超出允许范围"),
        ("明天", "无法识别"),
        ("下周三", "无法识别"),
    ],
)
def test_what_is_not_a_date_says_why(text, reason):
    p = read_date(text, LO, HI)
    assert p.day is None and reason in p.reason


def test_a_year_may_be_left_out_only_where_the_caller_names_it():
    assert read_date("4-26", LO, HI, default_year=2019).day == DAY
    assert read_date("4月26日", LO, HI, default_year=2019).day == DAY
    assert parse_moment("4/26 18:00", "t", LO, HI, default_year=2019) == dt.datetime(
        2019, 4, 26, 18, 0
    )


def test_cells_are_read_once_per_distinct_value_and_never_overflow():
    values = pd.Series(["2019-03-05", "9999-12-31", None, "2019年3月5日"] * 1000, dtype=object)
    days, reasons = read_dates(values, LO, HI)
    assert days.iloc[0] == pd.Timestamp("2019-03-05") == days.iloc[3]
    assert pd.isna(days.iloc[1]) and "超出" in reasons[1] and reasons[2] == "日期为空"


def test_as_of_reads_the_grammar_and_must_lie_in_the_campaign():
    assert as_of_day("04-26", R) == DAY
    assert as_of_day("2019年4月26日", R) == DAY
    for bad, words in [
        ("2018-01-01", "不在行动期内"),
        ("2030-01-01", "不在行动期内"),
        ("明天", "无效"),
        ("2019-13-40", "无效"),
    ]:
        with pytest.raises(ParamsError, match=words):
            as_of_day(bad, R)


def test_score_refuses_an_as_of_outside_the_campaign():
    from support import ledgers

    with pytest.raises(ParamsError, match="不在行动期内"):
        score(ledgers(), R, as_of="2018-01-01")


def test_known_at_is_a_moment_a_bare_date_the_end_of_that_day():
    assert known_moment("4/26 18:00", R) == dt.datetime(2019, 4, 26, 18, 0)
    assert known_moment("2019年4月26日", R) == dt.datetime.combine(DAY, dt.time.max)
    assert known_moment("2019年4月26日18时30分", R) == dt.datetime(2019, 4, 26, 18, 30)
    with pytest.raises(ParamsError, match="known_at"):
        known_moment("明天", R)


def test_return_day_arithmetic_agrees_with_walking_the_calendar():
    """One home for the Friday arithmetic (dates.py), checked day by day against a walk."""
    from baiyi_lib.dates import next_return_day, return_days

    for offset in range(9):
        start = dt.date(2019, 2, 20) + dt.timedelta(days=offset)
        end = start + dt.timedelta(days=40)
        walk = [start + dt.timedelta(days=k) for k in range(41)]
        for weekday in range(1, 8):
            assert return_days(start, end, weekday) == [
                d for d in walk if d.isoweekday() == weekday
            ]
            after = next(d for d in walk[1:] if d.isoweekday() == weekday)
            assert next_return_day(start, weekday) == after


def test_a_missing_as_of_is_the_campaigns_last_day_in_every_spelling():
    """None and NaT (a blank cell when as-of comes from a table) both mean the last day;
    before, NaT leaked a pandas TypeError."""
    import pandas as pd

    assert as_of_day(None, R) == as_of_day(pd.NaT, R) == R.campaign.end


def test_campaign_weeks_are_a_new_frame_each_call():
    """The calendar is worked out once per arguments; a caller changing its copy changes
    no other caller's."""
    from baiyi_lib.dates import campaign_weeks

    args = (dt.date(2019, 2, 20), dt.date(2019, 5, 31), 4, dt.date(2019, 4, 26))
    first = campaign_weeks(*args)
    first.loc[0, "label"] = "改过"
    del first["week"]
    again = campaign_weeks(*args)
    assert again.loc[0, "label"] != "改过" and "week" in again
