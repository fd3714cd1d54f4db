//! `licman._native`: the Python binding of licman.
//!
//! It wraps the facade (`licman-ffi`): its objects, its verify options and
//! its errors, converting types only (`datetime` and Unix seconds,
//! `timedelta` and seconds, iterables and `Vec<String>`, JSON text and
//! Python objects). What the facade does not expose and Python offers
//! (display names, tier quotas, binary revocation lists, storage clean-up)
//! is read from the core objects the facade lends. The only clock read is
//! the default `now`. An error is handed to `licman._errors._from_native`
//! as the facade's kind (`invalid_license`, `denied`, `unknown_name`, …) and
//! code; that picks the class (by kind, then by code).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod seats;
use seats::SeatStore;

use licman_core::{
    Denial, GroupError, NameKind, QuotaLimit, StoredItem, Timestamp, UnknownName,
    UnverifiedRevocationList, plan_storage_cleanup as core_cleanup,
};
use licman_ffi::{
    Catalog as FfiCatalog, KeyRing as FfiKeyRing, License as FfiLicense, LicmanError, PathCase,
    Policy, RouteTable as FfiRoutes, UnmatchedPath, VerifyOptions,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFrozenSet, PyString};

// ---------------------------------------------------------------- errors

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `licman._errors._from_native(kind, code, *rest)` as a `PyErr`: the
/// Python layer picks the class by `kind`, then by `code`.
fn raise<'py, A>(py: Python<'py>, args: A) -> PyErr
where
    A: pyo3::call::PyCallArgs<'py>,
{
    let made = FROM_NATIVE
        .import(py, "licman._errors", "_from_native")
        .and_then(|factory| factory.call1(args));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// The `action` of a refusal's JSON body (every body has one).
fn action_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str().map(str::to_string)))
        .unwrap_or_default()
}

/// A facade error as the Python exception of its kind and code. The
/// facade's invalid arguments that Python reports as `ValueError` (a
/// malformed fingerprint, an invalid product) stay `ValueError`.
fn py_err(py: Python<'_>, e: LicmanError) -> PyErr {
    let kind = e.kind();
    match e {
        LicmanError::InvalidLicense {
            code,
            description,
            http_status,
            body,
        }
        | LicmanError::Denied {
            code,
            description,
            http_status,
            body,
        } => {
            let action = action_of(&body);
            raise(py, (kind, code, description, http_status, action, body))
        }
        LicmanError::UnknownName {
            code,
            kind: k,
            name,
            ..
        } => raise(py, (kind, code, k, name)),
        LicmanError::InvalidArgument { code, description }
            if code != "module_not_licensed" && code != "invalid_group" =>
        {
            PyValueError::new_err(description)
        }
        other => raise(py, (kind, other.code(), other.description())),
    }
}

fn unknown(py: Python<'_>, kind: NameKind, name: &str) -> PyErr {
    py_err(
        py,
        UnknownName {
            kind,
            name: name.to_string(),
        }
        .into(),
    )
}

/// A group the license refuses: the facade's code and message, with the
/// module and tier `GroupError` carries.
fn group_error(py: Python<'_>, e: GroupError) -> PyErr {
    let (module, tier) = match &e {
        GroupError::ModuleNotLicensed { module, tier } => {
            (Some(module.clone()), Some(tier.clone()))
        }
        _ => (None, None),
    };
    match LicmanError::from(e) {
        LicmanError::InvalidArgument { code, description } => {
            raise(py, ("invalid_argument", code, description, module, tier))
        }
        other => py_err(py, other),
    }
}

// ------------------------------------------------------------ conversions

