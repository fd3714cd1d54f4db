/** The root of every licman error. */
export class LicmanError extends Error {
  /** A stable snake_case code. */
  readonly code: string;
}
export class InvalidPublicKey extends LicmanError {}
export class InvalidRevocationList extends LicmanError {}
/** An activation request did not parse, or its fields break the format's rules (`code` says which). */
export class InvalidActivationRequest extends LicmanError {}
export class CatalogError extends LicmanError {}
export class InvalidArgument extends LicmanError {}
/** A module, quota, tier or group name that is not defined. */
export class UnknownName extends LicmanError {
  readonly kind: "module" | "quota" | "tier" | "group";
  readonly unknownName: string;
}
/** A group could not be set (for example, a module outside the tier). */
export class GroupError extends LicmanError {}
/** A refusal, shaped as an HTTP response. */
export class Denial extends LicmanError {
  /** 402 (no usable license), 403 (refused under a valid license) or 400 (bad path). */
  readonly httpStatus: number;
  /** The response body, exactly as the core serialises it. */
  readonly body: Record<string, unknown>;
  /** What the client should do: "activate_license", "upgrade_license", "contact_admin", … */
  readonly action: string;
}
export class NoLicense extends Denial {}
export class ModuleNotLicensed extends Denial {}
export class QuotaExceeded extends Denial {}
export class AccessDenied extends Denial {}
export class InvalidPath extends Denial {}
/** No route covers the path and the route table denies such paths (403, `contact_admin`). */
export class UnlistedPath extends Denial {}
/** The license is not usable (402); `code` is the core's error code. */
export class InvalidLicense extends Denial {}
export class LicenseExpired extends InvalidLicense {}
export class LicenseNotYetValid extends InvalidLicense {}
export class LicenseRevoked extends InvalidLicense {}
export class ClockError extends InvalidLicense {}
export class WrongMachine extends InvalidLicense {}
/** The revocation list is older than `minRevocationSerial` or `maxRevocationAgeSeconds` accept (402). */
export class StaleRevocationList extends InvalidLicense {}
/** The class each license-error code maps to (every code the core declares; see `errorCodes()`). */
export const LICENSE_ERRORS: Readonly<Record<string, typeof InvalidLicense>>;
/** The class each denial code maps to (every code the core declares; see `denialCodes()`). */
export const DENIALS: Readonly<Record<string, typeof Denial>>;
