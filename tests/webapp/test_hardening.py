"""Sign-in lockout per username and per address (behind a trusted proxy too), the
Content-Security-Policy and HSTS headers, and the audit of every role grant."""

import base64
import getpass
import hashlib
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from orchestration.lib import environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PASSWORD = "correct-horse-battery"
PCT = ("E07000234", "hou_homeless_prevented_pct")


def sign_in(username: str, password: str, address: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("login"), {"username": username, "password": password}, **extra)


# Lockout


def test_username_lockout_holds_whatever_the_address(people):
    for attempt in range(5):
        address = f"10.0.0.{attempt % 2 + 1}"  # the failures alternate between two addresses
        assert sign_in("olivia", "wrong", address).status_code in (200, 429)
    locked = sign_in("olivia", PASSWORD, "10.0.0.3")  # right password, third address
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.text
    # Other people at those addresses are not locked out.
    assert sign_in("maya", PASSWORD, "10.0.0.1").status_code == 302


def test_four_failures_from_two_addresses_do_not_lock(people):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"):
        assert sign_in("olivia", "wrong", address).status_code == 200
    assert sign_in("olivia", PASSWORD, "10.0.0.3").status_code == 302


def test_an_address_trying_many_usernames_is_throttled(people):
    from django.conf import settings

    attacker = "10.6.6.6"
    limit = settings.BDC_ADDRESS_FAILURE_LIMIT
    for number in range(limit - 1):
        assert sign_in(f"guess{number}", "wrong", attacker).status_code == 200
    # Signing in to an account of one's own does not clear the address's failures.
    assert sign_in("councillor", PASSWORD, attacker).status_code == 302
    assert sign_in("guess-last", "wrong", attacker).status_code in (200, 429)
    refused = sign_in("maya", PASSWORD, attacker)  # a right password, from that address
    assert refused.status_code == 429
    assert sign_in("maya", PASSWORD, "10.0.0.9").status_code == 302  # maya is not locked


def test_forwarded_for_is_ignored_without_a_trusted_proxy(people):
    from webapp.officer.security import client_address

    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_address(request) == "127.0.0.1"
    with override_settings(BDC_TRUSTED_PROXIES=1):
        assert client_address(request) == "203.0.113.7"
        # The client's own X-Forwarded-For entries are left of the proxy's: never trusted.
        spoofed = RequestFactory().get(
            "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
        )
        assert client_address(spoofed) == "203.0.113.7"
        junk = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="junk")
        assert client_address(junk) == "127.0.0.1"


@override_settings(BDC_TRUSTED_PROXIES=1)
def test_behind_the_proxy_one_client_is_throttled_not_everyone(people):
    from django.conf import settings

    proxy = "127.0.0.1"
    for number in range(settings.BDC_ADDRESS_FAILURE_LIMIT):
        sign_in(f"guess{number}", "wrong", proxy, forwarded=f"10.1.1.1, 198.51.100.{7}")
    assert sign_in("maya", PASSWORD, proxy, forwarded="198.51.100.7").status_code == 429
    # A different client through the same proxy signs in, even spoofing the attacker's address.
    assert sign_in("maya", PASSWORD, proxy, forwarded="198.51.100.8").status_code == 302
    assert (
        sign_in("olivia", PASSWORD, proxy, forwarded="198.51.100.7, 198.51.100.9").status_code
        == 302
    )


# Content-Security-Policy and HSTS


def style_hash(html: str) -> str:
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()


def check_policy(response) -> str:
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    if "<style>" in response.text:
        assert f"'{style_hash(response.text)}'" in directives["style-src"]
    assert "<script" not in response.text and " style=" not in response.text
    return policy


