// The entry for browsers and bundlers (webpack, Vite, …): the wasm-bindgen
// `web` build, initialised with top-level await from the package's one
// .wasm (a bundler copies it as an asset through `new URL(…, import.meta.url)`).
import init, * as raw from "./licman_wasm_web.js";
import { install } from "./glue.js";
import { makeGuard } from "./web.js";

await init({ module_or_path: new URL("./licman_wasm_bg.wasm", import.meta.url) });

export const { Catalog, KeyRing, License, RouteTable } = install({ ...raw });
export const Guard = makeGuard(RouteTable);
export * from "./errors.js";
