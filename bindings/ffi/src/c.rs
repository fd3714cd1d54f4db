//! The C ABI: opaque handles, explicit free functions, errors through an
//! out-parameter, and no panic across the boundary (every entry point
//! catches unwinding and reports it as an error).
//!
//! The header `bindings/c/include/licman.h` is generated from this file by
//! cbindgen (`bindings/c/cbindgen.toml`); it is not written by hand.
//!
//! Conventions:
//! - Strings in are NUL-terminated UTF-8; strings out are owned by the
//!   caller and freed with [`licman_string_free`], except the `const char *`
//!   status codes, which are static.
//! - A function that can fail takes `LicmanError **error`: on failure it
//!   stores a new error there (free it with [`licman_error_free`]) if
//!   `error` is not NULL, and returns NULL or -1.
//! - Handles are freed with their `_free` function; freeing NULL is a no-op.

// This module is the crate's only unsafe code: raw pointers from C.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Arc;

use crate::{Catalog, KeyRing, License, LicmanError as Error, RouteTable, VerifyOptions};

/// A product catalog (opaque).
#[derive(Debug)]
pub struct LicmanCatalog {
    inner: Arc<Catalog>,
    routes: Arc<RouteTable>,
}

/// A ring of trusted public keys (opaque).
#[derive(Debug)]
pub struct LicmanKeyRing {
    inner: Arc<KeyRing>,
}

/// A verified license bound to its catalog (opaque).
#[derive(Debug)]
pub struct LicmanLicense {
    inner: Arc<License>,
}

/// An error. `http_status` is 402, 403 or 400 for refusals and 0 otherwise;
/// `body` is the refusal's JSON body (empty otherwise). All strings are
/// NUL-terminated UTF-8 owned by the error.
#[repr(C)]
#[derive(Debug)]
pub struct LicmanError {
    /// `invalid_license`, `denied`, `unknown_name`, `invalid_catalog`,
    /// `invalid_public_key`, `invalid_revocation_list`, `invalid_argument`,
    /// or `panic`.
    pub kind: *mut c_char,
    /// The stable error code (`bad_signature`, `quota_exceeded`, …).
    pub code: *mut c_char,
    /// A description for people.
    pub description: *mut c_char,
    /// The HTTP status of a refusal, 0 otherwise.
    pub http_status: u16,
    /// The JSON body of a refusal, "" otherwise.
    pub body: *mut c_char,
}

/// Options of [`licman_keyring_verify`]. Zero fields mean "not given".
#[repr(C)]
#[derive(Debug)]
pub struct LicmanVerifyOptions {
    /// The product to expect when no catalog is given (NULL: none).
    pub product: *const c_char,
    /// The host's time, Unix seconds (0: read the clock).
    pub now_unix: u64,
    /// The latest time the host saw before, Unix seconds (0: none).
    pub last_seen_unix: u64,
    /// An armored revocation list (NULL: none).
    pub revocations: *const c_char,
    /// Fingerprints this machine presents, 64 hex digits each.
    pub fingerprints: *const *const c_char,
    /// Number of `fingerprints`.
    pub fingerprint_count: usize,
    /// Report validity problems instead of refusing.
    pub advisory: bool,
}

fn c_string(s: &str) -> *mut c_char {
    // Interior NULs cannot occur in licman's strings; replace defensively.
    CString::new(s.replace('\0', "\u{fffd}")).map_or(ptr::null_mut(), CString::into_raw)
}

fn new_error(
    kind: &str,
    code: &str,
    description: &str,
    http_status: u16,
    body: &str,
) -> *mut LicmanError {
    Box::into_raw(Box::new(LicmanError {
        kind: c_string(kind),
        code: c_string(code),
        description: c_string(description),
        http_status,
        body: c_string(body),
    }))
}

fn to_c_error(e: &Error) -> *mut LicmanError {
    new_error(
        e.kind(),
        e.code(),
        e.description(),
        e.http_status(),
        e.body(),
    )
}

/// Stores `e` in `*out` if `out` is not NULL.
///
/// # Safety
/// `out` is NULL or valid for writes.
unsafe fn set_error(out: *mut *mut LicmanError, e: *mut LicmanError) {
    if out.is_null() {
        // SAFETY: `e` came from `Box::into_raw` and is not shared.
        unsafe { licman_error_free(e) };
    } else {
        // SAFETY: the caller guarantees `out` is valid for writes.
        unsafe { *out = e };
    }
}

fn argument(code: &str, description: &str) -> Error {
    Error::InvalidArgument {
        code: code.into(),
        description: description.into(),
    }
}

