"""Cells: every cell as written (personal numbers, control characters, length), then each
column parsed to its declared type (schema.Column.type); every unreadable cell becomes a
problem, shown masked where it may hold a name or prose (``masking``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..params import Limits, Rules, fold
from . import normalise as nz
from . import vocabulary as vocab
from .checks import CHECKS
from .coded import Coded, code, is_text
from .headers import extra_header
from .masking import (
    id_rule,
    may_name,
    personal_shown,
    prose_ids,
    prose_mask,
)
from .privacy import check_cells
from .problems import Problems
from .schema import SCHEMAS, Column, columns
from .shape import SHARED_IDS, category_dtype


def _parser(col: Column, rules: Rules) -> Callable[[pd.Series], tuple]:
    """The parser of one column type, applied to a column's distinct values
    (``coded``). Dates and head counts are bounded by limits.yaml; levels and forms are
    the rules' vocabulary (rules.yaml)."""
    limits = rules.limits
    if col.type in ("date", "opt_date"):
        earliest, latest = (
            (limits.first_petition_earliest, limits.first_petition_latest)
            if col.dates == "first_petition"
            else (limits.event_earliest, limits.event_latest)
        )
        required = col.type == "date"
        return lambda v: nz.dates(v, required, earliest, latest)
    if col.type == "persons":
        return lambda v: nz.persons(v, limits.max_persons_per_visit)
    return {
        "id": nz.ids,
        "opt_id": nz.optional_ids,
        "level": lambda v: nz.vocabulary(v, rules.level_spellings),
        "form": lambda v: nz.vocabulary(v, rules.form_spellings),
        "status": nz.statuses,
        "bool": nz.booleans,
        "opt_bool": nz.optional_booleans,
        "moment": lambda v: nz.moments(v, True, limits.event_earliest, limits.event_latest),
        "opt_moment": lambda v: nz.moments(v, False, limits.event_earliest, limits.event_latest),
        "outcome": lambda v: nz.vocabulary_or_blank(v, rules.reading.warning_outcomes),
        "post": lambda v: nz.posts(v, rules.reading.post_lookup(), col.required),
    }[col.type]


@dataclass
class Parsed:
    """A kind's columns parsed: the typed frame, and for each id column each row's key
    code (-1 where blank), so that repeated ids are found on integers."""

    typed: pd.DataFrame
    keys: dict[str, np.ndarray]


def parse_columns(
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    kind: str,
    rules: Rules,
    problems: Problems,
    coded: dict[str, Coded] | None = None,
    refused: dict[str, np.ndarray] | None = None,
) -> Parsed:
    """Typed columns for one kind; every unreadable cell becomes a problem. Each column
    is parsed once per distinct value (``coded``) and spread back to its rows. Cells
    ``refused`` already (a personal number: ``check_raw_cells``) are not judged again: one
    error a cell (联系13912345678 in 案件编号 is personal data, not also a malformed id).

    A "none" written as people write it (无, /, —, 暂无…: ledgers.yaml) is a blank cell in
    every column: an optional one is empty, a required one is an empty required cell. An
    id that reads as prose, or a dispute category outside the office's list, is refused and
    never echoed: the message shows it masked (``prose_mask``)."""
    out: dict[str, object] = {}
    keys: dict[str, np.ndarray] = {}
    quiet = _quiet(frame)
    for name, mask in (refused or {}).items():
        quiet[name] = quiet.get(name, np.zeros(len(frame), dtype=bool)) | mask
    for col in columns(kind, rules):
        c = (coded or {}).get(col.name) or code(frame[col.name])
        v = _per_value(col, c, rules)
        out[col.name] = _typed_rows(col, c, v.values, rules)
        if col.type == "id":
            keys[col.name] = c.spread(_key_codes(v.values, c))
        bad = c.spread(v.bad)
        if col.name in quiet:
            bad = bad & ~quiet[col.name]
        if bad.any():
            _report(frame, headers, kind, col, c, v, bad, rules, problems)
    return Parsed(pd.DataFrame(out, index=frame.index), keys)


@dataclass
class _Values:
    """One column judged per distinct value: typed value, bad, why (None: the default
    reason), said "none" (placeholder), an id that reads as prose."""

    values: pd.Series
    bad: np.ndarray
    why: object
    placeholder: np.ndarray
    prose: np.ndarray


def _per_value(col: Column, c: Coded, rules: Rules) -> _Values:
    """Parse the distinct values of one column (a typed column: its rows)."""
    written = c.uniques
    placeholder = _placeholders(c, rules)
    raw = written.mask(placeholder) if placeholder.any() else written
    if col.type in ("id", "opt_id"):
        return _ids(col, c, raw, placeholder, rules)
    if col.type == "unit":
        values, bad, why = vocab.units(raw, rules)
    elif col.type == "category":
        values, bad, why = vocab.categories(raw, rules)
    elif col.type == "dispute":
        values, bad, why = vocab.disputes(raw, rules)
    else:
        values, bad, *given = _parser(col, rules)(raw)
        why = given[0] if given else None
    prose = np.zeros(len(raw), dtype=bool)
    return _Values(values, np.asarray(bad | prose), why, placeholder, prose)


