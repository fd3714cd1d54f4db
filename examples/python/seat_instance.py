"""A product instance that holds a floating seat while it runs (standard library only).

It asks a ``licman-seats serve`` for a seat of a concurrent pool when it
starts, keeps the lease alive with heartbeats, and gives the seat back when
it stops (Ctrl-C or SIGTERM). When every seat is out it says so, with the
server's own message, and exits with status 3, as a product would show
"all 5 CadStudio seats are in use" and wait or quit.

    export LICMAN_SEATS_TOKEN=lmst1_...      # an `instance` token of the pool
    python3 examples/python/seat_instance.py --server http://127.0.0.1:8080 \\
        --pool CAD --holder "$(hostname)"

If the process dies without releasing (kill -9, a crash, a lost network),
the lease dies by itself when its TTL passes without a heartbeat, and the
seat is free again: nothing is held forever.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any


class SeatRefused(Exception):
    """The server refused: its HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({code})")
        self.status = status
        self.code = code


def call(server: str, token: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POSTs JSON to the seat server and returns its JSON answer."""
    data = json.dumps(body if body is not None else {}).encode()
    request = urllib.request.Request(
        f"{server}/api/v1{path}",
        data=data,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "licman-seat-instance/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
            return answer
    except urllib.error.HTTPError as e:
        try:
            error = json.load(e).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        raise SeatRefused(e.code, str(error.get("code", e.code)), str(error.get("message", e.reason))) from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Hold a floating seat while running.")
    parser.add_argument("--server", required=True, help="the seat server, http://HOST:PORT")
    parser.add_argument("--pool", required=True, help="the concurrent pool (id or name)")
    parser.add_argument("--holder", required=True, help="this instance's id")
    parser.add_argument("--heartbeat", type=float, default=0.0,
                        help="seconds between heartbeats (default: a third of the lease's TTL)")
    args = parser.parse_args(argv)
    token = os.environ.get("LICMAN_SEATS_TOKEN", "")
    if not token:
        print("LICMAN_SEATS_TOKEN is not set (an instance token)", file=sys.stderr)
        return 2
    server = args.server.rstrip("/")
    try:
        lease = call(server, token, "/leases", {"pool": args.pool, "holder": args.holder})
    except SeatRefused as e:
        if e.code == "capacity_exceeded":
            print(f"no seat free in {args.pool}: {e}", flush=True)
            return 3
        print(f"no seat: {e}", file=sys.stderr, flush=True)
        return 1
    except OSError as e:
        print(f"the seat server does not answer: {e}", file=sys.stderr, flush=True)
        return 1
    lease_id = str(lease["id"])
    print(f"seat held: lease {lease_id} of {lease['pool_name']} until {lease['expires_at']}", flush=True)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(args.heartbeat or next_heartbeat(lease)):
        try:
            lease = call(server, token, f"/leases/{lease_id}/heartbeat")
            print(f"heartbeat: held until {lease['expires_at']}", flush=True)
        except SeatRefused as e:
            if e.status in (404, 409):
                print(f"the seat was lost: {e}", file=sys.stderr, flush=True)
                return 1
            # A busy or restarting server: try again at the next beat.
            print(f"heartbeat not answered: {e}", file=sys.stderr, flush=True)
        except OSError as e:
            print(f"heartbeat not sent: {e}", file=sys.stderr, flush=True)
    try:
        call(server, token, f"/leases/{lease_id}/release")
    except (SeatRefused, OSError) as e:
        print(f"not released ({e}): the seat frees itself when its lease runs out", flush=True)
        return 1
    print("seat released", flush=True)
    return 0


def next_heartbeat(lease: dict[str, Any]) -> float:
    """A third of the time the lease has left: in time, whatever its TTL."""
    expires = datetime.fromisoformat(str(lease["expires_at"]).replace("Z", "+00:00"))
    left = (expires - datetime.now(timezone.utc)).total_seconds()
    return max(1.0, left / 3)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
