"""附件2 一 (四级访) and 二 (矛盾纠纷排查): person-visit deductions, first cases, doubling.

- Each person-visit that reaches the county, city, province or Beijing costs the responsible
  unit the rate of its level and form (一(一)2, 一(二)4, 一(三)6, 一(四)8).
- The first visit of a level in the whole water system (earliest date, then smallest visit
  id) is charged at the first-case rate (一、首段), instead of or on top of the standard rate
  (interpretation ``first_case``).
- A visit whose case was not in the unit's screening ledger on or before the visit date
  (二、第2句), or that followed dissatisfaction with the first handling (二、第3句), is doubled
  (interpretation ``doubling``: once or stack); a visit with no case id counts as unscreened
  unless ``missing_case_id`` is ``ignore``. Doubling applies to each rate row of the visit.
- Flags: a Beijing visit that is irregular or collective cancels annual awards (一(一)1); a
  province or Beijing one triggers the veto (实施方案 五、三).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules
from . import points as pt

SOURCE = "走访"

BASE_NOTES = [
    "",
    "系统第1起该层级走访,按首起标准代替一般标准(口径 first_case=replaces)",
]
ADDED_FIRST_NOTE = "系统第1起该层级走访,在一般标准之外另按首起标准扣分(口径 first_case=adds)"
DOUBLING_NOTES = [
    "走访前该单位排查台账中没有此案件,加倍",
    "走访未填案件编号,按口径 missing_case_id=unscreened 视为未排查,加倍",
    "信访人不满初次办理结果导致走访,按人次加倍",
    "同时符合其他加倍条件,按口径 doubling=once 只加倍一次",
]


def rate_table(rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Standard rate and rule position for every (level, form, irregular) combination.

    Index = (level_code * n_forms + form_code) * 2 + irregular; 16 entries for 4 × 2 × 2.
    """
    rule_ids = list(rules.rules)
    n = len(rules.levels) * len(rules.forms) * 2
    rates = np.zeros(n, dtype=np.int64)
    codes = np.zeros(n, dtype=np.int16)
    for li, level in enumerate(rules.levels):
        for fi, form in enumerate(rules.forms):
            for irr in (0, 1):
                rule = next(
                    r
                    for r in rules.by_mechanism("visit_rate")
                    if r.level == level
                    and r.form in (form, "any")
                    and r.irregular in (bool(irr), None)
                )
                k = (li * len(rules.forms) + fi) * 2 + irr
                rates[k] = rules.rule_points(rule)
                codes[k] = rule_ids.index(rule.id)
    return rates, codes


def first_cases(
    visits: pd.DataFrame, rules: Rules, keep: np.ndarray | None = None
) -> dict[str, int]:
    """For each level with a first-case rule, the row position of its first visit.

    The earliest date in the whole system; among visits on that date, the smallest visit
    id (text order). Only the few visits on the earliest date are compared by id. ``keep``
    marks the visits that count (inside the window); the others are never first cases.
    """
    out: dict[str, int] = {}
    level = visits["level"].cat.codes.to_numpy()
    levels = list(visits["level"].cat.categories)
    dates = visits["date"].to_numpy(dtype="datetime64[ns]")
    for rule in rules.by_mechanism("first_case"):
        at_level = level == levels.index(rule.level)
        pos = np.flatnonzero(at_level if keep is None else at_level & keep)
        if not len(pos):
            continue
        day = dates[pos].min()
        tied = pos[dates[pos] == day]
        ids = visits["visit_id"].iloc[tied].to_numpy(dtype=object)
        out[rule.level] = int(tied[np.argmin(ids)]) if len(tied) > 1 else int(tied[0])
    return out


def screened_before(visits: pd.DataFrame, screening: pd.DataFrame) -> np.ndarray:
    """Whether each visit's case was in its own unit's screening ledger on or before the
    visit date (screening on the visit's own date counts)."""
    if screening.empty or visits.empty:
        return np.zeros(len(visits), dtype=bool)
    n_units = len(visits["unit"].cat.categories)
    v_case, s_case = _case_codes(visits["case_id"], screening["case_id"])
    v_key = v_case * n_units + visits["unit"].cat.codes.to_numpy()
    s_key = s_case * n_units + screening["unit"].cat.codes.to_numpy()
    where = pd.Index(s_key).get_indexer(v_key)
    first = screening["screened_on"].to_numpy(dtype="datetime64[ns]")
    found = (where >= 0) & (v_case >= 0)
    ok = np.zeros(len(visits), dtype=bool)
    ok[found] = first[where[found]] <= visits["date"].to_numpy(dtype="datetime64[ns]")[found]
    return ok