def _ids(col: Column, c: Coded, raw: pd.Series, placeholder: np.ndarray, rules: Rules) -> _Values:
    """The distinct ids of a column cleaned (spaces removed, upper case), those that read
    as prose refused; plain ASCII ones are judged from their character facts."""
    facts = c.facts()
    plain = facts.plain & ~placeholder
    values = nz.clean_ids(raw, plain, facts.lower)
    bad = values.isna().to_numpy() if col.type == "id" else np.zeros(len(raw), dtype=bool)
    prose = prose_ids(values, rules, np.where(plain, facts.length, -1), facts.vowel)
    if prose.any():
        values = values.mask(prose)
    return _Values(values, bad | prose, None, placeholder, prose)


def _typed_rows(col: Column, c: Coded, values: pd.Series, rules: Rules) -> object:
    """A column's typed values spread to its rows; a unit, level, form or status as the
    categorical the clean frame keeps (``shape.category_dtype``), built from codes."""
    dtype = category_dtype(col.name, rules)
    if col.name in SHARED_IDS and not c.identity:  # ids shared across ledgers: by code
        # (their categories put in text order when shared: shape.share_case_ids)
        codes, distinct = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        return pd.Series(
            pd.Categorical.from_codes(c.spread(codes), categories=distinct), index=c.index
        )
    if dtype is None or c.identity:
        return c.series(values)
    per_value = pd.Categorical(values, dtype=dtype)
    return pd.Series(
        pd.Categorical.from_codes(c.spread(per_value.codes), dtype=dtype), index=c.index
    )


def _key_codes(values: pd.Series, c: Coded) -> np.ndarray:
    """Each distinct value's key as an integer (-1 where blank): distinct written text
    that cleaning left as it was stays distinct, so only a changed id needs hashing. A
    plain id without a lower-case letter is one cleaning leaves alone (``clean_ids``):
    only the others are compared."""
    present = values.notna().to_numpy()
    cleaned = values.to_numpy(dtype=object)
    facts = c.facts()
    look = np.flatnonzero(present & (~facts.plain | facts.lower))
    written = c.uniques.to_numpy(dtype=object)
    if bool((cleaned[look] == written[look]).all()):
        return np.where(present, np.arange(len(values), dtype=np.int32), np.int32(-1))
    return pd.factorize(values, use_na_sentinel=True)[0]


def _report(
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    kind: str,
    col: Column,
    c: Coded,
    v: _Values,
    bad: np.ndarray,
    rules: Rules,
    problems: Problems,
) -> None:
    """The problems of one column's bad cells, each value shown as it may be (a refused
    value that may name a person by its length); later checks of the row quote the
    cell as shown here."""
    written, raw_na = c.uniques, c.uniques.mask(v.placeholder).isna().to_numpy()
    why = v.why if v.why is not None else _why(col, written.mask(v.placeholder), v.bad)
    why = pd.Series(why, index=written.index).astype(object)
    why[v.prose] = CHECKS["cell.prose"].say(**id_rule(rules))
    said = v.placeholder & v.bad
    if said.any():
        why[said] = written[said].map(lambda x: f"「{x}」表示没有,但此列必填")
    if col.type == "post":  # a name may stand where a post belongs: never echoed
        rows = ",两位领导分两行写" if kind == "roster" else ""  # one row a day each
        why[v.bad & ~raw_na & ~v.placeholder] = CHECKS["cell.post"].say(
            header=col.header, rows=rows
        )
        why[v.bad & raw_na & ~v.placeholder] = "必填项为空"
    # refused free text is never echoed: it may name a person; nor is a refused value
    # with a Chinese character foreign to its column (王小明 in 走访层级)
    hides = v.bad if col.type in ("dispute", "post") else np.zeros(len(written), bool)
    hides = hides | (v.bad & may_name(written.where(v.bad), col, rules))
    hidden = c.spread(v.prose) | (bad & c.spread(hides))
    if hidden.any():  # later checks of the row quote the cell as shown here
        masked = np.full(len(written), None, dtype=object)
        some = v.prose | hides
        masked[some] = prose_mask(written[some]).to_numpy()
        at = np.flatnonzero(hidden)
        cells = frame[col.name].to_numpy(dtype=object, copy=True)  # set by position
        cells[at] = masked[at] if c.identity else masked[c.codes[at]]
        frame[col.name] = pd.Series(cells, index=frame.index, dtype=object)
    expected = expected_text(col, rules)
    if col.type == "persons":
        expected += f"(不超过 {rules.limits.max_persons_per_visit};{rules.limits.persons_reason})"
    why_rows = c.at(why.to_numpy(), bad)
    prose = c.spread(v.prose)
    first_prose = bool(prose[np.flatnonzero(bad)[0]])
    parts = [("cell.prose", bad & prose), (f"cell.{col.type}", bad & ~prose)]
    for name, mask in parts if first_prose else parts[::-1]:
        if mask.any():
            shown = frame[col.name]
            problems.add(frame, mask, kind, headers[col.name], shown, why_rows, expected,
                         check=name)  # fmt: skip


