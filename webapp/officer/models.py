"""The app's tables (schema `input`, read by dbt as a source) and the marts it reads.

Column names of input.commentary, input.manual_values, input.cmt_focus and
input.reporting_calendar follow docs/tables.md; each also has an `id` key for Django.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from simple_history.models import HistoricalRecords

# draft -> submitted -> confirmed (the manager) -> signed_off (the Director); the manager may
# return submitted commentary instead. Only signed-off commentary reaches members and the public.
COMMENTARY_STATUSES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("returned", "Returned"),
    ("confirmed", "Confirmed"),
    ("signed_off", "Signed off"),
]
VALUE_STATUSES = [("draft", "Draft"), ("submitted", "Submitted"), ("confirmed", "Confirmed")]
EVENTS = [
    ("cabinet", "Cabinet"),
    ("portfolio_briefing", "Portfolio Holder briefing"),
    ("scrutiny", "Overview and Scrutiny"),
]
COUNCILS = [("E07000234", "Bromsgrove"), ("E07000236", "Redditch")]
MEASURE_ROLES = [("owner", "Owner (officer)"), ("manager", "Manager / Head of Service")]


def _unique(name: str, *fields: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=list(fields), name=name)


class Commentary(models.Model):
    measure_id = models.TextField()
    council_code = models.TextField(choices=COUNCILS)
    period_start = models.DateField()
    what_data_shows = models.TextField(blank=True, default="")
    # The strategy's three questions: what the data shows, why, and what we are doing
    # (and by when).
    why = models.TextField(blank=True, default="", db_default="")
    what_we_are_doing = models.TextField(blank=True, default="")
    author = models.TextField()
    status = models.TextField(choices=COMMENTARY_STATUSES, default="draft")
    confirmed_by = models.TextField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_public = models.BooleanField(default=False)
    # Not in the first contract: the Director's sign-off, after the manager's confirmation.
    signed_off_by = models.TextField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."commentary'
        constraints = [
            _unique("commentary_one_per_period", "measure_id", "council_code", "period_start"),
            # Segregation of duties, enforced by the database whatever writes the row: the
            # confirmer is never the author; the signer is neither the author nor the confirmer.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("author")),
                name="commentary_confirmer_is_not_author",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True)
                | (
                    Q(confirmed_by__isnull=False)
                    & ~Q(signed_off_by=F("author"))
                    & ~Q(signed_off_by=F("confirmed_by"))
                ),
                name="commentary_signer_is_neither_author_nor_confirmer",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed_off") | Q(signed_off_by__isnull=False),
                name="commentary_signed_off_names_the_signer",
            ),
        ]


class ManualValue(models.Model):
    measure_id = models.TextField()
    council_code = models.TextField(choices=COUNCILS)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    numerator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    entered_by = models.TextField()
    status = models.TextField(choices=VALUE_STATUSES, default="draft")
    confirmed_by = models.TextField(null=True, blank=True)
    # Not in the first contract: the sensor needs to know when a value was confirmed.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Why the officer kept a value far outside the chart's usual limits ("are you sure?"). Both
    # new text columns have a database default: the demo and `bdc` write rows with SQL too.
    unusual_value_reason = models.TextField(blank=True, default="", db_default="")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."manual_values'
        constraints = [
            _unique("manual_value_one_per_period", "measure_id", "council_code", "period_start")
        ]


class CmtFocus(models.Model):
    cabinet_date = models.DateField()
    measure_id = models.TextField()
    council_code = models.TextField(choices=COUNCILS)
    added_by = models.TextField()
    added_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."cmt_focus'
        constraints = [_unique("cmt_focus_once", "cabinet_date", "measure_id", "council_code")]
        ordering = ["-cabinet_date", "council_code", "measure_id"]


class ReportingCalendar(models.Model):
    event = models.TextField(choices=EVENTS)
    meeting_date = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    council_code = models.TextField(choices=COUNCILS)
    # Not in the first contract: the Policy Team closes a cycle once its report is issued;
    # periods of closed cycles take no more input.
    closed = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."reporting_calendar'
        constraints = [_unique("calendar_event_once", "event", "meeting_date", "council_code")]
        ordering = ["meeting_date", "council_code", "event"]


class PostHolder(models.Model):
    """Who holds a post (as the measure registry names it, e.g. "Revenues Manager") for a
    council. The registry names each measure's owner, manager and Director posts; this table
    turns them into people. A post may be held by different people in each council, and by
    more than one person in a council (a job share, or a second Director to sign off what the
    first wrote or confirmed)."""

    post = models.TextField()
    council_code = models.TextField(choices=COUNCILS)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."post_holders'
        constraints = [_unique("post_holder_once", "post", "council_code", "user")]
        ordering = ["post", "council_code", "user__username"]


class MeasureAssignment(models.Model):
    """An exception to the post holders for one measure and council: this person, not the
    holders of the registry's post, owns (enters) or manages (confirms) it."""

    measure_id = models.TextField()
    council_code = models.TextField(choices=COUNCILS)
    role = models.TextField(choices=MEASURE_ROLES)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."measure_assignments'
        constraints = [_unique("one_person_per_measure_role", "measure_id", "council_code", "role")]
        ordering = ["council_code", "measure_id", "role"]


