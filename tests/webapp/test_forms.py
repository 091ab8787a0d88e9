"""Bad input gets a clear message on the form, and nothing is half-saved."""

import pytest
from django.urls import reverse

from webapp.officer import periods

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PCT = ("E07000234", "hou_homeless_prevented_pct")
GOOD = {
    "value": "50",
    "numerator": "20",
    "denominator": "40",
    "what_data_shows": "Steady.",
    "why": "Demand was flat.",
    "what_we_are_doing": "Watching.",
    "action": "submit",
}


@pytest.fixture
def officer(people, sign_in):
    return sign_in(people.officer)


def post(client, period, **changes):
    url = reverse("enter", args=[*PCT, period.isoformat()])
    return client.post(url, GOOD | changes)


def nothing_saved():
    from webapp.officer.models import Commentary, ManualValue

    return not Commentary.objects.exists() and not ManualValue.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": "fifty"}, "Value: Enter a number only, like 74.2 (no letters"),
        ({"value": "120"}, "Value: A percentage must be between 0 and 100."),
        ({"value": "-3"}, "Value: The value can&#x27;t be negative for this measure."),
        ({"numerator": "50"}, "Numerator (optional): The numerator can&#x27;t be more than"),
        ({"denominator": "0"}, "The denominator must be more than 0."),
        ({"value": ""}, "Value: Enter the value before submitting."),
        (
            {"what_we_are_doing": " "},
            "Enter &#x27;What we are doing, and by when&#x27; before submitting.",
        ),
        ({"why": ""}, "Why: Enter &#x27;Why&#x27; before submitting."),
    ],
)
def test_bad_value_is_explained_and_nothing_saved(people, officer, changes, message):
    response = post(officer, people.due_month, **changes)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert nothing_saved()


def test_entered_text_is_kept_on_the_form_after_an_error(people, officer):
    response = post(officer, people.due_month, value="fifty", what_data_shows="Kept words.")
    assert "Kept words." in response.text and 'value="fifty"' in response.text


def test_a_period_that_is_not_open(people, officer):
    long_ago = periods.add_months(people.due_month, -12)
    response = post(officer, long_ago)
    assert response.status_code == 400
    assert "is not open for input: no open reporting cycle covers it" in response.text
    assert nothing_saved()
    running = periods.add_months(people.due_month, 1)  # this month: in the window, not over
    assert "it has not ended yet" in post(officer, running).text
    assert "it has not ended yet" in post(officer, periods.add_months(running, 1)).text
    mid_month = people.due_month.replace(day=15)
    assert "is not the start of a monthly period" in post(officer, mid_month).text
    assert nothing_saved()


def test_closed_cycle_closes_its_periods(people, officer):
    from webapp.officer.models import ReportingCalendar

    ReportingCalendar.objects.update(closed=True)
    response = post(officer, people.due_month)
    assert response.status_code == 400 and "not open for input" in response.text
    assert nothing_saved()


def test_draft_may_leave_commentary_empty(people, officer):
    response = post(officer, people.due_month, what_we_are_doing="", action="save")
    assert response.status_code == 302
    from webapp.officer.models import Commentary

    assert Commentary.objects.get().status == "draft"


def test_failure_after_the_value_is_written_leaves_nothing(people, officer, monkeypatch):
    """The value is saved first; if the commentary then fails, the value must roll back."""
    from webapp.officer.models import Commentary, ManualValue

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Commentary, "save", broken_save)
    officer.raise_request_exception = False
    response = post(officer, people.due_month)
    assert response.status_code == 500
    monkeypatch.undo()
    assert not ManualValue.objects.exists()
    assert not Commentary.objects.exists()


def test_derived_measure_takes_commentary_only(people, officer):
    url = reverse(
        "enter", args=["E07000234", "hou_register_median_days", people.due_month.isoformat()]
    )
    page = officer.get(url)
    assert 'name="value"' not in page.text
    officer.post(
        url,
        {
            "what_data_shows": "a",
            "why": "w",
            "what_we_are_doing": "b",
            "action": "submit",
            "value": "999",
        },
    )
    from webapp.officer.models import Commentary, ManualValue

    assert Commentary.objects.get().status == "submitted"
    assert not ManualValue.objects.exists()
