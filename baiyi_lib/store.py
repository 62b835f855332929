"""The ledger store: every submission and every version of every row, in DuckDB.

- ``ingest`` validates each file with the same loader and messages; a file with any error
  is refused whole. A good file is stored in one transaction (a kill leaves nothing of it),
  as one submission (file, SHA-256, units, kinds, received time, row counts), and each of
  its rows as a new version only where it is new or changed (by row key and content hash).
  The same file twice changes nothing.
- ``load`` returns the four ledgers as they stood at a moment (``known_at``): for every
  row key, its latest version received by then. The result goes through the same
  validation as files, so scoring takes it as it is.
- One writer at a time: DuckDB locks the file; a second process waits for the lock, then
  gets a clear message (StoreBusy) instead of a crash.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .errors import BaiyiError
from .ledgers import DEFAULT_STORE as _DEFAULT_STORE
from .ledgers import Ledgers, check_ledgers, load_ledgers
from .ledgers.read import display_name, folder_files, is_ledger_file, sha256_file, unread_reason
from .ledgers.schema import KIND_LABELS, KINDS, SCHEMAS
from .params import Rules, load_rules

DEFAULT_STORE = Path(_DEFAULT_STORE)
PROVENANCE = ["src_file", "src_sheet", "src_row"]
# the row key of each ledger in the store (screening is rolling: one row per return)
ROW_KEYS = {
    "visits": ["visit_id"],
    "incidents": ["incident_id"],
    "screening": ["unit", "case_id", "screened_on"],
    "backlog": ["case_id"],
}
_SQL_TYPES = {
    "date": "DATE",
    "opt_date": "DATE",
    "bool": "BOOLEAN",
    "persons": "BIGINT",
}


# the latest version of each row (by received time, then submission)
LATEST = (
    "QUALIFY row_number() OVER "
    "(PARTITION BY row_key ORDER BY received DESC, submission_id DESC) = 1"
)


class StoreBusy(BaiyiError):
    """Another process holds the store."""


def _columns(kind: str) -> list[str]:
    return [c.name for c in SCHEMAS[kind]]


def _schema_sql() -> list[str]:
    sql = [
        "CREATE TABLE IF NOT EXISTS submissions (id BIGINT PRIMARY KEY, file VARCHAR, "
        "sha256 VARCHAR, received TIMESTAMP, ingested TIMESTAMP, units VARCHAR, "
        "kinds VARCHAR, rows_read BIGINT)",
        "CREATE TABLE IF NOT EXISTS submission_counts (submission_id BIGINT, kind VARCHAR, "
        "rows BIGINT, new BIGINT, changed BIGINT, unchanged BIGINT)",
    ]
    for kind in KINDS:
        cols = ", ".join(f"{c.name} {_SQL_TYPES.get(c.type, 'VARCHAR')}" for c in SCHEMAS[kind])
        sql.append(
            f"CREATE TABLE IF NOT EXISTS rows_{kind} (row_key VARCHAR, content BIGINT, "
            f"submission_id BIGINT, received TIMESTAMP, {cols}, "
            "src_file VARCHAR, src_sheet VARCHAR, src_row BIGINT)"
        )
    return sql


def connect(
    path: str | Path, wait: float = 60.0, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait`` seconds for another process's lock."""
    path = Path(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            if read_only and not path.exists():
                raise BaiyiError(f"找不到台账库:{path}")
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise StoreBusy(
                    f"台账库 {path} 正被另一个进程使用(例如另一次载入),请稍后再试。({exc})"
                ) from exc
            time.sleep(0.2)
    if not read_only:
        for statement in _schema_sql():
            con.execute(statement)
    return con


def _stored_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A ledger table as stored: plain text for categories, a row key, a content hash."""
    cols = _columns(kind)
    out = pd.DataFrame({c: frame[c] for c in cols})
    for c in cols:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    for c in PROVENANCE:
        out[c] = frame[c].astype(object) if c != "src_row" else frame[c].astype(np.int64)
    key_parts = [
        out[k].astype(str) if k != "screened_on" else out[k].dt.strftime("%Y-%m-%d")
        for k in ROW_KEYS[kind]
    ]
    key = key_parts[0]
    for part in key_parts[1:]:
        key = key + "\x1f" + part
    out.insert(0, "row_key", key.to_numpy(dtype=object))
    content = pd.util.hash_pandas_object(out[cols].astype(str), index=False).to_numpy()
    out.insert(1, "content", content.view(np.int64))
    return out


@dataclass
class IngestReport:
    """What one file did to the store."""

    file: str
    status: str  # stored, unchanged, refused, unread (not a ledger file)
    submission_id: int | None
    counts: pd.DataFrame  # kind, rows, new, changed, unchanged
    problems: pd.DataFrame | None = None
    message: str = ""


def _ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, rules: Rules, received: dt.datetime, progress: Any
) -> IngestReport:
    name = display_name(path, path.parent)  # personal numbers in a file name never stored
    sha = sha256_file(path)
    rows = con.execute("SELECT id, received FROM submissions WHERE sha256 = ?", [sha]).fetchall()
    seen = rows[0] if rows else None
    if seen:
        return IngestReport(
            name, "unchanged", seen[0], pd.DataFrame(),
            message=f"与第 {seen[0]} 次报送({seen[1]:%Y-%m-%d %H:%M})完全相同,未作改动",
        )  # fmt: skip
    checked = check_ledgers(path, rules)
    if checked.ledgers is None:
        n = int((checked.problems["severity"] == "错误").sum())
        return IngestReport(
            name, "refused", None, pd.DataFrame(), checked.problems,
            message=f"有 {n} 处错误,整个文件未载入",
        )  # fmt: skip
    led = checked.ledgers
    tables = {
        "visits": led.visits,
        "incidents": led.incidents,
        "screening": led.screening_rows,
        "backlog": led.backlog,
    }
    counts = []
    con.execute("BEGIN TRANSACTION")
    try:
        sid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
        units: set[str] = set()
        for kind, frame in tables.items():
            if frame.empty:
                continue
            stored = _stored_frame(kind, frame)
            units.update(stored["unit"].dropna().astype(str))
            con.register("incoming", stored[["row_key", "content"]])
            current = con.execute(
                f"SELECT i.row_key, l.content FROM incoming i LEFT JOIN ("
                f"  SELECT row_key, content FROM rows_{kind} {LATEST}"
                f") l USING (row_key)"
            ).df()
            con.unregister("incoming")
            latest = dict(zip(current["row_key"], current["content"], strict=True))
            prev = stored["row_key"].map(latest)
            is_new = prev.isna().to_numpy()
            changed = ~is_new & (
                prev.fillna(0).astype(np.int64).to_numpy() != stored["content"].to_numpy()
            )
            write = stored.loc[is_new | changed].copy()
            write.insert(2, "submission_id", sid)
            write.insert(3, "received", pd.Timestamp(received))
            if len(write):
                progress(f"正在写入 {name}:{KIND_LABELS[kind]} {len(write)} 行")
                con.register("new_rows", write)
                con.execute(f"INSERT INTO rows_{kind} SELECT * FROM new_rows")
                con.unregister("new_rows")
            counts.append(
                {
                    "kind": kind,
                    "rows": len(stored),
                    "new": int(is_new.sum()),
                    "changed": int(changed.sum()),
                    "unchanged": int(len(stored) - is_new.sum() - changed.sum()),
                }
            )
        rows_read = int(checked.accounting["rows_read"].sum())
        con.execute(
            "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, name, sha, received, dt.datetime.now(), ",".join(sorted(units)),
             ",".join(c["kind"] for c in counts), rows_read],
        )  # fmt: skip
        for c in counts:
            con.execute(
                "INSERT INTO submission_counts VALUES (?, ?, ?, ?, ?, ?)",
                [sid, c["kind"], c["rows"], c["new"], c["changed"], c["unchanged"]],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return IngestReport(name, "stored", sid, pd.DataFrame(counts))


def ingest(
    paths: Iterable[str | Path],
    store: str | Path = DEFAULT_STORE,
    received: dt.datetime | None = None,
    rules: Rules | None = None,
    wait: float = 60.0,
    progress: Any = lambda msg: None,
) -> list[IngestReport]:
    """Validate and store each file (a folder means its ledger files), one transaction each."""
    rules = rules or load_rules()
    files: list[Path] = []
    unread: list[IngestReport] = []
    for p in map(Path, paths):
        if not p.is_dir():
            files.append(p)
            continue
        for f in folder_files(p):
            if is_ledger_file(f):
                files.append(f)
            else:
                name = display_name(f, p)
                unread.append(
                    IngestReport(name, "unread", None, pd.DataFrame(), None, unread_reason(f))
                )
    if not files:
        raise BaiyiError("没有找到要载入的台账文件")
    received = received or dt.datetime.now()
    Path(store).parent.mkdir(parents=True, exist_ok=True)
    con = connect(store, wait=wait)
    try:
        return unread + [_ingest_file(con, f, rules, received, progress) for f in files]
    finally:
        con.close()


def stored_frames(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The stored rows as they stood at ``known_at`` (default: everything received), as
    frames for the loader, and the submissions received by then."""
    cut = known_at if known_at is not None else pd.Timestamp.max.floor("s").to_pydatetime()
    con = connect(store, wait=wait, read_only=True)
    try:
        frames = {}
        for kind in KINDS:
            cols = ", ".join([*_columns(kind), *PROVENANCE])
            frames[kind] = con.execute(
                f"SELECT {cols} FROM rows_{kind} WHERE received <= ? {LATEST}", [cut]
            ).df()
        files = con.execute(
            "SELECT file, sha256, received FROM submissions WHERE received <= ? ORDER BY id",
            [cut],
        ).df()
    finally:
        con.close()
    return frames, files


def load(
    store: str | Path, known_at: Any = None, rules: Rules | None = None, wait: float = 60.0
) -> Ledgers:
    """The ledgers as they stood at ``known_at`` (default: everything received)."""
    return load_ledgers(store, rules or load_rules(), known_at=known_at)


def submissions(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """Every submission with its per-kind counts (for the returns and change sections)."""
    con = connect(store, wait=wait, read_only=True)
    try:
        return con.execute(
            "SELECT s.id, s.file, s.sha256, s.received, s.ingested, s.units, c.kind, c.rows, "
            "c.new, c.changed, c.unchanged FROM submissions s "
            "LEFT JOIN submission_counts c ON c.submission_id = s.id ORDER BY s.id, c.kind"
        ).df()
    finally:
        con.close()


def row_changes(
    store: str | Path,
    since: dt.datetime,
    until: dt.datetime | None = None,
    wait: float = 60.0,
) -> pd.DataFrame:
    """Row versions received after ``since`` (and by ``until``): what each submission added
    or corrected, with the file it came in."""
    lo = pd.Timestamp(since)
    hi = pd.Timestamp(until) if until is not None else pd.Timestamp.max.floor("s")
    con = connect(store, wait=wait, read_only=True)
    try:
        parts = []
        for kind in KINDS:
            parts.append(
                con.execute(
                    f"""
                    SELECT '{kind}' AS kind, r.row_key, r.unit, s.file, s.id AS submission_id,
                           r.received, r.src_row,
                           EXISTS (SELECT 1 FROM rows_{kind} o WHERE o.row_key = r.row_key
                                   AND (o.received < r.received OR (o.received = r.received
                                        AND o.submission_id < r.submission_id))) AS corrected
                    FROM rows_{kind} r JOIN submissions s ON s.id = r.submission_id
                    WHERE r.received > ? AND r.received <= ?
                    """,
                    [lo.to_pydatetime(), hi.to_pydatetime()],
                ).df()
            )
    finally:
        con.close()
    out = pd.concat(parts, ignore_index=True)
    out["change"] = out["corrected"].map({True: "更正", False: "新增"})
    out["key"] = out["row_key"].str.replace("\x1f", " / ")
    return out.drop(columns=["row_key", "corrected"]).sort_values(
        ["received", "kind", "key"], ignore_index=True
    )


def returns_from_submissions(
    store: str | Path,
    rules: Rules,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    wait: float = 60.0,
) -> pd.DataFrame:
    """Unit × week: whether the Friday return (screening or backlog) arrived in its week
    (按时), during the next week (迟报), or not at all (未报), from the submission records
    received by ``known_at``."""
    from .views import returns_grid

    subs = submissions(store, wait=wait)
    subs = subs[subs["kind"].isin(["screening", "backlog"])].dropna(subset=["units"])
    if known_at is not None:
        subs = subs[subs["received"] <= pd.Timestamp(known_at)]
    # one submission may cover several units
    per_unit = subs.assign(unit=subs["units"].str.split(",")).explode("unit")
    return returns_grid(per_unit["unit"], per_unit["received"], rules, as_of)
