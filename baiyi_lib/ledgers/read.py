"""Read ledger files into raw tables: find the kind, skip title rows, keep Excel row numbers.

A folder may hold many files of each kind: CSV, and every workbook format the reader knows
(.xlsx .xlsm .xls .xlsb .ods, and WPS .et, recognised by content). A workbook may hold
several sheets. A title row or two above the header row is normal. Each table keeps, for
every data row, the row number a person sees in Excel (or the line number of the CSV), so
every later message can point at it.

Nothing is passed over in silence: every entry of a ledger folder that is not read (a file
that is not a ledger, a symbolic link, a pipe or a device: ``walk_folder``) is listed as
未读取 with its reason, an empty sheet or an instruction sheet as such, and the parts of a
workbook that are not table rows (title rows, instruction sheets, cell comments) are
still scanned for personal data. Each workbook is looked at (``guard``) before it is read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParamsError
from ..params import Limits
from .guard import (
    CSV_SUFFIXES,
    WORKBOOK_SUFFIXES,
    column_letter,
    inspect_file,
    is_own_export,
)
from .guard import ENCRYPTED as _ENCRYPTED
from .privacy import detect, mask_text
from .schema import (
    INSTRUCTION_SHEET_WORDS,
    KIND_LABELS,
    KINDS,
    SCHEMAS,
    header_lookup,
    kind_from_name,
    normalise_header,
)

LEDGER_SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES
HEADER_SCAN_ROWS = 10  # the header row is searched for among the first rows


@dataclass
class RawTable:
    """One sheet (or CSV) of one kind: raw cell values under English column names."""

    file: str
    sheet: str
    kind: str
    frame: pd.DataFrame  # English column names (known columns) + extra columns as written
    headers: dict[str, str]  # English name → header as written in the file
    rows: np.ndarray  # Excel row number of each frame row
    header_row: int  # Excel row number of the header row
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # name → headers as written
    zero: bool = False  # the title rows declare a zero return (零报告: 是)
    unit_hint: str | None = None  # 填报单位 as written in the title rows
    from_file: bool = True  # a file a person filled (not a DataFrame): empty needs 零报告


@dataclass
class FileNote:
    """A file-level problem or remark found while reading (before any row is parsed)."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    problem: str
    expected: str
    severity: str = "错误"
    check: str = ""  # the id of the declared check (checks.CHECKS)


def whole_file(file: str, problem: str, expected: str, check: str) -> FileNote:
    """A problem with a file as a whole (no sheet, row or column)."""
    return FileNote(file, "", None, "", "", problem, expected, check=check)


@dataclass
class ReadResult:
    tables: list[RawTable] = field(default_factory=list)
    notes: list[FileNote] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)  # path, sha256, bytes
    skipped: list[dict] = field(default_factory=list)  # file, sheet, reason (read, no rows)
    unread: list[dict] = field(default_factory=list)  # file, reason (not a ledger: walk_folder)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_ledger_file(path: Path) -> bool:
    """A file to read as a ledger: a CSV or workbook suffix, not an Office lock file."""
    return path.suffix.lower() in LEDGER_SUFFIXES and not path.name.startswith(("~$", "."))


def unread_reason(path: Path) -> str:
    """Why a regular file in a ledger folder is not read (it is listed, never passed over)."""
    if path.name.startswith("~$"):
        return "Office 临时锁定文件(文件正被打开)"
    if path.name.startswith("."):
        return "隐藏文件"
    suffix = path.suffix.lower() or "(无后缀)"
    return f"不是台账文件格式({suffix});台账应为 .xlsx、.xls、.et、.ods 或 .csv"


NOT_REGULAR = "不是普通文件(管道、设备或套接字),未打开"
BROKEN_LINK = "链接已失效(指向的文件不存在,或链接循环)"
OWN_EXPORT = "本工具导出的得分表,不是台账"
CANT_OPEN = "无法打开(没有读取权限,或已被移走)"


@dataclass
class Listing:
    """A folder's entries: the ledger files to read, and every other entry (file, link,
    pipe, device) with the reason it is not read. Both sorted by path."""

    files: list[Path] = field(default_factory=list)
    unread: list[tuple[Path, str]] = field(default_factory=list)


