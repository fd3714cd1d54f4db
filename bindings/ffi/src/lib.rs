//! The FFI-shaped facade of licman-core: objects with simple methods,
//! records, times as Unix seconds, and one flat error. uniffi exports it
//! (Kotlin, Swift); [`c`] wraps it as a C ABI; the WASM binding wraps it
//! with wasm-bindgen. No logic lives here: every answer comes from the
//! core.
//!
//! The only clock read is the default `now` (when a caller passes `None`).

#![warn(missing_docs)]

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licman_core::{
    Catalog as CoreCatalog, CatalogError, CheckError, Denial, Entitlements, Error as CoreError,
    Fingerprint, GroupAccess, GroupError, KeyRing as CoreKeyRing, LicenseChange, ModuleId,
    ModuleSet, PathCase as CorePathCase, Policy as CorePolicy, PublicKey, QuotaLimit,
    RevocationList as CoreRevocationList, RouteOptions as CoreRouteOptions,
    RouteTable as CoreRouteTable, RouteTarget, Timestamp, UnknownName, UnknownOption,
    UnmatchedPath as CoreUnmatchedPath, VerifyRequest,
};

mod activation;
#[cfg(feature = "c-abi")]
pub mod c;

#[cfg(not(target_arch = "wasm32"))]
pub use activation::activation_request;
pub use activation::{ActivationRequest, ActivationRequestInfo};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("licman");

/// Every error of the facade. Each variant carries a stable `code`, a
/// `description` for people, and, for refusals, the HTTP status and JSON
/// body the core produces (`http_status` 0 and `body` empty otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum LicmanError {
    /// The license does not decode, verify, or is not valid here (402).
    /// `code` is the core error code (`bad_signature`, `expired`, …).
    InvalidLicense {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
        /// 402.
        http_status: u16,
        /// The JSON body.
        body: String,
    },
    /// A refusal under enforcement: `no_license`, `module_not_licensed`,
    /// `quota_exceeded`, `access_denied`, `license_expired`, `invalid_path`, …
    Denied {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
        /// 402, 403 or 400.
        http_status: u16,
        /// The JSON body.
        body: String,
    },
    /// A module, quota, tier or group name the catalog does not define.
    UnknownName {
        /// `unknown_module`, `unknown_quota`, `unknown_tier` or `unknown_group`.
        code: String,
        /// For people.
        description: String,
        /// `module`, `quota`, `tier` or `group`.
        kind: String,
        /// The name.
        name: String,
    },
    /// The catalog is invalid.
    InvalidCatalog {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
    },
    /// A public key text was refused.
    InvalidPublicKey {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
    },
    /// A revocation list did not parse or verify.
    InvalidRevocationList {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
    },
    /// An activation request did not parse, or its fields break the
    /// format's rules; `code` is the core's (`wrong_prefix`,
    /// `invalid_encoding` for a mistyped text, `too_large`, …).
    InvalidActivationRequest {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
    },
    /// An argument was refused (a group granting an unlicensed module, a
    /// malformed fingerprint, an unknown policy).
    InvalidArgument {
        /// Stable code.
        code: String,
        /// For people.
        description: String,
    },
}

impl LicmanError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            LicmanError::InvalidLicense { code, .. }
            | LicmanError::Denied { code, .. }
            | LicmanError::UnknownName { code, .. }
            | LicmanError::InvalidCatalog { code, .. }
            | LicmanError::InvalidPublicKey { code, .. }
            | LicmanError::InvalidRevocationList { code, .. }
            | LicmanError::InvalidActivationRequest { code, .. }
            | LicmanError::InvalidArgument { code, .. } => code,
        }
    }

    /// The description for people.
    pub fn description(&self) -> &str {
        match self {
            LicmanError::InvalidLicense { description, .. }
            | LicmanError::Denied { description, .. }
            | LicmanError::UnknownName { description, .. }
            | LicmanError::InvalidCatalog { description, .. }
            | LicmanError::InvalidPublicKey { description, .. }
            | LicmanError::InvalidRevocationList { description, .. }
            | LicmanError::InvalidActivationRequest { description, .. }
            | LicmanError::InvalidArgument { description, .. } => description,
        }
    }

    /// The HTTP status of a refusal, 0 for other errors.
    pub fn http_status(&self) -> u16 {
        match self {
            LicmanError::InvalidLicense { http_status, .. }
            | LicmanError::Denied { http_status, .. } => *http_status,
            _ => 0,
        }
    }

    /// The JSON body of a refusal, empty for other errors.
    pub fn body(&self) -> &str {
        match self {
            LicmanError::InvalidLicense { body, .. } | LicmanError::Denied { body, .. } => body,
            _ => "",
        }
    }

    /// The variant's name in snake_case: `invalid_license`, `denied`,
    /// `unknown_name`, `invalid_catalog`, `invalid_public_key`,
    /// `invalid_revocation_list`, `invalid_activation_request` or
    /// `invalid_argument`.
    pub fn kind(&self) -> &'static str {
        match self {
            LicmanError::InvalidLicense { .. } => "invalid_license",
            LicmanError::Denied { .. } => "denied",
            LicmanError::UnknownName { .. } => "unknown_name",
            LicmanError::InvalidCatalog { .. } => "invalid_catalog",
            LicmanError::InvalidPublicKey { .. } => "invalid_public_key",
            LicmanError::InvalidRevocationList { .. } => "invalid_revocation_list",
            LicmanError::InvalidActivationRequest { .. } => "invalid_activation_request",
            LicmanError::InvalidArgument { .. } => "invalid_argument",
        }
    }

    /// Every `code` of [`LicmanError::InvalidLicense`] that verification
    /// gives: the core's `Error::CODES`, for bindings to check their error
    /// tables against.
    pub const INVALID_LICENSE_CODES: &'static [&'static str] = CoreError::CODES;

    /// Every `code` of [`LicmanError::Denied`]: the core's `Denial::CODES`.
    pub const DENIED_CODES: &'static [&'static str] = Denial::CODES;

    fn argument(code: &str, description: impl Into<String>) -> LicmanError {
        LicmanError::InvalidArgument {
            code: code.into(),
            description: description.into(),
        }
    }
}

