"""Shared fixtures: the repository's vectors, catalog and tier licenses."""

from __future__ import annotations

import json
import pathlib
from datetime import datetime, timezone
from typing import Any

import pytest

import licman

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = sorted((ROOT / "testdata" / "vectors").glob("*.json"))
FIXTURES = json.loads((ROOT / "testdata" / "fixtures" / "netaudit-licenses.json").read_text())
CATALOG_PATH = ROOT / "examples" / "catalogs" / "netaudit.toml"
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def catalog() -> licman.Catalog:
    return licman.Catalog.load(CATALOG_PATH)


@pytest.fixture(scope="session")
def ring() -> licman.KeyRing:
    return licman.KeyRing([FIXTURES["public_key"]])


@pytest.fixture(scope="session")
def licenses(ring: licman.KeyRing, catalog: licman.Catalog) -> dict[str, licman.License]:
    return {tier: ring.verify(key, catalog, now=NOW) for tier, key in FIXTURES["licenses"].items()}


def vector(path: pathlib.Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
