//! Route table: API path prefixes → the module they need, and the gateway's
//! `authorize` decision.

use alloc::collections::BTreeMap;
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
/// a trailing `/`. A look-up reads the path once and hashes the prefix that
/// ends at a segment only while some route could still extend the match
/// (a 64-bit filter of next segments settles most misses without hashing):
/// usually one look-up, whatever the table's size. It never allocates.
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
    /// Every route, and every proper prefix of one (a node of the prefix
    /// tree, kept in one flat index).
    nodes: NameIndex<RouteNode>,
    /// The target of `/`, which matches only itself.
    root: Option<RouteTarget>,
    /// Number of routes (root included), not counting interior nodes.
    routes: usize,
    /// [`next_segment_bit`] of the first segment of every route.
    first_segments: u64,
}

/// A route or a proper prefix of one.
#[derive(Clone, Copy, Debug, Default)]
struct RouteNode {
    /// `None` for a prefix that is not itself a route.
    target: Option<RouteTarget>,
    /// [`next_segment_bit`] of each segment that some route adds right
    /// after this prefix; 0 if no route extends it. A path whose next
    /// segment's bit is clear cannot match deeper, so it is not looked up.
    next_segments: u64,
}

/// One of 64 bits for a segment, from its first byte: a filter that
/// settles most misses without hashing.
#[inline(always)]
fn next_segment_bit(segment: &[u8]) -> u64 {
    1u64 << (segment.first().copied().unwrap_or(0) & 63)
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

/// How [`RouteTable::target`] treats each byte of a request path.
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

/// Whether a segment would be resolved away downstream.
#[inline(always)]
fn dot_segment(segment: &[u8]) -> bool {
    matches!(segment, [] | [b'.'] | [b'.', b'.'])
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
        let mut nodes: BTreeMap<String, RouteNode> = BTreeMap::new();
        let mut root = None;
        let mut routes = 0usize;
        let mut first_segments = 0u64;
        for (path, target) in entries {
            if !canonical_route(&path) {
                return Err(CatalogError::InvalidRoute { path });
            }
            if path == "/" {
                if root.replace(target).is_some() {
                    return Err(CatalogError::RouteConflict { path });
                }
                routes += 1;
                continue;
            }
            let segment_bit =
                |at: usize| next_segment_bit(path.as_bytes().get(at + 1..).unwrap_or_default());
            first_segments |= segment_bit(0);
            for (cut, _) in path.match_indices('/').skip(1) {
                if let Some(prefix) = path.get(..cut) {
                    nodes.entry(prefix.to_string()).or_default().next_segments |= segment_bit(cut);
                }
            }
            let node = nodes.entry(path.clone()).or_default();
            if node.target.is_some() {
                return Err(CatalogError::RouteConflict { path });
            }
            node.target = Some(target);
            routes += 1;
        }
        let mut index = NameIndex::new();
        for (path, node) in &nodes {
            index.insert(path, *node);
        }
        Ok(RouteTable {
            nodes: index,
            root,
            routes,
            first_segments,
        })
    }

    /// Number of entries.
    ///
    /// ```
    /// # use licman_core::RouteTable;
    /// assert_eq!(RouteTable::empty().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.routes
    }

    /// Whether the table has no entries.
    ///
    /// ```
    /// # use licman_core::RouteTable;
    /// assert!(RouteTable::empty().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.routes == 0
    }

    /// The entries: `/` first if it is one, then by path.
    ///
    /// ```
    /// # let catalog = licman_core::__doc_catalog();
    /// assert!(catalog.routes().entries().any(|(path, _)| path == "/audit-schedules"));
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = (&str, RouteTarget)> {
        let root = self.root.map(|target| ("/", target));
        let routes = self
            .nodes
            .iter()
            .filter_map(|(path, node)| node.target.map(|target| (path, target)));
        root.into_iter().chain(routes)
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
        // One pass over the path: refuse what a prefix match could be
        // bypassed with (no leading `/`; empty, `.` or `..` segments;
        // backslashes; control bytes; `%2e`, `%2f`, `%5c`, which would be
        // decoded downstream), stop at `?` or `#`, allow one trailing `/`,
        // and at the end of each segment look the prefix up while some
        // route still extends it. The deepest route found wins, but only
        // once the whole path has proved canonical.
        let bytes = path.as_bytes();
        if bytes.first() != Some(&b'/') {
            return Err(InvalidPath);
        }
        let class = |byte: u8| {
            BYTE_CLASSES
                .get(usize::from(byte))
                .copied()
                .unwrap_or(REFUSED)
        };
        let mut found = RouteTarget::Licensed;
        // Segments that could extend the prefix matched so far.
        let mut next_segments = self.first_segments;
        let mut start = 1usize;
        let mut i = 1usize;
        loop {
            // The next byte that is not plain, four at a time where the
            // path is long enough.
            let c = loop {
                if let Some(&[a, b, c, d]) = bytes.get(i..i + 4) {
                    let [a, b, c, d] = [class(a), class(b), class(c), class(d)];
                    if a | b | c | d == PLAIN {
                        i += 4;
                        continue;
                    }
                    if a != PLAIN {
                        break a;
                    }
                    if b != PLAIN {
                        i += 1;
                        break b;
                    }
                    if c != PLAIN {
                        i += 2;
                        break c;
                    }
                    i += 3;
                    break d;
                }
                match bytes.get(i) {
                    Some(&byte) if class(byte) == PLAIN => i += 1,
                    Some(&byte) => break class(byte),
                    None => break END,
                }
            };
            match c {
                SLASH | END => {
                    if i == start {
                        // An empty segment: the root, one trailing `/`, or
                        // `//` (refused).
                        if c != END {
                            return Err(InvalidPath);
                        }
                        return Ok(if start == 1 {
                            self.root.unwrap_or(RouteTarget::Licensed)
                        } else {
                            found
                        });
                    }
                    if i - start <= 2 && dot_segment(bytes.get(start..i).unwrap_or_default()) {
                        return Err(InvalidPath);
                    }
                    let segment = bytes.get(start..i).unwrap_or_default();
                    if next_segments & next_segment_bit(segment) != 0 {
                        match self.nodes.get_bytes(bytes.get(..i).unwrap_or_default()) {
                            Some(node) => {
                                if let Some(target) = node.target {
                                    found = target;
                                }
                                next_segments = node.next_segments;
                            }
                            None => next_segments = 0,
                        }
                    } else {
                        next_segments = 0;
                    }
                    if c == END {
                        return Ok(found);
                    }
                    start = i + 1;
                }
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
        let Ok(target) = self.target(path) else {
            return Err(Denial::InvalidPath {
                path: path.to_string(),
            });
        };
        // The common case, allowed, in a few comparisons; every refusal is
        // worked out in full below.
        let allowed = match (target, license) {
            (RouteTarget::Public, _) => true,
            (RouteTarget::Licensed, Some(license)) => license.is_usable_at(now),
            (RouteTarget::Module(module), Some(license)) => {
                license.is_usable_at(now)
                    && license.has_module(module)
                    && user_modules.is_none_or(|user| user.contains(module))
            }
            (_, None) => false,
        };
        if allowed {
            return Ok(target);
        }
        match refusal(target, license, user_modules, now) {
            Some(denial) => Err(denial),
            None => Ok(target),
        }
    }
}

/// The full decision for a non-public `target`, in the seed's order: why it
/// is refused, or `None` if it is allowed.
#[cold]
#[inline(never)]
fn refusal(
    target: RouteTarget,
    license: Option<&Entitlements>,
    user_modules: Option<&ModuleSet>,
    now: Timestamp,
) -> Option<Denial> {
    if target == RouteTarget::Public {
        return None;
    }
    let Some(license) = license else {
        return Some(Denial::NoLicense);
    };
    if let Err(denial) = license.check_valid_at(now) {
        return Some(denial);
    }
    let RouteTarget::Module(module) = target else {
        return None;
    };
    if let Err(denial) = license.check_module(module) {
        return Some(denial);
    }
    match user_modules {
        Some(user) if !user.contains(module) => Some(Denial::AccessDenied {
            module: license.catalog().module_name(module),
        }),
        _ => None,
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
    fn prefixes_of_routes_are_not_routes() {
        let m = |i| RouteTarget::Module(ModuleId(i));
        let t = table(&[("/a/b/c", m(3)), ("/a", m(1)), ("/x/y", m(9))]);
        assert_eq!(t.len(), 3);
        assert_eq!(t.target("/a"), Ok(m(1)));
        assert_eq!(t.target("/a/b"), Ok(m(1)), "/a/b is only a prefix");
        assert_eq!(t.target("/a/b/"), Ok(m(1)));
        assert_eq!(t.target("/a/b/c/d?q=/e"), Ok(m(3)));
        assert_eq!(t.target("/a/b/cd"), Ok(m(1)));
        assert_eq!(t.target("/x"), Ok(RouteTarget::Licensed));
        assert_eq!(t.target("/x/"), Ok(RouteTarget::Licensed));
        assert_eq!(t.target("/x/y/z"), Ok(m(9)));
        assert_eq!(
            t.target("/x/y/../z"),
            Err(InvalidPath),
            "refused even after a match"
        );
        let listed: alloc::vec::Vec<(&str, RouteTarget)> = t.entries().collect();
        assert_eq!(listed, [("/a", m(1)), ("/a/b/c", m(3)), ("/x/y", m(9))]);
        let dup = RouteTable::new(vec![
            ("/a/b".into(), m(1)),
            ("/a".into(), m(2)),
            ("/a/b".into(), m(3)),
        ]);
        assert_eq!(
            dup.unwrap_err(),
            CatalogError::RouteConflict {
                path: "/a/b".into()
            }
        );
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