/// Seconds since the epoch of an aware `datetime`, or the current time
/// for `None`. Naive datetimes are refused: their time zone is a guess.
fn timestamp(when: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Timestamp> {
    let Some(when) = when.filter(|w| !w.is_none()) else {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| PyValueError::new_err("the system clock is before 1970"))?
            .as_secs();
        return Ok(Timestamp::from_unix_seconds(secs));
    };
    let py = when.py();
    static DATETIME: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    let datetime = DATETIME.import(py, "datetime", "datetime")?;
    if !when.is_instance(datetime)? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.datetime, not {}",
            when.get_type().name()?
        )));
    }
    if when.call_method0("utcoffset")?.is_none() {
        return Err(PyValueError::new_err(format!(
            "{what} is a naive datetime; pass an aware one, e.g. datetime.now(timezone.utc)"
        )));
    }
    let seconds: f64 = when.call_method0("timestamp")?.extract()?;
    if !(0.0..1.8e19).contains(&seconds) {
        return Err(PyValueError::new_err(format!(
            "{what} is before 1970 or out of range"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // range checked above
    Ok(Timestamp::from_unix_seconds(seconds.floor() as u64))
}

/// A non-negative `datetime.timedelta`, as whole seconds (rounded down).
fn duration(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Duration> {
    let py = value.py();
    static TIMEDELTA: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    if !value.is_instance(timedelta)? {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.timedelta, not {}",
            value.get_type().name()?
        )));
    }
    let seconds: f64 = value.call_method0("total_seconds")?.extract()?;
    if !(0.0..1.8e19).contains(&seconds) {
        return Err(PyValueError::new_err(format!(
            "{what} is negative or out of range"
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // range checked above
    Ok(Duration::from_secs(seconds.floor() as u64))
}

/// An aware UTC `datetime` for a timestamp.
fn to_datetime<'py>(py: Python<'py>, t: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    static FROM_TIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let from_timestamp = FROM_TIMESTAMP.get_or_try_init(py, || {
        py.import("datetime")?
            .getattr("datetime")?
            .getattr("fromtimestamp")
            .map(Bound::unbind)
    })?;
    let utc = UTC.get_or_try_init(py, || {
        py.import("datetime")?
            .getattr("timezone")?
            .getattr("utc")
            .map(Bound::unbind)
    })?;
    #[allow(clippy::cast_precision_loss)] // seconds below 2^53 are exact
    from_timestamp
        .bind(py)
        .call1((t.unix_seconds() as f64, utc.bind(py)))
}

/// License text from `str` or UTF-8 `bytes`.
fn text_of<'a>(
    py: Python<'_>,
    value: &'a Bound<'_, PyAny>,
    what: &str,
) -> PyResult<std::borrow::Cow<'a, str>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(std::borrow::Cow::Owned(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return match std::str::from_utf8(b.as_bytes()) {
            Ok(s) => Ok(std::borrow::Cow::Owned(s.to_string())),
            Err(e) => Err(raise(
                py,
                (
                    "invalid_license",
                    "invalid_encoding",
                    format!(
                        "{what} is not UTF-8 text (invalid byte at offset {})",
                        e.valid_up_to()
                    ),
                    402u16,
                    "activate_license",
                    Denial::InvalidLicense {
                        reason: "invalid_encoding",
                        detail: "not UTF-8 text".into(),
                    }
                    .body_json(),
                ),
            )),
        };
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        value.get_type().name()?
    )))
}

fn json_value<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS.import(py, "json", "loads")?.call1((json,))
}

/// A list of texts from a Python iterable of `str` (a lone `str` is refused:
/// it would be taken as its characters).
fn texts(value: &Bound<'_, PyAny>, message: &str) -> PyResult<Vec<String>> {
    if value.cast::<PyString>().is_ok() {
        return Err(PyTypeError::new_err(message.to_string()));
    }
    value
        .try_iter()?
        .map(|item| item?.extract::<String>())
        .collect()
}

/// Group names given to a user check (`None`: no groups).
fn group_names(groups: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    match groups.filter(|g| !g.is_none()) {
        None => Ok(Vec::new()),
        Some(g) => texts(g, "groups must be a list of group names, not a str"),
    }
}

/// An option given as text, by the core's names; `None` if not given.
fn option_of<T: std::str::FromStr<Err = licman_core::UnknownOption>>(
    text: Option<&str>,
    what: &str,
) -> PyResult<Option<T>> {
    match text {
        None => Ok(None),
        Some(name) => name
            .parse()
            .map(Some)
            .map_err(|e| PyValueError::new_err(format!("{what}={name:?}: {e}"))),
    }
}

// ----------------------------------------------------------------- Catalog

/// The vendor's product catalog: modules, quotas, tiers and routes.
#[pyclass(frozen, module = "licman")]
struct Catalog {
    inner: Arc<FfiCatalog>,
}

