"""From a grid of cells (one sheet, one text file) to a raw table, as a person reads it.

- The header block is found by the known column names wherever the title rows put it,
  one to three rows deep: a group heading (化解情况 over 化解状态 / 化解日期) and the names
  under it read as one header (the lowest name of each column wins).
- Title rows above it are scanned for personal data, 填报单位 and the 零报告 mark.
- A row holding nothing but its serial number (序号) — or that and the unit a template
  pre-fills — is an empty row; a 合计 / 小计 row is a total, listed as such, not data.
  Both are counted in the accounting (ledgers.yaml names the words).
- A cell a person can't see as a value (``raw.Unseen``: a formula never calculated, an
  error) is an error in its row, naming the cell.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ..params import Reading, fold
from .privacy import detect, length_only, shown, shown_name
from .raw import FileNote, RawTable, ReadResult, Unseen, extra_key, extra_written, note
from .schema import KIND_LABELS, KINDS, SCHEMAS, header_lookup, normalise_header
from .zipparts import column_letter

_HAN_OR_QUOTE = re.compile('["\u3400-\u9fff\uf900-\ufaff]')
HEADER_SCAN_ROWS = 10  # the header block starts among the first rows
HEADER_DEPTH = 3  # and is at most this many rows deep


_EMPTY_TEXT = frozenset({"", "nan", "None", "NaT"})


def _blank_cell(value: object) -> bool:
    return str(value).strip() in _EMPTY_TEXT


_blank_cells = np.frompyfunc(_blank_cell, 1, 1)


def blank(grid: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: cell is empty (None, NaN, or only spaces)."""
    if grid.empty:
        return grid.isna()
    as_text = _blank_cells(grid.to_numpy(dtype=object)).astype(bool)
    return grid.isna() | pd.DataFrame(as_text, index=grid.index, columns=grid.columns)


def scan_text(text: str, file: str, sheet: str, ref: str, where: str, result: ReadResult) -> None:
    """A piece of a workbook that is not a table cell (a comment, a title): personal data
    refuses the file like a cell would."""
    what = detect(text)
    if what:
        row = int("".join(ch for ch in ref if ch.isdigit()) or 0) or None
        result.notes.append(
            FileNote(file, shown_name(sheet), row, f"{where} {ref}".strip(), shown(text),
                     f"{where}中含{what},台账不得记录个人信息", "删除个人信息后重新报送",
                     check="text.personal")
        )  # fmt: skip


def scan_grid(
    grid: pd.DataFrame, rows: range, file: str, sheet: str, where: str, result: ReadResult
) -> None:
    """Personal data in rows that are not table rows (title rows, instruction sheets,
    hidden sheets)."""
    for i in rows:
        for pos, value in enumerate(grid.iloc[i].tolist()):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            text = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
            scan_text(text, file, sheet, f"{column_letter(pos + 1)}{i + 1}", where, result)


# --------------------------------------------------------------------------- header block


def _row_names(grid: pd.DataFrame, i: int) -> list[str | None]:
    """Row i's cells as header names (normalised), None where a cell holds no name."""
    return [
        normalise_header(v)
        if v is not None and not isinstance(v, Unseen) and pd.notna(v) and str(v).strip()
        else None
        for v in grid.iloc[i].tolist()
    ]


def _header_cells(rows: list[list[str | None]], start: int, depth: int) -> list[str]:
    """The header of each column over rows start..start+depth-1: its lowest name."""
    out = [""] * len(rows[0])
    for names in rows[start : start + depth]:
        for pos, name in enumerate(names):
            if name is not None:
                out[pos] = name
    return out


