// The Express adapter (licman/express) in a real Express app on a loopback
// port, driven by raw HTTP requests (no client normalises the paths).
// Besides 200/402/403 with the core's bodies, the bypass test is
// differential: whatever Express does with a spelling of a path, if a
// handler runs, the user must hold the module that handler's route needs.
//   LICMAN_PKG=target/wasm-pkg node --test bindings/wasm/tests/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../../..");
const pkg = resolve(root, process.env.LICMAN_PKG ?? "target/wasm-pkg");
const licman = await import(pathToFileURL(resolve(pkg, "node.mjs")).href);
const { licensed, requestPath } = await import(pathToFileURL(resolve(pkg, "express.mjs")).href);
const express = createRequire(resolve(root, "bindings/tools/package.json"))("express");
const { Catalog, KeyRing, Guard } = licman;

const fixtures = JSON.parse(readFileSync(resolve(root, "testdata/fixtures/netaudit-licenses.json"), "utf8"));
const catalog = Catalog.fromJson(readFileSync(resolve(root, "examples/catalogs/netaudit.json"), "utf8"));
const ring = new KeyRing([fixtures.public_key]);

const GROUPS = { ops: ["devices", "manual_audits", "scheduled_audits", "analytics"], auditors: ["manual_audits", "basic_rules"] };
// Server-side sessions: the cookie names a session, the server knows who it is.
const SESSIONS = {
  "s-olivia": { groups: ["ops"] },
  "s-aaron": { groups: ["auditors"] },
  "s-root": { groups: [], superuser: true },
  "s-ghost": { groups: ["no-such-group"] },
  "s-mixed": { groups: ["directory-staff", "ops"] }, // a group the table does not define, and ops
};
// The handlers: the route Express matched → the module the catalog says it needs.
const HANDLERS = [
  ["/", "public"],
  ["/login", "public"],
  ["/devices", "devices"],
  ["/devices/discover", "discovery"],
  ["/devices/:id", "devices"],
  ["/audit", "manual_audits"],
  ["/audit/:id", "manual_audits"],
  ["/audit-schedules", "scheduled_audits"],
  ["/audit-schedules/:id", "scheduled_audits"],
  ["/analytics", "analytics"],
  ["/rules", "basic_rules"],
  ["/:slug", "licensed"], // a catch-all, as an app's pages or an SPA have
];

function identity(req) {
  const cookie = (req.headers.cookie ?? "").split(/;\s*/).find((c) => c.startsWith("session="));
  return cookie ? SESSIONS[cookie.slice("session=".length)] ?? null : null;
}

async function serve(guard, { asyncIdentity = false, rewrite = false } = {}) {
  const app = express();
  // A middleware before licman's that rewrites req.url (a version prefix stripped).
  if (rewrite) app.use((req, res, next) => { if (req.url.startsWith("/v1/")) req.url = req.url.slice(3); next(); });
  app.use(licensed(guard, { identity: asyncIdentity ? async (req) => identity(req) : identity }));
  for (const [route, needs] of HANDLERS) {
    app.get(route, (req, res) => res.json({ handler: route, needs, checked: req.licman.needs }));
  }
  const server = await new Promise((ok) => {
    const s = app.listen(0, "127.0.0.1", () => ok(s));
  });
  return server;
}