impl fmt::Display for LicmanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code(), self.description())
    }
}

impl std::error::Error for LicmanError {}

impl From<CoreError> for LicmanError {
    fn from(e: CoreError) -> Self {
        let denial = Denial::from_license_error(&e);
        LicmanError::InvalidLicense {
            code: e.code().into(),
            description: e.to_string(),
            http_status: denial.http_status(),
            body: denial.body_json(),
        }
    }
}

impl From<Denial> for LicmanError {
    fn from(d: Denial) -> Self {
        LicmanError::Denied {
            code: d.code().into(),
            description: d.message(),
            http_status: d.http_status(),
            body: d.body_json(),
        }
    }
}

impl From<CatalogError> for LicmanError {
    fn from(e: CatalogError) -> Self {
        LicmanError::InvalidCatalog {
            code: e.code().into(),
            description: e.to_string(),
        }
    }
}

impl From<UnknownName> for LicmanError {
    fn from(u: UnknownName) -> Self {
        LicmanError::UnknownName {
            code: format!("unknown_{}", u.kind),
            description: u.to_string(),
            kind: u.kind.to_string(),
            name: u.name,
        }
    }
}

impl From<CheckError> for LicmanError {
    fn from(e: CheckError) -> Self {
        match e {
            CheckError::Denied(d) => d.into(),
            CheckError::Unknown(u) => u.into(),
        }
    }
}

impl From<GroupError> for LicmanError {
    fn from(e: GroupError) -> Self {
        match e {
            GroupError::Unknown(u) => u.into(),
            GroupError::ModuleNotLicensed { .. } => {
                LicmanError::argument("module_not_licensed", e.to_string())
            }
            other => LicmanError::argument("invalid_group", other.to_string()),
        }
    }
}

/// A facade enum that mirrors one of the core's option enums variant for
/// variant: the conversions both ways, and `name()` and `FromStr` by the
/// core's names (its `NAMES` table and `UnknownOption` error).
macro_rules! mirror_option {
    ($ty:ident = $core:ident { $($variant:ident),* $(,)? }) => {
        impl $ty {
            /// The stable name, as the core spells it.
            pub fn name(self) -> &'static str {
                $core::from(self).name()
            }
        }

        impl std::str::FromStr for $ty {
            type Err = UnknownOption;

            /// The value of a name (see `name`), by the core's table.
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                name.parse::<$core>().map(Into::into)
            }
        }

        impl From<$ty> for $core {
            fn from(value: $ty) -> Self {
                match value {
                    $($ty::$variant => $core::$variant,)*
                }
            }
        }

        impl From<$core> for $ty {
            fn from(value: $core) -> Self {
                match value {
                    $($core::$variant => $ty::$variant,)*
                }
            }
        }
    };
}

/// Unix seconds now (the default `now`).
fn now_or(now: Option<u64>) -> Timestamp {
    now.map_or_else(
        || {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Timestamp::from_unix_seconds(secs)
        },
        Timestamp::from_unix_seconds,
    )
}

fn module_names(catalog: &CoreCatalog, modules: &ModuleSet) -> Vec<String> {
    catalog
        .module_names_of(modules)
        .map(str::to_string)
        .collect()
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Claims and license changes hold strings and integers, which the
    // writer always writes (and without serde_json, the WebAssembly module
    // is 56 KB smaller).
    licman_core::json::to_string(value).unwrap_or_default()
}

