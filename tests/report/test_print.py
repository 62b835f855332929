"""The briefing as a printed handout: `baiyi report --pdf` prints A4 in Chromium.

Checked on the PDF itself (page size, what the first page says) and on the page as
Chromium lays it out for print (no chart wider than the printable width). The expected
figures come from the raw register (tests/truth.py) and the points table.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from support import launch_chromium, pdf_lines, pdf_text
from truth import SAMPLE, counted, day, happened, scores

from baiyi_lib import ParamsError
from baiyi_lib.cli import main
from baiyi_lib.report import run as report_run

CHROMIUM = shutil.which("chromium")
AS_OF = "2019-04-26"
A4 = (595.3, 841.9)  # points (Chromium writes 594.96 × 841.92)
PRINTABLE_PX = 186 / 25.4 * 96  # A4 less 12 mm margins, in CSS pixels

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed"
    ),
    pytest.mark.skipif(
        not report_run.chinese_fonts() and not os.environ.get("CI"),
        reason="no Chinese font: apt-get install fonts-noto-cjk",
    ),
]
CJK_FONT = re.compile(
    r"CJK|SourceHan|Source\s?Han|WenQuanYi|wqy|Droid|SimSun|SimHei|YaHei|Noto Sans SC"
)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    out = tmp_path_factory.mktemp("handout")
    code = main(["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--out", str(out), "--pdf"])
    assert code == 0
    html = out / AS_OF / "weekly_briefing.html"
    pdf = out / AS_OF / "weekly_briefing.pdf"
    with pdfplumber.open(pdf) as doc:
        texts = [pdf_text(p.extract_text()) for p in doc.pages]
    return html, pdf, texts


def test_the_pdf_lies_beside_the_html_and_is_linked_from_the_index(printed):
    html, pdf, _ = printed
    assert pdf.exists() and pdf.stat().st_size > 10_000
    assert pdf.stat().st_mode & 0o777 == html.stat().st_mode & 0o777
    index = (html.parent.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{AS_OF}/weekly_briefing.pdf">PDF</a>' in index


def test_the_handout_embeds_a_chinese_font(printed):
    """Every Chinese character is drawn with a Chinese font (a box otherwise)."""
    _, pdf, texts = printed
    with pdfplumber.open(pdf) as doc:
        chinese = [
            c["fontname"] for p in doc.pages for c in p.chars if "\u4e00" <= c["text"] <= "\u9fff"
        ]
    assert chinese and all(CJK_FONT.search(f) for f in chinese), set(chinese)
    assert "本周要点" in texts[0]


def test_without_a_chinese_font_the_pdf_is_refused_before_any_kernel(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_run, "chinese_fonts", lambda: [])
    out = tmp_path / "r"
    argv = ["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--out", str(out), "--pdf"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err and "方框" in err
    assert not (out / AS_OF).exists()


def test_every_page_is_a4_and_numbered(printed):
    _, pdf, texts = printed
    with pdfplumber.open(pdf) as doc:
        sizes = [(float(p.width), float(p.height)) for p in doc.pages]
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes), sizes
    assert all(f"第{i}页/共{len(texts)}页" in t for i, t in enumerate(texts, 1))
    # a handout, not the 14 pages it was (tables at 10.5 pt take a page more than at 8 pt)
    assert len(texts) <= 12


# a ranking row as printed: rank, unit, score, change, deductions, bonuses, flags (是)
_RANKED = re.compile(r"(\d+) (\S+) (-?\d+) [+-]?\d+ (\d+) (\d+)(?: 是)*")


def test_the_first_page_holds_the_headline_and_the_whole_ranking(printed):
    _, pdf, texts = printed
    first = texts[0]
    seen, charged = happened(day(AS_OF)), counted(day(AS_OF))
    assert "本周要点" in first and f"累计{seen['persons'].sum()}人次" in first
    assert f"其中计分{charged['persons'].sum()}人次" in first
    assert "单位得分排名" in first
    with pdfplumber.open(pdf) as doc:
        lines = pdf_lines(doc.pages[0].extract_text())
    rows = [m.groups() for line in lines if (m := _RANKED.fullmatch(line))]
    shown = {unit: [int(rank), int(pts), int(ded), int(bon)] for rank, unit, pts, ded, bon in rows}
    # every unit on page 1, each on one line with its own figures, worked out from the sample
    truth = scores(day(AS_OF))
    assert len(rows) == len(shown) == len(truth)
    assert shown == truth[["rank", "score", "deductions", "bonuses"]].T.to_dict("list")
    # this week's visits at 到市 and above, each on a line with its unit, level and persons
    week = seen[(seen["day"] > day("2019-04-19")) & seen["level"].isin(["进京", "去省", "到市"])]
    assert len(week)
    for r in week.itertuples():
        assert any(r.unit in x and r.level in x and f" {r.persons} " in f" {x} " for x in lines)
    assert "得分变化最大" in first


def test_printed_tables_are_at_least_wuhao(printed):
    """五号 (10.5 pt) at the least: every table cell as Chromium lays the page out for print,
    and the ranking's characters in the PDF itself."""
    from playwright.sync_api import sync_playwright

    html, pdf, _ = printed
    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.as_uri())
        page.emulate_media(media="print")
        sizes = page.evaluate(
            "[...document.querySelectorAll('table.baiyi td, table.baiyi th')]"
            ".filter(e => !e.closest('.appendix'))"
            ".map(e => parseFloat(getComputedStyle(e).fontSize))"
        )
        browser.close()
    assert sizes and min(sizes) >= 14 - 0.01, min(sizes)  # 10.5 pt = 14 CSS px
    with pdfplumber.open(pdf) as doc:
        chars = [c for c in doc.pages[0].chars if c["text"] in "财务科"]
    assert chars and min(c["size"] for c in chars) >= 10.4


