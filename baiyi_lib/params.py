"""Strict loading of params/: rules.yaml, units.yaml, campaign.yaml, limits.yaml,
ledgers.yaml.

The assessment method lives in these files, not in code. Loading is strict: an unknown or
duplicate key, a rule without a clause, a value of the wrong type, or a set of visit rates
that does not cover every (level, form, irregular) case exactly once is refused with a
ParamsError naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import ParamsError, UnknownUnitError

MECHANISMS = (
    "first_case", "visit_rate", "visit_charge", "incident", "doubling", "backlog", "flag",
    "clean_period", "missed_return",
)  # fmt: skip
# Mechanisms the loader makes from rules.yaml's ``items`` and ``floor`` (never written as rules)
DERIVED_MECHANISMS = ("item_cap", "score_floor")
# What a rule charges per (its ``per``): the words methods use, each counted either by the
# persons of a ledger row (人次) or once per ledger row (one batch, occurrence, case).
PER_BASIS = {
    "人次": "persons",
    "批次": "rows",
    "批": "rows",
    "起": "rows",
    "次": "rows",
    "件": "rows",
}
# The counts each mechanism can charge per
PER_ALLOWED = {
    "first_case": ("persons", "rows"),
    "visit_rate": ("persons", "rows"),
    "visit_charge": ("persons", "rows"),
    "incident": ("rows",),
    "backlog": ("rows",),
    "missed_return": ("rows",),
}
# What a missed_return rule charges: a due week whose return is missing (未报) or late (迟报)
RETURN_CONDITIONS = ("missed", "late")
# The largest point value a rule or item may carry: beyond it sums of many rows could leave
# 64-bit integers (a technical bound, not a rule of any method)
MAX_POINTS = 10**9
# A method without a regular return: the briefing's weeks are calendar weeks (Monday to
# Sunday), nothing is due and nothing is late
NO_RETURN = {"weekday": 7, "weekday_name": "周日", "what": "", "late_days": 0, "clause": "",
             "quote": ""}  # fmt: skip
# Assessment cycles (考核周期) other than the whole period, by their length in months
CYCLE_MONTHS = {"月": 1, "季": 3}
# An item's cap in force, when an interpretation decides it (its choices)
CAP_CHOICES = ("capped", "uncapped")
DOUBLING_CONDITIONS = ("unscreened", "dissatisfied", "repeat", "declared")
# The ledgers a method may add yes/no columns to (rules.yaml ``columns``)
DECLARABLE_LEDGERS = ("visits",)
# How many declared columns the visit rates may branch on (2**n cases are checked)
MAX_WHEN_COLUMNS = 4
FLAG_CONDITIONS = ("irregular_or_collective",)


def shown_path(path: Path) -> str:
    """A params path as a maintainer reads it: relative to the project (params/rules.yaml)
    when it is the project's own, else as given (a method from another folder)."""
    try:
        return Path(path).resolve().relative_to(_project_root()).as_posix()
    except ValueError:
        return str(path)


def _project_root() -> Path:
    """The project's folder (params/, data/, notebooks/): paths that users leave out are
    taken from here, whatever the working directory (JupyterLab starts kernels in
    notebooks/, cron in /). In a checkout (or an editable install) it is the checkout; a
    wheel installs the same folders under <prefix>/share/baiyi (pyproject's data-files)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "params" / "rules.yaml").exists():
        return checkout
    return Path(sys.prefix) / "share" / "baiyi"


PROJECT_ROOT = _project_root()
INSTALLED = not (Path(__file__).resolve().parent.parent / "params").exists()
# The ledger store: the project's data/ in a checkout; beside the user (./data) when
# installed from a wheel, whose share/ folder is not the user's to write.
DEFAULT_STORE = (Path.cwd() if INSTALLED else PROJECT_ROOT) / "data" / "baiyi.duckdb"
# The shipped sample ledgers.
SAMPLE = PROJECT_ROOT / "data" / "sample"


def default_params_dir() -> Path:
    """The params/ folder: $BAIYI_PARAMS if set, else the one at the project root."""
    env = os.environ.get("BAIYI_PARAMS")
    if env:
        return Path(env)
    return PROJECT_ROOT / "params"


def rules_folder(path: str | os.PathLike) -> Path:
    """The params folder a --rules argument names (a folder, or its rules.yaml), absolute;
    a ParamsError if it holds no rules.yaml."""
    p = Path(path).resolve()
    folder = p if p.is_dir() else p.parent
    if not (folder / "rules.yaml").is_file():
        raise ParamsError(f"参数目录 {path} 中没有 rules.yaml")
    return folder


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ParamsError(
                f"重复的键「{key}」(第 {seen[key] + 1} 行和第 {key_node.start_mark.line + 1} 行)"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_date(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """A date as YAML reads it (2019-05-31), or a ParamsError naming the line of one that
    does not exist (2019-02-30), not Python's English ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise ParamsError(
            f"第 {node.start_mark.line + 1} 行:日期「{node.value}」不存在(月份或日子写错了)"
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)
# Integers as people write them (YAML 1.2): 10, -30, 0. YAML 1.1 also reads -010 as octal -8,
# -1:30 as base-60 -90 and 1_0 as 10; here those stay text and the type check refuses them.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def read_yaml(path: Path) -> tuple[Any, str]:
    """Parse one YAML file strictly; return the data and the SHA-256 of its bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParamsError(f"{path}: 无法读取参数文件({exc.strerror})") from exc
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except ParamsError as exc:
        raise ParamsError(f"{path}: {exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: 不是有效的 YAML 文件({exc})") from exc
    return data, hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- checking


class _Checker:
    """Collects every problem in one params file, then raises them together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{self.path.name}: {key}: {message}")

    def mapping(
        self, value: Any, key: str, required: dict[str, Any], optional: dict[str, Any]
    ) -> dict:
        """Check a mapping's keys and the types of their values; return it (or {})."""
        if not isinstance(value, dict):
            self.error(key, f"应为映射(键: 值),实为 {type(value).__name__}")
            return {}
        for name in value:
            if name not in required and name not in optional:
                allowed = "、".join([*required, *optional])
                self.error(f"{key}.{name}", f"未知的键(允许的键:{allowed})")
        for name, types in required.items():
            if name not in value:
                self.error(f"{key}.{name}", "缺少必填的键")
            else:
                self.type(value[name], f"{key}.{name}", types)
        for name, types in optional.items():
            if name in value:
                self.type(value[name], f"{key}.{name}", types)
        return value

    def type(self, value: Any, key: str, types: Any) -> None:
        types = types if isinstance(types, tuple) else (types,)
        # bool is an int in Python; a rule's points must never be `true`.
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        # a date with a time (2019-01-01 08:00) is not a date
        ok = ok and not (isinstance(value, dt.datetime) and dt.datetime not in types)
        if not ok:
            names = "/".join("null" if t is type(None) else t.__name__ for t in types)
            self.error(key, f"类型应为 {names},实为 {value!r}")
        elif isinstance(value, str) and not value.strip():
            self.error(key, "不能为空")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ParamsError("参数文件有误:\n" + "\n".join(f"  - {e}" for e in self.errors))


# --------------------------------------------------------------------------- campaign


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
class Duty:
    """A duty of the plan checked by case every week, not scored (campaign.yaml duties):
    head_on_scene (主要负责人到场接访, at ``levels``), backlog_by_the_book (领导包案, 会商、
    评议、听证), warnings (预警信息), daily_reception (局党组领导每天在局接访, by ``posts``)."""

    id: str
    label: str
    clause: str
    quote: str
    levels: tuple[str, ...] = ()
    # warnings (四(二)): verified within the day pushed (核查不过夜), important ones fed
    # back within this many hours (重要信息 2 小时反馈)
    feedback_hours: int | None = None
    # daily_reception (四(一)): the posts (ledgers.yaml posts) that count as a leader of
    # the bureau receiving visitors on a day of the roster
    posts: tuple[str, ...] = ()


