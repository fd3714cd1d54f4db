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

use crate::{
    Catalog, KeyRing, License, LicmanError as Error, PathCase, Policy, RouteTable, UnmatchedPath,
    VerifyOptions,
};

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

/// A catalog's route table, matched with the catalog's options or others
/// (opaque).
#[derive(Debug)]
pub struct LicmanRouteTable {
    inner: Arc<RouteTable>,
}

/// An error. `http_status` is 402, 403 or 400 for refusals and 0 otherwise;
/// `body` is the refusal's JSON body (empty otherwise). All strings are
/// NUL-terminated UTF-8 owned by the error.
#[repr(C)]
#[derive(Debug)]
pub struct LicmanError {
    /// `invalid_license`, `denied`, `unknown_name`, `invalid_catalog`,
    /// `invalid_public_key`, `invalid_revocation_list`,
    /// `invalid_activation_request`, `invalid_argument`, or `panic`.
    pub kind: *mut c_char,
    /// The stable error code (`bad_signature`, `quota_exceeded`, …).
    pub code: *mut c_char,
    /// A description for people.
    pub description: *mut c_char,
    /// The HTTP status of a refusal, 0 otherwise.
    pub http_status: u16,
    /// The JSON body of a refusal, "" otherwise.
    pub body: *mut c_char,
    /// The name an `unknown_name` error is about (a module, quota, tier or
    /// group name), "" otherwise.
    pub name: *mut c_char,
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
    /// Report validity problems instead of refusing: the older spelling of
    /// `policy = LICMAN_POLICY_ADVISORY` (true with another policy is
    /// refused).
    pub advisory: bool,
    /// `LICMAN_POLICY_*` (0: enforce, or advisory when `advisory` is set).
    pub policy: u32,
    /// The lowest revocation-list serial accepted (0: any); an older list
    /// is refused with `stale_revocation_list`.
    pub min_revocation_serial: u64,
    /// The oldest revocation list accepted, in seconds before `now_unix`
    /// (0: any age); an older one is refused with `stale_revocation_list`.
    pub max_revocation_age_seconds: u64,
}

/// `LicmanVerifyOptions.policy`: not given (enforce, or advisory when
/// `advisory` is set).
pub const LICMAN_POLICY_DEFAULT: u32 = 0;
/// `LicmanVerifyOptions.policy`: refuse a license with a validity problem.
pub const LICMAN_POLICY_ENFORCE: u32 = 1;
/// `LicmanVerifyOptions.policy`: verify and list the problems; checks still
/// refuse a revoked license or another machine's.
pub const LICMAN_POLICY_ADVISORY: u32 = 2;
/// `LicmanVerifyOptions.policy`: verify and list the problems; only time
/// still refuses (fail open).
pub const LICMAN_POLICY_REPORT_ONLY: u32 = 3;

/// `LicmanRouteOptions.path_case`: the catalog's `[routes] case` (given to
/// [`licman_route_table_new`]; never returned).
pub const LICMAN_PATH_CASE_CATALOG: u32 = 0;
/// `LicmanRouteOptions.path_case`: `/Devices` is not `/devices`.
pub const LICMAN_PATH_CASE_EXACT: u32 = 1;
/// `LicmanRouteOptions.path_case`: ASCII letters match whatever their case.
pub const LICMAN_PATH_CASE_FOLD_ASCII: u32 = 2;
/// `LicmanRouteOptions.unmatched`: the catalog's `[routes] unmatched`
/// (given to [`licman_route_table_new`]; never returned).
pub const LICMAN_UNMATCHED_CATALOG: u32 = 0;
/// `LicmanRouteOptions.unmatched`: a path no route covers needs a license.
pub const LICMAN_UNMATCHED_LICENSED: u32 = 1;
/// `LicmanRouteOptions.unmatched`: a path no route covers is refused
/// (`unlisted`, 403 `unlisted_path`).
pub const LICMAN_UNMATCHED_DENY: u32 = 2;

/// How a route table matches: `LICMAN_PATH_CASE_*` and
/// `LICMAN_UNMATCHED_*`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LicmanRouteOptions {
    /// `LICMAN_PATH_CASE_*`.
    pub path_case: u32,
    /// `LICMAN_UNMATCHED_*`.
    pub unmatched: u32,
}

