"""Refused values that may name a person: ids that read as prose, values with a Chinese
character their column never uses, cells with words beside a personal number. A message
shows such a value by its length only."""

from __future__ import annotations

import dataclasses
import difflib
import re
import weakref

import numpy as np
import pandas as pd

from ..params import Rules
from . import normalise as nz
from .coded import text_facts
from .privacy import WORDS, length_only
from .schema import (
    INSTRUCTION_SHEET_WORDS,
    KIND_KEYWORDS,
    KIND_LABELS,
    NO,
    STATUS_ALIASES,
    YES,
    Column,
)

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
    values: pd.Series,
    rules: Rules,
    ascii_length: np.ndarray | None = None,
    vowel: np.ndarray | None = None,
) -> np.ndarray:
    """Ids that read as a sentence or hold a name rather than a code (ledgers.yaml ids):
    too long, too many Chinese characters, Chinese characters without any digit (王小明),
    Chinese characters where a surname begins a name outside the units' names and the
    listed words (王建国01, JA-王建国-1: ``surname_led``), or, where the office has turned it
    on, letters that spell a name in pinyin (ZHANGWEI-2019, LI-WEI-01).
    ``values``: a column's distinct ids, cleaned (upper case, no spaces); ``ascii_length``:
    where known, each value's length if it is ASCII text, else -1. An ASCII id is looked
    at letter by letter only when it holds a vowel (NSZ-2019-001 and ZF2019020001 do not:
    no call per value for a million visit ids)."""
    r = rules.reading
    named = surname_led(_unit_pieces(rules) | r.id_words, r.surnames)
    spells = _pinyin_runs(r.id_syllables, r.id_pinyin_letters, r.id_pinyin_words)
    pinyin = r.id_pinyin_refused  # letters read as a name only where the office turns it on

    def prose(t: object) -> bool:
        if not isinstance(t, str):
            return False
        han = len(_HAN.findall(t))
        return (
            len(t) > r.id_max_chars
            or han > r.id_max_han
            or (r.id_need_digit and han > 0 and not any(ch.isdigit() for ch in t))
            or any(named(run) for run in _HAN_RUN.findall(t))
            or (pinyin and spells(t))
        )

    cells = values.to_numpy(dtype=object)
    if ascii_length is None or vowel is None:
        facts = text_facts(cells)
        ascii_length = np.where(facts.text & facts.ascii, facts.length, -1)
        vowel = facts.vowel
    out = ascii_length > r.id_max_chars
    if pinyin:
        lettered = np.flatnonzero((ascii_length >= r.id_pinyin_letters) & ~out & vowel)
        # only ids with enough letters in a row (AJB-2019-001 has 3) are read letter by letter
        enough = re.compile(rf"[A-Za-z](?:{_JOINS}*[A-Za-z]){{{r.id_pinyin_letters - 1}}}")
        lettered = lettered[[enough.search(t) is not None for t in cells[lettered]]]
        out[lettered] = [spells(t) for t in cells[lettered]]
    other = np.flatnonzero(ascii_length < 0)
    out[other] = [prose(t) for t in cells[other]]
    return out


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# letters with what may stand between the letters of one name (Li-Wei, Li_Wei, Li.Wei)
_JOINS = "[-_.·・ ]"
_LETTER_RUNS = re.compile(rf"[A-Za-z]+(?:{_JOINS}+[A-Za-z]+)*")


def _unit_pieces(rules: Rules) -> set[str]:
    """The units' names and aliases, and every two or more of their characters in a row."""
    pieces: set[str] = set()
    for spelling in rules.units.lookup():
        if _HAN.search(spelling):
            pieces |= {spelling[i:j] for i in range(len(spelling))
                       for j in range(i + 2, len(spelling) + 1)}  # fmt: skip
    return pieces


# what stands for each character of a run a name shows by its length only
HIDDEN = "□"


_MASKERS: dict[int, tuple[weakref.ref, object]] = {}


def name_masker(rules: Rules):
    """The masker of ``rules`` (``_name_masker``), made once per rule set: a folder of 27
    workbooks asks for it for every file and sheet."""
    kept = _MASKERS.get(id(rules))
    if kept is not None and kept[0]() is rules:
        return kept[1]
    masker = _name_masker(rules)
    _MASKERS[id(rules)] = (weakref.ref(rules), masker)
    return masker