// One raw HTTP/1.1 request: the request target goes on the wire as given.
function get(server, target, session) {
  const { port } = server.address();
  return new Promise((ok, fail) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("error", fail);
    socket.on("end", () => {
      const [head, ...rest] = data.split("\r\n\r\n");
      const status = Number(head.split(" ")[1]);
      const text = rest.join("\r\n\r\n");
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        body = { raw: text.slice(0, 200) };
      }
      ok([status, body]);
    });
    const cookie = session ? `Cookie: session=${session}\r\n` : "";
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${cookie}Connection: close\r\n\r\n`);
  });
}

const guardFor = (tier) => Guard.verify(catalog, ring, tier ? fixtures.licenses[tier] : null, { groups: GROUPS });

describe("the Express adapter", () => {
  const servers = [];
  const start = async (guard, options) => {
    const s = await serve(guard, options);
    servers.push(s);
    return s;
  };
  after(() => servers.forEach((s) => s.close()));

  for (const asyncIdentity of [false, true]) {
    test(`a license and groups decide each route (${asyncIdentity ? "async" : "sync"} identity)`, async () => {
      const server = await start(guardFor("professional"), { asyncIdentity });
      assert.deepEqual(await get(server, "/login"), [200, { handler: "/login", needs: "public", checked: "public" }]);
      assert.deepEqual(await get(server, "/devices/7", "s-olivia"), [200, { handler: "/devices/:id", needs: "devices", checked: "devices" }]);
      assert.equal((await get(server, "/audit-schedules?x=1", "s-olivia"))[0], 200);
      // A directory group the table does not define grants nothing, and takes nothing away.
      assert.equal((await get(server, "/audit-schedules", "s-mixed"))[0], 200);
      assert.equal((await get(server, "/login", "s-ghost"))[0], 200);
      for (const session of ["s-aaron", undefined, "s-ghost", "forged"]) {
        const [status, body] = await get(server, "/audit-schedules", session);
        assert.deepEqual([status, body.action], [403, "contact_admin"], String(session));
      }
      const [status, body] = await get(server, "/analytics", "s-root");
      assert.equal(status, 403);
      assert.deepEqual(body, {
        error: "Module not available",
        module: "analytics",
        current_tier: "professional",
        message: "The module 'Analytics & Reporting' is not available in your professional tier",
        action: "upgrade_license",
      });
      assert.equal((await get(server, "/devices/discover", "s-root"))[0], 200);
    });
  }

  test("no license and a bad license answer 402; public paths stay open", async () => {
    let server = await start(guardFor(null));
    assert.equal((await get(server, "/login"))[0], 200);
    let [status, body] = await get(server, "/devices", "s-root");
    assert.deepEqual([status, body.action, body.error], [402, "activate_license", "No active license"]);

    const text = fixtures.licenses.enterprise;
    const forged = text.slice(0, -6) + (text.at(-6) === "A" ? "B" : "A") + text.slice(-5);
    const guard = Guard.verify(catalog, ring, forged, { groups: GROUPS });
    assert.equal(guard.license, null);
    assert.ok(guard.licenseError instanceof licman.InvalidLicense);
    server = await start(guard);
    [status, body] = await get(server, "/devices", "s-root");
    assert.equal(status, 402);
    assert.deepEqual(body, guard.licenseError.body);
    assert.equal((await get(server, "/", "s-root"))[0], 200);
  });

  // Spellings of protected paths a client might try, sent as raw request targets.
  const SPELLINGS = [
    "/audit-schedules", "/audit-schedules/", "/audit-schedules/7", "//audit-schedules", "/./audit-schedules",
    "/login/../audit-schedules", "/login/..;/audit-schedules", "/login/%2e%2e/audit-schedules",
    "/login%2f..%2faudit-schedules", "/%61udit-schedules", "/audit%2dschedules", "/audit-schedules%2f7",
    "/audit-schedules;jsessionid=1", "/audit-schedules%3b", "/AUDIT-SCHEDULES", "/Audit-Schedules/7",
    "/audit-schedules%00", "/audit-schedules%20", "/audit-schedules?x=/login", "/audit-schedules#/login",
    "/%2561udit-schedules", "http://127.0.0.1/audit-schedules", "HTTP://evil/audit-schedules", "*",
    "/analytics", "/analytics/", "/%61nalytics", "/ANALYTICS", "/devices/discover", "/devices/%64iscover",
    "/devices//discover", "/devices/./discover", "/Devices/Discover", "/devices/discover/",
    "/%3Fx", "/%3F/analytics", "/%23x", "/audit-schedules%3F", "/%C3%A9", "/x%00",
  ];

  for (const tier of ["starter", null])
  for (const session of ["s-aaron", undefined, "s-root"]) {
    test(`no spelling reaches a handler the user may not use (${session ?? "anonymous"}, ${tier ?? "no license"})`, async () => {
      const guard = guardFor(tier);
      const server = await start(guard);
      const user = SESSIONS[session ?? ""];
      const licensedModules = new Set(guard.license ? guard.license.modules : []);
      let allowed = licensedModules;
      if (!user) allowed = new Set();
      else if (!user.superuser) allowed = new Set(user.groups.flatMap((g) => GROUPS[g] ?? []).filter((m) => licensedModules.has(m)));
      if (guard.license) allowed.add("licensed"); // a path no route names needs only a license
      for (const target of SPELLINGS) {
        const [status, body] = await get(server, target, session);
        if (status === 200) {
          assert.ok(body.needs === "public" || allowed.has(body.needs), `${target} reached ${JSON.stringify(body)} for ${session}`);
        } else {
          assert.ok([400, 402, 403, 404, 405].includes(status), `${target}: ${status} ${JSON.stringify(body)}`);
        }
      }
      if (session === "s-root" && tier) {
        // The control: the test can fail: root reaches the starter tier's devices.
        assert.equal((await get(server, "/devices/7", session))[0], 200);
      }
    });
  }

  test("a path rewritten before the middleware is checked as it is routed, and as it was sent", async () => {
    const server = await start(guardFor("starter"), { rewrite: true });
    const [status, body] = await get(server, "/v1/audit-schedules", "s-root");
    assert.deepEqual([status, body.code ?? body.error], [403, "Module not available"]);
    assert.equal((await get(server, "/v1/devices/7", "s-root"))[0], 200);
  });

  test("requestPath cuts the query and nothing else", () => {
    assert.equal(requestPath("/a/b?c=/d"), "/a/b");
    assert.equal(requestPath("/a%2Fb"), "/a%2Fb");
    assert.equal(requestPath("http://h/x?y"), "http://h/x");
  });

  test("two guards of one license keep their own group tables", () => {
    const license = ring.verify(fixtures.licenses.enterprise, catalog);
    const narrow = new Guard(catalog, license, { groups: { ops: ["devices"] } });
    const ops = { groups: ["ops"] };
    assert.throws(() => narrow.authorize("/audit-schedules", ops), licman.AccessDenied);
    // Another guard, and the application's own table, do not widen it.
    new Guard(catalog, license, { groups: { ops: ["devices", "scheduled_audits"] } });
    license.setGroup("ops", ["devices", "scheduled_audits"]);
    assert.throws(() => narrow.authorize("/audit-schedules", ops), licman.AccessDenied);
    assert.equal(narrow.authorize("/devices", ops), "devices");
  });

  test("a guard refuses an unknown module in its group table", () => {
    assert.throws(() => Guard.verify(catalog, ring, fixtures.licenses.starter, { groups: { ops: ["devicez"] } }), licman.UnknownName);
    assert.throws(() => licensed(null), TypeError);
  });
});
