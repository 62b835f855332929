"""What-if: the text is ambiguous in places and the leading group decides; these tables
give it the consequences of each reading, computed by scoring once per reading.

- ``compare``: the default reading against another (``baiyi compare --set doubling=stack``):
  per unit the score and rank under each, the difference, and the points rows that differ.
- ``sensitivity``: for every interpretation with a list of readings, each unit's score and
  rank under each reading, and whether its rank or its 平安稳定星 eligibility depends on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import views
from .ledgers import Ledgers
from .params import Rules
from .scoring import ScoreResult, score

# what makes two points rows the same application of a rule
_ROW = ["unit", "rule_id", "source_id", "persons", "rate", "multiplier", "points"]


@dataclass
class Comparison:
    """The default reading against another."""

    default: ScoreResult
    other: ScoreResult
    changed: dict[str, Any]  # interpretation → the other value
    table: pd.DataFrame  # unit, score, rank, score_other, rank_other, diff, rank_change
    rows: pd.DataFrame  # points rows in only one of the two, with side and clause


def compare(ledgers: Ledgers, rules: Rules, as_of: object, **changed: Any) -> Comparison:
    """Score under ``rules`` (the defaults) and under ``rules`` with ``changed`` readings."""
    other_rules = rules.with_overrides(**changed)
    a = score(ledgers, rules, as_of=as_of)
    b = score(ledgers, other_rules, as_of=as_of)
    table = a.scores[["unit", "score", "rank", "veto"]].merge(
        b.scores[["unit", "score", "rank"]], on="unit", suffixes=("", "_other")
    )
    table["diff"] = table["score_other"] - table["score"]
    table["rank_change"] = table["rank"] - table["rank_other"]
    return Comparison(a, b, dict(changed), table, _differing_rows(a, b))


def _differing_rows(a: ScoreResult, b: ScoreResult) -> pd.DataFrame:
    keys = [*_ROW, "date", "clause", "label", "note"]
    left = a.points[keys].astype({c: object for c in keys})
    right = b.points[keys].astype({c: object for c in keys})
    both = left.merge(right, on=_ROW, how="outer", indicator=True, suffixes=("", "_b"))
    only = both[both["_merge"] != "both"].copy()
    for col in ("date", "clause", "label", "note"):
        only[col] = only[col].where(only[col].notna(), only[f"{col}_b"])
    only["side"] = only["_merge"].map({"left_only": "只在默认口径下", "right_only": "只在此口径下"})
    only = only.sort_values(["unit", "date", "source_id", "rule_id"], kind="stable")
    return only[["side", "unit", "date", "source_id", "rule_id", "label", "clause", "persons",
                 "rate", "multiplier", "points", "note"]].reset_index(drop=True)  # fmt: skip


def readings(rules: Rules) -> list[tuple[str, Any]]:
    """Every (interpretation, value) other than the value in force, for the interpretations
    that list their readings (choices)."""
    return [
        (it.name, value)
        for it in rules.interpretations.values()
        if it.choices
        for value in it.choices
        if value != it.value
    ]


def sensitivity(ledgers: Ledgers, rules: Rules, as_of: dt.date) -> pd.DataFrame:
    """Each unit's score, rank and 平安稳定星 eligibility under the readings in force and
    under each other reading (one at a time), and whether rank or eligibility depends on
    the reading. Long form: unit, reading, value, score, rank, star_eligible."""
    parts = []
    for name, value in [("", None), *readings(rules)]:
        r = rules.with_overrides(**{name: value}) if name else rules
        result = score(ledgers, r, as_of=as_of)
        t = views.final_assessment(ledgers, result)
        parts.append(
            t[["unit", "score", "rank", "star_eligible"]].assign(
                reading=name or "现行口径", value="" if not name else str(value)
            )
        )
    return pd.concat(parts, ignore_index=True)


def sensitivity_table(long: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per unit: score (rank) under the readings in force and under each other
    reading, and what depends on the reading."""
    base = long[long["reading"] == "现行口径"].set_index("unit")
    out = pd.DataFrame({"unit": base.index})
    out["现行口径"] = [f"{s}(第{r}名)" for s, r in zip(base["score"], base["rank"], strict=True)]
    depends_rank = pd.Series(False, index=base.index)
    depends_star = pd.Series(False, index=base.index)
    for (name, value), g in long[long["reading"] != "现行口径"].groupby(
        ["reading", "value"], sort=False
    ):
        g = g.set_index("unit").reindex(base.index)
        it = rules.interpretations[name]
        out[it.words(it.choices[[str(c) for c in it.choices].index(value)])] = [
            f"{s}(第{r}名)" for s, r in zip(g["score"], g["rank"], strict=True)
        ]
        depends_rank |= g["rank"] != base["rank"]
        depends_star |= g["star_eligible"] != base["star_eligible"]
    award = rules.campaign.award.name if rules.campaign.award else ""
    out["depends"] = [
        ";".join(w for w, on in (("名次", rk), (award, st and bool(award))) if on)
        for rk, st in zip(depends_rank, depends_star, strict=True)
    ]
    return out