/// A `&str` from a C string.
///
/// # Safety
/// `s` is NULL or a valid NUL-terminated string that outlives `'a`.
unsafe fn text<'a>(s: *const c_char, what: &str) -> Result<&'a str, Error> {
    if s.is_null() {
        return Err(argument("null_argument", &format!("{what} is NULL")));
    }
    // SAFETY: the caller guarantees a valid NUL-terminated string.
    unsafe { CStr::from_ptr(s) }.to_str().map_err(|e| {
        argument(
            "invalid_encoding",
            &format!("{what} is not UTF-8 (invalid byte at {})", e.valid_up_to()),
        )
    })
}

/// An optional `&str`: NULL is `None`.
///
/// # Safety
/// As [`text`].
unsafe fn optional_text<'a>(s: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    // SAFETY: the caller guarantees a valid NUL-terminated string (this function's contract).
    if s.is_null() {
        Ok(None)
    } else {
        // SAFETY: `s` is not NULL and the caller guarantees it is a valid C string.
        unsafe { text(s, what) }.map(Some)
    }
}

/// Strings from a C array.
///
/// # Safety
/// `items` is NULL (with `count` 0) or points to `count` valid C strings.
unsafe fn texts(
    items: *const *const c_char,
    count: usize,
    what: &str,
) -> Result<Vec<String>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if items.is_null() {
        return Err(argument(
            "null_argument",
            &format!("{what} is NULL with a count of {count}"),
        ));
    }
    // SAFETY: the caller guarantees `count` readable pointers.
    let slice = unsafe { std::slice::from_raw_parts(items, count) };
    // SAFETY: the caller guarantees a valid NUL-terminated string (this function's contract).
    slice
        .iter()
        .map(|&s| unsafe { text(s, what) }.map(str::to_string))
        .collect()
}

/// Runs `f`, turning an error or a panic into a stored error and `fallback`.
///
/// # Safety
/// `error` is NULL or valid for writes.
unsafe fn guard<T>(
    error: *mut *mut LicmanError,
    fallback: T,
    f: impl FnOnce() -> Result<T, Error>,
) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => {
            // SAFETY: `error` is NULL or writable (this function's contract).
            unsafe { set_error(error, to_c_error(&e)) };
            fallback
        }
        Err(_) => {
            // SAFETY: `error` is NULL or writable (this function's contract).
            unsafe {
                set_error(
                    error,
                    new_error(
                        "panic",
                        "panic",
                        "internal error (a panic was caught at the C boundary)",
                        0,
                        "",
                    ),
                )
            };
            fallback
        }
    }
}

/// A handle's inner object.
///
/// # Safety
/// `p` is NULL or a live handle of this type.
unsafe fn handle<'a, T>(p: *const T, what: &str) -> Result<&'a T, Error> {
    // SAFETY: the caller guarantees `p` is NULL or a live handle.
    unsafe { p.as_ref() }.ok_or_else(|| argument("null_argument", &format!("{what} is NULL")))
}

/// Frees an error. NULL is a no-op.
///
/// # Safety
/// `error` is NULL or was returned through a `LicmanError **` and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_error_free(error: *mut LicmanError) {
    if error.is_null() {
        return;
    }
    // SAFETY: the pointer came from `Box::into_raw` and each string from `CString::into_raw`.
    let e = unsafe { Box::from_raw(error) };
    for s in [e.kind, e.code, e.description, e.body] {
        if !s.is_null() {
            // SAFETY: each string came from `CString::into_raw` and is freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    }
}

/// Frees a string returned by this library. NULL is a no-op.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the string came from `CString::into_raw`.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Parses and validates a catalog in TOML. Free with [`licman_catalog_free`].
///
/// # Safety
/// `toml` is a NUL-terminated string; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_catalog_from_toml(
    toml: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut LicmanCatalog {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let inner = Catalog::from_toml(text(toml, "toml")?.to_string())?;
            let routes = RouteTable::new(inner.clone());
            Ok(Box::into_raw(Box::new(LicmanCatalog { inner, routes })))
        })
    }
}

/// Frees a catalog. NULL is a no-op.
///
/// # Safety
/// `catalog` is NULL or a live catalog handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_catalog_free(catalog: *mut LicmanCatalog) {
    if !catalog.is_null() {
        // SAFETY: the handle came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(catalog) });
    }
}

/// A ring of public keys in their text form. Free with [`licman_keyring_free`].
///
/// # Safety
/// `public_keys` points to `count` NUL-terminated strings; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_keyring_new(
    public_keys: *const *const c_char,
    count: usize,
    error: *mut *mut LicmanError,
) -> *mut LicmanKeyRing {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let inner = KeyRing::new(texts(public_keys, count, "public_keys")?)?;
            Ok(Box::into_raw(Box::new(LicmanKeyRing { inner })))
        })
    }
}