// ------------------------------------------------------------------ Catalog

/// The vendor's product catalog.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Catalog {
    inner: CoreCatalog,
}

#[cfg(feature = "toml")]
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Catalog {
    /// Parses and validates a catalog in TOML (the `toml` feature, on by
    /// default).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_toml(text: String) -> Result<Arc<Catalog>, LicmanError> {
        Ok(Arc::new(Catalog {
            inner: CoreCatalog::from_toml(&text)?,
        }))
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Catalog {
    /// Parses and validates a catalog in JSON (`licman-keygen catalog
    /// export` writes it from the TOML).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_json(text: String) -> Result<Arc<Catalog>, LicmanError> {
        Ok(Arc::new(Catalog {
            inner: CoreCatalog::from_json(&text)?,
        }))
    }

    /// A catalog of `product` that defines nothing, for hosts that only
    /// verify and read claims.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn empty(product: String) -> Result<Arc<Catalog>, LicmanError> {
        Ok(Arc::new(Catalog {
            inner: CoreCatalog::empty(&product)?,
        }))
    }

    /// The product id.
    pub fn product(&self) -> String {
        self.inner.product().into()
    }

    /// The product's display name.
    pub fn display_name(&self) -> String {
        self.inner.display_name().into()
    }

    /// Module names, by id.
    pub fn module_names(&self) -> Vec<String> {
        self.inner.modules().map(|m| m.name().to_string()).collect()
    }

    /// Quota names, by id.
    pub fn quota_names(&self) -> Vec<String> {
        self.inner.quotas().map(|q| q.name().to_string()).collect()
    }

    /// Tier names.
    pub fn tier_names(&self) -> Vec<String> {
        self.inner.tiers().map(|t| t.name().to_string()).collect()
    }

    /// The modules of a tier (inheritance resolved).
    pub fn tier_modules(&self, tier: String) -> Result<Vec<String>, LicmanError> {
        let t = self.inner.tier(&tier).ok_or_else(|| UnknownName {
            kind: licman_core::NameKind::Tier,
            name: tier.clone(),
        })?;
        Ok(module_names(&self.inner, t.modules()))
    }

    /// The stable id of a module, by name or alias.
    pub fn module_id(&self, name: String) -> Result<u8, LicmanError> {
        Ok(self.inner.require_module(&name)?.0)
    }
}

impl Catalog {
    /// The core catalog.
    pub fn core(&self) -> &CoreCatalog {
        &self.inner
    }
}

// ------------------------------------------------------------------ KeyRing

/// What `verify` needs besides the license: all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VerifyOptions {
    /// The product to expect when no catalog is given (a catalog's product
    /// wins).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub product: Option<String>,
    /// The host's time, Unix seconds; `None` reads the clock.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub now_unix: Option<u64>,
    /// The latest time the host has seen before (detects a clock turned
    /// back), Unix seconds.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub last_seen_unix: Option<u64>,
    /// A revocation list, armored.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub revocations: Option<String>,
    /// Fingerprints this machine presents (64 hex digits each).
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub fingerprints: Vec<String>,
    /// Report validity problems instead of refusing: the older spelling of
    /// `policy = Advisory` (true with another `policy` is refused).
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub advisory: bool,
    /// How validity problems are treated; `None`: `Enforce`, or `Advisory`
    /// when `advisory` is set.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub policy: Option<Policy>,
    /// The lowest revocation-list serial accepted (0: any); an older list
    /// is refused with `stale_revocation_list`.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub min_revocation_serial: u64,
    /// The oldest revocation list accepted, in seconds before `now`
    /// (`None`: any age); an older one is refused with
    /// `stale_revocation_list`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub max_revocation_age_seconds: Option<u64>,
}

/// How verification treats validity problems (expired, revoked, another
/// machine's, clock turned back): the core's `Policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Policy {
    /// Refuse: verification fails with the validity error.
    Enforce,
    /// Verify and list the problems; checks still refuse a revoked license
    /// or another machine's.
    Advisory,
    /// Verify and list the problems; only time still refuses (fail open).
    ReportOnly,
}

mirror_option!(
    Policy = CorePolicy {
        Enforce,
        Advisory,
        ReportOnly
    }
);

/// A revocation list that parsed and verified: what a host keeps to refuse
/// older lists later (`VerifyOptions::min_revocation_serial`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RevocationListInfo {
    /// The list's serial (later lists have higher ones).
    pub serial: u64,
    /// When it was issued, Unix seconds.
    pub issued_at_unix: u64,
    /// How many licenses it revokes.
    pub revoked_count: u64,
    /// The id of the key that signed it.
    pub key_id: String,
}

