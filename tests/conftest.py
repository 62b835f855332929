"""Shared fixtures: the sample as it would have been sent on a given day."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import sample_as_sent


@pytest.fixture(scope="session")
def sent(tmp_path_factory) -> Callable[[dt.date], Path]:
    """sent(day) → a folder with the sample ledgers as they stood on that day (each
    written once per session): for ingesting the store at a realistic moment."""
    return lambda day: sample_as_sent(day, tmp_path_factory)


@pytest.fixture
def short_temp() -> Iterator[Path]:
    """An empty folder with a short path, for a report run's TMPDIR: the run's kernel
    listens on IPC sockets at <TMPDIR>/baiyi-kernel-XXXXXXXX/kernel-N, and a Unix socket's
    path holds at most 107 bytes. tmp_path is longer under pytest-xdist (…/pytest-N/
    popen-gw0/test_what_a_killed_run_leaves0/temp/…: 108 bytes), where the kernel could
    not bind its sockets."""
    path = Path(tempfile.mkdtemp(prefix="by-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
