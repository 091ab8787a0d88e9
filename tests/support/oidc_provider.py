"""A small OpenID Connect provider on 127.0.0.1 for tests of sign-in through a council's
identity provider (no network beyond it).

Implements the authorization code flow as a provider such as Entra ID does, with the checks a
real one makes: the client id and its registered redirect address, the client secret, codes
used once, PKCE (S256), and ID tokens signed with RS256 by a key made for the test (its public
half at /jwks, named by a kid) carrying iss, sub, aud, exp, iat and the nonce. /authorize
signs in whoever `person` names, without a page, and sends the browser straight back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "test-key-1"


@dataclass
class Provider:
    client_id: str
    client_secret: str
    redirect_uri: str
    url: str = ""
    # Who signs in at the next /authorize: the claims the user info gives (email, names).
    person: dict = field(default_factory=dict)
    # What the provider saw: each /authorize query, each /token form.
    authorize_requests: list[dict] = field(default_factory=list)
    token_requests: list[dict] = field(default_factory=list)
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, dict] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    # For tests of a bad token: claims to change in the next ID tokens, and a key to sign them
    # with other than the one /jwks publishes.
    id_token_changes: dict = field(default_factory=dict)
    forging_key: rsa.RSAPrivateKey | None = None

    def endpoints(self) -> dict[str, str]:
        """The BDC_OIDC_* variables for this provider."""
        return {
            "BDC_OIDC_CLIENT_ID": self.client_id,
            "BDC_OIDC_CLIENT_SECRET": self.client_secret,
            "BDC_OIDC_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "BDC_OIDC_TOKEN_ENDPOINT": f"{self.url}/token",
            "BDC_OIDC_USER_ENDPOINT": f"{self.url}/userinfo",
            "BDC_OIDC_JWKS_ENDPOINT": f"{self.url}/jwks",
        }

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id:
            return 400, {}
        if query.get("redirect_uri") != self.redirect_uri:
            return 400, {}  # a real provider refuses an address not registered for the client
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {}
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
            "redirect_uri": query["redirect_uri"],
            "person": dict(self.person),
        }
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict]:
        self.token_requests.append(form)
        client_id, client_secret = basic or (form.get("client_id"), form.get("client_secret"))
        if client_id != self.client_id or client_secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # each code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        if grant["challenge"] is not None:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if grant["method"] != "S256" or expected != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        person = grant["person"]
        now = int(time.time())
        subject = hashlib.sha256(person.get("email", "").encode()).hexdigest()[:20]
        claims = {"iss": self.url, "sub": subject, "aud": self.client_id, "iat": now}
        claims |= {"exp": now + 300, "nonce": grant["nonce"], **self.id_token_changes}
        key = self.forging_key or self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = {"sub": subject, **person}
        return 200, {
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": 300,
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet: the tests assert what matters
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        provider = self.server.provider
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/authorize":
            status, headers = provider.authorize(query)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/jwks":
            self._json(200, provider.jwks())
        elif parts.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            info = provider.tokens.get(token)
            self._json(200, info) if info else self._json(401, {"error": "invalid_token"})
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        provider = self.server.provider
        if urlsplit(self.path).path != "/token":
            self._json(404, {"error": "not_found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        basic = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            basic = (user, password)
        self._json(*provider.token(form, basic))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: Provider


def start(provider: Provider) -> tuple[_Server, threading.Thread]:
    """Serve `provider` on a free port of 127.0.0.1 in a thread; sets provider.url."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.provider = provider
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    return server, thread


def switch_on(settings, variables: dict[str, str]) -> None:
    """Sign-in through the council's identity provider on, in pytest-django's `settings`, as
    webapp/settings.py makes it from these BDC_OIDC_* variables."""
    from webapp import configuration

    for name, value in configuration.oidc(False, variables).items():
        setattr(settings, name, value)
    settings.BDC_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "webapp.officer.sign_in.CouncilAccountBackend",
    ]
