"""What the store remembers: the ledgers as known at any moment, the submissions log, the
row-by-row changes, and withdrawals (撤回).

A withdrawal is a line of the log, nothing else: from its moment on, the withdrawn
submission is no longer in force, so the live rows (``rows.live_sql``) are as if it had
never come, while ``known_at`` before the withdrawal still gives the ledgers as they were.
A row the withdrawn submission carried that a later return carried again stays as that
return has it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import BaiyiError
from ..ledgers.schema import KIND_LABELS, KINDS
from .connection import reading, writing
from .ingest import WEEKLY_KINDS, check_moment
from .layout import PROVENANCE, ledger_columns, transaction
from .rows import EFFECTIVE, live_sql, unpack_declared

_FOREVER = dt.datetime(9999, 12, 31)
# when a later line of the log withdrew submission s
_WITHDRAWN_AT = (
    "(SELECT min(w.received) FROM submissions w WHERE w.action = 'withdraw' AND w.withdraws = s.id)"
)


def _live(con, kind: str, cut: dt.datetime, columns: str = "l.*") -> pd.DataFrame:
    return con.execute(live_sql(kind, columns), {"cut": cut}).df()


def stored_frames(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The live rows as they stood at ``known_at`` (default: everything received), as
    frames for the loader, and the files of the submissions in force at that moment (with
    ``attrs["kinds"]``: the ledgers those submissions carried)."""
    cut = known_at if known_at is not None else _FOREVER
    with reading(store, wait) as con:
        frames = {}
        for kind in KINDS:
            cols = ", ".join(f"l.{c}" for c in [*ledger_columns(kind), *PROVENANCE])
            frames[kind] = unpack_declared(_live(con, kind, cut, cols))
        files = con.execute(
            f"WITH eff AS ({EFFECTIVE}) SELECT s.file, s.sha256, s.received FROM submissions s "
            "JOIN eff ON eff.id = s.id ORDER BY s.id",
            {"cut": cut},
        ).df()
        kinds = con.execute(
            f"WITH eff AS ({EFFECTIVE}) SELECT DISTINCT c.kind FROM submission_counts c "
            "JOIN eff ON eff.id = c.submission_id",
            {"cut": cut},
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
            f"s.withdraws, {_WITHDRAWN_AT} AS withdrawn, "
            "(SELECT string_agg(u.unit, ',' ORDER BY u.unit) FROM submission_units u "
            " WHERE u.submission_id = s.id) AS units, "
            "c.kind, c.rows, c.new, c.changed, c.unchanged, c.deleted FROM submissions s "
            "LEFT JOIN submission_counts c ON c.submission_id = s.id ORDER BY s.id, c.kind"
        ).df()


