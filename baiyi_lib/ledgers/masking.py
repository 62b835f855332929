"""Refused values that may name a person: ids that read as prose, values with a Chinese
character their column never uses, cells with words beside a personal number. A message
shows such a value by its length only."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..params import Rules
from . import normalise as nz
from .schema import NO, STATUS_ALIASES, YES, Column

# The Chinese characters a date or a head count is written with (2019年3月5日14时30分, 3人)
_DATE_CHARACTERS = frozenset("年月日号时点分秒上下午晚早中凌晨零〇一二三四五六七八九十廿卅人次")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def column_characters(col: Column, rules: Rules) -> frozenset[str] | None:
    """The Chinese characters a value of this column is written with: those of its
    vocabulary's spellings (levels, forms, units…), or of dates and head counts. None for
    ids, whose refusal has its own rule (``prose_ids``)."""
    words: list[str] = []
    if col.type in ("date", "opt_date", "moment", "opt_moment", "persons"):
        return _DATE_CHARACTERS
    vocab = {
        "level": rules.level_spellings,
        "form": rules.form_spellings,
        "status": STATUS_ALIASES,
        "outcome": rules.reading.warning_outcomes,
        "dispute": rules.reading.dispute_categories,
    }.get(col.type)
    if vocab is not None:
        words = [w for k, v in vocab.items() for w in (k, *v)]
    elif col.type == "unit":
        words = list(rules.units.lookup())
    elif col.type == "category":
        words = [*rules.categories, *rules.category_aliases]
    elif col.type in ("bool", "opt_bool"):
        words = [*YES, *NO]
    else:
        return None
    return frozenset("".join(words))


def may_name(written: pd.Series, allowed: frozenset[str] | None) -> np.ndarray:
    """Cells holding a Chinese character their column never uses: they may hold a person's
    name (王小明 typed into 走访层级), so a message shows their length, not their text."""
    if allowed is None:
        return np.zeros(len(written), dtype=bool)
    return written.map(
        lambda v: isinstance(v, str) and any(ch not in allowed for ch in _HAN.findall(v))
    ).to_numpy(dtype=bool)


def id_rule(rules: Rules) -> dict:
    """The fields of the prose-id message (checks: cell.prose)."""
    return {"max_han": rules.reading.id_max_han, "max_chars": rules.reading.id_max_chars}


def prose_ids(values: pd.Series, rules: Rules) -> np.ndarray:
    """Ids that read as a sentence (or a name) rather than a code (ledgers.yaml ids): too
    long, too many Chinese characters, or Chinese characters without any digit (王小明)."""
    r = rules.reading

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        def prose(t: object) -> bool:
            if not isinstance(t, str):
                return False
            han = len(_HAN.findall(t))
            return (
                len(t) > r.id_max_chars
                or han > r.id_max_han
                or (r.id_need_digit and han > 0 and not any(ch.isdigit() for ch in t))
            )

        return v, v.map(prose).to_numpy(dtype=bool)

    return nz.per_value(parse)(values.astype(object))[1]


# words beside a number: Chinese characters or Latin letters (not the X of an ID number)
_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]{2,}")


def personal_shown(raw: pd.Series, personal: np.ndarray) -> pd.Series:
    """A cell refused for a personal number as a message shows it: the number masked when
    the cell holds nothing else; its length only when words stand beside the number (they
    may name the person: 联系人李四138…)."""
    text = raw.map(nz._cell_text).astype(object)
    words = text.map(lambda t: isinstance(t, str) and bool(_WORDS.search(t))).to_numpy(bool)
    return raw.where(~(personal & words), prose_mask(raw))


def prose_mask(raw: pd.Series) -> pd.Series:
    """A refused free-text value as a message may show it: its length, never any of its
    characters (李四 is two characters; a first character is a surname)."""

    def mask(v: object) -> object:
        t = nz._cell_text(v)
        if t is pd.NA:
            return ""
        t = str(t)
        return f"(共 {len(t)} 字,原文未显示)"

    return raw.map(mask)
