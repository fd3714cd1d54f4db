// The entry for browsers and bundlers (webpack, Vite, …): the wasm-bindgen
// `web` build, initialised with top-level await from the package's one
// .wasm (a bundler copies it as an asset through `new URL(…, import.meta.url)`).
import init, * as raw from "./licman_wasm_web.js";
import { install } from "./glue.js";
import { makeGuard } from "./web.js";
import { InvalidArgument } from "./errors.js";

await init({ module_or_path: new URL("./licman_wasm_bg.wasm", import.meta.url) });

export const { ActivationRequest, Catalog, KeyRing, License, RouteTable } = install({ ...raw });
export const Guard = makeGuard(RouteTable, License);
export const machineFingerprintOf = raw.machineFingerprintOf;
/** Browsers have no machine id: a fingerprint needs the id (`machineFingerprintOf`). */
export function machineFingerprint() {
  throw new InvalidArgument("no_machine_id", "a browser has no machine id to read: use machineFingerprintOf(product, id)");
}
/** Browsers have no machine id: build a request with `ActivationRequest.fromFields`. */
export function activationRequest() {
  throw new InvalidArgument("no_machine_id", "a browser has no machine id to read: use ActivationRequest.fromFields({ product, fingerprint, nonce, createdAt })");
}
export * from "./errors.js";
