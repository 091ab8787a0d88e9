"""Tables as CSV or XLSX downloads: title lines first (what the table is, when it was exported),
then plain column headings, then the rows.

CSV cells go through orchestration.lib.csvsafe.guard, so a measure name or commentary starting
with = + - @ never runs as a formula in a spreadsheet. XLSX cells are written as strings or
numbers, never as formulas (openpyxl would treat a string starting with "=" as one, so such
strings are guarded too).
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from orchestration.lib import csvsafe

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value) -> str:
    return csvsafe.guard(csvsafe.to_text(value))


def csv_text(title: list[str], headings: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title:
        writer.writerow([_cell(line)])
    writer.writerow([])
    writer.writerow([_cell(h) for h in headings])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def csv_response(title: list[str], headings: list[str], rows: list[list], filename: str):
    # A byte-order mark so that Excel reads "£" and other non-ASCII text as UTF-8.
    body = "\ufeff" + csv_text(title, headings, rows)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_value(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _cell(value)


def xlsx_bytes(title: list[str], headings: list[str], rows: list[list], sheet: str) -> bytes:
    book = Workbook()
    table = book.active
    table.title = sheet[:31]
    for number, line in enumerate(title, start=1):
        table.cell(row=number, column=1, value=_xlsx_value(line))
    table["A1"].font = Font(bold=True, size=14)
    first = len(title) + 2  # a blank row between the title and the table, as in the CSV
    for column, heading in enumerate(headings, start=1):
        cell = table.cell(row=first, column=column, value=_xlsx_value(heading))
        cell.font = Font(bold=True)
        table.column_dimensions[cell.column_letter].width = max(12, min(60, len(heading) + 4))
    # Headings stay in view while scrolling.
    table.freeze_panes = table.cell(row=first + 1, column=1)
    for number, row in enumerate(rows, start=first + 1):
        for column, value in enumerate(row, start=1):
            table.cell(row=number, column=column, value=_xlsx_value(value))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    title: list[str], headings: list[str], rows: list[list], filename: str, sheet: str = "Export"
):
    body = xlsx_bytes(title, headings, rows, sheet=sheet)
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
