"""What a person sees on screen that a sheet's cell values do not say (xlsx, ods).

A reader gets each cell's stored value; Excel shows more: some sheets are hidden, some
cells are merged over several rows, some cells hold a formula whose result was never
stored (files written by programs), or an error (#REF!, #DIV/0!), some rows are hidden by a
filter. These facts are read from the file's XML (parsed with a hardened parser, after
``guard`` has measured every part) so that the reader can read a sheet as it is seen, or
refuse what it can't see: a formula without a stored result is never a blank.

Positions are 0-based (row, column), as in the grid the reader builds (row 0 is Excel
row 1). Sheet visibility and xls merges come from calamine, which knows every format.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from .guard import column_number, xlsx_sheet_parts


@dataclass
class SheetFacts:
    """One sheet: formulas without a stored result, error cells (with what they show),
    hidden rows and columns, merged ranges (r0, c0, r1, c1 inclusive); ``stale``: the
    workbook asks to recalculate every formula on opening (its stored results are old)."""

    uncomputed: dict[tuple[int, int], str] = field(default_factory=dict)
    shown: dict[tuple[int, int], str] = field(default_factory=dict)  # numbers as formatted
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def cell_position(ref: str) -> tuple[int, int] | None:
    """ "B5" → (4, 1); None if not a cell reference."""
    m = _REF.match(ref.strip().upper())
    return (int(m.group(2)) - 1, column_number(m.group(1)) - 1) if m else None


def range_position(ref: str) -> tuple[int, int, int, int] | None:
    """ "A3:A5" → (2, 0, 4, 0)."""
    a, _, b = ref.partition(":")
    start, end = cell_position(a), cell_position(b or a)
    return (*start, *end) if start and end else None


# --------------------------------------------------------------------------- xlsx

_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z$0-9:]+)\"")
_ATTR = re.compile(rb"\b(\w+)=\"([^\"]*)\"")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*\bt=\"e\"[^>]*>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")


def xlsx_facts(zf: zipfile.ZipFile) -> dict[str, SheetFacts]:
    """Facts of every sheet of an xlsx (by sheet name). A workbook that asks to be fully
    recalculated on opening (calcPr fullCalcOnLoad: written by a program that stores no
    results, or stale ones) has none of its formula results trusted."""
    book = zf.read("xl/workbook.xml")
    stale = re.search(rb"fullCalcOnLoad=\"(?:1|true)\"", book) is not None
    formats, times = _text_formats(zf), _time_styles(zf)
    out = {}
    for part, name in xlsx_sheet_parts(zf).items():
        try:
            data = zf.read(part)
        except KeyError:
            continue
        out[name] = _sheet_facts(data, stale)
        if formats or times:
            _formatted_numbers(data, formats, out[name], times)
    return out


# --------------------------------------------------------------------------- number formats

_NUMFMT = re.compile(rb"<(?:\w+:)?numFmt\b[^>]*numFmtId=\"(\d+)\"[^>]*formatCode=\"([^\"]*)\"")
_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
# a format that shows a code: literals around one run of digit placeholders ("ZF"0,
# "NSZ-2019-"000, 000): what the cell shows is not the number it holds
_CODE_FORMAT = re.compile(r'^((?:"[^"]*"|\\.)*)([0#]+)((?:"[^"]*"|\\.)*)$')


def _text_formats(zf: zipfile.ZipFile) -> dict[int, tuple[str, int, str]]:
    """Cell style index → (prefix, minimum digits, suffix) for the styles whose number
    format shows a code around the number (custom formats with literal text or padding)."""
    try:
        styles = zf.read("xl/styles.xml")
    except KeyError:
        return {}
    codes = {}
    for fid, code in _NUMFMT.findall(styles):
        text = html.unescape(code.decode("utf-8", "replace")).split(";")[0]
        m = _CODE_FORMAT.match(text)
        if m and (m.group(1) or m.group(3) or len(m.group(2)) > 1):
            codes[int(fid)] = (_literal(m.group(1)), m.group(2).count("0"), _literal(m.group(3)))
    xfs = _XFS.search(styles)
    if not codes or not xfs:
        return {}
    out = {}
    for i, xf in enumerate(_XF.finditer(xfs.group(1))):
        fid = _attrs(xf.group(1)).get(b"numFmtId")
        if fid is not None and int(fid) in codes:
            out[i] = codes[int(fid)]
    return out


# Excel's built-in formats that show a time with the date (m/d/yy h:mm and its kin)
_BUILTIN_DATETIME = frozenset({22})
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _time_styles(zf: zipfile.ZipFile) -> frozenset[int]:
    """Cell style indexes whose format shows a date with its time (yyyy-mm-dd hh:mm): a
    cell at exactly midnight shows 00:00 there, and is read so (a date-only format at
    midnight shows no time, and is read as a date without one)."""
    try:
        styles = zf.read("xl/styles.xml")
    except KeyError:
        return frozenset()
    custom = set()
    for fid, code in _NUMFMT.findall(styles):
        text = _QUOTED.sub("", html.unescape(code.decode("utf-8", "replace")).split(";")[0])
        low = text.lower()
        if "h" in low and ("y" in low or "d" in low):
            custom.add(int(fid))
    xfs = _XFS.search(styles)
    if not xfs:
        return frozenset()
    out = set()
    for i, xf in enumerate(_XF.finditer(xfs.group(1))):
        fid = _attrs(xf.group(1)).get(b"numFmtId")
        if fid is not None and (int(fid) in custom or int(fid) in _BUILTIN_DATETIME):
            out.add(i)
    return frozenset(out)


def _literal(text: str) -> str:
    """The literal text of a format piece: "quoted" runs and \\-escaped characters."""
    return "".join(a or b for a, b in re.findall(r'"([^"]*)"|\\\\(.)', text))


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_STYLED = re.compile(rb"<(?:\w+:)?c\b([^>]*\bs=\"(\d+)\"[^>]*)>")


def _formatted_numbers(
    data: bytes,
    formats: dict[int, tuple[str, int, str]],
    f: SheetFacts,
    times: frozenset[int] = frozenset(),
) -> None:
    """Numbers shown through a code format, as a person sees them (2019030001 with
    "ZF"0 is ZF2019030001); a date-time at exactly midnight in a format that shows the
    time, as 2019-03-05 00:00 (its time is what the screen shows, not missing)."""
    for m in _STYLED.finditer(data):
        style = int(m.group(2))
        if style not in formats and style not in times:
            continue
        a = _attrs(m.group(1))
        if a.get(b"t", b"n") != b"n" or b"r" not in a:
            continue
        end = _CELL_END.search(data, m.end())
        value = _VALUE.search(data, m.end(), end.start() if end else len(data))
        pos = cell_position(a[b"r"].decode())
        if value is None or pos is None:
            continue
        try:
            number = float(value.group(1))
        except ValueError:
            continue
        if not number.is_integer():
            continue
        if style in times:
            if 1 <= number < 2_958_466:  # a serial day: 1 is 1900-01-01
                day = _EXCEL_EPOCH + dt.timedelta(days=int(number))
                f.shown[pos] = f"{day:%Y-%m-%d} 00:00"
            continue
        prefix, digits, suffix = formats[style]
        f.shown[pos] = f"{prefix}{int(number):0{digits}d}{suffix}"


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _sheet_facts(data: bytes, stale: bool) -> SheetFacts:
    f = SheetFacts()
    if b"hidden" in data:
        for m in _ROW_TAG.finditer(data):
            a = _attrs(m.group(1))
            if a.get(b"hidden") in (b"1", b"true") and b"r" in a:
                f.hidden_rows.add(int(a[b"r"]) - 1)
        for m in _COL_TAG.finditer(data):
            a = _attrs(m.group(1))
            if a.get(b"hidden") in (b"1", b"true"):
                lo, hi = int(a.get(b"min", b"1")), int(a.get(b"max", b"1"))
                f.hidden_cols.update(range(lo - 1, min(hi, 16384)))
    for m in _MERGE.finditer(data):
        pos = range_position(m.group(1).decode())
        if pos:
            f.merges.append(pos)
    has_cells = b"<f" in data or b":f" in data or b't="e"' in data
    if has_cells and not _scan_cells(data, f, stale):
        _scan_positional(data, f, stale)
    return f


def _cell_at(data: bytes, at: int) -> tuple[bytes, bytes] | None:
    """The start tag's attributes and the body of the cell holding position ``at``."""
    start = max(data.rfind(b"<c ", 0, at), data.rfind(b":c ", 0, at))
    if start < 0:
        return None
    start = data.rfind(b"<", 0, start + 1)
    tag_end = data.find(b">", start)
    end = _CELL_END.search(data, tag_end)
    if tag_end < 0 or end is None:
        return None
    return data[start:tag_end], data[tag_end + 1 : end.start()]


