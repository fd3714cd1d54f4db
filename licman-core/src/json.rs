//! JSON without serde_json: a strict pull reader (the catalog's JSON form
//! reads through it) and a writer for any `serde::Serialize` value (denial
//! bodies, claims, license changes): [`to_string`].
//!
//! Both exist so that the WebAssembly module carries neither serde_json's
//! generic deserializer nor its float formatting (56 KB of the
//! module): nothing licman writes or reads as JSON holds a float. The
//! reader follows RFC 8259 strictly: no comments, no trailing commas, no
//! leading zeros, no byte-order mark, no control characters or lone
//! surrogates in strings, nothing after the value. The writer produces the
//! same bytes as `serde_json::to_string` (a property test holds them equal).
//!
//! ```
//! use licman_core::{json, Catalog, Denial};
//! // Catalogs read through the strict reader…
//! let catalog = Catalog::from_json(r#"{"product": "p", "display_name": "P"}"#)?;
//! assert!(Catalog::from_json(r#"{"product": "p", "display_name": "P",}"#).is_err());
//! // …and bodies, claims and changes are written with `to_string`.
//! assert_eq!(json::to_string(catalog.product())?, r#""p""#);
//! assert!(Denial::NoLicense.body_json().starts_with(r#"{"error":"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

/// A reading error: where (a byte offset into the text) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong, for people.
    pub message: String,
}

