"""What the clerk sees is what is read: every entry below a ledger folder is read once or
listed as 未读取 with its reason. Links that lead out of the folder are never followed, a
pipe or a device is never opened, a linked folder is never entered (it could loop), and the
tool's own export saved beside the ledgers is recognised and listed, not read.

Anything that could hang (a pipe, /dev/zero) runs in a subprocess with a timeout, so a
regression fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from baiyi_lib import check_ledgers
from baiyi_lib.cli import main
from baiyi_lib.ledgers.schema import headers

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TIMEOUT = 60
VISIT_HEADER = ",".join(headers("visits"))

# entry → what its 未读取 reason must say
EXPECTED = {
    "zero.csv": "符号链接指向文件夹之外",
    "外部.csv": "符号链接指向文件夹之外",
    "外部文件夹": "符号链接指向文件夹之外",
    "失效.csv": "链接已失效",
    "pipe.csv": "不是普通文件",
    "子目录/回路": "链接到文件夹",
    "副本.csv": "链接到本文件夹中的文件 走访登记.csv",
}


def _visit(path: Path, visit_id: str) -> None:
    path.write_text(
        f"{VISIT_HEADER}\n{visit_id},2019-03-05,农水站,来县,个体,1,否,C{visit_id},否,否\n",
        encoding="utf-8",
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A ledger folder with one real ledger and every kind of entry that is not one."""
    outside = tmp_path / "外面"
    outside.mkdir()
    _visit(outside / "外部_走访.csv", "V9")  # a ledger the user never put in the folder
    folder = tmp_path / "台账"
    (folder / "子目录").mkdir(parents=True)
    _visit(folder / "走访登记.csv", "V1")
    os.symlink("/dev/zero", folder / "zero.csv")
    os.symlink(outside / "外部_走访.csv", folder / "外部.csv")
    os.symlink(outside, folder / "外部文件夹")
    os.symlink("不存在.csv", folder / "失效.csv")
    os.mkfifo(folder / "pipe.csv")
    os.symlink("..", folder / "子目录" / "回路")  # loops back to the folder itself
    os.symlink("走访登记.csv", folder / "副本.csv")
    return folder


def _run(code: str) -> subprocess.CompletedProcess:
    """Python code in a fresh interpreter; a hang fails the test after TIMEOUT seconds."""
    try:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung for {TIMEOUT} s (a pipe or a device was opened?)")


def _main(*argv: str) -> subprocess.CompletedProcess:
    """``baiyi_lib.cli.main(argv)`` in a subprocess with a timeout."""
    return _run(f"from baiyi_lib.cli import main; raise SystemExit(main({list(argv)!r}))")


def test_validate_lists_each_link_pipe_and_device_and_reads_the_ledger_once(hostile):
    proc = _main("validate", str(hostile))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert "合计:读入 1 行 = 采用 1 行 + 拒收 0 行" in out  # not V9, not 副本.csv again
    remarks = [line for line in out.splitlines() if "[提示]" in line and "未读取" in line]
    assert len(remarks) == len(EXPECTED)
    for name, reason in EXPECTED.items():
        assert any(f"文件 {name}:" in r and reason in r for r in remarks), (name, remarks)
    assert "/dev/zero" in out and "Traceback" not in proc.stderr


