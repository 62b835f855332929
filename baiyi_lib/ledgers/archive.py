"""Returns sent as a zip (周五报送.zip), and file names that kept GBK bytes.

A zip made on Chinese Windows stores its member names in GBK without saying so (the
UTF-8 flag unset); unzipped on Linux, the names keep those bytes. Both are read: a name
is decoded as the zip's flag says, else as UTF-8 if it is valid UTF-8, else as GB18030.

A zip is unpacked into a private temporary folder under the same limits as a workbook
(limits.yaml: its uncompressed size, its number of members), member by member and never
past what its directory declares; a member outside the archive's own folder (``..``, an
absolute path), a link, or a zip inside the zip is not unpacked but listed as not read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..params import Limits

UTF8_FLAG = 0x800
MAX_MEMBERS = 2000


def decoded_name(name: str) -> str:
    """A file name as people wrote it: one that kept undecodable bytes (surrogate-escaped
    by Python) is decoded as GB18030."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return raw.decode("gb18030", errors="replace")


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as written: the zip's UTF-8 flag, else UTF-8 if the bytes are
    valid UTF-8, else GB18030 (Windows in Chinese)."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


@contextlib.contextmanager
def unpacked(path: Path, limits: Limits) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    """Unpack a zip into a temporary folder; yields (folder, [(member, why not unpacked)]).
    Raises ArchiveRefused when the zip can't be opened or is over the limits."""
    folder = Path(tempfile.mkdtemp(prefix="baiyi-zip-"))
    try:
        skipped = _unpack(path, folder, limits)
        yield folder, skipped
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class ArchiveRefused(Exception):
    """A zip that is not read at all: (problem, expected) in Chinese."""


def _unpack(path: Path, folder: Path, limits: Limits) -> list[tuple[str, str]]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused(
            "压缩包已损坏,无法打开", f"重新打包后报送({type(exc).__name__})"
        ) from None
    skipped: list[tuple[str, str]] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if len(infos) > MAX_MEMBERS or total > limits.max_uncompressed_bytes:
            raise ArchiveRefused(
                f"压缩包有 {len(infos)} 个文件、解压后约 {total / 1e6:.0f} MB,超过读取限度,未解压",
                f"不超过 {MAX_MEMBERS} 个文件、{limits.max_uncompressed_bytes // 1_000_000} MB",
            )
        for info in infos:
            name = member_name(info)
            why = _refuse_member(info, name)
            if why:
                skipped.append((name, why))
                continue
            target = folder.joinpath(*PurePosixPath(name.replace("\\", "/")).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                target.unlink(missing_ok=True)
                skipped.append((name, f"压缩包中的这个文件已损坏,无法解压({type(exc).__name__})"))
    return skipped


def _refuse_member(info: zipfile.ZipInfo, name: str) -> str:
    """Why a member is not unpacked (empty: it is)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return "路径指向压缩包以外,不解压"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "符号链接,不解压"
    if info.flag_bits & 0x1:
        return "设置了密码,无法解压"
    if name.lower().endswith(".zip"):
        return "压缩包中的压缩包,不解压;请直接报送其中的台账"
    return ""
