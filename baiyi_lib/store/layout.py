"""The store's layout: its tables and columns (one table of row versions per ledger, the
submissions log, the documents' receipts), the schema version and its numbered migrations.
An older store is brought up to date in one transaction; a newer one (or one with tables
or columns this version does not know) is refused whole (StoreTooNew, exit 6)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from ..errors import StoreDamaged, StoreTooNew
from ..ledgers.schema import KINDS, SCHEMAS, UNITLESS

SCHEMA_VERSION = 7
PROVENANCE = ["src_file", "src_sheet", "src_row"]
_SQL_TYPES = {
    "date": "DATE", "opt_date": "DATE", "bool": "BOOLEAN", "opt_bool": "BOOLEAN",
    "persons": "BIGINT", "moment": "TIMESTAMP", "opt_moment": "TIMESTAMP",
}  # fmt: skip
# The contract's columns added to ledgers that existed before, in generations (the plan's
# duties: 四(三) in version 4 and 四(一) in version 6, hashed as one generation; 接待领导 in
# version 7). A row's content hash covers the generations up to the last one it fills (and
# none when it fills none), so a row stored before a generation keeps its hash
ADDED_LATER: dict[str, tuple[tuple[str, ...], ...]] = {
    "visits": (("head_present", "head_present_on", "at_bureau"), ("received_by",)),
    "backlog": (("lead_post", "consulted_on", "reviewed_on", "heard_on"),),
}


# The yes/no columns a method declares for a ledger (rules.yaml ``columns``: 已预警…) are
# stored as one JSON text per row ({"warned": true}); NULL where the method declared none
DECLARED = "declared"


# 实施方案 五、四: the one-off documents' receipts (store.documents), never their content
DOCUMENTS_TABLE = (
    "CREATE TABLE IF NOT EXISTS documents (submission_id BIGINT, received TIMESTAMP, "
    "ingested TIMESTAMP, unit VARCHAR, kind VARCHAR, sha256 VARCHAR, bytes BIGINT)"
)


def ledger_columns(kind: str) -> list[str]:
    """A ledger's columns as stored: the contract's (English names) and the method's
    declared columns in one text column (``DECLARED``)."""
    return [*contract_columns(kind), DECLARED]


def contract_columns(kind: str) -> list[str]:
    """The contract's columns of a ledger (ledgers/schema.py), English names; a register of no
    unit (UNITLESS: 接访值班表) is stored with an empty unit, as every scope query asks it."""
    names = [c.name for c in SCHEMAS[kind]]
    return [*names, "unit"] if kind in UNITLESS else names


def version_columns(kind: str) -> list[str]:
    """Every column of ``rows_<kind>``, in order: one row version each."""
    return ["row_key", "content", "submission_id", "received", *ledger_columns(kind),
            *PROVENANCE, "deleted", "change"]  # fmt: skip


def _rows_table_sql(kind: str) -> str:
    cols = ", ".join(f"{c.name} {_SQL_TYPES.get(c.type, 'VARCHAR')}" for c in SCHEMAS[kind])
    if kind in UNITLESS:
        cols += ", unit VARCHAR"
    return (
        f"CREATE TABLE IF NOT EXISTS rows_{kind} (row_key VARCHAR, content BIGINT, "
        f"submission_id BIGINT, received TIMESTAMP, {cols}, "
        "src_file VARCHAR, src_sheet VARCHAR, src_row BIGINT, deleted BOOLEAN DEFAULT false)"
    )


# --------------------------------------------------------------------------- migrations


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: the layout before versions were recorded (submissions with their units
    and kinds as text; row versions with a deletion mark). Idempotent, so that it both
    creates a fresh store and completes one made before deletions were recorded."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS submissions (id BIGINT PRIMARY KEY, file VARCHAR, "
        "sha256 VARCHAR, received TIMESTAMP, ingested TIMESTAMP, units VARCHAR, "
        "kinds VARCHAR, rows_read BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS submission_counts (submission_id BIGINT, kind VARCHAR, "
        "rows BIGINT, new BIGINT, changed BIGINT, unchanged BIGINT, deleted BIGINT DEFAULT 0)"
    )
    con.execute("ALTER TABLE submission_counts ADD COLUMN IF NOT EXISTS deleted BIGINT DEFAULT 0")
    con.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(
        "CREATE TABLE IF NOT EXISTS purges (purge_id BIGINT, purged_at TIMESTAMP, tbl VARCHAR, "
        "col VARCHAR, what VARCHAR, versions BIGINT, replaced_by VARCHAR)"
    )
    for kind in KINDS:
        con.execute(_rows_table_sql(kind))
        con.execute(
            f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT false"
        )


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2: batches, withdrawals, and each submission's units in a table of their own
    (not a comma-joined string). ``action`` says what a submissions line records:
    ingest (a file), withdraw (撤回 of ``withdraws``), purge."""
    con.execute("CREATE TABLE submission_units (submission_id BIGINT, unit VARCHAR)")
    con.execute(
        "INSERT INTO submission_units SELECT id, unnest(string_split(units, ',')) AS unit "
        "FROM submissions WHERE coalesce(units, '') <> ''"
    )
    con.execute("DELETE FROM submission_units WHERE unit = ''")
    con.execute("ALTER TABLE submissions ADD COLUMN batch BIGINT")
    con.execute("ALTER TABLE submissions ADD COLUMN action VARCHAR")
    con.execute("ALTER TABLE submissions ADD COLUMN withdraws BIGINT")
    con.execute(
        "UPDATE submissions SET batch = id, "
        "action = CASE WHEN kinds = 'purge' THEN 'purge' ELSE 'ingest' END"
    )
    con.execute("ALTER TABLE submissions DROP COLUMN units")
    con.execute("ALTER TABLE submissions DROP COLUMN kinds")
    # what a return replaces: (kind, unit) of a unit's ledger, unit NULL for the whole
    # ledger of that kind (the office's register); partial files (补报) have none
    con.execute("CREATE TABLE submission_scope (submission_id BIGINT, kind VARCHAR, unit VARCHAR)")
    # the rows a submission's scope took away (a record for 变化说明 and receipts)
    con.execute(
        "CREATE TABLE submission_deletions (submission_id BIGINT, kind VARCHAR, "
        "row_key VARCHAR, unit VARCHAR, src_row BIGINT)"
    )
    for kind in KINDS:  # what each version did when it was written: new, changed, unchanged
        con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS change VARCHAR")
        con.execute(
            f"UPDATE rows_{kind} SET change = CASE WHEN deleted THEN 'deleted' ELSE 'changed' END"
        )


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    """Version 3: the yes/no columns a method declares (已预警…), one JSON text per row."""
    for kind in KINDS:
        con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS {DECLARED} VARCHAR")


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    """Version 4: the duties' optional columns (主要负责人到场, 包案领导, the meetings)."""
    for kind, generations in ADDED_LATER.items():
        for c in SCHEMAS[kind]:
            if c.name in generations[0] and c.name != "at_bureau":  # version 6
                sql_type = _SQL_TYPES.get(c.type, "VARCHAR")
                con.execute(f"ALTER TABLE rows_{kind} ADD COLUMN IF NOT EXISTS {c.name} {sql_type}")


