"""What was read but not charged is listed with its reason, in `explain` and in the export;
an office's charged visit says why it was charged (附件2 一(四) 末段).

Expected rows come from the visits register read with pandas (tests/truth.py).
"""

from __future__ import annotations

import re

import openpyxl
from truth import RULES, SAMPLE, day, happened, register

from baiyi_lib.cli import main

AS_OF = "2019-04-26"
OFFICES = {u.name for u in RULES.units.units if u.kind == "机关科室"}


def _explain(unit: str, capsys) -> str:
    assert main(["explain", unit, "--data", str(SAMPLE), "--as-of", AS_OF]) == 0
    return capsys.readouterr().out


def test_explain_lists_an_offices_visits_that_were_not_charged_with_the_reason(capsys):
    v = happened(day(AS_OF))
    quiet = v[v["unit"].isin(OFFICES) & ~v["internal"] & ~v["dissatisfied"]]
    assert len(quiet)  # the sample has such visits
    for unit, mine in quiet.groupby("unit"):
        out = _explain(unit, capsys)
        part = out.split("读入但未计分的本单位台账行")[1].split("合计")[0]
        lines = [x for x in part.splitlines() if "走访" in x and "机关科室" in x]
        assert len(lines) == len(mine), (unit, lines)
        for d in mine["day"]:
            assert any(line.strip().startswith(f"{d:%Y-%m-%d}") for line in lines), (unit, d)


def test_explain_says_why_an_offices_visit_was_charged(capsys):
    v = happened(day(AS_OF))
    charged = v[v["unit"].isin(OFFICES) & (v["internal"] | v["dissatisfied"])]
    assert len(charged)
    for unit, mine in charged.groupby("unit"):
        out = _explain(unit, capsys)
        rate_lines = [x for x in out.splitlines() if "机关科室的走访(" in x]
        assert len(rate_lines) == len(mine), unit
        for r, line in zip(mine.sort_values("day").itertuples(), rate_lines, strict=True):
            why = re.search(r"机关科室的走访[(\uff08](.+?)[)\uff09]", line)[1]
            assert ("内部人员" in why) == r.internal and ("不满初次办理" in why) == r.dissatisfied


def test_the_export_lists_every_row_read_but_not_charged(tmp_path, capsys):
    out = tmp_path / "导出.xlsx"
    assert main(["export", str(out), "--data", str(SAMPLE), "--as-of", AS_OF]) == 0
    ws = openpyxl.load_workbook(out)["未计分的行"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "日期")
    listed = [dict(zip(rows[head], r, strict=True)) for r in rows[head + 1 :] if any(r)]
    visits = [r for r in listed if r["台账"] == "走访"]
    reg = register()
    day_of = day(AS_OF)
    start = RULES.campaign.start
    outside = reg[(reg["day"] < start) | (reg["day"] > day_of)]
    offices = happened(day_of)
    offices = offices[
        offices["unit"].isin(OFFICES) & ~offices["internal"] & ~offices["dissatisfied"]
    ]
    assert len(visits) == len(outside) + len(offices)
    assert sum("机关科室" in r["未计分的原因"] for r in visits) == len(offices)
    assert all(r["未计分的原因"] and r["台账位置"] for r in listed)