def test_load_ledgers_accounts_for_each_entry(hostile):
    code = (
        "import json; from baiyi_lib import load_ledgers;"
        f"led = load_ledgers({str(hostile)!r});"
        "print(json.dumps({'visits': led.visits['visit_id'].tolist(),"
        " 'files': led.files['file'].tolist(),"
        " 'unread': led.accounting[led.accounting['kind'] == '未读取']"
        "[['file', 'note']].values.tolist()}, ensure_ascii=False))"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert got["visits"] == ["V1"] and got["files"] == ["走访登记.csv"]
    unread = dict(got["unread"])
    assert sorted(unread) == sorted(EXPECTED)
    for name, reason in EXPECTED.items():
        assert reason in unread[name], (name, unread[name])
    assert "/dev/zero" in unread["zero.csv"]


def test_ingest_lists_each_entry_and_stores_only_the_ledger(hostile, tmp_path):
    store = tmp_path / "s.duckdb"
    proc = _main("ingest", str(hostile), "--store", str(store))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    unread = {
        line.split(" ", 1)[1].split(":", 1)[0]: line for line in lines if line.startswith("未读取 ")
    }
    assert sorted(unread) == sorted(EXPECTED)
    for name, reason in EXPECTED.items():
        assert reason in unread[name], (name, unread[name])
    assert [line for line in lines if line.startswith("载入 ")] == [
        "载入 走访登记.csv(第 1 次报送):走访登记 新增 1、变更 0、未变 0"
    ]
    assert f"1 个文件已处理,{len(EXPECTED)} 个未读取" in lines[-1]


@pytest.mark.parametrize("what", ["pipe", "device"])
@pytest.mark.parametrize("command", ["validate", "ingest"])
def test_a_pipe_or_device_named_on_the_command_line_is_refused_unopened(tmp_path, what, command):
    path = tmp_path / "走访.csv"
    if what == "pipe":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero", path)
    extra = ["--store", str(tmp_path / "s.duckdb")] if command == "ingest" else []
    proc = _main(command, str(path), *extra)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "不是普通文件" in proc.stderr and str(path) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_file_named_for_ingest_is_a_parameter_mistake(tmp_path, capsys):
    """As for validate: a path that does not exist is exit 2, not a traceback."""
    assert main(["ingest", str(tmp_path / "没有.csv"), "--store", str(tmp_path / "s.db")]) == 2
    assert "找不到台账" in capsys.readouterr().err


def test_a_subfolder_that_cannot_be_opened_is_listed(tmp_path, monkeypatch):
    """(Tests run as root, who may open anything: the refusal is simulated.)"""
    _visit(tmp_path / "走访登记.csv", "V1")
    (tmp_path / "锁住的").mkdir()
    real = os.scandir

    def scandir(path):
        if Path(path).name == "锁住的":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    acc = check_ledgers(tmp_path).accounting.set_index("file")
    assert acc.at["走访登记.csv", "rows_used"] == 1
    assert acc.at["锁住的", "kind"] == "未读取" and "无法打开" in acc.at["锁住的", "note"]


# --------------------------------------------------------------- the tool's own outputs


@pytest.fixture
def ledgers(tmp_path: Path) -> Path:
    folder = tmp_path / "台账"
    shutil.copytree(SAMPLE, folder)
    return folder


def _unread(folder: Path) -> dict[str, str]:
    acc = check_ledgers(folder).accounting
    return dict(acc.loc[acc["kind"] == "未读取", ["file", "note"]].values.tolist())


def test_an_export_saved_in_the_ledger_folder_is_listed_not_read(ledgers, tmp_path, capsys):
    assert main(["export", str(ledgers / "得分.xlsx"), "--data", str(ledgers)]) == 0
    capsys.readouterr()
    assert main(["validate", str(ledgers)]) == 0
    out = capsys.readouterr().out
    assert "文件 得分.xlsx:未读取:本工具导出的得分表,不是台账" in out
    assert main(["score", "--data", str(ledgers)]) == 0
    assert main(["ingest", str(ledgers), "--store", str(tmp_path / "s.duckdb")]) == 0
    assert "未读取 得分.xlsx:本工具导出的得分表,不是台账" in capsys.readouterr().out


def test_an_export_that_lost_its_mark_is_known_by_its_sheets(ledgers, tmp_path, capsys):
    """Saved again by a program that drops the document properties, or the problem-only
    export of ledgers with errors (no 需要关注 sheet): the sheet names still tell."""
    assert main(["export", str(ledgers / "得分.xlsx"), "--data", str(ledgers)]) == 0
    wb = openpyxl.load_workbook(ledgers / "得分.xlsx")
    wb.properties.keywords = wb.properties.subject = None
    wb.save(ledgers / "得分.xlsx")
    broken = ROOT / "tests" / "ledgers" / "fixtures" / "broken"
    assert main(["export", str(ledgers / "问题.xlsx"), "--data", str(broken)]) == 1
    wb = openpyxl.load_workbook(ledgers / "问题.xlsx")
    assert "需要关注" not in wb.sheetnames
    wb.properties.keywords = wb.properties.subject = None
    wb.save(ledgers / "问题.xlsx")
    capsys.readouterr()
    unread = _unread(ledgers)
    assert unread["得分.xlsx"] == unread["问题.xlsx"] == "本工具导出的得分表,不是台账"


def test_templates_in_the_ledger_folder_are_still_read(ledgers, capsys):
    """A template is what the units fill: it is read (and its empty sheets reported)."""
    assert main(["template", str(ledgers / "模板")]) == 0
    checked = check_ledgers(ledgers)
    written = sorted(p.name for p in (ledgers / "模板").iterdir())
    assert written and not any(f.startswith("模板") for f in _unread(ledgers))
    assert {f"模板/{n}" for n in written} <= set(checked.files["file"])
