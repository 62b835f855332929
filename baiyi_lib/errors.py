"""One exception hierarchy for everything a user can get wrong, with its exit code.

Messages are Chinese (they are read by the campaign office); the classes are English.
Exit codes of the ``baiyi`` command: 0 success; 1 the ledgers have errors (LedgerError);
2 bad parameters (ParamsError and any other BaiyiError); 3 the store is damaged; 4 the
store is busy (another process holds it); 5 the store or an output file can't be written
(read-only, no room on the disk); 6 the store was written by a newer version of baiyi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class BaiyiError(Exception):
    """Base class: any error baiyi raises on purpose."""

    exit_code = 2


class ParamsError(BaiyiError, ValueError):
    """A params file (rules, units, campaign) or an override is invalid."""


class LedgerError(BaiyiError, ValueError):
    """One or more ledger files cannot be used.

    ``problems`` is the tidy table of every problem found (file, sheet, row, column, value,
    problem, expected, severity); ``accounting`` says, per file, how many rows were read,
    used and refused.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        problems: pd.DataFrame | None = None,
        accounting: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(message)
        self.problems = problems
        self.accounting = accounting


class UnknownUnitError(BaiyiError, KeyError):
    """A unit name that is neither a name, an alias nor an id of units.yaml."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ReportError(BaiyiError):
    """A briefing or its PDF could not be produced (the cause is in the message)."""


class StoreError(BaiyiError):
    """The ledger store can't be used; nothing in it was changed."""


class StoreDamaged(StoreError):
    """The store file is truncated or is not a store."""

    exit_code = 3


class StoreBusy(StoreError):
    """Another process holds the store."""

    exit_code = 4


class StoreNotWritable(StoreError):
    """The store or its folder can't be written (read-only, no room for the log)."""

    exit_code = 5


class StoreTooNew(StoreError):
    """The store's schema is newer than this version of baiyi knows (or was altered by
    hand): it is left as it is, never read half-understood."""

    exit_code = 6


class OutputNotWritable(BaiyiError):
    """An output file (an export, a receipt, a report) can't be written: read-only, no
    room on the disk. The previous file of that name, if any, is left as it was."""

    exit_code = 5
