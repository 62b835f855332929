"""The office-suite tests need LibreOffice (`apt-get install libreoffice-calc-nogui`):
`make test-office` runs them, and .ci/run installs LibreOffice and runs them."""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    if shutil.which("soffice"):
        return
    skip = pytest.mark.skip(reason="needs LibreOffice: apt-get install libreoffice-calc-nogui")
    for item in items:
        if "tests/office/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
