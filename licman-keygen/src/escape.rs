//! Untrusted text made safe to show: on a terminal (control characters and
//! bidirectional overrides escaped), in JSON (the same characters as `\u`
//! escapes), and in CSV cells a spreadsheet opens (formula prefixes quoted).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters a terminal may act on, or that reorder what is shown: C0
/// controls, DEL, C1 controls, and the bidirectional marks, embeddings,
/// overrides and isolates.
fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `text` for a terminal: each control character or bidirectional control
/// written as `\x1b` (below U+0080) or `\u{202e}`, and a backslash as `\\`
/// (so an escape in the output always means one in the text). Text without
/// any of them is returned as it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if !is_unsafe(c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON with DEL, the C1 controls and the bidirectional controls
/// also written as `\u` escapes (serde_json escapes only C0). The value is
/// the same JSON: those characters can only occur inside strings.
pub fn json_text(serialized: &str) -> String {
    let mut out = String::with_capacity(serialized.len());
    for c in serialized.chars() {
        if is_unsafe(c) && u32::from(c) >= 0x7f {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON value as compact text, escaped as [`json_text`] does.
pub fn json(value: &serde_json::Value) -> String {
    json_text(&value.to_string())
}

/// A JSON value as indented text, escaped as [`json_text`] does.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    json_text(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// The first characters of a cell that make a spreadsheet read it as a
/// formula (OWASP, "CSV injection").
const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` is quotes followed by a formula character (`=1`, `'=1`,
/// `''=1`, …): exactly the cells [`csv_cell`] prefixes.
fn quoted_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// A cell for a CSV file people open in a spreadsheet: one that starts with
/// `=`, `+`, `-`, `@`, tab or CR gets a `'` in front. So does one that
/// starts with quotes and then one of those, so that [`csv_uncell`] restores
/// every cell exactly.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    if quoted_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The inverse of [`csv_cell`]: drops the `'` it added (a leading `'`
/// followed by quotes and a formula character); any other cell is returned
/// as it is.
pub fn csv_uncell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if quoted_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_bidi_and_backslashes() {
        assert_eq!(printable("Acme Corp, café"), "Acme Corp, café");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
        assert_eq!(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(printable("tab\there\nnl\r"), "tab\\x09here\\x0anl\\x0d");
        assert_eq!(printable("del\x7f c1\u{9b}"), "del\\x7f c1\\u{9b}");
        assert_eq!(
            printable("\u{202e}gpj.exe\u{2066}\u{2069}\u{200f}"),
            "\\u{202e}gpj.exe\\u{2066}\\u{2069}\\u{200f}"
        );
        // A literal backslash cannot pass for an escape.
        assert_eq!(printable("\\x1b"), "\\\\x1b");
        for c in ('\0'..='\u{ffff}').filter(|c| is_unsafe(*c)) {
            let shown = printable(&c.to_string()).into_owned();
            assert!(shown.chars().all(|s| !is_unsafe(s)), "{shown:?}");
        }
    }

    #[test]
    fn json_text_escapes_what_serde_leaves_and_stays_the_same_value() {
        let value = serde_json::json!({ "name": "\x1b[2J\u{7f}\u{85}\u{202e}x\u{2069}é" });
        let text = json(&value);
        assert!(!text.chars().any(is_unsafe), "{text}");
        assert!(
            text.contains("\\u001b") && text.contains("\\u202e"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // Only the layout's own newlines are left.
        assert!(
            !json_pretty(&value)
                .chars()
                .any(|c| c != '\n' && is_unsafe(c))
        );
    }

    #[test]
    fn csv_cells_are_escaped_and_restored_exactly() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tX", "'\tX"),
            ("\rY", "'\rY"),
            ("'=already quoted", "''=already quoted"),
            ("''-x", "'''-x"),
            ("plain", "plain"),
            ("it's -fine", "it's -fine"),
            ("'", "'"),
            ("'quoted'", "'quoted'"),
            ("", ""),
            ("2026-01-01", "2026-01-01"),
        ] {
            assert_eq!(csv_cell(cell), written, "{cell:?}");
            assert_eq!(csv_uncell(written), cell, "{cell:?}");
            assert!(!csv_cell(cell).starts_with(FORMULA_START), "{cell:?}");
        }
    }
}
