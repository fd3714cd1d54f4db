//! Quota checks and FIFO acceptance agree with arithmetic in u128, for
//! limits from 0 to u64::MAX - 1 and unlimited, and any current and
//! requested amounts: no overflow anywhere.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use licman_core::{
    Catalog, Claims, Customer, Entitlements, KeyRing, LicenseId, ModuleSet, QuotaId, QuotaLimit, SigningKey, Timestamp,
    VerifyOptions,
};

const LIMITS: [QuotaLimit; 12] = [
    QuotaLimit::Limited(0),
    QuotaLimit::Limited(1),
    QuotaLimit::Limited(2),
    QuotaLimit::Limited(10),
    QuotaLimit::Limited(100),
    QuotaLimit::Limited(1 << 31),
    QuotaLimit::Limited((1 << 53) + 1),
    QuotaLimit::Limited(1 << 63),
    QuotaLimit::Limited(u64::MAX / 2 + 7),
    QuotaLimit::Limited(u64::MAX - 2),
    QuotaLimit::Limited(u64::MAX - 1),
    QuotaLimit::Unlimited,
];

static LICENSES: LazyLock<Vec<Entitlements>> = LazyLock::new(|| {
    let catalog = Catalog::from_toml(
        "product = \"p\"\ndisplay_name = \"P\"\n[[quotas]]\nid = 1\nname = \"q\"\ndisplay_name = \"Q\"\n",
    )
    .expect("catalog");
    let key = SigningKey::from_seed(&[7; 32]);
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let t = Timestamp::from_unix_seconds(1_000);
    LIMITS
        .iter()
        .map(|&limit| {
            let claims = Claims {
                license_id: LicenseId::from_bytes([1; 16]),
                product: "p".into(),
                customer: Customer::new("c"),
                tier: "t".into(),
                modules: ModuleSet::new(),
                quotas: BTreeMap::from([(QuotaId(1), limit)]),
                issued_at: t,
                starts_at: t,
                expires_at: None,
                grace_period: core::time::Duration::ZERO,
                machine_binding: None,
                metadata: BTreeMap::new(),
            };
            let text = key.issue(&claims).expect("issue").to_compact();
            Entitlements::verify(&ring, &text, &catalog, &VerifyOptions::new("p", t)).expect("verify")
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let index = usize::from(data[0]) % LIMITS.len();
    let current = u64::from_le_bytes(data[1..9].try_into().expect("8 bytes"));
    let requested = u64::from_le_bytes(data[9..17].try_into().expect("8 bytes"));
    let license = &LICENSES[index];
    let q = QuotaId(1);
    let ok = license.check_quota(q, current, requested).is_ok();
    let accepted = license.accept(q, current, requested);
    match LIMITS[index] {
        QuotaLimit::Unlimited => {
            assert!(ok);
            assert_eq!(accepted.accepted, requested);
            assert_eq!(license.remaining(q, current), None);
        }
        QuotaLimit::Limited(max) => {
            let (c, r, m) = (u128::from(current), u128::from(requested), u128::from(max));
            assert_eq!(ok, c + r <= m, "{current} + {requested} <= {max}");
            assert_eq!(u128::from(accepted.accepted), r.min(m.saturating_sub(c)));
            assert_eq!(accepted.accepted + accepted.rejected, requested);
            assert_eq!(license.remaining(q, current), Some(max.saturating_sub(current)));
            if accepted.accepted > 0 {
                assert!(license.check_quota(q, current, accepted.accepted).is_ok());
            }
        }
    }
});
