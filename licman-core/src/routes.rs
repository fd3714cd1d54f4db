//! Route table: API path prefixes → the module they need, and the gateway's
//! `authorize` decision.
//!
//! # The path contract
//!
//! [`RouteTable::target`] and [`RouteTable::authorize`] take the **raw
//! request path as it arrived** (the request target's path, before the
//! host's framework decodes it), so that no spelling of a path can reach a
//! module on a backend that decodes, resolves or folds it while the table
//! matched something else:
//!
//! - The path starts with `/`; a `?` ends it (the query is ignored).
//! - Its bytes are RFC 3986 path characters: unreserved (`A–Z a–z 0–9 - . _
//!   ~`), the sub-delimiters other than `;` (`! $ & ' ( ) * + , =`), `:` and
//!   `@`. Anything else is refused: `;` (path parameters, which Tomcat and
//!   Spring strip, so `/login/..;/analytics` reaches `/analytics` there),
//!   `#`, `\`, space, quotes, `<>[]{}|^` and the backtick, NUL and control
//!   bytes, DEL, and every byte ≥ 0x80 (a client sends those escaped).
//! - A percent-escape of an unreserved character (`%61` for `a`) is decoded
//!   before matching, as every backend decodes it. Any other escape
//!   (`%2F`, `%5C`, `%3B`, `%00`, `%C3%A9`, …) and a malformed one (`%`,
//!   `%4`, `%zz`) is refused: whether a backend decodes it, and into what,
//!   differs from one backend to the next.
//! - The decoded path is refused when it has an empty segment (`//`), a `.`
//!   or `..` segment (also spelled `%2e%2E`), except one trailing `/`.
//! - Matching is exact by default. A table built with
//!   [`PathCase::FoldAscii`] folds ASCII case on both sides, for hosts whose
//!   router is case-insensitive (Express by default, ASP.NET), so that
//!   `/ANALYTICS` needs what `/analytics` needs.
//! - A path no route covers gets [`RouteTarget::Licensed`] by default, or
//!   [`RouteTarget::Unlisted`] (refused whatever the license) in a table
//!   built with [`UnmatchedPath::Deny`].
//!
//! A refused path is [`InvalidPath`], which the gateway's `authorize`
//! turns into a 400 (`Denial::InvalidPath`), never a pass.
//!
//! This module knows paths and targets only; the gateway decision over a
//! license is `RouteTable::authorize`, in the enforcement layer.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use serde::{Deserialize, Serialize};

use crate::ids::ModuleId;
use crate::name_index::NameIndex;

/// The longest route a table takes, in bytes: a request path's decoded
/// prefix is compared in a buffer of this size on the stack.
///
/// ```
/// use licman_core::{MAX_ROUTE_LEN, RouteTable, RouteTarget};
/// let long = format!("/{}", "a".repeat(MAX_ROUTE_LEN));
/// assert!(RouteTable::new([(long, RouteTarget::Public)]).is_err());
/// ```
pub const MAX_ROUTE_LEN: usize = 256;

/// What a path needs.
///
/// ```
/// use licman_core::RouteTarget;
/// assert_ne!(RouteTarget::Public, RouteTarget::Licensed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RouteTarget {
    /// Open without a license.
    Public,
    /// Needs a valid license, but no particular module: a path listed as
    /// license-only, or one no route covers in a table whose unmatched paths
    /// get [`UnmatchedPath::Licensed`] (the default).
    #[default]
    Licensed,
    /// Needs a valid license that includes this module (and a user whose
    /// groups grant it).
    Module(ModuleId),
    /// No route covers it and the table denies such paths
    /// ([`UnmatchedPath::Deny`]): refused whatever the license.
    Unlisted,
}

/// How a table compares letters.
///
/// ```
/// use licman_core::PathCase;
/// assert_eq!(PathCase::default(), PathCase::Exact);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathCase {
    /// `/Devices` is not `/devices` (routers that match exactly: Django,
    /// Flask, FastAPI, Go's `ServeMux`, servlets).
    #[default]
    Exact,
    /// ASCII letters match whatever their case, for routers that match
    /// case-insensitively (Express's default, ASP.NET). Routes that differ
    /// only in case are then one route (a [`RouteError::RouteConflict`]).
    FoldAscii,
}

