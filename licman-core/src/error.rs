//! Why a license, revocation list or key was refused.

use alloc::string::String;
use core::fmt;

use crate::claims::{ClaimsError, MatchPolicy};
use crate::ids::{KeyId, LicenseId};
use crate::time::Timestamp;

/// Why a license, revocation list or public key was refused.
///
/// Every variant carries the values a person needs to act on it, and has a
/// stable snake_case [`code`](Error::code) that the bindings and the
/// conformance vectors use.
///
/// ```
/// use licman_core::{Error, Timestamp};
/// let e = Error::Expired {
///     now: Timestamp::from_date(2027, 3, 1).unwrap(),
///     expires_at: Timestamp::from_date(2027, 1, 1).unwrap(),
///     grace_ends_at: Timestamp::from_date(2027, 1, 15).unwrap(),
/// };
/// assert_eq!(e.code(), "expired");
/// assert_eq!(
///     e.to_string(),
///     "the license expired at 2027-01-01T00:00:00Z (grace ended 2027-01-15T00:00:00Z); it is now 2027-03-01T00:00:00Z"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---- text and envelope ----
    /// The input is longer than the format allows; nothing was decoded.
    TooLarge {
        /// Length of the input in bytes.
        len: usize,
        /// The limit for this kind of input.
        max: usize,
    },
    /// The text does not start with the expected prefix or armor header.
    WrongPrefix {
        /// What was expected (`lm1_`, `-----BEGIN LICMAN LICENSE-----`, …).
        expected: &'static str,
    },
    /// The base64url text or the armor around it is malformed.
    InvalidEncoding {
        /// What is wrong, with its position.
        reason: EncodingProblem,
    },
    /// The data ends before the structure it announces is complete.
    Truncated,
    /// Bytes follow the end of the signed payload's structure.
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// The format version is not one this library reads.
    UnsupportedVersion {
        /// The version found.
        found: u8,
        /// The version this library supports.
        supported: u8,
    },
    /// The payload does not decode as the format's structure.
    MalformedPayload {
        /// Which part failed.
        reason: &'static str,
    },
    /// The payload decodes, but breaks a rule every license follows.
    InvalidClaims(ClaimsError),

    // ---- keys and signatures ----
    /// A public key is not a valid Ed25519 point encoding.
    InvalidPublicKey,
    /// A public key is of small order (a "weak" key that any signature
    /// could match); refused.
    WeakPublicKey {
        /// The key's id.
        key_id: KeyId,
    },
    /// A public key text names a key id that does not match its key.
    KeyIdMismatch {
        /// The id computed from the key.
        expected: KeyId,
        /// The id written in the text.
        found: KeyId,
    },
    /// No key in the ring has the key id the data was signed with.
    UnknownKey {
        /// The key id in the data.
        key_id: KeyId,
    },
    /// The signature does not verify under the key with that id.
    BadSignature {
        /// The key id the data names.
        key_id: KeyId,
    },

    // ---- validity ----
    /// The license (or revocation list) is for another product.
    WrongProduct {
        /// The product the host expects.
        expected: String,
        /// The product in the data.
        found: String,
    },
    /// The license is not valid yet.
    NotYetValid {
        /// The host's time.
        now: Timestamp,
        /// When the license starts.
        starts_at: Timestamp,
    },
    /// The license expired and its grace period is over.
    Expired {
        /// The host's time.
        now: Timestamp,
        /// When the license expired.
        expires_at: Timestamp,
        /// When its grace period ended (equal to `expires_at` without grace).
        grace_ends_at: Timestamp,
    },
    /// The license claims to be issued later than the host's time allows:
    /// the host clock is behind, or the clock was set back.
    IssuedInFuture {
        /// The host's time.
        now: Timestamp,
        /// When the license says it was issued.
        issued_at: Timestamp,
    },
    /// The host's time is earlier than a time it has already seen: the clock
    /// was turned back.
    ClockRolledBack {
        /// The host's time.
        now: Timestamp,
        /// The latest time the host saw before.
        last_seen: Timestamp,
    },
    /// The revocation list is older than the host accepts
    /// ([`VerifyOptions::min_revocation_serial`](crate::VerifyOptions::min_revocation_serial),
    /// [`VerifyOptions::max_revocation_age`](crate::VerifyOptions::max_revocation_age)):
    /// it may lack a later revocation. Refused under every policy.
    StaleRevocationList {
        /// The list's serial.
        serial: u64,
        /// When the list was issued.
        issued_at: Timestamp,
        /// The lowest serial the host accepts.
        min_serial: u64,
        /// The earliest issue time the host accepts.
        issued_not_before: Timestamp,
    },
    /// The license is on the revocation list.
    Revoked {
        /// The revoked license.
        license_id: LicenseId,
        /// Serial number of the list that revokes it.
        list_serial: u64,
    },
    /// The machine does not present enough of the fingerprints the license is
    /// bound to.
    MachineMismatch {
        /// The license's match policy.
        policy: MatchPolicy,
        /// Bound fingerprints the host presented.
        matched: usize,
        /// Matches the policy needs.
        required: usize,
    },
}

