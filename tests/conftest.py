"""Shared fixtures: the sample as it would have been sent on a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from support import sample_as_sent


@pytest.fixture(scope="session")
def sent(tmp_path_factory) -> Callable[[dt.date], Path]:
    """sent(day) → a folder with the sample ledgers as they stood on that day (each
    written once per session): for ingesting the store at a realistic moment."""
    return lambda day: sample_as_sent(day, tmp_path_factory)
