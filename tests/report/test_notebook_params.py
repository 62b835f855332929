"""Every parameter of every notebook does what its comment says (run as `baiyi report`
runs them; JupyterLab is tested in tests/lab)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import nbformat
import pytest

from baiyi_lib.report.run import execute, plan
from baiyi_lib.store import ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
RECEIVED = dt.datetime(2019, 6, 3, 17, 0)  # after the sample's last row


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    ingest([SAMPLE], path, received=RECEIVED)
    return path


def _output(executed, source_starts: str) -> str:
    cell = next(c for c in executed.cells if c.source.startswith(source_starts))
    texts = []
    for out in cell.outputs:
        texts.append(out.get("text", ""))
        texts += [str(v) for v in out.get("data", {}).values()]
    return "".join(texts)


def _run(tmp_path, **params):
    entry = execute(plan(data=params.pop("data", str(SAMPLE)), **params)[0], tmp_path)
    assert entry["status"] == "ok", entry.get("error")
    return entry, nbformat.read(tmp_path / entry["ipynb"], as_version=4)


def test_explore_uses_unit_title_and_known_at(store, tmp_path):
    _, nb = _run(
        tmp_path / "a", notebook="explore", data=str(store), as_of="2019-04-26",
        units=["移民办"], title="移民办的台账", known_at="2019-06-03 18:00",
    )  # fmt: skip
    assert "移民办的台账" in _output(nb, "from baiyi_lib import")
    assert _output(nb, "print(result.explain").startswith("移民扶持办公室(ymb")
    counts = _output(nb, "points = views.points_detail")
    assert "county.individual" in counts
    _, before = _run(
        tmp_path / "b", notebook="explore", data=str(store), as_of="2019-04-26",
        known_at="2019-06-03 16:00",  # an hour before the returns arrived
    )  # fmt: skip
    assert "Empty DataFrame" in _output(before, "L.visits.head()")
    assert "Empty DataFrame" not in _output(nb, "L.visits.head()")


def test_final_assessment_uses_known_at(store, tmp_path):
    early, _ = _run(
        tmp_path / "a", notebook="final_assessment", data=str(store), as_of="2019-05-31",
        known_at="2019-06-03 16:00",
    )  # fmt: skip
    late, _ = _run(
        tmp_path / "b", notebook="final_assessment", data=str(store), as_of="2019-05-31",
        known_at="2019-06-03 18:00",
    )  # fmt: skip
    assert early["figures"]["bottom_score"] == "1000"  # nothing was known yet
    assert int(late["figures"]["bottom_score"]) < 1000


@pytest.mark.parametrize("name", ["weekly_briefing", "final_assessment", "explore"])
def test_a_relative_data_path_is_read_from_the_project_folder(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as JupyterLab starts kernels in notebooks/
    from baiyi_lib.report.briefing import Briefing

    b = Briefing.prepare(data="data/sample", as_of="2019-04-26")
    assert Path(b.data) == SAMPLE
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    assert nb.metadata.kernelspec.name == "baiyi"  # the kernel `make lab` installs
    assert re.search(r"^data = None", nb.cells[1].source, re.M)