def find_header(
    grid: pd.DataFrame, kind: str | None
) -> tuple[str | None, int, int, dict[int, str], dict[str, list[int]]]:
    """The header block that best matches a kind's headers, among the first rows and one
    to ``HEADER_DEPTH`` rows deep (the shallowest of equal matches).

    Returns (kind, first row index, depth, {column position: English name}, {name:
    positions of every column with that header, where there are two or more}); kind None
    if no block carries every required header of any kind.
    """
    kinds = (kind,) if kind else KINDS
    best: tuple = ((0, 0), None, -1, 1, {}, {})
    scanned = min(HEADER_SCAN_ROWS + HEADER_DEPTH - 1, len(grid))
    rows = [_row_names(grid, i) for i in range(scanned)]
    for i in range(min(HEADER_SCAN_ROWS, len(grid))):
        for depth in range(1, HEADER_DEPTH + 1):
            if i + depth > len(grid):
                break
            cells = _header_cells(rows, i, depth)
            for k in kinds:
                mapping, dups = _match(cells, k)
                required = {c.name for c in SCHEMAS[k] if c.required}
                complete = required <= set(mapping.values())
                rank = (len(mapping) + (100 if complete else 0), -depth)  # shallower wins
                if rank > best[0]:
                    best = (rank, k, i, depth, mapping, dups)
    (score, _), k, i, depth, mapping, dups = best
    return (k if score >= 100 else None), i, depth, mapping, dups


def _match(cells: list[str], kind: str) -> tuple[dict[int, str], dict[str, list[int]]]:
    lookup = header_lookup(kind)
    mapping: dict[int, str] = {}
    seen: dict[str, list[int]] = {}
    for pos, cell in enumerate(cells):
        name = lookup.get(cell)
        if name:
            seen.setdefault(name, []).append(pos)
            if name not in mapping.values():
                mapping[pos] = name
    return mapping, {n: p for n, p in seen.items() if len(p) > 1}


# --------------------------------------------------------------------------- the table


def add_table(
    grid: pd.DataFrame,
    display: str,
    sheet: str,
    kind: str | None,
    result: ReadResult,
    reading: Reading,
    hidden_rows: set[int] = frozenset(),  # type: ignore[assignment]
) -> bool:
    """Locate the header block of one grid, then keep its data rows as a raw table.

    Returns whether the grid held anything (a table, or a problem worth a message)."""
    empty = blank(grid) if not grid.empty else grid
    if grid.empty or bool(empty.all().all()):
        result.skipped.append({"file": display, "sheet": sheet, "reason": "空表"})
        return False
    found, start, depth, mapping, dups = find_header(grid, kind)
    if found is None and kind is not None:
        # The name said one kind, but the header may say another: try every kind.
        other = find_header(grid, None)
        if other[0] is not None:
            found, start, depth, mapping, dups = other
    if found is None:
        report_missing_header(display, sheet, kind, start + depth - 1, mapping, result)
        scan_grid(grid, range(min(HEADER_SCAN_ROWS, len(grid))), display, sheet, "表格", result)
        return True
    scan_grid(grid, range(start), display, sheet, "标题行", result)
    title = [str(v).strip() for v in grid.iloc[:start].to_numpy().ravel().tolist()
             if _filled(v)]  # fmt: skip
    header_at = start + depth  # first data row (grid index)
    names = [_written_header(grid, start, depth, pos) for pos in range(grid.shape[1])]
    body = grid.iloc[header_at:]
    filled = ~empty.iloc[header_at:]
    serial = [pos for pos, h in enumerate(names) if h and fold(h) in reading.serial_headers]
    unit = [pos for pos, name in mapping.items() if name == "unit"]
    keep, template, totals = _data_rows(body, filled, serial, unit, reading)
    table = _frame(body[keep], mapping, names, filled[keep])
    rows = (body.index.to_numpy()[keep] + 1).astype(np.int64)  # grid index 0 is Excel row 1
    t = RawTable(
        display, sheet, found, table, _headers(mapping, names, table), rows, header_at,
        {n: [f"{column_letter(p + 1)} 列「{names[p]}」" for p in ps] for n, ps in dups.items()},
        zero_mark(title), unit_written(title),
    )  # fmt: skip
    _long_numbers(t, mapping)
    _unseen(t, mapping)
    _remark_rows(t, body.index.to_numpy() + 1, template, totals, hidden_rows, result)
    result.tables.append(t)
    return True