/// The vendor public keys a product trusts (several: key rotation).
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct KeyRing {
    inner: CoreKeyRing,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl KeyRing {
    /// A ring of public keys in their text form (`lmpk1_…`).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(public_keys: Vec<String>) -> Result<Arc<KeyRing>, LicmanError> {
        let mut inner = CoreKeyRing::new();
        for text in &public_keys {
            let key = PublicKey::from_text(text).map_err(|e| LicmanError::InvalidPublicKey {
                code: e.code().into(),
                description: e.to_string(),
            })?;
            inner.add(key);
        }
        Ok(Arc::new(KeyRing { inner }))
    }

    /// The key ids in the ring.
    pub fn key_ids(&self) -> Vec<String> {
        self.inner.iter().map(|k| k.key_id().to_string()).collect()
    }

    /// Parses and verifies a license (compact or armored) and binds it to
    /// `catalog` (or, without one, to an empty catalog of
    /// `options.product`). A catalog of another product than
    /// `options.product` is refused (`product_mismatch`).
    pub fn verify(
        &self,
        license: String,
        catalog: Option<Arc<Catalog>>,
        options: VerifyOptions,
    ) -> Result<Arc<License>, LicmanError> {
        let catalog = match (catalog, &options.product) {
            (Some(c), Some(p)) if p != c.inner.product() => {
                return Err(LicmanError::argument(
                    "product_mismatch",
                    format!(
                        "options.product {p:?} is not the catalog's product {:?}",
                        c.inner.product()
                    ),
                ));
            }
            (Some(c), _) => c.inner.clone(),
            (None, Some(p)) => CoreCatalog::empty(p).map_err(|e| {
                LicmanError::argument("invalid_product", format!("invalid product {p:?}: {e}"))
            })?,
            (None, None) => {
                return Err(LicmanError::argument(
                    "no_product",
                    "verify needs a catalog or options.product",
                ));
            }
        };
        let fingerprints = Fingerprint::parse_list(options.fingerprints.iter().map(String::as_str))
            .map_err(|e| {
                let text = options
                    .fingerprints
                    .get(e.position)
                    .map_or("", String::as_str);
                LicmanError::argument("invalid_fingerprint", format!("{e} (got {text:?})"))
            })?;
        let revocations = options
            .revocations
            .as_deref()
            .map(|text| self.revocation_list(text, catalog.product()))
            .transpose()?;
        let policy = match (options.policy, options.advisory) {
            (None, false) => Policy::Enforce,
            (None, true) | (Some(Policy::Advisory), true) => Policy::Advisory,
            (Some(policy), false) => policy,
            (Some(policy), true) => {
                return Err(LicmanError::argument(
                    "conflicting_policy",
                    format!(
                        "advisory is set but policy is {}: give one of them",
                        policy.name()
                    ),
                ));
            }
        };
        let request = VerifyRequest {
            last_seen: options.last_seen_unix.map(Timestamp::from_unix_seconds),
            revocations,
            min_revocation_serial: options.min_revocation_serial,
            max_revocation_age: options.max_revocation_age_seconds.map(Duration::from_secs),
            fingerprints,
            policy: policy.into(),
            ..VerifyRequest::new(catalog.product(), now_or(options.now_unix))
        };
        let inner = Entitlements::verify(&self.inner, &license, &catalog, &request.options())?;
        let groups = RwLock::new(GroupAccess::new(&inner));
        Ok(Arc::new(License {
            inner: Arc::new(inner),
            groups,
        }))
    }

    /// Parses and verifies a revocation list (armored) of `product`: its
    /// serial, issue time and size, for a host that keeps the highest
    /// serial it has accepted.
    pub fn verify_revocation_list(
        &self,
        text: String,
        product: String,
    ) -> Result<RevocationListInfo, LicmanError> {
        let list = self.revocation_list(&text, &product)?;
        Ok(RevocationListInfo {
            serial: list.serial(),
            issued_at_unix: list.issued_at().unix_seconds(),
            revoked_count: list.revoked().len() as u64,
            key_id: list.key_id().to_string(),
        })
    }
}

impl KeyRing {
    /// The core key ring.
    pub fn core(&self) -> &CoreKeyRing {
        &self.inner
    }

    /// A revocation list of `product` (armored), parsed and verified with
    /// this ring.
    pub fn revocation_list(
        &self,
        text: &str,
        product: &str,
    ) -> Result<CoreRevocationList, LicmanError> {
        CoreRevocationList::verify(text, &self.inner, product).map_err(|e| {
            LicmanError::InvalidRevocationList {
                code: e.code().into(),
                description: e.to_string(),
            }
        })
    }
}

// ------------------------------------------------------------------ License

/// The customer a license was issued to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Customer {
    /// The vendor's customer id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Contact email.
    pub email: Option<String>,
}