def submission_units(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """One row per (submission, unit, ledger with its count): what each return was, for
    the returns grid. Columns: id, unit, kind, rows, received, withdrawn, scoped (the
    submission replaced that ledger: a return, not a 补报 adding rows to one)."""
    with reading(store, wait) as con:
        return con.execute(
            f"SELECT s.id, u.unit, c.kind, c.rows, s.received, {_WITHDRAWN_AT} AS withdrawn, "
            "EXISTS (SELECT 1 FROM submission_scope sc WHERE sc.submission_id = s.id "
            "AND sc.kind = c.kind) AS scoped "
            "FROM submissions s JOIN submission_units u ON u.submission_id = s.id "
            "JOIN submission_counts c ON c.submission_id = s.id "
            "WHERE s.action = 'ingest' ORDER BY s.id"
        ).df()


def history(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """The submissions log as the clerk reads it, one line per entry: id, received, batch,
    action, file, units, rows new / changed / deleted, and which later line withdrew it."""
    subs = submissions(store, wait)
    cols = ["id", "received", "batch", "action", "file", "units", "new", "changed", "deleted",
            "withdrawn_by"]  # fmt: skip
    if subs.empty:
        return pd.DataFrame(columns=cols)
    keys = ["received", "batch", "action", "file", "units", "withdraws"]
    per = subs.groupby("id", sort=True).agg(
        {**{k: "first" for k in keys}, "new": "sum", "changed": "sum", "deleted": "sum"}
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
    """What changed after ``since`` (and by ``until``), row by row, with the submission and
    file that changed it: rows new (新增) or corrected (更正) by a submission in force at
    ``until``, rows its scope took away (删除), and rows a withdrawal put back or took
    away (撤回). Columns: kind, unit, file, submission_id, received, src_row, change, key."""
    lo, hi = pd.Timestamp(since).to_pydatetime(), (until or _FOREVER)
    parts = []
    with reading(store, wait) as con:
        for kind in KINDS:
            parts.append(con.execute(
                f"WITH eff AS ({EFFECTIVE}) "
                f"SELECT '{kind}' AS kind, r.row_key, r.unit, s.file, s.id AS submission_id, "
                "r.received, r.src_row, CASE r.change WHEN 'new' THEN '新增' ELSE '更正' END "
                f"AS change FROM rows_{kind} r JOIN eff ON eff.id = r.submission_id "
                "JOIN submissions s ON s.id = r.submission_id "
                "WHERE r.received > $lo AND r.change IN ('new', 'changed')",
                {"cut": hi, "lo": lo},
            ).df())  # fmt: skip
        parts.append(con.execute(
            f"WITH eff AS ({EFFECTIVE}) "
            "SELECT d.kind, d.row_key, d.unit, s.file, s.id AS submission_id, s.received, "
            "NULL AS src_row, '删除' AS change FROM submission_deletions d "
            "JOIN eff ON eff.id = d.submission_id JOIN submissions s ON s.id = d.submission_id "
            "WHERE s.received > $lo",
            {"cut": hi, "lo": lo},
        ).df())  # fmt: skip
        withdrawals = con.execute(
            "SELECT id, file, received FROM submissions WHERE action = 'withdraw' "
            "AND received > ? AND received <= ? ORDER BY id",
            [lo, hi],
        ).fetchall()
        for wid, file, at in withdrawals:
            diff = _state_diff(con, at)
            parts.append(diff.assign(file=file, submission_id=wid, received=at, change="撤回"))
    out = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=_CHANGE_COLUMNS)],
                    ignore_index=True)  # fmt: skip
    out["key"] = out["row_key"].astype(str).str.replace("\x1f", " / ")
    return out.drop(columns=["row_key"]).sort_values(["received", "kind", "key"], ignore_index=True)


_CHANGE_COLUMNS = ["kind", "row_key", "unit", "file", "submission_id", "received", "src_row",
                   "change"]  # fmt: skip