/// What is wrong with the text encoding of a license, key or list.
///
/// ```
/// use licman_core::EncodingProblem;
/// assert_eq!(EncodingProblem::InvalidCharacter { position: 4 }.to_string(), "invalid base64url character at position 4");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodingProblem {
    /// A character outside the base64url alphabet (padding included).
    InvalidCharacter {
        /// Byte offset in the base64url text.
        position: usize,
    },
    /// A base64url length no byte string encodes to (1 mod 4).
    InvalidLength,
    /// The last character has bits set that encode nothing: a second
    /// spelling of the same bytes.
    NonCanonical,
    /// The armor's END line is missing or is not the last line.
    MissingArmorEnd,
    /// An armored body line has the wrong length (all but the last must be
    /// exactly 64 characters, none empty).
    BadArmorLine {
        /// One-based line number in the armored text.
        line: usize,
    },
    /// A key text does not have exactly one key line.
    BadKeyText,
    /// An activation request's checksum does not match its bytes: the text
    /// was changed or mistyped on its way.
    ChecksumMismatch,
}

impl fmt::Display for EncodingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodingProblem::InvalidCharacter { position } => {
                write!(f, "invalid base64url character at position {position}")
            }
            EncodingProblem::InvalidLength => f.write_str("invalid base64url length"),
            EncodingProblem::NonCanonical => {
                f.write_str("non-canonical base64url (unused bits set in the last character)")
            }
            EncodingProblem::MissingArmorEnd => f.write_str("the armor's END line is missing"),
            EncodingProblem::BadArmorLine { line } => write!(
                f,
                "armored line {line} has the wrong length (64 characters per line, the last 1 to 64)"
            ),
            EncodingProblem::BadKeyText => {
                f.write_str("expected exactly one key line (other lines must start with '#')")
            }
            EncodingProblem::ChecksumMismatch => {
                f.write_str("the checksum does not match: the text was changed or mistyped")
            }
        }
    }
}

impl Error {
    /// The stable snake_case code of this error, the same in every binding.
    ///
    /// ```
    /// use licman_core::Error;
    /// assert_eq!(Error::Truncated.code(), "truncated");
    /// ```
    pub fn code(&self) -> &'static str {
        self.code_of_variant()
    }

    /// Whether this error is about the license's validity at the host (time,
    /// revocation, machine), as opposed to its authenticity or encoding.
    /// Only validity errors can be downgraded to advisories by
    /// [`Policy::Advisory`](crate::Policy::Advisory).
    ///
    /// ```
    /// use licman_core::{Error, KeyId};
    /// assert!(!Error::BadSignature { key_id: KeyId::from_bytes([0; 8]) }.is_validity());
    /// assert!(Error::Revoked { license_id: licman_core::LicenseId::from_bytes([0; 16]), list_serial: 1 }.is_validity());
    /// ```
    pub fn is_validity(&self) -> bool {
        matches!(
            self,
            Error::NotYetValid { .. }
                | Error::Expired { .. }
                | Error::IssuedInFuture { .. }
                | Error::ClockRolledBack { .. }
                | Error::Revoked { .. }
                | Error::MachineMismatch { .. }
        )
    }
}

impl Error {
    /// Whether this validity problem stands whatever the time: revoked, or
    /// bound to other machines. Under [`Policy::Advisory`](crate::Policy::Advisory)
    /// such a license verifies, but the checks that take `now` refuse it.
    ///
    /// ```
    /// use licman_core::{Error, LicenseId, Timestamp};
    /// assert!(Error::Revoked { license_id: LicenseId::from_bytes([0; 16]), list_serial: 1 }.is_standing_problem());
    /// let t = Timestamp::UNIX_EPOCH;
    /// assert!(!Error::ClockRolledBack { now: t, last_seen: t }.is_standing_problem());
    /// ```
    pub fn is_standing_problem(&self) -> bool {
        matches!(self, Error::Revoked { .. } | Error::MachineMismatch { .. })
    }
}

