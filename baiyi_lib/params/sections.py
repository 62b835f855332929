"""The sections of rules.yaml, each read into its objects: a rule (by its mechanism's
fields), its ``when`` conditions, the items (考核项目) and their caps, the floor, the forms
defined by head count and the declared yes/no columns.

Owns the per-section loaders that ``loader.load_rules`` assembles, each from its section
as validated by its declared shape. May import ``terms``, ``interpretations``, ``models``,
``schema_rules`` (the shapes), ``strict`` (validation) and ``yamlio``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # the models (pydantic) are imported when a file is checked
    from .schema_rules import ColumnSpec, FloorSpec, FormPersonsSpec, ItemSpec


def load_rule(c: Checker, rule_id: str, spec: Any) -> Rule | None:
    """One rule of rules.yaml, checked against its mechanism's shape (None if it is not)."""
    key = f"rules.{rule_id}"
    if not isinstance(spec, dict):
        c.error(key, "应为映射")
        return None
    mechanism = spec.get("mechanism")
    if mechanism not in MECHANISMS:
        c.error(f"{key}.mechanism", f"应为 {' / '.join(MECHANISMS)},实为 {mechanism!r}")
        return None
    from .schema_rules import RULE_SHAPES  # pydantic only when a file is checked
    from .strict import validate

    shape = validate(c, RULE_SHAPES[mechanism], spec, "rules.yaml", ("rules", rule_id))
    if shape is None:
        return None
    irregular = getattr(shape, "irregular", None)
    if isinstance(irregular, str):
        if irregular != "any":
            c.error(f"{key}.irregular", f"应为 true / false / any,实为 {irregular!r}")
        irregular = None
    per = getattr(shape, "per", None)
    if per is not None:
        allowed = [w for w, basis in PER_BASIS.items() if basis in PER_ALLOWED[mechanism]]
        if per not in allowed:
            c.error(f"{key}.per", f"{mechanism} 规则只能按 {' / '.join(allowed)} 计,实为 {per!r}")
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in shape}
    fields.update(irregular=irregular, when=_when(c, key, fields.get("when")))
    return Rule(id=rule_id, **fields)


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


def load_items(
    c: Checker, specs: dict[str, ItemSpec], interps: dict[str, Interpretation]
) -> dict[str, Item]:
    """rules.yaml ``items``: 考核项目 with their points; deductions stop at them (扣完为止)."""
    out: dict[str, Item] = {}
    for item_id, spec in specs.items():
        key = f"items.{item_id}"
        if not 0 < spec.points <= MAX_POINTS:
            c.error(f"{key}.points", f"项目分值应为正整数,实为 {spec.points}")
        source = spec.capped_from
        if source is not None and "capped" in spec.model_fields_set:
            c.error(key, "capped 与 capped_from 只能给出一个")
        if source is not None and (
            source not in interps or set(interps[source].choices or ()) != set(CAP_CHOICES)
        ):
            c.error(
                f"{key}.capped_from",
                f"「{source}」应为可选值 {' / '.join(CAP_CHOICES)} 的口径参数",
            )
        out[item_id] = Item(
            id=item_id,
            label=spec.label,
            points=spec.points,
            clause=spec.clause,
            quote=spec.quote,
            capped=spec.capped,
            capped_from=source,
            note=spec.note,
        )
    return out


def load_floor(spec: FloorSpec | None) -> tuple[int | None, Rule | None]:
    """rules.yaml ``floor``: the lowest total score (e.g. 扣完为止 at 0), with its clause."""
    if spec is None:
        return None, None
    rule = Rule(
        id="floor",
        label=f"总分扣完为止(最低 {spec.points} 分)",
        clause=spec.clause,
        mechanism="score_floor",
        quote=spec.quote,
        note=spec.note,
    )
    return spec.points, rule


def load_form_persons(
    c: Checker, specs: dict[str, FormPersonsSpec], forms: tuple[str, ...]
) -> dict[str, tuple[int, int | None]]:
    """rules.yaml ``form_persons``: forms the method defines by head count (集体访指 5 人以上),
    each with its clause; a visit whose 形式 disagrees with its 人次 is refused on reading."""
    out: dict[str, tuple[int, int | None]] = {}
    for form, spec in specs.items():
        key = f"form_persons.{form}"
        if form not in forms:
            c.error(key, f"「{form}」不在 forms 中")
            continue
        lo, hi = spec.min_persons, spec.max_persons
        if lo < 1 or (hi is not None and hi < lo):
            c.error(key, "人数应为 1 ≤ min_persons ≤ max_persons")
            continue
        out[form] = (lo, hi)
    return out


_COLUMN_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def load_columns(c: Checker, specs: dict[Any, ColumnSpec]) -> dict[str, DeclaredColumn]:
    """rules.yaml ``columns``: yes/no columns the method adds to a ledger (已预警), each with
    the clause that needs it. Keys are lower-case English names; headers are Chinese. That
    they do not collide with the ledger's own columns is checked where ledgers are read."""
    out: dict[str, DeclaredColumn] = {}
    for col_key, spec in specs.items():
        key = f"columns.{col_key}"
        if not isinstance(col_key, str) or not _COLUMN_KEY.match(col_key):
            c.error(key, "列名应为小写英文字母、数字和下划线,如 warned")
            continue
        if spec.ledger not in DECLARABLE_LEDGERS:
            c.error(f"{key}.ledger", f"应为 {' / '.join(DECLARABLE_LEDGERS)}")
        if spec.type != "是否":
            c.error(f"{key}.type", f"只能声明是否列(type: 是否),实为 {spec.type!r}")
        out[col_key] = DeclaredColumn(
            key=col_key,
            ledger=spec.ledger,
            header=spec.header.strip(),
            label=spec.label,
            clause=spec.clause,
            quote=spec.quote,
            aliases=tuple(a.strip() for a in spec.aliases),
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
