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

from ..ledgers.schema import kind_from_name
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
    label: str = ""  # the kinds' names, as the log and receipts say them (实施方案、…)

    @property
    def ok(self) -> bool:
        return not self.problem


def identify(path: Path, name: str, rules: Rules, max_bytes: int | None = None) -> DocumentFile:
    """Whose document a file is and which (by its name only: the file's own name for the
    kinds; its name, else its folders' names, for the unit), with its SHA-256 and size.
    ``problem`` says, in Chinese, why it can't be recorded: no document kinds in the
    method, no kind or no single unit in its name, an empty file or one over the size
    limit (limits.yaml)."""
    size = path.stat().st_size
    digest = _sha256(path)[0] if size and (max_bytes is None or size <= max_bytes) else ""
    docs = rules.campaign.documents
    stem = Path(name).stem
    kinds = tuple(doc.id for doc, _ in docs if any(w in stem for w in doc.words))
    parts = [stem, *reversed(Path(name).parent.parts)]
    unit = next((u for u in (_unit_of(Path(p).stem, rules) for p in parts) if u), None)
    problem = ""
    if not docs:
        problem = "考核办法没有规定一次性报送的材料,不登记"
    elif not kinds:
        names = "、".join(doc.name for doc, _ in docs)
        problem = f"文件名看不出是哪种材料(应含材料名称:{names}),未登记"
    elif unit is None:
        problem = "文件名看不出是哪个单位的材料(请以单位简称开头,如 nsz_实施方案.docx),未登记"
    elif size == 0:
        problem = "文件是空的(0 字节),未登记;请报送有内容的材料"
    elif max_bytes is not None and size > max_bytes:
        problem = f"文件超过 {max_bytes // 1_000_000} MB,未登记;请压缩后重新报送"
    label = "、".join(doc.name for doc, _ in docs if doc.id in kinds)
    return DocumentFile(path, name, unit, kinds, digest, size, problem, label)


def names_a_document(name: str, rules: Rules) -> bool:
    """Whether a file's name says it is one of the method's documents and not a ledger
    (领导小组成员名单.xlsx is a document in a spreadsheet: never read, it holds names)."""
    stem = Path(name).stem
    return kind_from_name(stem) is None and any(
        w in stem for doc, _ in rules.campaign.documents for w in doc.words
    )


def _unit_of(stem: str, rules: Rules) -> str | None:
    """A document's unit: the leading code (nsz_…) unless the name spells another unit,
    else the one unit spelled in its name, read left to right taking the longest spelling
    at each place (防汛办公室 is 防汛办 and 公室, not 办公室; 水土保持委员会办公室 is one unit)."""
    lookup = rules.units.lookup()
    code = _LEADING_CODE.match(stem)
    coded = lookup.get(code.group(1).lower()) if code else None
    text = "".join(stem.split())
    spellings = sorted((s for s in lookup if len(s) > 1 and not s.isascii()), key=len, reverse=True)
    found, i = set(), 0
    while i < len(text):
        hit = next((s for s in spellings if text.startswith(s, i)), None)
        if hit:
            found.add(lookup[hit])
            i += len(hit)
        else:
            i += 1
    if coded is not None:  # a code and a name that disagree (xdg_相邸水库管理所) say neither
        return coded if found <= {coded} else None
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
) -> list[tuple[DocumentFile, list[str], int | None]]:
    """Record each document's receipt inside the caller's transaction: one line of the
    submissions log (action ``document``, named by unit and kinds, never by its file
    name: it may name a person), and one row per kind. A kind already recorded for the
    unit with the same SHA-256 (and not withdrawn) is not recorded again. Returns, per
    document, the kinds recorded now and its submission id (None if nothing was new)."""
    now = dt.datetime.now()
    out = []
    for d in docs:
        new = [
            kind
            for kind in d.kinds
            if not con.execute(
                "SELECT count(*) FROM documents d JOIN submissions s ON s.id = d.submission_id "
                "WHERE d.unit = ? AND d.kind = ? AND d.sha256 = ? AND NOT EXISTS (SELECT 1 "
                "FROM submissions w WHERE w.action = 'withdraw' AND w.withdraws = s.id)",
                [d.unit, kind, d.sha256],
            ).fetchall()[0][0]
        ]
        sid = None
        if new:
            sid = con.execute("SELECT coalesce(max(id), 0) + 1 FROM submissions").fetchall()[0][0]
            con.execute(
                "INSERT INTO submissions (id, file, sha256, received, ingested, rows_read, batch, "
                "action) VALUES (?, ?, ?, ?, ?, 0, ?, 'document')",
                [sid, f"材料:{d.unit} {d.label}", d.sha256, received, now, sid],
            )
            con.execute("INSERT INTO submission_units VALUES (?, ?)", [sid, d.unit])
            con.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[sid, received, now, d.unit, kind, d.sha256, d.size] for kind in new],
            )
        out.append((d, new, sid))
    return out


def documents_received(
    store: str | Path, known_at: dt.datetime | None = None, wait: float = 60.0
) -> pd.DataFrame:
    """The documents the store recorded by ``known_at`` (default: all) and not withdrawn
    by then: unit, kind, received, sha256, one row per receipt, earliest first."""
    cut = known_at or dt.datetime(9999, 12, 31)
    with reading(store, wait) as con:
        return con.execute(
            "SELECT d.unit, d.kind, d.received, d.sha256 FROM documents d "
            "JOIN submissions s ON s.id = d.submission_id WHERE d.received <= $cut "
            "AND NOT EXISTS (SELECT 1 FROM submissions w WHERE w.action = 'withdraw' "
            "AND w.withdraws = s.id AND w.received <= $cut) ORDER BY d.received, d.unit, d.kind",
            {"cut": cut},
        ).df()
