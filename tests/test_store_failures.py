"""The store as the default source everywhere, and the store under failure: damaged,
read-only, no room on the disk, personal data stored by an older version. Each has its
own Chinese message and exit code, and none loses a stored row."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import openpyxl
import pytest

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main
from baiyi_lib.store import ingest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
VISITS = SAMPLE / "走访登记.csv"
T1 = dt.datetime(2019, 4, 26, 17, 0)
TABLES = ["rows_visits", "rows_incidents", "rows_screening", "rows_backlog", "submissions"]


@pytest.fixture(scope="module")
def good_store(tmp_path_factory, sent) -> Path:
    """The ledgers as sent by the Friday of 04-26, received that afternoon."""
    path = tmp_path_factory.mktemp("store") / "baiyi.duckdb"
    ingest([sent(T1.date())], path, received=T1)
    return path


def _copy(store: Path, folder: Path) -> Path:
    target = folder / store.name
    shutil.copy(store, target)
    return target


def _counts(store: Path) -> dict[str, int]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


# --------------------------------------------------------------------------- every command


def test_validate_and_export_read_the_store(good_store, tmp_path, capsys):
    assert main(["validate", str(good_store)]) == 0
    out = capsys.readouterr().out
    assert "未发现错误" in out and "走访登记.csv" in out and "损坏" not in out
    target = tmp_path / "得分.xlsx"
    assert main(["export", str(target), "--data", str(good_store), "--as-of", "2019-04-26"]) == 0
    ws = openpyxl.load_workbook(target)["得分"]
    header = [c.value for c in ws[2]]  # row 1 is the title
    exported = {
        r[header.index("单位")]: r[header.index("得分")] for r in ws.iter_rows(3, values_only=True)
    }
    files = score(load_ledgers(SAMPLE), as_of="2019-04-26").scores
    assert exported == dict(zip(files["unit"], files["score"], strict=True))


def test_validate_csv_neutralises_formulas(tmp_path, capsys):
    header = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员"
    (tmp_path / "走访.csv").write_text(
        f"{header}\n=cmd|' /C calc'!A0,2019-03-05,农水站,来县,个体,1,否,C1,否,否\n"
        "V2,2019-03-05,@SUM(1),来县,个体,1,否,C1,否,否\n"
        "V3,2019-03-05,农水站,来县,个体,+1-2,否,C1,否,否\n",
        encoding="utf-8",
    )
    assert main(["validate", str(tmp_path), "--format", "csv"]) == 1
    out = capsys.readouterr().out
    cells = [c for line in out.splitlines() for c in line.split(",")]
    assert not any(c.startswith(("=", "@", "+")) for c in cells), out
    # a refused value shown as written is neutralised; one with letters may be a name in
    # pinyin and is shown by its length (masking.may_name)
    assert "'+1-2" in out and "(共 7 字,原文未显示)" in out


# --------------------------------------------------------------------------- failures


def test_a_truncated_store_is_named_damaged_and_left_alone(good_store, tmp_path, capsys):
    store = _copy(good_store, tmp_path)
    with store.open("r+b") as fh:
        fh.truncate(100_000)
    before = store.read_bytes()
    for argv in (
        ["score", "--data", str(store)],
        ["validate", str(store)],
        ["ingest", str(VISITS), "--store", str(store)],
        ["report", "--data", str(store), "--out", str(tmp_path / "r")],
    ):
        assert main(argv) == 3, argv
        err = capsys.readouterr().err
        assert "已损坏" in err and "Traceback" not in err and "正被另一个进程使用" not in err
    assert store.read_bytes() == before  # nothing written to it


@contextlib.contextmanager
def tmpfs(size: str):
    """A small file system of its own (root only): read-only or full on demand."""
    mount = Path("/tmp") / f"baiyi-fs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    try:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        )
        if proc.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)
        mount.rmdir()


def test_a_store_on_a_read_only_disk_is_read_but_not_written(good_store, capsys):
    with tmpfs("20m") as fs:
        store = _copy(good_store, fs)
        subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        assert main(["score", "--data", str(store), "--as-of", "2019-04-26"]) == 0
        capsys.readouterr()
        assert main(["ingest", str(VISITS), "--store", str(store)]) == 5
        err = capsys.readouterr().err
        assert "只读" in err and "正被另一个进程使用" not in err and "Traceback" not in err
        assert _counts(store) == _counts(good_store)


def test_no_room_for_the_log_stops_the_ingest_and_keeps_every_row(good_store, tmp_path, capsys):
    size = good_store.stat().st_size
    with tmpfs(f"{size // 1024 + 256}k") as fs:
        store = _copy(good_store, fs)
        before = _counts(store)
        filler = fs / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
                os.fsync(fh.fileno())
        # a new week's returns: thousands of new rows need room in the write-ahead log
        new = tmp_path / "走访登记_新.csv"
        lines = VISITS.read_text(encoding="gb18030").splitlines()
        rows = [ln.replace("ZF2019", "ZG2019", 1) for ln in lines[2:]] * 1
        new.write_text("\n".join(lines[:2] + rows * 1), encoding="gb18030")
        code = main(["ingest", str(new), "--store", str(store), "--replace"])
        err = capsys.readouterr().err
        assert code == 5, err
        assert "磁盘空间已满" in err and "Traceback" not in err
        filler.unlink()
        assert _counts(store) == before


def test_a_store_busy_elsewhere_is_exit_4(good_store, tmp_path, capsys):
    import sys

    store = _copy(good_store, tmp_path)
    hold = (
        f"import duckdb, time; c = duckdb.connect({str(store)!r}); "
        "print('ok', flush=True); time.sleep(5)"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        assert main(["ingest", str(VISITS), "--store", str(store), "--wait", "0.3"]) == 4
        assert "正被另一个进程使用" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- purge


def test_personal_data_stored_before_is_purged_from_every_version(
    good_store, tmp_path, sent, capsys
):
    visits = (
        sent(T1.date()) / "走访登记.csv"
    )  # the register as stored: ingesting it changes nothing
    store = _copy(good_store, tmp_path)
    con = duckdb.connect(str(store))
    # as an older version let them in: a mobile number in a case id, in two versions of
    # one row, and an ID number in a submission's file name
    con.execute(
        "INSERT INTO rows_visits SELECT * REPLACE ('138 0013 8000' AS case_id) "
        "FROM rows_visits WHERE visit_id = 'ZF2019030033'"
    )
    con.execute("UPDATE rows_visits SET case_id = '138 0013 8000' WHERE visit_id = 'ZF2019030033'")
    con.execute("UPDATE submissions SET file = '11010519491231002X.xlsx' WHERE id = 2")
    con.execute("DELETE FROM store_meta WHERE key = 'privacy_scan'")  # no record of a clean scan
    con.execute("CHECKPOINT")
    con.close()
    raw = store.read_bytes()
    assert b"138 0013 8000" in raw and b"11010519491231002X" in raw

    assert main(["validate", str(store)]) == 1  # the loader refuses what is stored
    out = capsys.readouterr().out
    assert "手机号码" in out and "138 0013 8000" not in out
    assert main(["ingest", str(visits), "--store", str(store)]) == 0  # ingest offers the purge
    err = capsys.readouterr().err
    assert "baiyi purge" in err and "2 个值" in err
    raw = store.read_bytes()
    before = _counts(store)

    assert main(["purge", "--store", str(store)]) == 1  # a dry run lists, masked
    out = capsys.readouterr().out
    assert "2 个版本" in out and "138******00" in out and "13800138000" not in out
    assert store.read_bytes() == raw

    assert main(["purge", "--store", str(store), "--yes"]) == 0
    capsys.readouterr()
    raw = store.read_bytes()
    assert b"138 0013 8000" not in raw and b"11010519491231002X" not in raw
    after = _counts(store)
    assert after == {**before, "submissions": before["submissions"] + 1}  # + the purge line
    con = duckdb.connect(str(store), read_only=True)
    log = con.execute("SELECT tbl, col, what, versions FROM purges ORDER BY tbl").fetchall()
    note = con.execute("SELECT file FROM submissions ORDER BY id DESC LIMIT 1").fetchone()[0]
    keys = con.execute("SELECT row_key FROM rows_visits WHERE case_id LIKE '已清除#%'").fetchall()
    con.close()
    assert log == [
        ("rows_visits", "case_id", "手机号码", 2),
        ("submissions", "file", "身份证号码", 1),
    ]
    assert "清除个人信息" in note and "138" not in note
    assert len(keys) == 2 and keys[0][0] == "ZF2019030033"
    assert main(["validate", str(store)]) == 0
    assert main(["purge", "--store", str(store)]) == 0  # nothing left
    capsys.readouterr()
    assert main(["ingest", str(visits), "--store", str(store)]) == 0
    assert "baiyi purge" not in capsys.readouterr().err  # clean, and remembered as such
