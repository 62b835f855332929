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

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .errors import BaiyiError, StoreBusy, StoreDamaged, StoreError, StoreNotWritable
from .ledgers import check_tables
from .ledgers.privacy import detect, mask_text
from .ledgers.read import display_name, named_file, sha256_file, walk_folder
from .ledgers.schema import KIND_LABELS, KINDS, SCHEMAS
from .params import DEFAULT_STORE, Rules, load_rules

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


# DuckDB failures that come from the file or the disk, not from our SQL: each becomes a
# StoreError with its own message; anything else is a bug and is raised as it is
ENVIRONMENT = (
    duckdb.IOException,
    duckdb.SerializationException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.CatalogException,
    duckdb.InvalidInputException,
    duckdb.PermissionException,
    duckdb.TransactionException,
    duckdb.OutOfMemoryException,
)

# the latest version of each row (by received time, then submission)
LATEST = (
    "QUALIFY row_number() OVER "
    "(PARTITION BY row_key ORDER BY received DESC, submission_id DESC) = 1"
)


def _columns(kind: str) -> list[str]:
    return [c.name for c in SCHEMAS[kind]]


def _schema_sql() -> list[str]:
    sql = [
        "CREATE TABLE IF NOT EXISTS submissions (id BIGINT PRIMARY KEY, file VARCHAR, "
        "sha256 VARCHAR, received TIMESTAMP, ingested TIMESTAMP, units VARCHAR, "
        "kinds VARCHAR, rows_read BIGINT)",
        "CREATE TABLE IF NOT EXISTS submission_counts (submission_id BIGINT, kind VARCHAR, "
        "rows BIGINT, new BIGINT, changed BIGINT, unchanged BIGINT, deleted BIGINT DEFAULT 0)",
        # stores made before deletions were recorded
        "ALTER TABLE submission_counts ADD COLUMN IF NOT EXISTS deleted BIGINT DEFAULT 0",
        "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    ]
    for kind in KINDS:
        cols = ", ".join(f"{c.name} {_SQL_TYPES.get(c.type, 'VARCHAR')}" for c in SCHEMAS[kind])
        sql.append(
            f"CREATE TABLE IF NOT EXISTS rows_{kind} (row_key VARCHAR, content BIGINT, "
            f"submission_id BIGINT, received TIMESTAMP, {cols}, "
            "src_file VARCHAR, src_sheet VARCHAR, src_row BIGINT, deleted BOOLEAN DEFAULT false)"
        )
        sql.append(
            f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT false"
        )
    return sql


def _deleted_expr(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    """Whether a version ``r`` is a deletion, in SQL."""
    return "r.deleted" if _live(con, kind) != "true" else "false"


def _live(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    """The condition for row versions that are not deletions (stores made before deletions
    were recorded have none)."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = ? AND column_name = 'deleted'",
        [f"rows_{kind}"],
    ).fetchone()[0]
    return "NOT deleted" if has else "true"


def connect(
    path: str | Path, wait: float = 60.0, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait`` seconds for another process's lock.

    Each way it can fail has its own message and exit code: busy (another process holds
    the lock), damaged (truncated, or not a store), not writable (read-only file system,
    no permission, no room for the write-ahead log). Opening never changes a stored row.
    """
    path = Path(path)
    deadline = time.monotonic() + wait
    if read_only and not path.exists():
        raise BaiyiError(f"找不到台账库:{path}")
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except ENVIRONMENT as exc:
            busy = (
                "conflicting lock" in str(exc).lower() or "could not set lock" in str(exc).lower()
            )
            if busy and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise store_error(exc, path, "打开") from None
    if not read_only:
        try:
            for statement in _schema_sql():
                con.execute(statement)
        except ENVIRONMENT as exc:
            con.close()
            raise store_error(exc, path, "准备") from None
    return con


@contextlib.contextmanager
def reading(store: str | Path, wait: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; any DuckDB failure while reading becomes a StoreError."""
    con = connect(store, wait=wait, read_only=True)
    try:
        yield con
    except ENVIRONMENT as exc:
        raise store_error(exc, Path(store), "读取") from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


def store_error(exc: Exception, path: Path, doing: str) -> StoreError:
    """The Chinese error for a DuckDB failure on the store, by what went wrong."""
    text = str(exc)
    low = text.lower()
    if "conflicting lock" in low or "could not set lock" in low:
        return StoreBusy(f"台账库 {path} 正被另一个进程使用(例如另一次载入),请稍后再试。")
    if any(w in low for w in ("read-only", "permission denied", "no space", "disk full")):
        why = "磁盘空间已满" if ("no space" in low or "disk full" in low) else "文件或文件夹只读"
        return StoreNotWritable(
            f"无法{doing}台账库 {path}:{why},写不下台账库及其日志文件(.wal)。"
            "本次没有载入任何数据,已有数据没有改动;请腾出空间或换到可写的位置后重试。"
        )
    return StoreDamaged(
        f"台账库 {path} 已损坏或不是台账库文件,无法{doing}({text.splitlines()[0][:160]})。"
        "请不要删除或覆盖它,用最近的备份恢复,或联系维护人员。"
    )


def _stored_frame(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A ledger table as stored: plain text for categories, a row key, a content hash."""
    cols = _columns(kind)
    out = pd.DataFrame({c: frame[c] for c in cols})
    for c in cols:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    for c in PROVENANCE:
        out[c] = frame[c].astype(object) if c != "src_row" else frame[c].astype(np.int64)
    out.insert(0, "row_key", _row_key(kind, out))
    out.insert(1, "content", _content(kind, out))
    return out


def _row_key(kind: str, rows: pd.DataFrame) -> np.ndarray:
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


def _content(kind: str, rows: pd.DataFrame) -> np.ndarray:
    """A hash of each row's content, to tell a changed row from an unchanged one."""
    if rows.empty:
        return np.array([], dtype=np.int64)
    text = rows[_columns(kind)].astype(str)
    return pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)


@dataclass
class IngestReport:
    """What one file did to the store."""

    file: str
    # stored, unchanged, refused, unread (not a ledger file), personal (in the store),
    # missing (a unit's return lacks a weekly kind it sent before)
    status: str
    submission_id: int | None
    counts: pd.DataFrame  # kind, rows, new, changed, unchanged
    problems: pd.DataFrame | None = None
    message: str = ""
    kinds_by_unit: dict[str, set[str]] = field(default_factory=dict)  # weekly kinds sent
    unit: str | None = None  # the unit whose return the file is (填报单位 or file name)


# The weekly return (实施方案 五、四): 矛盾纠纷排查化解登记表 and 信访积案, from every unit.
WEEKLY_KINDS = ("screening", "backlog")
CSV_HINT = "若是从 Excel 另存为 CSV,只会保存第一个工作表,请改为报送 .xlsx 工作簿"


def kinds_sent_before(
    con: duckdb.DuckDBPyConnection, before: dt.datetime | None = None
) -> dict[str, set[str]]:
    """For each unit, the ledger kinds its earlier returns carried (with rows)."""
    sql = (
        "SELECT s.units, c.kind FROM submissions s JOIN submission_counts c "
        "ON c.submission_id = s.id WHERE c.rows > 0"
    )
    rows = con.execute(
        sql + (" AND s.received < ?" if before else ""), [before] if before else []
    ).fetchall()
    out: dict[str, set[str]] = {}
    for units, kind in rows:
        for unit in (units or "").split(","):
            if unit:
                out.setdefault(unit, set()).add(kind)
    return out


def missing_kinds(
    present: dict[str, set[str]], before: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """(unit, kind) where a unit's return lacks a weekly kind its earlier returns had."""
    return [
        (unit, kind)
        for unit, kinds in sorted(present.items())
        for kind in WEEKLY_KINDS
        if kind in before.get(unit, set()) and kind not in kinds
    ]


def missing_kind_note(unit: str, kind: str) -> str:
    return f"{unit} 本次报送没有{KIND_LABELS[kind]},以前的报送中有;{CSV_HINT}"


def _file_unit(accounting: pd.DataFrame) -> str | None:
    """The unit whose return a file is, when its tables name exactly one."""
    units = set(accounting["unit"].dropna()) if "unit" in accounting else set()
    return next(iter(units)) if len(units) == 1 else None


def _write_versions(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    stored: pd.DataFrame,
    sid: int,
    received: dt.datetime,
) -> tuple[int, int, int]:
    """Store each row as a new version where it is new (or was deleted) or changed; return
    (new, changed, unchanged)."""
    if stored.empty:
        return 0, 0, 0
    con.register("incoming", stored[["row_key", "content"]])
    current = con.execute(
        f"SELECT i.row_key, l.content FROM incoming i LEFT JOIN ("
        f"  SELECT row_key, CASE WHEN {_live(con, kind)} THEN content END AS content"
        f"  FROM rows_{kind} {LATEST}"
        f") l USING (row_key)"
    ).df()
    con.unregister("incoming")
    latest = dict(zip(current["row_key"], current["content"], strict=True))
    prev = stored["row_key"].map(latest)
    is_new = prev.isna().to_numpy()
    changed = ~is_new & (prev.fillna(0).astype(np.int64).to_numpy() != stored["content"].to_numpy())
    write = stored.loc[is_new | changed].copy()
    write.insert(2, "submission_id", sid)
    write.insert(3, "received", pd.Timestamp(received))
    write["deleted"] = False
    if len(write):
        con.register("new_rows", write)
        con.execute(f"INSERT INTO rows_{kind} SELECT * FROM new_rows")
        con.unregister("new_rows")
    n_new, n_changed = int(is_new.sum()), int(changed.sum())
    return n_new, n_changed, len(stored) - n_new - n_changed


def _delete_missing(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    stored: pd.DataFrame,
    scope: set[str],
    sid: int,
    received: dt.datetime,
) -> int:
    """A return is the unit's whole ledger as it stands (滚动台账): the unit's rows of this
    ledger that it no longer carries get a deletion version. Earlier versions are kept, so
    the ledgers as known at an earlier moment are unchanged. Returns how many."""
    if not scope:
        return 0
    cols = ", ".join([*_columns(kind), *PROVENANCE])
    con.register("kept", pd.DataFrame({"row_key": stored["row_key"].astype(object)}))
    con.register("scope", pd.DataFrame({"unit": sorted(scope)}))
    gone = con.execute(
        f"INSERT INTO rows_{kind} (row_key, content, submission_id, received, {cols}, deleted) "
        f"SELECT row_key, content, ?, ?, {cols}, true FROM ("
        f"  SELECT * FROM rows_{kind} {LATEST}"
        f") l WHERE {_live(con, kind)} AND unit IN (SELECT unit FROM scope) "
        f"AND row_key NOT IN (SELECT row_key FROM kept)",
        [sid, received],
    ).fetchall()
    con.unregister("kept")
    con.unregister("scope")
    return int(gone[0][0]) if gone else 0


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rules: Rules,
    received: dt.datetime,
    progress: Any,
    partial: bool = False,
) -> IngestReport:
    name = display_name(path, path.parent)  # personal numbers in a file name never stored
    sha = sha256_file(path)
    rows = con.execute("SELECT id, received FROM submissions WHERE sha256 = ?", [sha]).fetchall()
    seen = rows[0] if rows else None
    if seen:
        # the same file again: it still carries what it carried the first time
        sent = con.execute(
            "SELECT s.units, c.kind FROM submissions s JOIN submission_counts c "
            "ON c.submission_id = s.id WHERE s.id = ? AND c.rows > 0",
            [seen[0]],
        ).fetchall()
        carried: dict[str, set[str]] = {}
        for units, kind in sent:
            for unit in (units or "").split(","):
                if unit and kind in WEEKLY_KINDS:
                    carried.setdefault(unit, set()).add(kind)
        return IngestReport(
            name, "unchanged", seen[0], pd.DataFrame(),
            message=f"与第 {seen[0]} 次报送({seen[1]:%Y-%m-%d %H:%M})完全相同,未作改动",
            kinds_by_unit=carried, unit=next(iter(carried)) if len(carried) == 1 else None,
        )  # fmt: skip
    checked = check_tables(path, rules)
    if checked.ledgers is None:
        n = int((checked.problems["severity"] == "错误").sum())
        return IngestReport(
            name, "refused", None, pd.DataFrame(), checked.problems,
            message=f"有 {n} 处错误,整个文件未载入", unit=_file_unit(checked.accounting),
        )  # fmt: skip
    led = checked.ledgers
    acc = checked.accounting
    kind_of = {label: kind for kind, label in KIND_LABELS.items()}
    read = acc[acc["kind"].isin(list(kind_of))].assign(kind=lambda d: d["kind"].map(kind_of))
    carried = set(read["kind"])  # the ledgers this file carries (an empty sheet included)
    file_unit = _file_unit(acc)
    zero = {k for k in read.loc[read["zero"], "kind"]}
    present: dict[str, set[str]] = {}
    for kind in WEEKLY_KINDS:
        frame = led.screening_rows if kind == "screening" else led[kind]
        for unit in frame["unit"].dropna().astype(str).unique():
            present.setdefault(unit, set()).add(kind)
        if kind in zero and file_unit:
            present.setdefault(file_unit, set()).add(kind)
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
            if kind not in carried:
                continue  # not in this file: nothing of it is replaced
            stored = _stored_frame(kind, frame)
            here = set(stored["unit"].dropna().astype(str))
            units.update(here)
            if kind in zero and file_unit:
                units.add(file_unit)
            # whose earlier rows of this ledger the return replaces: the unit whose return
            # it is, else (the office's registers) each unit present in the file
            scope = set() if partial else ({file_unit} if file_unit else here)
            new, changed, unchanged = _write_versions(con, kind, stored, sid, received)
            deleted = _delete_missing(con, kind, stored, scope, sid, received)
            if new or changed or deleted:
                what = f"新增 {new}、变更 {changed}、删除 {deleted}"
                progress(f"正在写入 {name}:{KIND_LABELS[kind]} {what}")
            counts.append(
                {"kind": kind, "rows": len(stored), "new": new, "changed": changed,
                 "unchanged": unchanged, "deleted": deleted}
            )  # fmt: skip
        rows_read = int(checked.accounting["rows_read"].sum())
        con.execute(
            "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, name, sha, received, dt.datetime.now(), ",".join(sorted(units)),
             ",".join(c["kind"] for c in counts), rows_read],
        )  # fmt: skip
        for c in counts:
            con.execute(
                "INSERT INTO submission_counts "
                "(submission_id, kind, rows, new, changed, unchanged, deleted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sid, c["kind"], c["rows"], c["new"], c["changed"], c["unchanged"], c["deleted"]],
            )
        con.execute("COMMIT")
    except BaseException:
        # a store that could not write (disk full) may refuse the rollback too: the
        # transaction is void either way, and the first error is the one to report
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return IngestReport(
        name, "stored", sid, pd.DataFrame(counts), kinds_by_unit=present, unit=file_unit
    )


PARTIAL_WORDS = ("补报", "增补")


def ingest(
    paths: Iterable[str | Path],
    store: str | Path = DEFAULT_STORE,
    received: dt.datetime | None = None,
    rules: Rules | None = None,
    wait: float = 60.0,
    progress: Any = lambda msg: None,
    partial: bool = False,
) -> list[IngestReport]:
    """Validate and store each file (a folder means its ledger files), one transaction each.

    Each file is a return: for each ledger it carries, it replaces the earlier rows of the
    unit whose return it is (or, for the office's registers, of each unit in it). With
    ``partial``, or for a file whose name says 补报 or 增补, rows are only added or changed.
    """
    rules = rules or load_rules()
    files: list[Path] = []
    unread: list[IngestReport] = []
    for p in map(Path, paths):
        if not p.is_dir():
            files.append(named_file(p))
            continue
        found = walk_folder(p)
        files += found.files
        unread += [
            IngestReport(display_name(f, p), "unread", None, pd.DataFrame(), None, why)
            for f, why in found.unread
        ]
    if not files:
        raise BaiyiError("没有找到要载入的台账文件")
    received = received or dt.datetime.now()
    Path(store).parent.mkdir(parents=True, exist_ok=True)
    con = connect(store, wait=wait)
    try:
        before = kinds_sent_before(con, received)
        reports = [
            _ingest_file(
                con, f, rules, received, progress,
                partial=partial or any(w in f.stem for w in PARTIAL_WORDS),
            )
            for f in files
        ]  # fmt: skip
        # the batch's returns, unit by unit, against what the units sent before
        present: dict[str, set[str]] = {}
        for r in reports:
            for unit, kinds in r.kinds_by_unit.items():
                present.setdefault(unit, set()).update(kinds)
        for unit, kind in missing_kinds(present, before):
            reports.append(
                IngestReport(
                    unit, "missing", None, pd.DataFrame(), None, missing_kind_note(unit, kind)
                )
            )
        # personal data let in by an older version: offer the purge (once clean, the loader
        # keeps it so, and the scan is not repeated)
        stored = [] if _scanned_clean(con) else find_personal_data(con)
        if not stored:
            _mark_clean(con)
        else:
            n = sum(f.versions for f in stored)
            reports.append(
                IngestReport(
                    "(台账库)", "personal", None, pd.DataFrame(), None,
                    f"台账库中有 {len(stored)} 个值、{n} 处含个人信息(旧版本载入),"
                    "请运行 baiyi purge 查看,baiyi purge --yes 从所有版本中清除",
                )
            )  # fmt: skip
        return unread + reports
    except ENVIRONMENT as exc:
        raise store_error(exc, Path(store), "写入") from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


def stored_frames(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The stored rows as they stood at ``known_at`` (default: everything received), as
    frames for the loader, and the submissions received by then."""
    cut = known_at if known_at is not None else pd.Timestamp.max.floor("s").to_pydatetime()
    with reading(store, wait) as con:
        frames = {}
        for kind in KINDS:
            cols = ", ".join([*_columns(kind), *PROVENANCE])
            frames[kind] = con.execute(
                f"SELECT {cols} FROM (SELECT * FROM rows_{kind} WHERE received <= ? {LATEST}) "
                f"WHERE {_live(con, kind)}",
                [cut],
            ).df()
        files = con.execute(
            "SELECT file, sha256, received FROM submissions WHERE received <= ? ORDER BY id",
            [cut],
        ).df()
    return frames, files


def submissions(store: str | Path, wait: float = 60.0) -> pd.DataFrame:
    """Every submission with its per-kind counts (for the returns and change sections)."""
    with reading(store, wait) as con:
        return con.execute(
            "SELECT s.id, s.file, s.sha256, s.received, s.ingested, s.units, c.kind, c.rows, "
            "c.new, c.changed, c.unchanged FROM submissions s "
            "LEFT JOIN submission_counts c ON c.submission_id = s.id ORDER BY s.id, c.kind"
        ).df()


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
    with reading(store, wait) as con:
        parts = []
        for kind in KINDS:
            parts.append(
                con.execute(
                    f"""
                    SELECT '{kind}' AS kind, r.row_key, r.unit, s.file, s.id AS submission_id,
                           r.received, r.src_row, {_deleted_expr(con, kind)} AS deleted,
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
    out["change"] = (
        out["corrected"].map({True: "更正", False: "新增"}).where(~out["deleted"], "删除")
    )
    out["key"] = out["row_key"].str.replace("\x1f", " / ")
    return out.drop(columns=["row_key", "corrected", "deleted"]).sort_values(
        ["received", "kind", "key"], ignore_index=True
    )


# --------------------------------------------------------------------------- purge

PURGED = "已清除#{n}"


@dataclass
class Finding:
    """Personal data found in the store: where, what, in how many row versions. The value
    itself is kept only in memory, to replace it, and is never shown."""

    table: str
    column: str
    what: str
    shown: str  # masked
    versions: int
    value: str = field(repr=False, default="")


# Bump when the privacy check finds more than before: stores scanned clean under an older
# version are scanned again on the next ingest.
PRIVACY_SCAN = "2"
_NOT_LEDGER_TEXT = {"sha256"}  # our own hex digests, not text from a ledger


def _text_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? AND data_type = 'VARCHAR'",
        [table],
    ).fetchall()
    return [r[0] for r in rows if r[0] not in _NOT_LEDGER_TEXT]


def _scanned_clean(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store was found free of personal data by this version's check (rows
    stored since then passed the loader, which refuses personal data)."""
    row = con.execute("SELECT value FROM store_meta WHERE key = 'privacy_scan'").fetchall()
    return bool(row) and row[0][0] == PRIVACY_SCAN


def _mark_clean(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT OR REPLACE INTO store_meta VALUES ('privacy_scan', ?)", [PRIVACY_SCAN])


def find_personal_data(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every stored text value, in every version of every row and in the submissions
    log, that holds a resident ID or mobile number (the loader's own check)."""
    found = []
    tables = [f"rows_{k}" for k in KINDS] + ["submissions"]
    for table in tables:
        for col in _text_columns(con, table):
            rows = con.execute(
                f'SELECT "{col}", count(*) FROM {table} WHERE "{col}" IS NOT NULL '
                f"AND length(regexp_replace(\"{col}\", '[^0-9０-９]', '', 'g')) >= 11 "
                f'GROUP BY "{col}"'
            ).fetchall()
            for value, n in rows:
                what = detect(value)
                if what:
                    found.append(Finding(table, col, what, mask_text(value), n, value))
    return found


def purge(
    store: str | Path, apply: bool = False, wait: float = 60.0
) -> tuple[list[Finding], dict[str, int]]:
    """Find personal data already in the store (stored before the loader refused it) and,
    with ``apply``, erase it from every version of every row.

    Each value is replaced by 已清除#n; keys and content hashes that were made from it
    are made again; the purge is recorded (what, where, how many versions; never the
    value) in the ``purges`` table and as a line of the submissions log. Finally the
    store is rewritten into a fresh file, because a database keeps old values in its
    free blocks. Returns the findings and the row counts, equal before and after.
    """
    path = Path(store)
    if not path.exists():
        raise BaiyiError(f"找不到台账库:{path}")
    con = connect(path, wait=wait)
    try:
        found = find_personal_data(con)
        counts = _row_counts(con)
        if not apply or not found:
            return found, counts
        con.execute("BEGIN TRANSACTION")
        try:
            _erase(con, found)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        _mark_clean(con)
        fresh = path.with_name(f".{path.name}.purged")
        fresh.unlink(missing_ok=True)
        name = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH '{fresh}' AS fresh_store")
        con.execute(f'COPY FROM DATABASE "{name}" TO fresh_store')
        con.execute("DETACH fresh_store")
    except ENVIRONMENT as exc:
        raise store_error(exc, path, "清除") from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
    os.replace(fresh, path)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    with reading(path, wait) as check:
        after = _row_counts(check)
        left = find_personal_data(check)
    expected = {**counts, "submissions": counts["submissions"] + 1}  # the purge's own line
    if after != expected or left:
        raise StoreDamaged(f"清除后核对不一致(行数 {counts} → {after}),请用备份恢复后重试")
    return found, after


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [f"rows_{k}" for k in KINDS] + ["submissions"]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def _erase(con: duckdb.DuckDBPyConnection, found: list[Finding]) -> None:
    """Replace each value everywhere it is stored; remake keys and hashes; log it."""
    replacement = {}
    for f in found:
        replacement.setdefault(f.value, PURGED.format(n=len(replacement) + 1))
    for f in found:
        con.execute(
            f'UPDATE {f.table} SET "{f.column}" = ? WHERE "{f.column}" = ?',
            [replacement[f.value], f.value],
        )
    for kind in KINDS:
        table = f"rows_{kind}"
        touched = [f for f in found if f.table == table]
        if not touched:
            continue
        marks = list({replacement[f.value] for f in touched})
        where = " OR ".join(
            f'"{c}" IN ({", ".join("?" * len(marks))})' for c in _text_columns(con, table)
        )
        rows = con.execute(
            f"SELECT rowid, * FROM {table} WHERE {where}", marks * len(_text_columns(con, table))
        ).df()
        rows["row_key"] = _row_key(kind, rows)
        rows["content"] = _content(kind, rows)
        con.register("remade", rows[["rowid", "row_key", "content"]])
        con.execute(
            f"UPDATE {table} SET row_key = remade.row_key, content = remade.content "
            f"FROM remade WHERE {table}.rowid = remade.rowid"
        )
        con.unregister("remade")
    con.execute(
        "CREATE TABLE IF NOT EXISTS purges (purge_id BIGINT, purged_at TIMESTAMP, tbl VARCHAR, "
        "col VARCHAR, what VARCHAR, versions BIGINT, replaced_by VARCHAR)"
    )
    pid = con.execute("SELECT coalesce(max(purge_id), 0) + 1 FROM purges").fetchone()[0]
    now = dt.datetime.now()
    for f in found:
        con.execute(
            "INSERT INTO purges VALUES (?, ?, ?, ?, ?, ?, ?)",
            [pid, now, f.table, f.column, f.what, f.versions, replacement[f.value]],
        )
    sid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchone()[0]
    note = f"清除个人信息(第 {pid} 次,{len(replacement)} 个值,{sum(f.versions for f in found)} 处)"
    con.execute(
        "INSERT INTO submissions VALUES (?, ?, NULL, ?, ?, '', 'purge', 0)",
        [sid, note, now, now],
    )


def return_gaps(store: str | Path, known_at: dt.datetime | None = None) -> pd.DataFrame:
    """Units whose latest weekly return (as known at ``known_at``) lacks a weekly kind that
    an earlier return of theirs carried: unit, kind, file, received."""
    subs = submissions(store)
    subs = subs[subs["kind"].isin(WEEKLY_KINDS) & (subs["rows"] > 0)]
    if known_at is not None:
        subs = subs[subs["received"] <= pd.Timestamp(known_at)]
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
