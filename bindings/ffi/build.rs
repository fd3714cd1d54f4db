//! Gives the shared library its soname on Linux: `liblicman.so.0.MINOR`
//! while the major version is 0 (each minor release may break the ABI),
//! `liblicman.so.MAJOR` after. `make install` installs it under that name
//! (bindings/c/install.sh).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" {
        format!("liblicman.so.0.{minor}")
    } else {
        format!("liblicman.so.{major}")
    };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
