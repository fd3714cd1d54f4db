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
const pkg = resolve(root, process.env.LICMAN_PKG ?? "target/wasm-pkg");
// The errors as the package exports them (one copy: node.cjs), and the wasm-bindgen glue it loads.
const errors = licman;
const raw = (await import(pathToFileURL(resolve(pkg, "licman_wasm_node.cjs")).href)).default;

const vectorsDir = join(root, "testdata/vectors");
const vectors = readdirSync(vectorsDir).filter((f) => f.endsWith(".json")).sort();
const fixtures = JSON.parse(readFileSync(join(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalog = Catalog.fromJson(readFileSync(join(root, "examples/catalogs/netaudit.json"), "utf8"));
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

test("check_module_access by alias names the module canonically", () => {
  const pro = license("professional");
  pro.setGroup("operators", ["devices"]);
  assert.throws(
    () => pro.checkModuleAccess("audit_schedules", ["operators"]),
    (e) => e instanceof licman.AccessDenied && e.body.module === "scheduled_audits" && e.body.action === "contact_admin",
  );
});

test("the error tables cover exactly the core's codes", () => {
  assert.deepEqual(Object.keys(errors.LICENSE_ERRORS).sort(), [...raw.errorCodes()].sort());
  assert.deepEqual(Object.keys(errors.DENIALS).sort(), [...raw.denialCodes()].sort());
  for (const code of raw.errorCodes()) {
    const e = errors.makeError("invalid_license", code, "m", 402, "{}", null);
    assert.ok(e instanceof licman.InvalidLicense && e.code === code, code);
  }
  for (const code of raw.denialCodes()) {
    assert.ok(errors.makeError("denied", code, "m", 403, "{}", null) instanceof licman.Denial, code);
  }
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
  const early = new Date(Date.UTC(2025, 0, 1));
  assert.equal(starter.status(NOW), "active");
  assert.equal(starter.status(early), "active", "judged at the latest time seen, never earlier");
  const notYet = ring.verify(fixtures.licenses.starter, catalog, { now: early, policy: "advisory" });
  assert.equal(notYet.status(early), "not_yet_valid");
  assert.throws(() => notYet.checkValid(early), licman.LicenseNotYetValid);
  assert.equal(starter.daysUntilExpiry(), undefined);
  assert.ok(starter.startsAt instanceof Date);
  assert.equal(starter.startsAt.toISOString(), "2026-01-01T00:00:00.000Z");
  assert.deepEqual(starter.customer, { id: "acme-corp", name: null, email: "it@acme.example" });
  assert.equal(starter.tierDisplayName, "Starter");
  assert.throws(() => starter.checkValid(early), licman.ClockError, "the clock was turned back");
  // A status at another time is a preview: asking about next year records
  // nothing, so today's checks do not look like a clock turned back.
  const nextYear = new Date(NOW.getTime() + 400 * 86_400_000);
  const previewed = license("starter");
  assert.equal(previewed.status(nextYear), "active");
  assert.equal(previewed.daysUntilExpiry(nextYear), undefined);
  assert.equal(previewed.checkValid(NOW), "active");
  assert.equal(new RouteTable(catalog).authorize("/devices", previewed, { now: NOW }), "devices");
});

test("bad inputs throw the right errors", () => {
  const starter = license("starter");
  assert.throws(() => ring.verify(42, catalog), TypeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { now: "2026-01-01" }), TypeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { now: new Date("nonsense") }), RangeError);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { policy: "lenient" }), RangeError);
  // A product that is not the catalog's is refused, never silently replaced.
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { now: NOW, product: "other" }),
    (e) => e.code === "product_mismatch");
  assert.ok(ring.verify(fixtures.licenses.starter, catalog, { now: NOW, product: "netaudit" }));
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
  assert.throws(() => Catalog.fromJson('{"product": '), (e) => e instanceof licman.CatalogError && e.code === "syntax");
  assert.throws(() => Catalog.fromJson('{"product": "p", "display_name": "P", "extra": 1}'), (e) => e instanceof licman.CatalogError);
  assert.equal(Catalog.fromToml, undefined, "the package reads catalogs as JSON only");
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { revocations: "garbage" }), licman.InvalidRevocationList);
  assert.equal(new RouteTable(catalog).target("/" + "a/".repeat(100_000) + "b"), "licensed");
});

