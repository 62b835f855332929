"""The clerk's commands name the store with --store (ingest, history, withdraw, purge):
the commands that read ledgers (score, explain, compare, export, report) take it too, as
the same as --data STORE."""

from __future__ import annotations

import pytest

from baiyi_lib.cli import main


@pytest.mark.parametrize(
    "command", [["score"], ["explain", "农水站"], ["compare", "--set", "doubling=stack"]]
)
def test_store_is_data_for_the_reading_commands(sample_store_file, capsys, command):
    args = [*command, "--as-of", "2019-04-26"]
    assert main([*args, "--data", str(sample_store_file)]) == 0
    by_data = capsys.readouterr().out
    assert main([*args, "--store", str(sample_store_file)]) == 0
    assert capsys.readouterr().out == by_data


def test_export_takes_the_store_too(sample_store_file, tmp_path, capsys):
    out = tmp_path / "得分.xlsx"
    assert main(["export", str(out), "--store", str(sample_store_file), "--as-of", "4-26"]) == 0
    assert out.exists()
