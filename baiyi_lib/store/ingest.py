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
  ``replace`` (``--replace``).
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

from ..dates import return_day_on_or_after
from ..errors import BaiyiError
from ..ledgers import LedgerCheck, check_files
from ..ledgers.checks import CHECKS, ERROR
from ..ledgers.read import batch_files
from ..ledgers.schema import KIND_LABELS, KINDS
from ..params import DEFAULT_STORE, Rules, load_rules
from . import documents
from .connection import transaction, writing
from .purge import personal_data_note
from .rows import insert_versions, live_sql, stored_frame

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
    # it sent before), document (a one-off document's receipt recorded: 实施方案 五、四)
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
    with batch_files([Path(p) for p in paths], rules.limits) as files:
        docs = [documents.identify(p, name, rules) for p, name in files.documents]
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
    recorded: list[tuple[documents.DocumentFile, list[str]]], rules: Rules
) -> list[IngestReport]:
    """One line per document: the kinds recorded for its unit, or that it was already."""
    names = {doc.id: doc.name for doc, _ in rules.campaign.documents}
    out = []
    for d, new in recorded:
        kinds = "、".join(names[k] for k in d.kinds)
        if new:
            said = f"登记为{d.unit}的{kinds}(只记收到时间和 SHA-256 {d.sha256[:12]}…,不读内容)"
            out.append(IngestReport(d.name, "document", None, pd.DataFrame(), None, said,
                                    unit=d.unit))  # fmt: skip
        else:
            said = f"{d.unit}的{kinds}已登记过(内容相同),不再登记"
            out.append(IngestReport(d.name, "unchanged", None, pd.DataFrame(), None, said,
                                    unit=d.unit))  # fmt: skip
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
        recorded = _documents_recorded(documents.record(con, list(docs), received), rules)
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
        refused = _refusals(plans, rules, replace)
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
    return [
        IngestReport(f.name, "stored", sids[f.name], pd.DataFrame(counts[f.name]),
                     kinds_by_unit=f.weekly(), unit=f.unit)
        for f in batch
    ] + recorded  # fmt: skip


