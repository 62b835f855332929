"""The declared shape of rules.yaml: the file's sections (interpretations, items, floor,
form_persons, columns), and a rule's mapping for each mechanism (the keys a first_case
rule needs are not a backlog rule's). As in ``schema``, a required key has no default and
an optional one has (``Field(None)``: absent is None, null is refused).

The loaders (``sections``, ``interpretations``, ``loader``) validate with these models and
build Rule, Item, DeclaredColumn and Interpretation; what spans keys or rules (coverage,
references, choices) stays in ``checks`` and the loaders. Owns the models and
RULE_SHAPES. May import ``strict``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .strict import Strict, Text, one_of

ListOrMapping = one_of(list, dict)  # levels, forms: names, or names → other spellings
BoolOrWord = one_of(bool, str)  # irregular: true / false / any


class ChoiceWords(Strict):
    """A choice of an interpretation in words: its label and what it means."""

    label: Text
    means: Text


class InterpretationSpec(Strict):
    label: Text
    value: Any  # typed by ``choices`` or ``type`` (interpretations.coerce_interpretation)
    clause: Text
    quote: Text
    note: Text
    choices: dict[str, ChoiceWords] = Field(None)
    type: Text = Field(None)
    unit: Text = ""


class ItemSpec(Strict):
    label: Text
    points: int
    clause: Text
    quote: Text
    capped: bool = True
    capped_from: Text = Field(None)
    note: Text = ""


class FloorSpec(Strict):
    points: int
    clause: Text
    quote: Text
    note: Text = ""


class FormPersonsSpec(Strict):
    min_persons: int
    clause: Text
    quote: Text
    max_persons: int | None = None
    note: Text = ""


class ColumnSpec(Strict):
    ledger: Text
    header: Text
    label: Text
    clause: Text
    quote: Text
    aliases: list[Text] = Field(default_factory=list)
    note: Text = ""
    type: Text = "是否"


class RulesFile(Strict):
    document: Text
    levels: ListOrMapping
    forms: ListOrMapping
    rules: dict[str, Any]  # each rule checked by its mechanism's shape (RULE_SHAPES)
    interpretations: dict[str, InterpretationSpec] = Field(default_factory=dict)
    category_aliases: dict[str, Text] = Field(default_factory=dict)
    collective_form: Text = Field(None)
    items: dict[str, ItemSpec] = Field(default_factory=dict)
    floor: FloorSpec = Field(None)
    form_persons: dict[str, FormPersonsSpec] = Field(default_factory=dict)
    columns: dict[Any, ColumnSpec] = Field(default_factory=dict)  # keys checked by sections


class RuleSpec(Strict):
    """What every rule writes; each mechanism's shape below adds its own keys."""

    label: Text
    clause: Text
    mechanism: Text
    quote: Text
    note: Text = ""
    ambiguous: bool = False


class FirstCase(RuleSpec):
    level: Text
    points: int
    per: Text
    item: Text = Field(None)


class VisitRate(RuleSpec):
    level: Text
    form: Text
    irregular: BoolOrWord
    per: Text
    points: int = Field(None)
    points_from: Text = Field(None)
    item: Text = Field(None)
    min_persons: int = 1
    max_persons: int | None = None
    when: dict[Any, Any] = Field(None)  # column → true / false (sections._when)


class VisitCharge(RuleSpec):
    levels: list[Text]
    form: Text
    irregular: BoolOrWord
    points: int
    per: Text
    item: Text = Field(None)
    min_persons: int = 1
    max_persons: int | None = None
    when: dict[Any, Any] = Field(None)


class Incident(RuleSpec):
    level: Text
    points: int
    categories: list[Text]
    per: Text
    item: Text = Field(None)


class Doubling(RuleSpec):
    condition: Text
    factor: int
    item: Text = Field(None)
    when: dict[Any, Any] = Field(None)


class Backlog(RuleSpec):
    min_years: int
    max_years: int | None  # required: null for the open-ended bracket
    points: int
    per: Text
    item: Text = Field(None)


class Flag(RuleSpec):
    levels: list[Text]
    condition: Text


class CleanPeriod(RuleSpec):
    """Points for an absence: no visit at these levels in the whole period (全年无赴县以上)."""

    levels: list[Text]
    points: int


class MissedReturn(RuleSpec):
    """Points for each due week whose return is missing or late (每漏报一次扣 2 分)."""

    condition: Text
    points: int
    per: Text
    item: Text = Field(None)


# each mechanism (terms.MECHANISMS) and the shape of its rules
RULE_SHAPES: dict[str, type[RuleSpec]] = {
    "first_case": FirstCase,
    "visit_rate": VisitRate,
    "visit_charge": VisitCharge,
    "incident": Incident,
    "doubling": Doubling,
    "backlog": Backlog,
    "flag": Flag,
    "clean_period": CleanPeriod,
    "missed_return": MissedReturn,
}
