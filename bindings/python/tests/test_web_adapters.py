"""The FastAPI, Django and Flask adapters, each in a real app driven by its own test client.

Every app serves the NetAudit routes with handlers that say which route
ran. Besides 200/402/403 with the core's bodies, the bypass test is
differential: whatever a spelling of a path does inside the framework
(decoding, slash merging, redirects), if a handler runs, the user must hold
the module that handler's route needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Callable, Optional, Protocol

import pytest

import licman
import licman.web

try:  # FastAPI resolves annotations by name in this module
    import starlette.requests
    import starlette.websockets
except ImportError:
    pass
from conftest import FIXTURES
from licman.web import Guard, Identity

GROUPS = {"ops": ["devices", "manual_audits", "scheduled_audits", "analytics"], "auditors": ["manual_audits", "basic_rules"]}
# Server-side sessions: the cookie names a session, the server knows who it is.
SESSIONS = {
    "s-olivia": Identity(groups=("ops",)),
    "s-aaron": Identity(groups=("auditors",)),
    "s-root": Identity(superuser=True),
    "s-ghost": Identity(groups=("no-such-group",)),
    "s-mixed": Identity(groups=("django-staff", "ops")),  # a directory group the table does not define, and ops
}
# The handlers: the route the framework matched → the module the catalog says it needs.
HANDLERS = {
    "/": "public",
    "/login": "public",
    "/devices": "devices",
    "/devices/discover": "discovery",  # before /devices/{id}, as a real app orders them
    "/devices/{id}": "devices",
    "/audit": "manual_audits",
    "/audit/{id}": "manual_audits",
    "/audit-schedules": "scheduled_audits",
    "/audit-schedules/{id}": "scheduled_audits",
    "/analytics": "analytics",
    "/rules": "basic_rules",
    "/{slug}": "licensed",  # a catch-all, as an app's pages or an SPA have
}


def identity_of(cookies: dict[str, str]) -> Optional[Identity]:
    return SESSIONS.get(cookies.get("session", ""))


class Client(Protocol):
    def __call__(self, path: str, session: Optional[str] = None) -> tuple[int, dict[str, Any]]: ...


# ------------------------------------------------------------------ the apps


def fastapi_client(guard: Guard, middleware: bool) -> Client:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    import licman.fastapi

    def current_identity(request: starlette.requests.HTTPConnection) -> Optional[Identity]:
        return identity_of(dict(request.cookies))

    if middleware:
        app = FastAPI()
        app.add_middleware(licman.fastapi.LicenseMiddleware, guard=guard, identity=current_identity)
    else:
        app = FastAPI(dependencies=[Depends(licman.fastapi.require_license(guard, identity=current_identity))])
    licman.fastapi.add_exception_handler(app)
    for route, module in HANDLERS.items():
        app.add_api_route(route, _fastapi_handler(route, module), methods=["GET"])
    client = TestClient(app, follow_redirects=True)

    def get(path: str, session: Optional[str] = None) -> tuple[int, dict[str, Any]]:
        client.cookies.clear()
        if session:
            client.cookies.set("session", session)
        response = client.get(path)
        return response.status_code, _json(response.content)

    return get


def _fastapi_handler(route: str, module: str) -> Callable[..., dict[str, str]]:
    if "{slug}" in route:

        def with_slug(slug: str) -> dict[str, str]:
            return {"handler": route, "needs": module}

        return with_slug
    if "{id}" in route:

        def with_id(id: str) -> dict[str, str]:
            return {"handler": route, "needs": module}

        return with_id

    def plain() -> dict[str, str]:
        return {"handler": route, "needs": module}

    return plain


def flask_client(guard: Guard) -> Client:
    from flask import Flask, request

    import licman.flask

    app = Flask("netaudit")
    licman.flask.Licman(app, guard, identity=lambda: identity_of(dict(request.cookies)))
    for n, (route, module) in enumerate(HANDLERS.items()):
        rule = route.replace("{id}", "<id>").replace("{slug}", "<slug>")

        def view(route: str = route, module: str = module, **_: str) -> dict[str, str]:
            return {"handler": route, "needs": module}

        app.add_url_rule(rule, f"view{n}", view)
    client = app.test_client()

    def get(path: str, session: Optional[str] = None) -> tuple[int, dict[str, Any]]:
        client.delete_cookie("session")
        if session:
            client.set_cookie("session", session)
        response = client.get(path, follow_redirects=True)
        return response.status_code, _json(response.data)

    return get


_django_ready = False


def django_client(guard: Guard) -> Client:
    global _django_ready
    import django
    from django.conf import settings

    if not _django_ready:
        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=["django.middleware.common.CommonMiddleware", "test_web_adapters.GuardedMiddleware"],
            SECRET_KEY="test-only-" + "x" * 40,
            APPEND_SLASH=True,
            INSTALLED_APPS=[],
            DATABASES={},
        )
        django.setup()
        _django_ready = True
    GuardedMiddleware.current = guard
    from django.test import Client as DjangoClient

    client = DjangoClient()

    def get(path: str, session: Optional[str] = None) -> tuple[int, dict[str, Any]]:
        client.cookies.clear()
        if session:
            client.cookies["session"] = session
        response = client.get(path, follow=True)
        return response.status_code, _json(response.content)

    return get


def _django_urls() -> list[Any]:
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    patterns = []
    for route, module in HANDLERS.items():

        def view(request: HttpRequest, route: str = route, module: str = module, **_: str) -> JsonResponse:
            return JsonResponse({"handler": route, "needs": module})

        pattern = route.lstrip("/").replace("{id}", "<str:id>").replace("{slug}", "<str:slug>")
        patterns.append(path(pattern, view))
    return patterns


try:
    import django.http

    import licman.django

    class GuardedMiddleware(licman.django.LicenseMiddleware):
        """The adapter's middleware with the guard of the test at hand."""

        current: Optional[Guard] = None

        def __init__(self, get_response: Callable[[django.http.HttpRequest], django.http.HttpResponse]) -> None:
            super().__init__(get_response, guard=self.current, identity=lambda r: identity_of(dict(r.COOKIES)))

    urlpatterns = _django_urls()
