"""The example gateway (examples/python/gateway.py): its decision function, and 200/402/403 over real HTTP.

The user, groups and superuser flag come from the server's table through a
signed session cookie; no client header can grant them.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any, Optional

import pytest

import licman
from conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "examples" / "python"))
import gateway  # noqa: E402

SECRET = b"test-secret-of-at-least-32-bytes!"


def app(tier: Optional[str]) -> gateway.Gateway:
    catalog = licman.Catalog.load(ROOT / "examples" / "catalogs" / "netaudit.toml")
    ring = licman.KeyRing([FIXTURES["public_key"]])
    return gateway.Gateway(catalog, ring, FIXTURES["licenses"][tier] if tier else None, secret=SECRET)


def decide(gw: gateway.Gateway, path: str, cookie: Optional[str] = None, **headers: str) -> tuple[int, dict[str, object]]:
    environ: dict[str, object] = {"PATH_INFO": path, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return gateway.decide(gw, environ)


def session(gw: gateway.Gateway, user_id: str) -> str:
    return f"{gateway.COOKIE_NAME}={gw.sessions.mint(user_id)}"


def test_forged_identity_headers_grant_nothing() -> None:
    gw = app("professional")
    forged = {"X_SUPERUSER": "1", "X_USER_GROUPS": "ops,auditors"}
    status, body = decide(gw, "/audit-schedules", **forged)
    assert (status, body["action"]) == (403, "contact_admin")
    # Not even on top of a real session: aaron (auditors) stays without scheduled audits.
    status, body = decide(gw, "/audit-schedules", session(gw, "aaron"), **forged)
    assert (status, body["action"]) == (403, "contact_admin")
    assert decide(gw, "/audit-schedules", session(gw, "root"))[0] == 200  # the table's superuser


def test_no_session_is_checked_with_no_groups() -> None:
    gw = app("professional")
    assert decide(gw, "/login") == (200, {"path": "/login", "needs": "public", "service": "ok"})
    assert decide(gw, "/")[0] == 200
    for path in ["/devices/7", "/audit/1", "/rules", "/audit-schedules"]:
        status, body = decide(gw, path)
        assert (status, body["action"]) == (403, "contact_admin"), path
    status, body = decide(gw, "/integrations")  # outside the tier: the tier refusal comes first
    assert (status, body["error"]) == (403, "Module not available")
    status, body = decide(app(None), "/devices")
    assert (status, body["error"]) == (402, "No active license")


@pytest.mark.parametrize(
    "cookie",
    [
        "session=olivia",
        "session=olivia.",
        "session=olivia." + "0" * 64,
        "session=aaron.{olivia}",  # olivia's signature on another user
        "session=olivia.{olivia_upper}",
        "session=olivia.{olivia}00",
        "session=olivia.{olivia_other_secret}",
        "session=mallory.{mallory}",  # validly signed, but not in the user table
        "session=ol%69via.{olivia}",
        "other=olivia.{olivia}",
        "session=olivia.\u00e9{olivia}",
        "session",
        ";;;",
    ],
)
def test_forged_or_tampered_sessions_are_refused(cookie: str) -> None:
    gw = app("professional")
    signature = gw.sessions.mint("olivia").split(".")[1]
    other = gateway.Sessions(b"another-secret-of-at-least-32-bytes").mint("olivia").split(".")[1]
    cookie = cookie.format(
        olivia=signature,
        olivia_upper=signature.upper(),
        olivia_other_secret=other,
        mallory=gw.sessions.mint("mallory").split(".")[1],
    )
    assert gw.user(cookie) is None
    status, body = decide(gw, "/devices", cookie)
    assert (status, body["action"]) == (403, "contact_admin")


def test_valid_session_grants_the_modules_of_its_groups() -> None:
    gw = app("professional")
    olivia = session(gw, "olivia")  # ops: devices, manual_audits, scheduled_audits
    assert gw.user(olivia) == gateway.USERS["olivia"]
    assert decide(gw, "/audit-schedules", olivia) == (200, {"path": "/audit-schedules", "needs": "scheduled_audits", "service": "ok"})
    assert decide(gw, "/devices/7", f"theme=dark; {olivia}")[0] == 200
    assert decide(gw, "/rules", olivia)[0] == 403
    aaron = session(gw, "aaron")  # auditors: manual_audits, basic_rules
    assert decide(gw, "/audit/1", aaron)[0] == 200
    assert decide(gw, "/rules", aaron)[0] == 200
    assert decide(gw, "/devices", aaron)[0] == 403
    # The same secret (another process, $LICMAN_GATEWAY_SECRET) accepts it; another secret does not.
    assert decide(app("professional"), "/audit-schedules", olivia)[0] == 200
    other = gateway.Gateway(gw.catalog, licman.KeyRing([FIXTURES["public_key"]]), FIXTURES["licenses"]["professional"], secret=b"x" * 32)
    assert other.user(olivia) is None
    assert decide(other, "/audit-schedules", olivia)[0] == 403


def test_session_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError):
        gateway.Sessions(b"short")
    with pytest.raises(ValueError):
        gateway.Sessions(SECRET).mint("olivia.root")
    monkeypatch.delenv(gateway.SECRET_VARIABLE, raising=False)
    assert gateway.secret_from_environment() != gateway.secret_from_environment()  # random per process
    monkeypatch.setenv(gateway.SECRET_VARIABLE, SECRET.decode())
    assert gateway.secret_from_environment() == SECRET
    monkeypatch.setenv(gateway.SECRET_VARIABLE, "short")
    with pytest.raises(ValueError):
        gateway.secret_from_environment()


def get(port: int, path: str, headers: Optional[dict[str, str]] = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def start(license_text: Optional[str]) -> tuple[int, Any, gateway.Gateway]:
    catalog = licman.Catalog.load(ROOT / "examples" / "catalogs" / "netaudit.toml")
    ring = licman.KeyRing([FIXTURES["public_key"]])
    gw = gateway.Gateway(catalog, ring, license_text, secret=SECRET)
    _, port, stop = gateway.serve(gw)
    return port, stop, gw


def test_starter_gateway() -> None:
    port, stop, gw = start(FIXTURES["licenses"]["starter"])
    try:
        assert get(port, "/login") == (200, {"path": "/login", "needs": "public", "service": "ok"})
        ops = {"Cookie": session(gw, "olivia")}
        assert get(port, "/devices/7", ops)[0] == 200
        status, body = get(port, "/audit-schedules", ops)
        assert status == 403
        assert body["error"] == "Module not available" and body["current_tier"] == "starter"
        auditors = {"Cookie": session(gw, "aaron")}
        status, body = get(port, "/devices", auditors)
        assert (status, body["action"]) == (403, "contact_admin")
        assert get(port, "/audit/1", auditors)[0] == 200
        assert get(port, "/health/../audit-schedules")[0] == 400
        # Headers a client can forge are ignored: no session, no groups.
        status, body = get(port, "/devices/7", {"X-User-Groups": "ops", "X-Superuser": "1"})
        assert (status, body["action"]) == (403, "contact_admin")
    finally:
        stop()


def test_gateway_without_or_with_a_bad_license() -> None:
    port, stop, gw = start(None)
    try:
        status, body = get(port, "/devices", {"Cookie": session(gw, "root")})
        assert (status, body["error"], body["action"]) == (402, "No active license", "activate_license")
        assert get(port, "/")[0] == 200
    finally:
        stop()
    key = FIXTURES["licenses"]["professional"]
    port, stop, gw = start(key[:-6] + ("AAAAAA" if not key.endswith("AAAAAA") else "BBBBBB"))
    try:
        status, body = get(port, "/devices", {"Cookie": session(gw, "root")})
        assert status == 402 and body["error"] == "Invalid license"
        assert get(port, "/health")[0] == 200
    finally:
        stop()
