"""FastAPI (and Starlette): a dependency, a middleware and an exception handler.

Either check every route with an app-wide dependency::

    from fastapi import Depends, FastAPI
    import licman.fastapi

    guard = licman.web.Guard.verify(catalog, ring, license_text, groups=GROUPS)
    app = FastAPI(dependencies=[Depends(licman.fastapi.require_license(guard, identity=current_identity))])
    licman.fastapi.add_exception_handler(app)

where ``current_identity`` is your own dependency returning a
:class:`licman.web.Identity` (or ``None`` for an anonymous request), or
wrap the whole application, mounted sub-applications and static files
included::

    app.add_middleware(licman.fastapi.LicenseMiddleware, guard=guard, identity=identity_of_request)

Either way a refusal is answered with its status (402, 403 or 400) and the
core's JSON body. The path checked is the one the application routes on
(the request path without the server's ``root_path``). The dependency
belongs on the top-level application: inside a mounted sub-application the
path it sees is relative to the mount, so wrap such an application with the
middleware instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, Callable, Optional, Union

from fastapi import Depends, FastAPI, Request, WebSocketException
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from ._errors import Denial
from .web import Guard, Identity, path_as_sent

__all__ = ["LicenseMiddleware", "add_exception_handler", "denial_handler", "require_license", "route_path"]

IdentityOfRequest = Callable[[HTTPConnection], Union[Optional[Identity], Awaitable[Optional[Identity]]]]


def route_path(scope: Scope) -> str:
    """The path the application routes on (``scope["path"]`` without
    ``root_path``), escaped again as it was sent (:func:`licman.web.path_as_sent`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        path = path[len(root):] or "/"
    return path_as_sent(path)


def require_license(guard: Guard, identity: Optional[Callable[..., Any]] = None) -> Callable[..., Awaitable[str]]:
    """A dependency that lets the request through or raises its :class:`~licman.Denial`.

    ``identity`` is a FastAPI dependency giving the signed-in user's
    :class:`~licman.web.Identity` (``None``: anonymous). The dependency's
    value is what the path needs (``public``, ``licensed`` or the module).
    """
    # An HTTPConnection, not a Request: an app-wide dependency runs for
    # websocket routes too, where a refusal closes the socket (1008).

    def decide(connection: HTTPConnection, user: Optional[Identity]) -> str:
        try:
            return guard.authorize(route_path(connection.scope), user)
        except Denial as denial:
            if connection.scope["type"] == "websocket":
                raise WebSocketException(code=1008, reason=denial.code) from None
            raise

    if identity is None:

        async def license_only(connection: HTTPConnection) -> str:
            return decide(connection, None)

        return license_only

    async def with_identity(connection: HTTPConnection, user: Optional[Identity] = Depends(identity)) -> str:
        return decide(connection, user)

    return with_identity


async def denial_handler(request: Request, exc: Exception) -> JSONResponse:
    """The response for a :class:`~licman.Denial`: its status and body."""
    if not isinstance(exc, Denial):  # registered for Denial only
        raise exc
    return JSONResponse(exc.body, status_code=exc.http_status)


def add_exception_handler(app: FastAPI) -> None:
    """Answers every :class:`~licman.Denial` raised in ``app`` with its status and body."""
    app.add_exception_handler(Denial, denial_handler)


class LicenseMiddleware:
    """An ASGI middleware checking every HTTP request before any routing.

    ``identity`` takes the connection (a Starlette ``HTTPConnection``: HTTP
    requests and websockets) and returns (or awaits to) the user's
    :class:`~licman.web.Identity`, or ``None``.
    """

    def __init__(self, app: ASGIApp, guard: Guard, identity: Optional[IdentityOfRequest] = None) -> None:
        self.app = app
        self.guard = guard
        self.identity = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        user: Optional[Identity] = None
        if self.identity is not None:
            found = self.identity(HTTPConnection(scope))
            user = await found if inspect.isawaitable(found) else found
        try:
            self.guard.authorize(route_path(scope), user)
        except Denial as denial:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": denial.code})
                return
            await JSONResponse(denial.body, status_code=denial.http_status)(scope, receive, send)
            return
        await self.app(scope, receive, send)
