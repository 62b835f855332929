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
    by_level = {r.level: r for r in rules.by_mechanism("incident")}
    # per level: the rule's position and points (-1 / 0 where the text has no rule)
    levels = list(incidents["level"].cat.categories)
    code_of = np.array([rule_ids.index(by_level[x].id) if x in by_level else -1 for x in levels])
    pts_of = np.array([rules.rule_points(by_level[x]) if x in by_level else 0 for x in levels])
    level_code = incidents["level"].cat.codes.to_numpy()
    rule_code = code_of[level_code]
    has_rule = rule_code >= 0
    # the category must be one that the rule of its level names
    pairs = pd.MultiIndex.from_arrays([incidents["level"].astype(str), incidents["category"]])
    allowed = pd.MultiIndex.from_tuples(
        [(r.level, c) for r in by_level.values() for c in r.categories]
    )
    charged = has_rule & pairs.isin(allowed)
    reason = np.where(
        ~has_rule,
        "该层级的事件在考核办法中没有扣分规定",
        np.where(~charged, "该事件类别不在此层级列明的类别中,不扣分", ""),
    )
    pts = pts_of[level_code].astype(np.int64)
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
