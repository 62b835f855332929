"""The score result: points, scores and ranks, and a plain-text trace per unit.

Everything here aggregates the points table; nothing computes a score another way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import DERIVED_MECHANISMS, PER_BASIS, Rules
from .caps import is_return

SCORE_COLUMNS = [
    "rank",
    "unit",
    "unit_id",
    "kind",
    "base",
    "deductions",
    "bonuses",
    "score",
    "veto",
    "awards_cancelled",
]


def score_table(points: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per unit of units.yaml: base − deductions + bonuses, flags, rank.

    ``deductions`` and ``bonuses`` are magnitudes (both ≥ 0). Rank 1 is the highest score;
    equal scores share a rank. A unit with no events keeps the base score.
    """
    units = rules.units.units
    names = [u.name for u in units]
    pts = points["points"].to_numpy(dtype=np.int64)
    codes = points["unit"].cat.codes.to_numpy()
    n = len(names)
    back = is_return(points, rules)  # 扣完为止: deductions given back, not bonuses
    taken = np.where(pts < 0, -pts, 0) - np.where(back, pts, 0)
    ded = np.bincount(codes, weights=taken, minlength=n).astype(np.int64)
    bon = np.bincount(codes, weights=np.where((pts > 0) & ~back, pts, 0), minlength=n)
    bon = bon.astype(np.int64)
    base = rules.campaign.base_score
    table = pd.DataFrame(
        {
            "unit": names,
            "unit_id": [u.id for u in units],
            "kind": [u.kind for u in units],
            "base": base,
            "deductions": ded,
            "bonuses": bon,
            "score": base - ded + bon,
        }
    )
    rule_codes = points["rule_id"].cat.codes.to_numpy()
    rule_ids = list(points["rule_id"].cat.categories)
    for flag in ("veto", "awards_cancelled"):
        hit = codes[rule_codes == rule_ids.index(flag)] if flag in rule_ids else codes[:0]
        table[flag] = np.bincount(hit, minlength=n)[:n] > 0
    table["rank"] = table["score"].rank(ascending=False, method="min").astype(int)
    ratio = rules.value("annual_ratio")
    cols = list(SCORE_COLUMNS)
    if ratio is not None:
        table["annual_deduction"] = (base - table["score"]) * ratio
        cols.append("annual_deduction")
    order = np.lexsort((np.arange(n), table["rank"].to_numpy()))
    return table.iloc[order][cols].reset_index(drop=True)


