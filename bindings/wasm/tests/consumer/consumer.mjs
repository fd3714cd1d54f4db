// A fresh project's ES module program using the installed npm package.
//   node consumer.mjs REPO_ROOT
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Catalog, Denial, Guard, KeyRing, LicmanError, ModuleNotLicensed } from "licman";
import { licensed } from "licman/express";
import { Lease, SeatError } from "licman/seats";

const root = process.argv[2];
const fixtures = JSON.parse(readFileSync(join(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalog = Catalog.fromJson(readFileSync(join(root, "examples/catalogs/netaudit.json"), "utf8"));
const ring = new KeyRing([fixtures.public_key]);
const license = ring.verify(fixtures.licenses.professional, catalog);
assert.equal(license.hasModule("scheduled_audits"), true);
const guard = Guard.verify(catalog, ring, fixtures.licenses.starter);
assert.throws(() => guard.authorize("/audit-schedules"), ModuleNotLicensed);
assert.equal(typeof licensed(guard), "function");
assert.equal(typeof Lease.open, "function");
// import and require load one copy: a refusal caught either way is the same class.
const required = createRequire(import.meta.url)("licman");
assert.equal(required.Denial, Denial);
assert.equal(required.Catalog, Catalog);
assert.ok(new SeatError("x", "y", 400) instanceof LicmanError);
try {
  required.Guard.verify(catalog, ring, fixtures.licenses.starter).authorize("/audit-schedules");
  assert.fail("not refused");
} catch (e) {
  assert.ok(e instanceof Denial && e.httpStatus === 403);
}
console.log("import: ok");
