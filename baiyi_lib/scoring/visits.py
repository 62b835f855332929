"""附件2 一 (四级访) and 二 (矛盾纠纷排查): person-visit deductions, first cases, doubling.

- Each person-visit that reaches the county, city, province or Beijing costs the responsible
  unit the rate of its level and form (一(一)2, 一(二)4, 一(三)6, 一(四)8).
- The first visit of a level in the whole water system (earliest date, then smallest visit
  id) is charged at the first-case rate (一、首段), instead of or on top of the standard rate
  (interpretation ``first_case``).
- A visit whose case was not in the unit's screening ledger on or before the visit date
  (二、第2句), or that followed dissatisfaction with the first handling (二、第3句), is doubled
  (interpretation ``doubling``: once or stack); a visit with no case id counts as unscreened
  unless ``missing_case_id`` is ``ignore``.
- Flags: a Beijing visit that is irregular or collective cancels annual awards (一(一)1); a
  province or Beijing one triggers the veto (实施方案 五、三).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules
from . import points as pt

SOURCE = "走访"


def rate_table(rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Standard rate and rule id for every (level, form, irregular) combination.

    Index = level_code * 2 * n_forms + form_code * 2 + irregular.
    """
    n = len(rules.levels) * len(rules.forms) * 2
    rates = np.zeros(n, dtype=np.int64)
    ids = np.empty(n, dtype=object)
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
                ids[k] = rule.id
    return rates, ids


def first_cases(visits: pd.DataFrame, rules: Rules) -> pd.Series:
    """For each level with a first-case rule, the position of its first visit system-wide.

    Earliest date; among visits on that date, the smallest visit id. Returns a Series
    {level: row position in ``visits``}.
    """
    levels = [r.level for r in rules.by_mechanism("first_case")]
    cand = visits.loc[visits["level"].isin(levels), ["level", "date", "visit_id"]]
    if cand.empty:
        return pd.Series(dtype=np.int64)
    cand = cand.assign(_pos=np.arange(len(visits))[visits["level"].isin(levels).to_numpy()])
    first = cand.sort_values(["date", "visit_id"], kind="stable").drop_duplicates("level")
    return pd.Series(first["_pos"].to_numpy(), index=first["level"].astype(str).to_numpy())


def screened_before(visits: pd.DataFrame, screening: pd.DataFrame) -> np.ndarray:
    """Whether each visit's case was in its unit's screening ledger on or before the visit date."""
    if screening.empty:
        return np.zeros(len(visits), dtype=bool)
    first = screening[["unit", "case_id", "screened_on"]].copy()
    first["unit"] = first["unit"].astype(str)
    key = pd.DataFrame(
        {"unit": visits["unit"].astype(str).to_numpy(), "case_id": visits["case_id"].to_numpy()}
    )
    merged = key.merge(first, on=["unit", "case_id"], how="left", sort=False)
    ok = merged["screened_on"].to_numpy(dtype="datetime64[ns]") <= visits["date"].to_numpy(
        dtype="datetime64[ns]"
    )
    return ok & ~np.isnat(merged["screened_on"].to_numpy(dtype="datetime64[ns]"))