#[pymethods]
impl Catalog {
    /// Parses and validates a catalog in TOML.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Catalog> {
        let text = text
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("the catalog text must be str"))?
            .to_cow()?
            .into_owned();
        FfiCatalog::from_toml(text)
            .map(|inner| Catalog { inner })
            .map_err(|e| py_err(py, e))
    }

    /// Parses and validates a catalog in JSON (`licman-keygen catalog
    /// export`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Catalog> {
        let text = text
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("the catalog text must be str"))?
            .to_cow()?
            .into_owned();
        FfiCatalog::from_json(text)
            .map(|inner| Catalog { inner })
            .map_err(|e| py_err(py, e))
    }

    /// Reads and validates a catalog file: JSON if its name ends in
    /// `.json`, else TOML.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Catalog> {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            raise(
                py,
                (
                    "invalid_catalog",
                    "io",
                    format!("cannot read catalog {}: {e}", path.display()),
                ),
            )
        })?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = if json {
            FfiCatalog::from_json(text)
        } else {
            FfiCatalog::from_toml(text)
        };
        parsed.map(|inner| Catalog { inner }).map_err(|e| {
            let message = format!("{}: {}", path.display(), e.description());
            raise(py, (e.kind(), e.code(), message))
        })
    }

    /// The product id.
    #[getter]
    fn product(&self) -> &str {
        self.inner.core().product()
    }

    /// The product's display name.
    #[getter]
    fn display_name(&self) -> &str {
        self.inner.core().display_name()
    }

    /// Module names, by id.
    #[getter]
    fn modules(&self) -> Vec<String> {
        self.inner.module_names()
    }

    /// Quota names, by id.
    #[getter]
    fn quotas(&self) -> Vec<String> {
        self.inner.quota_names()
    }

    /// Tier names.
    #[getter]
    fn tiers(&self) -> Vec<String> {
        self.inner.tier_names()
    }

    /// The stable id of a module (by name or alias).
    fn module_id(&self, py: Python<'_>, name: &str) -> PyResult<u8> {
        self.inner
            .module_id(name.to_string())
            .map_err(|e| py_err(py, e))
    }

    /// The display name of a module.
    fn module_display_name(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let catalog = self.inner.core();
        let id = catalog
            .require_module(name)
            .map_err(|e| py_err(py, e.into()))?;
        Ok(catalog
            .module(id)
            .map(|m| m.display_name().to_string())
            .unwrap_or_default())
    }

    /// The display name of a tier.
    fn tier_display_name(&self, py: Python<'_>, tier: &str) -> PyResult<String> {
        self.tier(py, tier).map(|t| t.display_name().to_string())
    }

    /// The modules of a tier (inheritance resolved).
    fn tier_modules<'py>(&self, py: Python<'py>, tier: &str) -> PyResult<Bound<'py, PyFrozenSet>> {
        let names = self
            .inner
            .tier_modules(tier.to_string())
            .map_err(|e| py_err(py, e))?;
        PyFrozenSet::new(py, names)
    }

    /// The quota limits of a tier: name → limit, `None` for unlimited.
    fn tier_quotas(&self, py: Python<'_>, tier: &str) -> PyResult<Vec<(String, Option<u64>)>> {
        let catalog = self.inner.core();
        let t = self.tier(py, tier)?;
        Ok(t.quotas()
            .iter()
            .map(|(q, l)| {
                (
                    catalog
                        .quota(*q)
                        .map_or_else(|| q.to_string(), |i| i.name().to_string()),
                    l.max(),
                )
            })
            .collect())
    }

    fn __repr__(&self) -> String {
        let catalog = self.inner.core();
        format!(
            "<licman.Catalog {} ({} modules)>",
            catalog.product(),
            catalog.modules().len()
        )
    }
}

impl Catalog {
    fn tier<'a>(&'a self, py: Python<'_>, tier: &str) -> PyResult<&'a licman_core::Tier> {
        self.inner
            .core()
            .tier(tier)
            .ok_or_else(|| unknown(py, NameKind::Tier, tier))
    }
}

// ----------------------------------------------------------------- KeyRing

/// The vendor public keys a product trusts (several: key rotation).
#[pyclass(frozen, module = "licman")]
struct KeyRing {
    inner: Arc<FfiKeyRing>,
}

/// Fingerprints given as one `str` or an iterable of them.
fn fingerprints(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    value
        .try_iter()?
        .map(|item| item?.extract::<String>())
        .collect()
}

/// A revocation list as the facade takes it (armored text) from an armored
/// `str` or `bytes`, or its binary form as `bytes`.
fn armored_revocations(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = value.cast::<PyBytes>() {
        if b.as_bytes().starts_with(b"-----") {
            return std::str::from_utf8(b.as_bytes())
                .map(str::to_string)
                .map_err(|_| PyValueError::new_err("revocations: not UTF-8 text"));
        }
        return UnverifiedRevocationList::from_bytes(b.as_bytes())
            .map(|list| list.to_armored())
            .map_err(|e| raise(py, ("invalid_revocation_list", e.code(), e.to_string())));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err("revocations must be str or bytes"))
}

#[pymethods]
impl KeyRing {
    /// A ring of public keys in their text form (`lmpk1_…`, or the content
    /// of a `.pub` file).
    #[new]
    fn new(py: Python<'_>, public_keys: &Bound<'_, PyAny>) -> PyResult<KeyRing> {
        if public_keys.cast::<PyString>().is_ok() {
            return Err(PyTypeError::new_err(
                "public_keys must be a list of key texts, not a single str",
            ));
        }
        let mut keys = Vec::new();
        for key in public_keys.try_iter()? {
            let key = key?;
            keys.push(text_of(py, &key, "a public key")?.into_owned());
        }
        FfiKeyRing::new(keys)
            .map(|inner| KeyRing { inner })
            .map_err(|e| py_err(py, e))
    }

    /// The key ids in the ring.
    #[getter]
    fn key_ids(&self) -> Vec<String> {
        self.inner.key_ids()
    }

    fn __len__(&self) -> usize {
        self.inner.core().len()
    }