def _state_diff(con, at: dt.datetime) -> pd.DataFrame:
    """Rows whose live state differs just before and at the moment ``at`` (a withdrawal):
    kind, row_key, unit, src_row (of the state after, when there is one)."""
    before = at - dt.timedelta(microseconds=1)
    parts = []
    for kind in KINDS:
        cols = "l.row_key, l.content, l.unit, l.src_row"
        a, b = _live(con, kind, before, cols), _live(con, kind, at, cols)
        both = a.merge(b, on="row_key", how="outer", suffixes=("_a", "_b"), indicator=True)
        changed = both[(both["_merge"] != "both") | (both["content_a"] != both["content_b"])]
        parts.append(pd.DataFrame({
            "kind": kind, "row_key": changed["row_key"],
            "unit": changed["unit_b"].fillna(changed["unit_a"]),
            "src_row": changed["src_row_b"], "gone": changed["_merge"] == "left_only",
        }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def return_gaps(store: str | Path, known_at: dt.datetime | None = None) -> pd.DataFrame:
    """Units whose latest weekly return (as known at ``known_at``) lacks a weekly kind that
    an earlier return of theirs carried: unit, kind, file, received."""
    subs = submissions(store)
    subs = subs[(subs["action"] == "ingest") & subs["kind"].isin(WEEKLY_KINDS) & (subs["rows"] > 0)]
    cut = pd.Timestamp(known_at) if known_at is not None else pd.Timestamp(_FOREVER)
    subs = subs[(subs["received"] <= cut) & ~(subs["withdrawn"] <= cut)]
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
    """What a withdrawal did: the line it added to the log and, per ledger, the rows that
    went back to their earlier version (restored) and the rows that went away (the ones
    the withdrawn submission had brought)."""

    submission_id: int  # the withdrawn submission
    withdrawal_id: int  # the log line of the withdrawal
    file: str
    units: list[str]
    at: dt.datetime
    received: dt.datetime  # when the withdrawn submission had been received
    counts: pd.DataFrame  # kind, restored, deleted
    # submissions of the same return withdrawn with it (a unit's ledger sent in several
    # files of one batch is one return: merged when stored, withdrawn together)
    together: tuple[int, ...] = ()


def withdraw(
    store: str | Path, submission_id: int, at: dt.datetime | None = None, wait: float = 60.0
) -> Withdrawal:
    """Withdraw (撤回) one submission: from ``at`` (default: now) on, it is no longer in
    force, so every row it added, changed or took away is as it was before it (unless a
    later return carried the row again: then as that return has it). One transaction,
    one line of the log. Refused (BaiyiError, nothing changed) when the submission does
    not exist, is not a file's submission, is already withdrawn, or when ``at`` is earlier
    than the latest line of the log (time runs one way) or in the future."""
    at = at or dt.datetime.now()
    with writing(store, wait) as con, transaction(con):
        sub = _withdrawable(con, submission_id)
        check_moment(con, at, "撤回时间")
        together = _same_return(con, submission_id)
        wid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
        first, units = wid, []
        for sid in (submission_id, *together):
            file = sub["file"] if sid == submission_id else _withdrawable(con, sid)["file"]
            mine = [r[0] for r in con.execute(
                "SELECT unit FROM submission_units WHERE submission_id = ? ORDER BY unit",
                [sid]).fetchall()]  # fmt: skip
            con.execute(
                "INSERT INTO submissions (id, file, sha256, received, ingested, rows_read, "
                "batch, action, withdraws) VALUES (?, ?, NULL, ?, ?, 0, ?, 'withdraw', ?)",
                [wid, f"撤回第 {sid} 次报送({file})", at, dt.datetime.now(), first, sid],
            )  # fmt: skip
            if mine:
                con.executemany(
                    "INSERT INTO submission_units VALUES (?, ?)", [[wid, u] for u in mine]
                )
            units += [u for u in mine if u not in units]
            wid += 1
        diff = _state_diff(con, at)
    counts = (
        diff.groupby("kind")["gone"]
        .agg(restored=lambda g: int((~g).sum()), deleted=lambda g: int(g.sum()))
        .reset_index()
        if len(diff)
        else pd.DataFrame(columns=["kind", "restored", "deleted"])
    )
    return Withdrawal(
        submission_id, first, sub["file"], sorted(units), at, sub["received"], counts, together
    )


def _same_return(con, sid: int) -> tuple[int, ...]:
    """The other submissions of the return ``sid`` belongs to: stored in the same batch,
    not withdrawn, replacing the same ledger of the same unit (its files merged into one
    return: store.plan.merged_returns). Withdrawing only one would take away the rows the
    others hold too, as if the unit had deleted them."""
    rows = con.execute(
        """SELECT DISTINCT o.id FROM submission_scope a
        JOIN submission_scope b ON a.kind = b.kind AND a.unit = b.unit
        JOIN submissions s ON s.id = a.submission_id
        JOIN submissions o ON o.id = b.submission_id
        WHERE a.submission_id = ? AND o.id <> s.id AND o.batch = s.batch
          AND o.action = 'ingest' AND NOT EXISTS (SELECT 1 FROM submissions w
              WHERE w.action = 'withdraw' AND w.withdraws = o.id)
        ORDER BY o.id""",
        [sid],
    ).fetchall()
    return tuple(r[0] for r in rows)


def _withdrawable(con, sid: int) -> dict:
    """The submission to withdraw, or BaiyiError saying why it can't be."""
    row = con.execute(
        f"SELECT id, file, received, action, {_WITHDRAWN_AT} FROM submissions s WHERE id = ?",
        [sid],
    ).fetchall()
    if not row:
        raise BaiyiError(f"没有第 {sid} 次报送;报送记录可用 baiyi history 查看")
    _, file, received, action, withdrawn = row[0]
    if action not in ("ingest", "document"):  # a return, or a document's receipt
        what = {"withdraw": "撤回记录", "purge": "清除记录"}.get(action, action)
        raise BaiyiError(f"第 {sid} 条是{what},不是一次报送,不能撤回")
    if withdrawn is not None:
        raise BaiyiError(f"第 {sid} 次报送({file})已于 {withdrawn:%Y-%m-%d %H:%M} 撤回")
    return {"file": file, "received": received}


def describe_withdrawal(w: Withdrawal) -> str:
    """One line for the terminal and the receipt."""
    if w.file.startswith("材料:"):  # a document's receipt (store.documents)
        return "这份材料的登记已撤回,按没有收到计"
    parts = [f"{KIND_LABELS[c.kind]} 恢复 {c.restored} 行、删除 {c.deleted} 行"
             for c in w.counts.itertuples(index=False)]  # fmt: skip
    said = ";".join(parts) or "没有需要恢复或删除的行"
    if w.together:
        ids = "、".join(f"第 {i} 次" for i in w.together)
        said = f"与同批的{ids}报送合为一份报送,一并撤回;{said}"
    return said
