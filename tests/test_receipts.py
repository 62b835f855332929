"""A receipt tells the clerk of a unit what to do next (需要本单位做的事), by case id.

The whole sample is received on Friday 04-26 as it was sent then; each unit's to-do on its
receipt is compared with what is worked out here straight from the files it sent (read with
openpyxl) and the visits register (tests/truth.py), never with baiyi's views.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from truth import RULES, START, counted, day, happened

from baiyi_lib.cli import main

AS_OF = dt.date(2019, 4, 26)
UNITS = ["移民扶持办公室", "小水库管理办公室", "河道管理办公室", "财务科"]


def _sheet_rows(path: Path, sheet: str) -> list[dict]:
    """A sheet of a unit's workbook as dicts by header (the header row found by 案件编号)."""
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if "案件编号" in [str(c).strip() for c in r if c])
    head = [str(c).strip() if c else "" for c in rows[at]]
    return [dict(zip(head, r, strict=False)) for r in rows[at + 1 :] if any(r)]


def _unit_file(folder: Path, unit: str) -> Path:
    [path] = [p for p in (folder / "units").iterdir() if p.stem.endswith(unit)]
    return path


def _expected(folder: Path, unit: str) -> dict[str, set[str]]:
    """The to-do worked out from the files: case ids (or visit ids) per item."""
    path = _unit_file(folder, unit)
    screening = [
        r for r in _sheet_rows(path, "矛盾纠纷排查化解登记表") if day(r["排查日期"]) <= AS_OF
    ]
    first: dict[str, dt.date] = {}
    latest: dict[str, str] = {}
    for r in sorted(screening, key=lambda r: day(r["排查日期"])):
        first.setdefault(r["案件编号"], day(r["排查日期"]))
        latest[r["案件编号"]] = str(r["化解状态"]).strip()
    weeks = RULES.campaign.attention.unresolved_weeks
    stale = {c for c, d in first.items() if latest[c] == "未化解" and (AS_OF - d).days >= weeks * 7}
    visits = happened(AS_OF, unit)
    doubled = {
        str(i)
        for i, r in counted(AS_OF, unit).iterrows()  # only a charged visit is doubled
        if not isinstance(r["case"], str)
        or not (r["case"] in first and first[r["case"]] <= r["day"])
    }
    counts = visits.dropna(subset=["case"]).groupby("case").size()
    repeats = set(counts[counts > 1].index)
    waiting = set()
    for r in _sheet_rows(path, "信访积案"):
        resolved = day(r["化解日期"]) if r.get("化解日期") else None
        certified = day(r["认定日期"]) if r.get("认定日期") else None
        if resolved and START <= resolved <= AS_OF and not (certified and certified <= AS_OF):
            waiting.add(r["案件编号"])
    return {"stale": stale, "doubled": doubled, "repeats": repeats, "waiting": waiting}


@pytest.fixture(scope="module")
def receipts(tmp_path_factory, sent_0426) -> dict[str, str]:
    out = tmp_path_factory.mktemp("receipts")
    store = out / "s.duckdb"
    code = main(["ingest", str(sent_0426), "--store", str(store), "--received",
                 "2019-04-26 16:00", "--receipts", str(out / "回执")])  # fmt: skip
    assert code == 0
    return {p.name.split("_")[1]: p.read_text(encoding="utf-8") for p in (out / "回执").iterdir()}


@pytest.fixture(scope="module")
def sent_0426(tmp_path_factory) -> Path:
    from support import sample_as_sent

    return sample_as_sent(AS_OF, tmp_path_factory)


def _todo(page: str) -> str:
    return page.split("<h2>需要本单位做的事</h2>")[1].split("<h2>")[0]


@pytest.mark.parametrize("unit", UNITS)
def test_the_receipt_lists_the_units_own_to_do_by_case(receipts, sent_0426, unit):
    todo = _todo(receipts[unit])
    want = _expected(sent_0426, unit)
    items = dict(
        stale=re.search(r"排查出 \d+ 周以上仍未化解的案件 (\d+) 件", todo),
        doubled=re.search(r"因而加倍扣分的走访 (\d+) 起", todo),
        repeats=re.search(r"同一案件多次走访（群众只访一次未做到）(\d+) 件", todo),
        waiting=re.search(r"已化解但尚未经行动办公室认定的积案 (\d+) 件", todo),
    )
    for key, found in items.items():
        got = int(found[1]) if found else 0
        assert got == len(want[key]), (unit, key, want[key])
    for case in want["stale"] | want["repeats"] | want["waiting"]:
        assert case in todo, (unit, case)


