"""What a batch replaces, worked out before anything is written: per ledger, its rows
against the live rows (new, changed, unchanged) and the rows its scopes take away; and what
the store refuses (a unit's return taking over another unit's rows, a register taking
away more rows than limits.yaml allows without --replace)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from ..ledgers.checks import CHECKS
from ..ledgers.schema import KIND_LABELS, UNITLESS
from ..params import Rules
from .batch import WEEKLY_KINDS, _File
from .rows import insert_versions, live_sql, stored_frame


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
    live_units: dict[str, int] = field(default_factory=dict)  # live rows per unit
    # every row the files carried, before a row sent twice was kept once: src_file, unit,
    # row_key (a file whose rows another file of the batch repeats carried them all the same)
    sent: pd.DataFrame = field(default_factory=pd.DataFrame)

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
        carried = int((self.sent["src_file"] == name).sum()) if len(self.sent) else len(mine)
        return {
            "kind": self.kind,
            "rows": carried,  # never 0 (零报告) for a file with rows, repeated or not
            "repeated": carried - len(mine),  # rows another file of the batch sent after it
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
    register, and always for a register of no unit); nothing for a file that only adds
    (补报)."""
    out: list[tuple[str, str | None]] = []
    for f in batch:
        if kind not in f.kinds or f.partial:
            continue
        if kind in UNIT_RETURNS:
            out += [(f.name, u) for u in sorted(f.units.get(kind, set()))]
        elif kind in UNITLESS:  # a register of no unit (接访值班表) is replaced whole
            out.append((f.name, None))
        else:
            out.append((f.name, f.declared.get(kind)))
    return out


def _plan(
    con: duckdb.DuckDBPyConnection, kind: str, table: pd.DataFrame, batch: list[_File]
) -> _Plan:
    """Compare a batch's rows of one ledger with the live rows, and work out what its
    scopes take away (rows of the units replaced that the batch does not carry)."""
    sent = stored_frame(kind, table)
    incoming = sent.drop_duplicates("row_key", keep="last")
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
    per_unit = {str(u): int(n) for u, n in live["unit"].value_counts().items()}
    return _Plan(kind, incoming, scopes, gone[["row_key", "unit", "src_row", "file"]], len(live),
                 per_unit, sent[["src_file", "unit", "row_key"]].astype(str))  # fmt: skip


def merged_returns(plan: _Plan) -> list[str]:
    """A remark per unit whose return of this ledger came in two or more files of one
    batch: they are one return (together they replace the unit's rows), which the clerk
    should know (one may be an older copy); the rows both carry, and which file's stand."""
    if plan.kind not in UNIT_RETURNS:
        return []
    files: dict[str, list[str]] = {}
    for f, u in plan.scopes:
        if u is not None:
            files.setdefault(u, []).append(f)
    out = []
    for unit, names in sorted(files.items()):
        names = sorted(set(names))
        if len(names) < 2:
            continue
        rows = plan.sent[plan.sent["unit"] == unit]
        twice = rows[rows.duplicated("row_key", keep="last")]
        said = (
            f"本批中有 {len(names)} 个文件是{unit}的{KIND_LABELS[plan.kind]}("
            + "、".join(names)
            + "):合为一份报送载入,合起来替换该单位的台账"
        )
        if len(twice):
            kept = rows.drop_duplicates("row_key", keep="last")
            last = kept[kept["row_key"].isin(twice["row_key"])]["src_file"].unique()
            n = twice["row_key"].nunique()
            said += f";其中 {n} 个案件在几个文件中都有,以 {'、'.join(last)} 为准"
        empty = [n for n in names if not (rows["src_file"] == n).any()]
        if empty:
            said += f";{'、'.join(empty)} 没有数据行(零报告),以有数据行的文件为准"
        out.append(
            said + "。若其中有旧版本,请撤回这份报送(baiyi withdraw 其中任一个文件的报送编号,"
            "同批合并载入的几次报送一并撤回)后只报送新版本"
        )
    return out


_FOREVER = dt.datetime(9999, 12, 31)


class _Refused(Exception):
    """The batch can't be stored as it stands against the store (problems in the problem
    table's format); raised inside the transaction, so nothing is written."""

    def __init__(self, problems: pd.DataFrame) -> None:
        super().__init__("batch refused")
        self.problems = problems


