"""A return changes only the rows of the unit its rows name (issue: nothing lost, §1).

The unit a return replaces is the unit its rows name. A title row or a file name that
names another unit is an error naming both (exit 1, nothing stored); a unit named inside
brackets in a file name is never the return's unit; the files of one kind in one batch
are one return (their union replaces); a batch is stored whole or not at all.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import (
    END,
    SAMPLE,
    UNITS,
    VISITS,
    live_by_unit,
    screening_rows_of,
    table_counts,
    unit_book,
)

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main

LATER = END.replace(hour=20)


def _scores(source, as_of="2019-05-31") -> pd.Series:
    return score(load_ledgers(source), as_of=as_of).scores.set_index("unit")["score"].sort_index()


def test_a_title_row_naming_another_unit_is_refused_naming_both(sample_store, tmp_path, capsys):
    # 农水站's screening sheet on a template copied from 河道管理办公室: row 2 still says so
    week = tmp_path / "第15周"
    week.mkdir()
    rows = screening_rows_of(UNITS / "nsz_农水站.xlsx")
    book = unit_book(week / "农水站排查台账.xlsx", "河道管理办公室", rows)
    before = table_counts(sample_store)
    hdb = live_by_unit(sample_store, "screening")["河道管理办公室"]

    assert main(["validate", str(book)]) == 1
    out = capsys.readouterr().out
    assert "河道管理办公室" in out and "农水站" in out and "填报单位" in out
    assert main(["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]) == 1
    out = capsys.readouterr().out
    assert "河道管理办公室" in out and "农水站" in out
    assert table_counts(sample_store) == before  # nothing stored
    assert live_by_unit(sample_store, "screening")["河道管理办公室"] == hdb
    assert _scores(sample_store)["河道管理办公室"] == _scores(SAMPLE)["河道管理办公室"]


@pytest.mark.parametrize(
    "name",
    [
        "hdb_排查台账.xlsx",  # the leading code of another unit
        "河道管理办公室.xlsx",  # the whole name of another unit
        "hdb_河道管理办公室.xlsx",  # both, as the template names it
    ],
)
def test_a_file_name_naming_another_unit_is_refused(sample_store, tmp_path, capsys, name):
    week = tmp_path / "w"
    week.mkdir()
    unit_book(week / name, None, screening_rows_of(UNITS / "nsz_农水站.xlsx"))
    before = table_counts(sample_store)
    assert main(["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]) == 1
    out = capsys.readouterr().out
    assert "河道管理办公室" in out and "农水站" in out
    assert table_counts(sample_store) == before


@pytest.mark.parametrize(
    "name",
    [
        "农水站排查台账(抄送财务科).csv",
        "农水站排查台账(抄送财务科).csv",
        "农水站排查台账【财务科】.csv",
        "农水站排查台账[财务科].csv",
        "排查台账_抄送财务科.csv",  # a unit inside the name, not leading, not the whole name
    ],
)
def test_a_unit_named_inside_a_file_name_is_never_the_returns_unit(sample_store, tmp_path, name):
    from baiyi_lib.store import ingest

    rows = screening_rows_of(UNITS / "nsz_农水站.xlsx")[:-1]  # the unit dropped one row
    week = tmp_path / "w"
    week.mkdir()
    lines = ["案件编号,责任单位,排查日期,纠纷类别,化解状态,化解日期"]
    lines += [",".join(_cell(v) for v in r) for r in rows]
    (week / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    cwk = live_by_unit(sample_store, "screening")["财务科"]
    reports = ingest([week], sample_store, received=LATER)
    stored = [r for r in reports if r.status == "stored"]
    assert len(stored) == 1 and stored[0].unit == "农水站"
    assert live_by_unit(sample_store, "screening")["财务科"] == cwk  # untouched
    deleted = stored[0].counts.set_index("kind").at["screening", "deleted"]
    assert deleted == 1  # 农水站's own dropped row only


def _cell(v) -> str:
    """A cell as a CSV writes it: dates as days."""
    if v is None:
        return ""
    return f"{v:%Y-%m-%d}" if hasattr(v, "year") else str(v)


def _split_register(folder, cut="2019-04-01"):
    """The office's visits register split in two files by date, as offices do."""
    text = VISITS.read_bytes().decode("gb18030").splitlines()
    title, header, rows = text[0], text[1], text[2:]
    dates = pd.Series([r.split(",")[1] for r in rows])
    early = pd.to_datetime(dates, format="mixed", errors="coerce") < pd.Timestamp(cut)
    # dates written as 2019年2月15日 are read by baiyi, not pandas: keep them in part one
    early |= dates.str.contains("年").to_numpy()
    first = [r for r, e in zip(rows, early, strict=True) if e]
    second = [r for r, e in zip(rows, early, strict=True) if not e]
    folder.mkdir()
    for name, part in (("走访登记_2-3月.csv", first), ("走访登记_4-5月.csv", second)):
        (folder / name).write_text("\n".join([title, header, *part]) + "\n", encoding="gb18030")
    return len(first), len(second)


