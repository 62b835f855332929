"""Collect the rule cases in tests/scoring/cases/*.yaml as test items.

Each case says, in plain words and with its clause, what a unit did and what it should
score. The expected points rows are matched exactly (order aside) on every column of the
points table: every row that scoring produces must be listed, so an extra or missing
deduction fails the case, and so does a row with the right points but the wrong persons,
rate, multiplier, clause, date, level or ledger row.

A case states rule_id, source_id and points; the other columns of an expected row are
worked out here from the case's own input rows and from params/*.yaml read as plain YAML
(never from the engine): unit, date, level, persons and ledger row from the input row;
clause, label and source from the rule; rate = points ÷ (persons × multiplier) with
multiplier 1. A case states rate, multiplier, persons or note where that differs
(doubling rows, flags, 0-point rows); a stated note must appear in the row's note.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support import YamlCase, collect_yaml_cases, ledgers

from baiyi_lib import load_rules, score

PARAMS = Path(__file__).resolve().parents[2] / "params"
RAW_RULES = yaml.safe_load((PARAMS / "rules.yaml").read_text(encoding="utf-8"))["rules"]
RAW_INTERPRETATIONS = yaml.safe_load((PARAMS / "rules.yaml").read_text(encoding="utf-8"))[
    "interpretations"
]
RAW_UNITS = yaml.safe_load((PARAMS / "units.yaml").read_text(encoding="utf-8"))["units"]
UNIT_NAME = {
    spelling: u["name"] for u in RAW_UNITS for spelling in (u["name"], u["id"], *u["aliases"])
}
SOURCE = {
    "first_case": ("走访", "visits", "visit_id"),
    "visit_rate": ("走访", "visits", "visit_id"),
    "doubling": ("走访", "visits", "visit_id"),
    "flag": ("走访", "visits", "visit_id"),
    "incident": ("事件", "incidents", "incident_id"),
    "backlog": ("积案", "backlog", "case_id"),
}
COLUMNS = (
    "unit", "date", "rule_id", "clause", "label", "source", "source_id", "level",
    "persons", "rate", "multiplier", "points", "src_file", "src_sheet", "src_row",
)  # fmt: skip


def pytest_collect_file(parent, file_path):
    return collect_yaml_cases(parent, file_path, CaseItem)


def _na(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def expected_row(case: dict, want: dict) -> tuple:
    """Every column of one expected points row, from the case and the params files."""
    rule = RAW_RULES[want["rule_id"]]
    source, kind, id_col = SOURCE[rule["mechanism"]]
    rows = case.get(kind, [])
    (pos,) = [i for i, r in enumerate(rows) if str(r[id_col]) == str(want["source_id"])]
    row = rows[pos]
    day = row["certified_on"] if kind == "backlog" else row["date"]
    is_flag = rule["mechanism"] == "flag"
    persons = want.get("persons", row.get("persons", 1) if kind == "visits" else None)
    multiplier = want.get("multiplier", None if is_flag else 1)
    rate = want.get("rate")
    if rate is None and not is_flag:
        rate = int(want["points"]) // ((persons or 1) * multiplier)
    values = {
        "unit": UNIT_NAME[row["unit"]],
        "date": pd.Timestamp(str(day)),
        "rule_id": want["rule_id"],
        "clause": rule["clause"],
        "label": rule["label"],
        "source": source,
        "source_id": str(want["source_id"]),
        "level": row.get("level") if kind != "backlog" else None,
        "persons": persons,
        "rate": rate,
        "multiplier": multiplier,
        "points": int(want["points"]),
        "src_file": f"<{kind}>",
        "src_sheet": "",
        "src_row": pos + 2,  # row 1 is the header
    }
    return tuple(values[c] for c in COLUMNS)


def actual_row(r) -> tuple:
    values = {c: _na(getattr(r, c)) for c in COLUMNS}
    values["date"] = pd.Timestamp(values["date"])
    for c in ("unit", "rule_id", "clause", "label", "source", "source_id", "src_file"):
        values[c] = str(values[c])
    values["src_sheet"] = values["src_sheet"] or ""
    for c in ("persons", "rate", "multiplier", "points", "src_row"):
        values[c] = None if values[c] is None else int(values[c])
    return tuple(values[c] for c in COLUMNS)


def _show(rows) -> str:
    return "\n    ".join(
        ", ".join(f"{c}={v}" for c, v in zip(COLUMNS, r, strict=True))
        for r in sorted(rows, key=str)
    )


class CaseItem(YamlCase):
    def runtest(self):
        c = self.case
        rules = load_rules(**c.get("interpretations", {}))
        data = ledgers(**{k: c.get(k, []) for k in ("visits", "incidents", "screening", "backlog")})
        result = score(data, rules, as_of=c.get("as_of"))
        exp = c["expect"]
        if "rows" in exp:
            got = Counter(actual_row(r) for r in result.points.itertuples(index=False))
            want = Counter(expected_row(c, r) for r in exp["rows"])
            assert got == want, (
                f"points rows differ:\n  only got:\n    {_show((got - want).elements())}"
                f"\n  only wanted:\n    {_show((want - got).elements())}"
            )
            self._notes(result.points, exp["rows"])
            self._disclosures(result, c, exp)
        scores = result.scores.set_index("unit")
        for unit, value in (exp.get("scores") or {}).items():
            assert scores.at[unit, "score"] == value, (
                f"{unit}: score {scores.at[unit, 'score']} != {value}"
            )
        for unit, flags in (exp.get("flags") or {}).items():
            for flag in ("veto", "awards_cancelled"):
                assert bool(scores.at[unit, flag]) == (flag in flags), f"{unit}: flag {flag}"
        if "excluded" in exp:
            self._excluded(result.excluded, c, exp["excluded"])
        for unit, rank in (exp.get("ranks") or {}).items():
            assert scores.at[unit, "rank"] == rank
        if "annual_deduction" in exp:
            for unit, value in exp["annual_deduction"].items():
                assert scores.at[unit, "annual_deduction"] == pytest.approx(value)

    @staticmethod
    def _notes(points: pd.DataFrame, rows: list[dict]) -> None:
        """A stated note must be in the row's note (the explanation users read)."""
        for r in rows:
            if "note" not in r:
                continue
            mine = points[
                (points["rule_id"].astype(str) == r["rule_id"])
                & (points["source_id"].astype(str) == str(r["source_id"]))
            ]
            assert any(r["note"] in str(n) for n in mine["note"]), (
                f"{r['rule_id']} {r['source_id']}: note {list(mine['note'])} lacks「{r['note']}」"
            )

    @staticmethod
    def _disclosures(result, case: dict, exp: dict) -> None:
        """What the reports disclose follows from the rows: the ambiguous rules that gave a
        row (and no other), and the counted visits without a case id (data quality)."""
        used = {r["rule_id"] for r in exp["rows"]}
        ambiguous = sorted(i for i in used if RAW_RULES[i].get("ambiguous"))
        table = result.ambiguous_rules_applied()
        assert sorted(table["rule_id"]) == ambiguous
        for r in table.to_dict("records"):  # every column as rules.yaml says it
            raw = RAW_RULES[r["rule_id"]]
            want = (raw["label"], raw["clause"], raw["points"], raw.get("note", ""))
            assert (r["label"], r["clause"], r["points"], r["note"]) == want, r
        counted = {
            str(r["source_id"])
            for r in exp["rows"]
            if SOURCE[RAW_RULES[r["rule_id"]]["mechanism"]][1] == "visits"
        }
        no_case = {str(v["visit_id"]) for v in case.get("visits", []) if not v.get("case_id")}
        want = sorted(exp.get("quality", counted & no_case))
        assert sorted(result.quality["source_id"].astype(str)) == want, "data-quality list"
        how = case.get("interpretations", {}).get("missing_case_id", "unscreened")
        # the reading in force, in the words of rules.yaml (read as plain YAML)
        reading = RAW_INTERPRETATIONS["missing_case_id"]
        treat = f"{reading['label']}:{reading['choices'][how]['label']}"
        for q in result.quality.to_dict("records"):
            where = _where(case, "visits", q["source_id"])
            assert (q["source"], q["unit"], pd.Timestamp(q["date"])) == (
                "走访",
                where["unit"],
                where["date"],
            ), q
            assert (q["src_file"], int(q["src_row"])) == (where["file"], where["row"]), q
            assert treat in q["issue"] and "missing_case_id" not in q["issue"], q["issue"]

    @staticmethod
    def _excluded(excluded: pd.DataFrame, case: dict, want: list | dict) -> None:
        """Every row read and not scored is listed, where it is, and why (a stated reason
        must appear in the row's reason)."""
        assert sorted(excluded["source_id"].astype(str)) == sorted(map(str, want))
        for e in excluded.to_dict("records"):
            kind = {"走访": "visits", "事件": "incidents", "积案": "backlog"}[e["source"]]
            where = _where(case, kind, e["source_id"])
            got = (e["unit"], pd.Timestamp(e["date"]), e["src_file"], int(e["src_row"]))
            assert got == (where["unit"], where["date"], where["file"], where["row"]), e
            if isinstance(want, dict):
                assert str(want[e["source_id"]]) in e["reason"], e["reason"]


def _where(case: dict, kind: str, source_id: str) -> dict:
    """Unit, date, file and row of a case's input row, as the loader must report them (the
    backlog's date of a row not scored is its resolution date)."""
    id_col = {"visits": "visit_id", "incidents": "incident_id", "backlog": "case_id"}[kind]
    rows = case.get(kind, [])
    (pos,) = [i for i, r in enumerate(rows) if str(r[id_col]) == str(source_id)]
    row = rows[pos]
    day = row.get("resolved_on") if kind == "backlog" else row["date"]
    return {
        "unit": UNIT_NAME[row["unit"]],
        "date": pd.Timestamp(str(day)) if day else pd.NaT,
        "file": f"<{kind}>",
        "row": pos + 2,
    }
