"""Property: over any sequence of ingests, corrections (补报), zero returns, withdrawals and
purges, (1) a submission changes only the live rows of the units it names, and (2) the
store as known at any earlier moment is what it was at that moment.

The store is read back with plain SQL (conftest.live), never through baiyi_lib.store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import tempfile
from pathlib import Path

import duckdb
from conftest import raw_tables, replay
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from baiyi_lib import load_rules
from baiyi_lib.errors import BaiyiError
from baiyi_lib.store import ingest, purge, withdraw

RULES = load_rules()
UNITS = ["农水站", "工管站", "财务科"]
CASES = [f"C{i}" for i in range(1, 6)]
START = dt.datetime(2019, 3, 1, 17, 0)
SCREENING = "案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期"
VISITS = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员"
KINDS = ("visits", "screening")
MOBILE = "13912345678"

screening_rows = st.lists(
    st.tuples(st.sampled_from(CASES), st.integers(1, 20), st.booleans()),
    max_size=4,
    unique_by=lambda r: (r[0], r[1]),
)
visit_rows = st.lists(
    st.tuples(st.integers(1, 8), st.sampled_from(UNITS), st.integers(1, 3)),
    max_size=5,
    unique_by=lambda r: r[0],
)


_READ: dict[bytes, dict] = {}


def _raw_tables(store: Path) -> dict:
    """``raw_tables`` of the store, read again only when its bytes changed: a step reads
    the store before and after its change and the invariant reads it once more, unchanged
    (the same bytes read the same rows; the key is the file's, and its WAL's, digest)."""
    digest = hashlib.sha256(store.read_bytes())
    wal = store.with_name(store.name + ".wal")
    if wal.exists():
        digest.update(b"wal" + wal.read_bytes())
    key = digest.digest()
    if key not in _READ:
        _READ.clear()  # a store read is wanted again only until the next change
        _READ[key] = raw_tables(store, KINDS)
    return _READ[key]


def _snapshot(store: Path, known_at: dt.datetime | None = None) -> dict[str, dict]:
    """kind → {row_key: (unit, content)} of the live rows."""
    return _snapshots(store, [known_at])[0]


def _snapshots(store: Path, moments: list[dt.datetime | None]) -> list[dict[str, dict]]:
    """``_snapshot`` at each of ``moments``, from one read of the raw tables (opening the
    store for every moment of the history, after every step, was most of this test's
    time)."""
    if not store.exists():
        return [{k: {} for k in KINDS} for _ in moments]
    raw = _raw_tables(store)
    return [
        {
            k: {r.row_key: (r.unit, r.case_id) for r in replay(raw, k, at).itertuples()}
            for k in KINDS
        }
        for at in moments
    ]


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # in memory where the machine has it (/dev/shm): each step opens, writes and
        # checkpoints the store, and its fsyncs need not wait for a disk
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.dir = Path(tempfile.mkdtemp(prefix="baiyi-prop-", dir=shm))
        self.store = self.dir / "s.duckdb"
        self.clock = itertools.count(1)
        self.files = itertools.count(1)
        self.history: list[tuple[dt.datetime, dict]] = []
        self.stored: list[tuple[int, set[str]]] = []  # submission id, its units
        self.replaced: dict[str, str] = {}

    # ------------------------------------------------------------------ helpers

    def _now(self) -> dt.datetime:
        return START + dt.timedelta(hours=next(self.clock))

    def _write(self, name: str, lines: list[str]) -> Path:
        folder = self.dir / f"f{next(self.files)}"
        folder.mkdir()
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def _apply(self, paths: list[Path], named: set[str]) -> None:
        before = _snapshot(self.store)
        at = self._now()
        reports = ingest(paths, self.store, received=at, rules=RULES)
        stored = [r for r in reports if r.status == "stored"]
        assert not [r for r in reports if r.status in ("refused", "held")], reports
        self.stored += [(r.submission_id, set(named)) for r in stored]
        self.history.append((at, self._check_only(before, named)))

    def _check_only(self, before: dict, named: set[str]) -> dict[str, dict]:
        """Only the named units' live rows changed; returns the live rows now."""
        after = _snapshot(self.store)
        for kind in KINDS:
            for side in (before, after):
                for key, (unit, _) in side[kind].items():
                    if unit not in named:
                        assert before[kind].get(key) == after[kind].get(key), (kind, key, unit)
        return after

    # ------------------------------------------------------------------ operations

    @rule(unit=st.sampled_from(UNITS), rows=screening_rows, partial=st.booleans())
    def unit_return(self, unit, rows, partial):
        """A unit's screening ledger as it stands (or a 补报 with some rows)."""
        if not rows and partial:
            return
        lines = [f"填报单位:{unit},,零报告,{'否' if rows else '是'}", SCREENING]
        lines += [
            f"{case},{unit},2019-02-{day:02d},工程款,{'已化解' if done else '未化解'},"
            + ("2019-02-28" if done else "")
            for case, day, done in rows
        ]
        name = f"{'补报_' if partial else ''}排查{next(self.files)}.csv"
        self._apply([self._write(name, lines)], {unit})

    @rule(rows=visit_rows)
    def register(self, rows):
        """The office's visits register: it replaces the whole visits ledger."""
        if not rows:
            return
        lines = [VISITS] + [
            f"V{vid},2019-02-{vid + 10:02d},{unit},来县,个体,{n},否,C1,否,否"
            for vid, unit, n in rows
        ]
        # the office's register is its whole ledger: every unit's visits are in its scope
        self._apply([self._write("走访登记.csv", lines)], set(UNITS))

    @precondition(lambda self: self.stored)
    @rule(data=st.data())
    def withdrawal(self, data):
        sid, units = data.draw(st.sampled_from(self.stored))
        before = _snapshot(self.store)
        at = self._now()
        try:
            withdraw(self.store, sid, at=at)
        except BaiyiError:
            assert _snapshot(self.store) == before  # refused: nothing changed
            self.history.append((at, before))
            return
        self.stored = [s for s in self.stored if s[0] != sid]
        self.history.append((at, self._check_only(before, units)))

    @precondition(lambda self: self.store.exists())
    @rule(data=st.data())
    def purge_a_number(self, data):
        """Personal data let in by an older version, in one visit's case id, then purged."""
        visits = _snapshot(self.store)["visits"]
        if not visits:
            return
        key = data.draw(st.sampled_from(sorted(visits)))
        con = duckdb.connect(str(self.store))
        con.execute("UPDATE rows_visits SET case_id = ? WHERE row_key = ?", [MOBILE, key])
        con.close()
        purge(self.store, apply=True)
        # every version of that row, past ones included, now says 已清除#1
        for _, snap in self.history:
            if key in snap["visits"]:
                unit, _ = snap["visits"][key]
                snap["visits"][key] = (unit, "已清除#1")
        assert _snapshot(self.store)["visits"][key][1] == "已清除#1"
        with open(self.store, "rb") as fh:
            assert MOBILE.encode() not in fh.read()

    # ------------------------------------------------------------------ the past

    @invariant()
    def the_past_is_reproducible(self):
        now = _snapshots(self.store, [at for at, _ in self.history])
        for (at, snap), then in zip(self.history, now, strict=True):
            assert then == snap, at

    def teardown(self):
        for p in sorted(self.dir.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        self.dir.rmdir()


StoreMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("BAIYI_EXAMPLES", "20")),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_store_properties = StoreMachine.TestCase
