"""What the store remembers: the ledgers as known at any moment, the submissions log, the
row-by-row changes, and withdrawals (撤回).

A withdrawal never erases: it appends, for every row the withdrawn submission added,
changed or deleted, the version that was live before it (or a deletion, for a row it
added), and a line in the submissions log. So ``known_at`` before the withdrawal still
gives the ledgers as they were, and after it as if the submission had not come.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import BaiyiError
from ..ledgers.schema import KIND_LABELS, KINDS
from .connection import PROVENANCE, ledger_columns, reading, transaction, version_columns, writing
from .ingest import WEEKLY_KINDS
from .rows import LATEST, insert_versions

_FOREVER = pd.Timestamp.max.floor("s").to_pydatetime()
# a submission withdrawn by a later line of the log (by the moment ``?``)
_WITHDRAWN_BY = (
    "(SELECT min(w.received) FROM submissions w WHERE w.action = 'withdraw' AND w.withdraws = s.id)"
)


def stored_frames(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The stored rows as they stood at ``known_at`` (default: everything received), as
    frames for the loader, and the files of the submissions live at that moment (with
    ``attrs["kinds"]``: the ledgers those submissions carried)."""
    cut = known_at if known_at is not None else _FOREVER
    with reading(store, wait) as con:
        frames = {}
        for kind in KINDS:
            cols = ", ".join([*ledger_columns(kind), *PROVENANCE])
            frames[kind] = con.execute(
                f"SELECT {cols} FROM (SELECT * FROM rows_{kind} WHERE received <= ? {LATEST}) "
                "WHERE NOT deleted",
                [cut],
            ).df()
        live = (
            f"FROM submissions s WHERE action = 'ingest' AND received <= ? "
            f"AND coalesce({_WITHDRAWN_BY} > ?, true)"
        )
        files = con.execute(f"SELECT file, sha256, received {live} ORDER BY id", [cut, cut]).df()
        kinds = con.execute(
            f"SELECT DISTINCT c.kind FROM submission_counts c WHERE c.submission_id IN "
            f"(SELECT id {live})",
            [cut, cut],
        ).fetchall()
    files.attrs["kinds"] = tuple(k for (k,) in kinds)
    return frames, files