def test_the_to_do_figures_are_not_all_empty(receipts, sent_0426):
    # the sample gives every kind of item to some unit: the test above compares something
    want = [_expected(sent_0426, u) for u in UNITS]
    assert all(any(w[k] for w in want) for k in ("stale", "doubled", "repeats", "waiting"))


def test_a_resolved_backlog_case_awaiting_certification_does_not_look_finished(receipts, sent_0426):
    for unit in UNITS:
        for case in _expected(sent_0426, unit)["waiting"]:
            row = receipts[unit].split(f"<td>{case}</td>")[-1].split("</tr>")[0]
            assert "待行动办公室认定" in row, (unit, case)


def test_no_receipt_names_a_command_or_a_path(receipts):
    for unit, page in receipts.items():
        text = re.sub(r"<[^>]+>", " ", page.split("</style>")[-1])
        assert not re.search(r"\bbaiyi\b|--\w|/\w+/|\.yaml|\.py\b", text), unit


def test_no_receipt_shows_code(receipts):
    from support import identifiers

    for unit, page in receipts.items():
        text = re.sub(r"<[^>]+>", " ", page.split("</style>")[-1])
        assert identifiers(text) == [], unit


def _with_extra_columns(src: Path, dst: Path, n: int) -> Path:
    """A unit's workbook as sent with ``n`` columns the template lacks, each filled in
    one row (one remark each: 提示, the file is still stored)."""
    wb = openpyxl.load_workbook(src)
    ws = wb["矛盾纠纷排查化解登记表"]
    at = next(r for r in range(1, 10) if ws.cell(r, 1).value == "案件编号")
    for k in range(n):
        col = ws.max_column + 1
        ws.cell(at, col).value = f"备注{k + 1}"
        ws.cell(at + 1, col).value = "有内容"
    wb.save(dst)
    return dst


@pytest.mark.parametrize("extra", [1, 7])
def test_a_stored_files_remarks_reach_the_clerk_and_the_receipt(tmp_path, capsys, extra):
    """What was read but deserves the unit's attention (here columns the template lacks,
    not read) is said under the file's line, not only by `baiyi validate`, and stands on
    the unit's receipt: a few as a table, all of them counted."""
    from truth import SAMPLE

    sent = tmp_path / "sent"
    sent.mkdir()
    _with_extra_columns(_unit_file(SAMPLE, "防汛办"), sent / "fxb_防汛办.xlsx", extra)
    store, receipts = tmp_path / "s.duckdb", tmp_path / "回执"
    argv = ["ingest", str(sent), "--store", str(store), "--received", "2019-06-03 17:00"]
    assert main([*argv, "--receipts", str(receipts)]) == 0
    out = capsys.readouterr().out
    remarks = [line for line in out.splitlines() if line.strip().startswith("提示:")]
    assert len(remarks) == extra and all("不是矛盾纠纷排查化解登记表的列" in r for r in remarks)
    assert all("值为空" not in r for r in remarks)  # a column as a whole has no value
    [page] = receipts.glob("*.html")
    text = page.read_text(encoding="utf-8")
    assert text.count("不是矛盾纠纷排查化解登记表的列") == min(extra, 5)
    assert ("共 7 处,下表列出前 5 处" in text) == (extra == 7)


def test_remarks_of_several_files_share_the_receipts_page(tmp_path, capsys):
    """Two files of one unit with four extra columns each (the second also repeats the
    first's rows: one more remark): the receipt lists five in all (one A4 page) and counts
    each file's."""
    from truth import SAMPLE

    sent = tmp_path / "sent"
    sent.mkdir()
    for n in (1, 2):
        _with_extra_columns(_unit_file(SAMPLE, "防汛办"), sent / f"fxb_防汛办_第{n}份.xlsx", 4)
    store, receipts = tmp_path / "s.duckdb", tmp_path / "回执"
    argv = ["ingest", str(sent), "--store", str(store), "--received", "2019-06-03 17:00"]
    assert main([*argv, "--receipts", str(receipts)]) == 0
    [page] = receipts.glob("*.html")
    text = page.read_text(encoding="utf-8")
    assert text.count("提示(已载入,请留意):") == 1  # the first file's four, all listed
    assert text.count("共 5 处,下表列出前 1 处") == 1  # the second's: one more fits
    assert text.count("不是矛盾纠纷排查化解登记表的列") == 4
