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
- Each file is one submission (file, SHA-256, units, received time, counts), each row it
  carries a version (marked new, changed or unchanged), and what it replaces its scope
  (``rows.live_sql``). A batch repeating files already stored for the same week changes
  nothing and is not recorded again.
- **Time runs one way.** A batch is received no earlier than anything already in the store
  (a later receipt never hides behind an earlier one), and not in the future.
- The office's registers (visits, incidents) are its whole ledger: a register that would
  take away more rows than ``limits.yaml`` allows (a part sent as the whole) waits for
  ``replace`` (``--replace``). So does a unit's return whose file name and title rows
  name no unit, when it would take away that many of the rows of the unit its rows name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..dates import return_day_on_or_after
from ..errors import BaiyiError
from ..ledgers import LedgerCheck, check_files
from ..ledgers.checks import ERROR
from ..ledgers.read import batch_files
from ..ledgers.schema import KIND_LABELS, KINDS
from ..params import DEFAULT_STORE, Rules, load_rules
from . import documents
from .batch import CSV_HINT, PARTIAL_WORDS, WEEKLY_KINDS, IngestReport, _File
from .connection import writing
from .layout import transaction
from .plan import _plan, _refusals, _Refused, merged_returns
from .purge import personal_data_note


# The weekly return (实施方案 五、四): 矛盾纠纷排查化解登记表 and 信访积案, from every unit.
def ingest(
    paths: Iterable[str | Path],
    store: str | Path = DEFAULT_STORE,
    received: dt.datetime | None = None,
    rules: Rules | None = None,
    wait: float = 60.0,
    progress: Any = lambda msg: None,
    partial: bool = False,
    replace: bool = False,
) -> list[IngestReport]:
    """Validate a batch of files (a folder means its ledger files, a zip its members) and
    store it whole, in one transaction, or not at all. Returns one report per file, then
    the batch's notes (units whose return lacks a kind they sent before; personal data in
    the store). ``replace`` lets a register take away more rows than limits.yaml allows.

    Raises BaiyiError when no ledger file is found or ``received`` is earlier than what the
    store holds (or in the future), StoreError (exit 3–6) when the store can't be used:
    then nothing of the batch was stored.
    """
    rules = rules or load_rules()
    received = received or dt.datetime.now()
    with batch_files([Path(p) for p in paths], rules.limits, rules) as files:
        # a spreadsheet named as a document (领导小组成员名单.xlsx) is one, never read
        as_docs = [(p, n) for p, n in files.named if documents.names_a_document(n, rules)]
        files.named = [f for f in files.named if f not in as_docs]
        limit = rules.limits.max_uncompressed_bytes
        docs = [documents.identify(p, n, rules, limit) for p, n in [*files.documents, *as_docs]]
        if not files.named and not files.notes and not any(d.ok for d in docs):
            raise BaiyiError(
                "没有找到要载入的台账文件" + (":" + docs[0].problem if len(docs) == 1 else "")
            )
        if files.named:
            progress(f"正在检查 {len(files.named)} 个文件")
        checked = check_files(files, rules, received=received)
        named = files.named + [(Path(n.file), n.file) for n in files.notes]
        taken = {d.name for d in docs if d.ok}  # documents to record are not "not read"
        reports = [IngestReport(u["file"], "unread", None, pd.DataFrame(), None,
                                _unread_reason(u, docs)) for u in files.unread
                   if u["file"] not in taken]  # fmt: skip
        batch = [_describe(path, name, checked, partial) for path, name in named]
    docs = [d for d in docs if d.ok]
    if not checked.ok:
        return reports + _held_back(batch, checked.problems) + _documents_held(docs)
    with writing(store, wait) as con:
        before = kinds_sent_before(con, received)
        try:
            reports += _store_batch(con, batch, checked, received, rules, progress, replace, docs)
        except _Refused as refused:
            return reports + _held_back(batch, refused.problems) + _documents_held(docs)
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


def _unread_reason(entry: dict, docs: list[documents.DocumentFile]) -> str:
    """Why a file was not read; for a document that could not be recorded, why not."""
    why = next((d.problem for d in docs if d.name == entry["file"] and d.problem), "")
    return why or entry["reason"]


def _documents_held(docs: list[documents.DocumentFile]) -> list[IngestReport]:
    """Documents of a refused batch: not recorded either (a batch is all or nothing)."""
    return [IngestReport(d.name, "held", None, pd.DataFrame(), None,
                         "同一批中有文件被拒收;一批要么全部载入、要么都不载入,本材料也未登记",
                         unit=d.unit) for d in docs]  # fmt: skip