def _v5(con: duckdb.DuckDBPyConnection) -> None:
    """Version 5: the 预警信息 register (实施方案 四(二)), a ledger of its own."""
    con.execute(_rows_table_sql("warnings"))
    for column, sql_type in (("change", "VARCHAR"), (DECLARED, "VARCHAR")):
        con.execute(f"ALTER TABLE rows_warnings ADD COLUMN IF NOT EXISTS {column} {sql_type}")


def _v6(con: duckdb.DuckDBPyConnection) -> None:
    """Version 6: the 局领导接访值班表 (实施方案 四(一)), a register of no unit, the
    visits' 来局走访 column, and the one-off documents' receipts (五、四)."""
    con.execute(_rows_table_sql("roster"))
    for column, sql_type in (("change", "VARCHAR"), (DECLARED, "VARCHAR")):
        con.execute(f"ALTER TABLE rows_roster ADD COLUMN IF NOT EXISTS {column} {sql_type}")
    con.execute("ALTER TABLE rows_visits ADD COLUMN IF NOT EXISTS at_bureau BOOLEAN")
    con.execute(DOCUMENTS_TABLE)  # 实施方案 五、四: one-off documents, their receipt only


def _v7(con: duckdb.DuckDBPyConnection) -> None:
    """Version 7: the visits' 接待领导 column (实施方案 四(一): the post of the leader who
    received the visit, never a name); rows stored before keep it empty and their hash."""
    con.execute("ALTER TABLE rows_visits ADD COLUMN IF NOT EXISTS received_by VARCHAR")


MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7,
}  # fmt: skip
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def expected_columns() -> dict[str, list[str]]:
    """The tables and columns of a store at ``SCHEMA_VERSION``."""
    out = {
        "submissions": ["id", "file", "sha256", "received", "ingested", "rows_read", "batch",
                        "action", "withdraws"],
        "submission_units": ["submission_id", "unit"],
        "submission_scope": ["submission_id", "kind", "unit"],
        "submission_deletions": ["submission_id", "kind", "row_key", "unit", "src_row"],
        "submission_counts": ["submission_id", "kind", "rows", "new", "changed", "unchanged",
                              "deleted"],
        "store_meta": ["key", "value"],
        "purges": ["purge_id", "purged_at", "tbl", "col", "what", "versions", "replaced_by"],
        "documents": ["submission_id", "received", "ingested", "unit", "kind", "sha256", "bytes"],
    }  # fmt: skip
    out.update({f"rows_{k}": version_columns(k) for k in KINDS})
    return out


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version: 0 for a new file or a store from before versions were
    recorded (both are brought up to date by every migration, in order)."""
    tables = _tables(con)
    row = (
        con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
        if "store_meta" in tables
        else []
    )
    if not row:  # no mark: a store that lost it, or one from before versions were recorded
        if "action" not in tables.get("submissions", []):
            return 0
        visits = tables.get("rows_visits", [])
        if "received_by" in visits:
            return 7
        if "documents" in tables:
            return 6
        if "rows_warnings" in tables:
            return 5
        return 4 if "head_present" in visits else 3 if DECLARED in visits else 2
    value = str(row[0][0])
    return int(value) if value.isdigit() else -1  # -1: not a version any baiyi wrote


def _too_new(path: Path, why: str) -> StoreTooNew:
    return StoreTooNew(
        f"台账库 {path} {why},可能由更新版本的 baiyi 写入。为免读错或写坏,本版本不读取也不"
        "改动它;请用写入它的(更新的)版本,或联系维护人员。"
    )


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Bring the store to ``SCHEMA_VERSION`` in one transaction; return the version found.
    A newer store is refused (StoreTooNew) before anything is changed."""
    found = schema_version(con)
    _check_version(con, path, found)
    if found == SCHEMA_VERSION:
        return found
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](con)
        con.execute(
            "INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return found


def _check_version(con: duckdb.DuckDBPyConnection, path: Path, found: int) -> None:
    """A version this baiyi can read, or StoreTooNew naming the version as recorded."""
    if 0 <= found <= SCHEMA_VERSION:
        return
    raw = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
    written = raw[0][0] if raw else "?"
    raise _too_new(path, f"的结构版本记为「{written}」,本版本只认识 1 到 {SCHEMA_VERSION}")


def check_shape(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A store at this version has exactly the tables and columns this version writes: an
    unknown table or column (from a newer version, or added by hand) is StoreTooNew, a
    missing one StoreDamaged."""
    have, want = _tables(con), expected_columns()
    extra_tables = sorted(set(have) - set(want))
    if extra_tables:
        raise _too_new(path, f"中有本版本不认识的表({'、'.join(extra_tables)})")
    for table, columns in want.items():
        extra = [c for c in have.get(table, []) if c not in columns]
        if extra:
            raise _too_new(path, f"的表 {table} 中有本版本不认识的列({'、'.join(extra)})")
        missing = [c for c in columns if c not in have.get(table, [])]
        if missing:
            raise StoreDamaged(
                f"台账库 {path} 的表 {table} 缺少列({'、'.join(missing)}),结构已被改动。"
                "请不要删除或覆盖它,用最近的备份恢复,或联系维护人员。"
            )


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed whole or rolled back whole. A store that could not write
    (disk full) may refuse the rollback too: the transaction is void either way, and the
    first error is the one to report."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
