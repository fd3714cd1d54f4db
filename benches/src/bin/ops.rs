//! Runs one benchmarked operation N times, for instruction counts under
//! callgrind (`benches/callgrind.sh` runs each op at two counts and takes the
//! difference, so set-up cancels out).
//!
//! ```text
//! ops OPERATION COUNT
//! ops list            # every operation, one per line
//! ```

#![allow(clippy::expect_used)] // fixed inputs

use std::hint::black_box;

use licman_benches::{
    Fixture, naive_route, naive_user_modules, now, professional_claims, signing_key,
};
use licman_core::{LicenseId, ModuleId, QuotaId};

/// Every operation this runner knows.
pub const OPERATIONS: &[&str] = &[
    "verify_strict_floor",
    "licman_verify",
    "licman_verify_catalog",
    "licman_verify_armored",
    "jwt_verify",
    "paseto_verify",
    "licman_issue",
    "revocation_contains",
    "has_module_id",
    "has_module_name",
    "hashset_contains",
    "check_quota",
    "accept",
    "user_modules_1",
    "user_modules_8",
    "user_modules_64",
    "naive_user_modules_8",
    "route_seed",
    "authorize_seed",
    "authorize_500",
    "authorize_escaped",
    "authorize_folding",
    "naive_route_500",
    "window_check_baseline",
    "is_usable_at",
    "status_at",
    "seat_assign",
    "seat_assign_sealed",
    "seat_assign_naive",
    "seat_bulk_assign_1000",
    "seat_reclamation_plan",
    "seat_analytics",
    "seat_replay_10_events",
    "seat_apply_10_events",
];

/// The seat operations' fixtures: smaller than the criterion benches', so
/// that valgrind builds and runs each in a few seconds. An assign's or a
/// replayed event's instructions hardly depend on the state's size (hash
/// lookups); the naive scan's grow with it, and the plan's with the
/// assignments it covers.
mod seat_shapes {
    use licman_benches::seats::{AnalyticsShape, AssignShape, PlanShape, TrailShape};

    /// Runs prepared for: any count up to this builds the same fixture.
    pub(crate) const RUNS: u64 = 101;

    /// 1,000 pools, 10,000 assignments, room for 101 bulk assigns.
    pub(crate) const ASSIGN: AssignShape = AssignShape {
        pools: 1_000,
        assignments: 10_000,
        headroom: 102_000,
    };

    /// 12 pools (15 rules), 1,200 assignments: 100 a pool, as in the
    /// criterion bench's 100,000 over 1,000 pools (the plan sorts each
    /// pool's seats, so its cost per seat grows with the pool, not the
    /// state).
    pub(crate) const PLAN: PlanShape = PlanShape {
        pools: 12,
        assignments: 1_200,
    };

    /// 100 pools (4 concurrent), 10,000 assignments: 100 a pool, as in the
    /// criterion bench's 100,000 over 1,000.
    pub(crate) const ANALYTICS: AnalyticsShape = AnalyticsShape {
        pools: 100,
        assignments: 10_000,
    };