/// A revocation list that parsed and verified
/// ([`licman_keyring_verify_revocation_list`]).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LicmanRevocationListInfo {
    /// The list's serial (later lists have higher ones).
    pub serial: u64,
    /// When it was issued, Unix seconds.
    pub issued_at_unix: u64,
    /// How many licenses it revokes.
    pub revoked_count: u64,
}

fn policy_of(policy: u32) -> Result<Option<Policy>, Error> {
    match policy {
        LICMAN_POLICY_DEFAULT => Ok(None),
        LICMAN_POLICY_ENFORCE => Ok(Some(Policy::Enforce)),
        LICMAN_POLICY_ADVISORY => Ok(Some(Policy::Advisory)),
        LICMAN_POLICY_REPORT_ONLY => Ok(Some(Policy::ReportOnly)),
        other => Err(argument(
            "invalid_policy",
            &format!("unknown policy {other} (expected a LICMAN_POLICY_* value)"),
        )),
    }
}

fn path_case_of(value: u32) -> Result<Option<PathCase>, Error> {
    match value {
        LICMAN_PATH_CASE_CATALOG => Ok(None),
        LICMAN_PATH_CASE_EXACT => Ok(Some(PathCase::Exact)),
        LICMAN_PATH_CASE_FOLD_ASCII => Ok(Some(PathCase::FoldAscii)),
        other => Err(argument(
            "invalid_path_case",
            &format!("unknown path case {other} (expected a LICMAN_PATH_CASE_* value)"),
        )),
    }
}

fn unmatched_of(value: u32) -> Result<Option<UnmatchedPath>, Error> {
    match value {
        LICMAN_UNMATCHED_CATALOG => Ok(None),
        LICMAN_UNMATCHED_LICENSED => Ok(Some(UnmatchedPath::Licensed)),
        LICMAN_UNMATCHED_DENY => Ok(Some(UnmatchedPath::Deny)),
        other => Err(argument(
            "invalid_unmatched",
            &format!("unknown unmatched value {other} (expected a LICMAN_UNMATCHED_* value)"),
        )),
    }
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
    name: &str,
) -> *mut LicmanError {
    Box::into_raw(Box::new(LicmanError {
        kind: c_string(kind),
        code: c_string(code),
        description: c_string(description),
        http_status,
        body: c_string(body),
        name: c_string(name),
    }))
}

fn to_c_error(e: &Error) -> *mut LicmanError {
    let name = match e {
        Error::UnknownName { name, .. } => name.as_str(),
        _ => "",
    };
    new_error(
        e.kind(),
        e.code(),
        e.description(),
        e.http_status(),
        e.body(),
        name,
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
    for s in [e.kind, e.code, e.description, e.body, e.name] {
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

/// A catalog handle: the catalog with its route table.
fn catalog_handle(inner: Arc<Catalog>) -> *mut LicmanCatalog {
    let routes = RouteTable::new(inner.clone());
    Box::into_raw(Box::new(LicmanCatalog { inner, routes }))
}

/// Parses and validates a catalog in JSON (`licman-keygen catalog
/// export`). Free with [`licman_catalog_free`].
///
/// # Safety
/// `json` is a NUL-terminated string; `error` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_catalog_from_json(
    json: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut LicmanCatalog {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            Ok(catalog_handle(Catalog::from_json(
                text(json, "json")?.to_string(),
            )?))
        })
    }
}

/// Parses and validates a catalog in TOML. Free with [`licman_catalog_free`].
///
/// # Safety
/// `toml` is a NUL-terminated string; `error` is NULL or writable.
#[cfg(feature = "toml")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_catalog_from_toml(
    toml: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut LicmanCatalog {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            Ok(catalog_handle(Catalog::from_toml(
                text(toml, "toml")?.to_string(),
            )?))
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
                    policy: policy_of(o.policy)?,
                    min_revocation_serial: o.min_revocation_serial,
                    max_revocation_age_seconds: (o.max_revocation_age_seconds != 0)
                        .then_some(o.max_revocation_age_seconds),
                },
            };
            let inner = ring.inner.verify(license, catalog, options)?;
            Ok(Box::into_raw(Box::new(LicmanLicense { inner })))
        })
    }
}

