"""What every visit row is made of: its source and id columns, the rate rows of a rule with
their notes (the texts the rows explain themselves with), and the rule codes and item
counts the rate and doubling rules share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Rules

SOURCE = "走访"


_COMMON = {"source": SOURCE, "id_column": "visit_id", "date_column": "date"}


# Note texts of the rate rows; a rate taken from an interpretation adds its own.
NOTE_NONE = ""


NOTE_FIRST_REPLACES = "系统第1起该层级走访,按首起标准扣分,代替一般标准"


NOTE_FIRST_ADDS = "系统第1起该层级走访,在一般标准之外另按首起标准扣分"


# Note texts of the doubling rows.
NOTE_NOT_SCREENED = "走访前该单位排查台账中没有此案件,加倍"


NOTE_NO_CASE_ID = "走访未填案件编号,视为未排查出,加倍"


NOTE_DISSATISFIED = "信访人不满初次办理结果导致走访,按人次加倍"


NOTE_ALREADY_DOUBLED = "同时符合其他加倍条件,只加倍一次"


NOTE_REPEAT = "同一案件此前已有走访(重复访),加倍"


DOUBLING_NOTES = [
    NOTE_NOT_SCREENED, NOTE_NO_CASE_ID, NOTE_DISSATISFIED, NOTE_ALREADY_DOUBLED, NOTE_REPEAT
]  # fmt: skip


@dataclass
class RateRows:
    """Rate rows to be written for the visits in ``mask``: rule code, rate, note per visit
    (full length), with the note texts the codes index."""

    mask: np.ndarray
    rule: np.ndarray
    rate: np.ndarray
    note: np.ndarray
    texts: list[str]


def items_by_code(rules: Rules) -> np.ndarray:
    """Each rule's item ("" for none), indexed by the rule's position (its code)."""
    return np.array([r.item or "" for r in rules.rules.values()], dtype=object)


def charged_counts(visits: pd.DataFrame, rules: Rules, rule_codes: np.ndarray) -> np.ndarray:
    """How many each visit is charged for under its rate rule (codes): its persons where the
    rule charges per person (人次), else 1 (per batch or occurrence: 批次, 起, 次)."""
    per_persons = np.array([r.per_persons for r in rules.rules.values()], dtype=bool)
    persons = visits["persons"].to_numpy(dtype=np.int64)
    return np.where(per_persons[rule_codes], persons, 1)
