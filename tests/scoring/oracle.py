"""A second, deliberately naive reading of the visit rules (附件2 一, 二), visit by visit.

It shares nothing with the engine but the params files, read here as plain YAML: no
vectorising, no rate table, no points rows. The property tests compare its per-unit
totals with ``score()``; where the two disagree, one of them misreads the clause.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

PARAMS = Path(__file__).resolve().parents[2] / "params"


def _yaml(name: str) -> dict:
    return yaml.safe_load((PARAMS / name).read_text(encoding="utf-8"))


RULES = _yaml("rules.yaml")
CAMPAIGN = _yaml("campaign.yaml")
UNITS = _yaml("units.yaml")["units"]
NAME = {s: u["name"] for u in UNITS for s in (u["name"], u["id"], *u["aliases"])}
KIND = {u["name"]: u["kind"] for u in UNITS}
YES = {"是", "Y", "1", "TRUE"}


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(str(text))


def _rate(level: str, form: str, irregular: bool, interp: dict) -> int:
    """The one visit_rate rule of a level, form and irregularity, as the text gives it."""
    for rule in RULES["rules"].values():
        if (
            rule["mechanism"] == "visit_rate"
            and rule["level"] == level
            and rule["form"] in (form, "any")
            and (rule["irregular"] == "any" or rule["irregular"] == irregular)
        ):
            if "points_from" in rule:
                return int(interp[rule["points_from"]])
            return int(rule["points"])
    raise AssertionError(f"no rate for {level}/{form}/{irregular}")


def visit_totals(visits: list[dict], screening: list[dict], interp: dict, as_of) -> dict:
    """Each unit's total points from its visits (deductions are negative)."""
    defaults = {k: v["value"] for k, v in RULES["interpretations"].items()}
    interp = {**defaults, **interp}
    start, end = _day(CAMPAIGN["period"]["start"]), _day(CAMPAIGN["period"]["end"])
    last = min(end, _day(as_of)) if as_of else end
    counted = []
    for v in visits:
        unit = NAME[v["unit"]]
        if not start <= _day(v["date"]) <= last:
            continue
        own = str(v.get("internal_staff", "")) in YES or str(v.get("dissatisfied", "")) in YES
        if interp["office_visits"] == "internal_or_repeat" and KIND[unit] == "机关科室" and not own:
            continue
        counted.append({**v, "unit": unit})
    # 一、首段: per level, the earliest counted visit (then the smallest id) is the first case
    first_rate = {
        r["level"]: r["points"] for r in RULES["rules"].values() if r["mechanism"] == "first_case"
    }
    firsts = {}
    for level in first_rate:
        mine = [v for v in counted if v["level"] == level]
        if mine:
            firsts[level] = min(mine, key=lambda v: (_day(v["date"]), v["visit_id"]))["visit_id"]
    screened: dict[tuple, dt.date] = {}
    for s in screening:
        key = (NAME[s["unit"]], s["case_id"])
        screened[key] = min(screened.get(key, dt.date.max), _day(s["screened_on"]))
    totals: dict[str, int] = {}
    for v in counted:
        persons = int(v.get("persons", 1))
        irregular = str(v.get("irregular", "")) in YES
        standard = _rate(v["level"], v.get("form", "个体"), irregular, interp) * persons
        charges = [standard]
        if firsts.get(v["level"]) == v["visit_id"]:
            first = first_rate[v["level"]] * persons
            charges = [first] if interp["first_case"] == "replaces" else [standard, first]
        # 二: not found by the screening before the visit; dissatisfied with first handling
        case = v.get("case_id")
        if case:
            found = screened.get((v["unit"], case), dt.date.max) <= _day(v["date"])
            not_screened = not found
        else:
            not_screened = interp["missing_case_id"] == "unscreened"
        conditions = int(not_screened) + int(str(v.get("dissatisfied", "")) in YES)
        # once: doubled once whatever the number of conditions; stack: ×2 per condition
        factor = 2**conditions if interp["doubling"] == "stack" else 2 ** min(conditions, 1)
        totals[v["unit"]] = totals.get(v["unit"], 0) + sum(charges) * factor
    return totals


