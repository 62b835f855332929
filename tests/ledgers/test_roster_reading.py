"""The bureau's 局领导接访值班表 as offices write it: other spellings of its headers, a day
written twice, and a refused roster that is nobody's unit's return."""

from __future__ import annotations

from pathlib import Path

import pytest

from baiyi_lib import load_ledgers
from baiyi_lib.cli import main


def _roster(tmp_path: Path, head: tuple[str, str], rows: list[tuple[str, str]]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [",".join(head), *(",".join(r) for r in rows)]
    (folder / "局领导接访值班表.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "post_header", ["接访领导", "值班领导", "接访局领导", "值班局领导", "局领导", "领导职务"]
)
def test_the_posts_column_under_its_usual_spellings(tmp_path, post_header):
    led = load_ledgers(_roster(tmp_path, ("日期", post_header), [("2019-03-05", "局长")]))
    assert led.roster["lead_post"].tolist() == ["局长"]


def test_a_day_written_twice_is_one_day_and_said(tmp_path):
    rows = [("2019-03-05", "局长"), ("2019-03-06", "副局长"), ("2019-03-05", "局长")]
    led = load_ledgers(_roster(tmp_path, ("日期", "接访领导"), rows))
    assert len(led.roster) == 2
    said = led.problems[led.problems["check"] == "rows.merged"]
    assert said[["row", "column", "severity"]].values.tolist() == [[4, "日期", "提示"]]
    assert "第 2 行完全相同" in said["problem"].item()


def test_a_refused_roster_is_not_called_an_unknown_units_return(tmp_path, capsys):
    folder = _roster(tmp_path, ("日期", "接访领导"), [("2019-02-30", "局长")])
    assert main(["ingest", str(folder), "--store", str(tmp_path / "s.duckdb")]) == 1
    out = capsys.readouterr().out
    assert "拒收 局领导接访值班表.csv" in out
    assert "看不出是哪个单位" not in out
