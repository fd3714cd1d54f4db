//! Lower-case hex, the one way this crate writes hashes, ids and tokens
//! (key material has its own zeroizing writer in [`crate::secrets`]).

/// `bytes` as lower-case hex.
///
/// ```
/// assert_eq!(licman_seats::hex::encode(&[0x0a, 0xff]), "0aff");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// 64 hex digits (either case) as 32 bytes; anything else is `None`.
///
/// ```
/// let h = "00".repeat(31) + "Ff";
/// assert_eq!(licman_seats::hex::decode32(&h).map(|b| b[31]), Some(255));
/// assert!(licman_seats::hex::decode32("abc").is_none());
/// assert!(licman_seats::hex::decode32(&"zz".repeat(32)).is_none());
/// ```
pub fn decode32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
