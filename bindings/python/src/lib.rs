//! `licman._native`: the Python binding of licman-core.
//!
//! Conversions only. Python values become core values, and core values and
//! errors become Python ones. The only clock read is the default `now`.
//! An error is handed to `licman._errors._from_native` as its kind (the
//! facade's: `invalid_license`, `denied`, `unknown_name`, …) and code; that
//! picks the class (by kind, then by code).

use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licman_core::{
    Catalog as CoreCatalog, CheckError, Denial, Entitlements, Error as CoreError, Fingerprint,
    GroupAccess as CoreGroups, GroupError as CoreGroupError, KeyRing as CoreKeyRing, LicenseChange,
    ModuleId, ModuleSet, PathCase, Policy, PublicKey, QuotaLimit,
    RevocationList as CoreRevocationList, RouteOptions, RouteTable as CoreRouteTable, Status,
    StoredItem, Timestamp, UnknownName as CoreUnknownName, UnmatchedPath, UnverifiedRevocationList,
    VerifyRequest, plan_storage_cleanup as core_cleanup,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyString};

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

/// A license verification error (kind `invalid_license`), with the 402
/// body the core gives it.
fn license_error(py: Python<'_>, e: &CoreError) -> PyErr {
    let denial = Denial::from_license_error(e);
    raise(
        py,
        (
            "invalid_license",
            e.code(),
            e.to_string(),
            denial.http_status(),
            denial.action(),
            denial.body_json(),
        ),
    )
}

/// A refusal (kind `denied`).
fn denial_error(py: Python<'_>, d: &Denial) -> PyErr {
    raise(
        py,
        (
            "denied",
            d.code(),
            d.message(),
            d.http_status(),
            d.action(),
            d.body_json(),
        ),
    )
}

fn unknown_name(py: Python<'_>, u: &CoreUnknownName) -> PyErr {
    raise(
        py,
        (
            "unknown_name",
            format!("unknown_{}", u.kind),
            u.kind.to_string(),
            u.name.clone(),
        ),
    )
}

fn check_error(py: Python<'_>, e: &CheckError) -> PyErr {
    match e {
        CheckError::Denied(d) => denial_error(py, d),
        CheckError::Unknown(u) => unknown_name(py, u),
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

fn frozenset<'py, 'a>(
    py: Python<'py>,
    items: impl IntoIterator<Item = &'a str>,
) -> PyResult<Bound<'py, PyFrozenSet>> {
    PyFrozenSet::new(py, items)
}

fn catalog_error(py: Python<'_>, code: &str, message: String) -> PyErr {
    raise(py, ("invalid_catalog", code, message))
}

fn json_value<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS.import(py, "json", "loads")?.call1((json,))
}

fn limit_value(limit: QuotaLimit) -> Option<u64> {
    limit.max()
}

// ----------------------------------------------------------------- Catalog

