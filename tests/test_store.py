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
from baiyi_lib.ledgers.schema import headers
from baiyi_lib.store import StoreBusy, connect, ingest, row_changes, submissions

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
T1 = dt.datetime(2019, 3, 8, 17, 0)
T2 = dt.datetime(2019, 3, 15, 17, 0)
END = dt.datetime(2019, 6, 3, 18, 0)  # after the sample's last row


@pytest.fixture
def week1(sent) -> Path:
    """The ledgers as sent on the first Friday of March (T1)."""
    return sent(T1.date())


@pytest.fixture
def VISITS(week1) -> Path:
    return week1 / "走访登记.csv"


@pytest.fixture
def UNIT(week1) -> Path:
    return week1 / "units" / "ymb_移民扶持办公室.xlsx"


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
    reports = ingest([SAMPLE], store, received=END)
    assert {r.status for r in reports} == {"stored", "unread"}
    assert [r.file for r in reports if r.status == "unread"] == ["README.md"]  # listed, not read
    from_store, from_files = load_ledgers(store), load_ledgers(SAMPLE)
    assert _scores(from_store).equals(_scores(from_files))
    v = from_store.visits.set_index("visit_id")
    assert v["src_file"].astype(str).iloc[0] == "走访登记.csv" and v["src_row"].min() == 3
    assert load_ledgers(str(store)).visits.shape == from_store.visits.shape


def test_the_same_file_twice_changes_nothing(tmp_path, VISITS, UNIT):
    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=T1)
    rows = _count(store, "rows_visits")
    again = ingest([VISITS], store, received=T1 + dt.timedelta(hours=1))[0]  # the same week
    assert again.status == "unchanged" and "第 1 次报送" in again.message
    assert _count(store, "rows_visits") == rows and _count(store, "submissions") == 1
    # sent again the next week, it is that week's return: recorded, the ledgers the same
    before = load_ledgers(store).visits
    nxt = ingest([VISITS], store, received=T2)[0]
    assert nxt.status == "stored" and nxt.counts.at[0, "unchanged"] == len(before)
    assert load_ledgers(store).visits.equals(before)


def test_a_corrected_row_is_a_new_version_and_any_moment_is_reproducible(tmp_path, VISITS, UNIT):
    store = tmp_path / "s.duckdb"
    ingest([VISITS], store, received=T1)
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    header, first = text[1].split(","), text[2].split(",")
    corrected = tmp_path / "走访登记_更正.csv"
    first[header.index("人次")] = "9"
    corrected.write_text("\n".join([text[0], text[1], ",".join(first)]) + "\n", encoding="utf-8")
    rep = ingest([corrected], store, received=T2, partial=True)[0]  # one row: a partial file
    assert rep.counts.set_index("kind").loc["visits", ["new", "changed", "unchanged"]].tolist() == [
        0,
        1,
        0,
    ]
    vid = first[0]
    before = load_ledgers(store, known_at=T1).visits.set_index("visit_id")
    after = load_ledgers(store, known_at=T2).visits.set_index("visit_id")
    assert before.at[vid, "persons"] != 9 and after.at[vid, "persons"] == 9
    assert str(after.at[vid, "src_file"]) == corrected.name  # the submission that changed it
    assert len(before) == len(after)  # other rows as they were
    assert len(load_ledgers(store, known_at="2019-03-07").visits) == 0  # nothing received yet
    assert len(load_ledgers(store, known_at="2019-03-08").visits) == len(
        before
    )  # a date means its whole day


def test_a_file_with_errors_is_refused_whole(tmp_path):
    store = tmp_path / "s.duckdb"
    bad = ROOT / "tests" / "ledgers" / "fixtures" / "broken" / "bad_date_走访.csv"
    rep = ingest([bad], store, received=T1)[0]
    assert rep.status == "refused" and "整个文件未载入" in rep.message
    assert (rep.problems["row"] == 4).any()
    assert not store.exists()  # a refused batch does not open (or make) the store


def test_a_truncated_workbook_gets_a_clear_error(tmp_path, UNIT):
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


def test_sigkill_in_the_middle_of_an_ingest_leaves_the_store_intact(tmp_path, VISITS, UNIT):
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
    visits = _count(store, "rows_visits")
    assert _count(store, "rows_screening") == 0 and visits == len(load_ledgers(VISITS).visits)
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


