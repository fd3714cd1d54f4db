//! Refusals, each with its HTTP status and JSON body.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use serde::ser::SerializeMap;

use crate::error::Error;
use crate::ids::LicenseId;
use crate::time::Timestamp;

/// One refusal, shaped so a web service can return it as is: an HTTP status
/// ([`http_status`](Self::http_status)), a stable [`code`](Self::code), an
/// [`action`](Self::action) for the client, a human [`message`](Self::message),
/// and a JSON [`body`](Self::body_json).
///
/// The bodies of `NoLicense`, `ModuleNotLicensed`, `QuotaExceeded` and
/// `AccessDenied` have exactly the fields of the original gateway's bodies
/// (`error`, `module`, `current_tier`, `quota_type`, `current`, `max`,
/// `message`, `action`), in that order.
///
/// ```
/// use licman_core::Denial;
/// let denial = Denial::QuotaExceeded { quota: "devices".into(), current: 10, max: 10, requested: 1 };
/// assert_eq!(denial.http_status(), 403);
/// assert_eq!(denial.code(), "quota_exceeded");
/// assert_eq!(
///     denial.body_json(),
///     r#"{"error":"Quota exceeded","quota_type":"devices","current":10,"max":10,"message":"Cannot add 1 more devices. Current: 10/10","action":"upgrade_license"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denial {
    /// No license is active (402, `activate_license`).
    NoLicense,
    /// The license does not decode or does not verify (402,
    /// `activate_license`). `reason` is the [`Error::code`].
    InvalidLicense {
        /// The verification error's code.
        reason: &'static str,
        /// The verification error's message.
        detail: String,
    },
    /// The license expired and its grace period is over (402,
    /// `renew_license`).
    LicenseExpired {
        /// When it expired.
        expires_at: Timestamp,
    },
    /// The license has not started yet (402, `contact_vendor`).
    LicenseNotYetValid {
        /// When it starts.
        starts_at: Timestamp,
    },
    /// The license is revoked (402, `contact_vendor`).
    LicenseRevoked {
        /// The license.
        license_id: LicenseId,
    },
    /// The host clock is wrong: turned back, or behind the issue time (402,
    /// `fix_system_clock`).
    ClockError {
        /// `clock_rolled_back` or `issued_in_future`.
        reason: &'static str,
        /// The verification error's message.
        detail: String,
    },
    /// The license is bound to other machines (402, `contact_vendor`).
    WrongMachine {
        /// Bound fingerprints this machine presented.
        matched: usize,
        /// Matches needed.
        required: usize,
    },
    /// The module is not in the license's tier (403, `upgrade_license`).
    ModuleNotLicensed {
        /// Module name.
        module: String,
        /// Module display name, for the message.
        module_display_name: String,
        /// The license's tier name.
        tier: String,
    },
    /// The quota would be exceeded (403, `upgrade_license`).
    QuotaExceeded {
        /// Quota name.
        quota: String,
        /// Amount in use.
        current: u64,
        /// The limit.
        max: u64,
        /// Amount asked for.
        requested: u64,
    },
    /// The user's groups do not grant the module (403, `contact_admin`).
    AccessDenied {
        /// Module name.
        module: String,
    },
    /// The request path breaks the path contract and was not matched
    /// (400, `fix_request`).
    InvalidPath {
        /// The path as given.
        path: String,
    },
    /// No route covers the path and the table denies such paths (403,
    /// `contact_admin`).
    UnlistedPath {
        /// The path as given.
        path: String,
    },
}

impl Denial {
    /// The 403 for `module` under a license of `tier`, with names from the
    /// catalog.
    pub(crate) fn module_not_licensed(
        catalog: &crate::catalog::Catalog,
        module: crate::ids::ModuleId,
        tier: &str,
    ) -> Denial {
        Denial::ModuleNotLicensed {
            module: catalog.module_name(module),
            module_display_name: catalog.module_display_name(module),
            tier: tier.to_string(),
        }
    }

