"""The entry form and the manager's review show the data the commentary is about; an unusual
value asks "are you sure?"; managers confirm several at once; every aria-describedby id exists;
the stylesheet is served to anyone."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse

from tests.support.officer_pages import (
    BROMSGROVE,
    CLAIMS,
    DAYS,
    PCT,
    REDDITCH,
    add_months,
    officer_stylesheet,  # noqa: F401 (a fixture)
    seed_entry_marts,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def marts(people, monkeypatch):
    from orchestration.lib import neighbours

    with connection.cursor() as cursor:  # rolled back with the test's transaction
        seed_entry_marts(cursor, people.due_month)
    # The test registry's percentage stands in for a published measure with a comparison.
    monkeypatch.setitem(neighbours.MEASURE_COMPARISONS, PCT, "homelessness_prevention_duty")
    return people


def enter_url(measure_id, council, period):
    return reverse("enter", args=[council, measure_id, period.isoformat()])


def commentary(**fields):
    return {
        "what_data_shows": "Steady.",
        "why": "Demand was flat.",
        "what_we_are_doing": "Watching it; review in March.",
        "action": "submit",
    } | fields


class Ids(HTMLParser):
    """Every id in a page, and every id an aria-describedby names."""

    def __init__(self):
        super().__init__()
        self.ids, self.described = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described += attrs["aria-describedby"].split()


def ids_of(html: str) -> Ids:
    parser = Ids()
    parser.feed(html)
    return parser


def test_entry_form_shows_the_data_behind_the_commentary(marts, sign_in):
    page = sign_in(marts.officer).get(enter_url(PCT, BROMSGROVE, marts.due_month)).text
    last_month = add_months(marts.due_month, -1)
    assert "Definition of Homelessness cases prevented." in page
    assert "Households whose homelessness was prevented" in page  # numerator
    assert "Households owed the prevention duty" in page  # denominator
    assert "75% (council plan, set by Cabinet, 1 April 2024). Council Plan 2024 to 2028" in page
    # The chart as an image (scripts in the SVG can't run) with its text alternative.
    chart = re.search(
        r'<img class="app-chart" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page
    )
    assert chart and "Homelessness cases prevented" in chart.group(1)
    # The last 12 council values, latest first, named by period and formatted by unit; never
    # the ward rows.
    table = page.split("Last 12 values, latest first")[1].split("</table>")[0]
    assert table.count("<tr") == 13  # header + 12
    assert f"{last_month:%B %Y}" in table and "70.1%" in table
    assert f"{add_months(marts.due_month, -13):%B %Y}" not in table
    assert ">1%<" not in table  # the ward rows (value 1) are not the council's
    # The neighbours' published figures, with the source.
    assert "Malvern Hills" in page and "64.0%" in page and "2nd highest of 3" in page
    # Three parts of commentary, each with hint text tied to its box.
    for label in ("What the data shows", "Why", "What we are doing, and by when"):
        assert f">{label}</label>" in page
    assert 'aria-describedby="id_why-hint"' in page and 'id="id_why-hint"' in page
    assert "hou_homeless" not in page.replace(enter_url(PCT, BROMSGROVE, marts.due_month), "")


def test_calculated_measure_shows_the_figure_commented_on(marts, sign_in):
    page = sign_in(marts.officer).get(enter_url(DAYS, BROMSGROVE, marts.due_month)).text
    assert "The figure you are commenting on" in page
    assert "41.5 days" in page
    assert 'name="value"' not in page
    earlier = sign_in(marts.officer).get(
        enter_url(DAYS, BROMSGROVE, add_months(marts.due_month, -2))
    )
    assert "32 days" in earlier.text  # that period's own figure


def test_a_count_takes_thousands_separators_and_refuses_fractions(marts, sign_in):
    from webapp.officer.models import ManualValue

    client = sign_in(marts.other_officer)
    url = enter_url(CLAIMS, REDDITCH, marts.due_month)
    refused = client.post(url, commentary(value="12.5"))
    assert refused.status_code == 400
    assert "Value: Enter a whole number, like 57,574" in refused.text
    refused = client.post(url, commentary(value="1e3"))
    assert "Enter the number in full, like 1000" in refused.text
    assert not ManualValue.objects.exists()
    assert client.post(url, commentary(value="57,574")).status_code == 302
    assert ManualValue.objects.get().value == 57574


def test_an_unusual_value_asks_are_you_sure_and_records_the_reason(marts, sign_in):
    from webapp.officer.models import Commentary, ManualValue

    client = sign_in(marts.other_officer)
    url = enter_url(CLAIMS, REDDITCH, marts.due_month)
    first = client.get(url).text
    assert "Why is this value right?" not in first  # asked only when the value is unusual
    warned = client.post(url, commentary(value="5"))
    assert warned.status_code == 400
    assert "Are you sure? This value is far outside the usual range (48,000 to 60,000)" in (
        warned.text
    )
    assert "The value 5 is far outside the usual range (48,000 to 60,000)" in warned.text
    assert 'name="unusual_value_reason"' in warned.text and 'value="5"' in warned.text
    assert not ManualValue.objects.exists() and not Commentary.objects.exists()
    reason = "Only 5 claims: the system was down for most of the month."
    kept = client.post(url, commentary(value="5", unusual_value_reason=reason))
    assert kept.status_code == 302
    saved = ManualValue.objects.get()
    assert (saved.value, saved.unusual_value_reason) == (5, reason)
    # The manager sees the reason with the value.
    review = sign_in(marts.other_manager).get(
        reverse("review", args=[REDDITCH, CLAIMS, marts.due_month.isoformat()])
    )
    assert reason in review.text and "Why this unusual value is right" in review.text


def test_a_usual_value_needs_no_reason_and_clears_an_old_one(marts, sign_in):
    from webapp.officer.models import ManualValue

    client = sign_in(marts.other_officer)
    url = enter_url(CLAIMS, REDDITCH, marts.due_month)
    client.post(url, commentary(value="5", unusual_value_reason="Outage.", action="save"))
    assert ManualValue.objects.get().unusual_value_reason == "Outage."
    assert client.post(url, commentary(value="55,000", action="save")).status_code == 302
    assert ManualValue.objects.get().unusual_value_reason == ""


def test_every_aria_describedby_id_exists_on_a_form_with_errors(marts, sign_in):
    client = sign_in(marts.other_officer)
    page = client.post(
        enter_url(CLAIMS, REDDITCH, marts.due_month),
        commentary(value="5", numerator="x", denominator="0", why=""),
    ).text
    found = ids_of(page)
    assert len(found.ids) == len(set(found.ids)), "duplicate ids"
    assert {"id_value-hint", "id_numerator-error", "id_why-error"} <= set(found.described)
    missing = [i for i in found.described if i not in found.ids]
    assert missing == []
    # The summary is focused when the page loads, and links to each field.
    assert re.search(r'class="govuk-error-summary"[^>]*tabindex="-1"[^>]*autofocus', page)
    for field in ("id_numerator", "id_denominator", "id_why", "id_unusual_value_reason"):
        assert f'href="#{field}"' in page and f'id="{field}"' in page


def submitted(people, measure_id, council, author):
    from webapp.officer.models import Commentary

    return Commentary.objects.create(
        measure_id=measure_id,
        council_code=council,
        period_start=people.due_month,
        what_data_shows=f"Words about {measure_id}.",
        why="Because.",
        what_we_are_doing="Acting.",
        author=author,
        status="submitted",
    )


def test_review_shows_the_same_context(marts, sign_in):
    submitted(marts, PCT, BROMSGROVE, "olivia")
    page = sign_in(marts.manager).get(
        reverse("review", args=[BROMSGROVE, PCT, marts.due_month.isoformat()])
    )
    assert page.status_code == 200
    for text in ("Households owed the prevention duty", "Last 12 values", "Malvern Hills"):
        assert text in page.text
    assert 'class="app-chart"' in page.text and "Because." in page.text


def test_manager_confirms_several_at_once_but_never_their_own(marts, sign_in):
    from webapp.officer.models import Commentary, MeasureAssignment

    submitted(marts, PCT, BROMSGROVE, "olivia")
    submitted(marts, DAYS, BROMSGROVE, "maya")  # written by the manager herself
    client = sign_in(marts.manager)
    queue = client.get(reverse("review_list")).text
    name = f"Homelessness cases prevented (Bromsgrove District Council), {marts.due_month:%B %Y}"
    assert f"Confirm {name}" in queue
    assert "Confirm Housing register end-to-end time" not in queue  # no box for her own
    keys = [f"{BROMSGROVE}|{m}|{marts.due_month.isoformat()}" for m in (PCT, DAYS)]
    refused = client.post(reverse("review_list"), {"confirm": keys})
    assert refused.status_code == 400
    assert "You wrote this commentary, so you can&#x27;t confirm it" in refused.text
    statuses = dict(Commentary.objects.values_list("measure_id", "status"))
    assert statuses == {PCT: "confirmed", DAYS: "submitted"}  # the other one still confirmed
    nothing = client.post(reverse("review_list"), {})
    assert nothing.status_code == 400 and "Select at least one submission" in nothing.text
    # A measure she does not manage can't be confirmed by a crafted key.
    MeasureAssignment.objects.filter(measure_id=DAYS, role="manager").update(
        user=marts.other_manager
    )
    Commentary.objects.filter(measure_id=DAYS).update(author="olivia")
    crafted = client.post(reverse("review_list"), {"confirm": [keys[1]]})
    assert "no longer waiting for you" in crafted.text
    assert Commentary.objects.get(measure_id=DAYS).status == "submitted"


def test_bulk_confirm_redirects_with_what_was_confirmed(marts, sign_in):
    from webapp.officer.models import Commentary

    submitted(marts, PCT, BROMSGROVE, "olivia")
    submitted(marts, DAYS, BROMSGROVE, "olivia")
    client = sign_in(marts.manager)
    keys = [f"{BROMSGROVE}|{m}|{marts.due_month.isoformat()}" for m in (PCT, DAYS)]
    response = client.post(reverse("review_list"), {"confirm": keys}, follow=True)
    assert "Confirmed: Homelessness cases prevented (Bromsgrove District Council)" in (
        response.text
    )
    assert set(Commentary.objects.values_list("status", "confirmed_by")) == {("confirmed", "maya")}
    assert "Nothing is waiting for you." in response.text


def test_stylesheet_is_govuk_frontend_served_to_anyone(client, officer_stylesheet):  # noqa: F811
    login = client.get(reverse("login")).text
    assert '<link rel="stylesheet" href="/static/officer/app.css">' in login
    assert "<style" not in login and " style=" not in login
    response = client.get("/static/officer/app.css")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    css = b"".join(response.streaming_content).decode()
    assert ".govuk-error-summary" in css and ".govuk-header" in css
    assert client.get("/static/../settings.py").status_code in (400, 404)
