"""``load_rules``: the params folder read whole (rules.yaml with campaign.yaml, units.yaml,
limits.yaml and ledgers.yaml beside it) into one Rules, with the checks that span files
and interpretation overrides by name. A rule set loaded before from the same files by the
same code is taken from ``cache`` (no model is built, pydantic is not imported).

Owns ``load_rules`` and the cross-file checks. May import the other params modules (never
the package itself) and ``baiyi_lib.errors``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ParamsError
from . import cache
from .campaign import Campaign, load_campaign
from .checks import check_rule_set, check_when
from .interpretations import Interpretation, load_interpretations
from .limits import load_limits
from .models import Rule, Rules
from .paths import default_params_dir
from .reading import Reading, load_reading
from .sections import (
    cap_rule,
    load_columns,
    load_floor,
    load_form_persons,
    load_items,
    load_rule,
)
from .text import squash
from .units import load_units
from .yamlio import Checker, read_yaml, vocabulary


def load_rules(path: str | os.PathLike | None = None, **overrides: Any) -> Rules:
    """Load the rules, campaign and units, with interpretation overrides by name.

    ``path`` is the params folder or its rules.yaml (campaign.yaml, units.yaml and
    limits.yaml are read beside it); by default the project's params/.
    ``load_rules(doubling="stack")`` changes one interpretation; an unknown name or an
    invalid value raises ParamsError.
    """
    p = Path(path) if path is not None else default_params_dir()
    folder, rules_path = (p, p / "rules.yaml") if p.is_dir() else (p.parent, p)
    kept = cache.key(folder, rules_path)
    result = cache.load(kept)
    if result is None:
        result = _load(folder, rules_path)
        cache.store(kept, result)
    return result.with_overrides(**overrides) if overrides else result


def _load(folder: Path, rules_path: Path) -> Rules:
    """Read and check the five params files (ParamsError naming file and key)."""
    data, digest = read_yaml(rules_path)
    c = Checker(rules_path)
    from .schema_rules import RulesFile  # pydantic only when a file is checked
    from .strict import validate

    top = validate(c, RulesFile, data, "rules.yaml")
    # each rule by its mechanism's shape, with the file's other problems in one message
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    rules: dict[str, Rule] = {}
    for rule_id, spec in (raw_rules if isinstance(raw_rules, dict) else {}).items():
        rule = load_rule(c, str(rule_id), spec)
        if rule is not None:
            rules[rule.id] = rule
    c.raise_if_any()
    assert top is not None
    interps = load_interpretations(c, top.interpretations)
    items = load_items(c, top.items, interps)
    floor, floor_rule = load_floor(top.floor)
    level_spellings = vocabulary(c, "levels", top.levels)
    form_spellings = vocabulary(c, "forms", top.forms)
    levels, forms = tuple(level_spellings), tuple(form_spellings)
    collective = top.collective_form
    if collective is not None and collective not in forms:
        c.error("collective_form", f"「{collective}」不在 forms 中")
    form_persons = load_form_persons(c, top.form_persons, forms)
    columns = load_columns(c, top.columns)
    n_errors = len(c.errors)
    check_when(c, rules, columns)
    if len(c.errors) > n_errors or any(".when" in e for e in c.errors):
        c.raise_if_any()  # a misspelt condition, not the coverage it then breaks
    check_rule_set(c, rules, interps, levels, forms, form_persons, columns)
    for r in rules.values():
        if r.item is not None and r.item not in items:
            c.error(f"rules.{r.id}.item", f"项目「{r.item}」不在 items 中")
    for item in items.values():
        if f"cap.{item.id}" in rules:
            c.error(f"rules.cap.{item.id}", "规则编号与项目的扣完为止规则重名")
        rules[f"cap.{item.id}"] = cap_rule(item)
    if floor_rule is not None:
        if "floor" in rules:
            c.error("rules.floor", "规则编号 floor 留给总分扣完为止")
        rules["floor"] = floor_rule
    aliases = {squash(k): v for k, v in top.category_aliases.items()}
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
    _check_dutyvocabulary(rules_path, campaign, interps, reading)
    if campaign.unit != "分":  # the stops say the method's own unit (最多扣 500 元)
        for item in items.values():
            rules[f"cap.{item.id}"] = cap_rule(item, campaign.unit)
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
        document=top.document,
        sha256=digest,
        source=rules_path,
        items=items,
        floor=floor,
        form_persons=form_persons,
        columns=columns,
    )
    return result


def _check_dutyvocabulary(
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
