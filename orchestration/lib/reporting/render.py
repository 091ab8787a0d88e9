"""Documents to bytes: HTML (Jinja2), tagged PDF (WeasyPrint, PDF/UA-1) and the figures as CSV.

Nothing here reads a clock or the database, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestration.lib import environment
from orchestration.lib.reporting import csvsafe
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
    return _environment().get_template(f"{doc.kind}.html").render(doc=doc, css=css)


def pdf(html_text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html_text, base_url=str(REPORTS_DIR)).write_pdf(
        pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )


def figures_csv(doc: Document) -> str:
    rows = [
        {
            "council_code": entry.council_code,
            "measure_id": entry.measure_id,
            "measure": entry.name,
            "unit": entry.unit,
            **{k: point[k] for k in ("period_start", "period_end", "value", "status")},
        }
        for entry in doc.measures
        for point in entry.series
    ]
    return csvsafe.dumps(rows, FIGURE_COLUMNS)


def render(doc: Document) -> dict[str, bytes]:
    """file name -> bytes for one document."""
    page = html(doc)
    return {
        f"{doc.stem}.html": page.encode(),
        f"{doc.stem}.pdf": pdf(page),
        f"{doc.stem}.csv": figures_csv(doc).encode(),
    }
