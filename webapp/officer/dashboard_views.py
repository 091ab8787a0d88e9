"""The Dashboard: a view of the measures (filters, which measures, layout) read from the URL,
shown as a summary table a page at a time, saved as a named view, or exported as CSV or XLSX.
webapp/officer/dashboard.py reads the data; docs/webapp.md (Dashboard) describes the page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from webapp.officer import dashboard as data
from webapp.officer import exports, names
from webapp.officer.access import internal_only
from webapp.officer.forms import SaveViewForm
from webapp.officer.models import MeasureIcon, SavedView

TITLE = "Bromsgrove and Redditch performance Dashboard"


def _charts(page_rows: list[data.Row]) -> dict[tuple[str, str], tuple[str, str]]:
    """(data URL, text alternative) of each chart on the page, read for this page only."""
    wanted = {(r.measure_id, r.council_code) for r in page_rows if r.has_chart}
    if not wanted:
        return {}
    icons = MeasureIcon.objects.filter(measure_id__in={m for m, _ in wanted}).only(
        "measure_id", "council_code", "chart_svg", "text_alternative"
    )
    alt = "Capability chart"
    return {
        (i.measure_id, i.council_code): (data.chart_src(i.chart_svg), i.text_alternative or alt)
        for i in icons
        if (i.measure_id, i.council_code) in wanted
    }


def _saved_views(user, view: data.View) -> list[tuple[SavedView, str, bool]]:
    current = view.params()
    found = []
    for saved in SavedView.objects.filter(user=user):
        params = {k: str(v) for k, v in saved.filters.items() if k in data.VIEW_KEYS and v}
        query = data.View({}, "", "list").querystring(**params) if params else ""
        found.append((saved, query, params == current))
    return found


@internal_only
def dashboard(request):
    if not data.table_exists("marts.dim_measures"):
        return render(request, "officer/not_built.html", status=503)
    view = data.read_view(request.GET, request.user)
    found_options = data.options()
    rows = data.rows(view, request.user)
    items = data.side_by_side(rows) if view.layout == "side" else rows
    page = Paginator(items, data.PAGE_SIZE).get_page(request.GET.get("page"))
    show_charts = view.layout == "list" and (
        view.charts == "1" or (view.charts == "" and len(items) <= data.CHARTS_UP_TO)
    )
    charts = _charts(page.object_list) if show_charts else {}
    return render(
        request,
        "officer/dashboard.html",
        {
            "view": view,
            "description": data.describe(view, found_options),
            "filter_fields": data.filter_fields(view, found_options),
            "page": page,
            "total": len(items),
            "page_links": [(n, view.querystring(page=str(n))) for n in page.paginator.page_range]
            if page.paginator.num_pages > 1
            else [],
            "previous_query": view.querystring(page=str(page.previous_page_number()))
            if page.has_previous()
            else None,
            "next_query": view.querystring(page=str(page.next_page_number()))
            if page.has_next()
            else None,
            "show_choices": [
                (key, label, view.querystring(show=key)) for key, label in data.SHOW.items()
            ],
            "layout_choices": [
                (key, label, view.querystring(layout=None if key == "list" else key))
                for key, label in data.LAYOUTS.items()
            ],
            "charts_query": view.querystring(charts="0" if show_charts else "1"),
            "show_charts": show_charts,
            "charts": [
                (row, *charts[(row.measure_id, row.council_code)])
                for row in page.object_list
                if (row.measure_id, row.council_code) in charts
            ]
            if show_charts
            else [],
            "query": view.querystring(),
            "clear_query": data.View({}, view.show, view.layout).querystring(),
            "councils": [(c, names.council_short_name(c)) for c in data.COUNCIL_ORDER],
            "saved_views": _saved_views(request.user, view),
            "save_form": SaveViewForm(),
        },
    )


@internal_only
@require_POST
def save_view(request):
    form = SaveViewForm(request.POST)
    view = data.read_view(request.POST, request.user, use_default=False)
    params = view.params()
    if form.is_valid():
        if form.cleaned_data["is_default"]:
            SavedView.objects.filter(user=request.user).update(is_default=False)
        SavedView.objects.update_or_create(
            user=request.user,
            name=form.cleaned_data["name"],
            defaults={"filters": params, "is_default": form.cleaned_data["is_default"]},
        )
        messages.success(request, f"View '{form.cleaned_data['name']}' saved.")
    else:
        messages.error(request, "Give the view a name (up to 80 characters) to save it.")
    return redirect(reverse("dashboard") + "?" + view.querystring())


@internal_only
@require_POST
def delete_view(request, view_id: int):
    get_object_or_404(SavedView, pk=view_id, user=request.user).delete()
    messages.success(request, "View deleted.")
    return redirect("dashboard")


def _export_table(view: data.View, rows: list[data.Row]) -> tuple[list[str], list[list]]:
    """Plain column headings and the rows of the view, as the Dashboard shows them."""
    if view.layout == "side":
        headings = ["Measure", "Purpose", "Service"]
        for code in data.COUNCIL_ORDER:
            short = names.council_short_name(code)
            headings += [
                f"{short}: latest value",
                f"{short}: period",
                f"{short}: variation",
                f"{short}: latest value as a number",
            ]
        table = []
        for side in data.side_by_side(rows):
            line = [side.name, side.purpose, side.service]
            for _code, row in side.councils:
                line += (
                    [row.value_text, row.period_text, row.variation_text, row.value]
                    if row
                    else ["Not measured for this council", "", "", None]
                )
            table.append(line)
        return headings, table
    headings = [
        "Measure",
        "Council",
        "Purpose",
        "Service",
        "Team",
        "Latest value",
        "Period",
        "Variation",
        "Assurance",
        "Latest value as a number",
        "Unit",
    ]
    if view.area is not None:
        headings += [f"Value in {view.area.label}", f"Period in {view.area.label}"]
    table = []
    for row in rows:
        line = [
            row.name,
            row.council,
            row.purpose,
            row.service,
            row.team,
            row.value_text,
            row.period_text,
            row.variation_text,
            row.assurance_text,
            row.value,
            names.unit_text(row.unit),
        ]
        if view.area is not None:
            line += [row.area_value_text, row.area_period_text]
        table.append(line)
    return headings, table


def _export(request, kind: str):
    view = data.read_view(request.GET, request.user)
    rows = data.rows(view, request.user)
    headings, table = _export_table(view, rows)
    now = timezone.now()
    title = [
        TITLE,
        f"View: {data.describe(view)} ({len(table)} measures)",
        f"Exported {data.exported_at(now)}",
    ]
    filename = f"dashboard-{timezone.localtime(now):%Y-%m-%d}"
    if kind == "csv":
        return exports.csv_response(title, headings, table, filename)
    return exports.xlsx_response(title, headings, table, filename, sheet="Dashboard")


@internal_only
def export_csv(request):
    if not data.table_exists("marts.dim_measures"):
        return render(request, "officer/not_built.html", status=503)
    return _export(request, "csv")


@internal_only
def export_xlsx(request):
    if not data.table_exists("marts.dim_measures"):
        return render(request, "officer/not_built.html", status=503)
    return _export(request, "xlsx")
