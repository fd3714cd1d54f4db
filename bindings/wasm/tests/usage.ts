// Type-checked with `tsc --noEmit --strict` in CI: the package's TypeScript
// types must describe this ordinary usage.
import {
  Catalog,
  Denial,
  KeyRing,
  type License,
  QuotaExceeded,
  RouteTable,
  type Status,
  type VerifyOptions,
} from "licman";

export function gate(catalogText: string, publicKey: string, key: string, path: string): { status: number; body: unknown } {
  const catalog: Catalog = Catalog.fromToml(catalogText);
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
