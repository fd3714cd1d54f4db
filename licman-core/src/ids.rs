//! Identifiers: license ids, key ids, module and quota ids, machine
//! fingerprints.

use core::fmt;
use core::str::FromStr;

use sha2::{Digest, Sha256};

/// Why a textual identifier could not be parsed.
///
/// ```
/// use licman_core::{LicenseId, ParseIdError};
/// assert_eq!("not-a-uuid".parse::<LicenseId>(), Err(ParseIdError::InvalidLength { expected: 36, found: 10 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseIdError {
    /// The text has the wrong number of characters.
    InvalidLength {
        /// Characters expected (the hyphenated form for license ids).
        expected: usize,
        /// Characters found.
        found: usize,
    },
    /// A character that is not a hex digit (or a hyphen in the wrong place).
    InvalidCharacter {
        /// Zero-based byte offset of the character.
        position: usize,
    },
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseIdError::InvalidLength { expected, found } => {
                write!(f, "expected {expected} characters, found {found}")
            }
            ParseIdError::InvalidCharacter { position } => {
                write!(f, "invalid character at position {position}")
            }
        }
    }
}

impl core::error::Error for ParseIdError {}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses exactly `2 * N` hex digits.
fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], ParseIdError> {
    let bytes = s.as_bytes();
    if bytes.len() != 2 * N {
        return Err(ParseIdError::InvalidLength {
            expected: 2 * N,
            found: bytes.len(),
        });
    }
    let mut out = [0u8; N];
    for (i, (slot, pair)) in out.iter_mut().zip(bytes.chunks_exact(2)).enumerate() {
        let [hi, lo] = pair else {
            return Err(ParseIdError::InvalidCharacter { position: 2 * i });
        };
        let hi = hex_value(*hi).ok_or(ParseIdError::InvalidCharacter { position: 2 * i })?;
        let lo = hex_value(*lo).ok_or(ParseIdError::InvalidCharacter {
            position: 2 * i + 1,
        })?;
        *slot = (hi << 4) | lo;
    }
    Ok(out)
}

/// The unique id of one license: 16 random bytes, shown as a UUID.
///
/// ```
/// use licman_core::LicenseId;
/// let id: LicenseId = "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap();
/// assert_eq!(id.to_string(), "0f8fad5b-d9cb-469f-a165-70867728950e");
/// assert_eq!(id.as_bytes()[0], 0x0f);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LicenseId([u8; 16]);

impl LicenseId {
    /// The id with exactly these bytes.
    ///
    /// ```
    /// # use licman_core::LicenseId;
    /// assert_eq!(LicenseId::from_bytes([0; 16]).to_string(), "00000000-0000-0000-0000-000000000000");
    /// ```
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        LicenseId(bytes)
    }

    /// A random (version 4) UUID built from 16 bytes the caller drew from a
    /// cryptographic RNG: the version and variant bits are set, the other 122
    /// bits are kept.
    ///
    /// ```
    /// # use licman_core::LicenseId;
    /// let id = LicenseId::from_random_bytes([0xff; 16]);
    /// assert_eq!(id.to_string(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    /// ```
    pub const fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        LicenseId(bytes)
    }

    /// The 16 bytes of the id.
    ///
    /// ```
    /// # use licman_core::LicenseId;
    /// assert_eq!(LicenseId::from_bytes([7; 16]).as_bytes(), &[7; 16]);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write_hex(f, &b[..4])?;
        f.write_str("-")?;
        write_hex(f, &b[4..6])?;
        f.write_str("-")?;
        write_hex(f, &b[6..8])?;
        f.write_str("-")?;
        write_hex(f, &b[8..10])?;
        f.write_str("-")?;
        write_hex(f, &b[10..])
    }
}

impl fmt::Debug for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenseId({self})")
    }
}

impl FromStr for LicenseId {
    type Err = ParseIdError;

