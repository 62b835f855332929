"""The weekly briefing: notebooks, papermill runs, one offline HTML file, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from support import html_table, html_text
from truth import backlog, day, happened, scores

from baiyi_lib.cli import main
from baiyi_lib.report import REPORT_MODE_ENV
from baiyi_lib.report import run as report_run
from baiyi_lib.report.batch import run_jobs
from baiyi_lib.report.run import Job, execute, plan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
BROKEN = ROOT / "tests" / "ledgers" / "fixtures" / "broken"
AS_OF = "2019-04-26"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("reports")
    entry = execute(plan(data=str(SAMPLE), as_of=AS_OF)[0], out)
    return out, entry


# --------------------------------------------------------------------------- notebooks


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_clean_with_one_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    # narration only: every other code cell is a few calls into the library
    for c in code:
        if c not in tagged:
            work = [
                ln
                for ln in c.source.splitlines()
                if ln.strip() and not ln.startswith(("from ", "import "))
            ]
            assert len(work) <= 3, c.source


def test_the_briefing_executes_on_the_sample(rendered):
    out, entry = rendered
    assert entry["status"] == "ok", entry.get("error")
    assert (out / entry["html"]).exists() and (out / entry["ipynb"]).exists()
    executed = nbformat.read(out / entry["ipynb"], as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


# --------------------------------------------------------------------------- offline HTML


def test_a_run_leaves_the_callers_environment_as_it_was(rendered):
    """Report mode reaches the run's kernel only: a kernel the caller starts later (a
    JupyterLab from the same process) draws its charts as figures, not as a page's divs."""
    assert REPORT_MODE_ENV not in os.environ


def test_html_is_one_offline_file_with_one_plotly(rendered):
    out, entry = rendered
    page = (out / entry["html"]).read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs

    banner = get_plotlyjs()[:60]
    assert page.count(banner) == 1
    assert "<script src" not in page.replace(" ", "") and "<scriptsrc" not in page.replace(" ", "")
    assert "require.js" not in page and "MathJax.js" not in page and "mathjax@" not in page
    assert '<link rel="stylesheet" href="http' not in page
    assert entry["bytes"] <= 6 * 1024 * 1024
    assert "@page" in page and "break-inside: avoid" in page  # A4 print stylesheet
    assert "本笔记本只叙述" not in page  # notebook-only narration is removed
    for heading in (
        "本周要点",
        "单位得分排名",
        "走访趋势",
        "积案化解进度",
        "矛盾纠纷排查",
        "本周扣分/加分明细",
        "报送情况与时间节点",
        "口径说明",
    ):
        assert heading in page


_WEEKLY = r"本周 (\d+) 人次;累计 (\d+) 人次;积案认定 (\d+)/(\d+) 件;一票否决 (\d+) 个单位"
_FINAL = r"最高 (-?\d+) 分、最低 (-?\d+) 分;一票否决 (\d+) 个单位;可授予平安稳定星 (\d+) 个单位"


def _index_row(out: Path) -> dict:
    """The one row of reports/index.html, as shown, with ``page``: the linked page's HTML."""
    index = (out / "index.html").read_text(encoding="utf-8")
    (row,) = html_table(index, "截至日期").to_dict("records")
    row["page"] = (out / row["links"][0]).read_text(encoding="utf-8")
    return row


def test_index_lists_the_briefing_with_the_figures_its_page_shows(rendered):
    out, entry = rendered
    row = _index_row(out)
    assert (row["报告"], row["状态"], row["links"][0]) == ("周报", "成功", entry["html"])
    assert "table.baiyi" in (out / "index.html").read_text(encoding="utf-8")  # reports' style
    listed = [int(x) for x in re.fullmatch(_WEEKLY, row["要点"]).groups()]
    # worked out from the ledgers, not by baiyi
    as_of = day(AS_OF)
    v, b = happened(as_of), backlog(as_of)
    this_week = v.loc[v["day"] > as_of - dt.timedelta(days=7), "persons"].sum()
    truth = [this_week, v["persons"].sum(), (b["bonus"] > 0).sum(), b["listed"].sum()]
    assert listed == [*truth, scores(as_of)["veto"].sum()]
    # and as the linked page says them
    text = html_text(row["page"])
    week, to_date = re.search(r"本周走访 (\d+) 人次,行动以来累计 (\d+) 人次", text).groups()
    total, certified = re.search(r"信访积案 (\d+) 件,.*?经行动办公室认定 (\d+) 件", text).groups()
    (vetoed,) = re.search(r"被一票否决的单位 (\d+) 个", text).groups()
    assert listed == [int(x) for x in (week, to_date, certified, total, vetoed)]


def test_index_shows_the_final_assessment_with_its_own_figures(tmp_path):
    job = plan(data=str(SAMPLE), as_of="2019-05-31", notebook="final_assessment")[0]
    entry = execute(job, tmp_path)
    assert entry["status"] == "ok", entry.get("error")
    row = _index_row(tmp_path)
    assert (row["报告"], row["状态"]) == ("总结考核", "成功")
    listed = [int(x) for x in re.fullmatch(_FINAL, row["要点"]).groups()]
    truth = scores(dt.date(2019, 5, 31))  # worked out from the ledgers, not by baiyi
    top, bottom = truth["score"].max(), truth["score"].min()
    assert listed == [top, bottom, truth["veto"].sum(), truth["star"].sum()]
    # the linked page's table: each unit's score, veto and 平安稳定星 as worked out
    t = html_table(row["page"], "排名", "单位", "行动得分").set_index("单位")
    assert t["行动得分"].astype(int).to_dict() == truth["score"].to_dict()
    assert (t["一票否决"] == "是").to_dict() == truth["veto"].to_dict()
    assert (t["可授予平安稳定星"] == "是").to_dict() == truth["star"].to_dict()