    /// Parses and verifies a license (compact key or armored file).
    #[pyo3(signature = (license, catalog = None, *, product = None, now = None, last_seen = None, revocations = None, min_revocation_serial = 0, max_revocation_age = None, fingerprint = None, policy = "enforce"))]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        py: Python<'_>,
        license: &Bound<'_, PyAny>,
        catalog: Option<&Catalog>,
        product: Option<String>,
        now: Option<&Bound<'_, PyAny>>,
        last_seen: Option<&Bound<'_, PyAny>>,
        revocations: Option<&Bound<'_, PyAny>>,
        min_revocation_serial: u64,
        max_revocation_age: Option<&Bound<'_, PyAny>>,
        fingerprint: Option<&Bound<'_, PyAny>>,
        policy: &str,
    ) -> PyResult<License> {
        match (catalog, &product) {
            (Some(c), Some(p)) if p != c.inner.core().product() => {
                return Err(PyValueError::new_err(format!(
                    "product {p:?} does not match the catalog's product {:?}",
                    c.inner.core().product()
                )));
            }
            (None, None) => {
                return Err(PyTypeError::new_err(
                    "verify() needs a catalog, or product=",
                ));
            }
            _ => {}
        }
        let policy = option_of::<Policy>(Some(policy), "policy")?;
        let max_revocation_age = max_revocation_age
            .filter(|v| !v.is_none())
            .map(|v| duration(v, "max_revocation_age").map(|d| d.as_secs()))
            .transpose()?;
        let text = text_of(py, license, "the license")?.into_owned();
        let now = timestamp(now, "now")?;
        let last_seen = last_seen
            .filter(|v| !v.is_none())
            .map(|v| timestamp(Some(v), "last_seen").map(Timestamp::unix_seconds))
            .transpose()?;
        let options = VerifyOptions {
            product,
            now_unix: Some(now.unix_seconds()),
            last_seen_unix: last_seen,
            revocations: revocations
                .filter(|v| !v.is_none())
                .map(|value| armored_revocations(py, value))
                .transpose()?,
            fingerprints: fingerprints(fingerprint)?,
            advisory: false,
            policy,
            min_revocation_serial,
            max_revocation_age_seconds: max_revocation_age,
        };
        let catalog = catalog.map(|c| c.inner.clone());
        // Verification is pure computation: let other Python threads run.
        let verified = py.detach(|| self.inner.verify(text, catalog, options));
        verified
            .map(|inner| License { inner })
            .map_err(|e| py_err(py, e))
    }

    /// Parses and verifies a revocation list of `product` (armored `str`
    /// or `bytes`, or its binary form): its `serial` and `issued_at`, for a
    /// host that keeps the highest serial it accepted
    /// (`verify(..., min_revocation_serial=)`).
    fn verify_revocation_list(
        &self,
        py: Python<'_>,
        revocations: &Bound<'_, PyAny>,
        product: &str,
    ) -> PyResult<RevocationList> {
        let text = armored_revocations(py, revocations)?;
        self.inner
            .revocation_list(&text, product)
            .map(|inner| RevocationList { inner })
            .map_err(|e| py_err(py, e))
    }

    fn __repr__(&self) -> String {
        format!("<licman.KeyRing {}>", self.key_ids().join(", "))
    }
}

// ---------------------------------------------------------- RevocationList

/// A revocation list that parsed and verified.
#[pyclass(frozen, module = "licman")]
struct RevocationList {
    inner: licman_core::RevocationList,
}

#[pymethods]
impl RevocationList {
    /// The list's serial: later lists have higher ones.
    #[getter]
    fn serial(&self) -> u64 {
        self.inner.serial()
    }

    /// When it was issued (aware UTC datetime).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.inner.issued_at())
    }

    /// The id of the key that signed it.
    #[getter]
    fn key_id(&self) -> String {
        self.inner.key_id().to_string()
    }

    /// The revoked license ids (UUIDs).
    #[getter]
    fn revoked(&self) -> Vec<String> {
        self.inner
            .revoked()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// How many licenses it revokes.
    fn __len__(&self) -> usize {
        self.inner.revoked().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<licman.RevocationList #{} issued {} ({} revoked)>",
            self.inner.serial(),
            self.inner.issued_at(),
            self.inner.revoked().len()
        )
    }
}

// ----------------------------------------------------------------- License

/// The customer a license was issued to.
#[pyclass(frozen, module = "licman", get_all)]
struct Customer {
    /// The vendor's customer id.
    id: String,
    /// Display name, if any.
    name: Option<String>,
    /// Contact email, if any.
    email: Option<String>,
}

#[pymethods]
impl Customer {
    fn __repr__(&self) -> String {
        format!(
            "Customer(id={:?}, name={:?}, email={:?})",
            self.id, self.name, self.email
        )
    }
}

/// A verified license bound to its catalog: ask it on every request.
#[pyclass(frozen, module = "licman")]
struct License {
    inner: Arc<FfiLicense>,
}

/// A count: an integer (an `int`, numpy's, anything with `__index__`;
/// not a `bool`) from 0 to 2**64 - 1, else a `TypeError` or `ValueError`
/// naming the argument.
fn count(value: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    let type_error = || {
        let kind = value
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!("{what} is a count (an integer), not {kind}"))
    };
    if value.is_instance_of::<PyBool>() {
        return Err(type_error());
    }
    let index = value.call_method0("__index__").map_err(|_| type_error())?;
    index.extract::<u64>().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be between 0 and 2**64 - 1, not {index}"
        ))
    })
}

