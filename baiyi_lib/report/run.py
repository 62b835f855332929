"""Run a briefing notebook with papermill and render it to one offline HTML file.

- Parameters are checked before any kernel starts (unknown unit, bad date, unknown or
  invalid interpretation, missing data), with a Chinese message.
- Writes are atomic: the notebook runs in a private folder; the executed notebook and the
  HTML are written to temporary files in the target folder and moved into place only when
  both are complete, so a failed or interrupted run never leaves half a report and never
  replaces a good one. A disk that is full or read-only is OutputNotWritable (exit 5).
- Each run is recorded in ``reports/<as_of>/manifest.json``; ``reports/index.html`` lists
  every briefing, failed runs included (report.index).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import errors
from ..errors import OutputNotWritable, ParamsError, ReportError
from ..params import PROJECT_ROOT, load_rules
from ..scoring import as_of_day
from ..sources import is_store, known_moment
from ..views import latest_return_day
from . import REPORT_MODE_ENV
from .export import export_html, warm_up
from .files import atomic_write, atomic_write_all, run_folder, shared_mode
from .index import page_figures, record
from .kernel import ENGINE, Kernel, environ, kernel_log_tail
from .scored import SCORES_ENV, compute_once, loaded
from .settings import DEFAULT_NOTEBOOK

ROOT = PROJECT_ROOT
NOTEBOOKS = ROOT / "notebooks"


@dataclass
class Job:
    """One briefing to render: notebook, parameters, where it goes."""

    notebook: str
    as_of: str
    unit: str | None
    unit_id: str | None
    data: str
    rules: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    known_at: str | None = None
    pdf: bool = False
    sensitivity: bool | None = None  # None: the notebook's own default

    @property
    def stem(self) -> str:
        return self.notebook + (f"__{self.unit_id}" if self.unit_id else "")

    def parameters(self) -> dict[str, Any]:
        params = {
            "as_of": self.as_of,
            "unit": self.unit,
            "data": self.data,
            "rules": self.rules,
            "title": self.title,
            "known_at": self.known_at,
        }
        if self.sensitivity is not None:
            params["sensitivity"] = self.sensitivity
        return params


def plan(
    *,
    data: str,
    as_of: str | None = None,
    units: list[str] | None = None,
    all_units: bool = False,
    overrides: dict[str, Any] | None = None,
    notebook: str = DEFAULT_NOTEBOOK,
    title: str | None = None,
    known_at: str | None = None,
    out: str | os.PathLike | None = None,
    pdf: bool = False,
    sensitivity: bool | None = None,
) -> list[Job]:
    """Check every parameter and return the jobs; raise ParamsError before any kernel runs.

    Dates are read with the one date grammar: the as-of must lie in the campaign, the
    known_at moment must be a date (and time) a person can mean. ``out`` must be a folder
    the run can write in.
    """
    nb = NOTEBOOKS / f"{notebook}.ipynb"
    if not nb.exists():
        known = "、".join(sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
        raise ParamsError(f"未知的报告「{notebook}」(可用:{known})")
    overrides = dict(overrides or {})
    rules = load_rules(**overrides)  # unknown or invalid interpretations are refused here
    path = Path(data)
    if not path.exists():
        raise ParamsError(f"找不到台账:{data}")
    store = is_store(data)
    if known_at not in (None, "") and not store:
        raise ParamsError("--known-at 只适用于台账库(.duckdb)")
    moment = known_moment(known_at, rules) if known_at not in (None, "") else None
    if as_of not in (None, ""):
        day = as_of_day(as_of, rules)
    else:
        # loaded once: a batch's computation (scored.remember) takes them from here
        day = latest_return_day(loaded(str(path), rules, overrides, moment, keep=True), rules)
    names: list[str | None]
    if all_units:
        names = list(rules.units.names)
    elif units:
        names = [rules.units.resolve(u) for u in units]
    else:
        names = [None]
    if out is not None:
        writable_folder(Path(out))
    if pdf and find_chromium() is None:
        raise ParamsError(
            "未找到 Chromium,无法生成 PDF。请安装 chromium(Debian/统信/麒麟:apt-get install "
            "chromium)后重试;或去掉 --pdf,用浏览器打开 HTML 后打印(已按 A4 排版)。"
        )
    if pdf and not chinese_fonts():
        raise ParamsError(
            "本机没有中文字体,打印出的 PDF 中每个汉字都会是方框。请先安装中文字体(Debian/统信/"
            "麒麟:apt-get install fonts-noto-cjk)后重试;或去掉 --pdf,在装有中文字体的电脑上"
            "用浏览器打开 HTML 后打印。"
        )
    ids = {u.name: u.id for u in rules.units.units}
    return [
        Job(
            notebook,
            day.isoformat(),
            n,
            ids.get(n) if n else None,
            str(path.resolve()),
            overrides,
            title,
            None if moment is None else moment.isoformat(sep=" "),
            pdf,
            sensitivity,
        )
        for n in names
    ]


def writable_folder(out: Path) -> Path:
    """The output folder exists (or is made) and a file can be written in it; else
    ParamsError, before any kernel starts."""
    if out.exists() and not out.is_dir():
        raise ParamsError(f"输出位置 {out} 是一个文件,应为文件夹")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".baiyi-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ParamsError(
            f"无法在输出文件夹 {out} 中写入({exc.strerror}),请换一个有写入权限的文件夹"
        ) from None
    return out


def execute(job: Job, out_root: Path, kernel: Kernel | None = None) -> dict[str, Any]:
    """Run one job; return its manifest entry (status ok or failed).

    The notebook runs in a private folder (its kernel's sockets, the notebook as papermill
    writes it); the report folder receives only complete files: the page and the executed
    notebook together, or the failed notebook. A failing notebook is an entry, not an
    exception; an output the disk refuses is OutputNotWritable (exit 5), with the previous
    report left as it was. ``kernel``: a kernel shared with other jobs (batch), made fresh
    for this one; without it the job starts and stops a kernel of its own (_own_kernel).
    """
    entry: dict[str, Any] = {
        **asdict(job),
        "html": f"{job.as_of}/{job.stem}.html",
        "ipynb": f"{job.as_of}/{job.stem}.ipynb",
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
    }
    with run_folder() as work:
        notebook = work / f"{job.stem}.ipynb"
        try:
            if kernel is None:
                with _own_kernel(job, work) as own:
                    entry.update(_render(job, notebook, out_root, own, alone=True))
            else:
                entry.update(_render(job, notebook, out_root, kernel))
        except OutputNotWritable:
            raise
        except Exception as exc:  # recorded, shown in the index, reported by the CLI
            said = _error_text(exc)
            if type(exc).__name__ == "DeadKernelError":  # its log: in its private folder
                tail = kernel_log_tail(work if kernel is None else kernel.folder)
                said += "\n内核退出前的输出:\n" + (tail or "(无)")
            entry.update(status="failed", error=said)
            if notebook.exists() and notebook.stat().st_size:
                failed = f"{job.as_of}/{job.stem}.failed.ipynb"
                atomic_write(out_root / failed, notebook.read_bytes())
                entry["ipynb"] = failed
    record(out_root, entry)
    return entry


@contextlib.contextmanager
def _own_kernel(job: Job, work: Path) -> Iterator[Kernel]:
    """A kernel for one job, its sockets in the private folder ``work``, shut down after.

    The work is spread over the two cores: the kernel starts and imports the briefing's
    modules on one while this process loads and scores the ledgers on the other, as a
    batch does (scored.compute_once; the notebook reads the result back), then readies
    the page exporter while the notebook runs.
    """
    scores = work / "scores"
    scores.mkdir()
    # what the kernel inherits: report mode (charts as inline divs for the page), where
    # the scores wait; the caller's environment gets back what it had
    with environ(REPORT_MODE_ENV, "1"), environ(SCORES_ENV, str(scores)):
        kernel = Kernel(work, ROOT)
        try:
            kernel.start(wait=False)
            compute_once([job], scores)
            warm_up()
            yield kernel
        finally:
            kernel.shutdown()


def _render(
    job: Job, notebook: Path, out_root: Path, kernel: Kernel, alone: bool = False
) -> dict[str, Any]:
    """Execute the job's notebook into ``notebook`` on ``kernel``, then write its page and
    executed notebook into the report folder together (and the PDF when asked); returns
    what the entry gains. Raises whatever the run raised. A kernel used ``alone`` is asked
    to shut down as soon as the notebook is done, and exits while the page is written."""
    import papermill as pm
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    executed = pm.execute_notebook(  # the notebook papermill wrote into ``notebook``
        str(NOTEBOOKS / f"{job.notebook}.ipynb"),
        str(notebook),
        parameters=job.parameters(),
        engine_name=ENGINE,
        cwd=str(ROOT),
        progress_bar=False,
        kernel_name=NATIVE_KERNEL_NAME,
        **kernel.fresh(),
    )
    if alone:
        kernel.stop_soon()
    page = export_html(executed).encode("utf-8")
    html = out_root / job.as_of / f"{job.stem}.html"
    atomic_write_all({html: page, html.with_suffix(".ipynb"): notebook.read_bytes()})
    gained: dict[str, Any] = {
        "status": "ok",
        "bytes": len(page),
        "figures": figures_on_page(executed),
    }
    if job.pdf:
        try:
            print_pdf(html, html.with_suffix(".pdf"))
            gained["pdf"] = f"{job.as_of}/{job.stem}.pdf"
        except ReportError as exc:
            gained["pdf_error"] = str(exc)
    return gained


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_WIDTH_PX = 700  # A4 less 12 mm margins each side (186 mm) at 96 px per inch


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
# file names of the usual Chinese fonts on Linux (Noto/Source Han, WenQuanYi, AR PL, Droid)
CJK_FONT_FILES = ("*CJK*", "*cjk*", "SourceHan*", "wqy*", "uming*", "ukai*", "DroidSansFallback*",
                  "*SimSun*", "*simsun*", "*msyh*", "*SimHei*", "*simhei*")  # fmt: skip


def chinese_fonts() -> list[str]:
    """The Chinese fonts Chromium can use here (fontconfig's list for :lang=zh; without
    fc-list, the font folders searched for the usual Chinese font files)."""
    fc = shutil.which("fc-list")
    if fc:
        proc = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True,
                              check=False, timeout=30)  # fmt: skip
        return [line for line in proc.stdout.splitlines() if line.strip()]
    found = []
    for folder in map(Path, (os.path.expanduser(d) for d in FONT_DIRS)):
        for pattern in CJK_FONT_FILES:
            found += [p.name for p in folder.rglob(pattern)] if folder.is_dir() else []
    return found


def find_chromium() -> str | None:
    """The Chromium (or Chrome) on this machine, if any: the printer of the A4 handout."""
    found = (shutil.which(name) for name in CHROMIUM_NAMES)
    return next((f for f in found if f), None)


def print_pdf(page: Path, target: Path, timeout: float = 120) -> Path:
    """Print one report page to an A4 PDF beside it, in headless Chromium, offline.

    The window is as wide as A4's printable width, so every chart is laid out to fit; the
    page's own print stylesheet does the rest (page numbers, headings kept with their
    content). Written to a temporary file and moved into place.
    """
    exe = find_chromium()
    if exe is None:
        raise ReportError("未找到 Chromium,未生成 PDF")
    tmp = target.with_name(f".{target.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="baiyi-chromium-") as profile:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", f"--window-size={PRINT_WIDTH_PX},1000",
            "--virtual-time-budget=15000", "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}", page.resolve().as_uri(),
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise ReportError(f"打印 PDF 超时({timeout:.0f} 秒)") from None
    if proc.returncode or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise ReportError(f"Chromium 打印 PDF 失败(退出码 {proc.returncode}):{tail[0][:200]}")
    shared_mode(tmp)
    os.replace(tmp, target)
    return target


_OWN_ERRORS = frozenset(
    n for n, c in vars(errors).items() if isinstance(c, type) and issubclass(c, errors.BaiyiError)
)


def _error_text(exc: Exception) -> str:
    """The failing cell's error (papermill's exception carries it), in a few lines."""
    name = getattr(exc, "ename", type(exc).__name__)
    value = getattr(exc, "evalue", str(exc))
    # baiyi's own errors speak Chinese already: no class name in front of them
    text = value.strip() if name in _OWN_ERRORS else f"{name}: {value}".strip()
    if not getattr(exc, "ename", None):
        text += "\n" + "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:2000]


def figures_on_page(executed: Any) -> dict[str, str]:
    """The headline figures as the page shows them (its data-figure spans): the index
    repeats what the leaders read, without computing anything again."""
    found: dict[str, str] = {}
    for cell in executed.cells:
        for out in cell.get("outputs", []):
            markup = out.get("data", {}).get("text/html", "")
            found.update(page_figures("".join(markup) if isinstance(markup, list) else markup))
    return found
