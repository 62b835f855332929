"""Purge: personal data that an older version let into the store, erased from every version
of every row and from the submissions log, and the file rewritten so that no free block
keeps it.

The erase and a ``rewrite_pending`` mark are committed together; the rewrite follows. A
purge killed after the commit, or stopped by a full disk during the rewrite, leaves the
mark, and the next writable open of the store (any ingest, withdrawal or purge) finishes
the rewrite before anything else (``connection.connect``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import BaiyiError, StoreDamaged, StoreNotWritable
from ..ledgers.masking import prose_ids
from ..ledgers.privacy import detect, mask_text
from ..ledgers.schema import KINDS, SCHEMAS
from ..params import load_rules
from .connection import (
    ENVIRONMENT,
    REWRITE_PENDING,
    connect,
    reading,
    rewrite,
    rewrite_pending,
    store_error,
    writers_lock,
)
from .layout import transaction
from .rows import content_hash, row_key

PURGED = "已清除#{n}"
# Bump when the privacy check finds more than before: stores scanned clean under an older
# version are scanned again on the next ingest.
PRIVACY_SCAN = "4"  # 3: free-text dispute categories too; 4: names in ids
_NOT_LEDGER_TEXT = {"sha256", "action"}  # our own digests and codes, not text from a ledger


@dataclass
class Finding:
    """Personal data found in the store: where, what, in how many row versions. The value
    itself is kept only in memory, to replace it, and is never shown."""

    table: str
    column: str
    what: str
    shown: str  # masked
    versions: int
    value: str = field(repr=False, default="")
    replace_with: str = ""  # what replaces it (default: a mark 已清除#n)


def _text_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND table_name = ? AND data_type = 'VARCHAR'",
        [table],
    ).fetchall()
    return [r[0] for r in rows if r[0] not in _NOT_LEDGER_TEXT]


def _tables() -> list[str]:
    return [f"rows_{k}" for k in KINDS] + [
        "submissions", "submission_units", "submission_deletions",
    ]  # fmt: skip


FREE_TEXT = "纠纷类别以外的文字"


def find_personal_data(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every stored text value, in every version of every row and in the submissions
    log, that holds a resident ID or mobile number (the loader's own check), and every
    dispute category an older version stored as free text (it may name a person): those
    become 其他, or the category they spell."""
    found = _free_categories(con) + _named_ids(con)
    for table in _tables():
        for col in _text_columns(con, table):
            rows = con.execute(
                f'SELECT "{col}", count(*) FROM {table} WHERE "{col}" IS NOT NULL '
                f"AND length(regexp_replace(\"{col}\", '[^0-9０-９]', '', 'g')) >= 11 "
                f'GROUP BY "{col}"'
            ).fetchall()
            for value, n in rows:
                what = detect(value)
                if what:
                    found.append(Finding(table, col, what, mask_text(value), n, value))
    return found


