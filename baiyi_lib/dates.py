"""One date grammar for every date a person types, and the campaign's calendar of weeks.

The same grammar reads ledger cells (``日期``, ``化解日期`` …), ``--as-of`` and
``--known-at``:

- 2019-04-26, 2019/4/26, 2019.4.26, 2019年4月26日, 20190426, each optionally followed by a
  time: 18:00, 18:00:00, 18时, 18时30分 (and an ISO ``T``);
- a date without its year (4-26, 4/26, 4月26日) only where the caller names the year it
  means (the campaign's year for ``--as-of`` and ``--known-at``, never in a ledger cell,
  where a first-petition date may lie decades back);
- every date is checked against a range before it becomes a timestamp, so a typing slip
  such as 0019 or 9019 is a message, never an OutOfBoundsDatetime traceback.

A failure is a short Chinese reason (``Parsed.reason``), never an exception, so that a
loader can list every bad cell at once; ``parse_day`` and ``parse_moment`` raise
ParamsError for one value a user typed on the command line.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParamsError

# The accepted spellings, for messages.
ACCEPTED = "2019-04-26、2019/4/26、2019.4.26、2019年4月26日 或 20190426"
ACCEPTED_MOMENT = ACCEPTED + ",可带时间,如 2019-04-26 18:00 或 2019年4月26日18时"

_TIME = (
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*(?::|时|点)\s*"
    r"(?:(?P<M>\d{1,2})\s*(?::|分)?\s*(?:(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?)?)?"
)
_SEP = r"\s*(?:[-/.]|年)\s*"
_SEP2 = r"\s*(?:[-/.]|月)\s*"
_FULL = re.compile(rf"^(?P<y>\d+){_SEP}(?P<m>\d{{1,2}}){_SEP2}(?P<d>\d{{1,2}})\s*日?{_TIME}$")
_COMPACT = re.compile(rf"^(?P<y>\d{{4}})(?P<m>\d{{2}})(?P<d>\d{{2}}){_TIME}$")
_NO_YEAR = re.compile(rf"^(?P<m>\d{{1,2}}){_SEP2}(?P<d>\d{{1,2}})\s*日?{_TIME}$")


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading one date: the day (and time, if written) or a reason."""

    day: dt.date | None
    time: dt.time | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.day is not None