# The duties the engine knows how to check, by id
DUTIES = ("head_on_scene", "backlog_by_the_book", "warnings", "daily_reception")
# 核查不过夜: the only verification deadline the engine knows, as params write it
VERIFY_WITHIN = ("当日",)


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
    # the assessment cycle (考核周期): the whole period, or each month or quarter scored on
    # its own from the base (月考核); its clause
    # what the period is called (行动 → 行动期, 行动开始日, 行动以来), and the office that
    # runs it and certifies resolutions (行动办公室); campaign.yaml period.called / office
    called: str = "考核"
    office: str = "考核办公室"
    weekday_name: str = "周五"  # the return day as people say it (周日 without a return)
    cycle: str = "全期"
    cycle_clause: str = ""
    has_returns: bool = True  # whether the method sets a regular return (weekly_return)
    award: Award | None = None  # the honour the final assessment decides on, if any
    decided_by: str = "考核单位"  # who decides the readings of ambiguous text (领导小组)
    unit: str = "分"  # what the points are counted in (分; 元 for a method of rewards and fines)
    duties: dict[str, Duty] = field(default_factory=dict, hash=False)  # the plan's, by id

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


def _load_targets(c: _Checker, data: Any) -> tuple[Target, ...]:
    """campaign.yaml ``targets``: the plan's targets, each with the figure that measures it."""
    if data is None:
        return ()
    spec = c.mapping(data, "targets", {"clause": str, "list": list}, {"quote": str})
    out = []
    for i, t in enumerate(spec.get("list") or []):
        key = f"targets.list[{i}]"
        t = c.mapping(t, key, {"id": str, "name": str, "clause": str, "measure": str}, {})
        if {"id", "name", "clause", "measure"} <= t.keys():
            if t["measure"] not in TARGET_MEASURES:
                allowed = " / ".join(TARGET_MEASURES)
                c.error(f"{key}.measure", f"应为 {allowed},实为 {t['measure']!r}")
            out.append(Target(t["id"], t["name"], t["clause"], t["measure"]))
    return tuple(out)


def _load_documents(c: _Checker, key: str, data: Any) -> tuple[Document, ...]:
    """A deadline's documents (实施方案 五、四): id, name, and the words of a file name
    that tell it (at least one, none empty)."""
    out = []
    for j, spec in enumerate(data or []):
        spec = c.mapping(spec, f"{key}[{j}]", {"id": str, "name": str, "words": list}, {})
        words = tuple(str(w).strip() for w in spec.get("words") or ())
        if "words" in spec and (not words or not all(words)):
            c.error(f"{key}[{j}].words", "应列出文件名中表明这种材料的词(如 实施方案),不能为空")
        if {"id", "name", "words"} <= spec.keys():
            out.append(Document(spec["id"], spec["name"], words))
    return tuple(out)


def _load_duties(c: _Checker, data: Any) -> dict[str, Duty]:
    """campaign.yaml ``duties``: the plan's duties tracked by case (not scored)."""
    out: dict[str, Duty] = {}
    if not isinstance(data, dict):
        return out
    for key, spec in data.items():
        if key not in DUTIES:
            c.error(f"duties.{key}", f"应为 {' / '.join(DUTIES)} 之一")
            continue
        extra = {
            "head_on_scene": {"levels": list},
            "warnings": {"verify_within": str, "feedback_hours": int},
            "daily_reception": {"posts": list},
        }.get(key, {})
        spec = c.mapping(
            spec, f"duties.{key}", {"label": str, "clause": str, "quote": str, **extra}, {}
        )
        if key == "warnings" and spec.get("verify_within", "当日") not in VERIFY_WITHIN:
            c.error(f"duties.{key}.verify_within", f"应为 {' / '.join(VERIFY_WITHIN)}(不过夜)")
        if isinstance(spec.get("feedback_hours"), int) and spec["feedback_hours"] < 1:
            c.error(f"duties.{key}.feedback_hours", "应为正整数(小时)")
        if {"label", "clause", "quote"} <= spec.keys():
            levels = tuple(str(x) for x in spec.get("levels") or ())
            hours = spec.get("feedback_hours")
            posts = tuple(str(x) for x in spec.get("posts") or ())
            if key == "daily_reception" and not posts:
                c.error(f"duties.{key}.posts", "应列出算作局领导接访的职务(如 局长、副局长)")
            out[key] = Duty(key, spec["label"], spec["clause"], spec["quote"], levels, hours, posts)
    return out