def _refusals(
    plans: dict[str, _Plan],
    rules: Rules,
    replace: bool,
    unnamed: dict[str, set[str]] | None = None,
) -> pd.DataFrame:
    """What the store refuses of a batch: a unit's return taking over another unit's case,
    and (without ``replace``) a register taking away more rows than limits.yaml allows,
    or a unit's return that names no unit (``unnamed``: per ledger, the files whose name
    and title rows give no unit) doing so to the unit its rows name."""
    parts = [_taken_over(p) for p in plans.values() if p.kind in UNIT_RETURNS]
    if not replace:
        registers = [p for p in plans.values() if p.kind not in UNIT_RETURNS]
        parts += [_emptied(p) for p in registers] + [_too_many_gone(p, rules) for p in registers]
        parts += [
            _unnamed_too_many_gone(p, rules, (unnamed or {}).get(p.kind, set()))
            for p in plans.values()
            if p.kind in UNIT_RETURNS
        ]
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


def _carried(plan: _Plan) -> pd.Series:
    """Per live row taken away: whether the file charged with it carries rows of the
    ledger (False: a register sent with none, a 零报告)."""
    return plan.deleted["file"].isin(set(plan.incoming["src_file"].astype(str)))


def _emptied(plan: _Plan) -> pd.DataFrame:
    """A register sent without a row (零报告, or a header alone) that would empty the
    store's: one error per such file, however few rows it would take away — a register
    is sent whole, so an empty one says "nothing new", never "delete everything"."""
    return _per_file(plan, plan.deleted[~_carried(plan)], "rows.emptied_register")


def _too_many_gone(plan: _Plan, rules: Rules) -> pd.DataFrame:
    """A register that would take away more rows than limits.yaml allows: one error per
    file charged with them (a part of the register sent as the whole, most likely). Files
    without a row are ``_emptied``'s."""
    lim = rules.limits
    gone = plan.deleted[_carried(plan)]
    n = len(gone)
    if n <= lim.replace_max_rows or n <= lim.replace_max_share * max(plan.live, 1):
        return pd.DataFrame()
    return _per_file(plan, gone, "rows.mass_deletion")


def _unnamed_too_many_gone(plan: _Plan, rules: Rules, unnamed: set[str]) -> pd.DataFrame:
    """A unit's return that says nowhere whose it is (neither its file name nor its title
    rows) replaces the unit its rows name: when that would take away more of the unit's
    rows than limits.yaml's share allows (1 row sent against 12 stored; 1 against 2), it
    is more likely a part, or another unit's file, than the unit's whole ledger — however
    few the rows: a unit's backlog is often 1 to 5 cases. One error per file and unit."""
    lim = rules.limits
    gone = plan.deleted[plan.deleted["file"].isin(unnamed)]
    if gone.empty:
        return pd.DataFrame()
    counts = gone.groupby(["file", "unit"]).size()
    declared = CHECKS["rows.unnamed_mass_deletion"]
    hits = [
        (f, u, int(n), plan.live_units.get(str(u), 0))
        for (f, u), n in counts.items()
        if n > lim.replace_max_share * plan.live_units.get(str(u), 1)
    ]
    if not hits:
        return pd.DataFrame()
    rows = pd.DataFrame({"file": [h[0] for h in hits], "row": pd.NA})
    return _problem_rows(
        plan, rows, declared.id, column="责任单位", value=[str(h[1]) for h in hits],
        problem=[declared.say(kind=KIND_LABELS[plan.kind], unit=u, n=n, live=live)
                 for _, u, n, live in hits],
        expected=declared.expect(),
    )  # fmt: skip


def _per_file(plan: _Plan, gone: pd.DataFrame, check: str) -> pd.DataFrame:
    """One error of ``check`` per file charged with live rows ``gone`` (how many, of how
    many live)."""
    if gone.empty:
        return pd.DataFrame()
    files = gone["file"].value_counts()
    rows = pd.DataFrame({"file": files.index, "row": pd.NA})
    declared = CHECKS[check]
    return _problem_rows(
        plan, rows, declared.id, column="", value="",
        problem=[declared.say(n=k, live=plan.live) for k in files.to_numpy()],
        expected=declared.expect(),
    )  # fmt: skip
