"""The briefing's duties (实施方案 四(三), 四(一)), backlog and screening: by case, never a
person. Python computes the counts and tables; ``briefing_duties.html.j2`` lays them out.
A ledger that does not record a duty is said so, never "0".

A mixin of ``Briefing`` (report/briefing.py), which holds the data and the views
computed once per page.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from .. import charts, views
from ..present import labels, whole_cases
from .markup import Fragment, md, section, show


def _duties(macro: str, **context: Any) -> Fragment:
    return section("briefing_duties.html.j2", macro, **context)


def _bureau_visits(visits: pd.DataFrame) -> pd.DataFrame:
    """The visits to the bureau as listed: dates as 3月9日, a blank 接待领导 as 未填写."""
    shown = visits.assign(date=visits["date"].map(md))
    if "received_by" in shown:
        shown["received_by"] = shown["received_by"].map(lambda p: "未填写" if p is None else p)
    return shown


class DutySections:
    """Sections of the briefing about the plan's duties (see Briefing for the data)."""

    def duties(self) -> Fragment:
        """履职情况 (实施方案 四(三), campaign.yaml duties): the visits to the province or
        Beijing without the unit's head on the scene, backlog cases certified without their
        three meetings (程序不全) and open ones without a leader; by case, never a person."""
        made = {
            "head_on_scene": self._head_on_scene,
            "backlog_by_the_book": self._by_the_book,
            "warnings": self._warnings,
            "daily_reception": self._reception,
        }
        shown = [
            {"label": d.label, "clause": d.clause, "body": Markup(made[d.id]().markup)}
            for d in self.rules.campaign.duties.values()
        ]
        return _duties("duties", shown=shown)

    def _head_on_scene(self) -> Fragment:
        """Visits at the duty's levels and those without the head on the scene."""
        duty = self.rules.campaign.duties["head_on_scene"]
        listing, supplied = views.head_on_scene(self.ledgers, self.result, self.unit)
        cols = labels(
            "date", "visit_id", "unit", "level", "case_id", "status",
            overrides={"status": "主要负责人"},
        )  # fmt: skip
        return _duties(
            "head_on_scene",
            supplied=supplied,
            levels="、".join(duty.levels),
            n=self._duty_visits(duty.levels) if supplied else 0,
            listing=listing.assign(date=listing["date"].map(md)) if supplied else listing,
            cols=cols,
        )

    def _warnings(self) -> Fragment:
        """This week's warnings per unit (按时 / 超时 / 未办结), and every one late or still
        open to date, by warning id."""
        duty = self.rules.campaign.duties["warnings"]
        listing, supplied = views.warnings_status(self.ledgers, self.result, self.unit)
        if not supplied:
            return _duties("warnings", supplied=False)
        week = listing[listing["pushed_at"] >= self.week["start"]]
        counts = {s: int((listing["status"] == s).sum()) for s in (views.LATE_W, views.OPEN_W)}
        per = None
        if len(week) and not self.unit:
            per = pd.crosstab(week["unit"], week["status"]).reindex(
                columns=[views.ON_TIME_W, views.LATE_W, views.OPEN_W, views.NOT_DUE_W], fill_value=0
            )
            per = per.loc[:, per.sum() > 0].reset_index()
        bad = listing[listing["status"].isin([views.LATE_W, views.OPEN_W])]
        if len(bad):  # an empty column may have no .dt
            bad = bad.assign(
                pushed_at=bad["pushed_at"].dt.strftime("%m-%d %H:%M"),
                important=bad["important"].map({True: "是", False: ""}),
            )
        return _duties(
            "warnings",
            supplied=True,
            called=self.rules.campaign.called,
            hours=duty.feedback_hours,
            total=len(listing),
            week=len(week),
            late=counts[views.LATE_W],
            still=counts[views.OPEN_W],
            per=per,
            per_cols={} if per is None else {"unit": "单位"} | {c: c for c in per if c != "unit"},
            bad=bad if len(bad) else None,
            bad_cols={"warning_id": "预警编号", "unit": "单位", "level": "风险层级",
                      "important": "重要", "pushed_at": "推送", "verify": "核查",
                      "feedback": "反馈", "status": "情况"},
        )  # fmt: skip

    def _reception(self) -> Fragment:
        """实施方案 四(一): the days without a leader of the bureau on the roster, and the
        visits that came to the bureau on those days."""
        short, visits, n_days, supplied = views.reception_days(self.ledgers, self.result, self.unit)
        if supplied:
            short = short.assign(
                date=[f"{md(d)}(周{'一二三四五六日'[d.day_of_week]})" for d in short["date"]],
                posts=short["posts"].replace("", "—"),
            )
        return _duties(
            "reception",
            supplied=supplied,
            called=self.rules.campaign.called,
            words=self.rules.interpretations["reception_days"].words() if supplied else "",
            n_days=n_days,
            short=short,
            short_cols={"date": "日期", "status": "情况", "posts": "值班表所写职务"},
            visits=_bureau_visits(visits) if supplied and visits is not None else visits,
            visits_cols=labels(*visits.columns) if visits is not None else {},
        )

    def _by_the_book(self) -> Fragment:
        """Backlog cases certified without their three meetings; open ones without a leader."""
        short, no_lead, supplied = views.backlog_procedure(self.ledgers, self.result, self.unit)
        reading = self.rules.interpretations.get("meetings_for_certification")
        if supplied and len(short):
            short = short.assign(certified_on=short["certified_on"].map(md))
        if supplied and len(no_lead):  # an empty column may have no .dt
            first = no_lead["first_petition_on"].dt.strftime("%Y-%m-%d")
            no_lead = no_lead.assign(first_petition_on=first)
        return _duties(
            "by_the_book",
            supplied=supplied,
            said=f"(按「{reading.words()}」)" if reading is not None else "",
            short=short,
            short_cols=labels("case_id", "unit", "certified_on", "missing",
                              overrides={"missing": "缺少的会议"}),
            no_lead=no_lead,
            no_lead_cols=labels("case_id", "unit", "first_petition_on"),
        )  # fmt: skip

    def _duty_visits(self, levels: tuple[str, ...]) -> int:
        """Visits at these levels inside the campaign up to as-of (of the unit, if any)."""
        seen = views.visits_seen(self.ledgers, self.result, self.unit)
        return int(seen["level"].isin(levels).sum())

    def backlog(self) -> Fragment:
        """积案化解进度: the sentence under the burn-down chart."""
        if not self._tracks_backlog:
            return Fragment("")
        _, p = self.burndown
        late = p["total"] == 0 or p["open"] == 0 or p["days_left"] <= 0
        projected = 0 if late else whole_cases(p["projected_open_at_target"])
        return _duties("backlog", p=p, projected=projected)

    def backlog_chart(self) -> Any:
        if not self._tracks_backlog:
            return None
        t, p = self.burndown
        return show(charts.backlog_burndown(t, p))

    def screening(self) -> Fragment:
        """矛盾纠纷排查."""
        if not self.rules.has("missing_case_id"):  # no rule looks back at the screening
            return _duties("screening", applies=False)
        listing, f = views.screening_check(self.ledgers, self.result, self.unit)
        listing = listing.assign(case_id=listing["case_id"].astype(object).fillna("(未填)"))
        cols = labels("date", "unit", "visit_id", "case_id", "level", "persons",
                      overrides={"unit": "责任单位"})  # fmt: skip
        return _duties(
            "screening",
            applies=True,
            called=self.rules.campaign.called,
            f=f,
            missing=self.rules.interpretations["missing_case_id"],
            listing=listing,
            cols=cols,
        )

    def unit_records(self) -> Fragment:
        """本单位走访、事件与积案 (only in a unit's briefing)."""
        if not self.unit:
            return Fragment("")
        rec = views.unit_cases(self.ledgers, self.result, self.unit)
        v = rec["visits"].assign(case_id=rec["visits"]["case_id"].astype(object).fillna("(未填)"))
        b = rec["backlog"]
        b = b.assign(points=b["points"].map(lambda x: f"{x:+d}" if x else ""))
        return _duties(
            "unit_records",
            v=v,
            cols_v=labels("date", "visit_id", "level", "form", "persons", "case_id", "note",
                          overrides={"visit_id": "编号", "note": "计分"}),
            inc=rec["incidents"],
            cols_i=labels("date", "incident_id", "level", "category", "note",
                          overrides={"category": "类别", "note": "计分"}),
            b=b,
            cols_b=labels("case_id", "first_petition_on", "status", "resolved_on",
                          "certified_on", "points",
                          overrides={"status": "截至统计日状态", "points": "加分"}),
        )  # fmt: skip
