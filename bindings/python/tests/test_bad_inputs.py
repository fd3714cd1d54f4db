"""Bad inputs raise the right exception and never crash the interpreter."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import licman
from conftest import FIXTURES, NOW


def test_wrong_types(ring: licman.KeyRing, catalog: licman.Catalog, licenses: dict[str, licman.License]) -> None:
    key = FIXTURES["licenses"]["starter"]
    with pytest.raises(TypeError):
        ring.verify(12345, catalog)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ring.verify(key, catalog, now="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ring.verify(key)
    with pytest.raises(TypeError):
        licman.KeyRing(FIXTURES["public_key"])
    with pytest.raises(TypeError):
        licenses["starter"].has_module(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        licenses["starter"].check_quota("devices", "ten")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="current"):
        licenses["starter"].check_quota("devices", -1)
    with pytest.raises(ValueError, match="requested"):
        licenses["starter"].check_quota("devices", 1, 2**64)
    with pytest.raises(TypeError, match="bool"):
        licenses["starter"].check_quota("devices", True)
    with pytest.raises(TypeError):
        licenses["starter"].remaining("devices", 1.5)  # type: ignore[arg-type]
    licenses["starter"].check_quota("devices", 1)  # requested defaults to 1
    with pytest.raises(TypeError):
        licman.GroupAccess(licenses["starter"]).set_group("ops", "devices")
    with pytest.raises(ValueError):
        ring.verify(key, catalog, policy="lenient")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ring.verify(key, catalog, fingerprint="not-hex")


def test_naive_datetimes_are_refused(ring: licman.KeyRing, catalog: licman.Catalog, licenses: dict[str, licman.License]) -> None:
    key = FIXTURES["licenses"]["starter"]
    with pytest.raises(ValueError, match="naive datetime"):
        ring.verify(key, catalog, now=datetime(2026, 6, 1))
    with pytest.raises(ValueError, match="naive"):
        ring.verify(key, catalog, now=NOW, last_seen=datetime(2026, 6, 1))
    with pytest.raises(ValueError):
        licenses["starter"].status_at(datetime(2026, 6, 1))
    with pytest.raises(ValueError):
        ring.verify(key, catalog, now=datetime(1960, 1, 1, tzinfo=timezone.utc))


def test_non_utf8_and_garbage(ring: licman.KeyRing, catalog: licman.Catalog) -> None:
    with pytest.raises(licman.InvalidLicense) as raised:
        ring.verify(b"lm1_\xff\xfe", catalog)
    assert raised.value.code == "invalid_encoding"
    assert raised.value.http_status == 402
    with pytest.raises(licman.InvalidLicense) as raised:
        ring.verify("eyJhbGciOiJFZERTQSJ9.e30.sig", catalog)
    assert raised.value.code == "wrong_prefix"
    with pytest.raises(licman.InvalidLicense) as raised:
        ring.verify("", catalog)
    assert raised.value.body["error"] == "Invalid license"
    with pytest.raises(licman.InvalidPublicKey):
        licman.KeyRing(["lmpk1_nope"])
    with pytest.raises(licman.CatalogError) as bad_catalog:
        licman.Catalog.from_toml("product = ")
    assert bad_catalog.value.code == "syntax"
    with pytest.raises(licman.CatalogError):
        licman.Catalog.load("/nonexistent/catalog.toml")
    with pytest.raises(licman.InvalidRevocationList):
        ring.verify(FIXTURES["licenses"]["starter"], catalog, revocations="garbage")


def test_huge_inputs(ring: licman.KeyRing, catalog: licman.Catalog, licenses: dict[str, licman.License]) -> None:
    with pytest.raises(licman.InvalidLicense) as raised:
        ring.verify("lm1_" + "A" * 10_000_000, catalog)
    assert raised.value.code == "too_large"
    with pytest.raises(licman.CatalogError) as raised_catalog:
        licman.Catalog.from_toml("#" * (2 << 20))
    assert raised_catalog.value.code == "too_large"
    with pytest.raises(licman.UnknownName):
        licenses["starter"].has_module("x" * 1_000_000)
    routes = licman.RouteTable(catalog)
    assert routes.target("/" + "a/" * 100_000 + "b") == "licensed"


def test_unknown_names(licenses: dict[str, licman.License], catalog: licman.Catalog) -> None:
    starter = licenses["starter"]
    with pytest.raises(licman.UnknownName) as raised:
        starter.has_module("warp_drive")
    assert (raised.value.kind, raised.value.name) == ("module", "warp_drive")
    assert isinstance(raised.value, LookupError)
    with pytest.raises(licman.UnknownName):
        starter.check_quota("seats", 1)
    with pytest.raises(licman.UnknownName):
        starter.accept("seats", 1, 1)
    with pytest.raises(licman.UnknownName):
        licman.GroupAccess(starter).user_modules(groups=["nobody"])
    with pytest.raises(licman.UnknownName):
        licman.GroupAccess(starter).set_group("ops", ["warp_drive"])
    with pytest.raises(licman.UnknownName):
        catalog.tier_modules("platinum")
    assert starter.has_module("audit") is True  # an alias


def test_verify_errors_are_denials_with_bodies(ring: licman.KeyRing, catalog: licman.Catalog) -> None:
    key = FIXTURES["licenses"]["starter"]
    tampered = key[:-10] + ("A" if key[-10] != "A" else "B") + key[-9:]
    with pytest.raises(licman.InvalidLicense) as raised:
        ring.verify(tampered, catalog)
    assert raised.value.code == "bad_signature"
    assert isinstance(raised.value, licman.Denial)
    assert raised.value.body["reason"] == "bad_signature"
    other = licman.KeyRing([])
    with pytest.raises(licman.InvalidLicense) as unknown:
        other.verify(key, catalog)
    assert unknown.value.code == "unknown_key"
    with pytest.raises(licman.InvalidLicense) as wrong:
        ring.verify(key, product="netmonitor")
    assert wrong.value.code == "wrong_product"
    with pytest.raises(licman.ClockError) as clock:
        ring.verify(key, catalog, now=NOW, last_seen=datetime(2026, 9, 1, tzinfo=timezone.utc))
    assert clock.value.code == "clock_rolled_back"


def test_error_classes_cover_the_core_codes() -> None:
    from licman import _errors, _native

    # Every code the core declares has a class (its own or, deliberately,
    # the base class of its kind), and the tables name no other code.
    assert set(_errors._LICENSE_ERRORS) == set(_native.error_codes())
    assert set(_errors._DENIALS) == set(_native.denial_codes())
    for code in _native.error_codes():
        error = _errors._from_native("invalid_license", code, "m", 402, "activate_license", "{}")
        assert isinstance(error, licman.InvalidLicense) and error.code == code
    for code in _native.denial_codes():
        denial = _errors._from_native("denied", code, "m", 403, "contact_admin", "{}")
        assert isinstance(denial, licman.Denial) and denial.code == code
    unknown = _errors._from_native("unknown_name", "unknown_module", "module", "warp")
    assert isinstance(unknown, licman.UnknownName) and unknown.code == "unknown_module"


def test_a_guard_and_a_lease_refuse_bad_arguments(catalog: licman.Catalog, ring: licman.KeyRing) -> None:
    from licman.seats import Lease
    from licman.web import Guard

    guard = Guard.verify(catalog, ring, FIXTURES["licenses"]["starter"], groups={"ops": ["devices"]})
    with pytest.raises(TypeError, match="Identity"):
        guard.authorize("/devices", {"groups": ["ops"]})  # type: ignore[arg-type]
    server, token = "http://127.0.0.1:9", "t0ken"
    for bad in (float("nan"), float("inf"), 0.0, -1, 1e12):
        with pytest.raises(ValueError, match="heartbeat_every"):
            Lease(server, token, pool="CAD", holder="ws", heartbeat_every=bad)
    with pytest.raises(TypeError):
        Lease(server, token, pool="CAD", holder="ws", heartbeat_every="10")  # type: ignore[arg-type]
    for timeout in (float("nan"), -1, 0):
        with pytest.raises(ValueError, match="timeout"):
            Lease(server, token, pool="CAD", holder="ws", timeout=timeout)
    with pytest.raises(ValueError, match="ttl_seconds"):
        Lease(server, token, pool="CAD", holder="ws", ttl_seconds=-5)
    with pytest.raises(TypeError, match="ttl_seconds"):
        Lease(server, token, pool="CAD", holder="ws", ttl_seconds=float("nan"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="control"):
        Lease(server, "t0ken\r\nX-Evil: 1", pool="CAD", holder="ws")
    with pytest.raises(ValueError, match="query"):
        Lease("http://h/?a=b", token, pool="CAD", holder="ws")
    with pytest.raises(TypeError):
        Lease(server, token, pool=5, holder="ws")  # type: ignore[arg-type]
