#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the repository's vectors, fixtures and
catalogs (the corpora themselves are not committed)."""
import hashlib
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent
repo = root.parent
seeds: dict[str, list[bytes]] = {t: [] for t in
    ["compact", "armored", "activation_request", "verify", "revocation_list", "catalog", "routes", "quota", "keygen_import", "keygen_batch"]}

for path in sorted((repo / "testdata" / "vectors").glob("*.json")):
    data = json.loads(path.read_text())["input"]
    license = data["license"].encode()
    seeds["verify"].append(license)
    seeds["armored" if license.lstrip().startswith(b"-----") else "compact"].append(license)
    if data.get("revocation_list"):
        seeds["revocation_list"].append(data["revocation_list"].encode())

for path in sorted((repo / "examples" / "catalogs").glob("*.json")):
    seeds["catalog"].append(path.read_bytes())

for path in sorted((repo / "examples" / "catalogs").glob("*.toml")):
    text = path.read_text()
    seeds["catalog"].append(text.encode())
    routes = [line.split("=")[0].strip().strip('"') for line in text.splitlines() if line.startswith('"/')]
    paths = ["/", "/devices/7", "/devices-old", "/devices/discover/x", "/audit-schedules?x=1", "/a//b", "/health/../x", "/%2e%2e"]
    # The bypasses of the path-contract finding (each also a regression test
    # in licman-core/tests/enforcement_laws.rs).
    paths += ["/%61udit", "/%2561udit", "/login/..;/audit", "/login;x=1/../audit", "/audit;jsessionid=1",
              "/login/%2e%2e/audit", "/login/.%2E/audit", "/login/..%2faudit", "/login\\..\\audit",
              "/login/%252e%252e/audit", "/AUDIT", "/Audit/7", "/%41UDIT", "/login#/../audit", "/audit%00"]
    for flags in (0, 1, 2, 3):
        seeds["routes"].append(bytes([flags]) + ("\n".join(routes) + "\n\n" + "\n".join(paths)).encode())

for limit in range(12):
    for current, requested in [(0, 1), (9, 1), (10, 1), (2**64 - 1, 1), (2**63, 2**63), (90, 20)]:
        seeds["quota"].append(bytes([limit]) + struct.pack("<QQ", current, requested))

requests = json.loads((repo / "testdata" / "fixtures" / "activation-requests.json").read_text())
for case in requests["valid"]:
    seeds["activation_request"] += [case["text"].encode(), case["armored"].encode()]
seeds["activation_request"] += [case["text"].encode() for case in requests["invalid"]]

fixtures = json.loads((repo / "testdata" / "fixtures" / "netaudit-licenses.json").read_text())
keys = list(fixtures["licenses"].values())
header = "license_id,customer_id,customer_name,email,tier,product,key_id,issued_at,starts_at,expires_at,grace_seconds,status,revoked_at,revoke_reason,metadata,key"
seeds["keygen_import"].append((header + "\n" + "\n".join(f",acme,,,starter,netaudit,,,,,,,,,{{}},{k}" for k in keys) + "\n").encode())
seeds["keygen_import"].append(json.dumps([{"license_id": None, "key": k, "revoked_at": "2026-01-01"} for k in keys]).encode())
seeds["keygen_batch"].append(b"customer_id,email,tier,valid_for,quotas,add_modules,bind,meta\n"
                             b"c1,a@x.example,starter,30d,devices=5;users=unlimited,scheduled_audits,,k=v\n"
                             b"c2,,professional,1y,,,%s,\nc3,,gold,,,,,\n" % (b"ab" * 32))
seeds["keygen_batch"].append(b"customer_id,tier,expires,starts,perpetual,grace,bind_policy\nc,starter,2027-01-01,2026-01-01T10:00:00+02:00,false,14d,2\n")

for target, items in seeds.items():
    directory = root / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    for item in items:
        (directory / hashlib.sha1(item).hexdigest()).write_bytes(item)
    print(f"{target}: {len(items)} seeds")