/// The vendor's product catalog: modules, quotas, tiers and routes.
#[pyclass(frozen, module = "licman")]
struct Catalog {
    inner: CoreCatalog,
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
        CoreCatalog::from_toml(&text)
            .map(|inner| Catalog { inner })
            .map_err(|e| catalog_error(py, e.code(), e.to_string()))
    }

    /// Reads and validates a catalog file.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Catalog> {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            catalog_error(
                py,
                "io",
                format!("cannot read catalog {}: {e}", path.display()),
            )
        })?;
        CoreCatalog::from_toml(&text)
            .map(|inner| Catalog { inner })
            .map_err(|e| catalog_error(py, e.code(), format!("{}: {e}", path.display())))
    }

    /// The product id.
    #[getter]
    fn product(&self) -> &str {
        self.inner.product()
    }

    /// The product's display name.
    #[getter]
    fn display_name(&self) -> &str {
        self.inner.display_name()
    }

    /// Module names, by id.
    #[getter]
    fn modules(&self) -> Vec<String> {
        self.inner.modules().map(|m| m.name().to_string()).collect()
    }

    /// Quota names, by id.
    #[getter]
    fn quotas(&self) -> Vec<String> {
        self.inner.quotas().map(|q| q.name().to_string()).collect()
    }

    /// Tier names.
    #[getter]
    fn tiers(&self) -> Vec<String> {
        self.inner.tiers().map(|t| t.name().to_string()).collect()
    }

    /// The stable id of a module (by name or alias).
    fn module_id(&self, py: Python<'_>, name: &str) -> PyResult<u8> {
        self.inner
            .require_module(name)
            .map(|id| id.0)
            .map_err(|e| unknown_name(py, &e))
    }

    /// The display name of a module.
    fn module_display_name(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        let id = self
            .inner
            .require_module(name)
            .map_err(|e| unknown_name(py, &e))?;
        Ok(self
            .inner
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
        let t = self.tier(py, tier)?;
        frozenset(py, self.inner.module_names_of(t.modules()))
    }

    /// The quota limits of a tier: name → limit, `None` for unlimited.
    fn tier_quotas(&self, py: Python<'_>, tier: &str) -> PyResult<Vec<(String, Option<u64>)>> {
        let t = self.tier(py, tier)?;
        Ok(t.quotas()
            .iter()
            .map(|(q, l)| {
                (
                    self.inner
                        .quota(*q)
                        .map_or_else(|| q.to_string(), |i| i.name().to_string()),
                    limit_value(*l),
                )
            })
            .collect())
    }

    fn __repr__(&self) -> String {
        format!(
            "<licman.Catalog {} ({} modules)>",
            self.inner.product(),
            self.inner.modules().len()
        )
    }
}

impl Catalog {
    fn tier<'a>(&'a self, py: Python<'_>, tier: &str) -> PyResult<&'a licman_core::Tier> {
        self.inner.tier(tier).ok_or_else(|| {
            unknown_name(
                py,
                &CoreUnknownName {
                    kind: licman_core::NameKind::Tier,
                    name: tier.to_string(),
                },
            )
        })
    }
}

// ----------------------------------------------------------------- KeyRing

/// The vendor public keys a product trusts (several: key rotation).
#[pyclass(frozen, module = "licman")]
struct KeyRing {
    inner: CoreKeyRing,
}

