"""The pages' markup: Jinja2 templates in ``templates/baiyi/``, autoescaped.

Python computes the figures and the tables (as DataFrames with their Chinese headers);
the templates lay them out. A section of the briefing is a macro of a template
(``briefing_*.html.j2``); the receipt and the report index are whole pages. A value from
the data is escaped by the template; a table (present.html_table) and a chart come in as
markup already made.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
from markupsafe import Markup

from ..dates import week_label
from ..present import html_table
from . import REPORT_MODE_ENV

if TYPE_CHECKING:
    import plotly.graph_objects as go

TEMPLATES = Path(__file__).parent / "templates"


class Fragment:
    """An HTML fragment that Jupyter and nbconvert display as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def show(fig: go.Figure) -> Any:
    """A chart: the figure itself in JupyterLab; an inline div in a report run (the page
    carries one copy of plotly.js in its head, so no renderer or network is involved)."""
    if os.environ.get(REPORT_MODE_ENV):
        return Fragment(
            fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                config={"displaylogo": False, "responsive": True},
                default_width="100%",
            )
        )
    return fig


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def md(day: dt.date | pd.Timestamp) -> str:
    """A day as people write it in a briefing: 3月1日."""
    return week_label(day)


def table(df: pd.DataFrame, columns: dict[str, str], **how: Any) -> Markup:
    """present.html_table as markup a template puts in as it is (its cells are escaped)."""
    return Markup(html_table(df, columns, **how))


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped; a block tag on its own line leaves no blank line."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "baiyi"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(table=table, md=md, pct=pct)
    return env


def render(template: str, **context: Any) -> str:
    """A whole page from its template."""
    return environment().get_template(template).render(**context)


def section(template: str, macro: str, **context: Any) -> Fragment:
    """A fragment of a page: one macro of a template, called with keywords."""
    made = getattr(environment().get_template(template).module, macro)(**context)
    return Fragment(str(made).strip())


def stylesheet() -> Markup:
    """The reports' own screen and print stylesheet (markup: its quotes stay quotes)."""
    return Markup((TEMPLATES / "baiyi" / "briefing.css").read_text(encoding="utf-8"))
