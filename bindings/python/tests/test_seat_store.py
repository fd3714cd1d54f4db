"""licman.seats.Store: the seat store embedded, on SQLite and (when CI runs one) PostgreSQL.

Its results are the CLI's: the same commands through the `licman-seats`
binary (`$LICMAN_SEATS_BIN`) on another store give the same JSON, ids and
times aside.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from licman.seats import CapacityExceeded, SeatError, Store


def postgres_url() -> str | None:
    base = os.environ.get("LICMAN_SEATS_TEST_PG", "")
    if not base:
        return None
    name = f"py_{uuid.uuid4().hex[:12]}"
    psql = pathlib.Path(os.environ.get("LICMAN_SEATS_TEST_PG_BIN", "/usr/bin")) / "psql"
    subprocess.run([str(psql), f"{base}/postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "seats.db")
        return
    url = postgres_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs the store's tests on PostgreSQL too: LICMAN_SEATS_TEST_PG is not set")
        pytest.skip("no test PostgreSQL (LICMAN_SEATS_TEST_PG)")
    yield url


SCRIPT: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("pool", "create"), {"name": "CAD", "vendor": "Autodesk", "capacity": 2, "cost": "12.50", "tag": ["design", "3d"]}),
    (("user", "add", "ada"), {"email": "ada@example.com"}),
    (("user", "add", "bob"), {"email": "bob@example.com"}),
    (("assign", "CAD", "ada"), {}),
    (("assign", "CAD", "bob"), {"note": "onboarding"}),
    (("pool", "list"), {}),
    (("assignments",), {"pool": "CAD", "sort": "user_id"}),
    (("report",), {}),
]

VOLATILE = {"id", "pool", "pool_id", "assigned_at", "created_at", "updated_at", "at", "generated_at", "evaluated_at", "now",
            "hash", "prev_hash", "ended_at"}


def scrub(value: Any) -> Any:
    """The JSON with ids and times blanked: what two stores may differ in."""
    if isinstance(value, dict):
        return {k: ("*" if k in VOLATILE or k.endswith("_id") and k != "user_id" else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def cli_flags(options: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in options.items():
        for item in value if isinstance(value, list) else [value]:
            out += ["--" + key.replace("_", "-"), str(item)]
    return out


def test_the_store_answers_what_the_cli_answers(location: str, tmp_path: pathlib.Path) -> None:
    binary = os.environ.get("LICMAN_SEATS_BIN", "")
    if not binary:
        if os.environ.get("CI"):
            pytest.fail("LICMAN_SEATS_BIN must name the licman-seats binary under CI")
        pytest.skip("set LICMAN_SEATS_BIN to compare with the CLI")
    store = Store(location, actor="py-test")
    cli_db = str(tmp_path / "cli.db")
    for words, options in SCRIPT:
        embedded = store.run(*words, **options)
        argv = [binary, "--db", cli_db, "--actor", "py-test", "--json", *words, *cli_flags(options)]
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
        assert scrub(embedded) == scrub(json.loads(done.stdout)), words
    assert store.verify_audit()["ok"] is True


def test_refusals_are_typed_and_carry_their_fields(location: str) -> None:
    store = Store(location, actor="py-test")
    store.run("pool", "create", name="CAD", vendor="Autodesk", capacity=1)
    store.run("user", "add", "ada", email="ada@example.com")
    store.run("user", "add", "bob", email="bob@example.com")
    store.assign("CAD", "ada")
    with pytest.raises(CapacityExceeded) as full:
        store.assign("CAD", "bob")
    assert (full.value.code, full.value.http_status, full.value.capacity, full.value.allocated) == ("capacity_exceeded", 409, 1, 1)
    with pytest.raises(SeatError) as unknown:
        store.assign("nope", "ada")
    assert unknown.value.code == "unknown_pool" and unknown.value.http_status == 404
    with pytest.raises(ValueError):
        store.run("pool", "create", capacity="lots")  # clap's usage error
    with pytest.raises(ValueError):
        store.run("pool", "list", db="elsewhere.db")
    with pytest.raises(SeatError) as server_only:
        store.run("serve", tokens="t.toml")
    assert server_only.value.code == "invalid_value"
    with pytest.raises(ValueError):
        store.assign("CAD", "--actor=root")  # a word may not smuggle in an option
    # A value that starts with '-' stays a value; from_ is --from.
    odd = store.run("pool", "create", name="P2", vendor="V", capacity=1, notes="-1 is not a flag")
    assert odd["notes"] == "-1 is not a flag"
    assert store.run("audit", from_="2020-01-01", limit=1)["limit"] == 1
    # Nothing refused reached the trail.
    assert store.run("assignments", pool="CAD")["total"] == 1
    assert store.verify_audit()["ok"] is True


def test_stores_racing_for_the_last_seats_give_each_once(location: str) -> None:
    setup = Store(location, actor="py-test")
    setup.run("pool", "create", name="CAD", vendor="Autodesk", capacity=3)
    users = [f"u{i}" for i in range(8)]
    for user in users:
        setup.run("user", "add", user, email=f"{user}@example.com")
    won: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(users))

    def take(user: str) -> None:
        store = Store(location, actor=user)  # a store per thread, as separate processes would have
        start.wait()
        try:
            store.assign("CAD", user)
            with lock:
                won.append(user)
        except CapacityExceeded:
            with lock:
                refused.append(user)

    threads = [threading.Thread(target=take, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 3 and len(refused) == 5
    assert setup.run("assignments", pool="CAD")["total"] == 3
    assert setup.verify_audit()["ok"] is True


def test_a_datetime_option_and_the_repr(location: str) -> None:
    from datetime import datetime, timezone

    store = Store(location)
    store.run("pool", "create", name="CAD", vendor="Autodesk", capacity=1, expires=datetime(2031, 1, 1, tzinfo=timezone.utc).date())
    assert store.pools()["items"][0]["expires_at"].startswith("2031-01-01")
    with pytest.raises(ValueError):
        store.run("analytics", at=datetime(2030, 1, 1))  # naive: refused
    assert "CAD" in json.dumps(store.analytics(at=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    assert location in repr(store)
