"""附件2 一 (四级访) and 二 (矛盾纠纷排查): person-visit deductions, first cases, doubling.

One function per clause, each returning points rows (column dicts, see ``points.rows``):

- ``standard_rate``: each person-visit that reaches the county, city, province or Beijing
  costs the responsible unit the rate of its level and form (一(一)2, 一(二)4, 一(三)6,
  一(四)8).
- ``first_case``: the first visit of a level in the whole water system (earliest date, then
  smallest visit id) is charged at the first-case rate (一、首段), instead of or on top of
  the standard rate (interpretation ``first_case``).
- ``unscreened`` / ``dissatisfied``: a visit whose case was not in the unit's screening
  ledger on or before the visit date (二、第2句), or that followed dissatisfaction with the
  first handling (二、第3句), is doubled (interpretation ``doubling``: once or stack); a
  visit with no case id counts as unscreened unless ``missing_case_id`` is ``ignore``.
  Doubling applies to each rate row of the visit.
- ``veto_flags``: a Beijing visit that is irregular or collective cancels annual awards
  (一(一)1); a province or Beijing one triggers the veto (实施方案 五、三).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import LedgerError
from ..params import Rules, when_words
from . import points as pt
from .doubling import dissatisfied, doubling, repeated, unscreened
from .visitrows import (
    _COMMON,
    DOUBLING_NOTES,
    NOTE_FIRST_ADDS,
    NOTE_FIRST_REPLACES,
    NOTE_NONE,
    RateRows,
    charged_counts,
    items_by_code,
)


def level_codes(visits: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Each visit's level as its position in rules.levels. A level the rules do not name is
    an error, never a silent -1 (which would index the rate table from its end)."""
    level = visits["level"]
    if not (
        isinstance(level.dtype, pd.CategoricalDtype)
        and list(level.cat.categories) == list(rules.levels)
    ):
        values = level.astype(object)
        unknown = ~values.isin(rules.levels).to_numpy() & values.notna().to_numpy()
        if unknown.any():
            bad = "、".join(sorted({str(x) for x in values[unknown]}))
            raise LedgerError(f"走访层级「{bad}」不在 params/rules.yaml 的 levels 中")
        level = pd.Series(pd.Categorical(values, categories=list(rules.levels)))
    codes = level.cat.codes.to_numpy().astype(np.int16)
    if (codes < 0).any():
        raise LedgerError("走访层级为空,无法计分")
    return codes


