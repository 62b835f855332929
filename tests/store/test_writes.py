"""Every write is whole, every failure names what happened (issue: nothing lost, §4):
the store's schema version, a batch on a full disk, rows dated after their receipt, a
refused file whose unit can't be told."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest
from conftest import END, SAMPLE, UNITS, VISITS, screening_rows_of, table_counts, unit_book

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main
from baiyi_lib.store.connection import SCHEMA_VERSION

# --------------------------------------------------------------------------- schema version


def test_a_store_with_a_column_from_a_newer_version_is_refused_untouched(sample_store, capsys):
    con = duckdb.connect(str(sample_store))
    con.execute("ALTER TABLE rows_visits ADD COLUMN escalated BOOLEAN")
    con.close()
    before = sample_store.read_bytes()
    for argv in (
        ["score", "--data", str(sample_store)],
        ["ingest", str(VISITS), "--store", str(sample_store)],
        ["purge", "--store", str(sample_store)],
    ):
        assert main(argv) == 6, argv
        err = capsys.readouterr().err
        assert "更新版本" in err and "escalated" in err and "Traceback" not in err
    assert sample_store.read_bytes() == before


def test_a_store_with_a_table_or_version_from_a_newer_version_is_refused(sample_store, capsys):
    con = duckdb.connect(str(sample_store))
    con.execute("CREATE TABLE warnings (id VARCHAR)")
    con.close()
    assert main(["score", "--data", str(sample_store)]) == 6
    assert "warnings" in capsys.readouterr().err
    con = duckdb.connect(str(sample_store))
    con.execute("DROP TABLE warnings")
    con.execute("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    assert main(["validate", str(sample_store)]) == 6
    assert "99" in capsys.readouterr().err


# the layout of stores written before schema versions were recorded (baiyi 0.1, 2026-11)
LEGACY = [
    "CREATE TABLE submissions (id BIGINT PRIMARY KEY, file VARCHAR, sha256 VARCHAR, "
    "received TIMESTAMP, ingested TIMESTAMP, units VARCHAR, kinds VARCHAR, rows_read BIGINT)",
    "CREATE TABLE submission_counts (submission_id BIGINT, kind VARCHAR, rows BIGINT, "
    "new BIGINT, changed BIGINT, unchanged BIGINT)",
    "CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
]


def test_an_older_store_is_migrated_in_place_and_scores_the_same(sample_store, tmp_path):
    """A store in the old layout (units as a comma-joined string, no deletion marks) is
    made from the sample's rows with plain SQL, then read by this version."""
    old = tmp_path / "old.duckdb"
    src = duckdb.connect(str(sample_store), read_only=True)
    con = duckdb.connect(str(old))
    for sql in LEGACY:
        con.execute(sql)
    subs = src.execute(
        "SELECT id, file, sha256, received, ingested, (SELECT string_agg(unit, ',') FROM "
        "submission_units u WHERE u.submission_id = s.id), 'x', rows_read FROM submissions s"
    ).fetchall()
    con.executemany("INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", subs)
    counts = src.execute(
        "SELECT submission_id, kind, rows, new, changed, unchanged FROM submission_counts"
    ).fetchall()
    con.executemany("INSERT INTO submission_counts VALUES (?, ?, ?, ?, ?, ?)", counts)
    for kind in ("visits", "incidents", "screening", "backlog"):
        frame = src.execute(f"SELECT * EXCLUDE (deleted, change, declared) FROM rows_{kind}").df()
        con.register("f", frame)
        con.execute(f"CREATE TABLE rows_{kind} AS SELECT * FROM f")
        con.unregister("f")
    con.close()
    src.close()
    as_of = "2019-05-31"
    assert score(load_ledgers(old), as_of=as_of).scores.equals(
        score(load_ledgers(sample_store), as_of=as_of).scores
    )
    con = duckdb.connect(str(old), read_only=True)
    version = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    units = con.execute("SELECT count(DISTINCT unit) FROM submission_units").fetchone()[0]
    con.close()
    assert version == (str(SCHEMA_VERSION),) and units == 25


# --------------------------------------------------------------------------- full disk


