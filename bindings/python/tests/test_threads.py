"""A license object shared by many threads answers consistently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import licman
from conftest import NOW


def test_shared_license_read_from_threads(licenses: dict[str, licman.License], catalog: licman.Catalog) -> None:
    professional = licenses["professional"]
    access = licman.GroupAccess(professional)
    access.set_group("ops", ["devices", "manual_audits"])
    routes = licman.RouteTable(catalog)

    def work(i: int) -> tuple[bool, bool, int, str, frozenset[str]]:
        results = []
        for _ in range(2000):
            results.append(
                (
                    professional.has_module("scheduled_audits"),
                    professional.has_module("analytics"),
                    professional.accept("devices", current=i % 100, candidates=10),
                    routes.authorize("/devices/7", professional, user_groups=["ops"], now=NOW),
                    access.user_modules(groups=["ops"]),
                )
            )
        assert all(r == results[0] for r in results)
        return results[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(work, range(64)))
    for i, (has_audits, has_analytics, accepted, route, modules) in enumerate(outcomes):
        assert has_audits and not has_analytics
        assert accepted == min(10, 100 - i % 100)
        assert route == "devices"
        assert modules == {"devices", "manual_audits"}


def test_groups_changed_while_read(licenses: dict[str, licman.License]) -> None:
    lic = licenses["enterprise"]
    access = licman.GroupAccess(lic)

    def writer(i: int) -> None:
        for j in range(500):
            access.set_group(f"g{i}", ["devices"] if j % 2 else ["analytics"])

    def reader(_: int) -> None:
        for _ in range(500):
            modules = access.user_modules(groups=[g for g in access.groups])
            assert modules <= lic.modules

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(writer, range(3)))
        list(pool.map(reader, range(3)))
