//! Route table: API path prefixes → the module they need, and the gateway's
//! `authorize` decision.

use alloc::string::{String, ToString};

use crate::catalog::CatalogError;
use crate::denial::Denial;
use crate::entitlements::Entitlements;
use crate::ids::ModuleId;
use crate::module_set::ModuleSet;
use crate::name_index::NameIndex;
use crate::time::Timestamp;

/// What a path needs.
///
/// ```
/// use licman_core::RouteTarget;
/// assert_ne!(RouteTarget::Public, RouteTarget::Licensed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteTarget {
    /// Open without a license.
    Public,
    /// Not in the table: needs a valid license, but no particular module.
    Licensed,
    /// Needs a valid license that includes this module (and a user whose
    /// groups grant it).
    Module(ModuleId),
}

/// Why a request path was refused before matching: it is not in canonical
/// form, so a prefix match could be bypassed (`/health/../audit`).
///
/// ```
/// use licman_core::{InvalidPath, RouteTable};
/// let table = RouteTable::empty();
/// assert_eq!(table.target("/a//b"), Err(InvalidPath));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPath;

impl core::fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the path is not canonical (empty, '.' or '..' segments, backslashes or encoded separators)")
    }
}

impl core::error::Error for InvalidPath {}

/// The route table: path prefixes mapped to [`RouteTarget`]s, matched
/// segment by segment, longest prefix first.
///
/// `/devices` covers `/devices` and `/devices/7` but not `/devices-old`;
/// `/devices/discover` beats `/devices` for `/devices/discover/run`. The root
/// `/` matches only itself. A query string or fragment is ignored, and so is
/// a trailing `/`. A look-up reads the path once and then hashes at most one
/// candidate prefix per segment (no deeper than the table's deepest route),
/// whatever the table's size, and never allocates.
///
/// ```
/// use licman_core::{ModuleId, RouteTable, RouteTarget};
/// let table = RouteTable::new([
///     ("/devices".to_string(), RouteTarget::Module(ModuleId(1))),
///     ("/devices/discover".to_string(), RouteTarget::Module(ModuleId(7))),
///     ("/login".to_string(), RouteTarget::Public),
/// ])?;
/// assert_eq!(table.target("/devices/7?page=2"), Ok(RouteTarget::Module(ModuleId(1))));
/// assert_eq!(table.target("/devices/discover"), Ok(RouteTarget::Module(ModuleId(7))));
/// assert_eq!(table.target("/devices-old"), Ok(RouteTarget::Licensed));
/// assert_eq!(table.target("/login/"), Ok(RouteTarget::Public));
/// # Ok::<(), licman_core::CatalogError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    entries: NameIndex<RouteTarget>,
    /// Most segments of any entry: longer paths start matching there.
    max_depth: usize,
}

/// Whether a route written in a catalog is canonical: starts with `/`, no
/// empty, `.` or `..` segment, no trailing `/` (except the root), and none
/// of `?`, `#`, `%`, `\`.
fn canonical_route(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    path.starts_with('/')
        && !path.ends_with('/')
        && !path.contains(['?', '#', '%', '\\'])
        && !path.bytes().any(|b| b.is_ascii_control())
        && path
            .split('/')
            .skip(1)
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// How [`scan`] treats each byte of a request path.
const PLAIN: u8 = 0;
const SLASH: u8 = 1;
const END: u8 = 2;
const PERCENT: u8 = 3;
const REFUSED: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut classes = [PLAIN; 256];
    let mut b = 0;
    while b < 0x20 {
        classes[b] = REFUSED;
        b += 1;
    }
    classes[0x7f] = REFUSED;
    classes[b'\\' as usize] = REFUSED;
    classes[b'/' as usize] = SLASH;
    classes[b'?' as usize] = END;
    classes[b'#' as usize] = END;
    classes[b'%' as usize] = PERCENT;
    classes
}

static BYTE_CLASSES: [u8; 256] = byte_classes();

