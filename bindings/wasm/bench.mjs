// Per-call cost of the WebAssembly binding in Node, next to the native Rust
// verify in the same run (5 alternating rounds, medians).
//   node bindings/wasm/bench.mjs            (after .ci/wasm.sh built target/wasm-pkg)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../..");
const { Catalog, KeyRing, RouteTable } = await import(pathToFileURL(resolve(root, "target/wasm-pkg/node.mjs")).href);
const fixtures = JSON.parse(readFileSync(resolve(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalogPath = resolve(root, "examples/catalogs/netaudit.json");
const catalog = Catalog.fromJson(readFileSync(catalogPath, "utf8"));
const ring = new KeyRing([fixtures.public_key]);
const key = fixtures.licenses.professional;
const lic = ring.verify(key, catalog);
const routes = new RouteTable(catalog);

function perCall(fn, n) {
  const samples = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[3];
}

const rows = [
  ["lic.hasModule(name)", () => lic.hasModule("scheduled_audits"), 200_000],
  ["lic.hasModuleId(id)", () => lic.hasModuleId(8), 200_000],
  ["lic.checkQuota (allowed)", () => lic.checkQuota("devices", 10, 1), 200_000],
  ["routes.authorize(path, lic)", () => routes.authorize("/devices/7", lic), 100_000],
];
for (const [label, fn, n] of rows) console.log(`${label.padEnd(34)} ${perCall(fn, n).toFixed(1).padStart(12)} ns`);

const node = [], rust = [];
for (let round = 0; round < 5; round++) {
  node.push(perCall(() => ring.verify(key, catalog), 300));
  const out = execFileSync("cargo", ["run", "--release", "-q", "-p", "licman-benches", "--bin", "native-timing", "--",
    key, fixtures.public_key, resolve(root, "examples/catalogs/netaudit.toml"), String(Math.floor(Date.now() / 1000))], { cwd: root, encoding: "utf8" });
  rust.push(Number(out.trim()));
}
const median = (xs) => xs.sort((a, b) => a - b)[2];
console.log(`${"ring.verify (Node, WebAssembly)".padEnd(34)} ${median(node).toFixed(1).padStart(12)} ns`);
console.log(`${"Entitlements::verify (Rust native)".padEnd(34)} ${median(rust).toFixed(1).padStart(12)} ns`);
console.log(`${"WebAssembly / native".padEnd(34)} ${(median(node) / median(rust)).toFixed(2).padStart(12)}x`);
