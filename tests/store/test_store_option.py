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


def test_a_store_refused_under_other_rules_says_the_store_is_as_it_was(
    sample_store, tmp_path, capsys
):
    """Stored rows checked again under rules that refuse them (here a head-count limit of
    1): nothing is scored, and the message speaks of the store, not of files to correct
    and load again."""
    import shutil

    from baiyi_lib.params import default_params_dir

    params = tmp_path / "params"
    shutil.copytree(default_params_dir(), params)
    limits = params / "limits.yaml"
    limits.write_text(
        limits.read_text(encoding="utf-8").replace("  value: 500", "  value: 1", 1),
        encoding="utf-8",
    )
    before = sample_store.read_bytes()
    code = main(["score", "--store", str(sample_store), "--rules", str(params), "--as-of", "4-26"])
    err = capsys.readouterr().err
    assert code != 0
    assert "台账库中的台账按现在的参数检查" in err and "台账库未作改动" in err
    assert "未载入任何数据" not in err and "LedgerError" not in err
    assert sample_store.read_bytes() == before
