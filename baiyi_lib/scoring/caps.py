"""扣完为止: an item's deductions stop at its points, and a method's total at its floor.

A method may group its rules into items (考核项目) with points (非访 15 分): the deductions of
an item's rules, doubling included, stop at them. It may also set a floor on the total. Both
are written as rows of the points table, so that the table still adds up to the score and
every point is explained: one row per unit and item (``cap.<item>``) giving back what the
deductions exceed the item's points by, and one per unit (``floor``) giving back what the
remaining deductions exceed base − floor by. Each row points at the ledger row at which the
item (or the score) was used up, in date order.

Rows are positive but are not bonuses: ``is_return`` tells them apart for the score table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import DERIVED_MECHANISMS, Rules
from .points import with_rule_text

__all__ = ["apply_caps", "is_return"]


def is_return(points: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Whether each points row gives deductions back (an item cap or the floor)."""
    derived = [i for i, r in enumerate(rules.rules.values()) if r.mechanism in DERIVED_MECHANISMS]
    return np.isin(points["rule_id"].cat.codes.to_numpy(), derived)


def _in_order(points: pd.DataFrame) -> pd.DataFrame:
    """The rows by unit, date and ledger id: the order in which points are used up."""
    return points.sort_values(["unit", "date", "source_id"], kind="stable")


def _give_back(
    rows: pd.DataFrame, allowed: int, rule_id: str, note: str, item: str | None = None
) -> pd.DataFrame:
    """For each unit whose running deductions in ``rows`` (in order; rows that give back
    count against them where they sit) exceed ``allowed``: one row at the ledger row where
    they first did, giving back the excess at the end. ``item`` is the new row's item."""
    out = []
    for _unit, mine in rows.groupby("unit", observed=True, sort=False):
        used = -mine["points"].cumsum().to_numpy()
        over = np.flatnonzero(used > allowed)
        if not len(over):
            continue
        at = mine.iloc[[over[0]]].copy()
        at["rule_id"] = rule_id
        at["points"] = int(used[-1] - allowed)
        at[["persons", "rate", "multiplier"]] = pd.NA
        at["note"] = note
        at["per"] = ""
        at["item"] = item or ""
        out.append(at)
    return pd.concat(out) if out else rows.iloc[:0]


def _net_of_caps(deductions: pd.DataFrame, rules: Rules) -> pd.Series:
    """Each deduction row (in order) as it counts once its item stops at its points: a row
    past the item's points counts for what was left of them, then nothing."""
    net = deductions["points"].astype(np.int64).copy()
    for item in rules.items.values():
        if not rules.item_capped(item):
            continue
        mine = deductions["item"] == item.id
        for _unit, rows in deductions[mine].groupby("unit", observed=True, sort=False):
            used = np.minimum(-rows["points"].cumsum().to_numpy(), item.points)
            net.loc[rows.index] = -np.diff(used, prepend=0)
    return net


def apply_caps(points: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The points table with the cap rows of each capped item, then the floor rows.

    ``points`` is the finished table (``points.finish``); the result has the same columns
    and categories, the added rows after the others.
    """
    if not rules.items and rules.floor is None:
        return points
    added = []
    deductions = _in_order(points[points["points"] < 0])
    for item in rules.items.values():
        if not rules.item_capped(item):
            continue
        rows = deductions[deductions["item"] == item.id]
        note = f"「{item.label}」共 {item.points} {rules.campaign.unit},扣完为止;超出部分不扣"
        added.append(_give_back(rows, item.points, f"cap.{item.id}", note, item.id))
    if rules.floor is not None:
        net = deductions.copy()
        net["points"] = _net_of_caps(deductions, rules)
        note = f"总分最低 {rules.floor} {rules.campaign.unit},扣完为止;超出部分不扣"
        allowed = rules.campaign.base_score - rules.floor
        added.append(_give_back(net, allowed, "floor", note))
    if not added:
        return points
    extra = pd.concat(added)
    if extra.empty:
        return points
    for name in ("rule_id", "note", "per", "item"):
        extra[name] = extra[name].astype(object)
    table = pd.concat([points.astype({"note": object}), extra], ignore_index=True)
    return _recategorise(table, points, rules)


def _recategorise(table: pd.DataFrame, like: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The joined table with the categories of the original (rule ids in rules order) and
    the clause and label of each row's rule."""
    table["unit"] = pd.Categorical(table["unit"].astype(object), categories=rules.units.names)
    table["rule_id"] = pd.Categorical(table["rule_id"].astype(object), categories=list(rules.rules))
    table["level"] = pd.Categorical(
        table["level"].astype(object), categories=list(rules.levels), ordered=True
    )
    for name in ("note", "per", "item", "source", "src_file", "src_sheet"):
        table[name] = pd.Categorical(table[name].astype(object))
    for name in ("persons", "rate", "multiplier"):
        table[name] = table[name].astype("Int64")
    return with_rule_text(table, rules)
