"""How text leaves baiyi for people: safe in a spreadsheet, whatever a ledger held."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=cmd|' /C calc'!A0, +1, @SUM…)
    gets a leading apostrophe, in exports and in CSV output alike; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
