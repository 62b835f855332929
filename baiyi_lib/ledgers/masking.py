"""Refused values that may name a person: ids that read as prose, values with a Chinese
character their column never uses, cells with words beside a personal number. A message
shows such a value by its length only."""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from ..params import Rules
from . import normalise as nz
from .coded import text_facts
from .privacy import WORDS, length_only
from .schema import NO, STATUS_ALIASES, YES, Column

# The Chinese characters a date or a head count is written with (2019年3月5日14时30分, 3人)
_DATE_CHARACTERS = frozenset("年月日号时点分秒上下午晚早中凌晨零〇一二三四五六七八九十廿卅人次")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def column_words(col: Column, rules: Rules) -> list[str] | None:
    """The spellings a value of a closed-vocabulary column may take (levels, forms,
    units, statuses, categories, outcomes, yes/no); None for other columns."""
    vocab = {
        "level": rules.level_spellings,
        "form": rules.form_spellings,
        "status": STATUS_ALIASES,
        "outcome": rules.reading.warning_outcomes,
        "dispute": rules.reading.dispute_categories,
    }.get(col.type)
    if vocab is not None:
        return [w for k, v in vocab.items() for w in (k, *v)]
    if col.type == "unit":
        return list(rules.units.lookup())
    if col.type == "category":
        return [*rules.categories, *rules.category_aliases]
    if col.type in ("bool", "opt_bool"):
        return [*YES, *NO]
    return None


def may_name(written: pd.Series, col: Column, rules: Rules) -> np.ndarray:
    """Refused cells that may hold a person's name, so that a message shows their length,
    not their text (王小明 typed into 走访层级, 程建民 into 责任单位, Zhang San anywhere):

    - a closed-vocabulary column: any value with a letter or a Chinese character that is
      not a near-miss of one of its spellings (石泉湖水库管理处 is shown: a typo of 石泉湖水库
      管理所; 到乡, 可能 and a name are not, their likeness is too slight to tell);
    - a date, a time or a head count: any value with a Chinese character that dates and
      counts are not written with (2019年3月5日14时30分, 三人 are shown; 下周三 is not: 周 is a
      surname), or with a run of letters, or without a digit or numeral at all.
    Ids have their own rule (``prose_ids``)."""
    words = column_words(col, rules)
    dated = col.type in ("date", "opt_date", "moment", "opt_moment", "persons")
    if words is None and not dated:
        return np.zeros(len(written), dtype=bool)
    squashed = ["".join(w.split()).upper() for w in words or ()]

    def hides(v: object) -> bool:
        if not isinstance(v, str):
            return False
        t = "".join(v.split()).upper()
        if not _HAN.search(t) and not _LETTERS.search(t):
            return False  # digits and signs only: nothing that can name a person
        if dated:
            han = _HAN.findall(t)
            numeral = any(ch.isdigit() or ch in _NUMERALS for ch in t)
            return (
                bool(_LETTERS.search(t))
                or not numeral
                or any(ch not in _DATE_CHARACTERS for ch in han)
            )
        return not near_miss(t, squashed)

    present = written.notna().to_numpy()  # callers pass the refused cells only
    cells = written[present].astype(object)
    distinct = {v: hides(v) for v in pd.unique(cells)}
    out = np.zeros(len(written), dtype=bool)
    out[present] = [distinct[v] for v in cells]
    return out


def near_miss(value: str, words: list[str]) -> bool:
    """``value`` is a near-miss of one of ``words``: alike enough (difflib, ``NEAR_MISS``)
    and a typo of it, so that a message may show it (石泉湖水库管理处, 是否不满意)."""
    return any(
        typo_of(value, w) for w in difflib.get_close_matches(value, words, n=3, cutoff=NEAR_MISS)
    )


def typo_of(value: str, word: str) -> bool:
    """A typo of ``word``: no longer than it, and at most one character it does not hold
    (农水占 for 农水站; never 农水站张伟: the word with a name added)."""
    return len(value) <= len(word) and sum(ch not in word for ch in value) <= 1


# how like a spelling a refused value must be to count as its typo (difflib's ratio)
NEAR_MISS = 0.6
_NUMERALS = frozenset("零〇一二三四五六七八九十廿卅")
_LETTERS = re.compile(r"[A-Za-z]{2,}")


def id_rule(rules: Rules) -> dict:
    """The fields of the prose-id message (checks: cell.prose)."""
    return {"max_han": rules.reading.id_max_han, "max_chars": rules.reading.id_max_chars}


def prose_ids(
    values: pd.Series, rules: Rules, ascii_length: np.ndarray | None = None
) -> np.ndarray:
    """Ids that read as a sentence (or a name) rather than a code (ledgers.yaml ids): too
    long, too many Chinese characters, or Chinese characters without any digit (王小明).
    ``values``: a column's distinct ids; an ASCII one holds no Chinese character, so only
    its length is looked at (``ascii_length``: where known, each value's length if it is
    ASCII text, else -1)."""
    r = rules.reading

    def prose(t: object) -> bool:
        if not isinstance(t, str):
            return False
        han = len(_HAN.findall(t))
        return (
            len(t) > r.id_max_chars
            or han > r.id_max_han
            or (r.id_need_digit and han > 0 and not any(ch.isdigit() for ch in t))
        )

    cells = values.to_numpy(dtype=object)
    if ascii_length is None:
        facts = text_facts(cells)
        ascii_length = np.where(facts.text & facts.ascii, facts.length, -1)
    out = ascii_length > r.id_max_chars
    other = np.flatnonzero(ascii_length < 0)
    out[other] = [prose(t) for t in cells[other]]
    return out


def personal_shown(raw: pd.Series, personal: np.ndarray) -> pd.Series:
    """A cell refused for a personal number as a message shows it: the number masked when
    the cell holds nothing else; its length only when words stand beside the number (they
    may name the person: 联系人李四138…)."""
    out = raw.astype(object).copy()
    if not personal.any():
        return out
    found = raw[personal]  # only the refused cells are looked at (a column may be 1M rows)
    text = found.map(nz._cell_text).astype(object)
    words = text.map(lambda t: isinstance(t, str) and bool(WORDS.search(t))).to_numpy(bool)
    out[found.index[words]] = prose_mask(found[words])
    return out


def prose_mask(raw: pd.Series) -> pd.Series:
    """A refused free-text value as a message may show it: its length, never any of its
    characters (李四 is two characters; a first character is a surname)."""

    def mask(v: object) -> object:
        t = nz._cell_text(v)
        if t is pd.NA:
            return ""
        t = str(t)
        return length_only(t)

    return raw.map(mask)
