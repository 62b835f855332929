"""Benchmark the ledger store (issue 3).

1. Ingest 100 weekly files of 1,000 visit rows each (new rows every week).
2. Grow a 1M-row history: 9 more weekly files of 100,000 rows, each re-sending earlier
   rows with some corrected (new versions) and adding new ones.
3. Reconstruct the ledgers as known at a given week, against reading the files that make
   up that moment fresh from disk (the floor, measured in the same run).
Target: the reconstruction costs under 2× the fresh read.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from baiyi_lib import load_ledgers, load_rules
from baiyi_lib.ledgers.schema import headers
from baiyi_lib.store import connect, ingest

OUT = Path(__file__).parent / "out" / "store"
# after every row date (rows dated after their receipt are refused)
START = dt.datetime(2019, 6, 1, 17)


def visits_csv(path: Path, ids: np.ndarray, rng: np.random.Generator, units: list[str]) -> None:
    n = len(ids)
    df = pd.DataFrame(
        {
            "编号": np.char.add("V", ids.astype(str)),
            "日期": (
                pd.Timestamp("2019-02-20") + pd.to_timedelta(rng.integers(0, 100, n), unit="D")
            ).strftime("%Y-%m-%d"),
            "责任单位": np.array(units)[rng.integers(0, len(units), n)],
            "走访层级": rng.choice(["来县", "到市", "去省"], n, p=[0.85, 0.12, 0.03]),
            "走访形式": np.where(rng.random(n) < 0.1, "集体", "个体"),
            "人次": rng.integers(1, 8, n),
            "非访": "否",
            "案件编号": np.char.add("C", rng.integers(0, 20000, n).astype(str)),
            "不满初次办理": "",
            "内部人员": "",
        },
        columns=headers("visits"),
    )
    df.to_csv(path, index=False)


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    files_dir = OUT / "files"
    files_dir.mkdir(parents=True)
    rng = np.random.default_rng(7)
    units = load_rules().units.names
    rules = load_rules()
    store = OUT / "s.duckdb"

    weekly = []
    for w in range(100):
        p = files_dir / f"走访_补报_{w:03d}.csv"  # each adds rows (补报), as the floor does
        visits_csv(p, np.arange(w * 1000, (w + 1) * 1000), rng, units)
        weekly.append(p)
    t = time.perf_counter()
    for w, p in enumerate(weekly):
        ingest([p], store, received=START + dt.timedelta(hours=w), rules=rules)
    t_ingest = time.perf_counter() - t
    print(
        f"ingest 100 files × 1,000 rows: {t_ingest:.1f} s ({t_ingest / 100 * 1000:.0f} ms a file)"
    )

    history = []
    t = time.perf_counter()
    for w in range(9):
        p = files_dir / f"走访_补报_大_{w}.csv"
        # re-send 70k earlier rows (a third with a corrected head count) plus 30k new ones
        old = rng.choice(100_000 + w * 30_000, 70_000, replace=False)
        new = np.arange(100_000 + w * 30_000, 100_000 + (w + 1) * 30_000)
        visits_csv(p, np.concatenate([old, new]), rng, units)
        history.append(p)
        ingest([p], store, received=START + dt.timedelta(days=7 * (w + 1)), rules=rules)
    t_hist = time.perf_counter() - t
    con = connect(store, read_only=True)
    versions = con.execute("SELECT count(*) FROM rows_visits").fetchall()[0][0]
    con.close()
    print(f"history: 9 files × 100,000 rows in {t_hist:.1f} s; {versions:,} row versions stored")

    # as known at the 5th big week: the 100 small files and the first 5 big ones
    known_at = START + dt.timedelta(days=35)
    t_store = min(_timed(lambda: load_ledgers(store, rules, known_at=known_at)) for _ in range(3))
    fresh = weekly + history[:5]
    t_fresh = min(_timed(lambda: _fresh(fresh, rules)) for _ in range(2))
    n = len(load_ledgers(store, rules, known_at=known_at).visits)
    print(
        f"as known at week 5: {n:,} visits; reconstruct {t_store:.2f} s vs fresh read of "
        f"the {len(fresh)} files {t_fresh:.2f} s; ratio {t_store / t_fresh:.2f} (target < 2)"
    )
    return 0


def _fresh(paths: list[Path], rules) -> None:
    """The floor: read the files fresh; later files replace earlier rows (by visit id)."""
    frames = [pd.read_csv(p, dtype=str, encoding="utf-8") for p in paths]
    latest = pd.concat(frames, ignore_index=True).drop_duplicates("编号", keep="last")
    load_ledgers({"visits": latest}, rules)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    raise SystemExit(main())
