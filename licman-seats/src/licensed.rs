//! License-backed pools: a concurrent pool whose capacity is a quota of a
//! signed licman license, verified with `licman-core`.
//!
//! The license, the vendor's public keys, the product and the quota are
//! kept in the trail itself, as a `pool.license` record written in the
//! same transaction as the pool (or its renewal), so that every store and
//! every server re-verifies the same license. [`refresh`] checks each
//! license-backed pool at `now` against the revocation lists in hand and
//! sets the pool to what its license grants ([`Command::FollowLicense`]):
//! a renewal for fewer seats takes effect at once (the seats out stay; no
//! new checkout until under; the compliance report flags the pool), a
//! license past its end (grace included) or revoked ends the pool, which
//! then follows its expiration policy ([`Command::ApplyExpiry`]).
//!
//! ```no_run
//! use licman_seats::licensed::LicenseSource;
//! let source = LicenseSource::new(
//!     &std::fs::read_to_string("acme-cad.lic")?,
//!     &std::fs::read_to_string("vendor.pub")?,
//!     &std::fs::read_to_string("cadstudio.toml")?,
//!     "seats",
//! )?;
//! let grant = source.grant(licman_core::Timestamp::from_date(2026, 12, 1).unwrap(), &[])?;
//! println!("{} seats until {:?}", grant.capacity, grant.ends_at);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use licman_core::seats::{Change, Command, PoolId};
use licman_core::{
    Catalog, Error as LicenseError, KeyRing, Policy, QuotaId, QuotaLimit, RevocationList,
    Timestamp, UnverifiedLicense, UnverifiedRevocationList, VerifyOptions,
};
use serde::{Deserialize, Serialize};

use crate::error::Failure;
use crate::store::{Decided, EventFilter, Store};

/// The trail's record of a pool's license.
pub const RECORD_ACTION: &str = "pool.license";

/// Where a license-backed pool's capacity comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseSource {
    /// The license, in its compact or armored text form.
    pub license: String,
    /// The vendor's public keys (`lmpk1_…`), any of which may have signed it.
    pub public_keys: Vec<String>,
    /// The product the license must be for.
    pub product: String,
    /// The quota that is the pool's capacity, by name.
    pub quota: String,
    /// The same quota, by the catalog's stable id.
    pub quota_id: u8,
}

/// What a license grants a pool at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The seats: the quota's limit.
    pub capacity: u32,
    /// When the pool ends: the license's end of grace, or `now` when it is
    /// revoked; `None` for a perpetual license.
    pub ends_at: Option<Timestamp>,
    /// The license's id.
    pub license_id: String,
    /// The customer it was issued to.
    pub customer: String,
    /// Whether a revocation list in hand revokes it.
    pub revoked: bool,
}

fn license_failure(what: &str, e: &LicenseError) -> Failure {
    Failure::new("license_invalid", format!("{what}: {e} ({})", e.code()))
}