/// A user's allowed modules, taken once so the host can test membership
/// itself, without a call across the FFI per check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ModuleSnapshot {
    /// Module names, by id.
    pub names: Vec<String>,
    /// The same modules as the catalog's numeric ids.
    pub ids: Vec<u8>,
}

/// A verified license bound to its catalog, with the installation's group
/// table.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct License {
    /// Shared by [`with_own_groups`](Self::with_own_groups) views: one
    /// verification, one time mark.
    inner: Arc<Entitlements>,
    groups: RwLock<GroupAccess>,
}

impl License {
    /// The core entitlements.
    pub fn core(&self) -> &Entitlements {
        &self.inner
    }

    fn groups(&self) -> std::sync::RwLockReadGuard<'_, GroupAccess> {
        self.groups.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The modules a user may use (licensed ∩ groups, or all licensed for a
    /// superuser).
    pub fn user_module_set(
        &self,
        groups: &[String],
        superuser: bool,
    ) -> Result<ModuleSet, LicmanError> {
        let refs: Vec<&str> = groups.iter().map(String::as_str).collect();
        self.user_module_set_of(&refs, superuser)
    }

    /// [`user_module_set`](Self::user_module_set) over borrowed names.
    pub fn user_module_set_of(
        &self,
        groups: &[&str],
        superuser: bool,
    ) -> Result<ModuleSet, LicmanError> {
        Ok(self.groups().user_modules_named(groups, superuser)?)
    }

    /// [`set_group`](Self::set_group) with the core's error, for a binding
    /// that reports its details (the module and the tier).
    pub fn try_set_group(&self, group: &str, modules: &[&str]) -> Result<(), GroupError> {
        let mut groups = self.groups.write().unwrap_or_else(PoisonError::into_inner);
        groups.set_group_named(group, modules).map(|_| ())
    }

    /// The id of a module by name or alias (`UnknownName` otherwise): for a
    /// binding that resolves a name once and checks by id after.
    pub fn module_id_of(&self, name: &str) -> Result<u8, LicmanError> {
        Ok(self.inner.catalog().require_module(name)?.0)
    }

    /// The id of a quota by name (`UnknownName` otherwise).
    pub fn quota_id_of(&self, name: &str) -> Result<u8, LicmanError> {
        Ok(self.inner.catalog().require_quota(name)?.0)
    }

    /// [`check_quota`](Self::check_quota) by the quota's id.
    pub fn check_quota_id(&self, id: u8, current: u64, requested: u64) -> Result<(), LicmanError> {
        Ok(self
            .inner
            .check_quota(licman_core::QuotaId(id), current, requested)?)
    }

    /// The modules a group grants; an unknown group is `UnknownName`.
    pub fn group_modules(&self, group: &str) -> Result<Vec<String>, LicmanError> {
        let groups = self.groups();
        let id = groups.group_id(group).ok_or_else(|| UnknownName {
            kind: licman_core::NameKind::Group,
            name: group.to_string(),
        })?;
        let modules = groups.group_modules(id).copied().unwrap_or_default();
        Ok(module_names(self.inner.catalog(), &modules))
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl License {
    /// The same license with an empty group table of its own: the
    /// verification, every check and the time mark (clock turned back) are
    /// shared, but groups set on one are not seen by the other. What a web
    /// guard holds, so that two guards, or the application's own table,
    /// never change each other's.
    pub fn with_own_groups(&self) -> Arc<License> {
        Arc::new(License {
            inner: Arc::clone(&self.inner),
            groups: RwLock::new(GroupAccess::new(&self.inner)),
        })
    }

    /// The license id (UUID).
    pub fn license_id(&self) -> String {
        self.inner.license().license_id().to_string()
    }

    /// The id of the signing key.
    pub fn key_id(&self) -> String {
        self.inner.license().key_id().to_string()
    }

    /// The product id.
    pub fn product(&self) -> String {
        self.inner.license().product().into()
    }

    /// The tier name.
    pub fn tier(&self) -> String {
        self.inner.tier().into()
    }

    /// The tier's display name.
    pub fn tier_display_name(&self) -> String {
        self.inner.tier_display_name().into()
    }

    /// The customer.
    pub fn customer(&self) -> Customer {
        let c = self.inner.license().customer();
        Customer {
            id: c.id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
        }
    }

    /// When it was issued, Unix seconds.
    pub fn issued_at_unix(&self) -> u64 {
        self.inner.license().claims().issued_at.unix_seconds()
    }

    /// When it starts, Unix seconds.
    pub fn starts_at_unix(&self) -> u64 {
        self.inner.license().claims().starts_at.unix_seconds()
    }

    /// When it expires, Unix seconds; `None` for a perpetual license.
    pub fn expires_at_unix(&self) -> Option<u64> {
        self.inner
            .license()
            .expires_at()
            .map(Timestamp::unix_seconds)
    }

    /// The latest time any check of this license has seen (verification's
    /// included), Unix seconds: a check at a time more than the clock
    /// tolerance before it is refused (`clock_rolled_back`). Persist it and
    /// pass it as `VerifyOptions::last_seen_unix` at the next start.
    pub fn last_seen_unix(&self) -> u64 {
        self.inner.license().last_seen().unix_seconds()
    }

    /// The grace period, seconds.
    pub fn grace_period_seconds(&self) -> u64 {
        self.inner.license().claims().grace_period.as_secs()
    }

    /// The status at `now_unix` (`None`: the clock): `active`,
    /// `expiring_soon`, `in_grace`, `expired` or `not_yet_valid`. A preview
    /// in every binding: nothing is recorded as the time seen (asking about
    /// next month does not make today's checks look like a clock turned
    /// back), and it is never judged earlier than the last time seen.
    /// `check_valid` and `authorize` are the checks, and record their time.
    pub fn status(&self, now_unix: Option<u64>) -> String {
        self.inner.status_preview(now_or(now_unix)).code().into()
    }

    /// The status when it was verified.
    pub fn verified_status(&self) -> String {
        self.inner.license().status().code().into()
    }

    /// The days figure of the verified status (days left, or until start).
    pub fn verified_status_days(&self) -> Option<u64> {
        self.inner.license().status().days()
    }

    /// Whole days until expiry at `now_unix` (`None`: the clock; rounded
    /// up, negative once expired; a preview, as [`status`](Self::status)
    /// is); `None` for a perpetual license.
    pub fn days_until_expiry(&self, now_unix: Option<u64>) -> Option<i64> {
        self.inner.days_until_expiry_preview(now_or(now_unix))
    }

    /// Validity problems found under the advisory policy (error codes).
    pub fn problems(&self) -> Vec<String> {
        self.inner
            .license()
            .problems()
            .iter()
            .map(|p| p.code().to_string())
            .collect()
    }

    /// The licensed module names.
    pub fn modules(&self) -> Vec<String> {
        self.inner.module_names().map(str::to_string).collect()
    }

    /// The claims as the JSON object the core serialises.
    pub fn claims_json(&self) -> String {
        json(self.inner.license().claims())
    }

    /// The compact key text.
    pub fn key(&self) -> String {
        self.inner.license().to_compact()
    }

    /// The armored text.
    pub fn armored(&self) -> String {
        self.inner.license().to_armored()
    }

    /// `Ok` if the license may be used at `now`, else the 402 refusal.
    pub fn check_valid(&self, now_unix: Option<u64>) -> Result<String, LicmanError> {
        Ok(self.inner.check_valid_at(now_or(now_unix))?.code().into())
    }

    /// Whether a module (by name or alias) is licensed.
    pub fn has_module(&self, name: &str) -> Result<bool, LicmanError> {
        Ok(self.inner.has_module_named(name)?)
    }

    /// Whether a module id is licensed.
    pub fn has_module_id(&self, id: u8) -> bool {
        self.inner.has_module(ModuleId(id))
    }

    /// `Ok` if the module is licensed, else the 403 refusal.
    pub fn check_module(&self, name: String) -> Result<(), LicmanError> {
        let id = self.inner.catalog().require_module(&name)?;
        Ok(self.inner.check_module(id)?)
    }

    /// `Ok` if `requested` more fit after `current`, else the 403 refusal.
    pub fn check_quota(
        &self,
        quota: &str,
        current: u64,
        requested: u64,
    ) -> Result<(), LicmanError> {
        Ok(self.inner.check_quota_named(quota, current, requested)?)
    }

    /// Of `candidates` arriving in order, how many fit after `current`.
    pub fn accept(&self, quota: &str, current: u64, candidates: u64) -> Result<u64, LicmanError> {
        Ok(self
            .inner
            .accept_named(quota, current, candidates)?
            .accepted)
    }

    /// How many more fit after `current`; `None` when unlimited.
    pub fn remaining(&self, quota: String, current: u64) -> Result<Option<u64>, LicmanError> {
        Ok(self
            .inner
            .remaining(self.inner.catalog().require_quota(&quota)?, current))
    }

    /// `current` as a percentage of the limit; `None` when unlimited.
    pub fn usage_percent(&self, quota: String, current: u64) -> Result<Option<f64>, LicmanError> {
        Ok(self
            .inner
            .usage_percent(self.inner.catalog().require_quota(&quota)?, current))
    }

    /// The limit of a quota; `None` when unlimited (0 when the license sets
    /// none).
    pub fn quota_limit(&self, quota: String) -> Result<Option<u64>, LicmanError> {
        let id = self.inner.catalog().require_quota(&quota)?;
        Ok(self.inner.quota_limit(id).map_or(Some(0), QuotaLimit::max))
    }

    /// Sets the modules a group grants (replacing what it granted before);
    /// refuses modules the license does not include.
    pub fn set_group(&self, group: String, modules: Vec<String>) -> Result<(), LicmanError> {
        let refs: Vec<&str> = modules.iter().map(String::as_str).collect();
        Ok(self.try_set_group(&group, &refs)?)
    }

    /// The group names.
    pub fn group_names(&self) -> Vec<String> {
        self.groups()
            .groups()
            .map(|(_, name, _)| name.to_string())
            .collect()
    }

    /// A user's modules: licensed ∩ the union of their groups' modules; a
    /// superuser gets every licensed module.
    pub fn user_modules(
        &self,
        groups: Vec<String>,
        superuser: bool,
    ) -> Result<Vec<String>, LicmanError> {
        Ok(module_names(
            self.inner.catalog(),
            &self.user_module_set(&groups, superuser)?,
        ))
    }

    /// A snapshot of a user's modules, to test membership host-side.
    pub fn module_snapshot(
        &self,
        groups: Vec<String>,
        superuser: bool,
    ) -> Result<ModuleSnapshot, LicmanError> {
        let set = self.user_module_set(&groups, superuser)?;
        Ok(ModuleSnapshot {
            names: module_names(self.inner.catalog(), &set),
            ids: set.iter().map(|m| m.0).collect(),
        })
    }

    /// `Ok` if the user may use the module; else 403 `module_not_licensed`
    /// (not in the tier) or 403 `access_denied` (groups).
    pub fn check_module_access(
        &self,
        module: String,
        groups: Vec<String>,
        superuser: bool,
    ) -> Result<(), LicmanError> {
        let user = self.user_module_set(&groups, superuser)?;
        Ok(self.inner.check_module_access_named(&module, &user)?)
    }

    /// What changes from this license to `other`, as JSON.
    pub fn diff_json(&self, other: Arc<License>) -> String {
        json(&LicenseChange::between(&self.inner, &other.inner))
    }
}

// --------------------------------------------------------------- RouteTable

/// How a route table compares letters: the core's `PathCase` (the
/// catalog's `[routes] case`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PathCase {
    /// `/Devices` is not `/devices` (routers that match exactly).
    Exact,
    /// ASCII letters match whatever their case (case-insensitive routers).
    FoldAscii,
}

mirror_option!(PathCase = CorePathCase { Exact, FoldAscii });

/// What a path no route covers needs: the core's `UnmatchedPath` (the
/// catalog's `[routes] unmatched`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum UnmatchedPath {
    /// A valid license, no particular module (target `licensed`).
    Licensed,
    /// Nothing can reach it (target `unlisted`; `authorize` refuses it with
    /// 403 `unlisted_path`).
    Deny,
}

mirror_option!(UnmatchedPath = CoreUnmatchedPath { Licensed, Deny });

/// How a route table matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RouteOptions {
    /// Exact or ASCII case-folding comparison.
    pub path_case: PathCase,
    /// What a path no route covers needs.
    pub unmatched: UnmatchedPath,
}

