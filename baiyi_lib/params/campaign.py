"""campaign.yaml: the campaign frame (period, phases, weekly returns, deadlines and the
documents due by them, targets, attention, award, base score) and its strict loader.

Owns Phase, Deadline, Document, Target, Attention, Award, Campaign and ``load_campaign``.
May import ``yamlio`` (reading and checking), ``schema`` (its declared shape), ``strict``
(validation) and ``duties`` (the plan's duties).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .duties import Duty, load_duties
from .yamlio import Checker, read_yaml

if TYPE_CHECKING:  # the models (pydantic) are imported when a file is checked
    from .schema import AttentionSpec, DeadlineSpec, Targets

# A method without a regular return: the briefing's weeks are calendar weeks (Monday to
# Sunday), nothing is due and nothing is late
NO_RETURN = {"weekday": 7, "weekday_name": "周日", "what": "", "late_days": 0, "clause": "",
             "quote": ""}  # fmt: skip
# Assessment cycles (考核周期) other than the whole period, by their length in months
CYCLE_MONTHS = {"月": 1, "季": 3}


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    start: dt.date
    end: dt.date
    clause: str


@dataclass(frozen=True)
class Deadline:
    """A fixed date of the plan (campaign.yaml deadlines), with the documents each unit
    sends by it, if any (实施方案 五、四: 动员部署情况、实施方案、领导小组成员名单…)."""

    id: str
    name: str
    date: dt.date
    clause: str
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Document:
    """A one-off document a unit sends by a deadline: its id, its name as pages say it,
    and the words a file's name carries to be recognised as one (动员部署、实施方案…)."""

    id: str
    name: str
    words: tuple[str, ...]


# What a target (任务目标) can be measured by: the views compute each (views.targets)
TARGET_MEASURES = ("screened_share", "backlog_cleared", "only_once", "upper_visits")


@dataclass(frozen=True)
class Target:
    """One of the plan's targets (任务目标) and the figure that measures it."""

    id: str
    name: str
    clause: str
    measure: str


@dataclass(frozen=True)
class Attention:
    """When the briefing's 需要关注 lists a case or a unit (campaign.yaml, attention)."""

    # None: the method (campaign.yaml) does not set it, and its list is not drawn
    unresolved_weeks: int | None = None
    backlog_weeks_left: int | None = None
    missed_returns: int | None = None
    news_weeks: int = 1  # a system-first visit stays among the 本周要点 this many weeks
    movers: int = 3  # the units whose score moved most, named among the 本周要点
    # the plan's clause behind each list (repeats, escalations, unresolved, backlog, returns)
    clauses: dict[str, str] = field(default_factory=dict, hash=False)
    aim: str = ""  # what the lists serve, in the plan's words (排查化解在基层,群众只访一次)


@dataclass(frozen=True)
class Award:
    """An honour the plan withholds from units that miss its targets or are vetoed
    (实施方案 五、三: 平安稳定星), as the final assessment states it (campaign.yaml award)."""

    name: str
    clause: str
    rule: str  # the plan's rule in its words, as the final page states it
    decided_by: str  # who decides (领导小组)


