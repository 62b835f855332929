"""总结考核 and a unit's own page: final assessment, a unit's cases, score changes explained.

Part of ``baiyi_lib.views`` (see its docstring)."""

from __future__ import annotations

import pandas as pd

from ..ledgers import Ledgers
from ..params import Rules
from ..scoring import ScoreResult
from .common import _rule_ids, _unit_filter
from .duties import LATE_D, NOT_DUE_D, NOT_SENT_D, documents_status
from .progress import backlog_burndown, screening_check
from .visits import visits_charged


def final_assessment(ledgers: Ledgers, result: ScoreResult) -> pd.DataFrame:
    """总结考核: final score and rank, flags, and whether the unit may receive 平安稳定星.

    实施方案 五、三: a province or Beijing irregular or collective visit vetoes the unit
    (一票否决), and a unit that does not reach the campaign's targets cannot receive
    平安稳定星. The targets measurable per unit are used: every backlog case resolved and
    certified (二、2) and every counted visit's case screened beforehand (二、1). The
    leading group decides; ``missed`` says, per unit, which of these it misses and by how
    much, so that it decides on facts. From a store, ``documents`` says which one-off
    documents (五、四) a unit sent late or not at all.
    """
    table = result.scores.copy()
    backlog_done, screened_all, missed = [], [], []
    rules = result.rules
    veto = rules.rules.get("veto")
    backlog_from, screened_from = (
        _target_clause(rules, "backlog_cleared"),
        _target_clause(rules, "screened_share"),
    )
    for unit, vetoed in zip(table["unit"], table["veto"], strict=True):
        _, bl = backlog_burndown(ledgers, result, unit)
        _, sc = screening_check(ledgers, result, unit)
        backlog_done.append(bl["open"] == 0)
        screened_all.append(sc["screened"] == sc["visits"])
        reasons = [f"{_flag_word(veto)}({veto.clause})"] if vetoed and veto else []
        if bl["open"]:
            reasons.append(f"积案未全部化解:{bl['open']} / {bl['total']} 件未认定{backlog_from}")
        if sc["unscreened"]:
            reasons.append(f"走访前未排查出:{sc['unscreened']} 起{screened_from}")
        unchecked = sc["visits"] - sc["screened"] - sc["unscreened"]
        if unchecked:
            reasons.append(f"走访未填案件编号、无法倒查:{unchecked} 起{screened_from}")
        missed.append(";".join(reasons))
    table["backlog_cleared"] = backlog_done
    table["screening_complete"] = screened_all
    table["star_eligible"] = ~table["veto"] & table["backlog_cleared"] & table["screening_complete"]
    table["missed"] = missed
    docs = documents_status(ledgers, result.rules, result.as_of)
    if docs is not None:  # 实施方案 五、四: who sent what, late or missing (not a target)
        table["documents"] = table["unit"].astype(object).map(_documents_in_words(docs))
    return table


def _target_clause(rules: Rules, measure: str) -> str:
    """The clause of the plan's target a figure measures, as a page cites it ((实施方案 二、2)),
    or "" where the method has no such target."""
    target = next((t for t in rules.campaign.targets if t.measure == measure), None)
    return f"({target.clause})" if target is not None and target.clause else ""


def _flag_word(rule) -> str:
    """A flag's name as a list says it: its label up to any explanation in brackets."""
    return rule.label.split("(")[0]


def _documents_in_words(status: pd.DataFrame) -> dict[str, str]:
    """Per unit: 按时报齐, or its late and missing documents (迟报:实施方案;未报:典型经验)."""
    out = {}
    for unit, g in status.groupby("unit", sort=False):
        parts = [
            f"{s}:{'、'.join(g.loc[g['status'] == s, 'name'])}"
            for s in (LATE_D, NOT_SENT_D)
            if (g["status"] == s).any()
        ]
        due = g["status"] != NOT_DUE_D
        out[unit] = ";".join(parts) or ("按时报齐" if due.any() else "未到期")
    return out


def unit_cases(ledgers: Ledgers, result: ScoreResult, unit: str) -> dict[str, pd.DataFrame]:
    """One unit's own records as scoring saw them: every visit over its matters (charged,
    with its points, or not, with the reason), its incidents (likewise) and its backlog."""
    visits = visits_charged(ledgers, result, unit)
    p = _unit_filter(result.points, unit)
    charged = p[p["source"] == "事件"][["date", "source_id", "level", "points"]]
    charged = charged.assign(note=charged["points"].map(lambda x: f"扣 {-x} 分"))
    ex = _unit_filter(result.excluded, unit)
    ex = ex[(ex["source"] == "事件") & ~ex["reason"].str.startswith("晚于统计截止日")]
    not_charged = ex[["date", "source_id"]].assign(note=ex["reason"].to_numpy())
    inc = pd.concat([charged.drop(columns="points"), not_charged], ignore_index=True)
    facts = ledgers.incidents.set_index("incident_id")
    facts = facts[~facts.index.duplicated()]
    inc = inc.rename(columns={"source_id": "incident_id"}).assign(
        level=lambda d: d["incident_id"].map(facts["level"]).astype(object),
        category=lambda d: d["incident_id"].map(facts["category"]).astype(object),
    )
    return {
        "visits": visits.reset_index(drop=True),
        "incidents": inc.sort_values("date", ignore_index=True),
        "backlog": backlog_as_of(ledgers, result, unit),
    }


def backlog_as_of(ledgers: Ledgers, result: ScoreResult, unit: str) -> pd.DataFrame:
    """A unit's backlog cases as they stood at as-of: a resolution or certification dated
    later is not shown yet; ``points`` is the bonus each earned (附件2 三), from the points
    table."""
    cut = pd.Timestamp(result.as_of)
    b = ledgers.backlog[ledgers.backlog["unit"] == unit].reset_index(drop=True)
    later = (b["resolved_on"] > cut).fillna(False)
    status = b["status"].astype(object).where(~later, "未化解")
    p = result.points
    bonus = p[p["rule_id"].isin(_rule_ids(result, "backlog"))]
    earned = bonus.groupby("source_id")["points"].sum()
    return b.assign(
        status=status,
        resolved_on=b["resolved_on"].where(~later),
        certified_on=b["certified_on"].where((b["certified_on"] <= cut).fillna(False)),
        points=b["case_id"].astype(object).map(earned).fillna(0).astype(int),
    )


def score_change_explained(
    now: ScoreResult, previous: ScoreResult | None, restated: ScoreResult | None
) -> pd.DataFrame:
    """Why each unit's score moved since the last briefing (变化说明).

    ``restated`` is last week's as-of scored on today's data: the difference from
    ``previous`` is what late or corrected returns changed for past weeks, and the rest is
    this week's events.
    """
    table = now.scores[["unit", "score"]].copy()
    if previous is None:
        table["change"] = 0
        table["this_week"] = 0
        table["corrections"] = 0
        return table
    prev = previous.scores.set_index("unit")["score"]
    mid = (restated or previous).scores.set_index("unit")["score"]
    table["change"] = table["score"] - table["unit"].map(prev)
    table["corrections"] = table["unit"].map(mid) - table["unit"].map(prev)
    table["this_week"] = table["change"] - table["corrections"]
    return table


# --------------------------------------------------------------------------- the plan's duties
