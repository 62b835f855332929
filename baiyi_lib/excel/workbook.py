"""Workbooks on paper and on disk: A4 landscape with the titles repeated and page x of y;
saved whole or not at all."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..report.files import atomic_write


def _landscape_a4(ws: Worksheet, title_rows: str) -> None:
    """Print on A4 landscape, one page wide, the title rows on every page, page x of y."""
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    # the running header and footer need room of their own above and below the sheet:
    # LibreOffice and Excel clip them to (margin − header distance); 0.8 − 0.3 inch holds
    # a 10 pt line with its spacing
    ws.page_margins.left = ws.page_margins.right = 0.4  # inches: 1 cm
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3


def save_whole(wb: Workbook, path: Path) -> None:
    """Save a workbook whole or not at all (report.files.atomic_write): the previous file
    of that name stays as it was if the disk is full or read-only (OutputNotWritable)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write(path, buffer.getvalue())
