// Makes the CommonJS side of the npm package with esbuild (run by
// bindings/wasm/package.sh in the package directory):
//   node.cjs     entry-node.js with glue, errors and Guard bundled in; the
//                wasm-bindgen nodejs glue (licman_wasm_node.cjs) stays a
//                require, so there is one wasm instance
//   express.cjs, seats.cjs
//                the subpaths, with `./errors.js` required from node.cjs, so
//                `instanceof` sees the same classes as the main entry
//   node.mjs, express.mjs, seats.mjs
//                ES module wrappers over those, for `import` in Node
//   node bindings/wasm/js/build.mjs PACKAGE_DIR ESBUILD_PACKAGE_DIR
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const [pkgDir, esbuildDir] = process.argv.slice(2).map((p) => resolve(p));
const esbuild = createRequire(join(esbuildDir, "package.json"))("esbuild");

const sharedWithMain = {
  name: "shared-with-main",
  setup(build) {
    build.onResolve({ filter: /^\.\/(errors|licman_wasm_node)\.c?js$/ }, (args) => {
      if (args.path === "./licman_wasm_node.cjs") return { path: "./licman_wasm_node.cjs", external: true };
      // In a subpath, the errors are the main entry's.
      return build.initialOptions.entryPoints[0].endsWith("entry-node.js") ? undefined : { path: "./node.cjs", external: true };
    });
  },
};

for (const [entry, out] of [["entry-node.js", "node.cjs"], ["express.js", "express.cjs"], ["seats.js", "seats.cjs"]]) {
  await esbuild.build({
    entryPoints: [join(pkgDir, entry)],
    outfile: join(pkgDir, out),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node18",
    plugins: [sharedWithMain],
    logLevel: "warning",
  });
}

// ES module wrappers: named exports of the CommonJS module.
const require = createRequire(join(pkgDir, "package.json"));
for (const [cjs, mjs] of [["node.cjs", "node.mjs"], ["express.cjs", "express.mjs"], ["seats.cjs", "seats.mjs"]]) {
  const names = Object.keys(require(join(pkgDir, cjs))).filter((n) => n !== "default" && n !== "__esModule").sort();
  const lines = [
    `// For \`import\` in Node: the CommonJS module ${cjs}, so that import and require share it (generated).`,
    `import m from "./${cjs}";`,
    ...names.map((n) => `export const ${n} = m.${n};`),
    "",
  ];
  writeFileSync(join(pkgDir, mjs), lines.join("\n"));
}