def _scan_cells(data: bytes, f: SheetFacts, stale: bool) -> bool:
    """Formula and error cells found by their own tags (fast: only those cells are looked
    at). Returns False when a cell carries no reference (positions must then be counted)."""
    for m in _FORMULA.finditer(data):
        cell = _cell_at(data, m.start())
        if cell is None:
            return False
        head, body = cell
        ref = _attrs(head).get(b"r")
        pos = cell_position(ref.decode()) if ref else None
        if pos is None:
            return False
        has_value = _VALUE.search(body) is not None or b"<is" in body or b":is" in body
        if stale or not has_value:
            f.uncomputed[pos] = "=" + html.unescape((m.group(1) or b"").decode("utf-8", "replace"))
    for m in _ERROR_CELL.finditer(data):
        ref = _attrs(m.group(0)).get(b"r")
        pos = cell_position(ref.decode()) if ref else None
        if pos is None:
            return False
        end = _CELL_END.search(data, m.end())
        value = _VALUE.search(data, m.end(), end.start() if end else len(data))
        f.errors[pos] = value.group(1).decode("utf-8", "replace") if value else "#错误"
    return True


def _scan_positional(data: bytes, f: SheetFacts, stale: bool) -> None:
    """The slow path, for sheets whose cells carry no reference: walk every row and cell
    with a hardened parser, counting positions as Excel does."""
    row = -1
    for _, el in SafeET.iterparse(_Bytes(data), events=("end",)):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag != "row":
            continue
        r = el.get("r")
        row = int(r) - 1 if r else row + 1
        col = -1
        for c in el:
            if c.tag.rsplit("}", 1)[-1] != "c":
                continue
            pos = cell_position(c.get("r", "")) if c.get("r") else None
            col = pos[1] if pos else col + 1
            children = {x.tag.rsplit("}", 1)[-1]: x for x in c}
            if "f" in children and (stale or ("v" not in children and "is" not in children)):
                f.uncomputed[(row, col)] = "=" + (children["f"].text or "")
            if c.get("t") == "e":
                f.errors[(row, col)] = children["v"].text if "v" in children else "#错误"
        el.clear()


