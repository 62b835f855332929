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
        df = t.frame.copy()
        df["src_file"] = t.file
        df["src_sheet"] = t.sheet
        df["src_row"] = t.rows
        df["_table"] = id(t)
        if t.quiet:
            quiet: dict[int, set[str]] = {}
            for row, name in t.quiet:
                quiet.setdefault(row, set()).add(name)
            df["_quiet"] = [frozenset(quiet.get(int(r), ())) for r in t.rows]
        parts.append(df)
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*PROVENANCE, "_table"]})
    headers: dict[str, pd.Series] = {}
    for col in cols:
        per_table = [
            pd.Series(t.headers.get(col.name, col.header), index=range(len(t.frame)))
            for t in tables
        ]
        headers[col.name] = (
            pd.concat(per_table, ignore_index=True) if per_table else pd.Series(dtype=object)
        )
        if col.name not in frame.columns:
            frame[col.name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    return frame, headers


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


def typed_frame(kind: str, typed: pd.DataFrame, frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Final dtypes: categories for units and levels, provenance columns last."""
    out = typed.copy()
    # a register of no unit (局领导接访值班表) has an empty unit, as the store keeps it
    unit = out["unit"] if "unit" in out else pd.Series(None, index=out.index, dtype=object)
    out["unit"] = pd.Categorical(unit, categories=rules.units.names)
    if "level" in out:
        out["level"] = pd.Categorical(out["level"], categories=list(rules.levels), ordered=True)
    if "form" in out:
        out["form"] = pd.Categorical(out["form"], categories=list(rules.forms))
    for col in ("status",):
        if col in out:
            out[col] = pd.Categorical(out[col], categories=["未化解", "已化解"])
    for col in PROVENANCE:
        out[col] = frame[col].to_numpy()
    out["src_file"] = out["src_file"].astype("category")
    out["src_sheet"] = out["src_sheet"].astype("category")
    out["src_row"] = out["src_row"].astype(np.int64)
    return out.reset_index(drop=True)


def share_case_ids(frames: dict[str, pd.DataFrame], screening_rows: pd.DataFrame) -> None:
    """One vocabulary of case ids across visits, screening and backlog (a categorical with
    the same categories everywhere), so that ledgers join on integer codes."""
    tables = [frames["visits"], frames["screening"], screening_rows, frames["backlog"]]
    ids = pd.concat([t["case_id"].astype(object) for t in tables], ignore_index=True)
    categories = pd.Index(ids.dropna().unique(), dtype=object).sort_values()
    dtype = pd.CategoricalDtype(categories)
    for t in tables:
        t["case_id"] = t["case_id"].astype(object).astype(dtype)
