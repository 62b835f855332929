"""Turn raw cells into typed values, column at a time (vectorised).

Each parser takes a Series of raw cells and returns (values, bad) where ``bad`` marks the
cells that could not be read; the caller turns those into problems. Already-typed columns
(datetime64, bool, integers: the DataFrame path) pass through without re-parsing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..dates import read_date, read_dates
from .coded import text_facts
from .schema import NO, STATUS_ALIASES, YES

EXCEL_EPOCH = dt.date(1899, 12, 30)
# characters that show nothing on screen (zero-width space and joiners, byte-order mark,
# soft hyphen, direction marks): pasted from web pages and chat, never part of a value
INVISIBLE = "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
_INVISIBLE = re.compile(INVISIBLE)


def excel_number(value: float) -> float:
    """A number as Excel shows it: 15 significant digits (3.0000000000000004 is 3)."""
    return float(f"{value:.15g}")


def _cell_text(value: object) -> object:
    """One raw cell as normalised text (NFKC, stripped), or NA when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if value is pd.NA or value is pd.NaT:
        return pd.NA
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating) and np.isfinite(value):
        shown = excel_number(float(value))
        return str(int(shown)) if shown.is_integer() else repr(shown)
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour or value.minute or value.second:
            return value.isoformat(sep=" ")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value))).strip()
    return text if text else pd.NA


SMALL = 2_000  # values normalised one by one: a vectorised pass costs more below this


def text(values: pd.Series) -> pd.Series:
    """Normalised text (NFKC: full-width letters, digits and spaces become plain), NA if blank.

    A few values (a column's distinct values, a small file) are normalised one by one, the
    same steps as the vectorised pass (NFKC, invisible characters out, stripped): pandas'
    string methods cost some 0.3 ms a call whatever the length, and a check of one ledger
    makes dozens of calls."""
    if len(values) < SMALL:
        return pd.Series(values.map(_cell_text), index=values.index, dtype="str")
    if ptypes.is_object_dtype(values) and pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    ):
        values = values.astype("str")  # text only (the DataFrame path): vectorised below
    if ptypes.is_string_dtype(values) and not ptypes.is_object_dtype(values):
        s = values.str.normalize("NFKC").str.replace(INVISIBLE, "", regex=True).str.strip()
        return s.where(s.str.len() > 0)
    return pd.Series(values.map(_cell_text), index=values.index, dtype="str")


def squashed(values: pd.Series) -> pd.Series:
    """Text with every space removed (stray and full-width spaces inside codes and names)."""
    s = text(values)
    return s.str.replace(r"\s+", "", regex=True)


# Dashes a Chinese input method or a word processor puts where an id has a hyphen: the
# hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign,
# two- and three-em dashes, small em dash — a run of them (the IME's ——) is one hyphen.
_DASHES = re.compile("[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58]+")
# Strokes that stand for a hyphen only between the letters and digits of a code: the CJK
# "one" 一, the box-drawing line ─ and the katakana long mark ー, which an input method
# gives for the minus key (NSZ一2019一007). 一 elsewhere is a character (一号).
_STROKES = re.compile("(?<=[0-9A-Za-z])[\u4e00\u2500\u2501\u30fc]+(?=[0-9A-Za-z])")


def _clean_id(value: object) -> object:
    """One identifier: NFKC, every space removed, dashes (and a stroke between letters and
    digits) as one hyphen, upper case; NA when blank (XSK–2019–001 typed with en dashes,
    and NSZ一2019一007, are XSK-2019-001 and NSZ-2019-007)."""
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value.upper()  # the common case, no normalisation needed
    text = _cell_text(value)
    if text is pd.NA:
        return pd.NA
    text = _STROKES.sub("-", _DASHES.sub("-", "".join(str(text).split()))).upper()
    return text or pd.NA