def _case_codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for two case-id columns in one vocabulary (-1 = no case id).

    The loader gives every ledger the same categorical case ids, so this is free; other
    inputs are factorized together.
    """
    if (
        isinstance(a.dtype, pd.CategoricalDtype)
        and isinstance(b.dtype, pd.CategoricalDtype)
        and a.cat.categories.equals(b.cat.categories)
    ):
        return a.cat.codes.to_numpy(np.int64), b.cat.codes.to_numpy(np.int64)
    both = np.concatenate([a.to_numpy(dtype=object), b.to_numpy(dtype=object)])
    codes, _ = pd.factorize(both, use_na_sentinel=True)
    return codes[: len(a)].astype(np.int64), codes[len(a) :].astype(np.int64)


def visit_points(
    visits: pd.DataFrame, screening: pd.DataFrame, rules: Rules, keep: np.ndarray | None = None
) -> list[dict[str, object]]:
    """Points rows (as column dicts) for the visits marked ``keep`` (those that count):
    rates, first cases, doubling, flags."""
    n = len(visits)
    keep = np.ones(n, dtype=bool) if keep is None else keep
    if not keep.any():
        return []
    level_code = visits["level"].cat.codes.to_numpy().astype(np.int64)
    form_code = visits["form"].cat.codes.to_numpy().astype(np.int64)
    irregular = visits["irregular"].to_numpy(dtype=bool)
    persons = visits["persons"].to_numpy(dtype=np.int64)
    rates, codes = rate_table(rules)
    combo = (level_code * len(rules.forms) + form_code) * 2 + irregular
    rate = rates[combo]
    rule = codes[combo]
    rule_ids = list(rules.rules)
    # Rates taken from an interpretation (the text gives none) say so in their note.
    base_notes = list(BASE_NOTES)
    note = np.zeros(n, dtype=np.int64)
    for r in rules.by_mechanism("visit_rate"):
        if r.points_from is not None:
            base_notes.append(f"{r.label}:原文无每人次扣分,按口径 {r.points_from}")
            note[rule == rule_ids.index(r.id)] = len(base_notes) - 1

    # 一、首段: the first case of each level among the visits that count.
    first_rules = {r.level: r for r in rules.by_mechanism("first_case")}
    firsts = first_cases(visits, rules, keep)
    replaces = rules.value("first_case") == "replaces"
    rate_rows = []  # (mask, rule codes, rates, note codes, note texts)
    if replaces:
        for level, pos in firsts.items():
            rate[pos] = rules.rule_points(first_rules[level])
            rule[pos] = rule_ids.index(first_rules[level].id)
            note[pos] = 1
    rate_rows.append((keep, rule, rate, note, base_notes))
    if not replaces and firsts:
        is_first = np.zeros(n, dtype=bool)
        f_rate = np.zeros(n, dtype=np.int64)
        f_rule = np.zeros(n, dtype=np.int16)
        for level, p in firsts.items():
            is_first[p] = True
            f_rate[p] = rules.rule_points(first_rules[level])
            f_rule[p] = rule_ids.index(first_rules[level].id)
        rate_rows.append(
            (is_first, f_rule, f_rate, np.zeros(n, dtype=np.int64), [ADDED_FIRST_NOTE])
        )

    # 二: the doubling conditions, applied in the order of the rules file.
    no_case = visits["case_id"].isna().to_numpy()
    unscreened = ~screened_before(visits, screening)
    if rules.value("missing_case_id") == "ignore":
        unscreened &= ~no_case
    conditions = {
        "unscreened": unscreened,
        "dissatisfied": visits["dissatisfied"].to_numpy(dtype=bool),
    }
    why = {"unscreened": np.where(no_case, 1, 0), "dissatisfied": np.full(n, 2)}
    stack = rules.value("doubling") == "stack"
    common = {"source": SOURCE, "id_column": "visit_id", "date_column": "date"}

    parts = []
    for mask, r_rule, r_rate, r_note, texts in rate_rows:
        r, p = r_rate[mask], persons[mask]
        parts.append(
            pt.rows(
                visits,
                rules,
                mask,
                rule=r_rule[mask],
                rate=r,
                multiplier=1,
                points=p * r,
                note=pt.notes(r_note[mask], texts),
                persons=p,
                level=visits["level"].array[mask],
                **common,
            )
        )
        total = np.ones(len(r), dtype=np.int64)
        for dbl in rules.by_mechanism("doubling"):
            applies = conditions[dbl.condition][mask]
            if not applies.any():
                continue
            factor = int(dbl.factor or 1)
            raised = total * factor if stack else np.maximum(total, factor)
            new_total = np.where(applies, raised, total)
            extra = (new_total - total)[applies]
            total = new_total
            where = mask.copy()
            where[mask] = applies
            code = np.where(extra == 0, 3, why[dbl.condition][where])
            parts.append(
                pt.rows(
                    visits,
                    rules,
                    where,
                    rule=dbl.id,
                    rate=r[applies],
                    multiplier=extra,
                    points=p[applies] * r[applies] * extra,
                    note=pt.notes(code, DOUBLING_NOTES),
                    persons=p[applies],
                    level=visits["level"].array[where],
                    **common,
                )
            )
    parts.extend(_flag_rows(visits, keep, rules))
    return parts


def _flag_rows(visits: pd.DataFrame, keep: np.ndarray, rules: Rules) -> list[dict[str, object]]:
    """Flags (no points): irregular or collective visits at the flag's levels."""
    out = []
    collective = (visits["form"] == "集体").to_numpy()
    irregular = visits["irregular"].to_numpy(dtype=bool)
    for rule in rules.by_mechanism("flag"):
        hit = keep & visits["level"].isin(rule.levels).to_numpy() & (collective | irregular)
        if not hit.any():
            continue
        texts = [f"标记:{rule.label};原因:集体访", f"标记:{rule.label};原因:非访"]
        out.append(
            pt.rows(
                visits,
                rules,
                hit,
                rule=rule.id,
                source=SOURCE,
                id_column="visit_id",
                date_column="date",
                points=0,
                note=pt.notes(irregular[hit].astype(np.int8), texts),
                persons=visits["persons"].to_numpy()[hit],
                level=visits["level"].array[hit],
            )
        )
    return out
