//! The JS/TS binding of licman: the FFI facade (`licman-ffi`) exported with
//! wasm-bindgen. Conversions only. JS `Date` and Unix seconds, arrays and
//! `Vec<String>`, `number`/`bigint` and `u64`, and facade errors and the
//! JS `Error` subclasses of `js/errors.js` (built through the factory the
//! package entry registers with `setErrorFactory`).

use std::cell::RefCell;
use std::sync::Arc;

use js_sys::{Array, BigInt, Date, Function, Reflect};
use licman_ffi::{
    Catalog as FfiCatalog, KeyRing as FfiKeyRing, License as FfiLicense, LicmanError, PathCase,
    Policy, RouteTable as FfiRoutes, UnmatchedPath, VerifyOptions,
};
use wasm_bindgen::prelude::*;

thread_local! {
    static ERROR_FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Registers the function that builds licman's `Error` objects:
/// `(kind, code, message, httpStatus, body, name) => Error`. The package
/// entry calls it once, with the classes of `errors.js`.
#[wasm_bindgen(js_name = setErrorFactory)]
pub fn set_error_factory(factory: Function) {
    ERROR_FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

fn to_js(e: &LicmanError) -> JsValue {
    let name = match e {
        LicmanError::UnknownName { kind, name, .. } => JsValue::from_str(&format!("{kind}:{name}")),
        _ => JsValue::NULL,
    };
    let args = Array::new();
    for value in [
        JsValue::from_str(e.kind()),
        JsValue::from_str(e.code()),
        JsValue::from_str(e.description()),
        JsValue::from_f64(f64::from(e.http_status())),
        JsValue::from_str(e.body()),
        name,
    ] {
        args.push(&value);
    }
    ERROR_FACTORY
        .with(|f| {
            f.borrow()
                .as_ref()
                .map(|factory| factory.apply(&JsValue::NULL, &args))
        })
        .and_then(Result::ok)
        .unwrap_or_else(|| {
            js_sys::Error::new(&format!("[{}] {}", e.code(), e.description())).into()
        })
}

/// The fingerprint of the machine whose operating-system id is
/// `machineId`, for `product` (64 hex digits): the recipe of
/// `Fingerprint::of_machine`. The package's `machineFingerprint(product)`
/// reads the id in Node and calls this.
#[wasm_bindgen(js_name = machineFingerprintOf)]
pub fn machine_fingerprint_of(
    #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] machine_id: JsValue,
) -> Result<String, JsValue> {
    licman_ffi::machine_fingerprint_of(text(&product, "product")?, text(&machine_id, "machineId")?)
        .map_err(|e| to_js(&e))
}

/// An activation request: what a product on a machine without a network
/// hands its vendor (`licman-keygen activate`) for a license bound to that
/// machine. In Node, `activationRequest(product, options)` builds one for
/// this machine.
#[wasm_bindgen]
#[derive(Debug)]
pub struct ActivationRequest {
    inner: Arc<licman_ffi::ActivationRequest>,
}

#[wasm_bindgen]
impl ActivationRequest {
    /// Reads a request from its `lmreq1_…` or armored text; throws
    /// `InvalidActivationRequest` with its code (`invalid_encoding` for a
    /// mistyped text, …).
    pub fn parse(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<ActivationRequest, JsValue> {
        licman_ffi::ActivationRequest::parse(self::text(&text, "text")?)
            .map(|inner| ActivationRequest { inner })
            .map_err(|e| to_js(&e))
    }

    /// A request from explicit fields: `{ product, fingerprint, nonce (32 hex
    /// digits), createdAt: Date, customerId?, licenseId? }`. The same fields
    /// always give the same text.
    #[wasm_bindgen(js_name = fromFields)]
    pub fn from_fields(
        #[wasm_bindgen(unchecked_param_type = "ActivationRequestFields")] fields: JsValue,
    ) -> Result<ActivationRequest, JsValue> {
        if !fields.is_object() {
            return Err(type_error("fields must be an object"));
        }
        let field = |key: &str| field(&fields, key);
        let created_at = seconds(&field("createdAt")?, "createdAt")?
            .ok_or_else(|| type_error("createdAt must be a Date"))?;
        licman_ffi::ActivationRequest::from_info(licman_ffi::ActivationRequestInfo {
            product: text(&field("product")?, "product")?,
            fingerprint: text(&field("fingerprint")?, "fingerprint")?,
            customer_id: optional_string(&field("customerId")?, "customerId")?,
            license_id: optional_string(&field("licenseId")?, "licenseId")?,
            nonce: text(&field("nonce")?, "nonce")?,
            created_at,
        })
        .map(|inner| ActivationRequest { inner })
        .map_err(|e| to_js(&e))
    }

    /// The product id.
    #[wasm_bindgen(getter)]
    pub fn product(&self) -> String {
        self.inner.info().product
    }

    /// The machine's fingerprint for the product (64 hex digits).
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.inner.info().fingerprint
    }

    /// The customer, or `undefined`.
    #[wasm_bindgen(getter, js_name = customerId)]
    pub fn customer_id(&self) -> Option<String> {
        self.inner.info().customer_id
    }

    /// The license it activates (UUID), or `undefined`.
    #[wasm_bindgen(getter, js_name = licenseId)]
    pub fn license_id(&self) -> Option<String> {
        self.inner.info().license_id
    }

    /// 32 hex digits that tell this request from every other.
    #[wasm_bindgen(getter)]
    pub fn nonce(&self) -> String {
        self.inner.info().nonce
    }

    /// When it was written.
    #[wasm_bindgen(getter, js_name = createdAt)]
    pub fn created_at(&self) -> Date {
        date(self.inner.info().created_at)
    }

    /// The compact text, `lmreq1_…` (one line).
    #[wasm_bindgen(getter)]
    pub fn text(&self) -> String {
        self.inner.to_text()
    }

    /// The armored text.
    #[wasm_bindgen(getter)]
    pub fn armored(&self) -> String {
        self.inner.to_armored()
    }

    /// Whether `license` (verified) answers this request: the same product,
    /// bound to this request's fingerprint, naming its nonce.
    #[wasm_bindgen(js_name = isAnsweredBy)]
    pub fn is_answered_by(&self, license: &License) -> bool {
        self.inner.is_answered_by(&license.inner)
    }

    /// The compact text.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        self.inner.to_text()
    }
}

/// Every code of a license error (kind `invalid_license`), as the core
/// declares them: what the error classes of `errors.js` are checked against.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "string[]")]
pub fn error_codes() -> Array {
    LicmanError::INVALID_LICENSE_CODES
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect()
}

/// Every code of a refusal (kind `denied`), as the core declares them.
#[wasm_bindgen(js_name = denialCodes, unchecked_return_type = "string[]")]
pub fn denial_codes() -> Array {
    LicmanError::DENIED_CODES
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect()
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn range_error(message: &str) -> JsValue {
    js_sys::RangeError::new(message).into()
}

/// A `Date` (or `undefined`/`null`) as Unix seconds.
fn seconds(value: &JsValue, what: &str) -> Result<Option<u64>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let date = value
        .dyn_ref::<Date>()
        .ok_or_else(|| type_error(&format!("{what} must be a Date")))?;
    let ms = date.get_time();
    if !ms.is_finite() {
        return Err(range_error(&format!("{what} is an invalid Date")));
    }
    if ms < 0.0 {
        return Err(range_error(&format!("{what} is before 1970")));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // finite and non-negative
    Ok(Some((ms / 1000.0).floor() as u64))
}

/// A `Date` (or `undefined`/`null`: the current time, read here, since
/// `std::time` has no clock on `wasm32-unknown-unknown`) as Unix seconds.
fn time_or_now(value: &JsValue, what: &str) -> Result<Option<u64>, JsValue> {
    match seconds(value, what)? {
        Some(t) => Ok(Some(t)),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // the clock is after 1970
        None => Ok(Some((Date::now() / 1000.0).floor() as u64)),
    }
}

fn date(secs: u64) -> Date {
    #[allow(clippy::cast_precision_loss)] // seconds below 2^53 are exact
    Date::new(&JsValue::from_f64(secs as f64 * 1000.0))
}

/// A non-negative integer `number` or a `bigint`, as `u64`.
fn count(value: &JsValue, what: &str) -> Result<u64, JsValue> {
    if value.is_bigint() {
        let big: BigInt = value.clone().unchecked_into();
        return u64::try_from(big)
            .map_err(|_| range_error(&format!("{what} must be between 0 and 2^64 - 1")));
    }
    let n = value
        .as_f64()
        .ok_or_else(|| type_error(&format!("{what} must be a number or a bigint")))?;
    if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0) {
        return Err(range_error(&format!(
            "{what} must be a non-negative safe integer (use a bigint above 2^53)"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
    Ok(n as u64)
}

fn to_number(n: u64) -> JsValue {
    if n <= 9_007_199_254_740_991 {
        #[allow(clippy::cast_precision_loss)] // exact below 2^53
        JsValue::from_f64(n as f64)
    } else {
        BigInt::from(n).into()
    }
}

/// An array of strings.
fn strings(value: &JsValue, what: &str) -> Result<Vec<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(value) {
        return Err(type_error(&format!("{what} must be an array of strings")));
    }
    Array::from(value)
        .iter()
        .map(|item| {
            item.as_string()
                .ok_or_else(|| type_error(&format!("{what} must contain only strings")))
        })
        .collect()
}

fn string_array(items: &[String]) -> Array {
    items.iter().map(|s| JsValue::from_str(s)).collect()
}

fn field(object: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if object.is_undefined() || object.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if !object.is_object() {
        return Err(type_error("options must be an object"));
    }
    Reflect::get(object, &JsValue::from_str(key))
}

fn optional_string(value: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| type_error(&format!("{what} must be a string")))
}

fn text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| type_error(&format!("{what} must be a string")))
}

fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text)
}

