//! Why a catalog was refused, and unknown names.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::routes::{MAX_ROUTE_LEN, RouteError};

/// What kind of name a lookup or error is about.
///
/// ```
/// use licman_core::NameKind;
/// assert_eq!(NameKind::Quota.to_string(), "quota");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// The product.
    Product,
    /// A module.
    Module,
    /// A quota.
    Quota,
    /// A tier.
    Tier,
    /// A user group.
    Group,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Product => "product",
            NameKind::Module => "module",
            NameKind::Quota => "quota",
            NameKind::Tier => "tier",
            NameKind::Group => "group",
        })
    }
}

/// A name that the catalog (or a group table) does not define.
///
/// ```
/// use licman_core::{NameKind, UnknownName};
/// let e = UnknownName { kind: NameKind::Module, name: "telepathy".into() };
/// assert_eq!(e.to_string(), "unknown module 'telepathy'");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name.
    pub kind: NameKind,
    /// The name.
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} '{}'", self.kind, self.name)
    }
}

impl core::error::Error for UnknownName {}

/// Why a catalog was refused. Every variant names the offender.
///
/// ```
/// use licman_core::{Catalog, CatalogError, NameKind};
/// let err = Catalog::from_toml(r#"
///     product = "p"
///     display_name = "P"
///     [[modules]]
///     id = 1
///     name = "a"
///     display_name = "A"
///     [[modules]]
///     id = 1
///     name = "b"
///     display_name = "B"
/// "#).unwrap_err();
/// assert_eq!(err, CatalogError::DuplicateId { kind: NameKind::Module, id: 1, first: "a".into(), second: "b".into() });
/// assert_eq!(err.code(), "duplicate_id");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not valid TOML, or does not have the catalog's shape.
    Syntax {
        /// One-based line of the problem (0 if unknown).
        line: usize,
        /// One-based column of the problem (0 if unknown).
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The text is longer than [`MAX_CATALOG_TEXT_LEN`](super::MAX_CATALOG_TEXT_LEN).
    TooLarge {
        /// Bytes given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A product, module, quota or tier name is empty or has characters
    /// other than ASCII letters, digits, `_`, `-` and `.` (or is longer than
    /// 64 bytes).
    InvalidName {
        /// What kind of name.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A display name is empty.
    EmptyDisplayName {
        /// What kind of item.
        kind: NameKind,
        /// Its name.
        name: String,
    },
    /// Two modules (or quotas) have the same id.
    DuplicateId {
        /// Module or quota.
        kind: NameKind,
        /// The id.
        id: u8,
        /// The first holder.
        first: String,
        /// The second holder.
        second: String,
    },
    /// Two modules (or quotas, or a module and another module's alias)
    /// have the same name.
    DuplicateName {
        /// Module or quota.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A module or quota uses an id listed as reserved (retired).
    ReusedId {
        /// Module or quota.
        kind: NameKind,
        /// The id.
        id: u8,
        /// The module or quota that reuses it.
        name: String,
    },
    /// A tier names a module the catalog does not define.
    UnknownModuleInTier {
        /// The tier.
        tier: String,
        /// The module name.
        module: String,
    },
    /// A tier names a quota the catalog does not define.
    UnknownQuotaInTier {
        /// The tier.
        tier: String,
        /// The quota name.
        quota: String,
    },
    /// A tier gives a quota the limit `u64::MAX`, which a license cannot
    /// carry (it is written `"unlimited"`).
    QuotaLimitTooLarge {
        /// The tier.
        tier: String,
        /// The quota name.
        quota: String,
    },
    /// A tier inherits from a tier that does not exist.
    UnknownParentTier {
        /// The tier.
        tier: String,
        /// The missing parent.
        parent: String,
    },
    /// Tiers inherit from each other in a loop.
    InheritanceCycle {
        /// The tiers in the loop, in inheritance order, the first repeated
        /// at the end.
        cycle: Vec<String>,
    },
    /// A route path is not a canonical absolute path.
    InvalidRoute {
        /// The path.
        path: String,
    },
    /// A route names a module the catalog does not define.
    UnknownModuleInRoute {
        /// The path.
        path: String,
        /// The module name.
        module: String,
    },
    /// A path is both public and mapped to a module, or listed twice.
    RouteConflict {
        /// The path.
        path: String,
    },
}

impl CatalogError {
    /// A stable snake_case code for the error.
    ///
    /// ```
    /// # use licman_core::CatalogError;
    /// assert_eq!(CatalogError::InheritanceCycle { cycle: vec![] }.code(), "inheritance_cycle");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code_of_variant()
    }
}

stable_codes! {
    CatalogError {
        Syntax => "syntax",
        TooLarge => "too_large",
        InvalidName => "invalid_name",
        EmptyDisplayName => "empty_display_name",
        DuplicateId => "duplicate_id",
        DuplicateName => "duplicate_name",
        ReusedId => "reused_id",
        UnknownModuleInTier => "unknown_module_in_tier",
        UnknownQuotaInTier => "unknown_quota_in_tier",
        QuotaLimitTooLarge => "quota_limit_too_large",
        UnknownParentTier => "unknown_parent_tier",
        InheritanceCycle => "inheritance_cycle",
        InvalidRoute => "invalid_route",
        UnknownModuleInRoute => "unknown_module_in_route",
        RouteConflict => "route_conflict",
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Syntax {
                line,
                column,
                message,
            } => {
                write!(
                    f,
                    "catalog syntax error at line {line}, column {column}: {message}"
                )
            }
            CatalogError::TooLarge { len, max } => {
                write!(f, "catalog is {len} bytes, more than the {max} allowed")
            }
            CatalogError::InvalidName { kind, name } => write!(
                f,
                "invalid {kind} name '{name}': use 1 to 64 ASCII letters, digits, '_', '-' or '.'"
            ),
            CatalogError::EmptyDisplayName { kind, name } => {
                write!(f, "{kind} '{name}' has an empty display name")
            }
            CatalogError::DuplicateId {
                kind,
                id,
                first,
                second,
            } => {
                write!(f, "{kind} id {id} is used by both '{first}' and '{second}'")
            }
            CatalogError::DuplicateName { kind, name } => {
                write!(f, "{kind} name '{name}' is defined twice")
            }
            CatalogError::ReusedId { kind, id, name } => {
                write!(
                    f,
                    "{kind} '{name}' reuses id {id}, which is reserved (ids are never reused)"
                )
            }
            CatalogError::UnknownModuleInTier { tier, module } => {
                write!(f, "tier '{tier}' names unknown module '{module}'")
            }
            CatalogError::UnknownQuotaInTier { tier, quota } => {
                write!(f, "tier '{tier}' names unknown quota '{quota}'")
            }
            CatalogError::QuotaLimitTooLarge { tier, quota } => write!(
                f,
                "tier '{tier}' gives quota '{quota}' the limit 18446744073709551615 (u64::MAX), which a license cannot carry; write \"unlimited\""
            ),
            CatalogError::UnknownParentTier { tier, parent } => {
                write!(f, "tier '{tier}' inherits from unknown tier '{parent}'")
            }
            CatalogError::InheritanceCycle { cycle } => {
                write!(f, "tiers inherit in a cycle: {}", cycle.join(" -> "))
            }
            CatalogError::InvalidRoute { path } => write!(
                f,
                "route '{path}' is not a canonical path (it must start with '/', be at most {MAX_ROUTE_LEN} bytes of letters, digits and -._~!$&'()*+,=:@, with no empty, '.' or '..' segments and no trailing '/')"
            ),
            CatalogError::UnknownModuleInRoute { path, module } => {
                write!(f, "route '{path}' needs unknown module '{module}'")
            }
            CatalogError::RouteConflict { path } => {
                write!(
                    f,
                    "route '{path}' is listed twice (or is both public and mapped to a module)"
                )
            }
        }
    }
}

impl core::error::Error for CatalogError {}

impl From<RouteError> for CatalogError {
    fn from(e: RouteError) -> Self {
        match e {
            RouteError::InvalidRoute { path } => CatalogError::InvalidRoute { path },
            RouteError::RouteConflict { path } => CatalogError::RouteConflict { path },
        }
    }
}
