"""Headers: the method's declared columns claimed among a table's extra columns, and whole
tables refused for a header that names personal data or names one column twice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Reading, fold
from .masking import near_miss
from .normalise import _cell_text
from .privacy import detect, is_pii_header, length_only, mask_text, shown_header
from .problems import Problems
from .raw import RawTable, extra_written, note
from .schema import KIND_LABELS, KINDS, SCHEMAS, Column, header_lookup, normalise_header


def claim_declared(tables: list[RawTable], cols: tuple[Column, ...]) -> None:
    """The method's declared columns (已预警…) among each table's extra columns: renamed to
    their names, so that they are read like the contract's own (first one of a kind wins)."""
    own = {c.name for kind in KINDS for c in SCHEMAS[kind]}
    declared = {
        normalise_header(spelling): c.name
        for c in cols
        if c.name not in own
        for spelling in (c.header, c.name, *c.aliases)
    }
    if not declared:
        return
    wanted = {c.name: c for c in cols if c.name not in own}
    for t in tables:
        renames = {}
        for col in t.frame.columns:
            if not str(col).startswith("extra:"):
                continue
            name = declared.get(normalise_header(extra_written(str(col))[0]))
            if name is not None and name not in t.frame.columns and name not in renames.values():
                renames[col] = name
        if renames:
            t.frame = t.frame.rename(columns=renames)
            for old, new in renames.items():
                t.headers[new] = t.headers.pop(old, extra_written(old)[0])
        for name, col in wanted.items():  # said before any score: it reads as 否
            if name not in t.frame.columns and len(t.frame):
                t.remarks.append(f"没有考核办法要求的「{col.header}」列,各行按否计")


def check_headers(tables: list[RawTable], kind: str, problems: Problems) -> set[int]:
    """Refuse whole tables whose headers name personal data or name one column twice;
    return their ids."""
    refused: set[int] = set()
    for t in tables:
        for header in t.headers.values():
            # a header naming personal data, or holding a personal number itself (a phone
            # number typed into the header row), be its column filled or not
            if is_pii_header(header) or detect(header):
                refused.add(id(t))
                shown = shown_header(header)
                pii = note("table.personal_header", t.file, t.sheet, t.header_row, shown, shown)
                problems.add_notes([pii], kind)
        for name, written in t.duplicates.items():
            refused.add(id(t))
            label = next(c.header for c in SCHEMAS[kind] if c.name == name)
            twice = note("table.duplicate_header", t.file, t.sheet, t.header_row,
                         "、".join(written), label,
                         label=label, n=len(written), written="、".join(written))  # fmt: skip
            problems.add_notes([twice], kind)
    return refused


def remark_extras(tables: list[RawTable], kind: str, problems: Problems, reading: Reading) -> None:
    """A column the ledger does not have (备注, 联系情况…) that holds something in a row:
    not read, and said so — a remark naming the file, sheet, header row and column, and a
    line in the table's accounting — never dropped without a word. Its content is never
    quoted (it is still scanned for personal data with every other cell); its header only
    when it is a near-miss of one of the ledger's own headers (是否不满意), else by its
    length: a header may be a person's name. A serial-number column (序号) is not one."""
    words = [h for h in header_lookup(kind) if h]
    own = set(header_lookup(kind))  # a ledger's header written twice is not an extra one
    for t in tables:
        for col in [c for c in t.frame.columns if str(c).startswith("extra:")]:
            written = str(t.headers.get(col, extra_written(str(col))[0]))
            if fold(written) in reading.serial_headers or is_pii_header(written):
                continue  # a 序号 column; a header naming personal data refuses the table
            if detect(written) or normalise_header(written) in own:
                continue  # refused as a whole: personal number; one column twice
            n = _filled(t.frame[col], reading.placeholders)
            if not n:
                continue
            header = _located(_shown_header(written, words), extra_written(str(col))[1])
            label = KIND_LABELS[kind]
            said = note("table.extra_column", t.file, t.sheet, t.header_row, header, "",
                        header=header, label=label, n=n)  # fmt: skip
            problems.add_notes([said], kind)
            t.remarks.append(said.problem)


def extra_header(name: str, kind: str) -> str:
    """An extra column (``extra_key``) named in a message as its remark names it."""
    written, letter = extra_written(name)
    return _located(_shown_header(written, [h for h in header_lookup(kind) if h]), letter)


def _located(shown: str, letter: str) -> str:
    """An extra column's header as shown, with its column letter in front (G 列 备注):
    the clerk finds the column even when its header is shown by its length only."""
    if not letter or (shown.startswith("第") and shown.endswith("列")):
        return shown
    return f"{letter} 列 {shown}"


def _shown_header(written: str, words: list[str]) -> str:
    """An extra column's header as a message may show it: a blank one by nothing, a
    near-miss of the ledger's headers as written, anything else by its length."""
    text = " ".join(written.split())
    if not text:
        return "(无表头)"
    if text.startswith("第") and text.endswith("列") and len(text) <= 6:
        return text  # a column without a header, named by its letter (第H列)
    if near_miss(normalise_header(text), words):
        return mask_text(text)
    return length_only(text)


def _filled(values: pd.Series, placeholders: frozenset[str]) -> int:
    """How many cells hold something: not spaces, not a "none" as people write it (无, /,
    —: ledgers.yaml placeholders), a number 0 included (looked at once per distinct value:
    a frame's extra column may be a million rows)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    shown = [_cell_text(u) for u in uniques]  # as a person sees it: no invisible characters
    blank = [t is pd.NA or fold(str(t)) in placeholders for t in shown]
    return int((~np.append(np.array(blank, dtype=bool), True)[codes]).sum())
