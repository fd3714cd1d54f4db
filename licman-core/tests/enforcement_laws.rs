//! Laws of enforcement, over generated licenses, groups, quotas and routes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::sync::LazyLock;

use licman_core::*;
use proptest::prelude::*;

#[path = "support/decoding_backend.rs"]
mod decoding_backend;
use decoding_backend::{backend_path, backend_target};

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::from_toml(include_str!("../../examples/catalogs/netaudit.toml")).unwrap()
});

/// A catalog whose module ids go past 64 (1–21, 64, 65, 130, 255), for the
/// general path of group access, with short and long (over 16 bytes)
/// aliases, so its name index spans several 64-slot words.
static WIDE_CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut toml = String::from("product = \"netaudit\"\ndisplay_name = \"NetAudit\"\n");
    for id in (1u8..=21).chain([64, 65, 130, 255]) {
        toml.push_str(&format!(
            "[[modules]]\nid = {id}\nname = \"m{id}\"\ndisplay_name = \"M{id}\"\n\
             aliases = [\"a{id}\", \"module-number-{id}-by-a-long-alias\"]\n"
        ));
    }
    toml.push_str(
        "[[quotas]]\nid = 1\nname = \"devices\"\ndisplay_name = \"Devices\"\nunit = \"devices\"\n",
    );
    Catalog::from_toml(&toml).unwrap()
});

/// Module ids of [`WIDE_CATALOG`].
fn wide_module() -> impl Strategy<Value = u8> {
    prop_oneof![8 => 1u8..=21, 1 => Just(64u8), 1 => Just(65u8), 1 => Just(130u8), 1 => Just(255u8)]
}

fn license_in(catalog: &Catalog, modules: &[u8], devices: QuotaLimit) -> Entitlements {
    license_with(catalog, modules, Some(devices))
}

/// `devices: None`: the license sets no devices limit (which counts as 0).
fn license_with(catalog: &Catalog, modules: &[u8], devices: Option<QuotaLimit>) -> Entitlements {
    let key = SigningKey::from_seed(&[0x21; 32]);
    let mut claims = licman_core::__doc_claims();
    claims.modules = modules.iter().copied().map(ModuleId).collect();
    match devices {
        Some(limit) => claims.quotas.insert(QuotaId(1), limit),
        None => claims.quotas.remove(&QuotaId(1)),
    };
    let text = key.issue(&claims).unwrap().to_compact();
    let ring = KeyRing::from_keys([key.public_key().clone()]);
    let now = Timestamp::from_date(2026, 6, 1).unwrap();
    Entitlements::verify(&ring, &text, catalog, &VerifyOptions::new("netaudit", now)).unwrap()
}

fn limit() -> impl Strategy<Value = QuotaLimit> {
    prop_oneof![
        Just(QuotaLimit::Unlimited),
        (0..u64::MAX).prop_map(QuotaLimit::Limited),
        (0u64..50).prop_map(QuotaLimit::Limited),
        Just(QuotaLimit::Limited(0)),
        // The largest storable limit (u64::MAX is refused at issue: use Unlimited).
        Just(QuotaLimit::Limited(u64::MAX - 1)),
    ]
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..100, any::<u64>(), Just(u64::MAX), Just(u64::MAX - 1)]
}

/// Routes from their segments, each needing its own module.
fn numbered_routes(routes: &std::collections::BTreeSet<Vec<String>>) -> Vec<(String, RouteTarget)> {
    routes
        .iter()
        .enumerate()
        .map(|(i, segments)| {
            (
                format!("/{}", segments.join("/")),
                RouteTarget::Module(ModuleId(u8::try_from(i).unwrap())),
            )
        })
        .collect()
}

/// The naive reference: scan every entry, keep the longest that equals the
/// path or is followed by '/' in it.
fn linear_scan(entries: &[(String, RouteTarget)], path: &str) -> RouteTarget {
    entries
        .iter()
        .filter(|(prefix, _)| path == prefix || path.starts_with(&format!("{prefix}/")))
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(RouteTarget::Licensed, |(_, t)| *t)
}

/// A piece of a request path segment: letters of the routes in either
/// case and escaped, and every spelling a backend resolves differently.
fn path_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-cA-C]{1,2}",
        1 => prop::sample::select(vec![
            "%61", "%41", "%62", "%63", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%25", "%2561",
            "%3b", "%3B", "%00", "%20", "%7e", "%3f", "%23", "%", "%4", "%zz", "%C3%A1", ";", ";x",
            ";jsessionid=1", "\\", "#", "?", "?q=/a", ".", "..", "~", "!", "@", "+", "\u{e1}",
            "\t", "\0",
        ])
        .prop_map(String::from),
    ]
}