except ImportError:  # Django not installed: its tests are skipped below
    pass


def _json(content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except ValueError:
        return {"raw": content[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}


FRAMEWORKS = ["fastapi-dependency", "fastapi-middleware", "flask", "django"]


def make_client(framework: str, guard: Guard) -> Client:
    pytest.importorskip(framework.split("-")[0])
    if framework == "fastapi-dependency":
        return fastapi_client(guard, middleware=False)
    if framework == "fastapi-middleware":
        return fastapi_client(guard, middleware=True)
    if framework == "flask":
        return flask_client(guard)
    return django_client(guard)


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def guard_for(catalog: licman.Catalog, ring: licman.KeyRing, tier: Optional[str]) -> Guard:
    return Guard.verify(catalog, ring, FIXTURES["licenses"][tier] if tier else None, groups=GROUPS)


# ------------------------------------------------------------------ the tests


def test_a_license_and_groups_decide_each_route(framework: str, catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    get = make_client(framework, guard_for(catalog, ring, "professional"))
    assert get("/login") == (200, {"handler": "/login", "needs": "public"})
    assert get("/devices/7", "s-olivia") == (200, {"handler": "/devices/{id}", "needs": "devices"})
    assert get("/audit-schedules", "s-olivia")[0] == 200
    # A directory group the table does not define grants nothing, and takes nothing away.
    assert get("/audit-schedules", "s-mixed")[0] == 200
    assert get("/login", "s-ghost")[0] == 200
    # In the tier, but not in aaron's groups; nobody signed in has no groups.
    for session in ["s-aaron", None, "s-ghost", "forged"]:
        status, body = get("/audit-schedules", session)
        assert (status, body["action"]) == (403, "contact_admin"), session
    # Not in the professional tier: even a superuser is refused, with an upgrade.
    status, body = get("/analytics", "s-root")
    assert status == 403
    assert body == {
        "error": "Module not available",
        "module": "analytics",
        "current_tier": "professional",
        "message": "The module 'Analytics & Reporting' is not available in your professional tier",
        "action": "upgrade_license",
    }
    assert get("/devices/discover", "s-root")[0] == 200


def test_no_license_and_a_bad_license_answer_402(framework: str, catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    get = make_client(framework, guard_for(catalog, ring, None))
    assert get("/login")[0] == 200
    status, body = get("/devices", "s-root")
    assert (status, body["action"]) == (402, "activate_license")
    assert body["error"] == "No active license"

    text: str = FIXTURES["licenses"]["enterprise"]
    forged = text[:-6] + ("A" if text[-6] != "A" else "B") + text[-5:]
    guard = Guard.verify(catalog, ring, forged, groups=GROUPS)
    assert guard.license is None and guard.license_error is not None
    get = make_client(framework, guard)
    status, body = get("/devices", "s-root")
    assert status == 402
    assert body == guard.license_error.body
    assert get("/", "s-root")[0] == 200, "public paths stay open"


# Spellings of protected paths a client might try. Each must be refused, or
# end in a handler (or a 404/405) the user is entitled to.
SPELLINGS = [
    "/audit-schedules",
    "/audit-schedules/",
    "/audit-schedules/7",
    "//audit-schedules",
    "/./audit-schedules",
    "/login/../audit-schedules",
    "/login/..;/audit-schedules",
    "/login/%2e%2e/audit-schedules",
    "/login%2f..%2faudit-schedules",
    "/%61udit-schedules",
    "/audit%2dschedules",
    "/audit-schedules%2f7",
    "/audit-schedules;jsessionid=1",
    "/audit-schedules%3b",
    "/AUDIT-SCHEDULES",
    "/Audit-Schedules/7",
    "/audit-schedules%00",
    "/audit-schedules%20",
    "/audit-schedules?x=/login",
    "/audit-schedules#/login",
    "/%2561udit-schedules",
    "/analytics",
    "/analytics/",
    "/%61nalytics",
    "/devices/discover",
    "/devices/%64iscover",
    "/devices//discover",
    "/devices/./discover",
    "/%3Fx",
    "/%3F/analytics",
    "/%23x",
    "/audit-schedules%3F",
    "/%3f%2e%2e/audit-schedules",
    "/x%00",
    "/%C3%A9",
]


@pytest.mark.parametrize("tier", ["starter", None])
@pytest.mark.parametrize("session", ["s-aaron", None, "s-root"])
def test_no_spelling_reaches_a_handler_the_user_may_not_use(
    framework: str, catalog: licman.Catalog, ring: licman.KeyRing, session: Optional[str], tier: Optional[str]
) -> None:
    guard = guard_for(catalog, ring, tier)
    get = make_client(framework, guard)
    user = SESSIONS.get(session or "")
    licensed = guard.license.modules if guard.license else frozenset()
    allowed: frozenset[str] = licensed
    if user is not None and not user.superuser:
        allowed = frozenset(m for g in user.groups for m in GROUPS.get(g, []) if m in licensed)
    elif user is None:
        allowed = frozenset()
    if guard.license is not None:
        allowed |= {"licensed"}  # a path no route names needs only a license
    reached = []
    for path in SPELLINGS:
        status, body = get(path, session)
        if status == 200:
            needs = body.get("needs")
            assert needs == "public" or needs in allowed, f"{path!r} reached {body} for {session}"
            reached.append(path)
        else:
            assert status in (400, 402, 403, 404, 405), (path, status, body)
            if status in (400, 402, 403):
                assert body.get("action") or body.get("error"), (path, body)
    if session == "s-root" and tier is not None:
        # The control: the test can fail: root reaches the starter tier's devices.
        assert get("/devices/7", session)[0] == 200


def test_the_guard_refuses_an_unknown_module_in_the_group_table(catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    with pytest.raises(licman.UnknownName):
        Guard.verify(catalog, ring, FIXTURES["licenses"]["starter"], groups={"ops": ["devicez"]})


def test_two_guards_of_one_license_keep_their_own_group_tables(catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    license = ring.verify(FIXTURES["licenses"]["enterprise"], catalog)
    narrow = Guard(catalog, license, groups={"ops": ["devices"]})
    ops = Identity(groups=("ops",))
    with pytest.raises(licman.AccessDenied):
        narrow.authorize("/audit-schedules", ops)
    # Another guard, and the application's own table, do not widen it.
    Guard(catalog, license, groups={"ops": ["devices", "scheduled_audits"]})
    licman.GroupAccess(license).set_group("ops", ["devices", "scheduled_audits"])
    with pytest.raises(licman.AccessDenied):
        narrow.authorize("/audit-schedules", ops)
    assert narrow.authorize("/devices", ops) == "devices"


def test_without_a_group_table_only_the_license_is_checked(catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    guard = Guard.verify(catalog, ring, FIXTURES["licenses"]["starter"])
    assert guard.authorize("/devices/7") == "devices"
    with pytest.raises(licman.ModuleNotLicensed):
        guard.authorize("/audit-schedules")
    with pytest.raises(licman.InvalidPath):
        guard.authorize("/login/..;/audit-schedules")


def test_the_fastapi_dependency_guards_websockets_too(catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    import licman.fastapi

    guard = Guard.verify(catalog, ring, FIXTURES["licenses"]["starter"])
    app = FastAPI(dependencies=[Depends(licman.fastapi.require_license(guard))])
    licman.fastapi.add_exception_handler(app)

    async def echo(websocket: starlette.websockets.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("open")
        await websocket.close()

    app.add_api_websocket_route("/devices/live", echo)  # the starter tier has devices
    app.add_api_websocket_route("/analytics/live", echo)  # and not analytics
    client = TestClient(app)
    with client.websocket_connect("/devices/live") as socket:
        assert socket.receive_text() == "open"
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/analytics/live") as socket:
            socket.receive_text()
    assert closed.value.code == 1008
