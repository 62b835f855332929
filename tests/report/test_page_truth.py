"""What leaders read is true: the rendered pages, read in Chromium, against figures worked
out independently.

The independent figures come from the raw sample files (the visits register is read here
with pandas and a few lines of date parsing, not with baiyi's loader) and from the points
table (the one explanation format, not the views that draw the page). Every chart is read
as the browser drew it: its tick labels and legend from the DOM, its values from plotly's
own data. Pages: the weekly briefing as of a Friday and as of a Wednesday, one unit's
briefing, and the final assessment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil

import pandas as pd
import pytest
from support import identifiers, launch_chromium
from truth import (
    END,
    LEVELS,
    RULES,
    SAMPLE,
    START,
    counted,
    expected_labels,
    happened,
    per_week,
)
from truth import day as _day
from truth import friday as _friday

from baiyi_lib import load_ledgers, score
from baiyi_lib.report.run import execute, plan

CHROMIUM = shutil.which("chromium")
PAGES = {
    "friday": {"as_of": "2019-04-26"},
    "wednesday": {"as_of": "2019-04-24"},
    "unit": {"as_of": "2019-04-26", "units": ["移民办"]},
    "final": {"as_of": "2019-05-31", "notebook": "final_assessment"},
}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed"
)


def points(as_of: str) -> pd.DataFrame:
    return score(load_ledgers(SAMPLE, RULES), RULES, as_of=as_of).points


# --------------------------------------------------------------------------- the pages

_READ_CHARTS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  title: (gd._fullLayout.title && gd._fullLayout.title.text) || '',
  xtype: gd._fullLayout.xaxis.type,
  traces: gd._fullData.map(t => ({
    name: t.name, type: t.type,
    x: t.x ? Array.from(t.x, String) : [],
    y: t.y ? Array.from(t.y) : [],
    z: t.z ? Array.from(t.z, r => Array.from(r)) : null,
    text: t.text && t.type === 'heatmap' ? Array.from(t.text, r => Array.from(r)) : null,
  })),
  drawn: [...gd.querySelectorAll('.heatmaplayer text')].map(e => e.textContent),
  xticks: [...gd.querySelectorAll('.xtick text')].map(e => e.textContent),
  yticks: [...gd.querySelectorAll('.ytick text')].map(e => e.textContent),
  legend: [...gd.querySelectorAll('.legendtext')].map(e => e.textContent),
}))
"""
_READ_TABLES = """
() => [...document.querySelectorAll('table.baiyi')].map(t => ({
  head: [...t.querySelectorAll('thead th')].map(e => e.textContent),
  rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => c.textContent)),
}))
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, dict]:
    """Each page rendered by `baiyi report`'s code path, then read in Chromium."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI installs Debian's chromium in .ci/run"
    out = tmp_path_factory.mktemp("reports")
    seen = {}
    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        for name, params in PAGES.items():
            entry = execute(plan(data=str(SAMPLE), **params)[0], out)
            assert entry["status"] == "ok", entry.get("error")
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests, errors = [], []
            page.on("request", lambda r, req=requests: req.append(r.url))
            page.on("pageerror", lambda e, errs=errors: errs.append(str(e)))
            page.goto((out / entry["html"]).as_uri())
            page.wait_for_function(
                "[...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))"
            )
            seen[name] = {
                "charts": page.evaluate(_READ_CHARTS),
                "tables": page.evaluate(_READ_TABLES),
                "figures": page.evaluate(
                    "Object.fromEntries([...document.querySelectorAll('[data-figure]')]"
                    ".map(e => [e.dataset.figure, e.textContent]))"
                ),
                "text": page.inner_text("body"),
                # what a leader reads: the page without its technical appendix
                "plain": page.evaluate(
                    "(() => { const b = document.body.cloneNode(true);"
                    " b.querySelectorAll('.appendix').forEach(e => e.remove());"
                    " document.documentElement.appendChild(b); const t = b.innerText;"
                    " b.remove(); return t; })()"
                ),
                "requests": [u for u in requests if not u.startswith("file://")],
                "errors": errors,
            }
            page.close()
        page = browser.new_page()
        page.goto((out / "index.html").as_uri())
        seen["index"] = {"plain": page.inner_text("body")}
        page.close()
        browser.close()
    return seen


