"""Look at a ledger file before reading it: what it really is, and whether it is safe.

- The format comes from the file's first bytes, not its name: a WPS ``.et`` is an Excel
  file inside, a ``.csv`` saved by Excel may be a workbook.
- A workbook with an opening password is named as such (with how to save it plain),
  instead of being called damaged.
- A workbook is read only if it stays within limits.yaml: its uncompressed size (the zip
  directory's sizes, checked as the parts are streamed, so a "zip bomb" is refused
  before it is inflated) and the real extent of every sheet (the highest row and column
  that hold a cell: two cells at A1 and XFD1048576 would make the reader allocate 17
  billion cells).
- Cell comments (批注) are collected so that the privacy check can see them.
- The tool's own export is known (``is_own_export``), so that a folder lists it unread.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree as ET
from defusedxml.common import DefusedXmlException

from ..params import Limits
from .oldformats import _ods_scan, _xlsb_extents
from .zipparts import (
    Comment,
    _extent_refusal,
    _join,
    _read_small,
    _stream,
    _too_big,
    column_number,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".ett", ".xlt", ".xltx")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")  # CSV and Excel's text exports
_ENCRYPTED_NAMES = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))

ENCRYPTED = (
    "文件设置了打开密码(已加密),无法读取",
    "去掉密码后另存:Excel 中 文件 → 信息 → 保护工作簿 → 用密码进行加密,清空密码后保存;"
    "WPS 中 文件 → 文档加密 → 密码加密,清空后保存",
)


@dataclass
class Inspection:
    """What a file is and whether it may be read: ``refusal`` is (problem, expected)."""

    kind: str  # csv, xlsx, xlsb, ods, ole, unknown
    refusal: tuple[str, str] | None = None
    comments: list[Comment] = field(default_factory=list)


def sniff(head: bytes, suffix: str) -> str:
    """The format from the first bytes: zip (xlsx, xlsm, xlsb, ods), ole (xls, et), html
    or xml2003 (a web page or an Excel 2003 XML file named .xls), or csv (a text file,
    whatever its name: a web system's "Excel export" is often tab-separated text)."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")):
        return "html"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "xml2003"
    if suffix in TEXT_SUFFIXES or (suffix in (".xls", ".et") and _text_like(head)):
        return "csv"  # a web system's "Excel" export is often text named .xls (Excel opens it)
    return "unknown"


def _text_like(head: bytes) -> bool:
    """Whether a file's first bytes are text (no control bytes but tabs and line ends)."""
    sample = head.lstrip(b"\xef\xbb\xbf")
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return bool(sample) and not any(b < 9 or 13 < b < 32 for b in sample if b != 27)


HTML_TABLE = (
    "这是网页(HTML)表格,只是扩展名为 Excel 的扩展名,不是 Excel 工作簿",
    "在 Excel 或 WPS 中打开它,另存为 .xlsx 后报送",
)
XML_2003 = (
    "这是 Excel 2003 的“XML 表格”,不是本工具能读的工作簿",
    "在 Excel 或 WPS 中打开它,另存为 .xlsx 后报送",
)


def inspect_file(path: Path, limits: Limits) -> Inspection:
    """Look at one file; never raises for a bad file (the refusal says why)."""
    size = path.stat().st_size
    if size == 0:
        return Inspection("empty", ("文件为空(0 字节)", "有表头和数据的台账文件"))
    if size > limits.max_uncompressed_bytes:
        return Inspection(
            "unknown",
            (
                f"文件过大({size / 1e6:.0f} MB)",
                f"不超过 {limits.max_uncompressed_bytes // 1_000_000} MB(见 params/limits.yaml)",
            ),
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    kind = sniff(head, path.suffix.lower())
    if kind == "html":
        return Inspection("unknown", HTML_TABLE)
    if kind == "xml2003":
        return Inspection("unknown", XML_2003)
    if kind == "ole":
        data = path.read_bytes()
        if any(name in data for name in _ENCRYPTED_NAMES):
            return Inspection("ole", ENCRYPTED)
        return Inspection("ole")
    if kind != "zip":
        return Inspection(kind)
    try:
        with zipfile.ZipFile(path) as zf:
            return _inspect_zip(zf, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ParseError, OSError,
            DefusedXmlException) as exc:  # fmt: skip
        return Inspection(
            "unknown",
            (
                f"文件已损坏或不是有效的 Excel 文件({type(exc).__name__})",
                "可用 Excel 或 WPS 打开并另存为 .xlsx 的文件",
            ),
        )


def _inspect_zip(zf: zipfile.ZipFile, limits: Limits) -> Inspection:
    names = set(zf.namelist())
    declared = sum(i.file_size for i in zf.infolist())
    if declared > limits.max_uncompressed_bytes:
        return Inspection("zip", _too_big(declared, limits))
    if "xl/workbook.xml" in names:
        kind, extents = "xlsx", _xlsx_extents(zf, limits)
        comments = _xlsx_comments(zf) + _xlsx_texts(zf)
    elif "xl/workbook.bin" in names:
        kind, extents, comments = "xlsb", _xlsb_extents(zf, limits), []
    elif "content.xml" in names and b"spreadsheet" in _read_small(zf, "mimetype"):
        kind, (extents, comments) = "ods", _ods_scan(zf, limits)
    else:
        return Inspection(
            "unknown",
            ("不是表格文件(压缩包中没有工作簿)", "Excel、WPS 或 LibreOffice 保存的表格文件"),
        )
    for sheet, (rows, cols) in extents.items():
        refusal = _extent_refusal(sheet, rows, cols, limits)
        if refusal:
            return Inspection(kind, refusal)
    for name in names:  # every part inflates to what the directory says, or is damaged
        for _ in _stream(zf, name):
            pass
    return Inspection(kind, None, comments)


# --------------------------------------------------------------------------- xlsx


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part path → sheet name, from workbook.xml and its relationships: the parts
    a reader will read, wherever they sit in the package (a hostile file may put one
    outside xl/worksheets/). Parsed with a hardened parser (no entities, no DTD)."""
    try:
        book = ET.fromstring(_read_small(zf, "xl/workbook.xml", 16 << 20))
        rels = ET.fromstring(_read_small(zf, "xl/_rels/workbook.xml.rels", 16 << 20))
    except (ParseError, DefusedXmlException):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(f"{_NS_REL}id"), "")
            part = target.lstrip("/") if target.startswith("/") else _join("xl", target)
            out[part] = sheet.get("name", "")
    return out


_ROW_RE = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]+)(\d+)\"")
_ANY_ROW = re.compile(rb"<(?:\w+:)?row\b")
_ANY_CELL = re.compile(rb"<(?:\w+:)?c\b")
# a row or cell start tag, for counting positions where references are left out
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")


def _xlsx_extents(zf: zipfile.ZipFile, limits: Limits) -> dict[str, tuple[int, int]]:
    """Highest row and column holding a row or cell, per worksheet: every part the
    relationships name as a sheet, and every part under xl/worksheets/. Cells are counted
    by position, as a reader places them: a row or cell without its ``r`` reference takes
    the next position (a few KB of such cells can claim a billion positions)."""
    sheets = xlsx_sheet_parts(zf)
    names = set(zf.namelist())
    parts = {p for p in sheets if p in names}
    parts |= {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    return {sheets.get(part, part): _part_extent(zf, part, limits) for part in sorted(parts)}


def _part_extent(zf: zipfile.ZipFile, part: str, limits: Limits) -> tuple[int, int]:
    """(rows, columns) of one sheet part: by references while every row and cell has
    one (fast), else by counting positions (``_positional_extent``)."""
    max_row = max_col = 0
    tail = b""
    for chunk in _stream(zf, part):
        buf = tail + chunk
        cut = buf.rfind(b"<")
        body, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
        rows, cells = _ROW_RE.findall(body), _CELL_RE.findall(body)
        if len(rows) != len(_ANY_ROW.findall(body)) or len(cells) != len(_ANY_CELL.findall(body)):
            return _positional_extent(zf, part, limits)
        if rows:
            max_row = max(max_row, max(map(int, rows)))
        if cells:
            max_col = max(max_col, max(column_number(c.decode()) for c in {c for c, _ in cells}))
            max_row = max(max_row, max(int(r) for _, r in cells))
        if max_row > limits.max_rows or max_col > limits.max_columns:
            break  # already refused: no need to inflate the rest
    return max_row, max_col


def _positional_extent(zf: zipfile.ZipFile, part: str, limits: Limits) -> tuple[int, int]:
    """Rows and columns counted tag by tag: a row without ``r`` is the next row, a cell
    without ``r`` the next column. Stops as soon as a limit is passed."""
    row = col = max_row = max_col = 0
    tail = b""
    for chunk in _stream(zf, part):
        buf = tail + chunk
        cut = buf.rfind(b"<")
        body, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
        for m in _TAG.finditer(body):
            ref = re.search(rb"\sr=\"([A-Z]*)(\d+)\"", m.group(2))
            if m.group(1) == b"row":
                row = int(ref.group(2)) if ref else row + 1
                col = 0
            else:
                col = column_number(ref.group(1).decode()) if ref and ref.group(1) else col + 1
                if ref:
                    row = max(row, int(ref.group(2)))
                max_row, max_col = max(max_row, row), max(max_col, col)
        if max_row > limits.max_rows or max_col > limits.max_columns:
            break
    return max_row, max_col


def _xlsx_comments(zf: zipfile.ZipFile) -> list[Comment]:
    """Every cell comment (legacy and threaded) with its sheet and cell."""
    sheets = xlsx_sheet_parts(zf)
    owner: dict[str, str] = {}
    for part, name in sheets.items():
        folder, file = part.rsplit("/", 1)
        rels = _read_small(zf, f"{folder}/_rels/{file}.rels", 16 << 20)
        for target in re.findall(rb'Target="([^"]+)"', rels):
            t = target.decode()
            if "omment" in t:
                resolved = t.lstrip("/") if t.startswith("/") else _join(folder, t)
                owner[resolved] = name
    out = []
    for part in zf.namelist():
        if not re.search(r"(?i)comment[^/]*\.xml$", part):
            continue
        try:
            root = ET.fromstring(_read_small(zf, part, 64 << 20))
        except (ParseError, DefusedXmlException):
            continue
        for el in root.iter():
            if el.tag.endswith("}comment") or el.tag.endswith("}threadedComment"):
                text = "".join(el.itertext())
                out.append(Comment(owner.get(part, "批注"), el.get("ref", ""), text))
    return out


_PROPERTY_PARTS = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml")
_HEADER_FOOTER = re.compile(rb"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)>([^<]*)<")
_DEFINED_NAME = re.compile(rb"<(?:\w+:)?definedName\b[^>]*>([^<]*)<")


def _xlsx_texts(zf: zipfile.ZipFile) -> list[Comment]:
    """The rest of a workbook's text that a person can see or print but that is no cell:
    document properties (标题、作者、单位…), printed headers and footers, defined names."""
    out = []
    for part in _PROPERTY_PARTS:
        try:
            root = ET.fromstring(_read_small(zf, part) or b"<none/>")
        except (ParseError, DefusedXmlException):
            continue
        for el in root.iter():
            if el.text and el.text.strip():
                out.append(Comment("", el.tag.rsplit("}", 1)[-1], el.text, "文档属性"))
    for part, sheet in xlsx_sheet_parts(zf).items():
        body = _read_small(zf, part, 64 << 20)
        for m in _HEADER_FOOTER.finditer(body):
            out.append(Comment(sheet, "", m.group(1).decode("utf-8", "replace"), "页眉页脚"))
    for m in _DEFINED_NAME.finditer(_read_small(zf, "xl/workbook.xml", 16 << 20)):
        out.append(Comment("", "", m.group(1).decode("utf-8", "replace"), "定义的名称"))
    return out


# The export `baiyi export` writes is marked in its document properties (keywords); a copy
# that lost them (saved again by a program that drops them) still has these sheets.
EXPORT_MARK = "baiyi-export"
EXPORT_SHEETS = frozenset({"得分", "计分明细", "台账问题"})


def is_own_export(path: Path) -> bool:
    """Whether a workbook is the score export this tool writes, not a ledger: its keywords
    carry ``EXPORT_MARK``, or its sheets include every one of ``EXPORT_SHEETS``.

    Reads only the first bytes, docProps/core.xml and the sheet list (each at most a few
    MB inflated); a file that is not a zip workbook, or can't be read, is not an export
    (it is then read, and refused, as a ledger). Call it on regular files only."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                return False
        with zipfile.ZipFile(path) as zf:
            return _marked(zf) or set(xlsx_sheet_parts(zf).values()) >= EXPORT_SHEETS
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ParseError, OSError,
            DefusedXmlException):  # fmt: skip
        return False


def _marked(zf: zipfile.ZipFile) -> bool:
    """Whether the workbook's core properties list ``EXPORT_MARK`` among its keywords."""
    try:
        core = ET.fromstring(_read_small(zf, "docProps/core.xml") or b"<none/>")
    except (ParseError, DefusedXmlException):
        return False
    return any(EXPORT_MARK in (el.text or "") for el in core.iter() if el.tag.endswith("keywords"))


# --------------------------------------------------------------------------- xlsb


# --------------------------------------------------------------------------- ods
