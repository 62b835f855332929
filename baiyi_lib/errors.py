"""One exception hierarchy for everything a user can get wrong.

Messages are Chinese (they are read by the campaign office); the classes are English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class BaiyiError(Exception):
    """Base class: any error baiyi raises on purpose."""


class ParamsError(BaiyiError, ValueError):
    """A params file (rules, units, campaign) or an override is invalid."""


class LedgerError(BaiyiError, ValueError):
    """One or more ledger files cannot be used.

    ``problems`` is the tidy table of every problem found (file, sheet, row, column, value,
    problem, expected, severity); ``accounting`` says, per file, how many rows were read,
    used and refused.
    """

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
