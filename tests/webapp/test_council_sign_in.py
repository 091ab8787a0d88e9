"""Sign-in through the council's identity provider (OpenID Connect), against a real provider
started by the test (tests/support/oidc_provider.py) and driven by Django's test client: the
button, the redirect with state, nonce and PKCE, the callback signing in the account matched by
email, the refusal pages, and the username and password form and lockout beside it."""

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from tests.support import oidc_provider

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "correct-horse-battery"
CALLBACK = "http://testserver/accounts/oidc/callback/"


@pytest.fixture
def provider():
    found = oidc_provider.Provider(
        client_id="performance-dashboard",
        client_secret=secrets.token_urlsafe(32),
        redirect_uri=CALLBACK,
    )
    server, thread = oidc_provider.start(found)
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def council(settings, provider):
    oidc_provider.switch_on(settings, provider.endpoints())
    return provider


def through_provider(client: Client, provider, email: str, next_url: str | None = None):
    """Press the button, sign in at the provider as `email`, come back: the callback's
    response (not followed)."""
    provider.person = {"email": email, "given_name": "Test", "family_name": "Person"}
    start = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    assert to_provider["Location"].startswith(provider.url + "/authorize?")
    back = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return client.get(location.path, parse_qs(location.query))


def signed_in_as(client: Client) -> str | None:
    response = client.get(reverse("login"))
    user = response.context["user"]
    return user.username if user.is_authenticated else None


def test_the_sign_in_page_shows_the_button_only_when_council_sign_in_is_on(
    people, settings, provider
):
    page = Client().get(reverse("login"))
    assert "Sign in with your council account" not in page.text
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404
    assert Client().get(reverse("oidc_authentication_callback")).status_code == 404

    oidc_provider.switch_on(settings, provider.endpoints())
    page = Client().get(reverse("login") + "?next=/my-work/")
    assert page.status_code == 200
    # A link styled as a GOV.UK button, beside the username and password form.
    assert (
        '<a href="/accounts/oidc/start/?next=/my-work/" role="button" draggable="false" '
        'class="govuk-button" data-module="govuk-button">Sign in with your council account</a>'
    ) in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text
    # A link, not a form: the Content-Security-Policy's form-action stays 'self'.
    assert "form-action 'self'" in page["Content-Security-Policy"]
    assert "oidc" not in page.text.split('<form method="post"')[1].split("</form>")[0]


def test_the_button_redirects_to_the_provider_with_state_nonce_and_pkce(people, council):
    client = Client()
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == council.url + "/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == "performance-dashboard"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == CALLBACK
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
    # The state and nonce wait in this browser's session, not anyone else's.
    states = client.session["oidc_states"]
    assert states[query["state"]]["nonce"] == query["nonce"]
    assert "oidc_states" not in Client().session


def test_the_callback_signs_in_the_account_with_that_email(people, council):
    from axes.models import AccessLog

    people.officer.email = "Olivia.Owen@Bromsgrove.gov.uk"
    people.officer.save()
    client = Client()
    back = through_provider(client, council, "olivia.owen@bromsgrove.gov.uk", "/my-work/")
    assert back.status_code == 302 and back["Location"] == "/my-work/"
    assert signed_in_as(client) == "olivia"
    assert client.get("/my-work/").status_code == 200
    # The app proved who it was and finished the PKCE exchange; the code is spent.
    (token_request,) = council.token_requests
    assert token_request["client_secret"] == council.client_secret
    assert token_request["redirect_uri"] == CALLBACK and token_request["code_verifier"]
    assert council.codes == {}
    assert AccessLog.objects.filter(username="olivia").exists()  # axes records the sign-in


