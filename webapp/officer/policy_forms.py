"""The Policy Team's forms whose answers must name something that exists: a Cabinet meeting
in the reporting calendar, an output the publication gate knows, a post in the registry."""

from django import forms
from django.contrib.auth import get_user_model

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer.forms import FocusForm, FreshnessOverrideForm
from webapp.officer.models import ReportingCalendar

REPORTS = {
    "report:cabinet": "Cabinet pack",
    "report:portfolio": "Portfolio Holder briefings",
    "report:scrutiny": "Overview and Scrutiny pack",
    "site": "Public site",
}


def output_choices() -> list[tuple[str, str]]:
    """Every output the publication gate (orchestration/lib/quality/gate.py) checks, by the
    name it checks: reports, the public site, one extract per data-sharing agreement."""
    choices = [("", "Choose an output"), *REPORTS.items()]
    try:
        from orchestration.lib.sharing import agreements

        register = agreements.load_register(check_references=False)
    except Exception:  # noqa: BLE001 - without a readable register, no extract can be chosen
        register = None
    if register is not None:
        choices += [
            (f"share:{a.id}", f"Extract for {a.partner}")
            for a in sorted(register.agreements, key=lambda a: a.partner)
        ]
    choices.append(("*", "Every output"))
    return choices


def source_choices() -> list[tuple[str, str]]:
    try:
        from orchestration.lib import contracts

        names = sorted(contracts.all_contracts())
    except Exception:  # noqa: BLE001 - no contracts folder: only "every source"
        names = []
    return [("", "Every source"), *((n, n.replace("_", " ").capitalize()) for n in names)]


class CheckedFocusForm(FocusForm):
    """A CMT focus list item for a Cabinet meeting in the reporting calendar."""

    def clean(self):
        data = super().clean()
        day = data.get("cabinet_date")
        if day is None or "measure" not in data:
            return data
        _, council_code = self.measure_key()
        meetings = ReportingCalendar.objects.filter(event="cabinet", council_code=council_code)
        if not meetings.filter(meeting_date=day).exists():
            council = COUNCIL_NAMES.get(council_code, council_code)
            coming = meetings.filter(meeting_date__gte=day).order_by("meeting_date").first()
            hint = (
                f" The next one is on {coming.meeting_date.day} {coming.meeting_date:%B %Y}."
                if coming is not None
                else " Add the meeting to the reporting calendar first."
            )
            self.add_error(
                "cabinet_date",
                f"Enter the date of a {council} Cabinet meeting in the reporting calendar." + hint,
            )
        return data


class CheckedOverrideForm(FreshnessOverrideForm):
    """A freshness override for an output that exists (and, if given, a source that does)."""

    output = forms.ChoiceField(
        label="Output",
        error_messages={"required": "Select the output the override is for."},
    )
    source = forms.ChoiceField(label="Source (optional)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["output"].choices = output_choices()
        self.fields["output"].error_messages["invalid_choice"] = (
            "Select an output from the list: a report, the public site or a partner extract."
        )
        self.fields["source"].choices = source_choices()
        self.fields["source"].error_messages["invalid_choice"] = (
            "Select a source from the list, or Every source."
        )


class PostHolderForm(forms.Form):
    post = forms.ChoiceField(label="Post", error_messages={"required": "Select the post."})
    council = forms.ChoiceField(
        label="Council",
        choices=[("", "Choose a council"), *COUNCIL_NAMES.items()],
        error_messages={"required": "Select the council."},
    )
    username = forms.CharField(
        label="Username of the person who holds it",
        max_length=150,
        error_messages={"required": "Enter the username of the person who holds the post."},
    )

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = [("", "Choose a post"), *((p, p) for p in posts)]
        self.fields["post"].error_messages["invalid_choice"] = (
            "Select a post named in the measure registry."
        )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                "There is no active user with that username. Add them with bdc web user first."
            )
        return user


class PostUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file with the columns post, council, username",
        error_messages={"required": "Choose a CSV file to upload."},
    )
    replace = forms.BooleanField(
        label="Replace the whole list with this file (holders not in the file are removed)",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2_000_000:
            raise forms.ValidationError("The file must be smaller than 2 MB.")
        return upload