/// How many segment boundaries [`scan`] remembers; a table with deeper
/// routes falls back to searching the path for them.
const REMEMBERED: usize = 8;

/// A request path read once: its canonical form and where its first
/// segments end.
struct Scanned<'a> {
    /// The path without query string, fragment and trailing `/`.
    path: &'a str,
    /// `ends[d]` is where the prefix of `d + 1` segments ends, for the first
    /// `REMEMBERED` segments (the last one ends at `path.len()`).
    ends: [usize; REMEMBERED],
    /// Number of segments (0 for the root).
    segments: usize,
}

/// Whether a segment would be resolved away downstream.
#[inline(always)]
fn dot_segment(segment: &[u8]) -> bool {
    matches!(segment, [] | [b'.'] | [b'.', b'.'])
}

/// Reads a request path in one pass: drops the query string, fragment and
/// one trailing `/`, and refuses (`InvalidPath`) what a prefix match could
/// be bypassed with: no leading `/`, empty, `.` or `..` segments,
/// backslashes, control bytes, and encoded `.`, `/` or `\`, which would be
/// decoded downstream.
#[inline(always)]
fn scan(path: &str) -> Result<Scanned<'_>, InvalidPath> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(InvalidPath);
    }
    let mut ends = [0usize; REMEMBERED];
    let mut segments = 0usize;
    let mut start = 1usize;
    let mut i = 1usize;
    let end = loop {
        // Most bytes are plain: skip them in a tight loop.
        let class = loop {
            match bytes.get(i) {
                Some(&byte) => match BYTE_CLASSES.get(usize::from(byte)) {
                    Some(&PLAIN) => i += 1,
                    Some(&class) => break class,
                    None => return Err(InvalidPath),
                },
                None => break END,
            }
        };
        match class {
            SLASH => {
                if dot_segment(bytes.get(start..i).unwrap_or_default()) {
                    return Err(InvalidPath);
                }
                if let Some(slot) = ends.get_mut(segments) {
                    *slot = i;
                }
                segments += 1;
                start = i + 1;
            }
            END => break i,
            PERCENT => {
                let code = bytes.get(i + 1..i + 3).unwrap_or_default();
                if matches!(
                    code,
                    [b'2', b'e' | b'E' | b'f' | b'F'] | [b'5', b'c' | b'C']
                ) {
                    return Err(InvalidPath);
                }
            }
            _ => return Err(InvalidPath),
        }
        i += 1;
    };
    let last = bytes.get(start..end).unwrap_or_default();
    if last.is_empty() {
        // A trailing `/` (or the root itself).
        if segments == 0 {
            return Ok(Scanned {
                path: "/",
                ends,
                segments: 0,
            });
        }
        // `/a/` is `/a`; the `/` that ended the last segment is dropped.
        return Ok(Scanned {
            path: path.get(..start - 1).ok_or(InvalidPath)?,
            ends,
            segments,
        });
    }
    if dot_segment(last) {
        return Err(InvalidPath);
    }
    if let Some(slot) = ends.get_mut(segments) {
        *slot = end;
    }
    Ok(Scanned {
        path: path.get(..end).ok_or(InvalidPath)?,
        ends,
        segments: segments + 1,
    })
}

impl RouteTable {
    /// A table with no routes: every path is [`RouteTarget::Licensed`].
    ///
    /// ```
    /// # use licman_core::{RouteTable, RouteTarget};
    /// assert_eq!(RouteTable::empty().target("/x"), Ok(RouteTarget::Licensed));
    /// ```
    pub fn empty() -> Self {
        RouteTable::default()
    }