/// The vendor's product catalog.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Catalog {
    inner: Arc<FfiCatalog>,
}

/// TOML catalogs, in a build with the `toml` feature (the package is built
/// without it: the TOML parser would be about half the module).
#[cfg(feature = "toml")]
#[wasm_bindgen]
impl Catalog {
    /// Parses and validates a catalog in TOML.
    #[wasm_bindgen(js_name = fromToml)]
    pub fn from_toml(text: JsValue) -> Result<Catalog, JsValue> {
        let text = self::text(&text, "the catalog text")?;
        FfiCatalog::from_toml(text)
            .map(|inner| Catalog { inner })
            .map_err(|e| to_js(&e))
    }
}

#[wasm_bindgen]
impl Catalog {
    /// Parses and validates a catalog in JSON (`licman-keygen catalog
    /// export` writes it from the TOML).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: JsValue) -> Result<Catalog, JsValue> {
        let text = self::text(&text, "the catalog text")?;
        FfiCatalog::from_json(text)
            .map(|inner| Catalog { inner })
            .map_err(|e| to_js(&e))
    }

    /// A catalog of `product` that defines nothing, for hosts that only
    /// verify and read claims.
    pub fn empty(product: JsValue) -> Result<Catalog, JsValue> {
        FfiCatalog::empty(text(&product, "product")?)
            .map(|inner| Catalog { inner })
            .map_err(|e| to_js(&e))
    }

    /// The product id.
    #[wasm_bindgen(getter)]
    pub fn product(&self) -> String {
        self.inner.product()
    }

    /// The product's display name.
    #[wasm_bindgen(getter, js_name = displayName)]
    pub fn display_name(&self) -> String {
        self.inner.display_name()
    }

    /// Module names, by id.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn modules(&self) -> Array {
        string_array(&self.inner.module_names())
    }

    /// Quota names, by id.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn quotas(&self) -> Array {
        string_array(&self.inner.quota_names())
    }

    /// Tier names.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn tiers(&self) -> Array {
        string_array(&self.inner.tier_names())
    }

    /// The modules of a tier.
    #[wasm_bindgen(js_name = tierModules, unchecked_return_type = "string[]")]
    pub fn tier_modules(&self, tier: JsValue) -> Result<Array, JsValue> {
        self.inner
            .tier_modules(text(&tier, "tier")?)
            .map(|m| string_array(&m))
            .map_err(|e| to_js(&e))
    }

    /// The stable id of a module, by name or alias.
    #[wasm_bindgen(js_name = moduleId)]
    pub fn module_id(&self, name: JsValue) -> Result<u8, JsValue> {
        self.inner
            .module_id(text(&name, "name")?)
            .map_err(|e| to_js(&e))
    }
}

