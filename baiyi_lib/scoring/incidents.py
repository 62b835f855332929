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
    by_level = {r.level: r for r in rules.by_mechanism("incident")}
    level = incidents["level"].astype(str).to_numpy()
    category = incidents["category"].astype(str).to_numpy()
    rule_id = np.array([by_level[x].id if x in by_level else "" for x in level], dtype=object)
    allowed = {(r.level, c) for r in by_level.values() for c in r.categories}
    named = np.fromiter(
        ((lv, c) in allowed for lv, c in zip(level, category, strict=True)), bool, len(level)
    )
    has_rule = rule_id != ""
    charged = has_rule & named
    reason = np.where(
        ~has_rule,
        "该层级的事件在考核办法中没有扣分规定",
        np.where(~named, "该事件类别不在此层级列明的类别中,不扣分", ""),
    )
    pts = np.array([rules.rule_points(rules[r]) if r else 0 for r in rule_id], dtype=np.int64)
    sub = incidents.loc[charged]
    rule_ids = list(rules.rules)
    rows = pt.rows(
        sub,
        rules,
        rule=np.array([rule_ids.index(r) for r in rule_id[charged]], dtype=np.int16),
        source=SOURCE,
        id_column="incident_id",
        date_column="date",
        rate=pts[charged],
        multiplier=1,
        points=pts[charged],
        note=pd.Categorical(["事件类别:" + c for c in category[charged]]),
        level=sub["level"].array,
    )
    skipped = pt.excluded(incidents, ~charged, SOURCE, "incident_id", "date", reason)
    return [rows], skipped
