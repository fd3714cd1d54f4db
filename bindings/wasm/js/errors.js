// The errors licman throws. Every one is an `Error` with `code` (a stable
// snake_case string). Refusals are `Denial`s and carry `httpStatus`,
// `action` and `body`: the exact JSON object the core serialises, ready to
// send as an HTTP response.

export class LicmanError extends Error {
  constructor(code, message) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class InvalidPublicKey extends LicmanError {}
export class InvalidRevocationList extends LicmanError {}
export class InvalidActivationRequest extends LicmanError {}
export class CatalogError extends LicmanError {}
export class InvalidArgument extends LicmanError {}

export class UnknownName extends LicmanError {
  constructor(code, message, kind, name) {
    super(code, message);
    this.kind = kind;
    this.unknownName = name;
  }
}

export class GroupError extends LicmanError {}

export class Denial extends LicmanError {
  constructor(code, message, httpStatus, body) {
    super(code, message);
    this.httpStatus = httpStatus;
    this.body = body === "" ? null : JSON.parse(body);
    this.action = this.body ? this.body.action : null;
  }
}

export class NoLicense extends Denial {}
export class ModuleNotLicensed extends Denial {}
export class QuotaExceeded extends Denial {}
export class AccessDenied extends Denial {}
export class InvalidPath extends Denial {}
export class UnlistedPath extends Denial {}
export class InvalidLicense extends Denial {}
export class LicenseExpired extends InvalidLicense {}
export class LicenseNotYetValid extends InvalidLicense {}
export class LicenseRevoked extends InvalidLicense {}
export class ClockError extends InvalidLicense {}
export class WrongMachine extends InvalidLicense {}
export class StaleRevocationList extends InvalidLicense {}

// The class of each code, by kind. Every code the core declares is listed
// (the tests check them against the core's `errorCodes()` and
// `denialCodes()`); a code without its own class maps to the base class.
export const LICENSE_ERRORS = {
  too_large: InvalidLicense,
  wrong_prefix: InvalidLicense,
  invalid_encoding: InvalidLicense,
  truncated: InvalidLicense,
  trailing_bytes: InvalidLicense,
  unsupported_version: InvalidLicense,
  malformed_payload: InvalidLicense,
  invalid_claims: InvalidLicense,
  invalid_public_key: InvalidLicense,
  weak_public_key: InvalidLicense,
  key_id_mismatch: InvalidLicense,
  unknown_key: InvalidLicense,
  bad_signature: InvalidLicense,
  wrong_product: InvalidLicense,
  expired: LicenseExpired,
  not_yet_valid: LicenseNotYetValid,
  revoked: LicenseRevoked,
  clock_rolled_back: ClockError,
  issued_in_future: ClockError,
  machine_mismatch: WrongMachine,
  stale_revocation_list: StaleRevocationList,
};

export const DENIALS = {
  no_license: NoLicense,
  module_not_licensed: ModuleNotLicensed,
  quota_exceeded: QuotaExceeded,
  access_denied: AccessDenied,
  invalid_path: InvalidPath,
  unlisted_path: UnlistedPath,
  invalid_license: InvalidLicense,
  license_expired: LicenseExpired,
  license_not_yet_valid: LicenseNotYetValid,
  license_revoked: LicenseRevoked,
  clock_error: ClockError,
  wrong_machine: WrongMachine,
};

/** Builds the error for a facade error (called from the WebAssembly module). */
export function makeError(kind, code, message, httpStatus, body, name) {
  switch (kind) {
    case "invalid_license":
      return new (LICENSE_ERRORS[code] ?? InvalidLicense)(code, message, httpStatus, body);
    case "denied":
      return new (DENIALS[code] ?? Denial)(code, message, httpStatus, body);
    case "unknown_name": {
      const [unknownKind, ...rest] = String(name).split(":");
      return new UnknownName(code, message, unknownKind, rest.join(":"));
    }
    case "invalid_catalog":
      return new CatalogError(code, message);
    case "invalid_public_key":
      return new InvalidPublicKey(code, message);
    case "invalid_revocation_list":
      return new InvalidRevocationList(code, message);
    case "invalid_activation_request":
      return new InvalidActivationRequest(code, message);
    case "invalid_argument":
      return code === "module_not_licensed" || code === "invalid_group"
        ? new GroupError(code, message)
        : new InvalidArgument(code, message);
    default:
      return new LicmanError(code, message);
  }
}