def test_a_second_writer_gets_a_clear_message_instead_of_a_crash(tmp_path, VISITS, UNIT, capsys):
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


def test_two_ingests_at_once_are_serialised(tmp_path, VISITS, UNIT):
    store = tmp_path / "s.duckdb"
    holder = _hold(store, 1.5)  # the first writer holds the store for a moment
    started = time.monotonic()
    rep = ingest([VISITS], store, received=T1, wait=30)[0]  # the second waits, then proceeds
    holder.wait()
    assert rep.status == "stored" and time.monotonic() - started > 0.5


def test_ingest_command(tmp_path, VISITS, UNIT, capsys):
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
    assert f"新增 {len(load_ledgers(VISITS).visits)}" in out and "第 2 次报送" in out
    subs = submissions(store)
    assert subs["received"].iloc[0] == pd.Timestamp("2019-03-08 17:30")
    assert main(["ingest", str(VISITS), "--store", str(store), "--received", "昨天"]) == 2
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "tests" / "ledgers" / "fixtures" / "broken", copy)
    assert main(["ingest", str(copy), "--store", str(store)]) == 1
    assert "拒收" in capsys.readouterr().out


def test_briefing_from_the_store_explains_changes_and_returns(tmp_path, sent):
    from baiyi_lib.report.briefing import Briefing
    from baiyi_lib.views import returns_from_submissions

    store = tmp_path / "s.duckdb"
    visits = sent(dt.date(2019, 4, 19)) / "走访登记.csv"
    unit = sent(dt.date(2019, 4, 26)) / "units" / "ymb_移民扶持办公室.xlsx"
    ingest([visits], store, received=dt.datetime(2019, 4, 19, 17))
    text = visits.read_bytes().decode("gb18030").splitlines()
    header, first = text[1].split(","), text[2].split(",")
    first[header.index("人次")] = "9"
    fix = tmp_path / "走访登记_补报.csv"  # one corrected row: a partial file, by its name
    fix.write_text("\n".join([text[0], text[1], ",".join(first)]) + "\n", encoding="utf-8")
    ingest([fix], store, received=dt.datetime(2019, 4, 26, 16))
    ingest([unit], store, received=dt.datetime(2019, 4, 27, 10))  # a day late
    b = Briefing.prepare(str(store), "2019-04-26")
    changes = str(b.changes())
    assert "其中:补报或更正以前各周" in changes and "更正和删除的行" in changes
    listed = changes.split("更正和删除的行")[1]
    assert fix.name in listed and "<td>更正</td>" in listed and "<td>删除</td>" not in listed
    t = b.ranking()  # still renders from the store
    assert "排名" in str(t)
    returns = str(b.returns())
    # the return received on Saturday is not on Friday's page, whenever it is rendered:
    # that page shows the week as the as-of day knew it; the next week's shows it 迟报
    assert "报送记录" in returns and "移民扶持办公室:未报" in returns
    grid = returns_from_submissions(store, b.rules, dt.date(2019, 5, 3))
    mine = grid[grid["unit"] == "移民扶持办公室"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-04-26")] == "迟报"
    # what was known at last week's meeting: the correction and the late return not yet
    then = Briefing.prepare(str(store), "2019-04-19", known_at="2019-04-19")
    assert len(then.ledgers.backlog) == 0


# --------------------------------------------------------------------------- rolling returns


C1_ON = {  # one screening row of case C1, screened on the day given
    d: [("C1", "农水站", dt.date(2019, 3, d), "工程款", "未化解", None)] for d in (1, 8)
}


def _unit_return(path: Path, unit: str, screening: list[tuple], backlog: list[tuple] | None):
    """A unit's weekly workbook as the template has it; an empty list is a zero return."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, kind, rows in (
        ("矛盾纠纷排查化解登记表", "screening", screening),
        ("信访积案", "backlog", backlog),
    ):
        if rows is None:
            continue
        ws = wb.create_sheet(title)
        ws.append([f"莒南县水利系统{title}"])
        ws.append(["填报单位", unit, "零报告", "否" if rows else "是"])
        ws.append(headers(kind))
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


def test_a_corrected_screening_date_replaces_the_old_row_and_the_visit_is_doubled(tmp_path):
    store = tmp_path / "s.duckdb"
    visit = tmp_path / "走访登记.csv"
    visit.write_text(
        "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员\n"
        "V1,2019-03-05,农水站,来县,个体,1,否,C1,否,否\n",
        encoding="utf-8",
    )
    ingest([visit], store, received=T1)
    week1 = _unit_return(tmp_path / "nsz_农水站.xlsx", "农水站", C1_ON[1], [])
    ingest([week1], store, received=T1)

    def doubled(known_at):
        p = score(load_ledgers(store, known_at=known_at), as_of="2019-03-29").points
        return set(p.loc[p["rule_id"] == "double.unscreened", "source_id"])

    assert doubled(T1) == set()  # screened on 03-01, before the visit
    # the unit corrects the screening date: its return now says 03-08
    (tmp_path / "第2周").mkdir()
    week2 = _unit_return(tmp_path / "第2周" / "nsz_农水站.xlsx", "农水站", C1_ON[8], [])
    rep = ingest([week2], store, received=T2)[0]
    counts = rep.counts.set_index("kind")
    assert (counts.at["screening", "new"], counts.at["screening", "deleted"]) == (1, 1)
    assert doubled(T2) == {"V1"}  # not screened before the visit any more
    assert doubled(T1) == set()  # the past as it was known is unchanged
    changes = row_changes(store, T1, None)
    assert set(changes["change"]) == {"新增", "删除"}


def test_a_visit_removed_from_the_register_is_no_longer_scored(tmp_path):
    store = tmp_path / "s.duckdb"
    header = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员\n"
    rows = [
        "V1,2019-03-05,农水站,来县,个体,1,否,C1,否,否",
        "V2,2019-03-06,农水站,来县,个体,1,否,C2,否,否",
        "V3,2019-03-06,工管站,来县,个体,1,否,C3,否,否",
    ]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "走访登记.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    ingest([tmp_path / "a"], store, received=T1)
    (tmp_path / "b").mkdir()  # V1 removed, the register sent again
    (tmp_path / "b" / "走访登记.csv").write_text(
        header + "\n".join(rows[1:]) + "\n", encoding="utf-8"
    )
    rep = ingest([tmp_path / "b"], store, received=T2)[0]
    assert rep.counts.set_index("kind").at["visits", "deleted"] == 1
    assert sorted(load_ledgers(store).visits["visit_id"]) == ["V2", "V3"]
    assert sorted(load_ledgers(store, known_at=T1).visits["visit_id"]) == ["V1", "V2", "V3"]
    # a partial file (补报) only adds: nothing is deleted
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "走访登记_补报.csv").write_text(header + rows[2] + "\n", encoding="utf-8")
    ingest([tmp_path / "c"], store, received=T2 + dt.timedelta(hours=1))
    assert sorted(load_ledgers(store).visits["visit_id"]) == ["V2", "V3"]


def test_a_zero_return_is_on_time_and_empties_the_units_rows(tmp_path, capsys):
    from baiyi_lib import load_rules
    from baiyi_lib.views import returns_from_submissions

    store = tmp_path / "s.duckdb"
    friday = dt.datetime(2019, 3, 8, 16)
    first = _unit_return(tmp_path / "nsz_农水站.xlsx", "农水站", C1_ON[1], [])
    ingest([first], store, received=friday - dt.timedelta(days=7))
    (tmp_path / "w2").mkdir()
    zero = _unit_return(tmp_path / "w2" / "农水站第2周.xlsx", "农水站", [], [])
    assert main(["ingest", str(zero), "--store", str(store), "--received", "2019-03-08 16:00"]) == 0
    out = capsys.readouterr().out
    assert "零报告" in out and "删除 1" in out
    assert load_ledgers(store).screening.empty  # the unit's ledger as it stands: empty
    grid = returns_from_submissions(store, load_rules(), dt.date(2019, 3, 8))
    mine = grid[grid["unit"] == "农水站"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-03-08")] == "按时"


def test_an_empty_sheet_without_a_zero_mark_is_an_error_naming_what_is_missing(tmp_path):
    import openpyxl

    path = _unit_return(tmp_path / "nsz_农水站.xlsx", "农水站", [], [])
    wb = openpyxl.load_workbook(path)
    wb["信访积案"]["D2"] = "否"  # the mark taken away, no rows
    wb.save(path)
    rep = ingest([path], tmp_path / "s.duckdb", received=T1)[0]
    assert rep.status == "refused"
    problem = rep.problems.iloc[0]
    assert problem["sheet"] == "信访积案" and "也没有注明零报告" in problem["problem"]
    assert "零报告" in problem["expected"]


def test_each_unit_gets_a_receipt_and_a_refused_file_one_that_explains_it(tmp_path, sent, capsys):
    store, week = tmp_path / "s.duckdb", tmp_path / "第6周"
    week.mkdir()
    unit = sent(dt.date(2019, 4, 5)) / "units" / "ymb_移民扶持办公室.xlsx"
    shutil.copy(unit, week)  # 移民扶持办公室's weekly workbook, as sent
    bad = week / "nsz_农水站.csv"  # 农水站's screening ledger with an impossible date
    bad.write_text(
        "填报单位:农水站\n案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期\n"
        "NSZ-1,农水站,2019-02-30,工程款,未化解,\n",
        encoding="utf-8",
    )
    receipts = tmp_path / "回执"
    args = ["ingest", str(week), "--store", str(store), "--received", "2019-04-05 16:00"]
    # the batch is refused whole: the refused file gets its receipt, the held one none yet
    assert main([*args, "--receipts", str(receipts)]) == 1
    out = capsys.readouterr().out
    assert "其余 1 个文件检查无误,但本批未载入" in out
    pages = {p.name: p.read_text(encoding="utf-8") for p in receipts.iterdir()}
    assert set(pages) == {"nsz_农水站_回执_第7周_4月5日.html"}
    nsz = pages["nsz_农水站_回执_第7周_4月5日.html"]
    assert "拒收" in nsz and "第 3 行" not in nsz  # a table, not a sentence:
    assert "<td>3</td>" in nsz and "排查日期" in nsz and "2019-02-30" in nsz
    assert "日期不存在" in nsz and "按未报送计" in nsz
    # the clerk sets the refused file aside and loads the rest
    bad.rename(tmp_path / bad.name)
    assert main([*args, "--receipts", str(receipts)]) == 0
    out = capsys.readouterr().out
    ymb = (receipts / "ymb_移民扶持办公室_回执_第7周_4月5日.html").read_text(encoding="utf-8")
    assert f"回执:{receipts / 'ymb_移民扶持办公室_回执_第7周_4月5日.html'}" in out
    assert "已载入" in ymb and "新增" in ymb and "得分" in ymb and "信访积案" in ymb
    assert "00:00:00" not in ymb and "JA-YMB-" in ymb  # its backlog cases, by case id
    expected = score(load_ledgers(store), as_of="2019-04-05").scores.set_index("unit")
    assert f"{expected.at['移民扶持办公室', 'score']} 分" in ymb


def test_a_receipt_folds_many_new_rows_but_lists_every_correction_and_deletion():
    from baiyi_lib.receipts import NEW_ROWS_LISTED, _fold_new_rows

    n = NEW_ROWS_LISTED + 1
    rows = pd.DataFrame(
        {
            "kind": ["排查"] * (n + 2) + ["积案"],
            "key": [f"A / C-{i}" for i in range(n)] + ["A / C-x", "A / C-y", "A / J-1"],
            "src_row": [*range(4, 4 + n - 2), 20, 21, 30, None, 5],
            "change": ["新增"] * n + ["更正", "删除", "新增"],
        }
    )
    shown = _fold_new_rows(rows)
    assert shown.to_dict("records") == [
        {
            "kind": "排查",
            "key": f"{n} 行(逐行未列出)",
            "src_row": f"4–{n + 1}、20–21",
            "change": "新增",
        },
        {"kind": "排查", "key": "A / C-x", "src_row": "30", "change": "更正"},
        {"kind": "排查", "key": "A / C-y", "src_row": "", "change": "删除"},
        {"kind": "积案", "key": "A / J-1", "src_row": "5", "change": "新增"},
    ]