def check_moment(con: duckdb.DuckDBPyConnection, moment: dt.datetime, what: str) -> None:
    """Time runs one way in the store: a receipt or a withdrawal is not earlier than the
    latest already recorded (else it would change what an earlier briefing was made from,
    or hide behind an earlier receipt), nor in the future. BaiyiError (exit 2) otherwise."""
    latest = con.execute(
        "SELECT max(received) FROM submissions WHERE action IN ('ingest', 'withdraw')"
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


@dataclass
class _Plan:
    """What a batch does to one ledger: each incoming row new, changed or unchanged (and
    the unit it was live under), what each file replaces, and the live rows that this
    takes away, each charged to the file whose scope covers it."""

    kind: str
    incoming: pd.DataFrame  # stored_frame rows, with ``change`` and ``was`` (its live unit)
    scopes: list[tuple[str, str | None]]  # (file, unit); unit None: the whole ledger
    deleted: pd.DataFrame  # live rows taken away: row_key, unit, src_row, file
    live: int  # live rows of this ledger before the batch

    def moved(self) -> pd.DataFrame:
        """Incoming rows whose key is live under another unit (a case reassigned)."""
        was = self.incoming["was"]
        return self.incoming[was.notna() & (was != self.incoming["unit"])]

    def units_touched(self, name: str) -> set[str]:
        """The units whose rows one file changes: those it names, those whose rows it
        takes over, those whose rows it takes away."""
        mine = self.incoming[self.incoming["src_file"] == name]
        units = set(mine["unit"].dropna()) | set(mine["was"].dropna())
        return {str(u) for u in units | set(self.deleted.loc[self.deleted["file"] == name, "unit"])}

    def counts(self, name: str) -> dict:
        mine = self.incoming[self.incoming["src_file"] == name]["change"]
        return {
            "kind": self.kind,
            "rows": len(mine),
            "new": int((mine == "new").sum()),
            "changed": int((mine == "changed").sum()),
            "unchanged": int((mine == "unchanged").sum()),
            "deleted": int((self.deleted["file"] == name).sum()),
        }

    def write(self, con, sids: dict[str, int], received: dt.datetime) -> dict[str, str]:
        """Store every incoming row as a version, each file's scope, and the record of what
        was taken away; returns a line per file for the progress display."""
        versions = self.incoming.assign(
            submission_id=self.incoming["src_file"].map(sids),
            received=pd.Timestamp(received),
            deleted=False,
        )
        insert_versions(con, self.kind, versions)
        if self.scopes:
            con.executemany("INSERT INTO submission_scope VALUES (?, ?, ?)",
                            [[sids[f], self.kind, u] for f, u in self.scopes])  # fmt: skip
        if len(self.deleted):
            gone = self.deleted.assign(submission_id=self.deleted["file"].map(sids),
                                       kind=self.kind)  # fmt: skip
            con.register("gone", gone[["submission_id", "kind", "row_key", "unit", "src_row"]])
            try:
                con.execute("INSERT INTO submission_deletions SELECT * FROM gone")
            finally:
                con.unregister("gone")
        lines = {}
        for name in sorted(set(self.incoming["src_file"]) | set(self.deleted["file"])):
            c = self.counts(name)
            lines[name] = f"新增 {c['new']}、变更 {c['changed']}、删除 {c['deleted']}"
        return lines


# A unit's own returns (实施方案 五、四): they replace that unit's ledger and may not take
# over another unit's cases. The office's registers (visits, incidents) are its whole
# ledger: they replace it whole, and may move a visit to another unit.
UNIT_RETURNS = WEEKLY_KINDS


def _scopes(kind: str, batch: list[_File]) -> list[tuple[str, str | None]]:
    """What each file of the batch replaces in one ledger: a unit's ledger (a unit's
    return, or a register that declares its unit), or the whole ledger (the office's
    register); nothing for a file that only adds (补报)."""
    out: list[tuple[str, str | None]] = []
    for f in batch:
        if kind not in f.kinds or f.partial:
            continue
        if kind in UNIT_RETURNS:
            out += [(f.name, u) for u in sorted(f.units.get(kind, set()))]
        else:
            out.append((f.name, f.declared.get(kind)))
    return out


def _plan(
    con: duckdb.DuckDBPyConnection, kind: str, table: pd.DataFrame, batch: list[_File]
) -> _Plan:
    """Compare a batch's rows of one ledger with the live rows, and work out what its
    scopes take away (rows of the units replaced that the batch does not carry)."""
    incoming = stored_frame(kind, table).drop_duplicates("row_key", keep="last")
    scopes = _scopes(kind, batch)
    live = con.execute(
        live_sql(kind, "l.row_key, l.content, l.unit, l.src_row"), {"cut": _FOREVER}
    ).df()
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
    known = was["prev"].notna().to_numpy()
    same = known & (was["prev"].fillna(0).to_numpy(np.int64) == incoming["content"].to_numpy())
    incoming["change"] = np.where(~known, "new", np.where(same, "unchanged", "changed"))
    incoming["was"] = was["was"].to_numpy()
    whole = next((f for f, u in scopes if u is None), None)
    by_unit = {}
    for f, u in scopes:
        if u is not None:
            by_unit.setdefault(u, f)
    covered = live["unit"].isin(list(by_unit)) | (whole is not None)
    gone = live[covered & ~live["row_key"].isin(incoming["row_key"])].copy()
    gone["file"] = gone["unit"].map(by_unit).astype(object).fillna(whole)
    return _Plan(kind, incoming, scopes, gone[["row_key", "unit", "src_row", "file"]], len(live))


_FOREVER = dt.datetime(9999, 12, 31)


class _Refused(Exception):
    """The batch can't be stored as it stands against the store (problems in the problem
    table's format); raised inside the transaction, so nothing is written."""

    def __init__(self, problems: pd.DataFrame) -> None:
        super().__init__("batch refused")
        self.problems = problems


def _refusals(plans: dict[str, _Plan], rules: Rules, replace: bool) -> pd.DataFrame:
    """What the store refuses of a batch: a unit's return taking over another unit's case,
    and a register taking away more rows than limits.yaml allows (without ``replace``)."""
    parts = [_taken_over(p) for p in plans.values() if p.kind in UNIT_RETURNS]
    if not replace:
        parts += [_too_many_gone(p, rules) for p in plans.values() if p.kind not in UNIT_RETURNS]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _problem_rows(plan: _Plan, rows: pd.DataFrame, check: str, **cols) -> pd.DataFrame:
    return pd.DataFrame({
        "kind": KIND_LABELS[plan.kind], "file": rows["file"].astype(str),
        "sheet": rows.get("sheet", ""), "row": rows["row"].astype("Int64"),
        "severity": CHECKS[check].severity.value, **cols, "check": check,
    })  # fmt: skip


def _taken_over(plan: _Plan) -> pd.DataFrame:
    """Rows of a unit's return whose case is live under another unit: an error each (a
    return changes only its own unit's rows; a case moves when its unit drops it)."""
    moved = plan.moved()
    if moved.empty:
        return moved
    rows = pd.DataFrame({"file": moved["src_file"], "sheet": moved["src_sheet"].astype(str),
                         "row": moved["src_row"]})  # fmt: skip
    other_unit = CHECKS["rows.other_unit"]
    problem = [
        other_unit.say(case=k.split(chr(31))[0], owner=w)
        for k, w in zip(moved["row_key"], moved["was"], strict=True)
    ]
    return _problem_rows(
        plan, rows, other_unit.id, column="责任单位", value=moved["unit"].astype(str).to_numpy(),
        problem=problem, expected=other_unit.expect(),
    )  # fmt: skip


def _too_many_gone(plan: _Plan, rules: Rules) -> pd.DataFrame:
    """A register that would take away more rows than limits.yaml allows: one error per
    file charged with them (a part of the register sent as the whole, most likely)."""
    lim = rules.limits
    n = len(plan.deleted)
    if n <= lim.replace_max_rows or n <= lim.replace_max_share * max(plan.live, 1):
        return pd.DataFrame()
    files = plan.deleted["file"].value_counts()
    rows = pd.DataFrame({"file": files.index, "row": pd.NA})
    gone = CHECKS["rows.mass_deletion"]
    return _problem_rows(
        plan, rows, gone.id, column="", value="",
        problem=[gone.say(n=k, live=plan.live) for k in files.to_numpy()],
        expected=gone.expect(),
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