    /// The refusal for a license that failed verification with `error`.
    ///
    /// ```
    /// use licman_core::{Denial, Error, Timestamp};
    /// let e = Error::Expired {
    ///     now: Timestamp::from_date(2027, 2, 1).unwrap(),
    ///     expires_at: Timestamp::from_date(2027, 1, 1).unwrap(),
    ///     grace_ends_at: Timestamp::from_date(2027, 1, 15).unwrap(),
    /// };
    /// let denial = Denial::from_license_error(&e);
    /// assert_eq!(denial.code(), "license_expired");
    /// assert_eq!(denial.http_status(), 402);
    /// ```
    pub fn from_license_error(error: &Error) -> Denial {
        match error {
            Error::Expired { expires_at, .. } => Denial::LicenseExpired {
                expires_at: *expires_at,
            },
            Error::NotYetValid { starts_at, .. } => Denial::LicenseNotYetValid {
                starts_at: *starts_at,
            },
            Error::Revoked { license_id, .. } => Denial::LicenseRevoked {
                license_id: *license_id,
            },
            Error::ClockRolledBack { .. } | Error::IssuedInFuture { .. } => Denial::ClockError {
                reason: error.code(),
                detail: error.to_string(),
            },
            Error::MachineMismatch {
                matched, required, ..
            } => Denial::WrongMachine {
                matched: *matched,
                required: *required,
            },
            other => Denial::InvalidLicense {
                reason: other.code(),
                detail: other.to_string(),
            },
        }
    }

    /// The HTTP status: 402 for license problems, 403 for refusals under a
    /// valid license, 400 for an ambiguous path.
    ///
    /// ```
    /// # use licman_core::Denial;
    /// assert_eq!(Denial::NoLicense.http_status(), 402);
    /// assert_eq!(Denial::AccessDenied { module: "x".into() }.http_status(), 403);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Denial::NoLicense
            | Denial::InvalidLicense { .. }
            | Denial::LicenseExpired { .. }
            | Denial::LicenseNotYetValid { .. }
            | Denial::LicenseRevoked { .. }
            | Denial::ClockError { .. }
            | Denial::WrongMachine { .. } => 402,
            Denial::ModuleNotLicensed { .. }
            | Denial::QuotaExceeded { .. }
            | Denial::AccessDenied { .. }
            | Denial::UnlistedPath { .. } => 403,
            Denial::InvalidPath { .. } => 400,
        }
    }

    /// A stable snake_case code.
    ///
    /// ```
    /// # use licman_core::Denial;
    /// assert_eq!(Denial::NoLicense.code(), "no_license");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code_of_variant()
    }

    /// What the client should do.
    ///
    /// ```
    /// # use licman_core::Denial;
    /// assert_eq!(Denial::AccessDenied { module: "x".into() }.action(), "contact_admin");
    /// ```
    pub fn action(&self) -> &'static str {
        match self {
            Denial::NoLicense | Denial::InvalidLicense { .. } => "activate_license",
            Denial::LicenseExpired { .. } => "renew_license",
            Denial::LicenseNotYetValid { .. }
            | Denial::LicenseRevoked { .. }
            | Denial::WrongMachine { .. } => "contact_vendor",
            Denial::ClockError { .. } => "fix_system_clock",
            Denial::ModuleNotLicensed { .. } | Denial::QuotaExceeded { .. } => "upgrade_license",
            Denial::AccessDenied { .. } | Denial::UnlistedPath { .. } => "contact_admin",
            Denial::InvalidPath { .. } => "fix_request",
        }
    }

    /// The `error` field of the body: a short title.
    ///
    /// ```
    /// # use licman_core::Denial;
    /// assert_eq!(Denial::NoLicense.title(), "No active license");
    /// ```
    pub fn title(&self) -> &'static str {
        match self {
            Denial::NoLicense => "No active license",
            Denial::InvalidLicense { .. } => "Invalid license",
            Denial::LicenseExpired { .. } => "License expired",
            Denial::LicenseNotYetValid { .. } => "License not yet valid",
            Denial::LicenseRevoked { .. } => "License revoked",
            Denial::ClockError { .. } => "System clock error",
            Denial::WrongMachine { .. } => "License not valid on this machine",
            Denial::ModuleNotLicensed { .. } => "Module not available",
            Denial::QuotaExceeded { .. } => "Quota exceeded",
            Denial::AccessDenied { .. } => "Access denied",
            Denial::InvalidPath { .. } => "Invalid path",
            Denial::UnlistedPath { .. } => "Path not served",
        }
    }

    /// The human message (display names where the catalog has them).
    ///
    /// ```
    /// # use licman_core::Denial;
    /// let d = Denial::ModuleNotLicensed {
    ///     module: "scheduled_audits".into(),
    ///     module_display_name: "Scheduled Audits".into(),
    ///     tier: "starter".into(),
    /// };
    /// assert_eq!(d.message(), "The module 'Scheduled Audits' is not available in your starter tier");
    /// ```
    pub fn message(&self) -> String {
        match self {
            Denial::NoLicense => "Please activate a valid license to use this feature".into(),
            Denial::InvalidLicense { detail, .. } => {
                format!("The license is not valid ({detail}). Please activate a valid license")
            }
            Denial::LicenseExpired { expires_at } => {
                format!("The license expired at {expires_at}. Please renew it to continue")
            }
            Denial::LicenseNotYetValid { starts_at } => format!("The license starts at {starts_at}"),
            Denial::LicenseRevoked { license_id } => format!("License {license_id} has been revoked"),
            Denial::ClockError { detail, .. } => format!("{detail}. Correct the system clock to continue"),
            Denial::WrongMachine { matched, required } => format!(
                "This machine matches {matched} of the fingerprints the license is bound to; {required} needed"
            ),
            Denial::ModuleNotLicensed { module_display_name, tier, .. } => {
                format!("The module '{module_display_name}' is not available in your {tier} tier")
            }
            Denial::QuotaExceeded { quota, current, max, requested } => {
                format!("Cannot add {requested} more {quota}. Current: {current}/{max}")
            }
            Denial::AccessDenied { module } => format!("User does not have access to module '{module}'"),
            Denial::InvalidPath { .. } => {
                "The request path is not canonical (empty, '.' or '..' segments, ';', '#', controls, or escapes of anything but letters, digits and '-._~')".into()
            }
            Denial::UnlistedPath { .. } => {
                "No route of this product covers the request path".into()
            }
        }
    }

    /// The body as compact JSON, the same bytes in every binding.
    ///
    /// ```
    /// # use licman_core::Denial;
    /// assert_eq!(
    ///     Denial::NoLicense.body_json(),
    ///     r#"{"error":"No active license","message":"Please activate a valid license to use this feature","action":"activate_license"}"#
    /// );
    /// ```
    pub fn body_json(&self) -> String {
        // A denial holds strings and integers, which the writer always writes.
        crate::json::to_string(self).unwrap_or_default()
    }
}

