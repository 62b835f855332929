"""Project hygiene: pins agree, nothing reads ../shared, no point value in engine code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins_from_pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = data["project"]["optional-dependencies"].values()
    deps = data["project"]["dependencies"] + [d for group in extras for d in group]
    pins = {}
    for dep in deps:
        name, _, version = dep.partition("==")
        assert version, f"{dep} is not pinned with =="
        pins[name.lower()] = version
    return pins


def test_pyproject_and_environment_yml_pin_the_same_versions():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {}
    for dep in pip:
        if dep.startswith("-e"):
            continue
        name, _, version = dep.partition("==")
        env_pins[name.lower()] = version
    assert env_pins == _pins_from_pyproject()


def test_nothing_reads_the_shared_folder():
    paths = [*ROOT.glob("baiyi_lib/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]
    for path in [*paths, ROOT / "Makefile", ROOT / ".ci" / "run"]:
        if path == Path(__file__):
            continue
        assert not re.search(r"\.\./shared|/shared/", path.read_text(encoding="utf-8")), path


def test_engine_code_holds_no_point_value():
    """Point values live in params/rules.yaml: no -10/-20/-30/-50/-60/-100/-200/-300 or
    +10/+20/+200 literal in the scoring package."""
    values = {"10", "20", "30", "50", "60", "100", "200", "300", "1000"}
    for path in ROOT.glob("baiyi_lib/scoring/*.py"):
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))  # docstrings
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        code = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'', "", code)  # strings (messages) aside
        found = set(re.findall(r"(?<![\w.])(\d+)(?![\w.])", code)) & values
        assert not found, f"{path.name}: {found}"


def test_the_lab_environment_pins_the_kernels_plotly():
    """JupyterLab draws the charts with the plotly extension of its own environment: it
    must be the version the kernel writes figures for."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lab_pins = dict(re.findall(r"\b([a-z][\w-]*)==([\d.]+)", makefile))
    assert lab_pins["plotly"] == _pins_from_pyproject()["plotly"]
    assert "jupyterlab" in lab_pins
