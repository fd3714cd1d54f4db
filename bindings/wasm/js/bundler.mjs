// Entry for bundlers (the wasm-bindgen `bundler` target: webpack, Vite, …).
import * as raw from "./bundler/licman_wasm.js";
import { install } from "./glue.js";

export const { Catalog, KeyRing, License, RouteTable } = install({ ...raw });
export * from "./errors.js";
