"""Turn raw cells into typed values, column at a time (vectorised).

Each parser takes a Series of raw cells and returns (values, bad) where ``bad`` marks the
cells that could not be read; the caller turns those into problems. Already-typed columns
(datetime64, bool, integers: the DataFrame path) pass through without re-parsing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .schema import FORM_ALIASES, LEVEL_ALIASES, NO, STATUS_ALIASES, YES

Parser = Callable[[pd.Series], tuple[pd.Series, np.ndarray]]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DATE_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"


def _cell_text(value: object) -> object:
    """One raw cell as normalised text (NFKC, stripped), or NA when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if value is pd.NA or value is pd.NaT:
        return pd.NA
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        if value.hour or value.minute or value.second:
            return value.isoformat(sep=" ")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text if text else pd.NA


def per_value(parser: Parser) -> Parser:
    """Run ``parser`` once per distinct cell value and broadcast the result back.

    Ledger columns such as level, form, unit, yes/no and dates hold a handful of distinct
    values over thousands of rows; typed columns (datetime64, bool, int) skip this.
    """

    def run(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
        if not ptypes.is_object_dtype(values) and not ptypes.is_string_dtype(values):
            return parser(values)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if len(uniques) * 4 > len(values):
            return parser(values)  # mostly distinct: no gain
        # one extra slot at the end for the missing value
        probe = pd.Series(np.append(np.asarray(uniques, dtype=object), None), dtype=object)
        parsed, bad = parser(probe)
        take = np.where(codes < 0, len(uniques), codes)
        out = pd.Series(parsed.to_numpy()[take], index=values.index, dtype=parsed.dtype)
        return out, np.asarray(bad)[take]

    return run


def text(values: pd.Series) -> pd.Series:
    """Normalised text (NFKC: full-width letters, digits and spaces become plain), NA if blank."""
    if ptypes.is_object_dtype(values) and pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    ):
        values = values.astype("str")  # text only (the DataFrame path): vectorised below
    if ptypes.is_string_dtype(values) and not ptypes.is_object_dtype(values):
        s = values.str.normalize("NFKC").str.strip()
        return s.where(s.str.len() > 0)
    return pd.Series(values.map(_cell_text), index=values.index, dtype="str")


def squashed(values: pd.Series) -> pd.Series:
    """Text with every space removed (stray and full-width spaces inside codes and names)."""
    s = text(values)
    return s.str.replace(r"\s+", "", regex=True)


def _clean_id(value: object) -> object:
    """One identifier: NFKC, every space removed, upper case; NA when blank."""
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value.upper()  # the common case, no normalisation needed
    text = _cell_text(value)
    if text is pd.NA:
        return pd.NA
    text = "".join(str(text).split()).upper()
    return text or pd.NA


def _id_column(values: pd.Series) -> pd.Series:
    cleaned = [_clean_id(v) for v in values.to_numpy(dtype=object)]
    return pd.Series(cleaned, index=values.index, dtype="str")


def ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """An identifier: spaces removed, upper case; blank is bad."""
    s = _id_column(values)
    return s, s.isna().to_numpy()


