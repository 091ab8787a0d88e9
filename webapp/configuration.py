"""The officer app's settings read from the environment (webapp/settings.py; docs/webapp.md,
"Production").

Every secret variable NAME may instead be given as NAME_FILE, the path of a file holding it (a
container secret, e.g. /run/secrets/web_secret_key): `secret()` reads either, never both.
A setting that would leave production unsafe or broken stops the app at start with a
ConfigurationError saying which variable and what to do.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Django's own test of a strong key (security.W009): 50 characters, 5 different ones.
MIN_KEY_LENGTH, MIN_KEY_CHARACTERS = 50, 5
NEW_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
# ID token algorithms mozilla-django-oidc can check: RS*/ES* with the provider's published keys
# (BDC_OIDC_JWKS_ENDPOINT), HS* with the client secret.
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
OIDC_ENDPOINTS = {
    "BDC_OIDC_AUTHORIZATION_ENDPOINT": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "BDC_OIDC_TOKEN_ENDPOINT": "OIDC_OP_TOKEN_ENDPOINT",
    "BDC_OIDC_USER_ENDPOINT": "OIDC_OP_USER_ENDPOINT",
    "BDC_OIDC_JWKS_ENDPOINT": "OIDC_OP_JWKS_ENDPOINT",
}


class ConfigurationError(ImproperlyConfigured):
    """A variable of the environment is missing or wrong; the message says which and what to do."""


def flag(name: str, environ: Mapping[str, str] | None = None, default: bool = False) -> bool:
    """A 1/0 variable; anything else is refused rather than guessed."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        return default
    if value not in ("0", "1"):
        raise ConfigurationError(f"{name} is {value!r}: set it to 1 (on) or 0 (off).")
    return value == "1"


def secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of NAME, or the contents of the file NAME_FILE names (without its final line
    break); None when neither is set."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    path = environ.get(f"{name}_FILE", "")
    if value and path:
        raise ConfigurationError(f"Both {name} and {name}_FILE are set: set only one of them.")
    if not path:
        return value or None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(
            f"{name}_FILE names {path}, which cannot be read ({error.strerror or error}): "
            "check the path and that the app's user may read it."
        ) from error
    text = text.rstrip("\r\n")
    if not text.strip():
        raise ConfigurationError(f"{name}_FILE names {path}, which is empty.")
    return text


