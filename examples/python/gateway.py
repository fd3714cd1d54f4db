"""A licensed API gateway in front of a small HTTP service (standard library only).

Every request goes through ``RouteTable.authorize``. Public paths pass
without a license. A missing or unusable license gets a 402, a module
outside the tier a 403, and a module the user's groups do not grant
another 403. Each refusal carries the exact JSON body that licman produces.

Run it:

    python examples/python/gateway.py --catalog examples/catalogs/netaudit.toml \\
        --public-key keys/netaudit-2026.pub --license acme.lic --port 8080

then ``curl -i localhost:8080/audit-schedules -H 'X-User-Groups: ops'``.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import threading
from typing import Callable, Iterable, Optional
from wsgiref.simple_server import WSGIRequestHandler, make_server

import licman

StartResponse = Callable[[str, list[tuple[str, str]]], object]

REASONS = {200: "OK", 400: "Bad Request", 402: "Payment Required", 403: "Forbidden"}


class Gateway:
    """A WSGI application: license checks, then the protected service."""

    def __init__(self, catalog: licman.Catalog, ring: licman.KeyRing, license_text: Optional[str]) -> None:
        self.catalog = catalog
        self.routes = licman.RouteTable(catalog)
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

    def __call__(self, environ: dict[str, object], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", "/"))
        header = str(environ.get("HTTP_X_USER_GROUPS", "")).strip()
        groups = [g.strip() for g in header.split(",") if g.strip()] if header else None
        superuser = environ.get("HTTP_X_SUPERUSER") == "1"
        try:
            if self.license is None and self.license_error is not None and self.routes.target(path) != "public":
                raise self.license_error
            needs = self.routes.authorize(path, self.license, user_groups=groups, superuser=superuser)
        except licman.Denial as denial:
            return self.respond(start_response, denial.http_status, denial.body)
        except licman.UnknownName as unknown:
            return self.respond(start_response, 403, {"error": "Access denied", "message": unknown.message, "action": "contact_admin"})
        return self.respond(start_response, 200, {"path": path, "needs": needs, "service": "ok"})

    @staticmethod
    def respond(start_response: StartResponse, status: int, body: dict[str, object]) -> list[bytes]:
        payload = json.dumps(body).encode()
        start_response(f"{status} {REASONS[status]}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


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
    try:
        thread.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