def optional_ids(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """An identifier that may be blank."""
    s = _id_column(values)
    return s, np.zeros(len(s), dtype=bool)


def free_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    return text(values), np.zeros(len(values), dtype=bool)


def _vocabulary(
    values: pd.Series, aliases: dict[str, tuple[str, ...]]
) -> tuple[pd.Series, np.ndarray]:
    table = {
        spelling.upper(): canon for canon, spellings in aliases.items() for spelling in spellings
    }
    s = squashed(values).str.upper()
    out = s.map(table)
    return out, (s.notna() & out.isna()).to_numpy() | s.isna().to_numpy()


def levels(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """进京 / 去省 / 到市 / 来县 (and the usual spellings)."""
    return _vocabulary(values, LEVEL_ALIASES)


def forms(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """个体 / 集体."""
    return _vocabulary(values, FORM_ALIASES)


def statuses(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """未化解 / 已化解."""
    return _vocabulary(values, STATUS_ALIASES)


def booleans(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """是/否, Y/N, 1/0, TRUE/FALSE, √/×; blank is 否."""
    if ptypes.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool), np.zeros(len(values), dtype=bool)
    s = squashed(values).str.upper()
    yes = s.isin(YES).to_numpy(dtype=bool)
    no = s.isin(NO).to_numpy(dtype=bool)
    bad = s.notna().to_numpy() & ~yes & ~no
    return pd.Series(yes, index=values.index), bad


def persons(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A head count ≥ 1: 3, "3", "3人", "3 人次"."""
    if ptypes.is_integer_dtype(values) and not values.isna().any():
        v = values.astype(np.int64)
        return v, (v < 1).to_numpy()
    s = squashed(values)
    num = s.str.extract(r"^(\d+)(?:\.0+)?(?:人次|人)?$", expand=False)
    out = pd.to_numeric(num, errors="coerce")
    bad = (out.isna() | (out < 1)).to_numpy()
    return out.fillna(0).astype(np.int64), bad


def dates(values: pd.Series, required: bool = True) -> tuple[pd.Series, np.ndarray]:
    """A calendar date from any spelling of ledger-format.md, or an Excel date (cell or serial).

    Returns datetime64[ns] at midnight; blank is bad only when required.
    """
    if ptypes.is_datetime64_any_dtype(values):
        out = pd.Series(values, index=values.index).astype("datetime64[ns]").dt.normalize()
        bad = out.isna().to_numpy() if required else np.zeros(len(out), dtype=bool)
        return out, bad
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_obj = ptypes.is_object_dtype(values)
    # Date and datetime cells (Excel date-formatted cells, Python objects).
    if is_obj:
        is_dt = np.array(values.map(lambda v: isinstance(v, dt.date | pd.Timestamp)), dtype=bool)
        if is_dt.any():
            out[is_dt] = pd.to_datetime(values[is_dt].map(_as_timestamp)).dt.normalize()
        # Numeric cells: Excel serial numbers (1 = 1900-01-01) or 20190305.
        is_num = np.array(
            values.map(
                lambda v: (
                    isinstance(v, int | float | np.integer | np.floating)
                    and not isinstance(v, bool)
                )
            ),
            dtype=bool,
        )
        is_num &= np.array(values.notna(), dtype=bool)
        if is_num.any():
            nums = values[is_num].astype(float)
            serial = (nums >= 1) & (nums < 80000) & (nums == nums.round())
            out[nums[serial].index] = EXCEL_EPOCH + pd.to_timedelta(nums[serial], unit="D")
            rest = nums[~serial]
            compact = rest.map(lambda v: str(int(v)) if float(v).is_integer() else "")
            out[rest.index] = _from_text(compact)
        handled = is_dt | is_num
    else:
        handled = np.zeros(len(values), dtype=bool)
    todo = ~handled
    if todo.any():
        s = text(values[todo])
        out[s.index] = _from_text(s)
    raw_blank = text(values).isna().to_numpy()
    bad = out.isna().to_numpy() & ~raw_blank
    if required:
        bad |= raw_blank
    return out, bad


def _as_timestamp(value: object) -> pd.Timestamp:
    return pd.Timestamp(value)


def _from_text(s: pd.Series) -> pd.Series:
    """Parse 2019-03-05, 2019/3/5, 2019.3.5, 2019年3月5日 (and 20190305); NaT if impossible."""
    s = s.astype("str")
    parts = s.str.extract(_DATE_RE)
    compact = s.str.extract(_COMPACT_DATE_RE)
    parts = parts.fillna(compact)
    nums = parts.apply(pd.to_numeric, errors="coerce")
    ok = nums.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if ok.any():
        good = nums[ok].astype(int).rename(columns={"y": "year", "m": "month", "d": "day"})
        out[ok] = pd.to_datetime(good, errors="coerce")
    return out