    /// A table of these entries. Refuses a non-canonical path
    /// ([`CatalogError::InvalidRoute`]) and a path given twice
    /// ([`CatalogError::RouteConflict`]). Entries mapping to
    /// [`RouteTarget::Licensed`] are allowed and mean "license only".
    ///
    /// ```
    /// # use licman_core::{CatalogError, RouteTable, RouteTarget};
    /// let dup = RouteTable::new([("/a".into(), RouteTarget::Public), ("/a".into(), RouteTarget::Licensed)]);
    /// assert_eq!(dup.unwrap_err(), CatalogError::RouteConflict { path: "/a".into() });
    /// ```
    pub fn new(
        entries: impl IntoIterator<Item = (String, RouteTarget)>,
    ) -> Result<Self, CatalogError> {
        let mut table = RouteTable::empty();
        for (path, target) in entries {
            if !canonical_route(&path) {
                return Err(CatalogError::InvalidRoute { path });
            }
            let depth = if path == "/" {
                0
            } else {
                path.matches('/').count()
            };
            if table.entries.get(&path).is_some() {
                return Err(CatalogError::RouteConflict { path });
            }
            table.max_depth = table.max_depth.max(depth);
            table.entries.insert(&path, target);
        }
        Ok(table)
    }

    /// Number of entries.
    ///
    /// ```
    /// # use licman_core::RouteTable;
    /// assert_eq!(RouteTable::empty().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    ///
    /// ```
    /// # use licman_core::RouteTable;
    /// assert!(RouteTable::empty().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// The entries, in the order they were given.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert!(catalog.routes().entries().any(|(path, _)| path == "/audit-schedules"));
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = (&str, RouteTarget)> {
        self.entries.iter()
    }

    /// What a request path needs: the target of the longest matching
    /// prefix, or [`RouteTarget::Licensed`] if none matches.
    ///
    /// ```
    /// # use licman_core::{InvalidPath, RouteTarget};
    /// # let catalog = licman_core::__doc_catalog();
    /// let routes = catalog.routes();
    /// assert_eq!(routes.target("/"), Ok(RouteTarget::Public));
    /// assert_eq!(routes.target("/anything-else"), Ok(RouteTarget::Licensed));
    /// assert_eq!(routes.target("/health/../audit-schedules"), Err(InvalidPath));
    /// ```
    pub fn target(&self, path: &str) -> Result<RouteTarget, InvalidPath> {
        let scanned = scan(path)?;
        let path = scanned.path;
        if scanned.segments == 0 {
            return Ok(self.entries.get("/").unwrap_or(RouteTarget::Licensed));
        }
        // The deepest prefix any entry could match, then one segment less
        // at a time.
        let deepest = scanned.segments.min(self.max_depth);
        if deepest <= REMEMBERED {
            for depth in (0..deepest).rev() {
                let end = scanned.ends.get(depth).copied().unwrap_or(path.len());
                if let Some(target) = self.entries.get(path.get(..end).unwrap_or_default()) {
                    return Ok(target);
                }
            }
            return Ok(RouteTarget::Licensed);
        }
        let mut candidate = match path.match_indices('/').nth(deepest) {
            Some((cut, _)) => path.get(..cut).unwrap_or(path),
            None => path,
        };
        loop {
            if let Some(target) = self.entries.get(candidate) {
                return Ok(target);
            }
            match candidate.rfind('/') {
                Some(cut) if cut > 0 => candidate = candidate.get(..cut).unwrap_or_default(),
                _ => return Ok(RouteTarget::Licensed),
            }
        }
    }

