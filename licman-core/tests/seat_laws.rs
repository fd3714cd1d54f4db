//! Laws of the seat engine over random command sequences, written from the
//! specification (the issue), not from the engine's code.
//!
//! Commands draw their ids from small alphabets (5 pools, 7 users, 10
//! assignment ids, lease ids, …) over a clock that moves forward, so that
//! refusals and successes both occur often, and mix every command type:
//! pools (create, update, archive, delete, expiry), users, assignments,
//! bulk commands, leases, incompatibilities, reclamation rules, entitlement
//! links. Commands that end something mostly name an object that exists
//! (`@n`, resolved when the command runs); now and then several holders
//! rush a concurrent pool, and its capacity or lease options change under
//! them. The laws:
//!
//! 1. never more seats held than capacity (leases: ⌊capacity × overage⌋),
//!    except that a license renewed for fewer seats (`FollowLicense`) may
//!    leave a pool over, after which no command gives it another seat;
//!    and capacity refusals carry the right figures;
//! 2. incompatibilities are symmetric, and no seat given while a rule
//!    exists gives its holder both sides;
//! 3. a bulk command equals its items one by one (but for items repeated
//!    within the request, refused as `duplicate_in_request`);
//! 4. the trail replays into the same engine, every event verifies, and
//!    an edited, removed or swapped event is caught at the right seq;
//! 5. every change is exactly one event; a refusal or a command with no
//!    change leaves the state as it was;
//! 6. a deallocate or reclaim frees exactly one seat;
//! 7. no command panics, garbage included;
//!
//! and events survive their byte form, trailing bytes refused; and
//! reclamation only reclaims what its rules allow (inactivity only after a
//! notice at least the notification period old).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::*;
use proptest::prelude::*;
use proptest::sample::Index;

#[path = "support/seats.rs"]
mod support;
use support::*;

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

/// What the generators draw from: the small alphabets of a well-formed
/// script, or (`garbage`) those plus unknown ids, invalid text and extreme
/// numbers.
#[derive(Clone, Copy, Debug)]
struct Vocab {
    garbage: bool,
}

const SANE: Vocab = Vocab { garbage: false };
const WILD: Vocab = Vocab { garbage: true };

fn id_of(prefix: &'static str, n: usize, extra: &'static [&'static str]) -> BoxedStrategy<String> {
    let known = (0..n).prop_map(move |i| format!("{prefix}{i}"));
    if extra.is_empty() {
        known.boxed()
    } else {
        prop_oneof![12 => known, 1 => proptest::sample::select(extra).prop_map(String::from)]
            .boxed()
    }
}

/// Ids nobody creates, and edge-case ids that are still valid.
const STRANGE_IDS: &[&str] = &[
    "ghost",
    "x",
    "é✓",
    "a b",
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456",
];

impl Vocab {
    fn extra(self) -> &'static [&'static str] {
        if self.garbage { STRANGE_IDS } else { &[] }
    }

    /// p0–p3 exist from the start; p4 only if a command creates it; `px`
    /// never.
    fn pool(self) -> BoxedStrategy<PoolId> {
        let extra: &'static [&'static str] = if self.garbage { STRANGE_IDS } else { &["px"] };
        prop_oneof![10 => id_of("p", 4, &[]), 1 => Just("p4".to_string()), 1 => proptest::sample::select(extra).prop_map(String::from)]
            .prop_map(|s| pid(&s))
            .boxed()
    }

    /// A pool for an assignment, grant or link: mostly the named ones
    /// (p0, p1, and p3 when it is named).
    fn named_pool(self) -> BoxedStrategy<PoolId> {
        prop_oneof![
            3 => proptest::sample::select(&["p0", "p1", "p3"][..]).prop_map(pid),
            1 => self.pool(),
        ]
        .boxed()
    }

    /// A pool for a checkout: mostly the concurrent ones (p2, and p3 when
    /// it is concurrent).
    fn leased_pool(self) -> BoxedStrategy<PoolId> {
        prop_oneof![
            3 => proptest::sample::select(&["p2", "p3"][..]).prop_map(pid),
            1 => self.pool(),
        ]
        .boxed()
    }

    /// An assignment to end: mostly one that exists (`@n`, resolved when the
    /// command runs to the n-th active assignment), else any id.
    fn assignment_ref(self) -> BoxedStrategy<AssignmentId> {
        prop_oneof![
            3 => (0..1000usize).prop_map(|n| aid(&format!("@{n}"))),
            1 => self.assignment(),
        ]
        .boxed()
    }

    /// A lease to heartbeat or release: mostly one that exists (`@n`), else
    /// any id.
    fn lease_ref(self) -> BoxedStrategy<LeaseId> {
        prop_oneof![
            3 => (0..1000usize).prop_map(|n| lid(&format!("@{n}"))),
            1 => self.lease(),
        ]
        .boxed()
    }

    /// u0–u5 exist from the start; u6 only if created; `ghost` never.
    fn user(self) -> BoxedStrategy<UserId> {
        let extra: &'static [&'static str] = if self.garbage {
            STRANGE_IDS
        } else {
            &["ghost"]
        };
        prop_oneof![12 => id_of("u", 6, &[]), 1 => Just("u6".to_string()), 1 => proptest::sample::select(extra).prop_map(String::from)]
            .prop_map(|s| uid(&s))
            .boxed()
    }

    fn assignment(self) -> BoxedStrategy<AssignmentId> {
        id_of("a", 10, self.extra()).prop_map(|s| aid(&s)).boxed()
    }

    fn lease(self) -> BoxedStrategy<LeaseId> {
        id_of("l", 8, self.extra()).prop_map(|s| lid(&s)).boxed()
    }

    /// A new lease's id: mostly fresh (a wider alphabet), sometimes taken.
    fn new_lease(self) -> BoxedStrategy<LeaseId> {
        id_of("l", 30, self.extra()).prop_map(|s| lid(&s)).boxed()
    }

    /// Holders are the users' ids (so incompatibilities reach leases) and
    /// a kiosk.
    fn holder(self) -> BoxedStrategy<HolderId> {
        prop_oneof![8 => id_of("u", 6, self.extra()), 1 => Just("kiosk".to_string())]
            .prop_map(|s| hid(&s))
            .boxed()
    }

    fn incompatibility(self) -> BoxedStrategy<IncompatibilityId> {
        id_of("i", 4, self.extra()).prop_map(|s| iid(&s)).boxed()
    }

    fn rule(self) -> BoxedStrategy<RuleId> {
        id_of("r", 4, self.extra()).prop_map(|s| rid(&s)).boxed()
    }

    fn link(self) -> BoxedStrategy<LinkId> {
        id_of("k", 4, self.extra()).prop_map(|s| kid(&s)).boxed()
    }

    fn entitlement(self) -> BoxedStrategy<String> {
        let names = proptest::sample::select(&["design", "dev"][..]).prop_map(String::from);
        if self.garbage {
            prop_oneof![4 => names, 1 => self.text()].boxed()
        } else {
            names.boxed()
        }
    }

    /// A reason or note: mostly fine, sometimes empty.
    fn reason(self) -> BoxedStrategy<String> {
        if self.garbage {
            self.text()
        } else {
            prop_oneof![6 => Just("left the team".to_string()), 1 => Just(String::new()), 1 => Just("  ".to_string())]
                .boxed()
        }
    }

    /// Any text, from fine to invalid (control characters, too long).
    fn text(self) -> BoxedStrategy<String> {
        prop_oneof![
            Just(String::new()),
            Just(" ".to_string()),
            Just("ok".to_string()),
            Just("a\u{0}b".to_string()),
            Just("tab\tnew\nline".to_string()),
            Just("é✓ 日本".to_string()),
            Just("x".repeat(5000)),
            Just("y".repeat(201)),
            "\\PC{0,12}",
        ]
        .boxed()
    }

    fn name(self) -> BoxedStrategy<String> {
        let fine = (0..6usize).prop_map(|i| format!("Pool {i}"));
        if self.garbage {
            prop_oneof![3 => fine, 1 => self.text()].boxed()
        } else {
            fine.boxed()
        }
    }

    /// A small count in `lo..=hi`; garbage adds 0 and the extremes.
    fn small(self, lo: u32, hi: u32) -> BoxedStrategy<u32> {
        if self.garbage {
            prop_oneof![4 => lo..=hi, 1 => Just(0), 1 => Just(u32::MAX), 1 => any::<u32>()].boxed()
        } else {
            (lo..=hi).boxed()
        }
    }

    /// A point in the script's month (whole days after t0); garbage adds
    /// the ends of time.
    fn time(self) -> BoxedStrategy<Timestamp> {
        let days = (0..30u64).prop_map(|d| at(d * DAY));
        if self.garbage {
            prop_oneof![
                4 => days,
                1 => Just(Timestamp::from_unix_seconds(u64::MAX)),
                1 => Just(Timestamp::UNIX_EPOCH),
                1 => any::<u64>().prop_map(Timestamp::from_unix_seconds),
            ]
            .boxed()
        } else {
            days.boxed()
        }
    }

    fn email(self) -> BoxedStrategy<String> {
        if self.garbage {
            prop_oneof![2 => Just("new@example.com".to_string()), 1 => self.text()].boxed()
        } else {
            Just("new@example.com".to_string()).boxed()
        }
    }

    fn lifecycle(self) -> BoxedStrategy<String> {
        let states = proptest::sample::select(&["active", "terminated", "on_leave"][..])
            .prop_map(String::from);
        if self.garbage {
            prop_oneof![3 => states, 1 => self.text()].boxed()
        } else {
            states.boxed()
        }
    }
}

