"""The exceptions licman raises.

Every exception derives from :class:`LicmanError` and has ``code`` (a stable
snake_case string) and ``message``. Refusals derive from :class:`Denial`.
They also carry ``http_status`` (402, 403 or 400), ``action`` and ``body``:
the exact JSON object the core serialises, ready to return from a web
handler.
"""

from __future__ import annotations

import json
from typing import Any, Optional

__all__ = [
    "LicmanError",
    "InvalidPublicKey",
    "InvalidRevocationList",
    "CatalogError",
    "UnknownName",
    "GroupError",
    "Denial",
    "NoLicense",
    "ModuleNotLicensed",
    "QuotaExceeded",
    "AccessDenied",
    "InvalidPath",
    "UnlistedPath",
    "InvalidLicense",
    "LicenseExpired",
    "LicenseNotYetValid",
    "LicenseRevoked",
    "ClockError",
    "WrongMachine",
    "StaleRevocationList",
]


class LicmanError(Exception):
    """The root of every licman error."""

    code: str
    """A stable snake_case code for the error."""
    message: str
    """A message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidPublicKey(LicmanError):
    """A public key text was refused (malformed, weak, or with the wrong key id)."""


class InvalidRevocationList(LicmanError):
    """A revocation list did not parse or verify."""


class CatalogError(LicmanError):
    """A catalog was refused; the message names the offender."""


class UnknownName(LicmanError, LookupError):
    """A module, quota, tier or group name that is not defined."""

    kind: str
    """``module``, ``quota``, ``tier`` or ``group``."""
    name: str
    """The name."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"unknown_{kind}", f"unknown {kind} {name!r}")
        self.kind = kind
        self.name = name

    def __str__(self) -> str:  # LookupError would quote the whole message
        return self.message


class GroupError(LicmanError):
    """A group could not be set, for example because it grants an unlicensed module."""

    module: Optional[str]
    tier: Optional[str]

    def __init__(self, code: str, message: str, module: Optional[str] = None, tier: Optional[str] = None) -> None:
        super().__init__(code, message)
        self.module = module
        self.tier = tier


class Denial(LicmanError):
    """A refusal, shaped as an HTTP response: ``http_status`` and ``body``."""

    http_status: int
    """402 (no usable license), 403 (refused under a valid license) or 400 (bad path)."""
    action: str
    """What the client should do: ``activate_license``, ``upgrade_license``, ``contact_admin``, …"""

    def __init__(self, code: str, message: str, http_status: int, action: str, body_json: str) -> None:
        super().__init__(code, message)
        self.http_status = http_status
        self.action = action
        self.body_json = body_json

    @property
    def body(self) -> dict[str, Any]:
        """The response body, as the core serialises it."""
        body: dict[str, Any] = json.loads(self.body_json)
        return body


class NoLicense(Denial):
    """No license is active (402)."""


class ModuleNotLicensed(Denial):
    """The module is not in the license's tier (403, ``upgrade_license``)."""


class QuotaExceeded(Denial):
    """The quota would be exceeded (403, ``upgrade_license``)."""


class AccessDenied(Denial):
    """The user's groups do not grant the module (403, ``contact_admin``)."""


class InvalidPath(Denial):
    """The request path breaks the path contract (``..``, ``//``, ``;``, ``#``, escapes of
    anything but letters, digits and ``-._~``) (400)."""


class UnlistedPath(Denial):
    """No route covers the path and the route table denies such paths (403, ``contact_admin``)."""


class InvalidLicense(Denial):
    """The license is not usable (402). ``code`` is the core's error code:
    ``bad_signature``, ``unknown_key``, ``wrong_product``, ``truncated``, …"""


class LicenseExpired(InvalidLicense):
    """The license expired and its grace period is over."""


class LicenseNotYetValid(InvalidLicense):
    """The license has not started yet."""


class LicenseRevoked(InvalidLicense):
    """The license is on the revocation list."""


class ClockError(InvalidLicense):
    """The system clock is wrong: turned back, or behind the issue time."""


class WrongMachine(InvalidLicense):
    """The license is bound to other machines."""


class StaleRevocationList(InvalidLicense):
    """The revocation list is older than ``min_revocation_serial`` or ``max_revocation_age`` accept."""
