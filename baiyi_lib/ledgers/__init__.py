"""Ledgers in: files or frames become the same four tidy, validated DataFrames.

Input: a folder of ledger files, one file (a workbook or a CSV), a list of files, or a dict
of DataFrames keyed visits/incidents/screening/backlog with the English column names.
Choosing among those and the store (.duckdb) is ``baiyi_lib.sources``'s job.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import LedgerError
from ..params import Rules
from .read import NOT_A_LEDGER, Batch, ReadResult, batch_files, read_frames, read_paths
from .schema import KIND_LABELS, KINDS
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
    # ledgers of which no file (or submission) was found at all, by kind
    missing: tuple[str, ...] = ()
    # 预警信息 (实施方案 四(二)): empty where no register was read
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    # 局领导接访值班表 (实施方案 四(一)): empty where no roster was read
    roster: pd.DataFrame = field(default_factory=pd.DataFrame)
    # from a store: the weekly returns as its submission records know them (unit,
    # received, withdrawn: NaT unless withdrawn by the store's known_at); None for files
    received: pd.DataFrame | None = None
    # from a store: the one-off documents' receipts (实施方案 五、四) as known then (unit,
    # kind, received, sha256); None for files (a folder holds no receipt times)
    documents: pd.DataFrame | None = None

    def __getitem__(self, kind: str) -> pd.DataFrame:
        if kind not in KINDS:
            raise KeyError(kind)
        return getattr(self, kind)

    def not_read(self) -> pd.DataFrame:
        """What was there but not read, as a person should hear it before any score:
        file, sheet, reason (files that are not ledgers, hidden sheets, links…)."""
        acc = self.accounting
        unread = (acc["kind"] == "未读取") | acc["note"].astype(str).str.startswith("未读取")
        out = acc.loc[unread, ["file", "sheet", "note"]].rename(columns={"note": "reason"})
        out["reason"] = out["reason"].str.replace(r"^未读取[((]?|[))]$", "", regex=True)
        return out.reset_index(drop=True)

    def reading_lines(self) -> list[str]:
        """One line per ledger missing altogether and per thing not read that could have
        been a ledger (a hidden sheet, a link, a zip member…), in Chinese. Files that are
        plainly not ledgers (a README) are in the accounting only."""
        lines = [
            f"没有找到{KIND_LABELS[k]}:这种台账一个文件也没有,"
            + ("相关计分按没有记录计算" if k in SCORED else "履职情况中的核对无从进行(不影响得分)")
            for k in self.missing
        ]
        shown = self.not_read()
        shown = shown[~shown["reason"].str.startswith(NOT_A_LEDGER)]
        for r in shown.itertuples(index=False):
            where = f"{r.file}「{r.sheet}」" if r.sheet else r.file
            lines.append(f"未读取 {where}:{r.reason}")
        acc = self.accounting
        for r in acc[acc["note"].astype(str).str.contains("隐藏行")].itertuples(index=False):
            note = next(n for n in str(r.note).split(";") if "隐藏行" in n)
            lines.append(f"{r.file}「{r.sheet}」{note}(屏幕上看不到,但仍是台账的行)")
        for r in acc[acc["note"].astype(str).str.contains("列,各行按否计")].itertuples(index=False):
            note = next(n for n in str(r.note).split(";") if "按否计" in n)
            where = f"{r.file}「{r.sheet}」" if r.sheet else str(r.file)
            lines.append(f"{where}{note}")
        return lines


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
    """Read a folder, a file, a zip, a list of files or a dict of DataFrames. In a folder,
    every entry that is not read is listed with its reason (``walk_folder``); a file named
    explicitly is read if it is a regular file, else ParamsError (``named_file``)."""
    if isinstance(source, dict):
        return read_frames(source)
    paths = [Path(p) for p in source] if isinstance(source, list | tuple) else [Path(source)]
    with batch_files(paths, rules.limits, rules) as batch:
        return read_paths([p for p, _ in batch.named], rules, names=dict(batch.named),
                          batch=batch)  # fmt: skip


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


def check_files(batch: Batch, rules: Rules, received: dt.datetime | None = None) -> LedgerCheck:
    """Read and validate a batch of files together, each under the name given (as
    ``read.batch_files`` names them): a file's problems carry its name."""
    read = read_paths([p for p, _ in batch.named], rules, names=dict(batch.named), batch=batch)
    return _checked(read, rules, None, received)


