"""Collect the rule cases in tests/scoring/cases/*.yaml as test items.

Each case says, in plain words and with its clause, what a unit did and what it should
score. The expected points rows are matched exactly (order aside): every row that scoring
produces must be listed, so an extra or missing deduction fails the case.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support import YamlCase, collect_yaml_cases, ledgers

from baiyi_lib import load_rules, score


def pytest_collect_file(parent, file_path):
    return collect_yaml_cases(parent, file_path, CaseItem)


class CaseItem(YamlCase):
    def runtest(self):
        c = self.case
        rules = load_rules(**c.get("interpretations", {}))
        data = ledgers(**{k: c.get(k, []) for k in ("visits", "incidents", "screening", "backlog")})
        result = score(data, rules, as_of=c.get("as_of"))
        exp = c["expect"]
        if "rows" in exp:
            got = Counter(
                (str(r.rule_id), str(r.source_id), int(r.points))
                for r in result.points.itertuples(index=False)
            )
            want = Counter(
                (r["rule_id"], str(r["source_id"]), int(r["points"])) for r in exp["rows"]
            )
            assert got == want, (
                f"points rows differ:\n  got  {sorted(got.elements())}"
                f"\n  want {sorted(want.elements())}"
            )
        scores = result.scores.set_index("unit")
        for unit, value in (exp.get("scores") or {}).items():
            assert scores.at[unit, "score"] == value, (
                f"{unit}: score {scores.at[unit, 'score']} != {value}"
            )
        for unit, flags in (exp.get("flags") or {}).items():
            for flag in ("veto", "awards_cancelled"):
                assert bool(scores.at[unit, flag]) == (flag in flags), f"{unit}: flag {flag}"
        if "excluded" in exp:
            assert sorted(result.excluded["source_id"].astype(str)) == sorted(
                map(str, exp["excluded"])
            )
        for unit, rank in (exp.get("ranks") or {}).items():
            assert scores.at[unit, "rank"] == rank
        if "annual_deduction" in exp:
            for unit, value in exp["annual_deduction"].items():
                assert scores.at[unit, "annual_deduction"] == pytest.approx(value)
