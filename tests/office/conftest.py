"""The office-suite tests need LibreOffice (`apt-get install libreoffice-calc-nogui`):
`make test-office` runs them, and .ci/run installs LibreOffice and runs them."""

from __future__ import annotations

import os
import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    from baiyi_lib.report.run import chinese_fonts

    if shutil.which("soffice") and (chinese_fonts() or os.environ.get("CI")):
        return
    reason = (
        "needs LibreOffice: apt-get install libreoffice-calc-nogui"
        if not shutil.which("soffice")
        else "no Chinese font (characters print as boxes): apt-get install fonts-noto-cjk"
    )
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/office/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
