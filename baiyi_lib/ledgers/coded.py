"""Columns coded once (issue 19: scan distinct values, not rows).

A column of a million cells holds a few thousand distinct values: each text column of a
kind's frame is factorised once into its distinct values as written and each row's code,
every check of a cell (the personal-number scan, placeholders, parsing, vocabulary and
near-miss folding, masking) runs on the distinct values, and its result is spread back
to the rows by code. Typed columns (datetime64, bool, numbers: the DataFrame path) are
not coded: their distinct values are their rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def series(self, per_value: pd.Series) -> pd.Series:
        """A per-value Series as a per-row Series (its dtype kept), on the rows' index."""
        rows = per_value if self.identity else per_value.take(self.codes)
        return rows.set_axis(self.index)

    def facts(self) -> TextFacts:
        """The character facts of the distinct values (computed once, then kept)."""
        if self._facts is None:
            self._facts = text_facts(self.uniques.to_numpy(dtype=object))
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


BLOCK = 1 << 18  # values read as code points at a time (a block of ids: some 10 MB)


def text_facts(values: np.ndarray) -> TextFacts:
    """The facts of each value (``TextFacts``), a block of values at a time."""
    n = len(values)
    missing = pd.isna(values)
    text = ~missing
    if pd.api.types.infer_dtype(values[text], skipna=False) not in ("string", "empty"):
        text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=n)
    length = np.zeros(n, dtype=np.int64)
    length[text] = np.fromiter(map(len, values[text]), dtype=np.int64, count=int(text.sum()))
    found = {k: np.zeros(n, dtype=np.int64) for k in ("odd", "wide", "lower", "digits", "control")}
    for lo in range(0, n, BLOCK):
        _block(values[lo : lo + BLOCK], text[lo : lo + BLOCK], length[lo : lo + BLOCK],
               {k: v[lo : lo + BLOCK] for k, v in found.items()})  # fmt: skip
    return TextFacts(
        text=text,
        length=length,
        plain=text & (length > 0) & (found["odd"] == 0),
        ascii=text & (found["wide"] == 0),
        lower=found["lower"] > 0,
        digits=found["digits"],
        control=found["control"] > 0,
    )


def _block(values: np.ndarray, text: np.ndarray, length: np.ndarray, out: dict) -> None:
    """Count, for each value of one block, its characters of each kind (into ``out``)."""
    filled = np.flatnonzero(text & (length > 0))
    if not len(filled):
        return
    joined = "".join(values[filled]).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(joined, dtype=np.uint32)
    starts = np.concatenate([[0], np.cumsum(length[filled])[:-1]])
    kinds = {
        "odd": (points < 0x21) | (points > 0x7E),
        "wide": points > 0x7F,
        "lower": (points >= 0x61) & (points <= 0x7A),
        "digits": (points >= 0x30) & (points <= 0x39),
        "control": (points <= 0x08) | (points == 0x0B) | (points == 0x0C)
        | ((points >= 0x0E) & (points <= 0x1F)) | ((points >= 0x7F) & (points <= 0x9F)),
    }  # fmt: skip
    for name, hit in kinds.items():
        out[name][filled] = np.add.reduceat(hit.astype(np.int32), starts)


def is_text(values: pd.Series) -> bool:
    """A column of cells as written (object or string dtype), not a typed one."""
    return ptypes.is_object_dtype(values) or ptypes.is_string_dtype(values)


def code(values: pd.Series) -> Coded:
    """Factorise a column exactly: values of different types never share a code (1, 1.0
    and True are one hash key to pandas, but not one cell: 1 is a head count, TRUE is
    not)."""
    if not is_text(values):
        return Coded(np.arange(len(values)), values.reset_index(drop=True), values.index, True)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(distinct, skipna=False) not in ("string", "empty"):
        codes, distinct = _by_type(values.to_numpy(dtype=object), codes)
    codes = np.where(codes < 0, len(distinct), codes)
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


def coded_frame(frame: pd.DataFrame, names: list[str]) -> dict[str, Coded]:
    """Every named column of a kind's frame, coded once."""
    return {name: code(frame[name]) for name in names}
