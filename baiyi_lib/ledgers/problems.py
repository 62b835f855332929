"""The problem table: every problem names file, sheet, Excel row, the column header as
written, the value (masked if it is personal data) and what was expected, in Chinese, with
its severity and the id of the declared check that found it (checks.CHECKS)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import normalise as nz
from .checks import CHECKS, ERROR
from .coded import code
from .privacy import mask_column
from .raw import FileNote
from .schema import KIND_LABELS

PROBLEM_COLUMNS = [
    "kind",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "problem",
    "expected",
    "severity",
    "check",
]
MAX_VALUE_CHARS = 40  # a value longer than this is shortened in a message


class Problems:
    """Accumulates problems as small DataFrames (vectorised), concatenated once."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add_notes(self, notes: list[FileNote], kind: str = "") -> None:
        """File-level problems and remarks, each with its declared check (the severity is
        the check's, checked when the note is made: raw.FileNote)."""
        if notes:
            df = pd.DataFrame([n.__dict__ for n in notes])
            df["kind"] = kind
            self.parts.append(df)

    def add(
        self,
        table: pd.DataFrame,
        mask: np.ndarray,
        kind: str,
        column: pd.Series | str,
        value: pd.Series | str,
        problem: pd.Series | np.ndarray | str | None = None,
        expected: str | None = None,
        *,
        check: str,
    ) -> None:
        """Problems at the rows of ``table`` in ``mask``, found by the declared check
        ``check`` (checks.CHECKS), of its severity; the problem and the expected text are
        the check's fixed ones unless given."""
        declared = CHECKS[check]
        if not mask.any():
            return
        if problem is None:
            problem = declared.say()
        if expected is None:
            expected = declared.expect()
        sel = table.loc[mask, ["src_file", "src_sheet", "src_row"]]  # not every column
        df = pd.DataFrame(
            {
                "kind": kind,
                "file": sel["src_file"].astype(str).to_numpy(),
                "sheet": sel["src_sheet"].astype(str).to_numpy(),
                "row": sel["src_row"].to_numpy(),
                "column": column[mask].to_numpy() if isinstance(column, pd.Series) else column,
                "value": shown(value[mask]).to_numpy() if isinstance(value, pd.Series) else value,
                "problem": _rows(problem, mask),
                "expected": expected,
                "severity": declared.severity.value,
                "check": check,
            }
        )
        self.parts.append(df)

    def has_errors(self, whole: bool = False) -> bool:
        """Whether any problem so far is an error (severity 错误); with ``whole``, one that
        refuses a whole file or table (a check of the file or the table, not of a row)."""
        for part in self.parts:
            errors = part["severity"] == ERROR
            if whole:
                errors &= part["check"].astype(str).str.startswith(("file.", "table."))
            if errors.any():
                return True
        return False

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        df = pd.concat(self.parts, ignore_index=True)[PROBLEM_COLUMNS]
        df["row"] = df["row"].astype("Int64")
        # the one gate through which ledger text reaches a message: nothing unmasked
        for col in ("file", "sheet", "column", "value", "problem"):
            df[col] = mask_column(df[col])
        df["kind"] = df["kind"].map(lambda k: KIND_LABELS.get(k, k))
        return df.sort_values(
            ["file", "sheet", "row", "column"], kind="stable", na_position="first"
        ).reset_index(drop=True)


def _rows(given: pd.Series | np.ndarray | str, mask: np.ndarray) -> object:
    """A per-row Series or array at the rows in ``mask``; a text said of all of them."""
    if isinstance(given, pd.Series):
        return given[mask].to_numpy()
    return given[mask] if isinstance(given, np.ndarray) else given


def shown(raw: pd.Series) -> pd.Series:
    """A raw cell as a user sees it in a message: text, personal numbers masked (before it
    is shortened, so no half number escapes), shortened; each distinct value once."""
    c = code(raw)  # exactly: 1 and TRUE are two values
    text = mask_column(pd.Series([nz._cell_text(v) for v in c.uniques], dtype=object))
    text = text.where(text.notna(), "")
    short = [v if len(v) <= MAX_VALUE_CHARS else v[: MAX_VALUE_CHARS - 1] + "…" for v in text]
    return pd.Series(c.spread(np.array(short, dtype=object)), index=raw.index, dtype=object)
