"""PDF/UA-1 tagging that WeasyPrint 70 does not write itself, added before the PDF is written.

WeasyPrint tags a pack from its HTML (headings, lists, tables, captions, each chart's <svg> as a
/Figure whose /Alt is the chart's <title>; /Lang from `lang`, the title from <title>) but:

- gives its table header cells (/TH) no /Scope, so which cells a header names is left to guess
  (PDF/UA-1 7.5): the HTML's `scope` says it, and it is copied;
- tags every <svg> as a /Figure, even the variation and assurance icons that the HTML hides from
  assistive technology (`aria-hidden="true"`) because the words beside them say the same: a
  /Figure must have alternative text (7.3), and decoration must be an artifact instead (7.1),
  so those are made artifacts;
- tags the anonymous boxes around an absolutely positioned caption (`.visually-hidden`, on each
  measure's key-facts table) as more /Table elements nested in the table, each holding nothing
  but the caption: they are removed and the caption goes back to its table.

`finish` is WeasyPrint's `finisher`: it edits WeasyPrint's own objects (pydyf) before they are
written, so nothing is parsed twice and the bytes stay a function of the HTML.
"""

from __future__ import annotations

from collections.abc import Iterator

import pydyf
from weasyprint.formatting_structure import boxes

from orchestration.lib.library_patches import Patch

# What: `finish` reads WeasyPrint's private layout (each page's `_page_box`, the structure
# element it leaves on a table cell as `mark`). Why: WeasyPrint 70 gives header cells no /Scope
# and tags hidden icons as figures without alternative text (808 checker errors on a make-run
# build). Versions: weasyprint 70.0, the pin; with any other (or without those names) the PDF is
# written as WeasyPrint tags it, and tests/integration/test_reports_pdfua.py says what is wrong.
PDF_UA_TAGS = Patch(
    "WeasyPrint's PDF/UA-1 tags completed by reporting.tagging",
    written_for=("weasyprint==70.0",),
    needs=("weasyprint.formatting_structure.boxes:ReplacedBox", "weasyprint.document:Page"),
)
SVG = "{http://www.w3.org/2000/svg}svg"
SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}


def finish(document, pdf: pydyf.PDF) -> None:
    """Give every header cell its /Scope, make decorative images artifacts, lift nested tables."""
    decorative: set[tuple[bytes, float, float]] = set()
    for page_number, page in enumerate(document.pages):
        for box in _boxes(page._page_box):
            element = box.element
            if element is None:
                continue
            # WeasyPrint keeps each cell's structure element on its box (`mark`).
            if box.element_tag == "th" and (cell := getattr(box, "mark", None)) is not None:
                cell["A"]["Scope"] = SCOPES.get(element.get("scope", ""), "/Both")
            elif isinstance(box, boxes.ReplacedBox) and _is_decorative(element):
                # A /Figure's only link to its box is where it is: its page and its corner.
                page_ref = pdf.page_references[page_number]
                decorative.add((page_ref, box.content_box_x(), box.content_box_y()))
    if decorative:
        _make_artifacts(pdf, decorative)
    _unwrap_nested_tables(pdf)


def _boxes(box) -> Iterator:
    yield box
    if isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _boxes(child)


def _is_decorative(element) -> bool:
    if element.get("aria-hidden") == "true":
        return True
    return element.tag != SVG and element.get("alt") == ""


def _make_artifacts(pdf: pydyf.PDF, decorative: set[tuple[bytes, float, float]]) -> None:
    """Turn the /Figure elements at these places into artifacts: their marked content becomes
    /Artifact, and they leave the structure tree and the parent tree."""
    objects = pdf.objects
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    nums = objects[_number(root["ParentTree"])]["Nums"]
    page_mcids = dict(zip(nums[0::2], nums[1::2], strict=True))  # page index -> refs by MCID
    page_numbers = {ref: i for i, ref in enumerate(pdf.page_references)}
    openings: dict[bytes, dict[int, int]] = {}  # page -> MCID -> where its /Figure BDC starts
    for figure in [o for o in objects if isinstance(o, dict) and o.get("S") == "/Figure"]:
        bbox = figure.get("A", {}).get("BBox")
        page = figure["Pg"]
        if bbox is None or (page, bbox[0], bbox[1]) not in decorative:
            continue
        stream = objects[_number(objects[_number(page)]["Contents"])].stream
        if page not in openings:
            openings[page] = {
                item["MCID"]: i - 1
                for i, item in enumerate(stream)
                if isinstance(item, dict) and "MCID" in item and stream[i - 1] == "/Figure"
            }
        for mcid in (k for k in figure["K"] if isinstance(k, int)):
            # "/Figure <</MCID n>> BDC" becomes "/Artifact <<>> BDC": as many stream items, so
            # the other openings keep their places.
            at = openings[page][mcid]
            stream[at : at + 2] = ["/Artifact", pydyf.Dictionary()]
            page_mcids[page_numbers[page]][mcid] = "null"
        objects[_number(figure["P"])]["K"].remove(figure.reference)


def _unwrap_nested_tables(pdf: pydyf.PDF) -> None:
    """Put the kids of a /Table whose parent is a /Table in its place. HTML tables nest only
    inside cells, so a /Table directly in a /Table is never one of the document's tables."""
    objects = pdf.objects
    for table in [o for o in objects if isinstance(o, dict) and o.get("S") == "/Table"]:
        parent = objects[_number(table["P"])]
        # Kids that are marked content (MCIDs) would need the parent tree changed too: such a
        # table is left alone. Outer tables come first (lower numbers), so a chain of them
        # collapses into the real table one link at a time.
        if parent.get("S") != "/Table" or not all(isinstance(k, bytes) for k in table["K"]):
            continue
        for kid in table["K"]:
            objects[_number(kid)]["P"] = table["P"]
        at = parent["K"].index(table.reference)
        parent["K"][at : at + 1] = table["K"]


def _number(reference: bytes) -> int:
    return int(reference.split()[0])
