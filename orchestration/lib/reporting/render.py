"""Documents to bytes: HTML (Jinja2), tagged PDF (WeasyPrint, PDF/UA-1) and the figures as CSV.

Nothing here reads a clock or the database, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestration.lib import csvsafe, demonstration, environment
from orchestration.lib.reporting.model import Document

REPORTS_DIR = environment.REPO_ROOT / "reports"
FIGURE_COLUMNS = [
    "council_code", "measure_id", "measure", "unit", "period_start", "period_end", "value",
    "status",
]  # fmt: skip


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(REPORTS_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def html(doc: Document) -> str:
    css = (REPORTS_DIR / "css" / "report.css").read_text()
    return (
        _environment()
        .get_template(f"{doc.kind}.html")
        .render(
            doc=doc,
            css=css,
            DEMONSTRATION_LABEL=demonstration.LABEL,
            DEMONSTRATION_TEXT=demonstration.EXPLANATION,
        )
    )


def pdf(html_text: str) -> bytes:
    from weasyprint import HTML

    from orchestration.lib.reporting import tagging

    # The finisher adds the PDF/UA-1 tags WeasyPrint leaves out (tagging.py), with the WeasyPrint
    # version it was written for.
    finisher = tagging.finish if tagging.PDF_UA_TAGS.applies() else None
    return HTML(string=html_text, base_url=str(REPORTS_DIR)).write_pdf(
        pdf_variant="pdf/ua-1", uncompressed_pdf=False, finisher=finisher
    )


def figures_csv(doc: Document) -> str:
    rows = [
        {
            "council_code": entry.council_code,
            "measure_id": entry.measure_id,
            "measure": entry.name,
            "unit": entry.unit,
            **{k: point[k] for k in ("period_start", "period_end", "value", "status")},
            demonstration.CSV_COLUMN: demonstration.LABEL,
        }
        for entry in doc.measures
        for point in entry.series
    ]
    # From invented data, each row says so in a last column: readers of the others (by name or
    # by position) are unaffected, and anyone who opens the file sees it beside every figure.
    columns = [*FIGURE_COLUMNS, demonstration.CSV_COLUMN] if doc.demonstration else FIGURE_COLUMNS
    return csvsafe.dumps(rows, columns)


def render(docs: list[Document]) -> dict[str, bytes]:
    """file name -> bytes for every document (HTML, PDF, CSV)."""
    pages = [html(doc) for doc in docs]
    files: dict[str, bytes] = {}
    for doc, page, pdf_bytes in zip(docs, pages, _pdfs(pages), strict=True):
        files[f"{doc.stem}.html"] = page.encode()
        files[f"{doc.stem}.pdf"] = pdf_bytes
        files[f"{doc.stem}.csv"] = figures_csv(doc).encode()
    return files


def _pdfs(pages: list[str]) -> list[bytes]:
    """Laying out a PDF is most of a pack's time and uses one core: several documents are
    laid out in parallel, one process per core (spawned, not forked, from a threaded host)."""
    workers = min(os.cpu_count() or 1, len(pages))
    if workers < 2:
        return [pdf(page) for page in pages]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(pdf, pages))
