"""Analysts in JupyterLab: `make lab`'s environment, the notebooks as committed, Run All.

A real JupyterLab server (token off, bound to localhost, its own config and data
folders) is driven through Debian's Chromium: each notebook opens on the project's
"baiyi" kernel, Run All finishes with no error or stderr output, and the charts are
drawn in Lab's own DOM.

Run All is clicked only once the notebook's kernel is there and idle: Lab shows the
kernel's name as soon as it asks the server for a session, seconds (on a busy machine)
before the kernel exists, and a Run All clicked meanwhile clears every cell and runs
none of them, without a word. A run that cannot finish fails at once, saying why (a
dialog, an error or stderr output, a kernel that died, no cell started), with a
screenshot of the page and the notebook's error text in files whose paths the failure
prints; the timeouts are only a last guard against what the page does not show.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from support import launch_chromium

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
NOTEBOOKS = {"weekly_briefing": 4, "final_assessment": 1, "explore": 3}  # charts drawn
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
KERNEL_START_DELAY = 8  # seconds the slow Lab's server takes to start a kernel

# What the page shows, read in one go. The kernel status is that of the notebook's
# toolbar indicator (Lab's kernelDisplayStatus): "idle" only once the session has its
# kernel, connected; "initializing" while the server is still starting it.
PAGE_STATE = """(panel) => {
  const p = document.querySelector(panel);
  const all = sel => p ? [...p.querySelectorAll(sel)] : [];
  return {
    kernel: p?.querySelector('.jp-KernelName')?.textContent || '',
    status: p?.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status || '',
    prompts: all('.jp-CodeCell .jp-InputPrompt').map(e => e.textContent.trim()),
    errors: all('.jp-OutputArea-output')
      .filter(e => (e.dataset.mimeType || '').includes('stderr')
                   || e.classList.contains('jp-mod-error'))
      .map(e => e.innerText),
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(e => e.innerText),
    charts: all('.js-plotly-plot .main-svg').length,
  };
}"""
# After which no Run All can finish (besides a dialog and an error output)
DEAD = ("dead", "terminating", "restarting", "autorestarting")
# Each wait: when it is over ('ok', or why the run cannot finish), given the state s
STOP = f"""
  if (s.dialogs.length) return 'Lab shows a dialog';
  if (s.errors.length) return 'a cell wrote an error or to stderr';
  if ({list(DEAD)!r}.includes(s.status)) return 'the kernel is ' + s.status;
