"""`baiyi report` and the other commands refuse bad parameters before any kernel starts:
exit 2, a Chinese message, nothing written. A good run prints only baiyi's own lines."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import html_text
from truth import happened

from baiyi_lib.cli import main
from baiyi_lib.store import ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def store(tmp_path_factory, sent) -> Path:
    """The returns as sent by 04-19, received that afternoon, and those sent by 04-26,
    received late that Friday, at 18:30."""
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    ingest([sent(dt.date(2019, 4, 19))], path, received=dt.datetime(2019, 4, 19, 17, 0))
    ingest([sent(dt.date(2019, 4, 26))], path, received=dt.datetime(2019, 4, 26, 18, 30))
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
    ("known_at", "sent_on"),
    [
        ("4/26 18:00", "2019-04-19"),
        ("4-26 18时30分", "2019-04-26"),
        ("2019年4月26日", "2019-04-26"),
    ],
)
def test_known_at_in_the_date_grammar(store, tmp_path, known_at, sent_on):
    """--known-at is read with its time: at 18:00 the returns received at 18:30 are not
    known yet, the briefing counts the visits of those sent on 04-19; from 18:30 (and on
    the bare date, which is the end of the day) it counts those sent on 04-26."""
    out = tmp_path / "r"
    argv = ["report", "--data", str(store), "--as-of", "2019-04-26", "--out", str(out)]
    assert main([*argv, "--known-at", known_at]) == 0
    page = (out / "2019-04-26" / "weekly_briefing.html").read_text(encoding="utf-8")
    sent = happened(dt.date.fromisoformat(sent_on))  # the visits those returns hold
    assert f"行动以来累计 {sent['persons'].sum()} 人次" in html_text(page)


def test_an_unreadable_known_at_is_refused_before_any_kernel(store, tmp_path, capsys):
    out = tmp_path / "r"
    argv = ["report", "--data", str(store), "--as-of", "2019-04-26", "--out", str(out)]
    assert main([*argv, "--known-at", "明天"]) == 2
    err = capsys.readouterr().err
    assert "known_at" in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []  # nothing is written


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


# --------------------------------------------------------------------------- the settings file


def _settings(tmp_path: Path, text: str | bytes) -> Path:
    f = tmp_path / "参数.yaml"
    if isinstance(text, str):
        f.write_text(text, encoding="utf-8")
    else:
        f.write_bytes(text)
    return f


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("as_of: 2019-04-26\nrules: [1, 2]\n", ["rules", "映射"], id="rules-a-list"),
        pytest.param(
            "as_of: 2019-04-26\nrules:\n  doubling: [once]\n",
            ["rules", "doubling"],
            id="rules-value-a-list",
        ),
        pytest.param(
            "as_of: 2019-04-26\ntitle: 123\n", ["title", "文字", "123"], id="title-a-number"
        ),
        pytest.param("as_of: 2019-04-26\nunits: 农水站\n", ["units", "列表"], id="units-a-string"),
        pytest.param(
            "as_of: 2019-04-26\nunits: [农水站, [安监办]]\n", ["units", "列表"], id="units-nested"
        ),
        pytest.param("as_of: 2019-04-26\nunit: [农水站]\n", ["unit", "文字"], id="unit-a-list"),
        pytest.param("as_of: 2019-04-26\npdf: 是\n", ["pdf", "“true”或“false”"], id="pdf-a-word"),
        pytest.param(
            "as_of: 2019-04-26\nall_units: 1\n",
            ["all_units", "“true”或“false”"],
            id="all_units-a-number",
        ),
        pytest.param(
            "as_of: 2019-04-26\nsensitivity: [true]\n",
            ["sensitivity", "“true”或“false”"],
            id="sensitivity-a-list",
        ),
        pytest.param("as_of: [2019-04-26]\n", ["as_of", "日期"], id="as_of-a-list"),
        pytest.param(
            "as_of: 2019-04-26\nknown_at: {day: 1}\n", ["known_at", "日期"], id="known_at-a-mapping"
        ),
        pytest.param("as_of: 2019-04-26\ndata: 5\n", ["data", "文字"], id="data-a-number"),
        pytest.param(
            "as_of: 2019-04-26\nnotebook: true\n", ["notebook", "文字"], id="notebook-a-flag"
        ),
        pytest.param("as_of: 2019-04-26\ntitle: &t 周报\nnotebook: *t\n", ["别名"], id="an-alias"),
        pytest.param("as_of: 2019-04-26\n<<: {title: 周报}\n", ["<<"], id="a-merge-key"),
        pytest.param("title: " + "[" * 5000 + "]" * 5000 + "\n", ["嵌套"], id="nested-too-deep"),
        pytest.param(
            "title: !!python/object/apply:os.system [ls]\n", ["无法读取"], id="a-python-tag"
        ),
        pytest.param("a: 1\n---\nb: 2\n", ["无法读取"], id="two-documents"),
        pytest.param("title: 周报\n".encode("utf-16"), ["编码"], id="utf-16"),
    ],
)
def test_a_settings_file_of_the_wrong_shape_is_refused_before_any_kernel(
    tmp_path, capsys, text, words
):
    f = _settings(tmp_path, text)
    assert main(["report", "-f", str(f), "--data", str(SAMPLE), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(f) in err, err
    assert all(w in err for w in words), err
    assert not (tmp_path / "r").exists() or list((tmp_path / "r").iterdir()) == []


def test_a_settings_file_in_the_offices_encoding_is_read(tmp_path):
    from baiyi_lib.report.settings import report_settings

    f = _settings(tmp_path, "title: 农水站周报\nunits: [农水站]\n".encode("gb18030"))
    s = report_settings(f, default_data=str(SAMPLE))
    assert s["title"] == "农水站周报" and s["units"] == ["农水站"]


def test_a_settings_file_too_large_to_be_settings_is_refused(tmp_path, capsys):
    f = _settings(tmp_path, "# " + "注" * 40_000 + "\ntitle: 周报\n")
    assert main(["report", "-f", str(f), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert str(f) in err and "KB" in err and "Traceback" not in err, err


# Every key is a known one (an unknown key was already refused, after the file was read):
# the title holds the anchors, as_of expands to 3 × 9**8 strings when anything reads it.
BILLION_LAUGHS = "\n".join(
    [
        "title:",
        '  - &a ["lol", "lol", "lol"]',
        *(
            f"  - &{k} [{', '.join(['*' + p] * 9)}]"
            for p, k in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "as_of: *i",
    ]
)


def test_a_yaml_alias_bomb_is_refused_at_once_and_starts_no_kernel(tmp_path):
    f = _settings(tmp_path, BILLION_LAUGHS)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    argv = [sys.executable, "-m", "baiyi_lib.cli", "report", "-f", str(f)]
    argv += ["--data", str(SAMPLE), "--as-of", "2019-04-26", "--out", str(tmp_path / "r")]
    try:  # a hang guard, not a timing: a bomb expanded would take minutes and gigabytes
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the alias bomb was not refused within 120 s")
    assert proc.returncode == 2, proc.stderr
    assert "别名" in proc.stderr and str(f) in proc.stderr and "Traceback" not in proc.stderr
    assert not list(temp.glob("baiyi-kernel-*")) and not (tmp_path / "r").exists()