/// Parses and verifies an armored revocation list of `product` with `ring`
/// and stores its serial, issue time and size in `*info` (to keep the
/// highest serial accepted, for `LicmanVerifyOptions.min_revocation_serial`).
/// Returns 0, or -1 with the error (`invalid_revocation_list`).
///
/// # Safety
/// `ring` is a live key ring; `text` and `product` NUL-terminated strings;
/// `info` writable; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_keyring_verify_revocation_list(
    ring: *const LicmanKeyRing,
    text: *const c_char,
    product: *const c_char,
    info: *mut LicmanRevocationListInfo,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, -1, || {
            let ring = handle(ring, "ring")?;
            if info.is_null() {
                return Err(argument("null_argument", "info is NULL"));
            }
            let list = ring.inner.verify_revocation_list(
                self::text(text, "text")?.to_string(),
                self::text(product, "product")?.to_string(),
            )?;
            *info = LicmanRevocationListInfo {
                serial: list.serial,
                issued_at_unix: list.issued_at_unix,
                revoked_count: list.revoked_count,
            };
            Ok(0)
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
/// `license` is NULL. A preview: the time is not recorded as the time seen
/// (`licman_authorize` records its time), and it is never judged earlier
/// than the last time seen.
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

/// Days until expiry at `now_unix` (0: the clock; a preview, as in
/// [`licman_license_status`]) in `*days`: returns 1, or 0 for a perpetual
/// license (`*days` untouched), -1 for NULL arguments.
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

/// The latest time any check of the license has seen (verification's
/// included), Unix seconds: a check at a time more than the clock tolerance
/// (one hour) before it is refused (`clock_error`, reason
/// `clock_rolled_back`). Persist it and pass it as
/// `LicmanVerifyOptions.last_seen_unix` at the next start. 0 if `license`
/// is NULL.
///
/// # Safety
/// `license` is NULL or a live license handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_last_seen_unix(license: *const LicmanLicense) -> u64 {
    // SAFETY: the caller guarantees the handle is NULL or live. There is no
    // error out-parameter: a caught panic returns 0.
    unsafe {
        guard(ptr::null_mut(), 0, || {
            Ok(license.as_ref().map_or(0, |l| l.inner.last_seen_unix()))
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
                "problems" => crate::json(&l.problems()),
                "modules" => crate::json(&l.modules()),
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
            Ok(i32::from(l.inner.has_module(text(name, "name")?)?))
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
                .check_quota(text(quota, "quota")?, current, requested)?;
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
            *accepted = l.inner.accept(text(quota, "quota")?, current, candidates)?;
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

/// The gateway decision for `path` under the catalog's route table, as
/// [`licman_route_table_authorize`].
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
            authorize(
                &catalog.routes,
                path,
                license,
                check_user,
                groups,
                group_count,
                superuser,
                now_unix,
            )
        })
    }
}

/// The decision of [`licman_authorize`] and [`licman_route_table_authorize`].
///
/// # Safety
/// As [`licman_route_table_authorize`].
#[allow(clippy::too_many_arguments)]
unsafe fn authorize(
    routes: &RouteTable,
    path: *const c_char,
    license: *const LicmanLicense,
    check_user: bool,
    groups: *const *const c_char,
    group_count: usize,
    superuser: bool,
    now_unix: u64,
) -> Result<*mut c_char, Error> {
    // SAFETY: the caller guarantees `path` is a C string, `license` NULL or
    // live, and `groups` `group_count` C strings.
    unsafe {
        let path = text(path, "path")?;
        let license = license.as_ref().map(|l| l.inner.clone());
        let groups = if check_user {
            Some(texts(groups, group_count, "groups")?)
        } else {
            None
        };
        let target = routes.authorize(
            path,
            license,
            groups,
            superuser,
            (now_unix != 0).then_some(now_unix),
        )?;
        Ok(c_string(&target))
    }
}

/// The route table of `catalog`, matched with `options` (NULL: the
/// catalog's `[routes]` options; a `LICMAN_*_CATALOG` field keeps the
/// catalog's value). Fails with `invalid_argument` for an unknown value and
/// `invalid_catalog` (`route_conflict`) when folding case makes two routes
/// one. Free with [`licman_route_table_free`].
///
/// # Safety
/// `catalog` is live; `options` NULL or valid; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_route_table_new(
    catalog: *const LicmanCatalog,
    options: *const LicmanRouteOptions,
    error: *mut *mut LicmanError,
) -> *mut LicmanRouteTable {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let catalog = handle(catalog, "catalog")?;
            let (path_case, unmatched) = match options.as_ref() {
                None => (None, None),
                Some(o) => (path_case_of(o.path_case)?, unmatched_of(o.unmatched)?),
            };
            let inner = RouteTable::with_options(catalog.inner.clone(), path_case, unmatched)?;
            Ok(Box::into_raw(Box::new(LicmanRouteTable { inner })))
        })
    }
}

