"""Files that people keep (reports, receipts, exports): written whole or not at all; and
the private folders report runs work in, cleaned up after runs that were killed.

A file is written to a temporary file beside it and renamed over the old one only when
complete, so a full disk, a read-only disk or an interrupted run leaves the previous file
as it was. When the disk says no, the error names the file, says why in words a clerk
reads, and says what is left (OutputNotWritable, exit 5).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputNotWritable, ReportError

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


# --------------------------------------------------------------------------- what killed runs leave

RUN_PREFIX = "baiyi-kernel-"  # a run's private folder in the temp dir
STALE_AGE = 3600  # seconds: no hidden file baiyi writes in a report folder lives this long
REPORT_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")  # reports/<as_of>/


@contextlib.contextmanager
def run_folder() -> Iterator[Path]:
    """A fresh private folder in the temp dir for one run (its kernel's sockets and
    connection file, the notebook as papermill writes it), removed after the run.

    The run holds an exclusive flock on the folder while it lasts; the lock goes with the
    process, so the folder of a killed run is one nobody holds, and clean_stale removes it.
    """
    folder, fd = _held_folder()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def _held_folder() -> tuple[Path, int]:
    """A new run folder and the descriptor that holds its lock. A cleaner may take a
    folder between its making and its locking: then the folder is gone, and another is
    made."""
    for _ in range(10):
        folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(fd), os.stat(folder)):
                return folder, fd
        os.close(fd)
    raise ReportError(f"无法在临时文件夹 {tempfile.gettempdir()} 中建立运行用的文件夹")


def clean_stale(out_root: Path) -> list[str]:
    """Remove what killed runs left behind, and say nothing about it: run folders in the
    temp dir that no living run holds, and hidden partial files (``.*.ipynb`` of older
    versions, ``.*.tmp``) in the report folders untouched for STALE_AGE.

    Returns one Chinese note for each that could not be removed (the only thing the user
    hears of this)."""
    notes = []
    for folder in Path(tempfile.gettempdir()).glob(RUN_PREFIX + "*"):
        notes += _remove_unheld(folder)
    for path in _stale_partials(out_root):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            notes.append(_cannot_remove(path, exc))
    return notes


def _remove_unheld(folder: Path) -> list[str]:
    """Remove one run folder of ours if no run holds it; [] or a note if it stays."""
    try:
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            return []  # not a folder baiyi made, or another user's: not ours to remove
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return []  # gone meanwhile (its run ended)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return []  # a run is using it
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        return [_cannot_remove(folder, exc)]
    finally:
        os.close(fd)
    return []


def _stale_partials(out_root: Path) -> list[Path]:
    """Hidden partial files in the reports folder and its <as_of> folders, untouched for
    STALE_AGE (a live run rewrites or renames its own within seconds)."""
    if not out_root.is_dir():
        return []
    folders = [out_root, *(p for p in out_root.iterdir() if REPORT_FOLDER.fullmatch(p.name))]
    before = time.time() - STALE_AGE
    return [
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.glob(".*")
        if p.suffix in (".ipynb", ".tmp") and p.is_file() and p.stat().st_mtime < before
    ]


def _cannot_remove(path: Path, exc: OSError) -> str:
    """The note for a leftover that could not be removed."""
    why = NOT_WRITABLE.get(exc.errno or 0, exc.strerror or "原因不明")
    what = "临时文件夹" if path.is_dir() else "临时文件"
    return f"提示:无法清除此前中断的运行留下的{what} {path}({why}),可手工删除。"
