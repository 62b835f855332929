"""The record of report runs: one ``manifest.json`` per report folder
(``reports/<as_of>/``), and ``reports/index.html`` listing every report.

- A manifest keeps, per report (notebook and unit), the last good run and, when a later
  run of it failed, that failed run beside it: a failure never hides the good page it
  did not replace.
- A damaged manifest (cut off, not JSON, not a list of entries) is set aside once, renamed
  ``manifest.json.damaged-<time>`` and said on stderr; the index is then built from the
  other manifests and from the report pages it can still see in the folders.
- The index lists the reports in the order the leading group reads them (``in_index_order``),
  whatever order the runs finished in: by kind (the system's weekly briefings, the units'
  weekly briefings, the final assessment, the units' final assessments, the analysts'
  explorations), then by date, newest first, then by unit in the order of
  params/units.yaml; a failed run right after the good report it did not replace.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import json
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import ParamsError, UnknownUnitError
from ..params import load_rules
from .files import REPORT_FOLDER, atomic_write
from .markup import render, stylesheet

MANIFEST = "manifest.json"
REPORT_NAMES = {"weekly_briefing": "周报", "final_assessment": "总结考核", "explore": "台账探索"}
FIGURE = re.compile(r'data-figure="([a-z_]+)">([^<]*)<')

# The fields an entry must have to be listed, and the types of those it may have.
NULL = type(None)
REQUIRED = {"notebook": str, "as_of": str, "unit": (str, NULL), "status": str, "html": str,
            "generated": str}  # fmt: skip
OPTIONAL = {"pdf": (str, bool), "error": str, "known_at": (str, NULL), "rules": (dict, NULL),
            "figures": (dict, NULL)}  # fmt: skip


# --------------------------------------------------------------------------- manifests


def record(out_root: Path, entry: dict[str, Any]) -> None:
    """Add this run's entry to its folder's manifest (atomically, one process at a time)
    and write the index again."""
    path = out_root / entry["as_of"] / MANIFEST
    out_root.mkdir(parents=True, exist_ok=True)
    # parallel runs update the same manifest: one at a time
    with open(out_root / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = merged(read_manifest(path), entry, out_root)
        atomic_write(path, json.dumps(entries, ensure_ascii=False, indent=1).encode("utf-8"))
        write_index(out_root)


def merged(entries: list[dict[str, Any]], entry: dict[str, Any], out_root: Path) -> list[dict]:
    """A manifest's entries with a new run's entry.

    A good run replaces every earlier entry of its report (same notebook and unit). A
    failed run replaces an earlier failed one and is kept beside the last good one, as
    long as that one's page is still there (a failed run never replaces a good page)."""

    def kept(e: dict[str, Any]) -> bool:
        if (e["notebook"], e["unit"]) != (entry["notebook"], entry["unit"]):
            return True
        return entry["status"] != "ok" and e["status"] == "ok" and (out_root / e["html"]).exists()

    out = [e for e in entries if kept(e)] + [entry]
    return sorted(out, key=lambda e: (e["notebook"], e["unit"] or "", e["generated"]))


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """The entries of one manifest ([] if there is none). A damaged one is set aside
    (set_aside) and read as [], so that no later run stumbles on it again."""
    try:
        entries = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return []
    except (ValueError, IsADirectoryError):  # not UTF-8 or not JSON: cut off, overwritten
        entries = None
    if well_formed(entries):
        return entries
    set_aside(path)
    return []


def well_formed(entries: Any) -> bool:
    """A manifest's content as record() writes it: a list of entries, each with the
    fields the index reads, of their types."""
    return isinstance(entries, list) and all(
        isinstance(e, dict)
        and all(k in e and isinstance(e[k], t) for k, t in REQUIRED.items())
        and all(isinstance(e[k], t) for k, t in OPTIONAL.items() if k in e)
        for e in entries
    )


def set_aside(path: Path) -> Path | None:
    """Rename a damaged manifest to ``manifest.json.damaged-<time>`` beside it and say so
    on stderr; returns the new name (None, said too, if it could not be renamed)."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        path.rename(aside)
    except OSError as exc:
        print(
            f"提示:{path} 已损坏,且无法改名留存({exc.strerror});本次目录不列出其中的记录。",
            file=sys.stderr,
        )
        return None
    print(
        f"提示:{path} 已损坏,已改名为 {aside.name} 留存;"
        "报告目录按其余记录和文件夹中现有的报告页重新列出。",
        file=sys.stderr,
    )
    return aside


# --------------------------------------------------------------------------- what is listed


def listed(out_root: Path) -> list[dict[str, Any]]:
    """Every entry the index lists, in index order."""
    folders = (p for p in out_root.iterdir() if p.is_dir() and REPORT_FOLDER.fullmatch(p.name))
    return in_index_order([e for folder in folders for e in folder_entries(folder)])


# The kinds of report in the order the index lists them: the system's weekly briefing is
# what the leading group reads every week; then each unit's; the final assessment comes
# once, at the end of the campaign; the analysts' explorations last. (notebook, for a unit)
KIND_ORDER = (("weekly_briefing", False), ("weekly_briefing", True),
              ("final_assessment", False), ("final_assessment", True),
              ("explore", False), ("explore", True))  # fmt: skip


def in_index_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries by kind (KIND_ORDER; other notebooks after, by name), then date (newest
    first), then unit (in the order of params/units.yaml; a unit it does not know after,
    by name); the runs of one report in the order they were made, so that a failed run
    follows the good report it did not replace."""

    def kind(e: dict[str, Any]) -> tuple[int, str, bool]:
        scope = (e["notebook"], e["unit"] is not None)
        known = scope in KIND_ORDER
        return (KIND_ORDER.index(scope) if known else len(KIND_ORDER), e["notebook"], scope[1])

    def unit(e: dict[str, Any]) -> tuple[int, str]:
        if e["unit"] is None:  # the whole system
            return (-1, "")
        position = _unit_positions().get(e["unit"])
        return (position, "") if position is not None else (len(_unit_positions()), e["unit"])

    out = sorted(entries, key=lambda e: e["generated"])  # sorts are stable: least key first
    out.sort(key=unit)
    out.sort(key=lambda e: e["as_of"], reverse=True)
    out.sort(key=kind)
    return out