/// Frees a route table. NULL is a no-op.
///
/// # Safety
/// `routes` is NULL or a live route table handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_route_table_free(routes: *mut LicmanRouteTable) {
    if !routes.is_null() {
        // SAFETY: the handle came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(routes) });
    }
}

/// How the table matches, in `*options` (`LICMAN_PATH_CASE_EXACT` or
/// `_FOLD_ASCII`, `LICMAN_UNMATCHED_LICENSED` or `_DENY`). Returns 0, or -1
/// for NULL arguments.
///
/// # Safety
/// `routes` is NULL or live; `options` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_route_table_options(
    routes: *const LicmanRouteTable,
    options: *mut LicmanRouteOptions,
) -> i32 {
    // SAFETY: the caller guarantees the handle is NULL or live and `options`
    // NULL or writable; both are checked for NULL before use. There is no
    // error out-parameter: a caught panic returns -1.
    unsafe {
        guard(ptr::null_mut(), -1, || {
            let (Some(r), false) = (routes.as_ref(), options.is_null()) else {
                return Ok(-1);
            };
            let current = r.inner.options();
            *options = LicmanRouteOptions {
                path_case: match current.path_case {
                    PathCase::Exact => LICMAN_PATH_CASE_EXACT,
                    PathCase::FoldAscii => LICMAN_PATH_CASE_FOLD_ASCII,
                },
                unmatched: match current.unmatched {
                    UnmatchedPath::Licensed => LICMAN_UNMATCHED_LICENSED,
                    UnmatchedPath::Deny => LICMAN_UNMATCHED_DENY,
                },
            };
            Ok(0)
        })
    }
}

/// What `path` needs: `public`, `licensed`, `unlisted` (no route covers it
/// and the table denies such paths) or a module name (free with
/// [`licman_string_free`]); NULL with the refusal (`invalid_path`, 400) for
/// a path that breaks the path contract.
///
/// # Safety
/// `routes` is live; `path` a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_route_table_target(
    routes: *const LicmanRouteTable,
    path: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract; handles and strings are checked for NULL before use.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let routes = handle(routes, "routes")?;
            let target = routes.inner.target(text(path, "path")?.to_string())?;
            Ok(c_string(&target))
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
/// `routes` is live; `path` a NUL-terminated string; `license` NULL or
/// live; `groups` points to `group_count` strings; `error` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn licman_route_table_authorize(
    routes: *const LicmanRouteTable,
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
            let routes = handle(routes, "routes")?;
            authorize(
                &routes.inner,
                path,
                license,
                check_user,
                groups,
                group_count,
                superuser,
                now_unix,
            )
        })
    }
}

/// The major version of the header (the header also defines
/// `LICMAN_VERSION`, the string "MAJOR.MINOR.PATCH", and
/// `LICMAN_VERSION_NUMBER`, MAJOR * 10000 + MINOR * 100 + PATCH, for `#if`;
/// [`licman_version`] answers the library's at run time).
pub const LICMAN_VERSION_MAJOR: u32 = 0;
/// The minor version of the header.
pub const LICMAN_VERSION_MINOR: u32 = 1;
/// The patch version of the header.
pub const LICMAN_VERSION_PATCH: u32 = 0;

/// The library version (a static string).
#[unsafe(no_mangle)]
pub extern "C" fn licman_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

// ------------------------------------------------ the allocation-free path
//
// Strings as (pointer, length) spans of UTF-8, no terminating NUL needed,
// and route targets as integer codes: nothing is allocated on success, so
// a host whose FFI is costly per object (the JVM through JNA direct
// mapping) calls these on every request. The Kotlin binding's per-call
// path uses them, with handles from `License.cAbiHandle()` and
// `RouteTable.cAbiHandle()`.

