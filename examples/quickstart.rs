//! licman in one screen: create a signing key, issue a license, verify it
//! as a product would, ask it questions, and see a refusal.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licman_core::{
    Claims, Customer, KeyRing, LicenseId, ModuleId, QuotaId, QuotaLimit, SigningKey, Timestamp,
    VerifyOptions,
};

fn random<const N: usize>() -> Result<[u8; N], Box<dyn StdError>> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("OS random number generator: {e}"))?;
    Ok(bytes)
}

fn main() -> Result<(), Box<dyn StdError>> {
    // The host reads the clock; licman never does.
    let now = Timestamp::from_unix_seconds(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs());
    let day = |n: u64| Duration::from_secs(n * 86_400);

    // 1. The vendor creates a signing key (once; keep it secret).
    let signing_key = SigningKey::from_seed(&random()?);
    let public_key_text = signing_key.public_key().to_text();
    println!(
        "vendor public key   {public_key_text}  (key id {})",
        signing_key.key_id()
    );

    // 2. The vendor issues a one-year Professional license.
    let claims = Claims {
        license_id: LicenseId::from_random_bytes(random()?),
        product: "netaudit".into(),
        customer: Customer {
            id: "acme-corp".into(),
            name: None,
            email: Some("it@acme.example".into()),
        },
        tier: "professional".into(),
        modules: (1..=10).map(ModuleId).collect(),
        quotas: BTreeMap::from([
            (QuotaId(1), QuotaLimit::Limited(100)),
            (QuotaId(2), QuotaLimit::Limited(10)),
            (QuotaId(3), QuotaLimit::Limited(50)),
        ]),
        issued_at: now,
        starts_at: now,
        expires_at: now.checked_add(day(365)),
        grace_period: day(14),
        machine_binding: None,
        metadata: BTreeMap::new(),
    };
    let key_text = signing_key.issue(&claims)?.to_compact();
    println!("license key         {key_text}");
    println!("                    ({} characters)", key_text.len());

    // 3. The product trusts the vendor's public key and verifies the key.
    let ring = KeyRing::from_texts([public_key_text.as_str()])?;
    let license = ring.verify(&key_text, &VerifyOptions::new("netaudit", now))?;
    println!(
        "\nverified            license {} for {}",
        license.license_id(),
        license.customer().id
    );
    println!(
        "status              {} ({} days until expiry)",
        license.status().code(),
        license.days_until_expiry(now).unwrap_or_default()
    );

    // 4. Enforcement questions are bit tests on the verified license.
    for module in [ModuleId(3), ModuleId(15)] {
        println!("has module {:<8} {}", module.0, license.has_module(module));
    }
    println!(
        "device quota        {}",
        license
            .quota(QuotaId(1))
            .map_or("none".into(), |q| q.to_string())
    );

    // 5. Refusals are typed errors with a stable code.
    let next_year = now.checked_add(day(400)).ok_or("time overflow")?;
    for (what, options) in [
        ("in 400 days", VerifyOptions::new("netaudit", next_year)),
        ("as another product", VerifyOptions::new("netmonitor", now)),
    ] {
        match ring.verify(&key_text, &options) {
            Ok(_) => println!("unexpectedly valid {what}"),
            Err(e) => println!("refused {what:<19} [{}] {e}", e.code()),
        }
    }
    let mut tampered = key_text.clone();
    tampered.replace_range(40..41, if &key_text[40..41] == "A" { "B" } else { "A" });
    if let Err(e) = ring.verify(&tampered, &VerifyOptions::new("netaudit", now)) {
        println!("refused {:<19} [{}] {e}", "with one char changed", e.code());
    }
    Ok(())
}
