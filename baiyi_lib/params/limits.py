"""limits.yaml: what the loader refuses as implausible or unsafe input (head counts,
dates, file sizes) and when a register waits for --replace.

Owns Limits and ``load_limits``. May import ``yamlio``, ``schema`` (its declared shape)
and ``strict`` (validation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .yamlio import Checker, read_yaml


@dataclass(frozen=True)
class Limits:
    """What the loader refuses as implausible or unsafe input (limits.yaml)."""

    max_persons_per_visit: int
    persons_reason: str
    event_earliest: dt.date
    event_latest: dt.date
    first_petition_earliest: dt.date
    first_petition_latest: dt.date
    max_uncompressed_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_chars: int
    sha256: str
    # a register that would delete more rows than this (both) waits for --replace
    replace_max_rows: int
    replace_max_share: float


def load_limits(path: Path) -> Limits:
    """Load limits.yaml: every limit a positive number or an ordered date range."""
    data, digest = read_yaml(path)
    c = Checker(path)
    from .schema import LimitsFile  # pydantic only when a file is checked
    from .strict import validate

    spec = validate(c, LimitsFile, data, "limits")
    c.raise_if_any()
    assert spec is not None
    for key in ("event_dates", "first_petition_dates"):
        dates = getattr(spec, key)
        if dates.earliest > dates.latest:
            c.error(key, "earliest 晚于 latest")
    if not 0 < spec.replacement.max_share <= 1:
        c.error("replacement.max_share", "应在 0 到 1 之间")
    counts = spec.files.model_dump(exclude={"reason"})
    counts["max_persons_per_visit"] = spec.max_persons_per_visit.value
    for key, value in counts.items():
        if value < 1:
            c.error(key, "应为正整数")
    c.raise_if_any()
    files, persons = spec.files, spec.max_persons_per_visit
    return Limits(
        max_persons_per_visit=persons.value,
        persons_reason="".join(line.strip() for line in persons.reason.splitlines()),
        event_earliest=spec.event_dates.earliest,
        event_latest=spec.event_dates.latest,
        first_petition_earliest=spec.first_petition_dates.earliest,
        first_petition_latest=spec.first_petition_dates.latest,
        max_uncompressed_bytes=files.max_uncompressed_mb * 1_000_000,
        max_rows=files.max_rows,
        max_columns=files.max_columns,
        max_cells=files.max_cells,
        max_cell_chars=files.max_cell_chars,
        sha256=digest,
        replace_max_rows=spec.replacement.max_rows,
        replace_max_share=spec.replacement.max_share,
    )
