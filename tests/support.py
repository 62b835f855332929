"""Test helpers: small ledgers from plain rows, with the contract's defaults filled in."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml

from baiyi_lib import load_ledgers, load_rules
from baiyi_lib.ledgers import Ledgers
from baiyi_lib.ledgers.schema import SCHEMAS

DEFAULTS = {
    "visits": {"form": "个体", "persons": 1},
    "screening": {"status": "未化解"},
    "backlog": {"status": "未化解"},
}


def frames(**tables: list[dict]) -> dict[str, pd.DataFrame]:
    """A dict of DataFrames for load_ledgers: every kind present, every column present;
    the leaders' roster only when given (an empty roster lists every day as uncovered)."""
    out = {}
    for kind, cols in SCHEMAS.items():
        if kind == "roster" and kind not in tables:
            continue
        rows = [{**DEFAULTS.get(kind, {}), **r} for r in tables.get(kind, [])]
        names = [c.name for c in cols]
        # a method's declared columns (已预警…) where the rows carry them
        names += sorted({k for r in rows for k in r} - set(names))
        df = pd.DataFrame(rows, columns=names)
        for c in cols:
            if c.type in ("date", "opt_date"):
                df[c.name] = df[c.name].map(
                    lambda v: v.isoformat() if isinstance(v, dt.date) else v
                )
        out[kind] = df.astype(object)
    return out


RULES = load_rules()


@contextlib.contextmanager
def tmpfs(size: str, at: Path | None = None):
    """A small file system of its own (root only), at a new folder ``at`` or in /tmp:
    read-only or full on demand; skipped with the reason where it can't be mounted."""
    mount = at or Path("/tmp") / f"baiyi-fs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    try:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
            capture_output=True,
            check=False,
        )
        if proc.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)
        mount.rmdir()


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last block; returns the filler file."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    return filler


def remount_read_only(mount: Path) -> None:
    """Make a tmpfs of ``tmpfs()`` read-only."""
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def ledgers(**tables: list[dict]) -> Ledgers:
    """Validated ledgers from plain rows (units and categories checked against params/)."""
    return load_ledgers(frames(**tables), RULES)


def visit(
    visit_id: str, date: str, unit: str, level: str, form: str = "个体", persons: int = 1, **kw
) -> dict:
    return {
        "visit_id": visit_id,
        "date": date,
        "unit": unit,
        "level": level,
        "form": form,
        "persons": persons,
        **kw,
    }