# --------------------------------------------------------------------------- one unit, parameters


def test_unit_briefing_is_scoped_to_the_unit(tmp_path):
    """One unit's briefing (河道管理办公室: no veto, so a highlight of the vetoed rows would
    show): its title, its own visits, and the whole ranking with its row alone marked."""
    unit = "河道管理办公室"
    entry = execute(plan(data=str(SAMPLE), as_of=AS_OF, units=["河道办"])[0], tmp_path)
    assert entry["status"] == "ok", entry.get("error")
    assert entry["html"].endswith("weekly_briefing__hdb.html")
    page = (tmp_path / entry["html"]).read_text(encoding="utf-8")
    text = html_text(page)
    assert f"{unit} · 信访维稳百日攻坚行动周报" in text
    assert f"行动以来累计 {happened(day(AS_OF), unit)['persons'].sum()} 人次" in text
    ranking = html_table(page, "排名", "单位", "得分")
    truth = scores(day(AS_OF))
    assert len(ranking) == len(truth)
    marked = ranking[ranking["hl"]]
    assert marked["单位"].tolist() == [unit]
    assert int(marked["得分"].iloc[0]) == truth.at[unit, "score"]
    assert int(marked["排名"].iloc[0]) == truth.at[unit, "rank"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--unit", "火星站"], "未知单位"),
        (["--as-of", "2019-13-40"], "截止日期"),
        (["--set", "doubling=twice"], "once / stack"),
        (["--set", "nonsense=1"], "未知的口径参数"),
        (["--notebook", "nope"], "未知的报告"),
        (["--data", "/nonexistent"], "找不到台账"),
    ],
)
def test_bad_parameters_are_refused_before_any_kernel_starts(tmp_path, capsys, argv, words):
    assert main(["report", "--out", str(tmp_path), *argv]) == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_parameters_file(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("as_of: 2019-04-26\nunit: 火星站\n", encoding="utf-8")
    assert main(["report", "-f", str(f), "--out", str(tmp_path / "r")]) == 2
    assert "火星站" in capsys.readouterr().err
    f.write_text("as_of: 2019-04-26\ncolour: red\n", encoding="utf-8")
    assert main(["report", "-f", str(f), "--out", str(tmp_path / "r")]) == 2
    assert "colour" in capsys.readouterr().err
    f.write_text("- 2019-04-26\n", encoding="utf-8")  # a list, not a mapping: no traceback
    assert main(["report", "-f", str(f), "--out", str(tmp_path / "r")]) == 2
    assert "映射" in capsys.readouterr().err


# ------------------------------------------------------------------ failures, atomic writes


def _good_job() -> Job:
    return plan(data=str(SAMPLE), as_of=AS_OF, units=["农水站"])[0]


def _failing_job() -> Job:
    # the ledgers are refused inside the kernel: the notebook's first computing cell fails
    return Job("weekly_briefing", AS_OF, "工管站", "ggz", str(BROKEN))


def test_one_failure_does_not_stop_the_others(tmp_path):
    entries = run_jobs([_good_job(), _failing_job()], tmp_path, workers=2)
    assert [e["status"] for e in entries] == ["ok", "failed"]
    assert "台账有" in entries[1]["error"] and "处错误" in entries[1]["error"]  # the cell's error
    manifest = json.loads((tmp_path / AS_OF / "manifest.json").read_text(encoding="utf-8"))
    assert {e["unit"]: e["status"] for e in manifest} == {"农水站": "ok", "工管站": "failed"}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "失败" in index and "处错误" in index  # failed runs are shown, not hidden


def test_cli_exits_non_zero_naming_the_failing_unit(tmp_path, capsys):
    code = main(
        [
            "report",
            "--as-of",
            AS_OF,
            "--unit",
            "工管站",
            "--data",
            str(BROKEN),
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "工管站" in err and "处错误" in err and "LedgerError" not in err


def test_a_failed_run_never_replaces_a_good_report(tmp_path):
    good = execute(_good_job(), tmp_path)
    html = (tmp_path / good["html"]).read_bytes()
    broken = Job("weekly_briefing", AS_OF, "农水站", "nsz", str(BROKEN))
    bad = execute(broken, tmp_path)
    assert bad["status"] == "failed"
    assert (tmp_path / good["html"]).read_bytes() == html
    # the failed notebook is as readable as the reports beside it (it was 0600)
    mode = (tmp_path / good["html"]).stat().st_mode & 0o777
    assert (tmp_path / bad["ipynb"]).stat().st_mode & 0o777 == mode
    leftovers = [p.name for p in (tmp_path / AS_OF).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_run.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        report_run.atomic_write(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


@pytest.mark.parametrize("notebook", ["final_assessment", "explore"])
def test_other_notebooks_execute_on_the_sample(tmp_path, notebook):
    entry = execute(
        plan(data=str(SAMPLE), as_of=AS_OF, notebook=notebook, overrides={"annual_ratio": 0.1})[0],
        tmp_path,
    )
    assert entry["status"] == "ok", entry.get("error")
    page = (tmp_path / entry["html"]).read_text(encoding="utf-8")
    if notebook == "final_assessment":
        assert "可授予平安稳定星" in page and "年度综合考核扣分" in page
    else:
        assert (
            page.count('class="plotly-graph-div"') == 3
        )  # two views and one figure of the analyst's own