def names(name: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list, blanks dropped."""
    value = (os.environ if environ is None else environ).get(name, "")
    return [part.strip() for part in value.split(",") if part.strip()]


def allowed_hosts(production: bool, environ: Mapping[str, str] | None = None) -> list[str]:
    """BDC_WEB_ALLOWED_HOSTS: the host names people open the app at. Required in production;
    in development the local names."""
    hosts = names("BDC_WEB_ALLOWED_HOSTS", environ)
    if hosts:
        return hosts
    if production:
        raise ConfigurationError(
            "BDC_WEB_ALLOWED_HOSTS is not set: in production (BDC_WEB_HTTPS=1) give the host "
            "name(s) people open the app at, separated by commas, like "
            "performance.bromsgrove.gov.uk."
        )
    return list(DEVELOPMENT_HOSTS)


def secret_key(production: bool, environ: Mapping[str, str] | None = None) -> str:
    """BDC_WEB_SECRET_KEY (or _FILE). In production it is required and must be strong; in
    development a random key per process (everyone is signed out when the app restarts)."""
    key = secret("BDC_WEB_SECRET_KEY", environ)
    if not production:
        return key or secrets.token_urlsafe(50)
    if not key:
        raise ConfigurationError(
            "BDC_WEB_SECRET_KEY is not set: in production (BDC_WEB_HTTPS=1) the app needs a "
            "secret key that stays the same across restarts and processes. Make one with "
            f"{NEW_KEY_COMMAND} and give it as BDC_WEB_SECRET_KEY or in a file named by "
            "BDC_WEB_SECRET_KEY_FILE."
        )
    if (
        len(key) < MIN_KEY_LENGTH
        or len(set(key)) < MIN_KEY_CHARACTERS
        or key.startswith("django-insecure-")
    ):
        raise ConfigurationError(
            f"BDC_WEB_SECRET_KEY is too weak: use at least {MIN_KEY_LENGTH} random characters, "
            f"made with {NEW_KEY_COMMAND}."
        )
    return key


def database_url(production: bool, environ: Mapping[str, str] | None = None) -> str:
    """BDC_WAREHOUSE_URL (or _FILE: it holds a password). Development without one points at
    nothing, so commands that need no database (check, the stylesheet) still run."""
    url = secret("BDC_WAREHOUSE_URL", environ)
    if url:
        return url
    if production:
        raise ConfigurationError(
            "BDC_WAREHOUSE_URL is not set: in production (BDC_WEB_HTTPS=1) give the "
            "warehouse's address, like postgresql://app:PASSWORD@db.example:5432/warehouse, "
            "as BDC_WAREHOUSE_URL or in a file named by BDC_WAREHOUSE_URL_FILE."
        )
    return "postgresql://unconfigured@127.0.0.1:1/unconfigured"


def trusted_origins(environ: Mapping[str, str] | None = None) -> list[str]:
    """BDC_WEB_CSRF_TRUSTED_ORIGINS: origins (scheme and host) whose forms Django accepts
    besides the app's own; needed only when the proxy changes the Host header."""
    origins = names("BDC_WEB_CSRF_TRUSTED_ORIGINS", environ)
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ConfigurationError(
                f"BDC_WEB_CSRF_TRUSTED_ORIGINS has {origin!r}: give each origin as a scheme and "
                "host only, like https://performance.bromsgrove.gov.uk."
            )
    return origins


def oidc(production: bool, environ: Mapping[str, str] | None = None) -> dict:
    """Settings of sign-in through the council's identity provider (OpenID Connect,
    mozilla-django-oidc), or {} when BDC_OIDC_CLIENT_ID is not set.

    People are matched to existing accounts by email; BDC_OIDC_CREATE_USERS=1 also makes an
    account, with no role, for an email address that has none."""
    environ = os.environ if environ is None else environ
    client_id = environ.get("BDC_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        return {}
    algorithm = environ.get("BDC_OIDC_SIGN_ALGO", "").strip() or "RS256"
    if algorithm not in SIGN_ALGORITHMS:
        raise ConfigurationError(
            f"BDC_OIDC_SIGN_ALGO is {algorithm!r}: use one of {', '.join(SIGN_ALGORITHMS)} "
            "(the algorithm the identity provider signs its ID tokens with; usually RS256)."
        )
    client_secret = secret("BDC_OIDC_CLIENT_SECRET", environ)
    needed = [
        name
        for name in OIDC_ENDPOINTS
        if not environ.get(name, "").strip()
        # HS* tokens are checked with the client secret: no published keys needed
        and not (name == "BDC_OIDC_JWKS_ENDPOINT" and algorithm.startswith("HS"))
    ]
    if not client_secret:
        needed.insert(0, "BDC_OIDC_CLIENT_SECRET (or BDC_OIDC_CLIENT_SECRET_FILE)")
    if needed:
        raise ConfigurationError(
            "BDC_OIDC_CLIENT_ID is set, so sign-in through the council's identity provider is "
            f"on, but {', '.join(needed)} {'is' if len(needed) == 1 else 'are'} not: set "
            "them from the provider's app registration (docs/webapp.md), or unset "
            "BDC_OIDC_CLIENT_ID."
        )
    config = {
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": client_secret,
        "OIDC_RP_SIGN_ALGO": algorithm,
        # profile: the person's name for an account the app makes (BDC_OIDC_CREATE_USERS=1)
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_CREATE_USER": flag("BDC_OIDC_CREATE_USERS", environ),
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_TIMEOUT": 15,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    for name, setting in OIDC_ENDPOINTS.items():
        url = environ.get(name, "").strip()
        if not url:
            continue
        scheme = urlsplit(url).scheme
        if scheme != "https" and (production or scheme != "http"):
            raise ConfigurationError(
                f"{name} is {url!r}: give the provider's https:// address"
                + (" (production needs HTTPS to the identity provider)." if production else ".")
            )
        config[setting] = url
    return config
