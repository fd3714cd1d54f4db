// The Node implementation: bundled by build.mjs (esbuild) into node.cjs,
// which both `require("licman")` and `import "licman"` (node.mjs, a
// wrapper) load, so a program that does both has one copy of every class.
import raw from "./licman_wasm_node.cjs";
import { install } from "./glue.js";
import { makeGuard } from "./web.js";

export const { ActivationRequest, Catalog, KeyRing, License, RouteTable } = install(raw);
export const Guard = makeGuard(RouteTable, License);
export { activationRequest, machineId, machineFingerprint, machineFingerprintOf } from "./machine.js";
export * from "./errors.js";
