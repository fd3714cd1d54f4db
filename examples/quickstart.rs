//! licman in one screen. The vendor creates a signing key and issues a
//! Starter license from the NetAudit catalog. The product verifies it,
//! checks modules and quotas, and gates API routes; each refusal comes back
//! as the HTTP status and JSON body the product would return.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licman_core::{
    Catalog, Claims, Customer, Denial, Entitlements, GroupAccess, KeyRing, LicenseId, SigningKey,
    Timestamp, VerifyOptions,
};

fn random<const N: usize>() -> Result<[u8; N], Box<dyn StdError>> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("OS random number generator: {e}"))?;
    Ok(bytes)
}

fn show<T>(what: &str, result: Result<T, Denial>) {
    match result {
        Ok(_) => println!("  {what:<34} allowed"),
        Err(denial) => println!(
            "  {what:<34} {} {}",
            denial.http_status(),
            denial.body_json()
        ),
    }
}

fn main() -> Result<(), Box<dyn StdError>> {
    // The host reads the clock; licman never does.
    let now = Timestamp::from_unix_seconds(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs());
    let days = |n: u64| Duration::from_secs(n * 86_400);
    let catalog_path = concat!(env!("CARGO_MANIFEST_DIR"), "/catalogs/netaudit.toml");
    let catalog = Catalog::from_toml(&std::fs::read_to_string(catalog_path)?)?;
    println!(
        "catalog        {} ({} modules, tiers: {})",
        catalog.display_name(),
        catalog.modules().len(),
        catalog
            .tiers()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 1. The vendor: a signing key (once; keep it secret) and a Starter license.
    let signing_key = SigningKey::from_seed(&random()?);
    let public_key = signing_key.public_key().to_text();
    let starter = catalog
        .tier("starter")
        .ok_or("the catalog has no starter tier")?;
    let claims = Claims {
        license_id: LicenseId::from_random_bytes(random()?),
        product: catalog.product().into(),
        customer: Customer {
            id: "acme-corp".into(),
            name: None,
            email: Some("it@acme.example".into()),
        },
        tier: starter.name().into(),
        modules: *starter.modules(),
        quotas: starter.quotas().clone(),
        issued_at: now,
        starts_at: now,
        expires_at: now.checked_add(days(365)),
        grace_period: days(14),
        machine_binding: None,
        metadata: BTreeMap::new(),
    };
    let key_text = signing_key.issue(&claims)?.to_compact();
    println!("public key     {public_key}");
    println!("license key    {key_text} ({} characters)", key_text.len());

    // 2. The product: trust the vendor's key, verify, bind to the catalog.
    let ring = KeyRing::from_texts([public_key.as_str()])?;
    let license = Entitlements::verify(
        &ring,
        &key_text,
        &catalog,
        &VerifyOptions::new(catalog.product(), now),
    )?;
    println!(
        "\nverified       {} for {}, tier {}",
        license.license().license_id(),
        license.license().customer().id,
        license.tier_display_name()
    );
    println!(
        "status         {} ({} days until expiry)",
        license.status_at(now).code(),
        license.days_until_expiry(now).unwrap_or_default()
    );

    // 3. Checks: bit tests and compares on the verified license.
    println!("\nchecks");
    for module in ["devices", "audit", "scheduled_audits"] {
        println!(
            "  has_module({module:?}){:<pad$} {}",
            "",
            license.has_module_named(module)?,
            pad = 19 - module.len()
        );
    }
    let devices = catalog.require_quota("devices")?;
    show(
        "check_quota(devices, 9 + 1)",
        license.check_quota(devices, 9, 1),
    );
    show(
        "check_quota(devices, 10 + 1)",
        license.check_quota(devices, 10, 1),
    );
    let discovery = license.accept(devices, 4, 20);
    println!(
        "  discover 20 with 4 in use          {} accepted, {} rejected",
        discovery.accepted, discovery.rejected
    );

    // 4. The gateway: every request is one authorize call.
    println!("\ngateway");
    let routes = catalog.routes();
    let mut groups = GroupAccess::new(&license);
    let ops = groups.set_group_named("ops", &["devices"])?;
    let operator = groups.user_modules(&[ops], false);
    show(
        "GET /login (no license)",
        routes.authorize("/login", None, None, now),
    );
    show(
        "GET /devices (no license)",
        routes.authorize("/devices", None, None, now),
    );
    show(
        "GET /devices/7",
        routes.authorize("/devices/7", Some(&license), Some(&operator), now),
    );
    show(
        "GET /audit-schedules",
        routes.authorize("/audit-schedules", Some(&license), Some(&operator), now),
    );
    show(
        "GET /rules (ops group)",
        routes.authorize("/rules", Some(&license), Some(&operator), now),
    );

    // 5. Refusals at verification are typed errors with stable codes.
    println!("\nrefused at verification");
    let next_year = now.checked_add(days(400)).ok_or("time overflow")?;
    let mut tampered = key_text.clone();
    let flip = if key_text.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(key_text.len() - 1.., flip);
    for (what, text, at) in [
        ("in 400 days", &key_text, next_year),
        ("with its last character changed", &tampered, now),
    ] {
        if let Err(e) = Entitlements::verify(
            &ring,
            text,
            &catalog,
            &VerifyOptions::new(catalog.product(), at),
        ) {
            let denial = Denial::from_license_error(&e);
            println!(
                "  {what:<34} [{}] {e}\n  {:<34} {} {}",
                e.code(),
                "",
                denial.http_status(),
                denial.body_json()
            );
        }
    }
    Ok(())
}