def visit_points(visits: pd.DataFrame, screening: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """All points rows for visits already inside the window: rates, first cases, doubling, flags."""
    if visits.empty:
        return pt.finish([], rules)
    n_forms = len(rules.forms)
    level_code = visits["level"].cat.codes.to_numpy().astype(np.int64)
    form_code = visits["form"].cat.codes.to_numpy().astype(np.int64)
    irregular = visits["irregular"].to_numpy(dtype=bool)
    persons = visits["persons"].to_numpy(dtype=np.int64)
    rates, ids = rate_table(rules)
    combo = (level_code * n_forms + form_code) * 2 + irregular.astype(np.int64)
    base_rate = rates[combo]
    base_id = ids[combo]

    # 一、首段: the first case of each level, at the first-case rate.
    first_pos = first_cases(visits, rules)
    first_rules = {r.level: r for r in rules.by_mechanism("first_case")}
    is_first = np.zeros(len(visits), dtype=bool)
    first_rate = np.zeros(len(visits), dtype=np.int64)
    first_id = np.empty(len(visits), dtype=object)
    for level, pos in first_pos.items():
        rule = first_rules[level]
        is_first[pos] = True
        first_rate[pos] = rules.rule_points(rule)
        first_id[pos] = rule.id
    replaces = rules.value("first_case") == "replaces"

    # The per-person rows: one per visit, plus one per first case under `adds`.
    base_rates = np.where(is_first & replaces, first_rate, base_rate)
    base_ids = np.where(is_first & replaces, first_id, base_id)
    note = np.where(
        is_first & replaces,
        "系统第1起该层级走访,按首起标准代替一般标准(口径 first_case=replaces)",
        np.where(
            irregular & (base_ids == "beijing.irregular"),
            "进京非访:原文无每人次扣分,按口径 beijing_irregular_points",
            "",
        ),
    )
    sel_rows = [(np.ones(len(visits), dtype=bool), base_ids, base_rates, note)]
    if not replaces and is_first.any():
        sel_rows.append(
            (
                is_first,
                first_id,
                first_rate,
                "系统第1起该层级走访,在一般标准之外另按首起标准扣分(口径 first_case=adds)",
            )
        )

    # 二: doubling conditions, applied in the order of the rules file.
    unscreened = ~screened_before(visits, screening)
    no_case = visits["case_id"].isna().to_numpy()
    if rules.value("missing_case_id") == "ignore":
        unscreened &= ~no_case
    conditions = {
        "unscreened": unscreened,
        "dissatisfied": visits["dissatisfied"].to_numpy(dtype=bool),
    }
    stack = rules.value("doubling") == "stack"

    parts = []
    for mask, rule_ids, rate_arr, row_note in sel_rows:
        sub = visits.loc[mask]
        r = np.asarray(rate_arr)[mask] if np.ndim(rate_arr) else rate_arr
        p = persons[mask]
        parts.append(
            pt.rows(
                sub,
                rule_id=np.asarray(rule_ids, dtype=object)[mask],
                source=SOURCE,
                id_column="visit_id",
                date_column="date",
                rate=r,
                multiplier=1,
                points=p * r,
                note=np.asarray(row_note, dtype=object)[mask] if np.ndim(row_note) else row_note,
                persons=p,
                level=sub["level"].astype(object),
            )
        )
        total = np.ones(int(mask.sum()), dtype=np.int64)
        for rule in rules.by_mechanism("doubling"):
            applies = conditions[rule.condition][mask]
            if not applies.any():
                continue
            factor = int(rule.factor or 1)
            new_total = np.where(
                applies, total * factor if stack else np.maximum(total, factor), total
            )
            extra = new_total - total
            total = new_total
            dsub = sub.loc[applies]
            dnote = np.where(
                extra[applies] == 0,
                "同时符合其他加倍条件,按口径 doubling=once 只加倍一次",
                _doubling_note(rule.condition, no_case[mask][applies]),
            )
            parts.append(
                pt.rows(
                    dsub,
                    rule_id=rule.id,
                    source=SOURCE,
                    id_column="visit_id",
                    date_column="date",
                    rate=r[applies],
                    multiplier=extra[applies],
                    points=p[applies] * r[applies] * extra[applies],
                    note=dnote,
                    persons=p[applies],
                    level=dsub["level"].astype(object),
                )
            )
    parts.extend(_flag_rows(visits, rules))
    return pd.concat([x for x in parts if len(x)], ignore_index=True)


def _doubling_note(condition: str, no_case: np.ndarray) -> np.ndarray:
    if condition == "dissatisfied":
        return np.full(len(no_case), "信访人不满初次办理结果导致走访,按人次加倍", dtype=object)
    return np.where(
        no_case,
        "走访未填案件编号,按口径 missing_case_id=unscreened 视为未排查,加倍",
        "走访前该单位排查台账中没有此案件,加倍",
    ).astype(object)


def _flag_rows(visits: pd.DataFrame, rules: Rules) -> list[pd.DataFrame]:
    """Flags (no points): irregular or collective visits at the flag's levels."""
    out = []
    collective = (visits["form"] == "集体").to_numpy()
    irregular = visits["irregular"].to_numpy(dtype=bool)
    for rule in rules.by_mechanism("flag"):
        hit = visits["level"].isin(rule.levels).to_numpy() & (collective | irregular)
        if not hit.any():
            continue
        sub = visits.loc[hit]
        what = np.where(irregular[hit], "非访", "集体访")
        out.append(
            pt.rows(
                sub,
                rule_id=rule.id,
                source=SOURCE,
                id_column="visit_id",
                date_column="date",
                rate=None,
                multiplier=None,
                points=0,
                note=np.char.add(f"标记:{rule.label};原因:", what.astype(str)).astype(object),
                persons=sub["persons"].to_numpy(),
                level=sub["level"].astype(object),
            )
        )
    return out
