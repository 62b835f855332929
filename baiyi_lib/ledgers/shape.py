"""Shaping: the tables of one kind as one frame with provenance, the final typed frames in
their canonical order, the rolling screening ledger collapsed to one row per (unit, case),
and one vocabulary of case ids across ledgers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules
from .raw import RawTable
from .schema import Column

PROVENANCE = ["src_file", "src_sheet", "src_row"]
# The collapsed screening ledger: one row per (unit, case).
SCREENING_COLUMNS = [
    "case_id",
    "unit",
    "screened_on",
    "last_screened_on",
    "category",
    "status",
    "resolved_on",
    "returns",
    *PROVENANCE,
]


# Ledgers leave the loader in this order, so that nothing downstream depends on file order.
CANONICAL_ORDER = {
    "visits": ("date", "visit_id"),
    "incidents": ("date", "incident_id"),
    "screening": ("unit", "case_id", "screened_on"),
    "backlog": ("case_id",),
    "warnings": ("pushed_at", "warning_id"),
    "roster": ("date", "lead_post"),
}


def concat(
    tables: list[RawTable], kind: str, cols: tuple[Column, ...]
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """All tables of one kind as one frame with provenance; headers as written, per row."""
    parts = []
    for t in tables:
        df = t.frame.copy(deep=False)  # columns added here leave the table's own alone
        n = len(df)  # the provenance held once per table, not once per row (10M rows)
        df["src_file"] = pd.Categorical.from_codes(np.zeros(n, np.int8), categories=[t.file])
        df["src_sheet"] = pd.Categorical.from_codes(np.zeros(n, np.int8), categories=[t.sheet])
        df["src_row"] = t.rows
        df["_table"] = id(t)
        if t.quiet:
            quiet: dict[int, set[str]] = {}
            for row, name in t.quiet:
                quiet.setdefault(row, set()).add(name)
            df["_quiet"] = [frozenset(quiet.get(int(r), ())) for r in t.rows]
        parts.append(df)
    if len(parts) == 1:  # one table (a frame of a million rows): not copied again
        frame = parts[0].reset_index(drop=True)
    elif parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*PROVENANCE, "_table"]})
    headers: dict[str, pd.Series | str] = {}
    for col in cols:
        headers[col.name] = _header(tables, col)
        if col.name not in frame.columns:
            frame[col.name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    return frame, headers


def _header(tables: list[RawTable], col: Column) -> pd.Series | str:
    """A column's header as written: one text where every table writes it alike, else
    each row's table's (a categorical: not a string per row of 10M)."""
    written = [t.headers.get(col.name, col.header) for t in tables]
    if not written:
        return pd.Series(dtype=object)
    if len(set(written)) == 1:
        return written[0]
    names = list(dict.fromkeys(written))
    codes = np.repeat([names.index(w) for w in written], [len(t.frame) for t in tables])
    return pd.Series(pd.Categorical.from_codes(codes, categories=names))


def collapse_screening(df: pd.DataFrame) -> pd.DataFrame:
    """Rolling ledger: one row per (unit, case): earliest screening date, latest status.

    "Latest" is by screening date; on the same date 已化解 wins over 未化解, so the result
    does not depend on file or row order.
    """
    if df.empty:
        return pd.DataFrame(
            {c: df[c] if c in df else pd.Series(dtype=object) for c in SCREENING_COLUMNS}
        )
    ranked = df.assign(_rank=(df["status"] == "已化解").astype(int))
    ranked = ranked.sort_values(
        ["unit", "case_id", "screened_on", "_rank", "src_file", "src_row"], kind="stable"
    )
    g = ranked.groupby(["unit", "case_id"], observed=True, sort=True)
    latest = g.tail(1).set_index(["unit", "case_id"])
    out = pd.DataFrame(
        {
            "screened_on": g["screened_on"].min(),
            "last_screened_on": g["screened_on"].max(),
            "returns": g.size(),
        }
    )
    out = out.join(
        latest[["category", "status", "resolved_on", "src_file", "src_sheet", "src_row"]]
    )
    return out.reset_index()[SCREENING_COLUMNS]


def category_dtype(name: str, rules: Rules) -> pd.CategoricalDtype | None:
    """The categorical a clean ledger keeps a column as (units, levels, forms, statuses),
    None for the others."""
    if name == "unit":
        return pd.CategoricalDtype(rules.units.names)
    if name == "level":
        return pd.CategoricalDtype(list(rules.levels), ordered=True)
    if name == "form":
        return pd.CategoricalDtype(list(rules.forms))
    if name == "status":
        return pd.CategoricalDtype(["未化解", "已化解"])
    return None


def typed_frame(kind: str, typed: pd.DataFrame, frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Final dtypes: categories for units, levels, forms and statuses, provenance columns
    last (``frame``: the rows' provenance)."""
    out = typed.copy(deep=False)  # a new frame already (the kept rows): not copied again
    # a register of no unit (局领导接访值班表) has an empty unit, as the store keeps it
    if "unit" not in out:
        out["unit"] = pd.Series(None, index=out.index, dtype=object)
    for col in ("unit", "level", "form", "status"):
        if col in out:
            out[col] = pd.Categorical(out[col], dtype=category_dtype(col, rules))
    for col in PROVENANCE:  # a categorical file and sheet kept as one (not 10M texts)
        out[col] = frame[col].array
    out["src_file"] = out["src_file"].astype("category")
    out["src_sheet"] = out["src_sheet"].astype("category")
    out["src_row"] = out["src_row"].astype(np.int64)
    return out.reset_index(drop=True)