def _name_masker(rules: Rules):
    """How a file's or a sheet's name is shown and stored: a run of Chinese characters in
    which a surname (ledgers.yaml file_names) begins a name (``surname_led``) among the
    words names of returns are written with (the units', the ledgers', the method's
    documents, file_names, ids.words) may name a person (王建国反映情况台账.xlsx, 张伟.xlsx,
    nsz_农水站(王芳).xlsx): the whole run is shown by its length, a □ a character. Other
    names stay as written (周五报送, 石泉湖水库, 会议纪要)."""
    pieces = _unit_pieces(rules) | rules.reading.id_words | rules.reading.file_words
    pieces |= {w for words in KIND_KEYWORDS.values() for w in words} | set(KIND_LABELS.values())
    pieces |= set(INSTRUCTION_SHEET_WORDS)
    for doc, _ in rules.campaign.documents:
        pieces |= {doc.name, *doc.words}
    named = surname_led(pieces, rules.reading.surnames)

    def mask(name: str) -> str:
        return _HAN_RUN.sub(lambda m: HIDDEN * len(m.group()) if named(m.group()) else m.group(),
                            name)  # fmt: skip

    return mask


def surname_led(pieces: set[str] | frozenset[str], surnames: frozenset[str]):
    """Whether a run of Chinese characters may hold a person's name: a surname followed by
    a character, the two inside none of the known words ``pieces`` (two characters or
    more: 石泉湖 covers 石泉, 周五 covers 周): 王建国, 张伟, 大店镇王芳."""
    words = {w for w in pieces if len(w) >= 2 and _HAN.search(w)}
    longest = max(map(len, words), default=0)

    def named(run: str) -> bool:
        covered = [False] * len(run)
        for i in range(len(run)):
            for j in range(i + 2, min(len(run), i + longest) + 1):
                if run[i:j] in words:
                    covered[i:j] = [True] * (j - i)
        for i in range(len(run)):
            for s in surnames:
                end = i + len(s)
                if (run.startswith(s, i) and end < len(run)
                        and not any(covered[i : end + 1])):  # fmt: skip
                    return True
        return False

    return named


def mask_batch_names(batch, mask) -> None:
    """Every name of a batch (``read.Batch``) as shown and stored: one that may name a
    person shown by its length; two that masking made alike told apart (张伟, 李娜)."""
    taken: set[str] = set()

    def unique(name: str) -> str:
        shown, n = mask(name), 1
        while shown in taken:
            n += 1
            stem, dot, suffix = mask(name).rpartition(".")
            shown = f"{stem}({n}).{suffix}" if dot else f"{mask(name)}({n})"
        taken.add(shown)
        return shown

    # each file its own shown name: two names shown alike already (two spellings of one
    # phone number, 138******00) are two files, not one name
    named = [(f, unique(name)) for f, name in batch.named]
    renamed: dict[str, str] = {}
    for (_, name), (_, shown) in zip(batch.named, named, strict=True):
        renamed.setdefault(name, shown)
    batch.named = named
    batch.documents = [(f, renamed.get(name) or mask(name)) for f, name in batch.documents]
    batch.unread = [u | {"file": renamed.get(u["file"]) or mask(u["file"])} for u in batch.unread]
    batch.notes = [dataclasses.replace(n, file=mask(n.file)) for n in batch.notes]


def _pinyin_runs(syllables: frozenset[str], letters: int, names_no_one: frozenset[str]):
    """Whether an id holds letters that spell a name in pinyin: a run of letters (or of
    letter groups joined by - _ . or a space: LI-WEI) of at least ``letters`` letters made
    wholly of syllables, unless it is one of ``names_no_one`` (JUNAN). Unit codes (NSZ,
    HDB, SL, ZF) are no syllables."""
    longest = max(map(len, syllables), default=0)

    def syllabic(word: str) -> bool:
        reach = [True] + [False] * len(word)
        for i in range(len(word)):
            if reach[i]:
                for j in range(i + 1, min(len(word), i + longest) + 1):
                    reach[j] = reach[j] or word[i:j] in syllables
        return reach[-1]

    judged: dict[str, bool] = {}  # a run of letters judged once (JUNAN-0000001, -0000002…)

    def run_spells(found: str) -> bool:
        if found not in judged:
            groups = re.findall(r"[A-Za-z]+", found.upper())
            judged[found] = any(
                len(w) >= letters and w not in names_no_one and syllabic(w)
                for a in range(len(groups))
                for w in ("".join(groups[a:b]) for b in range(a + 1, len(groups) + 1))
            )
        return judged[found]

    def spells(t: str) -> bool:
        return any(run_spells(found) for found in _LETTER_RUNS.findall(t))

    return spells


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
