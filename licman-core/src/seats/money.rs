//! Money: integer minor units of an ISO 4217 currency, never floats.

use alloc::string::String;
use core::fmt;

/// An ISO 4217 currency code (`USD`, `EUR`, `JPY`), with its minor unit.
///
/// ```
/// use licman_core::seats::Currency;
/// let yen: Currency = "JPY".parse().unwrap();
/// assert_eq!(yen.minor_digits(), 0);
/// assert_eq!(Currency::USD.minor_digits(), 2);
/// assert!("usd".parse::<Currency>().is_err());
/// assert!("XYZ".parse::<Currency>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// Active ISO 4217 codes and their minor-unit digits, sorted by code.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

impl Currency {
    /// US dollars, the default currency.
    pub const USD: Currency = Currency(*b"USD");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Built only from a table entry, which is ASCII.
        core::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY, 3 for KWD).
    pub fn minor_digits(&self) -> u8 {
        CURRENCIES
            .binary_search_by(|(code, _)| code.as_bytes().cmp(&self.0[..]))
            .map(|i| CURRENCIES[i].1)
            .unwrap_or(2)
    }

    /// Every code the engine knows, sorted.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        CURRENCIES.iter().map(|(code, _)| *code)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

/// A text that is not an ISO 4217 code the engine knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCurrency(pub String);

impl fmt::Display for UnknownCurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown currency {:?}: expected an ISO 4217 code such as USD",
            self.0
        )
    }
}

impl core::error::Error for UnknownCurrency {}

impl core::str::FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(text: &str) -> Result<Self, UnknownCurrency> {
        match CURRENCIES.binary_search_by(|(code, _)| (*code).cmp(text)) {
            Ok(i) => {
                let b = CURRENCIES[i].0.as_bytes();
                Ok(Currency([b[0], b[1], b[2]]))
            }
            Err(_) => Err(UnknownCurrency(text.into())),
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An amount in whole minor units (cents for USD, yen for JPY) of one
/// currency. Amounts of different currencies are never added together.
///
/// ```
/// use licman_core::seats::{Currency, Money};
/// let price = Money::parse("12.50", Currency::USD).unwrap();
/// assert_eq!(price.minor_units(), 1250);
/// assert_eq!(price.to_string(), "12.50");
/// let yen = Money::parse("1200", "JPY".parse().unwrap()).unwrap();
/// assert_eq!(yen.to_string(), "1200");
/// assert!(Money::parse("12.505", Currency::USD).is_err());
/// assert!(Money::parse("-1", Currency::USD).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money {
    minor: u128,
    currency: Currency,
}

/// Why a decimal text is not an amount of a currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// Not digits with at most one decimal point (`12.50`).
    Malformed,
    /// More fraction digits than the currency's minor unit has.
    TooPrecise {
        /// The currency's minor-unit digits.
        digits: u8,
    },
    /// Larger than the engine keeps.
    TooLarge,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Malformed => {
                f.write_str("an amount is digits with an optional decimal point, such as 12.50")
            }
            MoneyError::TooPrecise { digits } => write!(
                f,
                "the currency has {digits} digits after the decimal point"
            ),
            MoneyError::TooLarge => f.write_str("the amount is too large"),
        }
    }
}

impl core::error::Error for MoneyError {}

impl Money {
    /// `minor` minor units of `currency`.
    pub const fn new(minor: u128, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// The amount in minor units.
    pub fn minor_units(&self) -> u128 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Parses a decimal string in the currency's precision (`12.5` and
    /// `12.50` are both 1250 cents; `12.505` is refused).
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::Malformed);
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > usize::from(digits) {
            return Err(MoneyError::TooPrecise { digits });
        }
        let mut minor: u128 = 0;
        let padding = usize::from(digits) - fraction.len();
        for b in whole
            .bytes()
            .chain(fraction.bytes())
            .chain(core::iter::repeat_n(b'0', padding))
        {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(b - b'0')))
                .ok_or(MoneyError::TooLarge)?;
        }
        Ok(Money { minor, currency })
    }

    /// `self + other`, or `None` on overflow or mixed currencies.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money {
            minor: self.minor.checked_add(other.minor)?,
            currency: self.currency,
        })
    }

    /// `self × count`, or `None` on overflow.
    pub fn checked_mul(self, count: u64) -> Option<Money> {
        Some(Money {
            minor: self.minor.checked_mul(u128::from(count))?,
            currency: self.currency,
        })
    }

    /// `self / divisor` rounded half to even, to the minor unit.
    ///
    /// ```
    /// use licman_core::seats::{Currency, Money};
    /// let m = |c| Money::new(c, Currency::USD);
    /// let twelve = core::num::NonZeroU128::new(12).unwrap();
    /// assert_eq!(m(1000).div_half_even(twelve), m(83)); // 83.33…
    /// assert_eq!(m(30).div_half_even(twelve), m(2)); // 2.5 → 2
    /// assert_eq!(m(42).div_half_even(twelve), m(4)); // 3.5 → 4
    /// // No overflow at the extremes.
    /// let max = core::num::NonZeroU128::MAX;
    /// assert_eq!(m(u128::MAX).div_half_even(max), m(1));
    /// assert_eq!(m(u128::MAX - 1).div_half_even(max), m(1));
    /// ```
    pub fn div_half_even(self, divisor: core::num::NonZeroU128) -> Money {
        let divisor = divisor.get();
        let q = self.minor / divisor;
        let r = self.minor % divisor;
        // Compare r with divisor − r rather than 2r with divisor: no overflow.
        let rest = divisor - r;
        let round_up = r > rest || (r == rest && q % 2 == 1);
        Money {
            minor: q + u128::from(round_up),
            currency: self.currency,
        }
    }
}

impl fmt::Display for Money {
    /// The decimal amount without the currency (`12.50`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = u32::from(self.currency.minor_digits());
        if digits == 0 {
            return write!(f, "{}", self.minor);
        }
        let scale = 10u128.pow(digits);
        write!(
            f,
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = digits as usize
        )
    }
}

impl serde::Serialize for Money {
    /// `{"amount": "12.50", "currency": "USD"}` in human-readable formats;
    /// `{minor, currency}` in binary ones.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if serializer.is_human_readable() {
            let mut s = serializer.serialize_struct("Money", 2)?;
            s.serialize_field("amount", &alloc::format!("{self}"))?;
            s.serialize_field("currency", &self.currency)?;
            s.end()
        } else {
            let mut s = serializer.serialize_struct("Money", 2)?;
            s.serialize_field("minor", &self.minor)?;
            s.serialize_field("currency", &self.currency)?;
            s.end()
        }
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    /// The forms [`Money`]'s `Serialize` writes.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Text {
            amount: String,
            currency: Currency,
        }
        #[derive(serde::Deserialize)]
        struct Binary {
            minor: u128,
            currency: Currency,
        }
        if deserializer.is_human_readable() {
            let t = Text::deserialize(deserializer)?;
            Money::parse(&t.amount, t.currency).map_err(serde::de::Error::custom)
        } else {
            let b = Binary::deserialize(deserializer)?;
            Ok(Money {
                minor: b.minor,
                currency: b.currency,
            })
        }
    }
}