fn overage() -> impl Strategy<Value = Overage> {
    prop_oneof![
        Just(Overage::None),
        Just(Overage::X1_25),
        Just(Overage::X1_5),
        Just(Overage::X2)
    ]
}

fn policy() -> impl Strategy<Value = ExpiryPolicy> {
    prop_oneof![Just(ExpiryPolicy::BlockNew), Just(ExpiryPolicy::RevokeAll)]
}

fn lease_options(v: Vocab) -> BoxedStrategy<LeaseOptions> {
    let ttl = if v.garbage {
        v.small(59, 1200)
    } else {
        prop_oneof![1 => Just(60u32), 2 => Just(600), 2 => Just(3600)].boxed()
    };
    let linger = if v.garbage {
        v.small(0, 600)
    } else {
        prop_oneof![2 => Just(0u32), 1 => Just(30), 1 => Just(600)].boxed()
    };
    (ttl, overage(), linger, v.small(0, 3))
        .prop_map(|(ttl, overage, linger, borrow)| LeaseOptions {
            ttl_seconds: ttl,
            overage,
            linger_seconds: linger,
            max_borrow_days: borrow,
        })
        .boxed()
}

/// A pool's expiration: none mostly, else a day of the script's month.
fn expiry(v: Vocab) -> BoxedStrategy<Option<Timestamp>> {
    prop_oneof![2 => Just(None), 1 => v.time().prop_map(|t| Some(t.max(at(DAY))))].boxed()
}

fn spec(
    v: Vocab,
    id: BoxedStrategy<PoolId>,
    name: BoxedStrategy<String>,
) -> BoxedStrategy<PoolSpec> {
    (
        id,
        name,
        v.small(1, 4),
        any::<bool>(),
        expiry(v),
        policy(),
        lease_options(v),
    )
        .prop_map(|(id, name, capacity, conc, expires_at, policy, lease)| {
            let mut s = PoolSpec::new(id, &name, capacity);
            if conc {
                s.license_type = LicenseType::Concurrent;
            }
            s.expires_at = expires_at;
            s.expiry_policy = policy;
            s.lease = lease;
            s
        })
        .boxed()
}

fn pool_patch(v: Vocab) -> BoxedStrategy<PoolPatch> {
    use proptest::option::weighted;
    (
        weighted(0.2, v.name()),
        weighted(
            0.5,
            if v.garbage {
                v.small(0, 6)
            } else {
                (0..=5u32).boxed()
            },
        ),
        weighted(0.3, expiry(v)),
        weighted(0.2, policy()),
        weighted(0.3, lease_options(v)),
        weighted(0.1, v.text()),
    )
        .prop_map(
            |(name, capacity, expires_at, expiry_policy, lease, notes)| PoolPatch {
                name,
                capacity,
                expires_at,
                expiry_policy,
                lease,
                notes,
                ..PoolPatch::default()
            },
        )
        .boxed()
}

fn user_patch(v: Vocab) -> BoxedStrategy<UserPatch> {
    use proptest::option::weighted;
    (
        weighted(0.1, v.email()),
        weighted(0.4, any::<bool>()),
        weighted(0.4, v.lifecycle()),
        weighted(0.4, v.time()),
    )
        .prop_map(|(email, active, lifecycle, last_activity)| UserPatch {
            email,
            active,
            lifecycle,
            last_activity,
        })
        .boxed()
}

fn trigger(v: Vocab) -> BoxedStrategy<Trigger> {
    prop_oneof![
        v.small(1, 5).prop_map(|days| Trigger::Inactivity { days }),
        v.lifecycle().prop_map(|state| Trigger::Lifecycle { state }),
    ]
    .boxed()
}

fn source() -> impl Strategy<Value = AssignmentSource> {
    prop_oneof![
        4 => Just(AssignmentSource::Manual),
        1 => Just(AssignmentSource::Automatic)
    ]
}

