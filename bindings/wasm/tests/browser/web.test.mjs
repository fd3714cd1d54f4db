// The npm package's browser entry (web.mjs: the wasm-bindgen web build with
// top-level await) in headless Chromium, driven by playwright-core: a page
// served from 127.0.0.1 imports the package as a browser would, verifies a
// license, checks modules, a quota and a path, and uses licman/seats' errors.
//   LICMAN_PKG=target/wasm-pkg node --test bindings/wasm/tests/browser/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, resolve } from "node:path";
import { after, before, test } from "node:test";

const root = resolve(import.meta.dirname, "../../../..");
const pkg = resolve(root, process.env.LICMAN_PKG ?? "target/wasm-pkg");
const { chromium } = createRequire(join(root, "bindings/tools/package.json"))("playwright-core");
const TYPES = { ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };

const page = `<!doctype html><meta charset="utf-8"><title>licman in a browser</title><link rel="icon" href="data:,">
<script type="module">
  import { Catalog, KeyRing, RouteTable, Guard, Denial, QuotaExceeded } from "/pkg/web.mjs";
  import { SeatError, CapacityExceeded } from "/pkg/seats.js";
  const [catalogJson, fixtures] = await Promise.all([fetch("/netaudit.json").then((r) => r.text()), fetch("/fixtures.json").then((r) => r.json())]);
  const catalog = Catalog.fromJson(catalogJson);
  const ring = new KeyRing([fixtures.public_key]);
  const lic = ring.verify(fixtures.licenses.starter, catalog);
  let quota = null;
  try { lic.checkQuota("devices", 10, 1); } catch (e) { quota = { quotaExceeded: e instanceof QuotaExceeded, status: e.httpStatus, body: e.body }; }
  let path = null;
  try { new RouteTable(catalog).authorize("/audit-schedules", lic); } catch (e) { path = { denial: e instanceof Denial, code: e.code, status: e.httpStatus }; }
  const guard = Guard.verify(catalog, ring, "lm1_garbage");
  let broken = null;
  try { guard.authorize("/devices"); } catch (e) { broken = { status: e.httpStatus, code: e.code }; }
  window.__result = {
    tier: lic.tier, devices: lic.hasModule("devices"), scheduled: lic.hasModule("scheduled_audits"), quota, path, broken,
    public: guard.authorize("/login"),
    seatErrors: new CapacityExceeded("capacity_exceeded", "full", 409, { capacity: 2 }) instanceof SeatError,
  };
</script>`;

let server;
let browser;
let base;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = null;
    if (url.pathname === "/") file = null;
    else if (url.pathname === "/netaudit.json") file = join(root, "examples/catalogs/netaudit.json");
    else if (url.pathname === "/fixtures.json") file = join(root, "testdata/fixtures/netaudit-licenses.json");
    else if (url.pathname.startsWith("/pkg/")) {
      file = normalize(join(pkg, url.pathname.slice("/pkg/".length)));
      if (!file.startsWith(pkg)) file = "/nonexistent";
    } else file = "/nonexistent";
    try {
      const body = file === null ? page : readFileSync(file);
      res.writeHead(200, { "content-type": file === null ? "text/html" : TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("the browser entry verifies and checks a license in Chromium", async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(String(e)));
  tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await tab.goto(`${base}/`);
  await tab.waitForFunction(() => window.__result !== undefined || document.title === "failed", null, { timeout: 30_000 }).catch(() => {});
  const result = await tab.evaluate(() => window.__result);
  assert.deepEqual(errors, []);
  assert.equal(result.tier, "starter");
  assert.equal(result.devices, true);
  assert.equal(result.scheduled, false);
  assert.deepEqual([result.quota.quotaExceeded, result.quota.status, result.quota.body.max], [true, 403, 10]);
  assert.deepEqual(result.path, { denial: true, code: "module_not_licensed", status: 403 });
  assert.equal(result.broken.status, 402);
  assert.equal(result.public, "public");
  assert.equal(result.seatErrors, true);
  await tab.close();
});