/// What a path that no route covers needs.
///
/// ```
/// use licman_core::UnmatchedPath;
/// assert_eq!(UnmatchedPath::default(), UnmatchedPath::Licensed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedPath {
    /// A valid license, no particular module ([`RouteTarget::Licensed`]).
    #[default]
    Licensed,
    /// Nothing can reach it ([`RouteTarget::Unlisted`], a 403 from
    /// `authorize`): every path the product serves must be listed.
    Deny,
}

option_names! {
    PathCase {
        Exact => "exact",
        FoldAscii => "fold_ascii",
    }
}

option_names! {
    UnmatchedPath {
        Licensed => "licensed",
        Deny => "deny",
    }
}

/// How a [`RouteTable`] matches: letter case and unmatched paths.
///
/// ```
/// use licman_core::{PathCase, RouteOptions, UnmatchedPath};
/// let options = RouteOptions { case: PathCase::FoldAscii, ..RouteOptions::default() };
/// assert_eq!(options.unmatched, UnmatchedPath::Licensed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteOptions {
    /// Exact (default) or ASCII case-folding comparison.
    #[serde(default)]
    pub case: PathCase,
    /// What a path no route covers needs (default: a license).
    #[serde(default)]
    pub unmatched: UnmatchedPath,
}

/// Why a request path was refused before matching: it breaks the path
/// contract (see the [module docs](self)), so a backend could resolve it to
/// another route than the one matched (`/health/../audit`, `/%2e%2e/audit`,
/// `/login;x=1`).
///
/// ```
/// use licman_core::{InvalidPath, RouteTable};
/// let table = RouteTable::empty();
/// assert_eq!(table.target("/a//b"), Err(InvalidPath));
/// assert_eq!(table.target("/a;x/b"), Err(InvalidPath));
/// assert_eq!(table.target("/%2e%2e/b"), Err(InvalidPath));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPath;

impl core::fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the path is not canonical (empty, '.' or '..' segments, or a character or escape a backend could resolve differently: ';', '#', '\\', controls, escapes of anything but letters, digits and '-._~')")
    }
}

impl core::error::Error for InvalidPath {}

/// Why a route table could not be built.
///
/// ```
/// use licman_core::{RouteError, RouteTable, RouteTarget};
/// let err = RouteTable::new([("/a/".to_string(), RouteTarget::Public)]).unwrap_err();
/// assert_eq!(err, RouteError::InvalidRoute { path: "/a/".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// A route path is not canonical: it must start with `/`, be at most
    /// [`MAX_ROUTE_LEN`] bytes of path characters, with no empty, `.` or
    /// `..` segments and no trailing `/`; or it maps to
    /// [`RouteTarget::Unlisted`].
    InvalidRoute {
        /// The path.
        path: String,
    },
    /// The same path is given twice (after case folding, in a folding
    /// table).
    RouteConflict {
        /// The path.
        path: String,
    },
}

impl core::fmt::Display for RouteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RouteError::InvalidRoute { path } => write!(
                f,
                "route '{path}' is not a canonical path (it must start with '/', be at most {MAX_ROUTE_LEN} bytes of letters, digits and -._~!$&'()*+,=:@, with no empty, '.' or '..' segments and no trailing '/')"
            ),
            RouteError::RouteConflict { path } => write!(f, "route '{path}' is given twice"),
        }
    }
}

impl core::error::Error for RouteError {}