def _free_categories(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    lookup = load_rules().reading.dispute_lookup()
    rows = con.execute(
        "SELECT category, count(*) FROM rows_screening WHERE category IS NOT NULL GROUP BY category"
    ).fetchall()
    out = []
    for value, n in rows:
        key = "".join(ch for ch in str(value) if not ch.isspace() and ch not in "、,,;;。.")
        if key not in lookup:
            shown = value if len(value) <= 2 else f"{value[0]}…(共 {len(value)} 字)"
            out.append(Finding("rows_screening", "category", FREE_TEXT, shown, n, value, "其他"))
    return out


NAMED_ID = "编号中的人名或一段话"


def _named_ids(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Ids an older version stored that the loader now refuses (ledgers.yaml ids): a name
    inside them (王建国01, ZHANGWEI-2019), or a sentence. Each is shown by its length."""
    rules = load_rules()
    out = []
    for kind in KINDS:
        table = f"rows_{kind}"
        present = set(_text_columns(con, table))
        for col in [c.name for c in SCHEMAS[kind] if c.type in ("id", "opt_id")]:
            if col not in present:
                continue
            rows = con.execute(
                f'SELECT "{col}", count(*) FROM {table} WHERE "{col}" IS NOT NULL '
                f'AND NOT starts_with("{col}", ?) GROUP BY "{col}"',
                [PURGED.split("#")[0]],
            ).fetchall()
            if not rows:
                continue
            values = pd.Series([v for v, _ in rows], dtype=object)
            refused = prose_ids(values, rules)
            out += [
                Finding(table, col, NAMED_ID, f"(共 {len(v)} 字)", n, v)
                for (v, n), bad in zip(rows, refused, strict=True) if bad
            ]  # fmt: skip
    return out


def _scanned_clean(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store was found free of personal data by this version's check (rows
    stored since then passed the loader, which refuses personal data)."""
    row = con.execute("SELECT value FROM store_meta WHERE key = 'privacy_scan'").fetchall()
    return bool(row) and row[0][0] == PRIVACY_SCAN


def _mark_clean(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT OR REPLACE INTO store_meta VALUES ('privacy_scan', ?)", [PRIVACY_SCAN])


def personal_data_note(con: duckdb.DuckDBPyConnection) -> str:
    """After an ingest: personal data let in by an older version, offered to the purge
    (once the store is found clean, the loader keeps it so and the scan is not repeated)."""
    stored = [] if _scanned_clean(con) else find_personal_data(con)
    if not stored:
        _mark_clean(con)
        return ""
    n = sum(f.versions for f in stored)
    return (
        f"台账库中有 {len(stored)} 个值、{n} 处含个人信息(旧版本载入),"
        "请运行 baiyi purge 查看,baiyi purge --yes 从所有版本中清除"
    )


def purge(
    store: str | Path,
    apply: bool = False,
    wait: float = 60.0,
    step: Callable[[str], None] = lambda s: None,
) -> tuple[list[Finding], dict[str, int]]:
    """Find personal data already in the store (stored before the loader refused it) and,
    with ``apply``, erase it from every version of every row.

    Each value is replaced by 已清除#n; keys and content hashes made from it are made
    again; the purge is recorded (what, where, how many versions; never the value) in the
    ``purges`` table and as a line of the submissions log, in the same transaction as a
    ``rewrite_pending`` mark. Then the file is rewritten (``connection.rewrite``) and
    checked: same row counts (plus the log line), no value left. ``step`` is called with
    each step's name (erase, copy, checkpoint, swap, check). Opening the store first
    finishes a rewrite left pending by an earlier purge. Returns the findings and the row
    counts.
    """
    if not Path(store).exists():
        raise BaiyiError(f"找不到台账库:{store}")
    # the writers' lock is held to the end: no ingest gets in between the swap and the check
    with writers_lock(store, wait) as path:
        con = _open_for_purge(path, apply, wait)
        try:
            found = find_personal_data(con)
            counts = _row_counts(con)
            if not apply or not found:
                return found, counts
            step("erase")
            with transaction(con):
                _erase(con, found)
                _mark_clean(con)
                con.execute(
                    "INSERT OR REPLACE INTO store_meta VALUES (?, ?)",
                    [REWRITE_PENDING, dt.datetime.now().isoformat(timespec="seconds")],
                )
            rewrite(con, path, step)  # closes con
        except ENVIRONMENT as exc:
            raise store_error(exc, Path(store), "清除") from None
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()
        step("check")
        with reading(path, wait) as check:
            after = _row_counts(check)
            left = find_personal_data(check)
    expected = {**counts, "submissions": counts["submissions"] + 1}  # the purge's own line
    if after != expected or left:
        raise StoreDamaged(f"清除后核对不一致(行数 {counts} → {after}),请用备份恢复后重试")
    return found, after


def _open_for_purge(path: Path, apply: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A writable connection (which finishes a rewrite left pending); for a dry run on a
    store that can't be written, a read-only one (looking changes nothing)."""
    try:
        return connect(path, wait=wait)
    except StoreNotWritable as exc:
        if apply:
            raise
        con = connect(path, wait=wait, read_only=True)
        if rewrite_pending(con):  # never "nothing found" while old blocks may keep it
            con.close()
            raise StoreNotWritable(
                f"台账库 {path} 中的个人信息已清除,但重写文件尚未完成,旧的数据块中可能仍留有"
                f"原值;现在也无法完成重写:{str(exc).split(':', 1)[-1]}"
            ) from None
        return con


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [f"rows_{k}" for k in KINDS] + ["submissions"]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def _erase(con: duckdb.DuckDBPyConnection, found: list[Finding]) -> None:
    """Replace each value everywhere it is stored; remake keys and hashes; log it."""
    replacement: dict[str, str] = {}
    for f in found:
        marks = sum(1 for v in replacement.values() if v.startswith("已清除"))
        replacement.setdefault(f.value, f.replace_with or PURGED.format(n=marks + 1))
    for f in found:
        con.execute(
            f'UPDATE {f.table} SET "{f.column}" = ? WHERE "{f.column}" = ?',
            [replacement[f.value], f.value],
        )
    for kind in KINDS:
        _remake_keys(con, kind, [replacement[f.value] for f in found if f.table == f"rows_{kind}"])
    pid = con.execute("SELECT coalesce(max(purge_id), 0) + 1 FROM purges").fetchall()[0][0]
    now = dt.datetime.now()
    con.executemany(
        "INSERT INTO purges VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[pid, now, f.table, f.column, f.what, f.versions, replacement[f.value]] for f in found],
    )
    sid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
    note = f"清除个人信息(第 {pid} 次,{len(replacement)} 个值,{sum(f.versions for f in found)} 处)"
    con.execute(
        "INSERT INTO submissions (id, file, sha256, received, ingested, rows_read, batch, "
        "action) VALUES (?, ?, NULL, ?, ?, 0, ?, 'purge')",
        [sid, note, now, now, sid],
    )


def _remake_keys(con: duckdb.DuckDBPyConnection, kind: str, marks: list[str]) -> None:
    """Row keys and content hashes of the versions whose text was replaced, made again."""
    if not marks:
        return
    table = f"rows_{kind}"
    text = _text_columns(con, table)
    marks = sorted(set(marks))
    where = " OR ".join(f'"{c}" IN ({", ".join("?" * len(marks))})' for c in text)
    rows = con.execute(f"SELECT rowid, * FROM {table} WHERE {where}", marks * len(text)).df()
    rows["row_key"] = row_key(kind, rows)
    rows["content"] = content_hash(kind, rows)
    con.register("remade", rows[["rowid", "row_key", "content"]])
    try:
        con.execute(
            f"UPDATE {table} SET row_key = remade.row_key, content = remade.content "
            f"FROM remade WHERE {table}.rowid = remade.rowid"
        )
    finally:
        con.unregister("remade")