"""
READY = "if (s.kernel.includes('baiyi') && s.status === 'idle') return 'ok';"
STARTED = "if (s.prompts.some(t => /\\[(\\*|\\d+)\\]/.test(t))) return 'ok';"
RAN = "s.prompts.filter(t => /\\[\\d+\\]/.test(t)).length"  # cells run so far
# The last guards, in ms: the kernel is idle within 15 s of opening even on a loaded
# machine; a Run All that starts no cell has been lost (Lab queues every cell at once, in
# well under a second); a cell of these notebooks runs in seconds, so a minute without
# one more cell finishing means the run is stuck.
KERNEL_GUARD = 90_000
START_GUARD = 30_000
CELL_GUARD = 60_000


class Driver:
    """One notebook in a Lab page: waits that end as soon as the outcome is known, and
    the evidence of a failure (screenshot, the notebook's error text, the page's console,
    the tail of Lab's log) in files beside the test."""

    def __init__(self, page, name: str, evidence: Path, lab_log: Path) -> None:
        self.page, self.name, self.evidence, self.lab_log = page, name, evidence, lab_log
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"[:500]))
        page.on("pageerror", lambda e: self.console.append(f"page error: {e}"[:1000]))

    def state(self) -> dict:
        return self.page.evaluate(PAGE_STATE, PANEL)

    def wait(self, what: str, until: str, guard_ms: int, stop: str = STOP) -> None:
        """Wait until ``until`` says 'ok'; fail at once when ``stop`` says why the run
        cannot finish, or after ``guard_ms`` (the last guard) saying what was awaited."""
        check = f"(panel) => {{ const s = ({PAGE_STATE})(panel); {stop} {until} return null; }}"
        try:
            said = self.page.wait_for_function(
                check, arg=PANEL, timeout=guard_ms, polling=250
            ).json_value()
        except Exception as exc:  # playwright's TimeoutError (the last guard), the page gone
            said = f"still waiting after {guard_ms / 1000:.0f} s ({str(exc).splitlines()[0]})"
        if said != "ok":
            self.fail(f"{what}: {said}")

    def fail(self, why: str) -> None:
        """Save the page as it is and fail with the notebook's error text."""
        self.evidence.mkdir(parents=True, exist_ok=True)
        shot = self.evidence / f"lab_{self.name}_failed.png"
        report = self.evidence / f"lab_{self.name}_failed.txt"
        try:
            state = self.state()
            self.page.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # the page is gone: say so instead
            state, shot = {"page": f"unreadable ({exc})"}, None
        errors = "\n---\n".join(state.get("errors", []))
        console = "\n".join(self.console[-50:])
        lab_tail = self.lab_log.read_text(errors="replace")[-4000:]
        report.write_text(
            f"{self.name}: {why}\n\nkernel: {state.get('kernel')!r}, status: "
            f"{state.get('status')!r}\nprompts: {state.get('prompts')}\n"
            f"dialogs: {state.get('dialogs')}\ncharts drawn: {state.get('charts')}\n\n"
            f"error and stderr output:\n{errors or '(none)'}\n\n"
            f"page console:\n{console}\n\nLab's log (tail):\n{lab_tail}",
            encoding="utf-8",
        )
        dialogs = "\n---\n".join(state.get("dialogs", []))
        pytest.fail(
            f"{self.name}: {why}\nkernel {state.get('kernel')!r} {state.get('status')!r}, "
            f"prompts {state.get('prompts')}\n"
            + (f"dialog:\n{dialogs[:1000]}\n" if dialogs else "")
            + f"error text:\n{errors[:3000] or '(none)'}\nscreenshot: {shot}\n"
            f"details (error text, page console, Lab's log): {report}",
            pytrace=False,
        )


@contextlib.contextmanager
def jupyter_lab(tmp_path_factory, server_config: str = ""):
    """A JupyterLab server on the notebooks' copies, as `make lab` starts it; yields its
    URL, when it started and its log file. ``server_config``: a jupyter_server_config.py
    of its own."""
    lab_env = Path(os.environ["BAIYI_LAB"])
    home = tmp_path_factory.mktemp("jupyter")
    # Lab saves what it runs: it works on copies, never on the committed notebooks
    work = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    if server_config:
        (home / "config").mkdir()
        (home / "config" / "jupyter_server_config.py").write_text(server_config)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    log = home / "lab.log"  # a file, not a pipe nobody reads: a full pipe would stop Lab
    started = time.monotonic()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                str(lab_env / "bin" / "jupyter-lab"), "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--IdentityProvider.token=", "--ServerApp.password=",
                f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",  # as `make lab`
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + log.read_text(errors="replace")[-2000:])
        yield url, started, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    committed = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    with jupyter_lab(tmp_path_factory) as running:
        yield running
    assert {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")} == committed


# A server that takes seconds to start a kernel, as a busy machine does: the session Lab
# asks for arrives that much later, while the toolbar already shows the kernel's name.
SLOW_KERNEL_START = f"""
import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class SlowToStart(AsyncMappingKernelManager):
    async def start_kernel(self, **kwargs):
        await asyncio.sleep({KERNEL_START_DELAY})
        return await super().start_kernel(**kwargs)


c.ServerApp.kernel_manager_class = SlowToStart
"""


@pytest.fixture(scope="module")
def slow_lab(tmp_path_factory):
    with jupyter_lab(tmp_path_factory, SLOW_KERNEL_START) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI installs Debian's chromium in .ci/run"
    with sync_playwright() as p:
        b = launch_chromium(p, CHROMIUM)
        yield b
        b.close()


def run_all(lab, browser, name: str, evidence: Path) -> dict:
    """Open the notebook in Lab, wait for its kernel, Run All, wait for every cell and
    chart; returns what the page shows then (with Run All's seconds)."""
    url, started, log = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    lab_page = Driver(page, name, evidence, log)
    opened = time.monotonic()
    try:
        # a workspace of its own, reset: only this notebook is open
        page.goto(f"{url}/lab/workspaces/{name}/tree/notebooks/{name}.ipynb?reset")
        lab_page.wait("the notebook to open", "if (s.prompts.length) return 'ok';", 60_000)
        lab_page.wait("the baiyi kernel, idle", READY, KERNEL_GUARD)
        waited = time.monotonic() - opened
        t0 = time.monotonic()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        lab_page.wait("Run All to start a cell", STARTED, START_GUARD)
        cells = len(lab_page.state()["prompts"])
        while (ran := page.evaluate(f"(p) => {{ const s = ({PAGE_STATE})(p); return {RAN}; }}",
                                    PANEL)) < cells:  # fmt: skip
            lab_page.wait(
                f"cell {ran + 1} of {cells} to finish",
                f"if ({RAN} > {ran}) return 'ok';",
                CELL_GUARD,
            )
        want = NOTEBOOKS[name]
        lab_page.wait(f"{want} charts drawn", f"if (s.charts >= {want}) return 'ok';", 60_000)
        took = time.monotonic() - t0
        state = lab_page.state()
        state["drawn"] = page.evaluate(
            f"document.querySelectorAll('{PANEL} .js-plotly-plot').length"
        )
        state["news"] = page.get_by_text("Jupyter news").count() > 0
        page.screenshot(path=str(evidence / f"lab_{name}.png"), full_page=True)
    finally:
        page.close()
    print(
        f"\n{name}: kernel idle {waited:.1f} s after opening; Run All {took:.1f} s; "
        f"{time.monotonic() - started:.1f} s since Lab start"
    )
    return state


def _evidence(tmp_path: Path) -> Path:
    return Path(os.environ.get("BAIYI_LAB_SHOTS", tmp_path))  # to look at them


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_run_all_in_jupyterlab_draws_every_chart_without_an_error(lab, browser, name, tmp_path):
    shown = run_all(lab, browser, name, _evidence(tmp_path))
    assert shown["errors"] == []
    assert shown["drawn"] == NOTEBOOKS[name]
    assert not shown["news"]  # no prompt about Jupyter news on an offline intranet


def test_run_all_waits_for_a_kernel_slow_to_start(slow_lab, browser, tmp_path):
    # the kernel's name is shown for KERNEL_START_DELAY seconds before the kernel exists
    shown = run_all(slow_lab, browser, "final_assessment", _evidence(tmp_path))
    assert shown["errors"] == [] and shown["drawn"] == NOTEBOOKS["final_assessment"]
