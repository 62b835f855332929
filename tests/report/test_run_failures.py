"""Report runs under failure: a disk that says no, a damaged manifest, a failed re-run
beside a good report, a run killed mid-way. None ends in a traceback, none loses a good
report, and what a killed run leaves behind is cleaned by the next one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import fill, remount_read_only, tmpfs

from baiyi_lib.cli import main
from baiyi_lib.errors import OutputNotWritable
from baiyi_lib.report.files import atomic_write

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
BROKEN = ROOT / "tests" / "ledgers" / "fixtures" / "broken"
AS_OF = "2019-04-26"


@pytest.fixture(scope="module")
def good_reports(tmp_path_factory) -> Path:
    """A reports folder with one good briefing of the whole system, as `baiyi report` made
    it (each test works on a copy)."""
    out = tmp_path_factory.mktemp("reports")
    assert main(["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--out", str(out)]) == 0
    return out


def _copy(reports: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(reports, tmp_path / "reports"))


def _rows(out: Path) -> list[str]:
    """The rows of reports/index.html, as HTML."""
    body = (out / "index.html").read_text(encoding="utf-8").split("<tbody>")[1]
    return body.split("</tbody>")[0].split("<tr")[1:]


# --------------------------------------------------------------------------- a full disk


def test_atomic_write_on_a_full_disk_names_the_file_and_keeps_the_old_one():
    with tmpfs("1m") as fs:
        old, new = fs / "回执.html", fs / "新.html"
        old.write_bytes(b"old")
        fill(fs)
        with pytest.raises(OutputNotWritable) as caught:
            atomic_write(old, b"new" * 100_000)
        assert str(old) in str(caught.value) and "磁盘空间已满" in str(caught.value)
        assert "原有的文件未改动" in str(caught.value) and caught.value.exit_code == 5
        with pytest.raises(OutputNotWritable, match="未生成该文件"):
            atomic_write(new, b"new" * 100_000)
        assert old.read_bytes() == b"old"
        assert sorted(p.name for p in fs.iterdir()) == ["filler", "回执.html"]


def test_a_report_on_a_full_disk_is_exit_5_and_keeps_the_previous_page(capsys):
    with tmpfs("64m") as fs:
        page = fs / AS_OF / "weekly_briefing.html"
        page.parent.mkdir()
        page.write_bytes(b"<p>last week's good page</p>")
        fill(fs)
        argv = ["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--out", str(fs)]
        assert main(argv) == 5
        err = capsys.readouterr().err
        assert "Traceback" not in err and "磁盘空间已满" in err and "未改动" in err, err
        assert str(page) in err, err
        assert page.read_bytes() == b"<p>last week's good page</p>"
        assert [p.name for p in page.parent.iterdir()] == ["weekly_briefing.html"]


# --------------------------------------------------------------------------- damaged manifests


def test_a_damaged_manifest_is_set_aside_and_the_index_rebuilt(good_reports, tmp_path, capsys):
    out = _copy(good_reports, tmp_path)
    page = (out / AS_OF / "weekly_briefing.html").read_bytes()
    damaged = {
        "2019-04-19": '[{"notebook": "weekly_brie',  # cut off mid-write
        "2019-04-12": '{"notebook": 1}',  # JSON, but not a list of entries
        "2019-04-05": '[{"notebook": "weekly_briefing"}]',  # entries without their fields
        AS_OF: "\x00\x00\x00",  # the run's own folder
    }
    for day, text in damaged.items():
        (out / day).mkdir(exist_ok=True)
        (out / day / "weekly_briefing.html").write_bytes(page)  # the pages are still there
        (out / day / "manifest.json").write_text(text, encoding="utf-8")
    argv = ["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--unit", "农水站"]
    assert main([*argv, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("已损坏") == len(damaged), err
    for day, text in damaged.items():
        aside = list((out / day).glob("manifest.json.damaged-*"))
        assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == text
        assert str(out / day / "manifest.json") in err
    rows = _rows(out)
    for day in damaged:  # every page it can still see is listed and linked
        row = next(r for r in rows if f'href="{day}/weekly_briefing.html"' in r)
        assert "成功" in row and "累计 " in row, row  # the figures read off the page
    assert any('href="2019-04-26/weekly_briefing__nsz.html"' in r for r in rows)
    assert len(rows) == len(damaged) + 1
    # said once: the next run finds nothing to set aside
    assert main([*argv, "--out", str(out)]) == 0
    assert "已损坏" not in capsys.readouterr().err
    assert len(_rows(out)) == len(damaged) + 1


# --------------------------------------------------------------------------- a failed re-run


def test_a_failed_rerun_is_listed_beside_the_good_report_it_kept(good_reports, tmp_path, capsys):
    out = _copy(good_reports, tmp_path)
    argv = ["report", "--as-of", AS_OF, "--out", str(out)]
    assert main([*argv, "--data", str(BROKEN)]) == 1
    assert "处错误" in capsys.readouterr().err
    manifest = json.loads((out / AS_OF / "manifest.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in manifest] == ["ok", "failed"]
    rows = _rows(out)
    assert len(rows) == 2
    assert 'href="2019-04-26/weekly_briefing.html"' in rows[0] and "成功" in rows[0]
    assert "失败" in rows[1] and "处错误" in rows[1] and "href" not in rows[1]
    # a good run again: the failure is behind it
    assert main([*argv, "--data", str(SAMPLE)]) == 0
    rows = _rows(out)
    assert len(rows) == 1 and "成功" in rows[0] and "失败" not in rows[0]


# --------------------------------------------------------------------------- a killed run


def _report(out: Path, temp: Path, **popen) -> subprocess.Popen:
    """`baiyi report` of the sample in a process of its own, with its own temp dir."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    argv = [sys.executable, "-m", "baiyi_lib.cli", "report", "--data", str(SAMPLE)]
    argv += ["--as-of", AS_OF, "--out", str(out)]
    return subprocess.Popen(argv, env=env, cwd=ROOT, text=True, **popen)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (its kernel)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _kill_mid_run(out: Path, temp: Path) -> Path:
    """Start a report and SIGKILL it once its kernel runs the notebook; returns the run's
    private folder it leaves behind."""
    proc = _report(out, temp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kernels: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not list(temp.glob("baiyi-kernel-*/*.ipynb")) or not _children(proc.pid):
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended first"
            time.sleep(0.05)
        # the notebook is written before its first cell: killed now, the run is in its
        # cells (a second of them), not yet writing the page
        time.sleep(0.2)
        kernels = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
        for pid in kernels:  # the orphaned kernel would exit by itself, a little later
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    (left,) = temp.glob("baiyi-kernel-*")
    return left


def test_what_a_killed_run_leaves_is_cleaned_by_the_next_one_silently(tmp_path, short_temp):
    out, temp = tmp_path / "reports", short_temp
    left = _kill_mid_run(out, temp)
    assert list(left.glob("*.ipynb"))  # the partial notebook, with the kernel's sockets
    assert (left / "run.lock").exists()  # its lock went with the process
    hidden = [p for p in out.rglob(".*") if p.name != ".lock"]
    assert hidden == []  # the report folder only ever receives whole files
    proc = _report(out, temp, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0 and stderr == "", stderr  # nothing said about the cleaning
    assert [ln.split(":")[0] for ln in stdout.splitlines()] == ["已生成", "目录"]
    assert not left.exists() and list(temp.iterdir()) == []


def test_only_leftovers_no_one_uses_are_removed_and_a_stuck_one_is_named(tmp_path, short_temp):
    out, temp = tmp_path / "reports", short_temp
    # a run folder held by a running report (and one on a disk that says no, below)
    hold = (
        "import sys, time; from baiyi_lib.report.files import run_folder\n"
        "with run_folder() as f: print(f, flush=True); time.sleep(120)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    holder = subprocess.Popen(
        [sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True, env=env
    )
    # the folders of an older baiyi (no lock): one of a run killed two hours ago, one of
    # a run that may still be going
    two_hours_ago = time.time() - 7200
    legacy_old, legacy_fresh = temp / "baiyi-kernel-old", temp / "baiyi-kernel-fresh"
    for legacy in (legacy_old, legacy_fresh):
        legacy.mkdir()
        (legacy / "kernel-1").write_text("", encoding="utf-8")
    os.utime(legacy_old, (two_hours_ago, two_hours_ago))
    # what an older baiyi left in the report folder: a partial notebook of a run killed
    # two hours ago, and one being written now by a run still going
    folder = out / AS_OF
    folder.mkdir(parents=True)
    old, fresh = folder / ".weekly_briefing.k3j4h5ab.ipynb", folder / ".weekly_briefing.q1w2.ipynb"
    for partial in (old, fresh):
        partial.write_text("{}", encoding="utf-8")
    os.utime(old, (two_hours_ago, two_hours_ago))
    try:
        live = Path(holder.stdout.readline().strip())
        assert live.parent == temp and (live / "run.lock").exists()
        with tmpfs("1m", at=temp / "baiyi-kernel-stuck") as stuck:
            (stuck / "kernel-1").write_text("", encoding="utf-8")
            (stuck / "run.lock").write_text("", encoding="utf-8")  # its run was killed
            remount_read_only(stuck)
            proc = _report(out, temp, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr
            assert stderr.count("\n") == 1 and str(stuck) in stderr and "只读" in stderr, stderr
            assert "Traceback" not in stderr and "临时文件夹" in stderr
    finally:
        holder.kill()
        holder.wait()
    assert live.exists() and legacy_fresh.exists() and not legacy_old.exists()
    assert fresh.exists() and not old.exists()
