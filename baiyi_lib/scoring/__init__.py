"""Scores out: ledgers + rules → points (one row per rule applied) → scores, ranks, explain.

``score`` is exact (integer points), vectorised, and independent of the order of the
ledger rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ledgers import Ledgers
from ..ledgers.schema import SCHEMAS
from ..params import Rules, load_rules
from . import points as pt
from .absence import clean_period_points
from .backlog import backlog_points
from .caps import apply_caps
from .incidents import incident_points
from .result import ScoreResult, score_table
from .returns import missed_return_points
from .visits import visit_points
from .window import as_of_day, window

__all__ = ["ScoreResult", "as_of_day", "score"]


def _office_filter(visits: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, pd.Series]:
    """附件2 一(四) 末段, under office_visits=internal_or_repeat: an office (机关科室) is
    charged only for visits by its own staff or repeat visits after poor first handling.

    Returns (charged mask, why): ``why`` is, for each office visit that is charged, the
    reason in the ledger's own column names (内部人员、不满初次办理) and the reading's words,
    "" elsewhere; it becomes the note of the visit's rate row."""
    why = pd.Series("", index=visits.index, dtype=object)
    if rules.value("office_visits") in (None, "all") or visits.empty:
        return np.ones(len(visits), dtype=bool), why
    office = rules.units.office_kind
    offices = [u.name for u in rules.units.units if u.kind == office]
    is_office = visits["unit"].isin(offices).to_numpy()
    internal = visits["internal_staff"].to_numpy(bool)
    repeat = visits["dissatisfied"].to_numpy(bool)
    qualifies = internal | repeat
    said = rules.interpretations["office_visits"].value_words()
    header = {c.name: c.header for c in SCHEMAS["visits"]}
    for mask, because in (
        (internal & repeat, f"{header['internal_staff']}、{header['dissatisfied']}"),
        (internal & ~repeat, header["internal_staff"]),
        (repeat & ~internal, header["dissatisfied"]),
    ):
        why[is_office & mask] = f"{office}的走访({because}),按「{said}」计分"
    return ~is_office | qualifies, why


def score(ledgers: Ledgers, rules: Rules | None = None, as_of: object = None) -> ScoreResult:
    """Score every unit as of a date (default: the campaign's last day).

    Only events inside the campaign period and on or before ``as_of`` count; the others
    are listed in ``result.excluded`` with the reason. An as-of outside the campaign is a
    ParamsError: before it nothing has happened yet, after it nothing more counts.
    """
    rules = rules or load_rules()
    as_of = as_of_day(as_of, rules)
    parts: list[dict[str, object]] = []
    skipped: list[pd.DataFrame] = []

    v = ledgers.visits
    counts, reason = window(v["date"], rules.campaign, as_of)
    office_ok, office_why = _office_filter(v, rules)
    skipped.append(pt.excluded(v, ~counts, "走访", "visit_id", "date", reason))
    if rules.has("office_visits"):
        said = rules.interpretations["office_visits"].words()
        skipped.append(
            pt.excluded(
                v,
                counts & ~office_ok,
                "走访",
                "visit_id",
                "date",
                f"{rules.units.office_kind}非内部人员、非再次走访,按「{said}」不计分",
            )
        )
    keep = counts & office_ok
    # the campaign so far, whatever the assessment cycle: the system's first visit of a
    # level and a case's earlier visits are looked for here (月考核 does not restart them)
    camp = rules.campaign
    d = v["date"]
    seen = (d >= pd.Timestamp(camp.start)) & (d <= pd.Timestamp(min(camp.end, as_of)))
    seen = seen.fillna(False).to_numpy(dtype=bool) & office_ok
    parts.extend(
        visit_points(v, ledgers.screening, rules, keep, why=office_why.to_numpy(), seen=seen)
    )
    parts.extend(clean_period_points(v, counts, rules, as_of))

    inc = ledgers.incidents
    counts, reason = window(inc["date"], rules.campaign, as_of)
    skipped.append(pt.excluded(inc, ~counts, "事件", "incident_id", "date", reason))
    rows, not_scored = incident_points(inc.loc[counts].reset_index(drop=True), rules)
    parts.extend(rows)
    skipped.append(not_scored)

    rows, not_scored = backlog_points(ledgers.backlog, rules, as_of)
    parts.extend(rows)
    skipped.append(not_scored)
    parts.extend(missed_return_points(ledgers, rules, as_of))

    points = apply_caps(pt.finish(parts, rules), rules)
    excluded = pd.concat(
        [s for s in skipped if len(s)] or [pd.DataFrame(columns=pt.EXCLUDED_COLUMNS)],
        ignore_index=True,
    )
    quality = _quality(v.loc[keep & v["case_id"].isna().to_numpy()], rules)
    return ScoreResult(points, score_table(points, rules), excluded, quality, rules, as_of)


def _quality(visits: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Counted visits with no case id: they cannot be checked against screening."""
    missing = visits["case_id"].isna().to_numpy()
    issue = "未填案件编号,无法倒查排查台账"
    if rules.has("missing_case_id"):
        issue += f";按「{rules.interpretations['missing_case_id'].words()}」处理"
    return pd.DataFrame(
        {
            "source": "走访",
            "source_id": visits.loc[missing, "visit_id"].to_numpy(),
            "unit": visits.loc[missing, "unit"].astype(object).to_numpy(),
            "date": visits.loc[missing, "date"].to_numpy(),
            "issue": issue,
            "src_file": visits.loc[missing, "src_file"].astype(object).to_numpy(),
            "src_row": visits.loc[missing, "src_row"].to_numpy(),
        }
    )