def walk_folder(folder: Path) -> Listing:
    """Every entry below a ledger folder: read it, or list it with why it is not read.

    Nothing is opened before ``lstat`` says it is a regular file: a pipe, a device or a
    socket is listed (it would block or never end), never opened. Real subfolders are
    walked; a symbolic link is never followed (``link_reason``):

    - a link that leads outside the folder: listed (the user never put that file here);
    - a broken or looping link: listed;
    - a link to a folder: listed, not entered (it could loop back, or repeat files);
    - a link to a regular file inside the folder: listed, not read. Its target is itself
      below the folder, so it is read (or listed) under its own name; reading the link as
      well would count each of its rows twice (duplicate ids, double points), and the one
      name the accounting shows for the rows is the file that holds them.

    The tool's own export (``baiyi export`` saved into the folder: ``guard.is_own_export``)
    is listed, not read; the templates (``baiyi template``) are what units fill, so they are
    read like any ledger.

    A folder that can't be opened is a ParamsError (the folder named) or listed (below).
    """
    out = Listing()
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise ParamsError(f"无法打开台账文件夹:{folder}({exc.strerror})") from None
    _walk(entries, Path(os.path.realpath(folder)), out)
    out.files.sort()
    out.unread.sort(key=lambda e: e[0])
    return out


def _walk(entries: list[os.DirEntry], root: Path, out: Listing) -> None:
    """Sort the entries of one real folder into ``out``, walking its real subfolders."""
    for entry in entries:
        path = Path(entry.path)
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                _walk(list(os.scandir(path)), root, out)
                continue
        except OSError:  # a subfolder without permission, or gone meanwhile
            out.unread.append((path, CANT_OPEN))
            continue
        if stat.S_ISLNK(mode):
            out.unread.append((path, link_reason(path, root)))
        elif not stat.S_ISREG(mode):
            out.unread.append((path, NOT_REGULAR))
        elif not is_ledger_file(path):
            out.unread.append((path, unread_reason(path)))
        elif is_own_export(path):
            out.unread.append((path, OWN_EXPORT))
        else:
            out.files.append(path)


def link_reason(link: Path, root: Path) -> str:
    """Why a symbolic link in the folder ``root`` (resolved) is not read. Only ``stat`` is
    used on the target (it never opens it)."""
    try:
        mode = os.stat(link).st_mode
    except OSError:
        return BROKEN_LINK
    target = Path(os.path.realpath(link))
    if not target.is_relative_to(root):
        return f"符号链接指向文件夹之外({mask_text(target)}),不读取文件夹以外的文件"
    inside = mask_text(target.relative_to(root))
    if stat.S_ISDIR(mode):
        where = "本文件夹" if target == root else f"本文件夹中的 {inside}"
        return f"链接到文件夹({where}),不进入链接的文件夹,以免重复或循环读取"
    if not stat.S_ISREG(mode):
        return NOT_REGULAR
    return f"链接到本文件夹中的文件 {inside},该文件按原名读取,不重复读取"


