"""The points table: the one explanation format.

Every deduction, bonus and flag scoring produces is one row with its rule id and clause and
the ledger row it comes from. Scores, ranks and explanations are aggregations of it.

Built column-wise from categorical codes (unit, rule, level, note, file) so that a million
visits cost array copies, not string work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..params import Rules

POINT_COLUMNS = [
    "unit",
    "date",
    "rule_id",
    "clause",
    "label",
    "source",
    "source_id",
    "level",
    "persons",
    "rate",
    "multiplier",
    "points",
    "note",
    "src_file",
    "src_sheet",
    "src_row",
    "per",
    "item",
]
EXCLUDED_COLUMNS = [
    "source",
    "source_id",
    "unit",
    "date",
    "reason",
    "src_file",
    "src_sheet",
    "src_row",
]
SOURCE_LABELS = ("走访", "事件", "积案", "考核期", "报送")
_CATEGORICAL = (
    "unit", "rule_id", "source", "level", "note", "src_file", "src_sheet", "per", "item"
)  # fmt: skip
# Columns taken from a row's basis rule (its own rule, or for a doubling row the rate rule it
# doubles): what it is charged per (人次, 批次, 起, 件) and the item that caps it
_OF_BASIS = ("per", "item")
_NULLABLE = ("persons", "rate", "multiplier")


def notes(codes: np.ndarray, texts: list[str]) -> pd.Categorical:
    """A note column from small integer codes into a list of note texts (no string work)."""
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=texts)


def _const(value: object, n: int) -> np.ndarray:
    return np.full(n, value)


def unledgered_rows(
    rules: Rules,
    *,
    rule: str,
    source: str,
    units: list[str],
    dates: object,
    ids: object,
    notes: list[str],
) -> dict[str, object]:
    """Points rows that belong to no ledger row (a clean period, a week's return): one per
    unit, dated and named as given (``ids``: the period or the week), each charged the
    rule's points once, with no file, sheet or row."""
    frame = pd.DataFrame(
        {
            "unit": pd.Categorical(units, categories=rules.units.names),
            "date": dates,
            "id": ids,
            "src_file": "",
            "src_sheet": "",
            "src_row": 0,
        }
    )
    return rows(
        frame,
        rules,
        rule=rule,
        source=source,
        id_column="id",
        date_column="date",
        rate=rules[rule].points,
        multiplier=1,
        points=np.full(len(frame), int(rules[rule].points or 0), dtype=np.int64),
        note=pd.Categorical(notes),
    )


def rows(
    frame: pd.DataFrame,
    rules: Rules,
    mask: np.ndarray | None = None,
    *,
    rule: np.ndarray | str,
    source: str,
    id_column: str,
    date_column: str,
    points: np.ndarray | int,
    note: pd.Categorical,
    rate: np.ndarray | int | None = None,
    multiplier: np.ndarray | int | None = None,
    persons: np.ndarray | None = None,
    level: pd.Categorical | None = None,
    basis: np.ndarray | None = None,
) -> dict[str, object]:
    """Points rows for the rows of ``frame`` selected by ``mask`` (all if None), as columns.

    ``rule`` is a rule id or an array of positions in the rules file (codes); array
    arguments are already restricted to the selected rows. Only the columns the points
    table needs are taken from the ledger. ``basis`` (rule codes, default ``rule``) names
    the rule whose ``per`` and ``item`` the row carries: a doubling row's rate rule.
    """

    def col(name: str) -> object:
        values = frame[name].array
        return values if mask is None else values[mask]

    n = len(frame) if mask is None else int(np.count_nonzero(mask))
    rule_ids = list(rules.rules)
    codes = _const(rule_ids.index(rule), n) if isinstance(rule, str) else np.asarray(rule)
    basis_codes = codes if basis is None else np.asarray(basis)
    if level is None:
        level = pd.Categorical.from_codes(
            np.full(n, -1, dtype=np.int8), categories=list(rules.levels)
        )

    def nullable(value: object) -> tuple[np.ndarray, np.ndarray]:
        """(values, missing) for a nullable integer column."""
        if value is None:
            return np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
        arr = _const(value, n) if np.isscalar(value) else np.asarray(value)
        return arr.astype(np.int64), np.zeros(n, dtype=bool)

    return {
        "unit": col("unit"),
        "date": np.asarray(col(date_column), dtype="datetime64[ns]"),
        "rule_id": pd.Categorical.from_codes(codes.astype(np.int16), categories=rule_ids),
        "source": pd.Categorical.from_codes(
            np.full(n, SOURCE_LABELS.index(source), dtype=np.int8), categories=list(SOURCE_LABELS)
        ),
        "source_id": np.asarray(col(id_column), dtype=object),
        "level": level,
        "persons": nullable(persons),
        "rate": nullable(rate),
        "multiplier": nullable(multiplier),
        "points": np.broadcast_to(np.asarray(points, dtype=np.int64), n),
        "note": note,
        "src_file": col("src_file"),
        "src_sheet": col("src_sheet"),
        "src_row": np.asarray(col("src_row"), dtype=np.int64),
        **{name: _of_rules(rules, name, basis_codes) for name in _OF_BASIS},
    }


def _of_rules(rules: Rules, attr: str, codes: np.ndarray) -> pd.Categorical:
    """A rule attribute (per, item) for each row, from rule codes; "" where it has none."""
    texts = [getattr(r, attr) or "" for r in rules.rules.values()]
    shared = list(dict.fromkeys(texts))
    of_rule = np.array([shared.index(t) for t in texts], dtype=np.int16)
    return pd.Categorical.from_codes(of_rule[np.asarray(codes, dtype=np.int64)], categories=shared)


def _concat(values: list[object], name: str) -> object:
    if name in _CATEGORICAL:
        cats = [v if isinstance(v, pd.Categorical) else pd.Categorical(v) for v in values]
        return union_categoricals(cats, ignore_order=True)
    if name in _NULLABLE:
        return pd.arrays.IntegerArray(
            np.concatenate([v[0] for v in values]), np.concatenate([v[1] for v in values])
        )
    return np.concatenate([np.asarray(v) for v in values])


def finish(parts: list[dict[str, object]], rules: Rules) -> pd.DataFrame:
    """Join points rows into the table, with clause and label attached.

    Rows come in the order produced: visit rates, doubling, flags, incidents, backlog, each
    in the ledgers' canonical order (date, then id), so the table does not depend on the
    order of the ledger rows. Sort by date for a timeline; ``explain`` does. The parts
    are consumed (emptied) as they are joined.
    """
    parts = [p for p in parts if len(p["source_id"])]  # type: ignore[arg-type]
    if not parts:
        return _empty(rules)
    # column by column, each part's column released once joined: the peak is one table
    # plus one column, not two tables (10M visits give 15M rows)
    cols = {name: _concat([p.pop(name) for p in parts], name) for name in list(parts[0])}
    # source_id stays a plain object column: no per-row string inference
    cols["source_id"] = pd.Series(cols["source_id"], dtype=object, copy=False)
    df = pd.DataFrame(cols, copy=False)
    df["unit"] = df["unit"].cat.set_categories(rules.units.names)
    df["rule_id"] = df["rule_id"].cat.set_categories(list(rules.rules))
    df["level"] = df["level"].cat.set_categories(list(rules.levels), ordered=True)
    df["source"] = df["source"].cat.set_categories(list(SOURCE_LABELS))
    return with_rule_text(df, rules)


def with_rule_text(df: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Each row's clause and label, from its rule (the same way for a full or an empty
    table, so both have the same column types)."""
    codes = df["rule_id"].cat.codes.to_numpy()
    for col in ("clause", "label"):
        texts = [getattr(r, col) for r in rules.rules.values()]
        shared = list(dict.fromkeys(texts))  # several rules share a clause
        of_rule = np.array([shared.index(t) for t in texts], dtype=np.int16)
        # categorical: two bytes a row, not a string pointer (15M rows at 10M visits)
        df[col] = pd.Categorical.from_codes(of_rule[codes], categories=shared)
    return df[POINT_COLUMNS]


def _empty(rules: Rules) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "unit": pd.Categorical([], categories=rules.units.names),
            "date": np.array([], dtype="datetime64[ns]"),
            "rule_id": pd.Categorical([], categories=list(rules.rules)),
            "source": pd.Categorical([], categories=list(SOURCE_LABELS)),
            "source_id": np.array([], dtype=object),
            "level": pd.Categorical([], categories=list(rules.levels), ordered=True),
            "persons": pd.array([], dtype="Int64"),
            "rate": pd.array([], dtype="Int64"),
            "multiplier": pd.array([], dtype="Int64"),
            "points": np.array([], dtype=np.int64),
            "note": pd.Categorical([]),
            "src_file": pd.Categorical([]),
            "src_sheet": pd.Categorical([]),
            "src_row": np.array([], dtype=np.int64),
            "per": pd.Categorical([]),
            "item": pd.Categorical([]),
        }
    )
    return with_rule_text(df, rules)


def excluded(
    frame: pd.DataFrame,
    mask: np.ndarray,
    source: str,
    id_column: str,
    date_column: str,
    reason: str | np.ndarray,
) -> pd.DataFrame:
    """Ledger rows considered and not scored, with the reason (nothing is dropped silently)."""
    sel = frame.loc[mask]
    if isinstance(reason, np.ndarray):
        reason = reason[mask]
    return pd.DataFrame(
        {
            "source": source,
            "source_id": sel[id_column].to_numpy(),
            "unit": sel["unit"].astype(object).to_numpy(),
            "date": sel[date_column].to_numpy(),
            "reason": reason,
            "src_file": sel["src_file"].astype(object).to_numpy(),
            "src_sheet": sel["src_sheet"].astype(object).to_numpy(),
            "src_row": sel["src_row"].to_numpy(),
        },
        columns=EXCLUDED_COLUMNS,
    )