/// Frees a key ring. NULL is a no-op.
///
/// # Safety
/// `ring` is NULL or a live key ring handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_keyring_free(ring: *mut LicmanKeyRing) {
    if !ring.is_null() {
        // SAFETY: the handle came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(ring) });
    }
}

/// Parses and verifies a license, bound to `catalog` (or, when `catalog` is
/// NULL, to an empty catalog of `options->product`). Free the result with
/// [`licman_license_free`].
///
/// # Safety
/// `ring` is a live key ring; `license` a NUL-terminated string; `catalog`
/// NULL or live; `options` NULL or valid; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_keyring_verify(
    ring: *const LicmanKeyRing,
    license: *const c_char,
    catalog: *const LicmanCatalog,
    options: *const LicmanVerifyOptions,
    error: *mut *mut LicmanError,
) -> *mut LicmanLicense {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let ring = handle(ring, "ring")?;
            let license = text(license, "license")?.to_string();
            let catalog = catalog.as_ref().map(|c| c.inner.clone());
            let options = match options.as_ref() {
                None => VerifyOptions::default(),
                Some(o) => VerifyOptions {
                    product: optional_text(o.product, "options.product")?.map(str::to_string),
                    now_unix: (o.now_unix != 0).then_some(o.now_unix),
                    last_seen_unix: (o.last_seen_unix != 0).then_some(o.last_seen_unix),
                    revocations: optional_text(o.revocations, "options.revocations")?
                        .map(str::to_string),
                    fingerprints: texts(
                        o.fingerprints,
                        o.fingerprint_count,
                        "options.fingerprints",
                    )?,
                    advisory: o.advisory,
                },
            };
            let inner = ring.inner.verify(license, catalog, options)?;
            Ok(Box::into_raw(Box::new(LicmanLicense { inner })))
        })
    }
}

/// Frees a license. NULL is a no-op.
///
/// # Safety
/// `license` is NULL or a live license handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_free(license: *mut LicmanLicense) {
    if !license.is_null() {
        // SAFETY: the handle came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(license) });
    }
}

fn static_status(code: &str) -> *const c_char {
    let s: &'static CStr = match code {
        "active" => c"active",
        "expiring_soon" => c"expiring_soon",
        "in_grace" => c"in_grace",
        "expired" => c"expired",
        _ => c"not_yet_valid",
    };
    s.as_ptr()
}

/// The status at `now_unix` (0: the clock): a static string, `active`,
/// `expiring_soon`, `in_grace`, `expired` or `not_yet_valid`; NULL if
/// `license` is NULL.
///
/// # Safety
/// `license` is NULL or a live license handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_status(
    license: *const LicmanLicense,
    now_unix: u64,
) -> *const c_char {
    // SAFETY: the caller guarantees the handle is NULL or live. There is no
    // error out-parameter: a caught panic returns NULL.
    unsafe {
        guard(ptr::null_mut(), ptr::null(), || {
            Ok(match license.as_ref() {
                Some(l) => static_status(&l.inner.status((now_unix != 0).then_some(now_unix))),
                None => ptr::null(),
            })
        })
    }
}

/// The status at verification (a static string, as [`licman_license_status`]).
///
/// # Safety
/// `license` is NULL or a live license handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_verified_status(
    license: *const LicmanLicense,
) -> *const c_char {
    // SAFETY: the caller guarantees the handle is NULL or live. There is no
    // error out-parameter: a caught panic returns NULL.
    unsafe {
        guard(ptr::null_mut(), ptr::null(), || {
            Ok(match license.as_ref() {
                Some(l) => static_status(&l.inner.verified_status()),
                None => ptr::null(),
            })
        })
    }
}

/// Days until expiry at `now_unix` (0: the clock) in `*days`: returns 1, or
/// 0 for a perpetual license (`*days` untouched), -1 for NULL arguments.
///
/// # Safety
/// `license` is NULL or live; `days` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_days_until_expiry(
    license: *const LicmanLicense,
    now_unix: u64,
    days: *mut i64,
) -> i32 {
    // SAFETY: the caller guarantees the handle is NULL or live and `days`
    // NULL or writable; both are checked for NULL before use. There is no
    // error out-parameter: a caught panic returns -1.
    unsafe {
        guard(ptr::null_mut(), -1, || {
            let (Some(l), false) = (license.as_ref(), days.is_null()) else {
                return Ok(-1);
            };
            Ok(
                match l
                    .inner
                    .days_until_expiry((now_unix != 0).then_some(now_unix))
                {
                    Some(d) => {
                        *days = d;
                        1
                    }
                    None => 0,
                },
            )
        })
    }
}

