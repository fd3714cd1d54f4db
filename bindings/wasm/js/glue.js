// Installs the package's JS conventions on the wasm-bindgen classes: errors
// become the classes of errors.js, and a `null` catalog or license is
// accepted where the Rust signature takes a reference.
import { makeError } from "./errors.js";

const VERIFY_OPTIONS = new Set(["product", "now", "lastSeen", "revocations", "minRevocationSerial", "maxRevocationAgeSeconds", "fingerprints", "policy"]);
const AUTHORIZE_OPTIONS = new Set(["userGroups", "superuser", "now"]);

/** A misspelled option would be ignored: refused instead. */
function knownOptions(options, known, what) {
  if (options === null || options === undefined || typeof options !== "object") return;
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`${what}: unknown option ${JSON.stringify(key)} (options: ${[...known].join(", ")})`);
  }
}

export function install(raw) {
  raw.setErrorFactory(makeError);
  const verify = raw.KeyRing.prototype.verify;
  raw.KeyRing.prototype.verify = function (license, catalog, options) {
    if (catalog === null || catalog === undefined) {
      const product = options?.product;
      if (typeof product !== "string") throw new TypeError("verify needs a catalog, or options.product");
      catalog = raw.Catalog.empty(product);
    }
    return verify.call(this, license, catalog, options);
  };
  const authorize = raw.RouteTable.prototype.authorize;
  raw.RouteTable.prototype.authorize = function (path, license, options) {
    if (license !== null && license !== undefined && !(license instanceof raw.License)) {
      throw new TypeError("authorize needs a License (or null: no license)");
    }
    knownOptions(options, AUTHORIZE_OPTIONS, "authorize");
    return license === null || license === undefined
      ? this.authorizeUnlicensed(path, options)
      : authorize.call(this, path, license, options);
  };
  const verifyChecked = raw.KeyRing.prototype.verify;
  raw.KeyRing.prototype.verify = function (license, catalog, options) {
    knownOptions(options, VERIFY_OPTIONS, "verify");
    return verifyChecked.call(this, license, catalog, options);
  };
  // An id is a whole number 0–255: wasm-bindgen would wrap 256 to 0 and
  // cut 1.5 to 1.
  const catalogId = (id, what) => {
    if (typeof id !== "number") throw new TypeError(`a ${what} id is a number, not ${typeof id}`);
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`a ${what} id is a whole number from 0 to 255, not ${id}`);
    return id;
  };
  // By-name checks resolve a name to its id once per license (the catalog
  // never changes), then check by id: no string crosses into WebAssembly
  // and no count is checked by a call back into JS. Unknown names, bigints
  // and wrong types take the checked path, which throws as before.
  const ids = Symbol("licman ids");
  const idOf = (license, kind, name, resolve) => {
    const table = (license[ids] ??= { module: new Map(), quota: new Map() })[kind];
    let id = table.get(name);
    if (id === undefined) {
      id = resolve.call(license, name);
      if (table.size < 1024) table.set(name, id); // names from requests cannot grow it without bound
    }
    return id;
  };
  const { hasModule, hasModuleId, moduleIdOf, checkQuota, checkQuotaById, quotaIdOf } = raw.License.prototype;
  const isCount = (n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  raw.License.prototype.hasModuleId = function (id) {
    return hasModuleId.call(this, catalogId(id, "module"));
  };
  raw.License.prototype.checkQuotaById = function (id, current, requested) {
    return checkQuotaById.call(this, catalogId(id, "quota"), current, requested);
  };
  raw.License.prototype.hasModule = function (name) {
    if (typeof name !== "string") return hasModule.call(this, name);
    return hasModuleId.call(this, idOf(this, "module", name, moduleIdOf));
  };
  raw.License.prototype.checkQuota = function (quota, current, requested = 1) {
    if (typeof quota !== "string" || !isCount(current) || !isCount(requested)) {
      return checkQuota.call(this, quota, current, requested);
    }
    return checkQuotaById.call(this, idOf(this, "quota", quota, quotaIdOf), current, requested);
  };
  return raw;
}
