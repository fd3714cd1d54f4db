"""Flask: an extension that checks every request and answers a refusal with its 402/403 JSON.

::

    from flask import Flask, g
    import licman.flask, licman.web

    app = Flask(__name__)
    guard = licman.web.Guard.verify(catalog, ring, license_text, groups=GROUPS)
    licman.flask.Licman(app, guard, identity=lambda: g.identity)  # your authentication sets g.identity

or, with an application factory, ``ext = Licman(guard=guard)`` and later
``ext.init_app(app)``. ``identity`` takes no argument (it reads Flask's
request context) and returns a :class:`licman.web.Identity` or ``None``.
The check runs before every request (``before_request``, after
authentication hooks registered earlier) on ``request.path``, the path
the URL map matches; a :class:`~licman.Denial` raised inside a view is
answered the same way.
"""

from __future__ import annotations

from typing import Callable, Optional

from flask import Flask, Response, jsonify, request

from ._errors import Denial
from .web import Guard, Identity, path_as_sent

__all__ = ["Licman", "denial_response"]


def denial_response(denial: Denial) -> tuple[Response, int]:
    """The response for a :class:`~licman.Denial`: its body and status."""
    return jsonify(denial.body), denial.http_status


class Licman:
    """The licman extension: ``Licman(app, guard, identity=...)``."""

    def __init__(
        self,
        app: Optional[Flask] = None,
        guard: Optional[Guard] = None,
        *,
        identity: Optional[Callable[[], Optional[Identity]]] = None,
    ) -> None:
        self.guard = guard
        self.identity = identity
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Registers the check and the error handler on ``app``."""
        if self.guard is None:
            raise ValueError("licman.flask.Licman needs a guard")
        app.extensions["licman"] = self
        app.before_request(self._check)
        app.register_error_handler(Denial, denial_response)

    def _check(self) -> Optional[tuple[Response, int]]:
        guard = self.guard
        if guard is None:  # init_app refuses a missing guard; never reached
            raise RuntimeError("licman.flask.Licman has no guard")
        user = self.identity() if self.identity is not None else None
        try:
            guard.authorize(path_as_sent(request.path), user)
        except Denial as denial:
            return denial_response(denial)
        return None
