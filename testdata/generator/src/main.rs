//! Writes the conformance vectors in `testdata/vectors/` from fixed seeds.
//!
//! ```text
//! cargo run -p licman-vectors -- [OUTPUT_DIR]    # default: testdata/vectors
//! ```
//!
//! Every key, id and time is derived from fixed labels, and Ed25519
//! signatures are deterministic, so running this twice writes identical
//! files; CI regenerates them and fails on any difference.
//!
//! The expected outcome of each vector is declared here, by hand, from the
//! specification (`docs/FORMAT.md`), never computed by the library under
//! test. Negative vectors that the library refuses to produce (bad claims,
//! overlong varints, cross-domain signatures) are built with the small
//! independent encoder in [`spec`], which also re-encodes every valid
//! vector's claims and must agree with the library byte for byte.

mod spec;

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use licman_core::{
    Claims, Customer, Fingerprint, LicenseId, MachineBinding, MatchPolicy, ModuleId, QuotaId,
    QuotaLimit, SigningKey, Timestamp, UnverifiedLicense,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

type Result<T> = std::result::Result<T, Box<dyn StdError>>;

mod seats;

const PRODUCT: &str = "netaudit";
const DAY: u64 = 86_400;

fn digest(label: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(
        format!("licman-vectors/{label}").as_bytes(),
    ));
    out
}

fn key(label: &str) -> SigningKey {
    SigningKey::from_seed(&digest(&format!("key/{label}")))
}

fn license_id(label: &str) -> LicenseId {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest(&format!("license/{label}"))[..16]);
    LicenseId::from_random_bytes(bytes)
}

fn date(y: u32, m: u32, d: u32) -> Result<Timestamp> {
    Timestamp::from_date(y, m, d).ok_or_else(|| format!("bad date {y}-{m}-{d}").into())
}

fn at(y: u32, m: u32, d: u32, h: u32, mi: u32) -> Result<Timestamp> {
    Timestamp::from_civil(y, m, d, h, mi, 0)
        .ok_or_else(|| format!("bad time {y}-{m}-{d} {h}:{mi}").into())
}

/// The Professional license most vectors start from: customer id and email,
/// 10 modules, 3 quotas, one year from 2026-01-01 with 14 days of grace.
fn professional(label: &str) -> Result<Claims> {
    Ok(Claims {
        license_id: license_id(label),
        product: PRODUCT.into(),
        customer: Customer {
            id: "acme-corp".into(),
            name: None,
            email: Some("it@acme.example".into()),
        },
        tier: "professional".into(),
        modules: [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10]
            .into_iter()
            .map(ModuleId)
            .collect(),
        quotas: BTreeMap::from([
            (QuotaId(1), QuotaLimit::Limited(100)),
            (QuotaId(2), QuotaLimit::Limited(10)),
            (QuotaId(3), QuotaLimit::Limited(50)),
        ]),
        issued_at: date(2026, 1, 1)?,
        starts_at: date(2026, 1, 1)?,
        expires_at: Some(date(2027, 1, 1)?),
        grace_period: Duration::from_secs(14 * DAY),
        machine_binding: None,
        metadata: BTreeMap::new(),
    })
}

/// One vector: inputs, and the outcome the specification requires.
struct Vector {
    name: &'static str,
    description: &'static str,
    license: String,
    public_keys: Vec<String>,
    product: &'static str,
    now: Timestamp,
    last_seen: Option<Timestamp>,
    revocation_list: Option<String>,
    fingerprints: Vec<Fingerprint>,
    advisory: bool,
    expected: Expected,
}

enum Expected {
    Valid {
        status: &'static str,
        days: Option<u64>,
        problems: Vec<&'static str>,
        claims: Box<Claims>,
    },
    Error(&'static str),
}

impl Vector {
    fn new(
        name: &'static str,
        description: &'static str,
        license: String,
        keys: &[&SigningKey],
    ) -> Self {
        Vector {
            name,
            description,
            license,
            public_keys: keys.iter().map(|k| k.public_key().to_text()).collect(),
            product: PRODUCT,
            now: Timestamp::UNIX_EPOCH,
            last_seen: None,
            revocation_list: None,
            fingerprints: Vec::new(),
            advisory: false,
            expected: Expected::Error("unset"),
        }
    }

    fn now(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }

    fn valid(mut self, status: &'static str, days: Option<u64>, claims: &Claims) -> Self {
        self.expected = Expected::Valid {
            status,
            days,
            problems: Vec::new(),
            claims: Box::new(claims.clone()),
        };
        self
    }

    fn error(mut self, code: &'static str) -> Self {
        self.expected = Expected::Error(code);
        self
    }