def named_file(path: Path) -> Path:
    """A file named explicitly (command line, list of files): returned if it is a regular
    file, a link to one followed (the user chose it). Else ParamsError (exit 2), the file
    never opened: missing, a folder, or a pipe, device or socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        raise ParamsError(f"找不到台账:{path}(应为文件夹、Excel 或 CSV 文件)") from None
    if stat.S_ISREG(mode):
        return path
    if stat.S_ISDIR(mode):
        raise ParamsError(f"{path} 是文件夹;此处应为 Excel 或 CSV 文件")
    raise ParamsError(f"台账{NOT_REGULAR}:{path}(应为 Excel 或 CSV 文件)")


def list_inputs(paths: list[Path]) -> tuple[list[tuple[Path, str]], list[dict]]:
    """The files of a batch (each folder given walked by ``walk_folder``, each file named
    checked by ``named_file``) with the name each is shown and stored under (relative to
    the folder given, or the file's own name; made unique within the batch), and the
    entries not read, each with its reason. A path that does not exist, or names a pipe
    or device, is a ParamsError."""
    named: list[tuple[Path, str]] = []
    unread: list[dict] = []
    for p in paths:
        if p.is_dir():
            found = walk_folder(p)
            named += [(f, display_name(f, p)) for f in found.files]
            unread += [{"file": display_name(f, p), "reason": why} for f, why in found.unread]
        else:
            f = named_file(p)
            named.append((f, display_name(f, f.parent)))
    names = [n for _, n in named]
    if len(set(names)) < len(names):  # the same name in two folders: tell them apart
        root = Path(os.path.commonpath([str(f.resolve().parent) for f, _ in named]))
        named = [(f, display_name(f.resolve(), root)) for f, _ in named]
    return named, unread


def display_name(path: Path, root: Path | None) -> str:
    """A file's name as messages show it: relative to the folder read, personal numbers
    masked (a file may be named after a person's phone number)."""
    name = str(path.relative_to(root)) if root is not None else str(path)
    return mask_text(name)


def read_paths(
    paths: Iterable[Path],
    limits: Limits,
    root: Path | None = None,
    unread: Iterable[tuple[Path, str]] = (),
    names: dict[Path, str] | None = None,
) -> ReadResult:
    """Read every file; problems that stop a file are collected, not raised. ``unread`` are
    the other entries of the folder with the reason each is not read (``walk_folder``).
    ``names`` gives the name a file is shown under (default: relative to ``root``)."""
    result = ReadResult()
    for path, reason in unread:
        result.unread.append({"file": display_name(path, root), "reason": reason})
    for path in paths:
        display = names[path] if names else display_name(path, root)
        result.files.append(
            {"file": display, "sha256": sha256_file(path), "bytes": path.stat().st_size}
        )
        look = inspect_file(path, limits)
        if look.refusal is not None:
            problem, expected = look.refusal
            result.notes.append(
                FileNote(display, "", None, "", "", problem, expected, check="file.refused")
            )
            continue
        if look.kind == "unknown":
            damaged = path.suffix.lower() in WORKBOOK_SUFFIXES
            result.notes.append(
                FileNote(
                    display,
                    "",
                    None,
                    "",
                    "",
                    *(_DAMAGED if damaged else _UNKNOWN_FORMAT),
                    check="file.damaged" if damaged else "file.format",
                )
            )
            continue
        for c in look.comments:
            _scan_text(c.text, display, c.sheet, c.ref, "批注", result)
        if look.kind == "csv":
            _read_csv(path, display, limits, result)
        else:
            _read_workbook(path, display, result)
    return result


_DAMAGED = (
    "文件已损坏或不是有效的 Excel 文件(无法识别其内容)",
    "可用 Excel 或 WPS 打开并另存为 .xlsx 的文件",
)
_UNKNOWN_FORMAT = (
    "无法识别的文件格式",
    "Excel(.xlsx/.xls)、WPS(.et)、LibreOffice(.ods)或 CSV 文件",
)


def _scan_text(text: str, file: str, sheet: str, ref: str, where: str, result: ReadResult) -> None:
    """A piece of a workbook that is not a table cell (a comment, a title): personal data
    refuses the file like a cell would."""
    what = detect(text)
    if what:
        row = int("".join(ch for ch in ref if ch.isdigit()) or 0) or None
        result.notes.append(
            FileNote(
                file,
                sheet,
                row,
                f"{where} {ref}".strip(),
                text,
                f"{where}中含{what},台账不得记录个人信息",
                "删除个人信息后重新报送",
                check="text.personal",
            )
        )


def _read_csv(path: Path, display: str, limits: Limits, result: ReadResult) -> None:
    raw = path.read_bytes()
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        result.notes.append(
            whole_file(display, "无法识别文件编码", "UTF-8 或 GB18030 编码的 CSV", "file.encoding")
        )
        return
    # long fields are read whole and refused by the cell check, with their row
    csv.field_size_limit(max(limits.max_uncompressed_bytes, 131072))
    reader = csv.reader(io.StringIO(text, newline=""))
    cells: list[list[str]] = []
    try:
        for row in reader:
            cells.append(row)
            if len(cells) > limits.max_rows:
                result.notes.append(
                    whole_file(
                        display,
                        f"CSV 超过 {limits.max_rows} 行,未读取",
                        "不超过该行数的台账(见 params/limits.yaml)",
                        "file.too_many_rows",
                    )
                )
                return
    except csv.Error as exc:
        result.notes.append(
            FileNote(
                display,
                "",
                reader.line_num,
                "",
                "",
                f"CSV 格式错误:第 {reader.line_num} 行无法解析({exc})",
                "用 Excel 或 WPS 另存为 CSV(UTF-8)的文件",
                check="file.csv_syntax",
            )
        )
        return
    width = max((len(r) for r in cells), default=0)
    if width > limits.max_columns:
        result.notes.append(
            whole_file(
                display,
                f"CSV 有 {width} 列,超过读取限度 {limits.max_columns} 列,未读取",
                "台账只需十列左右",
                "file.too_many_columns",
            )
        )
        return
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in cells], dtype=object)
    kind = kind_from_name(path.stem)
    if kind is None and any(w in path.stem.lower() for w in INSTRUCTION_SHEET_WORDS):
        # a workbook's 填表说明 sheet saved as its own CSV: skipped as the sheet is
        result.skipped.append({"file": display, "sheet": "", "reason": "填表说明"})
        _scan_grid(grid, range(len(grid)), display, "", "填表说明", result)
        return
    found = _add_table(grid, display, "", kind, result)
    if not found:
        result.notes.append(FileNote(display, "", None, "", "", *_EMPTY, check="file.empty"))


