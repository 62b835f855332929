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
from typing import Any

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
    errno.EEXIST: "存放它的文件夹位置上是一个文件",
    errno.ENOTDIR: "存放它的文件夹位置上是一个文件",
    errno.EISDIR: "同名的是一个文件夹",
    errno.ENAMETOOLONG: "文件名太长",
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
    if not files:
        return
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
RUN_LOCK = "run.lock"  # in it: held (flock) by the run while it lasts
STALE_AGE = 3600  # seconds: nothing baiyi leaves unlocked lives this long while in use
REPORT_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")  # reports/<as_of>/


@contextlib.contextmanager
def run_folder() -> Iterator[Path]:
    """A fresh private folder in the temp dir for one run (its kernel's sockets and
    connection file, the notebook as papermill writes it; a batch lane's kernel, the
    batch's scores), removed after the run.

    The run holds an exclusive flock on the folder's RUN_LOCK while it lasts; the lock
    goes with the process, so a killed run's folder is one whose lock nobody holds, and
    clean_stale removes it. A temp dir that takes no folder is OutputNotWritable.
    """
    try:
        folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=run_parent()))
    except OSError as exc:
        raise _no_run_folder(exc) from None
    try:
        fd = _hold(folder)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _no_run_folder(exc) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


# A Unix socket's path holds at most 107 bytes: a run folder's kernel listens at
# <temp>/baiyi-kernel-XXXXXXXX/kernel-NNNNN, 36 bytes more than the temp dir's own path.
SOCKET_PATH_MAX = 107
SOCKET_PATH_ROOM = len("/" + RUN_PREFIX + "XXXXXXXX" + "/kernel-65535")
SHORT_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # where a too long temp dir's run goes


def run_parent() -> str:
    """Where run folders are made: the temp dir, unless its path is too long for the
    kernel's sockets (a TMPDIR deep in a home folder); then the first of the system's
    short temp dirs this user can write in. None: OutputNotWritable, saying why."""
    temp = tempfile.gettempdir()
    if _fits(temp):
        return temp
    for short in SHORT_TEMP_DIRS:
        if _fits(short) and os.path.isdir(short) and os.access(short, os.W_OK | os.X_OK):
            return short
    raise OutputNotWritable(
        f"临时文件夹 {temp} 的路径太长(报告程序的通信文件路径不能超过 {SOCKET_PATH_MAX} "
        f"字节),系统临时文件夹也无法写入。请把环境变量 TMPDIR 设为较短的路径后重试。"
    )


def _fits(folder: str) -> bool:
    return len(os.fsencode(folder)) + SOCKET_PATH_ROOM <= SOCKET_PATH_MAX


def _no_run_folder(exc: OSError) -> OutputNotWritable:
    """The error for a temp dir where a run can't make its folder."""
    why = NOT_WRITABLE.get(exc.errno or 0, exc.strerror or "原因不明")
    return OutputNotWritable(
        f"无法在临时文件夹 {tempfile.gettempdir()} 中建立运行用的文件夹({why}),报告未生成。"
    )


def _hold(folder: Path) -> int:
    """Lock a new run folder: the lock file is made and locked under a passing name and
    only then renamed RUN_LOCK, so no cleaner ever finds it unlocked."""
    fd, name = tempfile.mkstemp(prefix=".lock-", dir=folder)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(name, folder / RUN_LOCK)
    return fd


def clean_stale(out_root: Path) -> list[str]:
    """Remove what killed runs left behind, and say nothing about it: our run folders in
    the temp dir that no living run holds, and hidden partial files (``.*.ipynb`` of older
    versions, ``.*.tmp``) in the report folders untouched for STALE_AGE.

    Returns one Chinese note for each that could not be removed (the only thing the user
    hears of this)."""
    notes = []
    parents = dict.fromkeys([tempfile.gettempdir(), *SHORT_TEMP_DIRS])
    for folder in (f for parent in parents for f in Path(parent).glob(RUN_PREFIX + "*")):
        if _stale_folder(folder):
            notes += _remove(folder)
    for path in _stale_partials(out_root):
        notes += _remove(path)
    return notes


def _stale_folder(folder: Path) -> bool:
    """Whether a run folder is ours and no run uses it: its lock is free, or (a folder of
    an older baiyi, or one still being made) it has no lock and is untouched for
    STALE_AGE. Another user's folder, or a link, is never ours."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False  # gone meanwhile: its run ended
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False
    try:
        fd = os.open(folder / RUN_LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return st.st_mtime < time.time() - STALE_AGE
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # a run is using it
    finally:
        os.close(fd)
    return True


def _remove(path: Path) -> list[str]:
    """Remove a leftover file or folder; [] when done (or gone meanwhile), else a note."""
    failed: list[OSError] = []

    def keep(_func: Any, _path: str, exc_info: Any) -> None:
        if not isinstance(exc_info[1], FileNotFoundError):
            failed.append(exc_info[1])

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, onerror=keep)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            failed.append(exc)
    return [_cannot_remove(path, failed[0])] if failed else []


def _stale_partials(out_root: Path) -> list[Path]:
    """Hidden partial files in the reports folder and its <as_of> folders, untouched for
    STALE_AGE (a live run rewrites or renames its own within seconds)."""
    if not out_root.is_dir():
        return []
    folders = [out_root, *(p for p in out_root.iterdir() if REPORT_FOLDER.fullmatch(p.name))]
    return [
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.glob(".*")
        if p.suffix in (".ipynb", ".tmp") and _untouched(p)
    ]


def _untouched(path: Path) -> bool:
    """A file not modified for STALE_AGE (False if it is gone or not a file)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_mtime < time.time() - STALE_AGE


def _cannot_remove(path: Path, exc: OSError) -> str:
    """The note for a leftover that could not be removed."""
    why = NOT_WRITABLE.get(exc.errno or 0, exc.strerror or "原因不明")
    what = "临时文件夹" if path.is_dir() else "临时文件"
    return f"提示:无法清除此前中断的运行留下的{what} {path}({why}),可手工删除。"
