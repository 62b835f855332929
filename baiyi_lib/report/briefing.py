"""The weekly briefing's content: one method per section, called by the notebook's cells.

The notebook narrates; this package computes (through ``views``) and the templates lay out
(``templates/baiyi/briefing_*.html.j2``, autoescaped). Each section returns an HTML
fragment in Chinese. Headline numbers carry a ``data-figure`` attribute (the ``fig`` macro)
so that a test can check the page against the library. The sections live by subject:
here the page's head (title, 本周要点, the sentence under each heading); scores and points
in briefing_scores; the plan's duties, the backlog and the screening in briefing_duties;
returns, deadlines, attention, method and provenance in briefing_returns.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import views
from ..ledgers import Ledgers
from ..params import Rules, load_rules
from ..present import labels
from ..scoring import ScoreResult
from ..sources import is_store
from .briefing_duties import DutySections
from .briefing_returns import ReturnSections
from .briefing_scores import ScoreSections
from .markup import Fragment, md, section, show
from .scored import scored

__all__ = ["Briefing", "Fragment", "show"]


def chinese_count(n: int) -> str:
    """A small count in Chinese numerals as a sentence says it (四项目标); digits above 10."""
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _head(macro: str, **context: Any) -> Fragment:
    return section("briefing_head.html.j2", macro, **context)


@dataclass(kw_only=True)
class Briefing(ScoreSections, DutySections, ReturnSections):
    """Everything one briefing needs, computed once (each view at most once per page)."""

    rules: Rules
    ledgers: Ledgers
    result: ScoreResult
    previous: ScoreResult | None
    as_of: dt.date
    unit: str | None
    title: str
    data: str
    overrides: dict[str, Any]
    restated: ScoreResult | None = None  # last week's as-of on today's data (store only)
    known_at: str | None = None
    default: ScoreResult | None = None  # the default readings, when others are chosen

    @functools.cached_property
    def burndown(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The backlog burn-down (views.backlog_burndown): the headline, the figures, the
        table and the chart all read it."""
        return views.backlog_burndown(self.ledgers, self.result, self.unit)

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Visits by level (views.visits_summary)."""
        return views.visits_summary(self.ledgers, self.result, self.unit)

    @functools.cached_property
    def first_cases(self) -> pd.DataFrame:
        """The system's first visit of each level, with what each was charged in all."""
        return views.first_cases(self.result)

    @functools.cached_property
    def flags(self) -> pd.DataFrame:
        """The flags raised (views.flags_raised): the figures and the headline read them."""
        return views.flags_raised(self.result, self.unit)

    @functools.cached_property
    def score_changes(self) -> pd.DataFrame:
        """Scores with their change since last week's briefing (views.score_changes)."""
        return views.score_changes(self.result, self.previous)

    @functools.cached_property
    def week(self) -> pd.Series:
        """This briefing's week (from the day after last Friday to as-of)."""
        return views.this_week(self.result)

    @property
    def from_store(self) -> bool:
        return is_store(self.data)

    @property
    def known(self) -> dt.datetime | None:
        """The known_at moment in force (None: everything received)."""
        return None if self.known_at is None else dt.datetime.fromisoformat(self.known_at)

    # ------------------------------------------------------------------ build

    @classmethod
    def prepare(
        cls,
        data: str | None,
        as_of: str | dt.date | None = None,
        unit: str | None = None,
        rules: dict[str, Any] | None = None,
        title: str | None = None,
        known_at: str | None = None,
    ) -> Briefing:
        """Load the ledgers and rules, score as of the date and as of last week's briefing
        (scored.compute: done once for a whole --all-units batch), for the unit if one
        is named (its name, short name or code)."""
        overrides = dict(rules or {})
        s = scored(data, as_of, overrides, known_at)
        name = s.rules.units.resolve(unit) if unit else None
        day = s.as_of
        default_title = f"{s.rules.campaign.short_name}周报({day.year}年{day.month}月{day.day}日)"
        if name:
            default_title = f"{name} · {default_title}"
        return cls(
            rules=s.rules, ledgers=s.ledgers, result=s.result, previous=s.previous, as_of=day,
            unit=name, title=title or default_title, data=s.data, overrides=overrides,
            restated=s.restated, known_at=s.known_at, default=s.default,
        )  # fmt: skip

    # ------------------------------------------------------------------ figures

    def figures(self) -> dict[str, Any]:
        """The headline figures (also shown in the report index and checked by tests)."""
        return dict(self._figures)

    @functools.cached_property
    def _figures(self) -> dict[str, Any]:
        summary = self.summary
        _, bl = self.burndown
        flags = self.flags
        return {
            "as_of": self.as_of.isoformat(),
            "unit": self.unit or "",
            "person_visits_week": int(summary["this_week"].sum()),
            "person_visits_to_date": int(summary["to_date"].sum()),
            "backlog_certified": bl["certified"],
            "backlog_total": bl["total"],
            "vetoed_units": int(flags[flags["rule_id"] == "veto"]["unit"].nunique()),
        }

    # ------------------------------------------------------------------ sections

    def header(self) -> Fragment:
        camp = self.rules.campaign
        chosen = ""
        if self.default is not None:
            chosen = ";".join(
                f"{it.words()}(默认:{it.value_words(it.default)})"
                for it in self.rules.interpretations.values()
                if not it.is_default
            )
        return _head(
            "header",
            title=self.title,
            as_of=self.as_of,
            week=self.week.to_dict(),
            scope=f"单位:{self.unit}" if self.unit else "范围:全系统",
            camp=camp,
            cycle=None if camp.cycle == "全期" else camp.assessment_period(self.as_of),
            chosen=chosen,
            reading=self.ledgers.reading_lines(),
        )

    def headline(self) -> Fragment:
        """本周要点: what the leading group asks first on Friday: how many came this week
        and to date, who went to the city or above this week (named, with the points
        charged), whose score moved most, the backlog against its deadline, vetoes, and
        a system-first visit while it is news. Then the visits by level."""
        office = (
            ":" + self.rules.interpretations["office_visits"].meaning()
            if self.rules.has("office_visits")
            else ""
        )
        news = self.week["start"] - pd.Timedelta(weeks=self.rules.campaign.attention.news_weeks - 1)
        firsts = self.first_cases
        return _head(
            "headline",
            f=self.figures(),
            charged=int(self.summary["charged"].sum()),
            office=office,
            called=self.rules.campaign.called,
            upper=self._upper_visits(),
            movers=self._movers(),
            backlog=self._backlog_line() if self.rules.by_mechanism("backlog") else None,
            flags=self._flags_line() if self.rules.by_mechanism("flag") else None,
            firsts=list(firsts[firsts["date"] >= news].itertuples(index=False)),
        )

    @staticmethod
    def campaign_title(what: str) -> str:
        """A page title in the campaign's own name (campaign.yaml short_name): 总结考核 →
        信访维稳百日攻坚行动总结考核."""
        return load_rules().campaign.short_name + what

    def say(self, section: str) -> Fragment:
        """The sentence under a section's heading, composed from the params (levels, the
        office kind, the targets, the backlog deadline, the look-back at screening), so that
        another method's page states only its own rules. Sections: levels, targets, trend,
        backlog, screening, final, attention."""
        r, camp = self.rules, self.rules.campaign
        if section == "levels":
            office = (
                f";{r.units.office_kind}不计分的走访另列“其中计分人次”"
                if r.has("office_visits") and r.units.office_kind
                else ""
            )
            text = f"每起走访都计入人次{office}。"
        elif section == "targets":
            n = len(camp.targets)
            text = (
                f"{camp.targets_clause} 的{chinese_count(n)}项目标,各自到目前为止的完成情况。"
                if n
                else "本方案没有设定任务目标。"
            )
        elif section == "trend":
            text = f"各层级颜色在所有图中一致:{'、'.join(r.levels)}。"
        elif section == "backlog":
            d = camp.backlog_target
            if not self._tracks_backlog:
                text = "本考核办法没有信访积案化解的计分规定,台账中也没有积案,本节不适用。"
            elif d is not None:
                text = f"积案须在{md(d.date)}前全部化解并经认定({d.clause})。"
            else:
                text = "本方案没有规定积案全部化解的期限。"
        elif section == "attention":
            aim = camp.attention.aim
            text = "在下一次走访发生之前要做工作的案件和单位" + (f"({aim})" if aim else "") + "。"
        elif section == "final":
            award = camp.award
            text = (
                f"{award.clause}:{award.rule}。可否授予以一票否决、积案全部化解、排查全覆盖三项为"
                f"依据,由{award.decided_by}决定。"
                if award is not None
                else f"各单位{camp.called}期的最终得分和名次。"
            )
        elif section == "screening":
            looks = [x for x in r.by_mechanism("doubling") if x.condition == "unscreened"]
            text = (
                f"新发生的走访倒查排查台账,未排查出的加倍扣分({looks[0].clause})。" if looks else ""
            )
        else:
            raise ValueError(f"unknown section {section!r}")
        return _head("say", text=text)

    def _backlog_line(self) -> dict[str, Any]:
        """The backlog against its deadline, for a method that rewards resolving it."""
        _, bl = self.burndown
        target = md(bl["target_date"])
        if bl["days_left"] > 0:
            when = f"距 {target}(积案全部化解)还有 {bl['days_left']} 天"
        elif bl["days_left"] == 0:
            when = f"今天({target})是积案全部化解的期限"
        else:
            when = f"积案全部化解的期限 {target} 已过 {-bl['days_left']} 天"
        return {**bl, "office": self.rules.campaign.office, "when": when}

    def _flags_line(self) -> dict[str, Any]:
        """Units vetoed or whose awards are cancelled, named with the visit that did it."""
        named = ";".join(
            f"{r.unit}:{r.label}({md(r.date)} {r.level} 走访 {r.source_id})"
            for r in self.flags.itertuples(index=False)
        )
        return {"named": named}

    def _upper_visits(self) -> dict[str, Any]:
        """This week's visits at 到市 and above: for a headline line and the list, each visit
        named by unit, level, form, persons and the points charged with their reasons."""
        v = views.upper_visits(self.ledgers, self.result, self.week["start"].date(), self.unit)
        levels = self.rules.levels
        lowest = levels[-2] if len(levels) > 1 else levels[-1]  # 到市: the lowest above 来县
        out: dict[str, Any] = {"lowest": lowest, "above": "、".join(levels[:-1]), "visits": len(v)}
        if v.empty:
            return out
        count = "、".join(
            f"{lv} {int(n)} 人次" for lv, n in v.groupby(v["level"].astype(str), sort=False)[
                "persons"].sum().items()
        )  # fmt: skip
        charged = v["charged"].to_numpy()
        shown = v.assign(
            date=v["date"].map(md),
            form=v["form"].astype(str) + v["irregular"].map({True: "(非访)", False: ""}),
            points=v["points"].map(lambda x: f"{x:+d}").where(charged, "不计分"),
            parts=v["parts"].where(charged, v["note"]),
        )
        cols = labels(
            "date", "unit", "level", "form", "persons", "points", "parts",
            overrides={"points": "扣分", "parts": "计分依据"},
        )  # fmt: skip
        nowrap = ("date", "unit", "level", "form", "persons", "points")
        return out | {"count": count, "shown": shown, "cols": cols, "nowrap": nowrap}

    def _movers(self) -> dict[str, Any]:
        """The units whose score moved most since last week's briefing (system page)."""
        out = {"new_period": "", "names": "", "none_moved": False}
        if self._new_period and not self.unit:
            return out | {"new_period": self._new_period}
        if self.previous is None or self.unit:
            return out
        n = self.rules.campaign.attention.movers
        unit = self.rules.campaign.unit
        m = views.movers(self.score_changes, n)
        names = "、".join(
            f"{r.unit} {r.change:+d} {unit}(现 {r.score} {unit},第 {r.rank} 名)"
            for r in m.itertuples(index=False)
        )
        return out | {"names": names, "none_moved": m.empty}

    @property
    def _new_period(self) -> str:
        """Under 月考核, when last week's briefing was of another month: the sentence saying
        so (scores restarted from the base; a change is no change of standing); else ""."""
        camp = self.rules.campaign
        if self.previous is None or camp.cycle == "全期":
            return ""
        first, _ = camp.assessment_period(self.as_of)
        if camp.assessment_period(self.previous.as_of)[0] == first:
            return ""
        return (
            f"本周进入新的考核{camp.cycle}:{md(first)}起各单位从基础分 {camp.base_score} 重新计分,"
            f"得分与上周(上一个考核{camp.cycle})不可比。"
        )

    @property
    def _tracks_backlog(self) -> bool:
        """Whether the page has a backlog to show: the method scores resolutions, or the
        ledgers hold backlog cases (a page never charts what the method does not have)."""
        return bool(self.rules.by_mechanism("backlog")) or not self.ledgers.backlog.empty