fn bulk_items(v: Vocab) -> BoxedStrategy<Vec<BulkAssignItem>> {
    let small = proptest::collection::vec(
        (v.assignment(), v.user()).prop_map(|(id, user)| BulkAssignItem { id, user }),
        0..8,
    );
    // Now and then a request over the limit.
    let huge = Just(
        (0..=MAX_BULK_ITEMS)
            .map(|i| BulkAssignItem {
                id: aid(&format!("bulk{i}")),
                user: uid(&format!("u{}", i % 7)),
            })
            .collect::<Vec<_>>(),
    );
    prop_oneof![40 => small, 1 => huge].boxed()
}

fn bulk_ids(v: Vocab) -> BoxedStrategy<Vec<AssignmentId>> {
    let small = proptest::collection::vec(v.assignment_ref(), 0..8);
    let huge = Just(
        (0..=MAX_BULK_ITEMS)
            .map(|i| aid(&format!("a{}", i % 10)))
            .collect::<Vec<_>>(),
    );
    prop_oneof![40 => small, 1 => huge].boxed()
}

/// One command of any type.
fn command(v: Vocab) -> BoxedStrategy<Command> {
    let notes = if v.garbage {
        v.text()
    } else {
        Just(String::new()).boxed()
    };
    prop_oneof![
        2 => spec(v, v.pool(), v.name()).prop_map(Command::CreatePool),
        3 => (v.pool(), pool_patch(v)).prop_map(|(pool, patch)| Command::UpdatePool { pool, patch }),
        1 => v.pool().prop_map(|pool| Command::ArchivePool { pool }),
        1 => v.pool().prop_map(|pool| Command::DeletePool { pool }),
        2 => Just(Command::ApplyExpiry),
        2 => (v.pool(), v.small(1, 6), expiry(v))
            .prop_map(|(pool, capacity, expires_at)| Command::FollowLicense { pool, capacity, expires_at }),
        1 => (v.user(), v.email(), any::<bool>(), v.lifecycle(), proptest::option::of(v.time()))
            .prop_map(|(id, email, active, lifecycle, last_activity)| Command::CreateUser {
                id, email, active, lifecycle, last_activity,
            }),
        3 => (v.user(), user_patch(v)).prop_map(|(user, patch)| Command::UpdateUser { user, patch }),
        10 => (v.assignment(), v.named_pool(), v.user(), source(), notes.clone())
            .prop_map(|(id, pool, user, source, notes)| Command::Assign { id, pool, user, source, notes }),
        3 => v.assignment_ref().prop_map(|assignment| Command::Deallocate { assignment }),
        3 => (v.assignment_ref(), v.reason()).prop_map(|(assignment, reason)| Command::Reclaim { assignment, reason }),
        3 => (v.named_pool(), bulk_items(v), source(), notes)
            .prop_map(|(pool, items, source, notes)| Command::BulkAssign { pool, items, source, notes }),
        2 => (bulk_ids(v), v.reason())
            .prop_map(|(assignments, reason)| Command::BulkReclaim { assignments, reason }),
        12 => (
            v.new_lease(),
            v.leased_pool(),
            v.holder(),
            proptest::option::weighted(0.2, v.small(1, 4)),
            proptest::option::weighted(0.2, prop_oneof![Just(30u32), Just(60), Just(120), Just(3600)]),
        )
            .prop_map(|(id, pool, holder, borrow_days, ttl_seconds)| Command::Checkout {
                id,
                pool,
                holder,
                borrow_days,
                ttl_seconds
            }),
        3 => v.lease_ref().prop_map(|lease| Command::Heartbeat { lease }),
        3 => v.lease_ref().prop_map(|lease| Command::Release { lease }),
        1 => proptest::option::of(v.pool()).prop_map(|pool| Command::CullLeases { pool }),
        4 => (v.incompatibility(), v.pool(), v.pool(), v.reason())
            .prop_map(|(id, pool_a, pool_b, reason)| Command::CreateIncompatibility { id, pool_a, pool_b, reason }),
        1 => v.incompatibility().prop_map(|id| Command::DeleteIncompatibility { id }),
        2 => (v.rule(), v.named_pool(), trigger(v), v.small(0, 3), proptest::bool::weighted(0.8))
            .prop_map(|(id, pool, trigger, notify_days, enabled)| Command::CreateRule { id, pool, trigger, notify_days, enabled }),
        1 => (v.rule(), proptest::option::weighted(0.3, trigger(v)), proptest::option::weighted(0.3, v.small(0, 3)), proptest::option::weighted(0.3, any::<bool>()))
            .prop_map(|(rule, trigger, notify_days, enabled)| Command::UpdateRule { rule, patch: RulePatch { trigger, notify_days, enabled } }),
        1 => v.rule().prop_map(|rule| Command::DeleteRule { rule }),
        4 => prop_oneof![4 => Just(Vec::new()), 1 => proptest::collection::vec(v.rule(), 1..3)]
            .prop_map(|rules| Command::ApplyReclamation { rules }),
        2 => (v.link(), v.named_pool(), v.entitlement(), -3..3i32, proptest::bool::weighted(0.8))
            .prop_map(|(id, pool, entitlement, priority, enabled)| Command::CreateLink { id, pool, entitlement, priority, enabled }),
        1 => (v.link(), proptest::option::of(-3..3i32), proptest::option::of(any::<bool>()))
            .prop_map(|(link, priority, enabled)| Command::UpdateLink { link, priority, enabled }),
        1 => v.link().prop_map(|link| Command::DeleteLink { link }),
        4 => (v.assignment(), v.user(), v.entitlement())
            .prop_map(|(id, user, entitlement)| Command::Grant { id, user, entitlement }),
        2 => (prop_oneof![2 => (0..1000usize).prop_map(|n| uid(&format!("@{n}"))), 1 => v.user()], v.entitlement())
            .prop_map(|(user, entitlement)| Command::Withdraw { user, entitlement }),
    ]
    .boxed()
}

/// How far the clock moves before a command: often not at all, often
/// within a lease's TTL, sometimes days.
fn step() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        2 => 1..60u64,
        2 => 60..1200u64,
        1 => Just(DAY),
        1 => (2..6u64).prop_map(|d| d * DAY),
    ]
}

/// A script: the setup (pools p0–p3, users u0–u5, at t0), then commands at
/// a clock moving forward.
#[derive(Clone, Debug)]
struct Script {
    steps: Vec<(Timestamp, Command)>,
}

