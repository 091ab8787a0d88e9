"""Forms, with the checks that give officers a clear message for bad input."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from webapp.officer.models import (
    COUNCILS,
    EVENTS,
    MEASURE_ROLES,
    CmtFocus,
    ReportingCalendar,
)

NON_NEGATIVE_UNITS = {"percent", "days", "count", "rate_per_1000", "per_100k"}
NUMBER_MESSAGES = {"invalid": "Enter a number, like 12 or 12.5 (no letters or symbols)."}


def _number(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=18,
        decimal_places=4,
        # A text box (as GOV.UK advises): browsers' number boxes swallow typed letters silently.
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            **NUMBER_MESSAGES,
            "max_decimal_places": "Enter a number with no more than 4 decimal places.",
        },
    )


class EntryForm(forms.Form):
    """A measure's value (manual measures only) and its commentary, for one period."""

    value = _number("Value")
    numerator = _number("Numerator (optional)")
    denominator = _number("Denominator (optional)")
    what_data_shows = forms.CharField(
        label="What the data shows",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    what_we_are_doing = forms.CharField(
        label="What we are doing",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )

    def __init__(self, *args, measure, submitting: bool, period_problem: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.submitting = submitting
        self.period_problem = period_problem
        if not measure.is_manual:
            for name in ("value", "numerator", "denominator"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.period_problem:
            raise forms.ValidationError(self.period_problem)
        if self.measure.is_manual:
            self._check_value(data)
        if self.submitting:
            for name in ("what_data_shows", "what_we_are_doing"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, f"Enter '{self.fields[name].label}' before submitting.")
        return data

    def _check_value(self, data) -> None:
        unit = self.measure.unit
        value, numerator, denominator = (data.get(k) for k in ("value", "numerator", "denominator"))
        if value is None and "value" not in self.errors:
            if self.submitting:
                self.add_error("value", "Enter the value before submitting.")
            return
        if value is not None and unit in NON_NEGATIVE_UNITS and value < 0:
            self.add_error("value", "The value can't be negative for this measure.")
        if value is not None and unit == "percent" and value > Decimal(100):
            self.add_error("value", "A percentage must be between 0 and 100.")
        if denominator is not None and denominator <= 0:
            self.add_error("denominator", "The denominator must be more than 0.")
        if numerator is not None and numerator < 0:
            self.add_error("numerator", "The numerator can't be negative.")
        if (
            unit == "percent"
            and numerator is not None
            and denominator is not None
            and denominator > 0
            and numerator > denominator
        ):
            self.add_error("numerator", "The numerator can't be more than the denominator.")


class ReturnForm(forms.Form):
    return_reason = forms.CharField(
        label="Reason for returning",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason for returning it to the officer."},
    )


def measure_choices(measures) -> list[tuple[str, str]]:
    return [
        (f"{m.council_code}|{m.measure_id}", f"{m.name} ({dict(COUNCILS)[m.council_code]})")
        for m in measures
    ]


class MeasurePickForm(forms.Form):
    measure = forms.ChoiceField(label="Measure")

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = measure_choices(measures)

    def measure_key(self) -> tuple[str, str]:
        council_code, measure_id = self.cleaned_data["measure"].split("|", 1)
        return measure_id, council_code


class FocusForm(MeasurePickForm):
    cabinet_date = forms.DateField(label="Cabinet date (YYYY-MM-DD)")
    reason = forms.CharField(label="Why CMT is focusing on it", max_length=2000)
    field_order = ["cabinet_date", "measure", "reason"]

    def clean(self):
        data = super().clean()
        if self.is_valid_so_far(data):
            measure_id, council_code = self.measure_key()
            if CmtFocus.objects.filter(
                cabinet_date=data["cabinet_date"], measure_id=measure_id, council_code=council_code
            ).exists():
                raise forms.ValidationError("That measure is already on this Cabinet's list.")
        return data

    def is_valid_so_far(self, data) -> bool:
        return "cabinet_date" in data and "measure" in data


class CalendarForm(forms.ModelForm):
    class Meta:
        model = ReportingCalendar
        fields = ["event", "meeting_date", "period_start", "period_end", "council_code"]
        labels = {
            "meeting_date": "Meeting date (YYYY-MM-DD)",
            "period_start": "First day of the reporting window (YYYY-MM-DD)",
            "period_end": "Last day of the reporting window (YYYY-MM-DD)",
            "council_code": "Council",
        }
        widgets = {"event": forms.Select(choices=EVENTS)}

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The window must end after it starts.")
        return data


class AssignmentForm(MeasurePickForm):
    role = forms.ChoiceField(label="Role", choices=MEASURE_ROLES)
    username = forms.CharField(label="Username")

    def clean_username(self):
        name = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError("There is no active user with that username.")
        return user


class DirectorForm(forms.Form):
    purpose_code = forms.ChoiceField(label="Purpose")
    username = AssignmentForm.base_fields["username"]

    def __init__(self, *args, purposes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose_code"].choices = [(p.purpose_code, p.purpose_name) for p in purposes]

    clean_username = AssignmentForm.clean_username


class SaveViewForm(forms.Form):
    name = forms.CharField(label="Name this view", max_length=80)
    is_default = forms.BooleanField(label="Open this view by default", required=False)


CRITERIA = [("", "All criteria")] + [
    (c, c.replace("_", " ").capitalize())
    for c in ("relevant", "well_defined", "timely", "reliable", "verifiable", "accurate")
]


def _future(value):
    from django.utils import timezone

    if value <= timezone.now():
        raise forms.ValidationError("The expiry must be in the future.")
    return value


class WaiverForm(MeasurePickForm):
    period_start = forms.DateField(label="Period start (YYYY-MM-DD, optional)", required=False)
    criterion = forms.ChoiceField(label="Criterion", choices=CRITERIA, required=False)
    reason = forms.CharField(label="Reason for the waiver", min_length=5, max_length=2000)
    expires_at = forms.DateTimeField(label="Expires (YYYY-MM-DD HH:MM)")

    def clean_expires_at(self):
        return _future(self.cleaned_data["expires_at"])


class FreshnessOverrideForm(forms.Form):
    output = forms.CharField(label="Output (e.g. cabinet, site, share:police)", max_length=200)
    source = forms.CharField(label="Source (optional)", required=False, max_length=200)
    reason = forms.CharField(label="Reason for the override", min_length=5, max_length=2000)
    expires_at = forms.DateTimeField(label="Expires (YYYY-MM-DD HH:MM)")

    def clean_expires_at(self):
        return _future(self.cleaned_data["expires_at"])
