"""The baiyi command: Chinese messages, exit codes, and the same numbers as the library."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

from truth import scores

from baiyi_lib import load_ledgers, score
from baiyi_lib.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
BROKEN = ROOT / "tests" / "ledgers" / "fixtures" / "broken"


def test_score_prints_the_ranked_table(capsys):
    assert main(["score", "--data", str(SAMPLE), "--as-of", "2019-04-26"]) == 0
    out = capsys.readouterr().out
    top = score(load_ledgers(SAMPLE), as_of="2019-04-26").scores.iloc[0]
    assert "得分排名" in out and "2019-04-26" in out
    assert top["unit"] in out.splitlines()[3]
    assert "口径" in out and "首起案件计分方式:代替一般标准" in out and "first_case" not in out


def test_score_csv_and_overrides(capsys):
    """--set doubling=stack gives every unit the score worked out from the sample under
    that reading (which changes some scores, so a --set ignored would show)."""
    as_of = dt.date(2019, 5, 31)
    truth = scores(as_of, doubling="stack")
    assert (truth["score"] != scores(as_of)["score"]).any()
    argv = ["score", "--data", str(SAMPLE), "--as-of", str(as_of), "--format", "csv"]
    assert main([*argv, "--set", "doubling=stack"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    shown = {
        r["单位"]: (int(r["排名"]), int(r["扣分"]), int(r["加分"]), int(r["得分"]), r["一票否决"])
        for r in rows
    }
    assert len(rows) == len(shown) == 25
    assert shown == {
        t.Index: (t.rank, t.deductions, t.bonuses, t.score, str(t.veto)) for t in truth.itertuples()
    }


def test_non_default_interpretation_is_highlighted(capsys):
    main(["score", "--data", str(SAMPLE), "--set", "doubling=stack"])
    assert "非默认" in capsys.readouterr().out


def test_bad_parameters_exit_2_with_a_chinese_message(capsys):
    assert main(["score", "--data", str(SAMPLE), "--set", "doubling=twice"]) == 2
    assert "once / stack" in capsys.readouterr().err
    assert main(["score", "--data", str(SAMPLE), "--set", "nonsense"]) == 2
    assert "名称=值" in capsys.readouterr().err
    assert main(["score", "--data", str(SAMPLE), "--as-of", "2019-13-01"]) == 2
    assert "截止日期" in capsys.readouterr().err
    assert main(["explain", "火星站", "--data", str(SAMPLE)]) == 2
    assert "未知单位" in capsys.readouterr().err


def test_validate_exits_1_and_lists_every_problem(capsys):
    assert main(["validate", str(BROKEN)]) == 1
    out = capsys.readouterr().out
    assert "bad_date_走访.csv" in out and "unknown_kind.csv" in out
    assert "拒收" in out


def test_validate_clean_sample_exits_0(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "未发现错误" in out
    assert "[错误]" not in out and "[提示]" in out  # visits dated outside the campaign


def test_score_on_broken_ledgers_exits_1(capsys):
    assert main(["score", "--data", str(BROKEN / "bad_date_走访.csv")]) == 1
    assert "第 4 行" in capsys.readouterr().err


def test_explain_and_rules(capsys):
    assert main(["explain", "安监办", "--data", str(SAMPLE)]) == 0
    assert "安全生产管理办公室" in capsys.readouterr().out
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "backlog.10y" in out and "原文有歧义" in out


def test_installed_entry_point_runs():
    exe = Path(sys.executable).parent / "baiyi"
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "baiyi" in proc.stdout


def test_a_data_path_that_does_not_exist_exits_2_in_every_command(capsys, tmp_path):
    """Before, `score --data /nope` exited 1 (ledger errors) while `report --data /nope`
    exited 2: a path that is not there is a parameter mistake in every command."""
    nope = str(tmp_path / "nope")
    for argv in (
        ["score", "--data", nope],
        ["explain", "农水站", "--data", nope],
        ["compare", "--data", nope, "--set", "doubling=stack"],
        ["validate", nope],
        ["export", str(tmp_path / "x.xlsx"), "--data", nope],
        ["report", "--data", nope, "--out", str(tmp_path / "r")],
        ["score", "--data", str(tmp_path / "nope.duckdb")],
    ):
        assert main(argv) == 2, argv
        assert "找不到台账" in capsys.readouterr().err, argv
    assert not (tmp_path / "x.xlsx").exists()


def test_every_commands_help_is_in_chinese():
    """The help the clerk reads: no argparse boilerplate in English (usage:, positional
    arguments, options, show this help message…), for the program and every command."""
    from baiyi_lib.cli.parser import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    english = ("usage:", "positional arguments", "options:", "show this help", "show program")
    for name, sub in [("baiyi", parser), *commands.items()]:
        text = sub.format_help()
        assert text.startswith("用法:") and "显示本帮助后退出" in text, name
        assert not any(words in text for words in english), (name, text)
    proc = subprocess.run([sys.executable, "-m", "baiyi_lib.cli", "--help"], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("用法:baiyi")


def test_every_command_reading_ledgers_takes_known_at(capsys, tmp_path):
    """Before, `report` took --known-at and `score`, `explain`, `compare`, `export` did
    not: the ranking the office read at a past moment could not be printed again. Every
    command that reads --data reproduces the store as known at a moment, and refuses the
    option for files (which have no history) in its own words."""
    from baiyi_lib.store import ingest

    store = tmp_path / "baiyi.duckdb"
    first = dt.datetime(2019, 6, 3, 18, 0)
    ingest([SAMPLE / "units"], store, received=first)  # the units' returns first
    ingest([SAMPLE / "走访登记.csv"], store, received=first + dt.timedelta(hours=2))
    then = score(load_ledgers(store, known_at=first), as_of="2019-05-31").scores
    now = score(load_ledgers(store), as_of="2019-05-31").scores
    assert not then["score"].equals(now["score"])  # the visits register changes scores
    at = ["--as-of", "2019-05-31", "--known-at", "2019-06-03 18:00"]
    assert main(["score", "--data", str(store), *at, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["单位"]: int(r["得分"]) for r in rows} == dict(
        zip(then["unit"], then["score"], strict=True)
    )
    assert main(["score", "--data", str(store), *at]) == 0
    assert "按 2019-06-03 18:00 已知的数据" in capsys.readouterr().out
    unit = str(then.sort_values("score")["unit"].iloc[0])
    assert main(["explain", unit, "--data", str(store), *at]) == 0
    said = capsys.readouterr().out
    assert main(["explain", unit, "--data", str(store), "--as-of", "2019-05-31"]) == 0
    assert said != capsys.readouterr().out
    assert main(["compare", "--data", str(store), *at, "--set", "doubling=stack"]) == 0
    assert main(["export", str(tmp_path / "x.xlsx"), "--data", str(store), *at]) == 0
    capsys.readouterr()
    for argv in (
        ["score", "--data", str(SAMPLE)],
        ["explain", "农水站", "--data", str(SAMPLE)],
        ["compare", "--data", str(SAMPLE), "--set", "doubling=stack"],
        ["export", str(tmp_path / "y.xlsx"), "--data", str(SAMPLE)],
    ):
        assert main([*argv, "--known-at", "2019-04-26"]) == 2, argv
        assert "--known-at 只适用于台账库" in capsys.readouterr().err, argv
    assert not (tmp_path / "y.xlsx").exists()


def test_validate_csv_writes_only_the_problem_table_to_standard_output(tmp_path, capsys):
    """`baiyi validate … --format csv > 问题.csv` gives a file Excel opens: the problem
    table under Chinese headers, one row a problem; the summary goes to the terminal."""
    assert main(["validate", str(BROKEN), "--format", "csv"]) == 1
    out, err = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out)))
    headers = ["台账", "文件", "工作表", "行", "列", "值", "问题", "应为", "级别", "检查编号"]
    assert rows[0] == headers
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    assert "台账检查" in err and "合计" in err and "台账检查" not in out
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "走访.csv").write_text(
        "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员\n"
        "V1,2019-03-05,农水站,来县,个体,1,否,C1,否,否\n",
        encoding="utf-8",
    )
    main(["validate", str(clean), "--format", "csv"])
    out, err = capsys.readouterr()
    assert next(csv.reader(io.StringIO(out)))[0] == "台账"  # the header row even so
    assert "未发现错误" in err or "提示" in err


def test_sigterm_stops_a_report_like_ctrl_c(tmp_path):
    """A service stopping the weekly run (SIGTERM) gets what Ctrl-C gets: one Chinese
    line, exit 143, no kernel or worker left running, no traceback."""
    import os
    import signal
    import time

    cmd = [sys.executable, "-c", "import sys; from baiyi_lib.cli import main; "
           "sys.exit(main(sys.argv[1:]))", "report", "--data", str(SAMPLE), "--as-of",
           "2019-05-31", "--all-units", "--jobs", "2", "--out", str(tmp_path / "out")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert "已中断" in err and "Traceback" not in err
    time.sleep(2)  # a kernel left without its lane ends itself within a second
    left = subprocess.run(["ps", "-eo", "ppid,args"], capture_output=True, text=True).stdout
    mine = [ln for ln in left.splitlines() if str(tmp_path) in ln or f"{proc.pid} " in ln]
    assert not mine, mine
    assert os.path.isdir(tmp_path / "out")