/// A route target code from [`licman_route_table_authorize_code`]: open
/// without a license.
pub const LICMAN_TARGET_PUBLIC: i32 = 0;
/// A route target code: needs a valid license, no particular module.
pub const LICMAN_TARGET_LICENSED: i32 = 1;
/// A route target code: no route covers the path and the table denies
/// such paths. [`licman_route_table_authorize_code`] never answers it (it
/// refuses such a path with `unlisted_path`); it is defined so that every
/// route target has a code.
pub const LICMAN_TARGET_UNLISTED: i32 = 2;
/// A route target code: `LICMAN_TARGET_MODULE + id` needs the module with
/// that id (0 to 255).
pub const LICMAN_TARGET_MODULE: i32 = 256;

fn target_code(target: crate::RouteTarget) -> i32 {
    match target {
        crate::RouteTarget::Public => LICMAN_TARGET_PUBLIC,
        crate::RouteTarget::Licensed => LICMAN_TARGET_LICENSED,
        crate::RouteTarget::Unlisted => LICMAN_TARGET_UNLISTED,
        crate::RouteTarget::Module(id) => LICMAN_TARGET_MODULE + i32::from(id.0),
    }
}

/// A `&str` from a (pointer, length) span of UTF-8.
///
/// # Safety
/// `s` is NULL (with `len` 0) or points to `len` readable bytes that
/// outlive `'a`.
unsafe fn span<'a>(s: *const u8, len: usize, what: &str) -> Result<&'a str, Error> {
    if len == 0 {
        return Ok("");
    }
    if s.is_null() {
        return Err(argument(
            "null_argument",
            &format!("{what} is NULL with a length of {len}"),
        ));
    }
    // SAFETY: the caller guarantees `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(s, len) };
    std::str::from_utf8(bytes).map_err(|e| {
        argument(
            "invalid_encoding",
            &format!("{what} is not UTF-8 (invalid byte at {})", e.valid_up_to()),
        )
    })
}

/// Whether the module with this id is licensed: 1 or 0 (0 for a NULL
/// license or an id above 255, which no module has).
///
/// # Safety
/// `license` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_has_module_id(
    license: *const LicmanLicense,
    id: u32,
) -> i32 {
    // SAFETY: the caller guarantees `license` is NULL or live.
    match (unsafe { license.as_ref() }, u8::try_from(id)) {
        (Some(l), Ok(id)) => i32::from(l.inner.has_module_id(id)),
        _ => 0,
    }
}

/// [`licman_route_table_authorize_code`]'s `flags`: check the user (their
/// `groups`, or every licensed module for a superuser).
pub const LICMAN_CHECK_USER: u32 = 1;
/// [`licman_route_table_authorize_code`]'s `flags`: the user is a
/// superuser (with [`LICMAN_CHECK_USER`]).
pub const LICMAN_SUPERUSER: u32 = 2;

/// [`licman_license_has_module`] with the name as a UTF-8 span: 1 or 0;
/// -1 on error (an unknown name).
///
/// # Safety
/// `license` is live; `name` points to `name_len` bytes; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_has_module_utf8(
    license: *const LicmanLicense,
    name: *const u8,
    name_len: usize,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            Ok(i32::from(
                l.inner.has_module(span(name, name_len, "name")?)?,
            ))
        })
    }
}

/// [`licman_license_check_quota`] with the quota's name as a UTF-8 span: 0
/// if `requested` more fit after `current`; -1 with the refusal
/// (`quota_exceeded`, 403) or an error.
///
/// # Safety
/// `license` is live; `quota` points to `quota_len` bytes; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_check_quota_utf8(
    license: *const LicmanLicense,
    quota: *const u8,
    quota_len: usize,
    current: u64,
    requested: u64,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, -1, || {
            let l = handle(license, "license")?;
            l.inner
                .check_quota(span(quota, quota_len, "quota")?, current, requested)?;
            Ok(0)
        })
    }
}

