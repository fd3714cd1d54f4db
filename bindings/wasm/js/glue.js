// Installs the package's JS conventions on the wasm-bindgen classes: errors
// become the classes of errors.js, and a `null` catalog or license is
// accepted where the Rust signature takes a reference.
import { makeError } from "./errors.js";

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
    return license === null || license === undefined
      ? this.authorizeUnlicensed(path, options)
      : authorize.call(this, path, license, options);
  };
  return raw;
}
