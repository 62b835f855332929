"""接待领导 (the visits' received_by, schema version 7) in the store and for ledgers that
do not have it: a round trip through the store; a version 6 store opens, is migrated, and
its rows keep their content hashes (a ledger sent again unchanged changes nothing); old
ledgers without the column load and score exactly as before."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import END, SAMPLE

from baiyi_lib import load_ledgers, score, views
from baiyi_lib.store import ingest
from baiyi_lib.store.connection import SCHEMA_VERSION

AS_OF = "2019-05-31"
HEADER = "编号,日期,责任单位,走访层级,走访形式,人次,来局走访,接待领导\n"


def _visits(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "走访登记.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return folder


def _counts(reports) -> tuple[int, int, int]:
    c = next(r for r in reports if r.status == "stored").counts.iloc[0]
    return int(c["new"]), int(c["changed"]), int(c["unchanged"])


def test_the_post_goes_through_the_store_and_a_change_is_a_new_version(tmp_path):
    store = tmp_path / "baiyi.duckdb"
    first = dt.datetime(2019, 3, 8, 17, 30)
    rows = ["V1,2019-03-05,农水站,来县,个体,1,是,局长",
            "V2,2019-03-06,农水站,来县,个体,2,是,分管领导",
            "V3,2019-03-07,河道办,来县,个体,1,否,"]  # fmt: skip
    assert _counts(ingest([_visits(tmp_path / "w1", rows)], store, received=first)) == (3, 0, 0)
    stored = load_ledgers(store).visits.set_index("visit_id")["received_by"]
    assert stored["V1"] == "局长" and stored["V2"] == "分管副局长" and pd.isna(stored["V3"])

    rows[1] = rows[1].replace("分管领导", "副局长")
    later = first + dt.timedelta(days=7)
    assert _counts(ingest([_visits(tmp_path / "w2", rows)], store, received=later)) == (0, 1, 2)
    now = load_ledgers(store).visits.set_index("visit_id")["received_by"]
    then = load_ledgers(store, known_at=first).visits.set_index("visit_id")["received_by"]
    assert now["V2"] == "副局长" and then["V2"] == "分管副局长"


# ------------------------------------------------------------------ ledgers from before


def _without_the_column(sample: Path, target: Path) -> Path:
    """The sample as it was before 接待领导: its visits register without that column (the
    other files, and every other value, are the sample's as they stand)."""
    shutil.copytree(sample, target)
    path = target / "走访登记.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))
    at = rows[1].index("接待领导")
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows([r[:at] + r[at + 1 :] if len(r) > at else r for r in rows])
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return target


@pytest.fixture(scope="module")
def old_sample(tmp_path_factory) -> Path:
    return _without_the_column(SAMPLE, tmp_path_factory.mktemp("old") / "sample")


def test_old_ledgers_without_the_column_load_and_score_exactly_as_before(old_sample):
    old, new = load_ledgers(old_sample), load_ledgers(SAMPLE)
    assert old.visits["received_by"].isna().all() and new.visits["received_by"].notna().any()
    assert old.visits.drop(columns="received_by").equals(new.visits.drop(columns="received_by"))
    before, after = score(old, as_of=AS_OF), score(new, as_of=AS_OF)
    assert before.scores.equals(after.scores)
    assert before.points.equals(after.points)
    assert before.explain("农水站") == after.explain("农水站")
    # the page's list of visits to the bureau: no 接待领导 column when none is written
    _, visits, _, _ = views.reception_days(old, before)
    _, posted, _, _ = views.reception_days(new, after)
    assert list(visits.columns) == ["date", "visit_id", "unit", "level", "persons"]
    assert list(posted.columns) == [*visits.columns, "received_by"]
    assert posted.drop(columns="received_by").equals(visits)


def _hash_before_v7(rows: pd.DataFrame) -> np.ndarray:
    """The content hash of a visit as versions 4 to 6 computed it (independently of
    baiyi_lib.store.rows): the columns added later count only where one is filled."""
    later = ["head_present", "head_present_on", "at_bureau", "declared"]
    first = ["visit_id", "date", "unit", "level", "form", "persons", "irregular", "case_id",
             "dissatisfied", "internal_staff"]  # fmt: skip
    text = rows[first].astype(str)
    base = pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)
    filled = rows[later].notna().any(axis=1).to_numpy()
    both = text.assign(**{c: rows[c].astype(str) for c in later})
    full = pd.util.hash_pandas_object(both, index=False).to_numpy().view(np.int64)
    return np.where(filled, full, base)


def _as_version_6(store: Path) -> None:
    """The store as version 6 wrote it: no received_by column, version 6 recorded."""
    con = duckdb.connect(str(store))
    con.execute("ALTER TABLE rows_visits DROP COLUMN received_by")
    con.execute("UPDATE store_meta SET value = '6' WHERE key = 'schema_version'")
    con.close()


def _visit_versions(store: Path) -> pd.DataFrame:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT * FROM rows_visits ORDER BY submission_id, row_key").df()
    finally:
        con.close()


def test_a_version_6_store_is_migrated_and_its_rows_keep_their_hashes(old_sample, tmp_path):
    store = tmp_path / "baiyi.duckdb"
    ingest([old_sample], store, received=END)
    _as_version_6(store)
    before = _visit_versions(store)
    assert before["head_present"].notna().any() and before["at_bureau"].notna().any()
    assert (before["content"].to_numpy() == _hash_before_v7(before)).all()

    old_scores = score(load_ledgers(store), as_of=AS_OF).scores  # opening migrates it
    after = _visit_versions(store)
    con = duckdb.connect(str(store), read_only=True)
    version = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
    con.close()
    assert version == (str(SCHEMA_VERSION),) and after["received_by"].isna().all()
    assert after.drop(columns="received_by").equals(before)
    assert old_scores.equals(score(load_ledgers(old_sample), as_of=AS_OF).scores)

    # the same register sent again (saved as UTF-8: another file, the same rows) is
    # unchanged row by row; the register with 接待领导 changes only the rows that fill it
    again = tmp_path / "again"
    again.mkdir()
    text = (old_sample / "走访登记.csv").read_bytes().decode("gb18030")
    (again / "走访登记.csv").write_text(text, encoding="utf-8")
    later = END + dt.timedelta(days=1)
    assert _counts(ingest([again], store, received=later)) == (0, 0, len(before))
    filled = int(load_ledgers(SAMPLE).visits["received_by"].notna().sum())
    newer = tmp_path / "newer"
    newer.mkdir()
    shutil.copy(SAMPLE / "走访登记.csv", newer)
    reports = ingest([newer], store, received=later + dt.timedelta(days=1))
    assert _counts(reports) == (0, filled, len(before) - filled)
