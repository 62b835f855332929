"""Render many briefings (``--all-units``): computed once, rendered in a few kernels.

- The ledgers are loaded and scored once, in this process (scored.remember), while the
  lanes start their kernels; every notebook reads that result back instead of loading
  and scoring again. Jobs whose inputs can't be computed here (broken ledgers) are left
  to their kernels, which fail with the same Chinese message as a lone run.
- One lane per core: a process with one kernel, which renders job after job (the next
  one not yet taken), its kernel reset before each notebook to the state of a kernel just
  started (report.kernel): each notebook comes out as if it ran alone.
- One failure does not stop the others: each job's outcome is its manifest entry; a disk
  that refuses the report (OutputNotWritable) stops the batch with its exit code.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import queue
import signal
import sys
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import REPORT_MODE_ENV
from .export import warm_up
from .files import run_folder
from .kernel import Kernel, environ
from .run import ROOT, Job, execute
from .scored import SCORES_ENV, compute_once

# what a lane's process shares with the others (set by _lane_setup when it starts)
_SHARED: dict[str, Any] = {}


def run_jobs(jobs: list[Job], out_root: Path, workers: int | None = None) -> list[dict[str, Any]]:
    """Execute the jobs; return their manifest entries in job order."""
    if len(jobs) == 1:
        return [execute(jobs[0], out_root)]
    lanes = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    with run_folder() as scores, environ(SCORES_ENV, str(scores)):
        return _run_lanes(jobs, out_root, lanes, scores)


def _run_lanes(jobs: list[Job], out_root: Path, lanes: int, scores: Path) -> list[dict[str, Any]]:
    ctx = mp.get_context("fork")
    shared = {
        "jobs": jobs,
        "next": ctx.Value("i", 0),
        "ready": ctx.Event(),
        "done": ctx.Queue(),
    }
    results: dict[int, dict[str, Any]] = {}
    with (
        ProcessPoolExecutor(lanes, mp_context=ctx, initializer=_lane_setup, initargs=(shared,))
        as pool,
        tqdm(total=len(jobs), desc="生成周报", unit="份") as bar,
    ):  # fmt: skip
        lanes_running = [pool.submit(_lane, out_root) for _ in range(lanes)]
        try:
            _collect(shared, scores, lanes_running, results, bar)
        except BaseException:  # interrupted: the lanes stop now, not after every job
            _stop_lanes(pool)
            raise
    return [results[i] for i in range(len(jobs))]


def _collect(
    shared: dict[str, Any], scores: Path, lanes_running: list, results: dict, bar: Any
) -> None:
    """Compute once while the lanes start their kernels, then gather each job's entry as
    its lane sends it, until every job has one or every lane has ended."""
    jobs = shared["jobs"]
    n = len(jobs)
    try:
        compute_once(jobs, scores)  # while the lanes start their kernels
    finally:
        shared["ready"].set()
    while len(results) < n:
        try:
            i, entry = shared["done"].get(timeout=0.5)
        except queue.Empty:
            finished, _ = wait(lanes_running, timeout=0, return_when=FIRST_EXCEPTION)
            for lane in finished:
                lane.result()  # a lane that raised (a full disk): the batch stops with it
            if len(finished) == len(lanes_running):
                with contextlib.suppress(queue.Empty):
                    while True:  # what the lanes sent just before they ended
                        i, entry = shared["done"].get(timeout=0.5)
                        results[i] = entry
                        bar.update(1)
                break
            continue
        results[i] = entry
        bar.update(1)
    for lane in lanes_running:
        lane.result()


def _stop_lanes(pool: ProcessPoolExecutor) -> None:
    """Stop the lanes of an interrupted batch at once (their kernels, left without a
    parent, end themselves); the pool then has nothing left to wait for."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _lane_setup(shared: dict[str, Any]) -> None:
    _SHARED.update(shared)
    # a lane stopped by the batch (SIGTERM: _stop_lanes) ends at once, without unwinding
    # its kernel's client (the parent's own handler, inherited by fork, would)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()


def _die_with_parent() -> None:
    """A lane ends when the process that started it ends, however it ends (killed, or
    stopped by SIGTERM before it could stop its lanes): Linux's parent-death signal. Its
    kernel, left without a parent, ends itself (ipykernel watches its parent)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _lane(out_root: Path) -> int:
    """One lane: a kernel of its own, rendering the next job not yet taken until none is
    left; returns how many it rendered."""
    os.environ[REPORT_MODE_ENV] = "1"  # before its kernel starts: charts as inline HTML
    jobs, taken, done = _SHARED["jobs"], _SHARED["next"], _SHARED["done"]
    rendered = 0
    with run_folder() as folder:
        kernel = Kernel(folder, ROOT)
        try:
            with contextlib.suppress(Exception):  # a kernel that won't start: each job says so
                kernel.start(wait=False)  # it imports the briefing while the exporter is made
            warm_up().join()  # the page exporter, made once for all this lane's pages
            _SHARED["ready"].wait()
            while True:
                with taken.get_lock():
                    i = taken.value
                    taken.value += 1
                if i >= len(jobs):
                    return rendered
                done.put((i, execute(jobs[i], out_root, kernel)))
                rendered += 1
        finally:
            kernel.shutdown()
