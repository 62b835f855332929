"""Accounting per file: rows read = used + refused, and a row for every file or sheet that
gave no table (empty, refused before any row was read, not a ledger)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problems import Problems
from .raw import ERROR, RawTable, ReadResult
from .schema import KIND_LABELS

ACCOUNTING_COLUMNS = [
    "file", "sheet", "kind", "rows_read", "rows_used", "rows_refused", "note", "unit", "zero",
    "declared",
]  # fmt: skip


def refused_rows(
    frame: pd.DataFrame, problems: Problems, start: int, bad_tables: set[int]
) -> np.ndarray:
    """Rows (of this kind's frame) with at least one error among the problems since ``start``."""
    if not len(frame):
        return np.zeros(0, dtype=bool)
    refused = frame["_table"].isin(bad_tables).to_numpy().copy()
    new = [p for p in problems.parts[start:] if len(p) and "row" in p]
    if new:
        errs = pd.concat(new, ignore_index=True)
        errs = errs[(errs["severity"] == ERROR) & errs["row"].notna()]
        if errs.empty:
            return refused
        # only rows whose Excel row number is among the errors' are compared by (file,
        # sheet, row): a million rows are not all turned into text
        bad = pd.MultiIndex.from_arrays(
            [errs["file"].astype(str), errs["sheet"].astype(str), errs["row"].astype(np.int64)]
        )
        rows = frame["src_row"].to_numpy(dtype=np.int64)
        near = np.flatnonzero(np.isin(rows, errs["row"].to_numpy(dtype=np.int64)))
        seen = pd.MultiIndex.from_arrays(
            [
                frame["src_file"].iloc[near].astype(str),
                frame["src_sheet"].iloc[near].astype(str),
                rows[near],
            ]
        )
        refused[near[seen.isin(bad)]] = True
    return refused


def account(
    t: RawTable,
    frame: pd.DataFrame,
    refused: np.ndarray,
    kind: str,
    unit: str | None,
    declared: bool = False,
) -> pd.DataFrame:
    mine = (frame["_table"] == id(t)).to_numpy()
    n_ref = int((refused & mine).sum())
    return pd.DataFrame(
        [
            {
                "file": t.file,
                "sheet": t.sheet,
                "kind": KIND_LABELS[kind],
                "rows_read": int(mine.sum()),
                "rows_used": int(mine.sum()) - n_ref,
                "rows_refused": n_ref,
                "note": ";".join(
                    (["整张表拒收"] if n_ref and n_ref == int(mine.sum()) else []) + t.remarks
                ),
                "unit": unit,
                "zero": bool(t.zero and not mine.any()),
                "declared": declared,
            }
        ]
    )


def account_other(read: ReadResult) -> pd.DataFrame:
    """Accounting rows for everything that gave no table: sheets without rows (空表,
    填表说明), files refused before any row was read, and files that are not ledgers."""
    rows = [
        {"file": s["file"], "sheet": s["sheet"], "kind": "", "note": s["reason"]}
        for s in read.skipped
    ]
    with_tables = {t.file for t in read.tables}
    for f in read.files:
        if f["file"] not in with_tables:
            why = next((n.problem for n in read.notes if n.file == f["file"]), "")
            if why or not any(s["file"] == f["file"] for s in read.skipped):
                rows.append({"file": f["file"], "sheet": "", "kind": "", "note": why})
    rows += [
        {"file": u["file"], "sheet": "", "kind": "未读取", "note": u["reason"]} for u in read.unread
    ]
    df = pd.DataFrame(rows, columns=["file", "sheet", "kind", "note"])
    for col in ("rows_read", "rows_used", "rows_refused"):
        df[col] = 0
    df["unit"] = None
    df["zero"] = False
    df["declared"] = False
    return df[ACCOUNTING_COLUMNS]
