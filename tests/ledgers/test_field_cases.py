"""Ledgers as offices really send them: the six field cases of the issue (copied into
fixtures/field) and ten situations from public bug reports (fixtures/realworld, each
with its sources in its README). Each is read as a person sees it, or refused naming the
cell; the right values are the ones the cases give (field) or what a clean copy of the same
register scores (realworld/<case>/control)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from baiyi_lib import LedgerError, check_ledgers, load_ledgers, load_rules, score
from baiyi_lib.cli import main

FIELD = Path(__file__).parent / "fixtures" / "field"
REAL = Path(__file__).parent / "fixtures" / "realworld"
AS_OF = "2019-04-26"


def _score(source, **readings) -> dict[str, int]:
    result = score(
        load_ledgers(source, load_rules(**readings)), load_rules(**readings), as_of=AS_OF
    )
    return dict(zip(result.scores["unit"], result.scores["score"], strict=True))


def _refused(source) -> set[str]:
    with pytest.raises(LedgerError) as err:
        load_ledgers(source)
    errors = err.value.problems
    return set(errors.loc[errors["severity"] == "错误", "check"])


# --------------------------------------------------------------------------- field cases


def test_a_hidden_old_copy_of_a_sheet_is_not_read_and_is_listed():
    led = load_ledgers(FIELD / "hidden-sheet")
    assert _score(FIELD / "hidden-sheet")["河道管理办公室"] == 980
    listed = led.not_read()
    assert listed["reason"].str.contains("隐藏的工作表").any()
    assert any("隐藏的工作表" in line for line in led.reading_lines())


def test_a_formula_never_calculated_is_refused_naming_the_cell(capsys):
    assert _refused(FIELD / "formula-no-cache") == {"cell.formula"}
    assert main(["score", "--data", str(FIELD / "formula-no-cache"), "--as-of", AS_OF]) == 1
    err = capsys.readouterr().err
    assert "H2" in err and "公式未计算" in err and "Excel/WPS 打开并保存" in err


def test_none_written_as_people_write_it_is_a_blank_case_id():
    led = load_ledgers(FIELD / "placeholder-case-ids")
    assert led.visits["case_id"].isna().sum() == 3  # 无, / and — are no case id
    assert "无" not in set(led.visits["case_id"].dropna())
    assert _score(FIELD / "placeholder-case-ids", missing_case_id="ignore")["河道管理办公室"] == 960
    result = score(led, as_of=AS_OF)
    assert len(result.quality) == 3  # each is a visit without a case id in data quality


def test_excels_unicode_text_export_is_read():
    scores = _score(FIELD / "unicode-text-txt")
    assert (scores["河道管理办公室"], scores["农水站"]) == (960, 820)


def test_a_zip_made_on_chinese_windows_is_read_and_its_names_decoded(tmp_path, capsys):
    zipped = FIELD / "gbk-zip-names" / "周五报送.zip"
    assert _score(zipped)["河道管理办公室"] == 970
    out = tmp_path / "unzipped"  # unzipped on Linux: the names keep their GBK bytes
    out.mkdir()
    subprocess.run(["unzip", "-q", str(zipped), "-d", str(out)], check=False)
    if not any(out.iterdir()):
        pytest.skip("unzip not installed")
    assert _score(out)["河道管理办公室"] == 970
    assert main(["score", "--data", str(out), "--as-of", AS_OF]) == 0
    assert "河道管理办公室" in capsys.readouterr().out
    store = tmp_path / "s.duckdb"
    for source in (out, zipped):
        code = main(
            ["ingest", str(source), "--store", str(store), "--received", "2019-04-26 18:00"]
        )
        err = capsys.readouterr().err
        assert code == 0 and "已损坏" not in err and "Traceback" not in err
    assert main(["validate", str(zipped)]) == 0
    assert "周五报送.zip/hdb_河道管理办公室.xlsx" in capsys.readouterr().out


def test_a_template_with_serial_numbers_filled_in_reads_only_its_rows():
    led = load_ledgers(FIELD / "serial-number-rows")
    assert _score(FIELD / "serial-number-rows")["河道管理办公室"] == 990
    note = led.accounting.loc[led.accounting["file"] == "hdb_河道管理办公室.xlsx", "note"]
    assert note.str.contains("只有序号的空行").any()


# --------------------------------------------------------------------------- real world

# case/folder → what a person should get: "control" (the scores of the clean copy), or
# the declared check that refuses it, naming the cell
REALWORLD = {
    "csv-equals-quoted/data": "control",
    "csv-equals-quoted/data-all": "control",
    "error-cells/data": "cell.error_value",
    "error-cells/data-required": "cell.error_value",
    "float-noise/data": "control",
    "html-as-xls/data": "file.refused",
    "html-as-xls/data-tsv": "control",
    "invisible-chars/data": "control",
    "invisible-chars/data-cells": "control",
    "invisible-chars/data-header": "control",
    "long-digit-ids/data": "cell.long_number",
    "long-digit-ids/data-eighteen": "cell.long_number",
    "numfmt-ids/data": "control",
    "spreadsheetml-2003-as-xls/data": "file.refused",
    "stale-formula-cache/data": "cell.formula",
    "stale-formula-cache/data-lookup": "cell.formula",
    "hidden-rows/data-filter": "control",
}


@pytest.mark.parametrize("folder", sorted(REALWORLD))
def test_files_from_public_bug_reports_are_read_as_seen_or_refused(folder):
    path = REAL / folder
    want = REALWORLD[folder]
    if want == "control":
        control = _score(path.parent / "control")
        assert _score(path) == control
    else:
        assert want in _refused(path)


def test_a_hidden_row_is_read_and_said_before_any_score(capsys):
    """The issue's reading: rows hidden in a visible sheet are data (a filter hides rows
    that still count), and the clerk is told, before the scores, that they were read."""
    path = REAL / "hidden-rows" / "data"
    led = load_ledgers(path)
    assert "ZF2019030003" in set(led.visits["visit_id"])
    assert main(["score", "--data", str(path), "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert out.index("隐藏行") < out.index("代码")  # the ranking's header


def test_the_html_refusal_says_what_the_file_is(capsys):
    assert main(["validate", str(REAL / "html-as-xls" / "data")]) == 1
    out = capsys.readouterr().out
    assert "网页(HTML)表格" in out and "另存为 .xlsx" in out and "已损坏" not in out


def test_field_cases_need_nothing_outside_the_project(tmp_path):
    copy = tmp_path / "field"
    shutil.copytree(FIELD, copy)
    assert check_ledgers(copy / "hidden-sheet").ok
