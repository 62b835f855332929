"""Columns coded once (issue 19: scan distinct values, not rows).

A column of a million cells holds a few thousand distinct values: each text column of a
kind's frame is factorised once into its distinct values as written and each row's code,
every check of a cell (the personal-number scan, placeholders, parsing, vocabulary and
near-miss folding, masking) runs on the distinct values, and its result is spread back
to the rows by code. Typed columns (datetime64, bool, numbers: the DataFrame path) are
not coded: their distinct values are their rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from pandas.api import types as ptypes


@dataclass
class Coded:
    """One column factorised: ``uniques`` (RangeIndex) holds each distinct value as
    written, then, for a text column, one None standing for every blank cell (None, NaN,
    NA); ``codes`` gives each row's position in ``uniques``. ``identity`` marks a typed
    column, whose uniques are its rows."""

    codes: np.ndarray
    uniques: pd.Series
    index: pd.Index
    identity: bool = False
    _facts: TextFacts | None = field(default=None, repr=False)

    def spread(self, per_value: object) -> np.ndarray:
        """A per-value array as a per-row array."""
        values = np.asarray(per_value)
        return values if self.identity else values[self.codes]

    def at(self, per_value: object, rows: np.ndarray) -> np.ndarray:
        """A per-value array spread to the rows in the mask ``rows`` only (None at the
        others), an object array of the rows: a message for each bad cell, not a text per
        row of a million (nor a Series of them)."""
        out = np.empty(len(rows), dtype=object)
        where = np.flatnonzero(rows)
        values = np.asarray(per_value, dtype=object)
        out[where] = values[where] if self.identity else values[self.codes[where]]
        return out

    def series(self, per_value: pd.Series) -> pd.Series:
        """A per-value Series as a per-row Series (its dtype kept), on the rows' index."""
        rows = per_value if self.identity else per_value.take(self.codes)
        return rows.set_axis(self.index)

    def facts(self) -> TextFacts:
        """The character facts of the distinct values (computed once, then kept)."""
        if self._facts is None:
            values = self.uniques.to_numpy(dtype=object)
            if self.identity or len(values) < 2:
                self._facts = text_facts(values)
            else:  # the blank stands last: the others may all be text (the fast path)
                self._facts = _with_blank(text_facts(values[:-1]))
        return self._facts

    def plain(self) -> np.ndarray:
        """Distinct values that every normalisation leaves alone (``TextFacts.plain``)."""
        return self.facts().plain


@dataclass
class TextFacts:
    """What each of many values is made of, found for all of them at once (the values
    joined and read as code points, a block at a time), not with a call per value:

    - ``text``: a str; ``length``: its characters (0 when not text);
    - ``plain``: non-empty ASCII without spaces or control characters, which NFKC,
      invisible characters, stripping and squashing leave alone and folding upper-cases;
    - ``ascii``: only ASCII characters; ``lower``: holds a lower-case ASCII letter;
    - ``digits``: how many ASCII digits (all its digits, for an ASCII value);
    - ``control``: holds a control character (privacy: U+0000–U+0008, U+000B, U+000C,
      U+000E–U+001F, U+007F–U+009F)."""

    text: np.ndarray
    length: np.ndarray
    plain: np.ndarray
    ascii: np.ndarray
    lower: np.ndarray
    digits: np.ndarray
    control: np.ndarray
    vowel: np.ndarray | None = None  # holds an ASCII vowel (a, e, i, o, u: pinyin's)


def _with_blank(facts: TextFacts) -> TextFacts:
    """The facts of some values and then of one blank (None: no text, no characters)."""
    return TextFacts(*(np.append(getattr(facts, f.name), np.zeros(1, getattr(facts, f.name).dtype))
                       for f in fields(TextFacts)))  # fmt: skip


BLOCK = 1 << 18  # values read as code points at a time (a block of ids: some 10 MB)


# each character's kinds as bits (code points from U+0100 share the last entry)
_ODD, _WIDE, _LOWER, _DIGIT, _CONTROL, _VOWEL = 1, 2, 4, 8, 16, 32
_KINDS = np.zeros(0x101, dtype=np.uint8)
_KINDS[:0x21] |= _ODD
_KINDS[0x7F:] |= _ODD
_KINDS[0x80:] |= _WIDE
_KINDS[0x61:0x7B] |= _LOWER
_KINDS[0x30:0x3A] |= _DIGIT
for _lo, _hi in ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F)):
    _KINDS[_lo : _hi + 1] |= _CONTROL