/// The `lmpk1_…` lines of a public-key file (blank lines and `#` comments
/// skipped).
pub fn public_keys(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

impl LicenseSource {
    /// A source from the license text, a public-key file's text, the
    /// catalog's TOML and the quota's name; the license must verify now
    /// (at any time: its signature and product) and carry a finite quota.
    pub fn new(
        license: &str,
        public_keys_text: &str,
        catalog_toml: &str,
        quota: &str,
    ) -> Result<LicenseSource, Failure> {
        let catalog = Catalog::from_toml(catalog_toml)
            .map_err(|e| Failure::invalid(format!("the catalog: {e}")))?;
        let quota_id = catalog
            .require_quota(quota)
            .map_err(|e| Failure::invalid(format!("the catalog of {}: {e}", catalog.product())))?;
        let source = LicenseSource {
            license: license.trim().to_string(),
            public_keys: public_keys(public_keys_text),
            product: catalog.product().to_string(),
            quota: quota.to_string(),
            quota_id: quota_id.0,
        };
        if source.public_keys.is_empty() {
            return Err(Failure::invalid("the public-key file holds no lmpk1_ key"));
        }
        source.ring()?;
        Ok(source)
    }

    fn ring(&self) -> Result<KeyRing, Failure> {
        KeyRing::from_texts(self.public_keys.iter().map(String::as_str))
            .map_err(|e| license_failure("the public keys", &e))
    }

    /// The same source with another license (a renewal or an upgrade):
    /// the same keys, product and quota, for the same customer, issued no
    /// earlier than the license it replaces (an old license cannot roll a
    /// renewal back, nor another customer's take the pool over).
    pub fn renewed(&self, license: &str) -> Result<LicenseSource, Failure> {
        let parse = |text: &str| {
            UnverifiedLicense::parse(text)
                .map(|l| l.untrusted_claims().clone())
                .map_err(|e| license_failure("the license does not parse", &e))
        };
        let (old, new) = (parse(&self.license)?, parse(license.trim())?);
        if new.customer.id != old.customer.id {
            return Err(Failure::new(
                "license_invalid",
                format!(
                    "the license is for customer {:?}; the pool follows {:?}'s",
                    new.customer.id, old.customer.id
                ),
            ));
        }
        if new.issued_at < old.issued_at {
            return Err(Failure::new(
                "license_invalid",
                format!(
                    "the license was issued at {}, before the one the pool follows ({})",
                    new.issued_at, old.issued_at
                ),
            ));
        }
        Ok(LicenseSource {
            license: license.trim().to_string(),
            ..self.clone()
        })
    }

    /// What the license grants at `now`, checked against `revocations`
    /// (lists of other products, or signed by other keys, are passed
    /// over). A license that does not verify (a bad signature, another
    /// product) or whose quota is missing or unlimited is an error; one
    /// that has ended or is revoked is a grant that ends (at its end of
    /// grace, or at `now`).
    pub fn grant(
        &self,
        now: Timestamp,
        revocations: &[UnverifiedRevocationList],
    ) -> Result<Grant, Failure> {
        let ring = self.ring()?;
        let lists: Vec<RevocationList> = revocations
            .iter()
            .filter(|l| l.product() == self.product)
            .filter_map(|l| l.clone().verify(&ring, &self.product).ok())
            .collect();
        let license = UnverifiedLicense::parse(&self.license)
            .map_err(|e| license_failure("the license does not parse", &e))?;
        let mut revoked = false;
        let mut verified = None;
        // Each list checked on its own (the options take one); without a
        // list, once.
        let checks: Vec<Option<&RevocationList>> = if lists.is_empty() {
            vec![None]
        } else {
            lists.iter().map(Some).collect()
        };
        for list in checks {
            let mut options = VerifyOptions::new(&self.product, now).policy(Policy::Advisory);
            if let Some(list) = list {
                options = options.revocations(list);
            }
            let v = license
                .clone()
                .verify(&ring, &options)
                .map_err(|e| license_failure("the license does not verify", &e))?;
            revoked |= v
                .problems()
                .iter()
                .any(|p| matches!(p, LicenseError::Revoked { .. }));
            // A license for a later term grants nothing yet.
            if let Some(p) = v.problems().iter().find(|p| {
                matches!(
                    p,
                    LicenseError::NotYetValid { .. } | LicenseError::IssuedInFuture { .. }
                )
            }) {
                return Err(Failure::new(
                    "license_not_started",
                    format!("the license grants nothing yet: {p} ({})", p.code()),
                ));
            }
            verified = Some(v);
        }
        let v = verified.ok_or_else(|| Failure::new("license_invalid", "no verification ran"))?;
        let capacity = match v.quota(QuotaId(self.quota_id)) {
            Some(QuotaLimit::Limited(n)) => {
                u32::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
                    Failure::invalid(format!(
                        "the license grants {n} {}: a pool has 1 to 10,000,000 seats",
                        self.quota
                    ))
                })?
            }
            Some(QuotaLimit::Unlimited) => {
                return Err(Failure::invalid(format!(
                    "the license grants unlimited {}: a pool needs a number of seats",
                    self.quota
                )));
            }
            None => {
                return Err(Failure::invalid(format!(
                    "the license has no {} quota",
                    self.quota
                )));
            }
        };
        let claims = v.claims();
        let ends_at = if revoked {
            Some(now)
        } else {
            claims.grace_ends_at()
        };
        Ok(Grant {
            capacity,
            ends_at,
            license_id: claims.license_id.to_string(),
            customer: claims.customer.id.clone(),
            revoked,
        })
    }

    /// The record's details: this source as JSON.
    pub fn to_details(&self) -> Result<String, Failure> {
        serde_json::to_string(self)
            .map_err(|e| Failure::new("internal", format!("cannot encode the license: {e}")))
    }
}

/// Reads a revocation list file (armored text). Its signature is checked
/// against each pool's keys when it is used.
pub fn read_revocations(text: &str) -> Result<UnverifiedRevocationList, Failure> {
    UnverifiedRevocationList::parse(text.trim())
        .map_err(|e| license_failure("the revocation list does not parse", &e))
}