@contextlib.contextmanager
def _tmpfs(size: str):
    mount = Path("/tmp") / f"baiyi-w-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                              capture_output=True, check=False)  # fmt: skip
        if proc.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)
        mount.rmdir()


def test_a_batch_on_a_full_disk_stores_nothing_and_says_so(sample_store, tmp_path, capsys):
    # a week in which every unit corrects its screening ledger (25 files), the disk nearly full
    week = tmp_path / "第16周"
    week.mkdir()
    for f in sorted(UNITS.iterdir()):
        rows = [list(r) for r in screening_rows_of(f)]
        for r in rows:
            r[3] = "工程款"  # every row changed: thousands of new versions
        unit_book(week / f.name, None, [tuple(r) for r in rows])
    size = sample_store.stat().st_size
    with _tmpfs(f"{size // 1024 + 300}k") as fs:
        store = Path(shutil.copy(sample_store, fs / "baiyi.duckdb"))
        before = table_counts(store)
        filler = fs / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
                os.fsync(fh.fileno())
        filler.unlink()
        with filler.open("wb") as fh:  # leave ~150 KB: some files would fit, not all
            fh.write(b"\0" * (max(os.statvfs(fs).f_bavail * os.statvfs(fs).f_frsize - 150_000, 0)))
        code = main(["ingest", str(week), "--store", str(store), "--received", "2019-06-04 17:00"])
        out, err = capsys.readouterr()
        assert code == 5, out + err
        assert "磁盘空间已满" in err and "没有载入任何数据" in err and "Traceback" not in err
        filler.unlink()
        assert table_counts(store) == before


# --------------------------------------------------------------------------- dates after receipt


def test_a_row_dated_after_its_receipt_is_an_error_in_that_row(tmp_path, capsys):
    week = tmp_path / "w"
    week.mkdir()
    rows = [list(r) for r in screening_rows_of(UNITS / "nsz_农水站.xlsx")]
    rows = [r for r in rows if r[2] is not None and str(r[2])[:10] <= "2019-03-08"][:3]
    rows[1][2] = "2019-05-03"  # a clerk typed 2019-05-03 for 2019-03-05
    unit_book(week / "nsz_农水站.xlsx", "农水站", [tuple(r) for r in rows])
    store = tmp_path / "s.duckdb"
    args = ["ingest", str(week), "--store", str(store), "--received", "2019-03-08 17:30"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "2019-05-03" in out and "晚于" in out and "第 5 行" in out
    assert not store.exists() or table_counts(store).get("rows_screening", 0) == 0
    assert main(["validate", str(week), "--received", "2019-03-08 17:30"]) == 1


# --------------------------------------------------------------------------- receipts


def test_a_refused_file_whose_unit_cant_be_told_gets_an_office_receipt(tmp_path, capsys):
    week = tmp_path / "w"
    week.mkdir()
    (week / "排查.csv").write_text(
        "案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\nX-1,不存在的站,2019-03-01,工程款,未化解,\n",
        encoding="utf-8",
    )
    args = ["ingest", str(week), "--store", str(tmp_path / "s.duckdb"),
            "--received", "2019-03-08 17:30", "--receipts", str(tmp_path / "回执")]  # fmt: skip
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "看不出是哪个单位" in out
    [page] = list((tmp_path / "回执").iterdir())
    assert page.name.startswith("行动办公室_回执")
    text = page.read_text(encoding="utf-8")
    # the unknown unit is named by its place (file, row, column); its text is not shown:
    # a value foreign to the unit list may be a person's name
    assert "排查.csv" in text and "责任单位" in text and "(共 5 字,原文未显示)" in text


def test_the_sample_ingested_week_by_week_scores_as_the_folder(tmp_path):
    """Not the same test as the others: a sanity check that the sample, sent whole after
    its last row, scores in the store as it does in the folder."""
    from baiyi_lib.store import ingest

    store = tmp_path / "s.duckdb"
    ingest([SAMPLE], store, received=END)
    as_of = dt.date(2019, 5, 31)
    assert score(load_ledgers(store), as_of=as_of).scores.equals(
        score(load_ledgers(SAMPLE), as_of=as_of).scores
    )