def test_every_kind_of_page_carries_the_content_security_policy(people, client):
    client.force_login(people.policy, backend="django.contrib.auth.backends.ModelBackend")
    for url in (
        reverse("dashboard"),
        reverse("policy_calendar"),
        reverse("policy_audit"),
        reverse("measure", args=PCT),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        check_policy(response)
    forbidden = client.get(reverse("review_list"))  # Policy Team only, not a manager
    assert forbidden.status_code == 403
    check_policy(forbidden)
    anonymous = Client()
    check_policy(anonymous.get(reverse("login")))
    check_policy(anonymous.get(reverse("dashboard")))  # the redirect to sign in
    csrf = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"})
    assert csrf.status_code == 403 and "The form could not be sent" in csrf.text
    check_policy(csrf)  # rendered without a request: the style is allowed by its hash


def test_charts_are_allowed_as_data_images_only(people, client):
    client.force_login(people.member, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboard"))
    assert 'src="data:image/svg+xml;base64,' in response.text
    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    assert directives["img-src"] == "'self' data:"
    assert "data:" not in directives["default-src"] and "data:" not in directives["style-src"]


def test_no_hsts_in_development(people, client):
    response = client.get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response


PRODUCTION_CHECK = """
import django
django.setup()
from django.conf import settings
from django.test import Client
behind_proxy = Client().get("/accounts/login/", headers={"x-forwarded-proto": "https"})
plain = Client().get("/accounts/login/")
print(behind_proxy.status_code, behind_proxy.get("Strict-Transport-Security"))
print(plain.get("Strict-Transport-Security"))
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
print(behind_proxy.get("Content-Security-Policy", "")[:18])
"""


@pytest.mark.parametrize("https", ["1", ""])
def test_hsts_only_with_production_settings(db, https):
    """The real settings module, in a process of its own, with or without BDC_WEB_HTTPS=1."""
    s = connection.settings_dict
    env = {
        **os.environ,
        "BDC_WAREHOUSE_URL": f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
        "BDC_WEB_HTTPS": https,
        "BDC_WEB_SECRET_KEY": "k" * 40 + "0123456789",  # production needs a strong key
        "BDC_WEB_ALLOWED_HOSTS": "testserver",
        "PYTHONPATH": str(environment.REPO_ROOT),
    }
    env.pop("BDC_WEB_DEBUG", None)
    out = subprocess.run(
        [sys.executable, "-c", PRODUCTION_CHECK],
        env=env,
        cwd=environment.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    if https:
        assert out[0] == "200 max-age=31536000; includeSubDomains; preload"
        assert out[1] == "None"  # a request the proxy did not mark as HTTPS (redirected)
        assert out[2] == "True True"
    else:
        assert out[0] == "200 None"
        assert out[2] == "False False"
    assert out[3] == "default-src 'self'"


# Role grants


def test_bdc_web_user_grants_are_audited(db, monkeypatch):
    from orchestration.commands import web
    from webapp.officer.models import RoleGrant

    monkeypatch.setattr(web, "warehouse_url", lambda: "unused")
    monkeypatch.setattr(web, "migrate_app", lambda url: None)
    before = RoleGrant.objects.count()
    args = ["user", "nadia", "--role", "manager", "--role", "director", "--password", PASSWORD]
    result = CliRunner().invoke(web.web, args)
    assert result.exit_code == 0, result.output
    rows = list(RoleGrant.objects.order_by("id")[before:])
    assert [(g.action, g.grantee, g.role, g.means) for g in rows] == [
        ("grant", "nadia", "Manager", "bdc web user (command line)"),
        ("grant", "nadia", "Director", "bdc web user (command line)"),
    ]
    assert {g.granted_by for g in rows} == {getpass.getuser()}
    assert all(g.granted_at is not None for g in rows)
    # Running it again with a role she holds grants nothing new, and records nothing.
    again = CliRunner().invoke(
        web.web, ["user", "nadia", "--role", "manager", "--password", PASSWORD]
    )
    assert again.exit_code == 0, again.output
    assert RoleGrant.objects.count() == before + 2


def test_policy_team_assignments_are_audited(people, client):
    from webapp.officer.models import RoleGrant

    client.force_login(people.policy, backend="django.contrib.auth.backends.ModelBackend")
    before = RoleGrant.objects.count()
    response = client.post(
        reverse("policy_owners"),
        {
            "kind": "measure",
            "measure-measure": f"{PCT[0]}|{PCT[1]}",
            "measure-role": "manager",
            "measure-username": "milo",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("policy_owners"),
        {"kind": "director", "director-purpose_code": "finance", "director-username": "dev"},
    )
    assert response.status_code == 302
    rows = [
        (g.action, g.grantee, g.role, g.scope, g.granted_by, g.means)
        for g in RoleGrant.objects.order_by("id")[before:]
    ]
    page = "Policy Team page: Who owns what"
    scope = f"{PCT[1]} ({PCT[0]})"
    assert rows == [
        ("revoke", "maya", "measure manager", scope, "priya", page),
        ("grant", "milo", "measure manager", scope, "priya", page),
        ("grant", "dev", "Director of purpose", "purpose finance", "priya", page),
    ]
    audit_page = client.get(reverse("policy_audit")).text
    assert "Role grants" in audit_page and "Director of purpose: purpose finance" in audit_page


def test_group_changes_anywhere_are_audited_and_the_record_is_append_only(people):
    from django.contrib.auth.models import Group

    from webapp.officer.models import RoleGrant

    Group.objects.get(name="Policy Team").user_set.add(people.officer)
    people.officer.groups.remove(Group.objects.get(name="Officer"))
    latest = list(RoleGrant.objects.order_by("-id")[:2])
    assert [(g.action, g.grantee, g.role, g.granted_by) for g in latest] == [
        ("revoke", "olivia", "Officer", "unknown"),
        ("grant", "olivia", "Policy Team", "unknown"),
    ]
    for statement in (
        "update audit.role_grants set grantee = 'x'",
        "delete from audit.role_grants",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert RoleGrant.objects.filter(grantee="olivia", role="Policy Team").exists()
