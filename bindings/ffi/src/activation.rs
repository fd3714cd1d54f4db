//! Offline activation requests: built on this machine (its fingerprint, a
//! random nonce, the clock) or from explicit fields, read back from either
//! text form, and matched against the license that answers them. The rules
//! and the format are the core's (`licman_core::ActivationRequest`).

use std::sync::Arc;

use licman_core::{ActivationRequest as CoreRequest, Fingerprint, LicenseId, Timestamp};

use crate::{License, LicmanError};

/// The fields of an activation request, as text and Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivationRequestInfo {
    /// The product id.
    pub product: String,
    /// The machine's fingerprint for the product (64 hex digits).
    pub fingerprint: String,
    /// The customer, if the request names one.
    pub customer_id: Option<String>,
    /// The license it activates (UUID), if the request names one.
    pub license_id: Option<String>,
    /// 32 hex digits that tell this request from every other.
    pub nonce: String,
    /// When the request was written, Unix seconds.
    pub created_at: u64,
}

/// An activation request: what a product on a machine without a network
/// hands its vendor to get a license bound to that machine
/// (`licman-keygen activate`).
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct ActivationRequest {
    inner: CoreRequest,
}

fn request_error(e: &licman_core::Error) -> LicmanError {
    LicmanError::InvalidActivationRequest {
        code: e.code().into(),
        description: format!("activation request: {e}"),
    }
}

fn argument(code: &str, description: String) -> LicmanError {
    LicmanError::InvalidArgument {
        code: code.into(),
        description,
    }
}

/// 32 hex digits → 16 bytes.
fn parse_nonce(text: &str) -> Result<[u8; 16], LicmanError> {
    let bad = || {
        argument(
            "invalid_nonce",
            format!("a nonce is 32 hex digits (got {text:?})"),
        )
    };
    if text.len() != 32 || !text.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (slot, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
        *slot = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A fresh nonce from the operating system's RNG.
#[cfg(not(target_arch = "wasm32"))]
fn random_nonce() -> Result<[u8; 16], LicmanError> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| {
        argument(
            "no_randomness",
            format!("cannot read random bytes for the nonce: {e}"),
        )
    })?;
    Ok(nonce)
}

impl ActivationRequest {
    /// The core request.
    pub fn core(&self) -> &CoreRequest {
        &self.inner
    }

    fn checked(inner: CoreRequest) -> Result<Arc<Self>, LicmanError> {
        inner.validate().map_err(|e| request_error(&e))?;
        Ok(Arc::new(ActivationRequest { inner }))
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl ActivationRequest {
    /// A request from explicit fields (the nonce as 32 hex digits): for a
    /// host that draws its own nonce and reads its own clock, and for tests
    /// with fixed inputs. The same fields always give the same text.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_info(info: ActivationRequestInfo) -> Result<Arc<Self>, LicmanError> {
        let fingerprint: Fingerprint = info.fingerprint.trim().parse().map_err(|e| {
            argument(
                "invalid_fingerprint",
                format!("{e} (got {:?})", info.fingerprint),
            )
        })?;
        let license_id = info
            .license_id
            .as_deref()
            .map(|id| {
                id.trim()
                    .parse::<LicenseId>()
                    .map_err(|e| argument("invalid_license_id", format!("{e} (got {id:?})")))
            })
            .transpose()?;
        Self::checked(CoreRequest {
            product: info.product,
            fingerprint,
            customer_id: info.customer_id,
            license_id,
            nonce: parse_nonce(&info.nonce)?,
            created_at: Timestamp::from_unix_seconds(info.created_at),
        })
    }

    /// Reads a request from its compact (`lmreq1_…`) or armored text;
    /// refused with `InvalidActivationRequest` and the core's code
    /// (`wrong_prefix`, `invalid_encoding` for a mistyped text, …).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn parse(text: String) -> Result<Arc<Self>, LicmanError> {
        CoreRequest::parse(&text)
            .map(|inner| Arc::new(ActivationRequest { inner }))
            .map_err(|e| request_error(&e))
    }

    /// The request's fields.
    pub fn info(&self) -> ActivationRequestInfo {
        let r = &self.inner;
        ActivationRequestInfo {
            product: r.product.clone(),
            fingerprint: r.fingerprint.to_string(),
            customer_id: r.customer_id.clone(),
            license_id: r.license_id.map(|id| id.to_string()),
            nonce: r.nonce_hex(),
            created_at: r.created_at.unix_seconds(),
        }
    }

    /// The compact text, `lmreq1_…` (one line).
    pub fn to_text(&self) -> String {
        // Validated when built or parsed, so encoding cannot fail.
        self.inner.to_text().unwrap_or_default()
    }

