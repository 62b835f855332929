"""A temp dir too long for a kernel's sockets (a Unix socket's path holds 107 bytes; a
TMPDIR deep in a home folder): the run goes to a short system temp dir, and the
briefing is made — not a kernel that cannot bind and a run that hangs or fails."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from baiyi_lib.errors import OutputNotWritable
from baiyi_lib.report import files

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


def _long(tmp_path: Path) -> Path:
    folder = tmp_path / ("很长的临时文件夹名" * 6) / ("x" * 40)
    folder.mkdir(parents=True)
    assert len(os.fsencode(folder)) > 107
    return folder


def test_a_run_folder_under_a_long_temp_dir_is_made_where_sockets_fit(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(_long(tmp_path)))
    with files.run_folder() as folder:
        assert len(os.fsencode(folder / "kernel-65535")) <= 107
        assert str(folder.parent) in files.SHORT_TEMP_DIRS


def test_a_short_temp_dir_is_used_as_it_is(tmp_path, monkeypatch):
    short = Path(tempfile.mkdtemp(prefix="by-", dir="/tmp"))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(short))
        with files.run_folder() as folder:
            assert folder.parent == short
    finally:
        short.rmdir()


def test_no_short_temp_dir_is_said_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(_long(tmp_path)))
    monkeypatch.setattr(files, "SHORT_TEMP_DIRS", (str(tmp_path / "无此文件夹"),))
    with pytest.raises(OutputNotWritable, match=r"路径太长.*TMPDIR"), files.run_folder():
        pass


def test_a_briefing_is_made_with_a_long_tmpdir(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(_long(tmp_path))}
    out = tmp_path / "报告"
    argv = [sys.executable, "-m", "baiyi_lib.cli", "report", "--data", str(SAMPLE),
            "--as-of", "2019-04-26", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "2019-04-26" / "weekly_briefing.html").stat().st_size > 100_000
    assert "Traceback" not in proc.stderr