def test_a_register_split_in_two_files_is_one_return(sample_store, tmp_path, capsys):
    n1, n2 = _split_register(tmp_path / "split")
    assert n1 and n2
    before = live_by_unit(sample_store, "visits")
    args = [
        "ingest",
        str(tmp_path / "split"),
        "--store",
        str(sample_store),
        "--received",
        str(LATER),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "删除" not in out.replace("删除 0", "")  # neither half replaces the other
    assert live_by_unit(sample_store, "visits") == before
    # and a fresh store scores as the folder does
    fresh = tmp_path / "fresh.duckdb"
    shutil.copytree(SAMPLE / "units", tmp_path / "split" / "units")
    shutil.copy(SAMPLE / "敏感事件.xlsx", tmp_path / "split")
    assert (
        main(["ingest", str(tmp_path / "split"), "--store", str(fresh), "--received", str(END)])
        == 0
    )
    assert _scores(fresh).equals(_scores(tmp_path / "split"))
    assert _scores(fresh).equals(_scores(SAMPLE))


def test_a_batch_with_one_refused_file_stores_nothing(sample_store, tmp_path, capsys):
    week = tmp_path / "第15周"
    week.mkdir()
    good = screening_rows_of(UNITS / "ggz_工管站.xlsx")[:-2]  # would delete two rows
    unit_book(week / "ggz_工管站.xlsx", "工管站", good)
    bad = [list(r) for r in screening_rows_of(UNITS / "nsz_农水站.xlsx")]
    bad[0][2] = "2019-02-30"
    unit_book(week / "nsz_农水站.xlsx", "农水站", [tuple(r) for r in bad])
    before = table_counts(sample_store)
    args = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "拒收 nsz_农水站.xlsx" in out and "ggz_工管站.xlsx" in out and "未载入" in out
    assert table_counts(sample_store) == before


def test_a_zero_return_needs_its_unit_and_empties_only_that_unit(sample_store, tmp_path):
    from baiyi_lib.store import ingest

    week = tmp_path / "w"
    week.mkdir()
    others = {u: k for u, k in live_by_unit(sample_store, "screening").items() if u != "农水站"}
    unit_book(week / "农水站第15周.xlsx", "农水站", [])
    reports = ingest([week], sample_store, received=LATER)
    [rep] = [r for r in reports if r.file == "农水站第15周.xlsx"]
    assert rep.status == "stored" and rep.unit == "农水站"
    # the return lacks the backlog sheet the unit sent before: said, not guessed
    assert [r.status for r in reports if r is not rep] == ["missing"]
    after = live_by_unit(sample_store, "screening")
    assert "农水站" not in after and after == others


def test_a_units_return_may_not_take_over_another_units_case(sample_store, tmp_path, capsys):
    """A backlog case id that is live under another unit: the return is refused whole
    (the office's visits register, by contrast, may move a visit to its right unit)."""
    import openpyxl

    theirs = openpyxl.load_workbook(UNITS / "ymb_移民扶持办公室.xlsx")["信访积案"]
    case = [r for r in theirs.iter_rows(values_only=True) if r[0] and r[1]][-1]
    week = tmp_path / "w"
    week.mkdir()
    mine = [("JA-NSZ-09", "农水站", "2012-02-03", "未化解", None, "否", None),
            (case[0], "农水站", *case[2:])]  # fmt: skip
    unit_book(
        week / "nsz_农水站.xlsx", "农水站", screening_rows_of(UNITS / "nsz_农水站.xlsx"), mine
    )
    before = table_counts(sample_store)
    args = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert case[0] in out and "移民扶持办公室" in out and "其他单位" in out
    assert table_counts(sample_store) == before


@pytest.mark.parametrize(
    ("unit_file", "name", "sent"),
    [
        ("nsz_农水站.xlsx", "排查台账.xlsx", 1),  # 1 row against 15 stored
        ("hdb_河道管理办公室.xlsx", "本周报送.xlsx", 20),  # 20 of 59
        ("nsz_农水站.xlsx", "矛盾纠纷排查化解登记表(3月).xlsx", 0),  # 15 sent none of its own
    ],
)
def test_a_return_naming_no_unit_may_not_take_away_most_of_a_units_rows(
    sample_store, tmp_path, capsys, unit_file, name, sent
):
    """Before, a screening file whose name and title rows name no unit replaced the unit
    its rows name whatever it took away (1 row against 12 stored): only the office's
    registers had the mass-deletion guard. Now it waits for --replace, naming the unit
    and the counts, and nothing is stored."""
    rows = screening_rows_of(UNITS / unit_file)
    unit = {"nsz": "农水站", "hdb": "河道管理办公室"}[unit_file[:3]]
    mine = rows[:sent] if sent else [(f"ZZ-{unit_file[:3]}-1", *rows[0][1:])]
    week = tmp_path / "w"
    week.mkdir()
    unit_book(week / name, None, mine)
    before = table_counts(sample_store)
    live = len(live_by_unit(sample_store, "screening")[unit])
    argv = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    gone = live - (sent if sent else 0)
    assert f"会删除「{unit}」在台账库中 {live} 行里的 {gone} 行" in out and "--replace" in out
    assert table_counts(sample_store) == before
    assert main([*argv, "--replace"]) == 0
    assert len(live_by_unit(sample_store, "screening")[unit]) == len(mine)


@pytest.mark.parametrize(("name", "written"), [("排查台账.xlsx", "农水站"),
                                               ("nsz_排查台账.xlsx", None)])  # fmt: skip
def test_a_return_naming_its_unit_or_sending_it_whole_is_not_held(
    sample_store, tmp_path, capsys, name, written
):
    """The guard is for a return that names no unit: one whose title row or file name
    names it replaces that unit's ledger as sent; one that names none and takes away few
    rows is stored as before."""
    rows = screening_rows_of(UNITS / "nsz_农水站.xlsx")
    week = tmp_path / "w"
    week.mkdir()
    unit_book(week / name, written, rows[:1])
    argv = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main(argv) == 0
    week2 = tmp_path / "w2"
    week2.mkdir()
    unit_book(week2 / "排查.xlsx", None, rows[:1] + rows[1:2])  # 1 more row: nothing taken
    later = str(LATER.replace(hour=21))
    assert main(["ingest", str(week2), "--store", str(sample_store), "--received", later]) == 0
    assert len(live_by_unit(sample_store, "screening")["农水站"]) == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("all", "all"),  # the same return sent twice under two names (an older copy)
        ("all", "zero"),  # the rows in one file, a 零报告 of the same unit in another
        ("head", "tail"),  # the ledger split in two files
    ],
)
def test_two_files_of_one_unit_in_a_batch_are_said_and_one_with_rows_is_no_zero_return(
    sample_store, tmp_path, capsys, first, second
):
    """Before, two files of one unit in one batch were merged without a word, and the one
    whose rows the other repeated was listed as 零报告 (its rows counted as the other's).
    Their union is still the unit's return (the store's semantics: one return per unit
    and ledger a batch), but a remark names the files, and a file with rows is never a
    zero return, on the terminal or on the receipt."""
    rows = screening_rows_of(UNITS / "nsz_农水站.xlsx")
    part = {"all": rows, "zero": [], "head": rows[:8], "tail": rows[8:]}
    week = tmp_path / "w"
    week.mkdir()
    unit_book(week / "nsz_农水站.xlsx", None, part[first])
    unit_book(week / "nsz_农水站(修改).xlsx", None, part[second])
    argv = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main([*argv, "--receipts", str(tmp_path / "回执")]) == 0
    out = capsys.readouterr().out
    said = [line for line in out.splitlines() if line.startswith("提示:本批中有 2 个文件")]
    assert len(said) == 1 and "农水站" in said[0]
    assert "nsz_农水站.xlsx" in said[0] and "nsz_农水站(修改).xlsx" in said[0]
    for name, which in (("nsz_农水站.xlsx", first), ("nsz_农水站(修改).xlsx", second)):
        line = next(x for x in out.splitlines() if x.startswith(f"载入 {name}"))
        assert ("零报告" in line) == (which == "zero"), line
    page = next((tmp_path / "回执").glob("nsz_*.html")).read_text(encoding="utf-8")
    zero_labels = page.count("<td>零报告</td>")
    assert zero_labels == (1 if "zero" in (first, second) else 0)
    assert len(live_by_unit(sample_store, "screening")["农水站"]) == len(rows)


def test_a_return_naming_no_unit_may_not_empty_a_small_backlog(sample_store, tmp_path, capsys):
    """A unit's backlog is often a few cases: a 积案 file naming no unit with one new case
    of 河道管理办公室 took away both of its stored cases without a word (the hold counted
    only more than 5 rows). Now it waits for --replace, naming the unit and the counts."""
    live = len(live_by_unit(sample_store, "backlog")["河道管理办公室"])
    assert 0 < live <= 5
    week = tmp_path / "w"
    week.mkdir()
    (week / "积案.csv").write_text(
        "案件编号,责任单位,初次信访日期,化解状态,化解日期,办公室认定,认定日期\n"
        "HDB-NEW-1,河道办,2019-03-01,未化解,,否,\n",
        encoding="utf-8",
    )
    before = table_counts(sample_store)
    argv = ["ingest", str(week), "--store", str(sample_store), "--received", str(LATER)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert f"会删除「河道管理办公室」在台账库中 {live} 行里的 {live} 行" in out
    assert "--replace" in out
    assert table_counts(sample_store) == before
