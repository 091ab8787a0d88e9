"""Saving, submitting, confirming and returning a measure's input for one period.

Every step runs in one transaction: the value and its commentary are saved together or not at all.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from webapp.officer import periods
from webapp.officer.models import Commentary, ManualValue


class Locked(Exception):
    """The input can't change (it is confirmed, or awaiting the manager)."""


def current(measure, start: date) -> tuple[Commentary | None, ManualValue | None]:
    key = {
        "measure_id": measure.measure_id,
        "council_code": measure.council_code,
        "period_start": start,
    }
    return Commentary.objects.filter(**key).first(), ManualValue.objects.filter(**key).first()


def editable(commentary: Commentary | None, value: ManualValue | None) -> bool:
    return (commentary is None or commentary.status in ("draft", "returned")) and (
        value is None or value.status == "draft"
    )


@transaction.atomic
def save_entry(measure, start: date, data: dict, username: str, submit: bool) -> Commentary:
    key = {
        "measure_id": measure.measure_id,
        "council_code": measure.council_code,
        "period_start": start,
    }
    commentary = Commentary.objects.select_for_update().filter(**key).first()
    value = ManualValue.objects.select_for_update().filter(**key).first()
    if not editable(commentary, value):
        raise Locked("This input is submitted or confirmed and can't be changed.")
    if measure.is_manual and data.get("value") is not None:
        value = value or ManualValue(**key, period_end=periods.period_end(start, measure.frequency))
        value.value = data["value"]
        value.numerator = data.get("numerator")
        value.denominator = data.get("denominator")
        value.entered_by = username
        value.status = "submitted" if submit else "draft"
        value.save()
    commentary = commentary or Commentary(**key)
    commentary.what_data_shows = data.get("what_data_shows", "")
    commentary.what_we_are_doing = data.get("what_we_are_doing", "")
    commentary.author = username
    commentary.status = "submitted" if submit else "draft"
    commentary.save()
    return commentary


@transaction.atomic
def confirm(measure, start: date, username: str) -> None:
    commentary, value = _locked_pair(measure, start)
    if commentary is None or commentary.status != "submitted":
        raise Locked("Only submitted commentary can be confirmed.")
    now = timezone.now()
    commentary.status, commentary.confirmed_by, commentary.confirmed_at = "confirmed", username, now
    commentary.return_reason = None
    commentary.save()
    if value is not None:
        value.status, value.confirmed_by, value.confirmed_at = "confirmed", username, now
        value.save()


@transaction.atomic
def return_to_officer(measure, start: date, username: str, reason: str) -> None:
    commentary, value = _locked_pair(measure, start)
    if commentary is None or commentary.status != "submitted":
        raise Locked("Only submitted commentary can be returned.")
    commentary.status, commentary.return_reason = "returned", f"{reason} ({username})"
    commentary.save()
    if value is not None:
        value.status = "draft"
        value.save()


def _locked_pair(measure, start: date):
    key = {
        "measure_id": measure.measure_id,
        "council_code": measure.council_code,
        "period_start": start,
    }
    return (
        Commentary.objects.select_for_update().filter(**key).first(),
        ManualValue.objects.select_for_update().filter(**key).first(),
    )