    /// Parses the hyphenated UUID form (`8-4-4-4-12` hex digits, either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 36 {
            return Err(ParseIdError::InvalidLength {
                expected: 36,
                found: bytes.len(),
            });
        }
        let mut hex = [0u8; 32];
        let mut n = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let hyphen_here = matches!(i, 8 | 13 | 18 | 23);
            match (hyphen_here, c) {
                (true, b'-') => {}
                (false, c) if hex_value(c).is_some() => {
                    let slot = hex
                        .get_mut(n)
                        .ok_or(ParseIdError::InvalidCharacter { position: i })?;
                    *slot = c;
                    n += 1;
                }
                _ => return Err(ParseIdError::InvalidCharacter { position: i }),
            }
        }
        let hex = core::str::from_utf8(&hex)
            .map_err(|_| ParseIdError::InvalidCharacter { position: 0 })?;
        parse_hex::<16>(hex).map(LicenseId)
    }
}

/// Identifies a signing key: the first 8 bytes of SHA-256 of the Ed25519
/// public key. Shown as 16 lowercase hex digits.
///
/// ```
/// use licman_core::KeyId;
/// let id = KeyId::of_public_key(&[0u8; 32]);
/// assert_eq!(id.to_string().len(), 16);
/// assert_eq!(id.to_string().parse::<KeyId>(), Ok(id));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The key id with exactly these bytes.
    ///
    /// ```
    /// # use licman_core::KeyId;
    /// assert_eq!(KeyId::from_bytes([0xab; 8]).to_string(), "abababababababab");
    /// ```
    pub const fn from_bytes(bytes: [u8; 8]) -> Self {
        KeyId(bytes)
    }

    /// The key id of a 32-byte Ed25519 public key.
    ///
    /// ```
    /// # use licman_core::KeyId;
    /// let a = KeyId::of_public_key(&[1u8; 32]);
    /// let b = KeyId::of_public_key(&[2u8; 32]);
    /// assert_ne!(a, b);
    /// ```
    pub fn of_public_key(public_key: &[u8; 32]) -> Self {
        let digest = Sha256::digest(public_key);
        let mut id = [0u8; 8];
        for (slot, byte) in id.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
        KeyId(id)
    }

    /// The 8 bytes of the id.
    ///
    /// ```
    /// # use licman_core::KeyId;
    /// assert_eq!(KeyId::from_bytes([3; 8]).as_bytes(), &[3; 8]);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = ParseIdError;

    /// Parses 16 hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex::<8>(s).map(KeyId)
    }
}

/// The stable numeric id of a module in the product catalog (0–255).
///
/// Like a protobuf field number, an id is never reused for another module,
/// even after the module is retired.
///
/// ```
/// use licman_core::ModuleId;
/// assert_eq!(ModuleId(7).to_string(), "7");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId(pub u8);

impl fmt::Display for ModuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The stable numeric id of a quota in the product catalog (0–255), never
/// reused.
///
/// ```
/// use licman_core::QuotaId;
/// assert_eq!(QuotaId(1).to_string(), "1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuotaId(pub u8);