class _Bytes:
    """A read() over bytes, for iterparse."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, n: int = -1) -> bytes:
        n = len(self.data) - self.at if n < 0 else n
        out = self.data[self.at : self.at + n]
        self.at += len(out)
        return out


# --------------------------------------------------------------------------- ods

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def ods_facts(zf: zipfile.ZipFile) -> dict[str, SheetFacts]:
    """Facts of every sheet of an ods: merged ranges (number-rows/columns-spanned), hidden
    rows (collapsed or filtered), formulas without a stored value, error cells."""
    out: dict[str, SheetFacts] = {}
    f, row = SheetFacts(), 0
    with zf.open("content.xml") as fh:
        for event, el in SafeET.iterparse(fh, events=("start", "end")):
            if event == "start":
                if el.tag == f"{_T}table":
                    f, row = SheetFacts(), 0
                    out[el.get(f"{_T}name", "")] = f
                continue
            if el.tag == f"{_T}table-row":
                reps = int(el.get(f"{_T}number-rows-repeated", "1"))
                if el.get(f"{_T}visibility") in ("collapse", "filter"):
                    f.hidden_rows.update(range(row, row + min(reps, 10_000)))
                _ods_row(el, row, f)
                row += reps
                el.clear()
    return out


def _ods_row(el, row: int, f: SheetFacts) -> None:
    col = 0
    for cell in el:
        n = int(cell.get(f"{_T}number-columns-repeated", "1"))
        rows = int(cell.get(f"{_T}number-rows-spanned", "1"))
        cols = int(cell.get(f"{_T}number-columns-spanned", "1"))
        if rows > 1 or cols > 1:
            f.merges.append((row, col, row + rows - 1, col + cols - 1))
        formula = cell.get(f"{_T}formula")
        if formula is not None:
            kind = cell.get(f"{_CALCEXT}value-type")
            if kind == "error":
                f.errors[(row, col)] = "".join(cell.itertext()) or "#错误"
            elif cell.get(f"{_O}value-type") is None:
                f.uncomputed[(row, col)] = formula.split(":", 1)[-1]
        col += n
