"""The ledger store: every submission and every version of every row, in DuckDB.

- ``connection``: opening (one writer at a time), the schema version and its migrations,
  failures as Chinese errors with exit codes, and a purge's pending rewrite.
- ``rows``: how a row is keyed, hashed and versioned; which version is live.
- ``ingest``: a batch of returns, checked together and stored whole or not at all; each
  return replaces only the rows of the units its rows name.
- ``history``: the ledgers as known at any moment, the submissions log, the row changes,
  and withdrawals (撤回).
- ``documents``: one-off documents (实施方案 五、四): their receipt recorded (unit, kind,
  time, SHA-256), never their content.
- ``purge``: personal data let in by an older version, erased from every version, the file
  rewritten.
"""

from ..errors import StoreBusy, StoreDamaged, StoreError, StoreNotWritable, StoreTooNew
from .connection import ENVIRONMENT, connect, reading, store_error
from .documents import documents_received
from .history import (
    Withdrawal,
    describe_withdrawal,
    history,
    return_gaps,
    row_changes,
    stored_frames,
    submission_units,
    submissions,
    withdraw,
)
from .ingest import (
    WEEKLY_KINDS,
    IngestReport,
    ingest,
    kinds_sent_before,
    missing_kind_note,
    missing_kinds,
)
from .layout import SCHEMA_VERSION
from .purge import Finding, find_personal_data, purge

__all__ = [
    "ENVIRONMENT",
    "SCHEMA_VERSION",
    "WEEKLY_KINDS",
    "Finding",
    "IngestReport",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreNotWritable",
    "StoreTooNew",
    "Withdrawal",
    "connect",
    "describe_withdrawal",
    "documents_received",
    "find_personal_data",
    "history",
    "ingest",
    "kinds_sent_before",
    "missing_kind_note",
    "missing_kinds",
    "purge",
    "reading",
    "return_gaps",
    "row_changes",
    "store_error",
    "stored_frames",
    "submission_units",
    "submissions",
    "withdraw",
]
