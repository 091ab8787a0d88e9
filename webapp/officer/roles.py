"""Roles (Django groups) and the rules of who may see and do what."""

from django.contrib.auth.models import Group

from webapp.officer.models import MeasureAssignment, PurposeDirector

OFFICER = "Officer"
MANAGER = "Manager"
DIRECTOR = "Director"
POLICY = "Policy Team"
MEMBER = "Member"
PARTNER = "Partner"
ALL_ROLES = (OFFICER, MANAGER, DIRECTOR, POLICY, MEMBER, PARTNER)
INTERNAL_ROLES = frozenset({OFFICER, MANAGER, DIRECTOR, POLICY, MEMBER})
ROLE_OPTIONS = {
    "officer": OFFICER,
    "manager": MANAGER,
    "director": DIRECTOR,
    "policy": POLICY,
    "member": MEMBER,
    "partner": PARTNER,
}


def ensure_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_bdc_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {POLICY}
        user._bdc_roles = cached
    return cached


def is_internal(user) -> bool:
    return bool(roles_of(user) & INTERNAL_ROLES)


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def _assigned(user, measure_id: str, council_code: str, role: str) -> bool:
    return MeasureAssignment.objects.filter(
        measure_id=measure_id, council_code=council_code, role=role, user=user
    ).exists()


def owns(user, measure) -> bool:
    return has_role(user, OFFICER) and _assigned(
        user, measure.measure_id, measure.council_code, "owner"
    )


def manages(user, measure) -> bool:
    return has_role(user, MANAGER) and _assigned(
        user, measure.measure_id, measure.council_code, "manager"
    )


def directs(user, measure) -> bool:
    return (
        has_role(user, DIRECTOR)
        and measure.purpose_code is not None
        and PurposeDirector.objects.filter(user=user, purpose_code=measure.purpose_code).exists()
    )


def sees_work_in_progress(user, measure) -> bool:
    """Drafts, submissions and returns: the owner, the manager, the Director, the Policy Team."""
    return (
        has_role(user, POLICY)
        or owns(user, measure)
        or manages(user, measure)
        or directs(user, measure)
    )
