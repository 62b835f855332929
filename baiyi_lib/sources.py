"""Where the ledgers come from: the only module that knows folder, file, list, dict of
frames and the ledger store (.duckdb), and what ``known_at`` means.

Everything that loads ledgers (the CLI, the notebooks, the reports, the receipts) comes
through ``check_ledgers`` / ``load_ledgers`` here; files are read and validated by
``baiyi_lib.ledgers``, stored rows are fetched by ``baiyi_lib.store``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from .dates import parse_moment
from .errors import LedgerError, ParamsError
from .ledgers import (
    KINDS,
    LedgerCheck,
    Ledgers,
    Source,
    check_tables,
    format_problems,
    kinds_used,
    read_anything,
)
from .params import DEFAULT_STORE, PROJECT_ROOT, SAMPLE, Rules, load_rules

__all__ = [
    "DEFAULT_STORE",
    "SAMPLE",
    "check_ledgers",
    "default_source",
    "is_store",
    "known_moment",
    "load_ledgers",
    "resolve_source",
]

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
    return str(DEFAULT_STORE if DEFAULT_STORE.exists() else SAMPLE)


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
    source: Source,
    rules: Rules | None = None,
    known_at: object = None,
    received: dt.datetime | None = None,
) -> LedgerCheck:
    """Read and validate without raising: every problem, the accounting, and the ledgers.

    The store is checked like files: its rows as known at ``known_at`` (default: all).
    ``known_at`` with files is a ParamsError (files have no history). ``received`` (files
    only): when they were received; a date after it is an error in its row.
    """
    rules = rules or load_rules()
    if is_store(source):
        from .store import stored_frames  # duckdb is imported only when a store is read

        moment = None if known_at is None else known_moment(known_at, rules)
        frames, files = stored_frames(source, moment)
        checked = check_tables(frames, rules, files=files)
        if checked.ledgers is not None:
            sent = files.attrs.get("kinds", ())
            used = kinds_used(rules)
            checked.ledgers.missing = tuple(k for k in KINDS if k not in sent and k in used)
            checked.ledgers.received = weekly_returns(source, moment)
            checked.ledgers.documents = stored_documents(source, moment)
        return checked
    if known_at is not None:
        raise ParamsError("known_at 只适用于台账库(.duckdb)")
    return check_tables(source, rules, received=received)


def stored_documents(
    store: str | os.PathLike, known_at: dt.datetime | None, wait: float = 60.0
) -> pd.DataFrame:
    """The one-off documents (实施方案 五、四) the store recorded by ``known_at`` (default:
    all): unit, kind, received, sha256."""
    from .store import documents_received  # duckdb is imported only when a store is read

    return documents_received(store, known_at, wait=wait)


def weekly_returns(
    store: str | os.PathLike, known_at: dt.datetime | None, wait: float = 60.0
) -> pd.DataFrame:
    """The store's weekly returns (screening or backlog submissions) as known at
    ``known_at`` (default: everything recorded; what was recorded at 16:00 is known at
    16:00): unit, received, withdrawn (NaT unless withdrawn by then). The evidence of
    按时 / 迟报 / 未报."""
    from .store import submission_units  # duckdb is imported only when a store is read

    subs = submission_units(store, wait=wait)
    # a return replaces its ledger; a 补报 (partial file) adding rows to one is not a return
    subs = subs[subs["kind"].isin(["screening", "backlog"]) & subs["scoped"].astype(bool)]
    if known_at is not None:
        cut = pd.Timestamp(known_at)
        subs = subs[subs["received"] <= cut]
        subs = subs.assign(withdrawn=subs["withdrawn"].where(subs["withdrawn"] <= cut))
    return subs[["unit", "received", "withdrawn"]].reset_index(drop=True)


def load_ledgers(source: Source, rules: Rules | None = None, known_at: object = None) -> Ledgers:
    """Load and validate ledgers; raise LedgerError listing every problem if any row is bad.

    A path ending in .duckdb is the ledger store: the ledgers as they stood at ``known_at``
    (default: everything received).
    """
    result = check_ledgers(source, rules, known_at)
    if result.ledgers is None:
        said = format_problems(result.problems, store=is_store(source))
        raise LedgerError(said, result.problems, result.accounting)
    if not read_anything(result):
        raise LedgerError(
            f"没有找到任何台账数据:{source if not isinstance(source, dict) else '(DataFrame)'}"
        )
    return result.ledgers
