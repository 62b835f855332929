"""Collect the early-warning cases in tests/attention/cases/*.yaml (需要关注, issue 9).

Each case says in plain words, with the clause or target it serves, what the ledgers hold
and which cases or units the briefing must list; the lists are matched exactly.
"""

from __future__ import annotations

import pytest
import yaml
from support import ledgers

from baiyi_lib import load_rules, score, views


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        for case in yaml.safe_load(self.path.read_text(encoding="utf-8")):
            yield CaseItem.from_parent(self, name=case["name"], case=case)


class CaseItem(pytest.Item):
    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        assert case.get("clause") and case.get("description"), case["name"]

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

    def repr_failure(self, excinfo):
        c = self.case
        return f"{c['name']} ({c['clause']})\n  {c['description']}\n  {excinfo.value}"

    def reportinfo(self):
        return self.path, 0, f"case: {self.name}"