    /// 1,000 events before the ones replayed, then 10 a run.
    pub(crate) fn trail(runs: usize) -> TrailShape {
        TrailShape {
            named_pools: 20,
            concurrent_pools: 5,
            users: 200,
            events: 1_000 + 10 * runs,
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["list"] {
        println!("{}", OPERATIONS.join("\n"));
        return Ok(());
    }
    let [op, count] = args.as_slice() else {
        return Err(format!(
            "usage: ops OPERATION COUNT\noperations: {}",
            OPERATIONS.join(" ")
        )
        .into());
    };
    let count: u64 = count.parse()?;
    if op.starts_with("seat_") {
        println!("{}", seat_op(op, count)?);
        return Ok(());
    }
    let f = Fixture::new();
    let key = signing_key();
    let claims = professional_claims();
    let (access, groups) = &f.groups;
    let probe = LicenseId::from_bytes([0xee; 16]);
    let devices = QuotaId(1);
    let now = now();
    let paths = (
        black_box("/devices/7/config"),
        black_box("/api/v3/resource-409/items/7"),
    );
    // The operation is chosen once; the loop holds only the operation.
    let sink = match op.as_str() {
        "verify_strict_floor" => repeat(count, || u64::from(f.verify_strict_floor())),
        "licman_verify" => repeat(count, || u64::from(f.licman_verify())),
        "licman_verify_catalog" => repeat(count, || u64::from(f.licman_verify_catalog())),
        "licman_verify_armored" => repeat(count, || u64::from(f.licman_verify_armored())),
        "jwt_verify" => repeat(count, || u64::from(f.jwt_verify())),
        "paseto_verify" => repeat(count, || u64::from(f.paseto_verify())),
        "licman_issue" => repeat(count, || f.licman_issue(&key, &claims) as u64),
        "revocation_contains" => repeat(count, || {
            u64::from(f.revocations.contains(black_box(&probe)))
        }),
        "has_module_id" => repeat(count, || {
            u64::from(f.license.has_module(black_box(ModuleId(8))))
        }),
        "has_module_name" => repeat(count, || {
            u64::from(
                f.license
                    .has_module_named(black_box("scheduled_audits"))
                    .unwrap_or(false),
            )
        }),
        "hashset_contains" => repeat(count, || {
            u64::from(f.name_set.contains(black_box("scheduled_audits")))
        }),
        "check_quota" => repeat(count, || {
            u64::from(f.license.check_quota(devices, black_box(50), 1).is_ok())
        }),
        "accept" => repeat(count, || {
            f.license.accept(devices, black_box(90), 20).accepted
        }),
        "user_modules_1" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..1]), false)).to_words()[0]
        }),
        "user_modules_8" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..8]), false)).to_words()[0]
        }),
        "user_modules_64" => repeat(count, || {
            black_box(access.user_modules(black_box(&groups[..64]), false)).to_words()[0]
        }),
        "naive_user_modules_8" => repeat(count, || {
            naive_user_modules(black_box(&f.naive_groups[..8]), &f.name_set).len() as u64
        }),
        "route_seed" => repeat(count, || {
            u64::from(f.routes.0.target(black_box(paths.0)) == Ok(licman_core::RouteTarget::Public))
        }),
        "authorize_seed" => repeat(count, || {
            u64::from(
                f.routes
                    .0
                    .authorize(black_box(paths.0), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "authorize_500" => repeat(count, || {
            u64::from(
                f.routes
                    .1
                    .authorize(black_box(paths.1), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "authorize_escaped" => repeat(count, || {
            u64::from(
                f.routes
                    .0
                    .authorize(
                        black_box("/%64evices/7/config"),
                        Some(&f.license),
                        None,
                        now,
                    )
                    .is_ok(),
            )
        }),
        "authorize_folding" => repeat(count, || {
            u64::from(
                f.folding_routes
                    .authorize(black_box("/Devices/7/config"), Some(&f.license), None, now)
                    .is_ok(),
            )
        }),
        "window_check_baseline" => {
            let claims = f.license.license().claims();
            repeat(count, || {
                let now = black_box(now);
                u64::from(
                    claims.starts_at <= now
                        && claims
                            .expires_at
                            .is_none_or(|e| now < e.saturating_add(claims.grace_period)),
                )
            })
        }
        "is_usable_at" => repeat(count, || u64::from(f.license.is_usable_at(black_box(now)))),
        "status_at" => repeat(count, || {
            u64::from(f.license.status_at(black_box(now)).is_usable())
        }),
        "naive_route_500" => repeat(count, || {
            u64::from(
                naive_route(&f.naive_routes, black_box(paths.1))
                    != licman_core::RouteTarget::Public,
            )
        }),
        other => {
            return Err(format!(
                "unknown operation {other:?}; operations: {}",
                OPERATIONS.join(" ")
            )
            .into());
        }
    };
    println!("{sink}");
    Ok(())
}

/// A seat operation `count` times. The fixture is the same for every count
/// up to [`seat_shapes::RUNS`] (so it cancels out), and mutating operations
/// do the same work each run: each assign is of a new assignment id and a
/// user without a seat in the pool, each bulk fills another pool, each
/// replay step takes the trail's next ten events (a round: four assigns,
/// two deallocations, a checkout, a heartbeat, a release and an activity
/// update).
fn seat_op(op: &str, count: u64) -> Result<u64, Box<dyn std::error::Error>> {
    use licman_benches::seats::{AssignFixture, NaiveSeats, analytics_state, plan_state, trail};
    use licman_core::seats::{AnalyticsOptions, ChainHead, Context, Reply, SeatEngine};

    let runs = usize::try_from(count.max(seat_shapes::RUNS))?;
    let now = now();
    let sink = match op {
        "seat_assign" | "seat_assign_sealed" | "seat_assign_naive" => {
            let f = AssignFixture::new(seat_shapes::ASSIGN, runs, 0);
            let mut commands = f.assigns.iter().cycle();
            let mut next = move || commands.next().expect("a command");
            match op {
                "seat_assign" => {
                    let mut state = f.state;
                    repeat(count, || {
                        u64::from(state.execute(black_box(next()), now).is_ok())
                    })
                }
                "seat_assign_sealed" => {
                    let mut engine = SeatEngine::from_parts(f.state, ChainHead::GENESIS);
                    let cx = Context::new(now, "bench");
                    repeat(count, || {
                        u64::from(engine.run(black_box(next()), &cx).is_ok())
                    })
                }
                _ => {
                    // The naive model takes the assignment back after each
                    // (a pop), so every run scans the same 10,000.
                    let mut naive = NaiveSeats::from_state(&f.state);
                    repeat(count, || {
                        let done = naive.assign_command(black_box(next()), now).is_ok();
                        if done {
                            naive.assignments.pop();
                        }
                        u64::from(done)
                    })
                }
            }
        }
        "seat_bulk_assign_1000" => {
            let f = AssignFixture::new(seat_shapes::ASSIGN, 0, runs);
            let mut state = f.state;
            let mut bulks = f.bulks.iter();
            repeat(count, || {
                let done = state.execute(black_box(bulks.next().expect("a bulk")), now);
                match done.map(|d| d.reply) {
                    Ok(Reply::Bulk(report)) => report.succeeded as u64,
                    _ => 0,
                }
            })
        }
        "seat_reclamation_plan" => {
            let state = plan_state(seat_shapes::PLAN);
            repeat(count, || {
                let plan = state.reclamation_plan(black_box(now));
                (plan.notices.len() + plan.reclaims.len()) as u64
            })
        }
        "seat_analytics" => {
            let state = analytics_state(seat_shapes::ANALYTICS);
            let options = AnalyticsOptions::default();
            repeat(count, || {
                let report = state.analytics(black_box(now), &options);
                report.summary.allocated + report.recommendations.len() as u64
            })
        }
        "seat_replay_10_events" | "seat_apply_10_events" => {
            let trail = trail(seat_shapes::trail(runs));
            let start = trail.len() - 10 * runs;
            let mut engine = SeatEngine::replay(&trail[..start]).expect("the trail replays");
            let mut blocks = trail[start..].chunks(10);
            if op == "seat_replay_10_events" {
                repeat(count, || {
                    let block = black_box(blocks.next().expect("ten events"));
                    u64::from(engine.replay_onto(block).is_ok())
                })
            } else {
                let (mut state, _) = engine.into_parts();
                repeat(count, || {
                    let block = black_box(blocks.next().expect("ten events"));
                    block
                        .iter()
                        .map(|e| u64::from(state.apply(&e.change).is_ok()))
                        .sum()
                })
            }
        }
        other => {
            return Err(format!(
                "unknown operation {other:?}; operations: {}",
                OPERATIONS.join(" ")
            )
            .into());
        }
    };
    Ok(sink)
}

/// Runs `op` `count` times and folds the results so none is optimised away.
#[inline(always)]
fn repeat(count: u64, mut op: impl FnMut() -> u64) -> u64 {
    let mut sink = 0u64;
    for _ in 0..count {
        sink = sink.wrapping_add(op());
    }
    sink
}
