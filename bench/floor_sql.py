"""The scoring floor in DuckDB SQL: the visit rules of 附件2 一 and 二, one output row per
rule application (rate or first case, each doubling, each flag), materialised as a pandas
DataFrame as the points table is. Default interpretations (first_case=replaces,
doubling=once, missing_case_id=unscreened, office_visits=internal_or_repeat).

bench/run.py checks that its per-unit totals equal score()'s before it times either.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from baiyi_lib.params import Rules


def _rate_frame(rules: Rules) -> pd.DataFrame:
    rows = []
    for level in rules.levels:
        for form in rules.forms:
            for irregular in (False, True):
                rule = rules.visit_rate(level, form, irregular)
                rows.append((level, form, irregular, rule.id, rules.rule_points(rule)))
    return pd.DataFrame(rows, columns=["level", "form", "irregular", "rule_id", "rate"])


def _first_frame(rules: Rules) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.level, r.id, rules.rule_points(r)) for r in rules.by_mechanism("first_case")],
        columns=["level", "first_rule", "first_rate"],
    )


SQL = """
WITH v AS (
    SELECT visit_id, date, unit::VARCHAR AS unit, level::VARCHAR AS level,
           form::VARCHAR AS form, persons, irregular, case_id::VARCHAR AS case_id,
           dissatisfied, src_row
    FROM visits
    WHERE date BETWEEN $start AND $end
      AND (NOT list_contains($offices, unit::VARCHAR) OR internal_staff OR dissatisfied)
),
first_day AS (SELECT level, min(date) AS day FROM v GROUP BY level),
firsts AS (
    SELECT v.level, min(v.visit_id) AS visit_id
    FROM v JOIN first_day f ON v.level = f.level AND v.date = f.day
    GROUP BY v.level
),
scr AS (
    SELECT unit::VARCHAR AS unit, case_id::VARCHAR AS case_id, min(screened_on) AS first
    FROM screening GROUP BY ALL
),
base AS (
    SELECT v.*, (f.visit_id IS NOT NULL AND fr.first_rule IS NOT NULL) AS is_first,
           coalesce(CASE WHEN f.visit_id IS NOT NULL THEN fr.first_rule END, r.rule_id)
               AS rule_id,
           coalesce(CASE WHEN f.visit_id IS NOT NULL THEN fr.first_rate END, r.rate) AS rate,
           (v.case_id IS NULL OR s.first IS NULL OR s.first > v.date) AS unscreened
    FROM v
    JOIN rates r ON r.level = v.level AND r.form = v.form AND r.irregular = v.irregular
    LEFT JOIN firsts f ON f.visit_id = v.visit_id
    LEFT JOIN first_rates fr ON fr.level = v.level
    LEFT JOIN scr s ON s.unit = v.unit AND s.case_id = v.case_id
)
SELECT unit, date, rule_id, visit_id AS source_id, level, persons, rate,
       1 AS multiplier, persons * rate AS points, src_row FROM base
UNION ALL
SELECT unit, date, 'double.unscreened', visit_id, level, persons, rate,
       1, persons * rate, src_row FROM base WHERE unscreened
UNION ALL
SELECT unit, date, 'double.dissatisfied', visit_id, level, persons, rate,
       CASE WHEN unscreened THEN 0 ELSE 1 END,
       CASE WHEN unscreened THEN 0 ELSE persons * rate END, src_row
FROM base WHERE dissatisfied
UNION ALL
SELECT unit, date, 'awards_cancelled', visit_id, level, persons, NULL, NULL, 0, src_row
FROM base WHERE level = $beijing AND (form = $collective OR irregular)
UNION ALL
SELECT unit, date, 'veto', visit_id, level, persons, NULL, NULL, 0, src_row
FROM base WHERE list_contains($veto_levels, level) AND (form = $collective OR irregular)
"""


def points_sql(visits: pd.DataFrame, screening: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per rule application to a visit, as a pandas DataFrame."""
    con = duckdb.connect()
    con.register("visits", visits)
    con.register("screening", screening)
    con.register("rates", _rate_frame(rules))
    con.register("first_rates", _first_frame(rules))
    camp = rules.campaign
    params = {
        "start": pd.Timestamp(camp.start),
        "end": pd.Timestamp(camp.end),
        "offices": [u.name for u in rules.units.units if u.kind == "机关科室"],
        "beijing": rules["awards_cancelled"].levels[0],
        "veto_levels": list(rules["veto"].levels),
        "collective": rules.collective_form,
    }
    try:
        return con.execute(SQL, params).df()
    finally:
        con.close()
