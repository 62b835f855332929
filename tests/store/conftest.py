"""Helpers for the store tests: returns as units send them, a store of the whole sample,
and the store read with plain SQL (never through baiyi_lib.store), so that what a test
checks is what the file holds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from baiyi_lib.ledgers.schema import headers

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
VISITS = SAMPLE / "走访登记.csv"
UNITS = SAMPLE / "units"
# after every row of the sample (its visits run to 2019-06-03, outside the campaign)
END = dt.datetime(2019, 6, 3, 18, 0)
KINDS = ("visits", "incidents", "screening", "backlog")


def unit_book(
    path: Path,
    written: str | None,
    screening: list[tuple] | None,
    backlog: list[tuple] | None = None,
) -> Path:
    """A unit's weekly workbook as the template has it: a title, 填报单位 (as written; None
    leaves the row out) and the 零报告 mark, the header, the rows. An empty list is a zero
    return; None leaves the sheet out."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, kind, rows in (
        ("矛盾纠纷排查化解登记表", "screening", screening),
        ("信访积案", "backlog", backlog),
    ):
        if rows is None:
            continue
        ws = wb.create_sheet(title)
        ws.append([f"莒南县水利系统{title}"])
        ws.append(
            (["填报单位", written] if written is not None else ["", ""])
            + ["零报告", "否" if rows else "是"]
        )
        ws.append(headers(kind))
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


def live(store: Path, kind: str, known_at: dt.datetime | None = None) -> pd.DataFrame:
    """The live rows of one ledger, worked out in Python from the raw tables (not with the
    store's own query): replay, in the order received, every submission in force at
    ``known_at`` (received by then, not withdrawn by then); each takes away the rows of
    what it replaces (its scope: a unit, or the whole ledger) and then puts its own rows
    (the latest version of a row wins; a deletion version, from stores older than scopes,
    takes the row away)."""
    return replay(raw_tables(store, (kind,)), kind, known_at)


def raw_tables(store: Path, kinds: tuple[str, ...]) -> dict:
    """What ``replay`` works from, read with plain SQL in one connection: the submissions,
    and each kind's rows (grouped by submission, in the table's order, and the table's
    columns) and submission scopes. Read once, replayed at as many moments as a test asks
    about."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        subs = con.execute(
            "SELECT id, batch, received, action, withdraws FROM submissions ORDER BY id"
        ).df()
        out: dict = {"submissions": subs.to_dict("records")}
        for kind in kinds:
            rows = con.execute(f"SELECT * FROM rows_{kind}").df()
            scopes = con.execute(
                "SELECT submission_id, unit FROM submission_scope WHERE kind = ?", [kind]
            ).df()
            by_submission: dict[int, list[dict]] = {}
            for r in rows.to_dict("records"):
                by_submission.setdefault(r["submission_id"], []).append(r)
            out[kind] = (list(rows.columns), by_submission, scopes.to_dict("records"))
    finally:
        con.close()
    return out


def replay(raw: dict, kind: str, known_at: dt.datetime | None) -> pd.DataFrame:
    """The live rows of one ledger at ``known_at`` from ``raw_tables`` (see ``live``)."""
    cut = known_at or dt.datetime(9999, 1, 1)
    columns, by_submission, scopes = raw[kind]
    subs = raw["submissions"]
    withdrawn = {
        int(w["withdraws"]) for w in subs if w["action"] == "withdraw" and w["received"] <= cut
    }
    in_force = [
        s
        for s in subs
        if s["action"] == "ingest"
        and s["received"] <= cut
        and s["id"] not in withdrawn
        and not pd.isna(s["batch"])
    ]
    # the batches in the order received; a batch's submissions by id
    batches: dict[tuple, list[int]] = {}
    for s in sorted(in_force, key=lambda s: (s["received"], s["batch"], s["id"])):
        batches.setdefault((s["received"], s["batch"]), []).append(s["id"])
    state: dict[str, dict] = {}
    for ids in batches.values():
        mine = [sc["unit"] for sc in scopes if sc["submission_id"] in ids]
        if mine:
            whole = any(pd.isna(u) for u in mine)
            units = {u for u in mine if not pd.isna(u)}
            state = {k: v for k, v in state.items() if not (whole or v["unit"] in units)}
        for sid in ids:
            for r in by_submission.get(sid, []):
                if r["deleted"]:
                    state.pop(r["row_key"], None)
                else:
                    state[r["row_key"]] = r
    out = pd.DataFrame(list(state.values()), columns=columns)
    return out.sort_values("row_key", ignore_index=True)


def live_by_unit(store: Path, kind: str, known_at: dt.datetime | None = None) -> dict:
    """unit → the sorted row keys of its live rows of one ledger."""
    rows = live(store, kind, known_at)
    return {u: sorted(g["row_key"]) for u, g in rows.groupby("unit")}


def table_counts(store: Path) -> dict[str, int]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="session")
def sample_store_file(tmp_path_factory) -> Path:
    """The whole sample ingested once, received after its last row."""
    from baiyi_lib.store import ingest

    path = tmp_path_factory.mktemp("sample_store") / "baiyi.duckdb"
    ingest([SAMPLE], path, received=END)
    return path


@pytest.fixture
def sample_store(sample_store_file, tmp_path) -> Path:
    """A copy of the sample store for one test to change."""
    target = tmp_path / "store" / "baiyi.duckdb"
    target.parent.mkdir()
    shutil.copy(sample_store_file, target)
    return target


def screening_rows_of(unit_file: Path) -> list[tuple]:
    """The screening rows of one of the sample's unit workbooks, as written."""
    ws = openpyxl.load_workbook(unit_file)["矛盾纠纷排查化解登记表"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "案件编号")
    return [r for r in rows[header + 1 :] if any(v is not None for v in r)]