/// The gateway decision of [`licman_route_table_authorize`] without an
/// allocation: the path as a UTF-8 span, the user's groups as one UTF-8
/// span of names each followed by a NUL (`"ops\0auditors\0"`), and the
/// target as a code: [`LICMAN_TARGET_PUBLIC`], [`LICMAN_TARGET_LICENSED`]
/// or [`LICMAN_TARGET_MODULE`] + the module's id; -1 with the refusal (402,
/// 403, 400) or an error. `flags`: [`LICMAN_CHECK_USER`] runs the user
/// check, with [`LICMAN_SUPERUSER`] for a superuser (alone, as in
/// [`licman_route_table_authorize`], it changes no answer; other bits are
/// refused); without the user check `groups` is not read. `now_unix` 0
/// reads the clock.
///
/// # Safety
/// `routes` is live; `path` points to `path_len` bytes; `license` NULL or
/// live; `groups` points to `groups_len` bytes; `error` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn licman_route_table_authorize_code(
    routes: *const LicmanRouteTable,
    path: *const u8,
    path_len: usize,
    license: *const LicmanLicense,
    flags: u32,
    groups: *const u8,
    groups_len: usize,
    now_unix: u64,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, -1, || {
            let routes = handle(routes, "routes")?;
            if flags & !(LICMAN_CHECK_USER | LICMAN_SUPERUSER) != 0 {
                return Err(argument(
                    "invalid_flags",
                    &format!("unknown flags {flags:#x}"),
                ));
            }
            let check_user = flags & LICMAN_CHECK_USER != 0;
            let superuser = flags & LICMAN_SUPERUSER != 0;
            let path = span(path, path_len, "path")?;
            let license = license.as_ref().map(|l| &*l.inner);
            // Without the user check the groups are not read (as
            // `licman_route_table_authorize` ignores them).
            let names = if check_user {
                span(groups, groups_len, "groups")?
            } else {
                ""
            };
            if !names.is_empty() && !names.ends_with('\0') {
                return Err(argument(
                    "invalid_groups",
                    "groups must be names each followed by a NUL",
                ));
            }
            // At most a few groups per user: no allocation for up to 8.
            let mut list: [&str; 8] = [""; 8];
            let mut more: Vec<&str> = Vec::new();
            let mut count = 0;
            for name in names.split_terminator('\0') {
                if count < list.len() {
                    list[count] = name;
                } else {
                    if more.is_empty() {
                        more.extend_from_slice(&list);
                    }
                    more.push(name);
                }
                count += 1;
            }
            let groups: &[&str] = if more.is_empty() {
                &list[..count]
            } else {
                &more
            };
            let target = routes.inner.authorize_target(
                path,
                license,
                check_user.then_some(groups),
                superuser,
                (now_unix != 0).then_some(now_unix),
            )?;
            Ok(target_code(target))
        })
    }
}

/// Handles for the C ABI from the uniffi objects, so a binding generated
/// with uniffi (Kotlin) can call the allocation-free functions above on the
/// same objects: each is a new reference to the object, freed with
/// [`licman_license_free`] or [`licman_route_table_free`].
#[cfg(feature = "uniffi")]
#[uniffi::export]
impl License {
    /// A `LicmanLicense *` for this license (a new reference; free it with
    /// `licman_license_free`).
    pub fn c_abi_handle(self: Arc<Self>) -> u64 {
        Box::into_raw(Box::new(LicmanLicense { inner: self })) as usize as u64
    }
}

#[cfg(feature = "uniffi")]
#[uniffi::export]
impl RouteTable {
    /// A `LicmanRouteTable *` for this table (a new reference; free it with
    /// `licman_route_table_free`).
    pub fn c_abi_handle(self: Arc<Self>) -> u64 {
        Box::into_raw(Box::new(LicmanRouteTable { inner: self })) as usize as u64
    }
}

// ------------------------------------------------------ machine fingerprints

/// The fingerprint of the machine whose operating-system id is
/// `machine_id`, for `product` (64 hex digits; the recipe of
/// `licman_core::Fingerprint::of_machine`). Free with
/// [`licman_string_free`]; NULL with `invalid_machine_id` otherwise.
///
/// # Safety
/// `product` and `machine_id` are NUL-terminated strings; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_machine_fingerprint_of(
    product: *const c_char,
    machine_id: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let fp = crate::machine_fingerprint_of(
                text(product, "product")?.to_string(),
                text(machine_id, "machine_id")?.to_string(),
            )?;
            Ok(c_string(&fp))
        })
    }
}

/// This machine's fingerprint for `product` (its operating-system id read
/// by the library: Linux `/etc/machine-id`, macOS `IOPlatformUUID`, Windows
/// `MachineGuid`). Free with [`licman_string_free`]; NULL with
/// `no_machine_id` where none can be read.
///
/// # Safety
/// `product` is a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_machine_fingerprint(
    product: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let fp = crate::machine_fingerprint(text(product, "product")?.to_string())?;
            Ok(c_string(&fp))
        })
    }
}

// ------------------------------------------------------ activation requests

