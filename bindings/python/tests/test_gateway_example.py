"""The example gateway (examples/python/gateway.py) answers 200/402/403 over real HTTP."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any, Optional

import licman
from conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "examples" / "python"))
import gateway  # noqa: E402


def get(port: int, path: str, headers: Optional[dict[str, str]] = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def start(license_text: Optional[str]) -> tuple[int, Any]:
    catalog = licman.Catalog.load(ROOT / "examples" / "catalogs" / "netaudit.toml")
    ring = licman.KeyRing([FIXTURES["public_key"]])
    _, port, stop = gateway.serve(gateway.Gateway(catalog, ring, license_text))
    return port, stop


def test_starter_gateway() -> None:
    port, stop = start(FIXTURES["licenses"]["starter"])
    try:
        assert get(port, "/login") == (200, {"path": "/login", "needs": "public", "service": "ok"})
        assert get(port, "/devices/7")[0] == 200
        status, body = get(port, "/audit-schedules")
        assert status == 403
        assert body["error"] == "Module not available" and body["current_tier"] == "starter"
        status, body = get(port, "/devices", {"X-User-Groups": "auditors"})
        assert (status, body["action"]) == (403, "contact_admin")
        assert get(port, "/audit/1", {"X-User-Groups": "auditors"})[0] == 200
        assert get(port, "/health/../audit-schedules")[0] == 400
    finally:
        stop()


def test_gateway_without_or_with_a_bad_license() -> None:
    port, stop = start(None)
    try:
        status, body = get(port, "/devices")
        assert (status, body["error"], body["action"]) == (402, "No active license", "activate_license")
        assert get(port, "/")[0] == 200
    finally:
        stop()
    key = FIXTURES["licenses"]["professional"]
    port, stop = start(key[:-6] + ("AAAAAA" if not key.endswith("AAAAAA") else "BBBBBB"))
    try:
        status, body = get(port, "/devices")
        assert status == 402 and body["error"] == "Invalid license"
        assert get(port, "/health")[0] == 200
    finally:
        stop()