stable_codes! {
    Error {
        TooLarge => "too_large",
        WrongPrefix => "wrong_prefix",
        InvalidEncoding => "invalid_encoding",
        Truncated => "truncated",
        TrailingBytes => "trailing_bytes",
        UnsupportedVersion => "unsupported_version",
        MalformedPayload => "malformed_payload",
        InvalidClaims => "invalid_claims",
        InvalidPublicKey => "invalid_public_key",
        WeakPublicKey => "weak_public_key",
        KeyIdMismatch => "key_id_mismatch",
        UnknownKey => "unknown_key",
        BadSignature => "bad_signature",
        WrongProduct => "wrong_product",
        NotYetValid => "not_yet_valid",
        Expired => "expired",
        IssuedInFuture => "issued_in_future",
        ClockRolledBack => "clock_rolled_back",
        StaleRevocationList => "stale_revocation_list",
        Revoked => "revoked",
        MachineMismatch => "machine_mismatch",
    }
}

impl From<ClaimsError> for Error {
    fn from(e: ClaimsError) -> Self {
        Error::InvalidClaims(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooLarge { len, max } => {
                write!(f, "input is {len} bytes, more than the {max} allowed")
            }
            Error::WrongPrefix { expected } => write!(
                f,
                "not a licman text: expected it to start with '{expected}'"
            ),
            Error::InvalidEncoding { reason } => write!(f, "invalid encoding: {reason}"),
            Error::Truncated => f.write_str("the data is truncated"),
            Error::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the payload")
            }
            Error::UnsupportedVersion { found, supported } => {
                write!(
                    f,
                    "format version {found} is not supported (this library reads version {supported})"
                )
            }
            Error::MalformedPayload { reason } => write!(f, "malformed payload: {reason}"),
            Error::InvalidClaims(e) => write!(f, "invalid claims: {e}"),
            Error::InvalidPublicKey => f.write_str("not a valid Ed25519 public key"),
            Error::WeakPublicKey { key_id } => write!(
                f,
                "public key {key_id} is weak (small order) and is refused"
            ),
            Error::KeyIdMismatch { expected, found } => {
                write!(
                    f,
                    "key id mismatch: the key's id is {expected}, the text says {found}"
                )
            }
            Error::UnknownKey { key_id } => write!(f, "signed by unknown key {key_id}"),
            Error::BadSignature { key_id } => {
                write!(f, "the signature does not verify under key {key_id}")
            }
            Error::WrongProduct { expected, found } => {
                write!(f, "issued for product '{found}', not '{expected}'")
            }
            Error::NotYetValid { now, starts_at } => {
                write!(f, "the license starts at {starts_at}; it is now {now}")
            }
            Error::Expired {
                now,
                expires_at,
                grace_ends_at,
            } => {
                if grace_ends_at > expires_at {
                    write!(
                        f,
                        "the license expired at {expires_at} (grace ended {grace_ends_at}); it is now {now}"
                    )
                } else {
                    write!(f, "the license expired at {expires_at}; it is now {now}")
                }
            }
            Error::IssuedInFuture { now, issued_at } => write!(
                f,
                "the license was issued at {issued_at}, after the host's time {now}: check the system clock"
            ),
            Error::ClockRolledBack { now, last_seen } => write!(
                f,
                "the host's time {now} is before the last time seen, {last_seen}: the clock was turned back"
            ),
            Error::StaleRevocationList {
                serial: 0,
                issued_at: Timestamp::UNIX_EPOCH,
                min_serial,
                issued_not_before,
            } => write!(
                f,
                "no revocation list was given (or only list #0 of 1970), and this host accepts only a recent one (serial {min_serial} or later, issued at {issued_not_before} or later)"
            ),
            Error::StaleRevocationList {
                serial,
                issued_at,
                min_serial,
                issued_not_before,
            } => write!(
                f,
                "revocation list #{serial} issued at {issued_at} is older than this host accepts (serial {min_serial} or later, issued at {issued_not_before} or later)"
            ),
            Error::Revoked {
                license_id,
                list_serial,
            } => {
                write!(
                    f,
                    "license {license_id} is revoked (revocation list #{list_serial})"
                )
            }
            Error::MachineMismatch {
                policy,
                matched,
                required,
            } => write!(
                f,
                "this machine matches {matched} of the bound fingerprints; policy '{policy}' needs {required}"
            ),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::InvalidClaims(e) => Some(e),
            _ => None,
        }
    }
}
