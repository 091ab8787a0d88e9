"""Every grant and removal of a role is written to audit.role_grants (models.RoleGrant).

Roles are Django groups (roles.py), measure assignments (owner, manager) and Directors by
purpose. Signal receivers record every change whatever makes it (`bdc web user`, the Policy
Team's pages, a Django shell); the code that grants says who and by which means with
`granting(...)`. Without it, the person is the signed-in user of the request in progress
(django-simple-history's middleware keeps it) or "unknown", and the means "unattributed".
"""

import contextlib
import contextvars

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from simple_history.models import HistoricalRecords

from webapp.officer.models import MeasureAssignment, PurposeDirector, RoleGrant

_who = contextvars.ContextVar("role_grant_attribution", default=None)


@contextlib.contextmanager
def granting(by: str, means: str):
    """Attribute the role changes made inside this block to `by`, made by `means`."""
    token = _who.set((by, means))
    try:
        yield
    finally:
        _who.reset(token)


def _attribution() -> tuple[str, str]:
    found = _who.get()
    if found is not None:
        return found
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_username(), f"web request {request.path}"
    return "unknown", "unattributed (not through bdc web user or the app's pages)"


def record(action: str, grantee: str, role: str, scope: str = "") -> RoleGrant:
    by, means = _attribution()
    return RoleGrant.objects.create(
        action=action, role=role, scope=scope, grantee=grantee, granted_by=by, means=means
    )


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        # The groups (or members) about to go: remembered for post_clear.
        instance._bdc_cleared = (
            list(instance.user_set.all()) if reverse else list(instance.groups.all())
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    verb = "grant" if action == "post_add" else "revoke"
    if action == "post_clear":
        others = getattr(instance, "_bdc_cleared", [])
    elif reverse:  # group.user_set.add(users)
        others = list(get_user_model().objects.filter(pk__in=pk_set))
    else:  # user.groups.add(groups)
        others = list(Group.objects.filter(pk__in=pk_set))
    for other in others:
        user, group = (other, instance) if reverse else (instance, other)
        record(verb, user.get_username(), group.name)


def _measure_scope(assignment: MeasureAssignment) -> str:
    return f"{assignment.measure_id} ({assignment.council_code})"


def _remember_previous(sender, instance, **kwargs):
    previous = None
    if instance.pk is not None:
        previous = sender.objects.filter(pk=instance.pk).select_related("user").first()
    instance._bdc_previous_user = previous.user if previous is not None else None


def _assignment_saved(sender, instance, created, **kwargs):
    previous = getattr(instance, "_bdc_previous_user", None)
    if not created and previous is not None and previous.pk == instance.user_id:
        return
    role = f"measure {instance.role}"
    if previous is not None:
        record("revoke", previous.get_username(), role, _measure_scope(instance))
    record("grant", instance.user.get_username(), role, _measure_scope(instance))


def _assignment_deleted(sender, instance, **kwargs):
    record(
        "revoke", instance.user.get_username(), f"measure {instance.role}", _measure_scope(instance)
    )


def _director_saved(sender, instance, created, **kwargs):
    previous = getattr(instance, "_bdc_previous_user", None)
    if not created and previous is not None and previous.pk == instance.user_id:
        return
    scope = f"purpose {instance.purpose_code}"
    if previous is not None:
        record("revoke", previous.get_username(), "Director of purpose", scope)
    record("grant", instance.user.get_username(), "Director of purpose", scope)


def _director_deleted(sender, instance, **kwargs):
    record(
        "revoke",
        instance.user.get_username(),
        "Director of purpose",
        f"purpose {instance.purpose_code}",
    )


def connect() -> None:
    """Called once from the app's ready()."""
    user_groups = get_user_model().groups.through
    m2m_changed.connect(_groups_changed, sender=user_groups, dispatch_uid="bdc_role_grants")
    for model, saved, deleted in (
        (MeasureAssignment, _assignment_saved, _assignment_deleted),
        (PurposeDirector, _director_saved, _director_deleted),
    ):
        uid = f"bdc_role_grants_{model.__name__}"
        pre_save.connect(_remember_previous, sender=model, dispatch_uid=uid)
        post_save.connect(saved, sender=model, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, dispatch_uid=uid)
