// Entry for bundlers (the wasm-bindgen `bundler` target: webpack, Vite, …).
import * as raw from "./bundler/licman_wasm.js";
import { install } from "./glue.js";
import { makeGuard } from "./web.js";

export const { Catalog, KeyRing, License, RouteTable } = install({ ...raw });
export const Guard = makeGuard(RouteTable);
export * from "./errors.js";