def chart(page: dict, words: str) -> dict:
    found = [c for c in page["charts"] if words in c["title"]]
    assert len(found) == 1, [c["title"] for c in page["charts"]]
    return found[0]


def table(page: dict, first_header: str, contains: str | None = None) -> pd.DataFrame:
    for t in page["tables"]:
        if (
            t["head"]
            and t["head"][0] == first_header
            and (contains is None or contains in t["head"])
        ):
            return pd.DataFrame(t["rows"], columns=t["head"])
    raise AssertionError(f"no table headed {first_header}")


# --------------------------------------------------------------------------- every page


_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})日$")


@pytest.mark.parametrize("name", list(PAGES))
def test_no_axis_shows_a_date_outside_the_campaign(pages, name):
    for c in pages[name]["charts"]:
        for tick in c["xticks"] + c["yticks"]:
            assert not re.search(r"\b(19|20)\d\d\b", tick) or "2019" in tick, (c["title"], tick)
            assert not re.search(r"[A-Z][a-z]{2}", tick), (c["title"], tick)  # Jan, Feb …
            m = _MONTH_DAY.match(tick)
            if m:
                day = dt.date(2019, int(m[1]), int(m[2]))
                assert START - dt.timedelta(days=7) <= day <= END, (c["title"], tick)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_level_chart_names_all_four_levels(pages, name):
    for c in pages[name]["charts"]:
        names = [t["name"] for t in c["traces"]]
        if set(names) & set(LEVELS):
            assert c["legend"] == LEVELS and names == LEVELS, c["title"]


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_is_offline_and_error_free(pages, name):
    assert pages[name]["requests"] == [] and pages[name]["errors"] == []


# --------------------------------------------------------------------------- weekly briefing


@pytest.mark.parametrize("name", ["friday", "wednesday", "unit"])
def test_the_visits_chart_shows_the_campaign_weeks_and_the_registers_figures(pages, name):
    as_of = _day(PAGES[name]["as_of"])
    unit = RULES.units.resolve(PAGES[name]["units"][0]) if "units" in PAGES[name] else None
    c = chart(pages[name], "走访人次")
    labels = expected_labels(as_of)
    assert c["xtype"] == "category"
    assert all(t["x"] == labels for t in c["traces"])
    assert set(c["xticks"]) <= set(labels) and c["xticks"][-1] == labels[-1]
    truth = per_week(as_of, unit)
    assert {t["name"]: [int(y) for y in t["y"]] for t in c["traces"]} == truth
    # the bars add up to the table above them, level by level
    levels = table(pages[name], "层级").set_index("层级")
    for level in LEVELS:
        assert int(levels.at[level, "累计人次"]) == sum(truth[level])
        assert int(levels.at[level, "本周人次"]) == truth[level][-1]


@pytest.mark.parametrize("name", ["friday", "wednesday"])
def test_the_headline_figures_are_the_registers_and_the_points(pages, name):
    as_of = _day(PAGES[name]["as_of"])
    shown = pages[name]["figures"]
    v = happened(as_of)  # every visit that happened, charged or not
    week_start = _friday(as_of) - dt.timedelta(days=6)
    assert shown["as_of"] == as_of.isoformat()
    assert int(shown["person_visits_to_date"]) == v["persons"].sum()
    assert int(shown["person_visits_week"]) == v.loc[v["day"] >= week_start, "persons"].sum()
    p = points(PAGES[name]["as_of"])
    bonus = p[p["rule_id"].astype(str).str.startswith("backlog.")]
    assert int(shown["backlog_certified"]) == len(bonus)
    assert int(shown["vetoed_units"]) == p.loc[p["rule_id"] == "veto", "unit"].nunique()


@pytest.mark.parametrize("name", ["friday", "wednesday"])
def test_the_deductions_heatmap_adds_up_to_the_ranking(pages, name):
    c = chart(pages[name], "每周扣分")
    heat = c["traces"][0]
    assert heat["x"] == expected_labels(_day(PAGES[name]["as_of"])) and c["xtype"] == "category"
    p = points(PAGES[name]["as_of"])
    assert sum(map(sum, heat["z"])) == -p.loc[p["points"] < 0, "points"].sum()
    ranking = table(pages[name], "排名", "扣分").set_index("单位")
    rows = dict(zip(heat["y"], (sum(r) for r in heat["z"]), strict=True))
    assert {u: int(ranking.at[u, "扣分"]) for u in rows} == rows
    # every loss is written in its cell as drawn (grey print loses the colours)
    losses = sorted(str(int(v)) for r in heat["z"] for v in r if v)
    assert sorted(t for t in c["drawn"] if t) == losses


