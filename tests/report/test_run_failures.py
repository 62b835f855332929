"""Report runs under failure: a disk that says no, a damaged manifest, a failed re-run
beside a good report, a run killed mid-way. None ends in a traceback, none loses a good
report, and what a killed run leaves behind is cleaned by the next one."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import fill, tmpfs

from baiyi_lib.cli import main
from baiyi_lib.errors import OutputNotWritable
from baiyi_lib.report.files import atomic_write

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2019-04-26"

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
