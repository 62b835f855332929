"""Excel in and out for people: ledger templates for the units, and the export to print.

Templates (`baiyi template`): a title row, the canonical headers, dropdowns for level, form,
yes/no, status and unit, date-formatted date cells, a frozen header, and a sheet of filling
instructions in Chinese. A template filled in as a person would loads without error.

Export (`baiyi export`): the score table, the points table with clauses, and the problem
table, formatted to print on A4 landscape at a readable size. Text that begins with =, +,
- or @ is stored as text with a leading apostrophe, so that no formula runs when the file
is opened. Its keywords carry ``guard.EXPORT_MARK``: saved into a ledger folder, it is
listed as 未读取, not read as a ledger.

Modules: ``templates`` (the input forms), ``export`` and ``layout`` (the output
workbook and its sheets), ``workbook`` (printing and saving, shared by both)."""

from __future__ import annotations

from .export import (  # noqa: F401
    Exported,
    duties_frame,
    export,
    export_source,
)
from .layout import (  # noqa: F401
    ATTENTION_SHEET_COLUMNS,
    FONT_SIZE,
    LINE_HEIGHT,
    NOT_CHARGED_COLUMNS,
    NOTE_COLUMNS,
    PAGE_WIDTH,
    POINT_COLUMNS,
    PROBLEM_COLUMNS,
    SCORE_COLUMNS,
    Col,
    display_width,
)
from .templates import (  # noqa: F401
    FORM_ROWS,
    HEADER_FILL,
    HEADER_ROW,
    INSTRUCTIONS,
    TEMPLATE_PROMPTS,
    TEMPLATE_ROWS,
    write_template,
    write_templates,
)
from .workbook import (  # noqa: F401
    save_whole,
)
