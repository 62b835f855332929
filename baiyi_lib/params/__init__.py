"""Strict loading of params/: rules.yaml, units.yaml, campaign.yaml, limits.yaml,
ledgers.yaml.

The assessment method lives in these files, not in code. Loading is strict: an unknown or
duplicate key, a rule without a clause, a value of the wrong type, or a set of visit rates
that does not cover every (level, form, irregular) case exactly once is refused with a
ParamsError naming the file and the key.

This package gathers the public names of its modules; the rest of baiyi_lib imports from
here. Each module owns one concern (lowest first, none imports the package itself):

- ``paths``: project paths, the default store, the params folder a user names
- ``terms``: the mechanisms and conditions of the format (constants)
- ``text``: how free-written text is compared with listed spellings
- ``yamlio``: strict YAML reading with hashes, the checker, vocabularies
- ``strict``: the base of the declared models (pydantic) and their errors in Chinese
- ``schema``, ``schema_rules``: the declared shape of each file, one model per mapping
- ``duties``, ``campaign``: campaign.yaml
- ``units``, ``limits``, ``reading``: units.yaml, limits.yaml, ledgers.yaml
- ``interpretations``: the readings of ambiguous text and their overrides
- ``models``: Rule, Item, DeclaredColumn, Rules and the lookups on them
- ``sections``, ``checks``, ``loader``: rules.yaml read, checked across rules, assembled

Params may import only ``baiyi_lib._version``, ``errors`` and ``dates``
(tests/test_architecture.py), and of other libraries PyYAML and pydantic.
"""

from __future__ import annotations

from .campaign import (
    CYCLE_MONTHS,
    NO_RETURN,
    TARGET_MEASURES,
    Attention,
    Award,
    Campaign,
    Deadline,
    Document,
    Phase,
    Target,
    load_campaign,
)
from .checks import ENGINE_CHOICES
from .duties import DUTIES, VERIFY_WITHIN, Duty
from .interpretations import Interpretation, coerce_interpretation
from .limits import Limits, load_limits
from .loader import load_rules
from .models import (
    DeclaredColumn,
    Item,
    Rule,
    Rules,
    canonical_category,
    visit_rate_rules,
    when_words,
)
from .paths import (
    DEFAULT_STORE,
    INSTALLED,
    PROJECT_ROOT,
    SAMPLE,
    default_params_dir,
    rules_folder,
    shown_path,
)
from .reading import Reading, load_reading
from .terms import (
    CAP_CHOICES,
    DECLARABLE_LEDGERS,
    DERIVED_MECHANISMS,
    DOUBLING_CONDITIONS,
    FLAG_CONDITIONS,
    MAX_POINTS,
    MAX_WHEN_COLUMNS,
    MECHANISMS,
    PER_ALLOWED,
    PER_BASIS,
    RETURN_CONDITIONS,
)
from .text import fold
from .units import Unit, Units, load_units
from .yamlio import read_yaml

__all__ = [
    "CAP_CHOICES",
    "CYCLE_MONTHS",
    "DECLARABLE_LEDGERS",
    "DEFAULT_STORE",
    "DERIVED_MECHANISMS",
    "DOUBLING_CONDITIONS",
    "DUTIES",
    "ENGINE_CHOICES",
    "FLAG_CONDITIONS",
    "INSTALLED",
    "MAX_POINTS",
    "MAX_WHEN_COLUMNS",
    "MECHANISMS",
    "NO_RETURN",
    "PER_ALLOWED",
    "PER_BASIS",
    "PROJECT_ROOT",
    "RETURN_CONDITIONS",
    "SAMPLE",
    "TARGET_MEASURES",
    "VERIFY_WITHIN",
    "Attention",
    "Award",
    "Campaign",
    "Deadline",
    "DeclaredColumn",
    "Document",
    "Duty",
    "Interpretation",
    "Item",
    "Limits",
    "Phase",
    "Reading",
    "Rule",
    "Rules",
    "Target",
    "Unit",
    "Units",
    "canonical_category",
    "coerce_interpretation",
    "default_params_dir",
    "fold",
    "load_campaign",
    "load_limits",
    "load_reading",
    "load_rules",
    "load_units",
    "read_yaml",
    "rules_folder",
    "shown_path",
    "visit_rate_rules",
    "when_words",
]
