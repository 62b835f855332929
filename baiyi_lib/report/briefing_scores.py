"""The briefing's scores and points: visits by level, targets, ranking, the reading's
sensitivity, what changed since last week, the final assessment, this week's points, and
the charts of them. Python computes the tables; ``briefing_scores.html.j2`` lays them out.

A mixin of ``Briefing`` (report/briefing.py), which holds the data and the views
computed once per page.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from .. import charts, views
from ..ledgers.schema import KIND_LABELS
from ..present import labels
from ..sources import known_moment
from ..whatif import sensitivity, sensitivity_table
from .markup import Fragment, md, pct, section, show, table


def _scores(macro: str, **context: Any) -> Fragment:
    return section("briefing_scores.html.j2", macro, **context)


def _signed(x: int) -> str:
    return f"{x:+d}"


class ScoreSections:
    """Sections of the briefing about scores and points (see Briefing for the data)."""

    def levels(self) -> Fragment:
        """各层级走访人次: this week, last week over the same days, to date, charged."""
        summary = self.summary
        shown = ["level", "this_week", "last_week", "change", "to_date"]
        if (summary["charged"] != summary["to_date"]).any():
            shown.append("charged")
        heads = {"change": "增减", "charged": "其中计分人次"}
        if not self.week["complete"]:
            start, end = views.last_week_same_days(self.result)
            heads["last_week"] = f"上周同期人次({md(start)}—{md(end)})"
        return Fragment(table(summary, labels(*shown, overrides=heads)))

    def targets(self) -> Fragment:
        """任务目标完成情况: the plan's targets (campaign.yaml) and where each stands; nothing
        for a plan without targets (the sentence above says so)."""
        tg = views.targets(self.ledgers, self.result, self.unit)
        if tg.empty:
            return Fragment("")
        tg["value"] = [
            pct(v) if share else f"{v:.0f} 人次"
            for v, share in zip(tg["value"], tg["is_share"], strict=True)
        ]
        cols = labels(
            "target", "clause", "measure", "value", "detail", overrides={"clause": "依据"}
        )
        return Fragment(table(tg, cols))

    def ranking(self) -> Fragment:
        """单位得分排名."""
        t = self.score_changes.copy()
        t["veto"] = t["veto"].map({True: "是", False: ""})
        t["awards_cancelled"] = t["awards_cancelled"].map({True: "是", False: ""})
        t["change"] = t["change"].map(lambda x: f"{x:+d}" if x else "0")
        if self._new_period:  # last week's scores were of another month: no comparison
            t["change"] = "—"
        hl = t["unit"] == self.unit if self.unit else t["veto"] == "是"
        flags = [f for f in ("veto", "awards_cancelled") if f in self.rules.rules]
        cols = labels("rank", "unit", "score", "change", "deductions", "bonuses", *flags)
        if self.default is not None:  # the chosen readings beside the default ones
            d = self.default.scores.set_index("unit")
            t["default_score"] = t["unit"].map(d["score"])
            t["default_rank"] = t["unit"].map(d["rank"])
            cols |= labels("default_score", "default_rank")
        return Fragment(table(t, cols, highlight=hl))

    def sensitivity(self, show: bool = True) -> Fragment:
        """口径敏感性: each unit's score and rank under every reading of the ambiguous text,
        one reading changed at a time, and whether its rank or the award depends on it."""
        if not show:
            return Fragment("")
        award = self.rules.campaign.award
        context = {"decided_by": self.rules.campaign.decided_by,
                   "award": award.name if award else "", "n": 0, "t": None, "cols": {}}  # fmt: skip
        if not self.rules.interpretations:
            return _scores("sensitivity", **context)
        t = sensitivity_table(sensitivity(self.ledgers, self.rules, self.as_of), self.rules)
        if self.unit:
            t = t[t["unit"] == self.unit]
        cols = {"unit": "单位", **{c: c for c in t.columns if c not in ("unit", "depends")}}
        cols["depends"] = "随口径变化的"
        n = int((t["depends"] != "").sum())
        return _scores("sensitivity", **context | {"n": n, "t": t, "cols": cols})

    def changes(self) -> Fragment:
        """变化说明: why scores moved since the last briefing, and what the returns changed."""
        context: dict[str, Any] = {
            "first_week": self.previous is None, "called": self.rules.campaign.called,
            "new_period": self._new_period, "moved": None, "cols": {},
            "from_store": self.from_store, "rows": None,
        }  # fmt: skip
        if self.previous is None or self._new_period:
            return _scores("changes", **context)
        t = views.score_change_explained(self.result, self.previous, self.restated)
        if self.unit:
            t = t[t["unit"] == self.unit]
        moved = t[t["change"] != 0]
        if not moved.empty:
            signed = {c: moved[c].map(_signed) for c in ("change", "this_week", "corrections")}
            context["moved"] = moved.assign(**signed)
            context["cols"] = labels(
                "unit", "score", "change", "this_week", "corrections",
                overrides={"score": "本周得分", "this_week": "其中:本周新发生"},
            )  # fmt: skip
        if self.from_store:
            context["rows"] = self._row_changes()
        return _scores("changes", **context)

    def _row_changes(self) -> dict[str, Any] | None:
        """The rows the submissions since last week's return day added or corrected: a
        summary by file, kind and change, and the rows corrected or deleted (None if none)."""
        prev = views.previous_day(self.rules, self.as_of) or self.rules.campaign.start
        since = known_moment(prev, self.rules)
        from ..store import row_changes  # duckdb only when a store is read

        rows = row_changes(self.data, since, self.known)
        if self.unit:
            rows = rows[rows["unit"] == self.unit]
        if rows.empty:
            return None
        rows = rows.assign(kind=rows["kind"].map(KIND_LABELS))
        summary = rows.groupby(["file", "kind", "change"]).size().rename("rows").reset_index()
        fixed = rows[rows["change"].isin(["更正", "删除"])]
        return {
            "summary": summary,
            "summary_cols": labels("file", "kind", "change", "rows", overrides={"change": "变化"}),
            "fixed": fixed if len(fixed) else None,
            "fixed_cols": labels("file", "kind", "key", "unit", "src_row") | {"change": "变化"},
        }

    def score_chart(self) -> Any:
        base, vetoes = self.rules.campaign.base_score, "veto" in self.rules.rules
        unit = self.rules.campaign.unit
        return show(charts.score_bars(self.result.scores, base, vetoes, unit))

    def visits_chart(self) -> Any:
        by_week = views.visits_by_week(self.ledgers, self.result, self.unit)
        return show(charts.visits_trend(by_week, self.rules.campaign.weekday_name))

    def deductions_chart(self) -> Any:
        matrix = views.deductions_by_unit_week(self.result)
        return show(charts.deductions_heatmap(matrix, self.rules.campaign.weekday_name))

    @functools.cached_property
    def final_table(self) -> pd.DataFrame:
        """The final assessment (views.final_assessment): the section and its figures."""
        return views.final_assessment(self.ledgers, self.result)

    def final(self) -> Fragment:
        """总结考核: final scores and ranks; the flags the method has (一票否决); whether a
        unit may receive the plan's award (campaign.yaml award: 平安稳定星), if it has one;
        the annual conversion, if the method has that reading."""
        camp = self.rules.campaign
        award = camp.award
        t = self.final_table.copy()
        flags = [c for c in ("veto", "awards_cancelled") if c in self.rules.rules]
        yes = {True: "是", False: "否"}
        shown = [
            *flags,
            *(["backlog_cleared", "screening_complete", "star_eligible"] if award else []),
        ]
        for col in shown:
            t[col] = t[col].map(yes)
        cols = labels(
            "rank",
            "unit",
            "score",
            *shown,
            *(["missed"] if award else []),
            *(["documents"] if "documents" in t else []),
            overrides={
                "documents": f"材料报送({camp.documents_clauses})",
                "score": f"{camp.called}得分",
                "missed": f"未达到的目标(供{award.decided_by}决定)" if award else "",
                **({"star_eligible": f"可授予{award.name}"} if award else {}),
            },
        )
        annual, ratio, no_ratio = "annual_deduction" in t, None, ""
        if annual:
            cols["annual_deduction"] = "年度综合考核扣分"
            ratio = self.rules.value("annual_ratio")
        elif self.rules.has("annual_ratio"):
            no_ratio = self.rules.interpretations["annual_ratio"].label
        return _scores(
            "final",
            camp=camp,
            f=self.final_figures(),
            t=t,
            cols=cols,
            hl=t["star_eligible"] == "否" if award else None,
            annual=annual,
            annual_ratio=ratio,
            no_ratio_label=no_ratio,
            folder_documents=bool(camp.documents) and "documents" not in t,
        )

    def final_figures(self) -> dict[str, Any]:
        """The final assessment's headline figures (also shown in the report index)."""
        t = self.final_table
        top, bottom = t.iloc[0], t.iloc[-1]  # the table is in rank order
        return {
            "top_score": int(top["score"]),
            "top_unit": str(top["unit"]),
            "bottom_score": int(bottom["score"]),
            "bottom_unit": str(bottom["unit"]),
            "vetoed_units": int(t["veto"].sum()),
            "star_units": int(t["star_eligible"].sum()),
            "units": len(t),
        }

    def detail(self) -> Fragment:
        """本周扣分/加分明细, with the clause and the rule's text; then the system's first
        visit of each level (附件2 一、首段), charged in all, once it is no longer news."""
        start = self.week["start"].date()
        d = views.points_detail(self.result, start, self.unit)
        d = d[d["points"] != 0]
        d = None if d.empty else d.assign(date=d["date"].map(md), points=d["points"].map(_signed))
        firsts = self.first_cases
        if self.unit:
            firsts = firsts[firsts["unit"] == self.unit]
        cols = labels("date", "unit", "source_id", "label", "clause", "points", "quote")
        return _scores("detail", d=d, cols=cols, firsts=list(firsts.itertuples()))