fn raw_path() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::collection::vec(path_piece(), 0..3).prop_map(|pieces| pieces.concat()),
        0..6,
    )
    .prop_map(|segments| format!("/{}", segments.join("/")))
}

fn route_options() -> impl Strategy<Value = RouteOptions> {
    (any::<bool>(), any::<bool>()).prop_map(|(fold, deny)| RouteOptions {
        case: if fold {
            PathCase::FoldAscii
        } else {
            PathCase::Exact
        },
        unmatched: if deny {
            UnmatchedPath::Deny
        } else {
            UnmatchedPath::Licensed
        },
    })
}

/// The spellings of `/analytics` (or a path under it) that reached it on a
/// decoding, parameter-stripping, backslash-converting or case-insensitive
/// backend while the gateway saw no route, or another one.
const BYPASSES: &[&str] = &[
    "/%61nalytics",
    "/%61%6E%61%6c%79%74%69%63%73",
    "/analytic%73/x",
    "/%2561nalytics",
    "/login/..;/analytics",
    "/login;/../analytics",
    "/login;x=1/../analytics",
    "/;/analytics",
    "/analytics;jsessionid=1",
    "/login/%2e%2e/analytics",
    "/login/%2E%2E/analytics",
    "/login/.%2e/analytics",
    "/login/..%2fanalytics",
    "/login%2f..%2fanalytics",
    "/login%2F..%2Fanalytics",
    "/login/..%5canalytics",
    "/login\\..\\analytics",
    "/login/%252e%252e/analytics",
    "/./analytics",
    "//analytics",
    "/login//../analytics",
    "/login/../analytics",
    "/x/../analytics?y",
    "/ANALYTICS",
    "/Analytics/7",
    "/%41NALYTICS",
];