_EMPTY = ("文件中没有任何台账数据(空文件或只有空表)", "有表头和数据行的台账")


def _read_workbook(path: Path, display: str, result: ReadResult) -> None:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    except Exception as exc:  # calamine raises several types for broken files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            problem, expected = _ENCRYPTED
        else:
            problem = f"文件已损坏或不是有效的 Excel 文件({type(exc).__name__})"
            expected = "可用 Excel 或 WPS 打开并另存为 .xlsx 的文件"
        result.notes.append(
            whole_file(
                display,
                problem,
                expected,
                "file.refused" if (problem, expected) == _ENCRYPTED else "file.damaged",
            )
        )
        return
    file_kind = kind_from_name(path.stem)
    found = False
    for sheet_name, grid in sheets.items():
        sheet = str(sheet_name)
        sheet_kind = kind_from_name(sheet)
        if sheet_kind is None and any(w in sheet.lower() for w in INSTRUCTION_SHEET_WORDS):
            result.skipped.append({"file": display, "sheet": sheet, "reason": "填表说明"})
            _scan_grid(grid, range(len(grid)), display, sheet, "填表说明", result)
            continue
        found |= _add_table(grid, display, sheet, sheet_kind or file_kind, result)
    if not found and not any(n.file == display for n in result.notes):
        result.notes.append(FileNote(display, "", None, "", "", *_EMPTY, check="file.empty"))


def _scan_grid(
    grid: pd.DataFrame, rows: range, file: str, sheet: str, where: str, result: ReadResult
) -> None:
    """Personal data in rows that are not table rows (title rows, instruction sheets)."""
    for i in rows:
        for pos, value in enumerate(grid.iloc[i].tolist()):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            text = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
            _scan_text(text, file, sheet, f"{column_letter(pos + 1)}{i + 1}", where, result)


