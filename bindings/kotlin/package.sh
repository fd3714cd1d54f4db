#!/usr/bin/env bash
# Builds the JVM package of licman: target/dist/kotlin/licman-VERSION.jar
# (the generated uniffi classes and the per-call path in package
# dev.licman, with the native library for linux-x86_64 as the resource
# linux-x86-64/liblicman_ffi.so, which JNA finds and loads from the
# class path) and licman-VERSION.pom (its dependencies: JNA and the Kotlin
# standard library). Needs cargo, java and kotlinc ($KOTLINC, or
# bindings/tools' kotlin-compiler) and JNA ($JNA_JAR, default Debian's).
set -euo pipefail
cd "$(dirname "$0")/../.."
T="${CARGO_TARGET_DIR:-target}"
out="$(realpath -m "${1:-target/dist/kotlin}")"
kotlinc="${KOTLINC:-bindings/tools/node_modules/kotlin-compiler/bin/kotlinc}"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
kotlin_version=$("$kotlinc" -version 2>&1 | sed -n 's/.*kotlinc-jvm \([0-9.]*\).*/\1/p')
jna_version=$(unzip -p "$jna" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: \([0-9.]*\).*/\1/p' | head -1)

cargo build --release --locked -q -p licman-ffi
cargo build --release --locked -q -p licman-ffi --features bindgen --bin uniffi-bindgen
work="$T/kotlin-package"
rm -rf "$work" "$out"
mkdir -p "$work/src" "$work/classes/linux-x86-64" "$out"
"$T/release/uniffi-bindgen" generate --no-format --library "$T/release/liblicman_ffi.so" \
  --language kotlin --out-dir "$work/src" >/dev/null
"$kotlinc" -nowarn -jvm-target 17 -cp "$jna" "$work/src/dev/licman/licman.kt" bindings/kotlin/src/dev/licman/*.kt \
  -d "$work/classes" 2>&1 | grep -v '^warning:' || true
test -s "$work/classes/dev/licman/LicenseChecks.class"
cp "$T/release/liblicman_ffi.so" "$work/classes/linux-x86-64/liblicman_ffi.so"
strip --strip-unneeded "$work/classes/linux-x86-64/liblicman_ffi.so"
cat > "$work/MANIFEST.MF" <<MANIFEST
Manifest-Version: 1.0
Implementation-Title: licman
Implementation-Version: $version
Automatic-Module-Name: dev.licman
MANIFEST
jar --create --file "$out/licman-$version.jar" --manifest "$work/MANIFEST.MF" -C "$work/classes" .
cat > "$out/licman-$version.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.licman</groupId>
  <artifactId>licman</artifactId>
  <version>$version</version>
  <name>licman</name>
  <description>Offline license verification and enforcement for the JVM (Ed25519-signed licenses, modules, quotas, routes).</description>
  <url>https://github.com/licman/licman</url>
  <licenses>
    <license><name>MIT OR Apache-2.0</name></license>
  </licenses>
  <dependencies>
    <dependency><groupId>net.java.dev.jna</groupId><artifactId>jna</artifactId><version>$jna_version</version></dependency>
    <dependency><groupId>org.jetbrains.kotlin</groupId><artifactId>kotlin-stdlib</artifactId><version>$kotlin_version</version></dependency>
  </dependencies>
</project>
POM
ls -l "$out"