/// The setup: pools p0 and p1 named, p2 concurrent, p3 either; users
/// u0–u5 (mostly active); two incompatibilities between random pools; two
/// links of `design` and one of `dev`; an inactivity rule and a lifecycle
/// rule.
fn setup() -> BoxedStrategy<Vec<Command>> {
    let pools = (0..4usize)
        .map(|i| {
            (
                spec(
                    SANE,
                    Just(pid(&format!("p{i}"))).boxed(),
                    Just(format!("Pool {i}")).boxed(),
                ),
                any::<bool>(),
            )
                .prop_map(move |(mut s, either)| {
                    s.license_type = match (i, either) {
                        (0 | 1, _) | (3, false) => LicenseType::Named,
                        _ => LicenseType::Concurrent,
                    };
                    Command::CreatePool(s)
                })
                .boxed()
        })
        .collect::<Vec<_>>();
    let pool = || (0..4usize).prop_map(|i| pid(&format!("p{i}")));
    let incompatibilities = (0..2usize)
        .map(|i| {
            (pool(), pool())
                .prop_map(move |(pool_a, pool_b)| Command::CreateIncompatibility {
                    id: iid(&format!("i{i}")),
                    pool_a,
                    pool_b,
                    reason: "licence terms".into(),
                })
                .boxed()
        })
        .collect::<Vec<_>>();
    let links = [
        ("k0", "design", "p0"),
        ("k1", "design", "p1"),
        ("k2", "dev", "p3"),
    ]
    .into_iter()
    .map(|(id, entitlement, pool)| {
        (-1..2i32, proptest::bool::weighted(0.85))
            .prop_map(move |(priority, enabled)| link(id, pool, entitlement, priority, enabled))
            .boxed()
    })
    .collect::<Vec<_>>();
    let rules = (
        (
            proptest::sample::select(&["p0", "p1"][..]),
            1..4u32,
            0..3u32,
            proptest::bool::weighted(0.85),
        )
            .prop_map(|(pool, days, notify_days, enabled)| Command::CreateRule {
                id: rid("r0"),
                pool: pid(pool),
                trigger: Trigger::Inactivity { days },
                notify_days,
                enabled,
            }),
        (pool(), proptest::bool::weighted(0.85)).prop_map(|(pool, enabled)| Command::CreateRule {
            id: rid("r1"),
            pool,
            trigger: Trigger::Lifecycle {
                state: "terminated".into(),
            },
            notify_days: 0,
            enabled,
        }),
    );
    let users = (0..6usize)
        .map(|i| {
            (
                proptest::bool::weighted(0.85),
                SANE.lifecycle(),
                proptest::option::of(SANE.time()),
            )
                .prop_map(
                    move |(active, lifecycle, last_activity)| Command::CreateUser {
                        id: uid(&format!("u{i}")),
                        email: format!("u{i}@example.com"),
                        active,
                        lifecycle,
                        last_activity,
                    },
                )
                .boxed()
        })
        .collect::<Vec<_>>();
    (pools, users, incompatibilities, links, rules)
        .prop_map(|(mut p, u, i, k, (r0, r1))| {
            p.extend(u);
            p.extend(i);
            p.extend(k);
            p.extend([r0, r1]);
            p
        })
        .boxed()
}

/// A rush on a concurrent pool: several holders check out at once (so
/// that pools fill up and go into overage), and maybe then the pool's
/// capacity or lease options change under the leases.
fn rush() -> impl Strategy<Value = Vec<Command>> {
    let holders =
        proptest::sample::subsequence(&["u0", "u1", "u2", "u3", "u4", "u5", "kiosk"][..], 2..7);
    let squeeze = proptest::option::of((
        proptest::option::of(1..=5u32),
        proptest::option::of(lease_options(SANE)),
    ));
    (SANE.leased_pool(), holders, 0..1000u32, squeeze).prop_map(|(pool, holders, n, squeeze)| {
        let mut commands: Vec<Command> = holders
            .into_iter()
            .enumerate()
            .map(|(i, h)| Command::Checkout {
                id: lid(&format!("rush{n}-{i}")),
                pool: pool.clone(),
                holder: hid(h),
                borrow_days: None,
                ttl_seconds: None,
            })
            .collect();
        if let Some((capacity, lease)) = squeeze {
            commands.push(Command::UpdatePool {
                pool,
                patch: PoolPatch {
                    capacity,
                    lease,
                    ..PoolPatch::default()
                },
            });
        }
        commands
    })
}

fn script(len: usize) -> impl Strategy<Value = Script> {
    let commands = prop_oneof![12 => command(SANE).prop_map(|c| vec![c]), 1 => rush()];
    (
        setup(),
        proptest::collection::vec((step(), commands), 0..len),
    )
        .prop_map(|(setup, steps)| {
            let mut out: Vec<(Timestamp, Command)> = setup.into_iter().map(|c| (t0(), c)).collect();
            let mut now = t0();
            for (dt, commands) in steps {
                now = now.saturating_add(Duration::from_secs(dt));
                out.extend(commands.into_iter().map(|c| (now, c)));
            }
            Script { steps: out }
        })
}

/// A script of garbage at any times, forward or back.
fn wild_script() -> impl Strategy<Value = Script> {
    let time = prop_oneof![
        6 => (0..40 * DAY).prop_map(at),
        1 => Just(Timestamp::from_unix_seconds(u64::MAX)),
        1 => Just(Timestamp::UNIX_EPOCH),
        1 => any::<u64>().prop_map(Timestamp::from_unix_seconds),
    ];
    (
        setup(),
        proptest::collection::vec((time, command(WILD)), 0..40),
    )
        .prop_map(|(setup, steps)| {
            let mut out: Vec<(Timestamp, Command)> = setup.into_iter().map(|c| (t0(), c)).collect();
            out.extend(steps);
            Script { steps: out }
        })
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// ⌊capacity × factor⌋, from the specification's factors.
fn lease_limit(capacity: u32, overage: Overage) -> u64 {
    let c = u64::from(capacity);
    match overage {
        Overage::None => c,
        Overage::X1_25 => (c * 125) / 100,
        Overage::X1_5 => (c * 15) / 10,
        Overage::X2 => c * 2,
    }
}

/// Law 1 at `now`: no pool holds more seats than it may, or, when a
/// license renewed for fewer seats (`FollowLicense`) left it over, no more
/// than it held before the command: no seat is given beyond the limit.
fn check_capacity(
    before: &SeatState,
    state: &SeatState,
    now: Timestamp,
    after: &Command,
) -> Result<(), TestCaseError> {
    for pool in state.pools() {
        let assigned = active_seats(state, &pool.id);
        let leased = leases_holding(state, &pool.id, now);
        let (assigned_before, leased_before) = match before.pool(&pool.id) {
            Some(_) => (
                active_seats(before, &pool.id),
                leases_holding(before, &pool.id, now),
            ),
            None => (0, 0),
        };
        match pool.license_type {
            LicenseType::Named => {
                prop_assert!(
                    assigned <= u64::from(pool.capacity).max(assigned_before),
                    "{} holds {assigned} assignments, capacity {} (after {after:?})",
                    pool.id,
                    pool.capacity
                );
                prop_assert_eq!(leased, 0, "a named pool has no leases");
                prop_assert_eq!(state.allocated(&pool.id, now), Some(assigned));
            }
            LicenseType::Concurrent => {
                let limit = lease_limit(pool.capacity, pool.lease.overage);
                prop_assert!(
                    leased <= limit.max(leased_before),
                    "{} holds {leased} leases, limit {limit} (capacity {}, {:?}) after {after:?}",
                    pool.id,
                    pool.capacity,
                    pool.lease.overage
                );
                prop_assert_eq!(assigned, 0, "a concurrent pool has no assignments");
                prop_assert_eq!(state.allocated(&pool.id, now), Some(leased));
            }
        }
    }
    Ok(())
}

/// The figures a capacity refusal carries are the pool's, before the
/// command: `capacity_exceeded` the capacity (× overage for leases) and the
/// seats held, `capacity_below_allocated` and `pool_has_assignments` the
/// seats held.
fn check_refusal_figures(
    before: &SeatState,
    command: &Command,
    now: Timestamp,
    result: &Result<Outcome, Refusal>,
) -> Result<(), TestCaseError> {
    let pool = match command {
        Command::Assign { pool, .. }
        | Command::Checkout { pool, .. }
        | Command::UpdatePool { pool, .. }
        | Command::DeletePool { pool } => pool,
        _ => return Ok(()),
    };
    let Some(p) = before.pool(pool) else {
        return Ok(());
    };
    let held = match p.license_type {
        LicenseType::Named => active_seats(before, pool),
        LicenseType::Concurrent => leases_holding(before, pool, now),
    };
    match result {
        Err(Refusal::CapacityExceeded {
            capacity,
            allocated,
        }) => {
            let limit = match p.license_type {
                LicenseType::Named => u64::from(p.capacity),
                LicenseType::Concurrent => lease_limit(p.capacity, p.lease.overage),
            };
            prop_assert_eq!((*capacity, *allocated), (limit, held), "{:?}", command);
            prop_assert!(held >= limit);
        }
        Err(Refusal::CapacityBelowAllocated { allocated, .. }) => {
            prop_assert_eq!(*allocated, held, "{:?}", command);
        }
        Err(Refusal::PoolHasAssignments { allocated }) => {
            prop_assert_eq!(*allocated, held, "{:?}", command);
            prop_assert!(held > 0);
        }
        Ok(_) if matches!(command, Command::DeletePool { .. }) => {
            prop_assert_eq!(held, 0, "a pool holding seats was deleted");
        }
        _ => {}
    }
    Ok(())
}

/// The seats a successful command newly gave: (pool, holder) per
/// assignment made or lease checked out.
fn new_seats(changes: &[Change]) -> Vec<(PoolId, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Assigned(a) => Some((a.pool.clone(), a.user.as_str().to_string())),
            Change::LeaseOut(l) => Some((l.pool.clone(), l.holder.as_str().to_string())),
            _ => None,
        })
        .collect()
}

