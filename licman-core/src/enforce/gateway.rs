//! The gateway decision: a request path, the license and the user's
//! modules in; the target or a typed denial out.

use alloc::string::ToString;

use crate::enforce::denial::Denial;
use crate::enforce::entitlements::Entitlements;
use crate::module_set::ModuleSet;
use crate::routes::{RouteTable, RouteTarget};
use crate::time::Timestamp;

impl RouteTable {
    /// The gateway decision for one request, in this order:
    ///
    /// 1. a path that breaks the path contract (see
    ///    [`routes`](crate::routes)) → 400 ([`Denial::InvalidPath`]);
    /// 2. public paths pass without a license; a path the table does not
    ///    list, in a table that denies those, → 403
    ///    ([`Denial::UnlistedPath`]);
    /// 3. no license → 402 ([`Denial::NoLicense`]); a license not usable
    ///    at `now` → 402: expired past grace, not yet started, a clock
    ///    turned back behind what the license has seen
    ///    ([`VerifiedLicense::last_seen`](crate::VerifiedLicense::last_seen)),
    ///    or revoked or bound to other machines when it was verified under
    ///    [`Policy::Advisory`](crate::Policy::Advisory) (see
    ///    [`Entitlements::check_valid_at`]);
    /// 4. a module the license does not include → 403
    ///    ([`Denial::ModuleNotLicensed`]);
    /// 5. a module the user's groups do not grant → 403
    ///    ([`Denial::AccessDenied`]); pass `user_modules = None` to skip the
    ///    user check (a gateway without user context).
    ///
    /// `user_modules` is what [`GroupAccess::user_modules`](crate::GroupAccess::user_modules)
    /// returns for the user: compute it once per request or session.
    ///
    /// ```
    /// use licman_core::*;
    /// # let (starter, catalog) = licman_core::__doc_entitlements("starter");
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let routes = catalog.routes();
    /// assert_eq!(routes.authorize("/devices/7", Some(&starter), None, now), Ok(RouteTarget::Module(ModuleId(1))));
    /// let denial = routes.authorize("/audit-schedules", Some(&starter), None, now).unwrap_err();
    /// assert_eq!(denial.http_status(), 403);
    /// assert_eq!(routes.authorize("/devices", None, None, now).unwrap_err(), Denial::NoLicense);
    /// assert_eq!(routes.authorize("/login", None, None, now), Ok(RouteTarget::Public));
    /// ```
    pub fn authorize(
        &self,
        path: &str,
        license: Option<&Entitlements>,
        user_modules: Option<&ModuleSet>,
        now: Timestamp,
    ) -> Result<RouteTarget, Denial> {
        let Ok(target) = self.target(path) else {
            return Err(Denial::InvalidPath {
                path: path.to_string(),
            });
        };
        // The common case, allowed, in a few comparisons; every refusal is
        // worked out in full below.
        let allowed = match (target, license) {
            (RouteTarget::Public, _) => true,
            (RouteTarget::Licensed, Some(license)) => license.is_usable_at(now),
            (RouteTarget::Module(module), Some(license)) => {
                license.is_usable_at(now)
                    && license.has_module(module)
                    && user_modules.is_none_or(|user| user.contains(module))
            }
            (RouteTarget::Unlisted, _) | (_, None) => false,
        };
        if allowed {
            return Ok(target);
        }
        match refusal(path, target, license, user_modules, now) {
            Some(denial) => Err(denial),
            None => Ok(target),
        }
    }
}

/// The full decision for a non-public `target`, in this order: why it
/// is refused, or `None` if it is allowed.
#[cold]
#[inline(never)]
fn refusal(
    path: &str,
    target: RouteTarget,
    license: Option<&Entitlements>,
    user_modules: Option<&ModuleSet>,
    now: Timestamp,
) -> Option<Denial> {
    match target {
        RouteTarget::Public => return None,
        RouteTarget::Unlisted => {
            return Some(Denial::UnlistedPath {
                path: path.to_string(),
            });
        }
        RouteTarget::Licensed | RouteTarget::Module(_) => {}
    }
    let Some(license) = license else {
        return Some(Denial::NoLicense);
    };
    if let Err(denial) = license.check_valid_at(now) {
        return Some(denial);
    }
    let RouteTarget::Module(module) = target else {
        return None;
    };
    match user_modules {
        Some(user) => license.check_module_access(module, user).err(),
        None => license.check_module(module).err(),
    }
}
