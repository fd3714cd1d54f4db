"""The installed distribution's metadata: what PyPI and pip show and check."""

from __future__ import annotations

import os
from importlib import metadata

import licman


def test_the_distribution_says_what_it_is() -> None:
    meta = metadata.metadata("licman")
    assert meta["Name"] == "licman"
    assert meta["Version"] == licman.__version__
    assert meta["Requires-Python"] == ">=3.9"
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert {"LICENSE-MIT", "LICENSE-APACHE"} <= {os.path.basename(f) for f in meta.get_all("License-File") or []}
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Homepage", "Repository", "Documentation", "Issues", "Changelog"} <= set(urls)
    classifiers = set(meta.get_all("Classifier") or [])
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.9" in classifiers
    assert {"fastapi", "django", "flask"} <= set(meta.get_all("Provides-Extra") or [])
    assert "--find-links target/dist/python licman" in (meta.get_payload() or "")  # type: ignore[attr-defined]


def test_the_wheel_is_abi3_for_linux() -> None:
    if os.environ.get("LICMAN_PACKAGE_KIND", "wheel") != "wheel":
        return
    dist = metadata.distribution("licman")
    wheel = dist.read_text("WHEEL") or ""
    tags = [line.split(": ", 1)[1] for line in wheel.splitlines() if line.startswith("Tag: ")]
    assert tags and all("-abi3-" in t and "manylinux" in t for t in tags), tags
    assert any(f.name == "py.typed" for f in dist.files or [])


def test_a_catalog_reads_from_json_as_from_toml() -> None:
    from conftest import CATALOG_PATH

    from_toml = licman.Catalog.load(CATALOG_PATH)
    json_path = CATALOG_PATH.with_suffix(".json")
    from_json = licman.Catalog.load(json_path)
    assert from_json.modules == from_toml.modules and from_json.tiers == from_toml.tiers
    assert licman.Catalog.from_json(json_path.read_text()).product == "netaudit"
    import pytest

    with pytest.raises(licman.CatalogError) as bad:
        licman.Catalog.from_json('{"product": 1}')
    assert bad.value.code == "syntax"
