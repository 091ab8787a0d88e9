"""Sign-in: the local username and password form, and, when BDC_OIDC_CLIENT_ID is set, sign-in
through the council's identity provider by OpenID Connect (mozilla-django-oidc; settings from
webapp/configuration.py).

The provider tells us who someone is; the council decides who may use the app and with which
role. A person signing in through the provider is matched to an existing account by email
address (any case). Nobody gets an account by signing in unless BDC_OIDC_CREATE_USERS=1, and
then with no role: roles are given by the Policy Team or `bdc web user` as for any account.
Anyone the app can't match sees a page saying why and to ask the Policy Team.

The flow: the sign-in page's button links to `start`, which redirects to the provider with a
state, a nonce and a PKCE challenge kept in the session; the provider sends the browser back to
`callback` with a code, which the backend exchanges for tokens (checking the ID token's
signature, nonce and audience), then reads the person's email from the provider's user info.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

log = logging.getLogger(__name__)

# Why a sign-in through the provider did not sign anyone in (the page each gets: refused()).
NO_ACCOUNT = "no account"
SEVERAL_ACCOUNTS = "several accounts"
ACCOUNT_OFF = "account off"
NO_EMAIL = "no email"
FAILED = "failed"
REASONS = (NO_ACCOUNT, SEVERAL_ACCOUNTS, ACCOUNT_OFF, NO_EMAIL, FAILED)
SESSION_KEY = "bdc_council_sign_in_refused"


class SignInView(auth_views.LoginView):
    """Django's sign-in form, with the council account button when OIDC is on."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # No autofocus on the username (Django's default): it would skip the page's heading and
        # the council account button, and after errors the error summary takes the focus.
        form.fields["username"].widget.attrs.pop("autofocus", None)
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["council_sign_in"] = settings.BDC_OIDC_ENABLED
        return context


def _refuse(request, reason: str, email: str | None = None) -> None:
    request.bdc_sign_in_refused = (reason, email)


def _usable_email(claims: dict) -> str | None:
    email = (claims.get("email") or "").strip()
    # A provider that says the address is unverified can't vouch for whose it is.
    if not email or claims.get("email_verified") is False:
        return None
    return email


class CouncilAccountBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend: accounts matched by email, never by any other claim; an
    account the app makes (BDC_OIDC_CREATE_USERS=1) is named by the email address, so the
    author of commentary and the audit log name a person, not a hash."""

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET:
            return None  # not a return from the provider (e.g. the username and password form)
        try:
            return super().authenticate(request, **kwargs)
        except (
            requests.RequestException,
            SuspiciousOperation,
            jwt.PyJWTError,
            KeyError,
            ValueError,
        ) as error:
            # The provider refused the code, did not answer, or sent a token that fails its
            # checks: nobody is signed in, and the page says to try again.
            log.warning("Sign-in through the council's identity provider failed: %s", error)
            _refuse(request, FAILED)
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another client.")
        return payload

    def filter_users_by_claims(self, claims):
        email = _usable_email(claims)
        if email is None:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def verify_claims(self, claims):
        return True  # an unusable email is refused in get_or_create_user, with its own page

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        email = _usable_email(claims)
        if email is None:
            _refuse(self.request, NO_EMAIL)
            return None
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) > 1:
            _refuse(self.request, SEVERAL_ACCOUNTS, email)
            return None
        if users:
            if not users[0].is_active:
                _refuse(self.request, ACCOUNT_OFF, email)
                return None
            return users[0]
        if self.get_settings("OIDC_CREATE_USER", False):
            return self.create_user(claims)
        _refuse(self.request, NO_ACCOUNT, email)
        return None

    def create_user(self, claims):
        email = _usable_email(claims).lower()
        user = self.UserModel(username=email[:150], email=email)
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.set_unusable_password()  # signs in through the council's account only
        user.save()
        log.warning("Made an account with no role for %s (BDC_OIDC_CREATE_USERS=1).", email)
        return user

    def get_user(self, user_id):
        # ModelBackend's: a switched-off account's session ends (the library's skips the check).
        return ModelBackend.get_user(self, user_id)


class _Start(OIDCAuthenticationRequestView):
    pass


class _Callback(OIDCAuthenticationCallbackView):
    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            # A state this browser did not start (an old or copied link, a second tab).
            log.warning("Sign-in through the council's identity provider refused: %s", error)
            _refuse(request, FAILED)
            return self.login_failure()

    def login_failure(self):
        reason, email = getattr(self.request, "bdc_sign_in_refused", (FAILED, None))
        self.request.session[SESSION_KEY] = {"reason": reason, "email": email}
        return HttpResponseRedirect(reverse("council_sign_in_refused"))


def _enabled() -> None:
    if not settings.BDC_OIDC_ENABLED:
        raise Http404("Sign-in through the council's account is not set up.")


@login_not_required
def start(request):
    """Redirect to the provider's sign-in (the button on the sign-in page)."""
    _enabled()
    return _Start.as_view()(request)


@login_not_required
def callback(request):
    """Where the provider sends the browser back (registered with the provider)."""
    _enabled()
    return _Callback.as_view()(request)


@login_not_required
def refused(request):
    """Why signing in through the council's account did not work, and what to do."""
    _enabled()
    found = request.session.get(SESSION_KEY) or {}
    reason = found.get("reason") if found.get("reason") in REASONS else FAILED
    context = {"reason": reason, "email": found.get("email")}
    return render(request, "registration/council_sign_in_refused.html", context, status=403)
