#!/usr/bin/env bash
# Installs what the binding tests need, skipping whatever is already there at
# the right version. Sourced by the binding scripts. A tool that cannot be
# installed stops the run with a message that says so.
set -euo pipefail
# Where cargo puts its builds (CI may point CARGO_TARGET_DIR at a cache).
T="${CARGO_TARGET_DIR:-target}"

need() { # need CMD MESSAGE
  command -v "$1" >/dev/null 2>&1 || { echo "error: $2" >&2; exit 1; }
}

ensure_apt() { # ensure_apt PACKAGE...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt)"
    if ! { apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "${missing[@]}" >/dev/null 2>&1; }; }; then
      echo "error: cannot install ${missing[*]} with apt-get; install them and rerun" >&2
      exit 1
    fi
  fi
}

ensure_cargo_tool() { # ensure_cargo_tool BINARY CRATE VERSION [--locked]
  local bin=$1 crate=$2 version=$3 locked=${4:-}
  if ! "$bin" --version 2>/dev/null | grep -q " $version\$"; then
    echo "installing $crate $version (cargo install, a few minutes)"
    cargo install "$crate" --version "$version" $locked --quiet || {
      echo "error: cargo install $crate $version failed" >&2
      exit 1
    }
  fi
}

ensure_node_tools() { # kotlinc, wasm-opt (binaryen), tsc, express from bindings/tools (package-lock.json)
  need npm "npm is needed for the binding tools (kotlin-compiler, binaryen, typescript, express)"
  # Installed once per lock file: a stamp holds the lock file npm ci installed.
  if ! cmp -s bindings/tools/package-lock.json bindings/tools/node_modules/.licman-installed-lock; then
    echo "installing kotlin-compiler, binaryen, typescript, express (npm ci)"
    (cd bindings/tools && npm ci --no-audit --no-fund --loglevel=error) || {
      echo "error: npm ci in bindings/tools failed" >&2
      exit 1
    }
    cp bindings/tools/package-lock.json bindings/tools/node_modules/.licman-installed-lock
  fi
  chmod +x bindings/tools/node_modules/kotlin-compiler/bin/*
}