def _text(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_date(
    value: object,
    earliest: dt.date,
    latest: dt.date,
    default_year: int | None = None,
) -> Parsed:
    """Read one typed date (see the module's grammar), checked against [earliest, latest].

    A date or datetime object is taken as it is (then range-checked).
    """
    if isinstance(value, dt.datetime | pd.Timestamp):
        day, time = value.date(), value.time()
        return _in_range(day, time if time != dt.time() else None, earliest, latest)
    if isinstance(value, dt.date):
        return _in_range(value, None, earliest, latest)
    text = _text(value)
    if not text:
        return Parsed(None, None, "日期为空")
    m = _FULL.match(text) or _COMPACT.match(text)
    if m is not None:
        if len(m["y"]) != 4:
            return Parsed(None, None, "年份应写四位数字(如 2019)")
        year = int(m["y"])
    else:
        m = _NO_YEAR.match(text)
        if m is None:
            return Parsed(None, None, "无法识别的日期")
        if default_year is None:
            return Parsed(None, None, "缺少年份")
        year = default_year
    try:
        day = dt.date(year, int(m["m"]), int(m["d"]))
    except ValueError:
        return Parsed(None, None, "日期不存在(月份或日数不对)")
    time = None
    if m["H"] is not None:
        try:
            time = dt.time(int(m["H"]), int(m["M"] or 0), int(m["S"] or 0))
        except ValueError:
            return Parsed(None, None, "时间不存在(应为 0:00 到 23:59)")
    return _in_range(day, time, earliest, latest)


def _in_range(day: dt.date, time: dt.time | None, earliest: dt.date, latest: dt.date) -> Parsed:
    if day < earliest or day > latest:
        return Parsed(None, None, f"日期超出允许范围({earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d})")
    return Parsed(day, time)


def read_dates(
    values: pd.Series,
    earliest: dt.date,
    latest: dt.date,
    default_year: int | None = None,
) -> tuple[pd.Series, np.ndarray]:
    """``read_date`` over a column of text: (datetime64[ns] at midnight, reason per cell).

    Each distinct value is read once. Blank cells give NaT with reason '日期为空'.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [read_date(u, earliest, latest, default_year) for u in uniques]
    days = np.array(
        [np.datetime64(p.day, "ns") if p.ok else np.datetime64("NaT", "ns") for p in parsed]
        + [np.datetime64("NaT", "ns")],
        dtype="datetime64[ns]",
    )
    reasons = np.array([p.reason for p in parsed] + ["日期为空"], dtype=object)
    take = np.where(codes < 0, len(uniques), codes)
    return pd.Series(days[take], index=values.index), reasons[take]


def parse_day(
    value: object,
    what: str,
    earliest: dt.date,
    latest: dt.date,
    default_year: int | None = None,
) -> dt.date:
    """One date a user typed (``--as-of``), or ParamsError saying what is wrong with it."""
    p = read_date(value, earliest, latest, default_year)
    if not p.ok:
        raise ParamsError(f"{what}「{value}」无效:{p.reason}。应为 {ACCEPTED} 这样的日期")
    return p.day  # type: ignore[return-value]


def parse_moment(
    value: object,
    what: str,
    earliest: dt.date,
    latest: dt.date,
    default_year: int | None = None,
) -> dt.datetime:
    """A moment a user typed (``--known-at``): a date alone means the end of that day
    (what was known that day), or ParamsError."""
    p = read_date(value, earliest, latest, default_year)
    if not p.ok:
        raise ParamsError(f"{what}「{value}」无效:{p.reason}。应为 {ACCEPTED_MOMENT}")
    assert p.day is not None
    if p.time is None:
        return dt.datetime.combine(p.day, dt.time.max)
    return dt.datetime.combine(p.day, p.time)


def in_campaign(
    day: dt.date, what: str, start: dt.date, end: dt.date, called: str = "考核"
) -> dt.date:
    """A report's as-of must lie in the campaign period: before it nothing is counted yet,
    after it the figures would be the last day's under a later label."""
    if not start <= day <= end:
        raise ParamsError(
            f"{what} {day:%Y-%m-%d} 不在{called}期内({start:%Y-%m-%d} 至 {end:%Y-%m-%d});"
            f"{called}结束后的总结请用 {end:%Y-%m-%d}"
        )
    return day


# --------------------------------------------------------------------------- calendar


def return_day_on_or_after(dates: pd.Series, weekday: int) -> pd.Series:
    """The weekly return day (ISO weekday, 5 = Friday) on or after each date: the end of
    the return week the date belongs to."""
    d = pd.to_datetime(pd.Series(dates))
    shift = (weekday - (d.dt.day_of_week + 1)) % 7
    return d + pd.to_timedelta(shift, unit="D")


def return_day_on_or_before(day: dt.date, weekday: int) -> dt.date:
    """The latest return day on or before ``day``."""
    return day - dt.timedelta(days=(day.isoweekday() - weekday) % 7)


def next_return_day(day: dt.date, weekday: int) -> dt.date:
    """The first return day strictly after ``day`` (a Friday's next return is a week on)."""
    return return_day_on_or_before(day, weekday) + dt.timedelta(days=7)


def return_days(start: dt.date, end: dt.date, weekday: int) -> list[dt.date]:
    """Every return day from ``start`` to ``end``, both included."""
    first = start + dt.timedelta(days=(weekday - start.isoweekday()) % 7)
    return [first + dt.timedelta(days=7 * i) for i in range(max(0, (end - first).days // 7 + 1))]


def week_label(day: dt.date | pd.Timestamp) -> str:
    """A week's label as people write it: 3月1日 (no leading zeros, no year)."""
    return f"{day.month}月{day.day}日"


def campaign_weeks(start: dt.date, end: dt.date, weekday: int, as_of: dt.date) -> pd.DataFrame:
    """The campaign's return weeks up to as-of (a new frame each call: the caller may
    change it; the calendar itself is worked out once per arguments).

    Week n runs from the day after the previous return day (or the campaign start) to its
    return day (``end``, a Friday). The last row is the week holding as-of; when as-of is
    not a return day it is cut short: ``last_day`` is as-of and ``complete`` is False.
    Columns: week, start, end (return day), last_day, complete, label.
    """
    return _campaign_weeks(start, end, weekday, as_of).copy()


@functools.lru_cache(maxsize=64)
def _campaign_weeks(start: dt.date, end: dt.date, weekday: int, as_of: dt.date) -> pd.DataFrame:
    cut = min(as_of, end)
    first_end = return_day_on_or_after(pd.Series([pd.Timestamp(start)]), weekday)[0]
    last_end = return_day_on_or_after(pd.Series([pd.Timestamp(cut)]), weekday)[0]
    ends = pd.date_range(first_end, max(first_end, last_end), freq="7D")
    if cut < start:
        ends = ends[:0]
    starts = [max(e - pd.Timedelta(days=6), pd.Timestamp(start)) for e in ends]
    last = [min(e, pd.Timestamp(cut)) for e in ends]
    return pd.DataFrame(
        {
            "week": np.arange(1, len(ends) + 1),
            "start": pd.DatetimeIndex(starts),
            "end": ends,
            "last_day": pd.DatetimeIndex(last),
            "complete": [lst == e for lst, e in zip(last, ends, strict=True)],
            "label": [week_label(d) for d in last],
        }
    )