    /// The gateway decision for one request, in the seed's order:
    ///
    /// 1. a path that is not canonical → 400 ([`Denial::InvalidPath`]);
    /// 2. public paths pass without a license;
    /// 3. no license → 402 ([`Denial::NoLicense`]); a license not valid at
    ///    `now` (expired past grace, not yet started) → 402;
    /// 4. a module the license does not include → 403
    ///    ([`Denial::ModuleNotLicensed`]);
    /// 5. a module the user's groups do not grant → 403
    ///    ([`Denial::AccessDenied`]); pass `user_modules = None` to skip the
    ///    user check (a gateway without user context).
    ///
    /// `user_modules` is what [`GroupAccess::user_modules`](crate::GroupAccess::user_modules)
    /// returns for the user: compute it once per request or session.
    ///
    /// ```
    /// use licman_core::*;
    /// # let (starter, catalog) = licman_core::__doc_entitlements("starter");
    /// let now = Timestamp::from_date(2026, 6, 1).unwrap();
    /// let routes = catalog.routes();
    /// assert_eq!(routes.authorize("/devices/7", Some(&starter), None, now), Ok(RouteTarget::Module(ModuleId(1))));
    /// let denial = routes.authorize("/audit-schedules", Some(&starter), None, now).unwrap_err();
    /// assert_eq!(denial.http_status(), 403);
    /// assert_eq!(routes.authorize("/devices", None, None, now).unwrap_err(), Denial::NoLicense);
    /// assert_eq!(routes.authorize("/login", None, None, now), Ok(RouteTarget::Public));
    /// ```
    pub fn authorize(
        &self,
        path: &str,
        license: Option<&Entitlements>,
        user_modules: Option<&ModuleSet>,
        now: Timestamp,
    ) -> Result<RouteTarget, Denial> {
        let target = self.target(path).map_err(|_| Denial::InvalidPath {
            path: path.to_string(),
        })?;
        if target == RouteTarget::Public {
            return Ok(target);
        }
        let license = license.ok_or(Denial::NoLicense)?;
        license.check_valid_at(now)?;
        let RouteTarget::Module(module) = target else {
            return Ok(target);
        };
        license.check_module(module)?;
        if let Some(user) = user_modules {
            if !user.contains(module) {
                return Err(Denial::AccessDenied {
                    module: license.catalog().module_name(module),
                });
            }
        }
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn table(routes: &[(&str, RouteTarget)]) -> RouteTable {
        RouteTable::new(routes.iter().map(|(p, t)| (p.to_string(), *t))).unwrap()
    }

    #[test]
    fn segment_aware_longest_prefix() {
        let m = |i| RouteTarget::Module(ModuleId(i));
        let t = table(&[
            ("/devices", m(1)),
            ("/device-groups", m(2)),
            ("/devices/discover", m(3)),
            ("/", RouteTarget::Public),
        ]);
        assert_eq!(t.target("/devices"), Ok(m(1)));
        assert_eq!(t.target("/devices/"), Ok(m(1)));
        assert_eq!(t.target("/devices/7/config"), Ok(m(1)));
        assert_eq!(t.target("/devices-old"), Ok(RouteTarget::Licensed));
        assert_eq!(t.target("/device-groups/3"), Ok(m(2)));
        assert_eq!(t.target("/devices/discover"), Ok(m(3)));
        assert_eq!(t.target("/devices/discovered"), Ok(m(1)));
        assert_eq!(t.target("/devices/discover/x/y/z"), Ok(m(3)));
        assert_eq!(t.target("/"), Ok(RouteTarget::Public));
        assert_eq!(t.target("/?x=1"), Ok(RouteTarget::Public));
        assert_eq!(
            t.target("/other"),
            Ok(RouteTarget::Licensed),
            "the root matches only itself"
        );
        assert_eq!(t.target("/devices#frag"), Ok(m(1)));
    }

    #[test]
    fn ambiguous_paths_are_refused() {
        let t = table(&[("/a", RouteTarget::Public)]);
        for bad in [
            "",
            "a",
            "//",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/..",
            "/a\\b",
            "/a/%2e%2e/b",
            "/a%2Fb",
            "/a%5cb",
            "/a\nb",
        ] {
            assert_eq!(t.target(bad), Err(InvalidPath), "{bad:?}");
        }
        assert_eq!(
            t.target("/a/%41"),
            Ok(RouteTarget::Public),
            "other escapes are fine"
        );
    }

    #[test]
    fn invalid_routes_are_refused() {
        for bad in [
            "", "x", "/a/", "//", "/a?b", "/a#b", "/a%20", "/a/../b", "/a/./b",
        ] {
            assert!(
                RouteTable::new(vec![(bad.to_string(), RouteTarget::Public)]).is_err(),
                "{bad:?}"
            );
        }
    }
}