    fn to_json(&self) -> Result<Value> {
        let expected = match &self.expected {
            Expected::Valid {
                status,
                days,
                problems,
                claims,
            } => json!({
                "valid": true,
                "status": status,
                "days": days,
                "problems": problems,
                "claims": serde_json::to_value(claims.as_ref())?,
            }),
            Expected::Error(code) => json!({ "valid": false, "error": code }),
        };
        Ok(json!({
            "name": self.name,
            "description": self.description,
            "input": {
                "license": self.license,
                "public_keys": self.public_keys,
                "product": self.product,
                "now": self.now.unix_seconds(),
                "last_seen": self.last_seen.map(Timestamp::unix_seconds),
                "revocation_list": self.revocation_list,
                "fingerprints": self.fingerprints.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "policy": if self.advisory { "advisory" } else { "enforce" },
            },
            "expected": expected,
        }))
    }
}

/// Issues with the library and checks that the independent encoder in
/// [`spec`] produces the same payload.
fn issue(key: &SigningKey, claims: &Claims) -> Result<UnverifiedLicense> {
    let license = key.issue(claims)?;
    let ours = spec::seal(key, spec::LICENSE_CONTEXT, &spec::encode_claims(claims)?);
    if ours != license.as_bytes() {
        return Err(format!(
            "spec encoder disagrees with the library for {}",
            claims.license_id
        )
        .into());
    }
    Ok(license)
}

fn compact(bytes: &[u8]) -> String {
    spec::compact(bytes)
}

#[allow(clippy::too_many_lines)]
fn vectors() -> Result<Vec<Vector>> {
    let a = key("a");
    let b = key("b");
    let untrusted = key("untrusted");
    let mut out = Vec::new();

    // ---- validity over time ----
    let mut perpetual = professional("perpetual")?;
    perpetual.expires_at = None;
    perpetual.grace_period = Duration::ZERO;
    let text = issue(&a, &perpetual)?.to_compact();
    out.push(
        Vector::new(
            "valid-perpetual",
            "A perpetual license is active decades later.",
            text,
            &[&a],
        )
        .now(date(2046, 1, 1)?)
        .valid("active", None, &perpetual),
    );

    let pro = professional("professional")?;
    let pro_text = issue(&a, &pro)?.to_compact();
    out.push(
        Vector::new(
            "valid-with-expiry",
            "Mid-term, far from expiry: active.",
            pro_text.clone(),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &pro),
    );
    out.push(
        Vector::new(
            "expiring-soon",
            "21.5 days before expiry, inside the default 30-day window: expiring soon, 22 days (rounded up).",
            pro_text.clone(),
            &[&a],
        )
        .now(at(2026, 12, 10, 12, 0)?)
        .valid("expiring_soon", Some(22), &pro),
    );
    out.push(
        Vector::new(
            "expiring-soon-window-edge",
            "Exactly 30 days before expiry is inside the window.",
            pro_text.clone(),
            &[&a],
        )
        .now(date(2026, 12, 2)?)
        .valid("expiring_soon", Some(30), &pro),
    );
    out.push(
        Vector::new(
            "in-grace",
            "Four days after expiry, with 14 days of grace: in grace, 10 days left.",
            pro_text.clone(),
            &[&a],
        )
        .now(date(2027, 1, 5)?)
        .valid("in_grace", Some(10), &pro),
    );
    out.push(
        Vector::new(
            "expired",
            "At the end of the grace period the license is expired.",
            pro_text.clone(),
            &[&a],
        )
        .now(date(2027, 1, 15)?)
        .error("expired"),
    );
    let mut no_grace = professional("no-grace")?;
    no_grace.grace_period = Duration::ZERO;
    let text = issue(&a, &no_grace)?.to_compact();
    out.push(
        Vector::new(
            "expired-without-grace",
            "Without grace, expiry is immediate.",
            text,
            &[&a],
        )
        .now(date(2027, 1, 1)?)
        .error("expired"),
    );
    let mut later_start = professional("later-start")?;
    later_start.starts_at = date(2026, 3, 1)?;
    let text = issue(&a, &later_start)?.to_compact();
    out.push(
        Vector::new(
            "not-yet-valid",
            "Issued in January, starting in March, checked in February.",
            text,
            &[&a],
        )
        .now(date(2026, 2, 1)?)
        .error("not_yet_valid"),
    );
    out.push(
        Vector::new(
            "issued-in-future",
            "The host clock is two hours before the issue time (tolerance is one hour).",
            pro_text.clone(),
            &[&a],
        )
        .now(at(2025, 12, 31, 22, 0)?)
        .error("issued_in_future"),
    );
    let mut backdated = professional("backdated")?;
    backdated.starts_at = date(2025, 12, 1)?;
    let text = issue(&a, &backdated)?.to_compact();
    out.push(
        Vector::new(
            "issued-slightly-in-future-tolerated",
            "A backdated start and a host clock 30 minutes behind the issuer: within tolerance, active.",
            text,
            &[&a],
        )
        .now(at(2025, 12, 31, 23, 30)?)
        .valid("active", None, &backdated),
    );
    let mut rolled = Vector::new(
        "clock-rolled-back",
        "The host saw 2026-06-03 before and now says 2026-06-01: the clock was turned back.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .error("clock_rolled_back");
    rolled.last_seen = Some(date(2026, 6, 3)?);
    out.push(rolled);
    let mut skew = Vector::new(
        "clock-skew-tolerated",
        "Last seen 30 minutes after now: within tolerance; validity is judged at the later time.",
        pro_text.clone(),
        &[&a],
    )
    .now(at(2026, 12, 31, 23, 45)?)
    // Judged at 2027-01-01T00:15, past expiry: in grace, 13.99 days left, rounded up.
    .valid("in_grace", Some(14), &pro);
    skew.last_seen = Some(at(2027, 1, 1, 0, 15)?);
    out.push(skew);

    // ---- tampering and encoding ----
    let good = issue(&a, &pro)?;
    let mut bytes = good.as_bytes().to_vec();
    let pos = bytes
        .windows(9)
        .position(|w| w == b"acme-corp")
        .ok_or("customer id not found")?;
    bytes[pos + 8] = b'q';
    out.push(
        Vector::new(
            "tampered-payload",
            "One byte of the customer id changed after signing.",
            compact(&bytes),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("bad_signature"),
    );
    let mut bytes = good.as_bytes().to_vec();
    let last = bytes.len() - 64;
    bytes[last] ^= 0x01;
    out.push(
        Vector::new(
            "tampered-signature",
            "One bit of the signature flipped.",
            compact(&bytes),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("bad_signature"),
    );
    let mut bytes = good.as_bytes().to_vec();
    bytes[1..9].copy_from_slice(untrusted.key_id().as_bytes());
    out.push(
        Vector::new(
            "wrong-key",
            "The key id is rewritten to name another trusted key; the signature is not that key's.",
            compact(&bytes),
            &[&a, &untrusted],
        )
        .now(date(2026, 6, 1)?)
        .error("bad_signature"),
    );
    out.push(
        Vector::new(
            "unknown-key-id",
            "Signed by a key the ring does not hold.",
            pro_text.clone(),
            &[&b],
        )
        .now(date(2026, 6, 1)?)
        .error("unknown_key"),
    );
    let rotated = professional("rotated")?;
    let text = issue(&b, &rotated)?.to_compact();
    out.push(
        Vector::new(
            "rotated-key-accepted",
            "Signed by the new key; the ring holds old and new.",
            text,
            &[&a, &b],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &rotated),
    );
    out.push(
        Vector::new(
            "old-key-still-accepted",
            "Signed by the old key; the ring holds old and new.",
            pro_text.clone(),
            &[&b, &a],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &pro),
    );
    let mut bytes = good.as_bytes().to_vec();
    bytes.push(0);
    out.push(
        Vector::new(
            "trailing-bytes",
            "One zero byte appended to the envelope.",
            compact(&bytes),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("trailing_bytes"),
    );
    let mut payload = spec::encode_claims(&pro)?;
    payload.push(0);
    out.push(
        Vector::new(
            "trailing-bytes-signed",
            "A correctly signed payload with one byte after its structure.",
            compact(&spec::seal(&a, spec::LICENSE_CONTEXT, &payload)),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("trailing_bytes"),
    );
    let bytes = good.as_bytes();
    out.push(
        Vector::new(
            "truncated",
            "The last 10 bytes removed.",
            compact(&bytes[..bytes.len() - 10]),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("truncated"),
    );
    out.push(
        Vector::new(
            "truncated-header",
            "Only the version byte.",
            compact(&[1]),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("truncated"),
    );
    out.push(
        Vector::new(
            "oversized",
            "9000 characters: refused before decoding.",
            format!("lm1_{}", "A".repeat(8996)),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("too_large"),
    );
    let mut bytes = good.as_bytes().to_vec();
    bytes[0] = 2;
    out.push(
        Vector::new(
            "unsupported-version",
            "Format version 2.",
            compact(&bytes),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("unsupported_version"),
    );
    out.push(
        Vector::new(
            "wrong-prefix",
            "The right bytes behind a different prefix.",
            pro_text.replacen("lm1_", "lm2_", 1),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("wrong_prefix"),
    );
    out.push(
        Vector::new(
            "jwt-is-not-a-license",
            "A JWT-shaped string.",
            "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhY21lIn0.c2ln".into(),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("wrong_prefix"),
    );
    // A license whose length leaves unused bits in the last character.
    let mut named = professional("non-canonical")?;
    named.customer.name = Some("Acme".into());
    let named = issue(&a, &named)?;
    let mut non_canonical = named.to_compact();
    let last = non_canonical.pop().ok_or("empty")?;
    non_canonical.push(spec::non_canonical_last_char(last, named.as_bytes().len())?);
    out.push(
        Vector::new(
            "non-canonical-base64",
            "The last character has unused bits set: same bytes, second spelling.",
            non_canonical,
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("invalid_encoding"),
    );
    out.push(
        Vector::new(
            "padded-base64",
            "Base64 padding is not part of the format.",
            format!("{pro_text}=="),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("invalid_encoding"),
    );
    out.push(
        Vector::new(
            "surrounding-whitespace",
            "A pasted key with spaces and a newline around it is accepted.",
            format!("  {pro_text}\n"),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &pro),
    );
    let mut wrong_product = Vector::new(
        "wrong-product",
        "A netaudit license presented to another product.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .error("wrong_product");
    wrong_product.product = "netmonitor";
    out.push(wrong_product);

    // ---- structure the library refuses to write, signed anyway ----
    let mut raw = spec::RawClaims::from_claims(&pro)?;
    raw.valid_for = Some(0);
    out.push(
        Vector::new(
            "invalid-claims-expiry-at-start",
            "Signed claims that expire the moment they start.",
            compact(&spec::seal(&a, spec::LICENSE_CONTEXT, &raw.encode())),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("invalid_claims"),
    );
    let mut raw = spec::RawClaims::from_claims(&pro)?;
    raw.quotas.reverse();
    out.push(
        Vector::new(
            "invalid-claims-unsorted-quotas",
            "Signed claims whose quota ids are not ascending (a second encoding of the same map).",
            compact(&spec::seal(&a, spec::LICENSE_CONTEXT, &raw.encode())),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("invalid_claims"),
    );
    let mut raw = spec::RawClaims::from_claims(&pro)?;
    raw.overlong_issued_at = true;
    out.push(
        Vector::new(
            "overlong-varint",
            "Signed claims with issued_at as an overlong varint (one extra 0x80 byte).",
            compact(&spec::seal(&a, spec::LICENSE_CONTEXT, &raw.encode())),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("malformed_payload"),
    );
    out.push(
        Vector::new(
            "cross-domain-signature",
            "A valid payload signed under the revocation-list context: signatures do not cross domains.",
            compact(&spec::seal(&a, spec::REVOCATION_CONTEXT, &spec::encode_claims(&pro)?)),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("bad_signature"),
    );
    let mut weak = Vector::new(
        "weak-public-key",
        "The ring refuses a small-order public key.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .error("weak_public_key");
    weak.public_keys.push(spec::weak_public_key_text());
    out.push(weak);
    let mut mismatch = Vector::new(
        "public-key-id-mismatch",
        "A public key text whose embedded key id is not its key's.",
        pro_text.clone(),
        &[],
    )
    .now(date(2026, 6, 1)?)
    .error("key_id_mismatch");
    mismatch
        .public_keys
        .push(spec::public_key_text_with_id(&a, *b.key_id().as_bytes()));
    out.push(mismatch);

    // ---- revocation ----
    let revoked_claims = professional("revoked")?;
    let revoked_text = issue(&a, &revoked_claims)?.to_compact();
    let list = a
        .issue_revocation_list(
            PRODUCT,
            3,
            date(2026, 5, 1)?,
            [license_id("other-revoked"), revoked_claims.license_id],
        )?
        .to_armored();
    let mut revoked = Vector::new(
        "revoked",
        "The license is on a signed revocation list.",
        revoked_text,
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .error("revoked");
    revoked.revocation_list = Some(list.clone());
    out.push(revoked);
    let mut not_revoked = Vector::new(
        "not-revoked",
        "A list is given; this license is not on it.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .valid("active", None, &pro);
    not_revoked.revocation_list = Some(list.clone());
    out.push(not_revoked);

    // ---- machine binding ----
    let [fa, fb, fc] =
        ["machine-a", "machine-b", "machine-c"].map(|m| Fingerprint::digest(m.as_bytes()));
    let bound = |label: &str, fps: &[Fingerprint], policy| -> Result<(Claims, String)> {
        let mut claims = professional(label)?;
        claims.machine_binding = Some(MachineBinding::new(fps.iter().copied(), policy)?);
        let text = issue(&a, &claims)?.to_compact();
        Ok((claims, text))
    };
    /// Name, description, bound fingerprints, policy, presented fingerprints, accepted.
    type MachineCase<'a> = (
        &'static str,
        &'static str,
        &'a [Fingerprint],
        MatchPolicy,
        &'a [Fingerprint],
        bool,
    );
    let machine_cases: [MachineCase<'_>; 8] = [
        (
            "machine-any-match",
            "Bound to A or B; the host presents B.",
            &[fa, fb],
            MatchPolicy::Any,
            &[fb],
            true,
        ),
        (
            "machine-any-mismatch",
            "Bound to A or B; the host presents C.",
            &[fa, fb],
            MatchPolicy::Any,
            &[fc],
            false,
        ),
        (
            "machine-no-fingerprint",
            "Bound to A or B; the host presents none.",
            &[fa, fb],
            MatchPolicy::Any,
            &[],
            false,
        ),
        (
            "machine-all-match",
            "Bound to A and B; the host presents A, B and C.",
            &[fa, fb],
            MatchPolicy::All,
            &[fa, fb, fc],
            true,
        ),
        (
            "machine-all-mismatch",
            "Bound to A and B; the host presents only A.",
            &[fa, fb],
            MatchPolicy::All,
            &[fa],
            false,
        ),
        (
            "machine-at-least-match",
            "At least 2 of A, B, C; the host presents A and C.",
            &[fa, fb, fc],
            MatchPolicy::AtLeast(2),
            &[fc, fa],
            true,
        ),
        (
            "machine-at-least-mismatch",
            "At least 2 of A, B, C; the host presents C twice.",
            &[fa, fb, fc],
            MatchPolicy::AtLeast(2),
            &[fc, fc],
            false,
        ),
        (
            "machine-unbound-ignores-fingerprints",
            "An unbound license ignores presented fingerprints.",
            &[],
            MatchPolicy::Any,
            &[fa],
            true,
        ),
    ];
    for (name, description, bound_to, policy, presented, ok) in machine_cases {
        let (claims, text) = if bound_to.is_empty() {
            (pro.clone(), pro_text.clone())
        } else {
            bound(name, bound_to, policy)?
        };
        let vector = Vector::new(name, description, text, &[&a]).now(date(2026, 6, 1)?);
        let mut vector = if ok {
            vector.valid("active", None, &claims)
        } else {
            vector.error("machine_mismatch")
        };
        vector.fingerprints = presented.to_vec();
        out.push(vector);
    }

    // ---- text forms ----
    let armored = good.to_armored();
    out.push(
        Vector::new("armored", "The armored file form.", armored.clone(), &[&a])
            .now(date(2026, 6, 1)?)
            .valid("active", None, &pro),
    );
    out.push(
        Vector::new(
            "armored-crlf",
            "The armored form with CRLF line ends.",
            armored.replace('\n', "\r\n"),
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &pro),
    );
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let rewrapped = format!(
        "-----BEGIN LICMAN LICENSE-----\n{}\n{}\n-----END LICMAN LICENSE-----\n",
        &body[..60],
        &body[60..]
    );
    out.push(
        Vector::new(
            "armored-rewrapped",
            "Armored lines re-wrapped at 60 columns.",
            rewrapped,
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .error("invalid_encoding"),
    );

    // ---- advisory policy ----
    let mut advisory = Vector::new(
        "advisory-expired",
        "Advisory policy: an expired license is reported, not refused.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2027, 3, 1)?);
    advisory.advisory = true;
    advisory.expected = Expected::Valid {
        status: "expired",
        days: None,
        problems: vec!["expired"],
        claims: Box::new(pro.clone()),
    };
    out.push(advisory);
    let mut advisory = Vector::new(
        "advisory-clock-rolled-back",
        "Advisory policy: a clock turned back past expiry is reported; status is judged at last-seen.",
        pro_text.clone(),
        &[&a],
    )
    .now(date(2026, 6, 1)?);
    advisory.advisory = true;
    advisory.last_seen = Some(date(2027, 2, 1)?);
    advisory.expected = Expected::Valid {
        status: "expired",
        days: None,
        problems: vec!["clock_rolled_back", "expired"],
        claims: Box::new(pro.clone()),
    };
    out.push(advisory);
    let mut advisory = Vector::new(
        "advisory-bad-signature",
        "Advisory policy never accepts a forged license.",
        compact(&{
            let mut bytes = good.as_bytes().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x80;
            bytes
        }),
        &[&a],
    )
    .now(date(2026, 6, 1)?)
    .error("bad_signature");
    advisory.advisory = true;
    out.push(advisory);

    // ---- quotas ----
    let mut enterprise = professional("enterprise")?;
    enterprise.tier = "enterprise".into();
    enterprise.modules = (1u8..=21).map(ModuleId).collect();
    enterprise.quotas = BTreeMap::from([
        (QuotaId(1), QuotaLimit::Unlimited),
        (QuotaId(2), QuotaLimit::Unlimited),
        (QuotaId(3), QuotaLimit::Unlimited),
    ]);
    enterprise.customer.name = Some("Acme Corporation".into());
    enterprise.metadata = BTreeMap::from([
        ("order".into(), "PO-2026-0042".into()),
        ("region".into(), "eu".into()),
    ]);
    let text = issue(&a, &enterprise)?.to_compact();
    out.push(
        Vector::new(
            "unlimited-quotas",
            "Enterprise: unlimited quotas, a customer name and metadata.",
            text,
            &[&a],
        )
        .now(date(2026, 6, 1)?)
        .valid("active", None, &enterprise),
    );

    Ok(out)
}

fn main() -> Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("testdata/vectors"), PathBuf::from);
    write_all(&dir)?;
    let fixtures = dir
        .parent()
        .map_or_else(|| PathBuf::from("fixtures"), |p| p.join("fixtures"));
    write_fixtures(&fixtures)?;
    write_machine_fingerprints(&fixtures)?;
    write_activation_requests(&fixtures)?;
    let seats = dir
        .parent()
        .map_or_else(|| PathBuf::from("seats"), |p| p.join("seats"));
    seats::write(&seats)
}

/// The machine fingerprint recipe on fixed inputs, for every binding's
/// tests: `testdata/fixtures/machine-fingerprints.json`.
fn write_machine_fingerprints(dir: &Path) -> Result<()> {
    let inputs = [
        (
            "netaudit",
            "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b",
            "a Linux /etc/machine-id",
        ),
        (
            "netaudit",
            "{5F3C6A0E-9A6B-4D0E-8A5B-1C2D3E4F5A6B}",
            "the same id as Windows writes a GUID",
        ),
        (
            "netaudit",
            "  5f3c6a0e-9a6b-4d0e-8a5b-1c2d3e4f5a6b\n",
            "the same id with hyphens and a newline",
        ),
        (
            "netmonitor",
            "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b",
            "the same machine for another product",
        ),
        (
            "netaudit",
            "C02XL0GHJGH5-8F2A-4B1C-9D3E",
            "a macOS-style IOPlatformUUID",
        ),
    ];
    let mut valid = Vec::new();
    for (product, machine_id, what) in inputs {
        let fingerprint = licman_core::Fingerprint::of_machine(product, machine_id)
            .map_err(|e| format!("{what}: {e}"))?;
        valid.push(serde_json::json!({
            "product": product, "machine_id": machine_id, "about": what, "fingerprint": fingerprint.to_string(),
        }));
    }
    let invalid = serde_json::json!([
        {"product": "netaudit", "machine_id": " - ", "error": "invalid_machine_id"},
        {"product": "netaudit", "machine_id": "short", "error": "invalid_machine_id"},
        {"product": "netaudit", "machine_id": "abcdefgh\u{e9}ij", "error": "invalid_machine_id"},
        {"product": "", "machine_id": "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b", "error": "invalid_machine_id"},
    ]);
    let doc = serde_json::json!({
        "description": "The machine fingerprint recipe, version 1 (docs/FORMAT.md): fixed inputs and their fingerprints. Generated by testdata/generator.",
        "valid": valid,
        "invalid": invalid,
    });
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("machine-fingerprints.json"),
        serde_json::to_string_pretty(&doc)? + "\n",
    )?;
    Ok(())
}

/// Activation requests (docs/FORMAT.md, 9b) for every binding's tests:
/// requests to build from fields and read back, texts each decoder must
/// refuse with the code given here (from the specification, not from the
/// library), and a bound license that answers one of them:
/// `testdata/fixtures/activation-requests.json`.
fn write_activation_requests(dir: &Path) -> Result<()> {
    use licman_core::{ActivationRequest, MAX_ACTIVATION_FIELD_LEN};
    use spec::RawRequest;

    let machine_id = "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b";
    let fingerprint = Fingerprint::of_machine(PRODUCT, machine_id)?;
    let nonce = |label: &str| -> [u8; 16] {
        let mut n = [0u8; 16];
        n.copy_from_slice(&digest(&format!("nonce/{label}"))[..16]);
        n
    };
    let raw =
        |customer: Option<&str>, license: Option<LicenseId>, label: &str| -> Result<RawRequest> {
            Ok(RawRequest {
                version: 1,
                product: PRODUCT.into(),
                fingerprint: *fingerprint.as_bytes(),
                customer_id: customer.map(Into::into),
                license_id: license.map(|l| *l.as_bytes()),
                nonce: nonce(label),
                created_at: date(2026, 6, 1)?.unix_seconds(),
                trailing: Vec::new(),
            })
        };
    let full = raw(
        Some("acme-corp"),
        Some(license_id("activation-template")),
        "full",
    )?;
    let minimal = raw(None, None, "minimal")?;
    let longest = RawRequest {
        product: "p".repeat(MAX_ACTIVATION_FIELD_LEN),
        customer_id: Some("c".repeat(MAX_ACTIVATION_FIELD_LEN)),
        ..raw(None, Some(license_id("activation-longest")), "longest")?
    };
    let mut valid = Vec::new();
    for (about, r) in [
        ("a customer and the license id it activates", &full),
        ("neither customer nor license id", &minimal),
        ("the longest product and customer ids", &longest),
    ] {
        let request = ActivationRequest {
            product: r.product.clone(),
            fingerprint: Fingerprint::from_bytes(r.fingerprint),
            customer_id: r.customer_id.clone(),
            license_id: r.license_id.map(LicenseId::from_bytes),
            nonce: r.nonce,
            created_at: Timestamp::from_unix_seconds(r.created_at),
        };
        if request.to_text()? != r.text() {
            return Err(format!("spec encoder disagrees with the library for {about}").into());
        }
        valid.push(json!({
            "about": about,
            "fields": {
                "product": request.product, "fingerprint": request.fingerprint.to_string(),
                "customer_id": request.customer_id, "license_id": request.license_id.map(|l| l.to_string()),
                "nonce": request.nonce_hex(), "created_at": r.created_at,
            },
            "text": r.text(),
            "armored": request.to_armored()?,
        }));
    }
    // Texts to refuse, each with the code the specification gives.
    let text_of = |bytes: &[u8]| {
        format!(
            "lmreq1_{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
        )
    };
    let full_text = full.text();
    let mistyped = {
        let mut chars: Vec<char> = full_text.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let mut overlong = full.encode();
    overlong.truncate(overlong.len() - 4);
    // created_at (2026-06-01) is the last field, 5 varint bytes: one more, redundant.
    let last = overlong.len() - 1;
    overlong[last] |= 0x80;
    overlong.push(0);
    let sum = spec::request_checksum(&overlong);
    overlong.extend_from_slice(&sum);
    let mut bad_tag = minimal.encode();
    bad_tag.truncate(bad_tag.len() - 4);
    // The customer id's option tag follows the product and the fingerprint.
    let tag_at = 1 + 1 + PRODUCT.len() + 32;
    bad_tag[tag_at] = 2;
    let sum = spec::request_checksum(&bad_tag);
    bad_tag.extend_from_slice(&sum);
    let mut short = full.encode();
    short.truncate(short.len() - 5);
    let sum = spec::request_checksum(&short);
    short.extend_from_slice(&sum);
    let armored_full = valid[0]["armored"].as_str().unwrap_or_default().to_string();
    let rewrapped = {
        let body: String = armored_full
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let (a, b) = body.split_at(60);
        format!(
            "-----BEGIN LICMAN ACTIVATION REQUEST-----\n{a}\n{b}\n-----END LICMAN ACTIVATION REQUEST-----\n"
        )
    };
    let invalid = json!([
        {"about": "a license key, not a request", "text": format!("lm1_{}", &full_text[7..]), "error": "wrong_prefix"},
        {"about": "another armor", "text": armored_full.replace("ACTIVATION REQUEST", "LICENSE"), "error": "wrong_prefix"},
        {"about": "one character mistyped (the checksum catches it)", "text": mistyped, "error": "invalid_encoding"},
        {"about": "base64 padding", "text": format!("{full_text}="), "error": "invalid_encoding"},
        {"about": "armor re-wrapped at 60 columns", "text": rewrapped, "error": "invalid_encoding"},
        {"about": "text longer than 1024 bytes", "text": format!("lmreq1_{}", "A".repeat(1020)), "error": "too_large"},
        {"about": "format version 2", "text": RawRequest { version: 2, ..raw(None, None, "minimal")? }.text(), "error": "unsupported_version"},
        {"about": "a byte after the payload", "text": RawRequest { trailing: vec![0], ..raw(None, None, "minimal")? }.text(), "error": "trailing_bytes"},
        {"about": "the payload cut short", "text": text_of(&short), "error": "truncated"},
        {"about": "an overlong varint", "text": text_of(&overlong), "error": "malformed_payload"},
        {"about": "an option tag of 2", "text": text_of(&bad_tag), "error": "malformed_payload"},
        {"about": "an empty product", "text": RawRequest { product: String::new(), ..raw(None, None, "minimal")? }.text(), "error": "invalid_claims"},
        {"about": "an empty customer id", "text": raw(Some(""), None, "minimal")?.text(), "error": "invalid_claims"},
        {"about": "a product of 129 bytes", "text": RawRequest { product: "p".repeat(MAX_ACTIVATION_FIELD_LEN + 1), ..raw(None, None, "minimal")? }.text(), "error": "too_large"},
        {"about": "a terminal escape in the customer id", "text": raw(Some("acme\u{1b}[2J"), None, "minimal")?.text(), "error": "malformed_payload"},
    ]);
    // The answer to `full`: Professional, bound to the fingerprint, naming the nonce.
    let mut claims = professional("activation-answer")?;
    claims.issued_at = date(2026, 6, 1)?;
    claims.starts_at = date(2026, 6, 1)?;
    claims.expires_at = Some(date(2027, 6, 1)?);
    claims.machine_binding = Some(MachineBinding::new([fingerprint], MatchPolicy::Any)?);
    claims.metadata.insert(
        licman_core::ACTIVATION_METADATA_KEY.into(),
        valid[0]["fields"]["nonce"]
            .as_str()
            .unwrap_or_default()
            .into(),
    );
    let key = key("a");
    let license = issue(&key, &claims)?;
    let doc = json!({
        "description": "Activation requests, format version 1 (docs/FORMAT.md, 9b): fields and the texts they encode to, texts to refuse with their codes, and a bound license answering the first request. Generated by testdata/generator.",
        "machine_id": machine_id,
        "product": PRODUCT,
        "fingerprint": fingerprint.to_string(),
        "valid": valid,
        "invalid": invalid,
        "answer": {
            "about": "answers valid[0]: the same product, bound to its fingerprint, naming its nonce; not valid[1]",
            "public_key": key.public_key().to_text(),
            "license": license.to_compact(),
            "now": date(2026, 6, 2)?.unix_seconds(),
            "other_fingerprint": Fingerprint::of_machine(PRODUCT, "0123456789abcdef0123456789abcdef")?.to_string(),
            "error_on_other_machine": "machine_mismatch",
        },
    });
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("activation-requests.json"),
        serde_json::to_string_pretty(&doc)? + "\n",
    )?;
    Ok(())
}

/// Perpetual licenses of each NetAudit tier, exactly as the catalog defines
/// it, for the bindings' scenario tests: `testdata/fixtures/netaudit-licenses.json`.
fn write_fixtures(dir: &Path) -> Result<()> {
    let catalog =
        licman_core::Catalog::from_toml(include_str!("../../../examples/catalogs/netaudit.toml"))?;
    let key = key("a");
    let mut licenses = serde_json::Map::new();
    for tier in ["starter", "professional", "enterprise"] {
        let t = catalog.tier(tier).ok_or("tier missing from the catalog")?;
        let mut claims = professional(&format!("fixture-{tier}"))?;
        claims.tier = tier.into();
        claims.modules = *t.modules();
        claims.quotas = t.quotas().clone();
        claims.expires_at = None;
        claims.grace_period = Duration::ZERO;
        licenses.insert(tier.into(), issue(&key, &claims)?.to_compact().into());
    }
    let value = json!({
        "description": "Perpetual NetAudit licenses of each tier for customer acme-corp, signed by the vectors' key a. Generated by testdata/generator.",
        "catalog": "examples/catalogs/netaudit.toml",
        "public_key": key.public_key().to_text(),
        "product": PRODUCT,
        "licenses": licenses,
    });
    fs::create_dir_all(dir)?;
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    fs::write(dir.join("netaudit-licenses.json"), text)?;
    println!("wrote {}", dir.join("netaudit-licenses.json").display());
    Ok(())
}

fn write_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            fs::remove_file(path)?;
        }
    }
    let vectors = vectors()?;
    for (i, vector) in vectors.iter().enumerate() {
        let mut text = serde_json::to_string_pretty(&vector.to_json()?)?;
        text.push('\n');
        fs::write(dir.join(format!("{:03}-{}.json", i + 1, vector.name)), text)?;
    }
    println!("wrote {} vectors to {}", vectors.len(), dir.display());
    Ok(())
}
