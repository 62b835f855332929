"""The rule set as scoring sees it: Rule, Item, DeclaredColumn and Rules (the rules with
the interpretations in force, the campaign, units, limits and ledger reading), and the
lookups on them (the visit rates that match a visit, a free-written category).

Owns the rule-set dataclasses, ``visit_rate_rules``, ``when_words`` and
``canonical_category``. May import ``terms``, ``text``, ``interpretations``, ``campaign``,
``units``, ``limits``, ``reading`` and ``baiyi_lib.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ParamsError
from .campaign import Campaign
from .interpretations import Interpretation, coerce_interpretation
from .limits import Limits
from .reading import Reading
from .terms import PER_BASIS
from .text import squash
from .units import Units


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


def when_words(flags: dict[str, bool], columns: dict[str, DeclaredColumn]) -> str:
    """Declared column values as the ledger says them: 「已预警」为是、「劝返」为否."""
    return "、".join(
        f"「{columns[k].header if k in columns else k}」为{'是' if v else '否'}"
        for k, v in flags.items()
    )


def canonical_category(rules: Rules, text: str) -> str | None:
    """The category a free-written incident category means, or None if unknown."""
    squashed = squash(text)
    for cat in rules.categories:
        if squash(cat) == squashed:
            return cat
    return rules.category_aliases.get(squashed)
