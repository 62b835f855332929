"""A lone briefing (issue 19's speed): its kernel starts while this process loads and
scores the ledgers, which the notebook then reads back; the kernel is asked to stop when
the notebook is done and exits on its own while the page is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from baiyi_lib.errors import ReportError
from baiyi_lib.report import kernel as kernel_module
from baiyi_lib.report.files import run_folder
from baiyi_lib.report.kernel import Kernel
from baiyi_lib.report.run import execute, plan
from baiyi_lib.report.scored import SCORE_LOG_ENV, forget

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


def test_a_lone_run_scores_in_this_process_and_its_notebook_reads_it_back(tmp_path, monkeypatch):
    log = tmp_path / "scores.log"
    monkeypatch.setenv(SCORE_LOG_ENV, str(log))
    forget()
    entry = execute(plan(data=str(SAMPLE), as_of="2019-04-26")[0], tmp_path / "out")
    assert entry["status"] == "ok"
    lines = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    assert [what for what, _ in lines] == ["loaded", "computed", "reused"]
    here = str(os.getpid())
    assert lines[0][1] == lines[1][1] == here  # loaded and scored here, once
    assert lines[2][1] != here  # read back by the kernel


def test_a_lone_run_whose_ledgers_fail_fails_in_its_notebook_with_their_message(
    tmp_path, monkeypatch
):
    """Scoring here is only a head start: ledgers it cannot score are left to the
    notebook, which fails with the Chinese message a reader of the notebook sees."""
    folder = tmp_path / "ledgers"
    folder.mkdir()
    (folder / "河道办_走访台账.csv").write_text("这不是台账\n", encoding="utf-8")
    log = tmp_path / "scores.log"
    monkeypatch.setenv(SCORE_LOG_ENV, str(log))
    entry = execute(plan(data=str(folder), as_of="2019-04-26")[0], tmp_path / "out")
    assert entry["status"] == "failed"
    assert "Traceback" not in entry["error"] and "台账" in entry["error"]
    assert "computed" not in log.read_text(encoding="utf-8") if log.exists() else True


def _started(folder: Path) -> Kernel:
    kernel = Kernel(folder, ROOT)
    kernel.start(wait=False)
    kernel.fresh()  # waits for the warm-up
    return kernel


def test_a_kernel_asked_to_stop_exits_on_its_own_and_is_not_asked_twice(monkeypatch):
    """Asked once (stop_soon), then waited for: a second request reaching a kernel that
    is closing could leave it stuck until it is terminated."""
    with run_folder() as folder:
        kernel = _started(folder)
        km = kernel.km
        process = km.provisioner.process
        asked = []
        original = type(km)._async_request_shutdown

        async def counted(self, *args, **kwargs):
            asked.append(1)
            return await original(self, *args, **kwargs)

        # both the request alone and jupyter_client's whole shutdown go through it
        monkeypatch.setattr(type(km), "_async_request_shutdown", counted)
        monkeypatch.setattr(type(km), "request_shutdown", counted)
        kernel.stop_soon()
        kernel.shutdown()
    assert len(asked) == 1
    assert process.returncode == 0  # it ended by itself: not terminated, not killed


def test_a_kernel_that_dies_while_warming_up_is_a_chinese_report_error(monkeypatch):
    monkeypatch.setattr(kernel_module, "WARM", "import os\nos._exit(3)\n")
    with run_folder() as folder:
        kernel = Kernel(folder, ROOT)
        kernel.start(wait=False)
        try:
            with pytest.raises(ReportError, match="内核"):
                kernel.fresh()
        finally:
            kernel.shutdown()


def test_a_warm_up_that_fails_is_not_the_reports_failure(tmp_path, monkeypatch):
    """The warm-up's import failing is left to the notebook, whose first cell imports the
    same modules (here they import: the page is made; had they failed, the cell's own
    error would say why, in the failed notebook kept)."""
    monkeypatch.setattr(kernel_module, "WARM", "raise ImportError('warm-up only')\n")
    entry = execute(plan(data=str(SAMPLE), as_of="2019-04-26")[0], tmp_path / "out")
    assert entry["status"] == "ok", entry.get("error")  # the notebook's own import works


def test_a_kernel_that_dies_midway_leaves_its_last_words_in_the_entry(tmp_path, monkeypatch):
    """The kernel process's own output goes to a file in the run's private folder (a run
    stopped midway prints no kernel traceback); when the kernel dies, the end of that file
    is in the failed entry, so whoever reads the index learns why."""
    boom = (
        "get_ipython().events.register('pre_run_cell', (lambda n=[0]: lambda *a: "
        "(n.__setitem__(0, n[0] + 1), n[0] == 3 and (__import__('sys').__stderr__.write("
        "'内核自述:内存不足\\n'), __import__('sys').__stderr__.flush(), "
        "__import__('os')._exit(9))))())\n"
    )
    monkeypatch.setattr(kernel_module, "WARM", kernel_module.WARM + boom)
    entry = execute(plan(data=str(SAMPLE), as_of="2019-04-26")[0], tmp_path / "out")
    assert entry["status"] == "failed"
    assert "内核退出前的输出" in entry["error"] and "内核自述:内存不足" in entry["error"]


def test_an_interrupt_a_library_wrapped_while_scoring_still_stops_the_run(monkeypatch):
    """A signal landing in a DuckDB query comes back as duckdb's InterruptException (an
    Exception): scoring ahead of the kernel must not swallow it as "let the kernel do it"
    (helper-32: a stopped run went on and replaced the report)."""
    import duckdb

    from baiyi_lib.report import scored

    def interrupted(*args, **kwargs):
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(scored, "remember", interrupted)
    job = plan(data=str(SAMPLE), as_of="2019-04-26")[0]
    with pytest.raises(KeyboardInterrupt):
        scored.compute_once([job], Path("/nonexistent"))

    def wrapped(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("wrapped") from exc

    monkeypatch.setattr(scored, "remember", wrapped)
    with pytest.raises(KeyboardInterrupt):
        scored.compute_once([job], Path("/nonexistent"))