/// The vendor public keys a product trusts (several: key rotation).
#[wasm_bindgen]
#[derive(Debug)]
pub struct KeyRing {
    inner: Arc<FfiKeyRing>,
}

#[wasm_bindgen]
impl KeyRing {
    /// A ring of public keys in their text form (`lmpk1_…`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string[]")] public_keys: JsValue,
    ) -> Result<KeyRing, JsValue> {
        if public_keys.is_string() {
            return Err(type_error(
                "publicKeys must be an array of key texts, not one string",
            ));
        }
        if !Array::is_array(&public_keys) {
            return Err(type_error("publicKeys must be an array of key texts"));
        }
        let keys = strings(&public_keys, "publicKeys")?;
        FfiKeyRing::new(keys)
            .map(|inner| KeyRing { inner })
            .map_err(|e| to_js(&e))
    }

    /// The key ids in the ring.
    #[wasm_bindgen(getter, js_name = keyIds, unchecked_return_type = "string[]")]
    pub fn key_ids(&self) -> Array {
        string_array(&self.inner.key_ids())
    }

    /// Parses and verifies a license (compact key or armored file).
    /// `options`: `{ product?, now?: Date, lastSeen?: Date, revocations?,
    /// minRevocationSerial?, maxRevocationAgeSeconds?, fingerprints?: string[],
    /// policy?: "enforce" | "advisory" | "report_only" }`.
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] license: JsValue,
        catalog: &Catalog,
        #[wasm_bindgen(unchecked_param_type = "VerifyOptions")] options: JsValue,
    ) -> Result<License, JsValue> {
        let license = text(&license, "license")?;
        let policy = optional_string(&field(&options, "policy")?, "options.policy")?
            .map(|name| {
                name.parse::<Policy>()
                    .map_err(|e| range_error(&format!("options.policy {name:?}: {e}")))
            })
            .transpose()?;
        let min_serial = field(&options, "minRevocationSerial")?;
        let max_age = field(&options, "maxRevocationAgeSeconds")?;
        let options = VerifyOptions {
            product: optional_string(&field(&options, "product")?, "options.product")?,
            now_unix: time_or_now(&field(&options, "now")?, "options.now")?,
            last_seen_unix: seconds(&field(&options, "lastSeen")?, "options.lastSeen")?,
            revocations: optional_string(&field(&options, "revocations")?, "options.revocations")?,
            fingerprints: strings(&field(&options, "fingerprints")?, "options.fingerprints")?,
            advisory: false,
            policy,
            min_revocation_serial: if min_serial.is_undefined() || min_serial.is_null() {
                0
            } else {
                count(&min_serial, "options.minRevocationSerial")?
            },
            max_revocation_age_seconds: if max_age.is_undefined() || max_age.is_null() {
                None
            } else {
                Some(count(&max_age, "options.maxRevocationAgeSeconds")?)
            },
        };
        self.inner
            .verify(license, Some(catalog.inner.clone()), options)
            .map(|inner| License { inner })
            .map_err(|e| to_js(&e))
    }

    /// Parses and verifies an armored revocation list of `product`:
    /// `{ serial, issuedAt, revokedCount, keyId }`, for a host that keeps
    /// the highest serial it accepted (`minRevocationSerial`). Throws
    /// `InvalidRevocationList`.
    #[wasm_bindgen(js_name = verifyRevocationList, unchecked_return_type = "RevocationListInfo")]
    pub fn verify_revocation_list(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] product: JsValue,
    ) -> Result<JsValue, JsValue> {
        let list = self
            .inner
            .verify_revocation_list(
                self::text(&text, "the revocation list")?,
                self::text(&product, "product")?,
            )
            .map_err(|e| to_js(&e))?;
        let out = js_sys::Object::new();
        Reflect::set(&out, &"serial".into(), &to_number(list.serial))?;
        Reflect::set(&out, &"issuedAt".into(), &date(list.issued_at_unix))?;
        Reflect::set(&out, &"revokedCount".into(), &to_number(list.revoked_count))?;
        Reflect::set(&out, &"keyId".into(), &list.key_id.into())?;
        Ok(out.into())
    }
}