def clean_ids(values: pd.Series, plain: np.ndarray, lower: np.ndarray) -> pd.Series:
    """Every identifier cleaned (_clean_id); a plain one (ASCII text without spaces or
    control characters, the common code NSZ-2019-001: ``coded.TextFacts``) is only
    upper-cased, and kept as it is without a lower-case letter: no call per value (a
    million visit ids)."""
    cells = values.to_numpy(dtype=object)
    cleaned = cells.copy()
    upper = np.flatnonzero(plain & lower)
    cleaned[upper] = [v.upper() for v in cells[upper]]
    other = np.flatnonzero(~plain)
    cleaned[other] = [_clean_id(v) for v in cells[other]]
    return pd.Series(cleaned, index=values.index, dtype="str")


def _id_column(values: pd.Series) -> pd.Series:
    """Every identifier cleaned (``clean_ids``), its character facts found first."""
    facts = text_facts(values.to_numpy(dtype=object))
    return clean_ids(values, facts.plain, facts.lower)


def ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """An identifier: spaces removed, upper case; blank is bad."""
    s = _id_column(values)
    return s, s.isna().to_numpy()


def optional_ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """An identifier that may be blank."""
    s = _id_column(values)
    return s, np.zeros(len(s), dtype=bool)


def vocabulary(
    values: pd.Series, aliases: dict[str, tuple[str, ...]]
) -> tuple[pd.Series, np.ndarray]:
    """A code from a closed vocabulary (name → its spellings, compared without spaces and
    case); blank or any other spelling is bad."""
    table = {
        spelling.upper(): canon for canon, spellings in aliases.items() for spelling in spellings
    }
    s = squashed(values).str.upper()
    out = s.map(table)
    return out, (s.notna() & out.isna()).to_numpy() | s.isna().to_numpy()


