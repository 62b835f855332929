"""Files as grids of cells, as a person sees them on screen.

- Workbooks are read with calamine (every format: xlsx, xlsm, xls, xlsb, ods, WPS et).
  Only visible worksheets are ledgers: a hidden or very hidden sheet (an old copy kept
  out of sight) is listed as not read. A value merged over several cells is the value of
  each cell it covers. A formula with no stored result, or an error value, is marked
  (``raw.Unseen``), never read as a blank (``sheetfacts``).
- Text files are CSV or Excel's text exports ("Unicode 文本": UTF-16, tab-separated; "文本
  文件(制表符分隔)"), known by their content: the byte-order mark or the bytes decide the
  encoding (UTF-16, UTF-8, GB18030), the known headers decide the separator.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from ..params import Limits
from .raw import FileNote, Unseen, whole_file
from .schema import KINDS, header_lookup, normalise_header
from .sheetfacts import SheetFacts, ods_facts, xlsx_facts


def _not_read(visible: SheetVisibleEnum) -> str:
    """Why a sheet that is not visible is not read (empty for a visible one)."""
    if visible == SheetVisibleEnum.Hidden:
        return "未读取(隐藏的工作表)"
    if visible == SheetVisibleEnum.VeryHidden:
        return "未读取(深度隐藏的工作表,只能用宏取消隐藏)"
    return ""


@dataclass
class Grid:
    """One sheet as seen: its cells (row 0 is Excel row 1), its hidden rows, and, for a
    sheet that is not read, why."""

    sheet: str
    cells: pd.DataFrame
    hidden_rows: set[int] = field(default_factory=set)
    not_read: str = ""


class Unreadable(Exception):
    """A workbook calamine cannot open; ``encrypted`` when it has an opening password."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        low = str(exc).lower()
        self.encrypted = "password" in low or "encrypt" in low
        self.kind = type(exc).__name__


def workbook_grids(path: Path, kind: str) -> list[Grid]:
    """Every sheet of a workbook as seen (``kind`` from ``guard.inspect_file``: xlsx, ods,
    xlsb, ole). Raises Unreadable."""
    try:  # opened by Python: a name that kept GBK bytes is still a name it can open
        with path.open("rb") as fh:
            wb = CalamineWorkbook.from_filelike(fh)
    except OSError:
        raise
    except Exception as exc:  # calamine raises several types for broken files
        raise Unreadable(exc) from None
    facts = _facts(path, kind)
    out = []
    for meta in wb.sheets_metadata:
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise Unreadable(exc) from None
        width = max((len(r) for r in rows), default=0)
        cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
        f = facts.get(meta.name, SheetFacts())
        merges = f.merges or [(a, b, c, d) for (a, b), (c, d) in (sheet.merged_cell_ranges or [])]
        cells = as_seen(cells, merges, f)
        why = _not_read(meta.visible)
        if not why and meta.typ != SheetTypeEnum.WorkSheet:
            why = "未读取(图表或对话框工作表)"
        out.append(Grid(meta.name, cells, f.hidden_rows, why))
    return out


def _facts(path: Path, kind: str) -> dict[str, SheetFacts]:
    """What the file's XML says beyond the values (xlsx and ods; others have none)."""
    if kind not in ("xlsx", "ods"):
        return {}
    with zipfile.ZipFile(path) as zf:
        return xlsx_facts(zf) if kind == "xlsx" else ods_facts(zf)