fn all_pool_ids() -> Vec<PoolId> {
    (0..5)
        .map(|i| pid(&format!("p{i}")))
        .chain([pid("px")])
        .collect()
}

/// The command with its `@n` references resolved against `state` at
/// `now`: the n-th (mod the count, in id order) active assignment, lease
/// holding a seat (else any lease not ended), or entitlement grant; with
/// none, the reference stays (an unknown id).
fn resolve(state: &SeatState, command: &Command, now: Timestamp) -> Command {
    fn nth(text: &str, mut ids: Vec<String>) -> Option<String> {
        let n: usize = text.strip_prefix('@')?.parse().ok()?;
        ids.sort();
        (!ids.is_empty()).then(|| ids[n % ids.len()].clone())
    }
    let assignment = |id: &AssignmentId| {
        let active = state
            .assignments()
            .filter(|a| a.status == AssignmentStatus::Active)
            .map(|a| a.id.as_str().to_string())
            .collect();
        nth(id.as_str(), active).map_or_else(|| id.clone(), |s| aid(&s))
    };
    let lease = |id: &LeaseId| {
        let ids = |f: &dyn Fn(&Lease) -> bool| -> Vec<String> {
            state
                .leases()
                .filter(|l| f(l))
                .map(|l| l.id.as_str().to_string())
                .collect()
        };
        let mut live = ids(&|l| l.status == LeaseStatus::Out && holds_at(l, now));
        if live.is_empty() {
            live = ids(&|l| l.status != LeaseStatus::Ended);
        }
        nth(id.as_str(), live).map_or_else(|| id.clone(), |s| lid(&s))
    };
    match command {
        Command::Deallocate { assignment: a } => Command::Deallocate {
            assignment: assignment(a),
        },
        Command::Reclaim {
            assignment: a,
            reason,
        } => Command::Reclaim {
            assignment: assignment(a),
            reason: reason.clone(),
        },
        Command::BulkReclaim {
            assignments,
            reason,
        } => Command::BulkReclaim {
            assignments: assignments.iter().map(assignment).collect(),
            reason: reason.clone(),
        },
        Command::Heartbeat { lease: l } => Command::Heartbeat { lease: lease(l) },
        Command::Release { lease: l } => Command::Release { lease: lease(l) },
        Command::Withdraw { user, entitlement } => {
            let mut grants: Vec<&Assignment> = state
                .assignments()
                .filter(|a| a.status == AssignmentStatus::Active && a.entitlement.is_some())
                .collect();
            grants.sort_by(|a, b| a.id.cmp(&b.id));
            match user
                .as_str()
                .strip_prefix('@')
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) if !grants.is_empty() => {
                    let a = grants[n % grants.len()];
                    Command::Withdraw {
                        user: a.user.clone(),
                        entitlement: a.entitlement.clone().unwrap_or_default(),
                    }
                }
                _ => Command::Withdraw {
                    user: user.clone(),
                    entitlement: entitlement.clone(),
                },
            }
        }
        other => other.clone(),
    }
}

/// Runs a script on a bare state, calling `law(before, command, now,
/// result, after)` after every command.
fn run_script(
    script: &Script,
    mut law: impl FnMut(
        &SeatState,
        &Command,
        Timestamp,
        &Result<Outcome, Refusal>,
        &SeatState,
    ) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let mut state = SeatState::new();
    for (now, command) in &script.steps {
        let command = &resolve(&state, command, *now);
        let before = state.clone();
        let result = state.execute(command, *now);
        law(&before, command, *now, &result, &state)?;
    }
    Ok(())
}

/// Whether a bulk item repeats an earlier item of its request (the same
/// user or the same new assignment id).
fn repeated_assign_items(items: &[BulkAssignItem]) -> Vec<bool> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            items[..i]
                .iter()
                .any(|e| e.user == item.user || e.id == item.id)
        })
        .collect()
}

fn repeated_ids(ids: &[AssignmentId]) -> Vec<bool> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| ids[..i].contains(id))
        .collect()
}

