"""Ingest: a batch of returns checked together and stored in one transaction.

- **A batch is all-or-nothing.** Every file is read and validated first, together (a visit
  id repeated across two files is seen). If any file has an error, nothing of the batch is
  stored: the refused files say why, the others that they were held back. A batch that
  passes is written in one transaction: a kill or a full disk leaves nothing of it.
- **A return replaces only the rows of the units its rows name** (滚动台账). For each
  ledger a batch carries, the rows of all its files together (a register split in two
  files is one return) replace the live rows of each unit those rows name, or of the unit
  whose zero return (零报告) it is. A title row or file name that names another unit than
  the rows is refused by validation (``table.declared_unit``), never obeyed. Files named
  补报/增补 (or ``partial``) only add and correct rows.
- Each file is one submission (file, SHA-256, units, received time, counts); each row a
  new version only where it is new, changed or deleted. A file identical to one stored
  before (and not withdrawn) that changes nothing is reported as such and not recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ..errors import BaiyiError
from ..ledgers import LedgerCheck, check_files
from ..ledgers.read import batch_files
from ..ledgers.schema import KIND_LABELS, KINDS
from ..ledgers.validate import ERROR
from ..params import DEFAULT_STORE, Rules, load_rules
from .connection import transaction, writing
from .purge import personal_data_note
from .rows import LATEST, insert_versions, stored_frame

# The weekly return (实施方案 五、四): 矛盾纠纷排查化解登记表 and 信访积案, from every unit.
WEEKLY_KINDS = ("screening", "backlog")
PARTIAL_WORDS = ("补报", "增补")
CSV_HINT = "若是从 Excel 另存为 CSV,只会保存第一个工作表,请改为报送 .xlsx 工作簿"


@dataclass
class IngestReport:
    """What one file (or the batch) did to the store."""

    file: str
    # stored, unchanged, refused, held (sound, but its batch was refused), unread (not a
    # ledger file), personal (in the store), missing (a unit's return lacks a weekly kind
    # it sent before)
    status: str
    submission_id: int | None
    counts: pd.DataFrame  # kind, rows, new, changed, unchanged, deleted
    problems: pd.DataFrame | None = None
    message: str = ""
    kinds_by_unit: dict[str, set[str]] = field(default_factory=dict)  # weekly kinds sent
    unit: str | None = None  # the unit whose return the file is (None: several, or unknown)


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


def ingest(
    paths: Iterable[str | Path],
    store: str | Path = DEFAULT_STORE,
    received: dt.datetime | None = None,
    rules: Rules | None = None,
    wait: float = 60.0,
    progress: Any = lambda msg: None,
    partial: bool = False,
) -> list[IngestReport]:
    """Validate a batch of files (a folder means its ledger files) and store it whole, in
    one transaction, or not at all. Returns one report per file, then the batch's notes
    (units whose return lacks a kind they sent before; personal data in the store).

    Raises BaiyiError when no ledger file is found, StoreError (exit 3–6) when the store
    can't be used: then nothing of the batch was stored.
    """
    rules = rules or load_rules()
    received = received or dt.datetime.now()
    with batch_files([Path(p) for p in paths], rules.limits) as files:
        if not files.named and not files.notes:
            raise BaiyiError("没有找到要载入的台账文件")
        progress(f"正在检查 {len(files.named)} 个文件")
        checked = check_files(files, rules, received=received)
        named = files.named + [(Path(n.file), n.file) for n in files.notes]
        reports = [IngestReport(u["file"], "unread", None, pd.DataFrame(), None, u["reason"])
                   for u in files.unread]  # fmt: skip
        batch = [_describe(path, name, checked, partial) for path, name in named]
    if not checked.ok:
        return reports + _held_back(batch, checked.problems)
    with writing(store, wait) as con:
        before = kinds_sent_before(con, received)
        try:
            reports += _store_batch(con, batch, checked, received, progress)
        except _Refused as refused:
            return reports + _held_back(batch, refused.problems)
        present: dict[str, set[str]] = {}
        for f in batch:
            for unit, kinds in f.weekly().items():
                present.setdefault(unit, set()).update(kinds)
        reports += [
            IngestReport(unit, "missing", None, pd.DataFrame(), None, missing_kind_note(unit, k))
            for unit, k in missing_kinds(present, before)
        ]
        note = personal_data_note(con)
        if note:
            reports.append(IngestReport("(台账库)", "personal", None, pd.DataFrame(), None, note))
    return reports


def _describe(path: Path, name: str, checked: LedgerCheck, partial: bool) -> _File:
    """What validation found of one file: the ledgers it carries and the units they name."""
    f = _File(
        path, name, _sha(checked, name), partial or any(w in path.stem for w in PARTIAL_WORDS)
    )
    acc = checked.accounting[checked.accounting["file"] == name]
    kind_of = {label: kind for kind, label in KIND_LABELS.items()}
    for row in acc.itertuples(index=False):
        kind = kind_of.get(row.kind)
        if kind is None:
            continue
        f.kinds.add(kind)
        f.rows_read += int(row.rows_read)
        units = f.units.setdefault(kind, set())
        if row.unit:
            units.add(str(row.unit))
    if checked.ledgers is not None:
        for kind, table in _tables(checked).items():
            mine = table["src_file"].astype(str) == name
            found = table.loc[mine, "unit"].dropna().astype(str).unique()
            if len(found):
                f.units.setdefault(kind, set()).update(found)
    return f


def _sha(checked: LedgerCheck, name: str) -> str:
    """A file's SHA-256 as read ("" for a zip refused before it was unpacked)."""
    files = checked.files
    found = files.loc[files["file"] == name, "sha256"]
    return str(found.iloc[0]) if len(found) else ""