def load_campaign(path: Path) -> Campaign:
    """Load campaign.yaml (period, phases, weekly returns, deadlines, base score)."""
    data, digest = read_yaml(path)
    c = _Checker(path)
    sourced = {"clause": str, "quote": str}
    top = c.mapping(
        data,
        "campaign",
        {
            "name": str,
            "document": str,
            "period": dict,
            "base_score": dict,
        },
        {
            "short_name": str,
            "targets": dict,
            "assessment": dict,
            "phases": list,
            "weekly_return": dict,
            "deadlines": list,
            "attention": dict,
            "award": dict,
            "decided_by": str,
            "duties": dict,
        },
    )
    period = c.mapping(
        top.get("period", {}),
        "period",
        {"start": dt.date, "end": dt.date, **sourced},
        {"note": str, "called": str, "office": str},
    )
    phases = []
    for i, p in enumerate(top.get("phases", []) or []):
        p = c.mapping(
            p,
            f"phases[{i}]",
            {"id": str, "name": str, "start": dt.date, "end": dt.date, **sourced},
            {},
        )
        if {"id", "name", "start", "end", "clause"} <= p.keys():
            phases.append(Phase(p["id"], p["name"], p["start"], p["end"], p["clause"]))
    # a method with no regular return (an annual method): weeks are calendar weeks
    weekly = (
        c.mapping(
            top["weekly_return"],
            "weekly_return",
            {"weekday": int, "weekday_name": str, "what": str, "late_days": int, **sourced},
            {},
        )
        if "weekly_return" in top
        else dict(NO_RETURN)
    )
    if isinstance(weekly.get("weekday"), int) and not 1 <= weekly["weekday"] <= 7:
        c.error("weekly_return.weekday", "应为 1(周一)到 7(周日)")
    elif isinstance(weekly.get("weekday"), int) and isinstance(weekly.get("weekday_name"), str):
        day = "一二三四五六日"[weekly["weekday"] - 1]
        said = (f"周{day}", f"星期{day}", *(("周天", "星期天") if day == "日" else ()))
        if weekly["weekday_name"] not in said:
            c.error(
                "weekly_return.weekday_name",
                f"「{weekly['weekday_name']}」与 weekday: {weekly['weekday']}(周{day})不符",
            )
    if isinstance(weekly.get("late_days"), int) and not 0 <= weekly["late_days"] <= 6:
        c.error("weekly_return.late_days", "应为 0 到 6 天")
    deadlines = []
    for i, d in enumerate(top.get("deadlines", []) or []):
        d = c.mapping(
            d,
            f"deadlines[{i}]",
            {"id": str, "name": str, "date": dt.date, **sourced},
            {"documents": list},
        )
        docs = _load_documents(c, f"deadlines[{i}].documents", d.get("documents"))
        if {"id", "name", "date", "clause"} <= d.keys():
            deadlines.append(Deadline(d["id"], d["name"], d["date"], d["clause"], docs))
    seen = [doc.id for dl in deadlines for doc in dl.documents]
    for doc_id in sorted({x for x in seen if seen.count(x) > 1}):
        c.error("deadlines.documents", f"材料编号「{doc_id}」重复")
    base = c.mapping(
        top.get("base_score", {}), "base_score", {"value": int, **sourced}, {"unit": str}
    )
    watch = c.mapping(
        top.get("attention", {}),
        "attention",
        {},
        {
            "unresolved_weeks": int,
            "backlog_weeks_left": int,
            "missed_returns": int,
            "news_weeks": int,
            "movers": int,
            "clauses": dict,
            "aim": str,
        },
    )
    lists = ("repeats", "escalations", "unresolved", "backlog", "returns")
    for key, value in (watch.get("clauses") or {}).items():
        if key not in lists or not isinstance(value, str):
            c.error(f"attention.clauses.{key}", f"应为 {' / '.join(lists)} 之一,值为条款文字")
    for key, value in watch.items():
        if isinstance(value, int) and value < 1:
            c.error(f"attention.{key}", "应为正整数")
    if "missed_returns" in watch and "weekly_return" not in top:
        c.error("attention.missed_returns", "没有 weekly_return(定期报送),无从判断未报")
    dated = all(type(period.get(k)) is dt.date for k in ("start", "end"))
    if dated and period["start"] > period["end"]:
        c.error("period", "开始日期晚于结束日期")
    targets = _load_targets(c, top.get("targets"))
    cycle = c.mapping(top.get("assessment", {}), "assessment", {}, {"cycle": str, **sourced})
    award = (
        c.mapping(
            top["award"],
            "award",
            {"name": str, "rule": str, "decided_by": str, **sourced},
            {"note": str},
        )
        if "award" in top
        else {}
    )
    if cycle.get("cycle", "全期") not in ("全期", *CYCLE_MONTHS):
        c.error(
            "assessment.cycle", f"应为 全期 / {' / '.join(CYCLE_MONTHS)},实为 {cycle['cycle']!r}"
        )
    if "cycle" in cycle and not {"clause", "quote"} <= cycle.keys():
        c.error("assessment", "考核周期须写 clause 和 quote")
    c.raise_if_any()
    return Campaign(
        name=top["name"],
        start=period["start"],
        end=period["end"],
        phases=tuple(phases),
        weekly_return_weekday=weekly["weekday"],
        late_days=weekly["late_days"],
        deadlines=tuple(sorted(deadlines, key=lambda d: d.date)),
        base_score=base["value"],
        short_name=top.get("short_name") or top["name"],
        weekly_return=f"每{weekly['weekday_name']}报送{weekly['what']}" if weekly["what"] else "",
        weekly_return_clause=weekly["clause"],
        weekly_return_quote=weekly["quote"],
        targets=targets,
        targets_clause=(top.get("targets") or {}).get("clause", ""),
        base_clause=base["clause"],
        sha256=digest,
        attention=Attention(**watch),
        cycle=cycle.get("cycle", "全期"),
        cycle_clause=cycle.get("clause", ""),
        has_returns="weekly_return" in top,
        decided_by=top.get("decided_by", "考核单位"),
        duties=_load_duties(c, top.get("duties")),
        unit=base.get("unit", "分"),
        award=Award(award["name"], award["clause"], award["rule"], award["decided_by"])
        if award
        else None,
        called=period.get("called", "考核"),
        weekday_name=weekly["weekday_name"],
        office=period.get("office", "考核办公室"),
    )


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Units:
    """The scored units, in the order of units.yaml, and how their names are written."""

    units: tuple[Unit, ...]
    sha256: str
    kinds: tuple[str, ...] = ()
    # the kind the office rule applies to (附件2 一(四) 末段: 局机关科室), if the method has one
    office_kind: str | None = None
    organisation: str = ""  # whose units they are, as form titles say it (莒南县水利系统)

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.units]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (name, alias, id), whitespace removed → canonical name."""
        table: dict[str, str] = {}
        for u in self.units:
            for spelling in (u.name, u.id, *u.aliases):
                table["".join(spelling.split())] = u.name
        return table

    def resolve(self, spelling: str) -> str:
        """The canonical name for a name, alias or id; UnknownUnitError otherwise."""
        table = self.lookup()
        key = "".join(str(spelling).split())
        if key not in table:
            raise UnknownUnitError(
                f"未知单位「{spelling}」(应为单位名单 units.yaml 中的名称、简称或代码)"
            )
        return table[key]

    def by_name(self, name: str) -> Unit:
        for u in self.units:
            if u.name == name:
                return u
        raise KeyError(name)


def load_units(path: Path) -> Units:
    """Load units.yaml: ids unique and ASCII, names and aliases unambiguous."""
    data, digest = read_yaml(path)
    c = _Checker(path)
    top = c.mapping(
        data,
        "units.yaml",
        {"units": list, "kinds": list},
        {"source": str, "office_kind": str, "organisation": str},
    )
    kinds = tuple(str(k) for k in top.get("kinds") or ())
    office_kind = top.get("office_kind")
    if office_kind is not None and office_kind not in kinds:
        c.error("office_kind", f"「{office_kind}」不在 kinds 中")
    units: list[Unit] = []
    owner: dict[str, str] = {}
    for i, u in enumerate(top.get("units", []) or []):
        key = f"units[{i}]"
        u = c.mapping(u, key, {"id": str, "name": str, "kind": str}, {"aliases": list})
        if not {"id", "name", "kind"} <= u.keys():
            continue
        if not isinstance(u["id"], str) or not isinstance(u["name"], str):
            continue  # the type error is recorded
        if not (u["id"].isascii() and u["id"].replace("_", "").isalnum()):
            c.error(f"{key}.id", f"应为简短的 ASCII 字母数字(用于文件名),实为 {u['id']!r}")
        if u["kind"] not in kinds:
            c.error(f"{key}.kind", f"应为 {' 或 '.join(kinds)}(kinds),实为 {u['kind']!r}")
        aliases = tuple(u.get("aliases") or ())
        for spelling in (u["id"], u["name"], *aliases):
            if not isinstance(spelling, str):
                c.error(f"{key}.aliases", f"别名应为文字,实为 {spelling!r}")
                continue
            norm = "".join(spelling.split())
            if norm in owner and owner[norm] != u["name"]:
                c.error(key, f"「{spelling}」同时指向「{owner[norm]}」和「{u['name']}」")
            owner[norm] = u["name"]
        units.append(Unit(u["id"], u["name"], u["kind"], aliases))
    ids = [u.id for u in units]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        c.error("units", f"单位 id「{dup}」重复")
    if not units:
        c.error("units", "至少需要一个单位")
    c.raise_if_any()
    return Units(tuple(units), digest, kinds, office_kind, top.get("organisation", ""))


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """What the loader refuses as implausible or unsafe input (limits.yaml)."""

    max_persons_per_visit: int
    persons_reason: str
    event_earliest: dt.date
    event_latest: dt.date
    first_petition_earliest: dt.date
    first_petition_latest: dt.date
    max_uncompressed_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_chars: int
    sha256: str
    # a register that would delete more rows than this (both) waits for --replace
    replace_max_rows: int = 5
    replace_max_share: float = 0.2


def load_limits(path: Path) -> Limits:
    """Load limits.yaml: every limit a positive number or an ordered date range."""
    data, digest = read_yaml(path)
    c = _Checker(path)
    top = c.mapping(
        data,
        "limits",
        {
            "max_persons_per_visit": dict,
            "event_dates": dict,
            "first_petition_dates": dict,
            "files": dict,
            "replacement": dict,
        },
        {},
    )
    persons = c.mapping(
        top.get("max_persons_per_visit", {}),
        "max_persons_per_visit",
        {"value": int, "reason": str},
        {},
    )
    ranges = {}
    for key in ("event_dates", "first_petition_dates"):
        r = c.mapping(
            top.get(key, {}), key, {"earliest": dt.date, "latest": dt.date, "reason": str}, {}
        )
        dated = all(type(r.get(k)) is dt.date for k in ("earliest", "latest"))
        if dated and r["earliest"] > r["latest"]:
            c.error(key, "earliest 晚于 latest")
        ranges[key] = r
    files = c.mapping(
        top.get("files", {}),
        "files",
        {
            "max_uncompressed_mb": int,
            "max_rows": int,
            "max_columns": int,
            "max_cells": int,
            "max_cell_chars": int,
            "reason": str,
        },
        {},
    )
    replacement = c.mapping(
        top.get("replacement", {}),
        "replacement",
        {"max_rows": int, "max_share": float, "reason": str},
        {},
    )
    if not 0 < replacement.get("max_share", 0.5) <= 1:
        c.error("replacement.max_share", "应在 0 到 1 之间")
    for key, value in [*files.items(), ("max_persons_per_visit", persons.get("value"))]:
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            c.error(key, "应为正整数")
    c.raise_if_any()
    return Limits(
        max_persons_per_visit=persons["value"],
        persons_reason="".join(line.strip() for line in persons["reason"].splitlines()),
        event_earliest=ranges["event_dates"]["earliest"],
        event_latest=ranges["event_dates"]["latest"],
        first_petition_earliest=ranges["first_petition_dates"]["earliest"],
        first_petition_latest=ranges["first_petition_dates"]["latest"],
        max_uncompressed_bytes=files["max_uncompressed_mb"] * 1_000_000,
        max_rows=files["max_rows"],
        max_columns=files["max_columns"],
        max_cells=files["max_cells"],
        max_cell_chars=files["max_cell_chars"],
        sha256=digest,
        replace_max_rows=replacement["max_rows"],
        replace_max_share=replacement["max_share"],
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Reading:
    """How ledgers are read as people write them (ledgers.yaml): "none" spellings, serial
    and total markers, the dispute categories (纠纷类别) with their other spellings, and
    the shape of an id."""

    placeholders: frozenset[str]
    serial_headers: frozenset[str]
    total_words: tuple[str, ...]
    dispute_categories: dict[str, tuple[str, ...]]
    id_max_chars: int
    id_max_han: int
    id_need_digit: bool
    sha256: str
    # the posts a 包案领导 cell may hold (职务, never a name), with their other spellings
    posts: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # what became of a pushed warning (预警信息 处置结果), with other spellings
    warning_outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def post_lookup(self) -> dict[str, str]:
        """Every accepted spelling of a post (spaces removed) → the post."""
        return {"".join(s.split()): name for name, spellings in self.posts.items()
                for s in spellings}  # fmt: skip

    def dispute_lookup(self) -> dict[str, str]:
        """Every accepted spelling of a dispute category (squashed) → its category."""
        return {_squash(s): name for name, spellings in self.dispute_categories.items()
                for s in spellings}  # fmt: skip


def fold(text: str) -> str:
    """A cell's text as compared with a list of spellings: NFKC, no spaces, upper case."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split()).upper()


