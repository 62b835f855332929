"""reports/index.html lists the reports in the order the leading group reads them, not in
the order the runs finished: by kind (the system's weekly briefing, the units' weekly
briefings, the final assessment, the units' final assessments, the analysts'
explorations), then by date, newest first, then by unit as params/units.yaml lists them;
a failed run right after the good report it did not replace."""

from __future__ import annotations

import datetime as dt
import random
from html.parser import HTMLParser
from pathlib import Path

from baiyi_lib.report.index import record

WEEKS = ["2019-04-12", "2019-04-19", "2019-04-26"]
# in units.yaml's order: 办公室, 人事科, 农水站, 移民扶持办公室; by code points the order
# would be 人事科, 农水站, 办公室, 移民扶持办公室
UNITS = ["办公室", "人事科", "农水站", "移民扶持办公室"]
IDS = {"办公室": "bgs", "人事科": "rsk", "农水站": "nsz", "移民扶持办公室": "ymb"}


def _entry(notebook: str, as_of: str, unit: str | None, status: str = "ok") -> dict:
    stem = notebook + (f"__{IDS[unit]}" if unit else "")
    entry = {"notebook": notebook, "as_of": as_of, "unit": unit, "status": status,
             "html": f"{as_of}/{stem}.html", "ipynb": f"{as_of}/{stem}.ipynb"}  # fmt: skip
    if status != "ok":
        entry["error"] = "台账有 1 处错误"
    return entry


class Rows(HTMLParser):
    """The index table's body rows, each as its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag == "td" and self.in_body:
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td":
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def _listed(out: Path) -> list[tuple[str, str, str, str]]:
    """(date, scope, report, status) of each row of the rendered index, top to bottom."""
    parser = Rows()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    return [(r[0], r[1], r[2], r[3][:2]) for r in parser.rows]


def test_the_index_lists_by_kind_then_newest_date_then_the_units_order(tmp_path):
    reports = (
        [_entry("weekly_briefing", w, None) for w in WEEKS]
        + [_entry("weekly_briefing", w, u) for w in WEEKS for u in UNITS]
        + [_entry("final_assessment", "2019-05-31", None)]
        + [_entry("final_assessment", "2019-05-31", u) for u in UNITS[:2]]
        + [_entry("explore", "2019-04-26", None)]
    )
    random.Random(15).shuffle(reports)  # the runs finish in any order
    # a re-run of the latest weekly briefing fails after the good one: listed beside it
    reports.append(_entry("weekly_briefing", "2019-04-26", None, status="failed"))
    start = dt.datetime(2019, 4, 26, 17, 30)
    for n, entry in enumerate(reports):
        if entry["status"] == "ok":  # the page is there, as a good run leaves it
            page = tmp_path / entry["html"]
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text("<html><body>周报</body></html>", encoding="utf-8")
        generated = start + dt.timedelta(minutes=n)
        record(tmp_path, {**entry, "generated": generated.isoformat(timespec="seconds")})

    newest_first = WEEKS[::-1]
    assert _listed(tmp_path) == [
        ("2019-04-26", "全系统", "周报", "成功"),
        ("2019-04-26", "全系统", "周报", "失败"),
        ("2019-04-19", "全系统", "周报", "成功"),
        ("2019-04-12", "全系统", "周报", "成功"),
        *[(w, u, "周报", "成功") for w in newest_first for u in UNITS],
        ("2019-05-31", "全系统", "总结考核", "成功"),
        ("2019-05-31", "办公室", "总结考核", "成功"),
        ("2019-05-31", "人事科", "总结考核", "成功"),
        ("2019-04-26", "全系统", "台账探索", "成功"),
    ]