def _tables(checked: LedgerCheck) -> dict[str, pd.DataFrame]:
    led = checked.ledgers
    assert led is not None
    return {k: led.screening_rows if k == "screening" else led[k] for k in KINDS}


def _held_back(batch: list[_File], problems: pd.DataFrame) -> list[IngestReport]:
    """A batch with errors: the refused files with their problems, the others held back."""
    errors = problems[problems["severity"] == ERROR]
    refused = set(errors["file"])
    n = len(refused & {f.name for f in batch})
    out = []
    for f in batch:
        mine = problems[problems["file"] == f.name]
        if f.name in refused:
            k = int((mine["severity"] == ERROR).sum())
            out.append(IngestReport(f.name, "refused", None, pd.DataFrame(), mine,
                                    f"有 {k} 处错误,整个文件未载入", unit=f.unit))  # fmt: skip
        else:
            out.append(IngestReport(
                f.name, "held", None, pd.DataFrame(), mine,
                f"检查无误,但同一批中有 {n} 个文件被拒收;一批要么全部载入、要么都不载入,"
                "本文件也未载入", unit=f.unit,
            ))  # fmt: skip
    stray = errors[~errors["file"].isin([f.name for f in batch])]
    if len(stray):
        out.append(IngestReport("(本批)", "refused", None, pd.DataFrame(), stray,
                                f"有 {len(stray)} 处错误", unit=None))  # fmt: skip
    return out


# --------------------------------------------------------------------------- writing


def _store_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[_File],
    checked: LedgerCheck,
    received: dt.datetime,
    progress: Any,
) -> list[IngestReport]:
    """Write a validated batch in one transaction; one report per file."""
    tables = _tables(checked)
    with transaction(con):
        seen = _seen(con, [f.sha256 for f in batch])
        plans = {
            kind: _plan(con, kind, tables[kind], batch)
            for kind in KINDS
            if any(kind in f.kinds for f in batch)
        }
        taken = _taken_over(plans)
        if len(taken):
            raise _Refused(taken)
        counts = {f.name: [] for f in batch}
        for kind, plan in plans.items():
            for f in batch:
                if kind in f.kinds:
                    counts[f.name].append(plan.counts(kind, f.name))
        recorded = [
            f for f in batch
            if f.sha256 not in seen or any(c["new"] or c["changed"] or c["deleted"]
                                           for c in counts[f.name])
        ]  # fmt: skip
        first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
        sids = {f.name: first + i for i, f in enumerate(recorded)}
        for kind, plan in plans.items():
            written = plan.write(con, kind, sids, received)
            for f_name, what in written.items():
                progress(f"正在写入 {f_name}:{KIND_LABELS[kind]} {what}")
        now = dt.datetime.now()
        for f in recorded:
            units = set().union(
                *f.units.values(), *(p.units_touched(f.name) for p in plans.values())
            )
            _record(con, sids[f.name], first, f, units, counts[f.name], received, now)
    reports = []
    for f in batch:
        if f.name in sids:
            reports.append(IngestReport(
                f.name, "stored", sids[f.name], pd.DataFrame(counts[f.name]),
                kinds_by_unit=f.weekly(), unit=f.unit,
            ))  # fmt: skip
        else:
            sid, when = seen[f.sha256]
            reports.append(IngestReport(
                f.name, "unchanged", sid, pd.DataFrame(counts[f.name]),
                message=f"与第 {sid} 次报送({when:%Y-%m-%d %H:%M})完全相同,未作改动",
                kinds_by_unit=f.weekly(), unit=f.unit,
            ))  # fmt: skip
    return reports


