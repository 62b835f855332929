"""Render many briefings: in parallel across cores, with a progress bar; one failure does
not stop the others (each job's outcome is its manifest entry)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .run import Job, execute


def run_jobs(jobs: list[Job], out_root: Path, workers: int | None = None) -> list[dict[str, Any]]:
    """Execute the jobs; return their manifest entries in job order."""
    if len(jobs) == 1:
        return [execute(jobs[0], out_root)]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[int, dict[str, Any]] = {}
    with (
        ProcessPoolExecutor(max_workers=workers) as pool,
        tqdm(total=len(jobs), desc="生成周报", unit="份") as bar,
    ):
        futures = {pool.submit(execute, job, out_root): i for i, job in enumerate(jobs)}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            bar.update(1)
    return [results[i] for i in range(len(jobs))]
