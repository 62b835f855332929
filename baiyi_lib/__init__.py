"""baiyi: scoring and weekly briefings for the water bureau's hundred-day petition campaign.

Public API::

    from baiyi_lib import load_ledgers, load_rules, score, LedgerError
    rules = load_rules(doubling="stack")          # interpretations by name
    ledgers = load_ledgers("data/sample")         # folder, workbook, CSV, or dict of frames
    result = score(ledgers, rules, as_of="2019-03-29")
    result.scores; result.points; print(result.explain("安监办"))
"""

from ._version import __version__
from .errors import (
    BaiyiError,
    LedgerError,
    ParamsError,
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreNotWritable,
    UnknownUnitError,
)
from .ledgers import Ledgers
from .params import Rules, load_rules
from .scoring import ScoreResult, score
from .sources import check_ledgers, load_ledgers

__all__ = [
    "BaiyiError",
    "LedgerError",
    "Ledgers",
    "ParamsError",
    "Rules",
    "ScoreResult",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreNotWritable",
    "UnknownUnitError",
    "__version__",
    "check_ledgers",
    "load_ledgers",
    "load_rules",
    "score",
]