/// The route table: path prefixes mapped to [`RouteTarget`]s, matched
/// segment by segment, longest prefix first, under the path contract of the
/// [module docs](self).
///
/// `/devices` covers `/devices` and `/devices/7` but not `/devices-old`;
/// `/devices/discover` beats `/devices` for `/devices/discover/run`. The root
/// `/` matches only itself. A query string is ignored, and so is a trailing
/// `/`. A look-up reads the path once and hashes the prefix that ends at a
/// segment only while some route could still extend the match (a 64-bit
/// filter of next segments settles most misses without hashing): usually
/// one look-up, whatever the table's size. It never allocates; a path with
/// escapes, or any path in a case-folding table, is compared through a
/// [`MAX_ROUTE_LEN`]-byte buffer on the stack.
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
/// assert_eq!(table.target("/%64evices/discover"), Ok(RouteTarget::Module(ModuleId(7))));
/// assert_eq!(table.target("/devices-old"), Ok(RouteTarget::Licensed));
/// assert_eq!(table.target("/login/"), Ok(RouteTarget::Public));
/// # Ok::<(), licman_core::RouteError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    /// Every route, and every proper prefix of one (a node of the prefix
    /// tree, kept in one flat index). Folded to lower case in a
    /// [`PathCase::FoldAscii`] table.
    nodes: NameIndex<RouteNode>,
    /// The target of `/`, which matches only itself.
    root: Option<RouteTarget>,
    /// Number of routes (root included), not counting interior nodes.
    routes: usize,
    /// [`next_segment_bit`] of the first segment of every route.
    first_segments: u64,
    options: RouteOptions,
    /// What a path no route covers gets, from `options.unmatched`.
    unmatched: RouteTarget,
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
    segment_bit(segment.first().copied().unwrap_or(0))
}

#[inline(always)]
fn segment_bit(first: u8) -> u64 {
    1u64 << (first & 63)
}

