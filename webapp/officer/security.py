"""HTTP hardening of the officer app: Content-Security-Policy, the client address behind the
council's proxy, and sign-in lockout (per username, plus per-address throttling).

The pages have no scripts, no inline styles and one stylesheet, the app's own compiled GOV.UK
Frontend file (webapp/officer/stylesheet.py) served from the app itself: 'self' allows it, and
nothing inline is allowed at all.
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # charts are <img> data: URLs (scripts in them never run)
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy on every response (Django 5.2 has no built-in one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _address(text: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind BDC_WEB_TRUSTED_PROXIES proxies, the entry
    of X-Forwarded-For the outermost trusted proxy added. Entries left of it came from the
    client and are never trusted."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.BDC_TRUSTED_PROXIES
    if count > 0:
        forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a]
        if len(forwarded) >= count:
            found = _address(forwarded[-count])
            if found is not None:
                return found
    return remote


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits (AXES_LOCKOUT_PARAMETERS must be
    ["username", "ip_address"]):

    - a username is locked after AXES_FAILURE_LIMIT failures, from any addresses;
    - an address is locked after BDC_ADDRESS_FAILURE_LIMIT failures, for any usernames.

    Both for AXES_COOLOFF_TIME. A successful sign-in clears that username's failures only, so
    an attacker who also has an account can't clear their address's count by signing in.
    """

    def _counts(self, request, credentials) -> tuple[int, int]:
        by_username, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return by_username, by_address

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = self._counts(request, credentials)
        if by_address >= settings.BDC_ADDRESS_FAILURE_LIMIT:
            return max(by_username, get_failure_limit(request, credentials))
        return by_username

    def reset_user_attempts(self, request, credentials=None) -> int:
        by_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_username.delete()
        return count
