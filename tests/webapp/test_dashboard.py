"""The Dashboard: filters by name, each option once; ward and locality values; views in the URL
and saved; CSV and XLSX exports; the two councils side by side; plain words only; page size."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.support import dashboard_data
from tests.support.dashboard_data import BROMSGROVE, REDDITCH


@pytest.fixture
def seeded(db):
    from django.db import connection

    with connection.cursor() as cursor:
        dashboard_data.seed(cursor)


class Page(HTMLParser):
    """The text people read (outside tags and attributes, not styles), each <select>'s options
    and each table's rows of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.selects: dict[str, list[tuple[str, str]]] = {}
        self.tables: list[list[list[str]]] = []
        self._select = self._option = None
        self._cell: list[str] | None = None
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style":
            self._in_style = True
        elif tag == "select":
            self._select = attrs["name"]
            self.selects[self._select] = []
        elif tag == "option":
            self._option = [attrs.get("value", ""), ""]
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        elif tag == "option":
            self.selects[self._select].append((self._option[0], self._option[1].strip()))
            self._option = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_style:
            return
        self.text.append(data)
        if self._option is not None:
            self._option[1] += data
        if self._cell is not None:
            self._cell.append(data)

    def names(self, select: str) -> list[str]:
        return [name for value, name in self.selects[select] if value]


def page_of(client, query: str = "") -> Page:
    response = client.get(reverse("dashboard") + query)
    assert response.status_code == 200
    return Page(response.text)


def body_rows(page: Page) -> list[list[str]]:
    (table,) = page.tables
    return [row for row in table if row and row[0] not in ("", "Measure")]


def test_each_filter_option_once_by_name(people, sign_in, seeded):
    page = page_of(sign_in(people.member), "?show=all")
    for select, options in page.selects.items():
        names = [name for value, name in options if value]
        assert len(names) == len(set(names)), (select, names)
    assert page.names("council") == ["Bromsgrove District Council", "Redditch Borough Council"]
    assert page.names("purpose") == [
        "Help me to find somewhere to live in my locality",
        "Help me to be financially independent",
    ]
    assert "Street scene" in page.names("service") and "Planning" in page.names("service")
    assert "Development management (planning)" in page.names("team")
    assert "Housing options" in page.names("team")  # the code and the conftest's words, once
    assert sorted(page.names("ward")) == ["Alvechurch South", "Avoncroft", "Batchley & Brockhill"]
    # From dim_geography, plus "Rural" named only on a measure (dim_measures.locality).
    assert sorted(page.names("locality")) == [
        "Alvechurch and Tardebigge",
        "Bromsgrove Town",
        "Redditch North",
        "Rural",
    ]
    for select in ("service", "team"):
        assert all("_" not in name for name in page.names(select))
    # The values are the codes, so a bookmarked URL keeps working whatever the names become.
    assert ("street_scene", "Street scene") in page.selects["service"]
    assert ("E05009826", "Avoncroft") in page.selects["ward"]


def test_filtering_by_ward_shows_ward_values_and_says_where_there_are_none(people, sign_in, seeded):
    response = sign_in(people.member).get(reverse("dashboard") + "?show=all&ward=E05009826")
    assert '<option value="E05009826" selected>Avoncroft</option>' in response.text
    page = Page(response.text)
    assert "Ward: Avoncroft (Bromsgrove)" in " ".join(page.text)
    rows = body_rows(page)
    # The ward's council only: a ward belongs to one council.
    assert {row[1] for row in rows} == {"Bromsgrove"}
    fly = next(row for row in rows if row[0].startswith("Fly-tipping"))
    # The council's value, then the ward's latest month (120), not its older one (240).
    assert fly[3] == "57,574"
    assert fly[5] == "120 September 2026"
    homeless = next(row for row in rows if row[0].startswith("Homelessness"))
    assert homeless[5] == "Not broken down by ward: council-wide only"


def test_filtering_by_locality(people, sign_in, seeded):
    page = page_of(sign_in(people.member), "?show=all&locality=Redditch+North")
    rows = body_rows(page)
    assert {row[1] for row in rows} == {"Redditch"}
    fly = next(row for row in rows if row[0].startswith("Fly-tipping"))
    assert fly[5] == "4,321 September 2026"
    benefit = next(row for row in rows if row[0].startswith("Benefit claims"))
    assert benefit[5] == "Not broken down by locality: council-wide only"


