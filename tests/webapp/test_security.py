"""Who may do what: anonymous users, other officers, partners, CSRF, failed logins."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import URLPattern, get_resolver, reverse

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PCT = ("E07000234", "hou_homeless_prevented_pct")
BENEFITS = ("E07000236", "fin_benefit_claims_count")
SAMPLE_ARGS = {
    "council_code": PCT[0],
    "measure_id": PCT[1],
    "period": "2026-01-01",
    "view_id": 1,
    "item_id": 1,
    "kind": "waiver",
}
# The sign-in page and its stylesheet (tests/webapp/test_entry_context.py checks the latter),
# and sign-in with the council's account: its start, the provider's return and the refusal page
# (tests/webapp/test_council_sign_in.py).
PUBLIC_PAGES = {
    "login",
    "app_static",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "council_sign_in_refused",
}


def every_page() -> list[str]:
    urls = []
    for pattern in get_resolver().url_patterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in PUBLIC_PAGES:
            continue
        kwargs = {k: v for k, v in SAMPLE_ARGS.items() if k in pattern.pattern.converters}
        urls.append(reverse(pattern.name, kwargs=kwargs))
    return urls


INTERNAL_PAGES = [u for u in every_page() if u not in ("/", "/accounts/logout/")]


@pytest.mark.parametrize("url", every_page())
def test_every_page_refuses_an_anonymous_user(client, url):
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code in (302, 403)
        if response.status_code == 302 and url != "/accounts/logout/":
            assert response["Location"].startswith(reverse("login"))


def test_logout_does_not_sign_anyone_in(client):
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.parametrize("url", INTERNAL_PAGES)
def test_partner_sees_nothing_internal(people, sign_in, url):
    client = sign_in(people.partner)
    for response in (client.get(url), client.post(url, {"action": "confirm"})):
        assert response.status_code == 403, url
        assert "Homelessness" not in response.text


def test_partner_home_has_no_internal_content(people, sign_in):
    page = sign_in(people.partner).get("/")
    assert page.status_code == 200
    assert "there is nothing here for partner accounts" in page.text
    assert reverse("dashboard") not in page.text


def test_officer_cannot_open_or_post_to_another_officers_measure(people, sign_in):
    client = sign_in(people.officer)
    url = reverse("enter", args=[*BENEFITS, people.due_month.isoformat()])
    assert client.get(url).status_code == 403
    crafted = client.post(
        url,
        {
            "value": "1",
            "what_data_shows": "x",
            "why": "w",
            "what_we_are_doing": "y",
            "action": "submit",
        },
    )
    assert crafted.status_code == 403
    from webapp.officer.models import Commentary, ManualValue

    assert not Commentary.objects.exists() and not ManualValue.objects.exists()


def test_officer_cannot_change_confirmed_commentary(people, sign_in):
    from webapp.officer.models import Commentary

    url = reverse("enter", args=[*PCT, people.due_month.isoformat()])
    fields = {"value": "50", "what_data_shows": "a", "why": "w", "what_we_are_doing": "b"}
    sign_in(people.officer).post(url, fields | {"action": "submit"})
    sign_in(people.manager).post(
        reverse("review", args=[*PCT, people.due_month.isoformat()]), {"action": "confirm"}
    )
    client = sign_in(people.officer)
    page = client.get(url)
    assert "confirmed and locked" in page.text and "<textarea" not in page.text
    crafted = client.post(url, fields | {"what_data_shows": "rewritten", "action": "save"})
    assert crafted.status_code == 403
    assert Commentary.objects.get().what_data_shows == "a"
    assert Commentary.objects.get().status == "confirmed"


def test_officer_cannot_confirm_their_own_input(people, sign_in):
    client = sign_in(people.officer)
    client.post(
        reverse("enter", args=[*PCT, people.due_month.isoformat()]),
        {
            "value": "50",
            "what_data_shows": "a",
            "why": "w",
            "what_we_are_doing": "b",
            "action": "submit",
        },
    )
    review = reverse("review", args=[*PCT, people.due_month.isoformat()])
    assert client.post(review, {"action": "confirm"}).status_code == 403
    other_manager = sign_in(people.other_manager)
    assert other_manager.post(review, {"action": "confirm"}).status_code == 403
    from webapp.officer.models import Commentary

    assert Commentary.objects.get().status == "submitted"


def test_member_is_read_only(people, sign_in):
    client = sign_in(people.member)
    assert client.get(reverse("dashboard")).status_code == 200
    url = reverse("enter", args=[*PCT, people.due_month.isoformat()])
    assert client.post(url, {"value": "1", "action": "save"}).status_code == 403
    assert client.get(reverse("policy_focus")).status_code == 403


def test_post_without_csrf_token_is_refused(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.officer, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("enter", args=[*PCT, people.due_month.isoformat()])
    response = client.post(url, {"value": "50", "what_data_shows": "a", "action": "save"})
    assert response.status_code == 403
    assert "The form could not be sent" in response.text
    from webapp.officer.models import Commentary

    assert not Commentary.objects.exists()
    # The same form with its token goes through.
    token = client.get(url).context["csrf_token"]
    ok = client.post(url, {"value": "50", "action": "save", "csrfmiddlewaretoken": str(token)})
    assert ok.status_code == 302


def test_repeated_failed_logins_lock_the_account(people):
    client = Client()
    login = reverse("login")
    for _ in range(4):
        response = client.post(login, {"username": "olivia", "password": "wrong"})
        assert response.status_code == 200 and "Please enter a correct username" in response.text
    locked = client.post(login, {"username": "olivia", "password": "wrong"})
    assert locked.status_code == 429
    right_password = client.post(login, {"username": "olivia", "password": "correct-horse-battery"})
    assert right_password.status_code == 429
    assert "Too many failed sign-in attempts" in right_password.text
    assert client.get(reverse("dashboard")).status_code == 302
    # Another account from the same address is not locked.
    other = client.post(login, {"username": "maya", "password": "correct-horse-battery"})
    assert other.status_code == 302


def test_real_login_with_the_password_works(people):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "olivia", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_passwords_are_stored_hashed_with_the_production_hasher():
    from django.conf import settings

    from webapp import settings as app_settings

    assert not hasattr(app_settings, "PASSWORD_HASHERS")  # Django's default list: PBKDF2 first
    stored = make_password("correct-horse-battery")
    assert stored.startswith("pbkdf2_sha256$") and "correct-horse" not in stored
    assert settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")


def test_session_and_cookie_settings():
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE
    assert settings.AXES_FAILURE_LIMIT == 5