def _blank(grid: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: cell is empty (None, NaN, or only spaces)."""
    as_text = grid.astype(str).apply(lambda c: c.str.strip())
    return grid.isna() | as_text.isin(["", "nan", "None", "NaT"])


def _find_header(
    grid: pd.DataFrame, kind: str | None
) -> tuple[str | None, int, dict[int, str], dict[str, list[int]]]:
    """Among the first rows, the row that best matches a kind's headers.

    Returns (kind, row index, {column position: English name}, {name: positions of every
    column with that header, where there are two or more}); kind None if no row carries
    every required header of any kind.
    """
    kinds = (kind,) if kind else KINDS
    best: tuple[int, str | None, int, dict[int, str], dict[str, list[int]]] = (0, None, -1, {}, {})
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
        cells = [normalise_header(v) if pd.notna(v) else "" for v in grid.iloc[i].tolist()]
        for k in kinds:
            lookup = header_lookup(k)
            mapping: dict[int, str] = {}
            seen: dict[str, list[int]] = {}
            for pos, cell in enumerate(cells):
                name = lookup.get(cell)
                if name:
                    seen.setdefault(name, []).append(pos)
                    if name not in mapping.values():
                        mapping[pos] = name
            required = {c.name for c in SCHEMAS[k] if c.required}
            complete = required <= set(mapping.values())
            score = len(mapping) + (100 if complete else 0)
            if score > best[0]:
                dups = {n: p for n, p in seen.items() if len(p) > 1}
                best = (score, k, i, mapping, dups)
    score, k, i, mapping, dups = best
    return (k if score >= 100 else None), i, mapping, dups


def _add_table(
    grid: pd.DataFrame, display: str, sheet: str, kind: str | None, result: ReadResult
) -> bool:
    """Locate the header row of one grid, then keep its non-empty data rows.

    Returns whether the grid held anything (a table, or a problem worth a message)."""
    blank = _blank(grid) if not grid.empty else grid
    if grid.empty or bool(blank.all().all()):
        result.skipped.append({"file": display, "sheet": sheet, "reason": "空表"})
        return False
    found, header_idx, mapping, dups = _find_header(grid, kind)
    if found is None and kind is not None:
        # The name said one kind, but the header may say another: try every kind.
        found2, idx2, map2, dups2 = _find_header(grid, None)
        if found2 is not None:
            found, header_idx, mapping, dups = found2, idx2, map2, dups2
    if found is None:
        _report_missing_header(grid, display, sheet, kind, header_idx, mapping, result)
        _scan_grid(grid, range(min(HEADER_SCAN_ROWS, len(grid))), display, sheet, "表格", result)
        return True
    _scan_grid(grid, range(header_idx), display, sheet, "标题行", result)
    title_cells = [
        str(v).strip()
        for v in grid.iloc[:header_idx].to_numpy().ravel().tolist()
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip()
    ]
    zero, unit_hint = zero_mark(title_cells), unit_written(title_cells)
    headers_row = grid.iloc[header_idx].tolist()
    headers = {name: str(headers_row[pos]).strip() for pos, name in mapping.items()}
    body = grid.iloc[header_idx + 1 :]
    keep = ~blank.iloc[header_idx + 1 :].all(axis=1)
    body = body[keep.to_numpy()]
    frame = pd.DataFrame(index=range(len(body)))
    for pos, name in mapping.items():
        frame[name] = body.iloc[:, pos].to_numpy()
    # Extra columns are kept (as written) so that the privacy check can see them.
    for pos in range(grid.shape[1]):
        if pos in mapping:
            continue
        head = headers_row[pos]
        col = body.iloc[:, pos]
        if pd.isna(head) or not str(head).strip():
            if col.isna().all() or bool(blank.iloc[header_idx + 1 :, pos][keep.to_numpy()].all()):
                continue
            head = f"第{column_letter(pos + 1)}列"
        frame[f"extra:{str(head).strip()}"] = col.to_numpy()
        headers[f"extra:{str(head).strip()}"] = str(head).strip()
    rows = (body.index.to_numpy() + 1).astype(np.int64)  # grid index 0 is Excel row 1
    written = {
        name: [f"{column_letter(p + 1)} 列「{str(headers_row[p]).strip()}」" for p in positions]
        for name, positions in dups.items()
    }
    result.tables.append(
        RawTable(
            display, sheet, found, frame, headers, rows, header_idx + 1, written, zero, unit_hint
        )
    )
    return True


# A zero return (零报告): the unit has no case of this kind. Written in the title rows,
# as the template has it ("零报告" and 是 in the next cell) or in one cell ("零报告:是").
ZERO_WORDS = ("零报告", "本表无案件", "无案件")
_YES_WORDS = ("是", "Y", "YES", "1", "√", "✓", "✔")
_UNIT_WRITTEN = re.compile(r"填报单位\s*[::]\s*([^\s()()]+)")


def zero_mark(cells: list[str]) -> bool:
    """Whether the title rows declare a zero return: a zero word followed by 是 (in the same
    cell after a colon, or in the next cell)."""
    for i, cell in enumerate(cells):
        text = unicodedata.normalize("NFKC", cell).replace(" ", "")
        if not any(w in text for w in ZERO_WORDS):
            continue
        after = re.split(r"[::]", text, maxsplit=1)[1:] or cells[i + 1 : i + 2]
        if after and unicodedata.normalize("NFKC", after[0]).strip().upper() in _YES_WORDS:
            return True
    return False


def unit_written(cells: list[str]) -> str | None:
    """The unit named in the title rows, as written: 填报单位:农水站 in one cell, or 填报单位
    in one cell and the unit in the next (as the template has it)."""
    for i, cell in enumerate(cells):
        text = unicodedata.normalize("NFKC", cell)
        m = _UNIT_WRITTEN.search(text)
        if m:
            return m.group(1)
        if text.replace(" ", "").rstrip(":") == "填报单位" and i + 1 < len(cells):
            return cells[i + 1]
    return None


def _report_missing_header(
    grid: pd.DataFrame,
    display: str,
    sheet: str,
    kind: str | None,
    idx: int,
    mapping: dict[int, str],
    result: ReadResult,
) -> None:
    if kind is None:
        result.notes.append(
            FileNote(
                display,
                sheet,
                None,
                "",
                "",
                "无法识别台账类型:文件名或工作表名中没有台账名称,前几行也没有找到完整的表头",
                "文件名含 走访/事件/排查/积案,或表头为 docs/使用说明.md 所列的中文表头",
                check="table.kind",
            )
        )
        return
    present = set(mapping.values())
    missing = [c.header for c in SCHEMAS[kind] if c.required and c.name not in present]
    result.notes.append(
        FileNote(
            display,
            sheet,
            idx + 1 if mapping else None,
            "、".join(missing),
            "",
            f"{KIND_LABELS[kind]}缺少必填列:{'、'.join(missing)}",
            "表头应含:" + "、".join(c.header for c in SCHEMAS[kind] if c.required),
            check="table.required_columns",
        )
    )


def read_frames(frames: dict[str, pd.DataFrame]) -> ReadResult:
    """Tables given as DataFrames (analysts, benchmarks): keyed by kind, English columns.

    Row numbers are given as if the frame were a sheet with its header in row 1.
    """
    result = ReadResult()
    for kind, df in frames.items():
        if kind not in KINDS:
            result.notes.append(
                FileNote(
                    f"<{kind}>",
                    "",
                    None,
                    "",
                    str(kind),
                    "未知的台账类型",
                    "、".join(KINDS),
                    check="table.kind",
                )
            )
            continue
        lookup = header_lookup(kind)
        renamed: dict[str, str] = {}
        headers: dict[str, str] = {}
        seen: dict[str, list[str]] = {}
        for pos, col in enumerate(df.columns):
            name = lookup.get(normalise_header(col))
            if name:
                seen.setdefault(name, []).append(f"第 {pos + 1} 列「{col}」")
            if name and name not in renamed.values():
                renamed[col] = name
                # an English column name is shown as its Chinese header in messages
                chinese = {c.name: c.header for c in SCHEMAS[kind]}
                headers[name] = chinese[name] if str(col) == name else str(col)
            else:
                renamed[col] = f"extra:{col}"
                headers[f"extra:{col}"] = str(col)
        dups = {n: w for n, w in seen.items() if len(w) > 1}
        if df.columns.duplicated().any():
            df = df.loc[:, ~df.columns.duplicated()]
        missing = [c.header for c in SCHEMAS[kind] if c.required and c.name not in headers]
        if missing:
            result.notes.append(
                FileNote(
                    f"<{kind}>",
                    "",
                    1,
                    "、".join(missing),
                    "",
                    f"{KIND_LABELS[kind]}缺少必填列:{'、'.join(missing)}",
                    "列名为 docs/使用说明.md 所列的英文名或中文表头",
                    check="table.required_columns",
                )
            )
            continue
        provenance = [
            c for c in ("src_file", "src_sheet", "src_row") if f"extra:{c}" in renamed.values()
        ]
        frame = df.rename(columns=renamed).reset_index(drop=True)
        if len(provenance) == 3 and len(df):
            # rows that remember their file (the store): keep the file, sheet and row
            prov = frame[[f"extra:{c}" for c in provenance]]
            frame = frame.drop(columns=list(prov.columns))
            for key in ("src_file", "src_sheet", "src_row"):
                headers.pop(f"extra:{key}", None)
            groups = prov.groupby(["extra:src_file", "extra:src_sheet"], sort=True, dropna=False)
            for (file, sheet), idx in groups.groups.items():
                part = frame.loc[idx].reset_index(drop=True)
                rows = prov.loc[idx, "extra:src_row"].to_numpy(dtype=np.int64)
                result.tables.append(
                    RawTable(
                        str(file), str(sheet or ""), kind, part, headers, rows, 1, from_file=False
                    )
                )
            continue
        for key in ("src_file", "src_sheet", "src_row"):  # an empty table from the store
            if f"extra:{key}" in frame.columns:
                frame = frame.drop(columns=f"extra:{key}")
                headers.pop(f"extra:{key}", None)
        rows = np.arange(2, len(frame) + 2, dtype=np.int64)
        result.tables.append(
            RawTable(f"<{kind}>", "", kind, frame, headers, rows, 1, dups, from_file=False)
        )
    return result