# Debian's Chromium as the tests drive it: offline, no sandbox (root), a fresh profile
# (playwright gives each launch its own).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright, executable: str):
    """A headless Chromium from Debian's package (no browser download), for page tests."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


class YamlCase(pytest.Item):
    """One plain-language case from a tests/*/cases/*.yaml file (openfisca's YAML tests).

    Every case names its clause or target and says in words what it checks; a failure
    prints both before the assertion. Subclasses define ``runtest``."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        assert case.get("clause"), f"case {case['name']} cites no clause"
        assert case.get("description"), f"case {case['name']} has no plain-language description"

    def repr_failure(self, excinfo):
        c = self.case
        return f"{c['name']} ({c['clause']})\n  {c['description']}\n  {excinfo.value}"

    def reportinfo(self):
        return self.path, 0, f"case: {self.name}"


def collect_yaml_cases(parent, file_path, item: type[YamlCase]):
    """The ``pytest_collect_file`` hook of a cases folder: each YAML list entry under
    ``cases/`` becomes one ``item``."""
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        return _CaseFile.from_parent(parent, path=file_path, item=item)
    return None


class _CaseFile(pytest.File):
    def __init__(self, *, item: type[YamlCase], **kwargs):
        super().__init__(**kwargs)
        self.item = item

    def collect(self):
        for case in yaml.safe_load(self.path.read_text(encoding="utf-8")):
            yield self.item.from_parent(self, name=case["name"], case=case)


_SENT: dict = {}


def sample_as_sent(day: dt.date, tmp_path_factory) -> Path:
    """The sample ledgers as they would have been sent on ``day`` (written once per day
    and test session): for ingesting a store at a realistic moment."""
    from baiyi_lib.sample import write_sample

    if day not in _SENT:
        out = tmp_path_factory.mktemp(f"sample_{day:%m%d}")
        write_sample(out, as_sent=day)
        (out / "README.md").unlink()
        _SENT[day] = out
    return _SENT[day]


# PDF text as a reader sees it. A PDF printed with Noto CJK maps some characters back to
# look-alike radicals (⽇ for 日, ⻚ for 页) when its text is extracted: the glyphs are
# right, the text layer is not. NFKC folds the Kangxi radicals; the simplified radicals of
# the supplement block have no decomposition, so they are listed.
_RADICALS = str.maketrans(
    {
        "⻚": "页", "⻓": "长", "⻔": "门", "⻛": "风", "⻋": "车", "⻅": "见", "⻢": "马",
        "⻜": "飞", "⻙": "韦", "⻘": "青", "⻝": "食", "⻥": "鱼", "⻦": "鸟", "⻨": "麦",
        "⻩": "黄", "⻬": "齐", "⻮": "齿", "⻰": "龙", "⻳": "龟", "⺠": "民", "⺟": "母",
        "⻆": "角", "⻉": "贝", "⻑": "长", "⻖": "阝", "⻗": "雨", "⻤": "鬼",
    }
)  # fmt: skip


def _fold(text: str | None) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text or "").translate(_RADICALS)


def pdf_text(text: str | None) -> str:
    """Extracted PDF text with its radicals folded to the characters shown, no spaces."""
    return "".join(_fold(text).split())


def pdf_lines(text: str | None) -> list[str]:
    """Extracted PDF text line by line, radicals folded, words one space apart."""
    return [" ".join(line.split()) for line in _fold(text).splitlines()]


# HTML as a reader sees it: the visible text and the tables, parsed from the page itself.


def html_text(markup: str) -> str:
    """A page's visible text (no scripts, no styles)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return soup.get_text()


def html_tables(markup: str) -> list[pd.DataFrame]:
    """Every table of a page as shown: header cells as columns, each cell's text,
    ``hl``: whether the page highlights the row, and ``links``: the row's link targets."""
    from bs4 import BeautifulSoup

    out = []
    for t in BeautifulSoup(markup, "html.parser").find_all("table"):
        head = [th.get_text() for th in t.select("thead th")]
        rows = t.select("tbody tr")
        cells = [[td.get_text() for td in tr.find_all("td", recursive=False)] for tr in rows]
        df = pd.DataFrame(cells, columns=head)
        df["hl"] = ["hl" in (tr.get("class") or []) for tr in rows]
        df["links"] = [[a["href"] for a in tr.find_all("a")] for tr in rows]
        out.append(df)
    return out


def html_table(markup: str, *columns: str) -> pd.DataFrame:
    """The one table of a page whose header begins with ``columns``."""
    found = [t for t in html_tables(markup) if list(t.columns[: len(columns)]) == list(columns)]
    assert len(found) == 1, [list(t.columns) for t in html_tables(markup)]
    return found[0]


# What a leader or a clerk reads is Chinese: code's identifiers belong in a technical
# appendix. A ledger file's own name (走访登记.csv, units/ymb_移民扶持办公室.xlsx) is the
# user's data and may be shown; everything else in ASCII letters is suspect.
_FILE_NAME = re.compile(
    r"[^\s:：,，;；()（）「」]+\.(?:xlsx|xlsm|xlsb|xls|csv|ods|et|zip|txt|html|pdf|md)\b"
)
_IDENTIFIER = re.compile(
    r"[A-Za-z_]\w*(?:[./=][\w-]+)+"  # backlog.10y, params/campaign.yaml, doubling=stack
    r"|--[a-z][\w-]*"  # --set
    r"|(?<![\w.])/[a-z]+/"  # /work/…
    r"|\b[a-z_]{3,}\b"  # any lowercase word: baiyi, compare, office_visits, replaces
)


def identifiers(text: str) -> list[str]:
    """The code identifiers, commands and paths in a page's text (outside its appendix)."""
    return sorted(set(_IDENTIFIER.findall(_FILE_NAME.sub(" ", text))))