def test_the_view_is_in_the_url_and_a_saved_default_view_opens_it(people, sign_in, seeded):
    client = sign_in(people.member)
    response = client.post(
        reverse("save_view"),
        {"name": "Avoncroft", "is_default": "on", "ward": "E05009826", "show": "all"},
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard") + "?ward=E05009826&show=all"
    landing = client.get(reverse("dashboard")).text
    assert "Your default view, “Avoncroft”." in landing
    assert "Ward: Avoncroft (Bromsgrove)" in landing
    assert 'href="/dashboard/?ward=E05009826&amp;show=all">Link to this view' in landing
    # Both export links carry the same view.
    assert "/dashboard/export.csv?ward=E05009826&amp;show=all" in landing
    assert "Redditch" not in " ".join(row[1] for row in body_rows(Page(landing)))
    # A link with its own filters wins over the default view.
    redditch = page_of(client, "?council=E07000236&show=all")
    assert {row[1] for row in body_rows(redditch)} == {"Redditch"}


def test_officers_land_on_their_own_measures_with_a_way_to_show_all(people, sign_in, seeded):
    page = page_of(sign_in(people.other_officer))
    text = " ".join(page.text)
    assert "Your measures: 1 measure." in text
    assert [row[0] for row in body_rows(page)] == [
        "Benefit claims processed Help me to be financially independent"
    ]
    assert "Show all measures" in text
    members = page_of(sign_in(people.member))
    assert "Key measures: 8 measures." in " ".join(members.text)


def test_side_by_side_shows_each_measure_once_with_both_councils(people, sign_in, seeded):
    page = page_of(sign_in(people.member), "?show=all&layout=side")
    rows = body_rows(page)
    names = [row[0] for row in rows]
    assert len(names) == len(set(names))
    fly = next(row for row in rows if row[0].startswith("Fly-tipping"))
    # Measure, then Bromsgrove's value, period, variation, then Redditch's.
    assert fly[1:] == [
        "57,574 in Bromsgrove",
        "September 2026",
        "Common cause variation",
        "40,210 in Redditch",
        "September 2026",
        "Common cause variation",
    ]
    homeless = next(row for row in rows if row[0].startswith("Homelessness"))
    assert homeless[1] == "74.2% in Bromsgrove" and homeless[4] == "68% in Redditch"
    benefit = next(row for row in rows if row[0].startswith("Benefit claims"))
    assert benefit[1] == "Not measured for this council"
    assert "council" not in page.selects  # both councils are shown: no council filter


def export(client, kind: str, query: str):
    url = reverse(f"dashboard_{kind}") + query
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_csv_export_of_the_view(people, sign_in, seeded):
    response = export(sign_in(people.member), "csv", "?show=all&ward=E05009826")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dashboard-')
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["Bromsgrove and Redditch performance Dashboard"]
    assert lines[1][0].startswith("View: All measures; Ward: Avoncroft (Bromsgrove) (")
    assert re.fullmatch(r"Exported \d+ \w+ 20\d\d at \d\d:\d\d \(UK time\)", lines[2][0])
    headings = lines[4]
    assert headings[:9] == [
        "Measure", "Council", "Purpose", "Service", "Team", "Latest value", "Period",
        "Variation", "Assurance",
    ]  # fmt: skip
    assert headings[-2:] == ["Value in Avoncroft (Bromsgrove)", "Period in Avoncroft (Bromsgrove)"]
    rows = {line[0]: dict(zip(headings, line, strict=True)) for line in lines[5:]}
    fly = rows["Fly-tipping incidents cleared"]
    assert fly["Council"] == "Bromsgrove District Council"
    assert fly["Service"] == "Street scene" and fly["Latest value"] == "57,574"
    assert fly["Latest value as a number"] == "57574"
    assert fly["Value in Avoncroft (Bromsgrove)"] == "120"
    planning = rows["Planning decision time"]
    assert planning["Latest value"] == "3.1 days"
    assert planning["Team"] == "Development management (planning)"
    assert len(rows) == 4  # the Bromsgrove measures of the view, all pages


def test_csv_export_is_safe_against_formula_injection(people, sign_in, seeded):
    response = export(sign_in(people.member), "csv", "?show=all&council=E07000236")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = [line[0] for line in lines[5:]]
    assert '\'=HYPERLINK("http://x") cost per claim' in names
    assert not any(name.startswith("=") for line in lines for name in line)


def test_xlsx_export_of_the_view(people, sign_in, seeded):
    response = export(sign_in(people.member), "xlsx", "?show=all&council=E07000236")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Dashboard"
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "Bromsgrove and Redditch performance Dashboard"
    assert cells[1][0].startswith("View: All measures; Council: Redditch Borough Council (")
    assert cells[2][0].startswith("Exported ") and cells[2][0].endswith("(UK time)")
    headings = cells[4]
    rows = {row[0]: dict(zip(headings, row, strict=True)) for row in cells[5:]}
    assert set(rows) == {
        "Benefit claims processed",
        "Homelessness cases prevented",
        "Fly-tipping incidents cleared",
        '\'=HYPERLINK("http://x") cost per claim',
    }
    cost = rows['\'=HYPERLINK("http://x") cost per claim']
    assert cost["Latest value"] == "£1,234"
    assert cost["Latest value as a number"] == pytest.approx(1234.4)  # a number, not text
    assert cost["Unit"] == "pounds (£)"
    benefit = rows["Benefit claims processed"]
    assert benefit["Variation"] == "No signal read: too few points for process limits yet."
    assert benefit["Latest value"] == "No value yet"
    # No cell is a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_side_by_side_export(people, sign_in, seeded):
    response = export(sign_in(people.member), "csv", "?show=all&layout=side")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headings = lines[4]
    assert headings[3:6] == [
        "Bromsgrove: latest value",
        "Bromsgrove: period",
        "Bromsgrove: variation",
    ]
    fly = dict(zip(headings, next(x for x in lines if x and x[0][:3] == "Fly"), strict=True))
    assert fly["Bromsgrove: latest value"] == "57,574"
    assert fly["Redditch: latest value"] == "40,210"


CODES = re.compile(r"E0[5-9]\d{6}")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize(
    "query",
    ["", "?show=all", "?show=all&layout=side", "?show=all&ward=E05009826", "?locality=Rural"],
)
def test_no_codes_or_snake_case_in_the_dashboard(people, sign_in, seeded, query):
    page = page_of(sign_in(people.policy), query)
    text = " ".join(page.text)
    assert not CODES.findall(text), CODES.findall(text)
    assert not SNAKE_CASE.findall(text), SNAKE_CASE.findall(text)
    assert "common cause" not in text.lower().replace("common cause variation", "")
    assert "74.2000" not in text


def test_scan_finds_codes_and_snake_case_when_present():
    page = Page('<p title="ss_fly">ward E05009826 in street_scene</p><style>a_b{}</style>')
    text = " ".join(page.text)
    assert CODES.findall(text) == ["E05009826"]
    assert SNAKE_CASE.findall(text) == ["street_scene"]


# A page of 25 rows is about 25 kB with the filter lists, whatever the number of measures;
# each chart adds about 12 kB. 60 kB allows the page and a few charts, and fails at once if the
# Dashboard goes back to charting every measure inline (120 measures here: about 1.4 MB).
PAGE_BOUND = 60_000


def test_pages_stay_small_however_many_measures(people, sign_in, seeded):
    from django.db import connection

    from tests.webapp.conftest import chart_for

    svg, _text = chart_for("A measure", "count")
    with connection.cursor() as cursor:
        for n in range(120):
            measure_id = f"ops_extra_{n:03d}"
            dashboard_data.insert_measure(
                cursor, measure_id, BROMSGROVE if n % 2 else REDDITCH, f"Extra measure {n:03d}",
                "waste", "waste_collection", "count", "", is_key=n < 4,
            )  # fmt: skip
            dashboard_data.insert_icon(
                cursor, measure_id, BROMSGROVE if n % 2 else REDDITCH, n, svg
            )
    client = sign_in(people.member)
    every = client.get(reverse("dashboard") + "?show=all")
    assert len(every.content) < PAGE_BOUND, len(every.content)
    assert "<img" not in every.text  # 128 measures: charts stay on the measure pages
    assert "Page 1 of 6: measures 1 to 25 of 128." in every.text
    assert len(body_rows(Page(every.text))) == 25
    landing = client.get(reverse("dashboard"))  # key measures: 12
    assert len(landing.content) < PAGE_BOUND, len(landing.content)
    asked = client.get(reverse("dashboard") + "?show=all&charts=1")
    charted = [r for r in body_rows(Page(asked.text)) if r[0].startswith("Extra measure")]
    assert len(charted) >= 20
    assert asked.text.count('<img class="chart"') == len(charted)  # this page's charts only
    last = Page(client.get(reverse("dashboard") + "?show=all&page=6").text)
    assert len(body_rows(last)) == 3


def test_small_views_show_their_charts(people, sign_in, seeded):
    response = sign_in(people.other_officer).get(reverse("dashboard"))
    assert response.text.count('<img class="chart" src="data:image/svg+xml;base64,') == 1


def test_every_registry_team_and_service_has_a_plain_name():
    import yaml

    from orchestration.lib import environment, names

    codes = {"team": set(), "service_area": set()}
    for path in (environment.REPO_ROOT / "config" / "measures").glob("*.yml"):
        registry = yaml.safe_load(path.read_text(encoding="utf-8"))
        for measure in registry["measures"]:
            fields = {**registry.get("defaults", {}), **measure}
            for key, found in codes.items():
                if fields.get(key):
                    found.add(fields[key])
    assert codes["team"] and codes["service_area"]
    assert codes["team"] <= set(names.TEAMS), codes["team"] - set(names.TEAMS)
    assert codes["service_area"] <= set(names.SERVICE_AREAS)
    assert len(set(names.TEAMS.values())) == len(names.TEAMS)
    assert len(set(names.SERVICE_AREAS.values())) == len(names.SERVICE_AREAS)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (74.2, "percent", "74.2%"),
        (71.4286, "percent", "71.4%"),
        (57574, "count", "57,574"),
        (1234.4, "gbp", "£1,234"),
        (12.5, "gbp", "£12.50"),
        (-250, "gbp", "-£250"),
        (3.14, "days", "3.1 days"),
        (12.0, "days", "12 days"),
        (4.25, "rate_per_1000", "4.2 per 1,000"),
        (None, "count", "No value yet"),
    ],
)
def test_values_are_formatted_by_unit(value, unit, shown):
    from webapp.officer.names import format_value

    assert format_value(value, unit) == shown