def _documents_recorded(
    recorded: list[tuple[documents.DocumentFile, list[str], int | None]],
) -> list[IngestReport]:
    """One line per document: the kinds recorded for its unit (its submission id, which
    history lists and withdraw takes), or that it was already recorded."""
    out = []
    for d, new, sid in recorded:
        if new:
            said = f"登记为{d.unit}的{d.label}(只记收到时间和 SHA-256 {d.sha256[:12]}…,不读内容)"
            out.append(IngestReport(d.name, "document", sid, pd.DataFrame(), None, said,
                                    unit=d.unit, label=f"{d.unit} {d.label}"))  # fmt: skip
        else:
            said = f"{d.unit}的{d.label}已登记过(内容相同),不再登记"
            out.append(IngestReport(d.name, "unchanged", None, pd.DataFrame(), None, said,
                                    unit=d.unit, label=f"{d.unit} {d.label}"))  # fmt: skip
    return out


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
        if row.declared and row.unit:
            f.declared[kind] = str(row.unit)
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
                                    f"有 {k} 处错误,整个文件未载入", unit=f.unit,
                                    kinds=frozenset(f.kinds)))  # fmt: skip
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
    rules: Rules,
    progress: Any,
    replace: bool,
    docs: list[documents.DocumentFile] = (),  # type: ignore[assignment]
) -> list[IngestReport]:
    """Write a validated batch in one transaction, with the documents' receipts; one
    report per file."""
    tables = _tables(checked) if batch else {}
    with transaction(con):
        check_moment(con, received, "收到时间")
        recorded = _documents_recorded(documents.record(con, list(docs), received))
        if not batch:
            return recorded
        repeat = _repeat(con, batch, received, rules)
        if repeat is not None:
            return repeat + recorded
        # a method's declared columns are stored under their headers (已预警), as the clerk
        # wrote them: another method (or this one with a renamed key) reads them back by
        # header or alias
        headers = {c.key: c.header for c in rules.columns.values()}
        plans = {
            kind: _plan(con, kind, tables[kind].rename(columns=headers), batch)
            for kind in KINDS
            if any(kind in f.kinds for f in batch)
        }
        unnamed = {kind: {f.name for f in batch if kind in f.kinds and kind not in f.declared}
                   for kind in plans}  # fmt: skip
        refused = _refusals(plans, rules, replace, unnamed)
        if len(refused):
            raise _Refused(refused)
        counts = {f.name: [p.counts(f.name) for p in plans.values() if p.kind in f.kinds]
                  for f in batch}  # fmt: skip
        first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
        sids = {f.name: first + i for i, f in enumerate(batch)}
        now = dt.datetime.now()
        for f in batch:
            units = set().union(
                *f.units.values(), *(p.units_touched(f.name) for p in plans.values())
            )
            _record(con, sids[f.name], first, f, units, counts[f.name], received, now)
        for plan in plans.values():
            for name, what in plan.write(con, sids, received).items():
                progress(f"正在写入 {name}:{KIND_LABELS[plan.kind]} {what}")
    merged = [IngestReport("(本批)", "merged", None, pd.DataFrame(), None, said)
              for plan in plans.values() for said in merged_returns(plan)]  # fmt: skip
    remarks = checked.problems[checked.problems["severity"] != ERROR]
    return [
        IngestReport(f.name, "stored", sids[f.name], pd.DataFrame(counts[f.name]),
                     remarks[remarks["file"] == f.name].reset_index(drop=True),
                     kinds_by_unit=f.weekly(), unit=f.unit)
        for f in batch
    ] + merged + recorded  # fmt: skip


def check_moment(con: duckdb.DuckDBPyConnection, moment: dt.datetime, what: str) -> None:
    """Time runs one way in the store: a receipt or a withdrawal is not earlier than the
    latest already recorded (else it would change what an earlier briefing was made from,
    or hide behind an earlier receipt), nor in the future. BaiyiError (exit 2) otherwise."""
    latest = con.execute(
        "SELECT max(received) FROM submissions WHERE action IN ('ingest', 'withdraw', 'document')"
    ).fetchall()[0][0]
    if latest is not None and moment < latest:
        raise BaiyiError(
            f"{what} {moment:%Y-%m-%d %H:%M} 早于台账库中最近一次报送或撤回的时间 "
            f"{latest:%Y-%m-%d %H:%M}。台账库按时间先后记录,不能把新的记录插到以前:"
            "不写时间(按现在)即可;确是以前收到而漏载的文件,就按现在载入,它是一份迟到的报送。"
        )
    if moment > dt.datetime.now() + dt.timedelta(days=1):
        raise BaiyiError(f"{what} {moment:%Y-%m-%d %H:%M} 在将来,多半是写错了月份或年份")


def _repeat(
    con: duckdb.DuckDBPyConnection, batch: list[_File], received: dt.datetime, rules: Rules
) -> list[IngestReport] | None:
    """A batch every file of which is already stored, in force, for the same return week
    (the clerk ran the same folder twice): reported as such, nothing recorded. A file sent
    again in a later week is that week's return and is stored; so is one sent again after
    a first sending that came within the late days after the previous return day (that
    one was last week's late return, this one is this week's)."""
    shas = [f.sha256 for f in batch]
    rows = con.execute(
        "SELECT sha256, max(id), max(received) FROM submissions s WHERE action = 'ingest' "
        "AND sha256 IN (SELECT unnest($shas)) AND NOT EXISTS (SELECT 1 FROM submissions w "
        "WHERE w.action = 'withdraw' AND w.withdraws = s.id) GROUP BY sha256",
        {"shas": shas},
    ).fetchall()
    seen = {sha: (sid, when) for sha, sid, when in rows}
    week = _return_week(received, rules)
    if not shas or any(sha not in seen or _return_week(seen[sha][1], rules) != week
                       or _late_for_last_week(seen[sha][1], rules) for sha in shas):  # fmt: skip
        return None
    return [
        IngestReport(f.name, "unchanged", seen[f.sha256][0], pd.DataFrame(),
                     message=f"与第 {seen[f.sha256][0]} 次报送({seen[f.sha256][1]:%Y-%m-%d %H:%M})"
                     "完全相同,未作改动", kinds_by_unit=f.weekly(), unit=f.unit)
        for f in batch
    ]  # fmt: skip


def _late_for_last_week(moment: dt.datetime, rules: Rules) -> bool:
    """Whether a return received at this moment came within the late days after the
    previous return day (it may be that week's late return, 迟报)."""
    day, camp = moment.date(), rules.campaign
    due = _return_week(moment, rules)
    return day != due and (day - (due - dt.timedelta(days=7))).days <= camp.late_days


def _return_week(moment: dt.datetime, rules: Rules) -> dt.date:
    day = pd.Series([pd.Timestamp(moment.date())])
    return return_day_on_or_after(day, rules.campaign.weekly_return_weekday).iloc[0].date()


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
