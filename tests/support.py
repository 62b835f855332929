"""Test helpers: small ledgers from plain rows, with the contract's defaults filled in."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from baiyi_lib import load_ledgers, load_rules
from baiyi_lib.ledgers import Ledgers
from baiyi_lib.ledgers.schema import SCHEMAS

DEFAULTS = {
    "visits": {"form": "个体", "persons": 1},
    "screening": {"status": "未化解"},
    "backlog": {"status": "未化解"},
}


def frames(**tables: list[dict]) -> dict[str, pd.DataFrame]:
    """A dict of DataFrames for load_ledgers: every kind present, every column present."""
    out = {}
    for kind, cols in SCHEMAS.items():
        rows = [{**DEFAULTS.get(kind, {}), **r} for r in tables.get(kind, [])]
        names = [c.name for c in cols]
        df = pd.DataFrame(rows, columns=names)
        for c in cols:
            if c.type in ("date", "opt_date"):
                df[c.name] = df[c.name].map(
                    lambda v: v.isoformat() if isinstance(v, dt.date) else v
                )
        out[kind] = df.astype(object)
    return out


RULES = load_rules()


def ledgers(**tables: list[dict]) -> Ledgers:
    """Validated ledgers from plain rows (units and categories checked against params/)."""
    return load_ledgers(frames(**tables), RULES)


def visit(
    visit_id: str, date: str, unit: str, level: str, form: str = "个体", persons: int = 1, **kw
) -> dict:
    return {
        "visit_id": visit_id,
        "date": date,
        "unit": unit,
        "level": level,
        "form": form,
        "persons": persons,
        **kw,
    }


# Debian's Chromium as the tests drive it: offline, no sandbox (root), a fresh profile
# (playwright gives each launch its own).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright, executable: str):
    """A headless Chromium from Debian's package (no browser download), for page tests."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
