"""The shipped sample: synthetic, reproducible, loads cleanly, every score explainable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baiyi_lib import load_ledgers, load_rules, score
from baiyi_lib.sample import generate, write_sample

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def result():
    return score(load_ledgers(SAMPLE))


def test_regenerating_reproduces_the_shipped_sample_exactly(tmp_path):
    write_sample(tmp_path)
    shipped = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    again = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert shipped == again
    for rel in shipped:
        assert (SAMPLE / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_sample_is_marked_synthetic():
    assert "合成数据" in (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "合成数据" in (SAMPLE / "走访登记.csv").read_bytes().decode("gb18030").splitlines()[0]


def test_sample_loads_without_problems_and_covers_every_unit():
    led = load_ledgers(SAMPLE)
    acc = led.accounting
    assert acc["rows_refused"].sum() == 0 and acc["rows_read"].sum() == acc["rows_used"].sum()
    units = load_rules().units.units
    assert {f"units/{u.id}_{u.name}.xlsx" for u in units} <= set(led.files["file"])


def test_sample_is_plausible(result):
    led = load_ledgers(SAMPLE)
    by_level = led.visits["level"].value_counts()
    assert by_level["来县"] > by_level["到市"] > by_level["去省"] >= by_level["进京"] >= 1
    assert (led.visits["form"] == "集体").any() and len(led.incidents) >= 1
    ages = (led.backlog["resolved_on"] - led.backlog["first_petition_on"]).dt.days.dropna() / 365
    assert ages.min() >= 1 and ages.max() <= 16
    assert result.scores["veto"].any()
    assert {"backlog.10y", "backlog.5y", "backlog.other", "double.unscreened"} <= set(
        result.points["rule_id"].astype(str)
    )


def test_sample_has_missed_and_late_weekly_returns():
    rules = load_rules()
    rows = load_ledgers(SAMPLE).screening_rows
    weekday = rows["screened_on"].dt.day_of_week + 1
    assert (weekday != rules.campaign.weekly_return_weekday).any()  # late returns
    weeks_per_unit = rows.groupby("unit", observed=True)["screened_on"].nunique()
    assert weeks_per_unit.min() < weeks_per_unit.max()  # some units missed weeks


def test_different_seed_gives_different_data():
    assert generate(seed=1).visits != generate(seed=2).visits


def test_every_units_score_can_be_recomputed_from_explain(result):
    """A clerk's check: the detail lines of explain add up to the printed score."""
    for unit in result.scores["unit"]:
        text = result.explain(unit)
        total = 1000 + sum(int(m) for m in re.findall(r"= ([+-]\d+)\[", text))
        printed = int(re.search(r"得分 (-?\d+)", text).group(1))
        assert total == printed, unit


def test_explain_discloses_ambiguous_rules_and_interpretations(result):
    with_backlog = result.points[result.points["rule_id"].astype(str).str.startswith("backlog.")]
    unit = str(with_backlog["unit"].iloc[0])
    text = result.explain(unit)
    assert "原文有歧义" in text and "口径" in text