def load_reading(path: Path) -> Reading:
    """Load ledgers.yaml: each list non-empty, the categories a vocabulary whose spellings
    do not collide, the id limits positive."""
    data, digest = read_yaml(path)
    c = _Checker(path)
    top = c.mapping(
        data,
        "ledgers",
        {"placeholders": dict, "serial_headers": dict, "total_words": dict,
         "dispute_categories": dict, "ids": dict},
        {"posts": dict, "warning_outcomes": dict},
    )  # fmt: skip
    lists = {}
    for key in ("placeholders", "serial_headers", "total_words"):
        spec = c.mapping(top.get(key, {}), key, {"values": list, "reason": str}, {})
        values = spec.get("values", [])
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            c.error(f"{key}.values", "应为非空的文字列表")
        lists[key] = [v for v in values if isinstance(v, str)]
    cats = c.mapping(top.get("dispute_categories", {}), "dispute_categories",
                     {"values": dict, "reason": str}, {})  # fmt: skip
    vocabulary = _vocabulary(c, "dispute_categories.values", cats.get("values"))
    posts: dict[str, tuple[str, ...]] = {}
    if "posts" in top:
        spec = c.mapping(top["posts"], "posts", {"values": dict, "reason": str}, {})
        posts = _vocabulary(c, "posts.values", spec.get("values"))
    outcomes: dict[str, tuple[str, ...]] = {}
    if "warning_outcomes" in top:
        spec = c.mapping(
            top["warning_outcomes"], "warning_outcomes", {"values": dict, "reason": str}, {}
        )
        outcomes = _vocabulary(c, "warning_outcomes.values", spec.get("values"))
    ids = c.mapping(
        top.get("ids", {}),
        "ids",
        {"max_chars": int, "max_han": int, "need_digit": bool, "reason": str},
        {},
    )
    for key in ("max_chars", "max_han"):
        if isinstance(ids.get(key), int) and ids[key] < 1:
            c.error(f"ids.{key}", "应为正整数")
    c.raise_if_any()
    return Reading(
        placeholders=frozenset(fold(v) for v in lists["placeholders"]),
        serial_headers=frozenset(fold(v) for v in lists["serial_headers"]),
        total_words=tuple(fold(v) for v in lists["total_words"]),
        dispute_categories=vocabulary,
        id_max_chars=ids["max_chars"],
        id_max_han=ids["max_han"],
        id_need_digit=ids["need_digit"],
        sha256=digest,
        posts=posts,
        warning_outcomes=outcomes,
    )


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Interpretation:
    """A named reading of ambiguous text, with its default and the value in force."""

    name: str
    label: str
    default: Any
    value: Any
    choices: tuple[str, ...] | None
    type: str | None
    clause: str
    note: str
    # each choice in words: choice → (label, what it means), from rules.yaml
    choice_words: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    unit: str = ""  # what an int value counts (分), for ``words``

    @property
    def is_default(self) -> bool:
        return self.value == self.default

    def value_words(self, value: Any = ...) -> str:
        """A value of this reading as the leading group says it (代替一般标准, 0 分, 10%,
        未设定); by default the value in force."""
        value = self.value if value is ... else value
        if value is None:
            return "未设定"
        if self.type == "ratio":
            share = float(value)
            return f"{share:.0%}" if round(share * 100) == share * 100 else f"{share:.1%}"
        if self.type == "int":
            return f"{value} {self.unit}".strip()
        return self.choice_words.get(str(value), (str(value), ""))[0]

    def words(self, value: Any = ...) -> str:
        """The reading and its value in words: 首起案件计分方式:代替一般标准."""
        return f"{self.label}:{self.value_words(value)}"

    def meaning(self, value: Any = ...) -> str:
        """What a choice means, in one line (empty for numbers)."""
        value = self.value if value is ... else value
        return self.choice_words.get(str(value), ("", ""))[1]


@dataclass(frozen=True)
class Rule:
    """One rule of the assessment method, as written in rules.yaml."""

    id: str
    label: str
    clause: str
    mechanism: str
    quote: str
    points: int | None = None
    points_from: str | None = None
    per: str | None = None
    level: str | None = None
    levels: tuple[str, ...] = ()
    form: str | None = None
    irregular: bool | None = None  # None = any
    categories: tuple[str, ...] = ()
    condition: str | None = None
    factor: int | None = None
    min_years: int | None = None
    max_years: int | None = None
    ambiguous: bool = False
    note: str = ""
    item: str | None = None  # the assessment item whose points cap this rule's deductions
    # head-count bracket of the visits a rule applies to (人次 of one ledger row), inclusive;
    # "超过 5 人(不含 5 人)" is min_persons 6
    min_persons: int = 1
    max_persons: int | None = None
    # conditions on the method's declared yes/no columns (已预警: 是), as (column, value)
    when: tuple[tuple[str, bool], ...] = ()

    def holds(self, flags: dict[str, bool]) -> bool:
        """Whether the rule's ``when`` conditions hold for a visit's declared columns."""
        return all(flags.get(k, False) == v for k, v in self.when)

    def fits(self, persons: int) -> bool:
        """Whether a visit of this many persons is in the rule's head-count bracket."""
        return self.min_persons <= persons and (
            self.max_persons is None or persons <= self.max_persons
        )

    @property
    def per_persons(self) -> bool:
        """Whether the rule charges each person of a ledger row (人次), not the row once."""
        return PER_BASIS.get(self.per or "", "rows") == "persons"


@dataclass(frozen=True)
class Item:
    """An assessment item (考核项目) with its points: the deductions of its rules stop at
    them (扣完为止), always or as an interpretation decides (``capped_from``)."""

    id: str
    label: str
    points: int
    clause: str
    quote: str
    capped: bool = True
    capped_from: str | None = None
    note: str = ""


@dataclass(frozen=True)
class DeclaredColumn:
    """A yes/no column a method adds to a ledger (已预警, 劝返) so that its rules can depend
    on it (rules.yaml ``columns``): optional in the ledger, blank reads as 否."""

    key: str  # the name inside the library and in ``when`` conditions
    ledger: str
    header: str
    label: str
    clause: str
    quote: str
    aliases: tuple[str, ...] = ()


_RULE_COMMON_REQ = {"label": str, "clause": str, "mechanism": str, "quote": str}
_RULE_COMMON_OPT = {"note": str, "ambiguous": bool}
_RULE_FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "first_case": ({"level": str, "points": int, "per": str}, {"item": str}),
    "visit_rate": (
        {"level": str, "form": str, "irregular": (bool, str), "per": str},
        {
            "points": int,
            "points_from": str,
            "item": str,
            "min_persons": int,
            "max_persons": (int, type(None)),
            "when": dict,
        },
    ),
    "visit_charge": (
        {"levels": list, "form": str, "irregular": (bool, str), "points": int, "per": str},
        {"item": str, "min_persons": int, "max_persons": (int, type(None)), "when": dict},
    ),
    "incident": ({"level": str, "points": int, "categories": list, "per": str}, {"item": str}),
    "doubling": ({"condition": str, "factor": int}, {"item": str, "when": dict}),
    "backlog": (
        {"min_years": int, "max_years": (int, type(None)), "points": int, "per": str},
        {"item": str},
    ),
    "flag": ({"levels": list, "condition": str}, {}),
    # points for an absence: no visit at these levels in the whole period (全年无赴县以上)
    "clean_period": ({"levels": list, "points": int}, {}),
    # points for each due week whose return is missing or late (每漏报一次扣 2 分)
    "missed_return": ({"condition": str, "points": int, "per": str}, {"item": str}),
}