/// The route table of a catalog, matched with the catalog's `[routes]`
/// options or others.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct RouteTable {
    catalog: CoreCatalog,
    routes: CoreRouteTable,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl RouteTable {
    /// The route table of `catalog`, with the catalog's options.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(catalog: Arc<Catalog>) -> Arc<RouteTable> {
        Arc::new(RouteTable {
            routes: catalog.inner.routes().clone(),
            catalog: catalog.inner.clone(),
        })
    }

    /// The route table of `catalog`, with `path_case` and `unmatched` in
    /// place of the catalog's when given (for a host whose router differs).
    /// Fails (`InvalidCatalog`, `route_conflict`) when folding case makes
    /// two routes one.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn with_options(
        catalog: Arc<Catalog>,
        path_case: Option<PathCase>,
        unmatched: Option<UnmatchedPath>,
    ) -> Result<Arc<RouteTable>, LicmanError> {
        let listed = catalog.inner.routes().options();
        let options = CoreRouteOptions {
            case: path_case.map_or(listed.case, Into::into),
            unmatched: unmatched.map_or(listed.unmatched, Into::into),
        };
        Ok(Arc::new(RouteTable {
            routes: catalog.inner.routes_with(options)?,
            catalog: catalog.inner.clone(),
        }))
    }

    /// The catalog this table routes to.
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::new(Catalog {
            inner: self.catalog.clone(),
        })
    }

    /// How this table matches.
    pub fn options(&self) -> RouteOptions {
        let options = self.routes.options();
        RouteOptions {
            path_case: options.case.into(),
            unmatched: options.unmatched.into(),
        }
    }

    /// What a path needs: `public`, `licensed`, `unlisted` (no route covers
    /// it and the table denies such paths) or the module name. A path that
    /// breaks the path contract is refused (`invalid_path`, 400).
    pub fn target(&self, path: String) -> Result<String, LicmanError> {
        self.routes
            .target(&path)
            .map(|t| self.catalog.route_target_name(t))
            .map_err(|_| Denial::InvalidPath { path }.into())
    }

    /// The gateway decision: what the path needs if allowed, else the
    /// refusal (402, 403, 400). `user_groups = None` skips the user check.
    pub fn authorize(
        &self,
        path: &str,
        license: Option<Arc<License>>,
        user_groups: Option<Vec<String>>,
        superuser: bool,
        now_unix: Option<u64>,
    ) -> Result<String, LicmanError> {
        let groups: Option<Vec<&str>> = user_groups
            .as_ref()
            .map(|g| g.iter().map(String::as_str).collect());
        self.authorize_target(
            path,
            license.as_deref(),
            groups.as_deref(),
            superuser,
            now_unix,
        )
        .map(|t| self.catalog.route_target_name(t))
    }
}

