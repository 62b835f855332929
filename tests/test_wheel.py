"""A wheel install works from any folder: the rules, notebooks and sample travel with it.

Before, params/ and notebooks/ sat outside the package and only an editable install
worked. The wheel is built from this checkout and installed into a fresh environment
(dependencies come from .venv through a .pth file, so nothing is downloaded but the build
backend); the commands run from an unrelated folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp.glob("baiyi-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("data/share/baiyi/params/rules.yaml") for n in names)
    assert any(n.endswith("data/share/baiyi/notebooks/weekly_briefing.ipynb") for n in names)
    env_dir = tmp / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies, not baiyi: .venv's editable finder lives in a .pth that a path
    # added this way does not run
    Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )
    return env_dir


def _run(env_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BAIYI_PARAMS")}
    # the dependencies' data files (nbconvert's templates), as pip would have installed
    # them with the dependencies
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return subprocess.run(
        [str(env_dir / "bin" / "baiyi"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import baiyi_lib; print(baiyi_lib.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed) in where and str(ROOT) not in where


def test_score_from_another_folder_reads_the_shipped_rules_and_sample(installed, tmp_path):
    proc = _run(installed, tmp_path, "score", "--as-of", "2019-04-26", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    sample = str(ROOT / "data" / "sample")
    argv = ["score", "--data", sample, "--as-of", "2019-04-26", "--format", "csv"]
    here = subprocess.run(
        [sys.executable, "-m", "baiyi_lib.cli", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == here.stdout  # the same ranking as the checkout's


def test_report_from_another_folder_renders_the_briefing(installed, tmp_path):
    proc = _run(installed, tmp_path, "report", "--as-of", "2019-04-26", "--out", "r")
    assert proc.returncode == 0, proc.stderr
    page = tmp_path / "r" / "2019-04-26" / "weekly_briefing.html"
    text = page.read_text(encoding="utf-8")
    assert "得分排名" in text and '<script src="http' not in text
