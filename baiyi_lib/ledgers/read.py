"""Read ledger files into raw tables: find the kind, skip title rows, keep Excel row numbers.

A folder may hold many CSV/XLSX files of each kind; a workbook may hold several sheets. A
title row or two above the header row is normal. Each table keeps, for every data row, the
row number a person sees in Excel (or the line number of the CSV), so every later message
can point at it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import (
    INSTRUCTION_SHEET_WORDS,
    KIND_LABELS,
    KINDS,
    SCHEMAS,
    header_lookup,
    kind_from_name,
    normalise_header,
)

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv",)
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


@dataclass
class ReadResult:
    tables: list[RawTable] = field(default_factory=list)
    notes: list[FileNote] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)  # path, sha256, bytes
    skipped: list[dict] = field(default_factory=list)  # file, sheet, reason


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ledger_files(folder: Path) -> list[Path]:
    """Ledger files below a folder, sorted by path (Office lock files and others left out)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in EXCEL_SUFFIXES + CSV_SUFFIXES
        and not p.name.startswith(("~$", "."))
    )


def read_paths(paths: Iterable[Path], root: Path | None = None) -> ReadResult:
    """Read every file; problems that stop a file are collected, not raised."""
    result = ReadResult()
    for path in paths:
        display = str(path.relative_to(root)) if root is not None else str(path)
        result.files.append(
            {"file": display, "sha256": sha256_file(path), "bytes": path.stat().st_size}
        )
        if path.suffix.lower() in CSV_SUFFIXES:
            _read_csv(path, display, result)
        else:
            _read_workbook(path, display, result)
    return result


def _read_csv(path: Path, display: str, result: ReadResult) -> None:
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
            FileNote(display, "", None, "", "", "无法识别文件编码", "UTF-8 或 GB18030 编码的 CSV")
        )
        return
    try:
        cells = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        result.notes.append(FileNote(display, "", None, "", "", f"CSV 格式错误:{exc}", "CSV"))
        return
    width = max((len(r) for r in cells), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in cells], dtype=object)
    _add_table(grid, display, "", kind_from_name(path.stem), result)


def _read_workbook(path: Path, display: str, result: ReadResult) -> None:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    except Exception as exc:  # calamine raises several types for broken files
        result.notes.append(
            FileNote(
                display,
                "",
                None,
                "",
                "",
                f"文件已损坏或不是有效的 Excel 文件({type(exc).__name__})",
                "可用 Excel 打开并另存为 .xlsx 的文件",
            )
        )
        return
    file_kind = kind_from_name(path.stem)
    for sheet_name, grid in sheets.items():
        sheet_kind = kind_from_name(str(sheet_name))
        if sheet_kind is None and any(
            w in str(sheet_name).lower() for w in INSTRUCTION_SHEET_WORDS
        ):
            result.skipped.append({"file": display, "sheet": sheet_name, "reason": "填表说明"})
            continue
        _add_table(grid, display, str(sheet_name), sheet_kind or file_kind, result)


def _blank(grid: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: cell is empty (None, NaN, or only spaces)."""
    as_text = grid.astype(str).apply(lambda c: c.str.strip())
    return grid.isna() | as_text.isin(["", "nan", "None", "NaT"])


def _find_header(grid: pd.DataFrame, kind: str | None) -> tuple[str | None, int, dict[int, str]]:
    """Among the first rows, the row that best matches a kind's headers.

    Returns (kind, row index, {column position: English name}); kind None if no row
    carries every required header of any kind.
    """
    kinds = (kind,) if kind else KINDS
    best: tuple[int, str | None, int, dict[int, str]] = (0, None, -1, {})
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
        cells = [normalise_header(v) if pd.notna(v) else "" for v in grid.iloc[i].tolist()]
        for k in kinds:
            lookup = header_lookup(k)
            mapping: dict[int, str] = {}
            for pos, cell in enumerate(cells):
                name = lookup.get(cell)
                if name and name not in mapping.values():
                    mapping[pos] = name
            required = {c.name for c in SCHEMAS[k] if c.required}
            complete = required <= set(mapping.values())
            score = len(mapping) + (100 if complete else 0)
            if score > best[0]:
                best = (score, k, i, mapping)
    score, k, i, mapping = best
    return (k if score >= 100 else None), i, mapping


def _add_table(
    grid: pd.DataFrame, display: str, sheet: str, kind: str | None, result: ReadResult
) -> None:
    """Locate the header row of one grid, then keep its non-empty data rows."""
    blank = _blank(grid) if not grid.empty else grid
    if grid.empty or bool(blank.all().all()):
        result.skipped.append({"file": display, "sheet": sheet, "reason": "空表"})
        return
    found, header_idx, mapping = _find_header(grid, kind)
    if found is None and kind is not None:
        # The name said one kind, but the header may say another: try every kind.
        found2, idx2, map2 = _find_header(grid, None)
        if found2 is not None:
            found, header_idx, mapping = found2, idx2, map2
    if found is None:
        _report_missing_header(grid, display, sheet, kind, header_idx, mapping, result)
        return
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
            head = f"第{_col_letter(pos)}列"
        frame[f"extra:{str(head).strip()}"] = col.to_numpy()
        headers[f"extra:{str(head).strip()}"] = str(head).strip()
    rows = (body.index.to_numpy() + 1).astype(np.int64)  # grid index 0 is Excel row 1
    result.tables.append(
        RawTable(display, sheet, found, frame, headers, rows, header_row=header_idx + 1)
    )


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
                "文件名含 走访/事件/排查/积案,或表头为 ledger-format.md 所列的中文表头",
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
        )
    )


def _col_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_frames(frames: dict[str, pd.DataFrame]) -> ReadResult:
    """Tables given as DataFrames (analysts, benchmarks): keyed by kind, English columns.

    Row numbers are given as if the frame were a sheet with its header in row 1.
    """
    result = ReadResult()
    for kind, df in frames.items():
        if kind not in KINDS:
            result.notes.append(
                FileNote(f"<{kind}>", "", None, "", str(kind), "未知的台账类型", "、".join(KINDS))
            )
            continue
        lookup = header_lookup(kind)
        renamed: dict[str, str] = {}
        headers: dict[str, str] = {}
        for col in df.columns:
            name = lookup.get(normalise_header(col))
            if name and name not in renamed.values():
                renamed[col] = name
                headers[name] = str(col)
            else:
                renamed[col] = f"extra:{col}"
                headers[f"extra:{col}"] = str(col)
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
                    "列名为 ledger-format.md 所列的英文名或中文表头",
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
                    RawTable(str(file), str(sheet or ""), kind, part, headers, rows, header_row=1)
                )
            continue
        for key in ("src_file", "src_sheet", "src_row"):  # an empty table from the store
            if f"extra:{key}" in frame.columns:
                frame = frame.drop(columns=f"extra:{key}")
                headers.pop(f"extra:{key}", None)
        rows = np.arange(2, len(frame) + 2, dtype=np.int64)
        result.tables.append(RawTable(f"<{kind}>", "", kind, frame, headers, rows, header_row=1))
    return result
