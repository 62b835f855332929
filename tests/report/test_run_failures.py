"""Report runs under failure: a disk that says no, a damaged manifest, a failed re-run
beside a good report, a run killed mid-way. None ends in a traceback, none loses a good
report, and what a killed run leaves behind is cleaned by the next one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import fill, tmpfs

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
    assert "LedgerError" in capsys.readouterr().err
    manifest = json.loads((out / AS_OF / "manifest.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in manifest] == ["ok", "failed"]
    rows = _rows(out)
    assert len(rows) == 2
    assert 'href="2019-04-26/weekly_briefing.html"' in rows[0] and "成功" in rows[0]
    assert "失败" in rows[1] and "LedgerError" in rows[1] and "href" not in rows[1]
    # a good run again: the failure is behind it
    assert main([*argv, "--data", str(SAMPLE)]) == 0
    rows = _rows(out)
    assert len(rows) == 1 and "成功" in rows[0] and "失败" not in rows[0]
