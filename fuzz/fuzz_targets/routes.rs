//! Route matching agrees with a naive reference: a linear scan of every
//! entry for the longest one equal to the path or followed by '/' in it,
//! with the same rules for query strings, trailing slashes, the root and
//! ambiguous paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::{ModuleId, RouteTable, RouteTarget};

/// The path to match, or `None` when it must be refused.
fn reference_normalize(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') || path.contains('\\') || path.chars().any(|c| c.is_ascii_control()) {
        return None;
    }
    if path == "/" {
        return Some("/".into());
    }
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() || path == "/" {
        return None;
    }
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") {
        return None;
    }
    if path.split('/').skip(1).any(|s| s.is_empty() || s == "." || s == "..") {
        return None;
    }
    Some(path.into())
}

fn reference(entries: &[(String, RouteTarget)], path: &str) -> Option<RouteTarget> {
    let path = reference_normalize(path)?;
    let found = entries
        .iter()
        .filter(|(prefix, _)| {
            if prefix == "/" { path == "/" } else { path == *prefix || path.starts_with(&format!("{prefix}/")) }
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, t)| *t);
    Some(found.unwrap_or(RouteTarget::Licensed))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Lines before the first empty line are routes; the rest are paths.
    let (routes, paths) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut entries = Vec::new();
    for (i, route) in routes.lines().take(64).enumerate() {
        let target = if i % 3 == 0 { RouteTarget::Public } else { RouteTarget::Module(ModuleId(i as u8)) };
        if !entries.iter().any(|(p, _)| p == route) {
            entries.push((route.to_string(), target));
        }
    }
    let Ok(table) = RouteTable::new(entries.clone()) else { return };
    for path in paths.lines().take(64) {
        assert_eq!(table.target(path).ok(), reference(&entries, path), "path {path:?} in {entries:?}");
    }
});