const catalogJson = JSON.parse(readFileSync(join(root, "examples/catalogs/netaudit.json"), "utf8"));
const vector = (name) => JSON.parse(readFileSync(join(vectorsDir, name), "utf8")).input;
const DAY = 86_400_000;

test("route options: the catalog's, overrides, unlisted paths and the path contract", () => {
  const exact = new RouteTable(catalog);
  assert.deepEqual(exact.options, { case: "exact", unmatched: "licensed" });
  assert.equal(exact.target("/DEVICES"), "licensed");
  assert.equal(exact.target("/%64evices/7"), "devices", "escapes of unreserved characters are decoded");
  for (const bad of ["/devices#x", "/devices;x=1", "/login/..;/analytics", "/a%2Fb", "/a%20b"]) {
    assert.throws(() => exact.target(bad), (e) => e instanceof licman.InvalidPath && e.httpStatus === 400, bad);
  }
  const folding = new RouteTable(catalog, { case: "fold_ascii", unmatched: "deny" });
  assert.deepEqual(folding.options, { case: "fold_ascii", unmatched: "deny" });
  assert.equal(folding.target("/DEVICES/7"), "devices");
  assert.equal(folding.target("/nowhere"), "unlisted");
  assert.equal(new RouteTable(catalog, { unmatched: "deny" }).options.case, "exact", "only what is given is replaced");
  assert.throws(() => folding.authorize("/nowhere", license("enterprise"), { now: NOW }), (e) => {
    assert.ok(e instanceof licman.UnlistedPath && e instanceof licman.Denial);
    assert.equal(e.code, "unlisted_path");
    assert.equal(e.httpStatus, 403);
    assert.equal(e.action, "contact_admin");
    return true;
  });
  assert.equal(folding.authorize("/Login", null), "public");
  const listed = Catalog.fromJson(JSON.stringify({ ...catalogJson, routes: { ...catalogJson.routes, case: "fold_ascii", unmatched: "deny" } }));
  assert.deepEqual(new RouteTable(listed).options, { case: "fold_ascii", unmatched: "deny" });
  assert.deepEqual(new RouteTable(listed, { case: "exact" }).options, { case: "exact", unmatched: "deny" });
  assert.throws(() => new RouteTable(catalog, { case: "insensitive" }), RangeError);
  assert.throws(() => new RouteTable(catalog, { unmatched: "open" }), RangeError);
  assert.throws(() => new RouteTable(catalog, { case: 1 }), TypeError);
});

test("last seen: a check at a time turned back after a later one is refused", () => {
  const starter = ring.verify(fixtures.licenses.starter, catalog, { now: NOW });
  assert.equal(starter.lastSeen.getTime(), NOW.getTime());
  const later = new Date(NOW.getTime() + DAY);
  assert.equal(starter.checkValid(later), "active");
  assert.equal(starter.lastSeen.getTime(), later.getTime());
  for (const refused of [() => starter.checkValid(NOW), () => new RouteTable(catalog).authorize("/devices", starter, { now: NOW })]) {
    assert.throws(refused, (e) => {
      assert.ok(e instanceof licman.ClockError, `${e}`);
      assert.equal(e.code, "clock_error");
      assert.equal(e.httpStatus, 402);
      assert.equal(e.body.reason, "clock_rolled_back");
      return true;
    });
  }
  assert.equal(starter.lastSeen.getTime(), later.getTime(), "never moves back");
  assert.equal(starter.checkValid(new Date(later.getTime() - 3_000_000)), "active", "within the hour of tolerance");
});

test("revocation lists: serial, issue time, freshness", () => {
  const input = vector("038-not-revoked.json");
  const keys = new KeyRing(input.public_keys);
  const list = input.revocation_list;
  const info = keys.verifyRevocationList(list, "netaudit");
  assert.equal(info.serial, 3);
  assert.equal(info.issuedAt.toISOString(), "2026-05-01T00:00:00.000Z");
  assert.equal(info.revokedCount, 2);
  assert.equal(info.keyId, keys.keyIds[0]);
  assert.throws(() => keys.verifyRevocationList(list, "netmonitor"), licman.InvalidRevocationList);
  assert.throws(() => keys.verifyRevocationList("garbage", "netaudit"), licman.InvalidRevocationList);
  const now = new Date(input.now * 1000);
  const verify = (options) => keys.verify(input.license, null, { product: "netaudit", now, revocations: list, ...options });
  assert.equal(verify({ minRevocationSerial: 3 }).verifiedStatus, "active");
  assert.equal(verify({ maxRevocationAgeSeconds: 60 * 86_400 }).verifiedStatus, "active");
  for (const options of [{ minRevocationSerial: 4 }, { minRevocationSerial: 4n }, { maxRevocationAgeSeconds: 7 * 86_400 }, { minRevocationSerial: 4, policy: "report_only" }]) {
    assert.throws(() => verify(options), (e) => {
      assert.ok(e instanceof licman.StaleRevocationList && e instanceof licman.InvalidLicense, `${e}`);
      assert.equal(e.code, "stale_revocation_list");
      assert.equal(e.httpStatus, 402);
      return true;
    }, JSON.stringify(options, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));
  }
  assert.throws(() => verify({ minRevocationSerial: -1 }), RangeError);
});

