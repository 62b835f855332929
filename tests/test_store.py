"""The ledger store: nothing lost, every version kept, any moment reproducible."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main
from baiyi_lib.store import StoreBusy, connect, ingest, load, submissions

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
VISITS = SAMPLE / "走访登记.csv"
UNIT = SAMPLE / "units" / "ymb_移民扶持办公室.xlsx"
T1 = dt.datetime(2019, 3, 8, 17, 0)
T2 = dt.datetime(2019, 3, 15, 17, 0)


def _count(store: Path, table: str) -> int:
    con = connect(store, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


def _scores(led) -> pd.Series:
    return score(led).scores.set_index("unit")["score"].sort_index()


def test_the_store_gives_the_same_scores_and_provenance_as_the_files(tmp_path):
    store = tmp_path / "s.duckdb"
    reports = ingest([SAMPLE], store, received=T1)
    assert {r.status for r in reports} == {"stored", "unread"}
    assert [r.file for r in reports if r.status == "unread"] == ["README.md"]  # listed, not read
    from_store, from_files = load(store), load_ledgers(SAMPLE)
    assert _scores(from_store).equals(_scores(from_files))
    v = from_store.visits.set_index("visit_id")
    assert v["src_file"].astype(str).iloc[0] == "走访登记.csv" and v["src_row"].min() == 3
    assert load_ledgers(str(store)).visits.shape == from_store.visits.shape


def test_the_same_file_twice_changes_nothing(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=T1)
    rows = _count(store, "rows_visits")
    again = ingest([VISITS], store, received=T2)[0]
    assert again.status == "unchanged" and "第 1 次报送" in again.message
    assert _count(store, "rows_visits") == rows and _count(store, "submissions") == 1


def test_a_corrected_row_is_a_new_version_and_any_moment_is_reproducible(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=T1)
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    header, first = text[1].split(","), text[2].split(",")
    corrected = tmp_path / "走访登记_更正.csv"
    first[header.index("人次")] = "9"
    corrected.write_text("\n".join([text[0], text[1], ",".join(first)]) + "\n", encoding="utf-8")
    rep = ingest([corrected], store, received=T2)[0]
    assert rep.counts.set_index("kind").loc["visits", ["new", "changed", "unchanged"]].tolist() == [
        0,
        1,
        0,
    ]
    vid = first[0]
    before = load(store, known_at=T1).visits.set_index("visit_id")
    after = load(store, known_at=T2).visits.set_index("visit_id")
    assert before.at[vid, "persons"] != 9 and after.at[vid, "persons"] == 9
    assert str(after.at[vid, "src_file"]) == corrected.name  # the submission that changed it
    assert len(before) == len(after)  # other rows as they were
    assert len(load(store, known_at="2019-03-07").visits) == 0  # nothing received yet
    assert len(load(store, known_at="2019-03-08").visits) == len(
        before
    )  # a date means its whole day


def test_a_file_with_errors_is_refused_whole(tmp_path):
    store = tmp_path / "s.duckdb"
    bad = ROOT / "tests" / "ledgers" / "fixtures" / "broken" / "bad_date_走访.csv"
    rep = ingest([bad], store, received=T1)[0]
    assert rep.status == "refused" and "整个文件未载入" in rep.message
    assert (rep.problems["row"] == 4).any()
    assert _count(store, "rows_visits") == 0 and _count(store, "submissions") == 0


def test_a_truncated_workbook_gets_a_clear_error(tmp_path):
    cut = tmp_path / "ymb_截断.xlsx"
    cut.write_bytes(UNIT.read_bytes()[:3000])
    rep = ingest([cut], tmp_path / "s.duckdb", received=T1)[0]
    assert rep.status == "refused"
    assert rep.problems["problem"].str.contains("损坏").any()


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from baiyi_lib.store import ingest
    seen = []
    def progress(msg):
        seen.append(msg)
        print(msg, flush=True)
        if len(seen) == 2:  # the first INSERT of this file is done, its transaction open
            os.kill(os.getpid(), signal.SIGKILL)
    ingest([sys.argv[2]], sys.argv[1], progress=progress)
    """
)


def test_sigkill_in_the_middle_of_an_ingest_leaves_the_store_intact(tmp_path):
    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=T1)
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(store), str(UNIT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL and "正在写入" in proc.stdout
    assert _count(store, "submissions") == 1  # the killed file left nothing
    assert _count(store, "rows_screening") == 0 and _count(store, "rows_visits") == 179
    rep = ingest([UNIT], store, received=T2)[0]  # and it can be ingested again
    assert rep.status == "stored" and _count(store, "submissions") == 2


HOLD_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from baiyi_lib.store import connect
    con = connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    """
)


def _hold(store: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(store), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_writer_gets_a_clear_message_instead_of_a_crash(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    holder = _hold(store, 5)
    try:
        with pytest.raises(StoreBusy, match="正被另一个进程使用"):
            ingest([VISITS], store, wait=0.3)
        assert main(["ingest", str(VISITS), "--store", str(store), "--wait", "0.3"]) == 4
        assert "正被另一个进程使用" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_two_ingests_at_once_are_serialised(tmp_path):
    store = tmp_path / "s.duckdb"
    holder = _hold(store, 1.5)  # the first writer holds the store for a moment
    started = time.monotonic()
    rep = ingest([VISITS], store, received=T1, wait=30)[0]  # the second waits, then proceeds
    holder.wait()
    assert rep.status == "stored" and time.monotonic() - started > 0.5


def test_ingest_command(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    assert (
        main(
            [
                "ingest",
                str(VISITS),
                str(UNIT),
                "--store",
                str(store),
                "--received",
                "2019-03-08 17:30",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "新增 179" in out and "第 2 次报送" in out
    subs = submissions(store)
    assert subs["received"].iloc[0] == pd.Timestamp("2019-03-08 17:30")
    assert main(["ingest", str(VISITS), "--store", str(store), "--received", "昨天"]) == 2
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "tests" / "ledgers" / "fixtures" / "broken", copy)
    assert main(["ingest", str(copy), "--store", str(store)]) == 1
    assert "拒收" in capsys.readouterr().out


def test_briefing_from_the_store_explains_changes_and_returns(tmp_path):
    from baiyi_lib.report.briefing import Briefing

    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=dt.datetime(2019, 4, 19, 17))
    ingest([UNIT], store, received=dt.datetime(2019, 4, 27, 10))  # a day late
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    header, first = text[1].split(","), text[2].split(",")
    first[header.index("人次")] = "9"
    fix = tmp_path / "走访登记_更正.csv"
    fix.write_text("\n".join([text[0], text[1], ",".join(first)]) + "\n", encoding="utf-8")
    ingest([fix], store, received=dt.datetime(2019, 4, 26, 16))
    b = Briefing.prepare(str(store), "2019-04-26")
    changes = str(b.changes())
    assert "其中:补报或更正以前各周" in changes and "更正的行" in changes and fix.name in changes
    t = b.ranking()  # still renders from the store
    assert "排名" in str(t)
    returns = str(b.returns())
    assert "报送记录" in returns and "移民扶持办公室:迟报" in returns
    # what was known at last week's meeting: the correction and the late return not yet
    then = Briefing.prepare(str(store), "2019-04-19", known_at="2019-04-19")
    assert len(then.ledgers.backlog) == 0
