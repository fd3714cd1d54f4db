#!/usr/bin/env bash
# Installs the C library: `make install PREFIX=/usr/local` (and DESTDIR for
# staging). Puts
#   PREFIX/include/licman.h
#   PREFIX/lib/liblicman.a
#   PREFIX/lib/liblicman.so.VERSION, with the links liblicman.so.SONAME_VERSION
#     (the soname: 0.MINOR while the major version is 0) and liblicman.so
#   PREFIX/lib/pkgconfig/licman.pc (the shared library) and licman-static.pc
# Then: cc app.c $(pkg-config --cflags --libs licman), or licman-static.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="${1:-${PREFIX:-/usr/local}}"
case "$prefix" in /*) ;; *) prefix="$(realpath -m "$prefix")" ;; esac
dest="${DESTDIR:-}$prefix"
T="${CARGO_TARGET_DIR:-target}"
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
major=${version%%.*}
minor=$(cut -d. -f2 <<<"$version")
if [ "$major" = 0 ]; then soversion="0.$minor"; else soversion="$major"; fi

cargo build --release --locked -q -p licman-ffi
built="$T/release/liblicman_ffi.so"
if ! readelf -d "$built" | grep -q "SONAME.*\[liblicman.so.$soversion\]"; then
  echo "error: $built has no soname liblicman.so.$soversion" >&2
  exit 1
fi
install -d "$dest/include" "$dest/lib/pkgconfig"
install -m 0644 bindings/c/include/licman.h "$dest/include/licman.h"
install -m 0644 "$T/release/liblicman_ffi.a" "$dest/lib/liblicman.a"
install -m 0755 "$built" "$dest/lib/liblicman.so.$version"
strip --strip-unneeded "$dest/lib/liblicman.so.$version"
ln -sfn "liblicman.so.$version" "$dest/lib/liblicman.so.$soversion"
ln -sfn "liblicman.so.$soversion" "$dest/lib/liblicman.so"
cat > "$dest/lib/pkgconfig/licman.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: licman
Description: Offline license verification and enforcement (Ed25519-signed licenses, modules, quotas, routes)
URL: https://github.com/licman/licman
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -llicman
Libs.private: -lpthread -ldl -lm
PC
cat > "$dest/lib/pkgconfig/licman-static.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: licman-static
Description: licman, linked statically (liblicman.a)
URL: https://github.com/licman/licman
Version: $version
Cflags: -I\${includedir}
Libs: \${libdir}/liblicman.a -lpthread -ldl -lm
PC
echo "installed licman $version into $dest (soname liblicman.so.$soversion)"