impl fmt::Display for QuotaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A machine fingerprint: the SHA-256 of whatever identifies a machine for
/// the vendor (a hardware id, a hostname, a cloud instance id). Shown as 64
/// lowercase hex digits.
///
/// ```
/// use licman_core::Fingerprint;
/// let fp = Fingerprint::digest(b"machine-1234");
/// // The same value `printf machine-1234 | sha256sum` prints:
/// assert_eq!(fp.to_string().len(), 64);
/// assert_eq!(fp.to_string().parse::<Fingerprint>(), Ok(fp));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint with exactly these bytes (an already computed SHA-256).
    ///
    /// ```
    /// # use licman_core::Fingerprint;
    /// assert_eq!(Fingerprint::from_bytes([0; 32]).as_bytes(), &[0; 32]);
    /// ```
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Fingerprint(bytes)
    }

    /// SHA-256 of a machine identifier.
    ///
    /// ```
    /// # use licman_core::Fingerprint;
    /// assert_eq!(
    ///     Fingerprint::digest(b"").to_string(),
    ///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// );
    /// ```
    pub fn digest(machine_id: &[u8]) -> Self {
        let digest = Sha256::digest(machine_id);
        let mut out = [0u8; 32];
        for (slot, byte) in out.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
        Fingerprint(out)
    }

    /// The fingerprint of a machine for a product: the machine fingerprint
    /// recipe, version 1 (docs/FORMAT.md, "Machine fingerprints").
    ///
    /// `machine_id` is the operating system's own id of the machine (Linux
    /// `/etc/machine-id`, macOS `IOPlatformUUID`, Windows `MachineGuid`),
    /// normalised: surrounding whitespace trimmed, `-`, `{` and `}`
    /// removed, ASCII letters lowercased; what is left must be 8 to 128
    /// visible ASCII characters. The fingerprint is the SHA-256 of the
    /// domain `licman machine fingerprint v1`, a zero byte, then the
    /// product id and the normalised id, each after its length (4 bytes,
    /// big-endian): so one machine gives each product (each vendor) a
    /// different fingerprint, and the raw machine id never leaves it.
    ///
    /// ```
    /// # use licman_core::Fingerprint;
    /// let a = Fingerprint::of_machine("netaudit", "5f3c6a0e-9a6b-4d0e-8a5b-1c2d3e4f5a6b")?;
    /// // The same machine, spelled another way: the same fingerprint.
    /// assert_eq!(a, Fingerprint::of_machine("netaudit", " {5F3C6A0E9A6B4D0E8A5B1C2D3E4F5A6B}\n")?);
    /// // Another product: another fingerprint.
    /// assert_ne!(a, Fingerprint::of_machine("netmonitor", "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b")?);
    /// assert!(Fingerprint::of_machine("netaudit", " - ").is_err());
    /// # Ok::<(), licman_core::InvalidMachineId>(())
    /// ```
    pub fn of_machine(product: &str, machine_id: &str) -> Result<Self, InvalidMachineId> {
        if product.is_empty() {
            return Err(InvalidMachineId::NoProduct);
        }
        let normal: alloc::string::String = machine_id
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '{' | '}'))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if !normal.chars().all(|c| c.is_ascii_graphic()) {
            return Err(InvalidMachineId::NotVisibleAscii);
        }
        if !(8..=128).contains(&normal.len()) {
            return Err(InvalidMachineId::Length { len: normal.len() });
        }
        let mut hash = Sha256::new();
        hash.update(b"licman machine fingerprint v1\0");
        for part in [product.as_bytes(), normal.as_bytes()] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            hash.update(len.to_be_bytes());
            hash.update(part);
        }
        let digest = hash.finalize();
        let mut out = [0u8; 32];
        for (slot, byte) in out.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
        Ok(Fingerprint(out))
    }

    /// The 32 bytes of the fingerprint.
    ///
    /// ```
    /// # use licman_core::Fingerprint;
    /// assert_eq!(Fingerprint::from_bytes([9; 32]).as_bytes()[31], 9);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl Fingerprint {
    /// Parses a list of fingerprints (64 hex digits each, surrounding
    /// whitespace ignored), as hosts and tools take them from the command
    /// line or a binding; the error says which one is wrong and why.
    ///
    /// ```
    /// use licman_core::{Fingerprint, InvalidFingerprint, ParseIdError};
    /// let good = "ab".repeat(32);
    /// assert_eq!(Fingerprint::parse_list([good.as_str()]).unwrap().len(), 1);
    /// let err = Fingerprint::parse_list([good.as_str(), "xyz"]).unwrap_err();
    /// assert_eq!(err.position, 1);
    /// assert_eq!(err.to_string(), "fingerprint 2 of 2: expected 64 characters, found 3");
    /// ```
    pub fn parse_list<'a>(
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<alloc::vec::Vec<Fingerprint>, InvalidFingerprint> {
        let texts: alloc::vec::Vec<&str> = texts.into_iter().collect();
        let count = texts.len();
        texts
            .iter()
            .enumerate()
            .map(|(position, text)| {
                text.trim().parse().map_err(|error| InvalidFingerprint {
                    position,
                    count,
                    error,
                })
            })
            .collect()
    }
}

/// A fingerprint in a list that does not parse.
///
/// ```
/// # use licman_core::Fingerprint;
/// assert!(Fingerprint::parse_list(["0"]).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidFingerprint {
    /// Its zero-based position in the list.
    pub position: usize,
    /// The length of the list.
    pub count: usize,
    /// What is wrong with it.
    pub error: ParseIdError,
}

impl fmt::Display for InvalidFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fingerprint {} of {}: {}",
            self.position + 1,
            self.count,
            self.error
        )
    }
}

impl core::error::Error for InvalidFingerprint {}

impl FromStr for Fingerprint {
    type Err = ParseIdError;

    /// Parses 64 hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex::<32>(s).map(Fingerprint)
    }
}

