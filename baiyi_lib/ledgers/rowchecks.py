"""Checks within one row: across its columns (status and dates agree, form and head count),
and its dates against the campaign and the moment the return was received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..params import Rules
from .checks import CHECKS, ROW_RULES
from .problems import Problems
from .schema import SCHEMAS


def _is(values: pd.Series, word: str) -> np.ndarray:
    return (values == word).fillna(False).to_numpy()


# The relations a row rule names: where column ``a`` stands so to column ``b``, the row
# has the rule's problem. Statuses are 未化解/已化解; 办公室认定 is a yes/no column.
RELATIONS: dict[str, Callable[[pd.Series, pd.Series], np.ndarray]] = {
    "before": lambda a, b: (a < b).fillna(False).to_numpy(),  # a date earlier than b's
    "blank_while_resolved": lambda a, b: _is(b, "已化解") & a.isna().to_numpy(),
    "filled_while_open": lambda a, b: _is(b, "未化解") & a.notna().to_numpy(),
    "blank_while_yes": lambda a, b: b.to_numpy(bool) & a.isna().to_numpy(),
    "not_yes_while_filled": lambda a, b: ~a.to_numpy(bool) & b.notna().to_numpy(),
    "yes_while_open": lambda a, b: a.to_numpy(bool) & _is(b, "未化解"),
}
assert {r.relation for r in ROW_RULES} <= set(RELATIONS)


def check_campaign_dates(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: Problems,
) -> None:
    """A visit, incident, roster day or pushed warning dated outside the campaign is read
    but not scored or checked: a remark, so that a slip of the year (2018 for 2019) is
    seen before the briefing."""
    column = {"visits": "date", "incidents": "date", "roster": "date", "warnings": "pushed_at"}
    if kind not in column:
        return
    camp = rules.campaign
    name = column[kind]
    d = pd.to_datetime(typed[name]).dt.normalize()
    outside = ((d < pd.Timestamp(camp.start)) | (d > pd.Timestamp(camp.end))).fillna(False)
    outside_campaign = CHECKS["row.outside_campaign"]
    problems.add(
        frame, outside.to_numpy(), kind, headers[name], frame[name],
        outside_campaign.say(called=camp.called, start=camp.start, end=camp.end),
        outside_campaign.expect(called=camp.called), check=outside_campaign.id,
    )  # fmt: skip


def check_rows(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    problems: Problems,
) -> None:
    """The declared rules between the columns of a row (checks.ROW_RULES: status and
    dates agree), those of this kind of ledger, in their order."""
    for rule in ROW_RULES:
        if kind not in rule.kinds:
            continue
        bad = RELATIONS[rule.relation](typed[rule.a], typed[rule.b])
        shown = frame[rule.a] if rule.shown is None else rule.shown
        problems.add(frame, bad, kind, headers[rule.a], shown, rule.message, rule.expected,
                     check=rule.check)  # fmt: skip


def check_form_persons(
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: Problems,
) -> None:
    """A visit whose 形式 the method defines by head count (rules.yaml form_persons) agrees
    with its 人次: 集体 with 3 persons under "集体访指 5 人以上" is refused, naming the cell."""
    form_persons = CHECKS["row.form_persons"]
    persons = pd.to_numeric(typed["persons"], errors="coerce")
    for form, (lo, hi) in rules.form_persons.items():
        mine = (typed["form"].astype(object) == form).to_numpy() & persons.notna().to_numpy()
        outside = (persons < lo) | ((persons > hi) if hi is not None else False)
        bad = mine & outside.fillna(False).to_numpy()
        span = f"{lo} 人以上" if hi is None else f"{lo}—{hi} 人"
        problems.add(
            frame, bad, "visits", headers["form"],
            frame["form"].astype(str) + "(" + frame["persons"].astype(str) + " 人)",
            form_persons.say(form=form, span=span), form_persons.expect(form=form, span=span),
            check=form_persons.id,
        )  # fmt: skip


def check_after_receipt(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    received: dt.datetime | None,
    problems: Problems,
) -> None:
    """No date of a return lies after the moment it was received: such a date is a slip
    (2019-05-03 typed for 2019-03-05), an error in its row."""
    if received is None:
        return
    last = pd.Timestamp(received.date())
    after = CHECKS["row.after_receipt"]
    for col in SCHEMAS[kind]:
        if col.type not in ("date", "opt_date", "moment", "opt_moment"):
            continue
        # compared by day, as dates are (a time later on the day of receipt is not refused)
        cut = last + pd.Timedelta(days=1) if col.type.endswith("moment") else last
        at = pd.to_datetime(typed[col.name])
        late = ((at >= cut) if col.type.endswith("moment") else (at > cut)).fillna(False).to_numpy()
        problems.add(
            frame, late, kind, headers[col.name], frame[col.name],
            after.say(received=received), after.expect(received=received), check=after.id,
        )  # fmt: skip