@dataclass(frozen=True)
class Campaign:
    """The campaign frame: period, phases, weekly returns, deadlines, base score."""

    name: str
    start: dt.date
    end: dt.date
    phases: tuple[Phase, ...]
    weekly_return_weekday: int  # ISO weekday, 5 = Friday
    weekday_name: str  # the return day as people say it (周日 without a return)
    late_days: int  # a return this many days after the return day is late, not missing
    deadlines: tuple[Deadline, ...]
    base_score: int
    base_clause: str
    sha256: str
    attention: Attention = Attention()
    weekly_return: str = ""  # what is returned each week, as the deadline table says it
    weekly_return_clause: str = ""
    weekly_return_quote: str = ""  # the plan's sentence (templates' instructions say it)
    short_name: str = ""  # as titles say it (信访维稳百日攻坚行动); the name if not given
    targets: tuple[Target, ...] = ()
    targets_clause: str = ""
    # what the period is called (行动 → 行动期, 行动开始日, 行动以来), and the office that
    # runs it and certifies resolutions (行动办公室); campaign.yaml period.called / office
    called: str = "考核"
    office: str = "考核办公室"
    # the assessment cycle (考核周期): the whole period, or each month or quarter scored on
    # its own from the base (月考核); its clause
    cycle: str = "全期"
    cycle_clause: str = ""
    has_returns: bool = True  # whether the method sets a regular return (weekly_return)
    award: Award | None = None  # the honour the final assessment decides on, if any
    decided_by: str = "考核单位"  # who decides the readings of ambiguous text (领导小组)
    unit: str = "分"  # what the points are counted in (分; 元 for a method of rewards and fines)
    duties: dict[str, Duty] = field(default_factory=dict, hash=False)  # the plan's, by id
    # public holidays and make-up working days (calendar.source): what a working day is
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    calendar_source: str = ""

    def working_day(self, day: dt.date) -> bool:
        """Monday to Friday unless a public holiday, and a make-up working day (调休上班)
        on a weekend, as the calendar's notice sets them."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def assessment_period(self, as_of: dt.date) -> tuple[dt.date, dt.date]:
        """The assessment period holding as-of: the whole campaign, or its month or quarter
        (clipped to the campaign). Events before it belong to an earlier assessment."""
        if self.cycle == "全期":
            return self.start, self.end
        months = CYCLE_MONTHS[self.cycle]
        first = dt.date(as_of.year, (as_of.month - 1) // months * months + 1, 1)
        after = dt.date(first.year + (first.month + months - 1) // 12,
                        (first.month + months - 1) % 12 + 1, 1)  # fmt: skip
        return max(first, self.start), min(after - dt.timedelta(days=1), self.end)

    @property
    def backlog_target(self) -> Deadline | None:
        """The deadline by which every backlog case is to be resolved, if the plan sets one."""
        return next((d for d in self.deadlines if d.id == "backlog_target"), None)

    @property
    def documents(self) -> tuple[tuple[Document, Deadline], ...]:
        """Every one-off document units send (实施方案 五、四), with its deadline."""
        return tuple((doc, d) for d in self.deadlines for doc in d.documents)

    @property
    def documents_clauses(self) -> str:
        """The clauses the documents are due under, as a page cites them (实施方案 五、四)."""
        return "、".join(dict.fromkeys(d.clause for _, d in self.documents))


def _load_targets(c: Checker, spec: Targets | None) -> tuple[Target, ...]:
    """campaign.yaml ``targets``: the plan's targets, each with the figure that measures it."""
    if spec is None:
        return ()
    out = []
    for i, t in enumerate(spec.targets):
        if t.measure not in TARGET_MEASURES:
            allowed = " / ".join(TARGET_MEASURES)
            c.error(f"targets.list[{i}].measure", f"应为 {allowed},实为 {t.measure!r}")
        out.append(Target(t.id, t.name, t.clause, t.measure))
    return tuple(out)


def _load_deadlines(c: Checker, specs: list[DeadlineSpec]) -> tuple[Deadline, ...]:
    """The plan's fixed dates in order, each with the documents due by it (实施方案 五、四):
    id, name, and the words of a file name that tell it (at least one)."""
    deadlines = []
    for i, d in enumerate(specs):
        for j, doc in enumerate(d.documents):
            if not doc.words:
                c.error(f"deadlines[{i}].documents[{j}].words",
                        "应列出文件名中表明这种材料的词(如 实施方案),不能为空")  # fmt: skip
        docs = tuple(Document(x.id, x.name, tuple(w.strip() for w in x.words)) for x in d.documents)
        deadlines.append(Deadline(d.id, d.name, d.date, d.clause, docs))
    seen = [doc.id for dl in deadlines for doc in dl.documents]
    for doc_id in sorted({x for x in seen if seen.count(x) > 1}):
        c.error("deadlines.documents", f"材料编号「{doc_id}」重复")
    return tuple(sorted(deadlines, key=lambda d: d.date))


def _check_weekly(c: Checker, weekly: dict[str, Any]) -> None:
    """The return day a number 1 … 7 said as its name says it, late within the week."""
    if not 1 <= weekly["weekday"] <= 7:
        c.error("weekly_return.weekday", "应为 1(周一)到 7(周日)")
    else:
        day = "一二三四五六日"[weekly["weekday"] - 1]
        said = (f"周{day}", f"星期{day}", *(("周天", "星期天") if day == "日" else ()))
        if weekly["weekday_name"] not in said:
            c.error(
                "weekly_return.weekday_name",
                f"「{weekly['weekday_name']}」与 weekday: {weekly['weekday']}(周{day})不符",
            )
    if not 0 <= weekly["late_days"] <= 6:
        c.error("weekly_return.late_days", "应为 0 到 6 天")