/// Unix seconds of an optional aware `datetime` (`None`: the clock).
fn seconds(when: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<u64> {
    timestamp(when, what).map(Timestamp::unix_seconds)
}

fn datetime_of(py: Python<'_>, unix: u64) -> PyResult<Bound<'_, PyAny>> {
    to_datetime(py, Timestamp::from_unix_seconds(unix))
}

#[pymethods]
impl License {
    /// The same license with an empty group table of its own (its
    /// ``GroupAccess`` objects see only it): verification, checks and the
    /// clock mark are shared. What a ``Guard`` keeps, so that two guards, or
    /// the application's own table, never change each other's.
    fn with_own_groups(&self) -> License {
        License {
            inner: self.inner.with_own_groups(),
        }
    }

    /// The license id (UUID).
    #[getter]
    fn license_id(&self) -> String {
        self.inner.license_id()
    }

    /// The id of the key that signed it.
    #[getter]
    fn key_id(&self) -> String {
        self.inner.key_id()
    }

    /// The product id.
    #[getter]
    fn product(&self) -> &str {
        self.inner.core().license().product()
    }

    /// The tier name.
    #[getter]
    fn tier(&self) -> &str {
        self.inner.core().tier()
    }

    /// The tier's display name from the catalog.
    #[getter]
    fn tier_display_name(&self) -> &str {
        self.inner.core().tier_display_name()
    }

    /// The customer.
    #[getter]
    fn customer(&self) -> Customer {
        let c = self.inner.customer();
        Customer {
            id: c.id,
            name: c.name,
            email: c.email,
        }
    }

    /// When it was issued (aware UTC datetime).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_of(py, self.inner.issued_at_unix())
    }

    /// When it starts.
    #[getter]
    fn starts_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_of(py, self.inner.starts_at_unix())
    }

    /// When it expires; `None` for a perpetual license.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .expires_at_unix()
            .map(|t| datetime_of(py, t))
            .transpose()
    }

    /// The latest time any check of this license has seen, verification's
    /// included (aware UTC datetime): a check at a time more than the clock
    /// tolerance (one hour) before it raises `ClockError`. Persist it and
    /// pass it as `verify(..., last_seen=)` at the next start.
    #[getter]
    fn last_seen<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_of(py, self.inner.last_seen_unix())
    }

    /// The grace period after expiry, in seconds.
    #[getter]
    fn grace_period_seconds(&self) -> u64 {
        self.inner.grace_period_seconds()
    }

    /// The status now: active, expiring_soon, in_grace, expired or not_yet_valid.
    #[getter]
    fn status(&self) -> PyResult<String> {
        Ok(self.inner.status(Some(seconds(None, "now")?)))
    }

    /// The status at a given (aware) time: a preview that records nothing
    /// (asking about next month does not make today's checks look like a
    /// clock turned back); never judged earlier than ``last_seen``.
    fn status_at(&self, when: &Bound<'_, PyAny>) -> PyResult<String> {
        Ok(self.inner.status(Some(seconds(Some(when), "when")?)))
    }

    /// The status when it was verified.
    #[getter]
    fn verified_status(&self) -> String {
        self.inner.verified_status()
    }

    /// Whole days until expiry now (rounded up, negative once expired);
    /// `None` for a perpetual license.
    #[getter]
    fn days_until_expiry(&self) -> PyResult<Option<i64>> {
        Ok(self.inner.days_until_expiry(Some(seconds(None, "now")?)))
    }

    /// Whether it is within 30 days of expiry now.
    #[getter]
    fn is_expiring_soon(&self) -> PyResult<bool> {
        Ok(self.inner.core().is_expiring_soon(timestamp(None, "now")?))
    }

    /// `status` now if the license may be used, else raises `LicenseExpired`
    /// or `LicenseNotYetValid`.
    #[pyo3(signature = (now = None))]
    fn check_valid(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        self.inner
            .check_valid(Some(seconds(now, "now")?))
            .map_err(|e| py_err(py, e))
    }

    /// Validity problems found under the advisory policy (error codes).
    #[getter]
    fn problems(&self) -> Vec<String> {
        self.inner.problems()
    }

    /// The licensed module names (those the catalog knows).
    #[getter]
    fn modules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, self.inner.modules())
    }

    /// Module ids in the license that the catalog does not define (never granted).
    #[getter]
    fn unknown_module_ids(&self) -> Vec<u8> {
        self.inner
            .core()
            .unknown_modules()
            .iter()
            .map(|m| m.0)
            .collect()
    }

    /// The signed claims, as the JSON object the core serialises.
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.claims_json())
    }

    /// The compact key text.
    #[getter]
    fn key(&self) -> String {
        self.inner.key()
    }

    /// The armored text.
    #[getter]
    fn armored(&self) -> String {
        self.inner.armored()
    }

    /// Whether a module (by name or alias) is licensed. Unknown names raise
    /// `UnknownName`.
    fn has_module(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        self.inner.has_module(name).map_err(|e| py_err(py, e))
    }

    /// Whether a module id is licensed.
    fn has_module_id(&self, id: u8) -> bool {
        self.inner.has_module_id(id)
    }

    /// Raises `ModuleNotLicensed` (403) unless the module is licensed.
    fn check_module(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        self.inner
            .check_module(name.to_string())
            .map_err(|e| py_err(py, e))
    }

    /// Raises `QuotaExceeded` (403) unless `requested` more fit after `current`.
    #[pyo3(signature = (quota, current, requested = None), text_signature = "($self, quota, current, requested=1)")]
    fn check_quota(
        &self,
        py: Python<'_>,
        quota: &str,
        current: &Bound<'_, PyAny>,
        requested: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let current = count(current, "current")?;
        let requested = requested.map_or(Ok(1), |r| count(r, "requested"))?;
        self.inner
            .check_quota(quota, current, requested)
            .map_err(|e| py_err(py, e))
    }

    /// Of `candidates` arriving in order, how many fit after `current`.
    fn accept(
        &self,
        py: Python<'_>,
        quota: &str,
        current: &Bound<'_, PyAny>,
        candidates: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (current, candidates) = (count(current, "current")?, count(candidates, "candidates")?);
        self.inner
            .accept(quota, current, candidates)
            .map_err(|e| py_err(py, e))
    }

    /// How many more fit after `current`; `None` when unlimited.
    fn remaining(
        &self,
        py: Python<'_>,
        quota: &str,
        current: &Bound<'_, PyAny>,
    ) -> PyResult<Option<u64>> {
        self.inner
            .remaining(quota.to_string(), count(current, "current")?)
            .map_err(|e| py_err(py, e))
    }

    /// `current` as a percentage of the limit; `None` when unlimited.
    fn usage_percent(
        &self,
        py: Python<'_>,
        quota: &str,
        current: &Bound<'_, PyAny>,
    ) -> PyResult<Option<f64>> {
        self.inner
            .usage_percent(quota.to_string(), count(current, "current")?)
            .map_err(|e| py_err(py, e))
    }

    /// The limit of a quota: a number, `None` when unlimited (0 when the
    /// license sets none).
    fn quota_limit(&self, py: Python<'_>, quota: &str) -> PyResult<Option<u64>> {
        self.inner
            .quota_limit(quota.to_string())
            .map_err(|e| py_err(py, e))
    }

    /// What changes from this license to `other`: tiers, modules added and
    /// removed, quotas raised and lowered, expiry.
    fn diff<'py>(&self, py: Python<'py>, other: &License) -> PyResult<Bound<'py, PyAny>> {
        json_value(py, &self.inner.diff_json(other.inner.clone()))
    }

    fn __repr__(&self) -> String {
        let l = self.inner.core().license();
        format!(
            "<licman.License {} {} for {}>",
            l.license_id(),
            l.tier(),
            l.customer().id
        )
    }
}