def _seen(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[int, dt.datetime]]:
    """Files stored before (and not withdrawn): SHA-256 → (submission, received)."""
    rows = con.execute(
        "SELECT sha256, min(id), min(received) FROM submissions s WHERE action = 'ingest' "
        "AND sha256 IN (SELECT unnest(?)) AND NOT EXISTS (SELECT 1 FROM submissions w "
        "WHERE w.action = 'withdraw' AND w.withdraws = s.id) GROUP BY sha256",
        [shas],
    ).fetchall()
    return {sha: (sid, when) for sha, sid, when in rows}


def _record(
    con: duckdb.DuckDBPyConnection,
    sid: int,
    batch_id: int,
    f: _File,
    units: set[str],
    counts: list[dict],
    received: dt.datetime,
    now: dt.datetime,
) -> None:
    """One file's line in the submissions log, its units and its counts per ledger."""
    con.execute(
        "INSERT INTO submissions (id, file, sha256, received, ingested, rows_read, batch, "
        "action) VALUES (?, ?, ?, ?, ?, ?, ?, 'ingest')",
        [sid, f.name, f.sha256, received, now, f.rows_read, batch_id],
    )
    if units:
        con.executemany(
            "INSERT INTO submission_units VALUES (?, ?)", [[sid, u] for u in sorted(units)]
        )
    con.executemany(
        "INSERT INTO submission_counts (submission_id, kind, rows, new, changed, unchanged, "
        "deleted) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[sid, c["kind"], c["rows"], c["new"], c["changed"], c["unchanged"], c["deleted"]]
         for c in counts],
    )  # fmt: skip


@dataclass
class _Plan:
    """What a batch does to one ledger: each incoming row new, changed or unchanged, and
    the live rows it deletes, each attributed to a file of the batch."""

    incoming: pd.DataFrame  # stored_frame rows, with ``change`` and ``was`` (its live unit)
    deleted: pd.DataFrame  # live versions to delete, with the ``file`` they are charged to

    def moved(self) -> pd.DataFrame:
        """Incoming rows whose key is live under another unit (a case reassigned)."""
        was = self.incoming["was"]
        return self.incoming[was.notna() & (was != self.incoming["unit"])]

    def units_touched(self, name: str) -> set[str]:
        """The units whose rows one file changes: those it names, those whose rows it
        takes over, those whose rows it deletes."""
        mine = self.incoming[self.incoming["src_file"] == name]
        units = set(mine["unit"].dropna()) | set(mine["was"].dropna())
        return {str(u) for u in units | set(self.deleted.loc[self.deleted["file"] == name, "unit"])}

    def counts(self, kind: str, name: str) -> dict:
        mine = self.incoming[self.incoming["src_file"] == name]["change"]
        return {
            "kind": kind,
            "rows": len(mine),
            "new": int((mine == "new").sum()),
            "changed": int((mine == "changed").sum()),
            "unchanged": int((mine == "unchanged").sum()),
            "deleted": int((self.deleted["file"] == name).sum()),
        }

    def write(self, con, kind: str, sids: dict[str, int], received: dt.datetime) -> dict[str, str]:
        """Append the new, changed and deleted versions; returns a line per file."""
        new = self.incoming[self.incoming["change"] != "unchanged"]
        new = new.assign(submission_id=new["src_file"].map(sids), received=pd.Timestamp(received),
                         deleted=False)  # fmt: skip
        gone = self.deleted.assign(submission_id=self.deleted["file"].map(sids),
                                   received=pd.Timestamp(received), deleted=True)  # fmt: skip
        insert_versions(con, kind, new)
        insert_versions(con, kind, gone)
        lines = {}
        for name in sorted(set(new["src_file"]) | set(gone["file"])):
            c = self.counts(kind, name)
            lines[name] = f"新增 {c['new']}、变更 {c['changed']}、删除 {c['deleted']}"
        return lines


