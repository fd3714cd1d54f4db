#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from testdata/vectors/ (the corpus itself is not committed)."""
import hashlib
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent
vectors = sorted((root.parent / "testdata" / "vectors").glob("*.json"))
seeds = {"compact": [], "armored": [], "verify": [], "revocation_list": []}
for path in vectors:
    data = json.loads(path.read_text())["input"]
    license = data["license"].encode()
    seeds["verify"].append(license)
    seeds["armored" if license.lstrip().startswith(b"-----") else "compact"].append(license)
    if data.get("revocation_list"):
        seeds["revocation_list"].append(data["revocation_list"].encode())
for target, items in seeds.items():
    directory = root / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    for item in items:
        (directory / hashlib.sha1(item).hexdigest()).write_bytes(item)
    print(f"{target}: {len(items)} seeds")
