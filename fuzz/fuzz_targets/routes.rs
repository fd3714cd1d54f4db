//! Differential: route matching against a model of the backend behind the
//! gateway (licman-core/tests/support/decoding_backend.rs: decodes escapes
//! twice, strips `;` parameters, resolves dot segments, merges slashes,
//! reads `\` as `/`, folds case when the table does). A path the table
//! accepts must get exactly the target the backend's router gives it, so no
//! spelling reaches a module the table did not ask for.
//!
//! Input: one options byte (bit 0 folds case, bit 1 denies unlisted paths),
//! then lines of routes, an empty line, and lines of raw request paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::{ModuleId, PathCase, RouteOptions, RouteTable, RouteTarget, UnmatchedPath};

#[path = "../../licman-core/tests/support/decoding_backend.rs"]
mod decoding_backend;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let fold = flags & 1 != 0;
    let options = RouteOptions {
        case: if fold { PathCase::FoldAscii } else { PathCase::Exact },
        unmatched: if flags & 2 != 0 { UnmatchedPath::Deny } else { UnmatchedPath::Licensed },
    };
    let unmatched = if flags & 2 != 0 { RouteTarget::Unlisted } else { RouteTarget::Licensed };
    let (routes, paths) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut entries: Vec<(String, RouteTarget)> = Vec::new();
    for (i, route) in routes.lines().take(64).enumerate() {
        let target = if i % 3 == 0 { RouteTarget::Public } else { RouteTarget::Module(ModuleId(i as u8)) };
        let key = |p: &str| if fold { p.to_ascii_lowercase() } else { p.to_string() };
        if !entries.iter().any(|(p, _)| key(p) == key(route)) {
            entries.push((route.to_string(), target));
        }
    }
    let Ok(table) = RouteTable::with_options(entries.clone(), options) else { return };
    for raw in paths.lines().take(64) {
        if let Ok(target) = table.target(raw) {
            let routed = decoding_backend::backend_path(raw, fold);
            let reached = decoding_backend::backend_target(&entries, &routed, fold, unmatched);
            assert_eq!(target, reached, "path {raw:?} routed as {routed:?} in {entries:?}");
        }
    }
});
