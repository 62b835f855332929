"""The real extent of binary and OpenDocument workbooks (.xlsb, .ods), read from their
parts as they are streamed, for guard.inspect_file: a sheet's highest row and column that
hold a cell, so that a sparse giant sheet is refused before it is loaded."""

from __future__ import annotations

import io
import struct
import zipfile
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as ET
from defusedxml.common import DefusedXmlException

from ..params import Limits
from .zipparts import (
    _CHUNK,
    Comment,
    _extent_refusal,
    _join,
    _read_small,
    column_letter,
)


def _varint(buf: io.BufferedIOBase, max_bytes: int) -> int | None:
    value = 0
    for i in range(max_bytes):
        b = buf.read(1)
        if not b:
            return None if i == 0 else value
        value |= (b[0] & 0x7F) << (7 * i)
        if not b[0] & 0x80:
            break
    return value


def _xlsb_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Binary worksheet part → sheet name, from workbook.bin's BrtBundleSh records."""
    try:
        rels = ET.fromstring(_read_small(zf, "xl/_rels/workbook.bin.rels", 16 << 20))
    except (ParseError, DefusedXmlException):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    buf = io.BytesIO(_read_small(zf, "xl/workbook.bin", 16 << 20))
    while (rtype := _varint(buf, 2)) is not None:
        data = buf.read(_varint(buf, 4) or 0)
        if rtype != 0x9C or len(data) < 12:
            continue
        try:  # hsState, iTabID, strRelID, strName (wide strings: length, UTF-16)
            n = struct.unpack_from("<I", data, 8)[0]
            rel = data[12 : 12 + 2 * n].decode("utf-16-le")
            m = struct.unpack_from("<I", data, 12 + 2 * n)[0]
            name = data[16 + 2 * n : 16 + 2 * n + 2 * m].decode("utf-16-le")
        except (struct.error, UnicodeDecodeError):
            continue
        target = targets.get(rel, "")
        out[target.lstrip("/") if target.startswith("/") else _join("xl", target)] = name
    return out


def _xlsb_extents(zf: zipfile.ZipFile, limits: Limits) -> dict[str, tuple[int, int]]:
    """Highest row (BrtRowHdr) and column (cell records 1–18) per binary worksheet, and
    the declared dimension (BrtWsDim), which the reader uses to size its cell buffer."""
    out = {}
    names = _xlsb_sheet_parts(zf)
    listed = set(zf.namelist())
    parts = {p for p in names if p in listed}  # every part named as a sheet, wherever it is
    parts |= {n for n in listed if n.startswith("xl/worksheets/") and n.endswith(".bin")}
    for part in sorted(parts):
        max_row = max_col = 0
        with zf.open(part) as raw:
            buf = io.BufferedReader(raw, _CHUNK)
            while (rtype := _varint(buf, 2)) is not None:
                size = _varint(buf, 4) or 0
                data = buf.read(size)
                if rtype == 0x94 and len(data) >= 16:  # BrtWsDim: rows and columns, last
                    _, last_row, _, last_col = struct.unpack_from("<IIII", data)
                    max_row, max_col = max(max_row, last_row + 1), max(max_col, last_col + 1)
                elif rtype == 0 and len(data) >= 4:
                    max_row = max(max_row, struct.unpack_from("<I", data)[0] + 1)
                elif 1 <= rtype <= 18 and len(data) >= 4:
                    max_col = max(max_col, struct.unpack_from("<I", data)[0] + 1)
                if max_row > limits.max_rows or max_col > limits.max_columns:
                    break
        out[names.get(part, part)] = (max_row, max_col)
    return out


_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_scan(
    zf: zipfile.ZipFile, limits: Limits
) -> tuple[dict[str, tuple[int, int]], list[Comment]]:
    """Highest row and column holding content per sheet (repeats expanded arithmetically,
    never in memory), and the cell annotations."""
    extents: dict[str, tuple[int, int]] = {}
    comments: list[Comment] = []
    sheet, row, max_row, max_col = "", 0, 0, 0
    with zf.open("content.xml") as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == f"{_T}table":
                    sheet, row, max_row, max_col = el.get(f"{_T}name", ""), 0, 0, 0
                continue
            if tag == f"{_T}table-row":
                reps = int(el.get(f"{_T}number-rows-repeated", "1"))
                col, filled = 0, 0
                for cell in el:
                    n = int(cell.get(f"{_T}number-columns-repeated", "1"))
                    has = len(cell) or cell.get(f"{_O}value-type")
                    if has:
                        filled = col + n
                        for note in cell.iter(f"{_O}annotation"):
                            ref = f"{column_letter(col + 1)}{row + 1}"
                            comments.append(Comment(sheet, ref, "".join(note.itertext())))
                    col += n
                if filled:
                    max_row, max_col = row + reps, max(max_col, filled)
                row += reps
                el.clear()
            elif tag == f"{_T}table":
                extents[sheet] = (max_row, max_col)
                if _extent_refusal(sheet, max_row, max_col, limits):
                    break
                el.clear()
    return extents, comments