def test_an_unknown_email_gets_the_ask_the_policy_team_page(people, council):
    from axes.models import AccessAttempt

    client = Client()
    back = through_provider(client, council, "stranger@bromsgrove.gov.uk")
    assert back.status_code == 302 and back["Location"] == reverse("council_sign_in_refused")
    page = client.get(back["Location"])
    assert page.status_code == 403
    assert "You do not have an account for this service yet" in page.text
    assert "stranger@bromsgrove.gov.uk" in page.text and "Ask the Policy Team" in page.text
    assert signed_in_as(client) is None
    assert client.get(reverse("dashboard")).status_code == 302  # still needs signing in
    from django.contrib.auth.models import User

    assert not User.objects.filter(email__iexact="stranger@bromsgrove.gov.uk").exists()
    # A refusal is not a password guess: nothing counts towards a lockout.
    assert not AccessAttempt.objects.exists()


def test_switched_off_and_shared_email_accounts_are_refused_with_their_reason(people, council):
    people.partner.email = "police@example.org"
    people.partner.is_active = False
    people.partner.save()
    client = Client()
    page = client.get(through_provider(client, council, "police@example.org")["Location"])
    assert "Your account has been switched off" in page.text
    for person in (people.manager, people.other_manager):
        person.email = "managers@bromsgrove.gov.uk"
        person.save()
    page = client.get(through_provider(client, council, "managers@bromsgrove.gov.uk")["Location"])
    assert "We cannot tell which account is yours" in page.text
    page = client.get(through_provider(client, council, "")["Location"])
    assert "did not give an email address" in page.text
    assert signed_in_as(client) is None


def test_accounts_are_made_only_when_asked_and_with_no_role(people, settings, provider):
    oidc_provider.switch_on(settings, {**provider.endpoints(), "BDC_OIDC_CREATE_USERS": "1"})
    from django.contrib.auth.models import User

    client = Client()
    back = through_provider(client, provider, "New.Starter@Redditch.gov.uk")
    assert back.status_code == 302
    made = User.objects.get(email="new.starter@redditch.gov.uk")
    assert made.username == "new.starter@redditch.gov.uk"
    assert (made.first_name, made.last_name) == ("Test", "Person")
    assert not made.has_usable_password() and not made.groups.exists()
    home = client.get(reverse("home"))
    assert home.status_code == 403 and "Your account has no role yet" in home.text
    # Signing in again finds the same account.
    through_provider(Client(), provider, "new.starter@redditch.gov.uk")
    assert User.objects.filter(email__iexact="new.starter@redditch.gov.uk").count() == 1


