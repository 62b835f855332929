"""The JupyterLab tests need the Lab environment that `make lab` builds; `make test-lab`
builds it and runs them (and .ci/run runs `make test-lab`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    lab = os.environ.get("BAIYI_LAB")
    if lab and (Path(lab) / "bin" / "jupyter-lab").exists():
        return
    skip = pytest.mark.skip(reason="needs the Lab environment: run `make test-lab`")
    for item in items:
        if "tests/lab/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
