"""Files that people keep (reports, receipts, exports): written whole or not at all.

A file is written to a temporary file beside it and renamed over the old one only when
complete, so a full disk, a read-only disk or an interrupted run leaves the previous file
as it was. When the disk says no, the error names the file, says why in words a clerk
reads, and says what is left (OutputNotWritable, exit 5).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from ..errors import OutputNotWritable

_UMASK = os.umask(0)
os.umask(_UMASK)

# The errors that mean "this disk or folder takes no file now", in a clerk's words.
NOT_WRITABLE = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "磁盘或文件夹只读",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
}


def shared_mode(path: str | os.PathLike) -> None:
    """Give a file made by mkstemp (0600) the mode of any other file the user makes: a
    shared report must be readable by the office."""
    os.chmod(path, 0o666 & ~_UMASK)


def not_writable(target: Path, exc: OSError) -> OutputNotWritable:
    """The Chinese error for a file the disk refused: which file, why, and what is left
    (the previous file unchanged, or no file at all)."""
    why = NOT_WRITABLE.get(exc.errno or 0, exc.strerror or "写入失败")
    with contextlib.suppress(OSError):
        if target.exists():
            return OutputNotWritable(f"无法写入 {target}:{why};原有的文件未改动。")
    return OutputNotWritable(f"无法写入 {target}:{why};未生成该文件。")


def atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all (see atomic_write_all)."""
    atomic_write_all({target: data})


def atomic_write_all(files: dict[Path, bytes]) -> None:
    """Write several files as one: each to a temporary file beside its target, synced,
    and only when all are complete renamed over their targets.

    On any failure every temporary file is removed and no target is changed. A disk that
    is full or read-only, or a folder without write permission, raises OutputNotWritable
    (exit 5) naming the file that could not be written; other errors propagate unchanged.
    """
    temps: dict[Path, str] = {}
    current = next(iter(files))
    try:
        for current, data in files.items():
            temps[current] = _write_temporary(current, data)
        for current, tmp in temps.items():
            os.replace(tmp, current)
    except OSError as exc:
        if exc.errno not in NOT_WRITABLE:
            raise
        raise not_writable(current, exc) from None
    finally:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)  # gone already where the rename was done


def _write_temporary(target: Path, data: bytes) -> str:
    """``data`` in a new temporary file beside ``target`` (hidden, synced, with a shared
    mode); the file never outlives a failure."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        shared_mode(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp
