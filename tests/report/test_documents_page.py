"""One-off documents (实施方案 五、四) on the page leaders read: the 时间节点 table of a
briefing rendered from a store, read in Chromium, against counts made by hand from the
receipts the test itself recorded."""

from __future__ import annotations

import os
import shutil

import pytest
from support import launch_chromium
from truth import RULES, SAMPLE

from baiyi_lib.cli import main
from baiyi_lib.report.run import execute, plan

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed"
)

_READ_TABLES = """
() => [...document.querySelectorAll('table.baiyi')].map(t => ({
  head: [...t.querySelectorAll('thead th')].map(e => e.textContent),
  rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => c.textContent)),
}))
"""


def test_the_deadline_table_says_who_sent_each_document(tmp_path):
    store = tmp_path / "s.duckdb"
    sent = [  # (file, received): 农水站 all three on time; 河道办's plan a day late
        ("nsz_动员部署情况.docx", "2019-02-25 09:00"),
        ("nsz_实施方案.docx", "2019-02-26 09:00"),
        ("nsz_领导小组成员名单.pdf", "2019-02-27 23:59"),
        ("hdb_实施方案.docx", "2019-02-28 00:00"),
    ]
    for name, when in sent:
        (tmp_path / name).write_bytes(name.encode())
        args = ["ingest", "--store", str(store), "--received", when, str(tmp_path / name)]
        assert main(args) == 0
    args = ["ingest", "--store", str(store), "--received", "2019-06-05 10:00", str(SAMPLE)]
    assert main(args) == 0
    entry = execute(plan(data=str(store), as_of="2019-04-26")[0], tmp_path / "out")
    assert entry["status"] == "ok", entry.get("error")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        page = browser.new_page()
        page.goto((tmp_path / "out" / entry["html"]).as_uri())
        tables = page.evaluate(_READ_TABLES)
        browser.close()
    deadlines = next(t for t in tables if "各单位报送" in t["head"])
    col = deadlines["head"].index("各单位报送")
    said = {r[0]: r[col] for r in deadlines["rows"]}
    n = len(RULES.units.names)
    first = next(v for k, v in said.items() if "动员部署" in k)
    assert first == (
        f"动员部署情况:按时 1、未报 {n - 1};实施方案:按时 1、迟报 1、未报 {n - 2};"
        f"领导小组成员名单:按时 1、未报 {n - 1}"
    )
    later = next(v for k, v in said.items() if "典型经验" in k)
    assert later == f"典型经验:未到期 {n};活动总结报告:未到期 {n}"
    owed = next(t for t in tables if t["head"] == ["单位", "材料"])
    rows = {r[0]: r[1] for r in owed["rows"]}
    assert rows["河道管理办公室"].startswith("动员部署情况(未报)、实施方案(迟报)")
    assert "农水站" not in rows and len(rows) == n - 1
