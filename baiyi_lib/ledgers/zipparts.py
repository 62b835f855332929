"""Reading the parts of a workbook's zip without trusting it: a part read only up to a size,
streamed in chunks, relative targets resolved, column letters; the extent check and the
cell comments shared by the format-specific scans (guard, oldformats)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from ..params import Limits

_CHUNK = 1 << 20


@dataclass
class Comment:
    """Text of a workbook that is not a cell (a comment, the document's properties, a
    printed header or footer, a defined name): where it is, and the text."""

    sheet: str
    ref: str
    text: str
    where: str = "批注"


def _too_big(n: int, limits: Limits) -> tuple[str, str]:
    return (
        f"文件解压后超过 {limits.max_uncompressed_bytes // 1_000_000} MB(约 {n / 1e6:.0f} MB),"
        "疑似异常文件,未读取",
        "正常大小的台账文件(见 params/limits.yaml)",
    )


def _extent_refusal(sheet: str, rows: int, cols: int, limits: Limits) -> tuple[str, str] | None:
    if rows <= limits.max_rows and cols <= limits.max_columns and rows * cols <= limits.max_cells:
        return None
    corner = f"{column_letter(cols)}{rows}"
    return (
        f"工作表「{sheet}」的数据范围为 A1:{corner}({rows} 行 × {cols} 列),超过读取限度,未读取",
        f"不超过 {limits.max_rows} 行、{limits.max_columns} 列;"
        "请删除远处的单元格(Ctrl+End 可定位到最后一个单元格)后重新保存",
    )


def column_letter(n: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


def column_number(letters: str) -> int:
    """A → 1, XFD → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _read_small(zf: zipfile.ZipFile, name: str, limit: int = 1 << 20) -> bytes:
    try:
        with zf.open(name) as fh:
            return fh.read(limit)
    except KeyError:
        return b""


def _stream(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The part's bytes in chunks; zipfile stops at the declared size and checks the CRC,
    so a part can't inflate past what the directory says."""
    with zf.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _join(folder: str, target: str) -> str:
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)