/// A verified license bound to its catalog.
#[wasm_bindgen]
#[derive(Debug)]
pub struct License {
    inner: Arc<FfiLicense>,
}

#[wasm_bindgen]
impl License {
    /// The license id (UUID).
    #[wasm_bindgen(getter, js_name = licenseId)]
    pub fn license_id(&self) -> String {
        self.inner.license_id()
    }

    /// The id of the signing key.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.inner.key_id()
    }

    /// The product id.
    #[wasm_bindgen(getter)]
    pub fn product(&self) -> String {
        self.inner.product()
    }

    /// The tier name.
    #[wasm_bindgen(getter)]
    pub fn tier(&self) -> String {
        self.inner.tier()
    }

    /// The tier's display name.
    #[wasm_bindgen(getter, js_name = tierDisplayName)]
    pub fn tier_display_name(&self) -> String {
        self.inner.tier_display_name()
    }

    /// The customer: `{ id, name, email }`.
    #[wasm_bindgen(getter, unchecked_return_type = "Customer")]
    pub fn customer(&self) -> Result<JsValue, JsValue> {
        let c = self.inner.customer();
        let out = js_sys::Object::new();
        Reflect::set(&out, &"id".into(), &c.id.into())?;
        Reflect::set(
            &out,
            &"name".into(),
            &c.name.map_or(JsValue::NULL, JsValue::from),
        )?;
        Reflect::set(
            &out,
            &"email".into(),
            &c.email.map_or(JsValue::NULL, JsValue::from),
        )?;
        Ok(out.into())
    }

    /// When it was issued.
    #[wasm_bindgen(getter, js_name = issuedAt)]
    pub fn issued_at(&self) -> Date {
        date(self.inner.issued_at_unix())
    }

    /// When it starts.
    #[wasm_bindgen(getter, js_name = startsAt)]
    pub fn starts_at(&self) -> Date {
        date(self.inner.starts_at_unix())
    }

    /// When it expires; `null` for a perpetual license.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<Date> {
        self.inner.expires_at_unix().map(date)
    }

    /// The latest time any check of this license has seen (verification's
    /// included): a check at a time more than an hour before it throws
    /// `ClockError`. Persist it and pass it as `lastSeen` at the next start.
    #[wasm_bindgen(getter, js_name = lastSeen)]
    pub fn last_seen(&self) -> Date {
        date(self.inner.last_seen_unix())
    }

    /// The grace period, seconds.
    #[wasm_bindgen(getter, js_name = gracePeriodSeconds)]
    pub fn grace_period_seconds(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // a grace period is far below 2^53 seconds
        let secs = self.inner.grace_period_seconds() as f64;
        secs
    }

    /// The status at `at` (default: now): `active`, `expiring_soon`,
    /// `in_grace`, `expired` or `not_yet_valid`. A preview: it records
    /// nothing (asking about next month does not make today's checks look
    /// like a clock turned back), and is never judged earlier than
    /// `lastSeen`. `checkValid` and `authorize` are the checks.
    #[wasm_bindgen(unchecked_return_type = "Status")]
    pub fn status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Date")] now: JsValue,
    ) -> Result<String, JsValue> {
        Ok(self.inner.status(time_or_now(&now, "now")?))
    }

    /// The status when it was verified.
    #[wasm_bindgen(getter, js_name = verifiedStatus, unchecked_return_type = "Status")]
    pub fn verified_status(&self) -> String {
        self.inner.verified_status()
    }

    /// Whole days until expiry at `now` (default: now); `null` when perpetual.
    #[wasm_bindgen(js_name = daysUntilExpiry)]
    pub fn days_until_expiry(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Date")] now: JsValue,
    ) -> Result<Option<f64>, JsValue> {
        #[allow(clippy::cast_precision_loss)] // day counts are small
        Ok(self
            .inner
            .days_until_expiry(time_or_now(&now, "now")?)
            .map(|d| d as f64))
    }

    /// Throws `LicenseExpired` or `LicenseNotYetValid` unless usable at `now`.
    #[wasm_bindgen(js_name = checkValid, unchecked_return_type = "Status")]
    pub fn check_valid(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Date")] now: JsValue,
    ) -> Result<String, JsValue> {
        self.inner
            .check_valid(time_or_now(&now, "now")?)
            .map_err(|e| to_js(&e))
    }

    /// Validity problems found under the advisory policy (error codes).
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn problems(&self) -> Array {
        string_array(&self.inner.problems())
    }

    /// The licensed module names.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn modules(&self) -> Array {
        string_array(&self.inner.modules())
    }

    /// The signed claims (the JSON object the core serialises).
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown>")]
    pub fn claims(&self) -> Result<JsValue, JsValue> {
        parse_json(&self.inner.claims_json())
    }

    /// The compact key text.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.inner.key()
    }

    /// The armored text.
    #[wasm_bindgen(getter)]
    pub fn armored(&self) -> String {
        self.inner.armored()
    }

    /// Whether a module (by name or alias) is licensed; unknown names throw
    /// `UnknownName`.
    #[wasm_bindgen(js_name = hasModule)]
    pub fn has_module(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<bool, JsValue> {
        self.inner
            .has_module(&text(&name, "name")?)
            .map_err(|e| to_js(&e))
    }

    /// Whether a module id is licensed.
    #[wasm_bindgen(js_name = hasModuleId)]
    pub fn has_module_id(&self, id: u8) -> bool {
        self.inner.has_module_id(id)
    }

    /// The id of a module by name or alias (`UnknownName` otherwise): the
    /// JS glue resolves a name once, then `hasModule` checks by id.
    #[wasm_bindgen(js_name = moduleIdOf)]
    pub fn module_id_of(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<u8, JsValue> {
        self.inner
            .module_id_of(&text(&name, "name")?)
            .map_err(|e| to_js(&e))
    }

    /// The id of a quota by name (`UnknownName` otherwise).
    #[wasm_bindgen(js_name = quotaIdOf)]
    pub fn quota_id_of(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<u8, JsValue> {
        self.inner
            .quota_id_of(&text(&name, "quota")?)
            .map_err(|e| to_js(&e))
    }

    /// `checkQuota` by id with counts the JS glue has checked are safe
    /// integers (checked again here, without a call into JS).
    #[wasm_bindgen(js_name = checkQuotaById)]
    pub fn check_quota_by_id(&self, id: u8, current: f64, requested: f64) -> Result<(), JsValue> {
        let count = |n: f64, what: &str| -> Result<u64, JsValue> {
            if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
                Ok(n as u64)
            } else {
                Err(range_error(&format!(
                    "{what} must be a non-negative safe integer"
                )))
            }
        };
        self.inner
            .check_quota_id(
                id,
                count(current, "current")?,
                count(requested, "requested")?,
            )
            .map_err(|e| to_js(&e))
    }

    /// Throws `ModuleNotLicensed` (403) unless the module is licensed.
    #[wasm_bindgen(js_name = checkModule)]
    pub fn check_module(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<(), JsValue> {
        self.inner
            .check_module(text(&name, "name")?)
            .map_err(|e| to_js(&e))
    }

    /// Throws `QuotaExceeded` (403) unless `requested` (default 1) more fit
    /// after `current`.
    #[wasm_bindgen(js_name = checkQuota)]
    pub fn check_quota(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] quota: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] current: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] requested: JsValue,
    ) -> Result<(), JsValue> {
        let requested = if requested.is_undefined() {
            1
        } else {
            count(&requested, "requested")?
        };
        self.inner
            .check_quota(
                &text(&quota, "quota")?,
                count(&current, "current")?,
                requested,
            )
            .map_err(|e| to_js(&e))
    }

    /// Of `candidates` arriving in order, how many fit after `current`.
    pub fn accept(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] quota: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] current: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] candidates: JsValue,
    ) -> Result<f64, JsValue> {
        let accepted = self
            .inner
            .accept(
                &text(&quota, "quota")?,
                count(&current, "current")?,
                count(&candidates, "candidates")?,
            )
            .map_err(|e| to_js(&e))?;
        #[allow(clippy::cast_precision_loss)]
        // at most `candidates`, which was a safe integer or smaller
        Ok(accepted as f64)
    }

    /// How many more fit after `current`; `null` when unlimited.
    #[wasm_bindgen(unchecked_return_type = "number | bigint | null")]
    pub fn remaining(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] quota: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] current: JsValue,
    ) -> Result<JsValue, JsValue> {
        let left = self
            .inner
            .remaining(text(&quota, "quota")?, count(&current, "current")?)
            .map_err(|e| to_js(&e))?;
        Ok(left.map_or(JsValue::NULL, to_number))
    }

    /// `current` as a percentage of the limit; `null` when unlimited.
    #[wasm_bindgen(js_name = usagePercent)]
    pub fn usage_percent(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] quota: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] current: JsValue,
    ) -> Result<Option<f64>, JsValue> {
        self.inner
            .usage_percent(text(&quota, "quota")?, count(&current, "current")?)
            .map_err(|e| to_js(&e))
    }

    /// The limit of a quota; `null` when unlimited (0 when the license sets none).
    #[wasm_bindgen(js_name = quotaLimit, unchecked_return_type = "number | bigint | null")]
    pub fn quota_limit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] quota: JsValue,
    ) -> Result<JsValue, JsValue> {
        let limit = self
            .inner
            .quota_limit(text(&quota, "quota")?)
            .map_err(|e| to_js(&e))?;
        Ok(limit.map_or(JsValue::NULL, to_number))
    }

    /// Sets the modules a group grants; throws `GroupError` for a module
    /// outside the tier.
    #[wasm_bindgen(js_name = setGroup)]
    pub fn set_group(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] group: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[]")] modules: JsValue,
    ) -> Result<(), JsValue> {
        self.inner
            .set_group(text(&group, "group")?, strings(&modules, "modules")?)
            .map_err(|e| to_js(&e))
    }

    /// The group names.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn groups(&self) -> Array {
        string_array(&self.inner.group_names())
    }

    /// A user's modules: licensed ∩ union of the groups' modules; a
    /// superuser gets every licensed module.
    #[wasm_bindgen(js_name = userModules, unchecked_return_type = "string[]")]
    pub fn user_modules(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] groups: JsValue,
        superuser: Option<bool>,
    ) -> Result<Array, JsValue> {
        self.inner
            .user_modules(strings(&groups, "groups")?, superuser.unwrap_or(false))
            .map(|m| string_array(&m))
            .map_err(|e| to_js(&e))
    }

    /// Throws `ModuleNotLicensed` (not in the tier) or `AccessDenied` (the
    /// groups do not grant it).
    #[wasm_bindgen(js_name = checkModuleAccess)]
    pub fn check_module_access(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] module: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[]")] groups: JsValue,
        superuser: Option<bool>,
    ) -> Result<(), JsValue> {
        self.inner
            .check_module_access(
                text(&module, "module")?,
                strings(&groups, "groups")?,
                superuser.unwrap_or(false),
            )
            .map_err(|e| to_js(&e))
    }

    /// The same license with an empty group table of its own: verification,
    /// checks and the clock mark are shared, groups are not (what a
    /// `Guard` keeps).
    #[wasm_bindgen(js_name = withOwnGroups)]
    pub fn with_own_groups(&self) -> License {
        License {
            inner: self.inner.with_own_groups(),
        }
    }

    /// What changes from this license to `other`.
    #[wasm_bindgen(unchecked_return_type = "LicenseChange")]
    pub fn diff(&self, other: &License) -> Result<JsValue, JsValue> {
        parse_json(&self.inner.diff_json(other.inner.clone()))
    }
}