def _fits(rule: dict, visit: dict, irregular: bool) -> bool:
    """Whether a visit meets a rule's level(s), form, irregularity and head count."""
    levels = [rule["level"]] if "level" in rule else rule["levels"]
    persons = int(visit["persons"])
    return (
        visit["level"] in levels
        and rule["form"] in (visit["form"], "any")
        and (rule["irregular"] == "any" or rule["irregular"] == irregular)
        and rule.get("min_persons", 1) <= persons
        and (rule.get("max_persons") is None or persons <= rule["max_persons"])
        and all(
            (str(visit.get(k, "")) in YES) == want for k, want in (rule.get("when") or {}).items()
        )
    )


def pack_totals(
    params: Path, visits: list[dict], readings: dict, as_of: dt.date | None = None
) -> dict:
    """Each unit's visit points under another method's params (tests/packs), naively:
    visit by visit in date order, its one rate rule (by head count too) charged per person
    (人次) or once per row (批次 and the like), doubled when it repeats a case the unit
    already brought (a doubling rule with condition repeat, within its item); each extra
    charge it meets; each item's deductions stop at its points when capped (by the item
    or by the reading it names), then the total at the floor. Under a monthly assessment
    (campaign.yaml assessment.cycle 月) only the visits of as-of's month, up to as-of."""
    raw = yaml.safe_load((params / "rules.yaml").read_text(encoding="utf-8"))
    camp = yaml.safe_load((params / "campaign.yaml").read_text(encoding="utf-8"))
    base = int(camp["base_score"]["value"])
    as_of = as_of or camp["period"]["end"]
    first = camp["period"]["start"]
    if (camp.get("assessment") or {}).get("cycle") == "月":
        first = max(first, as_of.replace(day=1))
    visits = [v for v in visits if first <= _day(v["date"]) <= as_of]
    values = {k: v["value"] for k, v in (raw.get("interpretations") or {}).items()}
    values.update(readings)
    items = raw.get("items") or {}
    rules = raw["rules"].values()
    repeat = [r for r in rules if r["mechanism"] == "doubling" and r["condition"] == "repeat"]
    taken: dict[tuple[str, str | None], int] = {}
    seen: set[tuple[str | None, str, str]] = set()
    for v in sorted(visits, key=lambda v: (v["date"], v["visit_id"])):
        irregular = str(v.get("irregular", "")) in YES
        [rule] = [r for r in rules if r["mechanism"] == "visit_rate" and _fits(r, v, irregular)]
        count = int(v["persons"]) if rule["per"] == "人次" else 1
        points = rule["points"] * count
        case = v.get("case_id")
        for d in repeat:  # a repeat within the doubling rule's item (or any visit)
            if d.get("item") not in (None, rule.get("item")) or case is None:
                continue
            key = (d.get("item"), v["unit"], case)
            if key in seen:
                points *= d["factor"]
            seen.add(key)
        key = (v["unit"], rule.get("item"))
        taken[key] = taken.get(key, 0) - points
        for extra in rules:
            if extra["mechanism"] == "visit_charge" and _fits(extra, v, irregular):
                n = int(v["persons"]) if extra["per"] == "人次" else 1
                key = (v["unit"], extra.get("item"))
                taken[key] = taken.get(key, 0) - extra["points"] * n
    totals: dict[str, int] = {}
    for (unit, item), amount in taken.items():
        spec = items.get(item) if item else None
        if spec is not None:
            capped = (
                values[spec["capped_from"]] == "capped"
                if "capped_from" in spec
                else spec.get("capped", True)
            )
            if capped:
                amount = min(amount, int(spec["points"]))
        totals[unit] = totals.get(unit, 0) + amount
    floor = raw.get("floor")
    if floor is not None:
        totals = {u: min(t, base - int(floor["points"])) for u, t in totals.items()}
    return {u: -t for u, t in totals.items()}