fn fingerprints(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Fingerprint>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    let texts: Vec<String> = if let Ok(s) = value.cast::<PyString>() {
        vec![s.to_cow()?.into_owned()]
    } else {
        value
            .try_iter()?
            .map(|item| item?.extract::<String>())
            .collect::<PyResult<_>>()?
    };
    Fingerprint::parse_list(texts.iter().map(String::as_str))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A revocation list (armored `str` or `bytes`, or its binary form as
/// `bytes`) of `product`, parsed and verified with `ring`.
fn revocation_list(
    py: Python<'_>,
    ring: &CoreKeyRing,
    value: &Bound<'_, PyAny>,
    product: &str,
) -> PyResult<CoreRevocationList> {
    let parsed = if let Ok(b) = value.cast::<PyBytes>() {
        if b.as_bytes().starts_with(b"-----") {
            let text = std::str::from_utf8(b.as_bytes())
                .map_err(|_| PyValueError::new_err("revocations: not UTF-8 text"))?;
            UnverifiedRevocationList::parse(text)
        } else {
            UnverifiedRevocationList::from_bytes(b.as_bytes())
        }
    } else if let Ok(s) = value.cast::<PyString>() {
        UnverifiedRevocationList::parse(&s.to_cow()?)
    } else {
        return Err(PyTypeError::new_err("revocations must be str or bytes"));
    };
    parsed
        .and_then(|l| l.verify(ring, product))
        .map_err(|e| raise(py, ("invalid_revocation_list", e.code(), e.to_string())))
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
        let mut inner = CoreKeyRing::new();
        for key in public_keys.try_iter()? {
            let key = key?;
            let text = text_of(py, &key, "a public key")?;
            let public = PublicKey::from_text(&text)
                .map_err(|e| raise(py, ("invalid_public_key", e.code(), e.to_string())))?;
            inner.add(public);
        }
        Ok(KeyRing { inner })
    }

    /// The key ids in the ring.
    #[getter]
    fn key_ids(&self) -> Vec<String> {
        self.inner.iter().map(|k| k.key_id().to_string()).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
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
        let catalog = match (catalog, product) {
            (Some(c), None) => c.inner.clone(),
            (Some(c), Some(p)) if p == c.inner.product() => c.inner.clone(),
            (Some(c), Some(p)) => {
                return Err(PyValueError::new_err(format!(
                    "product {p:?} does not match the catalog's product {:?}",
                    c.inner.product()
                )));
            }
            (None, Some(p)) => CoreCatalog::empty(&p)
                .map_err(|e| PyValueError::new_err(format!("invalid product {p:?}: {e}")))?,
            (None, None) => {
                return Err(PyTypeError::new_err(
                    "verify() needs a catalog, or product=",
                ));
            }
        };
        let policy: Policy = option_of(Some(policy), Policy::Enforce, "policy")?;
        let max_revocation_age = max_revocation_age
            .filter(|v| !v.is_none())
            .map(|v| duration(v, "max_revocation_age"))
            .transpose()?;
        let text = text_of(py, license, "the license")?;
        let now = timestamp(now, "now")?;
        let last_seen = last_seen
            .filter(|v| !v.is_none())
            .map(|v| timestamp(Some(v), "last_seen"))
            .transpose()?;
        let fingerprints = fingerprints(fingerprint)?;
        let revocations = revocations
            .filter(|v| !v.is_none())
            .map(|value| revocation_list(py, &self.inner, value, catalog.product()))
            .transpose()?;
        let request = VerifyRequest {
            last_seen,
            revocations,
            min_revocation_serial,
            max_revocation_age,
            fingerprints,
            policy,
            ..VerifyRequest::new(catalog.product(), now)
        };
        // Verification is pure computation: let other Python threads run.
        let verified =
            py.detach(|| Entitlements::verify(&self.inner, &text, &catalog, &request.options()));
        let inner = verified.map_err(|e| license_error(py, &e))?;
        let groups = RwLock::new(CoreGroups::new(&inner));
        Ok(License { inner, groups })
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
        Ok(RevocationList {
            inner: revocation_list(py, &self.inner, revocations, product)?,
        })
    }

    fn __repr__(&self) -> String {
        format!("<licman.KeyRing {}>", self.key_ids().join(", "))
    }
}

// ---------------------------------------------------------- RevocationList

/// A revocation list that parsed and verified.
#[pyclass(frozen, module = "licman")]
struct RevocationList {
    inner: CoreRevocationList,
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
    inner: Entitlements,
    /// The groups of this installation (see `GroupAccess`).
    groups: RwLock<CoreGroups>,
}

fn status_code(status: Status) -> &'static str {
    status.code()
}

impl License {
    fn quota_id(&self, py: Python<'_>, quota: &str) -> PyResult<licman_core::QuotaId> {
        self.inner
            .catalog()
            .require_quota(quota)
            .map_err(|e| unknown_name(py, &e))
    }

    fn module_id(&self, py: Python<'_>, module: &str) -> PyResult<ModuleId> {
        self.inner
            .catalog()
            .require_module(module)
            .map_err(|e| unknown_name(py, &e))
    }
}

#[pymethods]
impl License {
    /// The license id (UUID).
    #[getter]
    fn license_id(&self) -> String {
        self.inner.license().license_id().to_string()
    }

    /// The id of the key that signed it.
    #[getter]
    fn key_id(&self) -> String {
        self.inner.license().key_id().to_string()
    }

    /// The product id.
    #[getter]
    fn product(&self) -> &str {
        self.inner.license().product()
    }

    /// The tier name.
    #[getter]
    fn tier(&self) -> &str {
        self.inner.tier()
    }

    /// The tier's display name from the catalog.
    #[getter]
    fn tier_display_name(&self) -> &str {
        self.inner.tier_display_name()
    }

    /// The customer.
    #[getter]
    fn customer(&self) -> Customer {
        let c = self.inner.license().customer();
        Customer {
            id: c.id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
        }
    }