def form_codes(visits: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Each visit's form as its position in rules.forms; an unknown form is an error."""
    form = visits["form"]
    if not (
        isinstance(form.dtype, pd.CategoricalDtype)
        and list(form.cat.categories) == list(rules.forms)
    ):
        values = form.astype(object)
        unknown = ~values.isin(rules.forms).to_numpy()
        if unknown.any():
            bad = "、".join(sorted({str(x) for x in values[unknown]}))
            raise LedgerError(f"走访形式「{bad}」不在 params/rules.yaml 的 forms 中")
        form = pd.Series(pd.Categorical(values, categories=list(rules.forms)))
    return form.cat.codes.to_numpy().astype(np.int16)


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
                rule = rules.visit_rate(level, form, bool(irr))
                k = (li * len(rules.forms) + fi) * 2 + irr
                rates[k] = rules.rule_points(rule)
                codes[k] = rule_ids.index(rule.id)
    return rates, codes


def standard_rate(visits: pd.DataFrame, rules: Rules, keep: np.ndarray) -> RateRows:
    """一(一)2, 一(二)4, 一(三)6, 一(四)8: every person-visit costs the rate of its level,
    form and irregularity. A rate the text does not give (进京非访) comes from its
    interpretation, and its note says so."""
    if any(
        r.min_persons != 1 or r.max_persons is not None or r.when
        for r in rules.by_mechanism("visit_rate")
    ):
        rule, rate = _bracketed_rates(visits, rules)
    else:
        rates, codes = rate_table(rules)
        irregular = visits["irregular"].to_numpy(dtype=bool)
        combo = (level_codes(visits, rules) * len(rules.forms) + form_codes(visits, rules)) * 2
        combo += irregular
        rule, rate = codes[combo], rates[combo]
    texts = [NOTE_NONE, NOTE_FIRST_REPLACES]
    note = np.zeros(len(visits), dtype=np.int8)
    rule_ids = list(rules.rules)
    for r in rules.by_mechanism("visit_rate"):
        if r.points_from is not None:
            said = rules.interpretations[r.points_from].words()
            texts.append(f"{r.label}:原文无每人次扣分,按「{said}」")
            note[rule == rule_ids.index(r.id)] = len(texts) - 1
    return RateRows(keep, rule, rate, note, texts)


def holds(visits: pd.DataFrame, rule) -> np.ndarray:
    """The visits whose declared yes/no columns meet the rule's ``when`` (已预警: 否); a
    column the ledgers did not carry reads 否, as a blank cell does."""
    hit = np.ones(len(visits), dtype=bool)
    for column, value in rule.when:
        given = (
            visits[column].fillna(False).to_numpy(dtype=bool)
            if column in visits
            else np.zeros(len(visits), dtype=bool)
        )
        hit &= given == value
    return hit


def _matches(visits: pd.DataFrame, rules: Rules, rule) -> np.ndarray:
    """The visits a rule's conditions select: level(s), form, irregularity, head count,
    declared yes/no columns."""
    levels = [rule.level] if rule.level is not None else list(rule.levels)
    hit = visits["level"].isin(levels).to_numpy().copy()
    if rule.when:
        hit &= holds(visits, rule)
    if rule.form != "any":
        hit &= (visits["form"] == rule.form).to_numpy()
    if rule.irregular is not None:
        hit &= visits["irregular"].to_numpy(dtype=bool) == rule.irregular
    persons = visits["persons"].to_numpy(dtype=np.int64)
    hit &= persons >= rule.min_persons
    if rule.max_persons is not None:
        hit &= persons <= rule.max_persons
    return hit


def _bracketed_rates(visits: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Rule code and rate per visit where rates depend on head count (集体访 5–10 人…) or
    on a declared column (已预警): each visit meets exactly one visit_rate rule (the loader
    checks that the brackets and the columns' values tile)."""
    level_codes(visits, rules), form_codes(visits, rules)  # unknown levels and forms refused
    rule_ids = list(rules.rules)
    rule = np.full(len(visits), -1, dtype=np.int16)
    rate = np.zeros(len(visits), dtype=np.int64)
    for r in rules.by_mechanism("visit_rate"):
        hit = _matches(visits, rules, r)
        rule[hit], rate[hit] = rule_ids.index(r.id), rules.rule_points(r)
    return rule, rate


def visit_charges(visits: pd.DataFrame, rules: Rules, keep: np.ndarray) -> list[dict[str, object]]:
    """Charges a method lays on a visit besides its rate (到市集体上访 5 人以上每起扣 30 分):
    each visit_charge rule whose conditions a counted visit meets adds a row, per person or
    once per row as the rule says. Doubling does not apply to them."""
    parts = []
    persons = visits["persons"].to_numpy(dtype=np.int64)
    for r in rules.by_mechanism("visit_charge"):
        hit = keep & _matches(visits, rules, r)
        if not hit.any():
            continue
        count = persons[hit] if r.per_persons else np.ones(int(hit.sum()), dtype=np.int64)
        parts.append(
            pt.rows(
                visits,
                rules,
                hit,
                rule=r.id,
                rate=r.points,
                multiplier=1,
                points=count * int(r.points or 0),
                note=pt.notes(np.zeros(int(hit.sum()), dtype=np.int8), [NOTE_NONE]),
                persons=persons[hit],
                level=visits["level"].array[hit],
                **_COMMON,
            )
        )
    return parts


def _with_reasons(rows: RateRows, why: np.ndarray) -> RateRows:
    """The rate rows with each visit's reason for being charged joined to its note."""
    texts, note = list(rows.texts), rows.note.astype(np.int16)
    for reason in sorted({w for w in why if w}):
        for code in np.unique(note[why == reason]):
            base = texts[code]
            texts.append(f"{base};{reason}" if base else reason)
            note[(why == reason) & (note == code)] = len(texts) - 1
    return RateRows(rows.mask, rows.rule, rows.rate, note.astype(np.int8), texts)


def first_visits(
    visits: pd.DataFrame, rules: Rules, keep: np.ndarray | None = None
) -> dict[str, int]:
    """For each level with a first-case rule, the row position of its first visit.

    The earliest date in the whole system; among visits on that date, the smallest visit
    id (text order). Only the few visits on the earliest date are compared by id. ``keep``
    marks the visits that count (inside the window); the others are never first cases.
    """
    out: dict[str, int] = {}
    level = level_codes(visits, rules)
    dates = visits["date"].to_numpy(dtype="datetime64[ns]")
    for rule in rules.by_mechanism("first_case"):
        at_level = level == rules.levels.index(rule.level)
        pos = np.flatnonzero(at_level if keep is None else at_level & keep)
        if not len(pos):
            continue
        day = dates[pos].min()
        tied = pos[dates[pos] == day]
        ids = visits["visit_id"].iloc[tied].to_numpy(dtype=object)
        out[rule.level] = int(tied[np.argmin(ids)]) if len(tied) > 1 else int(tied[0])
    return out


def first_case(
    visits: pd.DataFrame,
    rules: Rules,
    keep: np.ndarray,
    standard: RateRows,
    seen: np.ndarray | None = None,
) -> list[RateRows]:
    """附件2 一、首段: the system's first visit of a level costs the first-case rate per
    person-visit. Under first_case=replaces it takes the place of the standard rate (the
    standard rows are changed in place); under first_case=adds it is a further row. The
    first is the first of the whole campaign (``seen``: up to as-of), charged only if it
    counts now (``keep``: under 月考核, in as-of's month)."""
    by_level = {r.level: r for r in rules.by_mechanism("first_case")}
    firsts = first_visits(visits, rules, keep if seen is None else seen)
    firsts = {level: pos for level, pos in firsts.items() if keep[pos]}
    rule_ids = list(rules.rules)
    if rules.value("first_case") == "replaces":
        for level, pos in firsts.items():
            standard.rate[pos] = rules.rule_points(by_level[level])
            standard.rule[pos] = rule_ids.index(by_level[level].id)
            standard.note[pos] = standard.texts.index(NOTE_FIRST_REPLACES)
        return [standard]
    if not firsts:
        return [standard]
    n = len(visits)
    added = RateRows(
        np.zeros(n, dtype=bool),
        np.zeros(n, dtype=np.int16),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int8),
        [NOTE_FIRST_ADDS],
    )
    for level, pos in firsts.items():
        added.mask[pos] = True
        added.rate[pos] = rules.rule_points(by_level[level])
        added.rule[pos] = rule_ids.index(by_level[level].id)
    return [standard, added]


def veto_flags(visits: pd.DataFrame, keep: np.ndarray, rules: Rules) -> list[dict[str, object]]:
    """附件2 一(一)1 and 实施方案 五、三: an irregular or collective visit at a flag's levels
    (进京; 进京 or 去省) raises the flag (awards cancelled; veto). Flags carry no points."""
    out = []
    collective = (visits["form"] == rules.collective_form).to_numpy(dtype=bool)
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
                points=0,
                note=pt.notes(irregular[hit].astype(np.int8), texts),
                persons=visits["persons"].to_numpy()[hit],
                level=visits["level"].array[hit],
                **_COMMON,
            )
        )
    return out