def statuses(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """未化解 / 已化解."""
    return vocabulary(values, STATUS_ALIASES)


def booleans(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """是/否, Y/N, 1/0, TRUE/FALSE, √/×; blank is 否."""
    if ptypes.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool), np.zeros(len(values), dtype=bool)
    s = squashed(values).str.upper()
    yes = s.isin(YES).to_numpy(dtype=bool)
    no = s.isin(NO).to_numpy(dtype=bool)
    bad = s.notna().to_numpy() & ~yes & ~no
    return pd.Series(yes, index=values.index), bad


def optional_booleans(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """是/否 where a blank is not 否 but not recorded (NA): a duty's record (主要负责人到场)."""
    s = squashed(values).str.upper()
    yes = s.isin(YES).to_numpy(dtype=bool)
    no = s.isin(NO).to_numpy(dtype=bool)
    bad = s.notna().to_numpy() & ~yes & ~no
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[yes] = True
    out[no] = False
    return out, bad


def moments(
    values: pd.Series, required: bool, earliest: dt.date, latest: dt.date
) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A date with its time (推送时间 2019-03-05 14:30, an Excel date-time cell), in the one
    date grammar (``baiyi_lib.dates``): the time is needed (2 小时 and 不过夜 are judged on
    it); blank is bad only when required. Returns datetime64[ns], bad cells, reasons."""
    out, bad, why = [], [], []
    cells = [None if pd.isna(v) else _date_cell(v) for v in values]
    for v in cells:
        if v is None or (not isinstance(v, str | dt.date) and pd.isna(v)) or v == "":
            out.append(pd.NaT)
            bad.append(required)
            why.append("必填项为空" if required else "")
            continue
        p = read_date(v, earliest, latest)
        if not p.ok:
            out.append(pd.NaT), bad.append(True), why.append(p.reason)
        elif p.time is None:
            out.append(pd.NaT), bad.append(True), why.append("缺少时间(几点几分)")
        else:
            out.append(pd.Timestamp(dt.datetime.combine(p.day, p.time)))
            bad.append(False), why.append("")
    index = values.index
    return (
        pd.Series(out, index=index, dtype="datetime64[ns]"),
        np.array(bad, dtype=bool),
        pd.Series(why, index=index, dtype=object),
    )


def vocabulary_or_blank(
    values: pd.Series, aliases: dict[str, tuple[str, ...]]
) -> tuple[pd.Series, np.ndarray]:
    """A code from a closed vocabulary, or blank (an optional column)."""
    out, bad = vocabulary(values, aliases)
    return out, bad & squashed(values).notna().to_numpy()


def posts(
    values: pd.Series, known: dict[str, str], required: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """A post (职务) from the office's list (ledgers.yaml posts: spelling → post), or
    blank where not ``required``; anything else is bad: a name may stand where a post
    belongs."""
    s = squashed(values)
    out = s.map(lambda t: known.get(t) if isinstance(t, str) else None)
    return out.astype(object), ((s.notna() | required) & out.isna()).to_numpy()


def persons(values: pd.Series, maximum: int) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A head count from 1 to ``maximum`` (limits.yaml): 3, "3", "3人", "3 人次".

    The digits are counted before any number is made, so that a mobile number or a run of
    twenty nines is a message, not an overflowing integer.
    """
    if ptypes.is_integer_dtype(values) and not values.isna().any():
        v = values.astype(np.int64)
        high = (v > maximum).to_numpy()
        why = first_reason(len(v), [(high, f"人次超过上限 {maximum}"), (~high, "人次应不小于 1")])
        bad = ((v < 1) | (v > maximum)).to_numpy()
        return v, bad, pd.Series(why, index=values.index)
    s = squashed(values)
    num = s.str.extract(r"^(\d+)(?:\.0+)?(?:人次|人)?$", expand=False)
    short = num.str.len() <= 9
    out = pd.to_numeric(num.where(short), errors="coerce")
    blank = s.isna().to_numpy()
    unreadable = num.isna().to_numpy() & ~blank
    too_big = (num.notna() & ~short.fillna(False)).to_numpy() | (out > maximum).fillna(
        False
    ).to_numpy()
    too_small = (out < 1).fillna(False).to_numpy()
    why = np.select(
        [blank, unreadable, too_big, too_small],
        ["必填项为空", "无法识别的人次", f"人次超过上限 {maximum}", "人次应不小于 1"],
        default="",
    )
    bad = why != ""
    return out.where(~bad, 0).fillna(0).astype(np.int64), bad, pd.Series(why, index=values.index)


def dates(
    values: pd.Series, required: bool, earliest: dt.date, latest: dt.date
) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A calendar date from a cell: any spelling of the date grammar (``baiyi_lib.dates``),
    an Excel date cell, an Excel serial number or 20190305 as a number.

    Returns datetime64[ns] at midnight, the bad cells and the reason for each. Every date
    is checked against [earliest, latest] (limits.yaml) before it becomes a timestamp;
    blank is bad only when required.
    """
    if ptypes.is_datetime64_any_dtype(values):
        out = pd.Series(values, index=values.index).dt.normalize()
        lo, hi = pd.Timestamp(earliest), pd.Timestamp(latest)
        outside = ((out < lo) | (out > hi)).fillna(False).to_numpy()
        blank = out.isna().to_numpy()
        why = first_reason(
            len(out),
            [
                (blank & required, "必填项为空"),
                (outside, f"日期超出允许范围({earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d})"),
            ],
        )
        out = out.where(~outside).astype("datetime64[ns]")
        return out, (blank & required) | outside, pd.Series(why, index=values.index)
    cells = values.map(_date_cell).astype(object)
    out, reasons = read_dates(cells, earliest, latest)
    blank = text(values).isna().to_numpy()
    why = np.where(blank, "必填项为空" if required else "", reasons)
    return out, why != "", pd.Series(why, index=values.index)


def first_reason(n: int, cases: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Each row's reason ('' for none), the first case that holds winning (as np.select),
    as an array of references to a few strings: a typed column of 10M rows is not given
    10M fixed-width texts (np.select made a 1.2 GB array of them)."""
    why = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    for hit, text in cases:
        why[hit & ~done] = text
        done |= hit
    return why


def _date_cell(value: object) -> object:
    """A raw date cell for the grammar: date objects as they are, Excel serial numbers as
    dates, 20190305 written as a number as text, blanks as NA."""
    if isinstance(value, dt.date | pd.Timestamp):
        return value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        v = float(value)
        if not np.isfinite(v):
            return str(value)
        if v.is_integer() and 10_000_000 <= v <= 99_999_999:
            return str(int(v))
        if 1 <= v < 2_958_466:  # Excel serials 1 (1900-01-01) to 9999-12-31
            return EXCEL_EPOCH + dt.timedelta(days=int(v))
        return str(value)
    return _cell_text(value)