    /// When it was issued (aware UTC datetime).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.inner.license().claims().issued_at)
    }

    /// When it starts.
    #[getter]
    fn starts_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.inner.license().claims().starts_at)
    }

    /// When it expires; `None` for a perpetual license.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .license()
            .expires_at()
            .map(|t| to_datetime(py, t))
            .transpose()
    }

    /// The latest time any check of this license has seen, verification's
    /// included (aware UTC datetime): a check at a time more than the clock
    /// tolerance (one hour) before it raises `ClockError`. Persist it and
    /// pass it as `verify(..., last_seen=)` at the next start.
    #[getter]
    fn last_seen<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, self.inner.license().last_seen())
    }

    /// The grace period after expiry, in seconds.
    #[getter]
    fn grace_period_seconds(&self) -> u64 {
        self.inner.license().claims().grace_period.as_secs()
    }

    /// The status now: active, expiring_soon, in_grace, expired or not_yet_valid.
    #[getter]
    fn status(&self) -> PyResult<&'static str> {
        Ok(status_code(self.inner.status_at(timestamp(None, "now")?)))
    }

    /// The status at a given (aware) time.
    fn status_at(&self, when: &Bound<'_, PyAny>) -> PyResult<&'static str> {
        Ok(status_code(
            self.inner.status_at(timestamp(Some(when), "when")?),
        ))
    }

    /// The status when it was verified.
    #[getter]
    fn verified_status(&self) -> &'static str {
        status_code(self.inner.license().status())
    }

    /// Whole days until expiry now (rounded up, negative once expired);
    /// `None` for a perpetual license.
    #[getter]
    fn days_until_expiry(&self) -> PyResult<Option<i64>> {
        Ok(self.inner.days_until_expiry(timestamp(None, "now")?))
    }

    /// Whether it is within 30 days of expiry now.
    #[getter]
    fn is_expiring_soon(&self) -> PyResult<bool> {
        Ok(self.inner.is_expiring_soon(timestamp(None, "now")?))
    }

    /// `status` now if the license may be used, else raises `LicenseExpired`
    /// or `LicenseNotYetValid`.
    #[pyo3(signature = (now = None))]
    fn check_valid(
        &self,
        py: Python<'_>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        self.inner
            .check_valid_at(timestamp(now, "now")?)
            .map(status_code)
            .map_err(|d| denial_error(py, &d))
    }

    /// Validity problems found under the advisory policy (error codes).
    #[getter]
    fn problems(&self) -> Vec<&'static str> {
        self.inner
            .license()
            .problems()
            .iter()
            .map(CoreError::code)
            .collect()
    }

    /// The licensed module names (those the catalog knows).
    #[getter]
    fn modules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.inner.module_names())
    }

    /// Module ids in the license that the catalog does not define (never granted).
    #[getter]
    fn unknown_module_ids(&self) -> Vec<u8> {
        self.inner.unknown_modules().iter().map(|m| m.0).collect()
    }

    /// The signed claims, as the JSON object the core serialises.
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_string(self.inner.license().claims())
            .map_err(|e| PyValueError::new_err(format!("cannot serialise claims: {e}")))?;
        json_value(py, &json)
    }

    /// The compact key text.
    #[getter]
    fn key(&self) -> String {
        self.inner.license().to_compact()
    }

    /// The armored text.
    #[getter]
    fn armored(&self) -> String {
        self.inner.license().to_armored()
    }

    /// Whether a module (by name or alias) is licensed. Unknown names raise
    /// `UnknownName`.
    fn has_module(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        self.inner
            .has_module_named(name)
            .map_err(|e| unknown_name(py, &e))
    }

    /// Whether a module id is licensed.
    fn has_module_id(&self, id: u8) -> bool {
        self.inner.has_module(ModuleId(id))
    }

    /// Raises `ModuleNotLicensed` (403) unless the module is licensed.
    fn check_module(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let id = self.module_id(py, name)?;
        self.inner
            .check_module(id)
            .map_err(|d| denial_error(py, &d))
    }

    /// Raises `QuotaExceeded` (403) unless `requested` more fit after `current`.
    #[pyo3(signature = (quota, current, requested = 1))]
    fn check_quota(
        &self,
        py: Python<'_>,
        quota: &str,
        current: u64,
        requested: u64,
    ) -> PyResult<()> {
        self.inner
            .check_quota_named(quota, current, requested)
            .map_err(|e| check_error(py, &e))
    }

    /// Of `candidates` arriving in order, how many fit after `current`.
    fn accept(&self, py: Python<'_>, quota: &str, current: u64, candidates: u64) -> PyResult<u64> {
        Ok(self
            .inner
            .accept(self.quota_id(py, quota)?, current, candidates)
            .accepted)
    }

    /// How many more fit after `current`; `None` when unlimited.
    fn remaining(&self, py: Python<'_>, quota: &str, current: u64) -> PyResult<Option<u64>> {
        Ok(self.inner.remaining(self.quota_id(py, quota)?, current))
    }

    /// `current` as a percentage of the limit; `None` when unlimited.
    fn usage_percent(&self, py: Python<'_>, quota: &str, current: u64) -> PyResult<Option<f64>> {
        Ok(self.inner.usage_percent(self.quota_id(py, quota)?, current))
    }

    /// The limit of a quota: a number, `None` when unlimited (0 when the
    /// license sets none).
    fn quota_limit(&self, py: Python<'_>, quota: &str) -> PyResult<Option<u64>> {
        Ok(self
            .inner
            .quota_limit(self.quota_id(py, quota)?)
            .map_or(Some(0), limit_value))
    }

    /// What changes from this license to `other`: tiers, modules added and
    /// removed, quotas raised and lowered, expiry.
    fn diff<'py>(&self, py: Python<'py>, other: &License) -> PyResult<Bound<'py, PyAny>> {
        let change = LicenseChange::between(&self.inner, &other.inner);
        let json = serde_json::to_string(&change)
            .map_err(|e| PyValueError::new_err(format!("cannot serialise: {e}")))?;
        json_value(py, &json)
    }

    fn __repr__(&self) -> String {
        let l = self.inner.license();
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

fn group_error(py: Python<'_>, e: &CoreGroupError) -> PyErr {
    match e {
        CoreGroupError::ModuleNotLicensed { module, tier } => raise(
            py,
            (
                "invalid_argument",
                "module_not_licensed",
                e.to_string(),
                Some(module.clone()),
                Some(tier.clone()),
            ),
        ),
        CoreGroupError::Unknown(u) => unknown_name(py, u),
        other => raise(
            py,
            (
                "invalid_argument",
                "invalid_group",
                other.to_string(),
                None::<String>,
                None::<String>,
            ),
        ),
    }
}

fn read_groups(license: &License) -> std::sync::RwLockReadGuard<'_, CoreGroups> {
    license
        .groups
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The modules a user may use: licensed ∩ union of groups, or every licensed
/// module for a superuser.
fn user_modules_of(
    py: Python<'_>,
    license: &License,
    groups: Option<&Bound<'_, PyAny>>,
    superuser: bool,
) -> PyResult<ModuleSet> {
    let names: Vec<String> = match groups.filter(|g| !g.is_none()) {
        None => Vec::new(),
        Some(g) if g.cast::<PyString>().is_ok() => {
            return Err(PyTypeError::new_err(
                "groups must be a list of group names, not a str",
            ));
        }
        Some(g) => g
            .try_iter()?
            .map(|item| item?.extract::<String>())
            .collect::<PyResult<_>>()?,
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    read_groups(license)
        .user_modules_named(&refs, superuser)
        .map_err(|e| unknown_name(py, &e))
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
        if modules.cast::<PyString>().is_ok() {
            return Err(PyTypeError::new_err(
                "modules must be a list of module names, not a str",
            ));
        }
        let names: Vec<String> = modules
            .try_iter()?
            .map(|m| m?.extract::<String>())
            .collect::<PyResult<_>>()?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let license = self.license.get();
        let mut groups = license
            .groups
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        groups
            .set_group_named(group, &refs)
            .map(|_| ())
            .map_err(|e| group_error(py, &e))
    }

    /// The group names.
    #[getter]
    fn groups(&self) -> Vec<String> {
        read_groups(self.license.get())
            .groups()
            .map(|(_, name, _)| name.to_string())
            .collect()
    }

    /// The modules a group grants.
    fn group_modules<'py>(
        &self,
        py: Python<'py>,
        group: &str,
    ) -> PyResult<Bound<'py, PyFrozenSet>> {
        let license = self.license.get();
        let groups = read_groups(license);
        let id = groups.group_id(group).ok_or_else(|| {
            unknown_name(
                py,
                &CoreUnknownName {
                    kind: licman_core::NameKind::Group,
                    name: group.to_string(),
                },
            )
        })?;
        let modules = groups.group_modules(id).copied().unwrap_or_default();
        frozenset(py, license.inner.catalog().module_names_of(&modules))
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
        let license = self.license.get();
        let modules = user_modules_of(py, license, groups, superuser)?;
        frozenset(py, license.inner.catalog().module_names_of(&modules))
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
        let license = self.license.get();
        let modules = user_modules_of(py, license, groups, superuser)?;
        license
            .inner
            .check_module_access_named(module, &modules)
            .map_err(|e| check_error(py, &e))
    }
}

