"""Ledgers leave the loader in one order whatever the files' names and the rows' order
(shape.CANONICAL_ORDER): case ids in text order, not in the order the files first
mention them — a unit's backlog table in its briefing does not change when a file is
renamed or its rows are moved."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baiyi_lib import load_ledgers

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
KINDS = ("visits", "incidents", "screening", "screening_rows", "backlog", "warnings", "roster")


def _content(led) -> dict[str, pd.DataFrame]:
    out = {}
    for kind in KINDS:
        df = getattr(led, kind)
        df = df.drop(columns=[c for c in ("src_file", "src_sheet", "src_row") if c in df])
        out[kind] = df.astype({c: object for c in df.columns if c == "case_id"})
    return out


@pytest.fixture(scope="module")
def sample():
    return _content(load_ledgers(SAMPLE))


def _renamed(tmp_path: Path) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    for path in sorted((folder / "units").glob("*.xlsx"))[::3]:  # first in file order now
        path.rename(path.with_name("0_" + path.name))
    return folder


def test_renamed_files_give_the_same_ledgers_in_the_same_order(sample, tmp_path):
    again = _content(load_ledgers(_renamed(tmp_path)))
    for kind in KINDS:
        pd.testing.assert_frame_equal(again[kind], sample[kind], obj=kind)


def test_case_ids_come_out_in_text_order(sample):
    backlog = sample["backlog"]["case_id"].tolist()
    assert backlog == sorted(backlog)
    screening = sample["screening"]
    for _, ids in screening.groupby("unit", observed=True)["case_id"]:
        assert ids.tolist() == sorted(ids)


def test_shuffled_rows_give_the_same_ledgers(sample, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    visits = folder / "走访登记.csv"
    lines = visits.read_text(encoding="gb18030").splitlines()  # as offices save it
    head, rows = lines[:2], lines[2:]  # a title row, then the header
    order = np.random.default_rng(7).permutation(len(rows))
    visits.write_text("\r\n".join([*head, *(rows[i] for i in order)]) + "\r\n",
                      encoding="gb18030")  # fmt: skip
    again = _content(load_ledgers(folder))
    for kind in KINDS:
        pd.testing.assert_frame_equal(again[kind], sample[kind], obj=kind)
