"""Forms, with the checks that give officers a clear message for bad input."""

import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from webapp.officer import names
from webapp.officer.models import (
    COUNCILS,
    EVENTS,
    MEASURE_ROLES,
    CmtFocus,
    ReportingCalendar,
)

NON_NEGATIVE_UNITS = {"percent", "days", "count", "rate_per_1000", "per_100k"}
NUMBER_MESSAGES = {"invalid": "Enter a number, like 12 or 12.5 (no letters or symbols)."}
# A number as people type it: digits with optional thousands separators (57,574) and a
# decimal part. Exponents (1e3) and words are refused: nobody means 1e3 for a thousand visits.
NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|-?\.\d+")
MAX_DECIMALS = 4  # input.manual_values keeps four decimal places
MAX_DIGITS = 18
# How far outside the chart's usual limits a value must lie before we ask "are you sure?":
# half the distance between the limits beyond either one. Just outside is a real signal the
# chart should show; this far out is more often a slip (5 typed for 50,000).
UNUSUAL_MARGIN = Decimal("0.5")


def _example(unit: str) -> str:
    return {"percent": "74.2", "gbp": "1,234.50", "count": "57,574"}.get(unit, "12.5")


def parse_number(text: str, unit: str = "") -> Decimal:
    """A typed figure as a Decimal, by the measure's unit, or a ValidationError saying in plain
    words what to type instead. Thousands separators are allowed; a percentage may end in %, an
    amount of money may start with £; a count must be whole."""
    cleaned = text.strip().replace(" ", "")
    if unit == "percent" and cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if unit == "gbp":
        cleaned = cleaned.replace("£", "", 1) if cleaned.startswith(("£", "-£")) else cleaned
    if re.fullmatch(r"-?[\d.,]*\d[eE][+-]?\d+", cleaned):
        raise forms.ValidationError(
            "Enter the number in full, like 1000, not as a power of ten (like 1e3).",
            code="exponent",
        )
    if not NUMBER.fullmatch(cleaned):
        if re.fullmatch(r"-?[\d,]+(\.\d+)?", cleaned) and "," in cleaned:
            raise forms.ValidationError(
                "Put commas only between groups of three digits, like 57,574, and use a full "
                "stop for decimals, like 12.5.",
                code="separators",
            )
        raise forms.ValidationError(
            f"Enter a number only, like {_example(unit)} (no letters or other symbols).",
            code="invalid",
        )
    number = Decimal(cleaned.replace(",", ""))
    decimals = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
    if unit == "count" and number != number.to_integral_value():
        raise forms.ValidationError(
            f"Enter a whole number, like {_example(unit)}: a count can't have a fraction.",
            code="fraction",
        )
    if unit == "gbp" and decimals > 2:
        raise forms.ValidationError(
            "Enter an amount in pounds and pence, like 1,234.50 (no more than 2 decimal places).",
            code="pence",
        )
    if decimals > MAX_DECIMALS:
        raise forms.ValidationError(
            f"Enter a number with no more than {MAX_DECIMALS} decimal places.", code="decimals"
        )
    if len(number.to_integral_value().as_tuple().digits) > MAX_DIGITS - MAX_DECIMALS:
        raise forms.ValidationError("That number is too large: check it.", code="too_large")
    return number.to_integral_value() if number == number.to_integral_value() else number


class NumberField(forms.CharField):
    """A figure typed into a text box (as GOV.UK advises: browsers' number boxes swallow typed
    letters silently), checked by parse_number for its unit."""

    def __init__(self, *, unit: str = "", **kwargs):
        self.unit = unit
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if isinstance(text, Decimal):
            return text
        return parse_number(str(text), self.unit)

    def prepare_value(self, value):
        # Stored values come back without the trailing zeros of numeric(18, 4).
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return value


def _commentary(label: str, hint: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )


def unusual(value: Decimal | None, limits: tuple | None) -> bool:
    """Whether a value lies far outside the chart's usual limits (lower, upper)."""
    if value is None or not limits or limits[0] is None or limits[1] is None:
        return False
    lower, upper = Decimal(str(limits[0])), Decimal(str(limits[1]))
    margin = (upper - lower) * UNUSUAL_MARGIN or abs(upper) * UNUSUAL_MARGIN
    if margin <= 0:
        return False
    return value < lower - margin or value > upper + margin


class EntryForm(forms.Form):
    """A measure's value (manual measures only) and its commentary, for one period.

    Commentary answers the strategy's three questions: what the data shows, why, and what we
    are doing about it (and by when). A value far outside the chart's usual limits comes back
    with a warning and needs a reason before it is saved ("are you sure?")."""

    value = NumberField(label="Value")
    numerator = NumberField(label="Numerator (optional)")
    denominator = NumberField(label="Denominator (optional)")
    unusual_value_reason = forms.CharField(
        label="Why is this value right?",
        help_text=(
            "For example, a new way of counting or a one-off event. It is recorded with the value."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    what_data_shows = _commentary(
        "What the data shows",
        "Describe the latest figure against the chart's usual range and the target, in plain "
        "words. For example, “Up for the third month running, now above the target of 75%.”",
    )
    why = _commentary(
        "Why",
        "Say what is behind the figure: demand, staffing, a change in process or something "
        "outside the council's control.",
    )
    what_we_are_doing = _commentary(
        "What we are doing, and by when",
        "Say what the service is doing about it, who is doing it and by when. For example, "
        "“Extra triage sessions from November; review at the end of January.”",
    )

    def __init__(
        self,
        *args,
        measure,
        submitting: bool,
        period_problem: str | None,
        limits: tuple | None = None,
        value_locked: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.submitting = submitting
        self.period_problem = period_problem
        self.limits = limits  # the chart's latest usual limits (lower, upper), if any
        self.value_is_unusual = False
        # A value already submitted or confirmed stays as it is (workflow.value_locked): only
        # the commentary is written.
        self.takes_value = measure.is_manual and not value_locked
        if self.takes_value:
            self.fields["value"].unit = measure.unit
            self.fields["value"].help_text = VALUE_HINTS.get(measure.unit, "")
            # Numerator and denominator are counts of cases or people.
            for name in ("numerator", "denominator"):
                self.fields[name].unit = "count"
        else:
            for name in ("value", "numerator", "denominator", "unusual_value_reason"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.period_problem:
            raise forms.ValidationError(self.period_problem)
        if self.takes_value:
            self._check_value(data)
            self._check_unusual(data)
        if self.submitting:
            for name in ("what_data_shows", "why", "what_we_are_doing"):
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

    def _check_unusual(self, data) -> None:
        value = data.get("value")
        if "value" in self.errors or not unusual(value, self.limits):
            data["unusual_value_reason"] = ""
            return
        self.value_is_unusual = True
        if not (data.get("unusual_value_reason") or "").strip():
            self.add_error(
                "unusual_value_reason",
                f"The value {self._shown(value)} is far outside the usual range "
                f"({self.usual_range()}). "
                "Check it, and if it is right, say why.",
            )

    def _shown(self, value) -> str:
        return names.format_value(value, self.measure.unit)

    def usual_range(self) -> str:
        lower, upper = self.limits
        return f"{self._shown(lower)} to {self._shown(upper)}"


VALUE_HINTS = {
    "percent": "A percentage between 0 and 100, like 74.2.",
    "count": "A whole number. You can use commas, like 57,574.",
    "gbp": "An amount in pounds, like 1,234.50.",
    "days": "A number of days, like 12.5.",
    "rate_per_1000": "A rate per 1,000, like 4.5.",
    "per_100k": "A rate per 100,000, like 250.",
}


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
