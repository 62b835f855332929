"""Ledgers in: any source becomes the same four tidy, validated DataFrames.

Sources: a folder of CSV/XLSX files, one file (a workbook or a CSV), a list of files, or a
dict of DataFrames keyed visits/incidents/screening/backlog with the English column names.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..dates import parse_moment
from ..errors import LedgerError, ParamsError
from ..params import PROJECT_ROOT, Rules, load_rules
from .read import ReadResult, folder_files, is_ledger_file, read_frames, read_paths
from .schema import KINDS
from .validate import ERROR, Checked, check

__all__ = [
    "KINDS",
    "LedgerCheck",
    "LedgerError",
    "Ledgers",
    "check_ledgers",
    "is_store",
    "known_moment",
    "load_ledgers",
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
    """Read a folder, a file, a list of files or a dict of DataFrames. In a folder, files
    that are not ledgers are listed as unread; a file named explicitly is always read."""
    limits = rules.limits
    if isinstance(source, dict):
        return read_frames(source)
    if isinstance(source, list | tuple):
        paths = [Path(p) for p in source]
        return read_paths(paths, limits, root=_common_root(paths))
    path = Path(source)
    if path.is_dir():
        every = folder_files(path)
        ledgers = [p for p in every if is_ledger_file(p)]
        others = [p for p in every if not is_ledger_file(p)]
        return read_paths(ledgers, limits, root=path, unread=others)
    if path.is_file():
        return read_paths([path], limits, root=path.parent)
    raise LedgerError(f"找不到台账:{path}(应为文件夹、Excel 或 CSV 文件)")


def _common_root(paths: list[Path]) -> Path | None:
    if not paths:
        return None
    try:
        return Path(os.path.commonpath([p.resolve().parent for p in paths]))
    except ValueError:
        return None


DEFAULT_STORE = str(PROJECT_ROOT / "data" / "baiyi.duckdb")
SAMPLE = str(PROJECT_ROOT / "data" / "sample")
STORE_SUFFIX = ".duckdb"


def is_store(source: object) -> bool:
    """Whether a source is the ledger store (a .duckdb file) rather than files."""
    return isinstance(source, str | os.PathLike) and str(source).lower().endswith(STORE_SUFFIX)


def known_moment(value: object, rules: Rules, what: str = "已知时间(known_at)") -> dt.datetime:
    """A moment (``known_at``, a receipt time) in the one date grammar: a bare date is the
    end of that day, the campaign's year may be left out; else ParamsError in Chinese."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.max)
    camp, lim = rules.campaign, rules.limits
    year = camp.start.year if camp.start.year == camp.end.year else None
    return parse_moment(value, what, lim.event_earliest, lim.event_latest, default_year=year)


def default_source() -> str:
    """Where the ledgers are by default: the project's store when it exists, else the
    shipped sample (absolute, whatever the working directory)."""
    return DEFAULT_STORE if os.path.exists(DEFAULT_STORE) else SAMPLE


def resolve_source(source: str | os.PathLike | None) -> str:
    """A data path as a user wrote it: as given if it exists from here, else from the
    project's folder (a notebook in notebooks/ may say "data/sample"); None is the
    default source."""
    if source in (None, ""):
        return default_source()
    path = Path(source)
    if not path.exists() and not path.is_absolute() and (PROJECT_ROOT / path).exists():
        return str(PROJECT_ROOT / path)
    return str(path)


def check_ledgers(
    source: Source, rules: Rules | None = None, known_at: object = None
) -> LedgerCheck:
    """Read and validate without raising: every problem, the accounting, and the ledgers.

    The store is checked like files: its rows as known at ``known_at`` (default: all).
    """
    rules = rules or load_rules()
    if is_store(source):
        from ..store import stored_frames  # the store is built on this module

        moment = None if known_at is None else known_moment(known_at, rules)
        frames, files = stored_frames(source, moment)
        result = check_ledgers(frames, rules)
        result.files = files
        if result.ledgers is not None:
            result.ledgers.files = files
        return result
    if known_at is not None:
        raise ParamsError("known_at 只适用于台账库(.duckdb)")
    read = _read(source, rules)
    checked: Checked = check(read, rules)
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


def load_ledgers(source: Source, rules: Rules | None = None, known_at: object = None) -> Ledgers:
    """Load and validate ledgers; raise LedgerError listing every problem if any row is bad.

    A path ending in .duckdb is the ledger store: the ledgers as they stood at ``known_at``
    (default: everything received).
    """
    result = check_ledgers(source, rules, known_at)
    if result.ledgers is None:
        raise LedgerError(format_problems(result.problems), result.problems, result.accounting)
    if not read_anything(result):
        raise LedgerError(
            f"没有找到任何台账数据:{source if not isinstance(source, dict) else '(DataFrame)'}"
        )
    return result.ledgers


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