@dataclass
class ScoreResult:
    """What ``score`` returns.

    points      one row per rule application (deduction, bonus, doubling, flag)
    scores      one row per unit, ranked
    excluded    ledger rows considered and not scored, with the reason
    quality     data-quality remarks that affect scores (e.g. visits with no case id)
    """

    points: pd.DataFrame
    scores: pd.DataFrame
    excluded: pd.DataFrame
    quality: pd.DataFrame
    rules: Rules
    as_of: dt.date

    def interpretations(self) -> pd.DataFrame:
        """Every interpretation in force, with its default and whether it differs."""
        return pd.DataFrame(
            [
                {
                    "name": it.name,
                    "label": it.label,
                    "value": it.value,
                    "default": it.default,
                    "is_default": it.is_default,
                    "clause": it.clause,
                    "note": it.note,
                }
                for it in self.rules.interpretations.values()
            ]
        )

    def ambiguous_rules_applied(self) -> pd.DataFrame:
        """The rules marked ambiguous that produced at least one points row, with notes."""
        used = set(self.points["rule_id"].astype(str).unique())
        return pd.DataFrame(
            [
                {
                    "rule_id": r.id,
                    "label": r.label,
                    "clause": r.clause,
                    "points": r.points,
                    "note": r.note,
                }
                for r in self.rules.rules.values()
                if r.ambiguous and r.id in used
            ],
            columns=["rule_id", "label", "clause", "points", "note"],
        )

    def disclosures(self) -> list[tuple[str, list[str]]]:
        """What every output showing these scores discloses beside them, in Chinese, as
        (heading, items): the ambiguous rules that gave a row, the counted visits that
        could not be checked against screening, and the rows read but not scored (by
        reason). The terminal, the briefing and the export all print this one list."""
        out: list[tuple[str, list[str]]] = []
        amb = self.ambiguous_rules_applied()
        if len(amb):
            out.append(
                (
                    "本次适用了原文有歧义的规则",
                    [
                        f"{r.label}({r.clause}):按 {r.points:+d} {self.rules.campaign.unit}。"
                        f"{r.note}"
                        for r in amb.itertuples(index=False)
                    ],
                )
            )
        if len(self.quality):
            line = f"{len(self.quality)} 条走访未填案件编号,无法倒查排查台账"
            if self.rules.has("missing_case_id"):
                line += f"(按「{self.rules.interpretations['missing_case_id'].words()}」处理)"
            out.append(("数据质量", [line]))
        if len(self.excluded):
            counts = self.excluded["reason"].value_counts()
            out.append(("读入但未计分的台账行", [f"{k}:{n} 行" for k, n in counts.items()]))
        return out

    def unit_points(self, unit: str) -> pd.DataFrame:
        """The points rows of one unit (name, alias or id)."""
        name = self._unit_name(unit)
        mine = self.points[self.points["unit"] == name]
        # one event's rows together: rate, then doubling, then flags (the order produced)
        return mine.sort_values(["date", "source", "source_id"], kind="stable", ignore_index=True)

    def _unit_name(self, unit: str) -> str:
        return self.rules.units.resolve(unit)

    def not_charged(self, unit: str | None = None) -> pd.DataFrame:
        """The ledger rows attributed to a unit (all units by default) that were read but
        not charged, each with its reason (an office's visit outside 附件2 一(四) 末段, a
        date outside the window, a resolution not yet certified…): ``excluded``'s columns,
        in date order."""
        ex = self.excluded
        if unit is not None:
            ex = ex[ex["unit"].astype(str) == self._unit_name(unit)]
        return ex.sort_values(["date", "source", "source_id"], kind="stable", ignore_index=True)

    def _not_charged(self, name: str) -> list[str]:
        rows = self.not_charged(name)
        if rows.empty:
            return []
        head = f"读入但未计分的本单位台账行({len(rows)} 行,各附原因):"
        return ["", head, *(_not_charged_line(r) for r in rows.itertuples(index=False))]

    def explain(self, unit: str) -> str:
        """A plain-text trace of one unit's score that a clerk can check by hand."""
        name = self._unit_name(unit)
        u = self.rules.units.by_name(name)
        row = self.scores.set_index("unit").loc[name]
        pts = self.unit_points(name)
        camp = self.rules.campaign
        lines = [
            f"{name}({u.id},{u.kind})",
            f"统计期:{camp.assessment_period(self.as_of)[0]:%Y-%m-%d} 至 "
            f"{min(camp.end, self.as_of):%Y-%m-%d};"
            f"得分 {row['score']},排名第 {row['rank']} / {len(self.scores)}",
            f"基础分 {row['base']}({camp.base_clause})",
            "",
        ]
        if pts.empty:
            lines.append("本统计期内没有扣分、加分或标记。")
        else:
            lines.append("明细(日期 来源 编号 规则(条款):计算 = 分值;台账位置):")
            for p in pts.itertuples(index=False):
                rule = self.rules[str(p.rule_id)]
                lines.append("  " + _explain_row(p, rule.mechanism, rule.per or ""))
        lines += self._not_charged(name)
        lines += ["", "合计:"]
        lines.append(
            f"  {row['base']} − {row['deductions']}(扣分)+ {row['bonuses']}(加分)= {row['score']}"
        )
        by_rule = (
            pts[pts["points"] != 0]
            .groupby("rule_id", observed=True)["points"]
            .agg(["count", "sum"])
        )
        for rule_id, agg in by_rule.iterrows():
            r = self.rules[str(rule_id)]
            unit = self.rules.campaign.unit
            lines.append(f"  {r.label}({r.clause}):{agg['count']} 行,{agg['sum']:+d} {unit}")
        flags = [
            f"{self.rules[f].label}({self.rules[f].clause})"
            for f in ("veto", "awards_cancelled")
            if f in self.rules.rules and bool(row[f])
        ]
        if self.rules.by_mechanism("flag"):  # a method without flags has nothing to say here
            lines.append("标记:" + (";".join(flags) if flags else "无"))
        mine = set(pts["rule_id"].astype(str))
        ambiguous = [r for r in self.rules.rules.values() if r.ambiguous and r.id in mine]
        for r in ambiguous:
            lines.append(
                f"原文有歧义:{r.label}({r.clause})按 {r.points:+d} {self.rules.campaign.unit}计。"
                f"{r.note}"
            )
        changed = [it for it in self.rules.interpretations.values() if not it.is_default]
        if not self.rules.interpretations:
            lines.append("口径:无(原文没有需要另行确定口径之处)")
        else:
            lines.append(
                "口径:"
                + (
                    "全部为默认值"
                    if not changed
                    else ";".join(
                        f"{it.words()}(默认:{it.value_words(it.default)})" for it in changed
                    )
                )
            )
        if "annual_deduction" in row:
            lines.append(
                f"年度折算:({row['base']} − {row['score']})"
                f"× {self.rules.value('annual_ratio')} = {row['annual_deduction']:g}"
            )
        return "\n".join(lines)