/// The route table of a catalog.
#[wasm_bindgen]
#[derive(Debug)]
pub struct RouteTable {
    inner: Arc<FfiRoutes>,
}

#[wasm_bindgen]
impl RouteTable {
    /// The route table of `catalog`, matched with the catalog's `[routes]`
    /// options, or `options`: `{ case?: "exact" | "fold_ascii", unmatched?:
    /// "licensed" | "deny" }` in their place. Throws `CatalogError`
    /// (`route_conflict`) when folding case makes two routes one.
    #[wasm_bindgen(constructor)]
    pub fn new(
        catalog: &Catalog,
        #[wasm_bindgen(unchecked_optional_param_type = "RouteOptions")] options: Option<JsValue>,
    ) -> Result<RouteTable, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let case = optional_string(&field(&options, "case")?, "options.case")?
            .map(|name| {
                name.parse::<PathCase>()
                    .map_err(|e| range_error(&format!("options.case {name:?}: {e}")))
            })
            .transpose()?;
        let unmatched = optional_string(&field(&options, "unmatched")?, "options.unmatched")?
            .map(|name| {
                name.parse::<UnmatchedPath>()
                    .map_err(|e| range_error(&format!("options.unmatched {name:?}: {e}")))
            })
            .transpose()?;
        FfiRoutes::with_options(catalog.inner.clone(), case, unmatched)
            .map(|inner| RouteTable { inner })
            .map_err(|e| to_js(&e))
    }

    /// How this table matches: `{ case, unmatched }`.
    #[wasm_bindgen(getter, unchecked_return_type = "Required<RouteOptions>")]
    pub fn options(&self) -> Result<JsValue, JsValue> {
        let options = self.inner.options();
        let out = js_sys::Object::new();
        Reflect::set(&out, &"case".into(), &options.path_case.name().into())?;
        Reflect::set(&out, &"unmatched".into(), &options.unmatched.name().into())?;
        Ok(out.into())
    }

    /// What a path needs: `"public"`, `"licensed"`, `"unlisted"` (no route
    /// covers it and the table denies such paths) or the module name.
    pub fn target(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
    ) -> Result<String, JsValue> {
        self.inner
            .target(text(&path, "path")?)
            .map_err(|e| to_js(&e))
    }

    /// The gateway decision: what the path needs if allowed, else throws the
    /// `Denial` (402, 403, 400). `license` may be `null` (no license).
    /// `options`: `{ userGroups?: string[], superuser?: boolean, now?: Date }`;
    /// without `userGroups` and `superuser` the user is not checked.
    pub fn authorize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        license: &License,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeOptions")] options: JsValue,
    ) -> Result<String, JsValue> {
        self.decide(&path, Some(license.inner.clone()), &options)
    }

    /// `authorize` without a license (what the package's `authorize` calls
    /// for `license = null`).
    #[wasm_bindgen(js_name = authorizeUnlicensed)]
    pub fn authorize_unlicensed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AuthorizeOptions")] options: JsValue,
    ) -> Result<String, JsValue> {
        self.decide(&path, None, &options)
    }
}

