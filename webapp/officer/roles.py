"""Roles (Django groups) and the rules of who may see and do what."""

from django.contrib.auth.models import Group

from webapp.officer import posts
from webapp.officer.models import Measure, MeasureAssignment, PurposeDirector
from webapp.officer.tables import table_exists

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


def _people(measure, role: str) -> set[str]:
    """Usernames of a measure's owners or managers: the person assigned to the measure (an
    exception the Policy Team records) or else the holders of the registry's post."""
    override = MeasureAssignment.objects.filter(
        measure_id=measure.measure_id, council_code=measure.council_code, role=role
    ).select_related("user")
    if override:
        return {a.user.username for a in override}
    post = getattr(measure, role, None)
    return {u.username for u in posts.holders(post, measure.council_code)}


def owners_of(measure) -> set[str]:
    return _people(measure, "owner")


def managers_of(measure) -> set[str]:
    return _people(measure, "manager")


def directors_of(measure) -> set[str]:
    """Holders of the measure's Director post for its council, and the Directors the Policy
    Team named for its purpose."""
    found = {u.username for u in posts.holders(measure.director, measure.council_code)}
    if measure.purpose_code:
        found |= set(
            PurposeDirector.objects.filter(purpose_code=measure.purpose_code).values_list(
                "user__username", flat=True
            )
        )
    return found


def owns(user, measure) -> bool:
    return has_role(user, OFFICER) and user.username in owners_of(measure)


def manages(user, measure) -> bool:
    return has_role(user, MANAGER) and user.username in managers_of(measure)


def directs(user, measure) -> bool:
    return has_role(user, DIRECTOR) and user.username in directors_of(measure)


def _assignments() -> dict[tuple[str, str, str], set[str]]:
    found: dict[tuple[str, str, str], set[str]] = {}
    for a in MeasureAssignment.objects.select_related("user"):
        found.setdefault((a.measure_id, a.council_code, a.role), set()).add(a.user.username)
    return found


def _measures_where(user, role: str, measures=None) -> list:
    """The measures where this person is the owner or manager (by post or by assignment)."""
    if measures is None:
        if not table_exists("marts.dim_measures"):
            return []
        measures = Measure.objects.all()
    held = posts.posts_of(user)
    assigned = _assignments()
    found = []
    for measure in measures:
        override = assigned.get((measure.measure_id, measure.council_code, role))
        if override is not None:
            if user.username in override:
                found.append(measure)
        elif (getattr(measure, role), measure.council_code) in held:
            found.append(measure)
    return found


def owned_measures(user, measures=None) -> list:
    return _measures_where(user, "owner", measures) if has_role(user, OFFICER) else []


def managed_measures(user, measures=None) -> list:
    return _measures_where(user, "manager", measures) if has_role(user, MANAGER) else []


def directed_measures(user, measures=None) -> list:
    """Every measure under this Director: those whose Director post they hold for the council
    (strategic measures of their purposes and the operational measures contributing to them),
    and those of the purposes the Policy Team named them Director of."""
    if not has_role(user, DIRECTOR):
        return []
    if measures is None:
        if not table_exists("marts.dim_measures"):
            return []
        measures = Measure.objects.all()
    held = posts.posts_of(user)
    purposes = set(PurposeDirector.objects.filter(user=user).values_list("purpose_code", flat=True))
    return [
        m
        for m in measures
        if (m.director, m.council_code) in held or (m.purpose_code and m.purpose_code in purposes)
    ]


def sees_work_in_progress(user, measure) -> bool:
    """Drafts, submissions and returns: the owner, the manager, the Director, the Policy Team."""
    return (
        has_role(user, POLICY)
        or owns(user, measure)
        or manages(user, measure)
        or directs(user, measure)
    )
