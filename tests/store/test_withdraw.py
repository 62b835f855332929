"""A wrong submission can be withdrawn (撤回) (issue: nothing lost, §2).

Withdrawing restores every row the submission added, changed or deleted to its version
before, records the withdrawal in the log, and leaves the past reproducible: known_at
before the withdrawal still gives the withdrawn state.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
from conftest import END, UNITS, live, screening_rows_of, table_counts, unit_book

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main

WRONG_AT = END + dt.timedelta(hours=1)
UNDO_AT = END + dt.timedelta(hours=2)


def _wrong_return(folder):
    """农水站's return with one row dropped, one changed and one added: a wrong file."""
    rows = [list(r) for r in screening_rows_of(UNITS / "nsz_农水站.xlsx")]
    rows.pop()  # dropped
    rows[0][4], rows[0][5] = "已化解", dt.date(2019, 5, 30)  # changed
    rows.append(["NSZ-2019-099", "农水站", dt.date(2019, 5, 31), "工程款", "未化解", None])
    folder.mkdir(exist_ok=True)
    return unit_book(folder / "nsz_农水站.xlsx", "农水站", [tuple(r) for r in rows])


def _frame(store, known_at=None):
    cols = ["row_key", "content", "unit"]
    return {k: live(store, k, known_at)[cols].reset_index(drop=True) for k in
            ("visits", "incidents", "screening", "backlog")}  # fmt: skip


def _same(a, b):
    return all(a[k].equals(b[k]) for k in a)