def submissions(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """Every line of the submissions log with its per-ledger counts: id, file, sha256,
    received, ingested, batch, action (ingest / withdraw / purge), withdraws, withdrawn
    (the moment a later line withdrew it, else NaT), units (comma-joined, for display),
    kind, rows, new, changed, unchanged, deleted."""
    with reading(store, wait) as con:
        return con.execute(
            f"SELECT s.id, s.file, s.sha256, s.received, s.ingested, s.batch, s.action, "
            f"s.withdraws, {_WITHDRAWN_BY} AS withdrawn, "
            "(SELECT string_agg(u.unit, ',' ORDER BY u.unit) FROM submission_units u "
            " WHERE u.submission_id = s.id) AS units, "
            "c.kind, c.rows, c.new, c.changed, c.unchanged, c.deleted FROM submissions s "
            "LEFT JOIN submission_counts c ON c.submission_id = s.id ORDER BY s.id, c.kind"
        ).df()


def submission_units(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """One row per (submission, unit, weekly kind with its count): what each return was,
    for the returns grid. Columns: id, unit, kind, rows, received, withdrawn."""
    with reading(store, wait) as con:
        return con.execute(
            f"SELECT s.id, u.unit, c.kind, c.rows, s.received, {_WITHDRAWN_BY} AS withdrawn "
            "FROM submissions s JOIN submission_units u ON u.submission_id = s.id "
            "JOIN submission_counts c ON c.submission_id = s.id "
            "WHERE s.action = 'ingest' ORDER BY s.id"
        ).df()


def history(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """The submissions log as the clerk reads it, one line per entry: id, received, batch,
    action, file, units, and per entry the rows new / changed / deleted, and by which
    later line it was withdrawn."""
    subs = submissions(store, wait)
    if subs.empty:
        return pd.DataFrame(columns=["id", "received", "batch", "action", "file", "units",
                                     "new", "changed", "deleted", "withdrawn_by"])  # fmt: skip
    keys = ["id", "received", "batch", "action", "file", "units", "withdraws"]
    per = subs.groupby("id", sort=True).agg(
        {**{k: "first" for k in keys if k != "id"},
         "new": "sum", "changed": "sum", "deleted": "sum"}
    ).reset_index()  # fmt: skip
    by = subs.loc[subs["action"] == "withdraw", ["id", "withdraws"]].drop_duplicates()
    per["withdrawn_by"] = per["id"].map(dict(zip(by["withdraws"], by["id"], strict=True)))
    return per


def row_changes(
    store: str | Path,
    since: dt.datetime,
    until: dt.datetime | None = None,
    wait: float = 60.0,
) -> pd.DataFrame:
    """Row versions received after ``since`` (and by ``until``): what each submission added,
    corrected or deleted, and what each withdrawal restored, with its file."""
    lo = pd.Timestamp(since)
    hi = pd.Timestamp(until) if until is not None else pd.Timestamp(_FOREVER)
    with reading(store, wait) as con:
        parts = []
        for kind in KINDS:
            parts.append(
                con.execute(
                    f"""
                    SELECT '{kind}' AS kind, r.row_key, r.unit, s.file, s.id AS submission_id,
                           s.action, r.received, r.src_row, r.deleted,
                           EXISTS (SELECT 1 FROM rows_{kind} o WHERE o.row_key = r.row_key
                                   AND (o.received < r.received OR (o.received = r.received
                                        AND o.submission_id < r.submission_id))) AS corrected
                    FROM rows_{kind} r JOIN submissions s ON s.id = r.submission_id
                    WHERE r.received > ? AND r.received <= ?
                    """,
                    [lo.to_pydatetime(), hi.to_pydatetime()],
                ).df()
            )
    out = pd.concat(parts, ignore_index=True)
    change = out["corrected"].map({True: "更正", False: "新增"}).where(~out["deleted"], "删除")
    out["change"] = change.where(out["action"] != "withdraw", "撤回")
    out["key"] = out["row_key"].str.replace("\x1f", " / ")
    return out.drop(columns=["row_key", "corrected", "deleted", "action"]).sort_values(
        ["received", "kind", "key"], ignore_index=True
    )


def return_gaps(store: str | Path, known_at: dt.datetime | None = None) -> pd.DataFrame:
    """Units whose latest weekly return (as known at ``known_at``) lacks a weekly kind that
    an earlier return of theirs carried: unit, kind, file, received."""
    subs = submissions(store)
    subs = subs[(subs["action"] == "ingest") & subs["kind"].isin(WEEKLY_KINDS) & (subs["rows"] > 0)]
    if known_at is not None:
        cut = pd.Timestamp(known_at)
        subs = subs[(subs["received"] <= cut) & ~(subs["withdrawn"] <= cut)]
    else:
        subs = subs[subs["withdrawn"].isna()]
    per_unit = subs.assign(unit=subs["units"].str.split(",")).explode("unit")
    rows = []
    for unit, g in per_unit.groupby("unit"):
        last = g["received"].max()
        now, before = g[g["received"] == last], g[g["received"] < last]
        for kind in WEEKLY_KINDS:
            if kind in set(before["kind"]) and kind not in set(now["kind"]):
                rows.append(
                    {"unit": unit, "kind": kind, "file": now["file"].iloc[0], "received": last}
                )
    return pd.DataFrame(rows, columns=["unit", "kind", "file", "received"])


# --------------------------------------------------------------------------- withdrawal


@dataclass
class Withdrawal:
    """What a withdrawal did: the line it added to the log and, per ledger, the rows it
    restored to their earlier version and the rows it deleted (the ones the withdrawn
    submission had added)."""

    submission_id: int  # the withdrawn submission
    withdrawal_id: int  # the log line of the withdrawal
    file: str
    units: list[str]
    at: dt.datetime
    counts: pd.DataFrame  # kind, restored, deleted


def withdraw(
    store: str | Path, submission_id: int, at: dt.datetime | None = None, wait: float = 60.0
) -> Withdrawal:
    """Withdraw (撤回) one submission: every row it added, changed or deleted goes back to
    its version before it, in one transaction, recorded as a line of the log at ``at``
    (default: now). Refused (BaiyiError, nothing changed) when the submission does not
    exist, is not a file's submission, is already withdrawn, when ``at`` is before it was
    received, or when a later submission changed one of its rows again (withdraw that one
    first: the message names it)."""
    at = at or dt.datetime.now()
    with writing(store, wait) as con, transaction(con):
        sub = _withdrawable(con, submission_id, at)
        wid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
        counts = []
        for kind in KINDS:
            restored, deleted = _restore(con, kind, submission_id, wid, at)
            if restored or deleted:
                counts.append({"kind": kind, "restored": restored, "deleted": deleted})
        units = [r[0] for r in con.execute(
            "SELECT unit FROM submission_units WHERE submission_id = ? ORDER BY unit",
            [submission_id]).fetchall()]  # fmt: skip
        con.execute(
            "INSERT INTO submissions (id, file, sha256, received, ingested, rows_read, batch, "
            "action, withdraws) VALUES (?, ?, NULL, ?, ?, 0, ?, 'withdraw', ?)",
            [wid, f"撤回第 {submission_id} 次报送({sub['file']})", at, dt.datetime.now(), wid,
             submission_id],
        )  # fmt: skip
        if units:
            con.executemany("INSERT INTO submission_units VALUES (?, ?)", [[wid, u] for u in units])
    return Withdrawal(submission_id, wid, sub["file"], units, at,
                      pd.DataFrame(counts, columns=["kind", "restored", "deleted"]))  # fmt: skip


def _withdrawable(con, sid: int, at: dt.datetime) -> dict:
    """The submission to withdraw, or BaiyiError saying why it can't be."""
    row = con.execute(
        f"SELECT id, file, received, action, {_WITHDRAWN_BY} FROM submissions s WHERE id = ?",
        [sid],
    ).fetchall()
    if not row:
        raise BaiyiError(f"没有第 {sid} 次报送;报送记录可用 baiyi history 查看")
    _, file, received, action, withdrawn = row[0]
    if action != "ingest":
        what = {"withdraw": "撤回记录", "purge": "清除记录"}.get(action, action)
        raise BaiyiError(f"第 {sid} 条是{what},不是一次报送,不能撤回")
    if withdrawn is not None:
        raise BaiyiError(f"第 {sid} 次报送({file})已于 {withdrawn:%Y-%m-%d %H:%M} 撤回")
    if at < received:
        raise BaiyiError(
            f"撤回时间 {at:%Y-%m-%d %H:%M} 早于第 {sid} 次报送的接收时间 {received:%Y-%m-%d %H:%M}"
        )
    later: set[int] = set()
    for kind in KINDS:
        # rows of the submission whose live version is no longer the one it wrote
        later |= {r[0] for r in con.execute(
            f"SELECT l.submission_id FROM rows_{kind} r JOIN (SELECT * FROM rows_{kind} "
            f"{LATEST}) l ON l.row_key = r.row_key WHERE r.submission_id = ? AND "
            "(l.content <> r.content OR l.deleted <> r.deleted)",
            [sid]).fetchall()}  # fmt: skip
    if later:
        names = "、".join(f"第 {n} 次" for n in sorted(later))
        raise BaiyiError(
            f"第 {sid} 次报送({file})载入的行,后来又被{names}报送改动过;"
            "撤回它会连带抹掉后来的改动。请先撤回后来的报送(从最近的一次起),再撤回这一次。"
        )
    return {"file": file, "received": received}


def _restore(con, kind: str, sid: int, wid: int, at: dt.datetime) -> tuple[int, int]:
    """For each row version of submission ``sid`` in one ledger, append the version live
    before it (or a deletion, where it added the row); returns (restored, deleted)."""
    cols = version_columns(kind)
    mine = con.execute(f"SELECT * FROM rows_{kind} WHERE submission_id = ?", [sid]).df()
    if mine.empty:
        return 0, 0
    con.register("withdrawn_rows", mine[["row_key", "received"]])
    try:
        before = con.execute(
            f"SELECT r.* FROM rows_{kind} r JOIN withdrawn_rows w ON r.row_key = w.row_key "
            f"WHERE r.received < w.received OR (r.received = w.received AND r.submission_id < ?) "
            "QUALIFY row_number() OVER (PARTITION BY r.row_key "
            "ORDER BY r.received DESC, r.submission_id DESC) = 1",
            [sid],
        ).df()
    finally:
        con.unregister("withdrawn_rows")
    had = before.set_index("row_key")
    back = had.loc[had.index.isin(mine["row_key"])].reset_index()
    added = mine[~mine["row_key"].isin(had.index)].assign(deleted=True)
    # a row live before comes back; a row deleted before (or added now) is deleted again
    versions = pd.concat([back, added], ignore_index=True)
    versions = versions.assign(submission_id=wid, received=pd.Timestamp(at))
    insert_versions(con, kind, versions[cols])
    restored = int((~versions["deleted"].astype(bool)).sum())
    return restored, len(versions) - restored


def describe_withdrawal(w: Withdrawal) -> str:
    """One line for the terminal and the receipt."""
    parts = [f"{KIND_LABELS[c.kind]} 恢复 {c.restored} 行、删除 {c.deleted} 行"
             for c in w.counts.itertuples(index=False)]  # fmt: skip
    return ";".join(parts) or "没有需要恢复的行"