/// A pull reader over one JSON text: the caller says what it expects next
/// (an object, a string, an integer…) and the reader checks it.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    key_at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            key_at: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes().get(self.pos).copied()
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<String>) -> JsonError {
        self.error_at(self.pos, message)
    }

    /// An error at `offset`.
    pub(crate) fn error_at(&self, offset: usize, message: impl Into<String>) -> JsonError {
        JsonError {
            offset,
            message: message.into(),
        }
    }

    /// An error about the key [`object`](Self::object) handed over last.
    pub(crate) fn key_error(&self, message: impl Into<String>) -> JsonError {
        self.error_at(self.key_at, message)
    }

    /// What the next value is, for an error message.
    fn found(&mut self) -> &'static str {
        match self.peek() {
            None => "the end of the text",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b'-' | b'0'..=b'9') => "a number",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(_) => "an unexpected character",
        }
    }

    /// The error for a value of another type than `expected`.
    pub(crate) fn type_error(&mut self, expected: &str) -> JsonError {
        let found = self.found();
        self.error(["expected ", expected, ", found ", found].concat())
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str) -> bool {
        self.skip_space();
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// Consumes a `null` if one comes next.
    pub(crate) fn null(&mut self) -> bool {
        self.literal("null")
    }

    /// Reads an object, calling `member` with each key; `member` must read
    /// the key's value. Keys are handed over in order; the caller refuses
    /// the ones it does not know and the ones given twice.
    /// (`dyn`: one copy of the loop serves every caller.)
    pub(crate) fn object(
        &mut self,
        member: &mut dyn FnMut(&mut Self, String) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        if !self.eat(b'{') {
            return Err(self.type_error("an object"));
        }
        if self.eat(b'}') {
            return Ok(());
        }
        loop {
            self.skip_space();
            self.key_at = self.pos;
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key (a string)"));
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return Err(self.error("expected `:` after the key"));
            }
            member(self, key)?;
            if self.eat(b'}') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    /// Reads an array, calling `item` for each element; `item` must read it.
    pub(crate) fn array(
        &mut self,
        item: &mut dyn FnMut(&mut Self) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        if !self.eat(b'[') {
            return Err(self.type_error("an array"));
        }
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            item(self)?;
            if self.eat(b']') {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    /// Reads a string.
    pub(crate) fn string(&mut self) -> Result<String, JsonError> {
        if !self.eat(b'"') {
            return Err(self.type_error("a string"));
        }
        let mut out = String::new();
        loop {
            let start = self.pos;
            // Runs of plain characters are copied whole. `"` and `\` are
            // ASCII, so the run ends on a character boundary.
            while let Some(&b) = self.bytes().get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.bytes().get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                Some(_) => {
                    return Err(self.error("control character in a string (escape it)"));
                }
            }
        }
    }

    /// The character of the escape after a `\`.
    fn escape(&mut self) -> Result<char, JsonError> {
        let at = self.pos - 1;
        let Some(&b) = self.bytes().get(self.pos) else {
            return Err(self.error("unterminated string"));
        };
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                if (0xDC00..0xE000).contains(&first) {
                    return Err(self.error_at(at, "lone trailing surrogate in a \\u escape"));
                }
                let code = if (0xD800..0xDC00).contains(&first) {
                    if !self.text[self.pos..].starts_with("\\u") {
                        return Err(self.error_at(at, "lone leading surrogate in a \\u escape"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.error_at(at, "lone leading surrogate in a \\u escape"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                // Surrogates are handled above, so every code is a char.
                char::from_u32(code).ok_or_else(|| self.error_at(at, "invalid \\u escape"))?
            }
            _ => return Err(self.error_at(at, "invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .bytes()
                .get(self.pos)
                .and_then(|&b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// Reads a non-negative integer of at most `max`; `expected` names it
    /// in errors (`"a module id (0–255)"`). A number with a fraction or an
    /// exponent is not an integer here; `-0` is 0.
    pub(crate) fn integer(&mut self, max: u64, expected: &str) -> Result<u64, JsonError> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.type_error(expected));
        }
        let start = self.pos;
        let negative = self.bytes()[start] == b'-';
        if negative {
            self.pos += 1;
        }
        let digits = self.pos;
        while let Some(b'0'..=b'9') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
        let integral = &self.text[digits..self.pos];
        if integral.is_empty() || (integral.len() > 1 && integral.starts_with('0')) {
            return Err(self.error_at(start, "invalid number"));
        }
        let mut fractional = false;
        if self.bytes().get(self.pos) == Some(&b'.') {
            self.pos += 1;
            fractional = true;
            if !self.digits() {
                return Err(self.error_at(start, "invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes().get(self.pos) {
            self.pos += 1;
            fractional = true;
            if let Some(b'+' | b'-') = self.bytes().get(self.pos) {
                self.pos += 1;
            }
            if !self.digits() {
                return Err(self.error_at(start, "invalid number"));
            }
        }
        let out_of_range = || {
            let number = &self.text[start..self.pos];
            ["expected ", expected, ", found ", number].concat()
        };
        if fractional {
            return Err(self.error_at(start, out_of_range()));
        }
        let value: u64 = integral
            .parse()
            .map_err(|_| self.error_at(start, out_of_range()))?;
        if (negative && value != 0) || value > max {
            return Err(self.error_at(start, out_of_range()));
        }
        Ok(value)
    }

    fn digits(&mut self) -> bool {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Checks that nothing but white space follows the value.
    pub(crate) fn end(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters after the value")),
        }
    }
}

/// The one-based line and column (in characters) of byte `offset` of
/// `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The index of an object's `key` in `fields`, marked in `seen`: refuses
/// a key that is none of them and one given twice.
pub(crate) fn field_index(
    r: &Reader<'_>,
    key: &str,
    fields: &[&str],
    seen: &mut u32,
) -> Result<usize, JsonError> {
    let Some(index) = fields.iter().position(|f| *f == key) else {
        let mut message = ["unknown field `", key, "`, expected one of: "].concat();
        message.push_str(&fields.join(", "));
        return Err(r.key_error(message));
    };
    if *seen & (1 << index) != 0 {
        return Err(r.key_error(["duplicate field `", key, "`"].concat()));
    }
    *seen |= 1 << index;
    Ok(index)
}

/// Checks that an object whose fields are `seen` had the first `required`
/// of `fields`; the error points at the object's end.
pub(crate) fn required_fields(
    r: &Reader<'_>,
    fields: &[&str],
    seen: u32,
    required: usize,
) -> Result<(), JsonError> {
    match (0..required).find(|i| seen & (1 << i) == 0) {
        None => Ok(()),
        Some(i) => Err(r.error_at(
            r.offset(),
            ["missing field `", fields.get(i).copied().unwrap_or(""), "`"].concat(),
        )),
    }
}

impl Reader<'_> {
    /// Whether the next value is a string (after white space; nothing is
    /// consumed).
    pub(crate) fn string_next(&mut self) -> bool {
        self.peek() == Some(b'"')
    }

    /// The offset just after the last value read (for a missing field: the
    /// end of its object).
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    /// Reads an array of strings.
    pub(crate) fn strings(&mut self) -> Result<Vec<String>, JsonError> {
        let mut out = Vec::new();
        self.array(&mut |r| {
            out.push(r.string()?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Reads a string or `null`.
    pub(crate) fn optional_string(&mut self) -> Result<Option<String>, JsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }
}

// ------------------------------------------------------------------ writer

/// Writes `value` as compact JSON: the bytes `serde_json::to_string`
/// writes. Fails only for what licman never serializes (floats, bytes,
/// map keys that are not strings or integers, tuple and struct enum variants).
/// The bindings write claims and license changes with it.
///
/// ```
/// use licman_core::{Denial, json};
/// use std::collections::BTreeMap;
/// let map = BTreeMap::from([("seats", Some(5u64)), ("storage", None)]);
/// assert_eq!(json::to_string(&map)?, r#"{"seats":5,"storage":null}"#);
/// assert_eq!(json::to_string(&Denial::NoLicense)?, Denial::NoLicense.body_json());
/// assert!(json::to_string(&1.5).is_err());
/// # Ok::<(), json::WriteError>(())
/// ```
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, WriteError> {
    let mut out = String::new();
    value.serialize(Writer { out: &mut out })?;
    Ok(out)
}

/// A value [`to_string`] does not write (a float, for example).
///
/// ```
/// let err = licman_core::json::to_string(&[0.5f32]).unwrap_err();
/// assert_eq!(err.to_string(), "licman's JSON writer does not write floats");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteError(String);

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for WriteError {}

impl serde::ser::Error for WriteError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        WriteError(message.to_string())
    }
}

fn unsupported(what: &str) -> WriteError {
    WriteError(["licman's JSON writer does not write ", what].concat())
}

/// Writes `s` as a JSON string, escaped as serde_json escapes.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

struct Writer<'o> {
    out: &'o mut String,
}

/// An array or object being written: whether a comma comes before the
/// next element.
struct Compound<'o> {
    out: &'o mut String,
    first: bool,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }
}

macro_rules! write_integer {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), WriteError> {
            // Writing into a String cannot fail.
            let _ = write!(self.out, "{v}");
            Ok(())
        })*
    };
}

impl<'o> serde::Serializer for Writer<'o> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Compound<'o>;
    type SerializeTuple = Compound<'o>;
    type SerializeTupleStruct = Compound<'o>;
    type SerializeTupleVariant = serde::ser::Impossible<(), WriteError>;
    type SerializeMap = Compound<'o>;
    type SerializeStruct = Compound<'o>;
    type SerializeStructVariant = serde::ser::Impossible<(), WriteError>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    write_integer!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64
    );

    fn serialize_f32(self, _: f32) -> Result<(), WriteError> {
        Err(unsupported("floats"))
    }

    fn serialize_f64(self, _: f64) -> Result<(), WriteError> {
        Err(unsupported("floats"))
    }

    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), WriteError> {
        Err(unsupported("bytes"))
    }

    fn serialize_none(self) -> Result<(), WriteError> {
        self.serialize_unit()
    }

    fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), WriteError> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WriteError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push(':');
        value.serialize(Writer { out: self.out })?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'o>, WriteError> {
        self.out.push('[');
        Ok(Compound {
            out: self.out,
            first: true,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'o>, WriteError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'o>, WriteError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WriteError> {
        Err(unsupported("tuple variants"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'o>, WriteError> {
        self.out.push('{');
        Ok(Compound {
            out: self.out,
            first: true,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'o>, WriteError> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WriteError> {
        Err(unsupported("struct variants"))
    }
}

impl serde::ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = WriteError;

    fn serialize_element<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), WriteError> {
        self.comma();
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), WriteError> {
        self.out.push(']');
        Ok(())
    }
}

impl serde::ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = WriteError;

    fn serialize_element<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), WriteError> {
        serde::ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), WriteError> {
        serde::ser::SerializeSeq::end(self)
    }
}

impl serde::ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = WriteError;

    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), WriteError> {
        serde::ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), WriteError> {
        serde::ser::SerializeSeq::end(self)
    }
}

