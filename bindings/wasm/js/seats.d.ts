// Types of licman/seats: the lease client of `licman-seats serve`.
import { LicmanError } from "./errors.js";

/** The seat server refused. */
export class SeatError extends LicmanError {
  readonly httpStatus: number;
  /** The error's other fields (for example `capacity`, `allocated`, `pool_name`). */
  readonly details: Readonly<Record<string, unknown>>;
}
/** Every seat of the pool is out. */
export class CapacityExceeded extends SeatError {
  readonly capacity: number | null;
  readonly allocated: number | null;
}
/** The lease no longer holds a seat: taken back, culled, or run out. */
export class LeaseLost extends SeatError {}
/** The seat server did not answer. */
export class SeatServerUnreachable extends SeatError {}

/** A lease as the server showed it last. */
export interface LeaseInfo {
  id: string;
  poolId: string;
  poolName: string | null;
  holder: string;
  status: "active" | "expired" | "released" | "ended";
  checkedOutAt: Date;
  expiresAt: Date;
  releasedAt: Date | null;
  borrowed: boolean;
  overage: boolean;
  holdsSeat: boolean;
}

/** What the client passes to fetch. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal: unknown;
}
/** What the client reads of fetch's response. */
export interface FetchResponse {
  ok: boolean;
  status: number;
  statusText: string;
  json(): Promise<unknown>;
}

export interface LeaseOptions {
  /** The seat server, `http(s)://host:port`. */
  server: string;
  /** An instance token of the pool. */
  token: string;
  /** The concurrent pool (id or name). */
  pool: string;
  /** This instance's id. */
  holder: string;
  /** A TTL to ask for (at most the pool's for an instance token). */
  ttlSeconds?: number;
  /** Milliseconds between heartbeats (default: a third of the time left, at least 1 s). */
  heartbeatEvery?: number;
  /** Called once when the lease is lost. */
  onLost?: (lost: LeaseLost) => void;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Another fetch (default: globalThis.fetch). */
  fetch?: (url: string, init: FetchInit) => Promise<FetchResponse>;
}

/** A floating seat held while the product runs. */
export class Lease implements AsyncDisposable {
  /** Checks out a seat (throws `CapacityExceeded` when every seat is out). */
  static open(options: LeaseOptions): Promise<Lease>;
  constructor(options: LeaseOptions);
  readonly id: string;
  readonly pool: string;
  readonly holder: string;
  readonly info: LeaseInfo | null;
  readonly lost: LeaseLost | null;
  readonly heartbeats: number;
  /** Throws `LeaseLost` if the seat is no longer held. */
  check(): void;
  /** Sends one heartbeat now. */
  heartbeat(): Promise<LeaseInfo>;
  /** Stops the heartbeats and gives the seat back (once). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
