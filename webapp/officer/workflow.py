"""Saving, submitting, confirming, returning and signing off a measure's input for one period.

Every step runs in one transaction: the value and its commentary are saved together or not at all.
Segregation of duties: the manager who confirms is never the author, and the Director who signs
off is neither the author nor the confirmer (checked here for a clear message, and by the
database's CHECK constraints on input.commentary whatever writes the row).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from webapp.officer import periods
from webapp.officer.models import Commentary, ManualValue


class Locked(Exception):
    """The input can't change (it is confirmed, or awaiting the manager)."""


class SamePerson(Exception):
    """The step would let one person approve their own work (segregation of duties)."""


SELF_CONFIRM = (
    "You wrote this commentary, so you can't confirm it: another manager must. "
    "Ask the Policy Team to assign a different manager to this measure."
)
SELF_SIGN_OFF = (
    "You wrote or confirmed this commentary, so you can't sign it off: another Director "
    "of this purpose must."
)


def may_confirm(commentary: Commentary, value: ManualValue | None, username: str) -> bool:
    return commentary.author != username and (value is None or value.entered_by != username)


def may_sign_off(commentary: Commentary, username: str) -> bool:
    return username not in (commentary.author, commentary.confirmed_by)


def current(measure, start: date) -> tuple[Commentary | None, ManualValue | None]:
    key = {
        "measure_id": measure.measure_id,
        "council_code": measure.council_code,
        "period_start": start,
    }
    return Commentary.objects.filter(**key).first(), ManualValue.objects.filter(**key).first()


def editable(commentary: Commentary | None, value: ManualValue | None) -> bool:
    """Whether the owner can write this period's commentary. A period whose value is already
    confirmed (or submitted) but has no commentary takes commentary: the value stays as it is
    (value_locked) and the commentary goes through confirmation and sign-off as usual."""
    del value  # the value never locks the commentary; see value_locked
    return commentary is None or commentary.status in ("draft", "returned")


def value_locked(value: ManualValue | None) -> bool:
    """A submitted or confirmed value: saving the period's commentary leaves it unchanged."""
    return value is not None and value.status != "draft"


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
    if measure.is_manual and data.get("value") is not None and not value_locked(value):
        value = value or ManualValue(**key, period_end=periods.period_end(start, measure.frequency))
        value.value = data["value"]
        value.numerator = data.get("numerator")
        value.denominator = data.get("denominator")
        value.unusual_value_reason = data.get("unusual_value_reason") or ""
        value.entered_by = username
        value.status = "submitted" if submit else "draft"
        value.save()
    commentary = commentary or Commentary(**key)
    commentary.what_data_shows = data.get("what_data_shows", "")
    commentary.why = data.get("why", "")
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
    if not may_confirm(commentary, value, username):
        raise SamePerson(SELF_CONFIRM)
    now = timezone.now()
    commentary.status, commentary.confirmed_by, commentary.confirmed_at = "confirmed", username, now
    commentary.return_reason = None
    commentary.save()
    if value is not None and value.status != "confirmed":
        # A value confirmed before its commentary was written keeps its first confirmation.
        value.status, value.confirmed_by, value.confirmed_at = "confirmed", username, now
        value.save()


@transaction.atomic
def return_to_officer(measure, start: date, username: str, reason: str) -> None:
    commentary, value = _locked_pair(measure, start)
    if commentary is None or commentary.status != "submitted":
        raise Locked("Only submitted commentary can be returned.")
    commentary.status, commentary.return_reason = "returned", f"{reason} ({username})"
    commentary.save()
    if value is not None and value.status == "submitted":
        value.status = "draft"
        value.save()


@transaction.atomic
def sign_off(measure, start: date, username: str) -> None:
    """The Director's sign-off: only signed-off commentary reaches members and the public."""
    commentary, _ = _locked_pair(measure, start)
    if commentary is None or commentary.status != "confirmed":
        raise Locked("Only confirmed commentary can be signed off.")
    if not may_sign_off(commentary, username):
        raise SamePerson(SELF_SIGN_OFF)
    commentary.status = "signed_off"
    commentary.signed_off_by, commentary.signed_off_at = username, timezone.now()
    commentary.save()


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