def _not_charged_line(r) -> str:
    """One row of the unit's ledgers that was read but not charged, with the reason."""
    date = "" if pd.isna(r.date) else pd.Timestamp(r.date).strftime("%Y-%m-%d") + " "
    where = f"{r.src_file}" + (f"「{r.src_sheet}」" if r.src_sheet else "") + f" 第 {r.src_row} 行"
    return f"  {date}{r.source} {r.source_id}:{r.reason}[{where}]"


def _shown(value: object) -> str:
    """An interpretation's value as people read it (None is 未设定)."""
    return "未设定" if value is None else str(value)


def charged(persons: object, per: object) -> str:
    """What a visit row is charged for, in words: "3 人次", or "1 批次(6 人)" when its rule
    charges per batch or occurrence."""
    if not isinstance(per, str) or not per or PER_BASIS.get(per) == "persons":
        return f"{persons} 人次"
    return f"1 {per}({persons} 人)"


def _explain_row(p, mechanism: str = "", per: str = "") -> str:
    """One points row as a sentence: what happened, which clause, the sum, where it is."""
    date = pd.Timestamp(p.date).strftime("%Y-%m-%d")
    level = f"{p.level} " if isinstance(p.level, str) else ""
    if mechanism in DERIVED_MECHANISMS:
        calc = f"超出部分不扣 = {p.points:+d}"
    elif mechanism == "clean_period":
        return f"{date} {p.label}({p.clause}):{p.note} = {p.points:+d}"
    elif mechanism == "missed_return":  # a week's return, not a ledger row
        calc = f"每{per} {p.rate:+d} = {p.points:+d}"
        return f"{date} {p.source} {p.source_id} {p.label}({p.clause}):{p.note},{calc}"
    elif pd.isna(p.rate):
        calc = "标记,不计分"
    elif pd.isna(p.persons):
        calc = f"每{per} {p.rate:+d} = {p.points:+d}"
    elif mechanism == "doubling":
        calc = (
            f"加倍部分 {charged(p.persons, p.per)} × {p.rate:+d} × 再加 {p.multiplier} 倍"
            f" = {p.points:+d}"
        )
    else:
        calc = f"{charged(p.persons, p.per)} × {p.rate:+d} = {p.points:+d}"
    where = f"{p.src_file}" + (f"「{p.src_sheet}」" if p.src_sheet else "") + f" 第 {p.src_row} 行"
    where = where if p.src_row else "不是台账中的一行"  # a week's return, the period
    note = f";{p.note}" if isinstance(p.note, str) and p.note else ""
    return f"{date} {p.source} {p.source_id} {level}{p.label}({p.clause}):{calc}[{where}]{note}"
