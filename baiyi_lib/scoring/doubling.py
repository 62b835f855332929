"""The doubling rules of the visits (附件2 二): a visit's case not screened beforehand (or
no case id), a repeat of the same case, a petitioner dissatisfied with the first handling;
and how they combine (once, or stacked: a disclosed reading)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import Rules
from . import points as pt
from .visitrows import (
    _COMMON,
    DOUBLING_NOTES,
    NOTE_ALREADY_DOUBLED,
    NOTE_DISSATISFIED,
    NOTE_NO_CASE_ID,
    NOTE_NOT_SCREENED,
    NOTE_REPEAT,
    RateRows,
    charged_counts,
    items_by_code,
)


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


def unscreened(
    visits: pd.DataFrame, screening: pd.DataFrame, rules: Rules
) -> tuple[np.ndarray, np.ndarray]:
    """附件2 二、第2句: a new visit to the county or above whose case the unit's weekly
    screening had not found (not in its ledger on or before the visit date) is doubled. A
    visit with no case id cannot be checked: under missing_case_id=unscreened it counts as
    not found, under ignore it does not. Returns (applies, note code per visit)."""
    no_case = visits["case_id"].isna().to_numpy()
    applies = ~screened_before(visits, screening)
    if rules.value("missing_case_id") == "ignore":
        applies &= ~no_case
    why = np.where(
        no_case, DOUBLING_NOTES.index(NOTE_NO_CASE_ID), DOUBLING_NOTES.index(NOTE_NOT_SCREENED)
    )
    return applies, why


def repeated(visits: pd.DataFrame, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """重复访: a counted visit whose case the same unit's counted visits had already brought
    (an earlier date, or the same date and a smaller visit id). A visit with no case id is
    never a repeat. Returns (applies, note code per visit)."""
    case = visits["case_id"].astype(object)
    order = pd.DataFrame(
        {
            "unit": visits["unit"].astype(object),
            "case": case,
            "date": visits["date"],
            "id": visits["visit_id"].astype(str),
            "keep": keep,
        }
    )
    counted = order[order["keep"] & case.notna().to_numpy()]
    counted = counted.sort_values(["date", "id"], kind="stable")
    earlier = counted.groupby(["unit", "case"], sort=False).cumcount() > 0
    applies = np.zeros(len(visits), dtype=bool)
    applies[visits.index.get_indexer(earlier.index[earlier.to_numpy()])] = True
    return applies, np.full(len(visits), DOUBLING_NOTES.index(NOTE_REPEAT))


def dissatisfied(visits: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """附件2 二、第3句: a visit caused by dissatisfaction with the first handling is doubled
    per person-visit. Returns (applies, note code per visit)."""
    applies = visits["dissatisfied"].to_numpy(dtype=bool)
    return applies, np.full(len(visits), DOUBLING_NOTES.index(NOTE_DISSATISFIED))


def doubling(
    visits: pd.DataFrame,
    rules: Rules,
    rate_rows: RateRows,
    conditions: dict[str, tuple[np.ndarray, np.ndarray]],
    texts: list[str] = DOUBLING_NOTES,
) -> list[dict[str, object]]:
    """附件2 二: each doubling rule that applies to a visit adds a row on each of its rate
    rows, in the order of the rules file. Under doubling=once a visit is doubled once
    whatever the number of conditions (the later rows carry 0 extra and say why); under
    stack the factors multiply."""
    mask = rate_rows.mask
    r = rate_rows.rate[mask]
    p = visits["persons"].to_numpy(dtype=np.int64)[mask]
    count = charged_counts(visits, rules, rate_rows.rule)[mask]
    stack = rules.value("doubling") == "stack"  # a method with one doubling rule has no reading
    total = np.ones(len(r), dtype=np.int64)
    parts = []
    item_of = items_by_code(rules)
    for dbl in rules.by_mechanism("doubling"):
        applies_all, why = conditions.get(dbl.id) or conditions[dbl.condition]
        applies = applies_all[mask]
        if dbl.item is not None:  # doubling within one item only (重复访加倍 of 非正常上访)
            applies = applies & (item_of[rate_rows.rule[mask]] == dbl.item)
        if not applies.any():
            continue
        factor = int(dbl.factor or 1)
        raised = total * factor if stack else np.maximum(total, factor)
        new_total = np.where(applies, raised, total)
        extra = (new_total - total)[applies]
        total = new_total
        where = mask.copy()
        where[mask] = applies
        code = np.where(extra == 0, texts.index(NOTE_ALREADY_DOUBLED), why[where])
        parts.append(
            pt.rows(
                visits,
                rules,
                where,
                rule=dbl.id,
                rate=r[applies],
                multiplier=extra,
                points=count[applies] * r[applies] * extra,
                note=pt.notes(code, texts),
                persons=p[applies],
                level=visits["level"].array[where],
                basis=rate_rows.rule[where],
                **_COMMON,
            )
        )
    return parts
