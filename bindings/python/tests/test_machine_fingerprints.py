"""The machine fingerprint recipe on the fixed inputs every binding checks."""

from __future__ import annotations

import json

import pytest

import licman
from conftest import ROOT

CASES = json.loads((ROOT / "testdata" / "fixtures" / "machine-fingerprints.json").read_text())


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: c["about"])
def test_the_recipe_gives_the_fixed_fingerprints(case: dict[str, str]) -> None:
    assert licman.machine_fingerprint_of(case["product"], case["machine_id"]) == case["fingerprint"]


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: repr(c["machine_id"]))
def test_an_unusable_machine_id_is_refused(case: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="machine id|product"):
        licman.machine_fingerprint_of(case["product"], case["machine_id"])


def test_this_machine_has_a_fingerprint_or_says_why_not() -> None:
    try:
        mine = licman.machine_fingerprint("netaudit")
    except OSError as e:
        assert "no machine id" in str(e)
        return
    assert len(mine) == 64 and mine == licman.machine_fingerprint_of("netaudit", licman.machine_id())
    assert mine != licman.machine_fingerprint("netmonitor")
