// Entry for Node (the wasm-bindgen `nodejs` target, loaded synchronously).
import raw from "./node/licman_wasm.js";
import { install } from "./glue.js";
import { makeGuard } from "./web.js";

export const { Catalog, KeyRing, License, RouteTable } = install(raw);
export const Guard = makeGuard(RouteTable);
export * from "./errors.js";
