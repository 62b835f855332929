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

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParamsError
from ..params import Limits, Rules
from .archive import ArchiveRefused, decoded_name, is_zip, unpacked
from .grids import Unreadable, decode_text, separator, text_grid, workbook_grids
from .guard import ENCRYPTED as _ENCRYPTED
from .guard import TEXT_SUFFIXES, WORKBOOK_SUFFIXES, inspect_file, is_own_export
from .masking import mask_batch_names, name_masker
from .privacy import mask_text, shown_name
from .raw import FileNote, RawTable, ReadResult, extra_key, whole_file
from .schema import (
    INSTRUCTION_SHEET_WORDS,
    KIND_LABELS,
    KINDS,
    SCHEMAS,
    header_lookup,
    kind_from_name,
    normalise_header,
)
from .tables import add_table, scan_grid, scan_text
from .zipparts import column_letter

LEDGER_SUFFIXES = WORKBOOK_SUFFIXES + TEXT_SUFFIXES
# The formats of one-off documents (实施方案 五、四): never read, only hashed by ingest
DOCUMENT_SUFFIXES = frozenset(
    {".doc", ".docx", ".wps", ".pdf", ".ofd", ".odt", ".rtf"}
    | {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".webp"}
)
NOT_A_LEDGER = "不是台账文件格式"  # the reason of a file plainly not a ledger (README.md)

__all__ = ["FileNote", "RawTable", "ReadResult", "read_frames", "read_paths", "walk_folder"]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_ledger_file(path: Path) -> bool:
    """A file to read as a ledger: a workbook or text suffix, or a name that says it is a
    ledger (走访登记.pdf is read, and refused loudly, not listed with a mere remark); never
    an Office lock file or a hidden file, nor an instruction file (填表说明.docx)."""
    if path.name.startswith(("~$", ".")):
        return False
    stem = path.stem.lower()
    named = kind_from_name(stem) is not None and not any(w in stem for w in INSTRUCTION_SHEET_WORDS)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".tsv"):  # a text export is a ledger by its name or its header
        return named or _text_has_header(path)
    return suffix in LEDGER_SUFFIXES or named


def _text_has_header(path: Path) -> bool:
    """Whether a text file's first lines carry a ledger's header (three known columns)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    text = None
    for cut in range(4):  # the last character may be cut in half
        text, _ = decode_text(head[: len(head) - cut] if cut else head)
        if text is not None:
            break
    if not text:
        return False
    sep = separator(text)
    for line in text.splitlines()[:10]:
        cells = {normalise_header(c) for c in line.split(sep)}
        if any(len(cells & set(header_lookup(k))) >= 3 for k in KINDS):
            return True
    return False


def unread_reason(path: Path) -> str:
    """Why a regular file in a ledger folder is not read (it is listed, never passed over)."""
    if path.name.startswith("~$"):
        return "Office 临时锁定文件(文件正被打开)"
    if path.name.startswith("."):
        return "隐藏文件"
    suffix = path.suffix.lower() or "(无后缀)"
    return f"{NOT_A_LEDGER}({suffix});台账应为 .xlsx、.xls、.et、.ods、.csv 或 Excel 另存的文本文件"


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
    archives: list[Path] = field(default_factory=list)  # zips: unpacked by ``batch_files``


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
        elif is_zip(path):
            out.archives.append(path)
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


@dataclass
class Batch:
    """The files of one read or ingest, each with the name it is shown and stored under,
    the entries not read with their reason (remarks), and notes refusing what was named
    as returns but can't be opened (a damaged or oversized zip)."""

    named: list[tuple[Path, str]] = field(default_factory=list)
    unread: list[dict] = field(default_factory=list)
    notes: list[FileNote] = field(default_factory=list)
    # files in a document's format (Word, PDF, a scan: ``DOCUMENT_SUFFIXES``), also listed
    # as not read; ingest may record them as one-off documents (实施方案 五、四)
    documents: list[tuple[Path, str]] = field(default_factory=list)


