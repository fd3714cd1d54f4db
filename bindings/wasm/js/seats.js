// Floating seats from a `licman-seats serve`: a lease held while a product
// runs. Plain JS over `fetch` (Node 18+, browsers, Deno, Bun): it converts
// the server's JSON to JS values and nothing more.
//
//   import { Lease, CapacityExceeded } from "licman/seats";
//   await using lease = await Lease.open({ server, token, pool: "CAD", holder: hostname() });
//   // … heartbeats go out in the background; lease.check() throws LeaseLost
//
// The lease is checked out by `Lease.open`, heartbeated on a timer at a
// third of the time it has left (or every `heartbeatEvery` ms), and
// released by `close()`, `Symbol.asyncDispose` (`await using`), or when
// Node's event loop empties (`beforeExit`). A process that is killed
// loses its seat when the lease's TTL passes. If a heartbeat is answered
// with `unknown_lease` or `lease_not_out`, or the lease runs out before a
// heartbeat gets through, the lease is lost: `onLost` is called once and
// `check()` throws the `LeaseLost`. A busy or unreachable server is tried
// again at the next beat.
import { LicmanError } from "./errors.js";

const VERSION = "0.1.0";

/** The seat server refused: `code`, `message`, `httpStatus` and the error's other fields in `details`. */
export class SeatError extends LicmanError {
  constructor(code, message, httpStatus, details = {}) {
    super(code, message);
    this.httpStatus = httpStatus;
    this.details = details;
  }
}

/** Every seat of the pool is out (`capacity` and `allocated` say how many). */
export class CapacityExceeded extends SeatError {
  get capacity() {
    return Number.isInteger(this.details.capacity) ? this.details.capacity : null;
  }
  get allocated() {
    return Number.isInteger(this.details.allocated) ? this.details.allocated : null;
  }
}

/** The lease no longer holds a seat: taken back, culled, or run out. */
export class LeaseLost extends SeatError {}

/** The seat server did not answer (refused, timed out, not JSON). */
export class SeatServerUnreachable extends SeatError {}

const LOST = new Set(["unknown_lease", "lease_not_out"]);

function leaseInfo(body) {
  const time = (v) => (typeof v === "string" ? new Date(v) : null);
  const info = {
    id: body?.id,
    poolId: body?.pool_id,
    poolName: body?.pool_name ?? null,
    holder: body?.holder,
    status: body?.status,
    checkedOutAt: time(body?.checked_out_at),
    expiresAt: time(body?.expires_at),
    releasedAt: time(body?.released_at),
    borrowed: Boolean(body?.borrowed),
    overage: Boolean(body?.overage),
    holdsSeat: Boolean(body?.holds_seat),
  };
  if (typeof info.id !== "string" || typeof info.poolId !== "string" || !info.expiresAt || Number.isNaN(info.expiresAt.getTime())) {
    throw new SeatServerUnreachable("bad_response", "the server's lease is not a lease", 0);
  }
  return info;
}

/** A number of milliseconds in [low, high]: not a string, NaN or infinite. */
function milliseconds(value, what, low, high) {
  if (typeof value !== "number") throw new TypeError(`${what} must be a number of milliseconds`);
  if (!Number.isFinite(value) || value < low || value > high) {
    throw new RangeError(`${what} must be between ${low} and ${high} milliseconds, not ${value}`);
  }
  return value;
}

class Api {
  constructor(server, token, timeoutMs, fetchImpl) {
    let url;
    try {
      url = new URL(server);
    } catch {
      throw new TypeError(`the seat server must be an http(s) URL, not ${JSON.stringify(server)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`the seat server must be an http(s) URL, not ${JSON.stringify(server)}`);
    }
    if (url.search !== "" || url.hash !== "" || String(server).includes("?")) {
      throw new TypeError(`the seat server URL has no query or fragment: ${JSON.stringify(server)}`);
    }
    if (typeof token !== "string" || token === "") throw new TypeError("a seat server token is needed");
    if (/[\s\x00-\x1f\x7f]/.test(token)) throw new TypeError("a seat server token has no spaces or control characters");
    this.base = String(server).replace(/\/+$/, "") + "/api/v1";
    this.token = token;
    this.timeoutMs = milliseconds(timeoutMs, "timeoutMs", 1, 3_600_000);
    this.fetch = fetchImpl ?? globalThis.fetch;
    if (typeof this.fetch !== "function") throw new TypeError("no fetch: pass options.fetch");
  }

  async post(path, body = {}, timeoutMs = this.timeoutMs) {
    let response;
    try {
      response = await this.fetch(this.base + path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.token}`,
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `licman-js/${VERSION}`,
        },
        body: JSON.stringify(body),
        redirect: "error", // never send the token on to wherever a redirect points
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new SeatServerUnreachable("unreachable", `the seat server does not answer: ${e?.cause?.code ?? e?.message ?? e}`, 0);
    }
    let answer;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok) {
      const error = answer && typeof answer.error === "object" && answer.error !== null ? answer.error : {};
      const code = typeof error.code === "string" ? error.code : `http_${response.status}`;
      const message = typeof error.message === "string" ? error.message : response.statusText;
      const { code: _c, message: _m, ...details } = error;
      const Kind = code === "capacity_exceeded" ? CapacityExceeded : SeatError;
      throw new Kind(code, message, response.status, details);
    }
    if (answer === null || typeof answer !== "object") {
      throw new SeatServerUnreachable("bad_response", "the seat server's answer is not a JSON object", response.status);
    }
    return answer;
  }
}