impl RouteTable {
    /// [`authorize`](Self::authorize) with borrowed arguments, answering
    /// the route target itself (for the C ABI's allocation-free path).
    pub fn authorize_target(
        &self,
        path: &str,
        license: Option<&License>,
        user_groups: Option<&[&str]>,
        superuser: bool,
        now_unix: Option<u64>,
    ) -> Result<RouteTarget, LicmanError> {
        let user = match (license, user_groups) {
            (Some(l), Some(groups)) => Some(l.user_module_set_of(groups, superuser)?),
            (Some(l), None) if superuser => Some(*l.inner.modules()),
            _ => None,
        };
        Ok(self.routes.authorize(
            path,
            license.map(|l| &*l.inner),
            user.as_ref(),
            now_or(now_unix),
        )?)
    }
}

// ------------------------------------------------------- machine fingerprints

fn machine_id_error(code: &str, description: String) -> LicmanError {
    LicmanError::InvalidArgument {
        code: code.into(),
        description,
    }
}

/// The fingerprint of the machine whose operating-system id is
/// `machine_id`, for `product` (the recipe of `Fingerprint::of_machine`:
/// normalised, salted with the product id, SHA-256), as 64 hex digits. For
/// tests with fixed inputs, and for tools that read the id themselves.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn machine_fingerprint_of(product: String, machine_id: String) -> Result<String, LicmanError> {
    Fingerprint::of_machine(&product, &machine_id)
        .map(|f| f.to_string())
        .map_err(|e| machine_id_error("invalid_machine_id", e.to_string()))
}

