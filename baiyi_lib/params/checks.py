"""The rule-set checks across rules: every visit meets exactly one visit rate (by level,
form, irregularity, head count and declared columns), references resolve, year and
head-count brackets tile, and the interpretations the mechanisms need are there.

Owns ``check_when``, ``check_rule_set`` and ENGINE_CHOICES. May import ``terms``, ``text``,
``interpretations``, ``models`` and ``yamlio``.
"""

from __future__ import annotations

import itertools

from .interpretations import Interpretation
from .models import DeclaredColumn, Rule, visit_rate_rules, when_words
from .terms import (
    DOUBLING_CONDITIONS,
    FLAG_CONDITIONS,
    MAX_POINTS,
    MAX_WHEN_COLUMNS,
    RETURN_CONDITIONS,
)
from .text import squash
from .yamlio import Checker


def _uncovered(found: list[Rule], lo: int, hi: int | None) -> str:
    """The first head count of lo … hi that no bracket or two brackets cover, in words."""
    top = hi if hi is not None else max([lo, *(r.max_persons or r.min_persons for r in found)]) + 1
    for n in range(lo, top + 1):
        if sum(r.fits(n) for r in found) != 1:
            return f"{n} 人"
    return f"{lo} 人起"


def check_when(c: Checker, rules: dict[str, Rule], columns: dict[str, DeclaredColumn]) -> None:
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


def check_rule_set(
    c: Checker,
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
        k = (lvl, squash(str(cat)))
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


def _check_readings(c: Checker, rules: dict[str, Rule], interps: dict[str, Interpretation]) -> None:
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