@dataclass(frozen=True)
class Rules:
    """Everything scoring needs: the rules, the interpretations in force, campaign, units."""

    rules: dict[str, Rule]
    interpretations: dict[str, Interpretation]
    levels: tuple[str, ...]
    forms: tuple[str, ...]
    category_aliases: dict[str, str]
    campaign: Campaign
    units: Units
    limits: Limits
    document: str
    sha256: str
    source: Path = field(compare=False)
    reading: Reading = field(default=None, compare=False)  # type: ignore[assignment]
    # Other spellings of each level and form (rules.yaml), and the form that is 集体访.
    level_spellings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    form_spellings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    collective_form: str | None = None
    items: dict[str, Item] = field(default_factory=dict)
    # forms the method defines by head count (集体访:5 人以上): form → (min, max or None)
    form_persons: dict[str, tuple[int, int | None]] = field(default_factory=dict, hash=False)
    floor: int | None = None  # the lowest total (扣完为止 on the whole), if the method has one
    # yes/no columns the method adds to its ledgers (key → column), in the file's order
    columns: dict[str, DeclaredColumn] = field(default_factory=dict, hash=False)

    def declared(self, ledger: str) -> list[DeclaredColumn]:
        """The yes/no columns the method adds to one ledger."""
        return [col for col in self.columns.values() if col.ledger == ledger]

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def value(self, name: str) -> Any:
        """The value in force of an interpretation; None when the method does not have it
        (its mechanism then does not apply: the loader refuses rules that would need it)."""
        it = self.interpretations.get(name)
        return None if it is None else it.value

    def has(self, name: str) -> bool:
        """Whether the method has this interpretation (an ambiguity it must decide)."""
        return name in self.interpretations

    def item_capped(self, item: Item) -> bool:
        """Whether an item's deductions stop at its points under the readings in force."""
        if item.capped_from is not None:
            return self.value(item.capped_from) == "capped"
        return item.capped

    def by_mechanism(self, mechanism: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.mechanism == mechanism]

    def visit_rate(
        self,
        level: str,
        form: str,
        irregular: bool,
        persons: int | None = None,
        flags: dict[str, bool] | None = None,
    ) -> Rule:
        """The one per-person-visit rule of a level, form and irregularity (and head count
        and declared columns, where the method's rates depend on them)."""
        (rule,) = visit_rate_rules(self.rules.values(), level, form, irregular, persons, flags)
        return rule

    def rule_points(self, rule: Rule) -> int:
        """A rule's points per unit of count, from the rule or from its interpretation."""
        if rule.points_from is not None:
            return int(self.value(rule.points_from))
        assert rule.points is not None
        return rule.points

    @property
    def categories(self) -> tuple[str, ...]:
        """Every incident category any rule names, in first-seen order."""
        seen: dict[str, None] = {}
        for r in self.by_mechanism("incident"):
            seen.update(dict.fromkeys(r.categories))
        return tuple(seen)

    def with_overrides(self, **overrides: Any) -> Rules:
        """A copy with interpretation values replaced (checked like load_rules)."""
        interps = dict(self.interpretations)
        for name, raw in overrides.items():
            if name not in interps:
                known = "、".join(interps)
                raise ParamsError(f"未知的口径参数「{name}」(可用:{known})")
            it = interps[name]
            interps[name] = replace(it, value=coerce_interpretation(it, raw))
        return replace(self, interpretations=interps)


def coerce_interpretation(it: Interpretation, raw: Any) -> Any:
    """Turn an override (possibly a CLI string) into the interpretation's type, or refuse."""
    if it.choices is not None:
        value = str(raw).strip()
        if value not in it.choices:
            raise ParamsError(
                f"口径参数「{it.name}」的值「{raw}」无效,应为:{' / '.join(it.choices)}"
            )
        return value
    text = str(raw).strip().lower() if isinstance(raw, str) else raw
    if it.type == "int":
        try:
            if isinstance(text, bool):
                raise ValueError
            value = int(text)
            if isinstance(text, float) and text != value:
                raise ValueError
        except (TypeError, ValueError):
            raise ParamsError(f"口径参数「{it.name}」应为整数分值,实为「{raw}」") from None
        return value
    if it.type == "ratio":
        if text is None or text in ("", "none", "null"):
            return None
        try:
            if isinstance(text, bool):
                raise ValueError
            value = float(text)
        except (TypeError, ValueError):
            raise ParamsError(
                f"口径参数「{it.name}」应为 0 到 1 之间的比例,实为「{raw}」"
            ) from None
        if not 0 < value <= 1:
            raise ParamsError(f"口径参数「{it.name}」应为 0 到 1 之间的比例,实为「{raw}」")
        return value
    raise ParamsError(f"口径参数「{it.name}」的类型未定义")


def _load_interpretations(c: _Checker, data: Any) -> dict[str, Interpretation]:
    out: dict[str, Interpretation] = {}
    if not isinstance(data, dict):
        c.error("interpretations", "应为映射")
        return out
    for name, spec in data.items():
        key = f"interpretations.{name}"
        spec = c.mapping(
            spec,
            key,
            {"label": str, "value": object, "clause": str, "quote": str, "note": str},
            {"choices": dict, "type": str, "unit": str},
        )
        if not spec:
            continue
        if ("choices" in spec) == ("type" in spec):
            c.error(key, "须给出 choices(可选值)或 type(int / ratio)之一")
            continue
        if "type" in spec and spec["type"] not in ("int", "ratio"):
            c.error(f"{key}.type", f"应为 int 或 ratio,实为 {spec['type']!r}")
            continue
        words = {}
        for choice, said in (spec.get("choices") or {}).items():
            said = c.mapping(said, f"{key}.choices.{choice}", {"label": str, "means": str}, {})
            words[str(choice)] = (said.get("label", str(choice)), said.get("means", ""))
        choices = tuple(words) if "choices" in spec else None
        it = Interpretation(
            name=name,
            label=spec.get("label", name),
            default=None,
            value=None,
            choices=choices,
            type=spec.get("type"),
            clause=spec.get("clause", ""),
            note=spec.get("note", ""),
            choice_words=words,
            unit=spec.get("unit", ""),
        )
        try:
            default = coerce_interpretation(it, spec.get("value"))
        except ParamsError as exc:
            c.error(f"{key}.value", str(exc))
            continue
        out[name] = replace(it, default=default, value=default)
    return out


def _load_rule(c: _Checker, rule_id: str, spec: Any) -> Rule | None:
    key = f"rules.{rule_id}"
    if not isinstance(spec, dict):
        c.error(key, "应为映射")
        return None
    mechanism = spec.get("mechanism")
    if mechanism not in MECHANISMS:
        c.error(f"{key}.mechanism", f"应为 {' / '.join(MECHANISMS)},实为 {mechanism!r}")
        return None
    req, opt = _RULE_FIELDS[mechanism]
    n_errors = len(c.errors)
    c.mapping(spec, key, {**_RULE_COMMON_REQ, **req}, {**_RULE_COMMON_OPT, **opt})
    if len(c.errors) > n_errors:
        return None
    irregular = spec.get("irregular")
    if isinstance(irregular, str):
        if irregular != "any":
            c.error(f"{key}.irregular", f"应为 true / false / any,实为 {irregular!r}")
        irregular = None
    per = spec.get("per")
    if per is not None:
        allowed = [w for w, basis in PER_BASIS.items() if basis in PER_ALLOWED[mechanism]]
        if per not in allowed:
            c.error(f"{key}.per", f"{mechanism} 规则只能按 {' / '.join(allowed)} 计,实为 {per!r}")
    return Rule(
        id=rule_id,
        label=spec["label"],
        clause=spec["clause"],
        mechanism=mechanism,
        quote=spec["quote"],
        points=spec.get("points"),
        points_from=spec.get("points_from"),
        per=spec.get("per"),
        level=spec.get("level"),
        levels=tuple(spec.get("levels", ())),
        form=spec.get("form"),
        irregular=irregular,
        categories=tuple(spec.get("categories", ())),
        condition=spec.get("condition"),
        factor=spec.get("factor"),
        min_years=spec.get("min_years"),
        max_years=spec.get("max_years"),
        ambiguous=spec.get("ambiguous", False),
        note=spec.get("note", ""),
        item=spec.get("item"),
        min_persons=spec.get("min_persons", 1),
        max_persons=spec.get("max_persons"),
        when=_when(c, key, spec.get("when")),
    )


