"""The weekly briefing's content: one method per section, called by the notebook's cells.

The notebook narrates; this module computes (through ``views``) and formats. Each section
returns an HTML fragment in Chinese. Headline numbers carry a ``data-figure`` attribute so
that a test can check the page against the library.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .. import charts, views
from .._version import __version__
from ..dates import week_label
from ..ledgers import Ledgers
from ..ledgers.schema import KIND_LABELS
from ..params import Rules, load_rules, shown_path
from ..present import attention_lists, attention_shown, days_in_words, labels, whole_cases
from ..present import html_table as table
from ..scoring import ScoreResult, as_of_day, score
from ..sources import is_store, known_moment, load_ledgers, resolve_source
from ..store import return_gaps, row_changes
from ..whatif import sensitivity, sensitivity_table
from . import REPORT_MODE_ENV


class Fragment:
    """An HTML fragment that Jupyter and nbconvert display as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def show(fig: go.Figure) -> Any:
    """A chart: the figure itself in JupyterLab; an inline div in a report run (the page
    carries one copy of plotly.js in its head, so no renderer or network is involved)."""
    if os.environ.get(REPORT_MODE_ENV):
        return Fragment(
            fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True},
                default_width="100%",
            )
        )
    return fig


def first_case_line(r: Any) -> str:
    """A system-first visit (a row of views.first_cases) in one line, with the points
    charged in all and each part's reason."""
    reasons = f"({html.escape(r.parts)})" if ";" in r.parts else ""
    return (
        f"{html.escape(str(r.label))}:{html.escape(str(r.unit))},{md(r.date)},"
        f"{r.persons} 人次,编号 {html.escape(str(r.source_id))},扣 {-r.points} 分{reasons}。"
    )


def fig_num(name: str, value: Any) -> str:
    """A headline number, tagged for the page test."""
    return f'<span class="fig" data-figure="{name}">{html.escape(str(value))}</span>'


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def chinese_count(n: int) -> str:
    """A small count in Chinese numerals as a sentence says it (四项目标); digits above 10."""
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def md(day: dt.date | pd.Timestamp) -> str:
    """A day as people write it in a briefing: 3月1日."""
    return week_label(day)


ATTENTION_SHOWN = 15  # rows of each 需要关注 list on the page (the view has them all)


