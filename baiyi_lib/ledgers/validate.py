"""Validate raw tables into the four tidy ledgers, listing every problem in one pass.

Every problem names file, sheet, Excel row, the column header as written, the value (masked
if it is personal data) and what was expected, in Chinese. A row with an error is refused;
a remark (提示) does not refuse it. Accounting per file: rows read = used + refused.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Rules
from .accounting import account, account_other, refused_rows
from .cells import check_raw_cells, expected_text, parse_columns
from .checks import ERROR, REMARK
from .coded import coded_frame
from .crossrows import check_links, check_unique
from .headers import check_headers, claim_declared, remark_extras
from .problems import PROBLEM_COLUMNS, Problems
from .raw import ReadResult, note
from .rowchecks import check_after_receipt, check_campaign_dates, check_form_persons, check_rows
from .schema import KINDS, columns
from .shape import (
    CANONICAL_ORDER,
    PROVENANCE,
    collapse_screening,
    concat,
    share_case_ids,
    sort_rows,
    typed_frame,
)
from .units_declared import check_declared_units, check_empty, rows_unit, table_unit

# what other modules import from here (the problem table's columns, a column's expected text)
__all__ = ["ERROR", "PROBLEM_COLUMNS", "REMARK", "Checked", "check", "expected_text"]


@dataclass
class Checked:
    """The outcome of validation: clean frames (refused rows left out), problems, accounting.

    Only a load without errors gives ledgers: then the frames are in their canonical
    order, the screening ledger collapsed (its rows in ``screening_rows``) and case ids
    one vocabulary. A refused load's frames are the rows kept as read, for the remarks
    that look across ledgers (``check_links``) and nothing else."""

    frames: dict[str, pd.DataFrame]
    screening_rows: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == ERROR]


_EMPTY: dict[tuple[str, int], tuple[weakref.ref, pd.DataFrame]] = {}


def _no_rows(kind: str, rules: Rules) -> pd.DataFrame:
    """The clean frame of a ledger no file holds (its columns and dtypes, no row): made
    once per rule set and kind, a copy each time (a check of one small ledger makes five;
    each took 3 ms)."""
    kept = _EMPTY.get((kind, id(rules)))
    if kept is None or kept[0]() is not rules:
        cols = columns(kind, rules)
        typed = pd.DataFrame({c.name: pd.Series(dtype=object) for c in cols})
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in PROVENANCE})
        kept = (weakref.ref(rules), typed_frame(kind, typed, frame, rules))
        _EMPTY[(kind, id(rules))] = kept
    return kept[1].copy()


def check(read: ReadResult, rules: Rules, received: dt.datetime | None = None) -> Checked:
    """Validate everything that was read; return clean frames, problems and accounting.
    With ``received`` (when the files were received), a date after it is an error."""
    problems = Problems()
    problems.add_notes(read.notes)
    problems.add_notes(
        [note("file.unread", u["file"], "", None, "", "", reason=u["reason"]) for u in read.unread]
    )
    frames: dict[str, pd.DataFrame] = {}
    refused_visits: pd.Series | None = None
    accounting: list[pd.DataFrame] = []
    for kind in KINDS:
        tables = [t for t in read.tables if t.kind == kind]
        cols = columns(kind, rules)
        claim_declared(tables, cols)
        remark_extras(tables, kind, problems, rules.reading)
        bad_tables = check_headers(tables, kind, problems)
        frame, headers = concat(tables, kind, cols)
        n_before = len(problems.parts)
        for t in tables:  # cells seen but not readable (formulas, errors): their rows
            problems.add_notes(t.row_notes, kind)
        keys: dict[str, np.ndarray] = {}
        if len(frame):
            coded = coded_frame(frame, [c.name for c in cols])
            personal = check_raw_cells(frame, headers, kind, rules.limits, problems, coded)
            parsed = parse_columns(frame, headers, kind, rules, problems, coded, personal)
            typed, keys = parsed.typed, parsed.keys
            del coded, parsed
            check_rows(kind, typed, frame, headers, problems)
            if kind == "visits" and rules.form_persons:
                check_form_persons(typed, frame, headers, rules, problems)
            check_campaign_dates(kind, typed, frame, headers, rules, problems)
            check_after_receipt(kind, typed, frame, headers, received, problems)
            bad_tables |= check_declared_units(tables, kind, typed, frame, rules, problems)
        else:
            typed = pd.DataFrame({c.name: pd.Series(dtype=object) for c in cols})
        refused = refused_rows(frame, problems, n_before, bad_tables)
        merged = (
            check_unique(kind, typed, frame, headers, refused, problems, keys)
            if len(frame)
            else refused
        )
        refused = refused_rows(frame, problems, n_before, bad_tables)
        keep = ~refused & ~merged
        if kind == "visits":  # refused visits are there, only not read: no link remark
            refused_visits = typed["visit_id"][refused].dropna()
        for t in tables:
            declared = table_unit(t, rules)
            check_empty(t, kind, declared, problems)
            unit = declared or rows_unit(t, frame, typed)
            accounting.append(account(t, frame, refused, kind, unit, declared is not None))
        # the clean frame: every row kept is no copy of 10M rows, and it is put in order
        # (below) a column at a time, so that a ledger is held about once, not three times
        kept = typed if keep.all() else typed[keep]
        del typed, keys
        frames[kind] = (
            typed_frame(kind, kept, frame.loc[keep, PROVENANCE], rules)
            if tables
            else _no_rows(kind, rules)
        )
        del kept
    screening_rows = frames["screening"]
    if not problems.has_errors():  # a refused load's frames are never ledgers: not shaped
        # first: rows put in order by the shared codes are in the order of their ids
        share_case_ids([frames["visits"], screening_rows, frames["backlog"]])
        for kind, clean in frames.items():
            sort_rows(clean, CANONICAL_ORDER[kind])
        frames["screening"] = collapse_screening(screening_rows)
    # a file or table refused whole may hold the visit an incident names: can't tell
    check_links(frames, problems, None if problems.has_errors(whole=True) else refused_visits)
    accounting.append(account_other(read))
    acc = pd.concat([a for a in accounting if len(a)] or [account_other(ReadResult())])
    return Checked(frames, screening_rows, problems.frame(), acc.reset_index(drop=True))
