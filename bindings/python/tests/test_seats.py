"""licman.seats.Lease against a real `licman-seats serve` started here on 127.0.0.1.

The server binary is `$LICMAN_SEATS_BIN` (CI builds it); without it the
tests are skipped, except under CI, where that is a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import pytest

from licman.seats import CapacityExceeded, Lease, LeaseLost, SeatError, SeatServerUnreachable


@dataclass
class Server:
    url: str
    admin: str
    instance: str
    process: subprocess.Popen[str]

    def admin_post(self, path: str, body: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}",
            data=json.dumps(body or {}).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self.admin}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
            return answer

    def lease_status(self, lease_id: str) -> str:
        request = urllib.request.Request(
            f"{self.url}/api/v1/leases?limit=1000", headers={"Authorization": f"Bearer {self.admin}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.load(response)
        return str(next(item["status"] for item in page["items"] if item["id"] == lease_id))


def seats_binary() -> str:
    binary = os.environ.get("LICMAN_SEATS_BIN", "")
    if not binary or not os.access(binary, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("LICMAN_SEATS_BIN must name the licman-seats binary under CI")
        pytest.skip("set LICMAN_SEATS_BIN to the licman-seats binary to run the lease client's tests")
    return binary


def token() -> tuple[str, str]:
    text = "lmst1_" + secrets.token_hex(32)
    return text, hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture()
def server(tmp_path: pathlib.Path) -> Iterator[Server]:
    binary = seats_binary()
    db = str(tmp_path / "seats.db")
    subprocess.run(
        [binary, "--db", db, "pool", "create", "--name", "CAD", "--vendor", "Autodesk", "--capacity", "2",
         "--type", "concurrent", "--ttl", "1m"],
        check=True, capture_output=True,
    )
    admin, admin_hash = token()
    instance, instance_hash = token()
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        f'[[token]]\nname = "ops"\nrole = "admin"\nsha256 = "{admin_hash}"\n\n'
        f'[[token]]\nname = "cad-hosts"\nrole = "instance"\nsha256 = "{instance_hash}"\npools = ["CAD"]\n'
    )
    process = subprocess.Popen(
        [binary, "--db", db, "serve", "--listen", "127.0.0.1:0", "--tokens", str(tokens)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "LICMAN_SEATS_LOG": "warn"},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("listening on "), line
    try:
        yield Server(line.removeprefix("listening on "), admin, instance, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_lease_holds_a_seat_and_a_full_pool_says_so(server: Server) -> None:
    with Lease(server.url, server.instance, pool="CAD", holder="ws-1") as first:
        assert first.info is not None and first.info.holds_seat and first.info.pool_name == "CAD"
        with Lease(server.url, server.instance, pool="CAD", holder="ws-2"):
            with pytest.raises(CapacityExceeded) as full:
                Lease(server.url, server.instance, pool="CAD", holder="ws-3").open()
            assert (full.value.capacity, full.value.allocated, full.value.http_status) == (2, 2, 409)
            assert "capacity_exceeded" in str(full.value)
            # The same holder gets its live lease back, even with the pool full.
            again = Lease(server.url, server.instance, pool="CAD", holder="ws-1")
            assert again.open().id == first.id
            again._stop.set()  # not released twice: `first` gives the seat back
        # ws-2 gave its seat back on exit: ws-3 gets one now.
        with Lease(server.url, server.instance, pool="CAD", holder="ws-3") as third:
            assert third.info is not None and third.info.holds_seat
    assert server.lease_status(first.id) == "released"


def test_heartbeats_extend_the_lease(server: Server) -> None:
    with Lease(server.url, server.instance, pool="CAD", holder="ws-1", heartbeat_every=0.2) as lease:
        assert lease.info is not None
        before = lease.info.expires_at
        time.sleep(1.2)  # the server's times have whole seconds
        deadline = time.monotonic() + 10
        while lease.heartbeats < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.heartbeats >= 3
        assert lease.info.expires_at > before
        lease.check()


def test_a_lease_taken_back_is_lost_and_reported_once(server: Server) -> None:
    lost: list[LeaseLost] = []
    with Lease(server.url, server.instance, pool="CAD", holder="ws-1", heartbeat_every=0.2, on_lost=lost.append) as lease:
        server.admin_post(f"/leases/{lease.id}/release")  # an operator takes the seat back
        deadline = time.monotonic() + 10
        while not lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(lost) == 1 and lost[0].code == "lease_not_out"
        with pytest.raises(LeaseLost):
            lease.check()
    # Leaving the block does not release a lease that is no longer out.
    assert server.lease_status(lease.id) == "released"


def test_a_process_that_exits_without_closing_gives_its_seat_back(server: Server) -> None:
    program = textwrap.dedent(
        f"""
        from licman.seats import Lease
        lease = Lease({server.url!r}, {server.instance!r}, pool="CAD", holder="forgetful")
        print(lease.open().id, flush=True)
        """
    )
    out = subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True, timeout=60)
    assert server.lease_status(out.stdout.strip()) == "released"


def test_errors_name_their_cause(server: Server) -> None:
    with pytest.raises(SeatError) as unauthorized:
        Lease(server.url, "lmst1_" + "0" * 64, pool="CAD", holder="x").open()
    assert (unauthorized.value.code, unauthorized.value.http_status) == ("unauthorized", 401)
    with pytest.raises(SeatError) as unknown:
        Lease(server.url, server.instance, pool="NOPE", holder="x").open()
    assert unknown.value.http_status in (403, 404)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(SeatServerUnreachable):
        Lease(f"http://127.0.0.1:{closed}", server.instance, pool="CAD", holder="x", timeout=5).open()
    with pytest.raises(ValueError):
        Lease("ftp://host", server.instance, pool="CAD", holder="x")
    with pytest.raises(ValueError):
        Lease(server.url, "", pool="CAD", holder="x")