@contextlib.contextmanager
def batch_files(paths: list[Path], limits: Limits, rules: Rules) -> Iterator[Batch]:
    """The files of a batch: each folder walked (``walk_folder``), each file named checked
    (``named_file``), each zip unpacked into a private folder for the time of the read
    (``archive.unpacked``: its members are named ``周五报送.zip/成员``). Names are relative
    to the folder given (or the file's own name), decoded as written (GBK bytes too), and
    unique within the batch. A path that does not exist, or a pipe or device, is a
    ParamsError. A name that may be a person's is masked (``name_masker``)."""
    batch = Batch()
    with contextlib.ExitStack() as stack:
        for p in paths:
            if p.is_dir():
                _add_folder(batch, stack, p, p, "", limits)
            else:
                f = named_file(p)
                if f.suffix.lower() in DOCUMENT_SUFFIXES and not is_ledger_file(f):  # a document
                    shown = display_name(f, f.parent)
                    batch.unread.append({"file": shown, "reason": unread_reason(f)})
                    batch.documents.append((f, shown))
                elif is_zip(f):
                    _add_zip(batch, stack, f, display_name(f, f.parent), limits)
                else:
                    batch.named.append((f, display_name(f, f.parent)))
        once: dict[Path, tuple[Path, str]] = {}  # a file given twice (itself and its folder)
        for f, name in batch.named:  # is one file of the batch, read once
            once.setdefault(f.resolve(), (f, name))
        batch.named = list(once.values())
        names = [n for _, n in batch.named]
        if len(set(names)) < len(names):  # the same name in two folders: tell them apart
            root = Path(os.path.commonpath([str(f.resolve().parent) for f, _ in batch.named]))
            batch.named = [(f, display_name(f.resolve(), root)) for f, _ in batch.named]
        mask_batch_names(batch, name_masker(rules))
        yield batch


def _add_folder(
    batch: Batch, stack: contextlib.ExitStack, folder: Path, root: Path, prefix: str,
    limits: Limits,
) -> None:  # fmt: skip
    found = walk_folder(folder)
    batch.named += [(f, prefix + display_name(f, root)) for f in found.files]
    batch.unread += [{"file": prefix + display_name(f, root), "reason": why}
                     for f, why in found.unread]  # fmt: skip
    batch.documents += [
        (f, prefix + display_name(f, root))
        for f, why in found.unread
        if f.suffix.lower() in DOCUMENT_SUFFIXES and why.startswith(NOT_A_LEDGER)
    ]
    for z in found.archives:
        _add_zip(batch, stack, z, prefix + display_name(z, root), limits)


def _add_zip(
    batch: Batch, stack: contextlib.ExitStack, path: Path, shown: str, limits: Limits
) -> None:
    """A zip of returns: its members are read as a folder's files would be."""
    try:
        folder, skipped = stack.enter_context(unpacked(path, limits))
    except ArchiveRefused as exc:
        problem, expected = exc.args
        batch.notes.append(whole_file(shown, problem, expected, "file.refused"))
        return
    batch.unread += [{"file": f"{shown}/{mask_text(n)}", "reason": why} for n, why in skipped]
    _add_folder(batch, stack, folder, folder, f"{shown}/", limits)


def display_name(path: Path, root: Path | None) -> str:
    """A file's name as messages show it: relative to the folder read, decoded as written
    (a name that kept GBK bytes from a Windows zip is read as GB18030), personal numbers
    masked (a file may be named after a person's phone number)."""
    name = str(path.relative_to(root)) if root is not None else str(path)
    return mask_text(decoded_name(name))


def read_paths(
    paths: Iterable[Path],
    rules: Rules,
    root: Path | None = None,
    names: dict[Path, str] | None = None,
    batch: Batch | None = None,
) -> ReadResult:
    """Read every file; problems that stop a file are collected, not raised. ``names``
    gives the name a file is shown under (default: relative to ``root``); ``batch``
    brings the entries not read and the notes of what could not be opened."""
    result, masked = ReadResult(), name_masker(rules)
    if batch is not None:
        result.unread += batch.unread
        result.notes += batch.notes
    for path in paths:
        display = names[path] if names else masked(display_name(path, root))
        scan_text(decoded_name(path.name), display, "", "", "文件名", result)  # as a sheet's
        result.files.append(
            {"file": display, "sha256": sha256_file(path), "bytes": path.stat().st_size}
        )
        look = inspect_file(path, rules.limits)
        if look.refusal is not None:
            problem, expected = look.refusal
            result.notes.append(
                FileNote(display, "", None, "", "", problem, expected, check="file.refused")
            )
            continue
        if look.kind == "unknown":
            damaged = path.suffix.lower() in WORKBOOK_SUFFIXES
            problem, expected = _DAMAGED if damaged else _UNKNOWN_FORMAT
            if not damaged and kind_from_name(path.stem):
                problem = f"文件名表明是台账,但{problem}({path.suffix.lower() or '无后缀'})"
            result.notes.append(
                whole_file(display, problem, expected, "file.damaged" if damaged else "file.format")
            )
            continue
        for c in look.comments:
            scan_text(c.text, display, c.sheet, c.ref, c.where, result)
        if look.kind == "csv":
            _read_text(path, display, rules, result)
        else:
            _read_workbook(path, display, look.kind, rules, result)
    return result


