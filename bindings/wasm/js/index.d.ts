// Types of the licman package (both entries).
import type { AuthorizeOptions, Catalog, License, VerifyOptions } from "./node/licman_wasm.js";

export { Catalog, KeyRing, License, RouteTable } from "./node/licman_wasm.js";
export type {
  AuthorizeOptions,
  Customer,
  LicenseChange,
  PathCase,
  Policy,
  RevocationListInfo,
  RouteOptions,
  Status,
  UnmatchedPath,
  VerifyOptions,
} from "./node/licman_wasm.js";
export * from "./errors.js";

declare module "./node/licman_wasm.js" {
  interface KeyRing {
    /** Verifies a license; without a catalog, `options.product` names the product to expect. */
    verify(license: string, catalog: Catalog | null | undefined, options?: VerifyOptions): License;
  }
  interface RouteTable {
    /** The gateway decision; `license` may be `null` (no license: 402 on licensed paths). */
    authorize(path: string, license: License | null | undefined, options?: AuthorizeOptions): string;
  }
}
