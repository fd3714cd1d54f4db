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
    "InvalidActivationRequest",
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


class InvalidActivationRequest(LicmanError, ValueError):
    """An activation request did not parse, or its fields break the format's
    rules; ``code`` says why (``wrong_prefix``, ``invalid_encoding`` for a
    mistyped text, ``too_large``, ...)."""


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


# The class of each code, by kind. Every code the core declares is listed
# (tests/test_bad_inputs.py checks them against `_native.error_codes()` and
# `_native.denial_codes()`); a code without its own class maps to the base
# class of its kind.
_LICENSE_ERRORS: dict[str, type[InvalidLicense]] = {
    "too_large": InvalidLicense,
    "wrong_prefix": InvalidLicense,
    "invalid_encoding": InvalidLicense,
    "truncated": InvalidLicense,
    "trailing_bytes": InvalidLicense,
    "unsupported_version": InvalidLicense,
    "malformed_payload": InvalidLicense,
    "invalid_claims": InvalidLicense,
    "invalid_public_key": InvalidLicense,
    "weak_public_key": InvalidLicense,
    "key_id_mismatch": InvalidLicense,
    "unknown_key": InvalidLicense,
    "bad_signature": InvalidLicense,
    "wrong_product": InvalidLicense,
    "not_yet_valid": LicenseNotYetValid,
    "expired": LicenseExpired,
    "issued_in_future": ClockError,
    "clock_rolled_back": ClockError,
    "stale_revocation_list": StaleRevocationList,
    "revoked": LicenseRevoked,
    "machine_mismatch": WrongMachine,
}

_DENIALS: dict[str, type[Denial]] = {
    "no_license": NoLicense,
    "invalid_license": InvalidLicense,
    "license_expired": LicenseExpired,
    "license_not_yet_valid": LicenseNotYetValid,
    "license_revoked": LicenseRevoked,
    "clock_error": ClockError,
    "wrong_machine": WrongMachine,
    "module_not_licensed": ModuleNotLicensed,
    "quota_exceeded": QuotaExceeded,
    "access_denied": AccessDenied,
    "invalid_path": InvalidPath,
    "unlisted_path": UnlistedPath,
}

# The base class of each kind of error the native module reports.
_KINDS: dict[str, type[LicmanError]] = {
    "invalid_license": InvalidLicense,
    "denied": Denial,
    "unknown_name": UnknownName,
    "invalid_catalog": CatalogError,
    "invalid_public_key": InvalidPublicKey,
    "invalid_revocation_list": InvalidRevocationList,
    "invalid_activation_request": InvalidActivationRequest,
    "invalid_argument": GroupError,
}


def _from_native(kind: str, code: str, *args: Any) -> LicmanError:
    """The exception for an error of the native module: its class by ``kind``,
    then (licenses and refusals) by ``code``. ``args`` are the class's
    arguments after ``code`` (for ``unknown_name``: the name's kind and the name)."""
    if kind == "invalid_license":
        return _LICENSE_ERRORS.get(code, InvalidLicense)(code, *args)
    if kind == "denied":
        return _DENIALS.get(code, Denial)(code, *args)
    if kind == "unknown_name":
        return UnknownName(*args)
    return _KINDS.get(kind, LicmanError)(code, *args)