def _when(c: _Checker, key: str, data: Any) -> tuple[tuple[str, bool], ...]:
    """A rule's ``when``: declared yes/no column → true/false (已预警: false)."""
    out = []
    for col, value in (data or {}).items():
        if not isinstance(value, bool):
            c.error(f"{key}.when.{col}", f"应为 true / false,实为 {value!r}")
            continue
        out.append((str(col), value))
    if data is not None and not data:
        c.error(f"{key}.when", "不能为空")
    return tuple(sorted(out))


def _load_items(c: _Checker, data: Any, interps: dict[str, Interpretation]) -> dict[str, Item]:
    """rules.yaml ``items``: 考核项目 with their points; deductions stop at them (扣完为止)."""
    out: dict[str, Item] = {}
    if data is None:
        return out
    if not isinstance(data, dict):
        c.error("items", "应为映射")
        return out
    for item_id, spec in data.items():
        key = f"items.{item_id}"
        n_errors = len(c.errors)
        spec = c.mapping(
            spec,
            key,
            {"label": str, "points": int, "clause": str, "quote": str},
            {"capped": bool, "capped_from": str, "note": str},
        )
        if len(c.errors) > n_errors:
            continue
        if not 0 < spec["points"] <= MAX_POINTS:
            c.error(f"{key}.points", f"项目分值应为正整数,实为 {spec['points']}")
        source = spec.get("capped_from")
        if source is not None and "capped" in spec:
            c.error(key, "capped 与 capped_from 只能给出一个")
        if source is not None and (
            source not in interps or set(interps[source].choices or ()) != set(CAP_CHOICES)
        ):
            c.error(
                f"{key}.capped_from",
                f"「{source}」应为可选值 {' / '.join(CAP_CHOICES)} 的口径参数",
            )
        out[str(item_id)] = Item(
            id=str(item_id),
            label=spec["label"],
            points=spec["points"],
            clause=spec["clause"],
            quote=spec["quote"],
            capped=spec.get("capped", True),
            capped_from=source,
            note=spec.get("note", ""),
        )
    return out


def _load_floor(c: _Checker, data: Any) -> tuple[int | None, Rule | None]:
    """rules.yaml ``floor``: the lowest total score (e.g. 扣完为止 at 0), with its clause."""
    if data is None:
        return None, None
    n_errors = len(c.errors)
    spec = c.mapping(data, "floor", {"points": int, "clause": str, "quote": str}, {"note": str})
    if len(c.errors) > n_errors:
        return None, None
    label = f"总分扣完为止(最低 {spec['points']} 分)"
    rule = Rule(
        id="floor",
        label=label,
        clause=spec["clause"],
        mechanism="score_floor",
        quote=spec["quote"],
        note=spec.get("note", ""),
    )
    return spec["points"], rule


def _load_form_persons(
    c: _Checker, data: Any, forms: tuple[str, ...]
) -> dict[str, tuple[int, int | None]]:
    """rules.yaml ``form_persons``: forms the method defines by head count (集体访指 5 人以上),
    each with its clause; a visit whose 形式 disagrees with its 人次 is refused on reading."""
    out: dict[str, tuple[int, int | None]] = {}
    for form, spec in (data or {}).items():
        key = f"form_persons.{form}"
        if form not in forms:
            c.error(key, f"「{form}」不在 forms 中")
            continue
        n_errors = len(c.errors)
        spec = c.mapping(
            spec,
            key,
            {"min_persons": int, "clause": str, "quote": str},
            {"max_persons": (int, type(None)), "note": str},
        )
        if len(c.errors) > n_errors:
            continue
        lo, hi = spec["min_persons"], spec.get("max_persons")
        if lo < 1 or (hi is not None and hi < lo):
            c.error(key, "人数应为 1 ≤ min_persons ≤ max_persons")
            continue
        out[str(form)] = (lo, hi)
    return out


_COLUMN_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _load_columns(c: _Checker, data: Any) -> dict[str, DeclaredColumn]:
    """rules.yaml ``columns``: yes/no columns the method adds to a ledger (已预警), each with
    the clause that needs it. Keys are lower-case English names; headers are Chinese. That
    they do not collide with the ledger's own columns is checked where ledgers are read."""
    out: dict[str, DeclaredColumn] = {}
    if not isinstance(data, dict | None):
        return out  # the type error is recorded with the file's keys
    for col_key, spec in (data or {}).items():
        key = f"columns.{col_key}"
        if not isinstance(col_key, str) or not _COLUMN_KEY.match(col_key):
            c.error(key, "列名应为小写英文字母、数字和下划线,如 warned")
            continue
        n_errors = len(c.errors)
        spec = c.mapping(
            spec,
            key,
            {"ledger": str, "header": str, "label": str, "clause": str, "quote": str},
            {"aliases": list, "note": str, "type": str},
        )
        if len(c.errors) > n_errors:
            continue
        if spec["ledger"] not in DECLARABLE_LEDGERS:
            c.error(f"{key}.ledger", f"应为 {' / '.join(DECLARABLE_LEDGERS)}")
        if spec.get("type", "是否") != "是否":
            c.error(f"{key}.type", f"只能声明是否列(type: 是否),实为 {spec['type']!r}")
        aliases = spec.get("aliases") or []
        if not spec["header"].strip() or not all(isinstance(a, str) and a.strip() for a in aliases):
            c.error(key, "表头和其他写法应为非空文字")
            continue
        out[col_key] = DeclaredColumn(
            key=col_key,
            ledger=spec["ledger"],
            header=spec["header"].strip(),
            label=spec["label"],
            clause=spec["clause"],
            quote=spec["quote"],
            aliases=tuple(a.strip() for a in aliases),
        )
    return out


def _cap_rule(item: Item, unit: str = "分") -> Rule:
    """The rule whose rows give back what an item's deductions exceed its points by."""
    return Rule(
        id=f"cap.{item.id}",
        label=f"{item.label}扣完为止(最多扣 {item.points} {unit})",
        clause=item.clause,
        mechanism="item_cap",
        quote=item.quote,
        note=item.note,
        item=item.id,
    )


def visit_rate_rules(
    rules: Iterable[Rule],
    level: str,
    form: str,
    irregular: bool,
    persons: int | None = None,
    flags: dict[str, bool] | None = None,
) -> list[Rule]:
    """The per-person-visit rules (一(一)2 … 一(四)8) that match a visit's level, form and
    irregularity (and head count and declared yes/no columns, if given); a valid rule set
    has exactly one for every combination, head count and value of those columns."""
    return [
        r
        for r in rules
        if r.mechanism == "visit_rate"
        and r.level == level
        and r.form in (form, "any")
        and r.irregular in (irregular, None)
        and (persons is None or r.fits(persons))
        and (flags is None or r.holds(flags))
    ]


def _uncovered(found: list[Rule], lo: int, hi: int | None) -> str:
    """The first head count of lo … hi that no bracket or two brackets cover, in words."""
    top = hi if hi is not None else max([lo, *(r.max_persons or r.min_persons for r in found)]) + 1
    for n in range(lo, top + 1):
        if sum(r.fits(n) for r in found) != 1:
            return f"{n} 人"
    return f"{lo} 人起"


def when_words(flags: dict[str, bool], columns: dict[str, DeclaredColumn]) -> str:
    """Declared column values as the ledger says them: 「已预警」为是、「劝返」为否."""
    return "、".join(
        f"「{columns[k].header if k in columns else k}」为{'是' if v else '否'}"
        for k, v in flags.items()
    )


