"""What reading produces before validation: raw tables, file-level notes, the result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .checks import CHECKS, ERROR, REMARK

__all__ = [
    "ERROR",
    "REMARK",
    "FileNote",
    "RawTable",
    "ReadResult",
    "Unseen",
    "note",
    "whole_file",
]


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
    severity: str = ""  # "" is the check's own (checks.CHECKS); given only where declared
    check: str = ""  # the id of the declared check (checks.CHECKS)

    def __post_init__(self) -> None:
        declared = CHECKS[self.check]
        own = declared.severity.value
        self.severity = self.severity or own
        assert self.severity == own or declared.remark_when, (self.check, self.severity)


def note(
    check: str,
    file: str,
    sheet: str,
    row: int | None,
    column: str,
    value: str,
    *,
    problem: str | None = None,
    expected: str | None = None,
    severity: str = "",
    **fields: object,
) -> FileNote:
    """A note of a declared check worded as declared: its message and expected text with
    ``fields`` filled, unless the problem or the expected text is given."""
    declared = CHECKS[check]
    problem = declared.say(**fields) if problem is None else problem
    expected = declared.expect(**fields) if expected is None else expected
    return FileNote(file, sheet, row, column, value, problem, expected, severity, check=check)


def whole_file(file: str, problem: str, expected: str, check: str) -> FileNote:
    """A problem with a file as a whole (no sheet, row or column)."""
    return FileNote(file, "", None, "", "", problem, expected, check=check)


_AT = "\x1f"  # between an extra column's header and its column letter in its key


def extra_key(written: str, letter: str = "") -> str:
    """The frame column of a column the ledger does not have: ``extra:`` and its header
    as written, and its column letter when it comes from a sheet (two alike are two)."""
    return f"extra:{written}{_AT}{letter}" if letter else f"extra:{written}"


def extra_written(key: str) -> tuple[str, str]:
    """An extra column's key (``extra_key``) as its header as written and its column
    letter ("" when it has none: a DataFrame's column)."""
    head, sep, letter = key.removeprefix("extra:").rpartition(_AT)
    return (head, letter) if sep else (letter, "")


@dataclass
class RawTable:
    """One sheet (or text file) of one kind: raw cell values under English column names,
    as a person sees them (merged cells filled, hidden rows included)."""

    file: str
    sheet: str
    kind: str
    frame: pd.DataFrame  # English column names (known columns) + extra columns as written
    headers: dict[str, str]  # English name → header as written in the file
    rows: np.ndarray  # Excel row number of each frame row
    header_row: int  # Excel row number of the (last) header row
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # name → headers as written
    zero: bool = False  # the title rows declare a zero return (零报告: 是)
    unit_hint: str | None = None  # 填报单位 as written in the title rows
    from_file: bool = True  # a file a person filled (not a DataFrame): empty needs 零报告
    # problems in data rows found while reading (a formula without a result, an error
    # value): they refuse their row, and the cell is not judged again
    row_notes: list[FileNote] = field(default_factory=list)
    quiet: set[tuple[int, str]] = field(default_factory=set)  # (Excel row, column name)
    # what the accounting says of how the sheet was read (hidden rows read, template
    # rows and totals left out)
    remarks: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    tables: list[RawTable] = field(default_factory=list)
    notes: list[FileNote] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)  # path, sha256, bytes
    skipped: list[dict] = field(default_factory=list)  # file, sheet, reason (read, no rows)
    unread: list[dict] = field(default_factory=list)  # file, reason (not a ledger: walk_folder)


@dataclass(frozen=True)
class Unseen:
    """A cell whose stored value is not what a person sees: a formula with no stored
    result (``formula``) or an error value such as #REF! (``error``). Reading never takes
    it for a value: in a table it is an error naming the cell."""

    what: str  # "formula" or "error"
    text: str  # the formula, or the error as shown

    def __str__(self) -> str:
        return self.text
