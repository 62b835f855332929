"""Nothing is lost: an office register sent without a row (零报告, or a header alone)
never empties the store's register — however few rows that would take away — and says
why; ``--replace`` empties it on purpose.

Kinds: the warnings register, the bureau's roster (a register of no unit), the
incidents register; a store holding few rows (under the mass-deletion threshold) and the
whole sample's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import END, table_counts

from baiyi_lib.cli import main
from baiyi_lib.ledgers.schema import headers

LATER = END.replace(hour=20)
FILES = {"warnings": "预警信息.csv", "roster": "局领导接访值班表.csv", "incidents": "敏感事件.csv"}
FEW = {
    "warnings": ["W1,农水站,到市,否,2019-03-05 09:00,,,", "W2,工管站,来县,否,2019-03-06 09:00,,,"],
    "roster": ["2019-03-05,局长", "2019-03-06,分管副局长"],
}


def _send(folder: Path, kind: str, rows: list[str], zero_mark: bool) -> Path:
    folder.mkdir()
    head = ",".join(headers(kind))
    lines = (["零报告:是"] if zero_mark else []) + [head, *rows]
    (folder / FILES[kind]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _ingest(folder: Path, store: Path, *extra: str) -> int:
    return main(["ingest", str(folder), "--store", str(store), "--received", str(LATER), *extra])


@pytest.mark.parametrize("zero_mark", [True, False], ids=["零报告", "只有表头"])
@pytest.mark.parametrize("kind", ["warnings", "roster"])
def test_a_few_rows_are_not_emptied_by_an_empty_register(tmp_path, capsys, kind, zero_mark):
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(_send(tmp_path / "w1", kind, FEW[kind], False)),
                 "--store", str(store), "--received", str(END)]) == 0  # fmt: skip
    before = table_counts(store)
    assert _ingest(_send(tmp_path / "w2", kind, [], zero_mark), store) == 1
    out = capsys.readouterr().out
    if zero_mark:
        assert "没有数据行(零报告)" in out and "已有 2 行" in out and "--replace" in out
    else:  # a header alone, no zero mark: refused before the store is looked at
        assert "没有数据行,也没有注明零报告" in out
    assert table_counts(store) == before


@pytest.mark.parametrize("kind", ["warnings", "roster", "incidents"])
def test_the_sample_register_is_not_emptied_and_says_so_once(sample_store, tmp_path, capsys, kind):
    before = table_counts(sample_store)
    assert _ingest(_send(tmp_path / "w", kind, [], True), sample_store) == 1
    out = capsys.readouterr().out
    assert out.count("没有数据行(零报告)") == 1 and "少了" not in out
    assert "看不出是哪个单位" not in out
    assert table_counts(sample_store) == before


def test_replace_empties_it_on_purpose(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(_send(tmp_path / "w1", "warnings", FEW["warnings"], False)),
                 "--store", str(store), "--received", str(END)]) == 0  # fmt: skip
    assert _ingest(_send(tmp_path / "w2", "warnings", [], True), store, "--replace") == 0
    assert "删除 2" in capsys.readouterr().out
