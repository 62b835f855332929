"""The export and the templates as their users meet them: through an office suite.

LibreOffice prints the export and the templates to PDF (read back with pdfplumber), and
re-saves a template filled in as a person would as .xlsx, .xls and .ods; each must load
and score exactly as the original.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from support import pdf_text

from baiyi_lib import load_ledgers, load_rules, score
from baiyi_lib.cli import main
from baiyi_lib.excel import write_templates

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
R = load_rules()


def soffice(src: Path, fmt: str, out: Path) -> Path:
    """Convert with LibreOffice headless, in a profile of its own."""
    out.mkdir(parents=True, exist_ok=True)
    profile = out / ".lo-profile"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", fmt, "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    produced = out / f"{src.stem}.{fmt.split(':')[0]}"
    assert proc.returncode == 0 and produced.exists(), proc.stderr
    return produced


CJK_FONT = re.compile(r"CJK|SourceHan|WenQuanYi|wqy|Droid|SimSun|SimHei|YaHei")


def pages(pdf: Path) -> list[dict]:
    """What each printed page shows: orientation, smallest type, text, and the fonts its
    Chinese characters are drawn with (a box, without a Chinese font)."""
    with pdfplumber.open(pdf) as doc:
        return [
            {
                "landscape": float(p.width) > float(p.height),
                "smallest": min((c["size"] for c in p.chars), default=0),
                "text": pdf_text(p.extract_text()),
                "cjk_fonts": {c["fontname"] for c in p.chars if "\u4e00" <= c["text"] <= "\u9fff"},
            }
            for p in doc.pages
        ]


def test_the_export_prints_landscape_readable_titled_and_numbered(tmp_path):
    xlsx = tmp_path / "得分.xlsx"
    assert main(["export", str(xlsx), "--data", str(SAMPLE), "--as-of", "2019-04-26"]) == 0
    printed = pages(soffice(xlsx, "pdf", tmp_path / "pdf"))
    assert len(printed) >= 3
    for i, page in enumerate(printed, 1):
        assert page["cjk_fonts"] and all(CJK_FONT.search(f) for f in page["cjk_fonts"])
        assert page["landscape"]
        assert page["smallest"] >= 8, (i, page["smallest"])  # was 3.5 pt
        assert "统计截至2019年4月26日" in page["text"]
        assert f"第{i}页/共{len(printed)}页" in page["text"]
        assert "00:00:00" not in page["text"] and "county.individual" not in page["text"]
    detail = "".join(p["text"] for p in printed)
    assert "来县个体走访" in detail and "附件2一(四)8" in detail


def test_each_template_prints_as_a_one_page_form(tmp_path):
    for path in write_templates(tmp_path / "t", R, unit="农水站"):
        printed = pages(soffice(path, "pdf", tmp_path / "pdf"))
        # one page for each ledger sheet, one for the instructions
        assert len(printed) == 3, path.name
        assert printed[0]["landscape"] and printed[1]["landscape"]
        assert all(p["smallest"] >= 8 for p in printed)
        assert "案件编号" in printed[0]["text"] and "初次信访日期" in printed[1]["text"]


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """农水站's weekly template, filled in as a person would (dates as dates, counts as
    numbers, values from the dropdowns)."""
    path = write_templates(tmp_path_factory.mktemp("filled"), R, unit="农水站")[0]
    wb = openpyxl.load_workbook(path)
    s = wb["矛盾纠纷排查化解登记表"]
    rows = [
        ("NSZ-001", "农水站", dt.date(2019, 3, 1), "工程款", "未化解", None),
        ("NSZ-002", "农水站", dt.date(2019, 3, 8), "水事纠纷", "已化解", dt.date(2019, 3, 7)),
    ]
    for i, row in enumerate(rows, start=4):  # row 3 holds the headers
        for j, value in enumerate(row, start=1):
            s.cell(row=i, column=j, value=value)
    b = wb["信访积案"]
    for j, value in enumerate(
        ("JA-1", "农水站", dt.date(2008, 4, 1), "已化解", dt.date(2019, 4, 1), "是",
         dt.date(2019, 4, 5)), start=1,
    ):  # fmt: skip
        b.cell(row=4, column=j, value=value)
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["xlsx:Calc MS Excel 2007 XML", "xls:MS Excel 97", "ods"])
def test_a_filled_template_resaved_by_libreoffice_scores_the_same(filled, fmt, tmp_path):
    original = score(load_ledgers(filled), R, as_of="2019-05-31")
    resaved = soffice(filled, fmt, tmp_path / re.sub(r"\W", "_", fmt))
    again = score(load_ledgers(resaved), R, as_of="2019-05-31")
    assert again.points.drop(columns=["src_file"]).equals(
        original.points.drop(columns=["src_file"])
    )
    assert again.scores.equals(original.scores)
    assert original.scores.set_index("unit").at["农水站", "bonuses"] == 200
    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(resaved), "--store", str(store)]) == 0


def _ink(image, box) -> int:
    """Dark pixels of a rendered page inside a box (x0, top, x1, bottom, in pixels)."""
    return sum(image.crop(box).convert("L").histogram()[:128])


def test_the_exports_running_header_and_page_numbers_are_not_clipped(tmp_path):
    """LibreOffice clips a header or footer taller than the room the margins leave it: the
    text is in the PDF but its lower part is cut away. Each is rendered, and the lower
    part of its line must carry about as much ink as the upper part (CJK glyphs and digits
    fill both; a clipped line measured 0 below its middle)."""
    xlsx = tmp_path / "得分.xlsx"
    assert main(["export", str(xlsx), "--data", str(SAMPLE), "--as-of", "2019-04-26"]) == 0
    pdf = soffice(xlsx, "pdf", tmp_path / "pdf")
    scale = 150 / 72
    with pdfplumber.open(pdf) as doc:
        for n, page in enumerate(doc.pages, 1):
            image = page.to_image(resolution=150).original
            first = min(c["top"] for c in page.chars)
            last = max(c["bottom"] for c in page.chars)
            lines = {  # the topmost and the bottommost line of the page
                "header": [c for c in page.chars if c["top"] < first + 2],
                "footer": [c for c in page.chars if c["bottom"] > last - 2],
            }
            for where, chars in lines.items():
                assert chars, (n, where)
                x0, x1 = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
                top, bottom = min(c["top"] for c in chars), max(c["bottom"] for c in chars)
                height = bottom - top
                upper, lower = (
                    _ink(image, [round(v * scale) for v in (x0, y0, x1, y1)])
                    for y0, y1 in (
                        (top, top + 0.45 * height),
                        (top + 0.55 * height, bottom),
                    )
                )
                assert upper > 20 and lower > upper / 2, (n, where, upper, lower)
