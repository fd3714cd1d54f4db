#!/usr/bin/env bash
# Builds the npm package of licman into target/wasm-pkg and packs it into
# target/dist/npm/licman-VERSION.tgz (npm pack). One .wasm serves every
# entry: wasm-bindgen's nodejs (CommonJS) and web (ES module) glue load the
# same licman_wasm_bg.wasm (the script checks that the targets' modules are
# identical), shrunk with wasm-opt -Oz. build.mjs (esbuild) makes the
# CommonJS side and the ES module wrappers for Node.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh
need node "node (18 or later) is needed to build the npm package"
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# Without --locked: the CLI's own lock file pins a crate this registry lacks.
ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$version"
ensure_node_tools
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo build --locked -q -p licman-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm=$T/wasm32-unknown-unknown/wasm-release/licman_wasm.wasm
pkg=target/wasm-pkg
work=target/wasm-bindgen
rm -rf "$pkg" "$work"
mkdir -p "$pkg" "$work"
wasm-bindgen --target nodejs --out-dir "$work/node" "$wasm"
wasm-bindgen --target web --out-dir "$work/web" "$wasm"
cmp -s "$work/node/licman_wasm_bg.wasm" "$work/web/licman_wasm_bg.wasm" || {
  echo "error: wasm-bindgen made different modules for the nodejs and web targets; one .wasm cannot serve both" >&2
  exit 1
}
before=$(stat -c %s "$work/web/licman_wasm_bg.wasm")
bindings/tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$work/web/licman_wasm_bg.wasm" -o "$pkg/licman_wasm_bg.wasm"
cp "$work/node/licman_wasm.js" "$pkg/licman_wasm_node.cjs"
cp "$work/web/licman_wasm.js" "$pkg/licman_wasm_web.js"
cp "$work/node/licman_wasm.d.ts" "$pkg/licman_wasm.d.ts"
cp bindings/wasm/js/*.js bindings/wasm/js/*.mjs bindings/wasm/js/*.d.ts bindings/wasm/js/package.json "$pkg/"
cp bindings/wasm/README.md LICENSE-MIT LICENSE-APACHE "$pkg/"
node bindings/wasm/js/build.mjs "$pkg" bindings/tools
rm "$pkg/build.mjs" "$pkg/entry-node.js"
after=$(stat -c %s "$pkg/licman_wasm_bg.wasm")
gz=$(gzip -9 -c "$pkg/licman_wasm_bg.wasm" | wc -c)
echo "licman_wasm_bg.wasm: $before bytes from wasm-bindgen, $after after wasm-opt -Oz, $gz gzipped"
mkdir -p target/dist/npm
rm -f target/dist/npm/licman-*.tgz
(cd "$pkg" && npm pack --silent --pack-destination ../dist/npm >/dev/null)
ls -l target/dist/npm/
