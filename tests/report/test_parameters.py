"""`baiyi report` and the other commands refuse bad parameters before any kernel starts:
exit 2, a Chinese message, nothing written. A good run prints only baiyi's own lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from baiyi_lib.cli import main
from baiyi_lib.store import ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def store(tmp_path_factory, sent) -> Path:
    """The returns as sent by 04-26, received that afternoon."""
    import datetime as dt

    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    ingest([sent(dt.date(2019, 4, 26))], path, received=dt.datetime(2019, 4, 26, 17, 0))
    return path


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--as-of", "2018-01-01"], "不在行动期内"),
        (["--as-of", "2030-01-01"], "不在行动期内"),
        (["--as-of", "04-31"], "日期不存在"),
        (["--as-of", "下周五"], "截止日期"),
    ],
)
def test_an_as_of_outside_the_campaign_or_unreadable_is_refused(tmp_path, capsys, argv, words):
    assert main(["report", "--data", str(SAMPLE), "--out", str(tmp_path / "r"), *argv]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "r").exists() or list((tmp_path / "r").iterdir()) == []


@pytest.mark.parametrize("command", ["score", "explain", "export"])
def test_every_command_refuses_an_as_of_outside_the_campaign(tmp_path, capsys, command):
    argv = {"explain": ["explain", "农水站"], "export": ["export", str(tmp_path / "x.xlsx")]}
    args = [*argv.get(command, [command]), "--data", str(SAMPLE), "--as-of", "2030-01-01"]
    assert main(args) == 2
    assert "不在行动期内" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_an_as_of_without_its_year_is_the_campaigns_year(capsys):
    assert main(["score", "--data", str(SAMPLE), "--as-of", "04-26", "--format", "csv"]) == 0
    short = capsys.readouterr().out
    assert main(["score", "--data", str(SAMPLE), "--as-of", "2019-04-26", "--format", "csv"]) == 0
    assert short == capsys.readouterr().out
    assert main(["score", "--data", str(SAMPLE), "--as-of", "2019年4月26日"]) == 0
    assert "至 2019-04-26" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("known_at", "code", "words"),
    [("明天", 2, "known_at"), ("4/26 18:00", 0, ""), ("2019年4月26日", 0, "")],
)
def test_known_at_in_the_date_grammar(store, tmp_path, capsys, known_at, code, words):
    argv = ["report", "--data", str(store), "--as-of", "2019-04-26", "--known-at", known_at]
    if code:  # refused before any kernel: nothing is written
        assert main([*argv, "--out", str(tmp_path / "r")]) == code
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert not (tmp_path / "r").exists() or list((tmp_path / "r").iterdir()) == []
    else:
        from baiyi_lib.report.run import plan

        jobs = plan(data=str(store), as_of="2019-04-26", known_at=known_at)
        assert jobs[0].known_at.startswith("2019-04-26")


def test_out_must_be_a_folder_we_can_write(tmp_path, capsys):
    a_file = tmp_path / "周报.html"
    a_file.write_text("x", encoding="utf-8")
    args = ["report", "--data", str(SAMPLE), "--as-of", "2019-04-26"]
    assert main([*args, "--out", str(a_file)]) == 2
    assert "是一个文件" in capsys.readouterr().err
    assert main([*args, "--out", "/proc/self/baiyi-reports"]) == 2
    assert "无法在输出文件夹" in capsys.readouterr().err


def test_a_report_run_prints_only_baiyis_own_lines(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's code
    proc = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", "report", "--data", str(SAMPLE),
         "--as-of", "2019-04-26", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no [IPKernelApp] WARNING about TCP, no traceback
    assert [ln.split(":")[0] for ln in proc.stdout.splitlines()] == ["已生成", "目录"]
    assert (tmp_path / "2019-04-26" / "weekly_briefing.html").exists()
