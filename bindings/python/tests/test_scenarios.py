"""The NetAudit manual test cases 1-7, through the Python API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import licman
from conftest import CATALOG_PATH, FIXTURES, NOW

SEED_402 = {
    "error": "No active license",
    "message": "Please activate a valid license to use this feature",
    "action": "activate_license",
}
SEED_403_MODULE = {
    "error": "Module not available",
    "module": "scheduled_audits",
    "current_tier": "starter",
    "message": "The module 'Scheduled Audits' is not available in your starter tier",
    "action": "upgrade_license",
}
SEED_403_QUOTA = {
    "error": "Quota exceeded",
    "quota_type": "devices",
    "current": 10,
    "max": 10,
    "message": "Cannot add 1 more devices. Current: 10/10",
    "action": "upgrade_license",
}
SEED_403_ACCESS = {
    "error": "Access denied",
    "module": "scheduled_audits",
    "message": "User does not have access to module 'scheduled_audits'",
    "action": "contact_admin",
}


def test_case_1_tier_enforcement_and_upgrade(licenses: dict[str, licman.License]) -> None:
    starter, professional = licenses["starter"], licenses["professional"]
    assert starter.modules == {"devices", "manual_audits", "basic_rules", "health_checks"}
    assert starter.tier_display_name == "Starter"
    with pytest.raises(licman.ModuleNotLicensed) as denied:
        starter.check_module("scheduled_audits")
    assert denied.value.http_status == 403
    assert denied.value.body == SEED_403_MODULE
    assert list(denied.value.body) == list(SEED_403_MODULE), "field order"
    assert professional.has_module("scheduled_audits")
    change = starter.diff(professional)
    assert "scheduled_audits" in change["modules_added"]
    assert change["modules_removed"] == []
    assert change["quotas_raised"][0] == {"name": "devices", "from": 10, "to": 100}


def test_case_2_device_quota_and_discovery(licenses: dict[str, licman.License]) -> None:
    starter = licenses["starter"]
    for current in range(10):
        starter.check_quota("devices", current=current, requested=1)
    with pytest.raises(licman.QuotaExceeded) as denied:
        starter.check_quota("devices", current=10, requested=1)
    assert denied.value.body == SEED_403_QUOTA
    assert isinstance(denied.value, licman.Denial)
    assert starter.accept("devices", current=0, candidates=20) == 10
    assert licenses["professional"].accept("devices", current=90, candidates=20) == 10
    assert starter.remaining("devices", 4) == 6
    assert starter.usage_percent("devices", 5) == 50.0
    assert licenses["enterprise"].quota_limit("devices") is None
    assert licenses["enterprise"].remaining("devices", 10**12) is None
    licenses["enterprise"].check_quota("devices", current=2**64 - 1, requested=2**64 - 1)


def test_case_3_user_quota(licenses: dict[str, licman.License]) -> None:
    starter = licenses["starter"]
    starter.check_quota("users", 0)
    starter.check_quota("users", 1)
    with pytest.raises(licman.QuotaExceeded) as denied:
        starter.check_quota("users", 2)
    assert denied.value.message == "Cannot add 1 more users. Current: 2/2"


def test_case_4_storage_cleanup(licenses: dict[str, licman.License]) -> None:
    limit_gb = licenses["starter"].quota_limit("storage_gb")
    assert limit_gb == 5
    gb = 10**9
    backups = [("router-1" if i % 2 == 0 else "router-2", gb, datetime(2026, 5, i + 1, tzinfo=timezone.utc)) for i in range(6)]
    plan = licman.plan_storage_cleanup(backups, limit_gb * gb)
    assert plan["delete"] == [0] and not plan["still_exceeded"]
    plan = licman.plan_storage_cleanup(backups, gb)
    assert plan["delete"] == [0, 1, 2, 3] and plan["still_exceeded"]
    assert licman.plan_storage_cleanup(backups, None)["delete"] == []


def test_case_5_group_module_access(licenses: dict[str, licman.License]) -> None:
    # A fresh license object: its group table starts empty.
    ring = licman.KeyRing([FIXTURES["public_key"]])
    professional = ring.verify(FIXTURES["licenses"]["professional"], licman.Catalog.load(CATALOG_PATH), now=NOW)
    access = licman.GroupAccess(professional)
    access.set_group("operators", ["devices"])
    assert access.user_modules(groups=["operators"], superuser=False) == {"devices"}
    with pytest.raises(licman.AccessDenied) as denied:
        access.check_module_access("scheduled_audits", ["operators"])
    assert denied.value.body == SEED_403_ACCESS
    access.set_group("operators", ["devices", "scheduled_audits"])
    assert access.user_modules(groups=["operators"]) == {"devices", "scheduled_audits"}
    with pytest.raises(licman.GroupError) as refused:
        access.set_group("operators", ["analytics"])
    assert (refused.value.module, refused.value.tier) == ("analytics", "professional")
    assert access.user_modules(groups=["operators"]) == {"devices", "scheduled_audits"}
    assert access.groups == ["operators"]


def test_check_module_access_by_alias_names_the_module_canonically() -> None:
    ring = licman.KeyRing([FIXTURES["public_key"]])
    professional = ring.verify(FIXTURES["licenses"]["professional"], licman.Catalog.load(CATALOG_PATH), now=NOW)
    access = licman.GroupAccess(professional)
    access.set_group("operators", ["devices"])
    with pytest.raises(licman.AccessDenied) as denied:
        access.check_module_access("audit_schedules", ["operators"])
    assert denied.value.body == SEED_403_ACCESS
    assert denied.value.body["module"] == "scheduled_audits"


def test_case_6_superuser(licenses: dict[str, licman.License], catalog: licman.Catalog) -> None:
    professional = licman.GroupAccess(licenses["professional"])
    assert professional.user_modules(superuser=True) == catalog.tier_modules("professional")
    assert len(professional.user_modules(superuser=True)) == 14
    enterprise = licman.GroupAccess(licenses["enterprise"])
    assert enterprise.user_modules(superuser=True) == set(catalog.modules)


def test_case_7_gateway(licenses: dict[str, licman.License], catalog: licman.Catalog) -> None:
    routes = licman.RouteTable(catalog)
    starter, professional = licenses["starter"], licenses["professional"]
    with pytest.raises(licman.ModuleNotLicensed) as denied:
        routes.authorize("/audit-schedules", starter, now=NOW)
    assert (denied.value.http_status, denied.value.body) == (403, SEED_403_MODULE)
    assert routes.authorize("/devices", starter, now=NOW) == "devices"
    assert routes.authorize("/audit-schedules", professional, now=NOW) == "scheduled_audits"
    with pytest.raises(licman.NoLicense) as missing:
        routes.authorize("/devices", None, now=NOW)
    assert (missing.value.http_status, missing.value.body) == (402, SEED_402)
    assert routes.authorize("/login", None) == "public"
    # The example: groups set through GroupAccess apply to authorize.
    access = licman.GroupAccess(professional)
    access.set_group("ops", ["devices", "manual_audits"])
    with pytest.raises(licman.AccessDenied):
        routes.authorize("/audit-schedules", professional, user_groups=["ops"], now=NOW)
    assert routes.authorize("/audit/7", professional, user_groups=["ops"], now=NOW) == "manual_audits"
    assert routes.authorize("/audit-schedules", professional, user_groups=[], superuser=True, now=NOW) == "scheduled_audits"
    with pytest.raises(licman.InvalidPath) as bad:
        routes.authorize("/health/../audit-schedules", professional, now=NOW)
    assert bad.value.http_status == 400


def test_status_and_dates(ring: licman.KeyRing, catalog: licman.Catalog) -> None:
    lic = ring.verify(FIXTURES["licenses"]["starter"], catalog, now=NOW)
    early = datetime(2025, 12, 31, tzinfo=timezone.utc)
    assert lic.check_valid(NOW) == "active"
    assert lic.status_at(early) == "active", "judged at the latest time seen, never earlier"
    not_yet = ring.verify(FIXTURES["licenses"]["starter"], catalog, now=early, policy="advisory")
    assert not_yet.status_at(early) == "not_yet_valid"
    with pytest.raises(licman.LicenseNotYetValid) as raised:
        not_yet.check_valid(early)
    assert raised.value.http_status == 402
    assert lic.status == "active"
    assert lic.days_until_expiry is None
    # A status at another time is a preview: asking about next year records
    # nothing, so today's checks do not look like a clock turned back.
    previewed = ring.verify(FIXTURES["licenses"]["starter"], catalog, now=NOW)
    assert previewed.status_at(NOW + timedelta(days=400)) == "active"
    assert previewed.check_valid(NOW) == "active"
    assert lic.expires_at is None
    assert lic.starts_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert lic.customer.id == "acme-corp" and lic.customer.email == "it@acme.example"
    assert lic.tier == "starter" and lic.product == "netaudit"
    assert lic.key.startswith("lm1_")
    assert ring.verify(lic.armored, catalog, now=NOW).license_id == lic.license_id
    assert ring.verify(lic.key.encode(), catalog, now=NOW + timedelta(days=1)).status == "active"