/// The license id (UUID), the tier, the customer id, the claims as JSON, or
/// the validity problems as a JSON array of codes: `what` selects one of
/// `license_id`, `key_id`, `product`, `tier`, `tier_display_name`,
/// `customer_id`, `claims`, `problems`, `modules`, `key`. Free with
/// [`licman_string_free`]; NULL on error.
///
/// # Safety
/// `license` is a live license; `what` a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_get(
    license: *const LicmanLicense,
    what: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let l = &handle(license, "license")?.inner;
            let value = match text(what, "what")? {
                "license_id" => l.license_id(),
                "key_id" => l.key_id(),
                "product" => l.product(),
                "tier" => l.tier(),
                "tier_display_name" => l.tier_display_name(),
                "customer_id" => l.customer().id,
                "claims" => l.claims_json(),
                "problems" => serde_json::to_string(&l.problems()).unwrap_or_default(),
                "modules" => serde_json::to_string(&l.modules()).unwrap_or_default(),
                "key" => l.key(),
                other => {
                    return Err(argument(
                        "unknown_field",
                        &format!("unknown field {other:?}"),
                    ));
                }
            };
            Ok(c_string(&value))
        })
    }
}

/// Whether a module (by name or alias) is licensed: 1 or 0; -1 on error
/// (an unknown name).
///
/// # Safety
/// `license` is a live license; `name` a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_has_module(
    license: *const LicmanLicense,
    name: *const c_char,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            Ok(i32::from(
                l.inner.has_module(text(name, "name")?.to_string())?,
            ))
        })
    }
}

/// 0 if `requested` more fit after `current`; -1 with the refusal
/// (`quota_exceeded`, 403) or an error.
///
/// # Safety
/// `license` is a live license; `quota` a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_check_quota(
    license: *const LicmanLicense,
    quota: *const c_char,
    current: u64,
    requested: u64,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            l.inner
                .check_quota(text(quota, "quota")?.to_string(), current, requested)?;
            Ok(0)
        })
    }
}

/// Of `candidates` arriving in order, how many fit after `current`, in
/// `*accepted`. Returns 0, or -1 on error.
///
/// # Safety
/// `license` is live; `quota` a NUL-terminated string; `accepted` writable; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_accept(
    license: *const LicmanLicense,
    quota: *const c_char,
    current: u64,
    candidates: u64,
    accepted: *mut u64,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            if accepted.is_null() {
                return Err(argument("null_argument", "accepted is NULL"));
            }
            *accepted = l
                .inner
                .accept(text(quota, "quota")?.to_string(), current, candidates)?;
            Ok(0)
        })
    }
}

/// Sets the modules a group grants. 0, or -1 on error (a module outside
/// the tier, an unknown name).
///
/// # Safety
/// `license` is live; `group` a NUL-terminated string; `modules` points to
/// `count` strings; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_set_group(
    license: *const LicmanLicense,
    group: *const c_char,
    modules: *const *const c_char,
    count: usize,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            l.inner.set_group(
                text(group, "group")?.to_string(),
                texts(modules, count, "modules")?,
            )?;
            Ok(0)
        })
    }
}

/// The gateway decision for `path`. Returns what it needs (`public`,
/// `licensed` or a module name; free with [`licman_string_free`]) if
/// allowed, else NULL with the refusal in `*error` (402, 403 or 400).
/// `license` may be NULL (no license). The user check runs only when
/// `check_user` is true: the user's `groups` (`group_count` names) or
/// `superuser`.
///
/// # Safety
/// `catalog` is live; `path` a NUL-terminated string; `license` NULL or
/// live; `groups` points to `group_count` strings; `error` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn licman_authorize(
    catalog: *const LicmanCatalog,
    path: *const c_char,
    license: *const LicmanLicense,
    check_user: bool,
    groups: *const *const c_char,
    group_count: usize,
    superuser: bool,
    now_unix: u64,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let catalog = handle(catalog, "catalog")?;
            let path = text(path, "path")?.to_string();
            let license = license.as_ref().map(|l| l.inner.clone());
            let groups = if check_user {
                Some(texts(groups, group_count, "groups")?)
            } else {
                None
            };
            let target = catalog.routes.authorize(
                path,
                license,
                groups,
                superuser,
                (now_unix != 0).then_some(now_unix),
            )?;
            Ok(c_string(&target))
        })
    }
}

/// The library version (a static string).
#[unsafe(no_mangle)]
pub extern "C" fn licman_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}