def _check_when(c: _Checker, rules: dict[str, Rule], columns: dict[str, DeclaredColumn]) -> None:
    """``when`` names declared yes/no columns of the visits ledger; a doubling on a declared
    column has one (condition: declared), and no other doubling has."""
    for r in rules.values():
        key = f"rules.{r.id}"
        for col, _ in r.when:
            if col not in columns or columns[col].ledger != "visits":
                declared = " / ".join(k for k, v in columns.items() if v.ledger == "visits")
                c.error(
                    f"{key}.when.{col}",
                    f"「{col}」不是 columns 中为走访登记声明的是否列"
                    + (f"(已声明:{declared})" if declared else "(没有声明任何列)"),
                )
        if r.mechanism == "doubling" and (r.condition == "declared") != bool(r.when):
            c.error(f"{key}.when", "condition: declared 须写 when(哪一列为是或否),其他加倍条件不写")
    used = sorted({k for r in rules.values() if r.mechanism == "visit_rate" for k, _ in r.when})
    if len(used) > MAX_WHEN_COLUMNS:
        c.error(
            "rules", f"每人次标准最多依据 {MAX_WHEN_COLUMNS} 个声明的是否列,实为 {len(used)} 个"
        )


def _brackets_tile(found: list[Rule], lo: int = 1, hi: int | None = None) -> bool:
    """Whether head-count brackets cover lo … hi (1, 2, 3 … by default; a form the method
    defines by head count narrows it) once each, with no gap or overlap."""
    spans = []
    for r in found:  # each bracket as far as it reaches into lo … hi
        a = max(r.min_persons, lo)
        b = r.max_persons if hi is None else min(r.max_persons or hi, hi)
        if b is None or a <= b:
            spans.append((a, b))
    expected: int | None = lo
    for a, b in sorted(spans, key=lambda x: x[0]):
        if expected is None or a != expected:
            return False
        expected = None if b is None else b + 1
    return expected is None if hi is None else expected == hi + 1


def _check_rule_set(
    c: _Checker,
    rules: dict[str, Rule],
    interps: dict[str, Interpretation],
    levels: tuple[str, ...],
    forms: tuple[str, ...],
    form_persons: dict[str, tuple[int, int | None]] | None = None,
    columns: dict[str, DeclaredColumn] | None = None,
) -> None:
    """Cross-rule checks: every case covered once, references resolve, brackets tile."""
    for r in rules.values():
        key = f"rules.{r.id}"
        if r.mechanism in ("visit_charge", "clean_period", "flag") and not r.levels:
            c.error(f"{key}.levels", "不能为空")
        if r.mechanism == "incident" and not [x for x in r.categories if str(x).strip()]:
            c.error(f"{key}.categories", "不能为空")
        if r.points is not None and abs(r.points) > MAX_POINTS:
            c.error(f"{key}.points", f"分值超出可计算的范围(绝对值不超过 {MAX_POINTS})")
        for lvl in (r.level, *r.levels):
            if lvl is not None and lvl not in levels:
                c.error(key, f"层级「{lvl}」不在 levels 中")
        if r.mechanism == "visit_rate":
            if (r.points is None) == (r.points_from is None):
                c.error(key, "须给出 points 或 points_from 之一")
            if r.points_from is not None and (
                r.points_from not in interps or interps[r.points_from].type != "int"
            ):
                c.error(f"{key}.points_from", f"「{r.points_from}」不是 int 类型的口径参数")
            if r.form != "any" and r.form not in forms:
                c.error(f"{key}.form", f"应为 {' / '.join(forms)} 或 any")
        bad_bracket = r.min_persons < 1 or (
            r.max_persons is not None and r.max_persons < r.min_persons
        )
        if r.mechanism in ("visit_rate", "visit_charge") and bad_bracket:
            c.error(f"{key}.min_persons", "人数档次应为 1 ≤ min_persons ≤ max_persons")
        if r.mechanism == "visit_charge" and r.form != "any" and r.form not in forms:
            c.error(f"{key}.form", f"应为 {' / '.join(forms)} 或 any")
        if r.mechanism == "doubling":
            if r.condition not in DOUBLING_CONDITIONS:
                c.error(f"{key}.condition", f"应为 {' / '.join(DOUBLING_CONDITIONS)}")
            if r.factor is not None and r.factor < 1:
                c.error(f"{key}.factor", "倍数应为正整数")
        if r.mechanism == "missed_return" and r.condition not in RETURN_CONDITIONS:
            c.error(f"{key}.condition", f"应为 {' / '.join(RETURN_CONDITIONS)}(未报 / 迟报)")
        if r.mechanism == "flag" and r.condition not in FLAG_CONDITIONS:
            c.error(f"{key}.condition", f"应为 {' / '.join(FLAG_CONDITIONS)}")
    # Every (level, form, irregular, declared columns) visit meets exactly one visit rate.
    columns = columns or {}
    used = sorted({k for r in rules.values() if r.mechanism == "visit_rate" for k, _ in r.when})
    cases = [
        dict(zip(used, bits, strict=True))
        for bits in itertools.product((False, True), repeat=len(used))
    ]
    if not any(r.mechanism == "visit_rate" for r in rules.values()):
        cases = []  # a method that charges no visit at all (only returns, events…)
        for r in rules.values():
            if r.mechanism in ("first_case", "doubling", "visit_charge", "flag"):
                c.error(f"rules.{r.id}", "走访的加倍、首起、另扣和标记须有每人次标准(visit_rate)")
    for lvl, form, irregular, flags in itertools.product(levels, forms, (False, True), cases):
        found = visit_rate_rules(rules.values(), lvl, form, irregular, flags=flags)
        lo, hi = (form_persons or {}).get(form, (1, None))
        if not found or not _brackets_tile(found, lo, hi):
            said = when_words(flags, columns)
            what = (
                f"{lvl}{form}({'非访' if irregular else '不是非访'}{'、' + said if said else ''})"
            )
            hits = "、".join(r.id for r in found) or "没有规则"
            gap = f",{_uncovered(found, lo, hi)}没有或不止一条" if found else ""
            c.error(
                "rules",
                f"走访 {what} 应恰好适用一条每人次标准(或人数档次首尾相接),实为 {hits}{gap}",
            )
    _check_readings(c, rules, interps)
    per_level = [r.level for r in rules.values() if r.mechanism == "first_case"]
    for lvl in sorted({x for x in per_level if per_level.count(x) > 1}):
        c.error("rules", f"层级「{lvl}」有多条 first_case 规则")
    # several incident rules at one level are kinds of event: each category names one
    named = [(r.level, cat, r.id) for r in rules.values() if r.mechanism == "incident"
             for cat in r.categories]  # fmt: skip
    seen: dict[tuple[str | None, str], str] = {}
    for lvl, cat, rid in named:  # compared as the ledgers are matched: no spaces, punctuation
        k = (lvl, _squash(str(cat)))
        if k in seen and seen[k] != rid:
            c.error(f"rules.{rid}", f"层级「{lvl}」的事件类别「{cat}」已由 {seen[k]} 计分")
        seen.setdefault(k, rid)
    conds = [r.condition for r in rules.values() if r.mechanism == "doubling"]
    for cond in sorted({x for x in conds if conds.count(x) > 1}):
        c.error("rules", f"加倍条件「{cond}」有多条规则")
    brackets = sorted(
        (r for r in rules.values() if r.mechanism == "backlog"), key=lambda r: r.min_years or 0
    )
    expected_start = 0
    for r in brackets:
        if r.min_years != expected_start:
            c.error(f"rules.{r.id}", f"积案年限档次应从 {expected_start} 年起,实为 {r.min_years}")
        expected_start = r.max_years
    if brackets and brackets[-1].max_years is not None:
        c.error(f"rules.{brackets[-1].id}", "最高年限档次的 max_years 应为 null(不设上限)")


# The readings the engine branches on, with the choices it knows: a method that has one
# must offer exactly these (a renamed choice would otherwise fall to one branch silently)
ENGINE_CHOICES = {
    "first_case": ("replaces", "adds"),
    "doubling": ("once", "stack"),
    "missing_case_id": ("unscreened", "ignore"),
    "office_visits": ("internal_or_repeat", "all"),
    "meetings_for_certification": ("listed", "required"),
    "reception_days": ("every_day", "working_days"),
}
# The interpretations a mechanism needs, by the rules that use it: a method without the
# ambiguity has neither the rules nor the interpretation.
_NEEDS = {
    "first_case": lambda rs: any(r.mechanism == "first_case" for r in rs),
    "doubling": lambda rs: sum(r.mechanism == "doubling" for r in rs) > 1,
    "missing_case_id": lambda rs: any(
        r.mechanism == "doubling" and r.condition == "unscreened" for r in rs
    ),
}


