"""A licensed API gateway in front of a small HTTP service (standard library only).

THIS IS AN EXAMPLE, not a production authentication system. It shows where
licman's checks go; who the user is must come from your own authentication.

Every request goes through ``decide``. Public paths pass without a license. A
missing or unusable license gets a 402, a module outside the tier a 403, and
a module the user's groups do not grant another 403. Each refusal carries the
exact JSON body that licman produces.

Who the user is, their groups and whether they are a superuser come only
from the server: the ``USERS`` table, looked up by a signed session cookie
(``session=<user_id>.<HMAC-SHA256 of user_id under the server secret>``,
checked with ``hmac.compare_digest``). No request header is trusted for
them: a client can send any header it likes, so ``X-User-Groups`` or
``X-Superuser`` would let anyone grant themselves every module. A request
without a valid session is checked with no groups, so it reaches only
public paths and paths that need just the license: it is denied every
module (deny by default), and the group check is never skipped.

The secret is ``$LICMAN_GATEWAY_SECRET`` (at least 32 bytes) or, without it,
a random one made at start (sessions then end with the process). There is no
login here: at start the server prints a demo session cookie for each user
of ``USERS``, standing in for what a login would hand out.

A production host must instead:

- authenticate users for real (passwords with a slow hash, SSO/OIDC, …) and
  take groups and the superuser flag from its user store or identity
  provider, never from anything the client sends;
- use real sessions: an expiry, server-side revocation (logout, password
  change), rotation of the secret, and cookies set with ``Secure; HttpOnly;
  SameSite=Lax; Path=/``, plus CSRF protection for state-changing requests;
- serve only over TLS (the cookie is a bearer credential), behind a
  production WSGI server rather than ``wsgiref``;
- strip or ignore identity headers from clients, and if a trusted proxy
  sets them, accept them only from that proxy.

Run it:

    python examples/python/gateway.py --catalog examples/catalogs/netaudit.toml \\
        --public-key keys/netaudit-2026.pub --license acme.lic --port 8080

then ``curl -i localhost:8080/audit-schedules -b 'session=olivia.…'`` with a
cookie the server printed.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import pathlib
import re
import secrets
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Callable, Iterable, Mapping, Optional
from wsgiref.simple_server import WSGIRequestHandler, make_server

import licman

StartResponse = Callable[[str, list[tuple[str, str]]], object]

SECRET_VARIABLE = "LICMAN_GATEWAY_SECRET"
COOKIE_NAME = "session"
USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class User:
    """A user as the server knows them."""

    groups: tuple[str, ...]
    superuser: bool = False


# The server-side user table (in a real host: the user store or identity
# provider). Groups are those of the admin's group table in `Gateway`.
USERS: dict[str, User] = {
    "olivia": User(groups=("ops",)),
    "aaron": User(groups=("auditors",)),
    "root": User(groups=(), superuser=True),
}


def secret_from_environment() -> bytes:
    """The session secret: ``$LICMAN_GATEWAY_SECRET``, or a random one for this process."""
    value = os.environ.get(SECRET_VARIABLE)
    if value is None:
        return secrets.token_bytes(32)
    secret = value.encode()
    if len(secret) < 32:
        raise ValueError(f"{SECRET_VARIABLE} must be at least 32 bytes")
    return secret


class Sessions:
    """Signed session cookies: ``<user_id>.<hex HMAC-SHA256 of user_id>``."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes")
        self._secret = secret

    def _signature(self, user_id: str) -> str:
        return hmac.new(self._secret, user_id.encode(), hashlib.sha256).hexdigest()

    def mint(self, user_id: str) -> str:
        """The cookie value for `user_id` (what a login handler would set)."""
        if not USER_ID.fullmatch(user_id):
            raise ValueError(f"not a valid user id: {user_id!r}")
        return f"{user_id}.{self._signature(user_id)}"

    def user_id(self, cookie_header: str) -> Optional[str]:
        """The user id of a validly signed session cookie in `cookie_header`, else None."""
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except CookieError:
            return None
        morsel = cookies.get(COOKIE_NAME)
        if morsel is None:
            return None
        user_id, dot, signature = morsel.value.rpartition(".")
        if not dot or not USER_ID.fullmatch(user_id):
            return None
        expected = self._signature(user_id).encode()
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            return None
        return user_id