def test_the_burndown_reads_in_chinese_and_ends_at_the_headlines_open_cases(pages):
    page = pages["friday"]
    c = chart(page, "积案")
    assert c["xtype"] == "date"
    assert c["xticks"] and all(_MONTH_DAY.match(t) for t in c["xticks"]), c["xticks"]
    line = c["traces"][0]
    shown = page["figures"]
    assert line["y"][-1] == int(shown["backlog_total"]) - int(shown["backlog_certified"])
    assert line["x"][-1].startswith("2019-04-26")


def test_the_score_chart_is_the_ranking_table(pages):
    for name in ("friday", "final"):
        c = chart(pages[name], "得分")
        bars = dict(zip(c["traces"][0]["y"], c["traces"][0]["x"], strict=True))
        first = "排名"
        ranking = table(pages[name], first).set_index("单位")
        col = "得分" if "得分" in ranking.columns else "行动得分"
        assert {u: int(ranking.at[u, col]) for u in bars} == {u: int(s) for u, s in bars.items()}


def test_the_wednesday_briefing_counts_the_days_since_friday(pages):
    # scoring counts 04-20 … 04-24; the page must show them, in its week and its detail
    text = pages["wednesday"]["text"]
    assert "4月20日—4月24日" in text and "本周尚未结束" in text
    p = points("2019-04-24")
    this_week = p[p["date"] >= pd.Timestamp("2019-04-20")]
    detail = table(pages["wednesday"], "日期", "原文")
    assert len(detail) == int((this_week["points"] != 0).sum())


def test_the_final_assessment_shows_the_final_scores_and_stars(pages):
    page = pages["final"]
    p = points("2019-05-31")
    ranking = table(page, "排名").set_index("单位")
    vetoed = set(p.loc[p["rule_id"] == "veto", "unit"].astype(str))
    assert {u for u in ranking.index if ranking.at[u, "一票否决"] == "是"} == vetoed
    assert all(ranking.at[u, "可授予平安稳定星"] == "否" for u in vetoed)
    totals = p.groupby(p["unit"].astype(str))["points"].sum()
    for unit in ranking.index:
        assert int(ranking.at[unit, "行动得分"]) == 1000 + int(totals.get(unit, 0))


@pytest.mark.parametrize("name", ["friday", "wednesday", "unit"])
def test_no_table_shows_a_day_after_as_of(pages, name):
    # a briefing as of a day shows the ledgers as they stood then (deadlines aside, which
    # are written 2019年5月20日)
    as_of = _day(PAGES[name]["as_of"])
    for t in pages[name]["tables"]:
        for row in t["rows"]:
            for cell in row:
                for found in re.findall(r"\b20\d\d-\d\d-\d\d\b", cell):
                    assert _day(found) <= as_of, (t["head"], row)


def test_the_attention_section_counts_the_registers_repeated_cases(pages):
    # 需要关注: cases with two or more counted visits, worked out from the register
    v = happened(_day(PAGES["friday"]["as_of"])).dropna(subset=["case"])
    repeated = int((v.groupby("case").size() > 1).sum())
    assert f"同一案件多次走访(群众只访一次未做到)({repeated})" in pages["friday"]["text"]


# --------------------------------------------------------------------------- page 1


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _scores(as_of: str) -> pd.Series:
    p = points(as_of)
    totals = p.groupby(p["unit"].astype(str))["points"].sum()
    return (1000 + totals.reindex(RULES.units.names, fill_value=0)).astype(int)


def test_first_case_lines_state_the_points_charged_and_leave_page_one_when_old(pages):
    # the first visit of each level in the system (earliest counted visit of the level)
    v = counted(_day("2019-04-26"))
    p = points("2019-04-26")
    headline = _section(pages["friday"]["text"], "本周要点", "单位得分排名")
    assert "水利系统第1起" not in headline  # February's news is not page 1 in April
    detail = _section(pages["friday"]["text"], "水利系统各层级第1起走访", "报送情况与时间节点")
    firsts = p[p["rule_id"].astype(str).str.startswith("first.")]
    assert len(firsts) == 3
    for level in ("进京", "去省", "到市"):
        first = v[v["level"] == level].sort_values("day").iloc[0]
        row = firsts[firsts["level"] == level].iloc[0]
        assert (row["unit"], row["date"].date()) == (first["unit"], first["day"])
        charged = -p.loc[p["source_id"] == row["source_id"], "points"].sum()
        line = next(x for x in detail.splitlines() if f"第1起{level}访" in x)
        assert first["unit"] in line and f"扣 {charged} 分" in line, line
        if charged != -row["points"]:  # doubled as well: each part is named
            assert "加倍" in line and f"{row['points']:+d}" in line, line


