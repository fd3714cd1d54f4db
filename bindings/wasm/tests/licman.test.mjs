// The JS/TS binding, tested with Node's test runner: every conformance
// vector, the NetAudit scenarios, and bad inputs.
//   LICMAN_PKG=target/wasm-pkg node --test bindings/wasm/tests/
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../../..");
const licman = await import(pathToFileURL(resolve(root, process.env.LICMAN_PKG ?? "target/wasm-pkg", "node.mjs")).href);
const { Catalog, KeyRing, RouteTable } = licman;

const vectorsDir = join(root, "testdata/vectors");
const vectors = readdirSync(vectorsDir).filter((f) => f.endsWith(".json")).sort();
const fixtures = JSON.parse(readFileSync(join(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalog = Catalog.fromToml(readFileSync(join(root, "examples/catalogs/netaudit.toml"), "utf8"));
const ring = new KeyRing([fixtures.public_key]);
const NOW = new Date(Date.UTC(2026, 5, 1));
const license = (tier) => ring.verify(fixtures.licenses[tier], catalog, { now: NOW });

test("there are vectors", () => assert.ok(vectors.length >= 25));

for (const file of vectors) {
  test(`vector ${file}`, () => {
    const { input, expected } = JSON.parse(readFileSync(join(vectorsDir, file), "utf8"));
    const run = () =>
      new KeyRing(input.public_keys).verify(input.license, null, {
        product: input.product,
        now: new Date(input.now * 1000),
        lastSeen: input.last_seen === null ? undefined : new Date(input.last_seen * 1000),
        revocations: input.revocation_list ?? undefined,
        fingerprints: input.fingerprints,
        policy: input.policy,
      });
    if (expected.valid) {
      const lic = run();
      assert.equal(lic.verifiedStatus, expected.status);
      assert.deepEqual(lic.problems, expected.problems);
      assert.deepEqual(lic.claims, expected.claims);
      assert.equal(lic.licenseId, expected.claims.license_id);
      if (expected.claims.expires_at === null) assert.equal(lic.expiresAt, undefined);
      else assert.equal(lic.expiresAt.toISOString().replace(".000Z", "Z"), expected.claims.expires_at);
    } else {
      assert.throws(run, (e) => {
        assert.ok(e instanceof licman.LicmanError, `not a LicmanError: ${e}`);
        assert.equal(e.code, expected.error, e.message);
        if (e instanceof licman.InvalidLicense) assert.equal(e.httpStatus, 402);
        return true;
      });
    }
  });
}

const SEED_403_MODULE = {
  error: "Module not available",
  module: "scheduled_audits",
  current_tier: "starter",
  message: "The module 'Scheduled Audits' is not available in your starter tier",
  action: "upgrade_license",
};
const SEED_403_QUOTA = {
  error: "Quota exceeded",
  quota_type: "devices",
  current: 10,
  max: 10,
  message: "Cannot add 1 more devices. Current: 10/10",
  action: "upgrade_license",
};

test("case 1: tier enforcement and upgrade", () => {
  const starter = license("starter");
  assert.deepEqual(starter.modules, ["devices", "manual_audits", "basic_rules", "health_checks"]);
  assert.throws(() => starter.checkModule("scheduled_audits"), (e) => {
    assert.ok(e instanceof licman.ModuleNotLicensed && e instanceof licman.Denial && e instanceof Error);
    assert.equal(e.httpStatus, 403);
    assert.deepEqual(e.body, SEED_403_MODULE);
    assert.deepEqual(Object.keys(e.body), Object.keys(SEED_403_MODULE), "field order");
    return true;
  });
  const pro = license("professional");
  assert.ok(pro.hasModule("scheduled_audits"));
  assert.ok(starter.diff(pro).modules_added.includes("scheduled_audits"));
});

test("case 2: device quota and discovery", () => {
  const starter = license("starter");
  for (let current = 0; current < 10; current++) starter.checkQuota("devices", current, 1);
  assert.throws(() => starter.checkQuota("devices", 10, 1), (e) => e instanceof licman.QuotaExceeded && assert.deepEqual(e.body, SEED_403_QUOTA) === undefined);
  assert.equal(starter.accept("devices", 0, 20), 10);
  assert.equal(license("professional").accept("devices", 90, 20), 10);
  const enterprise = license("enterprise");
  assert.equal(enterprise.quotaLimit("devices"), null);
  enterprise.checkQuota("devices", 2n ** 64n - 1n, 2n ** 64n - 1n);
  assert.equal(starter.remaining("devices", 4), 6);
});

test("case 3 and 5: users, groups", () => {
  const starter = license("starter");
  starter.checkQuota("users", 1);
  assert.throws(() => starter.checkQuota("users", 2), licman.QuotaExceeded);
  const pro = license("professional");
  pro.setGroup("operators", ["devices"]);
  assert.deepEqual(pro.userModules(["operators"]), ["devices"]);
  assert.throws(() => pro.checkModuleAccess("scheduled_audits", ["operators"]), (e) => e instanceof licman.AccessDenied && e.action === "contact_admin");
  pro.setGroup("operators", ["devices", "scheduled_audits"]);
  assert.deepEqual(pro.userModules(["operators"]), ["devices", "scheduled_audits"]);
  assert.throws(() => pro.setGroup("operators", ["analytics"]), licman.GroupError);
  assert.deepEqual(pro.groups, ["operators"]);
});

test("case 6: superuser", () => {
  assert.equal(license("professional").userModules([], true).length, 14);
  assert.deepEqual(license("enterprise").userModules([], true), catalog.modules);
});

test("case 7: gateway", () => {
  const routes = new RouteTable(catalog);
  const starter = license("starter");
  assert.throws(() => routes.authorize("/audit-schedules", starter, { now: NOW }), (e) => e instanceof licman.ModuleNotLicensed && e.httpStatus === 403);
  assert.equal(routes.authorize("/devices", starter, { now: NOW }), "devices");
  assert.equal(routes.authorize("/audit-schedules", license("professional"), { now: NOW }), "scheduled_audits");
  assert.throws(() => routes.authorize("/devices", null), (e) => e instanceof licman.NoLicense && e.httpStatus === 402 && e.body.action === "activate_license");
  assert.equal(routes.authorize("/login", null), "public");
  const pro = license("professional");
  pro.setGroup("ops", ["devices", "manual_audits"]);
  assert.throws(() => routes.authorize("/audit-schedules", pro, { userGroups: ["ops"], now: NOW }), licman.AccessDenied);
  assert.equal(routes.authorize("/audit/1", pro, { userGroups: ["ops"], now: NOW }), "manual_audits");
  assert.throws(() => routes.authorize("/health/../audit-schedules", pro), (e) => e instanceof licman.InvalidPath && e.httpStatus === 400);
});

test("dates and status", () => {
  const starter = license("starter");
  assert.equal(starter.status(NOW), "active");
  assert.equal(starter.status(new Date(Date.UTC(2025, 0, 1))), "not_yet_valid");
  assert.equal(starter.daysUntilExpiry(), undefined);
  assert.ok(starter.startsAt instanceof Date);
  assert.equal(starter.startsAt.toISOString(), "2026-01-01T00:00:00.000Z");
  assert.deepEqual(starter.customer, { id: "acme-corp", name: null, email: "it@acme.example" });
  assert.equal(starter.tierDisplayName, "Starter");
  assert.throws(() => starter.checkValid(new Date(Date.UTC(2025, 0, 1))), licman.LicenseNotYetValid);
});

test("bad inputs throw the right errors", () => {
  const starter = license("starter");
  assert.throws(() => ring.verify(42, catalog), TypeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { now: "2026-01-01" }), TypeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { now: new Date("nonsense") }), RangeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { policy: "lenient" }), RangeError);
  assert.throws(() => new KeyRing(fixtures.public_key), TypeError);
  assert.throws(() => new KeyRing(["lmpk1_nope"]), licman.InvalidPublicKey);
  assert.throws(() => starter.hasModule(3), TypeError);
  assert.throws(() => starter.checkQuota("devices", -1), RangeError);
  assert.throws(() => starter.checkQuota("devices", 1.5), RangeError);
  assert.throws(() => starter.checkQuota("devices", 2n ** 64n), RangeError);
  assert.throws(() => starter.hasModule("warp_drive"), (e) => e instanceof licman.UnknownName && e.kind === "module" && e.unknownName === "warp_drive");
  assert.throws(() => ring.verify("lm1_" + "A".repeat(10_000_000), catalog), (e) => e instanceof licman.InvalidLicense && e.code === "too_large");
  assert.throws(() => ring.verify("lm1_\uD800\uDC00\uFFFD", catalog), (e) => e instanceof licman.InvalidLicense && e.code === "invalid_encoding");
  assert.throws(() => ring.verify("\uD800", catalog), (e) => e instanceof licman.InvalidLicense);
  assert.throws(() => Catalog.fromToml("product = "), (e) => e instanceof licman.CatalogError && e.code === "syntax");
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { revocations: "garbage" }), licman.InvalidRevocationList);
  assert.equal(new RouteTable(catalog).target("/" + "a/".repeat(100_000) + "b"), "licensed");
});
