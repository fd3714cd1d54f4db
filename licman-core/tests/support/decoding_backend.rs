//! A model of the backend behind a gateway: what path a web framework
//! routes a raw request path to, written independently of the route table's
//! code. It does everything some real backend does, so a table that agrees
//! with it cannot be bypassed by any of them:
//!
//! - ends the path at `?` or `#` (the query and fragment);
//! - strips `;` path parameters from each segment (Tomcat, Spring, Jetty:
//!   `/login/..;/analytics` is `/login/../analytics`);
//! - percent-decodes every escape, twice over (IIS and some proxies decode
//!   again), leaving malformed ones as they are (Express, Django);
//! - turns `\` into `/` (IIS, Tomcat with `ALLOW_BACKSLASH`);
//! - resolves `.` and `..` segments and merges empty ones (Go's
//!   `path.Clean`, servlet normalisation);
//! - folds ASCII case when the router is case-insensitive (Express).
//!
//! Used by `tests/enforcement_laws.rs` and the `routes` fuzz target (which
//! includes this file by path), so both check the same model.

#![allow(dead_code, unreachable_pub)]

/// The path the backend routes on, for a raw request path.
pub fn backend_path(raw: &str, fold_case: bool) -> String {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let without_params: Vec<&str> = path
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or(""))
        .collect();
    let joined = without_params.join("/");
    let decoded = percent_decode(&percent_decode(joined.as_bytes()));
    let text = String::from_utf8_lossy(&decoded).replace('\\', "/");
    let mut stack: Vec<&str> = Vec::new();
    for segment in text.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                stack.pop();
            }
            other => stack.push(other),
        }
    }
    let clean = format!("/{}", stack.join("/"));
    if fold_case {
        clean.to_ascii_lowercase()
    } else {
        clean
    }
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// What the backend's route list gives `path` (already routed on): the
/// target of the longest route equal to it or followed by `/` in it (`/`
/// only matches itself), or `unmatched`. Routes are compared folded when
/// the router folds case.
pub fn backend_target<T: Copy>(
    routes: &[(String, T)],
    path: &str,
    fold_case: bool,
    unmatched: T,
) -> T {
    let norm = |s: &str| {
        if fold_case {
            s.to_ascii_lowercase()
        } else {
            s.to_string()
        }
    };
    let path = norm(path);
    routes
        .iter()
        .map(|(prefix, target)| (norm(prefix), *target))
        .filter(|(prefix, _)| {
            if prefix == "/" {
                path == "/"
            } else {
                path == *prefix || path.starts_with(&format!("{prefix}/"))
            }
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(unmatched, |(_, target)| target)
}
