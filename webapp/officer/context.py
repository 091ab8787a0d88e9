"""Template context: which roles the signed-in person holds (for the navigation)."""

from webapp.officer import roles as role_rules


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    return {"user_roles": role_rules.roles_of(user)}
