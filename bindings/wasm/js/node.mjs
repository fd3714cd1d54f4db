// Entry for Node (the wasm-bindgen `nodejs` target, loaded synchronously).
import raw from "./node/licman_wasm.js";
import { install } from "./glue.js";

export const { Catalog, KeyRing, License, RouteTable } = install(raw);
export * from "./errors.js";
