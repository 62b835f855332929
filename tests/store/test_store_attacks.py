"""What an independent attack on the store found (issue: nothing lost), each a regression
test: the office removing a unit's only visit, a stray row of another unit, a unit
re-sending the same file, a purge through a link or raced by an ingest, the same file
twice in a batch, odd store files and names, receipts that can't be written."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pandas as pd
from conftest import END, UNITS, VISITS, live, screening_rows_of, table_counts, unit_book

from baiyi_lib import load_rules
from baiyi_lib.cli import main

LATER = END + dt.timedelta(hours=1)


def test_the_office_can_remove_a_units_only_visit(sample_store, tmp_path, capsys):
    visits = live(sample_store, "visits")
    only = visits.groupby("unit").filter(lambda g: len(g) == 1).iloc[0]
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    kept = [ln for ln in text if not ln.startswith(only["visit_id"] + ",")]
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "走访登记.csv").write_text("\n".join(kept) + "\n", encoding="gb18030")
    assert main(["ingest", str(tmp_path / "w"), "--store", str(sample_store),
                 "--received", f"{LATER:%Y-%m-%d %H:%M}"]) == 0  # fmt: skip
    assert "删除 1" in capsys.readouterr().out
    assert only["visit_id"] not in set(live(sample_store, "visits")["visit_id"])


def test_a_part_of_the_register_sent_as_the_whole_waits_for_replace(sample_store, tmp_path, capsys):
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    (tmp_path / "w").mkdir()
    part = tmp_path / "w" / "走访登记_5月.csv"  # only May: every other row would go
    part.write_text("\n".join(text[:2] + [ln for ln in text[2:] if "-05-" in ln]) + "\n",
                    encoding="gb18030")  # fmt: skip
    before = table_counts(sample_store)
    args = ["ingest", str(tmp_path / "w"), "--store", str(sample_store),
            "--received", f"{LATER:%Y-%m-%d %H:%M}"]  # fmt: skip
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "少了" in out and "补报" in out and "--replace" in out
    assert table_counts(sample_store) == before
    assert main([*args, "--replace"]) == 0  # confirmed: the register is what it says


def test_a_stray_row_of_another_unit_never_replaces_that_units_ledger(sample_store, tmp_path):
    from baiyi_lib.store import ingest

    rows = [list(r) for r in screening_rows_of(UNITS / "ymb_移民扶持办公室.xlsx")]
    rows[-1][1] = "农水站"  # a typo in one row; no 填报单位, a name that says nothing
    (tmp_path / "w").mkdir()
    unit_book(tmp_path / "w" / "第9周报送.xlsx", None, [tuple(r) for r in rows])
    nsz = sorted(live(sample_store, "screening").query("unit == '农水站'")["row_key"])
    [rep] = [r for r in ingest([tmp_path / "w"], sample_store, received=LATER)
             if r.file == "第9周报送.xlsx"]  # fmt: skip
    assert rep.status == "refused"
    assert set(rep.problems["check"]) == {"table.one_unit"}
    assert "农水站(1 行)" in rep.problems["problem"].iloc[0]
    assert sorted(live(sample_store, "screening").query("unit == '农水站'")["row_key"]) == nsz


def test_the_same_file_sent_again_next_week_is_that_weeks_return(tmp_path, sent):
    from baiyi_lib.store import ingest
    from baiyi_lib.views import returns_from_submissions

    store = tmp_path / "s.duckdb"
    book = sent(dt.date(2019, 3, 1)) / "units" / "bgs_办公室.xlsx"  # a 零报告 workbook
    for day in (1, 8, 15):
        reps = ingest([book], store, received=dt.datetime(2019, 3, day, 16))
        assert reps[0].status == "stored", reps[0].message
    again = ingest([book], store, received=dt.datetime(2019, 3, 15, 17))  # the same week
    assert again[0].status == "unchanged"
    grid = returns_from_submissions(store, load_rules(), dt.date(2019, 3, 15))
    mine = grid[grid["unit"] == "办公室"].set_index("week_end")["status"]
    assert [mine[pd.Timestamp(f"2019-03-{d:02d}")] for d in (1, 8, 15)] == ["按时"] * 3


def test_the_week_one_sample_loads_whole(tmp_path, sent):
    # the office's incident register with no row yet: its zero return needs no unit
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(sent(dt.date(2019, 3, 1))), "--store", str(store),
                 "--received", "2019-03-01 17:00"]) == 0  # fmt: skip


def test_a_purge_through_a_link_erases_the_real_file(sample_store, tmp_path, capsys):
    from test_purge import MOBILE, _with_personal_data

    real = tmp_path / "real.duckdb"
    shutil.move(sample_store, real)
    _with_personal_data(real)
    link = tmp_path / "baiyi.duckdb"
    link.symlink_to(real)
    assert main(["purge", "--store", str(link), "--yes"]) == 0
    assert link.is_symlink() and MOBILE.encode() not in real.read_bytes()


RACE = textwrap.dedent(
    """
    import subprocess, sys
    from baiyi_lib.store import purge
    procs = []
    def step(name):
        if name == "checkpoint":  # another clerk starts an ingest in the middle of the rewrite
            procs.append(subprocess.Popen([sys.executable, "-m", "baiyi_lib.cli", "ingest",
                sys.argv[2], "--store", sys.argv[1], "--wait", "60"]))
    purge(sys.argv[1], apply=True, step=step)
    print("purged", flush=True)
    sys.exit(procs[0].wait())
    """
)


def test_an_ingest_waits_for_a_purge_to_finish(sample_store, tmp_path):
    from test_purge import _with_personal_data

    _with_personal_data(sample_store)
    (tmp_path / "w").mkdir()
    shutil.copy(VISITS, tmp_path / "w" / "走访登记.csv")
    proc = subprocess.run([sys.executable, "-c", RACE, str(sample_store), str(tmp_path / "w")],
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "purged" in proc.stdout and "Traceback" not in proc.stderr


def test_the_same_file_twice_in_a_batch_is_refused_not_a_traceback(sample_store, tmp_path, capsys):
    book = UNITS / "nsz_农水站.xlsx"
    for argv in ([str(book), str(book)], [str(UNITS), str(book)]):
        code = main(["ingest", *argv, "--store", str(sample_store),
                     "--received", f"{LATER:%Y-%m-%d %H:%M}"])  # fmt: skip
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        assert code in (0, 1), out + err


def test_odd_store_files_and_names_get_their_own_message(sample_store, tmp_path, capsys):
    long_name = tmp_path / ("x" * 230 + ".duckdb")
    shutil.copy(sample_store, long_name)
    from test_purge import _with_personal_data

    _with_personal_data(long_name)
    assert main(["purge", "--store", str(long_name), "--yes"]) == 0
    capsys.readouterr()
    con = duckdb.connect(str(sample_store))
    con.execute("UPDATE store_meta SET value = '-1' WHERE key = 'schema_version'")
    con.close()
    assert main(["score", "--data", str(sample_store)]) == 6
    assert "-1" in capsys.readouterr().err
    con = duckdb.connect(str(sample_store))
    con.execute("DELETE FROM store_meta WHERE key = 'schema_version'")
    con.execute("DROP TABLE submission_units")
    con.close()
    assert main(["score", "--data", str(sample_store)]) == 3
    err = capsys.readouterr().err
    assert "submission_units" in err and "Traceback" not in err


def test_a_damaged_block_is_exit_3(sample_store, capsys):
    with sample_store.open("r+b") as fh:
        fh.seek(300 * 4096)
        fh.write(b"\0" * 50 * 4096)
    assert main(["score", "--data", str(sample_store)]) == 3
    assert "已损坏" in capsys.readouterr().err


def test_receipts_that_cant_be_written_say_the_batch_was_stored(sample_store, tmp_path, capsys):
    folder = tmp_path / "回执"
    folder.mkdir()
    os.chmod(folder, 0o500)
    if os.access(folder, os.W_OK):  # root writes anyway: a file where the folder should be
        folder.rmdir()
        folder.write_text("x", encoding="utf-8")
    (tmp_path / "w").mkdir()
    unit_book(
        tmp_path / "w" / "nsz_农水站.xlsx",
        "农水站",
        screening_rows_of(UNITS / "nsz_农水站.xlsx")[:3],
    )
    code = main(["ingest", str(tmp_path / "w"), "--store", str(sample_store), "--receipts",
                 str(folder), "--received", f"{LATER:%Y-%m-%d %H:%M}"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code != 0 and "本批已载入台账库" in err and "Traceback" not in err
    assert "已处理" in out


def test_an_empty_receipt_time_is_a_mistake_not_now(sample_store, capsys):
    assert main(["ingest", str(VISITS), "--store", str(sample_store), "--received", ""]) == 2
    assert "不能为空" in capsys.readouterr().err