macro_rules! serialize_as_text {
    ($($ty:ty),*) => {$(
        impl serde::Serialize for $ty {
            /// The text form (as `Display`).
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )*};
}
serialize_as_text!(LicenseId, KeyId, Fingerprint);

impl serde::Serialize for ModuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

impl serde::Serialize for QuotaId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

/// Why a machine id makes no fingerprint ([`Fingerprint::of_machine`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidMachineId {
    /// The product id is empty.
    NoProduct,
    /// The normalised id is not 8 to 128 characters long.
    Length {
        /// Its length.
        len: usize,
    },
    /// The normalised id has a character that is not visible ASCII.
    NotVisibleAscii,
}

impl core::fmt::Display for InvalidMachineId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InvalidMachineId::NoProduct => {
                f.write_str("no product id to salt the machine fingerprint with")
            }
            InvalidMachineId::Length { len } => {
                write!(
                    f,
                    "the machine id is {len} characters once normalised; 8 to 128 are needed"
                )
            }
            InvalidMachineId::NotVisibleAscii => {
                f.write_str("the machine id has characters other than visible ASCII")
            }
        }
    }
}

impl core::error::Error for InvalidMachineId {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn uuid_text_round_trip_and_errors() {
        let id = LicenseId::from_random_bytes([0x5a; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<LicenseId>(), Ok(id));
        assert_eq!(text.to_uppercase().parse::<LicenseId>(), Ok(id));
        assert_eq!(
            "0f8fad5bd9cb469fa16570867728950e".parse::<LicenseId>(),
            Err(ParseIdError::InvalidLength {
                expected: 36,
                found: 32
            })
        );
        assert_eq!(
            "0f8fad5b-d9cb-469f-a165-70867728950g".parse::<LicenseId>(),
            Err(ParseIdError::InvalidCharacter { position: 35 })
        );
        assert_eq!(
            "0f8fad5b+d9cb-469f-a165-70867728950e".parse::<LicenseId>(),
            Err(ParseIdError::InvalidCharacter { position: 8 })
        );
        assert_eq!(
            "0f8fad5b-d9cb-469f-a165-7086772895-e".parse::<LicenseId>(),
            Err(ParseIdError::InvalidCharacter { position: 34 })
        );
    }

    #[test]
    fn random_ids_are_version_4() {
        let id = LicenseId::from_random_bytes([0; 16]);
        assert_eq!(id.to_string(), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn hex_ids_reject_bad_text() {
        assert!("abc".parse::<KeyId>().is_err());
        assert!("zzzzzzzzzzzzzzzz".parse::<KeyId>().is_err());
        assert!("é".repeat(8).parse::<KeyId>().is_err());
        assert!("00".repeat(32).parse::<Fingerprint>().is_ok());
    }
}

#[cfg(test)]
mod machine_fingerprint_tests {
    use super::*;

    /// The recipe's fixed inputs and outputs (every binding checks the same
    /// pairs: testdata/machine-fingerprints.json).
    #[test]
    fn the_recipe_gives_these_fingerprints() {
        let cases = [
            ("netaudit", "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b"),
            ("netaudit", "{5F3C6A0E-9A6B-4D0E-8A5B-1C2D3E4F5A6B}"),
            ("netmonitor", "5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b"),
        ];
        let fps: alloc::vec::Vec<Fingerprint> = cases
            .iter()
            .map(|(p, m)| Fingerprint::of_machine(p, m).unwrap())
            .collect();
        assert_eq!(fps[0], fps[1]);
        assert_ne!(fps[0], fps[2]);
        // Not the plain SHA-256 of the id: the product salts it.
        assert_ne!(
            fps[0],
            Fingerprint::digest(b"5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b")
        );
        assert_eq!(
            Fingerprint::of_machine("p", "short"),
            Err(InvalidMachineId::Length { len: 5 })
        );
        assert_eq!(
            Fingerprint::of_machine("p", "abcdefgh\u{e9}"),
            Err(InvalidMachineId::NotVisibleAscii)
        );
        assert_eq!(
            Fingerprint::of_machine("", "abcdefgh"),
            Err(InvalidMachineId::NoProduct)
        );
        assert!(Fingerprint::of_machine("p", &"a".repeat(129)).is_err());
    }
}