/// Every license-backed pool's current source (its latest `pool.license`
/// record), by pool.
pub fn sources(store: &mut Store) -> Result<BTreeMap<PoolId, LicenseSource>, Failure> {
    let records = store.events(&EventFilter {
        action: Some(RECORD_ACTION.into()),
        ..EventFilter::default()
    })?;
    let mut out = BTreeMap::new();
    for r in records {
        let (Some(pool), Change::HostRecord { details, .. }) = (&r.event.pool, &r.event.change)
        else {
            continue;
        };
        let source: LicenseSource = serde_json::from_str(details).map_err(|e| {
            Failure::new(
                "audit_broken",
                format!(
                    "event {}: a pool.license record does not decode: {e}",
                    r.event.seq
                ),
            )
        })?;
        if store.state().pool(pool).is_some() {
            out.insert(pool.clone(), source);
        } else {
            out.remove(pool);
        }
    }
    Ok(out)
}

/// What [`refresh`] did to one pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    /// The pool.
    pub pool_id: String,
    /// The seats its license grants now.
    pub capacity: Option<u32>,
    /// When it ends.
    pub ends_at: Option<Timestamp>,
    /// Whether a revocation list revokes its license.
    pub revoked: bool,
    /// Whether the pool changed.
    pub changed: bool,
    /// Why its license could not be checked (the pool is left as it was).
    pub error: Option<String>,
}

/// Sets every license-backed pool to what its license grants at the
/// store's clock, and applies expiry, in one transaction. A pool whose
/// license no longer verifies at all is left as it was and reported.
pub fn refresh(
    store: &mut Store,
    revocations: &[UnverifiedRevocationList],
    actor: &str,
) -> Result<Vec<Refreshed>, Failure> {
    store.catch_up()?;
    let sources = sources(store)?;
    let read_at = store.head().next_seq;
    store.transact(actor, None, false, &mut |engine, cx, _| {
        let mut events = Vec::new();
        let mut report = Vec::new();
        // The sources were read outside the lock: if the trail moved since
        // (a renewal by another server, say), following them could undo
        // it. The next round reads them again.
        let moved = engine.head().next_seq != read_at;
        for (pool, source) in &sources {
            let Some(current) = engine.state().pool(pool).cloned() else {
                continue;
            };
            let mut line = Refreshed {
                pool_id: pool.as_str().into(),
                capacity: None,
                ends_at: None,
                revoked: false,
                changed: false,
                error: None,
            };
            if moved {
                line.error =
                    Some("the trail moved during the check; the next round checks again".into());
                report.push(line);
                continue;
            }
            let grant = match source.grant(cx.now, revocations) {
                Ok(grant) => grant,
                Err(f) => {
                    line.error = Some(f.message);
                    report.push(line);
                    continue;
                }
            };
            // A revoked license ends the pool now, once: an end already
            // past stays, and an end is always after the pool's start.
            let mut ends_at = grant.ends_at;
            if grant.revoked {
                let mut end = match current.expires_at {
                    Some(e) if e <= cx.now => e,
                    _ => cx.now,
                };
                if let Some(start) = current.starts_at {
                    if end <= start {
                        end = start.saturating_add(std::time::Duration::from_secs(1));
                    }
                }
                ends_at = Some(end);
            }
            line.capacity = Some(grant.capacity);
            line.ends_at = ends_at;
            line.revoked = grant.revoked;
            let follow = Command::FollowLicense {
                pool: pool.clone(),
                capacity: grant.capacity,
                expires_at: ends_at,
            };
            // One pool's refusal is that pool's: the others are checked.
            match engine.run(&follow, cx) {
                Ok(recorded) => {
                    line.changed = !recorded.events.is_empty();
                    events.extend(recorded.events);
                }
                Err(refusal) => line.error = Some(refusal.to_string()),
            }
            report.push(line);
        }
        let expired = engine.run(&Command::ApplyExpiry, cx)?;
        for change in &expired.outcome.changes {
            if let Change::PoolExpired { pool, .. } = change {
                if let Some(r) = report.iter_mut().find(|r| r.pool_id == pool.as_str()) {
                    r.changed = true;
                }
            }
        }
        events.extend(expired.events);
        Ok(Decided {
            value: report,
            events,
            secrets: Vec::new(),
        })
    })
}