class PurposeDirector(models.Model):
    """The Director who sees everything under a purpose."""

    purpose_code = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        db_table = 'input"."purpose_directors'
        constraints = [_unique("director_purpose_once", "purpose_code", "user")]


class RoleGrant(models.Model):
    """One grant or removal of a role (audit.role_grants; append-only, see migration 0004).

    Written by webapp.officer.grants for every change to a user's Django groups (the six
    roles), measure assignments (owner, manager) and Directors by purpose, whatever made it.
    """

    granted_at = models.DateTimeField(db_default=Now())
    action = models.TextField(choices=[("grant", "Granted"), ("revoke", "Removed")])
    role = models.TextField()
    scope = models.TextField(blank=True, default="")
    grantee = models.TextField()
    granted_by = models.TextField()
    means = models.TextField()

    class Meta:
        db_table = 'audit"."role_grants'
        ordering = ["-granted_at", "-id"]


class SavedView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.TextField()
    filters = models.JSONField(default=dict)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = 'input"."saved_views'
        constraints = [_unique("saved_view_name_once", "user", "name")]
        ordering = ["name"]


# Read-only tables built by dbt and the analysis assets (docs/tables.md).


class Purpose(models.Model):
    purpose_code = models.TextField(primary_key=True)
    purpose_name = models.TextField()
    director = models.TextField(null=True)
    sort_order = models.IntegerField(null=True)

    class Meta:
        managed = False
        db_table = 'marts"."dim_purposes'
        ordering = ["sort_order"]


class Measure(models.Model):
    pk = models.CompositePrimaryKey("measure_id", "council_code")
    measure_id = models.TextField()
    council_code = models.TextField()
    name = models.TextField()
    kind = models.TextField()
    purpose_code = models.TextField(null=True)
    team = models.TextField(null=True)
    service_area = models.TextField(null=True)
    locality = models.TextField(null=True)
    owner = models.TextField(null=True)
    manager = models.TextField(null=True)
    director = models.TextField(null=True)
    portfolio = models.TextField(null=True)
    definition = models.TextField(null=True)
    unit = models.TextField()
    polarity = models.TextField()
    frequency = models.TextField()
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    is_public = models.BooleanField()
    is_key = models.BooleanField()
    input_method = models.TextField()

    class Meta:
        managed = False
        db_table = 'marts"."dim_measures'
        ordering = ["council_code", "purpose_code", "name"]

    @property
    def is_manual(self) -> bool:
        return self.input_method == "manual"


class MeasureIcon(models.Model):
    pk = models.CompositePrimaryKey("measure_id", "council_code")
    measure_id = models.TextField()
    council_code = models.TextField()
    variation_icon = models.TextField(null=True)
    assurance_icon = models.TextField(null=True)
    spc_shown = models.BooleanField(null=True)
    n = models.IntegerField(null=True)
    latest_period_start = models.DateField(null=True)
    latest_value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    warnings = models.TextField(null=True)
    text_alternative = models.TextField(null=True)
    chart_svg = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = 'analysis"."measure_icons'


# Owned by the quality engineer (orchestration/lib/quality/store.py, with its own audit
# triggers); the Policy Team records and revokes them here.


class QualityWaiver(models.Model):
    waiver_id = models.BigAutoField(primary_key=True)
    check_id = models.TextField(null=True)
    measure_id = models.TextField(null=True)
    council_code = models.TextField(null=True)
    period_start = models.DateField(null=True)
    criterion = models.TextField(null=True)
    reason = models.TextField()
    waived_by = models.TextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)
    revoked_by = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = 'input"."quality_waivers'
        ordering = ["-created_at"]


class FreshnessOverride(models.Model):
    override_id = models.BigAutoField(primary_key=True)
    output = models.TextField()
    source = models.TextField(null=True)
    reason = models.TextField()
    person = models.TextField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)
    revoked_by = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = 'input"."freshness_overrides'
        ordering = ["-created_at"]