# id columns whose values are one vocabulary across ledgers (``share_case_ids``): parsed
# to a categorical of the column's own distinct ids, recoded to the shared one at the end
SHARED_IDS = ("case_id",)


def share_case_ids(tables: list[pd.DataFrame]) -> None:
    """One vocabulary of case ids across ``tables`` (visits, screening rows, backlog): a
    categorical with the same categories everywhere, sorted, holding only ids some row
    holds, so that ledgers join on integer codes and rows put in order by code are in
    the order of their ids as text. Each table's distinct ids (its categories, as parsing
    left them, or factorised once) are recoded, not its rows hashed against the
    vocabulary."""
    coded = [_used_codes(t["case_id"]) for t in tables]
    each, distinct = pd.factorize(np.concatenate([u for _, u in coded]))
    order = text_order(distinct)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    dtype = pd.CategoricalDtype(pd.Index(distinct[order], dtype=object))
    start = 0
    for t, (codes, uniques) in zip(tables, coded, strict=True):
        where = np.append(rank[each[start : start + len(uniques)]], -1)  # -1: blank
        start += len(uniques)
        t["case_id"] = pd.Categorical.from_codes(where[codes], dtype=dtype)


def text_order(values: np.ndarray) -> np.ndarray:
    """The order that sorts distinct values as pandas sorts them (text: by code point),
    text compared as fixed-width code points (not a Python comparison per pair), unless
    two values end alike but for NUL characters (which fixed width drops)."""
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        return pd.Index(values, dtype=object).argsort()
    points = values.astype(str)
    order = np.argsort(points)  # distinct values: no ties, so any sort will do
    in_order = points[order]
    if len(order) > 1 and bool((in_order[1:] == in_order[:-1]).any()):
        return np.argsort(values, kind="stable")
    return order


def _used_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code (-1 where blank) and the distinct ids some row holds (object)."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes = ids.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(ids.cat.categories)) > 0
        renumber = np.append(np.cumsum(used) - 1, -1)  # code -1 (blank) stays -1
        return renumber[codes], ids.cat.categories.to_numpy(dtype=object)[used]
    codes, uniques = pd.factorize(ids.astype(object), use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def sort_rows(df: pd.DataFrame, keys: tuple[str, ...]) -> None:
    """Put ``df`` (on a RangeIndex) in the order of ``df.sort_values(keys, kind="stable")``,
    in place and a column at a time (a ledger of 10M rows is not held twice). Each key is
    ranked on its distinct values (a million ids are sorted once as distinct text)."""
    ranks = [_rank(df[k]) for k in keys]
    if any(r is None for r in ranks):
        order = df[list(keys)].sort_values(list(keys), kind="stable").index.to_numpy()
    else:
        order = np.lexsort(ranks[::-1]) if ranks else np.arange(len(df))
    del ranks
    if (order == np.arange(len(df))).all():
        return
    for name in list(df.columns):
        column = df[name]
        taken = column.array.take(order)  # its dtype kept (text in an object column too)
        df[name] = pd.Series(taken, index=df.index, dtype=column.dtype, copy=False)


def _rank(values: pd.Series) -> np.ndarray | None:
    """Integers that sort as pandas sorts the column (missing values last); None where
    the column is not one this knows (text mixed with numbers)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy(dtype=np.int64)
        return np.where(codes < 0, len(values.cat.categories), codes)
    if pd.api.types.is_datetime64_any_dtype(values):
        raw = values.to_numpy(dtype="datetime64[ns]").view(np.int64)
        return np.where(values.isna().to_numpy(), np.iinfo(np.int64).max, raw)
    cells = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        return None
    # sorted as text once (no hash table of 10M ids), equal texts ranked alike
    present = np.flatnonzero(~pd.isna(cells))
    if not len(present):
        return np.zeros(len(cells), dtype=np.int64)
    order = present[np.argsort(cells[present], kind="stable")]
    in_order = cells[order]
    dense = np.cumsum(np.append(True, in_order[1:] != in_order[:-1]), dtype=np.int64) - 1
    del in_order
    rank = np.full(len(cells), len(order), dtype=np.int64)  # missing values last
    rank[order] = dense
    return rank
