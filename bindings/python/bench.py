"""Per-call cost of the Python binding (timeit), next to the native Rust verify.

    python bench.py            # from bindings/python, with licman installed
    python bench.py --native   # also times the same verify in Rust (cargo), same run

Prints one line per operation: median nanoseconds per call over repeats.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import timeit
from datetime import datetime, timezone

import licman

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = json.loads((ROOT / "testdata" / "fixtures" / "netaudit-licenses.json").read_text())
# The current time: the rows without `now=` read the system clock, and a
# license refuses a check whose time is behind the latest one it has seen
# (a clock turned back), so the explicit rows must not be in the past.
# The fixtures are perpetual licenses, valid at any time.
NOW = datetime.now(timezone.utc)


def per_call(stmt: str, env: dict[str, object], number: int) -> float:
    times = timeit.repeat(stmt, globals=env, number=number, repeat=9)
    return statistics.median(times) / number * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--native", action="store_true", help="also time the native verify with cargo")
    args = parser.parse_args()
    catalog = licman.Catalog.load(ROOT / "examples" / "catalogs" / "netaudit.toml")
    ring = licman.KeyRing([FIXTURES["public_key"]])
    key = FIXTURES["licenses"]["professional"]
    lic = ring.verify(key, catalog, now=NOW)
    access = licman.GroupAccess(lic)
    access.set_group("ops", ["devices", "manual_audits"])
    routes = licman.RouteTable(catalog)
    env: dict[str, object] = {
        "lic": lic, "ring": ring, "key": key, "catalog": catalog, "routes": routes, "access": access, "NOW": NOW,
        "licman": licman,
    }
    rows = [
        ("lic.has_module(name)", "lic.has_module('scheduled_audits')", 200_000),
        ("lic.has_module(alias)", "lic.has_module('audit_schedules')", 200_000),
        ("lic.has_module_id(id)", "lic.has_module_id(8)", 200_000),
        ("lic.check_quota (allowed)", "lic.check_quota('devices', 10, 1)", 200_000),
        ("lic.accept", "lic.accept('devices', 90, 20)", 200_000),
        ("access.user_modules(1 group)", "access.user_modules(['ops'])", 100_000),
        ("routes.authorize (no user)", "routes.authorize('/devices/7', lic)", 100_000),
        ("routes.authorize (groups)", "routes.authorize('/devices/7', lic, ['ops'])", 100_000),
        ("routes.authorize (now=datetime)", "routes.authorize('/devices/7', lic, now=NOW)", 100_000),
        ("python method call floor", "lic.has_module_id", 1_000_000),
        ("ring.verify (compact, catalog)", "ring.verify(key, catalog)", 3_000),
    ]
    results = {}
    for label, stmt, number in rows:
        results[label] = per_call(stmt, env, number)
        print(f"{label:<34} {results[label]:>12.1f} ns")
    if args.native:
        # Wall-clock time drifts between runs on shared machines: alternate
        # Python and Rust rounds and compare the medians of the rounds.
        command = [
            "cargo", "run", "--release", "-q", "-p", "licman-benches", "--bin", "native-timing", "--",
            key, FIXTURES["public_key"], str(ROOT / "examples" / "catalogs" / "netaudit.toml"),
            str(int(datetime.now(timezone.utc).timestamp())),
        ]
        python_rounds, rust_rounds = [], []
        for _ in range(5):
            python_rounds.append(per_call("ring.verify(key, catalog)", env, 3_000))
            native = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
            rust_rounds.append(float(native.stdout.strip()))
        python, rust = statistics.median(python_rounds), statistics.median(rust_rounds)
        print(f"{'Python verify, 5 alternating rounds':<34} {python:>12.1f} ns")
        print(f"{'Rust Entitlements::verify, same':<34} {rust:>12.1f} ns")
        print(f"{'Python / Rust':<34} {python / rust:>12.3f}x")

if __name__ == "__main__":
    main()