def _quiet(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cells already reported while reading (a formula without a result), by column:
    not judged again (their row is refused by that report)."""
    if "_quiet" not in frame:
        return {}
    out: dict[str, np.ndarray] = {}
    for i, q in enumerate(frame["_quiet"].to_numpy(dtype=object)):
        for name in q if isinstance(q, frozenset) else ():
            out.setdefault(name, np.zeros(len(frame), dtype=bool))[i] = True
    return out


def _placeholders(c: Coded, rules: Rules) -> np.ndarray:
    """Distinct values that say "none" as people write it (ledgers.yaml placeholders).
    Plain ASCII text (``Coded.plain``) folds by upper-casing, and only when it is short."""
    marks = rules.reading.placeholders
    values = c.uniques
    if c.identity and not is_text(values):
        return np.zeros(len(values), dtype=bool)
    longest = max((len(m) for m in marks), default=0)
    cells = values.to_numpy(dtype=object)
    plain = c.plain()
    out = np.zeros(len(values), dtype=bool)
    short = np.flatnonzero(plain & (c.facts().length <= longest))
    out[short] = [x.upper() in marks for x in cells[short]]
    other = np.flatnonzero(~plain)
    if len(other):
        text = nz.text(values.iloc[other])
        out[other] = text.map(lambda t: fold(t) if isinstance(t, str) else t).isin(marks)
    return out


def expected_text(col: Column, rules: Rules) -> str:
    """What a valid value of a column looks like, in Chinese; levels and forms are named
    from the rules' vocabulary."""
    if col.type == "level":
        return "、".join(rules.levels) + "之一"
    if col.type == "form":
        return " 或 ".join(rules.forms)
    return col.expected


def _why(col: Column, raw: pd.Series, bad: np.ndarray) -> pd.Series:
    """Why each bad cell is bad: blank, or not a value of its type (only the bad cells are
    looked at; the others get no reason)."""
    blank = nz.text(raw[bad]).isna().to_numpy()
    why = np.where(blank, "必填项为空", f"无法识别的{col.header}")
    return pd.Series(why, index=raw.index[bad]).reindex(raw.index)


def check_raw_cells(
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    kind: str,
    limits: Limits,
    problems: Problems,
    coded: dict[str, Coded] | None = None,
) -> dict[str, np.ndarray]:
    """Every cell of every column, as written and before any normalisation: no personal
    number (in any spelling, in any column, number cells included), no control
    character, no overlong text. Each distinct value is looked at once (``coded``).
    Returns the cells refused for a personal number, by column."""
    names = [c.name for c in SCHEMAS[kind]]
    personal_cells: dict[str, np.ndarray] = {}
    extras = [c for c in frame.columns if str(c).startswith("extra:") or c in headers]
    extras = [c for c in dict.fromkeys(extras) if c not in names]  # declared columns too
    for name in names + extras:
        raw = frame[name]
        numeric = ptypes.is_numeric_dtype(raw) and not ptypes.is_bool_dtype(raw)
        if not is_text(raw) and not numeric:
            continue  # dates and booleans from a DataFrame hold no text
        # an extra column's header as its remark shows it (it may be a person's name)
        header = headers[name] if name in headers else extra_header(name, kind)
        flags = check_cells(raw, (coded or {}).get(name))
        personal = flags.personal != ""
        if personal.any():
            said = {w: CHECKS["text.personal"].say(what=w) for w in set(flags.personal[personal])}
            rows = flags.rows(personal)
            why = flags.coded.at([said.get(w, "") for w in flags.personal], rows)
            problems.add(frame, rows, kind, header, personal_shown(raw, rows), why,
                         check="text.personal")  # fmt: skip
            personal_cells[name] = rows
        if flags.control.any():
            rows = flags.rows(flags.control)
            problems.add(frame, rows, kind, header, _by_length(raw, rows), check="cell.control")
        too_long = flags.length > limits.max_cell_chars
        if too_long.any():
            long = CHECKS["cell.too_long"]
            said = [long.say(n=n) if t else "" for n, t in zip(flags.length, too_long, strict=True)]
            rows = flags.rows(too_long)
            problems.add(frame, rows, kind, header, _by_length(raw, rows),
                         flags.coded.at(said, rows), long.expect(max_chars=limits.max_cell_chars),
                         check=long.id)  # fmt: skip
    return personal_cells


def _by_length(raw: pd.Series, rows: np.ndarray) -> pd.Series:
    """Cells refused for what they hold as written (a control character, an overlong
    text), as a message shows them: by their length only — whatever else such a cell
    holds may name a person (王建国 and a stray control character)."""
    out = pd.Series(None, index=raw.index, dtype=object)
    out[rows] = prose_mask(raw[rows]).to_numpy()
    return out