// ------------------------------------------------------------- GroupAccess

/// The groups of this installation and the modules each grants, bound to
/// a license. Groups can only be granted licensed modules.
#[pyclass(frozen, module = "licman")]
struct GroupAccess {
    license: Py<License>,
}

#[pymethods]
impl GroupAccess {
    /// The group table of `license`. Every `GroupAccess` of one license
    /// object shares it, and `RouteTable.authorize(..., user_groups=...)`
    /// reads it.
    #[new]
    fn new(license: Py<License>) -> GroupAccess {
        GroupAccess { license }
    }

    /// Sets the modules a group grants (replacing what it granted before).
    /// Raises `GroupError` for a module the license does not include.
    fn set_group(&self, py: Python<'_>, group: &str, modules: &Bound<'_, PyAny>) -> PyResult<()> {
        let names = texts(modules, "modules must be a list of module names, not a str")?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        self.license
            .get()
            .inner
            .try_set_group(group, &refs)
            .map_err(|e| group_error(py, e))
    }

    /// The group names.
    #[getter]
    fn groups(&self) -> Vec<String> {
        self.license.get().inner.group_names()
    }

    /// The modules a group grants.
    fn group_modules<'py>(
        &self,
        py: Python<'py>,
        group: &str,
    ) -> PyResult<Bound<'py, PyFrozenSet>> {
        let names = self
            .license
            .get()
            .inner
            .group_modules(group)
            .map_err(|e| py_err(py, e))?;
        PyFrozenSet::new(py, names)
    }

    /// A user's modules: licensed ∩ the union of their groups' modules; a
    /// superuser gets every licensed module.
    #[pyo3(signature = (groups = None, superuser = false))]
    fn user_modules<'py>(
        &self,
        py: Python<'py>,
        groups: Option<&Bound<'_, PyAny>>,
        superuser: bool,
    ) -> PyResult<Bound<'py, PyFrozenSet>> {
        let names = self
            .license
            .get()
            .inner
            .user_modules(group_names(groups)?, superuser)
            .map_err(|e| py_err(py, e))?;
        PyFrozenSet::new(py, names)
    }

    /// Raises `ModuleNotLicensed` if the module is not in the tier, or
    /// `AccessDenied` if the user's groups do not grant it.
    #[pyo3(signature = (module, groups = None, superuser = false))]
    fn check_module_access(
        &self,
        py: Python<'_>,
        module: &str,
        groups: Option<&Bound<'_, PyAny>>,
        superuser: bool,
    ) -> PyResult<()> {
        self.license
            .get()
            .inner
            .check_module_access(module.to_string(), group_names(groups)?, superuser)
            .map_err(|e| py_err(py, e))
    }
}

// -------------------------------------------------------------- RouteTable

/// The route table of a catalog: which module each API path needs.
#[pyclass(frozen, module = "licman")]
struct RouteTable {
    inner: Arc<FfiRoutes>,
}