def test_this_weeks_visits_at_city_and_above_are_named_with_their_points(pages):
    as_of = _day("2019-04-26")
    v = happened(as_of)
    week = v[(v["day"] >= _friday(as_of) - dt.timedelta(days=6)) & (v["level"] != "来县")]
    shown = table(pages["friday"], "日期", "计分依据")
    got = zip(shown["单位"], shown["层级"], shown["人次"].astype(int), strict=True)
    want = zip(week["unit"], week["level"], week["persons"], strict=True)
    assert sorted(got) == sorted(want)
    p = points("2019-04-26")
    upper = p["level"].astype(str).isin(["进京", "去省", "到市"]) & (p["source"] == "走访")
    mine = p[(p["date"] >= pd.Timestamp("2019-04-20")) & upper]
    charged = sorted(mine.groupby("source_id")["points"].sum().astype(int))
    assert sorted(shown["扣分"].astype(int)) == charged
    line = next(x for x in pages["friday"]["text"].splitlines() if "以上走访" in x)
    assert f"走访 {len(week)} 起" in line


def test_the_biggest_movers_of_the_week_are_on_page_one(pages):
    now, before = _scores("2019-04-26"), _scores("2019-04-19")
    change = (now - before)[lambda c: c != 0]
    line = next(x for x in pages["friday"]["text"].splitlines() if "得分变化最大" in x)
    named = re.findall(r"([^:、\s]+) ([+-]\d+) 分[((]现 (\d+) 分", line)
    n = RULES.campaign.attention.movers
    assert len(named) == min(n, len(change))
    for unit, moved, total in named:
        assert int(moved) == change[unit] and int(total) == now[unit]
    assert (
        sorted((abs(int(m)) for _, m, _ in named), reverse=True)
        == sorted(change.abs(), reverse=True)[:n]
    )


def _zero_return_units() -> set[str]:
    """Units whose screening sheet in the sample is a zero return (read with openpyxl)."""
    import openpyxl

    out = set()
    for path in (SAMPLE / "units").glob("*.xlsx"):
        ws = openpyxl.load_workbook(path, read_only=True)["矛盾纠纷排查化解登记表"]
        cells = [str(c) for r in ws.iter_rows(max_row=4, values_only=True) for c in r if c]
        if any("零报告" in c and "是" in c for c in cells):
            out.add(RULES.units.resolve(path.stem.split("_", 1)[1]))
    return out


def test_a_folder_never_names_a_zero_return_unit_as_not_reporting(pages):
    zero = _zero_return_units()
    assert zero  # the sample has one (办公室)
    text = pages["friday"]["text"]
    late = _section(text, "未按时报送的单位", "各周报送情况")
    runs = table(pages["friday"], "单位", "连续未报周数")
    grid = table(pages["friday"], "单位", "4月26日").set_index("单位")
    listed = {x.split(":")[0].strip() for x in late.splitlines() if ":" in x}
    for unit in zero:
        assert unit not in listed and unit not in set(runs["单位"])
        assert set(grid.loc[unit]) == {"?"}


def test_a_friday_page_uses_no_return_dated_after_it(pages):
    # on Friday 04-26 nobody can yet be late for 04-26: a late return comes after it
    grid = table(pages["friday"], "单位", "4月26日")
    assert "迟" not in set(grid["4月26日"])
    text = pages["friday"]["text"]
    assert ":迟报" not in _section(text, "未按时报送的单位", "各周报送情况")


def test_cases_and_days_are_whole(pages):
    for name in ("friday", "wednesday", "unit"):
        text = pages[name]["plain"]
        assert not re.search(r"余约?\s*\d+\.\d", text), name
        assert not re.search(r"-\d+ *天|剩余天数", text), name
    deadlines = table(pages["friday"], "事项").set_index("事项")
    passed = (_day("2019-04-26") - dt.date(2019, 2, 27)).days
    assert f"已过 {passed} 天" in set(deadlines["距今"])