def _checked(
    read: ReadResult, rules: Rules, files: pd.DataFrame | None, received: dt.datetime | None
) -> LedgerCheck:
    checked: Checked = check(read, rules, received)
    if files is None:
        files = pd.DataFrame(read.files, columns=["file", "sha256", "bytes"])
    remarks = checked.problems[checked.problems["severity"] != ERROR].reset_index(drop=True)
    carried = {t.kind for t in read.tables}
    ledgers = Ledgers(
        **checked.frames,
        screening_rows=checked.screening_rows,
        problems=remarks,
        accounting=checked.accounting,
        files=files,
        missing=tuple(k for k in KINDS if k not in carried and k in kinds_used(rules)),
    )
    result = LedgerCheck(checked.problems, checked.accounting, files, ledgers)
    if not result.ok:
        result.ledgers = None
    return result


# The ledgers points come from; the others (预警信息, 接访值班表) serve the plan's duties only
SCORED = ("visits", "incidents", "screening", "backlog")


def kinds_used(rules: Rules) -> set[str]:
    """The ledgers the method reads something from: a missing one is said before any
    score; one it has no rule or duty for is not (滁州's method needs no backlog)."""
    used = {"visits"}
    if rules.by_mechanism("incident"):
        used.add("incidents")
    looks_back = any(r.condition == "unscreened" for r in rules.by_mechanism("doubling"))
    camp = rules.campaign
    if looks_back or camp.has_returns or camp.attention.unresolved_weeks is not None:
        used.add("screening")
    if rules.by_mechanism("backlog") or "backlog_by_the_book" in camp.duties:
        used.add("backlog")
    if "warnings" in camp.duties:
        used.add("warnings")
    if "daily_reception" in camp.duties:
        used.add("roster")
    return used


def read_anything(result: LedgerCheck) -> bool:
    """Whether any ledger file or table was found (empty tables count: week 1 may have none)."""
    return bool(len(result.files)) or bool(len(result.accounting))


def format_problems(problems: pd.DataFrame, limit: int = 50, store: bool = False) -> str:
    """The Chinese message of a LedgerError: a count, then one line per problem. From the
    ``store`` (its rows checked again under the rules now in use), what to do differs: the
    rows are stored, and it is the rules or a new return that decide."""
    errors = problems[problems["severity"] == ERROR]
    n_files = errors["file"].nunique()
    if store:
        head = (
            f"台账库中的台账按现在的参数检查,有 {len(errors)} 处错误(涉及 {n_files} 个文件),"
            "本次未计分。台账库未作改动。请让单位改正后重新报送(baiyi ingest),"
            "或用载入时的参数(--rules)计分:"
        )
    else:
        head = (
            f"台账有 {len(errors)} 处错误(涉及 {n_files} 个文件),未载入任何数据。请改正后重新载入:"
        )
    lines = [head]
    for p in errors.head(limit).itertuples(index=False):
        lines.append("  - " + describe(p))
    if len(errors) > limit:
        lines.append(
            f"  ……另有 {len(errors) - limit} 处;完整清单可用 baiyi export 导出为 Excel 问题表。"
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
    if p.value not in ("", None):
        where.append(f"值「{p.value}」")
    elif p.column and not str(getattr(p, "check", "")).startswith(("file.", "table.")):
        where.append("值为空")  # a cell's; a column, sheet or file as a whole has none
    kind = f"[{p.kind}] " if p.kind else ""
    expected = "" if pd.isna(p.expected) or not str(p.expected).strip() else f"应为:{p.expected}"
    # never an empty expectation: a remark that needs nothing done says so by its silence
    return f"{kind}{','.join(where)}:{p.problem}" + (f"。{expected}" if expected else "")