#[test]
fn every_known_bypass_needs_the_module_or_is_refused() {
    let analytics = RouteTarget::Module(ModuleId(9));
    let routes = vec![
        ("/analytics".to_string(), analytics),
        ("/login".to_string(), RouteTarget::Public),
        ("/".to_string(), RouteTarget::Public),
    ];
    for fold in [false, true] {
        let options = RouteOptions {
            case: if fold {
                PathCase::FoldAscii
            } else {
                PathCase::Exact
            },
            ..RouteOptions::default()
        };
        let table = RouteTable::with_options(routes.clone(), options).unwrap();
        for &raw in BYPASSES {
            let backend = backend_path(raw, true);
            // The model says each of these reaches analytics somewhere.
            assert_eq!(
                backend_target(&routes, &backend, true, RouteTarget::Licensed),
                analytics,
                "{raw:?} -> {backend:?}"
            );
            let got = table.target(raw);
            let case_only = backend_path(raw, false) != backend_path(raw, true)
                && backend_target(
                    &routes,
                    &backend_path(raw, false),
                    false,
                    RouteTarget::Licensed,
                ) != analytics;
            // An exact table is for an exact router, where a case change
            // reaches nothing.
            let allowed_other = !fold && case_only && got == Ok(RouteTarget::Licensed);
            assert!(
                got == Ok(analytics) || got == Err(InvalidPath) || allowed_other,
                "{raw:?} gave {got:?} (fold: {fold})"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Differential law against a model of the backend (percent-decoding
    /// twice, stripping `;` parameters, resolving dot segments, merging
    /// slashes, `\` as `/`, folding case when the table does): a path the
    /// table accepts gets exactly the target the backend's router gives
    /// it; so whenever the backend reaches a module, `target` needs that
    /// module or refuses the path.
    #[test]
    fn routes_agree_with_a_decoding_backend(
        routes in proptest::collection::btree_set(proptest::collection::vec("[a-cA-C]{1,2}", 1..4), 0..12),
        options in route_options(),
        raw in raw_path(),
    ) {
        let fold = options.case == PathCase::FoldAscii;
        let mut entries = numbered_routes(&routes);
        if fold {
            // Routes that differ only in case are one route there.
            let mut seen = std::collections::BTreeSet::new();
            entries.retain(|(path, _)| seen.insert(path.to_ascii_lowercase()));
        }
        let table = RouteTable::with_options(entries.clone(), options).unwrap();
        let unmatched = match options.unmatched {
            UnmatchedPath::Licensed => RouteTarget::Licensed,
            UnmatchedPath::Deny => RouteTarget::Unlisted,
        };
        let reached = backend_target(&entries, &backend_path(&raw, fold), fold, unmatched);
        match table.target(&raw) {
            Err(InvalidPath) => {}
            Ok(target) => prop_assert_eq!(target, reached, "{:?} routed as {:?}", raw, backend_path(&raw, fold)),
        }
    }

    /// `has_module_named` agrees with `has_module` on the catalog's id for
    /// every name and alias, short or long, and refuses any other name.
    #[test]
    fn has_module_named_agrees_with_ids(
        licensed in proptest::collection::vec(wide_module(), 0..25),
        probes in proptest::collection::vec("[a-z0-9-]{0,40}", 0..8),
    ) {
        let e = license_in(&WIDE_CATALOG, &licensed, QuotaLimit::Limited(1));
        for module in WIDE_CATALOG.modules() {
            let names = std::iter::once(module.name()).chain(module.aliases().iter().map(String::as_str));
            for name in names {
                prop_assert_eq!(e.has_module_named(name), Ok(e.has_module(module.id())), "{}", name);
            }
        }
        for probe in probes {
            match WIDE_CATALOG.module_id(&probe) {
                Some(id) => prop_assert_eq!(e.has_module_named(&probe), Ok(e.has_module(id))),
                None => prop_assert!(e.has_module_named(&probe).is_err(), "{}", probe),
            }
        }
    }

    /// check_quota agrees with arithmetic in u128; accept and remaining
    /// agree with it too; nothing overflows. A limit the license does not
    /// set counts as 0 and reads back as `None`.
    #[test]
    fn quota_checks_match_a_u128_reference(set in proptest::option::weighted(0.9, limit()), current in amount(), requested in amount()) {
        let e = license_with(&CATALOG, &[1], set);
        let devices = QuotaId(1);
        prop_assert_eq!(e.quota_limit(devices), set);
        let limit = set.unwrap_or(QuotaLimit::Limited(0));
        let expected = match limit {
            QuotaLimit::Unlimited => true,
            QuotaLimit::Limited(max) => u128::from(current) + u128::from(requested) <= u128::from(max),
        };
        prop_assert_eq!(e.check_quota(devices, current, requested).is_ok(), expected);
        let acceptance = e.accept(devices, current, requested);
        prop_assert_eq!(acceptance.accepted + acceptance.rejected, requested);
        let fits = match limit {
            QuotaLimit::Unlimited => u128::from(requested),
            QuotaLimit::Limited(max) => u128::from(requested).min(u128::from(max).saturating_sub(u128::from(current))),
        };
        prop_assert_eq!(u128::from(acceptance.accepted), fits);
        if acceptance.accepted > 0 {
            prop_assert!(e.check_quota(devices, current, acceptance.accepted).is_ok());
        }
        match limit {
            QuotaLimit::Limited(max) => {
                prop_assert_eq!(e.remaining(devices, current), Some(max.saturating_sub(current)));
                prop_assert!(e.usage_percent(devices, current).is_some());
            }
            QuotaLimit::Unlimited => {
                prop_assert_eq!(e.remaining(devices, current), None);
                prop_assert_eq!(e.usage_percent(devices, current), None);
            }
        }
        if !expected {
            let denial = e.check_quota(devices, current, requested).unwrap_err();
            let max = match limit { QuotaLimit::Limited(max) => max, QuotaLimit::Unlimited => unreachable!() };
            let reported = matches!(denial, licman_core::Denial::QuotaExceeded { max: m, current: c, requested: r, .. } if m == max && c == current && r == requested);
            prop_assert!(reported, "denial {:?}", denial);
        }
    }

    /// user modules ⊆ licensed; superuser = licensed; the union does not
    /// depend on the order of the groups.
    /// Over module ids below and above 64 (the narrow and the general
    /// representation), and with groups granted twice.
    #[test]
    fn user_modules_laws(
        licensed in proptest::collection::vec(wide_module(), 0..25),
        groups in proptest::collection::vec((proptest::collection::vec(wide_module(), 0..8), any::<bool>()), 0..10),
        regrant in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
        narrow in any::<bool>(),
    ) {
        // Half the licenses hold only ids below 64 (the narrow path).
        let licensed: Vec<u8> = licensed.into_iter().filter(|m| !narrow || *m < 64).collect();
        let e = license_in(&WIDE_CATALOG, &licensed, QuotaLimit::Limited(1));
        let mut access = GroupAccess::new(&e);
        let mut ids = Vec::new();
        // Group g0 is granted again, licensed modules only.
        let regrant_to: Vec<ModuleId> = if licensed.is_empty() {
            Vec::new()
        } else {
            regrant.iter().map(|i| ModuleId(licensed[i.index(licensed.len())])).collect()
        };
        for (i, (modules, only_licensed)) in groups.iter().enumerate() {
            // Half the groups ask only for licensed modules, so most exist.
            let requested: Vec<ModuleId> = modules
                .iter()
                .copied()
                .map(ModuleId)
                .filter(|m| !only_licensed || e.has_module(*m))
                .collect();
            match access.set_group(&format!("g{i}"), requested.iter().copied()) {
                Ok(id) => ids.push(id),
                Err(GroupError::ModuleNotLicensed { .. }) => {
                    prop_assert!(requested.iter().any(|m| !e.has_module(*m)));
                }
                Err(other) => prop_assert!(false, "{other}"),
            }
        }
        if access.group_id("g0").is_some() {
            access.set_group("g0", regrant_to.iter().copied()).unwrap();
        }
        let user = access.user_modules(&ids, false);
        prop_assert!(user.is_subset(e.modules()));
        prop_assert_eq!(access.user_modules(&ids, true), *e.modules());
        let mut reversed = ids.clone();
        reversed.reverse();
        prop_assert_eq!(access.user_modules(&reversed, false), user);
        let mut doubled = ids.clone();
        doubled.extend(ids.iter().copied());
        prop_assert_eq!(access.user_modules(&doubled, false), user);
        for module in 0u8..=255 {
            let m = ModuleId(module);
            let expected = ids.iter().any(|g| access.group_modules(*g).is_some_and(|s| s.contains(m)));
            prop_assert_eq!(user.contains(m), expected && e.has_module(m));
        }
    }

    /// The route table agrees with a naive reference: scan every entry,
    /// keep the longest that equals the path or is followed by '/' in it.
    #[test]
    fn routes_match_a_linear_scan(
        routes in proptest::collection::btree_set(proptest::collection::vec("[a-c]{1,2}", 1..4), 0..25),
        path in proptest::collection::vec("[a-c]{1,2}", 0..6),
        trailing_slash in any::<bool>(),
    ) {
        let entries = numbered_routes(&routes);
        let table = RouteTable::new(entries.clone()).unwrap();
        let path = format!("/{}", path.join("/"));
        let request = if trailing_slash && path != "/" { format!("{path}/") } else { path.clone() };
        let expected = linear_scan(&entries, &path);
        prop_assert_eq!(table.target(&request), Ok(expected));
    }

    /// The same law for deep, nested tables, where most prefixes of a route
    /// are not routes themselves and a path often shares a long prefix with
    /// one.
    #[test]
    fn deep_routes_match_a_linear_scan(
        routes in proptest::collection::btree_set(proptest::collection::vec("[ab]", 1..22), 1..12),
        pick in any::<proptest::sample::Index>(),
        cut in any::<proptest::sample::Index>(),
        extra in proptest::collection::vec("[ab]", 0..6),
    ) {
        // A path that shares a prefix with one of the routes, so deep
        // matches happen often.
        let base: Vec<String> = routes.iter().nth(pick.index(routes.len())).cloned().unwrap_or_default();
        let keep = cut.index(base.len() + 1);
        let path: Vec<String> = base.into_iter().take(keep).chain(extra).collect();
        let entries = numbered_routes(&routes);
        let table = RouteTable::new(entries.clone()).unwrap();
        let path = format!("/{}", path.join("/"));
        let expected = linear_scan(&entries, &path);
        prop_assert_eq!(table.target(&path), Ok(expected));
    }

    /// Storage clean-up: never deletes an owner's newest item, deletes oldest
    /// first, stops as soon as the total fits.
    #[test]
    fn storage_cleanup_laws(
        items in proptest::collection::vec((0u8..4, 0u64..1000, 0u64..50), 0..30),
        max in 0u64..20_000,
    ) {
        let owners = ["a", "b", "c", "d"];
        let items: Vec<StoredItem<'_>> = items
            .iter()
            .map(|&(o, size, t)| StoredItem { owner: owners[usize::from(o)], size_bytes: size, created_at: Timestamp::from_unix_seconds(t) })
            .collect();
        let plan = plan_storage_cleanup(&items, QuotaLimit::Limited(max));
        let total: u128 = items.iter().map(|i| u128::from(i.size_bytes)).sum();
        let deleted: u128 = plan.delete.iter().map(|&i| u128::from(items[i].size_bytes)).sum();
        prop_assert_eq!(plan.bytes_after, total - deleted);
        prop_assert_eq!(plan.still_exceeded, plan.bytes_after > u128::from(max));
        for owner in owners {
            let own: Vec<usize> = (0..items.len()).filter(|&i| items[i].owner == owner).collect();
            if !own.is_empty() {
                prop_assert!(own.iter().any(|i| !plan.delete.contains(i)), "{} lost every item", owner);
            }
        }
        for pair in plan.delete.windows(2) {
            prop_assert!(items[pair[0]].created_at <= items[pair[1]].created_at);
        }
        if let Some(&last) = plan.delete.last() {
            let before_last = plan.bytes_after + u128::from(items[last].size_bytes);
            prop_assert!(before_last > u128::from(max), "deleted more than needed");
        }
    }
}
