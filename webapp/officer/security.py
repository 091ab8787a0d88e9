"""HTTP hardening of the officer app: Content-Security-Policy, the client address behind the
council's proxy, sign-in lockout (per username, plus per-address throttling) and the health
check.

The pages have no scripts, no inline styles and one stylesheet, the app's own compiled GOV.UK
Frontend file (webapp/officer/stylesheet.py) served from the app itself: 'self' allows it, and
nothing inline is allowed at all. Sign-in through the council's identity provider starts from a
link, not a form, so `form-action 'self'` holds: the browser follows the app's redirect to the
provider as a navigation, which no directive here restricts.
"""

import ipaddress
import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Sum
from django.http import HttpResponse

log = logging.getLogger(__name__)
HEALTH_PATH = "/healthz"

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


class HealthCheckMiddleware:
    """GET /healthz: 200 "ok" when the app can query its database, else 503. First in the
    middleware, so it answers whatever the Host header (a container's own health check calls
    localhost) and without the redirect to HTTPS; it says nothing else about the app."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("select 1")
        except DatabaseError as error:
            log.warning("Health check: the database does not answer: %s", error)
            return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        return HttpResponse("ok\n", content_type="text/plain")


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

    Sign-in through the council's identity provider (webapp/officer/sign_in.py) has no username
    and no password here: the provider checked the password. A refusal there (no account with
    that email) is not a guess and is not counted, and a locked username does not stop its owner
    signing in that way; a locked address stops it as it stops the form.
    """

    def _counts(self, request, credentials) -> tuple[int, int]:
        by_username, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if get_client_username(request, credentials) is None:
            by_username = 0  # no username given: nothing to count for it
        return by_username, by_address

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None and get_client_username(request, credentials) is None:
            if not self.is_allowed(request, credentials):
                # a locked address: AxesMiddleware shows the lockout page
                request.axes_locked_out = True
                request.axes_credentials = credentials
            return
        super().user_login_failed(sender, credentials, request, **kwargs)

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = self._counts(request, credentials)
        if by_address >= settings.BDC_ADDRESS_FAILURE_LIMIT:
            return max(by_username, get_failure_limit(request, credentials))
        return by_username

    def reset_user_attempts(self, request, credentials=None) -> int:
        by_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_username.delete()
        return count
