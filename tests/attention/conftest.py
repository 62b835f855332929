"""Collect the early-warning cases in tests/attention/cases/*.yaml (需要关注, issue 9).

Each case says in plain words, with the clause or target it serves, what the ledgers hold
and which cases or units the briefing must list; the lists are matched exactly.
"""

from __future__ import annotations

from support import YamlCase, collect_yaml_cases, ledgers

from baiyi_lib import load_rules, score, views


def pytest_collect_file(parent, file_path):
    return collect_yaml_cases(parent, file_path, CaseItem)


class CaseItem(YamlCase):
    def runtest(self):
        c = self.case
        rules = load_rules()
        data = ledgers(**{k: c.get(k, []) for k in ("visits", "incidents", "screening", "backlog")})
        result = score(data, rules, as_of=c["as_of"])
        a = views.attention(data, result, views.returns_status(data, result), c.get("unit"))
        exp = c["expect"]
        if "repeats" in exp:
            assert sorted(a["repeats"]["case_id"]) == sorted(exp["repeats"])
        if "levels" in exp:
            got = dict(zip(a["repeats"]["case_id"], a["repeats"]["levels"], strict=True))
            assert got == exp["levels"]
        if "escalations" in exp:
            got = [[r.case_id, r._4, r.to] for r in a["escalations"].itertuples(index=False)]
            assert sorted(got) == sorted(exp["escalations"])
        if "unresolved" in exp:
            assert list(a["unresolved"]["case_id"]) == exp["unresolved"]  # oldest first
        if "backlog" in exp:
            got = dict(zip(a["backlog"]["unit"], a["backlog"]["open"], strict=True))
            assert got == exp["backlog"]
        if "returns" in exp:
            got = dict(zip(a["returns"]["unit"], a["returns"]["missed"], strict=True))
            assert got == exp["returns"]