_DAMAGED = (
    "文件已损坏或不是有效的 Excel 文件(无法识别其内容)",
    "可用 Excel 或 WPS 打开并另存为 .xlsx 的文件",
)
_UNKNOWN_FORMAT = (
    "无法识别的文件格式",
    "Excel(.xlsx/.xls)、WPS(.et)、LibreOffice(.ods)、CSV 或 Excel 另存的文本文件(.txt)",
)
_EMPTY = ("文件中没有任何台账数据(空文件或只有空表)", "有表头和数据行的台账")


def _read_text(path: Path, display: str, rules: Rules, result: ReadResult) -> None:
    """A CSV or text export: one table (or a 填表说明 saved as its own file)."""
    grid = text_grid(path, display, rules.limits)
    if isinstance(grid, FileNote):
        result.notes.append(grid)
        return
    kind = kind_from_name(path.stem)
    if kind is None and any(w in path.stem.lower() for w in INSTRUCTION_SHEET_WORDS):
        # a workbook's 填表说明 sheet saved as its own CSV: skipped as the sheet is
        result.skipped.append({"file": display, "sheet": "", "reason": "填表说明"})
        scan_grid(grid, range(len(grid)), display, "", "填表说明", result)
        return
    if not add_table(grid, display, "", kind, result, rules.reading):
        result.notes.append(whole_file(display, *_EMPTY, "file.empty"))


def _read_workbook(path: Path, display: str, kind: str, rules: Rules, result: ReadResult) -> None:
    """Every visible worksheet of a workbook, as seen; hidden ones listed, not read."""
    try:
        grids = workbook_grids(path, kind)
    except Unreadable as exc:
        if exc.encrypted:
            result.notes.append(whole_file(display, *_ENCRYPTED, "file.refused"))
        else:
            result.notes.append(whole_file(
                display, f"文件已损坏或不是有效的 Excel 文件({exc.kind})",
                "可用 Excel 或 WPS 打开并另存为 .xlsx 的文件", "file.damaged",
            ))  # fmt: skip
        return
    file_kind = kind_from_name(path.stem)
    found = False
    for g in grids:
        sheet = name_masker(rules)(shown_name(g.sheet))  # a number, a name masked
        scan_text(g.sheet, display, sheet, "", "工作表名", result)
        sheet_kind = kind_from_name(g.sheet)
        if sheet_kind is None and any(w in g.sheet.lower() for w in INSTRUCTION_SHEET_WORDS):
            # instructions, or the template's (hidden) dropdown lists: not rows
            result.skipped.append({"file": display, "sheet": sheet, "reason": "填表说明"})
            scan_grid(g.cells, range(len(g.cells)), display, sheet, "填表说明", result)
            continue
        if g.not_read:  # hidden: not a ledger, but never a place for personal data
            result.skipped.append({"file": display, "sheet": sheet, "reason": g.not_read})
            scan_grid(g.cells, range(len(g.cells)), display, sheet, "隐藏的工作表", result)
            continue
        found |= add_table(g.cells, display, sheet, sheet_kind or file_kind, result,
                           rules.reading, g.hidden_rows)  # fmt: skip
    if not found and not any(n.file == display for n in result.notes):
        result.notes.append(whole_file(display, *_EMPTY, "file.empty"))


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
        chinese = {c.name: c.header for c in SCHEMAS[kind]}
        named: list[str] = []  # each column's name, by position: two alike are two
        headers: dict[str, str] = {}
        seen: dict[str, list[str]] = {}
        twice = set(df.columns[df.columns.duplicated(keep=False)])
        for pos, col in enumerate(df.columns):
            name = lookup.get(normalise_header(col))
            if name:
                seen.setdefault(name, []).append(f"第 {pos + 1} 列「{col}」")
            if name and name not in named:
                named.append(name)
                # an English column name is shown as its Chinese header in messages
                headers[name] = chinese[name] if str(col) == name else str(col)
            else:
                key = extra_key(str(col), column_letter(pos + 1) if col in twice else "")
                named.append(key)
                headers[key] = str(col)
        dups = {n: w for n, w in seen.items() if len(w) > 1}
        df = df.set_axis(named, axis=1)
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
        provenance = [c for c in ("src_file", "src_sheet", "src_row") if f"extra:{c}" in named]
        frame = df.reset_index(drop=True)
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