/// The text of a request: compact (`lmreq1_…`) or armored.
fn request_text(request: &crate::ActivationRequest, armored: bool) -> *mut c_char {
    c_string(&if armored {
        request.to_armored()
    } else {
        request.to_text()
    })
}

/// An activation request for this machine: its fingerprint for `product`,
/// a random nonce, and `now_unix` (0: the clock); `customer_id` and
/// `license_id` may be NULL. The compact text (`lmreq1_…`), or the armored
/// text if `armored`. Free with [`licman_string_free`]; NULL with
/// `no_machine_id` where the machine has no id to read.
///
/// # Safety
/// `product` is a NUL-terminated string, `customer_id` and `license_id` NULL
/// or NUL-terminated strings; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_activation_request(
    product: *const c_char,
    customer_id: *const c_char,
    license_id: *const c_char,
    now_unix: u64,
    armored: bool,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let request = crate::activation_request(
                text(product, "product")?.to_string(),
                optional_text(customer_id, "customer_id")?.map(str::to_string),
                optional_text(license_id, "license_id")?.map(str::to_string),
                (now_unix != 0).then_some(now_unix),
            )?;
            Ok(request_text(&request, armored))
        })
    }
}

/// An activation request from explicit fields: `fingerprint` 64 hex
/// digits, `nonce` 32 hex digits, `created_at_unix` Unix seconds;
/// `customer_id` and `license_id` may be NULL. The same fields always give
/// the same text. Free with [`licman_string_free`].
///
/// # Safety
/// `product`, `fingerprint` and `nonce` are NUL-terminated strings,
/// `customer_id` and `license_id` NULL or NUL-terminated strings; `error`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_activation_request_build(
    product: *const c_char,
    fingerprint: *const c_char,
    customer_id: *const c_char,
    license_id: *const c_char,
    nonce: *const c_char,
    created_at_unix: u64,
    armored: bool,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let request = crate::ActivationRequest::from_info(crate::ActivationRequestInfo {
                product: text(product, "product")?.to_string(),
                fingerprint: text(fingerprint, "fingerprint")?.to_string(),
                customer_id: optional_text(customer_id, "customer_id")?.map(str::to_string),
                license_id: optional_text(license_id, "license_id")?.map(str::to_string),
                nonce: text(nonce, "nonce")?.to_string(),
                created_at: created_at_unix,
            })?;
            Ok(request_text(&request, armored))
        })
    }
}

/// Reads an activation request (compact or armored) and returns its fields
/// as a JSON object: `product`, `fingerprint`, `customer_id` (or null),
/// `license_id` (or null), `nonce`, `created_at`. Free with
/// [`licman_string_free`]; NULL with `invalid_activation_request` and the
/// core's code (`wrong_prefix`, `invalid_encoding`, …).
///
/// # Safety
/// `request` is a NUL-terminated string; `error` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_activation_request_read(
    request: *const c_char,
    error: *mut *mut LicmanError,
) -> *mut c_char {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, ptr::null_mut(), || {
            let request = crate::ActivationRequest::parse(text(request, "request")?.to_string())?;
            let i = request.info();
            let value = serde_json::json!({
                "product": i.product, "fingerprint": i.fingerprint, "customer_id": i.customer_id,
                "license_id": i.license_id, "nonce": i.nonce, "created_at": i.created_at,
            });
            Ok(c_string(&value.to_string()))
        })
    }
}

/// Whether a verified license answers an activation request: the same
/// product, bound to the request's fingerprint, naming its nonce. 1 or 0;
/// -1 on error (a request that does not parse).
///
/// # Safety
/// `license` is a live license; `request` a NUL-terminated string; `error`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn licman_license_answers_activation(
    license: *const LicmanLicense,
    request: *const c_char,
    error: *mut *mut LicmanError,
) -> i32 {
    // SAFETY: the caller upholds this function's `# Safety` contract.
    unsafe {
        guard(error, -1, || {
            let license = &handle(license, "license")?.inner;
            let request = crate::ActivationRequest::parse(text(request, "request")?.to_string())?;
            Ok(i32::from(request.is_answered_by(license)))
        })
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    /// The header's version macros are literals (cbindgen copies them):
    /// this fails when the crate's version moves without them.
    #[test]
    fn the_version_macros_are_the_crate_version() {
        assert_eq!(
            LICMAN_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            LICMAN_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            LICMAN_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
    }
}
