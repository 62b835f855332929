"""The points table: the one explanation format.

Every deduction, bonus and flag scoring produces is one row with its rule id and clause and
the ledger row it comes from. Scores, ranks and explanations are aggregations of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules

POINT_COLUMNS = [
    "unit",
    "date",
    "rule_id",
    "clause",
    "label",
    "source",
    "source_id",
    "level",
    "persons",
    "rate",
    "multiplier",
    "points",
    "note",
    "src_file",
    "src_sheet",
    "src_row",
]

EXCLUDED_COLUMNS = [
    "source",
    "source_id",
    "unit",
    "date",
    "reason",
    "src_file",
    "src_sheet",
    "src_row",
]

SOURCE_LABELS = ("走访", "事件", "积案")


def rows(
    frame: pd.DataFrame,
    *,
    rule_id: np.ndarray | str,
    source: str,
    id_column: str,
    date_column: str,
    rate: np.ndarray | int | None,
    multiplier: np.ndarray | int | None,
    points: np.ndarray | int,
    note: np.ndarray | str,
    persons: np.ndarray | pd.Series | None = None,
    level: pd.Series | None = None,
) -> pd.DataFrame:
    """Points rows for every row of ``frame`` (a ledger subset), columns in house order."""
    n = len(frame)

    def col(value: object, dtype: str) -> object:
        if value is None:
            return pd.array([pd.NA] * n, dtype=dtype)
        if np.isscalar(value):
            return pd.array(np.full(n, value), dtype=dtype)
        return pd.array(np.asarray(value), dtype=dtype)

    return pd.DataFrame(
        {
            "unit": frame["unit"].to_numpy(),
            "date": frame[date_column].to_numpy(),
            "rule_id": np.broadcast_to(np.asarray(rule_id, dtype=object), n),
            "source": source,
            "source_id": frame[id_column].to_numpy(),
            "level": level.to_numpy() if level is not None else pd.array([pd.NA] * n, dtype=object),
            "persons": col(persons, "Int64"),
            "rate": col(rate, "Int64"),
            "multiplier": col(multiplier, "Int64"),
            "points": np.broadcast_to(np.asarray(points, dtype=np.int64), n),
            "note": np.broadcast_to(np.asarray(note, dtype=object), n),
            "src_file": frame["src_file"].to_numpy(),
            "src_sheet": frame["src_sheet"].to_numpy(),
            "src_row": frame["src_row"].to_numpy(),
        }
    )


def finish(parts: list[pd.DataFrame], rules: Rules) -> pd.DataFrame:
    """Concatenate points rows; attach clause and label; fix dtypes and a stable order."""
    parts = [p for p in parts if len(p)]
    if parts:
        df = pd.concat(parts, ignore_index=True)
    else:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS})
    df["unit"] = pd.Categorical(df["unit"], categories=rules.units.names)
    df["rule_id"] = pd.Categorical(df["rule_id"], categories=list(rules.rules))
    df["clause"] = df["rule_id"].map({r.id: r.clause for r in rules.rules.values()})
    df["label"] = df["rule_id"].map({r.id: r.label for r in rules.rules.values()})
    df["source"] = pd.Categorical(df["source"], categories=list(SOURCE_LABELS))
    df["level"] = pd.Categorical(df["level"], categories=list(rules.levels), ordered=True)
    df["note"] = df["note"].astype("category")
    df["src_file"] = df["src_file"].astype("category")
    df["src_sheet"] = df["src_sheet"].astype("category")
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    df["points"] = df["points"].astype(np.int64)
    for c in ("persons", "rate", "multiplier"):
        df[c] = df[c].astype("Int64")
    df["src_row"] = df["src_row"].astype(np.int64)
    df = df[POINT_COLUMNS]
    # Stable order independent of input row order: date, unit, source, id, rule.
    df = df.sort_values(
        ["date", "unit", "source", "source_id", "rule_id"], kind="stable", ignore_index=True
    )
    return df


def excluded(
    frame: pd.DataFrame,
    mask: np.ndarray,
    source: str,
    id_column: str,
    date_column: str,
    reason: str | np.ndarray,
) -> pd.DataFrame:
    """Ledger rows considered and not scored, with the reason (nothing is dropped silently)."""
    sel = frame.loc[mask]
    if isinstance(reason, np.ndarray):
        reason = reason[mask]
    return pd.DataFrame(
        {
            "source": source,
            "source_id": sel[id_column].to_numpy(),
            "unit": sel["unit"].astype(object).to_numpy(),
            "date": sel[date_column].to_numpy(),
            "reason": reason,
            "src_file": sel["src_file"].astype(object).to_numpy(),
            "src_sheet": sel["src_sheet"].astype(object).to_numpy(),
            "src_row": sel["src_row"].to_numpy(),
        }
    )
