"""A run of several briefings prints only baiyi's own lines: no kernel's log line when the
runs end, however late a kernel is in finishing its last request.

papermill ends every run with a kernel_info request and shuts the kernel down as soon as
the reply arrives; jupyter_client interrupts (SIGINT) a kernel before shutting it down
(baiyi's kernel manager no longer does), and a kernel still inside that request's handler
printed "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." (about once in a
25-unit run on a busy machine).
Here every kernel lingers a second in that handler, as a kernel descheduled on a busy
machine does, so that the line appears every time the interrupt is sent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"

# An IPython startup file for the kernels: after the last cell, the kernel_info handler
# goes on for a second once its reply is sent (and says so in a file, so that the test
# knows the window was there).
SLOW_TO_FINISH = """
import time

_kernel = get_ipython().kernel
_handler = _kernel.shell_handlers["kernel_info_request"]


async def _slow_to_finish(stream, ident, parent):
    await _handler(stream, ident, parent)
    if get_ipython().execution_count > 1:  # papermill's request after the last cell
        with open({marker!r}, "a") as fh:
            fh.write("lingered\\n")
        time.sleep(1)


_kernel.shell_handlers["kernel_info_request"] = _slow_to_finish
"""


def test_a_parallel_run_prints_only_baiyis_lines_when_kernels_are_slow_to_finish(tmp_path):
    ipython = tmp_path / "ipython"
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True)
    marker = tmp_path / "lingered.txt"
    (startup / "00-slow-to-finish.py").write_text(SLOW_TO_FINISH.format(marker=str(marker)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IPYTHONDIR": str(ipython)}
    out = tmp_path / "reports"
    # two units in two processes: the path --all-units takes, at a test's cost
    proc = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", "report", "--data", str(SAMPLE),
         "--as-of", "2019-04-26", "--unit", "bgs", "--unit", "rsk", "--jobs", "2",
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text().count("lingered") == 2  # both kernels were slow to finish
    assert "[IPKernelApp]" not in proc.stdout + proc.stderr
    # stderr: only the progress bar (redrawn with \r); stdout: the pages and the index
    progress = [p for p in re.split(r"[\r\n]+", proc.stderr) if p.strip()]
    assert progress and all(p.startswith("生成周报") for p in progress), proc.stderr
    assert [ln.split(":")[0] for ln in proc.stdout.splitlines()] == ["已生成", "已生成", "目录"]
    assert sorted(p.name for p in (out / "2019-04-26").glob("*.html")) == [
        "weekly_briefing__bgs.html",
        "weekly_briefing__rsk.html",
    ]
