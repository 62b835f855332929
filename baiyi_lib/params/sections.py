"""The sections of rules.yaml, each read into its objects: a rule (by its mechanism's
fields), its ``when`` conditions, the items (考核项目) and their caps, the floor, the forms
defined by head count and the declared yes/no columns.

Owns the per-section loaders that ``loader.load_rules`` assembles. May import ``terms``,
``interpretations``, ``models`` and ``yamlio``.
"""

from __future__ import annotations

import re
from typing import Any

from .interpretations import Interpretation
from .models import DeclaredColumn, Item, Rule
from .terms import (
    CAP_CHOICES,
    DECLARABLE_LEDGERS,
    MAX_POINTS,
    MECHANISMS,
    PER_ALLOWED,
    PER_BASIS,
)
from .yamlio import Checker

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


def load_rule(c: Checker, rule_id: str, spec: Any) -> Rule | None:
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


def _when(c: Checker, key: str, data: Any) -> tuple[tuple[str, bool], ...]:
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


def load_items(c: Checker, data: Any, interps: dict[str, Interpretation]) -> dict[str, Item]:
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


def load_floor(c: Checker, data: Any) -> tuple[int | None, Rule | None]:
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


def load_form_persons(
    c: Checker, data: Any, forms: tuple[str, ...]
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


def load_columns(c: Checker, data: Any) -> dict[str, DeclaredColumn]:
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


def cap_rule(item: Item, unit: str = "分") -> Rule:
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