/// Whether a route written in a catalog is canonical: starts with `/`, at
/// most [`MAX_ROUTE_LEN`] bytes, only path characters (no `%`, `;`, `?`,
/// `#`, `\`, controls or non-ASCII), no empty, `.` or `..` segment, no
/// trailing `/` (except the root).
fn canonical_route(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    path.len() <= MAX_ROUTE_LEN
        && path.starts_with('/')
        && !path.ends_with('/')
        && path
            .bytes()
            .all(|b| b == b'/' || BYTE_CLASSES.get(usize::from(b)) == Some(&PLAIN))
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

/// The RFC 3986 unreserved characters: the only ones an escape may stand
/// for.
const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const fn byte_classes() -> [u8; 256] {
    let mut classes = [REFUSED; 256];
    let mut b = 0;
    while b < 128 {
        if unreserved(b as u8) {
            classes[b] = PLAIN;
        }
        b += 1;
    }
    // The sub-delimiters but `;`, and `:` and `@`: path characters that no
    // backend decodes, splits on or resolves.
    let plain = b"!$&'()*+,=:@";
    let mut i = 0;
    while i < plain.len() {
        classes[plain[i] as usize] = PLAIN;
        i += 1;
    }
    classes[b'/' as usize] = SLASH;
    classes[b'?' as usize] = END;
    classes[b'%' as usize] = PERCENT;
    classes
}

static BYTE_CLASSES: [u8; 256] = byte_classes();

#[inline(always)]
fn class(byte: u8) -> u8 {
    BYTE_CLASSES
        .get(usize::from(byte))
        .copied()
        .unwrap_or(REFUSED)
}

/// The value of one hex digit.
#[inline]
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The unreserved character that `%XY` at the front of `escape` stands
/// for, or `None` if it is malformed or stands for anything else.
#[inline]
fn decode_unreserved(escape: &[u8]) -> Option<u8> {
    let [b'%', high, low, ..] = *escape else {
        return None;
    };
    let byte = hex_value(high)? << 4 | hex_value(low)?;
    unreserved(byte).then_some(byte)
}

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

    /// A table of these entries with the default [`RouteOptions`] (exact
    /// case, unmatched paths need a license). Refuses a non-canonical path
    /// ([`RouteError::InvalidRoute`]) and a path given twice
    /// ([`RouteError::RouteConflict`]). Entries mapping to
    /// [`RouteTarget::Licensed`] are allowed and mean "license only".
    ///
    /// ```
    /// # use licman_core::{RouteError, RouteTable, RouteTarget};
    /// let dup = RouteTable::new([("/a".into(), RouteTarget::Public), ("/a".into(), RouteTarget::Licensed)]);
    /// assert_eq!(dup.unwrap_err(), RouteError::RouteConflict { path: "/a".into() });
    /// ```
    pub fn new(
        entries: impl IntoIterator<Item = (String, RouteTarget)>,
    ) -> Result<Self, RouteError> {
        RouteTable::with_options(entries, RouteOptions::default())
    }

    /// A table of these entries, matched with `options`. In a
    /// [`PathCase::FoldAscii`] table, routes that differ only in case
    /// conflict, and [`entries`](Self::entries) lists them in lower case.
    /// An entry may not map to [`RouteTarget::Unlisted`]
    /// ([`RouteError::InvalidRoute`]): leave the path out instead.
    ///
    /// ```
    /// use licman_core::*;
    /// let options = RouteOptions { case: PathCase::FoldAscii, unmatched: UnmatchedPath::Deny };
    /// let table = RouteTable::with_options([("/Admin".to_string(), RouteTarget::Module(ModuleId(2)))], options)?;
    /// assert_eq!(table.target("/ADMIN/users"), Ok(RouteTarget::Module(ModuleId(2))));
    /// assert_eq!(table.target("/other"), Ok(RouteTarget::Unlisted));
    /// # Ok::<(), RouteError>(())
    /// ```
    pub fn with_options(
        entries: impl IntoIterator<Item = (String, RouteTarget)>,
        options: RouteOptions,
    ) -> Result<Self, RouteError> {
        let mut nodes: BTreeMap<String, RouteNode> = BTreeMap::new();
        let mut root = None;
        let mut routes = 0usize;
        let mut first_segments = 0u64;
        for (mut path, target) in entries {
            if !canonical_route(&path) || target == RouteTarget::Unlisted {
                return Err(RouteError::InvalidRoute { path });
            }
            if options.case == PathCase::FoldAscii {
                path.make_ascii_lowercase();
            }
            if path == "/" {
                if root.replace(target).is_some() {
                    return Err(RouteError::RouteConflict { path });
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
                return Err(RouteError::RouteConflict { path });
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
            options,
            unmatched: match options.unmatched {
                UnmatchedPath::Licensed => RouteTarget::Licensed,
                UnmatchedPath::Deny => RouteTarget::Unlisted,
            },
        })
    }

    /// How this table matches.
    ///
    /// ```
    /// # use licman_core::{RouteOptions, RouteTable};
    /// assert_eq!(RouteTable::empty().options(), RouteOptions::default());
    /// ```
    pub fn options(&self) -> RouteOptions {
        self.options
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

    /// What a raw request path needs, under the path contract of the
    /// [module docs](self): the target of the longest matching prefix, or
    /// what the table gives unmatched paths ([`RouteTarget::Licensed`] by
    /// default, [`RouteTarget::Unlisted`] under [`UnmatchedPath::Deny`]).
    ///
    /// ```
    /// # use licman_core::{InvalidPath, RouteTarget};
    /// # let catalog = licman_core::__doc_catalog();
    /// let routes = catalog.routes();
    /// assert_eq!(routes.target("/"), Ok(RouteTarget::Public));
    /// assert_eq!(routes.target("/anything-else"), Ok(RouteTarget::Licensed));
    /// assert_eq!(routes.target("/health/../audit-schedules"), Err(InvalidPath));
    /// assert_eq!(routes.target("/login/..;/audit-schedules"), Err(InvalidPath));
    /// assert_ne!(routes.target("/%61udit-schedules"), Ok(RouteTarget::Licensed));
    /// ```
    pub fn target(&self, path: &str) -> Result<RouteTarget, InvalidPath> {
        // One pass over the path: refuse what a prefix match could be
        // bypassed with (no leading `/`; empty, `.` or `..` segments; bytes
        // outside the path characters), stop at `?`, allow one trailing
        // `/`, and at the end of each segment look the prefix up while some
        // route still extends it. The deepest route found wins, but only
        // once the whole path has proved canonical. A path with an escape,
        // and every path of a case-folding table, goes through
        // `target_normalized`, which compares decoded and folded bytes.
        let bytes = path.as_bytes();
        if bytes.first() != Some(&b'/') {
            return Err(InvalidPath);
        }
        if self.options.case == PathCase::FoldAscii {
            return self.target_normalized(bytes);
        }
        let mut found = self.unmatched;
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
                            self.root.unwrap_or(self.unmatched)
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
                PERCENT => return self.target_normalized(bytes),
                _ => return Err(InvalidPath),
            }
            i += 1;
        }
    }

    /// [`target`](Self::target) for a path with escapes, or in a
    /// case-folding table: the same walk, one byte at a time, over the
    /// decoded and folded path, whose prefix is kept in a stack buffer of
    /// [`MAX_ROUTE_LEN`] bytes (a longer prefix cannot be a route).
    #[cold]
    #[inline(never)]
    fn target_normalized(&self, bytes: &[u8]) -> Result<RouteTarget, InvalidPath> {
        let fold = self.options.case == PathCase::FoldAscii;
        let mut prefix = [0u8; MAX_ROUTE_LEN];
        // Bytes of the decoded path so far, including those past the buffer.
        let mut len = 0usize;
        let mut found = self.unmatched;
        let mut next_segments = self.first_segments;
        // The current segment, decoded: its length, first byte, and whether
        // it is all dots.
        let (mut segment_len, mut first, mut dots) = (0usize, 0u8, true);
        let mut i = 0usize;
        loop {
            let byte = bytes.get(i).copied();
            let kind = byte.map_or(END, class);
            let decoded = match kind {
                PLAIN => byte,
                PERCENT => decode_unreserved(bytes.get(i..).unwrap_or_default()),
                _ => None,
            };
            if let Some(mut decoded) = decoded {
                if fold {
                    decoded.make_ascii_lowercase();
                }
                if segment_len == 0 {
                    first = decoded;
                }
                dots &= decoded == b'.';
                segment_len += 1;
                if let Some(slot) = prefix.get_mut(len) {
                    *slot = decoded;
                }
                len += 1;
                i += if kind == PERCENT { 3 } else { 1 };
                continue;
            }
            match kind {
                SLASH | END if i > 0 => {
                    if segment_len == 0 {
                        if kind != END {
                            return Err(InvalidPath);
                        }
                        return Ok(if len == 1 {
                            self.root.unwrap_or(self.unmatched)
                        } else {
                            found
                        });
                    }
                    if dots && segment_len <= 2 {
                        return Err(InvalidPath);
                    }
                    if next_segments & segment_bit(first) != 0 {
                        match prefix.get(..len).and_then(|p| self.nodes.get_bytes(p)) {
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
                    if kind == END {
                        return Ok(found);
                    }
                }
                // The leading `/` (checked by the caller).
                SLASH => {}
                _ => return Err(InvalidPath),
            }
            if let Some(slot) = prefix.get_mut(len) {
                *slot = b'/';
            }
            len += 1;
            (segment_len, dots) = (0, true);
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
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
        assert_eq!(t.target("/devices#frag"), Err(InvalidPath));
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
            RouteError::RouteConflict {
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
            "/a;b",
            "/a#b",
            "/a%",
            "/a%4",
            "/a%zz",
            "/a%20b",
            "/a b",
            "/a\u{e9}",
            "/a%C3%A9",
            "/a%00",
            "/a\0",
            "/a\x7f",
            "/a[b]",
            "/a|b",
        ] {
            assert_eq!(t.target(bad), Err(InvalidPath), "{bad:?}");
        }
        assert_eq!(
            t.target("/a/%41"),
            Ok(RouteTarget::Public),
            "escapes of unreserved characters are decoded"
        );
        assert_eq!(t.target("/a/b!$&'()*+,=:@~-._"), Ok(RouteTarget::Public));
    }

    /// Spellings that a decoding, parameter-stripping or case-insensitive
    /// backend resolves to `/analytics`: each must need `analytics` or be
    /// refused, never fall through to "any license".
    #[test]
    fn spellings_of_a_module_route_need_the_module_or_are_refused() {
        let analytics = RouteTarget::Module(ModuleId(9));
        let exact = table(&[
            ("/analytics", analytics),
            ("/login", RouteTarget::Public),
            ("/", RouteTarget::Public),
        ]);
        let folding = RouteTable::with_options(
            exact.entries().map(|(p, t)| (p.to_string(), t)),
            RouteOptions {
                case: PathCase::FoldAscii,
                ..RouteOptions::default()
            },
        )
        .unwrap();
        let decoded = [
            "/%61nalytics",
            "/%61%6E%61%6c%79%74%69%63%73",
            "/analytic%73",
            "/analytics%2F",
            "/%2561nalytics",
            "/analytics/%2e%2e/analytics",
            "/analytics/%2E",
            "/login/..;/analytics",
            "/login;/../analytics",
            "/analytics;jsessionid=1",
            "/;/analytics",
            "/login/%2e%2e/analytics",
            "/login/..%2fanalytics",
            "/login%2f..%2fanalytics",
            "/login\\..\\analytics",
            "/login/..%5canalytics",
            "/./analytics",
            "//analytics",
            "/login//../analytics",
            "/analytics%00",
            "/analytics%09",
            "/%20/analytics",
            "/analytics#x",
            "/login#/../analytics",
            "/analytics/\u{0}",
            "/an%C3%A1lytics",
        ];
        for spelling in decoded {
            for t in [&exact, &folding] {
                let got = t.target(spelling);
                assert!(
                    got == Ok(analytics) || got == Err(InvalidPath),
                    "{spelling:?} gave {got:?}"
                );
            }
        }
        assert_eq!(exact.target("/%61nalytics"), Ok(analytics));
        assert_eq!(exact.target("/%61nalytics/7?x"), Ok(analytics));
        assert_eq!(
            exact.target("/ANALYTICS"),
            Ok(RouteTarget::Licensed),
            "an exact table is for an exact router"
        );
        for spelling in ["/ANALYTICS", "/Analytics/x", "/%41nalytics", "/aNaLyTiCs/"] {
            assert_eq!(folding.target(spelling), Ok(analytics), "{spelling:?}");
        }
        assert_eq!(folding.target("/LOGIN"), Ok(RouteTarget::Public));
        assert_eq!(folding.target("/"), Ok(RouteTarget::Public));
        assert_eq!(folding.target("/Other"), Ok(RouteTarget::Licensed));
    }

    #[test]
    fn unmatched_paths_can_be_denied() {
        let m = RouteTarget::Module(ModuleId(1));
        let deny = RouteTable::with_options(
            [
                ("/devices".to_string(), m),
                ("/open".to_string(), RouteTarget::Licensed),
            ],
            RouteOptions {
                unmatched: UnmatchedPath::Deny,
                ..RouteOptions::default()
            },
        )
        .unwrap();
        assert_eq!(deny.target("/devices/1"), Ok(m));
        assert_eq!(deny.target("/open/x"), Ok(RouteTarget::Licensed));
        assert_eq!(deny.target("/other"), Ok(RouteTarget::Unlisted));
        assert_eq!(deny.target("/"), Ok(RouteTarget::Unlisted));
        assert_eq!(deny.target("/%6fther"), Ok(RouteTarget::Unlisted));
        assert!(
            RouteTable::new([("/x".to_string(), RouteTarget::Unlisted)]).is_err(),
            "Unlisted is what a table gives, not what a route says"
        );
    }

    #[test]
    fn folded_routes_conflict_and_long_prefixes_do_not_match() {
        let fold = RouteOptions {
            case: PathCase::FoldAscii,
            ..RouteOptions::default()
        };
        let both = [
            ("/Admin".to_string(), RouteTarget::Public),
            ("/admin".to_string(), RouteTarget::Licensed),
        ];
        assert_eq!(
            RouteTable::with_options(both.clone(), fold).unwrap_err(),
            RouteError::RouteConflict {
                path: "/admin".into()
            }
        );
        assert!(RouteTable::new(both).is_ok());
        let longest = format!("/{}", "b".repeat(MAX_ROUTE_LEN - 1));
        let m = RouteTarget::Module(ModuleId(3));
        let t = RouteTable::with_options([(longest.clone(), m)], fold).unwrap();
        assert_eq!(t.target(&longest), Ok(m));
        assert_eq!(t.target(&format!("{longest}/more")), Ok(m));
        assert_eq!(t.target(&format!("{longest}b")), Ok(RouteTarget::Licensed));
        let escaped = format!("/%62{}", "b".repeat(MAX_ROUTE_LEN - 2));
        assert_eq!(table(&[(&longest, m)]).target(&escaped), Ok(m));
    }

    #[test]
    fn invalid_routes_are_refused() {
        for bad in [
            "", "x", "/a/", "//", "/a?b", "/a#b", "/a%20", "/a/../b", "/a/./b", "/a;b", "/a b",
            "/\u{e9}",
        ] {
            assert!(
                RouteTable::new(vec![(bad.to_string(), RouteTarget::Public)]).is_err(),
                "{bad:?}"
            );
        }
    }
}
