"""Row versions: how a ledger row is keyed, hashed and stored, and which version is live.

Every row of every ledger is stored as versions, never changed in place: a new or changed
row is a new version; a row a return no longer carries gets a deletion version; a
withdrawal writes the version before. The live rows at a moment are, for each row key,
the latest version received by then, unless it is a deletion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .connection import PROVENANCE, ledger_columns, version_columns

# the row key of each ledger in the store (screening is rolling: one row per return)
ROW_KEYS = {
    "visits": ["visit_id"],
    "incidents": ["incident_id"],
    "screening": ["unit", "case_id", "screened_on"],
    "backlog": ["case_id"],
}

# the latest version of each row (by received time, then submission)
LATEST = (
    "QUALIFY row_number() OVER "
    "(PARTITION BY row_key ORDER BY received DESC, submission_id DESC) = 1"
)


def stored_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A ledger table as stored: plain text for categories, a row key, a content hash,
    and its provenance (file, sheet, row)."""
    cols = ledger_columns(kind)
    out = pd.DataFrame({c: frame[c] for c in cols})
    for c in cols:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    for c in PROVENANCE:
        out[c] = frame[c].astype(object) if c != "src_row" else frame[c].astype(np.int64)
    out.insert(0, "row_key", row_key(kind, out))
    out.insert(1, "content", content_hash(kind, out))
    return out


def row_key(kind: str, rows: pd.DataFrame) -> np.ndarray:
    """Each row's key: its id, or unit + case + screening date for the rolling ledger."""
    if rows.empty:
        return np.array([], dtype=object)
    parts = [
        rows[k].astype(str) if k != "screened_on" else rows[k].dt.strftime("%Y-%m-%d")
        for k in ROW_KEYS[kind]
    ]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key.to_numpy(dtype=object)


def content_hash(kind: str, rows: pd.DataFrame) -> np.ndarray:
    """A hash of each row's content, to tell a changed row from an unchanged one."""
    if rows.empty:
        return np.array([], dtype=np.int64)
    text = rows[ledger_columns(kind)].astype(str)
    return pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)


def insert_versions(con, kind: str, versions: pd.DataFrame) -> None:
    """Append row versions (columns as ``version_columns``) to ``rows_<kind>``."""
    if versions.empty:
        return
    cols = version_columns(kind)
    names = ", ".join(cols)
    con.register("new_versions", versions[cols])
    try:
        con.execute(f"INSERT INTO rows_{kind} ({names}) SELECT {names} FROM new_versions")
    finally:
        con.unregister("new_versions")
