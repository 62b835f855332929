"""Ledgers in: files or frames become the same four tidy, validated DataFrames.

Input: a folder of ledger files, one file (a workbook or a CSV), a list of files, or a dict
of DataFrames keyed visits/incidents/screening/backlog with the English column names.
Choosing among those and the store (.duckdb) is ``baiyi_lib.sources``'s job.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import LedgerError
from ..params import Rules
from .read import ReadResult, named_file, read_frames, read_paths, walk_folder
from .schema import KINDS
from .validate import ERROR, Checked, check

__all__ = [
    "KINDS",
    "LedgerCheck",
    "LedgerError",
    "Ledgers",
    "check_files",
    "check_tables",
    "format_problems",
]

Source = str | os.PathLike | dict | list


@dataclass
class Ledgers:
    """The four ledgers, validated, with English column names and provenance columns.

    ``screening`` has one row per (unit, case): the earliest screening date and the latest
    status; ``screening_rows`` keeps every weekly row. ``problems`` holds the remarks (提示)
    that did not refuse any row; ``accounting`` the rows read/used/refused per file;
    ``files`` every file read with its SHA-256.
    """

    visits: pd.DataFrame
    incidents: pd.DataFrame
    screening: pd.DataFrame
    backlog: pd.DataFrame
    screening_rows: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame
    files: pd.DataFrame

    def __getitem__(self, kind: str) -> pd.DataFrame:
        if kind not in KINDS:
            raise KeyError(kind)
        return getattr(self, kind)


@dataclass
class LedgerCheck:
    """What validation found: the problem table, the accounting, and the ledgers if usable."""

    problems: pd.DataFrame
    accounting: pd.DataFrame
    files: pd.DataFrame
    ledgers: Ledgers | None

    @property
    def ok(self) -> bool:
        return not (self.problems["severity"] == ERROR).any()


def _read(source: Source, rules: Rules) -> ReadResult:
    """Read a folder, a file, a list of files or a dict of DataFrames. In a folder, every
    entry that is not read is listed with its reason (``walk_folder``); a file named
    explicitly is read if it is a regular file, else ParamsError (``named_file``)."""
    limits = rules.limits
    if isinstance(source, dict):
        return read_frames(source)
    if isinstance(source, list | tuple):
        paths = [named_file(Path(p)) for p in source]
        return read_paths(paths, limits, root=_common_root(paths))
    path = Path(source)
    if path.is_dir():
        found = walk_folder(path)
        return read_paths(found.files, limits, root=path, unread=found.unread)
    return read_paths([named_file(path)], limits, root=path.parent)


def _common_root(paths: list[Path]) -> Path | None:
    if not paths:
        return None
    try:
        return Path(os.path.commonpath([p.resolve().parent for p in paths]))
    except ValueError:
        return None


def check_tables(
    source: Source,
    rules: Rules,
    files: pd.DataFrame | None = None,
    received: dt.datetime | None = None,
) -> LedgerCheck:
    """Read and validate files or frames without raising: every problem, the accounting,
    and the ledgers if no row is refused. ``files`` replaces the list of files read (the
    store passes its submissions); with ``received`` (the moment the files were
    received), a date after it is an error in its row."""
    return _checked(_read(source, rules), rules, files, received)


def check_files(
    named: list[tuple[Path, str]], rules: Rules, received: dt.datetime | None = None
) -> LedgerCheck:
    """Read and validate a batch of files together, each under the name given (as
    ``read.list_inputs`` names them): a file's problems carry its name."""
    paths = [p for p, _ in named]
    read = read_paths(paths, rules.limits, names=dict(named))
    return _checked(read, rules, None, received)


def _checked(
    read: ReadResult, rules: Rules, files: pd.DataFrame | None, received: dt.datetime | None
) -> LedgerCheck:
    checked: Checked = check(read, rules, received)
    if files is None:
        files = pd.DataFrame(read.files, columns=["file", "sha256", "bytes"])
    remarks = checked.problems[checked.problems["severity"] != ERROR].reset_index(drop=True)
    ledgers = Ledgers(
        **checked.frames,
        screening_rows=checked.screening_rows,
        problems=remarks,
        accounting=checked.accounting,
        files=files,
    )
    result = LedgerCheck(checked.problems, checked.accounting, files, ledgers)
    if not result.ok:
        result.ledgers = None
    return result


def read_anything(result: LedgerCheck) -> bool:
    """Whether any ledger file or table was found (empty tables count: week 1 may have none)."""
    return bool(len(result.files)) or bool(len(result.accounting))


def format_problems(problems: pd.DataFrame, limit: int = 50) -> str:
    """The Chinese message of a LedgerError: a count, then one line per problem."""
    errors = problems[problems["severity"] == ERROR]
    n_files = errors["file"].nunique()
    lines = [
        f"台账有 {len(errors)} 处错误(涉及 {n_files} 个文件),未载入任何数据。请改正后重新载入:"
    ]
    for p in errors.head(limit).itertuples(index=False):
        lines.append("  - " + describe(p))
    if len(errors) > limit:
        lines.append(
            f"  ……另有 {len(errors) - limit} 处,"
            "完整清单见 LedgerError.problems 或 `baiyi validate`。"
        )
    return "\n".join(lines)


def describe(p) -> str:
    """One problem as a sentence: file, sheet, row, column, value, what is wrong, expected."""
    where = [f"文件 {p.file}"]
    if p.sheet:
        where.append(f"工作表「{p.sheet}」")
    if not pd.isna(p.row):
        where.append(f"第 {int(p.row)} 行")
    if p.column:
        where.append(f"列「{p.column}」")
    value = f"值「{p.value}」" if p.value not in ("", None) else "值为空"
    kind = f"[{p.kind}] " if p.kind else ""
    return f"{kind}{','.join(where)},{value}:{p.problem}。应为:{p.expected}"