@dataclass
class Briefing:
    """Everything one briefing needs, computed once."""

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
        """The backlog burn-down (views.backlog_burndown), computed once per briefing: the
        headline, the figures, the table and the chart all read it."""
        return views.backlog_burndown(self.ledgers, self.result, self.unit)

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
        """Load the ledgers and rules, score as of the date and as of last week's briefing.

        The as-of is read with the one date grammar and must lie in the campaign; by
        default it is the latest Friday the data covers. From the store, last week's
        scores use the data known at last week's return day, so that late and corrected
        returns show up in 变化说明.
        """
        overrides = dict(rules or {})
        r = load_rules(**overrides)
        data = resolve_source(data)
        store = is_store(data)
        moment = known_moment(known_at, r) if known_at not in (None, "") else None
        led = load_ledgers(data, r, known_at=moment) if store else load_ledgers(data, r)
        default = as_of in (None, "")
        day = views.latest_return_day(led, r) if default else as_of_day(as_of, r)
        name = r.units.resolve(unit) if unit else None
        result = score(led, r, as_of=day)
        prev_day = views.previous_day(r, day)
        previous = restated = None
        if prev_day is not None:
            restated = score(led, r, as_of=prev_day)
            previous = restated
            if store:
                then = load_ledgers(data, r, known_at=known_moment(prev_day, r))
                previous = score(then, r, as_of=prev_day)
        chosen = {k: v for k, v in overrides.items() if not r.interpretations[k].is_default}
        default = score(led, load_rules(), as_of=day) if chosen else None
        default_title = f"{r.campaign.short_name}周报({day.year}年{day.month}月{day.day}日)"
        if name:
            default_title = f"{name} · {default_title}"
        return cls(
            r, led, result, previous, day, name, title or default_title, str(data), overrides,
            restated, None if moment is None else moment.isoformat(sep=" "), default,
        )  # fmt: skip

    # ------------------------------------------------------------------ figures

    @property
    def week(self) -> pd.Series:
        """This briefing's week (from the day after last Friday to as-of)."""
        return views.this_week(self.result)

    def figures(self) -> dict[str, Any]:
        """The headline figures (also shown in the report index and checked by tests)."""
        summary = self.summary
        _, bl = self.burndown
        flags = views.flags_raised(self.result, self.unit)
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
        week = self.week
        scope = f"单位:{self.unit}" if self.unit else "范围:全系统"
        partial = "" if week["complete"] else ",本周尚未结束"
        note = ""
        if self.default is not None:
            chosen = ";".join(
                f"{it.words()}(默认:{it.value_words(it.default)})"
                for it in self.rules.interpretations.values()
                if not it.is_default
            )
            note = (
                f'<p class="alert">本报告按非默认口径计算:{html.escape(chosen)}。'
                "默认口径下的得分和名次列在排名表中,以便对照。</p>"
            )
        return Fragment(
            f"<h1>{html.escape(self.title)}</h1>"
            f'<p class="meta">统计截至 {fig_num("as_of", self.as_of.isoformat())}'
            f"(第 {week['week']} 周:{md(week['start'])}—{md(self.as_of)}{partial});"
            f"{html.escape(scope)};"
            f"{camp.called}期 {camp.start.year}年{md(camp.start)}—{md(camp.end)}"
            f"{self._cycle_words()}。</p>" + note + self._reading()
        )

    def _cycle_words(self) -> str:
        """Under a monthly (or quarterly) assessment, which period the scores are of."""
        camp = self.rules.campaign
        if camp.cycle == "全期":
            return ""
        first, last = camp.assessment_period(self.as_of)
        return (
            f";按{camp.cycle}考核({html.escape(camp.cycle_clause)}),"
            f"得分为本{camp.cycle}({md(first)}—{md(last)})的得分"
        )

    def _reading(self) -> str:
        """Before any score: ledgers missing altogether and what was not read."""
        lines = self.ledgers.reading_lines()
        if not lines:
            return ""
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        return f'<div class="alert"><p>计分以前请注意:</p><ul>{items}</ul></div>'

    def headline(self) -> Fragment:
        """本周要点: what the leading group asks first on Friday: how many came this week
        and to date, who went to the city or above this week (named, with the points
        charged), whose score moved most, the backlog against its deadline, vetoes, and
        a system-first visit while it is news. Then the visits by level."""
        f = self.figures()
        summary = self.summary
        charged = int(summary["charged"].sum())
        office = (
            ":" + self.rules.interpretations["office_visits"].meaning()
            if self.rules.has("office_visits")
            else ""
        )
        not_charged = (
            f"(其中计分 {fig_num('person_visits_charged', charged)} 人次{html.escape(office)})"
            if charged != f["person_visits_to_date"]
            else ""
        )
        parts = [
            f"<li>本周走访 {fig_num('person_visits_week', f['person_visits_week'])} 人次,"
            f"{self.rules.campaign.called}以来累计 "
            f"{fig_num('person_visits_to_date', f['person_visits_to_date'])} 人次"
            f"{not_charged}。</li>"
        ]
        upper, upper_list = self._upper_visits()
        parts.append(upper)
        parts.append(self._movers())
        if self.rules.by_mechanism("backlog"):
            parts.append(self._backlog_line())
        if self.rules.by_mechanism("flag"):
            parts.append(self._flags_line(f))
        news = self.week["start"] - pd.Timedelta(weeks=self.rules.campaign.attention.news_weeks - 1)
        firsts = self.first_cases
        for r in firsts[firsts["date"] >= news].itertuples(index=False):
            parts.append(f"<li>{first_case_line(r)}</li>")
        return Fragment(f"<ul>{''.join(parts)}</ul>{upper_list}")

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
        return Fragment(f"<p>{html.escape(text)}</p>" if text else "")

    def _backlog_line(self) -> str:
        """The backlog against its deadline, for a method that rewards resolving it."""
        _, bl = self.burndown
        camp = self.rules.campaign
        target = md(bl["target_date"])
        if bl["days_left"] > 0:
            when = f"距 {target}(积案全部化解)还有 {bl['days_left']} 天"
        elif bl["days_left"] == 0:
            when = f"今天({target})是积案全部化解的期限"
        else:
            when = f"积案全部化解的期限 {target} 已过 {-bl['days_left']} 天"
        return (
            f"<li>信访积案 {fig_num('backlog_total', bl['total'])} 件,{camp.called}以来化解 "
            f"{bl['resolved']} 件,其中经{camp.office}认定 "
            f"{fig_num('backlog_certified', bl['certified'])} 件;{when}。</li>"
        )

    def _flags_line(self, f: dict) -> str:
        """Units vetoed or whose awards are cancelled, named with the visit that did it."""
        flags = views.flags_raised(self.result, self.unit)
        vetoed = f"被一票否决的单位 {fig_num('vetoed_units', f['vetoed_units'])} 个"
        if len(flags):
            named = ";".join(
                f"{html.escape(str(r.unit))}:{html.escape(str(r.label))}"
                f"({md(r.date)} {html.escape(str(r.level))} 走访 {html.escape(str(r.source_id))})"
                for r in flags.itertuples(index=False)
            )
            return f'<li class="alert">{vetoed}。{named}。</li>'
        return f"<li>{vetoed};未发生一票否决或取消年度奖励的情形。</li>"

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

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Visits by level (views.visits_summary), computed once per briefing."""
        return views.visits_summary(self.ledgers, self.result, self.unit)

    @functools.cached_property
    def first_cases(self) -> pd.DataFrame:
        """The system's first visit of each level, with what each was charged in all."""
        return views.first_cases(self.result)

    def _upper_visits(self) -> tuple[str, str]:
        """This week's visits at 到市 and above: a headline line and the list, each visit
        named by unit, level, form, persons and the points charged with their reasons."""
        v = views.upper_visits(self.ledgers, self.result, self.week["start"].date(), self.unit)
        levels = self.rules.levels
        lowest = levels[-2] if len(levels) > 1 else levels[-1]  # 到市: the lowest above 来县
        above = "、".join(levels[:-1])
        if v.empty:
            return f"<li>本周没有{lowest}以上({above})的走访。</li>", ""
        count = "、".join(
            f"{lv} {int(n)} 人次" for lv, n in v.groupby(v["level"].astype(str), sort=False)[
                "persons"].sum().items()
        )  # fmt: skip
        line = f'<li class="alert">本周{lowest}以上走访 {len(v)} 起:{count},逐起列在下表。</li>'
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
        short = ("date", "unit", "level", "form", "persons", "points")
        return line, f"<h3>本周{lowest}以上走访</h3>" + table(shown, cols, nowrap=short)

    def _movers(self) -> str:
        """The units whose score moved most since last week's briefing (system page)."""
        if self._new_period and not self.unit:
            return f"<li>{self._new_period}</li>"
        if self.previous is None or self.unit:
            return ""
        n = self.rules.campaign.attention.movers
        unit = self.rules.campaign.unit
        m = views.movers(views.score_changes(self.result, self.previous), n)
        if m.empty:
            return "<li>与上周相比,各单位得分没有变化。</li>"
        names = "、".join(
            f"{html.escape(str(r.unit))} {r.change:+d} {unit}(现 {r.score} {unit},第 {r.rank} 名)"
            for r in m.itertuples(index=False)
        )
        return f"<li>得分变化最大的单位:{names}。</li>"

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
        return Fragment(
            table(
                tg,
                labels(
                    "target", "clause", "measure", "value", "detail", overrides={"clause": "依据"}
                ),
            )
        )

    def ranking(self) -> Fragment:
        """单位得分排名."""
        t = views.score_changes(self.result, self.previous)
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
        if not self.rules.interpretations:
            return Fragment(
                "<h2>口径敏感性</h2><p>考核办法的文字没有需要另行确定口径之处,各单位的得分不随口径变化。</p>"
            )
        t = sensitivity_table(sensitivity(self.ledgers, self.rules, self.as_of), self.rules)
        if self.unit:
            t = t[t["unit"] == self.unit]
        cols = {"unit": "单位", **{c: c for c in t.columns if c not in ("unit", "depends")}}
        cols["depends"] = "随口径变化的"
        n = int((t["depends"] != "").sum())
        name = self.rules.campaign.award.name if self.rules.campaign.award else ""
        award = f"或可否授予{name}" if name else ""
        return Fragment(
            f"<h2>口径敏感性</h2><p>原文有歧义之处由{html.escape(self.rules.campaign.decided_by)}"
            "决定。下表每一列只改变一个口径(其余按现行口径),"
            f"列出各单位的得分和名次;名次{award}随口径变化的单位 {n} 个,以红底标出。"
            "两种口径逐条扣分的差别,可请维护人员生成对照表(见附录)。</p>"
            + table(t, cols, highlight=t["depends"] != "")
        )

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

    def changes(self) -> Fragment:
        """变化说明: why scores moved since the last briefing, and what the returns changed."""
        if self.previous is None:
            return Fragment(f"<p>这是{self.rules.campaign.called}的第一周,没有上周可比。</p>")
        if self._new_period:
            return Fragment(f"<p>{self._new_period}</p>")
        t = views.score_change_explained(self.result, self.previous, self.restated)
        if self.unit:
            t = t[t["unit"] == self.unit]
        moved = t[t["change"] != 0]
        parts = []
        if moved.empty:
            parts.append("<p>与上周相比,得分没有变化。</p>")
        else:
            signed = {
                c: moved[c].map(lambda x: f"{x:+d}") for c in ("change", "this_week", "corrections")
            }
            cols = labels(
                "unit",
                "score",
                "change",
                "this_week",
                "corrections",
                overrides={"score": "本周得分", "this_week": "其中:本周新发生"},
            )
            parts.append(table(moved.assign(**signed), cols))
        if self.from_store:
            parts.append(self._row_changes())
        else:
            parts.append(
                "<p>台账来自文件夹,看不出哪些是补报、哪些是更正;"
                "台账逐次载入台账库后,可以逐行列出变化。</p>"
            )
        return Fragment("".join(parts))

    def _row_changes(self) -> str:
        """The rows the submissions since last week's return day added or corrected."""
        prev = views.previous_day(self.rules, self.as_of) or self.rules.campaign.start
        since = known_moment(prev, self.rules)
        rows = row_changes(self.data, since, self.known)
        if self.unit:
            rows = rows[rows["unit"] == self.unit]
        if rows.empty:
            return "<p>上次例会以来台账没有变化。</p>"
        rows = rows.assign(kind=rows["kind"].map(KIND_LABELS))
        summary = rows.groupby(["file", "kind", "change"]).size().rename("rows").reset_index()
        out = "<h3>上次例会以来台账的变化</h3>" + table(
            summary, labels("file", "kind", "change", "rows", overrides={"change": "变化"})
        )
        fixed = rows[rows["change"].isin(["更正", "删除"])]
        if len(fixed):
            cols = labels("file", "kind", "key", "unit", "src_row")
            cols["change"] = "变化"
            out += "<p>更正和删除的行(删除:单位这次报送的台账里已没有这一行):</p>" + table(
                fixed, cols
            )
        return out

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

    @property
    def _tracks_backlog(self) -> bool:
        """Whether the page has a backlog to show: the method scores resolutions, or the
        ledgers hold backlog cases (a page never charts what the method does not have)."""
        return bool(self.rules.by_mechanism("backlog")) or not self.ledgers.backlog.empty

    def duties(self) -> Fragment:
        """履职情况 (实施方案 四(三), campaign.yaml duties): the visits to the province or
        Beijing without the unit's head on the scene, backlog cases certified without their
        three meetings (程序不全) and open ones without a leader; by case, never a person.
        A ledger that does not record a duty is said so, never "0"."""
        duties = self.rules.campaign.duties
        if not duties:
            return Fragment("<p>本考核办法没有按案件逐周核对的履职要求,本节不适用。</p>")
        parts = []
        for duty in duties.values():
            head = f"<h3>{html.escape(duty.label)}<small> {html.escape(duty.clause)}</small></h3>"
            body = {
                "head_on_scene": self._head_on_scene,
                "backlog_by_the_book": self._by_the_book,
                "warnings": self._warnings,
                "daily_reception": self._reception,
            }[duty.id]()
            parts.append(head + body)
        return Fragment("".join(parts))

    def _head_on_scene(self) -> str:
        """Visits at the duty's levels and those without the head on the scene."""
        duty = self.rules.campaign.duties["head_on_scene"]
        listing, supplied = views.head_on_scene(self.ledgers, self.result, self.unit)
        if not supplied:
            return "<p>走访登记没有填写“主要负责人到场”,无法核对(数据未提供)。</p>"
        n = self._duty_visits(duty.levels)
        text = (
            f"<p>{'、'.join(duty.levels)}的走访 {fig_num('head_visits', n)} 起,主要负责人"
            f"未到场或未填写的 {fig_num('head_missing', len(listing))} 起"
            + (":</p>" if len(listing) else "。</p>")
        )
        if not len(listing):
            return text
        cols = labels(
            "date", "visit_id", "unit", "level", "case_id", "status",
            overrides={"status": "主要负责人"},
        )  # fmt: skip
        return text + table(listing.assign(date=listing["date"].map(md)), cols)

    def _warnings(self) -> str:
        """This week's warnings per unit (按时 / 超时 / 未办结), and every one late or still
        open to date, by warning id."""
        duty = self.rules.campaign.duties["warnings"]
        listing, supplied = views.warnings_status(self.ledgers, self.result, self.unit)
        if not supplied:
            return "<p>没有预警信息台账,无法核对(数据未提供)。</p>"
        week = listing[listing["pushed_at"] >= self.week["start"]]
        counts = {s: int((listing["status"] == s).sum()) for s in (views.LATE_W, views.OPEN_W)}
        total, n_week = fig_num("warnings_total", len(listing)), fig_num("warnings_week", len(week))
        late = fig_num("warnings_late", counts[views.LATE_W])
        still = fig_num("warnings_open", counts[views.OPEN_W])
        text = (
            f"<p>{self.rules.campaign.called}以来收到预警信息 {total} 条,本周 {n_week} 条;"
            f"核查超过当日或重要信息 {duty.feedback_hours} 小时内未反馈的(超时){late} 条,"
            f"截至统计日仍未核查或反馈的(未办结){still} 条。</p>"
        )
        if len(week) and not self.unit:
            per = pd.crosstab(week["unit"], week["status"]).reindex(
                columns=[views.ON_TIME_W, views.LATE_W, views.OPEN_W, views.NOT_DUE_W], fill_value=0
            )
            per = per.loc[:, per.sum() > 0].reset_index()
            text += "<p>本周各单位:</p>" + table(
                per, {"unit": "单位", **{c: c for c in per.columns if c != "unit"}}
            )
        bad = listing[listing["status"].isin([views.LATE_W, views.OPEN_W])]
        if len(bad):
            shown = bad.assign(
                pushed_at=bad["pushed_at"].dt.strftime("%m-%d %H:%M"),
                important=bad["important"].map({True: "是", False: ""}),
            )
            cols = {"warning_id": "预警编号", "unit": "单位", "level": "风险层级",
                    "important": "重要", "pushed_at": "推送", "verify": "核查",
                    "feedback": "反馈", "status": "情况"}  # fmt: skip
            text += "<p>超时和未办结的预警信息:</p>" + table(shown, cols)
        return text

    def _reception(self) -> str:
        """实施方案 四(一): the days without a leader of the bureau on the roster, and the
        visits that came to the bureau on those days."""
        short, visits, n_days, supplied = views.reception_days(self.ledgers, self.result, self.unit)
        if not supplied:
            return "<p>没有局领导接访值班表,无法核对(数据未提供)。</p>"
        reading = self.rules.interpretations["reception_days"]
        text = (
            f"<p>{self.rules.campaign.called}以来应有局领导在局接访的日子 "
            f"{fig_num('reception_days', n_days)} 天(按「{html.escape(reading.words())}」),"
            f"值班表上没有局党组领导的 {fig_num('reception_missing', len(short))} 天"
            + (":</p>" if len(short) else "。</p>")
        )
        if len(short):
            shown = short.assign(
                date=[f"{md(d)}(周{'一二三四五六日'[d.day_of_week]})" for d in short["date"]],
                posts=short["posts"].replace("", "—"),
            )
            text += table(shown, {"date": "日期", "status": "情况", "posts": "值班表所写职务"})
        if visits is None:
            return (
                text + "<p>走访登记没有填写“来局走访”,无法列出这些日子来局的走访(数据未提供)。</p>"
            )
        if len(short):
            text += f"<p>这些日子来局的走访 {fig_num('reception_visits', len(visits))} 起" + (
                ":</p>" if len(visits) else "。</p>"
            )
        if len(visits):
            text += table(
                visits.assign(date=visits["date"].map(md)),
                labels("date", "visit_id", "unit", "level", "persons"),
            )
        return text

    def _by_the_book(self) -> str:
        """Backlog cases certified without their three meetings; open ones without a leader."""
        short, no_lead, supplied = views.backlog_procedure(self.ledgers, self.result, self.unit)
        if not supplied:
            return (
                "<p>信访积案台账没有填写包案领导和会商、评议、听证日期,无法核对(数据未提供)。</p>"
            )
        reading = self.rules.interpretations.get("meetings_for_certification")
        said = f"(按「{reading.words()}」)" if reading is not None else ""
        text = (
            "<p>认定时没有开齐会商、评议、听证会议的积案(程序不全)"
            f"{fig_num('backlog_incomplete', len(short))} 件{said};未化解、没有包案领导的积案 "
            f"{fig_num('backlog_no_lead', len(no_lead))} 件。</p>"
        )
        if len(short):
            cols = labels(
                "case_id", "unit", "certified_on", "missing", overrides={"missing": "缺少的会议"}
            )
            text += table(short.assign(certified_on=short["certified_on"].map(md)), cols)
        if len(no_lead):
            first = no_lead["first_petition_on"].dt.strftime("%Y-%m-%d")
            text += "<p>没有包案领导的积案:</p>" + table(
                no_lead.assign(first_petition_on=first),
                labels("case_id", "unit", "first_petition_on"),
            )
        return text

    def _duty_visits(self, levels: tuple[str, ...]) -> int:
        """Visits at these levels inside the campaign up to as-of (of the unit, if any)."""
        seen = views.visits_seen(self.ledgers, self.result, self.unit)
        return int(seen["level"].isin(levels).sum())

    def backlog(self) -> Fragment:
        """积案化解进度: the sentence under the burn-down chart."""
        if not self._tracks_backlog:
            return Fragment("")
        _, p = self.burndown
        if p["total"] == 0:
            text = "没有登记的信访积案。"
        elif p["open"] == 0:
            text = "积案已全部化解并经认定。"
        elif p["days_left"] <= 0:
            text = f"已过 {md(p['target_date'])},仍有 {p['open']} 件积案未化解认定。"
        else:
            verdict = "可按期完成" if p["on_track"] else "按当前进度不能按期完成"
            text = (
                f"尚有 {p['open']} 件未化解认定;近来每周认定 {p['pace_per_week']} 件,"
                f"按期清零每周需 {p['needed_per_week']} 件,{verdict}"
                f"(预计到期仍余约 {whole_cases(p['projected_open_at_target'])} 件)。"
            )
        return Fragment(f"<p>{text}</p>")

    def backlog_chart(self) -> Any:
        if not self._tracks_backlog:
            return None
        t, p = self.burndown
        return show(charts.backlog_burndown(t, p))

    def screening(self) -> Fragment:
        """矛盾纠纷排查."""
        if not self.rules.has("missing_case_id"):  # no rule looks back at the screening
            return Fragment("<p>本考核办法没有倒查矛盾纠纷排查台账的规定,本节不适用。</p>")
        listing, f = views.screening_check(self.ledgers, self.result, self.unit)
        missing = self.rules.interpretations["missing_case_id"]
        text = (
            f"<p>{self.rules.campaign.called}以来计分的 {f['visits']} 起走访中,"
            "走访前已列入本单位排查台账的 "
            f"{f['screened']} 起,占 {pct(f['share'])};未排查出的 {f['unscreened']} 起按考核办法"
            f"二加倍扣分(见下表)。未填案件编号的走访 {f['no_case_id']} 起"
            f"(按「{html.escape(missing.words())}」:{html.escape(missing.meaning())})。</p>"
        )
        if len(listing):
            listing = listing.assign(case_id=listing["case_id"].astype(object).fillna("(未填)"))
            text += table(
                listing,
                labels(
                    "date",
                    "unit",
                    "visit_id",
                    "case_id",
                    "level",
                    "persons",
                    overrides={"unit": "责任单位"},
                ),
            )
        return Fragment(text)

    def unit_records(self) -> Fragment:
        """本单位走访、事件与积案 (only in a unit's briefing)."""
        if not self.unit:
            return Fragment("")
        rec = views.unit_cases(self.ledgers, self.result, self.unit)
        v = rec["visits"].assign(case_id=rec["visits"]["case_id"].astype(object).fillna("(未填)"))
        b = rec["backlog"]
        cols_v = labels(
            "date",
            "visit_id",
            "level",
            "form",
            "persons",
            "case_id",
            "note",
            overrides={"visit_id": "编号", "note": "计分"},
        )
        b = b.assign(points=b["points"].map(lambda x: f"{x:+d}" if x else ""))
        cols_b = labels(
            "case_id",
            "first_petition_on",
            "status",
            "resolved_on",
            "certified_on",
            "points",
            overrides={"status": "截至统计日状态", "points": "加分"},
        )
        parts = [f"<h2>本单位走访、事件与积案</h2><h3>走访({len(v)} 起)</h3>"]
        parts.append(table(v, cols_v) if len(v) else "<p>无。</p>")
        inc = rec["incidents"]
        parts.append(f"<h3>敏感事件({len(inc)} 起)</h3>")
        cols_i = labels(
            "date",
            "incident_id",
            "level",
            "category",
            "note",
            overrides={"category": "类别", "note": "计分"},
        )
        parts.append(table(inc, cols_i) if len(inc) else "<p>无。</p>")
        parts.append(f"<h3>信访积案({len(b)} 件)</h3>")
        parts.append(table(b, cols_b) if len(b) else "<p>无。</p>")
        return Fragment("".join(parts))

    def final(self) -> Fragment:
        """总结考核: final scores and ranks; the flags the method has (一票否决); whether a
        unit may receive the plan's award (campaign.yaml award: 平安稳定星), if it has one;
        the annual conversion, if the method has that reading."""
        camp = self.rules.campaign
        award = camp.award
        t = views.final_assessment(self.ledgers, self.result)
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
                "documents": "材料报送("
                + "、".join(dict.fromkeys(dl.clause for _, dl in camp.documents))
                + ")",
                "score": f"{camp.called}得分",
                "missed": f"未达到的目标(供{award.decided_by}决定)" if award else "",
                **({"star_eligible": f"可授予{award.name}"} if award else {}),
            },
        )
        note = ""
        if "annual_deduction" in t:
            cols["annual_deduction"] = "年度综合考核扣分"
            ratio = self.rules.value("annual_ratio")
            note = (
                f"<p>年底折算比例 {ratio}:年度扣分 =({camp.base_score} − {camp.called}得分)"
                "× 比例。</p>"
            )
        elif self.rules.has("annual_ratio"):
            label = self.rules.interpretations["annual_ratio"].label
            note = f"<p>未设定{html.escape(label)},只列{camp.called}得分。</p>"
        if camp.documents and "documents" not in t:
            note += "<p>材料报送情况:本页读取的是台账文件夹,没有收到时间,无法核对。</p>"
        hl = t["star_eligible"] == "否" if award else None
        f = self.final_figures()
        items = [
            f"<li>{camp.called}最终得分:最高 {fig_num('top_score', f['top_score'])} {camp.unit}"
            f"({html.escape(f['top_unit'])}),最低 {fig_num('bottom_score', f['bottom_score'])} "
            f"{camp.unit}"
            f"({html.escape(f['bottom_unit'])})。</li>"
        ]
        if award is not None:
            items.append(
                f"<li>一票否决 {fig_num('vetoed_units', f['vetoed_units'])} 个单位;"
                f"按三项依据可授予{fig_num('award', award.name)}的 "
                f"{fig_num('star_units', f['star_units'])} 个单位(共 {f['units']} 个)。</li>"
            )
        lead = "<ul>" + "".join(items) + "</ul>"
        return Fragment(lead + table(t, cols, highlight=hl) + note)

    def final_figures(self) -> dict[str, Any]:
        """The final assessment's headline figures (also shown in the report index)."""
        t = views.final_assessment(self.ledgers, self.result)
        top, bottom = t.iloc[0], t.iloc[-1]
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
        if d.empty:
            out = "<p>本周没有扣分或加分。</p>"
        else:
            d = d.assign(date=d["date"].map(md), points=d["points"].map(lambda x: f"{x:+d}"))
            cols = labels("date", "unit", "source_id", "label", "clause", "points", "quote")
            out = table(d, cols, css="detail")
        firsts = self.first_cases
        if self.unit:
            firsts = firsts[firsts["unit"] == self.unit]
        if len(firsts):
            items = "".join(f"<li>{first_case_line(r)}</li>" for r in firsts.itertuples())
            out += f"<h3>水利系统各层级第1起走访</h3><ul>{items}</ul>"
        return Fragment(out)

    def returns_status(self) -> tuple[pd.DataFrame, str]:
        """Unit × week returns and what they are judged from (submission records in the
        store, else the screening dates)."""
        return views.returns_evidence(self.data, self.ledgers, self.result, self.known)

    def attention(self) -> Fragment:
        """需要关注: cases and units to act on before the next visit happens."""
        status, basis = self.returns_status()
        a = attention_shown(views.attention(self.ledgers, self.result, status, self.unit))
        parts = []
        for key, (title, clause, cols) in attention_lists(self.rules, basis).items():
            df = a[key]
            head = f"<h3>{title}({len(df)})<small> {clause}</small></h3>"
            body = table(df.head(ATTENTION_SHOWN), cols) if len(df) else "<p>无。</p>"
            if len(df) > ATTENTION_SHOWN:
                body += (
                    f"<p>另有 {len(df) - ATTENTION_SHOWN} 项未列出;完整清单见各单位的单位周报"
                    "和数据导出表的「需要关注」表。</p>"
                )
            parts.append(head + body)
        return Fragment(
            "<p>以下只列案件编号、单位和人次,用于在下一次走访之前做工作。</p>" + "".join(parts)
        )

    def returns(self) -> Fragment:
        """报送情况与时间节点."""
        if not self.rules.campaign.has_returns:
            return Fragment(
                "<p>本考核办法没有规定定期报送台账,不统计报送情况。</p>" + self._deadline_table()
            )
        status, basis = self.returns_status()
        cal = views.weeks(self.rules, self.as_of)
        due = cal[cal["end"] <= pd.Timestamp(self.as_of)]
        if len(due):
            last_due = due.iloc[-1]
            week = status[status["week_end"] == last_due["end"]]
            if self.unit:
                week = week[week["unit"] == self.unit]
            missing = week[~week["status"].isin([views.ON_TIME, views.UNKNOWN])]
            blind = week[week["status"] == views.UNKNOWN]
            when = f"截至 {md(last_due['end'])} 的一周"
            who = self.unit or ("其余各单位均" if len(blind) else "各单位均")
            if missing.empty:
                text = f"<p>{when},{html.escape(who)}已按时报送排查登记表。</p>"
            else:
                items = "".join(
                    f"<li>{html.escape(r.unit)}:{r.status}</li>" for r in missing.itertuples()
                )
                text = f"<p>{when}未按时报送的单位({basis}):</p><ul>{items}</ul>"
            if len(blind):
                names = "、".join(html.escape(u) for u in blind["unit"])
                text += (
                    f"<p>{names}报送的是零报告。文件夹里的零报告不带日期,看不出各周是否按时"
                    "报送,因此不列为未报;台账逐次载入台账库后,按收到的时间判断。</p>"
                )
        else:
            text = "<p>第一次周五报送尚未到期。</p>"
        if len(status) and not self.unit:
            week_names = dict(zip(cal["end"], cal["label"], strict=True))
            grid = status.assign(week=status["week_end"].map(week_names))
            grid = grid.pivot(index="unit", columns="week", values="status").reindex(
                index=self.rules.units.names, columns=cal["label"].to_list()
            )
            marks = grid.replace(
                {
                    views.ON_TIME: "✓",
                    views.LATE: "迟",
                    views.MISSING: "✗",
                    views.NOT_DUE: "…",
                    views.UNKNOWN: "?",
                }
            ).reset_index()
            legend = "✓ 按时,迟 迟报,✗ 未报,… 未到期"
            if (status["status"] == views.UNKNOWN).any():
                legend += ",? 零报告,看不出日期"
            text += f"<h3>各周报送情况({legend})</h3>" + table(
                marks,
                {"unit": "单位", **{c: c for c in marks.columns if c != "unit"}},
                css="grid",
            )
        if self.from_store:
            gaps = return_gaps(self.data, self.known)
            if self.unit:
                gaps = gaps[gaps["unit"] == self.unit]
            if len(gaps):
                items = "".join(
                    f"<li>{html.escape(r.unit)}:缺{KIND_LABELS[r.kind]}(最近一次报送 "
                    f"{html.escape(str(r.file))})</li>"
                    for r in gaps.itertuples()
                )
                text += (
                    "<p>以下单位最近一次报送缺少以前报送过的台账。报送只替换它所带的台账,"
                    "缺少的台账仍按该单位以前报送的行计分,请核实是否漏报;"
                    "若是从 Excel 另存为 CSV,只会保存第一个工作表:</p>"
                    f"<ul>{items}</ul>"
                )
        return Fragment(text + self._deadline_table())

    def _deadline_table(self) -> str:
        """时间节点: the next return and the method's deadlines with days left ("" if none)."""
        dl = views.deadlines(self.rules, self.as_of)
        if dl.empty:
            return ""
        sent = self._documents_by_deadline()
        dl = dl.assign(
            date=dl["date"].map(lambda d: f"{d.year}年{md(d)}"),
            status=dl["days_left"].map(days_in_words),
            sent=[sent.get(n, "") for n in dl["name"]],
        )
        cols = labels(
            "name", "date", "status", "clause",
            overrides={"name": "事项", "clause": "依据", "status": "距今"},
        )  # fmt: skip
        if any(dl["sent"]):
            cols = {**cols, "sent": "各单位报送"}
        return table(dl, cols) + self._documents_owed()

    def _documents_by_deadline(self) -> dict[str, str]:
        """Per deadline with documents (实施方案 五、四), how many units sent each on time,
        late, or not at all, as known; or that a folder can't tell."""
        docs = self.rules.campaign.documents
        if not docs:
            return {}
        status = views.documents_status(self.ledgers, self.rules, self.as_of)
        out: dict[str, str] = {}
        for doc, deadline in docs:
            if status is None:
                said = f"{doc.name}:无法核对(文件夹中的台账没有收到时间)"
            else:
                n = status[status["document"] == doc.id]["status"].value_counts()
                parts = [f"{s} {n[s]}" for s in (views.ON_TIME_D, views.LATE_D, views.NOT_SENT_D,
                                                  views.NOT_DUE_D) if n.get(s)]  # fmt: skip
                said = f"{doc.name}:{'、'.join(parts)}"
            out[deadline.name] = (out[deadline.name] + ";" if deadline.name in out else "") + said
        return out

    def _documents_owed(self) -> str:
        """The units late with, or still owing, a document whose day has passed."""
        status = views.documents_status(self.ledgers, self.rules, self.as_of)
        if status is None:
            return ""
        bad = status[status["status"].isin([views.LATE_D, views.NOT_SENT_D])]
        if self.unit:
            bad = bad[bad["unit"] == self.unit]
        if bad.empty:
            return ""
        shown = (
            bad.assign(what=bad["name"] + "(" + bad["status"] + ")")
            .groupby("unit", sort=False)["what"]
            .agg("、".join)
            .reset_index()
        )
        return "<p>迟报和未报的材料:</p>" + table(shown, {"unit": "单位", "what": "材料"})

    def method(self) -> Fragment:
        """口径说明: each reading of an ambiguous text with its value, or that the method
        has none; then what the score discloses (rows read but not charged)."""
        readings = list(self.rules.interpretations.values())
        if not readings:
            parts = ["<p>考核办法的文字没有需要另行确定口径之处,全部按原文计分。</p>"]
            for heading, lines in self.result.disclosures():
                items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                parts.append(f"<p>{html.escape(heading)}:</p><ul>{items}</ul>")
            return Fragment("".join(parts))
        it = pd.DataFrame({
            "label": [r.label for r in readings],
            "value": [r.value_words() for r in readings],
            "meaning": [r.meaning() or r.note for r in readings],
            "default": [r.value_words(r.default) for r in readings],
            "clause": [r.clause for r in readings],
        })  # fmt: skip
        parts = [
            "<p>原文有歧义之处按下列口径计算;与默认值不同的口径以红底标出。</p>",
            table(
                it,
                labels(
                    "label",
                    "value",
                    "meaning",
                    "default",
                    "clause",
                    overrides={
                        "label": "原文有歧义之处",
                        "value": "本次取值",
                        "meaning": "含义",
                        "default": "默认",
                    },
                ),
                highlight=pd.Series([not r.is_default for r in readings]),
            ),
        ]
        for heading, lines in self.result.disclosures():
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<p>{html.escape(heading)}:</p><ul>{items}</ul>")
        return Fragment("".join(parts))

    @property
    def _rules_arg(self) -> str:
        """The --rules the appendix's commands need: none for the project's own params."""
        shown = shown_path(self.rules.source)
        return "" if shown == "params/rules.yaml" else f" --rules {Path(shown).parent}"

    def provenance(self) -> Fragment:
        """数据来源: one short line under the briefing; the files and their SHA-256 in an
        appendix (on its own page when printed)."""
        files = self.ledgers.files
        rows = "".join(
            f"<li>{html.escape(str(r.file))} <code>{html.escape(str(r.sha256))}</code></li>"
            for r in files.itertuples()
        )
        changed = [it.words() for it in self.rules.interpretations.values() if not it.is_default]
        settings = ";".join(changed) if changed else "全部默认"
        known = f";已知时间 {self.known_at[:16]}" if self.known_at else ""
        source = "台账库" if self.from_store else "台账文件夹"
        technical = "".join(
            f"<li><code>{html.escape(it.name)}={html.escape(str(it.value))}</code>"
            f"({html.escape(it.words())})</li>"
            for it in self.rules.interpretations.values()
        )
        return Fragment(
            '<div class="provenance"><p>数据来源:'
            f"{source}({len(files)} 个文件){known};口径:{html.escape(settings)};"
            f"生成于 {dt.datetime.now():%Y-%m-%d %H:%M}。"
            "数据文件的核对码和技术信息见附录。</p></div>"
            '<div class="appendix"><h3>附录(技术信息,供维护人员核对)</h3>'
            f"<p>数据:<code>{html.escape(self.data)}</code>;baiyi {__version__}</p>"
            f"<p>数据文件及其 SHA-256(用于核对报送文件未被改动):</p><ul>{rows}</ul>"
            f"<p>规则文件 {html.escape(shown_path(self.rules.source))} SHA-256 "
            f"<code>{self.rules.sha256}</code></p>"
            + (f"<p>口径参数:</p><ul>{technical}</ul>" if technical else "")
            + "<p>两种口径逐条对照:<code>baiyi compare --set 口径=取值 --data 数据"
            f"{html.escape(self._rules_arg)}</code>;"
            "一个单位的逐条说明:<code>baiyi explain 单位 --data 数据"
            f"{html.escape(self._rules_arg)}</code>。</p></div>"
        )
