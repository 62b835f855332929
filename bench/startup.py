"""Start-up: `baiyi score` on the shipped sample (179 visits), end to end in a fresh
process, against the floor of starting Python and importing pandas (what any command that
reads a table pays). Target: under 1 s.

Wall time and the child's CPU time (user + system), each the best of five: the machine is
shared, and CPU time is what a change to the code moves when others load it.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAIYI = Path(sys.executable).with_name("baiyi")


def timed(cmd: list[str], repeats: int = 5) -> tuple[float, float]:
    """The best wall time and the best child CPU time of ``repeats`` runs, in seconds."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        best_wall = min(best_wall, time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        best_cpu = min(best_cpu, cpu)
    return best_wall, best_cpu


def main() -> int:
    floor, floor_cpu = timed([sys.executable, "-c", "import pandas"])
    score, score_cpu = timed([str(BAIYI), "score", "--data", "data/sample"])
    print(
        f"start-up: baiyi score on the sample {score:.2f} s (target < 1 s), CPU {score_cpu:.2f} s"
        f"   python + import pandas {floor:.2f} s, CPU {floor_cpu:.2f} s"
        f"   ratio {score / floor:.2f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
