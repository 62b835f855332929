"""Opening the store: the lock, every failure as a Chinese error with its exit code, the
schema version with its numbered migrations, and a purge's rewrite left pending.

- One writer at a time: DuckDB locks the file; a second process waits up to ``wait``
  seconds, then gets StoreBusy (exit 4) instead of a crash.
- The store records its schema version (``store_meta.schema_version``). An older store is
  migrated in one transaction when it is opened; a newer one (or one with tables or
  columns this version does not know) is refused whole with StoreTooNew (exit 6) and left
  as it is, never read half-understood.
- A purge commits the erase together with a ``rewrite_pending`` mark; the file is then
  rewritten so that no free block keeps an erased value. A rewrite that did not finish
  (a kill, a full disk) is finished on the next writable open.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from ..errors import BaiyiError, StoreBusy, StoreDamaged, StoreError, StoreNotWritable, StoreTooNew
from ..ledgers.schema import KINDS, SCHEMAS, UNITLESS

# Every DuckDB failure becomes a StoreError with its own message (busy, not writable,
# damaged): the schema is checked when the store is opened, so a failure of our SQL on it
# means the file is not what it should be
ENVIRONMENT = (duckdb.Error,)

SCHEMA_VERSION = 6
PROVENANCE = ["src_file", "src_sheet", "src_row"]
_SQL_TYPES = {
    "date": "DATE", "opt_date": "DATE", "bool": "BOOLEAN", "opt_bool": "BOOLEAN",
    "persons": "BIGINT", "moment": "TIMESTAMP", "opt_moment": "TIMESTAMP",
}  # fmt: skip
# The contract's columns added to ledgers that existed before (the plan's duties: 四(三) in
# version 4, 四(一) in version 6); a row's content hash covers them only where one is
# filled, so a row stored before keeps its hash
ADDED_LATER = {
    "visits": ("head_present", "head_present_on", "at_bureau"),
    "backlog": ("lead_post", "consulted_on", "reviewed_on", "heard_on"),
}


# The yes/no columns a method declares for a ledger (rules.yaml ``columns``: 已预警…) are
# stored as one JSON text per row ({"warned": true}); NULL where the method declared none
DECLARED = "declared"


# 实施方案 五、四: the one-off documents' receipts (store.documents), never their content
DOCUMENTS_TABLE = (
    "CREATE TABLE IF NOT EXISTS documents (submission_id BIGINT, received TIMESTAMP, "
    "ingested TIMESTAMP, unit VARCHAR, kind VARCHAR, sha256 VARCHAR, bytes BIGINT)"
)


def ledger_columns(kind: str) -> list[str]:
    """A ledger's columns as stored: the contract's (English names) and the method's
    declared columns in one text column (``DECLARED``)."""
    return [*contract_columns(kind), DECLARED]


def contract_columns(kind: str) -> list[str]:
    """The contract's columns of a ledger (ledger-format), English names; a register of no
    unit (UNITLESS: 接访值班表) is stored with an empty unit, as every scope query asks it."""
    names = [c.name for c in SCHEMAS[kind]]
    return [*names, "unit"] if kind in UNITLESS else names


def version_columns(kind: str) -> list[str]:
    """Every column of ``rows_<kind>``, in order: one row version each."""
    return ["row_key", "content", "submission_id", "received", *ledger_columns(kind),
            *PROVENANCE, "deleted", "change"]  # fmt: skip


def _rows_table_sql(kind: str) -> str:
    cols = ", ".join(f"{c.name} {_SQL_TYPES.get(c.type, 'VARCHAR')}" for c in SCHEMAS[kind])
    if kind in UNITLESS:
        cols += ", unit VARCHAR"
    return (
        f"CREATE TABLE IF NOT EXISTS rows_{kind} (row_key VARCHAR, content BIGINT, "
        f"submission_id BIGINT, received TIMESTAMP, {cols}, "
        "src_file VARCHAR, src_sheet VARCHAR, src_row BIGINT, deleted BOOLEAN DEFAULT false)"
    )


# --------------------------------------------------------------------------- migrations


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: the layout before versions were recorded (submissions with their units
    and kinds as text; row versions with a deletion mark). Idempotent, so that it both
    creates a fresh store and completes one made before deletions were recorded."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS submissions (id BIGINT PRIMARY KEY, file VARCHAR, "
        "sha256 VARCHAR, received TIMESTAMP, ingested TIMESTAMP, units VARCHAR, "
        "kinds VARCHAR, rows_read BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS submission_counts (submission_id BIGINT, kind VARCHAR, "
        "rows BIGINT, new BIGINT, changed BIGINT, unchanged BIGINT, deleted BIGINT DEFAULT 0)"
    )
    con.execute("ALTER TABLE submission_counts ADD COLUMN IF NOT EXISTS deleted BIGINT DEFAULT 0")
    con.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(
        "CREATE TABLE IF NOT EXISTS purges (purge_id BIGINT, purged_at TIMESTAMP, tbl VARCHAR, "
        "col VARCHAR, what VARCHAR, versions BIGINT, replaced_by VARCHAR)"
    )
    for kind in KINDS:
        con.execute(_rows_table_sql(kind))
        con.execute(
            f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT false"
        )


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2: batches, withdrawals, and each submission's units in a table of their own
    (not a comma-joined string). ``action`` says what a submissions line records:
    ingest (a file), withdraw (撤回 of ``withdraws``), purge."""
    con.execute("CREATE TABLE submission_units (submission_id BIGINT, unit VARCHAR)")
    con.execute(
        "INSERT INTO submission_units SELECT id, unnest(string_split(units, ',')) AS unit "
        "FROM submissions WHERE coalesce(units, '') <> ''"
    )
    con.execute("DELETE FROM submission_units WHERE unit = ''")
    con.execute("ALTER TABLE submissions ADD COLUMN batch BIGINT")
    con.execute("ALTER TABLE submissions ADD COLUMN action VARCHAR")
    con.execute("ALTER TABLE submissions ADD COLUMN withdraws BIGINT")
    con.execute(
        "UPDATE submissions SET batch = id, "
        "action = CASE WHEN kinds = 'purge' THEN 'purge' ELSE 'ingest' END"
    )
    con.execute("ALTER TABLE submissions DROP COLUMN units")
    con.execute("ALTER TABLE submissions DROP COLUMN kinds")
    # what a return replaces: (kind, unit) of a unit's ledger, unit NULL for the whole
    # ledger of that kind (the office's register); partial files (补报) have none
    con.execute("CREATE TABLE submission_scope (submission_id BIGINT, kind VARCHAR, unit VARCHAR)")
    # the rows a submission's scope took away (a record for 变化说明 and receipts)
    con.execute(
        "CREATE TABLE submission_deletions (submission_id BIGINT, kind VARCHAR, "
        "row_key VARCHAR, unit VARCHAR, src_row BIGINT)"
    )
    for kind in KINDS:  # what each version did when it was written: new, changed, unchanged
        con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS change VARCHAR")
        con.execute(
            f"UPDATE rows_{kind} SET change = CASE WHEN deleted THEN 'deleted' ELSE 'changed' END"
        )


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3: the yes/no columns a method declares (已预警…), one JSON text per row."""
    for kind in KINDS:
        con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS {DECLARED} VARCHAR")


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    """Version 4: the duties' optional columns (主要负责人到场, 包案领导, the meetings)."""
    for kind, names in ADDED_LATER.items():
        for c in SCHEMAS[kind]:
            if c.name in names and c.name != "at_bureau":  # version 6
                sql_type = _SQL_TYPES.get(c.type, "VARCHAR")
                con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS {c.name} {sql_type}")


