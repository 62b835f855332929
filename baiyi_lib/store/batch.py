"""A batch as ingest sees it: each file's ledgers and units (``_File``), and what each
file did to the store (``IngestReport``), as the clerk's terminal and the receipts say it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

WEEKLY_KINDS = ("screening", "backlog")
PARTIAL_WORDS = ("补报", "增补")
CSV_HINT = "若是从 Excel 另存为 CSV,只会保存第一个工作表,请改为报送 .xlsx 工作簿"


@dataclass
class IngestReport:
    """What one file (or the batch) did to the store."""

    file: str
    # stored, unchanged, refused, held (sound, but its batch was refused), unread (not a
    # ledger file), personal (in the store), missing (a unit's return lacks a weekly kind
    # it sent before), document (a one-off document's receipt recorded: 实施方案 五、四),
    # merged (a unit's return of one ledger came in several files of the batch)
    status: str
    submission_id: int | None
    counts: pd.DataFrame  # kind, rows, new, changed, unchanged, deleted
    problems: pd.DataFrame | None = None
    message: str = ""
    kinds_by_unit: dict[str, set[str]] = field(default_factory=dict)  # weekly kinds sent
    unit: str | None = None  # the unit whose return the file is (None: several, or unknown)
    # a document's unit and kinds, as receipts name it (never by its file name: 实施方案 五、四)
    label: str = ""
    kinds: frozenset[str] = frozenset()  # the ledgers the file carries (refused ones too)

    @property
    def office_register(self) -> bool:
        """The file is one of the office's registers (visits, incidents, warnings, the
        roster: no unit's return), so its unit is nobody's to tell."""
        return bool(self.kinds) and not self.kinds & set(WEEKLY_KINDS)


@dataclass
class _File:
    """One file of the batch, as validation saw it."""

    path: Path
    name: str  # as shown and stored (relative to the folder given)
    sha256: str
    partial: bool
    kinds: set[str] = field(default_factory=set)  # ledgers it carries (zero returns too)
    units: dict[str, set[str]] = field(default_factory=dict)  # kind → units it names
    rows_read: int = 0
    declared: dict[str, str] = field(default_factory=dict)  # kind → unit its title/name gives

    @property
    def unit(self) -> str | None:
        every = set().union(*self.units.values()) if self.units else set()
        return next(iter(every)) if len(every) == 1 else None

    def weekly(self) -> dict[str, set[str]]:
        """unit → the weekly kinds this file carries for it."""
        out: dict[str, set[str]] = {}
        for kind in WEEKLY_KINDS:
            for unit in self.units.get(kind, set()):
                out.setdefault(unit, set()).add(kind)
        return out