def test_withdrawing_a_wrong_file_restores_every_row_it_touched(sample_store, tmp_path, capsys):
    before = _frame(sample_store)
    _wrong_return(tmp_path / "w")
    assert main(["ingest", str(tmp_path / "w"), "--store", str(sample_store),
                 "--received", f"{WRONG_AT:%Y-%m-%d %H:%M}"]) == 0  # fmt: skip
    # the rows it did not touch are unchanged (a hash compared as a float once said 14)
    assert "新增 1、变更 1、未变 13、删除 1" in capsys.readouterr().out
    wrong = _frame(sample_store)
    assert not _same(wrong, before)
    con = duckdb.connect(str(sample_store), read_only=True)
    sid = con.execute("SELECT max(id) FROM submissions").fetchone()[0]
    con.close()

    assert main(["history", "--store", str(sample_store)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if "nsz_农水站.xlsx" in ln and str(sid) in ln)
    assert "农水站" in line and f"{WRONG_AT:%Y-%m-%d %H:%M}" in line

    assert main(["withdraw", str(sid), "--store", str(sample_store),
                 "--at", f"{UNDO_AT:%Y-%m-%d %H:%M}"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "撤回" in out and "恢复 2 行" in out and "删除 1 行" in out
    assert _same(_frame(sample_store), before)  # as if it had not come
    assert _same(_frame(sample_store, WRONG_AT), wrong)  # the past as it was known
    assert _same(_frame(sample_store, END), before)
    scores = score(load_ledgers(sample_store), as_of="2019-05-31").scores
    first = score(load_ledgers(sample_store, known_at=END), as_of="2019-05-31").scores
    assert scores.equals(first)
    # the log keeps both lines, and says which withdrew which
    assert main(["history", "--store", str(sample_store)]) == 0
    out = capsys.readouterr().out
    assert f"撤回第 {sid} 次报送" in out and "已撤回" in out
    # withdrawn twice: refused, nothing changed
    counts = table_counts(sample_store)
    assert main(["withdraw", str(sid), "--store", str(sample_store)]) == 2
    assert "已于" in capsys.readouterr().err and table_counts(sample_store) == counts


def test_a_file_sent_again_after_its_withdrawal_is_stored_again(sample_store, tmp_path, capsys):
    from baiyi_lib.store import ingest, withdraw

    _wrong_return(tmp_path / "w")
    [rep] = [r for r in ingest([tmp_path / "w"], sample_store, received=WRONG_AT)
             if r.status == "stored"]  # fmt: skip
    after_wrong = _frame(sample_store)
    withdraw(sample_store, rep.submission_id, at=UNDO_AT)
    again = [r for r in ingest([tmp_path / "w"], sample_store, received=UNDO_AT
                               + dt.timedelta(hours=1)) if r.file == "nsz_农水站.xlsx"]  # fmt: skip
    assert again[0].status == "stored"  # not "the same as submission N": that one is withdrawn
    assert _same(_frame(sample_store), after_wrong)


def test_withdrawing_an_earlier_return_leaves_what_a_later_one_sent(sample_store, tmp_path):
    """A wrong return a, then the unit's right return b (it puts back every row a
    changed): withdrawing a changes nothing now, since b is in force; withdrawing b too
    gives the ledgers as before both; the past as it was known stays as it was."""
    from baiyi_lib.store import ingest, withdraw

    before = _frame(sample_store)
    _wrong_return(tmp_path / "a")
    rows = [list(r) for r in screening_rows_of(UNITS / "nsz_农水站.xlsx")]
    (tmp_path / "b").mkdir()
    unit_book(tmp_path / "b" / "nsz_农水站.xlsx", "农水站", [tuple(r) for r in rows])
    [a] = [r for r in ingest([tmp_path / "a"], sample_store, received=WRONG_AT)
           if r.status == "stored"]  # fmt: skip
    at_a = _frame(sample_store)
    [b] = [r for r in ingest([tmp_path / "b"], sample_store, received=UNDO_AT)
           if r.status == "stored"]  # fmt: skip
    at_b = _frame(sample_store)
    assert _same(at_b, before)  # b is the unit's ledger as it was
    w = withdraw(sample_store, a.submission_id, at=UNDO_AT + dt.timedelta(hours=1))
    assert w.counts.empty or int(w.counts[["restored", "deleted"]].sum().sum()) == 0
    assert _same(_frame(sample_store), at_b)
    withdraw(sample_store, b.submission_id, at=UNDO_AT + dt.timedelta(hours=2))
    assert _same(_frame(sample_store), before)
    assert _same(_frame(sample_store, WRONG_AT), at_a)  # known then: still the wrong one


def test_a_return_reloaded_after_its_withdrawal_is_in_force(sample_store, tmp_path, capsys):
    """The usual recovery: the wrong attachment withdrawn, the right one loaded."""
    from baiyi_lib.store import ingest, withdraw

    _wrong_return(tmp_path / "wrong")
    right = [list(r) for r in screening_rows_of(UNITS / "nsz_农水站.xlsx")]
    right[0][3] = "工程款"  # the unit's real correction
    (tmp_path / "right").mkdir()
    unit_book(tmp_path / "right" / "nsz_农水站.xlsx", "农水站", [tuple(r) for r in right])
    [bad] = [r for r in ingest([tmp_path / "wrong"], sample_store, received=WRONG_AT)
             if r.status == "stored"]  # fmt: skip
    withdraw(sample_store, bad.submission_id, at=UNDO_AT)
    ingest([tmp_path / "right"], sample_store, received=UNDO_AT + dt.timedelta(minutes=5))
    mine = live(sample_store, "screening")
    mine = mine[mine["unit"] == "农水站"]
    assert len(mine) == len(right) and "工程款" in set(mine["category"])
    # a receipt time earlier than what the store holds is refused, nothing written
    counts = table_counts(sample_store)
    assert main(["ingest", str(tmp_path / "right"), "--store", str(sample_store),
                 "--received", f"{WRONG_AT:%Y-%m-%d %H:%M}"]) == 2  # fmt: skip
    assert "早于台账库中最近一次" in capsys.readouterr().err
    assert table_counts(sample_store) == counts


def test_the_returns_grid_and_a_receipt_follow_a_withdrawal(sample_store, tmp_path, capsys):
    from baiyi_lib import load_rules
    from baiyi_lib.views import returns_from_submissions

    rules = load_rules()
    friday = dt.datetime(2019, 5, 31, 16)
    store = tmp_path / "s.duckdb"
    (tmp_path / "w").mkdir()
    unit_book(
        tmp_path / "w" / "nsz_农水站.xlsx",
        "农水站",
        screening_rows_of(UNITS / "nsz_农水站.xlsx")[:3],
    )
    assert main(["ingest", str(tmp_path / "w"), "--store", str(store), "--received",
                 f"{friday:%Y-%m-%d %H:%M}"]) == 0  # fmt: skip
    grid = returns_from_submissions(store, rules, dt.date(2019, 5, 31))
    mine = grid[grid["unit"] == "农水站"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-05-31")] == "按时"
    capsys.readouterr()
    assert main(["withdraw", "1", "--store", str(store), "--at", "2019-05-31 17:00",
                 "--receipts", str(tmp_path / "回执")]) == 0  # fmt: skip
    grid = returns_from_submissions(store, rules, dt.date(2019, 5, 31))
    mine = grid[grid["unit"] == "农水站"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-05-31")] == "未报"
    then = returns_from_submissions(store, rules, dt.date(2019, 5, 31), known_at=friday)
    assert (
        then[then["unit"] == "农水站"].set_index("week_end")["status"][pd.Timestamp("2019-05-31")]
        == "按时"
    )
    [page] = list((tmp_path / "回执").iterdir())
    text = page.read_text(encoding="utf-8")
    assert (
        page.name.startswith("nsz_农水站_撤回回执") and "撤回" in text and "nsz_农水站.xlsx" in text
    )


def test_a_return_received_after_the_as_of_day_is_not_on_that_days_page(tmp_path):
    # Monday's late return is 迟报 on next week's page, never on Friday's own
    from baiyi_lib import load_rules
    from baiyi_lib.views import returns_from_submissions

    rules = load_rules()
    store = tmp_path / "s.duckdb"
    (tmp_path / "w").mkdir()
    unit_book(
        tmp_path / "w" / "nsz_农水站.xlsx",
        "农水站",
        screening_rows_of(UNITS / "nsz_农水站.xlsx")[:1],
    )
    assert main(["ingest", str(tmp_path / "w"), "--store", str(store),
                 "--received", "2019-05-27 09:00"]) == 0  # fmt: skip
    friday = returns_from_submissions(store, rules, dt.date(2019, 5, 24))
    mine = friday[friday["unit"] == "农水站"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-05-24")] == "未报"
    later = returns_from_submissions(store, rules, dt.date(2019, 5, 29))
    mine = later[later["unit"] == "农水站"].set_index("week_end")["status"]
    assert mine[pd.Timestamp("2019-05-24")] == "迟报"


def test_a_return_sent_in_two_files_is_withdrawn_whole(sample_store, tmp_path, capsys):
    """A unit's ledger sent in two files of one batch is one return (merged when stored):
    withdrawing one of its submissions withdraws the other too, and the store is as it was
    before the batch. Withdrawn alone, the first took away the backlog case that both files
    held, as if the unit had deleted it (helper-31)."""
    import shutil

    before = _frame(sample_store)
    sent = tmp_path / "two"
    sent.mkdir()
    for n in (1, 2):
        shutil.copy(UNITS / "nsz_农水站.xlsx", sent / f"nsz_农水站_第{n}份.xlsx")
    argv = ["ingest", str(sent), "--store", str(sample_store)]
    assert main([*argv, "--received", f"{WRONG_AT:%Y-%m-%d %H:%M}"]) == 0
    assert "同批合并载入的几次报送一并撤回" in capsys.readouterr().out
    con = duckdb.connect(str(sample_store), read_only=True)
    first, second = (r[0] for r in con.execute(
        "SELECT id FROM submissions ORDER BY id DESC LIMIT 2").fetchall()[::-1])  # fmt: skip
    con.close()
    at = f"{UNDO_AT:%Y-%m-%d %H:%M}"
    assert main(["withdraw", str(first), "--store", str(sample_store), "--at", at]) == 0
    out = capsys.readouterr().out
    assert f"与同批的第 {second} 次报送合为一份报送,一并撤回" in out
    assert _same(_frame(sample_store), before)
    assert main(["withdraw", str(second), "--store", str(sample_store), "--at", at]) != 0
    assert "已于" in capsys.readouterr().err