#[pymethods]
impl RouteTable {
    /// The route table of `catalog`, matched with the catalog's `[routes]`
    /// options, or with `case` ("exact" or "fold_ascii") and `unmatched`
    /// ("licensed" or "deny") in their place when given.
    #[new]
    #[pyo3(signature = (catalog, *, case = None, unmatched = None))]
    fn new(
        py: Python<'_>,
        catalog: &Catalog,
        case: Option<&str>,
        unmatched: Option<&str>,
    ) -> PyResult<RouteTable> {
        let case = option_of::<PathCase>(case, "case")?;
        let unmatched = option_of::<UnmatchedPath>(unmatched, "unmatched")?;
        FfiRoutes::with_options(catalog.inner.clone(), case, unmatched)
            .map(|inner| RouteTable { inner })
            .map_err(|e| py_err(py, e))
    }

    /// How the table compares letters: "exact" or "fold_ascii".
    #[getter]
    fn case(&self) -> &'static str {
        self.inner.options().path_case.name()
    }

    /// What a path no route covers needs: "licensed" (a license) or "deny"
    /// (nothing: target "unlisted", refused with `UnlistedPath`).
    #[getter]
    fn unmatched(&self) -> &'static str {
        self.inner.options().unmatched.name()
    }

    /// What a path needs: "public", "licensed", "unlisted" (no route covers
    /// it and the table denies such paths), or the module's name. Raises
    /// `InvalidPath` (400) for a path that breaks the path contract.
    fn target(&self, py: Python<'_>, path: &str) -> PyResult<String> {
        self.inner
            .target(path.to_string())
            .map_err(|e| py_err(py, e))
    }

    /// The gateway decision: returns what the path needs ("public",
    /// "licensed" or the module name) if allowed, else raises the `Denial`
    /// (402 no or invalid license, 403 module not in tier, 403 groups).
    /// `user_groups=None` skips the user check.
    #[pyo3(signature = (path, license = None, user_groups = None, *, superuser = false, now = None))]
    fn authorize(
        &self,
        py: Python<'_>,
        path: &str,
        license: Option<&License>,
        user_groups: Option<&Bound<'_, PyAny>>,
        superuser: bool,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let now = seconds(now, "now")?;
        let groups = match (license, user_groups.filter(|g| !g.is_none())) {
            (Some(_), groups @ Some(_)) => Some(group_names(groups)?),
            _ => None,
        };
        self.inner
            .authorize(
                path,
                license.map(|l| l.inner.clone()),
                groups,
                superuser,
                Some(now),
            )
            .map_err(|e| py_err(py, e))
    }
}

// ------------------------------------------------------ machine fingerprints

/// The fingerprint of the machine whose operating-system id is
/// `machine_id`, for `product` (64 hex digits): the recipe of
/// `licman_core::Fingerprint::of_machine`.
#[pyfunction]
fn machine_fingerprint_of(py: Python<'_>, product: String, machine_id: String) -> PyResult<String> {
    licman_ffi::machine_fingerprint_of(product, machine_id).map_err(|e| py_err(py, e))
}

/// This machine's fingerprint for `product` (the operating system's id,
/// read by the library).
#[pyfunction]
fn machine_fingerprint(py: Python<'_>, product: String) -> PyResult<String> {
    licman_ffi::machine_fingerprint(product).map_err(|e| machine_err(py, e))
}

/// The operating system's id of this machine.
#[pyfunction]
fn machine_id(py: Python<'_>) -> PyResult<String> {
    licman_ffi::machine_id().map_err(|e| machine_err(py, e))
}

/// A machine without an id to read is the environment's: `OSError`.
fn machine_err(py: Python<'_>, e: LicmanError) -> PyErr {
    if e.code() == "no_machine_id" {
        pyo3::exceptions::PyOSError::new_err(e.description().to_string())
    } else {
        py_err(py, e)
    }
}

// ------------------------------------------------------ activation requests

/// An activation request: what a product on a machine without a network
/// hands its vendor (`licman-keygen activate`) to get a license bound to
/// that machine. Build one for this machine with
/// `licman.activation_request(product, ...)`.
#[pyclass(frozen, eq, module = "licman")]
struct ActivationRequest {
    inner: Arc<licman_ffi::ActivationRequest>,
}

impl PartialEq for ActivationRequest {
    fn eq(&self, other: &Self) -> bool {
        self.inner.core() == other.inner.core()
    }
}

#[pymethods]
impl ActivationRequest {
    /// Reads a request from its ``lmreq1_…`` or armored text; refused with
    /// ``InvalidActivationRequest`` and its code (``invalid_encoding`` for a
    /// mistyped text, …).
    #[staticmethod]
    fn parse(py: Python<'_>, text: String) -> PyResult<Self> {
        licman_ffi::ActivationRequest::parse(text)
            .map(|inner| ActivationRequest { inner })
            .map_err(|e| py_err(py, e))
    }

