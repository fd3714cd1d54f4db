//! The licenses as the ledger reports them: `ledger list`, `ledger
//! expiring`, the exports.

use std::time::Duration;

use licman_core::{DEFAULT_EXPIRING_SOON_WINDOW, SECONDS_PER_DAY, Status, Timestamp};
use serde::Serialize;

use super::db::{Query, Row, Value, args};
use super::status::{LicenseStatus, State};
use super::{Ledger, secs};
use crate::error::Result;

/// One license as the ledger holds it.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub license_id: String,
    pub customer_id: String,
    pub customer_name: Option<String>,
    pub email: Option<String>,
    pub tier: String,
    pub product: String,
    pub key_id: String,
    pub issued_at: String,
    pub starts_at: String,
    pub expires_at: Option<String>,
    pub grace_seconds: u64,
    pub status: LicenseStatus,
    pub days_left: Option<i64>,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    pub metadata: serde_json::Value,
    pub key: String,
}

/// The columns of the CSV export, in order (the import reads the same).
pub const CSV_COLUMNS: &[&str] = &[
    "license_id",
    "customer_id",
    "customer_name",
    "email",
    "tier",
    "product",
    "key_id",
    "issued_at",
    "starts_at",
    "expires_at",
    "grace_seconds",
    "status",
    "revoked_at",
    "revoke_reason",
    "metadata",
    "key",
];

/// The columns [`Record::from_row`] reads, from `licenses l` joined with
/// `revocations r`.
const SELECT_RECORDS: &str = "
    SELECT l.license_id, l.customer_id, l.customer_name, l.email, l.tier, l.product, l.key_id,
           l.issued_at, l.starts_at, l.expires_at, l.grace_seconds, l.metadata, l.key, l.state,
           r.revoked_at, r.reason AS revoke_reason
    FROM licenses l LEFT JOIN revocations r ON r.license_id = l.license_id";

/// 9999-12-31T23:59:59Z: `ledger expiring` has never listed a license
/// expiring later (it read the expiry back from its four-digit-year text).
const LAST_LISTED_EXPIRY: i64 = 253_402_300_799;

impl Record {
    /// A row of [`SELECT_RECORDS`]; its status at `now`.
    fn from_row(row: &Row, now: Timestamp) -> Result<Record> {
        let starts_at: Timestamp = row.get("starts_at")?;
        let expires_at: Option<Timestamp> = row.get("expires_at")?;
        let grace_seconds: u64 = row.get("grace_seconds")?;
        let revoked_at: Option<Timestamp> = row.get("revoked_at")?;
        let status = LicenseStatus::of(row.get("state")?, revoked_at.is_some(), || {
            Status::from_dates(
                starts_at,
                expires_at,
                Duration::from_secs(grace_seconds),
                now,
                DEFAULT_EXPIRING_SOON_WINDOW,
            )
        });
        let metadata: String = row.get("metadata")?;
        Ok(Record {
            license_id: row.get("license_id")?,
            customer_id: row.get("customer_id")?,
            customer_name: row.get("customer_name")?,
            email: row.get("email")?,
            tier: row.get("tier")?,
            product: row.get("product")?,
            key_id: row.get("key_id")?,
            issued_at: row.get::<Timestamp>("issued_at")?.to_string(),
            starts_at: starts_at.to_string(),
            expires_at: expires_at.map(|e| e.to_string()),
            grace_seconds,
            status,
            days_left: expires_at.map(|e| days_until(e, now)),
            revoked_at: revoked_at.map(|t| t.to_string()),
            revoke_reason: row.get("revoke_reason")?,
            metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
            key: row.get("key")?,
        })
    }

    pub fn csv_row(&self) -> Vec<String> {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            self.license_id.clone(),
            self.customer_id.clone(),
            opt(&self.customer_name),
            opt(&self.email),
            self.tier.clone(),
            self.product.clone(),
            self.key_id.clone(),
            self.issued_at.clone(),
            self.starts_at.clone(),
            opt(&self.expires_at),
            self.grace_seconds.to_string(),
            self.status.to_string(),
            opt(&self.revoked_at),
            opt(&self.revoke_reason),
            self.metadata.to_string(),
            self.key.clone(),
        ]
    }
}

/// Whole days from `now` until `expires`, as
/// `VerifiedLicense::days_until_expiry` counts them: rounded up while it is
/// ahead, towards zero once it has passed.
fn days_until(expires: Timestamp, now: Timestamp) -> i64 {
    let day = i64::try_from(SECONDS_PER_DAY).unwrap_or(i64::MAX);
    let d = secs(expires) - secs(now);
    if d > 0 { (d + day - 1) / day } else { d / day }
}

/// What `ledger list` filters on.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub customer: Option<String>,
    pub tier: Option<String>,
    pub status: Option<LicenseStatus>,
}

impl Ledger {
    /// The licenses `filter` selects, oldest first. Without a status: the
    /// issued and unconfirmed ones (revoked or not).
    pub fn records(&self, filter: &Filter, now: Timestamp) -> Result<Vec<Record>> {
        let selection = LicenseStatus::selection(filter.status);
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let bind = |condition: &str, value: Value, values: &mut Vec<Value>| {
            values.push(value);
            condition.replace('?', &format!("?{}", values.len()))
        };
        if let Some(customer) = &filter.customer {
            conditions.push(bind(
                "l.customer_id = ?",
                Value::Text(customer.clone()),
                &mut values,
            ));
        }
        if let Some(tier) = &filter.tier {
            conditions.push(bind("l.tier = ?", Value::Text(tier.clone()), &mut values));
        }
        let states: Vec<String> = selection
            .states
            .iter()
            .map(|s| bind("?", Value::Text(s.as_str().to_string()), &mut values))
            .collect();
        conditions.push(if states.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("l.state IN ({})", states.join(", "))
        });
        match selection.revoked {
            Some(true) => conditions.push("r.revoked_at IS NOT NULL".into()),
            Some(false) => conditions.push("r.revoked_at IS NULL".into()),
            None => {}
        }
        let sql = format!(
            "{SELECT_RECORDS} WHERE {} ORDER BY l.issued_at, l.license_id",
            conditions.join(" AND ")
        );
        let mut records = self
            .db()
            .query(&sql, &values)?
            .iter()
            .map(|row| Record::from_row(row, now))
            .collect::<Result<Vec<_>>>()?;
        // The dated statuses (active, expiring_soon, …) depend on `now`:
        // the core's rule tells them, after the query.
        records.retain(|r| filter.status.is_none_or(|s| s == r.status));
        Ok(records)
    }

    /// Issued, unrevoked licenses expiring in `[now, now + within]`, soonest
    /// first; a license already renewed or reissued is not listed.
    pub fn expiring(&self, within: Duration, now: Timestamp) -> Result<Vec<Record>> {
        let replaced = if self.has_links() {
            "AND l.license_id NOT IN (SELECT old_id FROM license_links)"
        } else {
            ""
        };
        let sql = format!(
            "{SELECT_RECORDS}
             WHERE l.state = ?1 AND r.revoked_at IS NULL
               AND l.expires_at BETWEEN ?2 AND ?3 {replaced}
             ORDER BY l.expires_at, l.issued_at, l.license_id"
        );
        self.db()
            .query(
                &sql,
                args![
                    State::Issued,
                    secs(now),
                    secs(now.saturating_add(within)).min(LAST_LISTED_EXPIRY)
                ],
            )?
            .iter()
            .map(|row| Record::from_row(row, now))
            .collect()
    }
}