def _rate_points(visits: pd.DataFrame, rules: Rules, rows: RateRows) -> dict[str, object]:
    """The points rows of one set of rate rows: persons (or 1 per batch) × rate."""
    mask = rows.mask
    r, p = rows.rate[mask], visits["persons"].to_numpy(dtype=np.int64)[mask]
    count = charged_counts(visits, rules, rows.rule)[mask]
    return pt.rows(
        visits,
        rules,
        mask,
        rule=rows.rule[mask],
        rate=r,
        multiplier=1,
        points=count * r,
        note=pt.notes(rows.note[mask], rows.texts),
        persons=p,
        level=visits["level"].array[mask],
        **_COMMON,
    )


def visit_points(
    visits: pd.DataFrame,
    screening: pd.DataFrame,
    rules: Rules,
    keep: np.ndarray | None = None,
    why: np.ndarray | None = None,
    seen: np.ndarray | None = None,
) -> list[dict[str, object]]:
    """Points rows (as column dicts) for the visits marked ``keep`` (those that count):
    standard rates and first cases (一), doubling (二), flags (一(一)1, 实施方案 五、三).
    ``why`` (one text per visit, "" for none) says why a visit is charged at all where that
    needs saying (an office's visit: 附件2 一(四) 末段); it joins the note of its rate rows."""
    keep = np.ones(len(visits), dtype=bool) if keep is None else keep
    if not keep.any() or not rules.by_mechanism("visit_rate"):
        return []  # a method without visit rates charges no visit (报表报送 only)
    rates = standard_rate(visits, rules, keep)
    if why is not None:
        rates = _with_reasons(rates, np.asarray(why, dtype=object))
    seen = keep if seen is None else seen  # the campaign so far (first cases, repeats)
    rate_rows = first_case(visits, rules, keep, rates, seen)
    conditions = {
        "unscreened": unscreened(visits, screening, rules),
        "dissatisfied": dissatisfied(visits),
    }
    item_of = items_by_code(rules)
    texts = list(DOUBLING_NOTES)
    for dbl in rules.by_mechanism("doubling"):
        if dbl.condition == "repeat":  # a repeat of what the rule doubles: within its item
            within = seen if dbl.item is None else seen & (item_of[rate_rows[0].rule] == dbl.item)
            conditions[dbl.id] = repeated(visits, within)
        if dbl.condition == "declared":  # a declared column says so (劝返: 是)
            texts.append(f"{when_words(dict(dbl.when), rules.columns)},加倍")
            conditions[dbl.id] = (holds(visits, dbl), np.full(len(visits), len(texts) - 1))
    parts = []
    for rows in rate_rows:
        parts.append(_rate_points(visits, rules, rows))
        parts.extend(doubling(visits, rules, rows, conditions, texts))
    parts.extend(visit_charges(visits, rules, keep))
    parts.extend(veto_flags(visits, keep, rules))
    return parts