test("policies: advisory checks refuse a revoked license, report_only does not", () => {
  const input = vector("037-revoked.json");
  const keys = new KeyRing(input.public_keys);
  const now = new Date(input.now * 1000);
  const verify = (policy) => keys.verify(input.license, null, { product: input.product, now, revocations: input.revocation_list, policy });
  assert.throws(() => verify("enforce"), licman.LicenseRevoked);
  const advisory = verify("advisory");
  assert.deepEqual(advisory.problems, ["revoked"]);
  assert.throws(() => advisory.checkValid(now), (e) => e instanceof licman.LicenseRevoked && e.httpStatus === 402);
  const reportOnly = verify("report_only");
  assert.deepEqual(reportOnly.problems, ["revoked"]);
  assert.equal(reportOnly.checkValid(now), "active");
});

test("by-name checks through the glue's id cache agree with checks by id and the checked path", () => {
  const catalogModules = catalogJson.modules;
  for (const tier of ["starter", "professional", "enterprise"]) {
    const lic = license(tier);
    for (const m of catalogModules) {
      for (const name of [m.name, ...(m.aliases ?? [])]) {
        for (let round = 0; round < 2; round++) {
          assert.equal(lic.hasModule(name), lic.hasModuleId(m.id), `${tier} ${name}`);
          assert.equal(lic.hasModule(name), lic.modules.includes(m.name), `${tier} ${name}`);
        }
      }
    }
    for (let round = 0; round < 2; round++) {
      assert.throws(() => lic.hasModule("warp_drive"), licman.UnknownName, "an unknown name is not cached");
      assert.throws(() => lic.checkQuota("warp_drive", 1), licman.UnknownName);
    }
    const limit = lic.quotaLimit("devices");
    if (limit !== null) {
      lic.checkQuota("devices", limit - 1);
      lic.checkQuota("devices", limit - 1, 1);
      assert.throws(() => lic.checkQuota("devices", limit, 1), licman.QuotaExceeded);
      assert.throws(() => lic.checkQuota("devices", BigInt(limit), 1n), licman.QuotaExceeded, "bigints take the checked path");
      lic.checkQuota("devices", BigInt(limit - 1));
    }
    assert.throws(() => lic.checkQuota("devices", -1), RangeError);
    assert.throws(() => lic.checkQuota("devices", 0.5), RangeError);
    assert.throws(() => lic.checkQuota("devices", "3"), TypeError);
    assert.throws(() => lic.hasModule(7), TypeError);
  }
  // The cache is bounded: names beyond 1024 are still answered.
  const lic = license("enterprise");
  for (let i = 0; i < 1100; i++) assert.throws(() => lic.hasModule(`m${i}`), licman.UnknownName);
  assert.equal(lic.hasModule("devices"), true);
});

test("the machine fingerprint recipe on the fixed inputs, and this machine", () => {
  const cases = JSON.parse(readFileSync(join(root, "testdata/fixtures/machine-fingerprints.json"), "utf8"));
  for (const c of cases.valid) assert.equal(licman.machineFingerprintOf(c.product, c.machine_id), c.fingerprint, c.about);
  for (const c of cases.invalid) {
    assert.throws(() => licman.machineFingerprintOf(c.product, c.machine_id), (e) => e instanceof licman.LicmanError && e.code === c.error);
  }
  try {
    const mine = licman.machineFingerprint("netaudit");
    assert.equal(mine, licman.machineFingerprintOf("netaudit", licman.machineId()));
    assert.notEqual(mine, licman.machineFingerprint("netmonitor"));
  } catch (e) {
    assert.equal(e.code, "no_machine_id");
  }
});

