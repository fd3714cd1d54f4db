// The dashboard in a real headless browser (Debian's Chromium driven by
// playwright-core), against a real `licman-seats serve` on 127.0.0.1 over
// a throwaway SQLite store: sign in, create a pool, assign, watch the
// analytics cards change, see a refusal with the API's message, bulk
// assign with per-user results, and what a staff token sees. A screenshot
// of every tab is written to target/dashboard/ for people to look at.
//
//   LICMAN_SEATS_BIN=target/debug/licman-seats node --test licman-seats/tests/browser/

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const bin = resolve(repo, process.env.LICMAN_SEATS_BIN ?? "target/debug/licman-seats");
const shots = resolve(repo, "target/dashboard");
const work = mkdtempSync(join(tmpdir(), "licman-dashboard-"));
const db = join(work, "seats.db");
let server;
let base;
let browser;
const tokens = {};

function seats(...args) {
  return JSON.parse(execFileSync(bin, ["--db", db, "--actor", "setup", "--json", ...args], { encoding: "utf8" }));
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  let file = "";
  for (const [name, role, ...extra] of [["ops", "admin"], ["ada", "staff", "--user", "ada"]]) {
    const made = seats("token", "new", "--name", name, "--role", role, ...extra);
    tokens[role] = made.token;
    file += `${made.entry}\n`;
  }
  writeFileSync(join(work, "tokens.toml"), file);
  for (const u of ["ada", "bob", "carol"]) seats("user", "add", u, "--email", `${u}@example.com`);
  seats("pool", "create", "--name", "Sketch", "--vendor", "Sketch", "--capacity", "10", "--cost", "9.00");
  seats("pool", "create", "--name", "Office", "--vendor", "Microsoft", "--capacity", "4", "--cost", "264.00",
    "--billing", "annual", "--expires", "2027-01-15T15:30:00Z");
  seats("pool", "create", "--name", "CAD", "--vendor", "Autodesk", "--capacity", "3", "--type", "concurrent");
  seats("pool", "create", "--name", '<img src=x id=injected onerror="document.title=1">', "--vendor", "Evil", "--capacity", "1");
  seats("assign", "Sketch", "carol");
  seats("assign", "Sketch", "ada");
  seats("lease", "checkout", "CAD", "ws-1");
  seats("rule", "add", "Sketch", "--inactivity", "90");
  seats("incompat", "add", "Sketch", "Office", "--reason", "one design tool a head");

  server = spawn(bin, ["--db", db, "serve", "--listen", "127.0.0.1:0", "--tokens", join(work, "tokens.toml")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LICMAN_SEATS_LOG: "warn" },
  });
  const line = await new Promise((resolveLine, reject) => {
    createInterface({ input: server.stdout }).once("line", resolveLine);
    server.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
  base = line.replace("listening on ", "").trim();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

async function signIn(page, token) {
  await page.goto(base);
  await page.fill("#token", token);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForSelector("#tabs:not([hidden])");
}

async function tab(page, name) {
  await page.click(`#tabs button[data-tab=${name}]`);
  await page.waitForSelector(`#tab-${name}:not([hidden]) tbody tr`);
}

// The message a person sees (visible, not only in the page).
async function message(page, text) {
  await page.waitForFunction((t) => {
    const box = document.querySelector("#message");
    return !box.hidden && box.textContent.includes(t);
  }, text);
  return page.textContent("#message");
}

const card = (page, label) => page.textContent(`.card[data-card="${label}"] .value`);

test("an admin creates a pool, assigns, sees the analytics change and a refusal", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (dialog) => dialog.accept());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, tokens.admin);
  assert.match(await page.textContent("#who-name"), /ops \(admin\)/);

  // Pools: create one through the form.
  await tab(page, "pools");
  await page.click("#pool-create summary");
  await page.fill("#pool-form [name=name]", "Figma");
  await page.fill("#pool-form [name=vendor]", "Figma");
  await page.fill("#pool-form [name=capacity]", "2");
  await page.fill("#pool-form [name=cost]", "15.00");
  await page.click("#pool-form button[type=submit]");
  await page.waitForSelector('#pools-table tr[data-pool="Figma"]');
  await message(page, "Created Figma");
  assert.match(await page.textContent('#pools-table tr[data-pool="Figma"]'), /0 \/ 2/);
  // A name that is HTML is shown as text, never run.
  assert.equal(await page.$("#injected"), null);
  assert.match(await page.textContent("#pools-table"), /<img src=x/);
  await page.screenshot({ path: join(shots, "pools.png"), fullPage: true });

  // Analytics before.
  await tab(page, "analytics");
  // Two Sketch seats and a CAD lease.
  assert.equal((await card(page, "Allocated")).trim(), "3");
  assert.equal((await card(page, "Pools")).trim(), "5");

  // Assign ada a Figma seat.
  await tab(page, "assignments");
  await page.selectOption("#assign-form [name=pool]", { label: "Figma" });
  await page.fill("#assign-form [name=user]", "ada");
  await page.click("#assign-form button[type=submit]");
  await message(page, "Assigned a seat to ada");
  await page.waitForFunction(() => document.querySelector("#assignments-table").textContent.includes("ada@example.com"));

  // The cards follow.
  await tab(page, "analytics");
  await page.waitForFunction(() => document.querySelector('.card[data-card="Allocated"] .value').textContent.trim() === "4");
  assert.match(await page.textContent("#analytics-recommendations"), /underutilized|high_utilization/);
  await page.screenshot({ path: join(shots, "analytics.png"), fullPage: true });

  // A refusal shows the API's message: the incompatibility, then a full pool.
  await tab(page, "assignments");
  await page.selectOption("#assign-form [name=pool]", { label: "Office" });
  await page.fill("#assign-form [name=user]", "carol");
  await page.click("#assign-form button[type=submit]");
  assert.match(await message(page, "(incompatible)"), /one design tool a head/);

  // Bulk assign from a pasted list: per-user results.
  await page.selectOption("#bulk-form [name=pool]", { label: "Figma" });
  await page.fill("#bulk-form [name=users]", "bob\nnobody\ncarol\n");
  await page.click("#bulk-form button[type=submit]");
  await page.waitForSelector("#bulk-results:not([hidden]) tbody tr");
  const results = await page.textContent("#bulk-results");
  assert.match(results, /bob\s*assigned/);
  assert.match(results, /unknown_user/);
  assert.match(results, /capacity_exceeded/);
  await message(page, "1 assigned, 2 failed");
  await page.screenshot({ path: join(shots, "assignments.png"), fullPage: true });

  // The full pool refuses one more, with the API's words.
  await page.selectOption("#assign-form [name=pool]", { label: "Figma" });
  await page.fill("#assign-form [name=user]", "carol");
  await page.click("#assign-form button[type=submit]");
  assert.match(await message(page, "(capacity_exceeded)"), /the pool is full: 2 of 2 seats are allocated/);

  // Every other tab renders; a screenshot of each.
  for (const name of ["leases", "rules", "incompatibilities", "compliance", "audit"]) {
    await tab(page, name);
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  }
  assert.match(await page.textContent("#audit-table"), /api:ops ip=127\.0\.0\.1/);
  await page.click("#verify-button");
  await message(page, "The audit trail verifies");
  assert.match(await page.textContent("#compliance-verdict"), /pools/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a cancelled reclaim takes nothing back, and an edit changes only what was changed", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, tokens.admin);
  await tab(page, "assignments");
  await page.selectOption("#assignment-filter [name=pool]", { label: "Sketch" });
  await page.fill("#assignment-filter [name=user]", "carol");
  await page.click("#assignment-filter button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#assignments-table tbody tr").length === 1);
  // Dismissed: nothing happens.
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.click("#assignments-table tbody tr button:text('Reclaim')");
  await page.waitForTimeout(300);
  assert.match(await page.textContent("#assignments-table tbody"), /active/);
  // Answered: reclaimed with that reason.
  page.once("dialog", (dialog) => dialog.accept("left the team"));
  await page.click("#assignments-table tbody tr button:text('Reclaim')");
  await message(page, "Seat reclaimed.");
  const reclaimed = seats("assignments", "--pool", "Sketch", "--user", "carol");
  assert.equal(reclaimed.items[0].status, "reclaimed");
  assert.equal(reclaimed.items[0].reason, "left the team");

  // Rename Office: its expiry keeps its time of day.
  const before = seats("pool", "show", "Office").expires_at;
  await tab(page, "pools");
  await page.click('#pools-table tr[data-pool="Office"] button:text("Edit")');
  await page.fill("#pool-edit [name=name]", "Office 365");
  await page.click("#pool-edit button[type=submit]");
  await page.waitForSelector('#pools-table tr[data-pool="Office 365"]');
  const after = seats("pool", "show", "Office 365");
  assert.equal(after.expires_at, before);
  assert.equal(after.capacity, 4);
  await page.close();
});

test("a staff token sees only its own assignments and none of the admin's tabs", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
  await signIn(page, tokens.staff);
  const visible = await page.$$eval("#tabs button:not([hidden])", (bs) => bs.map((b) => b.dataset.tab));
  assert.deepEqual(visible, ["assignments"]);
  await page.waitForSelector("#tab-assignments:not([hidden]) tbody tr");
  const text = await page.textContent("#assignments-table tbody");
  assert.match(text, /ada@example\.com/);
  assert.doesNotMatch(text, /bob@|carol@/);
  assert.equal(await page.isVisible("#assign-form"), false);
  await page.screenshot({ path: join(shots, "staff.png"), fullPage: true });
  await page.close();
});

test("a bad token is refused with the API's message", async () => {
  const page = await browser.newPage();
  await page.goto(base);
  await page.fill("#token", "not-a-token");
  await page.click("#sign-in-form button[type=submit]");
  await message(page, "not one this server accepts (unauthorized)");
  assert.equal(await page.isVisible("#tabs"), false);
  await page.close();
});