def test_wednesday_compares_like_with_like(pages):
    levels = table(pages["wednesday"], "层级").set_index("层级")
    head = "上周同期人次(4月13日—4月17日)"
    assert head in levels.columns
    v = happened(_day("2019-04-24"))
    same = v[(v["day"] >= dt.date(2019, 4, 13)) & (v["day"] <= dt.date(2019, 4, 17))]
    for level in LEVELS:
        want = int(same.loc[same["level"] == level, "persons"].sum())
        assert int(levels.at[level, head]) == want
        now = int(levels.at[level, "本周人次"])
        assert int(levels.at[level, "增减"]) == now - want


@pytest.mark.parametrize("name", [*PAGES, "index"])
def test_no_page_shows_code_outside_its_appendix(pages, name):
    # rule ids, readings' identifiers, file paths, commands: the leaders' words instead
    assert identifiers(pages[name]["plain"]) == []


def _sample_backlog() -> pd.DataFrame:
    """Every unit's backlog sheet in the sample, read with openpyxl (header by 案件编号)."""
    import openpyxl

    rows = []
    for path in sorted((SAMPLE / "units").glob("*.xlsx")):
        ws = openpyxl.load_workbook(path, read_only=True)["信访积案"]
        cells = [list(r) for r in ws.iter_rows(values_only=True)]
        at = next(i for i, r in enumerate(cells) if "案件编号" in [str(c) for c in r if c])
        head = [str(c) if c else "" for c in cells[at]]
        rows += [dict(zip(head, r, strict=False)) for r in cells[at + 1 :] if any(r)]
    return pd.DataFrame(rows)


def _when(value: object) -> dt.date | None:
    return None if value is None or value == "" or pd.isna(value) else _day(value)


