"""Start-up: `baiyi score` on the shipped sample (179 visits), end to end in a fresh
process, against the floor of starting Python and importing pandas (what any command that
reads a table pays). Target: under 1 s.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAIYI = Path(sys.executable).with_name("baiyi")


def timed(cmd: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    floor = timed([sys.executable, "-c", "import pandas"])
    score = timed([str(BAIYI), "score", "--data", "data/sample"])
    print(
        f"start-up: baiyi score on the sample {score:.2f} s (target < 1 s)   "
        f"python + import pandas {floor:.2f} s   ratio {score / floor:.2f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
