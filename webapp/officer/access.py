"""View decorators: internal staff only, or one role only. Anonymous users never get here
(LoginRequiredMiddleware sends them to the sign-in page)."""

import functools

from django.core.exceptions import PermissionDenied

from webapp.officer import roles


def internal_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_internal(request.user):
            raise PermissionDenied("This page is for council staff and members only.")
        return view(request, *args, **kwargs)

    return wrapper


def role_only(role: str):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles.has_role(request.user, role):
                raise PermissionDenied(f"This page is for the {role} role only.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