def test_the_duties_section_counts_what_the_ledgers_record(pages):
    """履职情况 (实施方案 四(三)) on Friday's page against a count from the sample files:
    去省/进京 visits and those whose 主要负责人到场 is not 是; backlog cases certified by
    as-of without all three meetings held on or before the certification; open cases
    without a 包案领导."""
    as_of = _day(PAGES["friday"]["as_of"])
    raw = pd.read_csv(SAMPLE / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    raw["day"] = raw["日期"].map(_day)
    up = raw[raw["走访层级"].str.strip().isin(["去省", "进京"])
             & (raw["day"] >= START) & (raw["day"] <= as_of)]  # fmt: skip
    missing = up[up["主要负责人到场"].fillna("").str.strip() != "是"]
    f = pages["friday"]["figures"]
    assert int(f["head_visits"]) == len(up) and int(f["head_missing"]) == len(missing)
    assert len(missing) >= 1  # the sample shows the duty unmet at least once
    b = _sample_backlog()
    incomplete = no_lead = 0
    for r in b.to_dict("records"):
        certified_on = _when(r.get("认定日期"))
        if str(r.get("办公室认定")).strip() == "是" and certified_on and certified_on <= as_of:
            held = [_when(r.get(m)) for m in ("会商日期", "评议日期", "听证日期")]
            incomplete += not all(h and h <= certified_on for h in held)
        resolved_on = _when(r.get("化解日期"))
        still_open = str(r["化解状态"]).strip() == "未化解" or (resolved_on and resolved_on > as_of)
        no_lead += bool(still_open and pd.isna(r.get("包案领导")))
    assert int(f["backlog_incomplete"]) == incomplete and incomplete >= 1
    assert int(f["backlog_no_lead"]) == no_lead and no_lead >= 1


def test_old_ledgers_without_the_duty_columns_score_alike_and_say_so(tmp_path):
    """The sample with the duties' columns removed (as ledgers were sent before them):
    the same scores; the duty views say the data was not supplied, never "0"."""
    import openpyxl

    shutil.copytree(SAMPLE, tmp_path / "s")
    old = tmp_path / "s"
    raw = pd.read_csv(old / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    raw = raw.drop(columns=["主要负责人到场", "到场日期"])
    text = "走访登记(旧格式)\n" + raw.to_csv(index=False)
    (old / "走访登记.csv").write_bytes(text.encode("gb18030"))
    for path in (old / "units").glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        ws = wb["信访积案"]
        for col in range(ws.max_column, 0, -1):
            if any(ws.cell(r, col).value in ("包案领导", "会商日期", "评议日期", "听证日期")
                   for r in range(1, 6)):  # fmt: skip
                ws.delete_cols(col)
        wb.save(path)
    (old / "预警信息.csv").unlink()  # the registers did not exist then
    (old / "局领导接访值班表.xlsx").unlink()
    raw = pd.read_csv(old / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    text = "走访登记(旧格式)\n" + raw.drop(columns=["来局走访"]).to_csv(index=False)
    (old / "走访登记.csv").write_bytes(text.encode("gb18030"))
    from baiyi_lib import views

    new, before = load_ledgers(SAMPLE, RULES), load_ledgers(old, RULES)
    a, b = score(new, RULES, as_of="2019-05-31"), score(before, RULES, as_of="2019-05-31")
    assert a.scores.equals(b.scores)
    assert views.head_on_scene(before, b)[1] is False
    assert views.backlog_procedure(before, b)[2] is False
    assert views.warnings_status(before, b)[1] is False
    assert views.reception_days(before, b)[3] is False


def test_the_warnings_section_counts_what_the_register_records(pages):
    """预警信息 (实施方案 四(二)) on Friday's page against the register read with csv: each
    warning pushed by as-of, late if verified at or after the midnight after it was pushed
    or, important, fed back more than 2 hours after; open if neither written by then."""
    import csv

    as_of = _day(PAGES["friday"]["as_of"])
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    text = (SAMPLE / "预警信息.csv").read_text(encoding="utf-8-sig").splitlines()[1:]

    def moment(s: str) -> dt.datetime | None:
        n = [int(x) for x in re.findall(r"\d+", s)]
        return dt.datetime(*n[:5]) if n else None

    late = still = total = 0
    for r in csv.DictReader(text):
        pushed = moment(r["推送时间"])
        if not (dt.datetime.combine(START, dt.time()) <= pushed < end):
            continue
        total += 1
        seen = [moment(r[c]) for c in ("核查时间", "反馈时间")]
        verified, fed = (t if t and t < end else None for t in seen)
        due_v = dt.datetime.combine(pushed.date() + dt.timedelta(days=1), dt.time())
        steps = [(verified, due_v, verified is not None and verified < due_v)]
        if r["重要信息"] == "是":
            due_f = pushed + dt.timedelta(hours=2)
            steps.append((fed, due_f, fed is not None and fed <= due_f))
        if any(done is None and due <= end for done, due, _ in steps):
            still += 1
        elif any(done is not None and not ok for done, _, ok in steps):
            late += 1
    f = pages["friday"]["figures"]
    assert (int(f["warnings_total"]), int(f["warnings_late"]), int(f["warnings_open"])) == (
        total,
        late,
        still,
    )
    assert late >= 1 and still >= 1


def test_the_reception_section_counts_what_the_roster_records(pages):
    """局领导在局接访 (实施方案 四(一)) on Friday's page against the roster read with
    openpyxl and the calendar: each day from the campaign's start to as-of on which no row
    names a leader of the bureau (campaign.yaml duties.daily_reception posts, every day by
    default), and the visits marked 来局走访 是 on those days."""
    import openpyxl

    as_of = _day(PAGES["friday"]["as_of"])
    leaders = {"局长", "分管副局长", "副局长", "局党组成员"}
    ws = openpyxl.load_workbook(SAMPLE / "局领导接访值班表.xlsx", read_only=True)["接访值班"]
    covered = set()
    for when, post in ws.iter_rows(min_row=3, values_only=True):
        if when is not None and str(post).strip() in leaders:
            covered.add(when.date() if isinstance(when, dt.datetime) else when)
    days = [START + dt.timedelta(days=k) for k in range((as_of - START).days + 1)]
    missing = [d for d in days if d not in covered]
    raw = pd.read_csv(SAMPLE / "走访登记.csv", encoding="gb18030", skiprows=1, dtype=str)
    raw["day"] = raw["日期"].map(_day)
    came = raw[raw["来局走访"].fillna("").str.strip().eq("是") & raw["day"].isin(missing)]
    f = pages["friday"]["figures"]
    assert int(f["reception_days"]) == len(days)
    assert int(f["reception_missing"]) == len(missing) and len(missing) >= 1
    assert int(f["reception_visits"]) == len(came) and len(came) >= 1