def _plan(
    con: duckdb.DuckDBPyConnection, kind: str, table: pd.DataFrame, batch: list[_File]
) -> _Plan:
    """Compare a batch's rows of one ledger with the live rows. The rows of all its files
    together replace the live rows of each unit they name (or whose zero return they
    carry), except for files that only add (补报)."""
    incoming = stored_frame(kind, table).drop_duplicates("row_key", keep="last")
    scope = sorted({u for f in batch if kind in f.kinds and not f.partial
                    for u in f.units.get(kind, set())})  # fmt: skip
    con.register("incoming_keys", incoming[["row_key"]])
    con.register("scope_units", pd.DataFrame({"unit": pd.Series(scope, dtype=object)}))
    try:
        live = con.execute(
            f"SELECT * FROM (SELECT * FROM rows_{kind} {LATEST}) WHERE NOT deleted AND "
            "(row_key IN (SELECT row_key FROM incoming_keys) "
            " OR unit IN (SELECT unit FROM scope_units))"
        ).df()
    finally:
        con.unregister("incoming_keys")
        con.unregister("scope_units")
    # content hashes are int64: compared as such (a float round trip would change them)
    was = incoming[["row_key"]].merge(
        pd.DataFrame({
            "row_key": live["row_key"],
            "prev": live["content"].astype("Int64"),  # nullable: no NaN, so no float
            "was": live["unit"],
        }),
        "left",
        "row_key",
    )  # fmt: skip
    prev = was["prev"]
    known = prev.notna().to_numpy()
    incoming["was"] = was["was"].to_numpy()
    same = known & (prev.fillna(0).to_numpy(np.int64) == incoming["content"].to_numpy())
    incoming["change"] = np.where(~known, "new", np.where(same, "unchanged", "changed"))
    gone = live[live["unit"].isin(scope) & ~live["row_key"].isin(incoming["row_key"])].copy()
    charged = {}
    for f in batch:  # the first file that returns the unit's ledger answers for its deletions
        if kind in f.kinds and not f.partial:
            for unit in f.units.get(kind, set()):
                charged.setdefault(unit, f.name)
    gone["file"] = gone["unit"].map(charged)
    return _Plan(incoming, gone)


# A unit's own returns (实施方案 五、四): they may not take over another unit's cases. The
# office's registers (visits, incidents) may: moving a visit to its right unit is theirs.
UNIT_RETURNS = WEEKLY_KINDS


class _Refused(Exception):
    """The batch can't be stored as it stands against the store (problems in the problem
    table's format); raised inside the transaction, so nothing is written."""

    def __init__(self, problems: pd.DataFrame) -> None:
        super().__init__("batch refused")
        self.problems = problems


def _taken_over(plans: dict[str, _Plan]) -> pd.DataFrame:
    """Rows of a unit's return whose case is live under another unit: an error each (a
    return changes only its own unit's rows; a case moves when its unit drops it)."""
    parts = []
    for kind, plan in plans.items():
        if kind not in UNIT_RETURNS:
            continue
        moved = plan.moved()
        if moved.empty:
            continue
        parts.append(pd.DataFrame({
            "kind": KIND_LABELS[kind],
            "file": moved["src_file"].astype(str),
            "sheet": moved["src_sheet"].astype(str),
            "row": moved["src_row"].astype("Int64"),
            "column": "责任单位",
            "value": moved["unit"].astype(str),
            "problem": [
                f"案件「{k.split(chr(31))[0]}」在台账库中是「{w}」的案件;一个单位的报送不能改动"
                "其他单位的案件,整批未载入"
                for k, w in zip(moved["row_key"], moved["was"], strict=True)
            ],
            "expected": "本单位的案件编号;案件确已移交的,先由原单位在其台账中去掉,再由新单位报送",
            "severity": ERROR,
            "check": "rows.other_unit",
        }))  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# --------------------------------------------------------------------------- returns


def kinds_sent_before(
    con: duckdb.DuckDBPyConnection, before: dt.datetime | None = None
) -> dict[str, set[str]]:
    """For each unit, the weekly kinds its earlier returns carried with rows (withdrawn
    submissions left out)."""
    sql = (
        "SELECT u.unit, c.kind FROM submissions s "
        "JOIN submission_units u ON u.submission_id = s.id "
        "JOIN submission_counts c ON c.submission_id = s.id WHERE c.rows > 0 "
        "AND s.action = 'ingest' AND NOT EXISTS (SELECT 1 FROM submissions w "
        "WHERE w.action = 'withdraw' AND w.withdraws = s.id)"
    )
    rows = con.execute(
        sql + (" AND s.received < ?" if before else ""), [before] if before else []
    ).fetchall()
    out: dict[str, set[str]] = {}
    for unit, kind in rows:
        out.setdefault(unit, set()).add(kind)
    return out


def missing_kinds(
    present: dict[str, set[str]], before: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """(unit, kind) where a unit's return lacks a weekly kind its earlier returns had."""
    return [
        (unit, kind)
        for unit, kinds in sorted(present.items())
        for kind in WEEKLY_KINDS
        if kind in before.get(unit, set()) and kind not in kinds
    ]


def missing_kind_note(unit: str, kind: str) -> str:
    return f"{unit} 本次报送没有{KIND_LABELS[kind]},以前的报送中有;{CSV_HINT}"