def _v5(con: duckdb.DuckDBPyConnection) -> None:
    """Version 5: the 预警信息 register (实施方案 四(二)), a ledger of its own."""
    con.execute(_rows_table_sql("warnings"))
    for column, sql_type in (("change", "VARCHAR"), (DECLARED, "VARCHAR")):
        con.execute(f"ALTER TABLE rows_warnings ADD COLUMN IF NOT EXISTS {column} {sql_type}")


def _v6(con: duckdb.DuckDBPyConnection) -> None:
    """Version 6: the 局领导接访值班表 (实施方案 四(一)), a register of no unit, the
    visits' 来局走访 column, and the one-off documents' receipts (五、四)."""
    con.execute(_rows_table_sql("roster"))
    for column, sql_type in (("change", "VARCHAR"), (DECLARED, "VARCHAR")):
        con.execute(f"ALTER TABLE rows_roster ADD COLUMN IF NOT EXISTS {column} {sql_type}")
    con.execute("ALTER TABLE rows_visits ADD COLUMN IF NOT EXISTS at_bureau BOOLEAN")
    con.execute(DOCUMENTS_TABLE)  # 实施方案 五、四: one-off documents, their receipt only


MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6,
}  # fmt: skip
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def expected_columns() -> dict[str, list[str]]:
    """The tables and columns of a store at ``SCHEMA_VERSION``."""
    out = {
        "submissions": ["id", "file", "sha256", "received", "ingested", "rows_read", "batch",
                        "action", "withdraws"],
        "submission_units": ["submission_id", "unit"],
        "submission_scope": ["submission_id", "kind", "unit"],
        "submission_deletions": ["submission_id", "kind", "row_key", "unit", "src_row"],
        "submission_counts": ["submission_id", "kind", "rows", "new", "changed", "unchanged",
                              "deleted"],
        "store_meta": ["key", "value"],
        "purges": ["purge_id", "purged_at", "tbl", "col", "what", "versions", "replaced_by"],
        "documents": ["submission_id", "received", "ingested", "unit", "kind", "sha256", "bytes"],
    }  # fmt: skip
    out.update({f"rows_{k}": version_columns(k) for k in KINDS})
    return out


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version: 0 for a new file or a store from before versions were
    recorded (both are brought up to date by every migration, in order)."""
    tables = _tables(con)
    row = (
        con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
        if "store_meta" in tables
        else []
    )
    if not row:  # no mark: a store that lost it, or one from before versions were recorded
        if "action" not in tables.get("submissions", []):
            return 0
        visits = tables.get("rows_visits", [])
        if "documents" in tables:
            return 6
        if "rows_warnings" in tables:
            return 5
        return 4 if "head_present" in visits else 3 if DECLARED in visits else 2
    value = str(row[0][0])
    return int(value) if value.isdigit() else -1  # -1: not a version any baiyi wrote


def _too_new(path: Path, why: str) -> StoreTooNew:
    return StoreTooNew(
        f"台账库 {path} {why},可能由更新版本的 baiyi 写入。为免读错或写坏,本版本不读取也不"
        "改动它;请用写入它的(更新的)版本,或联系维护人员。"
    )


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Bring the store to ``SCHEMA_VERSION`` in one transaction; return the version found.
    A newer store is refused (StoreTooNew) before anything is changed."""
    found = schema_version(con)
    _check_version(con, path, found)
    if found == SCHEMA_VERSION:
        return found
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](con)
        con.execute(
            "INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return found


def _check_version(con: duckdb.DuckDBPyConnection, path: Path, found: int) -> None:
    """A version this baiyi can read, or StoreTooNew naming the version as recorded."""
    if 0 <= found <= SCHEMA_VERSION:
        return
    raw = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
    written = raw[0][0] if raw else "?"
    raise _too_new(path, f"的结构版本记为「{written}」,本版本只认识 1 到 {SCHEMA_VERSION}")


def check_shape(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A store at this version has exactly the tables and columns this version writes: an
    unknown table or column (from a newer version, or added by hand) is StoreTooNew, a
    missing one StoreDamaged."""
    have, want = _tables(con), expected_columns()
    extra_tables = sorted(set(have) - set(want))
    if extra_tables:
        raise _too_new(path, f"中有本版本不认识的表({'、'.join(extra_tables)})")
    for table, columns in want.items():
        extra = [c for c in have.get(table, []) if c not in columns]
        if extra:
            raise _too_new(path, f"的表 {table} 中有本版本不认识的列({'、'.join(extra)})")
        missing = [c for c in columns if c not in have.get(table, [])]
        if missing:
            raise StoreDamaged(
                f"台账库 {path} 的表 {table} 缺少列({'、'.join(missing)}),结构已被改动。"
                "请不要删除或覆盖它,用最近的备份恢复,或联系维护人员。"
            )


# --------------------------------------------------------------------------- opening


def _open(path: Path, wait: float, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except ENVIRONMENT as exc:
            if _is_busy(exc) and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise store_error(exc, path, "打开") from None


def _is_busy(exc: Exception) -> bool:
    low = str(exc).lower()
    return "conflicting lock" in low or "could not set lock" in low


def connect(
    path: str | Path, wait: float = 60.0, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait`` seconds for another process's lock.

    A writable open creates or migrates the schema and finishes a purge's pending rewrite;
    a read-only open of an older store migrates it first through a short writable open.
    Each way it can fail has its own error and exit code: busy (4), damaged (3), not
    writable (5), newer than this version (6). Opening never changes a stored row.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise BaiyiError(f"找不到台账库:{path}")
    con = _open(path, wait, read_only)
    try:
        if read_only and 0 <= schema_version(con) < SCHEMA_VERSION:
            con.close()
            _upgrade(path, wait)
            con = _open(path, wait, read_only)
        if not read_only:
            migrate(con, path)
            if rewrite_pending(con):
                rewrite(con, path)
                con = _open(path, wait, read_only)
            else:
                _remove_copies(path)
        _check_version(con, path, schema_version(con))
        check_shape(con, path)
    except ENVIRONMENT as exc:
        with contextlib.suppress(duckdb.Error):
            con.close()
        raise store_error(exc, path, "准备") from None
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.close()
        raise
    return con


def _upgrade(path: Path, wait: float) -> None:
    """Migrate an older store so that it can be read (a short writable open)."""
    try:
        con = _open(path, wait, read_only=False)
    except StoreNotWritable as exc:
        raise StoreNotWritable(
            f"台账库 {path} 由旧版本写入,需要升级结构后才能读取,但{str(exc).split(':', 1)[-1]}"
        ) from None
    try:
        migrate(con, path)
    except ENVIRONMENT as exc:
        raise store_error(exc, path, "升级") from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


@contextlib.contextmanager
def reading(store: str | Path, wait: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; any DuckDB failure while reading becomes a StoreError."""
    con = connect(store, wait=wait, read_only=True)
    try:
        yield con
    except duckdb.Error as exc:
        raise store_error(exc, Path(store), "读取") from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()


@contextlib.contextmanager
def writers_lock(store: str | Path, wait: float = 60.0) -> Iterator[Path]:
    """One writer at a time, for the whole of its work (a purge holds it through the
    rewrite, the swap and the check, when DuckDB's own lock is released): an exclusive
    lock on the store's folder. Yields the store's real path (a symbolic link resolved,
    so that a rewrite replaces the file, never the link). StoreBusy after ``wait``."""
    path = Path(os.path.realpath(store))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"台账库 {store} 正被另一个进程使用(例如另一次载入或清除),请稍后再试。"
                    ) from None
                time.sleep(0.2)
        yield path
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def writing(store: str | Path, wait: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection (the store made if new), under the writers' lock; a DuckDB
    failure while writing becomes a StoreError."""
    with writers_lock(store, wait) as path:
        con = connect(path, wait=wait)
        try:
            yield con
        except duckdb.Error as exc:
            raise store_error(exc, Path(store), "写入") from None
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed whole or rolled back whole. A store that could not write
    (disk full) may refuse the rollback too: the transaction is void either way, and the
    first error is the one to report."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def store_error(exc: Exception, path: Path, doing: str) -> StoreError:
    """The Chinese error for a DuckDB failure on the store, by what went wrong."""
    text = str(exc)
    low = text.lower()
    if _is_busy(exc):
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


# --------------------------------------------------------------------------- rewrite


REWRITE_PENDING = "rewrite_pending"


def rewrite_pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a purge erased values and the file has not yet been rewritten."""
    if "store_meta" not in _tables(con):
        return False
    return bool(con.execute("SELECT 1 FROM store_meta WHERE key = ?", [REWRITE_PENDING]).fetchall())


def _copy_path(path: Path) -> Path:
    """The rewrite's copy beside the store (a short name: the store's may be long)."""
    tag = hashlib.sha1(path.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return path.with_name(f".baiyi-rewrite-{tag}")


def _remove_copies(path: Path) -> None:
    for leftover in (_copy_path(path), Path(f"{_copy_path(path)}.wal")):
        leftover.unlink(missing_ok=True)


def rewrite(
    con: duckdb.DuckDBPyConnection, path: Path, step: Callable[[str], None] = lambda s: None
) -> None:
    """Rewrite the store into a fresh file, so that no free block of the old one keeps an
    erased value, and swap it in (``os.replace``). ``con`` is closed on return. The mark
    ``rewrite_pending`` is cleared in the copy only, so a kill at any step leaves either the
    old file (still marked: the next open finishes) or the new one (clean, unmarked).
    A full disk raises StoreNotWritable naming what is done and what is not."""
    copy = _copy_path(path)
    _remove_copies(path)
    try:
        step("copy")
        con.execute("ATTACH ? AS fresh_store", [str(copy)])
        name = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f'COPY FROM DATABASE "{name}" TO fresh_store')
        con.execute("DELETE FROM fresh_store.store_meta WHERE key = ?", [REWRITE_PENDING])
        con.execute("DETACH fresh_store")
        step("checkpoint")
        con.execute("CHECKPOINT")
        con.close()
    except ENVIRONMENT as exc:
        with contextlib.suppress(duckdb.Error):
            con.close()
        _remove_copies(path)
        error = store_error(exc, path, "重写")
        if isinstance(error, StoreNotWritable):
            raise StoreNotWritable(
                f"个人信息已从台账库 {path} 的所有版本中清除(已提交),但重写文件时写不进去"
                f"({'磁盘空间已满' if '磁盘' in str(error) else '文件或文件夹只读'}):"
                "旧的数据块中可能仍留有原值。请腾出空间(约为台账库文件的大小)或改为可写后,"
                "再运行 baiyi purge,它会先完成重写。"
            ) from None
        raise error from None
    wal = Path(f"{path}.wal")
    if wal.exists():  # the old file's log must never meet the new file
        _remove_copies(path)
        raise StoreError(
            f"台账库 {path} 的日志文件 {wal.name} 未能写回,重写未完成;请稍后重试 baiyi purge"
        )
    step("swap")
    _fsync(copy)
    os.replace(copy, path)
    _fsync(path.parent)
    Path(f"{copy}.wal").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