    /// A request from explicit fields (``nonce`` 32 hex digits,
    /// ``created_at`` an aware datetime): the same fields always give the
    /// same text.
    #[staticmethod]
    #[pyo3(signature = (product, fingerprint, nonce, created_at, customer_id=None, license_id=None))]
    fn from_fields(
        py: Python<'_>,
        product: String,
        fingerprint: String,
        nonce: String,
        created_at: &Bound<'_, PyAny>,
        customer_id: Option<String>,
        license_id: Option<String>,
    ) -> PyResult<Self> {
        let created_at = seconds(Some(created_at), "created_at")?;
        licman_ffi::ActivationRequest::from_info(licman_ffi::ActivationRequestInfo {
            product,
            fingerprint,
            customer_id,
            license_id,
            nonce,
            created_at,
        })
        .map(|inner| ActivationRequest { inner })
        .map_err(|e| py_err(py, e))
    }

    /// The product id.
    #[getter]
    fn product(&self) -> String {
        self.inner.info().product
    }

    /// The machine's fingerprint for the product (64 hex digits).
    #[getter]
    fn fingerprint(&self) -> String {
        self.inner.info().fingerprint
    }

    /// The customer, or ``None``.
    #[getter]
    fn customer_id(&self) -> Option<String> {
        self.inner.info().customer_id
    }

    /// The license it activates (UUID), or ``None``.
    #[getter]
    fn license_id(&self) -> Option<String> {
        self.inner.info().license_id
    }

    /// 32 hex digits that tell this request from every other.
    #[getter]
    fn nonce(&self) -> String {
        self.inner.info().nonce
    }

    /// When it was written (aware UTC datetime).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_of(py, self.inner.info().created_at)
    }

    /// The compact text, ``lmreq1_…`` (one line).
    #[getter]
    fn text(&self) -> String {
        self.inner.to_text()
    }

    /// The armored text.
    #[getter]
    fn armored(&self) -> String {
        self.inner.to_armored()
    }

    /// Whether ``license`` (verified) answers this request: the same
    /// product, bound to this request's fingerprint, naming its nonce.
    fn is_answered_by(&self, license: &License) -> bool {
        self.inner.is_answered_by(&license.inner)
    }

    fn __str__(&self) -> String {
        self.inner.to_text()
    }

    fn __repr__(&self) -> String {
        let i = self.inner.info();
        format!(
            "ActivationRequest(product={:?}, fingerprint={:?}, nonce={:?})",
            i.product, i.fingerprint, i.nonce
        )
    }
}

/// An activation request for this machine: its fingerprint for
/// ``product``, a random nonce, and ``now`` (an aware datetime; ``None``:
/// the clock). ``OSError`` where the machine has no id to read.
#[pyfunction]
#[pyo3(signature = (product, customer_id=None, license_id=None, now=None))]
fn activation_request(
    py: Python<'_>,
    product: String,
    customer_id: Option<String>,
    license_id: Option<String>,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<ActivationRequest> {
    let now = seconds(now, "now")?;
    licman_ffi::activation_request(product, customer_id, license_id, Some(now))
        .map(|inner| ActivationRequest { inner })
        .map_err(|e| machine_err(py, e))
}

// ----------------------------------------------------------------- storage

/// Which stored items to delete to fit `limit_bytes` (`None`: unlimited):
/// oldest first, keeping each owner's newest item. `items` are
/// `(owner, size_bytes, created_at)` tuples with aware datetimes.
#[pyfunction]
fn plan_storage_cleanup<'py>(
    py: Python<'py>,
    items: &Bound<'_, PyAny>,
    limit_bytes: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut rows: Vec<(String, u64, Timestamp)> = Vec::new();
    for item in items.try_iter()? {
        let (owner, size, created): (String, u64, Bound<'_, PyAny>) = item?.extract()?;
        rows.push((owner, size, timestamp(Some(&created), "created_at")?));
    }
    let stored: Vec<StoredItem<'_>> = rows
        .iter()
        .map(|(owner, size, created)| StoredItem {
            owner,
            size_bytes: *size,
            created_at: *created,
        })
        .collect();
    let limit = limit_bytes.map_or(QuotaLimit::Unlimited, QuotaLimit::Limited);
    let plan = core_cleanup(&stored, limit);
    let out = PyDict::new(py);
    out.set_item("delete", plan.delete.clone())?;
    out.set_item("bytes_before", plan.bytes_before)?;
    out.set_item("bytes_after", plan.bytes_after)?;
    out.set_item("freed_bytes", plan.freed_bytes())?;
    out.set_item("still_exceeded", plan.still_exceeded)?;
    Ok(out)
}

/// Every code of a license error (kind `invalid_license`), as the core
/// declares them: what `licman._errors` is checked against.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    LicmanError::INVALID_LICENSE_CODES.to_vec()
}

/// Every code of a refusal (kind `denied`), as the core declares them.
#[pyfunction]
fn denial_codes() -> Vec<&'static str> {
    LicmanError::DENIED_CODES.to_vec()
}

/// The Python binding of licman.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{
        ActivationRequest, Catalog, Customer, GroupAccess, KeyRing, License, RevocationList,
        RouteTable, SeatStore, activation_request, denial_codes, error_codes, machine_fingerprint,
        machine_fingerprint_of, machine_id, plan_storage_cleanup,
    };

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods as _;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
