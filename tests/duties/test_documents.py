"""One-off documents (实施方案 五、四): ``baiyi ingest`` records a document's receipt (unit,
kind, time, SHA-256), never its content or its name; the 时间节点 table and the final
assessment say who sent what, on time, late or not at all."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from support import RULES, frames

from baiyi_lib import views
from baiyi_lib.cli import main
from baiyi_lib.sources import load_ledgers
from baiyi_lib.store.documents import identify


@pytest.mark.parametrize(
    ("name", "unit", "kinds"),
    [
        ("nsz_实施方案.docx", "农水站", ("unit_plan",)),
        ("农水站动员部署情况及领导小组成员名单.pdf", "农水站", ("mobilisation", "group_list")),
        # 办公室 inside 水土保持委员会办公室 is not a second unit
        ("水土保持委员会办公室实施方案.docx", "水土保持委员会办公室", ("unit_plan",)),
        ("河道办 活动总结报告(定稿).wps", "河道管理办公室", ("summary",)),
        ("实施方案.docx", None, ("unit_plan",)),  # whose? not recorded
        ("农水站 会议纪要.docx", "农水站", ()),  # which? not recorded
        ("农水站与河道办联合实施方案.docx", None, ("unit_plan",)),  # two units: not guessed
        ("xdg_相邸水库管理所_实施方案.pdf", None, ("unit_plan",)),  # code and name disagree
        # 防汛办公室 is 防汛办 (longest spelling first, read left to right), not 办公室
        ("防汛办公室实施方案.docx", "防汛办", ("unit_plan",)),
        ("小水库办公室 典型经验.pdf", "小水库管理办公室", ("good_practice",)),
        # the unit from the folder (or zip) it came in when its own name has none
        ("农水站/动员部署情况.pdf", "农水站", ("mobilisation",)),
        ("nsz_周五报送.zip/农水站/活动总结报告.pdf", "农水站", ("summary",)),
        # a year's work report is not the campaign's summary
        ("nsz_2018年度工作总结.docx", "农水站", ()),
        ("渔政站_动员部署会议总结.docx", "渔政监督管理站", ("mobilisation",)),
    ],
)
def test_a_documents_unit_and_kinds_come_from_its_name_only(tmp_path, name, unit, kinds):
    path = tmp_path / Path(name).name
    path.write_bytes(b"\x00whatever is inside is never read")
    d = identify(path, name, RULES)
    assert (d.unit, d.kinds) == (unit, kinds)
    assert d.ok == (unit is not None and bool(kinds))
    assert d.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    if not d.ok:
        assert "未登记" in d.problem


def _ingest(store, received: str, *files) -> int:
    return main(["ingest", "--store", str(store), "--received", received, *map(str, files)])


def test_ingest_records_receipt_not_content_nor_name(tmp_path, capsys):
    folder = tmp_path / "材料"
    folder.mkdir()
    doc = folder / "nsz_领导小组成员名单(张三等).docx"
    doc.write_bytes("张三 局长 13800000000".encode())
    store = tmp_path / "s.duckdb"
    assert _ingest(store, "2019-02-27 23:59", folder) == 0
    out = capsys.readouterr().out
    assert "登记为农水站的领导小组成员名单" in out
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute("SELECT * FROM documents").fetchall()
        every = " ".join(
            str(v)
            for (t,) in con.execute("SHOW TABLES").fetchall()
            for r in con.execute(f"SELECT * FROM {t}").fetchall()
            for v in r
        )
    assert len(rows) == 1 and rows[0][3:6] == (
        "农水站",
        "group_list",
        hashlib.sha256(doc.read_bytes()).hexdigest(),
    )
    assert "张三" not in every and "13800000000" not in every and "成员名单(" not in every
    # the same file again is not a second receipt; an unknown document is said, not recorded
    other = folder / "会议纪要.docx"
    other.write_bytes(b"x")
    assert _ingest(store, "2019-03-01 09:00", doc, other) == 0
    out = capsys.readouterr().out
    assert "已登记过" in out and "会议纪要.docx:文件名看不出是哪种材料" in out
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchall()[0][0] == 1


def test_documents_of_a_refused_batch_are_not_recorded(tmp_path, capsys):
    bad = tmp_path / "nsz_农水站积案.csv"
    bad.write_text("填报单位:农水站\n案件编号,责任单位,初次信访日期,化解状态\nJ1,农水站,坏日期,未化解\n",
                   encoding="utf-8")  # fmt: skip
    doc = tmp_path / "nsz_实施方案.docx"
    doc.write_bytes(b"x")
    store = tmp_path / "s.duckdb"
    assert _ingest(store, "2019-02-26 10:00", bad, doc) == 1
    assert "本材料也未登记" in capsys.readouterr().out
    assert not store.exists()  # nothing of the batch was written, the documents neither


def test_on_time_late_missing_and_not_due_at_the_boundaries(tmp_path):
    """按时 up to 23:59 of the due day, 迟报 from 00:00 the next; 未报 once the day has
    passed, 未到期 until then; a receipt after as-of is not yet known."""
    store = tmp_path / "s.duckdb"
    sent = [
        ("nsz_实施方案.docx", "2019-02-27 23:59"),
        ("hdb_实施方案.docx", "2019-02-28 00:00"),
        ("ggz_实施方案.docx", "2019-03-05 10:00"),
        ("nsz_活动总结报告.docx", "2019-05-20 10:00"),
    ]
    for name, when in sent:
        (tmp_path / name).write_bytes(name.encode())
        assert _ingest(store, when, tmp_path / name) == 0
    data = load_ledgers(store, RULES)
    status = views.documents_status(data, RULES, dt.date(2019, 3, 1))
    got = status.set_index(["unit", "document"])["status"]
    assert got["农水站", "unit_plan"] == "按时"
    assert got["河道管理办公室", "unit_plan"] == "迟报"
    assert got["工管站", "unit_plan"] == "未报"  # came on 3-5, after as-of
    assert got["财务科", "unit_plan"] == "未报"
    assert got["农水站", "summary"] == "未到期"  # sent, but not known on 3-1
    later = views.documents_status(data, RULES, dt.date(2019, 5, 31)).set_index(
        ["unit", "document"]
    )["status"]
    assert later["工管站", "unit_plan"] == "迟报" and later["农水站", "summary"] == "按时"
    assert later["财务科", "summary"] == "未报"
    # independent count: 25 units × 5 documents, 3 plans and 1 summary received
    assert len(later) == len(RULES.units.names) * 5
    assert (later != "未报").sum() == 4


def test_files_cannot_tell_and_say_so():
    data = load_ledgers(frames(), RULES)
    assert views.documents_status(data, RULES, dt.date(2019, 3, 1)) is None
    assert "documents" not in views.final_assessment(
        data, __import__("baiyi_lib").score(data, RULES, as_of="2019-05-31")
    )


def test_final_assessment_names_each_units_late_and_missing_documents(tmp_path):
    store = tmp_path / "s.duckdb"
    for name, when in [("nsz_动员部署情况、实施方案和领导小组成员名单.docx", "2019-02-26 09:00"),
                       ("nsz_活动总结报告.pdf", "2019-05-24 09:00"),
                       ("nsz_典型经验.docx", "2019-05-27 09:00")]:  # fmt: skip
        (tmp_path / name).write_bytes(name.encode())
        assert _ingest(store, when, tmp_path / name) == 0
    from baiyi_lib import score

    data = load_ledgers(store, RULES)
    t = views.final_assessment(data, score(data, RULES, as_of="2019-05-31"))
    said = dict(zip(t["unit"].astype(str), t["documents"], strict=True))
    assert said["农水站"] == "迟报:典型经验"
    assert said["财务科"].startswith("未报:动员部署情况、实施方案、领导小组成员名单")
    assert pd.notna(said["河道管理办公室"])


def test_export_and_receipt_list_the_documents_a_unit_owes(tmp_path):
    """The export's 履职情况 sheet has one row per document late or not sent, per unit."""
    from openpyxl import load_workbook

    from baiyi_lib.excel import export_source

    store = tmp_path / "s.duckdb"
    for name, when in [("hdb_实施方案.docx", "2019-02-26 09:00"),
                       ("nsz_实施方案.docx", "2019-02-28 09:00")]:  # fmt: skip
        (tmp_path / name).write_bytes(name.encode())
        assert _ingest(store, when, tmp_path / name) == 0
    out = export_source(tmp_path / "e.xlsx", store, RULES, as_of="2019-03-01").path
    rows = [r for r in load_workbook(out)["履职情况"].iter_rows(min_row=3, values_only=True)
            if r[0] == "迟报或未报的材料"]  # fmt: skip
    # three documents are due by 2-27 for each of 25 units: 75, less 河道办's 实施方案 on time
    assert len(rows) == 3 * len(RULES.units.names) - 1
    assert ("农水站", "实施方案:迟报(应于 2月27日 前)") in {(r[2], r[4]) for r in rows}


def test_a_document_is_a_line_of_the_log_withdrawn_like_a_return(tmp_path, capsys):
    """history lists a document's receipt by unit and kind (never its file name); withdraw
    takes it back (then it counts as not received); a receipt earlier than the log's last
    line is refused (time runs one way for documents too)."""
    store = tmp_path / "s.duckdb"
    doc = tmp_path / "nsz_实施方案(王小明).docx"
    doc.write_bytes(b"plan")
    assert _ingest(store, "2019-02-26 10:00", doc) == 0
    capsys.readouterr()  # the clerk's terminal names the file sent; the log does not
    assert main(["history", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "登记材料" in out and "材料:农水站 实施方案" in out and "王小明" not in out
    late = tmp_path / "ggz_实施方案.docx"
    late.write_bytes(b"x")
    assert _ingest(store, "2019-02-01 10:00", late) == 2  # earlier than the last line
    assert "早于台账库中最近一次" in capsys.readouterr().err
    data = load_ledgers(store, RULES)
    assert len(data.documents) == 1
    assert main(["withdraw", "1", "--store", str(store), "--at", "2019-02-27 09:00"]) == 0
    assert "登记已撤回" in capsys.readouterr().out
    assert load_ledgers(store, RULES).documents.empty
    before = load_ledgers(store, RULES, known_at="2019-02-26 12:00")
    assert len(before.documents) == 1  # as it was known before the withdrawal


def test_empty_files_and_spreadsheet_documents(tmp_path, capsys):
    """A 0-byte file is not a document received; a member list sent as a workbook is a
    document (never read: it holds names), not a ledger refused with the whole batch."""
    store = tmp_path / "s.duckdb"
    empty = tmp_path / "bgs_典型经验.pdf"
    empty.write_bytes(b"")
    book = tmp_path / "nsz_领导小组成员名单.xlsx"
    book.write_bytes(b"PK\x03\x04 not really read")
    assert _ingest(store, "2019-02-26 10:00", empty, book) == 0
    out = capsys.readouterr().out
    assert "文件是空的" in out and "登记为农水站的领导小组成员名单" in out
    got = load_ledgers(store, RULES).documents
    assert list(zip(got["unit"], got["kind"], strict=True)) == [("农水站", "group_list")]


def test_a_document_sent_after_the_end_is_late_on_the_final_page_not_missing(tmp_path):
    store = tmp_path / "s.duckdb"
    doc = tmp_path / "nsz_活动总结报告.docx"
    doc.write_bytes(b"x")
    assert _ingest(store, "2019-06-03 09:00", doc) == 0
    data = load_ledgers(store, RULES)
    status = views.documents_status(data, RULES, dt.date(2019, 5, 31)).set_index(
        ["unit", "document"]
    )["status"]
    assert status["农水站", "summary"] == "迟报"


def test_receipts_name_a_document_by_unit_and_kind_not_by_file_name(tmp_path):
    store, out = tmp_path / "s.duckdb", tmp_path / "回执"
    doc = tmp_path / "农水站领导小组成员名单_李秀英.pdf"
    doc.write_bytes(b"x")
    code = main(["ingest", "--store", str(store), "--received", "2019-02-26 10:00",
                 "--receipts", str(out), str(doc)])  # fmt: skip
    assert code == 0
    pages = [p.read_text(encoding="utf-8") for p in out.glob("*.html")]
    assert len(pages) == 1
    assert "李秀英" not in pages[0] and "农水站 领导小组成员名单" in pages[0]
    assert "材料已登记" in pages[0]
