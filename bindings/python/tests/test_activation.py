"""Offline activation in Python: requests built from their fields give the
fixture's texts and read back, refused texts raise InvalidActivationRequest
with the fixture's codes, and the bound license in the fixture verifies on
its machine only and answers its own request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import licman
from conftest import ROOT

DOC = json.loads((ROOT / "testdata" / "fixtures" / "activation-requests.json").read_text())


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, timezone.utc)


@pytest.mark.parametrize("case", DOC["valid"], ids=lambda c: c["about"])
def test_fields_give_the_text_and_both_texts_read_back(case: dict[str, Any]) -> None:
    f = case["fields"]
    request = licman.ActivationRequest.from_fields(
        f["product"], f["fingerprint"], f["nonce"], _at(f["created_at"]),
        customer_id=f["customer_id"], license_id=f["license_id"],
    )
    assert request.text == case["text"] == str(request)
    assert request.armored == case["armored"]
    for text in (case["text"], case["armored"]):
        again = licman.ActivationRequest.parse(text)
        assert again == request
        assert (again.product, again.fingerprint, again.customer_id, again.license_id, again.nonce) == (
            f["product"], f["fingerprint"], f["customer_id"], f["license_id"], f["nonce"])
        assert again.created_at == _at(f["created_at"])


@pytest.mark.parametrize("case", DOC["invalid"], ids=lambda c: c["about"])
def test_refused_texts_raise_with_their_codes(case: dict[str, Any]) -> None:
    with pytest.raises(licman.InvalidActivationRequest) as refused:
        licman.ActivationRequest.parse(case["text"])
    assert refused.value.code == case["error"]
    assert isinstance(refused.value, ValueError)


def test_bad_fields_are_refused_before_anything_is_written() -> None:
    f = DOC["valid"][0]["fields"]
    with pytest.raises(ValueError, match="nonce"):
        licman.ActivationRequest.from_fields(f["product"], f["fingerprint"], "0f", _at(0))
    with pytest.raises(ValueError, match="64"):
        licman.ActivationRequest.from_fields(f["product"], "ab", f["nonce"], _at(0))
    with pytest.raises(licman.InvalidActivationRequest) as refused:
        licman.ActivationRequest.from_fields("", f["fingerprint"], f["nonce"], _at(0))
    assert refused.value.code == "invalid_claims"
    with pytest.raises(ValueError, match="naive"):
        licman.ActivationRequest.from_fields(f["product"], f["fingerprint"], f["nonce"], datetime(2026, 1, 1))


def test_the_bound_license_answers_its_request_on_its_machine_only() -> None:
    answer = DOC["answer"]
    ring = licman.KeyRing([answer["public_key"]])
    now = _at(answer["now"])
    license = ring.verify(answer["license"], product=DOC["product"], now=now, fingerprint=DOC["fingerprint"])
    # The product computes the same fingerprint from its machine id.
    assert licman.machine_fingerprint_of(DOC["product"], DOC["machine_id"]) == DOC["fingerprint"]
    assert licman.ActivationRequest.parse(DOC["valid"][0]["text"]).is_answered_by(license)
    assert not licman.ActivationRequest.parse(DOC["valid"][1]["text"]).is_answered_by(license)
    with pytest.raises(licman.WrongMachine) as refused:
        ring.verify(answer["license"], product=DOC["product"], now=now, fingerprint=answer["other_fingerprint"])
    assert refused.value.code == answer["error_on_other_machine"]


def test_this_machines_request() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    try:
        request = licman.activation_request("netaudit", customer_id="acme-corp", now=now)
    except OSError as e:
        assert "no machine id" in str(e)
        return
    assert request.fingerprint == licman.machine_fingerprint("netaudit")
    assert request.created_at == now and request.customer_id == "acme-corp" and request.license_id is None
    assert licman.ActivationRequest.parse(request.text) == request
    other = licman.activation_request("netaudit")
    assert other.nonce != request.nonce
    assert abs(other.created_at - datetime.now(timezone.utc)) < timedelta(minutes=5)
