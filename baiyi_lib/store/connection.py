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

from ..errors import BaiyiError, StoreBusy, StoreDamaged, StoreError, StoreNotWritable
from .layout import (
    SCHEMA_VERSION,
    _check_version,
    _tables,
    check_shape,
    migrate,
    schema_version,
)

# Every DuckDB failure becomes a StoreError with its own message (busy, not writable,
# damaged): the schema is checked when the store is opened, so a failure of our SQL on it
# means the file is not what it should be
ENVIRONMENT = (duckdb.Error,)

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
