"""A purge always finishes and leaves no copy (issue: nothing lost, §3).

The erase and a "rewrite pending" mark are committed together; the file is rewritten
after. Killed at any step, or stopped by a full disk during the rewrite, the next open
(or purge) finishes the rewrite: afterwards no byte of any file in the store's folder
holds a purged value.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from conftest import VISITS

from baiyi_lib.cli import main

MOBILE = "13800138000"
ID_NUMBER = "11010519491231002X"
VALUES = (MOBILE.encode(), ID_NUMBER.encode())


def _with_personal_data(store: Path) -> Path:
    """As an older version let them in: a mobile number in a case id (in two versions of
    one row) and an ID number in a submission's file name."""
    con = duckdb.connect(str(store))
    con.execute(
        f"INSERT INTO rows_visits SELECT * REPLACE ('{MOBILE}' AS case_id) "
        "FROM rows_visits WHERE visit_id = 'ZF2019030033'"
    )
    con.execute(f"UPDATE rows_visits SET case_id = '{MOBILE}' WHERE visit_id = 'ZF2019030033'")
    con.execute(f"UPDATE submissions SET file = '{ID_NUMBER}.xlsx' WHERE id = 2")
    con.execute("DELETE FROM store_meta WHERE key = 'privacy_scan'")  # never scanned clean
    con.execute("CHECKPOINT")
    con.close()
    return store


def _hits(folder: Path) -> dict[str, int]:
    """Every file in the store's folder that holds a purged value, with how many times."""
    out = {}
    for f in folder.iterdir():
        if f.is_file():
            data = f.read_bytes()
            n = sum(data.count(v) for v in VALUES)
            if n:
                out[f.name] = n
    return out


KILL = textwrap.dedent(
    """
    import os, signal, sys
    from baiyi_lib.store import purge
    def step(name):
        print(name, flush=True)
        if name == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)
    purge(sys.argv[1], apply=True, step=step)
    """
)


@pytest.mark.parametrize("at", ["erase", "copy", "checkpoint", "swap", "check"])
def test_a_purge_killed_at_any_step_is_finished_by_the_next_purge(sample_store, at, capsys):
    store = _with_personal_data(sample_store)
    assert _hits(store.parent)
    proc = subprocess.run([sys.executable, "-c", KILL, str(store), at],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout.split()[-1] == at
    code = main(["purge", "--store", str(store)])  # a dry run, as the clerk would check
    if code == 1:  # killed before the erase was committed: nothing happened yet
        assert at == "erase"
        assert main(["purge", "--store", str(store), "--yes"]) == 0
    else:
        assert code == 0
    capsys.readouterr()
    assert _hits(store.parent) == {}  # no byte left, in the store, its log or a copy
    assert [p.name for p in store.parent.iterdir()] == ["baiyi.duckdb"]
    assert main(["validate", str(store)]) == 0


def test_a_killed_purge_is_finished_by_the_next_ingest(sample_store, capsys):
    store = _with_personal_data(sample_store)
    proc = subprocess.run([sys.executable, "-c", KILL, str(store), "copy"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == -signal.SIGKILL
    assert _hits(store.parent)  # the erase is committed, the old blocks are not yet gone
    assert main(["ingest", str(VISITS), "--store", str(store), "--received", "2019-06-04"]) == 0
    assert _hits(store.parent) == {}


@contextlib.contextmanager
def _tmpfs(size: str):
    mount = Path("/tmp") / f"baiyi-purge-{os.getpid()}"
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


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as fh:
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
    return filler


def test_a_full_disk_during_the_rewrite_is_said_and_finished_later(sample_store, capsys):
    from baiyi_lib.errors import StoreNotWritable
    from baiyi_lib.store import purge

    size = sample_store.stat().st_size
    with _tmpfs(f"{3 * size // 1024 + 1024}k") as fs:
        store = _with_personal_data(Path(shutil.copy(sample_store, fs / "baiyi.duckdb")))
        filled = []

        def step(name):
            if name == "copy":
                filled.append(_fill(fs))

        with pytest.raises(StoreNotWritable) as err:
            purge(store, apply=True, step=step)
        message = str(err.value)
        assert "已从台账库" in message and "清除" in message and "baiyi purge" in message
        assert "旧的数据块" in message
        # every later purge says it too, rather than "nothing found"
        assert main(["purge", "--store", str(store)]) == 5
        assert "重写" in capsys.readouterr().err
        filled[0].unlink()
        assert main(["purge", "--store", str(store)]) == 0
        capsys.readouterr()
        assert _hits(fs) == {}


def test_a_store_path_with_a_quote_is_purged(sample_store, tmp_path, capsys):
    folder = tmp_path / "it's 台账"
    folder.mkdir()
    store = _with_personal_data(Path(shutil.copy(sample_store, folder / "baiyi.duckdb")))
    assert main(["purge", "--store", str(store), "--yes"]) == 0
    assert _hits(folder) == {}


def test_a_free_text_dispute_category_stored_by_an_older_version_is_purged(sample_store, capsys):
    prose = "王小明与李大勇宅基地纠纷"
    con = duckdb.connect(str(sample_store))
    con.execute(f"UPDATE rows_screening SET category = '{prose}' WHERE case_id = 'NSZ-2019-001'")
    con.execute("DELETE FROM store_meta WHERE key = 'privacy_scan'")
    con.execute("CHECKPOINT")
    con.close()
    assert main(["validate", str(sample_store)]) == 1  # the loader refuses what is stored
    out = capsys.readouterr().out
    assert "纠纷类别" in out and "宅基地" not in out
    assert main(["purge", "--store", str(sample_store)]) == 1
    out = capsys.readouterr().out
    assert "纠纷类别以外的文字" in out and "宅基地" not in out
    assert main(["purge", "--store", str(sample_store), "--yes"]) == 0
    capsys.readouterr()
    assert prose.encode() not in sample_store.read_bytes()
    assert main(["validate", str(sample_store)]) == 0


@pytest.mark.parametrize(
    ("table", "column", "key", "named"),
    [
        ("rows_screening", "case_id", "NSZ-2019-001", "王建国01"),
        ("rows_visits", "case_id", "ZF2019030033", "张伟-2019"),
        ("rows_visits", "visit_id", "ZF2019030033", "JA-王建国-1"),
    ],
)
def test_a_name_in_an_id_stored_by_an_older_version_is_purged(
    sample_store, capsys, table, column, key, named
):
    """Before, an id holding a name (王建国01) passed the loader, and purge did not find it
    once stored: it finds it now, shows it by its length, and erases it."""
    where = "case_id" if table == "rows_screening" else "visit_id"
    con = duckdb.connect(str(sample_store))
    con.execute(f"UPDATE {table} SET {column} = '{named}' WHERE {where} = '{key}'")
    con.execute("DELETE FROM store_meta WHERE key = 'privacy_scan'")
    con.execute("CHECKPOINT")
    con.close()
    assert main(["validate", str(sample_store)]) == 1  # the loader refuses what is stored
    assert main(["purge", "--store", str(sample_store)]) == 1
    out = capsys.readouterr().out
    assert "编号中的人名" in out and f"共 {len(named)} 字" in out
    assert "王建国" not in out and "张伟" not in out
    assert main(["purge", "--store", str(sample_store), "--yes"]) == 0
    capsys.readouterr()
    assert named.encode() not in sample_store.read_bytes()
    assert main(["validate", str(sample_store)]) == 0
    assert main(["score", "--data", str(sample_store), "--as-of", "2019-05-31"]) == 0