test("activation requests: the fixture's texts both ways, its refusals, its bound answer", () => {
  const doc = JSON.parse(readFileSync(join(root, "testdata/fixtures/activation-requests.json"), "utf8"));
  const at = (unix) => new Date(unix * 1000);
  for (const c of doc.valid) {
    const f = c.fields;
    const request = licman.ActivationRequest.fromFields({
      product: f.product, fingerprint: f.fingerprint, nonce: f.nonce, createdAt: at(f.created_at),
      customerId: f.customer_id, licenseId: f.license_id,
    });
    assert.equal(request.text, c.text, c.about);
    assert.equal(String(request), c.text);
    assert.equal(request.armored, c.armored);
    for (const text of [c.text, c.armored]) {
      const again = licman.ActivationRequest.parse(text);
      assert.deepEqual(
        [again.product, again.fingerprint, again.customerId ?? null, again.licenseId ?? null, again.nonce, again.createdAt.getTime()],
        [f.product, f.fingerprint, f.customer_id, f.license_id, f.nonce, f.created_at * 1000],
      );
    }
  }
  for (const c of doc.invalid) {
    assert.throws(
      () => licman.ActivationRequest.parse(c.text),
      (e) => e instanceof licman.InvalidActivationRequest && e.code === c.error,
      c.about,
    );
  }
  const f = doc.valid[0].fields;
  assert.throws(() => licman.ActivationRequest.fromFields({ ...f, createdAt: at(0), nonce: "0f" }), (e) => e.code === "invalid_nonce");
  assert.throws(() => licman.ActivationRequest.fromFields({ ...f, nonce: f.nonce }), TypeError); // no createdAt
  assert.throws(() => licman.ActivationRequest.fromFields("x"), TypeError);
  assert.throws(() => licman.ActivationRequest.parse(7), TypeError);

  const answer = doc.answer;
  const keys = new KeyRing([answer.public_key]);
  const bound = keys.verify(answer.license, catalog, { now: at(answer.now), fingerprints: [doc.fingerprint] });
  assert.equal(licman.ActivationRequest.parse(doc.valid[0].text).isAnsweredBy(bound), true);
  assert.equal(licman.ActivationRequest.parse(doc.valid[1].text).isAnsweredBy(bound), false);
  assert.throws(
    () => keys.verify(answer.license, catalog, { now: at(answer.now), fingerprints: [answer.other_fingerprint] }),
    (e) => e instanceof licman.WrongMachine && e.code === answer.error_on_other_machine,
  );

  // This machine's request.
  let mine;
  try {
    mine = licman.activationRequest("netaudit", { customerId: "acme-corp", now: at(1780272000) });
  } catch (e) {
    assert.equal(e.code, "no_machine_id");
    return;
  }
  assert.equal(mine.fingerprint, licman.machineFingerprint("netaudit"));
  assert.equal(mine.customerId, "acme-corp");
  assert.equal(mine.createdAt.getTime(), 1780272000 * 1000);
  assert.notEqual(licman.activationRequest("netaudit").nonce, mine.nonce);
  assert.equal(licman.ActivationRequest.parse(mine.text).nonce, mine.nonce);
});

test("ids, options and arguments are checked before they are cut or ignored", () => {
  const pro = license("professional");
  for (const bad of [1.5, 2 ** 32 + 1, -1, 256, NaN]) assert.throws(() => pro.hasModuleId(bad), RangeError, String(bad));
  assert.throws(() => pro.hasModuleId("0"), TypeError);
  assert.throws(() => pro.checkQuotaById(300, 1, 1), RangeError);
  assert.equal(pro.hasModuleId(pro.moduleIdOf("devices")), true);
  assert.throws(() => ring.verify(fixtures.licenses.starter, catalog, { polcy: "report_only" }), TypeError);
  assert.throws(() => new RouteTable(catalog).authorize("/devices", pro, { userGroup: ["ops"] }), TypeError);
  assert.throws(() => new RouteTable(catalog).authorize("/audit", {}), TypeError);
  assert.throws(() => new KeyRing(), TypeError);
  assert.throws(() => new licman.Guard(catalog, "x"), TypeError);
  const guard = new licman.Guard(catalog, pro, { groups: { ops: ["devices"] } });
  assert.throws(() => guard.authorize("/devices", { groups: "ops" }), TypeError);
  assert.equal(guard.authorize("/devices", { groups: ["ops"] }), "devices");
});
