"""Every conformance vector in testdata/vectors/ gives the outcome it records."""

from __future__ import annotations

import pathlib
from datetime import datetime, timezone
from typing import Optional

import pytest

import licman
from conftest import VECTORS, vector


def test_there_are_vectors() -> None:
    assert len(VECTORS) >= 25


def at(seconds: Optional[int]) -> Optional[datetime]:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=timezone.utc)


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector(path: pathlib.Path) -> None:
    case = vector(path)
    given, expected = case["input"], case["expected"]

    def run() -> licman.License:
        ring = licman.KeyRing(given["public_keys"])
        return ring.verify(
            given["license"],
            product=given["product"],
            now=at(given["now"]),
            last_seen=at(given["last_seen"]),
            revocations=given["revocation_list"],
            fingerprint=given["fingerprints"],
            policy=given["policy"],
        )

    if expected["valid"]:
        lic = run()
        assert lic.verified_status == expected["status"]
        assert lic.problems == expected["problems"]
        assert lic.claims == expected["claims"]
        assert lic.license_id == expected["claims"]["license_id"]
        assert lic.customer.id == expected["claims"]["customer"]["id"]
        if expected["claims"]["expires_at"] is None:
            assert lic.expires_at is None
        else:
            assert lic.expires_at is not None
            assert lic.expires_at.isoformat().replace("+00:00", "Z") == expected["claims"]["expires_at"]
    else:
        with pytest.raises(licman.LicmanError) as raised:
            run()
        assert raised.value.code == expected["error"], raised.value.message
