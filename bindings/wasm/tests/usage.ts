// Type-checked with `tsc --noEmit --strict` in CI: the package's TypeScript
// types must describe this ordinary usage.
import {
  Catalog,
  ClockError,
  Denial,
  KeyRing,
  type License,
  type PathCase,
  type Policy,
  QuotaExceeded,
  type RevocationListInfo,
  RouteTable,
  type RouteOptions,
  StaleRevocationList,
  type Status,
  UnlistedPath,
  type UnmatchedPath,
  type VerifyOptions,
  Guard,
  type Identity,
  InvalidLicense,
} from "licman";
import { licensed, requestPath, type RequestLike } from "licman/express";
import { CapacityExceeded, Lease, type LeaseInfo, LeaseLost } from "licman/seats";

export function gate(catalogText: string, publicKey: string, key: string, path: string): { status: number; body: unknown } {
  const catalog: Catalog = Catalog.fromJson(catalogText);
  const options: VerifyOptions = { now: new Date(), policy: "enforce", fingerprints: [] };
  const license: License = new KeyRing([publicKey]).verify(key, catalog, options);
  const status: Status = license.status(new Date());
  const modules: string[] = license.modules;
  const expires: Date | undefined = license.expiresAt;
  try {
    license.checkQuota("devices", modules.length, 1);
    const needs: string = new RouteTable(catalog).authorize(path, license, { userGroups: ["ops"], superuser: false });
    return { status: 200, body: { needs, status, expires: expires?.toISOString() ?? null, tier: license.tierDisplayName } };
  } catch (e) {
    if (e instanceof QuotaExceeded) return { status: e.httpStatus, body: e.body };
    if (e instanceof Denial) return { status: e.httpStatus, body: e.body };
    throw e;
  }
}

/** A host that keeps its high-water marks (the license's last-seen time, the highest revocation serial) across restarts. */
export function restart(
  catalog: Catalog,
  ring: KeyRing,
  key: string,
  revocations: string,
  saved: { lastSeen?: Date; serial: number | bigint },
): { license: License; lastSeen: Date; serial: number | bigint } | { status: number; body: unknown } {
  const list: RevocationListInfo = ring.verifyRevocationList(revocations, catalog.product);
  const issued: Date = list.issuedAt;
  const revoked: number | bigint = list.revokedCount;
  const policy: Policy = "report_only";
  const options: VerifyOptions = {
    lastSeen: saved.lastSeen,
    revocations,
    minRevocationSerial: saved.serial,
    maxRevocationAgeSeconds: 7 * 86_400,
    policy,
  };
  try {
    const license = ring.verify(key, catalog, options);
    return { license, lastSeen: license.lastSeen, serial: list.serial > saved.serial ? list.serial : saved.serial };
  } catch (e) {
    if (e instanceof StaleRevocationList || e instanceof ClockError) return { status: e.httpStatus, body: { ...e.body, issued, revoked } };
    throw e;
  }
}

/** A gateway for a case-insensitive router that serves only listed paths. */
export function strictGateway(catalog: Catalog, license: License | null, path: string): number {
  const options: RouteOptions = { case: "fold_ascii", unmatched: "deny" };
  const routes = new RouteTable(catalog, options);
  const current: { case: PathCase; unmatched: UnmatchedPath } = routes.options;
  const plain = new RouteTable(catalog);
  if (current.unmatched === "deny" && plain.target(path) === "unlisted") return 403;
  try {
    routes.authorize(path, license, { userGroups: [] });
    return 200;
  } catch (e) {
    if (e instanceof UnlistedPath) return e.httpStatus;
    if (e instanceof Denial) return e.httpStatus;
    throw e;
  }
}

/** An Express-style app guarded by licman: the middleware and its request type. */
interface SessionRequest extends RequestLike {
  headers: Record<string, string | undefined>;
}
export function guardedMiddleware(catalog: Catalog, ring: KeyRing, text: string | null) {
  const guard = Guard.verify(catalog, ring, text, { groups: { ops: ["devices"], auditors: ["manual_audits"] } });
  const broken: InvalidLicense | null = guard.licenseError;
  const sessions: Record<string, Identity> = { "s-olivia": { groups: ["ops"] } };
  const middleware = licensed<SessionRequest>(guard, {
    identity: async (req) => sessions[req.headers.cookie ?? ""] ?? null,
  });
  const needs: string = guard.authorize(requestPath("/devices/7?x=1"), { groups: ["ops"], superuser: false });
  return { middleware, needs, broken };
}

/** A product instance holding a floating seat while it works. */
export async function holdSeat(server: string, token: string, work: (lease: Lease) => Promise<void>): Promise<string> {
  let lease: Lease;
  try {
    lease = await Lease.open({ server, token, pool: "CAD", holder: "ws-17", onLost: (lost: LeaseLost) => lost.message });
  } catch (e) {
    if (e instanceof CapacityExceeded) return `all ${e.capacity ?? "?"} seats are in use`;
    throw e;
  }
  try {
    await work(lease);
    lease.check();
    const info: LeaseInfo | null = lease.info;
    return info ? info.expiresAt.toISOString() : "";
  } finally {
    await lease[Symbol.asyncDispose]();
  }
}
