"""--all-units (issue 19): the ledgers are loaded and scored once for the whole batch, and
each page and executed notebook comes out as if its unit had been rendered alone (the
kernels are shared: each is reset before every notebook)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from baiyi_lib.report.batch import run_jobs
from baiyi_lib.report.run import execute, plan
from baiyi_lib.report.scored import SCORE_LOG_ENV, forget

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
UNITS = ["农水站", "工管站", "办公室", "相邸水库管理所"]

# What differs between two runs of the same notebook on the same data, by design: the
# times (papermill's, the page's 生成于), plotly's random div ids, the id papermill gives
# the cell it injects, the addresses in a Fragment's plain-text repr, the run's private
# folder.
VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?"), "TIME"),
    (re.compile(r'"duration": [0-9.e-]+'), '"duration": D'),
    (re.compile(r"生成于 \d{4}-\d\d-\d\d \d\d:\d\d"), "生成于 TIME"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"\bat 0x[0-9a-f]+"), "at ADDR"),
    (re.compile(r"baiyi-kernel-[A-Za-z0-9_]+"), "RUN-FOLDER"),  # papermill's output_path
]


def _steady(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":  # the random id papermill gives the cell it injects
        nb = json.loads(text)
        for cell in nb["cells"]:
            if "injected-parameters" in cell["metadata"].get("tags", []):
                cell["id"] = "INJECTED"
        text = json.dumps(nb, ensure_ascii=False, indent=1)
    text = re.sub(r'celltag_injected-parameters" id="cell-id=[0-9a-f]+"', "INJECTED", text)
    for pattern, words in VARYING:
        text = pattern.sub(words, text)
    return text


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, list[dict], list[str]]:
    out = tmp_path_factory.mktemp("batch")
    log = out / "scores.log"
    # no as-of: the plan loads the ledgers to find the latest return day, and only then
    forget()  # what an earlier test's plan kept
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SCORE_LOG_ENV, str(log))
        jobs = plan(data=str(SAMPLE)) + plan(data=str(SAMPLE), units=UNITS)
        entries = run_jobs(jobs, out / "reports", workers=2)
    return out / "reports", entries, log.read_text(encoding="utf-8").split("\n")[:-1]


def test_the_batch_loads_and_scores_once(batch):
    _, entries, log = batch
    assert [e["status"] for e in entries] == ["ok"] * (1 + len(UNITS))
    what = [line.split()[0] for line in log]
    assert what.count("loaded") == 1  # once, for the plan and every page
    assert what.count("computed") == 1  # once, for every page
    assert what.count("reused") == len(entries)  # each notebook read it back
    assert len({line.split()[1] for line in log if line.startswith("reused")}) == 2  # 2 kernels


@pytest.mark.parametrize("which", [0, -1], ids=["system", "last-unit"])
def test_a_page_from_the_batch_equals_the_same_page_rendered_alone(batch, which, tmp_path):
    reports, entries, _ = batch
    entry = entries[which]
    job = plan(
        data=str(SAMPLE), as_of=entry["as_of"], units=[entry["unit"]] if entry["unit"] else None
    )
    alone = execute(job[0], tmp_path)
    assert alone["status"] == "ok" and alone["figures"] == entry["figures"]
    for kind in ("html", "ipynb"):
        assert _steady(tmp_path / alone[kind]) == _steady(reports / entry[kind]), kind


def test_the_last_unit_ran_on_a_kernel_that_had_run_another_notebook(batch):
    # what the comparison above is worth: the last job was its lane's second or later
    reports, entries, log = batch
    reused = [line.split()[1] for line in log if line.startswith("reused")]
    assert len(reused) > len(set(reused))
    nb = (reports / entries[-1]["ipynb"]).read_text(encoding="utf-8")
    assert '"execution_count": 1,' in nb and '"execution_count": 3' in nb  # counted from 1
