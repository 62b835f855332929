"""Analysts in JupyterLab: `make lab`'s environment, the notebooks as committed, Run All.

A real JupyterLab server (token off, bound to localhost, its own config and data
folders) is driven through Debian's Chromium: each notebook opens on the project's
"baiyi" kernel, Run All finishes with no error or stderr output, and the charts are
drawn in Lab's own DOM.
"""

from __future__ import annotations

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab_env = Path(os.environ["BAIYI_LAB"])
    home = tmp_path_factory.mktemp("jupyter")
    # Lab saves what it runs: it works on copies, never on the committed notebooks
    work = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            str(lab_env / "bin" / "jupyter-lab"), "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",  # as `make lab`
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start: " + proc.stderr.read().decode()[-2000:])
    committed = {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")}
    yield url, started
    proc.terminate()
    proc.wait(timeout=30)
    assert {p.name: p.read_bytes() for p in (ROOT / "notebooks").glob("*.ipynb")} == committed


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI installs Debian's chromium in .ci/run"
    with sync_playwright() as p:
        b = launch_chromium(p, CHROMIUM)
        yield b
        b.close()


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_run_all_in_jupyterlab_draws_every_chart_without_an_error(lab, browser, name, tmp_path):
    url, started = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a workspace of its own, reset: only this notebook is open
    page.goto(f"{url}/lab/workspaces/{name}/tree/notebooks/{name}.ipynb?reset")
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    page.wait_for_selector(f"{panel} .jp-Notebook", timeout=60_000)
    kernel = page.locator(f"{panel} .jp-KernelName").first
    kernel.wait_for(timeout=60_000)
    page.wait_for_function(
        f"document.querySelector('{panel} .jp-KernelName')?.textContent.includes('baiyi')",
        timeout=60_000,
    )
    t0 = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        f"""() => {{
          const prompts = [...document.querySelectorAll('{panel} .jp-CodeCell .jp-InputPrompt')];
          return prompts.length && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }}""",
        timeout=180_000,
    )
    want = NOTEBOOKS[name]
    page.wait_for_function(
        f"document.querySelectorAll('{panel} .js-plotly-plot .main-svg').length >= {want}",
        timeout=60_000,
    )
    ran = time.monotonic() - t0
    errors = page.evaluate(
        f"""[...document.querySelectorAll('{panel} .jp-OutputArea-output')]
            .filter(e => (e.dataset.mimeType || '').includes('stderr')
                         || e.classList.contains('jp-mod-error'))
            .map(e => e.textContent.slice(0, 300))"""
    )
    drawn = page.evaluate(f"document.querySelectorAll('{panel} .js-plotly-plot').length")
    page_had_news = page.get_by_text("Jupyter news").count() > 0
    shots = Path(os.environ.get("BAIYI_LAB_SHOTS", tmp_path))  # to look at them
    page.screenshot(path=str(shots / f"lab_{name}.png"), full_page=True)
    page.close()
    print(f"\n{name}: Run All {ran:.1f} s; {time.monotonic() - started:.1f} s since Lab start")
    assert errors == []
    assert drawn == NOTEBOOKS[name]
    assert not page_had_news  # no prompt about Jupyter news on an offline intranet