def _check_readings(
    c: _Checker, rules: dict[str, Rule], interps: dict[str, Interpretation]
) -> None:
    """Every mechanism the rules use has the interpretation that decides it."""
    for name, needed in _NEEDS.items():
        if needed(rules.values()) and name not in interps:
            c.error(f"interpretations.{name}", "缺少:本办法有需要这一口径的规则")
    for name, known in ENGINE_CHOICES.items():
        if name in interps and set(interps[name].choices or ()) != set(known):
            c.error(
                f"interpretations.{name}.choices",
                f"这一口径的可选值应为 {' / '.join(known)}(计分按这些名称区分)",
            )


def load_rules(path: str | os.PathLike | None = None, **overrides: Any) -> Rules:
    """Load the rules, campaign and units, with interpretation overrides by name.

    ``path`` is the params folder or its rules.yaml (campaign.yaml, units.yaml and
    limits.yaml are read beside it); by default the project's params/.
    ``load_rules(doubling="stack")`` changes one interpretation; an unknown name or an
    invalid value raises ParamsError.
    """
    p = Path(path) if path is not None else default_params_dir()
    folder, rules_path = (p, p / "rules.yaml") if p.is_dir() else (p.parent, p)
    data, digest = read_yaml(rules_path)
    c = _Checker(rules_path)
    top = c.mapping(
        data,
        "rules.yaml",
        {
            "document": str,
            "levels": (list, dict),
            "forms": (list, dict),
            "rules": dict,
        },
        {
            "interpretations": dict,
            "category_aliases": dict,
            "collective_form": str,
            "items": dict,
            "floor": dict,
            "form_persons": dict,
            "columns": dict,
        },
    )
    interps = _load_interpretations(c, top.get("interpretations", {}))
    items = _load_items(c, top.get("items"), interps)
    floor, floor_rule = _load_floor(c, top.get("floor"))
    rules: dict[str, Rule] = {}
    for rule_id, spec in (top.get("rules") or {}).items():
        rule = _load_rule(c, str(rule_id), spec)
        if rule is not None:
            rules[rule.id] = rule
    level_spellings = _vocabulary(c, "levels", top.get("levels"))
    form_spellings = _vocabulary(c, "forms", top.get("forms"))
    levels, forms = tuple(level_spellings), tuple(form_spellings)
    collective = top.get("collective_form")
    if collective is not None and collective not in forms:
        c.error("collective_form", f"「{collective}」不在 forms 中")
    form_persons = _load_form_persons(c, top.get("form_persons"), forms)
    columns = _load_columns(c, top.get("columns"))
    n_errors = len(c.errors)
    _check_when(c, rules, columns)
    if len(c.errors) > n_errors or any(".when" in e for e in c.errors):
        c.raise_if_any()  # a misspelt condition, not the coverage it then breaks
    _check_rule_set(c, rules, interps, levels, forms, form_persons, columns)
    for r in rules.values():
        if r.item is not None and r.item not in items:
            c.error(f"rules.{r.id}.item", f"项目「{r.item}」不在 items 中")
    for item in items.values():
        if f"cap.{item.id}" in rules:
            c.error(f"rules.cap.{item.id}", "规则编号与项目的扣完为止规则重名")
        rules[f"cap.{item.id}"] = _cap_rule(item)
    if floor_rule is not None:
        if "floor" in rules:
            c.error("rules.floor", "规则编号 floor 留给总分扣完为止")
        rules["floor"] = floor_rule
    aliases = {_squash(k): v for k, v in (top.get("category_aliases") or {}).items()}
    c.raise_if_any()
    known_categories = {cat for r in rules.values() for cat in r.categories}
    bad = sorted({v for v in aliases.values() if v not in known_categories})
    if bad:
        raise ParamsError(f"{rules_path.name}: category_aliases 指向未知类别:{'、'.join(bad)}")
    units = load_units(folder / "units.yaml")
    campaign = load_campaign(folder / "campaign.yaml")
    for r in rules.values():
        if r.mechanism == "missed_return" and not campaign.has_returns:
            raise ParamsError(
                f"{rules_path.name}: rules.{r.id}: 按报送计分,但 campaign.yaml 没有 weekly_return"
                "(何时报送、迟报几天内算迟报)"
            )
    if floor is not None and floor > campaign.base_score:
        raise ParamsError(
            f"{rules_path.name}: floor.points: 最低分 {floor} 高于基础分 {campaign.base_score}"
            "(campaign.yaml base_score),扣分会变成加分"
        )
    for duty in campaign.duties.values():
        bad = [lvl for lvl in duty.levels if lvl not in levels]
        if bad:
            raise ParamsError(
                f"campaign.yaml: duties.{duty.id}.levels: 层级「{'、'.join(bad)}」"
                "不在 rules.yaml 的 levels 中"
            )
    reading = load_reading(folder / "ledgers.yaml")
    _check_duty_vocabulary(rules_path, campaign, interps, reading)
    if campaign.unit != "分":  # the stops say the method's own unit (最多扣 500 元)
        for item in items.values():
            rules[f"cap.{item.id}"] = _cap_rule(item, campaign.unit)
        if floor_rule is not None:
            rules["floor"] = replace(
                floor_rule, label=f"总分扣完为止(最低 {floor} {campaign.unit})"
            )
    if "office_visits" in interps and units.office_kind is None:
        raise ParamsError(
            f"{rules_path.name}: interpretations.office_visits: units.yaml 须给出 office_kind"
            "(这一口径所指的单位类别)"
        )
    result = Rules(
        rules=rules,
        interpretations=interps,
        levels=levels,
        forms=forms,
        level_spellings=level_spellings,
        form_spellings=form_spellings,
        collective_form=collective,
        category_aliases=aliases,
        campaign=campaign,
        units=units,
        limits=load_limits(folder / "limits.yaml"),
        reading=reading,
        document=top["document"],
        sha256=digest,
        source=rules_path,
        items=items,
        floor=floor,
        form_persons=form_persons,
        columns=columns,
    )
    return result.with_overrides(**overrides) if overrides else result


def _check_duty_vocabulary(
    rules_path: Path, campaign: Campaign, interps: dict[str, Interpretation], reading: Reading
) -> None:
    """A duty speaks the ledgers' words: the roster's posts are posts of ledgers.yaml, and
    the days a leader must receive (每天 or 工作日) are a disclosed reading
    (``reception_days``). ParamsError naming the file and key otherwise."""
    duty = campaign.duties.get("daily_reception")
    if duty is None:
        return
    bad = [p for p in duty.posts if p not in reading.posts]
    if bad:
        raise ParamsError(
            f"campaign.yaml: duties.daily_reception.posts: 职务「{'、'.join(bad)}」"
            "不在 ledgers.yaml 的 posts 中"
        )
    if "reception_days" not in interps:
        raise ParamsError(
            f"{rules_path.name}: interpretations.reception_days: 缺少:campaign.yaml 有"
            "“每天在局接访”的履职要求,须说明按每天还是按工作日核对"
        )


def _vocabulary(c: _Checker, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    """A vocabulary of rules.yaml (levels, forms): a list of names, or a mapping from each
    name to its other spellings in the ledgers. Names and spellings must not collide: one
    spelling means one code, and a spelling nobody declared is an error when loading."""
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, spellings in value.items():
        spellings = spellings or []
        if not isinstance(name, str) or not name.strip():
            c.error(key, f"名称应为非空文字,实为 {name!r}")
            continue
        if not isinstance(spellings, list) or not all(isinstance(x, str) for x in spellings):
            c.error(f"{key}.{name}", "其他写法应为文字列表")
            continue
        for spelling in (name, *spellings):
            folded = "".join(spelling.split()).upper()
            if owner.get(folded, name) != name:
                c.error(f"{key}.{name}", f"写法「{spelling}」已属于「{owner[folded]}」")
            owner[folded] = name
        out[name] = (name, *(x for x in spellings if x != name))
    if not out:
        c.error(key, "不能为空")
    return out


def _squash(text: str) -> str:
    """Drop whitespace and list punctuation, for matching free-written category names."""
    return "".join(ch for ch in str(text) if not ch.isspace() and ch not in "、,,;;。.")


def canonical_category(rules: Rules, text: str) -> str | None:
    """The category a free-written incident category means, or None if unknown."""
    squashed = _squash(text)
    for cat in rules.categories:
        if _squash(cat) == squashed:
            return cat
    return rules.category_aliases.get(squashed)
