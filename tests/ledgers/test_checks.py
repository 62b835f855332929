"""The declared checks: every problem names its check, and every check can fire.

tests/ledgers/test_broken.py matches each broken fixture on its check id; here each
declared check is made to fire at least once, from the fixtures or from a few rows made
for it, so that a check nobody can trigger (or a problem nobody declared) fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from support import RULES, frames

from baiyi_lib import check_ledgers, load_rules
from baiyi_lib.ledgers.checks import CHECKS, Severity
from baiyi_lib.ledgers.schema import headers

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
# Python's csv reader accepts nearly any text; its rare errors keep their check.
UNREACHABLE = {"file.csv_syntax"}


def _checks(source, rules=RULES) -> set[str]:
    problems = check_ledgers(source, rules).problems
    found = problems["check"]
    assert found.isin(list(CHECKS)).all(), set(found) - set(CHECKS)
    # each problem has its check's severity, or is the one case it declares a remark
    for check, severity in problems[["check", "severity"]].drop_duplicates().itertuples(False):
        declared = CHECKS[check]
        assert severity == declared.severity.value or (
            declared.remark_when and severity == Severity.REMARK.value
        ), (check, severity)
    return set(found)


def _backlog(**row) -> dict:
    base = {"case_id": "J1", "unit": "农水站", "first_petition_on": "2010-01-01"}
    return {**base, **row}


def test_every_declared_check_fires_somewhere(tmp_path):
    seen: set[str] = set()
    for folder in ("broken", "personal", "formats"):
        for path in sorted((FIXTURES / folder).iterdir()):
            seen |= _checks(path)
    seen |= _checks(SAMPLE)
    roster = tmp_path / "fxb_局领导接访值班表.csv"  # a unit's name on the bureau's roster
    roster.write_text("日期,接访领导\n2019-03-01,局长\n", encoding="utf-8")
    seen |= _checks(roster)
    seen |= _checks(
        frames(
            screening=[
                {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-01",
                 "status": "办结中", "resolved_on": "三月"},
            ],
            backlog=[
                _backlog(case_id="J3", lead_post="王某某"),
                _backlog(status="已化解", resolved_on="2009-01-01", certified="是",
                         certified_on="2019-03-08"),
                _backlog(case_id="J2", status="已化解", resolved_on="2019-03-01",
                         certified="否", certified_on="2019-03-08"),
            ],
            incidents=[{"incident_id": "E1", "date": "2019-03-05", "unit": "农水站",
                         "level": "来县", "category": "大规模聚集上访", "visit_id": "V9"}],
            warnings=[
                {"warning_id": "YJ-1", "unit": "农水站", "level": "进京",
                 "pushed_at": "2019-03-05", "verified_at": "三月五日", "outcome": "不知道"},
                {"warning_id": "YJ-2", "unit": "农水站", "level": "进京",
                 "pushed_at": "2019-03-05 14:30", "verified_at": "2019-03-05 09:00"},
            ],
            visits=[{"visit_id": "V1", "date": "2019-03-05", "unit": "农水站", "level": "来县",
                     "case_id": "C" * 3000},
                    {"visit_id": "V2", "date": "2019-03-06", "unit": "农水站", "level": "去省",
                     "head_present": "也许"},
                    {"visit_id": "V3", "date": "2019-03-06", "unit": "农水站", "level": "去省",
                     "head_present": "是", "head_present_on": "2019-03-01"}],
        )
    )  # fmt: skip
    rows = tmp_path / "rows_走访.csv"
    rows.write_text(",".join(headers("visits")) + "\n" + "a\n" * 5, encoding="utf-8")
    for limit in ({"max_rows": 2}, {"max_columns": 5}):
        small = dataclasses.replace(RULES, limits=dataclasses.replace(RULES.limits, **limit))
        seen |= _checks(rows, small)
    other = tmp_path / "走访登记.txt"
    other.write_text("这不是台账", encoding="utf-8")
    seen |= _checks(other)
    (tmp_path / "zero").mkdir()
    zero = tmp_path / "zero" / "nsz_走访登记.csv"
    zero.write_text(",".join(headers("visits")) + "\n", encoding="utf-8")
    seen |= _checks(zero)
    # files as offices send them (fixtures/field, fixtures/seen, fixtures/realworld)
    for case in ("field/formula-no-cache", "seen/template_rows_走访.xlsx",
                 "realworld/error-cells/data", "realworld/long-digit-ids/data"):  # fmt: skip
        seen |= _checks(FIXTURES / case)
    (tmp_path / "prose").mkdir()
    (tmp_path / "prose" / "排查.csv").write_text(
        "案件编号,责任单位,排查日期,纠纷类别,化解状态\n王小明,农水站,2019-03-01,宅基地的事情,未化解\n"
        "C2,工管站,2019-03-01,工程款,未化解\n",
        encoding="utf-8",
    )
    seen |= _checks(tmp_path / "prose")
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "走访登记.pdf").write_bytes(b"%PDF-1.4")
    seen |= _checks(tmp_path / "pdf")
    # a date after the moment the file was received
    late = check_ledgers(SAMPLE, RULES, received=dt.datetime(2019, 4, 26, 17, 30))
    seen |= set(late.problems["check"])
    # a method that defines 集体 by head count: a 集体 row of 3 persons
    xiang = load_rules(Path(__file__).parents[1] / "packs" / "xiang_reward_penalty" / "params")
    seen |= _checks(
        frames(visits=[{"visit_id": "V1", "date": "2007-03-05", "unit": "三区", "level": "赴县",
                        "form": "集体", "persons": 3}]),
        xiang,
    )  # fmt: skip
    # a column the ledger does not have, and a roster day written twice
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "局领导接访值班表.csv").write_text(
        "日期,接访领导,备注\n2019-03-05,局长,已接待\n2019-03-05,局长,\n", encoding="utf-8"
    )
    seen |= _checks(tmp_path / "extra")
    # a unit's return that takes over another unit's case (checked against the store)
    seen |= _store_checks(tmp_path)
    assert set(CHECKS) - UNREACHABLE - seen == set()


def _store_checks(tmp_path: Path) -> set[str]:
    from baiyi_lib.store import ingest

    header = ",".join(headers("backlog"))
    found: set[str] = set()
    for hour, unit in enumerate(("农水站", "工管站")):
        f = tmp_path / unit / f"{unit}积案.csv"
        f.parent.mkdir()
        f.write_text(f"{header}\nJ1,{unit},2010-01-01,未化解,,否,\n", encoding="utf-8")
        for r in ingest([f], tmp_path / "s.duckdb", received=dt.datetime(2019, 3, 8, 17 + hour)):
            if r.problems is not None:
                found |= set(r.problems["check"])
    visits = ",".join(headers("visits"))
    for hour, n in ((19, 10), (20, 1)):  # a register, then a part of it sent as the whole
        f = tmp_path / f"走访{n}" / "走访登记.csv"
        f.parent.mkdir()
        rows = "".join(f"V{i},2019-03-05,农水站,来县,个体,1,,,,\n" for i in range(n))
        f.write_text(f"{visits}\n{rows}", encoding="utf-8")
        for r in ingest([f], tmp_path / "s.duckdb", received=dt.datetime(2019, 3, 8, hour)):
            if r.problems is not None:
                found |= set(r.problems["check"])
    # the register sent with no row (零报告): it would empty the store's
    f = tmp_path / "走访0" / "走访登记.csv"
    f.parent.mkdir()
    f.write_text(f"零报告:是\n{visits}\n", encoding="utf-8")
    for r in ingest([f], tmp_path / "s.duckdb", received=dt.datetime(2019, 3, 8, 21)):
        if r.problems is not None:
            found |= set(r.problems["check"])
    # a screening return naming no unit (file name, title rows), then one that would take
    # away most of the unit's rows
    screening = ",".join(headers("screening"))
    for hour, n in ((22, 7), (23, 1)):
        f = tmp_path / f"排查{n}" / "排查台账.csv"
        f.parent.mkdir()
        rows = "".join(f"S{n}-{i},农水站,2019-03-01,移民,未化解,\n" for i in range(n))
        f.write_text(f"{screening}\n{rows}", encoding="utf-8")
        for r in ingest([f], tmp_path / "s.duckdb", received=dt.datetime(2019, 3, 8, hour)):
            if r.problems is not None:
                found |= set(r.problems["check"])
    return found