def test_a_replayed_callback_or_a_wrong_client_secret_does_not_sign_in(people, council, settings):
    people.officer.email = "olivia@bromsgrove.gov.uk"
    people.officer.save()
    client = Client()
    council.person = {"email": "olivia@bromsgrove.gov.uk"}
    to_provider = client.get(reverse("oidc_authentication_init"))
    provider_back = requests.get(to_provider["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(provider_back.headers["Location"])
    first = client.get(callback.path, parse_qs(callback.query))
    assert first.status_code == 302 and signed_in_as(client) == "olivia"
    # The same code and state again: in another browser, whose session never held that state,
    # and in the same one, whose state was used up.
    for browser in (Client(), client):
        again = browser.get(callback.path, parse_qs(callback.query))
        assert again.status_code == 302
        page = browser.get(again["Location"])
        assert page.status_code == 403 and "Sign-in did not work" in page.text
    assert len(council.token_requests) == 1  # neither reached the provider
    assert signed_in_as(Client()) is None

    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    refused = Client()
    back = through_provider(refused, council, "olivia@bromsgrove.gov.uk")
    assert "Sign-in did not work" in refused.get(back["Location"]).text
    assert signed_in_as(refused) is None


@pytest.mark.parametrize(
    "bad_token",
    [
        {"forged": True},  # signed with a key the provider does not publish
        {"aud": "another-app"},  # issued to another client of the provider
        {"nonce": "not-this-browsers"},  # from another sign-in
        {"exp": 1_000_000_000},  # expired (2001)
    ],
    ids=["forged", "audience", "nonce", "expired"],
)
def test_an_id_token_that_fails_its_checks_signs_nobody_in(people, council, bad_token):
    from cryptography.hazmat.primitives.asymmetric import rsa

    people.officer.email = "olivia@bromsgrove.gov.uk"
    people.officer.save()
    if bad_token.pop("forged", False):
        council.forging_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    council.id_token_changes = bad_token
    client = Client()
    back = through_provider(client, council, "olivia@bromsgrove.gov.uk")
    assert back["Location"] == reverse("council_sign_in_refused")
    assert "Sign-in did not work" in client.get(back["Location"]).text
    assert signed_in_as(client) is None
    # Control: the same flow with a good token signs her in.
    council.forging_key, council.id_token_changes = None, {}
    through_provider(client, council, "olivia@bromsgrove.gov.uk")
    assert signed_in_as(client) == "olivia"


def test_a_switched_off_account_is_signed_out(people, council):
    people.officer.email = "olivia@bromsgrove.gov.uk"
    people.officer.save()
    client = Client()
    through_provider(client, council, "olivia@bromsgrove.gov.uk")
    assert client.get("/my-work/").status_code == 200
    people.officer.is_active = False
    people.officer.save()
    assert client.get("/my-work/").status_code == 302


def test_the_password_form_and_its_lockout_still_work_beside_it(people, council, settings):
    people.officer.email = "olivia@bromsgrove.gov.uk"
    people.officer.save()

    def with_password(username, password, address="10.0.0.1"):
        return Client().post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    assert with_password("maya", PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with_password("olivia", "wrong")
    assert with_password("olivia", PASSWORD, "10.0.0.2").status_code == 429
    # Her council account still signs her in: the provider checked her password.
    client = Client(REMOTE_ADDR="10.0.0.2")
    assert through_provider(client, council, "olivia@bromsgrove.gov.uk").status_code == 302
    assert signed_in_as(client) == "olivia"

    # Refusals through the provider never lock an address: the form still works from it.
    for _ in range(settings.BDC_ADDRESS_FAILURE_LIMIT + 1):
        through_provider(Client(REMOTE_ADDR="10.0.0.3"), council, "nobody@example.org")
    assert with_password("maya", PASSWORD, "10.0.0.3").status_code == 302

    # An address locked by failed passwords is locked for the council account too.
    for number in range(settings.BDC_ADDRESS_FAILURE_LIMIT):
        with_password(f"guess{number}", "wrong", "10.6.6.6")
    locked = through_provider(Client(REMOTE_ADDR="10.6.6.6"), council, "olivia@bromsgrove.gov.uk")
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.text


def test_an_account_given_by_bdc_web_user_signs_in_with_the_council_account(
    people, council, monkeypatch
):
    from click.testing import CliRunner
    from django.contrib.auth.models import User

    from orchestration.commands import web

    monkeypatch.setattr(web, "warehouse_url", lambda: "unused")
    monkeypatch.setattr(web, "migrate_app", lambda url: None)
    args = ["user", "nadia", "--role", "officer", "--email", "nadia.n@bromsgrove.gov.uk"]
    result = CliRunner().invoke(web.web, [*args, "--no-password"])
    assert result.exit_code == 0, result.output
    nadia = User.objects.get(username="nadia")
    assert nadia.email == "nadia.n@bromsgrove.gov.uk" and not nadia.has_usable_password()
    # No password works for her on the form (an unusable one matches nothing).
    form = Client().post(reverse("login"), {"username": "nadia", "password": PASSWORD})
    assert form.status_code == 200 and "Please enter a correct username" in form.text
    client = Client()
    assert through_provider(client, council, "NADIA.N@bromsgrove.gov.uk").status_code == 302
    assert signed_in_as(client) == "nadia"
    assert client.get(reverse("home"))["Location"] == reverse("my_work")  # an officer's home
    both = CliRunner().invoke(web.web, [*args, "--no-password", "--password", "x"])
    assert both.exit_code != 0 and "not both" in both.output
