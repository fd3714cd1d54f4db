// licman/seats (the lease client) against a real `licman-seats serve`
// started here on 127.0.0.1. The server binary is $LICMAN_SEATS_BIN (CI
// builds it); without it the tests are skipped.
//   LICMAN_SEATS_BIN=… LICMAN_PKG=target/wasm-pkg node --test bindings/wasm/tests/
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "../../..");
const pkg = resolve(root, process.env.LICMAN_PKG ?? "target/wasm-pkg");
const seatsUrl = pathToFileURL(resolve(pkg, "seats.mjs")).href;
const { CapacityExceeded, Lease, LeaseLost, SeatError, SeatServerUnreachable } = await import(seatsUrl);
const binary = process.env.LICMAN_SEATS_BIN;

const token = () => {
  const text = "lmst1_" + randomBytes(32).toString("hex");
  return [text, createHash("sha256").update(text).digest("hex")];
};

describe("the lease client", { skip: binary ? false : "LICMAN_SEATS_BIN is not set" }, () => {
  let server;
  let url;
  const [admin, adminHash] = token();
  const [instance, instanceHash] = token();

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "licman-seats-js-"));
    const db = join(dir, "seats.db");
    execFileSync(binary, ["--db", db, "pool", "create", "--name", "CAD", "--vendor", "Autodesk", "--capacity", "2",
      "--type", "concurrent", "--ttl", "1m"], { stdio: "ignore" });
    writeFileSync(join(dir, "tokens.toml"),
      `[[token]]\nname = "ops"\nrole = "admin"\nsha256 = "${adminHash}"\n\n` +
      `[[token]]\nname = "cad-hosts"\nrole = "instance"\nsha256 = "${instanceHash}"\npools = ["CAD"]\n`);
    server = spawn(binary, ["--db", db, "serve", "--listen", "127.0.0.1:0", "--tokens", join(dir, "tokens.toml")],
      { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LICMAN_SEATS_LOG: "warn" } });
    const [line] = await createInterface({ input: server.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]);
    assert.match(line, /^listening on /);
    url = line.slice("listening on ".length).trim();
  });
  after(() => server?.kill("SIGTERM"));

  const open = (holder, extra = {}) => Lease.open({ server: url, token: instance, pool: "CAD", holder, ...extra });
  const adminCall = async (method, path) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: method === "POST" ? "{}" : undefined,
    });
    return response.json();
  };
  const status = async (id) => (await adminCall("GET", "/leases?limit=1000")).items.find((l) => l.id === id).status;

  // `await using` is not syntax in Node 20; this is what it calls.
  const dispose = Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

  test("a lease holds a seat, a full pool says so, and its async dispose gives it back", async () => {
    const first = await open("ws-1");
    let secondId;
    const second = await open("ws-2");
    try {
      secondId = second.id;
      assert.equal(second.info.holdsSeat, true);
      await assert.rejects(open("ws-3"), (e) => {
        assert.ok(e instanceof CapacityExceeded);
        assert.deepEqual([e.code, e.httpStatus, e.capacity, e.allocated], ["capacity_exceeded", 409, 2, 2]);
        return true;
      });
    } finally {
      await second[dispose]();
    }
    assert.equal(await status(secondId), "released");
    const third = await open("ws-3");
    assert.equal(third.info.poolName, "CAD");
    await third.close();
    await first.close();
    await first.close(); // once
    assert.equal(await status(first.id), "released");
  });

  test("heartbeats extend the lease", async () => {
    const lease = await open("ws-beat", { heartbeatEvery: 300 });
    const before = lease.info.expiresAt.getTime();
    await sleep(1300); // the server's times have whole seconds
    assert.ok(lease.heartbeats >= 3, `${lease.heartbeats} heartbeats`);
    assert.ok(lease.info.expiresAt.getTime() > before);
    lease.check();
    await lease.close();
  });

  test("a lease taken back is lost, reported once, and not released again", async () => {
    const lost = [];
    const lease = await open("ws-lost", { heartbeatEvery: 200, onLost: (e) => lost.push(e) });
    await adminCall("POST", `/leases/${lease.id}/release`);
    for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(50);
    assert.equal(lost.length, 1);
    assert.ok(lost[0] instanceof LeaseLost);
    assert.equal(lost[0].code, "lease_not_out");
    assert.throws(() => lease.check(), LeaseLost);
    await lease.close();
  });

  test("a program that ends without closing gives its seat back", async () => {
    const program = `import { Lease } from ${JSON.stringify(seatsUrl)};
      const lease = await Lease.open({ server: ${JSON.stringify(url)}, token: ${JSON.stringify(instance)}, pool: "CAD", holder: "forgetful" });
      console.log(lease.id);`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", program], { encoding: "utf8", timeout: 60_000 });
    assert.equal(await status(out.trim()), "released");
  });

  test("errors name their cause", async () => {
    await assert.rejects(Lease.open({ server: url, token: "lmst1_" + "0".repeat(64), pool: "CAD", holder: "x" }),
      (e) => e instanceof SeatError && e.code === "unauthorized" && e.httpStatus === 401);
    const closed = await new Promise((ok) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => ok(port));
      });
    });
    await assert.rejects(Lease.open({ server: `http://127.0.0.1:${closed}`, token: instance, pool: "CAD", holder: "x" }),
      SeatServerUnreachable);
    assert.throws(() => new Lease({ server: "ftp://h", token: instance, pool: "CAD", holder: "x" }), TypeError);
    assert.throws(() => new Lease({ server: url, token: "", pool: "CAD", holder: "x" }), TypeError);
    assert.throws(() => new Lease({ server: url, token: instance, pool: "CAD", holder: "" }), TypeError);
    const lease = (extra) => () => new Lease({ server: url, token: instance, pool: "CAD", holder: "x", ...extra });
    for (const heartbeatEvery of [NaN, 0.001, -1, Infinity]) assert.throws(lease({ heartbeatEvery }), RangeError);
    assert.throws(lease({ heartbeatEvery: "10" }), TypeError);
    for (const timeoutMs of [NaN, -1]) assert.throws(lease({ timeoutMs }), RangeError);
    assert.throws(lease({ timeoutMs: "5" }), TypeError);
    assert.throws(lease({ ttlSeconds: 2n }), TypeError);
    assert.throws(lease({ ttlSeconds: -5 }), RangeError);
    assert.throws(lease({ token: "t\r\nx: y" }), TypeError);
    assert.throws(() => new Lease({ server: "http://h/?a=b", token: instance, pool: "CAD", holder: "x" }), TypeError);
  });
});