/// Law 3 for one bulk command at `now` on `state`.
fn check_bulk_equals_sequential(
    state: &SeatState,
    command: &Command,
    now: Timestamp,
) -> Result<(), TestCaseError> {
    // The items one by one, as plain commands; `None` for a repeat.
    let singles: Vec<Option<Command>> = match command {
        Command::BulkAssign {
            pool,
            items,
            source,
            notes,
        } => {
            let repeated = repeated_assign_items(items);
            items
                .iter()
                .zip(repeated)
                .map(|(item, rep)| {
                    (!rep).then(|| Command::Assign {
                        id: item.id.clone(),
                        pool: pool.clone(),
                        user: item.user.clone(),
                        source: *source,
                        notes: notes.clone(),
                    })
                })
                .collect()
        }
        Command::BulkReclaim {
            assignments,
            reason,
        } => {
            let repeated = repeated_ids(assignments);
            assignments
                .iter()
                .zip(repeated)
                .map(|(id, rep)| {
                    (!rep).then(|| Command::Reclaim {
                        assignment: id.clone(),
                        reason: reason.clone(),
                    })
                })
                .collect()
        }
        _ => return Ok(()),
    };

    let mut bulk_state = state.clone();
    let bulk = bulk_state.execute(command, now);

    let mut seq_state = state.clone();
    let mut seq_results = Vec::new();
    let mut seq_changes = Vec::new();
    for single in &singles {
        match single {
            None => seq_results.push(Err(Refusal::DuplicateInRequest)),
            Some(c) => match seq_state.execute(c, now) {
                Ok(outcome) => {
                    let Reply::Assignment(a) = &outcome.reply else {
                        return Err(TestCaseError::fail(format!(
                            "{c:?} answered {:?}",
                            outcome.reply
                        )));
                    };
                    prop_assert!(seq_state.assignment(a).is_some());
                    seq_results.push(Ok(a.clone()));
                    seq_changes.extend(outcome.changes);
                }
                Err(e) => seq_results.push(Err(e)),
            },
        }
    }

    match bulk {
        Ok(outcome) => {
            prop_assert!(
                singles.len() <= MAX_BULK_ITEMS,
                "a bulk of {} was accepted",
                singles.len()
            );
            let Reply::Bulk(report) = &outcome.reply else {
                return Err(TestCaseError::fail(format!(
                    "bulk answered {:?}",
                    outcome.reply
                )));
            };
            prop_assert_eq!(
                &report.items,
                &seq_results,
                "per-item results, in input order"
            );
            let ok = seq_results.iter().filter(|r| r.is_ok()).count();
            prop_assert_eq!(report.succeeded, ok);
            prop_assert_eq!(report.failed, seq_results.len() - ok);
            prop_assert_eq!(&outcome.changes, &seq_changes);
            prop_assert!(
                bulk_state == seq_state,
                "bulk state differs from one by one: {command:?}"
            );
        }
        Err(refusal) => {
            prop_assert!(bulk_state == *state, "a refused bulk changes nothing");
            if singles.len() > MAX_BULK_ITEMS {
                prop_assert_eq!(
                    refusal,
                    Refusal::BulkTooLarge {
                        limit: MAX_BULK_ITEMS,
                        given: singles.len()
                    }
                );
            } else {
                // Refused whole for what every item shares (its reason or
                // notes): then every item alone is refused the same way.
                for (r, single) in seq_results.iter().zip(&singles) {
                    if single.is_some() {
                        prop_assert_eq!(
                            r,
                            &Err(refusal.clone()),
                            "refused whole but not item by item"
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Laws
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Law 1: after every command, a named pool's active assignments are at
    /// most its capacity and a concurrent pool's leases holding a seat are
    /// at most ⌊capacity × overage factor⌋; the engine's `allocated` agrees
    /// with a count over every assignment and lease; capacity refusals
    /// carry those figures; no pool holding a seat is deleted.
    #[test]
    fn never_more_seats_than_capacity(script in script(40)) {
        run_script(&script, |before, command, now, result, after| {
            check_capacity(before, after, now, command)?;
            check_refusal_figures(before, command, now, result)
        })?;
    }

    /// Law 2: `incompatibility_between` is symmetric and agrees with the
    /// rules listed; creating a rule for two pools that have one either
    /// way round is refused; and no assignment, lease or grant that
    /// succeeded while a rule existed leaves its holder with both sides.
    #[test]
    fn incompatibility_is_symmetric(script in script(40)) {
        let pools = all_pool_ids();
        run_script(&script, |before, command, now, result, after| {
            for a in &pools {
                for b in &pools {
                    let ab = after.incompatibility_between(a, b).map(|i| i.id.clone());
                    let ba = after.incompatibility_between(b, a).map(|i| i.id.clone());
                    prop_assert_eq!(&ab, &ba, "between({}, {}) differs from between({}, {})", a, b, b, a);
                    if a == b {
                        prop_assert_eq!(ab, None, "a pool is not incompatible with itself");
                    }
                }
            }
            for inc in after.incompatibilities() {
                prop_assert_ne!(&inc.pool_a, &inc.pool_b);
                let found = after.incompatibility_between(&inc.pool_b, &inc.pool_a).map(|i| &i.id);
                prop_assert_eq!(found, Some(&inc.id));
            }
            if let Command::CreateIncompatibility { pool_a, pool_b, .. } = command {
                let existed = before.incompatibility_between(pool_a, pool_b).is_some()
                    || before.incompatibility_between(pool_b, pool_a).is_some();
                if existed {
                    prop_assert!(result.is_err(), "a second rule for {}–{} was accepted", pool_a, pool_b);
                }
                if let Err(Refusal::DuplicateRule { .. }) = result {
                    prop_assert!(existed, "duplicate_rule with no rule either way");
                }
            }
            if let Ok(outcome) = result {
                for (pool, who) in new_seats(&outcome.changes) {
                    for inc in before.incompatibilities() {
                        let Some(other) = inc.other_than(&pool) else { continue };
                        prop_assert!(
                            !holds_seat(after, other, &who, now),
                            "{} got {} while holding {} (rule {}) by {:?}",
                            who, pool, other, inc.id, command
                        );
                    }
                }
            }
            Ok(())
        })?;
    }

    /// Law 3: a bulk assign or reclaim equals its items applied one by one
    /// in order (same state, same per-item results and counts, same
    /// changes), except that an item repeating an earlier one of the
    /// request is refused `duplicate_in_request`; a request over 1000 items
    /// is refused whole.
    #[test]
    fn bulk_equals_one_by_one(script in script(40)) {
        run_script(&script, |before, command, now, _, _| check_bulk_equals_sequential(before, command, now))?;
    }

    /// Law 5: a successful command writes exactly one event per change
    /// (each event's change is the change, in order, chained on from the
    /// head); the changes alone turn the old state into the new one; a
    /// command with no change, or a refusal, leaves the engine as it was.
    /// Law 4 along the way: replaying each command's events onto a replica
    /// keeps it equal to the engine.
    #[test]
    fn every_change_is_exactly_one_event(script in script(40)) {
        let mut engine = SeatEngine::new();
        let mut replica = SeatEngine::new();
        for (i, (now, command)) in script.steps.iter().enumerate() {
            let actor = if i % 2 == 0 { "admin" } else { "hr-sync" };
            let before = engine.clone();
            match engine.run(&resolve(engine.state(), command, *now), &Context::new(*now, actor)) {
                Ok(recorded) => {
                    let changes = &recorded.outcome.changes;
                    prop_assert_eq!(recorded.events.len(), changes.len(), "{:?}", command);
                    let mut head = before.head();
                    for (event, change) in recorded.events.iter().zip(changes) {
                        prop_assert_eq!(&event.change, change);
                        prop_assert_eq!(event.seq, head.next_seq);
                        prop_assert_eq!(event.prev_hash, head.last_hash);
                        prop_assert_eq!(event.effective_at, *now);
                        prop_assert_eq!(event.actor.as_str(), actor);
                        head = ChainHead { next_seq: event.seq + 1, last_hash: event.hash };
                    }
                    prop_assert_eq!(engine.head(), head);
                    let mut rebuilt = before.state().clone();
                    for change in changes {
                        rebuilt.apply(change).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    }
                    prop_assert!(&rebuilt == engine.state(), "the changes do not explain the new state: {command:?}");
                    if changes.is_empty() {
                        prop_assert!(engine == before, "no change, yet the engine moved: {command:?}");
                    }
                    replica.replay_onto(&recorded.events).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    prop_assert!(replica == engine, "replica differs after {command:?}");
                }
                Err(_) => prop_assert!(engine == before, "a refusal changed the engine: {command:?}"),
            }
        }
    }

    /// Law 4: the whole trail replays into an equal engine and verifies up
    /// to its head; editing one event's actor is caught at that event
    /// (`bad_hash`), removing one at the event found in its place
    /// (`out_of_sequence`; the last one, against the head: `truncated_trail`
    /// at its seq), swapping two at the first of them (`out_of_sequence`,
    /// naming the later event found there).
    #[test]
    fn replay_equals_state_and_tampering_is_caught(
        script in script(30),
        how in 0..3u8,
        i in any::<Index>(),
        j in any::<Index>(),
    ) {
        let mut engine = SeatEngine::new();
        let mut trail = Vec::new();
        for (now, command) in &script.steps {
            if let Ok(r) = engine.run(&resolve(engine.state(), command, *now), &Context::new(*now, "admin")) {
                trail.extend(r.events);
            }
        }
        let head = engine.head();
        prop_assert_eq!(head.next_seq, trail.len() as u64 + 1);
        prop_assert_eq!(SeatEngine::replay(&trail).unwrap(), engine.clone());
        prop_assert_eq!(SeatEngine::replay_to(&trail, head).unwrap(), engine.clone());
        prop_assert_eq!(SeatEngine::verify_chain(&trail, ChainHead::GENESIS), Ok(head));
        for (k, e) in trail.iter().enumerate() {
            prop_assert_eq!(e.seq, k as u64 + 1);
        }

        let n = trail.len();
        let mut bad = trail.clone();
        match how {
            0 => {
                let k = i.index(n);
                bad[k].actor = format!("{}-edited", bad[k].actor);
                let err = SeatEngine::replay(&bad).unwrap_err();
                prop_assert_eq!(err.code(), "bad_hash");
                prop_assert_eq!(err.seq(), k as u64 + 1);
                prop_assert_eq!(SeatEngine::verify_chain(&bad, ChainHead::GENESIS).unwrap_err().seq(), k as u64 + 1);
            }
            1 => {
                let k = i.index(n);
                bad.remove(k);
                if k + 1 == n {
                    prop_assert!(SeatEngine::replay(&bad).is_ok());
                    let err = SeatEngine::replay_to(&bad, head).unwrap_err();
                    prop_assert_eq!(err, AuditError::Truncated { seq: k as u64 + 1 });
                } else {
                    let err = SeatEngine::replay(&bad).unwrap_err();
                    prop_assert_eq!(err.clone(), AuditError::OutOfSequence { expected: k as u64 + 1, seq: k as u64 + 2 });
                    prop_assert_eq!(err.seq(), k as u64 + 2);
                }
            }
            _ => {
                if n >= 2 {
                    let a = i.index(n);
                    let mut b = j.index(n - 1);
                    if b >= a {
                        b += 1;
                    }
                    let (lo, hi) = (a.min(b), a.max(b));
                    bad.swap(lo, hi);
                    let err = SeatEngine::replay(&bad).unwrap_err();
                    prop_assert_eq!(err.clone(), AuditError::OutOfSequence { expected: lo as u64 + 1, seq: hi as u64 + 1 });
                    prop_assert_eq!(err.seq(), hi as u64 + 1);
                }
            }
        }
    }

    /// Law 6: a successful deallocate, reclaim or withdraw frees exactly
    /// one seat of its pool (the assignment ends released or reclaimed with
    /// the reason); a bulk reclaim frees one per reclaimed item.
    #[test]
    fn deallocate_and_reclaim_free_one_seat(script in script(40)) {
        run_script(&script, |before, command, now, result, after| {
            let Ok(outcome) = result else { return Ok(()) };
            let freed = |ids: &[AssignmentId]| -> Result<(), TestCaseError> {
                let mut by_pool: std::collections::BTreeMap<PoolId, u64> = Default::default();
                for id in ids {
                    let a = before.assignment(id).unwrap();
                    *by_pool.entry(a.pool.clone()).or_default() += 1;
                }
                for (pool, n) in by_pool {
                    let was = before.allocated(&pool, now).unwrap();
                    let is = after.allocated(&pool, now).unwrap();
                    prop_assert_eq!(is + n, was, "pool {} went from {} to {} seats", pool, was, is);
                    prop_assert_eq!(active_seats(after, &pool) + n, active_seats(before, &pool));
                }
                Ok(())
            };
            match command {
                Command::Deallocate { assignment } => {
                    prop_assert_eq!(after.assignment(assignment).unwrap().status, AssignmentStatus::Released);
                    freed(std::slice::from_ref(assignment))?;
                }
                Command::Reclaim { assignment, reason } => {
                    let a = after.assignment(assignment).unwrap();
                    prop_assert_eq!(a.status, AssignmentStatus::Reclaimed);
                    prop_assert_eq!(a.reason.as_deref(), Some(reason.as_str()));
                    freed(std::slice::from_ref(assignment))?;
                }
                Command::Withdraw { user, entitlement } => {
                    let a = before.grant(user, entitlement).unwrap().id.clone();
                    prop_assert_eq!(after.assignment(&a).unwrap().status, AssignmentStatus::Released);
                    prop_assert!(after.grant(user, entitlement).is_none());
                    freed(&[a])?;
                }
                Command::BulkReclaim { assignments, .. } => {
                    let Reply::Bulk(report) = &outcome.reply else { panic!() };
                    let done: Vec<AssignmentId> = assignments
                        .iter()
                        .zip(&report.items)
                        .filter(|(_, r)| r.is_ok())
                        .map(|(id, _)| id.clone())
                        .collect();
                    freed(&done)?;
                }
                _ => {}
            }
            Ok(())
        })?;
    }

    /// Reclamation: applying the rules carries out exactly the dry-run plan
    /// at now; notices are dated now; reclaims carry `rule:<id>` of an
    /// enabled rule of an unarchived pool; a lifecycle rule reclaims only
    /// users in its state; an inactivity rule only seats idle for its
    /// threshold (from the later of last activity and assignment) that had
    /// a notice at least the notification period old (or, with no period,
    /// one recorded now).
    #[test]
    fn reclamation_only_after_notice(script in script(50)) {
        run_script(&script, |before, command, now, result, _| {
            let plan = before.reclamation_plan(now);
            for r in &plan.reclaims {
                prop_assert_ne!(before.pool(&r.pool).unwrap().status, PoolStatus::Archived);
            }
            for n in &plan.notices {
                prop_assert_ne!(before.pool(&n.pool).unwrap().status, PoolStatus::Archived);
            }
            let (Command::ApplyReclamation { rules }, Ok(outcome)) = (command, result) else {
                return Ok(());
            };
            let Reply::Reclamation(applied) = &outcome.reply else {
                return Err(TestCaseError::fail("no plan"));
            };
            prop_assert_eq!(applied, &before.reclamation_plan_for(now, rules));
            let noticed_now: Vec<(RuleId, AssignmentId)> = outcome
                .changes
                .iter()
                .filter_map(|c| match c {
                    Change::NoticeRecorded(n) => Some((n.rule.clone(), n.assignment.clone())),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(noticed_now.len(), applied.notices.len());
            let mut reclaims = 0;
            for change in &outcome.changes {
                match change {
                    Change::NoticeRecorded(n) => {
                        prop_assert_eq!(n.noticed_at, now, "a notice is dated now");
                        let rule = before.rule(&n.rule).unwrap();
                        prop_assert!(rule.enabled);
                        let inactivity = matches!(rule.trigger, Trigger::Inactivity { .. });
                        prop_assert!(inactivity, "a notice of a lifecycle rule");
                        prop_assert_ne!(before.pool(&rule.pool).unwrap().status, PoolStatus::Archived);
                    }
                    Change::Reclaimed { assignment, at, reason } => {
                        reclaims += 1;
                        prop_assert_eq!(*at, now);
                        let id = reason.strip_prefix("rule:").unwrap();
                        let rule = before.rule(&rid(id)).unwrap();
                        prop_assert!(rule.enabled);
                        prop_assert!(rules.is_empty() || rules.contains(&rule.id));
                        let a = before.assignment(assignment).unwrap();
                        prop_assert_eq!(a.status, AssignmentStatus::Active);
                        prop_assert_eq!(&a.pool, &rule.pool);
                        prop_assert_ne!(before.pool(&a.pool).unwrap().status, PoolStatus::Archived);
                        let user = before.user(&a.user).unwrap();
                        match &rule.trigger {
                            Trigger::Lifecycle { state } => prop_assert_eq!(&user.lifecycle, state),
                            Trigger::Inactivity { days } => {
                                let last = user.last_activity.map_or(a.assigned_at, |t| t.max(a.assigned_at));
                                prop_assert!(now >= last.saturating_add(Duration::from_secs(u64::from(*days) * DAY)),
                                    "{} reclaimed before {} idle days", assignment, days);
                                let period = Duration::from_secs(u64::from(rule.notify_days) * DAY);
                                let old_notice = before
                                    .notice(&rule.id, assignment)
                                    .is_some_and(|n| n.noticed_at.saturating_add(period) <= now);
                                let fresh_ok = rule.notify_days == 0
                                    && noticed_now.contains(&(rule.id.clone(), assignment.clone()));
                                prop_assert!(old_notice || fresh_ok,
                                    "{} reclaimed by {} without a notice {} days old", assignment, rule.id, rule.notify_days);
                            }
                        }
                    }
                    other => return Err(TestCaseError::fail(format!("reclamation changed {other:?}"))),
                }
            }
            prop_assert_eq!(reclaims, applied.reclaims.len());
            Ok(())
        })?;
    }

    /// Events survive their byte form; trailing bytes, a missing byte and
    /// random bytes are refused (never a panic).
    #[test]
    fn events_round_trip_through_bytes(script in script(30), junk in proptest::collection::vec(any::<u8>(), 0..64), cut in any::<Index>()) {
        let mut engine = SeatEngine::new();
        for (now, command) in &script.steps {
            let Ok(r) = engine.run(&resolve(engine.state(), command, *now), &Context::new(*now, "admin")) else { continue };
            for event in &r.events {
                let bytes = event.to_bytes();
                prop_assert!(!bytes.is_empty());
                prop_assert_eq!(&Event::from_bytes(&bytes).unwrap(), event);
                let mut longer = bytes.clone();
                longer.push(0);
                let err = Event::from_bytes(&longer).unwrap_err();
                prop_assert_eq!(err.code(), "malformed_event");
                longer.truncate(bytes.len());
                longer.extend_from_slice(&junk);
                if !junk.is_empty() {
                    prop_assert!(Event::from_bytes(&longer).is_err(), "trailing junk accepted");
                }
                let short = &bytes[..cut.index(bytes.len())];
                prop_assert!(Event::from_bytes(short).is_err(), "a cut-off event decoded");
            }
        }
        let _ = Event::from_bytes(&junk);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Law 7: no command panics — unknown ids, empty or invalid text, huge
    /// numbers, the ends of time, the clock going back — and whatever was
    /// accepted still replays; a refusal still changes nothing.
    #[test]
    fn no_panic_on_any_command(script in wild_script(), flip in any::<Index>(), byte in any::<u8>()) {
        let mut engine = SeatEngine::new();
        let mut trail = Vec::new();
        for (now, command) in &script.steps {
            let before = engine.clone();
            let cx = Context::new(*now, "fuzz").recorded_at(Timestamp::from_unix_seconds(u64::MAX));
            match engine.run(&resolve(engine.state(), command, *now), &cx) {
                Ok(r) => trail.extend(r.events),
                Err(refusal) => {
                    prop_assert!(engine == before);
                    let _ = (refusal.code(), refusal.kind().http_status(), refusal.to_string());
                }
            }
            let state = engine.state();
            let _ = state.reclamation_plan(*now);
            for pool in state.pools() {
                let _ = state.allocated(&pool.id, *now);
                let _ = pool.days_until_expiry(*now);
            }
        }
        prop_assert_eq!(SeatEngine::replay(&trail).unwrap(), engine);
        if let Some(last) = trail.last() {
            let mut bytes = last.to_bytes();
            let k = flip.index(bytes.len());
            bytes[k] ^= byte | 1;
            if let Some(e) = Event::from_bytes(&bytes).ok().filter(|e| e != last) {
                let mut edited = trail.clone();
                *edited.last_mut().unwrap() = e;
                prop_assert!(SeatEngine::replay(&edited).is_err(), "a flipped byte went unnoticed");
            }
        }
    }
}