impl serde::ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = WriteError;

    fn serialize_key<T: serde::Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.comma();
        key.serialize(KeyWriter { out: self.out })?;
        self.out.push(':');
        Ok(())
    }

    fn serialize_value<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), WriteError> {
        self.out.push('}');
        Ok(())
    }
}

impl serde::ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = WriteError;

    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        self.comma();
        write_str(self.out, key);
        self.out.push(':');
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), WriteError> {
        serde::ser::SerializeMap::end(self)
    }
}

/// Writes a map key: a string as itself, an integer in quotes (as
/// serde_json does).
struct KeyWriter<'o> {
    out: &'o mut String,
}

macro_rules! write_integer_key {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), WriteError> {
            // Writing into a String cannot fail.
            let _ = write!(self.out, "\"{v}\"");
            Ok(())
        })*
    };
}

macro_rules! refuse_key {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, WriteError> {
            Err(unsupported("map keys that are not strings or integers"))
        })*
    };
}

impl serde::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = serde::ser::Impossible<(), WriteError>;
    type SerializeTuple = serde::ser::Impossible<(), WriteError>;
    type SerializeTupleStruct = serde::ser::Impossible<(), WriteError>;
    type SerializeTupleVariant = serde::ser::Impossible<(), WriteError>;
    type SerializeMap = serde::ser::Impossible<(), WriteError>;
    type SerializeStruct = serde::ser::Impossible<(), WriteError>;
    type SerializeStructVariant = serde::ser::Impossible<(), WriteError>;

    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        value.serialize(self)
    }

    write_integer_key!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64
    );

    refuse_key! {
        serialize_bool(bool) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: serde::Serialize + ?Sized>(self, _: &T) -> Result<(), WriteError> {
        Err(unsupported("map keys that are not strings or integers"))
    }

    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), WriteError> {
        Err(unsupported("map keys that are not strings or integers"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec;
    use proptest::prelude::*;

    fn read_strings(text: &str) -> Result<Vec<String>, JsonError> {
        let mut r = Reader::new(text);
        let out = r.strings()?;
        r.end()?;
        Ok(out)
    }

    #[test]
    fn strings_read_with_every_escape_and_refuse_what_json_refuses() {
        assert_eq!(
            read_strings(r#" [ "a\"b\\c\/d\b\f\n\r\t", "\u00e9\ud83d\ude00", "é😀" ] "#).unwrap(),
            ["a\"b\\c/d\u{8}\u{c}\n\r\t", "é😀", "é😀"]
        );
        for bad in [
            "[\"a\u{1}\"]",        // a raw control character
            r#"["\x"]"#,           // an unknown escape
            r#"["\u12"]"#,         // a short \u
            r#"["\ud83d"]"#,       // a lone leading surrogate
            r#"["\ud83dx"]"#,      // the same, something after it
            r#"["\ud83d\u0041"]"#, // a leading surrogate and no trailing one
            r#"["\ude00"]"#,       // a lone trailing surrogate
            r#"["a"#,              // unterminated
            r#"["a",]"#,           // a trailing comma
            r#"["a"] x"#,          // trailing characters
            "\u{feff}[]",          // a byte-order mark
            r#"['a']"#,
            "",
        ] {
            assert!(read_strings(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn integers_are_json_numbers_without_fraction_or_exponent_within_the_limit() {
        let read = |text: &str| {
            let mut r = Reader::new(text);
            let v = r.integer(255, "an id (0–255)")?;
            r.end().map(|()| v)
        };
        assert_eq!(read("0"), Ok(0));
        assert_eq!(read(" 255 "), Ok(255));
        assert_eq!(read("-0"), Ok(0));
        for bad in [
            "256",
            "-1",
            "01",
            "1.0",
            "1e2",
            "1.",
            "-",
            "+1",
            "0x10",
            "\"1\"",
            "null",
            "1 2",
            "99999999999999999999999",
        ] {
            assert!(read(bad).is_err(), "{bad:?} was accepted");
        }
        let err = read("1.5").unwrap_err();
        assert_eq!(err.message, "expected an id (0–255), found 1.5");
        assert_eq!(
            read("[1]").unwrap_err().message,
            "expected an id (0–255), found an array"
        );
    }

    #[test]
    fn errors_point_at_their_line_and_column() {
        let text = "[\n  \"a\",\n  1\n]";
        let err = read_strings(text).unwrap_err();
        assert_eq!(line_column(text, err.offset), (3, 3));
        assert_eq!(err.message, "expected a string, found a number");
    }

    #[test]
    fn the_writer_escapes_as_serde_json_does() {
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain(['é', '\u{2028}', '😀'])
            .collect();
        assert_eq!(
            to_string(&all).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
        assert!(to_string(&1.5f64).is_err());
        let map = BTreeMap::from([(1u8, vec![Some("x"), None]), (2, vec![])]);
        assert_eq!(
            to_string(&map).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
    }

    proptest! {
        #[test]
        fn the_writer_writes_serde_json_s_bytes(
            map in proptest::collection::btree_map(".*", proptest::collection::vec((any::<u64>(), any::<i64>(), any::<bool>(), proptest::option::of(".*")), 0..4), 0..4)
        ) {
            prop_assert_eq!(to_string(&map).unwrap(), serde_json::to_string(&map).unwrap());
        }

        #[test]
        fn strings_serde_json_writes_read_back(items in proptest::collection::vec(any::<String>(), 0..5)) {
            let text = serde_json::to_string(&items).unwrap();
            prop_assert_eq!(read_strings(&text).unwrap(), items.clone());
            let pretty = serde_json::to_string_pretty(&items).unwrap();
            prop_assert_eq!(read_strings(&pretty).unwrap(), items);
        }

        #[test]
        fn the_reader_accepts_a_string_array_exactly_when_serde_json_does(text in "[\\[\\]\"\\\\ ,a-z0-9u{}\\-.]{0,24}") {
            let ours = read_strings(&text).ok();
            let theirs = serde_json::from_str::<Vec<String>>(&text).ok();
            prop_assert_eq!(ours, theirs);
        }
    }
}
