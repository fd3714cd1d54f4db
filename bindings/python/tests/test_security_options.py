"""Route options and the path contract, the license's last-seen time (a clock
turned back after verification), revocation-list freshness, and the
report_only policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Optional

import pytest

import licman
from conftest import CATALOG_PATH, FIXTURES, NOW, ROOT

ROUTED = CATALOG_PATH.read_text().replace("[routes]\n", '[routes]\ncase = "fold_ascii"\nunmatched = "deny"\n')


def vector_input(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "testdata" / "vectors" / name).read_text())["input"]
    return data


def test_route_options_from_the_catalog_or_given(catalog: licman.Catalog) -> None:
    exact = licman.RouteTable(catalog)
    assert (exact.case, exact.unmatched) == ("exact", "licensed")
    assert exact.target("/DEVICES") == "licensed"
    assert exact.target("/%64evices/7") == "devices", "escapes of unreserved characters are decoded"
    folding = licman.RouteTable(catalog, case="fold_ascii", unmatched="deny")
    assert (folding.case, folding.unmatched) == ("fold_ascii", "deny")
    assert folding.target("/DEVICES/7") == "devices"
    assert folding.target("/nowhere") == "unlisted"
    assert licman.RouteTable(catalog, unmatched="deny").case == "exact", "only what is given is replaced"
    listed = licman.Catalog.from_toml(ROUTED)
    assert (licman.RouteTable(listed).case, licman.RouteTable(listed).unmatched) == ("fold_ascii", "deny")
    again = licman.RouteTable(listed, case="exact")
    assert (again.case, again.unmatched) == ("exact", "deny")
    with pytest.raises(ValueError):
        licman.RouteTable(catalog, case="insensitive")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        licman.RouteTable(catalog, unmatched="open")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        licman.RouteTable(catalog, "fold_ascii")  # type: ignore[call-arg]
    both = licman.Catalog.from_toml(CATALOG_PATH.read_text().replace('"/login",', '"/login", "/LOGIN",'))
    with pytest.raises(licman.CatalogError) as conflict:
        licman.RouteTable(both, case="fold_ascii")
    assert conflict.value.code == "route_conflict"


def test_unlisted_paths_are_refused(catalog: licman.Catalog, licenses: dict[str, licman.License]) -> None:
    routes = licman.RouteTable(catalog, unmatched="deny")
    with pytest.raises(licman.UnlistedPath) as refused:
        routes.authorize("/nowhere", licenses["enterprise"], now=NOW)
    assert (refused.value.code, refused.value.http_status, refused.value.action) == ("unlisted_path", 403, "contact_admin")
    assert isinstance(refused.value, licman.Denial)
    assert routes.authorize("/login", None) == "public"
    assert routes.authorize("/devices/7", licenses["enterprise"], now=NOW) == "devices"


@pytest.mark.parametrize("path", ["/devices#x", "/devices;x=1", "/login/..;/analytics", "/a%2Fb", "/a%20b", "/%2e%2e/audit"])
def test_paths_that_break_the_contract_are_400(catalog: licman.Catalog, path: str) -> None:
    with pytest.raises(licman.InvalidPath) as bad:
        licman.RouteTable(catalog).target(path)
    assert bad.value.http_status == 400


def test_a_clock_turned_back_after_a_later_check_is_refused(ring: licman.KeyRing, catalog: licman.Catalog) -> None:
    lic = ring.verify(FIXTURES["licenses"]["starter"], catalog, now=NOW)
    assert lic.last_seen == NOW
    later = NOW + timedelta(days=1)
    assert lic.check_valid(later) == "active"
    assert lic.last_seen == later
    routes = licman.RouteTable(catalog)
    checks: list[Callable[[], object]] = [lambda: lic.check_valid(NOW), lambda: routes.authorize("/devices", lic, now=NOW)]
    for check in checks:
        with pytest.raises(licman.ClockError) as raised:
            check()
        assert (raised.value.code, raised.value.http_status) == ("clock_error", 402)
        assert raised.value.body["reason"] == "clock_rolled_back"
    assert lic.last_seen == later, "never moves back"
    assert lic.check_valid(later - timedelta(minutes=50)) == "active", "within the hour of tolerance"


def test_revocation_list_serial_issue_time_and_freshness() -> None:
    data = vector_input("038-not-revoked.json")
    keys = licman.KeyRing(data["public_keys"])
    text: str = data["revocation_list"]
    listed = keys.verify_revocation_list(text, "netaudit")
    assert listed.serial == 3
    assert listed.issued_at == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert len(listed) == 2 and len(listed.revoked) == 2
    assert listed.key_id == keys.key_ids[0]
    assert keys.verify_revocation_list(text.encode(), "netaudit").serial == 3
    with pytest.raises(licman.InvalidRevocationList):
        keys.verify_revocation_list(text, "netmonitor")
    with pytest.raises(licman.InvalidRevocationList):
        keys.verify_revocation_list("garbage", "netaudit")
    now = datetime.fromtimestamp(data["now"], timezone.utc)

    def verify(
        min_serial: int = 0, max_age: Optional[timedelta] = None, policy: Literal["enforce", "report_only"] = "enforce"
    ) -> licman.License:
        return keys.verify(
            data["license"], product="netaudit", now=now, revocations=text, min_revocation_serial=min_serial, max_revocation_age=max_age, policy=policy
        )

    assert verify(min_serial=3).verified_status == "active"
    assert verify(max_age=timedelta(days=60)).verified_status == "active"
    stale_cases: list[tuple[int, Optional[timedelta], Literal["enforce", "report_only"]]] = [
        (4, None, "enforce"),
        (0, timedelta(days=7), "enforce"),
        (4, None, "report_only"),
    ]
    for min_serial, max_age, policy in stale_cases:
        with pytest.raises(licman.StaleRevocationList) as stale:
            verify(min_serial, max_age, policy)
        assert isinstance(stale.value, licman.InvalidLicense)
        assert (stale.value.code, stale.value.http_status) == ("stale_revocation_list", 402)
        assert stale.value.body["reason"] == "stale_revocation_list"
    with pytest.raises(OverflowError):
        verify(min_serial=-1)
    with pytest.raises(TypeError):
        keys.verify(data["license"], product="netaudit", now=now, revocations=text, max_revocation_age=3600)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        verify(max_age=timedelta(seconds=-1))


def test_advisory_checks_refuse_a_revoked_license_report_only_does_not() -> None:
    data = vector_input("037-revoked.json")
    keys = licman.KeyRing(data["public_keys"])
    now = datetime.fromtimestamp(data["now"], timezone.utc)

    def verify(policy: Literal["enforce", "advisory", "report_only"]) -> licman.License:
        return keys.verify(data["license"], product=data["product"], now=now, revocations=data["revocation_list"], policy=policy)

    with pytest.raises(licman.LicenseRevoked):
        verify("enforce")
    advisory = verify("advisory")
    assert advisory.problems == ["revoked"]
    with pytest.raises(licman.LicenseRevoked) as revoked:
        advisory.check_valid(now)
    assert revoked.value.http_status == 402
    report_only = verify("report_only")
    assert report_only.problems == ["revoked"]
    assert report_only.check_valid(now) == "active"