def _filled(page) -> float:
    """How far down the page its content reaches (page numbers at the foot aside)."""
    objs = page.chars + page.rects + page.lines + page.curves + page.images
    body = [o["bottom"] for o in objs if o["bottom"] < page.height - 45]
    return max(body, default=0) / page.height


@pytest.fixture(scope="module")
def handouts(printed, tmp_path_factory) -> dict[str, Path]:
    """The handout on a Wednesday, on the Friday of `printed` and on the busiest last week."""
    out = tmp_path_factory.mktemp("handouts")
    pdfs = {AS_OF: printed[1]}
    for as_of in ("2019-04-24", "2019-05-31"):
        assert main(["report", "--data", str(SAMPLE), "--as-of", as_of, "--out", str(out),
                     "--pdf"]) == 0  # fmt: skip
        pdfs[as_of] = out / as_of / "weekly_briefing.pdf"
    return pdfs


@pytest.mark.parametrize("as_of", ["2019-04-24", AS_OF, "2019-05-31"])
def test_no_page_is_left_half_empty(as_of, handouts):
    """A chart too tall for what is left of a page moves to the next: no chart is so tall
    that the page it leaves is less than half used. The last page before the appendix
    and the appendix itself may be short."""
    with pdfplumber.open(handouts[as_of]) as doc:
        texts = [pdf_text(p.extract_text()) for p in doc.pages]
        appendix = next(i for i, t in enumerate(texts) if t.startswith("附录"))
        filled = [_filled(p) for p in doc.pages[: appendix - 1]]
    assert min(filled) >= 0.5, [f"{f:.0%}" for f in filled]


def test_the_whole_ranking_stays_on_page_one_in_a_busy_week(handouts):
    # 05-25 … 05-31: four visits at 到市 and above and a second veto before the ranking
    with pdfplumber.open(handouts["2019-05-31"]) as doc:
        lines = pdf_lines(doc.pages[0].extract_text())
    ranked = {m[2] for line in lines if (m := _RANKED.fullmatch(line))}
    assert ranked == set(scores(day("2019-05-31")).index)


def test_the_detail_shows_rules_in_words_and_the_hashes_sit_in_an_appendix(printed):
    html, _, texts = printed
    page = html.read_text(encoding="utf-8")
    detail = page.split("本周扣分/加分明细")[1].split("报送情况与时间节点")[0]
    assert "county.individual" not in detail and "来县个体走访" in detail
    body = "".join(texts[:-1])
    assert not re.search(r"[0-9a-f]{64}", body)  # no SHA-256 before the appendix
    assert "附录" in texts[-1] and re.search(r"[0-9a-f]{64}", texts[-1])


