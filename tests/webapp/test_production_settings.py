"""The officer app's production settings from the environment (webapp/configuration.py): allowed
hosts, secrets from files, refusing to start without what production needs (with a message
saying what), `manage.py check --deploy` clean, and the app under gunicorn as a container runs
it: the sign-in page and its stylesheet over the proxy's HTTPS, the redirect of plain HTTP, and
the health check."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from orchestration.lib import environment
from tests.support.officer_pages import officer_stylesheet  # noqa: F401 (a fixture)
from webapp import configuration
from webapp.configuration import ConfigurationError

FEW_CHARACTERS_KEY = "Zq8v" * 13  # 52 characters but only 4 different ones
KEY = "k3Y-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdefghijkl"
MANAGE = [sys.executable, str(environment.REPO_ROOT / "webapp" / "manage.py")]


# The variables, one by one (no database)


@pytest.mark.unit
def test_allowed_hosts_from_the_environment_or_the_local_names():
    hosts = {"BDC_WEB_ALLOWED_HOSTS": " performance.bromsgrove.gov.uk, ,dash.redditch.gov.uk "}
    assert configuration.allowed_hosts(True, hosts) == [
        "performance.bromsgrove.gov.uk",
        "dash.redditch.gov.uk",
    ]
    assert configuration.allowed_hosts(False, {}) == ["127.0.0.1", "localhost", "testserver"]
    with pytest.raises(ConfigurationError, match="BDC_WEB_ALLOWED_HOSTS is not set.*host name"):
        configuration.allowed_hosts(True, {})


@pytest.mark.unit
def test_a_secret_comes_from_its_variable_or_the_file_it_names(tmp_path):
    path = tmp_path / "secret"
    path.write_text("s3cret value\n")
    assert configuration.secret("X", {"X": "direct"}) == "direct"
    assert configuration.secret("X", {"X_FILE": str(path)}) == "s3cret value"  # no line break
    assert configuration.secret("X", {}) is None
    with pytest.raises(ConfigurationError, match="Both X and X_FILE are set"):
        configuration.secret("X", {"X": "a", "X_FILE": str(path)})
    with pytest.raises(ConfigurationError, match=r"X_FILE names .*missing, which cannot be read"):
        configuration.secret("X", {"X_FILE": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigurationError, match="which is empty"):
        configuration.secret("X", {"X_FILE": str(tmp_path / "empty")})


@pytest.mark.unit
def test_production_needs_a_strong_secret_key_and_the_database(tmp_path):
    with pytest.raises(ConfigurationError, match="BDC_WEB_SECRET_KEY is not set.*secrets"):
        configuration.secret_key(True, {})
    for weak in ("changeme", FEW_CHARACTERS_KEY, "django-insecure-" + KEY):
        with pytest.raises(ConfigurationError, match="too weak"):
            configuration.secret_key(True, {"BDC_WEB_SECRET_KEY": weak})
    (tmp_path / "key").write_text(KEY + "\n")
    assert configuration.secret_key(True, {"BDC_WEB_SECRET_KEY_FILE": str(tmp_path / "key")}) == KEY
    # Development: a random key per process when none is given.
    assert configuration.secret_key(False, {}) != configuration.secret_key(False, {})

    with pytest.raises(ConfigurationError, match="BDC_WAREHOUSE_URL is not set"):
        configuration.database_url(True, {})
    (tmp_path / "url").write_text("postgresql://app:pw@db:5432/warehouse")
    found = configuration.database_url(True, {"BDC_WAREHOUSE_URL_FILE": str(tmp_path / "url")})
    assert found == "postgresql://app:pw@db:5432/warehouse"


@pytest.mark.unit
def test_flags_and_origins_are_checked():
    assert configuration.flag("F", {"F": "1"}) and not configuration.flag("F", {"F": "0"})
    assert configuration.flag("F", {}, default=True)
    with pytest.raises(ConfigurationError, match="F is 'yes': set it to 1"):
        configuration.flag("F", {"F": "yes"})
    origins = {"BDC_WEB_CSRF_TRUSTED_ORIGINS": "https://a.gov.uk,https://b.gov.uk"}
    assert configuration.trusted_origins(origins) == ["https://a.gov.uk", "https://b.gov.uk"]
    with pytest.raises(ConfigurationError, match="scheme and host only"):
        configuration.trusted_origins({"BDC_WEB_CSRF_TRUSTED_ORIGINS": "a.gov.uk"})


OIDC = {
    "BDC_OIDC_CLIENT_ID": "performance-dashboard",
    "BDC_OIDC_AUTHORIZATION_ENDPOINT": "https://login.example/authorize",
    "BDC_OIDC_TOKEN_ENDPOINT": "https://login.example/token",
    "BDC_OIDC_USER_ENDPOINT": "https://login.example/userinfo",
    "BDC_OIDC_JWKS_ENDPOINT": "https://login.example/keys",
}


@pytest.mark.unit
def test_council_sign_in_settings_name_what_is_missing(tmp_path):
    assert configuration.oidc(True, {}) == {}
    with pytest.raises(ConfigurationError) as missing:
        configuration.oidc(True, {"BDC_OIDC_CLIENT_ID": "x"})
    for name in ("BDC_OIDC_CLIENT_SECRET", "BDC_OIDC_TOKEN_ENDPOINT", "BDC_OIDC_JWKS_ENDPOINT"):
        assert name in str(missing.value)
    (tmp_path / "client").write_text("client-secret\n")
    found = configuration.oidc(
        True, {**OIDC, "BDC_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "client")}
    )
    assert found["OIDC_RP_CLIENT_SECRET"] == "client-secret"
    assert found["OIDC_RP_SIGN_ALGO"] == "RS256" and found["OIDC_USE_PKCE"]
    assert found["OIDC_CREATE_USER"] is False
    assert found["OIDC_OP_JWKS_ENDPOINT"] == "https://login.example/keys"
    plain = {**OIDC, "BDC_OIDC_CLIENT_SECRET": "s", "BDC_OIDC_TOKEN_ENDPOINT": "http://x/token"}
    with pytest.raises(ConfigurationError, match="BDC_OIDC_TOKEN_ENDPOINT.*https"):
        configuration.oidc(True, plain)
    assert configuration.oidc(False, plain)["OIDC_OP_TOKEN_ENDPOINT"] == "http://x/token"
    with pytest.raises(ConfigurationError, match="BDC_OIDC_SIGN_ALGO is 'none'"):
        configuration.oidc(
            True, {**OIDC, "BDC_OIDC_CLIENT_SECRET": "s", "BDC_OIDC_SIGN_ALGO": "none"}
        )


# The real settings module, in processes of their own


def production_environment(tmp_path: Path, database_url: str, **more: str) -> dict[str, str]:
    """Production as a container gives it: the secrets in files."""
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(exist_ok=True)
    for name, value in (("key", KEY), ("url", database_url), ("client", "client-secret")):
        (secrets_dir / name).write_text(value + "\n")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BDC_WEB_", "BDC_OIDC_", "BDC_WAREHOUSE_URL", "DJANGO_"))
    }
    return env | {
        "BDC_WEB_HTTPS": "1",
        "BDC_WEB_SECRET_KEY_FILE": str(secrets_dir / "key"),
        "BDC_WAREHOUSE_URL_FILE": str(secrets_dir / "url"),
        "BDC_WEB_ALLOWED_HOSTS": "performance.bromsgrove.gov.uk",
        "BDC_WEB_TRUSTED_PROXIES": "1",
        "PYTHONPATH": str(environment.REPO_ROOT),
        **more,
    }


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        env=env,
        cwd=environment.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.integration
@pytest.mark.usefixtures("officer_stylesheet")
def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    url = "postgresql://app:pw@db.invalid:5432/warehouse"
    env = production_environment(tmp_path, url)
    result = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."

    # With sign-in through the council's identity provider on, too, its secret from a file.
    secret_file = str(tmp_path / "secrets" / "client")
    with_oidc = env | OIDC | {"BDC_OIDC_CLIENT_SECRET_FILE": secret_file}
    result = run([*MANAGE, "check", "--deploy", "--fail-level", "WARNING"], with_oidc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."

    # The settings really came from the files.
    show = (
        "from django.conf import settings as s; print(s.SECRET_KEY); "
        "print(s.DATABASES['default']['HOST']); "
        "print(s.OIDC_RP_CLIENT_SECRET, s.AUTHENTICATION_BACKENDS[-1]); print(s.ALLOWED_HOSTS)"
    )
    shown = run([*MANAGE, "shell", "--no-imports", "-c", show], with_oidc)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        KEY,
        "db.invalid",
        "client-secret webapp.officer.sign_in.CouncilAccountBackend",
        "['performance.bromsgrove.gov.uk']",
    ]

    # A weaker production setting shows up in the check: HSTS without subdomains.
    result = run([*MANAGE, "check", "--deploy"], env | {"BDC_WEB_HSTS_INCLUDE_SUBDOMAINS": "0"})
    assert "security.W005" in result.stderr + result.stdout


@pytest.mark.integration
@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("BDC_WEB_SECRET_KEY_FILE", "BDC_WEB_SECRET_KEY is not set"),
        ("BDC_WEB_ALLOWED_HOSTS", "BDC_WEB_ALLOWED_HOSTS is not set"),
        ("BDC_WAREHOUSE_URL_FILE", "BDC_WAREHOUSE_URL is not set"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(tmp_path, unset, message):
    env = production_environment(tmp_path, "postgresql://app:pw@db.invalid:5432/warehouse")
    del env[unset]
    result = run([*MANAGE, "check"], env)
    assert result.returncode != 0
    assert result.stderr.startswith(f"The officer app cannot start: {message}")
    assert "Traceback" not in result.stderr  # one plain message, no stack
    # The WSGI entry point gunicorn imports says the same before its traceback.
    served = run([sys.executable, "-c", "import webapp.wsgi"], env)
    assert served.returncode != 0
    assert served.stderr.startswith(f"The officer app cannot start: {message}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.usefixtures("officer_stylesheet")
def test_the_app_under_gunicorn_with_production_settings(tmp_path):
    s = connection.settings_dict
    url = f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env = production_environment(tmp_path, url)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        + ["--no-control-socket", "webapp.wsgi"],
        env=env,
        cwd=environment.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    proxy = {"Host": "performance.bromsgrove.gov.uk", "X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = fetch(base + "/healthz", {"Host": "localhost"})
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        # The health check answers a container's own call: any host, plain HTTP.
        assert health[0] == 200 and health[2] == b"ok\n"

        status, headers, body = fetch(base + "/accounts/login/", proxy)
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Secure" in headers["Set-Cookie"]  # the CSRF cookie
        assert b'href="/static/officer/app.css"' in body
        status, headers, css = fetch(base + "/static/officer/app.css", proxy)
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert b".govuk-button" in css and len(css) > 50_000

        # Plain HTTP that reached the app is sent to HTTPS; an unknown host is refused.
        status, headers, _ = fetch(base + "/accounts/login/", {"Host": proxy["Host"]})
        assert status == 301
        assert headers["Location"] == "https://performance.bromsgrove.gov.uk/accounts/login/"
        assert fetch(base + "/accounts/login/", {**proxy, "Host": "evil.example"})[0] == 400
        # Every page needs signing in.
        status, headers, _ = fetch(base + "/dashboard/", proxy)
        assert status == 302 and headers["Location"].startswith("/accounts/login/")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.integration
def test_the_health_check_says_when_the_database_does_not_answer(tmp_path):
    env = production_environment(tmp_path, "postgresql://app:pw@127.0.0.1:1/warehouse")
    probe = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='localhost'); print(r.status_code, r.content)"
    )
    result = run([sys.executable, "-c", probe], env | {"DJANGO_SETTINGS_MODULE": "webapp.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "503 b'database unavailable\\n'"