def _filled(v: object) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and bool(str(v).strip())


def _written_header(grid: pd.DataFrame, start: int, depth: int, pos: int) -> str:
    """A column's header as written (its lowest name in the block), for messages."""
    for i in range(min(start + depth, len(grid)) - 1, start - 1, -1):
        v = grid.iat[i, pos]
        if _filled(v) and not isinstance(v, Unseen):
            return str(v).strip()
    return ""


def _data_rows(
    body: pd.DataFrame, filled: pd.DataFrame, serial: list[int], unit: list[int], reading: Reading
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which rows below the header are data: not empty, not a template row holding only
    its serial number (and the unit the template pre-fills), not a 合计/小计 row."""
    has = filled.to_numpy()
    if not len(body):
        return np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, bool)
    anything = has.any(axis=1)
    content = has.copy()
    content[:, serial + unit] = False
    template = anything & ~content.any(axis=1) & bool(serial)
    totals = np.array([_is_total(r, reading) for r in body.to_numpy()], dtype=bool) & anything
    return anything & ~template & ~totals, template, totals


def _is_total(cells: np.ndarray, reading: Reading) -> bool:
    """A 合计 / 小计 row: one of its first cells is a total word (合计, 合 计, 小计:)."""
    for v in cells[:4]:
        if _filled(v) and not isinstance(v, Unseen):
            text = re.sub(r"[::]$", "", fold(v))
            if text in reading.total_words:
                return True
    return False


def _frame(
    body: pd.DataFrame, mapping: dict[int, str], names: list[str], filled: pd.DataFrame
) -> pd.DataFrame:
    """The known columns under their English names, and every other column that holds
    something (kept as written, so that the privacy check can see it)."""
    cells = body.to_numpy(dtype=object)
    has = filled.to_numpy(dtype=bool)
    columns = {name: cells[:, pos] for pos, name in mapping.items()}
    for pos in range(body.shape[1]):
        if pos in mapping:
            continue
        head = names[pos]
        if not head:
            if not has[:, pos].any():
                continue
            head = f"第{column_letter(pos + 1)}列"
        # keyed by its place too: two columns headed alike (备注, 备注) are two columns,
        # each read, scanned for personal data and said of
        columns[extra_key(head, column_letter(pos + 1))] = cells[:, pos]
    return pd.DataFrame(columns, index=range(len(body)))


def _headers(mapping: dict[int, str], names: list[str], frame: pd.DataFrame) -> dict[str, str]:
    headers = {name: names[pos] for pos, name in mapping.items()}
    headers.update({c: extra_written(c)[0] for c in frame.columns if c.startswith("extra:")})
    return headers


def _long_numbers(t: RawTable, mapping: dict[int, str]) -> None:
    """An id typed into a number cell with more than 15 digits: Excel kept only 15 (the
    screen shows 3.71327E+18), so the number read is not the one typed. ``Unseen`` (unless
    it looks like an ID number: then the privacy check refuses it as such)."""
    ids = {c.name for c in SCHEMAS[t.kind] if c.type in ("id", "opt_id")}
    for name in ids & set(mapping.values()):
        col = t.frame[name]
        long = col.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)
                       and abs(v) >= 1e15 and not detect(str(int(v))))  # fmt: skip
        if long.any():
            marked = col[long].map(lambda v: Unseen("digits", f"{v:.6G}"))
            t.frame[name] = col.where(~long, marked.reindex(col.index))


def _unseen(t: RawTable, mapping: dict[int, str]) -> None:
    """Cells of known columns that a person sees but that hold no readable value: each is
    an error in its row (``RawTable.row_notes``), and the cell is left blank and quiet."""
    for pos, name in mapping.items():
        col = t.frame[name]
        marks = col.map(lambda v: isinstance(v, Unseen)).to_numpy(dtype=bool)
        for i in np.flatnonzero(marks):
            cell: Unseen = col.iat[i]
            row = int(t.rows[i])
            ref = f"{column_letter(pos + 1)}{row}"
            if cell.what == "formula":
                problem = f"公式未计算:单元格 {ref} 只有公式,没有保存计算结果(多为程序生成的文件)"
                expected = "请用 Excel/WPS 打开并保存后重新报送"
                check = "cell.formula"
            elif cell.what == "digits":
                problem = (f"单元格 {ref} 是超过 15 位的数字,Excel 只保存 15 位,"
                           f"屏幕上显示为 {cell.text},末尾的数字已经丢失")  # fmt: skip
                expected = "把这一列设为“文本”格式后重新输入完整的编号"
                check = "cell.long_number"
            else:
                problem = f"单元格 {ref} 显示错误值 {cell.text},不是{t.headers.get(name, name)}"
                expected = "改正公式或直接填写数值后重新报送"
                check = "cell.error_value"
            # a formula's text may spell a name or a number in pieces (="张"&"三"&"138…")
            spelt = check == "cell.formula" and _HAN_OR_QUOTE.search(cell.text)
            value = length_only(cell.text) if spelt else cell.text
            t.row_notes.append(FileNote(t.file, t.sheet, row, t.headers.get(name, name),
                                        value, problem, expected, check=check))  # fmt: skip
            t.quiet.add((row, name))
        if marks.any():
            t.frame[name] = col.where(~marks, None)
    for c in [c for c in t.frame.columns if c.startswith("extra:")]:
        t.frame[c] = t.frame[c].map(lambda v: None if isinstance(v, Unseen) else v)


def _remark_rows(
    t: RawTable,
    excel_rows: np.ndarray,
    template: np.ndarray,
    totals: np.ndarray,
    hidden: set[int],
    result: ReadResult,
) -> None:
    """Say in the accounting how the sheet was read: hidden rows read as data, template
    rows and totals left out (each total also a remark naming its row)."""
    shown_hidden = sorted(int(r) for r in t.rows if int(r) - 1 in hidden)
    if shown_hidden:
        t.remarks.append(f"含 {len(shown_hidden)} 个隐藏行(第 {_rows(shown_hidden)} 行),已读取")
    if template.any():
        t.remarks.append(f"{int(template.sum())} 个只有序号的空行,未作为数据")
    for r in excel_rows[totals]:
        t.remarks.append(f"第 {int(r)} 行是合计行,未作为数据")
        result.notes.append(note("table.total_row", t.file, t.sheet, int(r), "", "合计"))


def _rows(rows: list[int], shown: int = 6) -> str:
    return "、".join(map(str, rows[:shown])) + ("……" if len(rows) > shown else "")


# --------------------------------------------------------------------------- title rows

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


def report_missing_header(
    display: str,
    sheet: str,
    kind: str | None,
    idx: int,
    mapping: dict[int, str],
    result: ReadResult,
) -> None:
    if kind is None:
        result.notes.append(
            FileNote(display, sheet, None, "", "",
                     "无法识别台账类型:文件名或工作表名中没有台账名称,前几行也没有找到完整的表头",
                     "文件名含 走访/事件/排查/积案,或表头为 docs/使用说明.md 所列的中文表头",
                     check="table.kind")
        )  # fmt: skip
        return
    present = set(mapping.values())
    missing = [c.header for c in SCHEMAS[kind] if c.required and c.name not in present]
    result.notes.append(
        FileNote(display, sheet, idx + 1 if mapping else None, "、".join(missing), "",
                 f"{KIND_LABELS[kind]}缺少必填列:{'、'.join(missing)}",
                 "表头应含:" + "、".join(c.header for c in SCHEMAS[kind] if c.required),
                 check="table.required_columns")
    )  # fmt: skip