def _check_attention(c: Checker, watch: AttentionSpec, has_returns: bool) -> dict[str, Any]:
    """The 需要关注 settings written (counts positive, each clause a list's): as Attention's
    keywords."""
    written = {k: getattr(watch, k) for k in watch.model_fields_set}
    lists = ("repeats", "escalations", "unresolved", "backlog", "returns")
    for key in watch.clauses:
        if key not in lists:
            c.error(f"attention.clauses.{key}", f"应为 {' / '.join(lists)} 之一,值为条款文字")
    for key, value in written.items():
        if isinstance(value, int) and value < 1:
            c.error(f"attention.{key}", "应为正整数")
    if "missed_returns" in written and not has_returns:
        c.error("attention.missed_returns", "没有 weekly_return(定期报送),无从判断未报")
    return written


def load_campaign(path: Path) -> Campaign:
    """Load campaign.yaml (period, phases, weekly returns, deadlines, base score)."""
    data, digest = read_yaml(path)
    c = Checker(path)
    from .schema import CampaignFile  # pydantic only when a file is checked
    from .strict import validate

    spec = validate(c, CampaignFile, data, "campaign")
    c.raise_if_any()
    assert spec is not None
    period, base, cycle, award = spec.period, spec.base_score, spec.assessment, spec.award
    phases = tuple(Phase(p.id, p.name, p.start, p.end, p.clause) for p in spec.phases)
    has_returns = spec.weekly_return is not None
    weekly = spec.weekly_return.model_dump() if has_returns else dict(NO_RETURN)
    _check_weekly(c, weekly)
    deadlines = _load_deadlines(c, spec.deadlines)
    watch = _check_attention(c, spec.attention, has_returns)
    if period.start > period.end:
        c.error("period", "开始日期晚于结束日期")
    targets = _load_targets(c, spec.targets)
    if cycle.cycle not in ("全期", *CYCLE_MONTHS):
        c.error("assessment.cycle", f"应为 全期 / {' / '.join(CYCLE_MONTHS)},实为 {cycle.cycle!r}")
    if "cycle" in cycle.model_fields_set and not {"clause", "quote"} <= cycle.model_fields_set:
        c.error("assessment", "考核周期须写 clause 和 quote")
    duties = load_duties(c, spec.duties)
    if spec.calendar is not None:
        both = set(spec.calendar.holidays) & set(spec.calendar.workdays)
        if both:
            days = "、".join(sorted(map(str, both)))
            c.error("calendar", f"{days} 既是假日又是上班日")
    c.raise_if_any()
    return Campaign(
        name=spec.name,
        start=period.start,
        end=period.end,
        phases=phases,
        weekly_return_weekday=weekly["weekday"],
        late_days=weekly["late_days"],
        deadlines=deadlines,
        base_score=base.value,
        short_name=spec.short_name or spec.name,
        weekly_return=f"每{weekly['weekday_name']}报送{weekly['what']}" if weekly["what"] else "",
        weekly_return_clause=weekly["clause"],
        weekly_return_quote=weekly["quote"],
        targets=targets,
        targets_clause=spec.targets.clause if spec.targets is not None else "",
        base_clause=base.clause,
        sha256=digest,
        attention=Attention(**watch),
        cycle=cycle.cycle,
        cycle_clause=cycle.clause,
        has_returns=has_returns,
        decided_by=spec.decided_by,
        duties=duties,
        unit=base.unit,
        award=Award(award.name, award.clause, award.rule, award.decided_by) if award else None,
        called=period.called,
        weekday_name=weekly["weekday_name"],
        office=period.office,
        holidays=frozenset(spec.calendar.holidays) if spec.calendar else frozenset(),
        workdays=frozenset(spec.calendar.workdays) if spec.calendar else frozenset(),
        calendar_source=spec.calendar.source if spec.calendar else "",
    )
