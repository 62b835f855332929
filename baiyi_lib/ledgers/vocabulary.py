"""Columns read against a vocabulary of the params: units (units.yaml), dispute categories
(ledgers.yaml) and incident categories (the method's list)."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ..params import Rules, canonical_category
from . import normalise as nz


def units(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """Canonical unit names from names, aliases or ids; unknown ones get a suggestion."""
    lookup = rules.units.lookup()

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        out = nz.squashed(v).map(lookup)
        return out, out.isna().to_numpy()

    values, bad = parse(raw)  # raw: a column's distinct values (coded)
    s = nz.squashed(raw[bad]).reindex(raw.index)
    why = pd.Series("必填项为空", index=raw.index[bad], dtype=object)
    for spelling in s[bad & s.notna().to_numpy()].unique():
        close = difflib.get_close_matches(spelling, list(lookup), n=1, cutoff=0.5)
        hint = f";是否为「{lookup[close[0]]}」?" if close else ""
        why[s[bad] == spelling] = f"单位名称不在单位名单中{hint}"
    why = why.reindex(raw.index)
    return values, bad, why


def disputes(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A dispute category (纠纷类别) from the office's list in ledgers.yaml, or blank."""
    lookup = rules.reading.dispute_lookup()

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        s = nz.text(v)
        out = s.map(lambda t: lookup.get(_squash_text(t)) if isinstance(t, str) else None)
        return out.astype(object), (s.notna() & out.isna()).to_numpy()

    values, bad = parse(raw)  # raw: a column's distinct values (coded)
    names = "、".join(rules.reading.dispute_categories)
    why = pd.Series(np.where(bad, f"不是纠纷类别;台账只填类别({names})", ""), index=raw.index)
    return values, bad, why


def _squash_text(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "、,,;;。.")


def categories(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """An incident category of the method's list. A method that charges no event lists
    none: the category is kept as written (the row is read, and not scored, with why)."""
    s = nz.text(raw)
    if not rules.categories:
        return s.astype(object), s.isna().to_numpy(), pd.Series("必填项为空", index=raw.index)
    table = {v: canonical_category(rules, v) for v in s.dropna().unique()}
    values = s.map(table)
    bad = values.isna().to_numpy()
    why = pd.Series(
        np.where(s.isna(), "必填项为空", "事件类别不在考核办法所列类别中"), index=raw.index
    )
    return values, bad, why
