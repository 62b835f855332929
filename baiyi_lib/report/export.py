"""The executed notebook as one offline HTML page: nbconvert with the baiyi template, the
inputs hidden, one copy of plotly.js in the head.

The exporter (its Jinja2 templates compiled) and plotly.js are made once per process and
reused by every page it renders; a lone run has them made on a thread while its kernel
works (``warm_up``), off the path of the page (1.2 s of a 9 s briefing in issue 19).
"""

from __future__ import annotations

import functools
import html
import re
import threading
from typing import Any

from .markup import TEMPLATES, stylesheet

_H1 = re.compile(r"<h1>(.*?)</h1>", re.S)


def page_heading(executed: Any) -> str:
    """The text of the first <h1> the executed notebook wrote (its title), or ""."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            found = _H1.search(str(output.get("data", {}).get("text/html", "")))
            if found:
                return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    return ""


_LOCK = threading.Lock()


@functools.cache
def _exporter() -> Any:
    """The HTML exporter, its template loaded and compiled (once per process)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    exporter = HTMLExporter(
        config=config,
        template_name="baiyi",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    _ = exporter.template  # loads and compiles the templates now
    return exporter


@functools.cache
def _resources() -> tuple[str, str]:
    """plotly.js and the page's stylesheet (read once per process)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs(), stylesheet()


def warm_up() -> threading.Thread:
    """Make the exporter and read plotly.js on a thread (a lone run starts it before its
    kernel, which then works on the other core); returns the thread.

    The modules the thread and the run both use are imported here first, on the calling
    thread: two threads importing the same modules at once can meet one half-made.
    """
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    def work() -> None:
        with _LOCK:
            _exporter()
            _resources()
            _rehearse()

    thread = threading.Thread(target=work, name="baiyi-export-warm-up", daemon=True)
    thread.start()
    return thread


def _rehearse() -> None:
    """Export a tiny notebook once: what the first page would otherwise pay for is done
    now (templates included on demand, CSS selectors and the notebook schema compiled)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# x"),
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/html": "<h1>x</h1>", "text/plain": "x"}
                ),
                nbformat.v4.new_output("stream", name="stdout", text="x"),
            ],
        ),
    ]
    _exporter().from_notebook_node(nb, resources={"plotly_js": "", "baiyi_css": ""})


def export_html(executed: Any) -> str:
    """The executed notebook as one offline HTML page (no inputs, one plotly.js)."""
    heading = page_heading(executed)
    if heading:  # the browser tab says the page's own title (the method's), not the notebook's
        executed.metadata["title"] = heading
    with _LOCK:
        exporter = _exporter()
        plotly_js, css = _resources()
        body, _ = exporter.from_notebook_node(
            executed, resources={"plotly_js": plotly_js, "baiyi_css": css}
        )
    return body
