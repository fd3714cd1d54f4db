// Types of the licman package (both entries).
import type { AuthorizeOptions, Catalog, License, PathCase, RouteTable, VerifyOptions } from "./licman_wasm.js";
import type { InvalidLicense } from "./errors.js";

export { ActivationRequest, Catalog, KeyRing, License, RouteTable } from "./licman_wasm.js";
export type {
  ActivationRequestFields,
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
} from "./licman_wasm.js";
export * from "./errors.js";

declare module "./licman_wasm.js" {
  interface KeyRing {
    /** Verifies a license; without a catalog, `options.product` names the product to expect. */
    verify(license: string, catalog: Catalog | null | undefined, options?: VerifyOptions): License;
  }
  interface RouteTable {
    /** The gateway decision; `license` may be `null` (no license: 402 on licensed paths). */
    authorize(path: string, license: License | null | undefined, options?: AuthorizeOptions): string;
  }
}

/** The signed-in user, as the application's authentication knows them. */
export interface Identity {
  /** The user's groups (names of the guard's group table). */
  groups?: readonly string[];
  /** A superuser may use every licensed module, whatever their groups. */
  superuser?: boolean;
}

/** The group table: group → the modules it may use. */
export type GroupTable = Readonly<Record<string, string | readonly string[]>>;

/** The license check of a web application (see licman/express). */
export declare class Guard {
  /**
   * `license`: a verified License, the InvalidLicense its verification threw
   * (licensed paths answer with that 402), or null (no license). With
   * `groups`, a request without an identity reaches no module.
   */
  constructor(catalog: Catalog, license: License | InvalidLicense | null, options?: { groups?: GroupTable | null; routes?: RouteTable | null });
  /** Verifies `text`; a license that does not verify is kept as its error. */
  static verify(
    catalog: Catalog,
    ring: import("./licman_wasm.js").KeyRing,
    text: string | null,
    options?: VerifyOptions & { groups?: GroupTable | null; routes?: RouteTable | null },
  ): Guard;
  readonly catalog: Catalog;
  readonly routes: RouteTable;
  readonly license: License | null;
  readonly licenseError: InvalidLicense | null;
  readonly checksGroups: boolean;
  /** The same guard matching paths with `pathCase`. */
  withCase(pathCase: PathCase): Guard;
  /** What `path` needs ("public", "licensed" or the module); throws the Denial otherwise. */
  authorize(path: string, identity?: Identity | null, options?: { now?: Date }): string;
}

/** The fingerprint of the machine whose operating-system id is `machineId`, for `product` (64 hex digits). */
export declare function machineFingerprintOf(product: string, machineId: string): string;
/** This machine's fingerprint for `product` (Node; throws `InvalidArgument` `no_machine_id` in browsers). */
export declare function machineFingerprint(product: string): string;
/**
 * An activation request for this machine (Node): its fingerprint for `product`, a random nonce, and
 * `options.now` (default: now). Browsers throw `InvalidArgument` `no_machine_id`.
 */
export declare function activationRequest(
  product: string,
  options?: { customerId?: string; licenseId?: string; now?: Date },
): import("./licman_wasm.js").ActivationRequest;
/** The operating system's id of this machine (Node only). */
export declare function machineId(): string;