    /// The armored text (64-character lines, a final newline).
    pub fn to_armored(&self) -> String {
        self.inner.to_armored().unwrap_or_default()
    }

    /// Whether `license` (verified) answers this request: the same
    /// product, bound to this request's fingerprint, naming its nonce.
    /// Verifying the license with this machine's fingerprint is what makes
    /// it usable here; this says it is the answer to this request.
    pub fn is_answered_by(&self, license: &License) -> bool {
        self.inner.is_answered_by(license.core().license().claims())
    }
}

/// A request for this machine: its fingerprint for `product`
/// ([`machine_fingerprint`](crate::machine_fingerprint)), a random nonce, and `now` (Unix seconds;
/// `None`: the system clock). `no_machine_id` where the machine has no id to
/// read.
#[cfg(not(target_arch = "wasm32"))]
#[cfg_attr(
    feature = "uniffi",
    uniffi::export(default(customer_id = None, license_id = None, now_unix = None))
)]
pub fn activation_request(
    product: String,
    customer_id: Option<String>,
    license_id: Option<String>,
    now_unix: Option<u64>,
) -> Result<Arc<ActivationRequest>, LicmanError> {
    let fingerprint = crate::machine_fingerprint(product.clone())?;
    let nonce: String = random_nonce()?.iter().map(|b| format!("{b:02x}")).collect();
    ActivationRequest::from_info(ActivationRequestInfo {
        product,
        fingerprint,
        customer_id,
        license_id,
        nonce,
        created_at: crate::now_or(now_unix).unix_seconds(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::machine_fingerprint;

    fn info() -> ActivationRequestInfo {
        ActivationRequestInfo {
            product: "netaudit".into(),
            fingerprint: "ab".repeat(32),
            customer_id: Some("acme-corp".into()),
            license_id: Some("883871d6-0e70-4681-aa25-3434a891d70f".into()),
            nonce: "0f".repeat(16),
            created_at: 1_767_225_600,
        }
    }

    #[test]
    fn fields_round_trip_through_both_texts() {
        let request = ActivationRequest::from_info(info()).unwrap();
        assert_eq!(
            ActivationRequest::parse(request.to_text()).unwrap().info(),
            info()
        );
        assert_eq!(
            ActivationRequest::parse(request.to_armored())
                .unwrap()
                .info(),
            info()
        );
    }

    #[test]
    fn bad_fields_are_typed() {
        for (change, kind, code) in [
            (
                ActivationRequestInfo {
                    nonce: "0f".into(),
                    ..info()
                },
                "invalid_argument",
                "invalid_nonce",
            ),
            (
                ActivationRequestInfo {
                    nonce: "zz".repeat(16),
                    ..info()
                },
                "invalid_argument",
                "invalid_nonce",
            ),
            (
                ActivationRequestInfo {
                    nonce: "é".repeat(16),
                    ..info()
                },
                "invalid_argument",
                "invalid_nonce",
            ),
            (
                ActivationRequestInfo {
                    fingerprint: "ab".into(),
                    ..info()
                },
                "invalid_argument",
                "invalid_fingerprint",
            ),
            (
                ActivationRequestInfo {
                    license_id: Some("x".into()),
                    ..info()
                },
                "invalid_argument",
                "invalid_license_id",
            ),
            (
                ActivationRequestInfo {
                    product: String::new(),
                    ..info()
                },
                "invalid_activation_request",
                "invalid_claims",
            ),
            (
                ActivationRequestInfo {
                    customer_id: Some("a\nb".into()),
                    ..info()
                },
                "invalid_activation_request",
                "malformed_payload",
            ),
        ] {
            let e = ActivationRequest::from_info(change.clone()).unwrap_err();
            assert_eq!((e.kind(), e.code()), (kind, code), "{change:?}");
        }
        let e = ActivationRequest::parse("lm1_AAAA".into()).unwrap_err();
        assert_eq!(
            (e.kind(), e.code()),
            ("invalid_activation_request", "wrong_prefix")
        );
    }

    #[test]
    fn this_machines_request_carries_its_fingerprint_and_fresh_nonces() {
        let Ok(fingerprint) = machine_fingerprint("netaudit".into()) else {
            return; // no machine id here (a bare container)
        };
        let a = activation_request("netaudit".into(), None, None, Some(5)).unwrap();
        let b = activation_request("netaudit".into(), None, None, None).unwrap();
        assert_eq!(a.info().fingerprint, fingerprint);
        assert_eq!(a.info().created_at, 5);
        assert_ne!(a.info().nonce, b.info().nonce);
    }
}
