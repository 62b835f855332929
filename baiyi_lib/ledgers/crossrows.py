"""Checks across rows and ledgers: ids are unique (a backlog row written twice is merged),
and an incident's linked visit exists."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .checks import CHECKS
from .problems import Problems
from .schema import KEYS


def check_unique(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    refused: np.ndarray,
    problems: Problems,
    keys: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Ids must be unique; a backlog case (or a roster's day and post) repeated with
    identical content is merged. ``keys``: an id column's key codes (``cells.Parsed``),
    so that a million ids are compared as integers.

    Returns the mask of rows merged into an earlier identical row (used, not kept twice).
    """
    merged = np.zeros(len(typed), dtype=bool)
    if kind == "screening":
        return merged
    codes = _key_codes(kind, typed, keys or {})
    ok = ~refused & (codes >= 0)
    if not ok.any() or np.bincount(codes[ok]).max() < 2:  # counted, not hashed (10M ids)
        return merged
    order = frame[["src_file", "src_sheet", "src_row"]].astype({"src_row": "int64"})
    idx = order[ok].sort_values(["src_file", "src_sheet", "src_row"]).index
    ids = pd.Series(codes, index=typed.index).loc[idx]
    dup = ids.duplicated(keep="first")
    if not dup.any():
        return merged
    first_pos = pd.Series(ids[~dup].index, index=ids[~dup].to_numpy())
    dup_idx = ids[dup].index
    firsts = first_pos.loc[ids[dup].to_numpy()].to_numpy()
    content = [c for c in typed.columns if c in headers]  # the contract's and declared ones
    same = np.array(
        [
            typed.loc[a, content].equals(typed.loc[b, content])
            for a, b in zip(dup_idx, firsts, strict=True)
        ]
    )
    if kind in ("backlog", "roster"):  # the same row written twice is one row
        merged[dup_idx[same]] = True
        _say_repeats(kind, frame, headers, dup_idx[same], firsts[same], problems, "rows.merged")
        conflict = dup_idx[~same]
        firsts = firsts[~same]
    else:
        conflict = dup_idx
    _say_repeats(kind, frame, headers, conflict, firsts, problems, "rows.unique")
    return merged


def _say_repeats(
    kind: str,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    repeats: pd.Index,
    firsts: np.ndarray,
    problems: Problems,
    check: str,
) -> None:
    """At each repeated row, the row it repeats (file, sheet, row): an error for an id
    used twice (rows.unique), a remark for a row written twice and counted once
    (rows.merged)."""
    if not len(repeats):
        return
    mask = np.zeros(len(frame), dtype=bool)
    mask[repeats] = True
    where = pd.Series("", index=frame.index, dtype=object)
    where[repeats] = [
        CHECKS[check].say(
            file=frame.at[f, "src_file"],
            sheet=f"「{frame.at[f, 'src_sheet']}」" if frame.at[f, "src_sheet"] else "",
            row=frame.at[f, "src_row"],
            differs="但内容不同" if kind == "backlog" else "",
        )
        for f in firsts
    ]
    shown = KEYS[kind][0]  # a composite key is shown by its first column (the day)
    problems.add(frame, mask, kind, headers[shown], frame[shown], where, check=check)


def _key_codes(kind: str, typed: pd.DataFrame, keys: dict[str, np.ndarray]) -> np.ndarray:
    """Each row's key as an integer, -1 where blank: an id's codes as parsed, or the
    roster's day and post (the whole row) factorised together."""
    names = KEYS[kind]
    if len(names) == 1 and names[0] in keys:
        return keys[names[0]]
    parts = [typed[k].astype(str).where(typed[k].notna()) for k in names]
    joined = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    return pd.factorize(joined, use_na_sentinel=True)[0]


def check_links(
    frames: dict[str, pd.DataFrame], problems: Problems, refused: pd.Series | None = None
) -> None:
    """An incident's linked visit should exist (a remark, the incident still counts).

    ``refused``: the ids of visit rows refused (their own errors say why), which exist
    and are not "not found"; None when a file or table was refused whole (it may hold
    the visit), so that whether a visit exists can't be told — then nothing is said."""
    inc = frames["incidents"]
    if inc.empty or refused is None:
        return
    linked = inc["visit_id"].notna()
    known = inc["visit_id"].isin(frames["visits"]["visit_id"]) | inc["visit_id"].isin(refused)
    missing = (linked & ~known).to_numpy()
    problems.add(
        inc.assign(src_file=inc["src_file"].astype(str)),
        missing,
        "incidents",
        "关联走访编号",
        inc["visit_id"].astype(object).fillna(""),
        check="rows.link",
    )
