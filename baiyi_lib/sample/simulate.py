"""The synthetic campaign, simulated: visits, incidents, screening and backlog cases per unit,
the duties' registers (warnings, the leaders' roster), deterministic for a seed; and the
ledgers as they stood on a day (``as_sent_on``), to replay the campaign week by week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..dates import return_days
from ..params import Rules, load_rules

DEFAULT_SEED = 20190220
SYNTHETIC = "合成数据,仅供演示和测试,不涉及真实案件"
FIXED_ZIP_TIME = (2019, 6, 1, 0, 0, 0)
FIXED_CORE_TIME = "2019-06-01T00:00:00Z"

# Units that usually carry more disputes (by id): resettlement, rivers, reservoirs, works.
BUSY_UNITS = {
    "ymb": 5.0,
    "hdb": 3.0,
    "sqh": 3.0,
    "xdk": 2.5,
    "dsg": 2.5,
    "xdg": 2.0,
    "jgb": 2.5,
    "xyg": 2.5,
    "xsk": 2.0,
    "ysb": 1.5,
}
CATEGORIES = (
    "移民补偿",
    "工程款",
    "水事纠纷",
    "征地补偿",
    "劳资纠纷",
    "饮水安全",
    "河道采砂",
    "灌溉用水",
)
# Visits per day, system-wide, by level (进京, 去省, 到市, 来县).
LEVEL_RATES = {"进京": 0.012, "去省": 0.05, "到市": 0.22, "来县": 1.4}
COLLECTIVE_SHARE = {"进京": 0.3, "去省": 0.35, "到市": 0.15, "来县": 0.06}
IRREGULAR_SHARE = {"进京": 0.5, "去省": 0.3, "到市": 0.05, "来县": 0.02}


@dataclass
class SampleData:
    """The generated rows, before they are written (English keys, typed values)."""

    visits: list[dict] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    screening: dict[str, list[dict]] = field(default_factory=dict)  # unit id → rows
    backlog: dict[str, list[dict]] = field(default_factory=dict)  # unit id → rows
    warnings: list[dict] = field(default_factory=list)  # 预警信息 (实施方案 四(二))
    roster: list[dict] = field(default_factory=list)  # 局领导接访值班表 (实施方案 四(一))


def generate(rules: Rules | None = None, seed: int = DEFAULT_SEED) -> SampleData:
    """Simulate the whole campaign; deterministic for a seed."""
    rules = rules or load_rules()
    rng = np.random.default_rng(seed)
    camp = rules.campaign
    units = rules.units.units
    weights = np.array([BUSY_UNITS.get(u.id, 1.0 if u.kind == "局直单位" else 0.3) for u in units])
    weights = weights / weights.sum()
    data = SampleData()
    fridays = return_days(camp.start, camp.end, camp.weekly_return_weekday)

    # Dispute cases per unit: some known before the campaign, more found (or missed) later.
    cases: dict[str, list[dict]] = {u.id: [] for u in units}
    for ui, u in enumerate(units):
        n = int(rng.poisson(2 + 40 * weights[ui]))
        for k in range(n):
            known = rng.random() < 0.85  # screened at some Friday; the rest only after a visit
            arises = camp.start + dt.timedelta(days=int(rng.integers(-30, 95)))
            cases[u.id].append(
                {
                    "case_id": f"{u.id.upper()}-2019-{k + 1:03d}",
                    "category": CATEGORIES[int(rng.integers(len(CATEGORIES)))],
                    "arises": arises,
                    "screened_first": None,
                    "known": known,
                    "resolves": arises + dt.timedelta(days=int(rng.integers(10, 120)))
                    if rng.random() < 0.6
                    else None,
                }
            )

    # Visits, day by day.
    day = camp.start - dt.timedelta(days=6)  # a few register rows predate the campaign
    seq = 0
    while day <= camp.end + dt.timedelta(days=3):
        for level, rate in LEVEL_RATES.items():
            for _ in range(int(rng.poisson(rate))):
                seq += 1
                ui = int(rng.choice(len(units), p=weights))
                u = units[ui]
                collective = rng.random() < COLLECTIVE_SHARE[level]
                persons = int(rng.integers(5, 11)) if collective else int(rng.integers(1, 3))
                pool = [c for c in cases[u.id] if c["arises"] <= day]
                r = rng.random()
                if pool and r < 0.93:
                    case = pool[int(rng.integers(len(pool)))]
                    case_id = case["case_id"]
                else:
                    case_id = None if r > 0.97 or not cases[u.id] else cases[u.id][0]["case_id"]
                data.visits.append(
                    {
                        "visit_id": f"ZF{day:%Y%m}{seq:04d}",
                        "date": day,
                        "unit": u,
                        "level": level,
                        "form": "集体" if collective else "个体",
                        "persons": persons,
                        "irregular": bool(rng.random() < IRREGULAR_SHARE[level]),
                        "case_id": case_id,
                        "dissatisfied": bool(rng.random() < 0.1),
                        "internal_staff": bool(u.kind == "机关科室" and rng.random() < 0.3),
                    }
                )
        day += dt.timedelta(days=1)

    # Incidents: rare, tied to city or province visits.
    above = [
        v for v in data.visits if v["level"] in ("到市", "去省", "进京") and v["date"] >= camp.start
    ]
    cats = {r.level: r.categories for r in rules.by_mechanism("incident")}
    for k, i in enumerate(sorted(rng.choice(len(above), size=min(3, len(above)), replace=False))):
        v = above[int(i)]
        data.incidents.append(
            {
                "incident_id": f"SJ2019{k + 1:03d}",
                "date": v["date"],
                "unit": v["unit"],
                "level": v["level"],
                "category": cats[v["level"]][int(rng.integers(len(cats[v["level"]])))],
                "visit_id": v["visit_id"],
            }
        )

    # Screening: every Friday each unit returns its rolling ledger (some late, some missing).
    for u in units:
        rows: list[dict] = []
        for friday in fridays:
            r = rng.random()
            if r < 0.06:
                continue  # no return this week
            sent = friday + dt.timedelta(days=int(rng.integers(1, 4))) if r < 0.14 else friday
            for c in cases[u.id]:
                visible = c["known"] and c["arises"] <= friday
                if not visible:
                    visited = any(
                        v["case_id"] == c["case_id"] and v["date"] <= friday for v in data.visits
                    )
                    visible = visited  # found by the back-check after a visit
                if not visible:
                    continue
                done = c["resolves"] is not None and c["resolves"] <= friday
                rows.append(
                    {
                        "case_id": c["case_id"],
                        "unit": u,
                        "screened_on": sent,
                        "category": c["category"],
                        "status": "已化解" if done else "未化解",
                        "resolved_on": c["resolves"] if done else None,
                    }
                )
        data.screening[u.id] = rows

    # Backlog: old cases aged 1 to 15 years; most resolved, most resolutions certified.
    for ui, u in enumerate(units):
        rows = []
        for k in range(int(rng.poisson(0.5 + 25 * weights[ui]))):
            age_days = int(rng.integers(365, 15 * 365))
            first = camp.start - dt.timedelta(days=age_days)
            resolved_on = certified_on = None
            if rng.random() < 0.75:
                resolved_on = camp.start + dt.timedelta(days=int(rng.integers(3, 95)))
                if rng.random() < 0.85:
                    certified_on = resolved_on + dt.timedelta(days=int(rng.integers(2, 12)))
                    if certified_on > camp.end:
                        certified_on = None
            rows.append(
                {
                    "case_id": f"JA-{u.id.upper()}-{k + 1:02d}",
                    "unit": u,
                    "first_petition_on": first,
                    "status": "已化解" if resolved_on else "未化解",
                    "resolved_on": resolved_on,
                    "certified": certified_on is not None,
                    "certified_on": certified_on,
                }
            )
        data.backlog[u.id] = rows
    # One case exactly ten years old at resolution (含十年), for the edge in the briefing.
    busiest = units[int(np.argmax(weights))].id
    if data.backlog[busiest]:
        case = data.backlog[busiest][0]
        case.update(
            first_petition_on=dt.date(2009, 4, 12),
            status="已化解",
            resolved_on=dt.date(2019, 4, 12),
            certified=True,
            certified_on=dt.date(2019, 4, 19),
        )
    _duties(data, rules, seed)
    return data


def _duties(data: SampleData, rules: Rules, seed: int) -> None:
    """The plan's duties as units record them (实施方案 四(三)), drawn from a stream of their
    own (the rest of the sample is unchanged by them): most 去省/进京 visits had the head of
    the unit on the scene, some not, some not recorded; most backlog cases have a leader's
    post and their three meetings, some certified cases lack one, some open ones a leader."""
    rng = np.random.default_rng(seed + 18)
    duty = rules.campaign.duties.get("head_on_scene")
    levels = set(duty.levels) if duty else set()
    upper = [v for v in data.visits if v["level"] in levels]
    for i, v in enumerate(upper):  # a realistic mix even among few such visits
        there = i % 3 != 1 and i % 5 != 4
        v["head_present"] = True if there else (False if i % 3 == 1 else None)
        v["head_present_on"] = (
            v["date"] + dt.timedelta(days=int(rng.random() < 0.3)) if there else None
        )
    for v in data.visits:
        v.setdefault("head_present", None)
        v.setdefault("head_present_on", None)
    posts = list(rules.reading.posts) or [None]
    for rows in data.backlog.values():
        for b in rows:
            led = rng.random() < (0.6 if b["status"] == "未化解" else 0.9)
            b["lead_post"] = posts[int(rng.integers(len(posts)))] if led else None
            meetings = {}
            end = b["certified_on"] or b["resolved_on"]
            for k, name in enumerate(("consulted_on", "reviewed_on", "heard_on")):
                held = end is not None and rng.random() < 0.9
                meetings[name] = end - dt.timedelta(days=3 - k) if held else None
            b.update(meetings)
    # 预警信息: warnings pushed down about once a week, most verified the same day and the
    # important ones fed back within 2 hours; a few late, one or two still open at the end
    camp, units = rules.campaign, rules.units.units
    day, k = camp.start + dt.timedelta(days=2), 0
    while day <= camp.end:
        k += 1
        pushed = dt.datetime.combine(
            day, dt.time(int(rng.integers(8, 21)), 5 * int(rng.integers(12)))
        )
        important = rng.random() < 0.4
        r = rng.random()
        verified = (
            pushed + dt.timedelta(hours=float(rng.uniform(0.5, 6)))
            if r < 0.8
            else (pushed + dt.timedelta(hours=float(rng.uniform(20, 40))) if r < 0.93 else None)
        )
        if k % 7 == 5:  # a warning still open (no verification written)
            verified = None
        fed = None
        if important and verified is not None:
            fed = pushed + dt.timedelta(minutes=int(rng.integers(30, 110 if r < 0.7 else 300)))
        data.warnings.append(
            {
                "warning_id": f"YJ-2019-{k:03d}",
                "unit": units[int(rng.integers(len(units)))],
                "level": ("进京", "去省", "到市")[int(rng.integers(3))],
                "important": important,
                "pushed_at": pushed,
                "verified_at": verified,
                "fed_back_at": fed,
                "outcome": ("已稳控在当地", "已劝返", "仍在跟进", "核实无此事")[
                    int(rng.integers(4))
                ]
                if verified is not None
                else None,
            }
        )
        day += dt.timedelta(days=int(rng.integers(4, 10)))
    _reception(data, rules, seed)


def _reception(data: SampleData, rules: Rules, seed: int) -> None:
    """实施方案 四(一), from a stream of its own: the bureau's leaders take turns receiving
    visitors at the bureau, one a day, written by post; a few days have no entry (mostly
    weekends), and on one the entry is a post that is not a leader of the bureau. About a
    third of the 来县 visits came to the bureau itself (来局走访)."""
    duty = rules.campaign.duties.get("daily_reception")
    if duty is None:
        return
    rng = np.random.default_rng(seed + 19)
    camp, others = rules.campaign, [p for p in rules.reading.posts if p not in duty.posts]
    day, k = camp.start, 0
    while day <= camp.end:
        weekend = day.weekday() >= 5
        if rng.random() >= (0.12 if weekend else 0.02):  # a few days with no one written
            post = duty.posts[k % len(duty.posts)]
            if k == 23 and others:  # once, a unit's head stood in for the bureau's leader
                post = others[-1]
            data.roster.append({"date": day, "lead_post": post})
            k += 1
        day += dt.timedelta(days=1)
    for v in data.visits:
        bureau = v["level"] == rules.levels[-1] and rng.random() < 0.35
        v["at_bureau"] = True if bureau else (False if v["level"] == rules.levels[-1] else None)
    _received_by(data, rules, seed, duty.posts)


def _received_by(data: SampleData, rules: Rules, seed: int, leaders: tuple[str, ...]) -> None:
    """接待领导, from a stream of its own (the other values stay as they were): a visit that
    came to the bureau was mostly received by the leader on the roster that day (by post),
    on a day with none by another leader; about one in eight is not written. Visits
    elsewhere leave it blank."""
    rng = np.random.default_rng(seed + 23)
    on_duty = {r["date"]: r["lead_post"] for r in data.roster}
    for v in data.visits:
        post = None
        if v.get("at_bureau"):
            draw, pick = rng.random(), int(rng.integers(len(leaders)))
            if draw >= 0.125:
                post = on_duty.get(v["date"]) or leaders[pick]
        v["received_by"] = post


def as_sent_on(data: SampleData, day: dt.date) -> SampleData:
    """The ledgers as they would have been sent on ``day``: registers and rolling screening
    rows up to that day; backlog cases as they then stood (a resolution or certification
    still to come is not yet written). For replaying the campaign week by week."""
    return SampleData(
        visits=[_visit_on(v, day) for v in data.visits if v["date"] <= day],
        incidents=[i for i in data.incidents if i["date"] <= day],
        screening={
            u: [s for s in rows if s["screened_on"] <= day] for u, rows in data.screening.items()
        },
        backlog={u: [_backlog_on(b, day) for b in rows] for u, rows in data.backlog.items()},
        warnings=[_warning_on(x, day) for x in data.warnings if x["pushed_at"].date() <= day],
        roster=[r for r in data.roster if r["date"] <= day],
    )


def _warning_on(warning: dict, day: dt.date) -> dict:
    """A warning as the register stood on ``day``: a later verification or feedback not
    yet written."""
    later = {
        k: None for k in ("verified_at", "fed_back_at") if warning[k] and warning[k].date() > day
    }
    return {**warning, **later, "outcome": None} if "verified_at" in later else {**warning, **later}


def _visit_on(visit: dict, day: dt.date) -> dict:
    """A visit as the register stood on ``day``: the head's arrival not yet written if later."""
    on = visit.get("head_present_on")
    if on is not None and on > day:
        return {**visit, "head_present": None, "head_present_on": None}
    return visit


def _backlog_on(case: dict, day: dt.date) -> dict:
    meetings = ("consulted_on", "reviewed_on", "heard_on")
    case = {**case, **{m: None for m in meetings if case.get(m) is not None and case[m] > day}}
    if case["resolved_on"] is not None and case["resolved_on"] > day:
        return {**case, "status": "未化解", "resolved_on": None, "certified": False,
                "certified_on": None}  # fmt: skip
    if case["certified_on"] is not None and case["certified_on"] > day:
        return {**case, "certified": False, "certified_on": None}
    return case
