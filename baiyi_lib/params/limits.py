"""limits.yaml: what the loader refuses as implausible or unsafe input (head counts,
dates, file sizes) and when a register waits for --replace.

Owns Limits and ``load_limits``. May import ``yamlio`` only.
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
    top = c.mapping(
        data,
        "limits",
        {
            "max_persons_per_visit": dict,
            "event_dates": dict,
            "first_petition_dates": dict,
            "files": dict,
            "replacement": dict,
        },
        {},
    )
    persons = c.mapping(
        top.get("max_persons_per_visit", {}),
        "max_persons_per_visit",
        {"value": int, "reason": str},
        {},
    )
    ranges = {}
    for key in ("event_dates", "first_petition_dates"):
        r = c.mapping(
            top.get(key, {}), key, {"earliest": dt.date, "latest": dt.date, "reason": str}, {}
        )
        dated = all(type(r.get(k)) is dt.date for k in ("earliest", "latest"))
        if dated and r["earliest"] > r["latest"]:
            c.error(key, "earliest 晚于 latest")
        ranges[key] = r
    files = c.mapping(
        top.get("files", {}),
        "files",
        {
            "max_uncompressed_mb": int,
            "max_rows": int,
            "max_columns": int,
            "max_cells": int,
            "max_cell_chars": int,
            "reason": str,
        },
        {},
    )
    replacement = c.mapping(
        top.get("replacement", {}),
        "replacement",
        {"max_rows": int, "max_share": float, "reason": str},
        {},
    )
    if not 0 < replacement.get("max_share", 0.5) <= 1:
        c.error("replacement.max_share", "应在 0 到 1 之间")
    for key, value in [*files.items(), ("max_persons_per_visit", persons.get("value"))]:
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            c.error(key, "应为正整数")
    c.raise_if_any()
    return Limits(
        max_persons_per_visit=persons["value"],
        persons_reason="".join(line.strip() for line in persons["reason"].splitlines()),
        event_earliest=ranges["event_dates"]["earliest"],
        event_latest=ranges["event_dates"]["latest"],
        first_petition_earliest=ranges["first_petition_dates"]["earliest"],
        first_petition_latest=ranges["first_petition_dates"]["latest"],
        max_uncompressed_bytes=files["max_uncompressed_mb"] * 1_000_000,
        max_rows=files["max_rows"],
        max_columns=files["max_columns"],
        max_cells=files["max_cells"],
        max_cell_chars=files["max_cell_chars"],
        sha256=digest,
        replace_max_rows=replacement["max_rows"],
        replace_max_share=replacement["max_share"],
    )
