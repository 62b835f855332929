"""附件2 一(一)3, 一(二)5, 一(三)7: sensitive incidents during visits, per incident (每起).

An incident at a level with an incident rule, of a category that rule names, costs the
responsible unit the rule's points once. County-level incidents carry no points in the text,
and a category not named at its level is not charged; both are listed as not scored, with
the reason. Doubling never applies to incidents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules
from . import points as pt

SOURCE = "事件"


def incident_points(
    incidents: pd.DataFrame, rules: Rules
) -> tuple[list[dict[str, object]], pd.DataFrame]:
    """(points rows, not-scored rows) for incidents already inside the window."""
    if incidents.empty:
        return [], pd.DataFrame(columns=pt.EXCLUDED_COLUMNS)
    rule_ids = list(rules.rules)
    # each (level, category) a rule names, and that rule: a level may have several incident
    # rules, one per kind of event, each with its own points (the loader keeps them apart)
    named = [(r, c) for r in rules.by_mechanism("incident") for c in r.categories]
    table = pd.MultiIndex.from_tuples([(r.level, c) for r, c in named], names=["l", "c"])
    code_of = np.array([rule_ids.index(r.id) for r, _ in named] + [-1])
    pts_of = np.array([rules.rule_points(r) for r, _ in named] + [0], dtype=np.int64)
    pairs = pd.MultiIndex.from_arrays([incidents["level"].astype(str), incidents["category"]])
    where = table.get_indexer(pairs) if len(table) else np.full(len(incidents), -1)
    rule_code, pts = code_of[where], pts_of[where]
    charged = where >= 0
    ruled_levels = {r.level for r, _ in named}
    has_rule = incidents["level"].astype(str).isin(ruled_levels).to_numpy()
    reason = np.where(
        ~has_rule,
        "考核办法没有敏感事件的扣分规定" if not named else "该层级的事件在考核办法中没有扣分规定",
        np.where(~charged, "该事件类别不在此层级列明的类别中,不扣分", ""),
    )
    sub = incidents.loc[charged]
    rows = pt.rows(
        sub,
        rules,
        rule=rule_code[charged].astype(np.int16),
        source=SOURCE,
        id_column="incident_id",
        date_column="date",
        rate=pts[charged],
        multiplier=1,
        points=pts[charged],
        note=pd.Categorical("事件类别:" + sub["category"].astype(str)),
        level=sub["level"].array,
    )
    skipped = pt.excluded(incidents, ~charged, SOURCE, "incident_id", "date", reason)
    return [rows], skipped
