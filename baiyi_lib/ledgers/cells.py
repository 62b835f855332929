"""Cells: every cell as written (personal numbers, control characters, length), then each
column parsed to its declared type (schema.Column.type); every unreadable cell becomes a
problem, shown masked where it may hold a name or prose (``masking``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..params import Limits, Rules, fold
from . import normalise as nz
from . import vocabulary as vocab
from .checks import CHECKS
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


def _parser(col: Column, rules: Rules) -> Callable[[pd.Series], tuple]:
    """The parser of one column type; columns with few distinct values are parsed once per
    distinct value (nz.per_value). Dates and head counts are bounded by limits.yaml; levels
    and forms are the rules' vocabulary (rules.yaml)."""
    limits = rules.limits
    if col.type in ("date", "opt_date"):
        earliest, latest = (
            (limits.first_petition_earliest, limits.first_petition_latest)
            if col.dates == "first_petition"
            else (limits.event_earliest, limits.event_latest)
        )
        required = col.type == "date"
        return nz.per_value(lambda v: nz.dates(v, required, earliest, latest))
    if col.type == "persons":
        return nz.per_value(lambda v: nz.persons(v, limits.max_persons_per_visit))
    return {
        "id": nz.ids,
        "opt_id": nz.optional_ids,
        "level": nz.per_value(lambda v: nz.vocabulary(v, rules.level_spellings)),
        "form": nz.per_value(lambda v: nz.vocabulary(v, rules.form_spellings)),
        "status": nz.per_value(nz.statuses),
        "bool": nz.per_value(nz.booleans),
        "opt_bool": nz.per_value(nz.optional_booleans),
        "moment": nz.per_value(
            lambda v: nz.moments(v, True, limits.event_earliest, limits.event_latest)
        ),
        "opt_moment": nz.per_value(
            lambda v: nz.moments(v, False, limits.event_earliest, limits.event_latest)
        ),
        "outcome": nz.per_value(
            lambda v: nz.vocabulary_or_blank(v, rules.reading.warning_outcomes)
        ),
        "post": nz.per_value(lambda v: nz.posts(v, rules.reading.post_lookup(), col.required)),
    }[col.type]


def parse_columns(
    frame: pd.DataFrame, headers: dict[str, pd.Series], kind: str, rules: Rules, problems: Problems
) -> pd.DataFrame:
    """Typed columns for one kind; every unreadable cell becomes a problem.

    A "none" written as people write it (无, /, —, 暂无…: ledgers.yaml) is a blank cell in
    every column: an optional one is empty, a required one is an empty required cell. An
    id that reads as prose, or a dispute category outside the office's list, is refused and
    never echoed: the message shows it masked (``prose_mask``)."""
    out = pd.DataFrame(index=frame.index)
    for col in columns(kind, rules):
        written = frame[col.name]
        placeholder = _placeholders(written, rules)
        raw = written.mask(placeholder) if placeholder.any() else written
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
        if col.type in ("id", "opt_id"):
            prose = prose_ids(values, rules)
            if prose.any():
                values = values.mask(prose)
        out[col.name] = values
        bad = (bad | prose) & ~_quiet(frame, col.name)
        if bad.any():
            if why is None:
                why = _why(col, raw, bad)
            why = pd.Series(why, index=raw.index).astype(object)
            why[prose] = CHECKS["cell.prose"].say(**id_rule(rules))
            said = placeholder & bad
            if said.any():
                why[said] = written[said].map(lambda v: f"「{v}」表示没有,但此列必填")
            # refused free text is never echoed: it may name a person; nor is a refused
            # value with a Chinese character foreign to its column (王小明 in 走访层级)
            hidden = prose | (bad if col.type in ("dispute", "post") else False)
            hidden = hidden | (bad & may_name(written.where(bad), col, rules))
            if col.type == "post":  # a name may stand where a post belongs: never echoed
                why = pd.Series(why, index=raw.index).astype(object)
                worded = bad & raw.notna().to_numpy() & ~placeholder
                rows = ",两位领导分两行写" if kind == "roster" else ""  # one row a day each
                why[worded] = CHECKS["cell.post"].say(header=col.header, rows=rows)
                why[bad & raw.isna().to_numpy() & ~placeholder] = "必填项为空"
            shown_as = written.astype(object).copy()  # masked only where hidden (1M rows)
            if hidden.any():
                shown_as[hidden] = prose_mask(written[hidden]).to_numpy()
            if hidden.any():  # later checks of the row quote the cell as shown here
                frame.loc[hidden, col.name] = shown_as[hidden]
            expected = expected_text(col, rules)
            if col.type == "persons":
                expected += (
                    f"(不超过 {rules.limits.max_persons_per_visit};{rules.limits.persons_reason})"
                )
            checks = np.where(prose, "cell.prose", f"cell.{col.type}")
            for name in dict.fromkeys(checks[bad]):
                mask = bad & (checks == name)
                problems.add(frame, mask, kind, headers[col.name], shown_as, why, expected,
                             check=str(name))  # fmt: skip
    return out


def _quiet(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Cells already reported while reading (a formula without a result): not judged
    again (their row is refused by that report)."""
    if "_quiet" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["_quiet"].map(lambda q: isinstance(q, frozenset) and name in q).to_numpy(bool)


def _placeholders(raw: pd.Series, rules: Rules) -> np.ndarray:
    """Cells that say "none" as people write it (ledgers.yaml placeholders)."""
    marks = rules.reading.placeholders

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        folded = nz.text(v).map(lambda t: fold(t) if isinstance(t, str) else t)
        return v, folded.isin(marks).to_numpy(dtype=bool)

    if not (ptypes.is_object_dtype(raw) or ptypes.is_string_dtype(raw)):
        return np.zeros(len(raw), dtype=bool)
    return nz.per_value(parse)(raw)[1]


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
) -> None:
    """Every cell of every column, as written and before any normalisation: no personal
    number (in any spelling, in any column, number cells included), no control
    character, no overlong text."""
    names = [c.name for c in SCHEMAS[kind]]
    extras = [c for c in frame.columns if str(c).startswith("extra:") or c in headers]
    extras = [c for c in dict.fromkeys(extras) if c not in names]  # declared columns too
    for name in names + extras:
        raw = frame[name]
        textual = ptypes.is_object_dtype(raw) or ptypes.is_string_dtype(raw)
        numeric = ptypes.is_numeric_dtype(raw) and not ptypes.is_bool_dtype(raw)
        if not textual and not numeric:
            continue  # dates and booleans from a DataFrame hold no text
        header = headers[name] if name in headers else name.removeprefix("extra:")
        flags = check_cells(raw)
        personal = (flags.personal != "").to_numpy()
        if personal.any():
            said = {w: CHECKS["text.personal"].say(what=w) for w in flags.personal.unique()}
            problems.add(frame, personal, kind, header, personal_shown(raw, personal),
                         flags.personal.map(said), check="text.personal")  # fmt: skip
        problems.add(frame, flags.control, kind, header, raw, check="cell.control")
        too_long = flags.length > limits.max_cell_chars
        if too_long.any():
            long = CHECKS["cell.too_long"]
            said = pd.Series(flags.length, index=raw.index).map(lambda n, c=long: c.say(n=n))
            problems.add(frame, too_long, kind, header, raw, said,
                         long.expect(max_chars=limits.max_cell_chars), check=long.id)  # fmt: skip