impl serde::Serialize for Denial {
    /// The JSON body: `error`, the denial's own fields, `message`, `action`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("error", self.title())?;
        match self {
            Denial::NoLicense | Denial::InvalidPath { .. } | Denial::UnlistedPath { .. } => {}
            Denial::InvalidLicense { reason, .. } | Denial::ClockError { reason, .. } => {
                map.serialize_entry("reason", reason)?;
            }
            Denial::LicenseExpired { expires_at } => {
                map.serialize_entry("expires_at", expires_at)?
            }
            Denial::LicenseNotYetValid { starts_at } => {
                map.serialize_entry("starts_at", starts_at)?
            }
            Denial::LicenseRevoked { license_id } => {
                map.serialize_entry("license_id", license_id)?
            }
            Denial::WrongMachine { matched, required } => {
                map.serialize_entry("matched", matched)?;
                map.serialize_entry("required", required)?;
            }
            Denial::ModuleNotLicensed { module, tier, .. } => {
                map.serialize_entry("module", module)?;
                map.serialize_entry("current_tier", tier)?;
            }
            Denial::QuotaExceeded {
                quota,
                current,
                max,
                ..
            } => {
                map.serialize_entry("quota_type", quota)?;
                map.serialize_entry("current", current)?;
                map.serialize_entry("max", max)?;
            }
            Denial::AccessDenied { module } => map.serialize_entry("module", module)?,
        }
        map.serialize_entry("message", &self.message())?;
        map.serialize_entry("action", self.action())?;
        map.end()
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.title(),
            self.http_status(),
            self.message()
        )
    }
}

impl core::error::Error for Denial {}

stable_codes! {
    Denial {
        NoLicense => "no_license",
        InvalidLicense => "invalid_license",
        LicenseExpired => "license_expired",
        LicenseNotYetValid => "license_not_yet_valid",
        LicenseRevoked => "license_revoked",
        ClockError => "clock_error",
        WrongMachine => "wrong_machine",
        ModuleNotLicensed => "module_not_licensed",
        QuotaExceeded => "quota_exceeded",
        AccessDenied => "access_denied",
        InvalidPath => "invalid_path",
        UnlistedPath => "unlisted_path",
    }
}
