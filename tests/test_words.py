"""The export and the terminal speak the leaders' words: no rule id, reading identifier,
path or command in what the clerk prints (tests/support.py ``identifiers``)."""

from __future__ import annotations

import openpyxl
from support import identifiers
from truth import SAMPLE

from baiyi_lib.cli import main


def test_no_export_sheet_shows_code(tmp_path, capsys):
    out = tmp_path / "导出.xlsx"
    argv = ["export", str(out), "--data", str(SAMPLE), "--as-of", "2019-04-26"]
    assert main([*argv, "--set", "doubling=stack"]) == 0
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        cells = [str(c) for r in ws.iter_rows(values_only=True) for c in r if c is not None]
        header = [ws.oddHeader.center.text or "", ws.oddFooter.center.text or ""]
        assert identifiers("\n".join(cells + header)) == [], ws.title


def test_explain_speaks_in_words(capsys):
    argv = ["explain", "移民办", "--data", str(SAMPLE), "--as-of", "2019-04-26"]
    assert main([*argv, "--set", "doubling=stack"]) == 0
    out = capsys.readouterr().out
    # the unit's code (ymb) names its files and may show; nothing else in code
    assert [w for w in identifiers(out) if w != "ymb"] == []
