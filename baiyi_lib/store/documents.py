"""One-off documents (实施方案 五、四): their receipt recorded, never their content.

By a deadline each unit sends documents (动员部署情况、实施方案、领导小组成员名单 by 2月27日;
典型经验、活动总结报告 by 5月25日: campaign.yaml ``deadlines[].documents``). ``baiyi ingest``
of such a file records that it came: the unit, the document kind(s), the moment received and
the file's SHA-256. The file is not opened: a 成员名单 holds names, and the store keeps none;
its name is not stored either (a file may be named after a person).

A file is a document by its format (Word, WPS, PDF, OFD, a scan), its unit by the leading
code of its name (``nsz_…``) or the one unit spelled in it, its kinds by the words of
``documents[].words`` in its name (one file may carry several: 动员部署情况及实施方案).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..params import Rules
from .connection import reading

_LEADING_CODE = re.compile(r"^([A-Za-z]+)[_\-]")

DOCUMENT_COLUMNS = ["unit", "kind", "received", "sha256"]


@dataclass(frozen=True)
class DocumentFile:
    """A file of a batch taken as a document: its unit and kinds, or why it can't be."""

    path: Path
    name: str  # as shown to the clerk (never stored)
    unit: str | None
    kinds: tuple[str, ...]  # document ids (campaign.yaml deadlines[].documents[].id)
    sha256: str
    size: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def identify(path: Path, name: str, rules: Rules) -> DocumentFile:
    """Whose document a file is and which (by its name only), with its SHA-256 and size.
    ``problem`` says, in Chinese, why it can't be recorded: no document kinds in the
    method, no kind or no single unit in its name."""
    digest, size = _sha256(path)
    docs = rules.campaign.documents
    stem = Path(name).stem
    kinds = tuple(doc.id for doc, _ in docs if any(w in stem for w in doc.words))
    unit = _unit_of(stem, rules)
    problem = ""
    if not docs:
        problem = "考核办法没有规定一次性报送的材料,不登记"
    elif not kinds:
        names = "、".join(doc.name for doc, _ in docs)
        problem = f"文件名看不出是哪种材料(应含材料名称:{names}),未登记"
    elif unit is None:
        problem = "文件名看不出是哪个单位的材料(请以单位简称开头,如 nsz_实施方案.docx),未登记"
    return DocumentFile(path, name, unit, kinds, digest, size, problem)


def _unit_of(stem: str, rules: Rules) -> str | None:
    """A document's unit: the leading code (nsz_…), else the one unit spelled in its name."""
    lookup = rules.units.lookup()
    code = _LEADING_CODE.match(stem)
    if code and code.group(1).lower() in lookup:
        return lookup[code.group(1).lower()]
    squashed = "".join(stem.split())
    spelled = [s for s in lookup if len(s) > 1 and not s.isascii() and s in squashed]
    # 办公室 inside 水土保持委员会办公室 is not a second unit: the longest spelling wins
    spelled = [s for s in spelled if not any(s != t and s in t for t in spelled)]
    found = {lookup[s] for s in spelled}
    return next(iter(found)) if len(found) == 1 else None


def _sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def record(
    con: duckdb.DuckDBPyConnection, docs: list[DocumentFile], received: dt.datetime
) -> list[tuple[DocumentFile, list[str]]]:
    """Record each document's receipt (one row per kind), inside the caller's transaction;
    a kind already recorded for the unit with the same SHA-256 is not recorded again.
    Returns, per document, the kinds recorded now."""
    now = dt.datetime.now()
    out = []
    for d in docs:
        new = []
        for kind in d.kinds:
            seen = con.execute(
                "SELECT count(*) FROM documents WHERE unit = ? AND kind = ? AND sha256 = ?",
                [d.unit, kind, d.sha256],
            ).fetchall()[0][0]
            if not seen:
                con.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
                    [received, now, d.unit, kind, d.sha256, d.size],
                )
                new.append(kind)
        out.append((d, new))
    return out


def documents_received(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> pd.DataFrame:
    """The documents the store recorded by ``known_at`` (default: all): unit, kind,
    received, sha256, one row per receipt, earliest first."""
    cut = known_at or dt.datetime(9999, 12, 31)
    with reading(store, wait) as con:
        return con.execute(
            "SELECT unit, kind, received, sha256 FROM documents WHERE received <= ? "
            "ORDER BY received, unit, kind",
            [cut],
        ).df()
