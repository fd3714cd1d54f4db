// A fresh project's CommonJS program using the installed npm package
// (copied into the project by .ci/wasm.sh, which installs the tarball).
//   node consumer.cjs REPO_ROOT
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const root = process.argv[2];
const licman = require("licman");
const { licensed } = require("licman/express");
const { Lease, CapacityExceeded, SeatError } = require("licman/seats");

const fixtures = JSON.parse(readFileSync(join(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalog = licman.Catalog.fromJson(readFileSync(join(root, "examples/catalogs/netaudit.json"), "utf8"));
const ring = new licman.KeyRing([fixtures.public_key]);
const license = ring.verify(fixtures.licenses.starter, catalog);
assert.equal(license.tier, "starter");
assert.equal(license.hasModule("devices"), true);
assert.throws(() => license.checkQuota("devices", 10, 1), licman.QuotaExceeded);
const guard = licman.Guard.verify(catalog, ring, fixtures.licenses.starter, { groups: { ops: ["devices"] } });
assert.equal(guard.authorize("/devices/7", { groups: ["ops"] }), "devices");
assert.throws(() => guard.authorize("/audit-schedules", { groups: ["ops"] }), licman.ModuleNotLicensed);
assert.equal(typeof licensed(guard), "function");
assert.ok(new CapacityExceeded("capacity_exceeded", "full", 409, { capacity: 2 }) instanceof SeatError);
assert.ok(new SeatError("x", "y", 400) instanceof licman.LicmanError, "the subpaths share the main entry's errors");
assert.equal(typeof Lease.open, "function");
console.log("require: ok");