@functools.cache
def _unit_positions() -> dict[str, int]:
    """Each unit's place in params/units.yaml (as attachment 1 lists them)."""
    return {name: i for i, name in enumerate(load_rules().units.names)}


def folder_entries(folder: Path) -> list[dict[str, Any]]:
    """One report folder's entries: its manifest's, and the pages no good entry names
    (their record was lost), as read off the page itself."""
    known = read_manifest(folder / MANIFEST)
    named = {e["html"] for e in known if e["status"] == "ok"}
    pages = sorted(p for p in folder.glob("*.html") if not p.name.startswith("."))
    found = [found_page(p, folder.name) for p in pages if f"{folder.name}/{p.name}" not in named]
    return sorted(known + found, key=lambda e: (e["notebook"], e["unit"] or "", e["generated"]))


def found_page(page: Path, as_of: str) -> dict[str, Any]:
    """The entry of a report page whose record was lost: what its name and its content
    say (notebook, unit, headline figures), its PDF if one is beside it, generated when
    the file was written."""
    notebook, _, unit_id = page.stem.partition("__")
    written = dt.datetime.fromtimestamp(page.stat().st_mtime)
    pdf = page.with_suffix(".pdf")
    return {
        "notebook": notebook,
        "as_of": as_of,
        "unit": _unit_name(unit_id) if unit_id else None,
        "status": "ok",
        "found": True,
        "html": f"{as_of}/{page.name}",
        "pdf": f"{as_of}/{pdf.name}" if pdf.exists() else False,
        "figures": page_figures(page.read_text(encoding="utf-8", errors="replace")),
        "generated": written.isoformat(timespec="seconds"),
    }


@functools.cache
def _unit_name(unit_id: str) -> str:
    """The unit's name for the id in a page's file name (the id itself if unknown)."""
    try:
        return load_rules().units.resolve(unit_id)
    except UnknownUnitError:
        return unit_id


def page_figures(text: str) -> dict[str, str]:
    """The headline figures a page shows (its data-figure spans)."""
    return dict(FIGURE.findall(text))


# --------------------------------------------------------------------------- the index page


def _index_figures(notebook: str, f: dict[str, str]) -> str:
    """The headline figures an index row repeats, as fits the kind of report."""
    parts = []  # only what the page states (a method without a backlog shows none)
    if notebook == "weekly_briefing" and f:
        parts.append(
            f"本周 {f.get('person_visits_week', '?')} 人次;"
            f"累计 {f.get('person_visits_to_date', '?')} 人次"
        )
        if "backlog_total" in f:
            parts.append(f"积案认定 {f.get('backlog_certified', '?')}/{f['backlog_total']} 件")
        if "vetoed_units" in f:
            parts.append(f"一票否决 {f['vetoed_units']} 个单位")
    if notebook == "final_assessment" and f:
        parts.append(f"最高 {f.get('top_score', '?')} 分、最低 {f.get('bottom_score', '?')} 分")
        if "star_units" in f:
            parts.append(f"一票否决 {f.get('vetoed_units', '?')} 个单位")
            parts.append(f"可授予{f.get('award', '')} {f['star_units']} 个单位")
    return ";".join(parts)


def _row(e: dict[str, Any]) -> dict[str, Any]:
    """One index row: date, scope, the linked report, status, figures, settings, time."""
    settings = [_reading_words(k, v) for k, v in (e.get("rules") or {}).items()]
    if e.get("known_at"):
        settings.append(f"已知时间 {e['known_at'][:16]}")
    return {
        "as_of": e["as_of"],
        "unit": e["unit"] or "全系统",
        "name": REPORT_NAMES.get(e["notebook"], e["notebook"]),
        "html": e["html"],
        "pdf": e.get("pdf"),
        "failed": e["status"] != "ok",
        "error": e.get("error", ""),
        "found": e.get("found"),
        "figures": _index_figures(e["notebook"], e.get("figures") or {}),
        "settings": "不详" if e.get("found") else ";".join(settings) or "默认",
        "generated": e["generated"].replace("T", " "),
    }


def write_index(out_root: Path) -> Path:
    """reports/index.html: every report with date, scope, kind, status and the headline
    figures its page shows, in the reports' own stylesheet; failed runs with their error,
    beside the good report of the same kind they did not replace."""
    entries = listed(out_root)
    good = sum(e["status"] == "ok" for e in entries)
    page = render(
        "reports.html.j2",
        name=load_rules().campaign.short_name,
        css=stylesheet(),
        good=good,
        failed=len(entries) - good,
        rows=[_row(e) for e in entries],
    )
    index = out_root / "index.html"
    atomic_write(index, page.encode("utf-8"))
    return index


def _reading_words(name: str, value: object) -> str:
    """A reading recorded in a manifest, in the leading group's words."""
    try:
        return load_rules().interpretations[name].words(value)
    except (KeyError, ValueError, TypeError, ParamsError):
        return "另一种口径"