for _ch in "AEIOUaeiou":
    _KINDS[ord(_ch)] |= _VOWEL


def text_facts(values: np.ndarray) -> TextFacts:
    """The facts of each value (``TextFacts``), a block of values at a time."""
    n = len(values)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # every one text
        text = np.ones(n, dtype=bool)
        length = np.fromiter(map(len, values), dtype=np.int64, count=n)
    else:
        text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=n)
        length = np.zeros(n, dtype=np.int64)
        length[text] = np.fromiter(map(len, values[text]), dtype=np.int64, count=int(text.sum()))
    kinds = np.zeros(n, dtype=np.uint8)
    digits = np.zeros(n, dtype=np.int32)
    for lo in range(0, n, BLOCK):
        part = slice(lo, lo + BLOCK)
        _block(values[part], text[part] & (length[part] > 0), length[part], kinds[part],
               digits[part])  # fmt: skip
    return TextFacts(
        text=text,
        length=length,
        plain=text & (length > 0) & (kinds & _ODD == 0),
        ascii=text & (kinds & _WIDE == 0),
        lower=kinds & _LOWER > 0,
        digits=digits,
        control=kinds & _CONTROL > 0,
        vowel=kinds & _VOWEL > 0,
    )


def _block(
    values: np.ndarray,
    filled: np.ndarray,
    length: np.ndarray,
    kinds: np.ndarray,
    digits: np.ndarray,
) -> None:
    """The kinds of character each value of one block holds, and its digits (into
    ``kinds`` and ``digits``)."""
    at = np.flatnonzero(filled)
    if not len(at):
        return
    joined = "".join(values[at])
    if joined.isascii():  # a byte a character (ids, dates): a quarter of the memory
        each = _KINDS[np.frombuffer(joined.encode("ascii"), dtype=np.uint8)]
    else:
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        each = _KINDS[np.minimum(points, 0x100)]
    starts = np.concatenate([[0], np.cumsum(length[at])[:-1]])
    kinds[at] = np.bitwise_or.reduceat(each, starts)
    digits[at] = np.add.reduceat(each & _DIGIT, starts, dtype=np.int32) // _DIGIT


def is_text(values: pd.Series) -> bool:
    """A column of cells as written (object or string dtype), not a typed one."""
    return ptypes.is_object_dtype(values) or ptypes.is_string_dtype(values)


def code(values: pd.Series) -> Coded:
    """Factorise a column exactly: values of different types never share a code (1, 1.0
    and True are one hash key to pandas, but not one cell: 1 is a head count, TRUE is
    not)."""
    if not is_text(values):
        return Coded(np.empty(0, np.int8), values.reset_index(drop=True), values.index, True)
    cells = values.to_numpy(dtype=object)  # a text-dtype column's own factorise is slower
    if len(cells) and pd.isna(cells[0]) and pd.isna(cells).all():  # a column not sent
        return Coded(np.zeros(len(cells), np.int8), pd.Series([None], dtype=object), values.index)
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    if pd.api.types.infer_dtype(distinct, skipna=False) not in ("string", "empty"):
        codes, distinct = _by_type(values.to_numpy(dtype=object), codes)
    codes = codes.astype(_smallest(len(distinct) + 1))
    codes[codes < 0] = len(distinct)  # blanks: the None that stands last
    uniques = pd.Series(np.append(distinct, None), dtype=object)
    return Coded(codes, uniques, values.index)


def _by_type(cells: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factorise a column of mixed types by (type, value): a text value keys as itself."""
    table: dict[object, int] = {}
    firsts: list[object] = []
    out = np.full(len(cells), -1, dtype=np.int64)
    for i in np.flatnonzero(codes >= 0):
        v = cells[i]
        key = v if type(v) is str else (type(v), v)
        at = table.setdefault(key, len(table))
        if at == len(firsts):
            firsts.append(v)
        out[i] = at
    distinct = np.empty(len(firsts), dtype=object)
    distinct[:] = firsts
    return out, distinct


def _smallest(n: int) -> type:
    """The smallest integer type that holds codes up to ``n`` (a column's codes held for
    every row: 10M rows of int64 are 80 MB a column)."""
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return kind
    return np.int64


def coded_frame(frame: pd.DataFrame, names: list[str]) -> dict[str, Coded]:
    """Every named column of a kind's frame, coded once."""
    return {name: code(frame[name]) for name in names}