impl RouteTable {
    fn decide(
        &self,
        path: &JsValue,
        license: Option<Arc<FfiLicense>>,
        options: &JsValue,
    ) -> Result<String, JsValue> {
        let groups = field(options, "userGroups")?;
        let groups = if groups.is_undefined() || groups.is_null() {
            None
        } else {
            Some(strings(&groups, "options.userGroups")?)
        };
        let superuser = field(options, "superuser")?.as_bool().unwrap_or(false);
        let now = time_or_now(&field(options, "now")?, "options.now")?;
        self.inner
            .authorize(&text(path, "path")?, license, groups, superuser, now)
            .map_err(|e| to_js(&e))
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** The fields of an activation request (`ActivationRequest.fromFields`). */
export interface ActivationRequestFields {
  product: string;
  /** The machine's fingerprint for the product (64 hex digits). */
  fingerprint: string;
  /** 32 hex digits, random. */
  nonce: string;
  createdAt: Date;
  customerId?: string | null;
  licenseId?: string | null;
}
/** A license status. */
export type Status = "active" | "expiring_soon" | "in_grace" | "expired" | "not_yet_valid";
/** How verification treats validity problems: refuse, list them (checks still refuse a revoked license or another machine's), or list them and fail open. */
export type Policy = "enforce" | "advisory" | "report_only";
/** How a route table compares letters. */
export type PathCase = "exact" | "fold_ascii";
/** What a path no route covers needs: a license, or nothing can reach it (target "unlisted", a 403 `unlisted_path`). */
export type UnmatchedPath = "licensed" | "deny";
/** Options of `new RouteTable`: each one given replaces the catalog's `[routes]` value. */
export interface RouteOptions {
  case?: PathCase;
  unmatched?: UnmatchedPath;
}
/** A revocation list that parsed and verified (`KeyRing.verifyRevocationList`). */
export interface RevocationListInfo {
  /** The list's serial: later lists have higher ones. */
  serial: number | bigint;
  /** When it was issued. */
  issuedAt: Date;
  /** How many licenses it revokes. */
  revokedCount: number | bigint;
  /** The id of the key that signed it. */
  keyId: string;
}
/** Options of `KeyRing.verify`. */
export interface VerifyOptions {
  /** The product to expect; if given, it must be the catalog's (else `product_mismatch`). */
  product?: string;
  /** The host's time (default: now). */
  now?: Date;
  /** The latest time the host has seen before: detects a clock turned back. */
  lastSeen?: Date;
  /** A revocation list, armored. */
  revocations?: string;
  /** The lowest revocation-list serial accepted (default 0): an older list throws `StaleRevocationList`. */
  minRevocationSerial?: number | bigint;
  /** The oldest revocation list accepted, in seconds before `now`: an older one throws `StaleRevocationList`. */
  maxRevocationAgeSeconds?: number | bigint;
  /** Fingerprints this machine presents (64 hex digits each). */
  fingerprints?: string[];
  /** "advisory" and "report_only" report validity problems instead of refusing. */
  policy?: Policy;
}
/** Options of `RouteTable.authorize`. */
export interface AuthorizeOptions {
  /** The user's groups; omit to skip the user check. */
  userGroups?: string[];
  /** A superuser has every licensed module. */
  superuser?: boolean;
  /** The host's time (default: now). */
  now?: Date;
}
/** The customer a license was issued to. */
export interface Customer { id: string; name: string | null; email: string | null }
/** What changes between two licenses. */
export interface LicenseChange {
  tier_from: string;
  tier_to: string;
  modules_added: string[];
  modules_removed: string[];
  quotas_raised: { name: string; from: number | "unlimited" | null; to: number | "unlimited" | null }[];
  quotas_lowered: { name: string; from: number | "unlimited" | null; to: number | "unlimited" | null }[];
  expires_from: string | null;
  expires_to: string | null;
}
"#;