def test_no_chart_is_wider_than_the_printable_width(printed):
    from playwright.sync_api import sync_playwright

    html, _, texts = printed
    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        # a leader prints from an ordinary screen-wide window
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length")
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        widths = page.evaluate(
            "[...document.querySelectorAll('.js-plotly-plot')].map(gd => "
            "gd.querySelector('.main-svg').getBoundingClientRect().width)"
        )
        ticks = page.evaluate(
            "[...document.querySelectorAll('.js-plotly-plot .cbaxis text, "
            ".js-plotly-plot .xtick text')].map(e => e.textContent)"
        )
        browser.close()
    assert len(widths) == 4 and max(widths) <= PRINTABLE_PX, widths
    printed_text = "".join(texts)
    assert all("".join(t.split()) in printed_text for t in ticks)  # colour bar: 600, not 6


def test_without_chromium_pdf_is_refused_before_any_kernel(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(report_run, "find_chromium", lambda: None)
    with pytest.raises(ParamsError, match="未找到 Chromium"):
        report_run.plan(data=str(SAMPLE), as_of=AS_OF, pdf=True)
    args = ["report", "--data", str(SAMPLE), "--as-of", AS_OF, "--out", str(tmp_path), "--pdf"]
    assert main(args) == 2
    assert "未找到 Chromium" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _print_in_one_browser(pages: list[Path], folder: Path) -> dict[Path, Path]:
    """Each page printed as print_pdf prints it (A4 from the page's @page rule, a window
    as wide as the printable width, backgrounds, no browser header or footer), in one
    Chromium for all of them: a Chromium per page was most of a receipts test's time."""
    from playwright.sync_api import sync_playwright

    pdfs = {}
    with sync_playwright() as p:
        browser = launch_chromium(p, CHROMIUM)
        page = browser.new_page(viewport={"width": report_run.PRINT_WIDTH_PX, "height": 1000})
        for html in pages:
            page.goto(html.resolve().as_uri())
            pdfs[html] = folder / f"{html.stem}.pdf"
            page.pdf(path=str(pdfs[html]), prefer_css_page_size=True, print_background=True)
        browser.close()
    return pdfs


def _pdf_pages(pdf: Path, text: bool = False) -> list[tuple]:
    """Each page's size, and its text where asked (reading the text is the slow part)."""
    with pdfplumber.open(pdf) as doc:
        return [
            (float(p.width), float(p.height), *([pdf_text(p.extract_text())] if text else []))
            for p in doc.pages
        ]


def test_every_receipt_of_a_whole_campaign_first_return_prints_on_one_page(tmp_path):
    """A unit's first return brings every row at once (51 for 浔源供水服务中心 on the
    sample); its receipt folds the new rows into a count and sheet rows, and stays one A4
    page for every unit. Every receipt is printed in one Chromium; the one for 浔源供水服务中心
    is printed by baiyi's print_pdf as well, page for page the same."""
    store, out = tmp_path / "s.duckdb", tmp_path / "回执"
    args = ["ingest", str(SAMPLE), "--store", str(store), "--received", "2019-06-03 17:00"]
    assert main([*args, "--receipts", str(out)]) == 0
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 25
    pdfs = _print_in_one_browser(pages, tmp_path)
    for page in pages:
        sizes = _pdf_pages(pdfs[page])
        assert len(sizes) == 1, page.name
        assert abs(sizes[0][0] - A4[0]) < 1 and abs(sizes[0][1] - A4[1]) < 1, (page.name, sizes)
    xgs_page = next(p for p in pages if p.name.startswith("xgs_"))
    by_baiyi = report_run.print_pdf(xgs_page, tmp_path / "xgs_print_pdf.pdf")
    assert _pdf_pages(by_baiyi, text=True) == _pdf_pages(pdfs[xgs_page], text=True)
    xgs = xgs_page.read_text(encoding="utf-8")
    # the count and the rows, from the workbook as sent
    ws = openpyxl.load_workbook(SAMPLE / "units" / "xgs_浔源供水服务中心.xlsx").worksheets[0]
    filled = [c.row for c in ws["A"] if c.value and c.row > 3]
    assert f"{len(filled)} 行(逐行未列出)" in xgs
    assert f"<td>{min(filled)}–{max(filled)}</td>" in xgs
