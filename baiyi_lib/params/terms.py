"""The terms of the params format: the mechanisms a rule may name, what each may charge
per, the conditions the engine knows, and the bounds a method's numbers must keep.

Owns these constants (MECHANISMS, PER_BASIS, MAX_POINTS…). May import nothing.
"""

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
# An item's cap in force, when an interpretation decides it (its choices)
CAP_CHOICES = ("capped", "uncapped")
DOUBLING_CONDITIONS = ("unscreened", "dissatisfied", "repeat", "declared")
# The ledgers a method may add yes/no columns to (rules.yaml ``columns``)
DECLARABLE_LEDGERS = ("visits",)
# How many declared columns the visit rates may branch on (2**n cases are checked)
MAX_WHEN_COLUMNS = 4
FLAG_CONDITIONS = ("irregular_or_collective",)
