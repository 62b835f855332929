"""Benchmark the briefing (issue 4), against a floor measured in the same run.

Floor: papermill + nbconvert (HTML) of a notebook holding only a parameters cell and one
print, in a minimal environment with just papermill, nbconvert and ipykernel (built once
in bench/out/floor-venv, same pinned versions).

Targets (issue 19): one briefing within 1.5× the floor; the --all-units batch (one
briefing per unit, 25) within 5× one briefing. Also prints the batch against n × floor ÷
cores (issue 4's measure) and the HTML size (target ≤ 6 MB).

The machine is shared: the floor and the briefing are timed in turns (floor, briefing,
floor, …), best of each, so that both meet the same load; the CPU seconds each used (its
processes and their children: the kernels) are printed too, which the load moves less.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "out"
FLOOR_VENV = OUT / "floor-venv"
PINS = [
    "papermill==2.7.0",
    "nbconvert==7.17.2",
    "ipykernel==7.4.0",
    "nbformat==5.11.1",
    "nbclient==0.11.0",
]
AS_OF = "2019-04-26"
REPEATS = 3


def floor_env() -> Path:
    py = FLOOR_VENV / "bin" / "python"
    if not (FLOOR_VENV / ".ok").exists():
        shutil.rmtree(FLOOR_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(FLOOR_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True)
        (FLOOR_VENV / ".ok").touch()
    return FLOOR_VENV / "bin"


def floor_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(x)")]
    nbformat.write(nb, path)


def timed_cpu(cmd: list[str], **kw) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, children included) of one command."""
    before = os.times()
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def main() -> int:
    OUT.mkdir(exist_ok=True)
    bin_ = floor_env()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_notebook(tmp / "floor.ipynb")
        floor_cmd = (
            f"{bin_}/papermill --no-progress-bar --log-level ERROR "
            f"{tmp}/floor.ipynb {tmp}/floor.out.ipynb -p x 2 && "
            f"{bin_}/jupyter-nbconvert --log-level=ERROR --to html {tmp}/floor.out.ipynb"
        )
        baiyi = str(Path(sys.executable).parent / "baiyi")
        one_cmd = [baiyi, "report", "--as-of", AS_OF, "--out", str(tmp / "one")]
        floors, ones = [], []
        for _ in range(REPEATS):  # in turns: both meet the same load
            floors.append(timed_cpu(["bash", "-c", floor_cmd]))
            ones.append(timed_cpu(one_cmd))
        floor, floor_cpu = min(f[0] for f in floors), min(f[1] for f in floors)
        one, one_cpu = min(o[0] for o in ones), min(o[1] for o in ones)
        html = tmp / "one" / AS_OF / "weekly_briefing.html"
        size = html.stat().st_size
        batch, batch_cpu = timed_cpu(
            [baiyi, "report", "--as-of", AS_OF, "--all-units", "--out", str(tmp / "all")]
        )
        n = len(json.loads((tmp / "all" / AS_OF / "manifest.json").read_text(encoding="utf-8")))
    budget = n * floor / cores
    print(
        f"report floor (papermill + nbconvert, minimal env): {floor:.2f} s ({floor_cpu:.2f} CPU s)"
    )
    print(
        f"one briefing: {one:.2f} s   ratio {one / floor:.2f} (target ≤ 1.5)   "
        f"CPU {one_cpu:.2f} s (ratio {one_cpu / floor_cpu:.2f})   "
        f"HTML {size / 1e6:.2f} MB (target ≤ 6)"
    )
    print(
        f"--all-units: {n} briefings in {batch:.1f} s on {cores} cores = {batch / n:.2f} s each; "
        f"ratio to one briefing: {batch / one:.2f} (target ≤ 5); CPU {batch_cpu:.1f} s "
        f"({batch_cpu / one_cpu:.2f}× one's); "
        f"ratio to n × floor ÷ cores ({budget:.1f} s): {batch / budget:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