const openLeases = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled || typeof process === "undefined" || typeof process.once !== "function") return;
  exitHookInstalled = true;
  // The event loop is empty: give every open lease back (the heartbeat
  // timers are unref'd, so they do not keep a finished program alive).
  process.on("beforeExit", () => {
    for (const lease of [...openLeases]) lease.close().catch(() => {});
  });
}

/** A floating seat held while the product runs. */
export class Lease {
  /**
   * Checks out a seat. `options`: `{ server, token, pool, holder, ttlSeconds?,
   * heartbeatEvery? (ms), onLost?, timeoutMs? (30 s), fetch? }`.
   */
  static async open(options) {
    const lease = new Lease(options);
    await lease.#checkout();
    return lease;
  }

  #api;
  #timer = null;
  #closed = false;
  #ttlMs = 0; // from the server's own times: no local clock is compared with the server's
  #heldUntil = 0; // performance.now() when the lease runs out without another heartbeat

  constructor({ server, token, pool, holder, ttlSeconds, heartbeatEvery, onLost, timeoutMs = 30_000, fetch } = {}) {
    if (typeof pool !== "string" || pool === "" || typeof holder !== "string" || holder === "") {
      throw new TypeError("a lease needs a pool and a holder");
    }
    if (heartbeatEvery !== undefined) milliseconds(heartbeatEvery, "heartbeatEvery", 100, 86_400_000);
    if (ttlSeconds !== undefined) {
      if (typeof ttlSeconds !== "number") throw new TypeError("ttlSeconds must be a number of seconds");
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttlSeconds must be a positive whole number, not ${ttlSeconds}`);
    }
    this.#api = new Api(server, token, timeoutMs, fetch);
    this.pool = pool;
    this.holder = holder;
    this.ttlSeconds = ttlSeconds;
    this.heartbeatEvery = heartbeatEvery;
    this.onLost = onLost ?? null;
    this.info = null;
    this.lost = null;
    this.heartbeats = 0;
  }

  /** The lease's id. */
  get id() {
    if (this.info === null) throw new Error("the lease is not open");
    return this.info.id;
  }

  /** Throws `LeaseLost` if the seat is no longer held. */
  check() {
    if (this.lost !== null) throw this.lost;
  }

  async #checkout() {
    const body = { pool: this.pool, holder: this.holder };
    if (this.ttlSeconds !== undefined) body.ttl_seconds = this.ttlSeconds;
    this.info = leaseInfo(await this.#api.post("/leases", body));
    this.#ttlMs = Math.max(1000, this.info.expiresAt.getTime() - this.info.checkedOutAt.getTime());
    this.#heldUntil = performance.now() + this.#ttlMs;
    openLeases.add(this);
    installExitHook();
    this.#schedule();
  }

  #schedule() {
    if (this.#closed || this.lost !== null) return;
    // setTimeout fires at once for delays over 2^31 - 1 ms: cap them.
    const delay = Math.min(this.heartbeatEvery ?? Math.max(1000, this.#ttlMs / 3), 2_147_483_647);
    this.#timer = setTimeout(() => this.#beat(), delay);
    this.#timer.unref?.();
  }

  async #beat() {
    try {
      await this.heartbeat();
    } catch (e) {
      if (!(e instanceof SeatError) || this.lost !== null || this.#closed) return;
      if (performance.now() >= this.#heldUntil) {
        this.#lose(new LeaseLost("lease_expired", `the lease ran out before a heartbeat got through: ${e.message}`, 0));
        return;
      }
      // A busy or unreachable server: try again at the next beat.
    }
    this.#schedule();
  }

  /** Sends one heartbeat now (the timer does this by itself). */
  async heartbeat() {
    const id = this.id;
    const sent = performance.now();
    // No longer than the lease has left: the loss is known at once, not
    // after the whole request timeout.
    const left = Math.max(500, this.#heldUntil - sent);
    let answer;
    try {
      answer = leaseInfo(await this.#api.post(`/leases/${encodeURIComponent(id)}/heartbeat`, {}, Math.min(this.#api.timeoutMs, left)));
    } catch (e) {
      if (e instanceof SeatError && LOST.has(e.code)) {
        this.#lose(new LeaseLost(e.code, `the seat was lost: ${e.message}`, e.httpStatus, e.details));
      }
      throw e;
    }
    if (!this.#closed) { // a heartbeat answered after close() changes nothing
      this.info = answer;
      this.#heldUntil = sent + this.#ttlMs;
    }
    this.heartbeats += 1;
    return answer;
  }

  #lose(lost) {
    if (this.lost !== null || this.#closed) return;
    this.lost = lost;
    openLeases.delete(this);
    clearTimeout(this.#timer);
    if (this.onLost) this.onLost(lost);
  }

  /** Stops the heartbeats and gives the seat back (once; a lost lease is not released). */
  async close() {
    if (this.#closed || this.info === null) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    openLeases.delete(this);
    if (this.lost !== null) return;
    try {
      this.info = leaseInfo(await this.#api.post(`/leases/${encodeURIComponent(this.info.id)}/release`));
    } catch (e) {
      // Unanswered: the seat frees itself when its TTL passes.
      if (e instanceof SeatServerUnreachable) return;
      if (!(e instanceof SeatError && LOST.has(e.code))) throw e;
    }
  }

  async [Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose")]() {
    await this.close();
  }
}
