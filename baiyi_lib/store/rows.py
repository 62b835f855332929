"""Row versions: how a ledger row is keyed, hashed and stored, and which version is live.

Every row of every ledger is stored as versions, never changed in place: each return
stores a version of every row it carries (marked new, changed or unchanged as against the
ledger when it came), and records what it replaces. Which rows are live at a moment is a
query over the submissions in force then (``live_sql``), never a state kept up to date:
so a withdrawal, or an earlier moment, is just another moment of the same query.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .layout import ADDED_LATER, DECLARED, PROVENANCE, contract_columns, version_columns

# the row key of each ledger in the store (screening is rolling: one row per return)
ROW_KEYS = {
    "visits": ["visit_id"],
    "incidents": ["incident_id"],
    "screening": ["unit", "case_id", "screened_on"],
    "backlog": ["case_id"],
    "warnings": ["warning_id"],
    "roster": ["date", "lead_post"],
}

# The submissions in force at a moment ($cut): received by then and not withdrawn by then.
EFFECTIVE = (
    "SELECT s.id, s.batch, s.received FROM submissions s WHERE s.action = 'ingest' "
    "AND s.received <= $cut AND NOT EXISTS (SELECT 1 FROM submissions w "
    "WHERE w.action = 'withdraw' AND w.withdraws = s.id AND w.received <= $cut)"
)


def live_sql(kind: str, columns: str = "l.*", where: str = "true") -> str:
    """The live rows of one ledger at the moment ``$cut``, as a SELECT.

    Every return stores a version of every row it carries, and records what it replaces
    (``submission_scope``: a unit's ledger of a kind, or the whole ledger for the office's
    register). A row is live when its latest version from a submission in force is not a
    deletion (stores older than scopes have deletion versions), and no later submission
    in force replaced its unit's ledger (a later batch whose scope covers the row's unit,
    and which therefore did not carry it). So a withdrawal needs no versions of its own:
    leaving the submission out gives the ledgers as if it had not come, at any moment.
    ``where`` filters the latest versions first (by row key or unit) for speed.
    """
    return f"""
        WITH eff AS ({EFFECTIVE}),
        latest AS (
            SELECT r.*, e.batch FROM rows_{kind} r JOIN eff e ON e.id = r.submission_id
            WHERE {where}
            QUALIFY row_number() OVER (
                PARTITION BY r.row_key ORDER BY r.received DESC, r.submission_id DESC) = 1
        )
        SELECT {columns} FROM latest l
        WHERE NOT l.deleted AND NOT EXISTS (
            SELECT 1 FROM submission_scope sc JOIN eff e ON e.id = sc.submission_id
            WHERE sc.kind = '{kind}' AND (sc.unit IS NULL OR sc.unit = l.unit)
              AND (e.received > l.received OR (e.received = l.received AND e.batch > l.batch))
        )"""


def stored_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A ledger table as stored: plain text for categories, a row key, a content hash,
    and its provenance (file, sheet, row)."""
    cols = contract_columns(kind)
    out = pd.DataFrame({c: frame[c] for c in cols})
    out[DECLARED] = pack_declared(frame, cols)
    for c in cols:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    for c in PROVENANCE:
        out[c] = frame[c].astype(object) if c != "src_row" else frame[c].astype(np.int64)
    out.insert(0, "row_key", row_key(kind, out))
    out.insert(1, "content", content_hash(kind, out))
    return out


def pack_declared(frame: pd.DataFrame, contract: list[str]) -> pd.Series:
    """Each row's declared yes/no columns (those of the frame beyond the contract and
    provenance) as JSON text with sorted keys; None where there are none."""
    names = sorted(c for c in frame.columns if c not in contract and c not in PROVENANCE)
    if not names:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[names].astype(object).where(frame[names].notna(), None)
    return pd.Series(
        [
            json.dumps(
                dict(zip(names, (None if v is None else bool(v) for v in row), strict=True)),
                sort_keys=True,
            )
            for row in values.itertuples(index=False)
        ],
        index=frame.index,
        dtype=object,
    )


def unpack_declared(frame: pd.DataFrame) -> pd.DataFrame:
    """The stored frame with ``DECLARED`` turned back into one column per declared name."""
    if DECLARED not in frame.columns:
        return frame
    texts = frame.pop(DECLARED)
    given = texts.notna()
    if not given.any():
        return frame
    parsed = [json.loads(t) if isinstance(t, str) else {} for t in texts]
    names = sorted({k for d in parsed for k in d})
    for name in names:
        frame[name] = pd.Series([d.get(name) for d in parsed], index=frame.index, dtype=object)
    return frame


def row_key(kind: str, rows: pd.DataFrame) -> np.ndarray:
    """Each row's key: its id, or unit + case + screening date for the rolling ledger."""
    if rows.empty:
        return np.array([], dtype=object)
    parts = [
        rows[k].dt.strftime("%Y-%m-%d")
        if pd.api.types.is_datetime64_any_dtype(rows[k])
        else rows[k].astype(str)
        for k in ROW_KEYS[kind]
    ]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key.to_numpy(dtype=object)


def content_hash(kind: str, rows: pd.DataFrame) -> np.ndarray:
    """A hash of each row's content, to tell a changed row from an unchanged one.

    The columns added later (``ADDED_LATER``, in generations; the declared columns go with
    the first) count only from the last generation a row fills: a row that fills none
    hashes as it did before any, one that fills only the first as it did before the
    second, so that no stored row's hash changes when a column is added."""
    if rows.empty:
        return np.array([], dtype=np.int64)
    generations = [*ADDED_LATER.get(kind, ())] or [()]
    generations[0] = (*generations[0], DECLARED)
    generations = [[c for c in g if c in rows.columns] for g in generations]
    later = {c for g in generations for c in g}
    first = [c for c in contract_columns(kind) if c not in later]
    text = rows[first].astype(str)
    out = pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)
    for cols in generations:
        text = text.assign(**{c: rows[c].astype(str) for c in cols})
        filled = rows[cols].notna().any(axis=1).to_numpy() if cols else None
        if filled is not None and filled.any():  # a later generation filled overrides
            full = pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)
            out = np.where(filled, full, out)
    return out


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