// -------------------------------------------------------------- RouteTable

/// The route table of a catalog: which module each API path needs.
#[pyclass(frozen, module = "licman")]
struct RouteTable {
    catalog: CoreCatalog,
    routes: CoreRouteTable,
}

/// An option given as text, by the core's names; `None` keeps `listed`.
fn option_of<T: std::str::FromStr<Err = licman_core::UnknownOption>>(
    text: Option<&str>,
    listed: T,
    what: &str,
) -> PyResult<T> {
    text.map_or(Ok(listed), |name| {
        name.parse()
            .map_err(|e| PyValueError::new_err(format!("{what}={name:?}: {e}")))
    })
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
        let listed = catalog.inner.routes().options();
        let case: PathCase = option_of(case, listed.case, "case")?;
        let unmatched: UnmatchedPath = option_of(unmatched, listed.unmatched, "unmatched")?;
        let routes = catalog
            .inner
            .routes_with(RouteOptions { case, unmatched })
            .map_err(|e| catalog_error(py, e.code(), e.to_string()))?;
        Ok(RouteTable {
            catalog: catalog.inner.clone(),
            routes,
        })
    }

    /// How the table compares letters: "exact" or "fold_ascii".
    #[getter]
    fn case(&self) -> &'static str {
        self.routes.options().case.name()
    }

    /// What a path no route covers needs: "licensed" (a license) or "deny"
    /// (nothing: target "unlisted", refused with `UnlistedPath`).
    #[getter]
    fn unmatched(&self) -> &'static str {
        self.routes.options().unmatched.name()
    }

    /// What a path needs: "public", "licensed", "unlisted" (no route covers
    /// it and the table denies such paths), or the module's name. Raises
    /// `InvalidPath` (400) for a path that breaks the path contract.
    fn target(&self, py: Python<'_>, path: &str) -> PyResult<String> {
        match self.routes.target(path) {
            Ok(t) => Ok(self.catalog.route_target_name(t)),
            Err(_) => Err(denial_error(
                py,
                &Denial::InvalidPath {
                    path: path.to_string(),
                },
            )),
        }
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
        let now = timestamp(now, "now")?;
        let user = match (license, user_groups.filter(|g| !g.is_none()), superuser) {
            (Some(l), groups @ Some(_), _) => Some(user_modules_of(py, l, groups, superuser)?),
            (Some(l), None, true) => Some(*l.inner.modules()),
            _ => None,
        };
        self.routes
            .authorize(path, license.map(|l| &l.inner), user.as_ref(), now)
            .map(|t| self.catalog.route_target_name(t))
            .map_err(|d| denial_error(py, &d))
    }
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
    CoreError::CODES.to_vec()
}

/// Every code of a refusal (kind `denied`), as the core declares them.
#[pyfunction]
fn denial_codes() -> Vec<&'static str> {
    Denial::CODES.to_vec()
}

/// The Python binding of licman-core.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::{
        Catalog, Customer, GroupAccess, KeyRing, License, RevocationList, RouteTable, denial_codes,
        error_codes, plan_storage_cleanup,
    };

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods as _;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