class Gateway:
    """A WSGI application: license checks, then the protected service."""

    def __init__(
        self,
        catalog: licman.Catalog,
        ring: licman.KeyRing,
        license_text: Optional[str],
        *,
        users: Optional[Mapping[str, User]] = None,
        secret: Optional[bytes] = None,
    ) -> None:
        self.catalog = catalog
        self.routes = licman.RouteTable(catalog)
        self.users: Mapping[str, User] = USERS if users is None else users
        self.sessions = Sessions(secret_from_environment() if secret is None else secret)
        self.license: Optional[licman.License] = None
        self.license_error: Optional[licman.LicmanError] = None
        if license_text is not None:
            self.activate(ring, license_text)
        # The admin's group table: which modules each user group may use.
        if self.license is not None:
            self.groups = licman.GroupAccess(self.license)
            licensed = self.license.modules
            self.groups.set_group("ops", sorted({"devices", "manual_audits", "scheduled_audits"} & licensed))
            self.groups.set_group("auditors", sorted({"manual_audits", "basic_rules"} & licensed))

    def activate(self, ring: licman.KeyRing, license_text: str) -> None:
        try:
            self.license = ring.verify(license_text, self.catalog)
        except licman.InvalidLicense as e:  # expired, revoked, forged, …: answer 402 with its body
            self.license_error = e

    def user(self, cookie_header: str) -> Optional[User]:
        """The signed-in user of the server's table, or None (no valid session)."""
        user_id = self.sessions.user_id(cookie_header)
        return None if user_id is None else self.users.get(user_id)

    def __call__(self, environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        status, body = decide(self, environ)
        return self.respond(start_response, status, body)

    @staticmethod
    def respond(start_response: StartResponse, status: int, body: dict[str, object]) -> list[bytes]:
        payload = json.dumps(body).encode()
        reason = HTTPStatus(status).phrase
        start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


def decide(app: Gateway, environ: Mapping[str, object]) -> tuple[int, dict[str, object]]:
    """The decision for one request: its HTTP status and JSON body.

    Reads only the path and the session cookie; every other header is
    ignored. Without a valid session the user has no groups and is no
    superuser, so every module path is refused.
    """
    path = str(environ.get("PATH_INFO", "/"))
    user = app.user(str(environ.get("HTTP_COOKIE", "")))
    groups = list(user.groups) if user is not None else []  # [], never None: None skips the user check
    superuser = user is not None and user.superuser
    try:
        if app.license is None and app.license_error is not None and app.routes.target(path) != "public":
            raise app.license_error
        needs = app.routes.authorize(path, app.license, user_groups=groups, superuser=superuser)
    except licman.Denial as denial:
        return denial.http_status, denial.body
    except licman.UnknownName as unknown:
        return 403, {"error": "Access denied", "message": unknown.message, "action": "contact_admin"}
    return 200, {"path": path, "needs": needs, "service": "ok"}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def serve(app: Gateway, port: int = 0) -> tuple[threading.Thread, int, Callable[[], None]]:
    """Serves `app` on localhost in a thread; returns the thread, the port and a stop function."""
    server = make_server("127.0.0.1", port, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return thread, server.server_port, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True, type=pathlib.Path)
    parser.add_argument("--public-key", required=True, action="append", type=pathlib.Path)
    parser.add_argument("--license", type=pathlib.Path, help="the license file (none: every licensed path answers 402)")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    catalog = licman.Catalog.load(args.catalog)
    ring = licman.KeyRing([p.read_text() for p in args.public_key])
    app = Gateway(catalog, ring, args.license.read_text() if args.license else None)
    thread, port, _ = serve(app, args.port)
    print(f"licensed gateway on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    print("demo sessions (in place of a login; each is a credential, keep it private):")
    for user_id, user in app.users.items():
        print(f"  {user_id} ({', '.join(user.groups) or 'no groups'}{', superuser' if user.superuser else ''}): "
              f"curl -b '{COOKIE_NAME}={app.sessions.mint(user_id)}' http://127.0.0.1:{port}/devices")
    try:
        thread.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