/// The operating system's id of this machine: Linux `/etc/machine-id` (or
/// `/var/lib/dbus/machine-id`), macOS `IOPlatformUUID` (`ioreg`), Windows
/// `MachineGuid` (the registry, through `reg query`). `no_machine_id` where
/// none can be read (a container without one, WebAssembly).
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn machine_id() -> Result<String, LicmanError> {
    host::machine_id().ok_or_else(|| {
        machine_id_error(
            "no_machine_id",
            "this system has no machine id to read (Linux /etc/machine-id, macOS IOPlatformUUID, Windows MachineGuid)"
                .into(),
        )
    })
}

/// This machine's fingerprint for `product`: [`machine_fingerprint_of`]
/// with [`machine_id`]. What a product puts in an activation request, and
/// what it passes to `verify` as the machine's fingerprint.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn machine_fingerprint(product: String) -> Result<String, LicmanError> {
    machine_fingerprint_of(product, machine_id()?)
}

/// Reading the machine id: the host side, outside the core.
mod host {
    /// The machine id, trimmed; `None` if there is none to read.
    pub(crate) fn machine_id() -> Option<String> {
        let id = read()?;
        let id = id.trim().to_string();
        (!id.is_empty()).then_some(id)
    }

    #[cfg(target_os = "linux")]
    fn read() -> Option<String> {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .iter()
            .find_map(|path| {
                std::fs::read_to_string(path)
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
    }

    #[cfg(target_os = "macos")]
    fn read() -> Option<String> {
        let out = std::process::Command::new("ioreg")
            .args(["-rd1", "-c", "IOPlatformExpertDevice"])
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        text.lines()
            .find(|l| l.contains("IOPlatformUUID"))
            .and_then(|l| l.split('"').nth(3))
            .map(str::to_string)
    }

    #[cfg(target_os = "windows")]
    fn read() -> Option<String> {
        let out = std::process::Command::new("reg")
            .args([
                "query",
                r"HKLM\SOFTWARE\Microsoft\Cryptography",
                "/v",
                "MachineGuid",
            ])
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        text.lines()
            .find(|l| l.contains("MachineGuid"))
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_string)
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    fn read() -> Option<String> {
        None
    }
}