def as_seen(
    cells: pd.DataFrame, merges: list[tuple[int, int, int, int]], facts: SheetFacts
) -> pd.DataFrame:
    """The grid a person sees: each merged range shows its first cell's value in every
    cell it covers; a number shown through a code format is the code it shows; a formula
    without a stored result or an error value is ``Unseen``."""
    spots: dict[tuple[int, int], object] = dict(facts.shown)  # numbers shown as codes
    spots |= {p: Unseen("formula", t) for p, t in facts.uncomputed.items()}
    spots |= {p: Unseen("error", t) for p, t in facts.errors.items()}
    rows = max([cells.shape[0]] + [r + 1 for r, _ in spots])
    cols = max([cells.shape[1]] + [c + 1 for _, c in spots])
    if (rows, cols) != cells.shape:
        cells = cells.reindex(index=range(rows), columns=range(cols), fill_value="")
    grid = cells.to_numpy(dtype=object, copy=True)
    for (r, c), mark in spots.items():
        grid[r, c] = mark
    for r0, c0, r1, c1 in merges:  # clipped to the cells there are (a merge can't grow it)
        if r0 >= rows or c0 >= cols:
            continue
        r1, c1 = min(r1, rows - 1), min(c1, cols - 1)
        value = grid[r0, c0]
        grid[r0 : r1 + 1, c0 : c1 + 1] = np.full((r1 - r0 + 1, c1 - c0 + 1), value, dtype=object)
    return pd.DataFrame(grid, dtype=object)


# --------------------------------------------------------------------------- text files

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
SEPARATORS = (",", "\t", ";")


def decode_text(raw: bytes) -> tuple[str | None, str]:
    """A text file's characters and the encoding that gave them: the byte-order mark if
    any, UTF-16 by its zero bytes, else UTF-8, else GB18030; (None, "") if none fits."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                return None, ""
    head = raw[:4000]
    if head and head.count(b"\x00") * 3 > len(head):  # UTF-16 without a mark
        even = head[0::2].count(b"\x00") > head[1::2].count(b"\x00")
        encoding = "utf-16-be" if even else "utf-16-le"
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            return None, ""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None, ""


def separator(text: str) -> str:
    """The separator under which the first lines carry the most known headers (Excel's
    text exports use tabs, CSV commas, some locales semicolons)."""
    lines = text.splitlines()[:10]
    best, sep = -1, ","
    for s in SEPARATORS:
        score = 0
        for line in lines:
            cells = {normalise_header(c) for c in line.split(s)}
            score = max(score, max(len(cells & set(header_lookup(k))) for k in KINDS))
        if score > best:
            best, sep = score, s
    return sep


def _as_shown(cell: str) -> str:
    """A text cell as Excel shows it: ="NSZ-2019-001" (how web systems keep a code from
    being taken for a number) is NSZ-2019-001."""
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        return cell[2:-1].replace('""', '"')
    return cell


def text_grid(path: Path, display: str, limits: Limits) -> pd.DataFrame | FileNote:
    """A CSV or text export as a grid (row 0 is line 1), or the note refusing it."""
    text, _ = decode_text(path.read_bytes())
    if text is None:
        return whole_file(display, "无法识别文件编码",
                          "UTF-8、GB18030 或 UTF-16(Excel 的“Unicode 文本”)编码的文本文件",
                          "file.encoding")  # fmt: skip
    # long fields are read whole and refused by the cell check, with their row
    csv.field_size_limit(max(limits.max_uncompressed_bytes, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))
    cells: list[list[str]] = []
    try:
        for row in reader:
            cells.append(row)
            if len(cells) > limits.max_rows:
                return whole_file(display, f"文件超过 {limits.max_rows} 行,未读取",
                                  "不超过该行数的台账(见 params/limits.yaml)",
                                  "file.too_many_rows")  # fmt: skip
    except csv.Error as exc:
        problem = f"CSV 格式错误:第 {reader.line_num} 行无法解析({exc})"
        expected = "用 Excel 或 WPS 另存为 CSV(UTF-8)的文件"
        return FileNote(display, "", reader.line_num, "", "", problem, expected,
                        check="file.csv_syntax")  # fmt: skip
    cells = [[_as_shown(c) for c in r] for r in cells]
    width = max((len(r) for r in cells), default=0)
    if width > limits.max_columns:
        return whole_file(display, f"文件有 {width} 列,超过读取限度 {limits.max_columns} 列,未读取",
                          "台账只需十列左右", "file.too_many_columns")  # fmt: skip
    return pd.DataFrame([r + [""] * (width - len(r)) for r in cells], dtype=object)
