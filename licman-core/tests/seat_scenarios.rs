//! The seat engine's acceptance scenarios and edge cases, written from the
//! specification (the issue): each test reads as the scenario it checks,
//! runs through a [`SeatEngine`] (so every success also writes its events)
//! and ends by replaying the trail into the same engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use licman_core::seats::*;

#[path = "support/seats.rs"]
mod support;
use support::*;

/// A world with active users ada, bob, cy, dan and eve.
fn world_with_users() -> World {
    let mut w = World::new();
    for u in ["ada", "bob", "cy", "dan", "eve"] {
        w.ok(&create_user(u, true, "active"));
    }
    w
}

fn lease_options(f: impl FnOnce(&mut LeaseOptions)) -> LeaseOptions {
    let mut o = LeaseOptions::default();
    f(&mut o);
    o
}

fn patch_pool(pool: &str, patch: PoolPatch) -> Command {
    Command::UpdatePool {
        pool: pid(pool),
        patch,
    }
}

// ---------------------------------------------------------------------------
// Pools
// ---------------------------------------------------------------------------

#[test]
fn full_pool_refuses_the_next_assignment_with_capacity_and_allocated() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 2)));
    w.ok(&assign("a1", "figma", "ada"));
    w.ok(&assign("a2", "figma", "bob"));
    assert_eq!(
        w.refused(&assign("a3", "figma", "cy")),
        Refusal::CapacityExceeded {
            capacity: 2,
            allocated: 2
        }
    );
    assert_eq!(w.allocated("figma"), 2);

    // A freed seat can be taken.
    w.ok(&deallocate("a1"));
    assert_eq!(w.allocated("figma"), 1);
    w.ok(&assign("a3", "figma", "cy"));
    w.check_replay();
}

#[test]
fn capacity_must_be_positive_and_may_not_drop_below_allocated() {
    let mut w = world_with_users();
    assert_eq!(
        w.refused_code(&create_pool(named("zero", 0))),
        "invalid_value"
    );
    w.ok(&create_pool(named("figma", 5)));
    for (i, u) in ["ada", "bob", "cy"].iter().enumerate() {
        w.ok(&assign(&format!("a{i}"), "figma", u));
    }
    let to = |capacity| {
        patch_pool(
            "figma",
            PoolPatch {
                capacity: Some(capacity),
                ..PoolPatch::default()
            },
        )
    };
    assert_eq!(
        w.refused(&to(2)),
        Refusal::CapacityBelowAllocated {
            capacity: 2,
            allocated: 3
        }
    );
    assert_eq!(w.refused_code(&to(0)), "invalid_value");
    assert_eq!(w.pool("figma").capacity, 5);
    // Down to exactly the seats held is fine.
    w.ok(&to(3));
    assert_eq!(w.pool("figma").capacity, 3);
    assert_eq!(
        w.refused_code(&assign("a9", "figma", "dan")),
        "capacity_exceeded"
    );
    w.check_replay();
}

#[test]
fn a_pool_following_its_license_keeps_the_seats_out_when_renewed_for_fewer() {
    let mut w = world_with_users();
    w.ok(&create_pool(concurrent("cad", 4, LeaseOptions::default())));
    for (i, h) in ["ws-1", "ws-2", "ws-3"].iter().enumerate() {
        w.ok(&checkout(&format!("l{i}"), "cad", h));
    }
    let follow = |capacity, expires_at| Command::FollowLicense {
        pool: pid("cad"),
        capacity,
        expires_at,
    };
    // Renewed for 2 seats while 3 are out: accepted, nothing is taken back,
    // no new checkout until under, and the report says so.
    let end = Some(at(86_400 * 30));
    w.ok(&follow(2, end));
    assert_eq!(w.pool("cad").capacity, 2);
    assert_eq!(w.pool("cad").expires_at, end);
    assert_eq!(w.allocated("cad"), 3);
    assert_eq!(
        w.refused_code(&checkout("l9", "cad", "ws-9")),
        "capacity_exceeded"
    );
    let now = w.now;
    let report = w
        .state()
        .compliance_report(now, &ComplianceFilter::default());
    assert!(!report.compliant);
    assert!(report.pools[0].over_limit && report.pools[0].overage == 1);
    w.ok(&release("l0"));
    assert_eq!(
        w.refused_code(&checkout("l9", "cad", "ws-9")),
        "capacity_exceeded"
    );
    w.ok(&release("l1"));
    w.ok(&checkout("l9", "cad", "ws-9"));
    let report = w
        .state()
        .compliance_report(w.now, &ComplianceFilter::default());
    assert!(report.compliant && !report.pools[0].over_limit);
    // The same grant again changes nothing; zero seats is not a grant.
    assert!(w.ok(&follow(2, end)).changes.is_empty());
    assert_eq!(w.refused_code(&follow(0, end)), "invalid_value");
    assert_eq!(
        w.refused_code(&Command::FollowLicense {
            pool: pid("nope"),
            capacity: 1,
            expires_at: None
        }),
        "unknown_pool"
    );
    w.check_replay();
}

#[test]
fn a_pool_whose_license_ended_expires_and_a_renewal_brings_it_back() {
    let mut w = world_with_users();
    let mut spec = concurrent("cad", 2, LeaseOptions::default());
    spec.expiry_policy = ExpiryPolicy::RevokeAll;
    w.ok(&create_pool(spec));
    w.ok(&checkout("l1", "cad", "ws-1"));
    // Revoked: the host sets the end to now; the policy ends the leases.
    let now = w.now;
    w.ok(&Command::FollowLicense {
        pool: pid("cad"),
        capacity: 2,
        expires_at: Some(now),
    });
    w.ok(&Command::ApplyExpiry);
    assert_eq!(w.pool("cad").status, PoolStatus::Expired);
    assert_eq!(w.allocated("cad"), 0);
    assert_eq!(
        w.refused_code(&checkout("l2", "cad", "ws-2")),
        "pool_expired"
    );
    // A new license a year long: active again.
    w.advance(60);
    let later = Some(at(86_400 * 400));
    w.ok(&Command::FollowLicense {
        pool: pid("cad"),
        capacity: 3,
        expires_at: later,
    });
    assert_eq!(w.pool("cad").status, PoolStatus::Active);
    w.ok(&checkout("l2", "cad", "ws-2"));
    w.check_replay();
}

#[test]
fn delete_pool_with_assignments_is_refused() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 3)));
    w.ok(&create_pool(named("sketch", 3)));
    w.ok(&incompatible(
        "i1",
        "figma",
        "sketch",
        "one design tool each",
    ));
    w.ok(&lifecycle_rule("r1", "figma", "terminated"));
    w.ok(&link("k1", "figma", "design", 1, true));
    w.ok(&assign("a1", "figma", "ada"));

    assert_eq!(
        w.refused(&Command::DeletePool { pool: pid("figma") }),
        Refusal::PoolHasAssignments { allocated: 1 }
    );
    assert!(w.state().pool(&pid("figma")).is_some());

    // Once the seat is given back, the pool goes, with its rules around it.
    w.ok(&deallocate("a1"));
    w.ok(&Command::DeletePool { pool: pid("figma") });
    assert!(w.state().pool(&pid("figma")).is_none());
    assert!(w.state().incompatibility(&iid("i1")).is_none());
    assert!(w.state().rule(&rid("r1")).is_none());
    assert!(w.state().link(&kid("k1")).is_none());
    assert_eq!(
        w.refused_code(&assign("a2", "figma", "bob")),
        "unknown_pool"
    );
    // The other side of the incompatibility is free of it.
    w.ok(&assign("a3", "sketch", "ada"));
    w.check_replay();
}

#[test]
fn delete_concurrent_pool_refused_while_a_lease_holds_a_seat_then_allowed_once_it_died() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent("cad", 2, LeaseOptions::default())));
    w.ok(&checkout("l1", "cad", "ws-1"));
    assert_eq!(
        w.refused(&Command::DeletePool { pool: pid("cad") }),
        Refusal::PoolHasAssignments { allocated: 1 }
    );
    // Past its TTL the lease is dead and holds no seat: nothing is left.
    w.advance(600);
    assert_eq!(w.allocated("cad"), 0);
    w.ok(&Command::DeletePool { pool: pid("cad") });
    assert!(w.state().pool(&pid("cad")).is_none());
    w.check_replay();
}

#[test]
fn archived_pool_takes_no_new_seats_and_its_rules_remain_but_do_nothing() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&create_pool(concurrent("cad", 5, LeaseOptions::default())));
    w.ok(&assign("a1", "figma", "ada"));
    w.ok(&assign("a2", "figma", "bob"));
    w.ok(&update_user(
        "bob",
        UserPatch {
            lifecycle: Some("terminated".into()),
            ..UserPatch::default()
        },
    ));
    w.ok(&lifecycle_rule("r1", "figma", "terminated"));
    w.ok(&inactivity_rule("r2", "figma", 10, 0));
    // Before archiving, both rules would act.
    w.advance(30 * DAY);
    let plan = w.state().reclamation_plan(w.now);
    assert!(!plan.reclaims.is_empty());

    w.ok(&Command::ArchivePool { pool: pid("figma") });
    w.ok(&Command::ArchivePool { pool: pid("cad") });
    assert_eq!(w.pool("figma").status, PoolStatus::Archived);
    // The rules are still there…
    assert!(w.state().rule(&rid("r1")).is_some());
    assert!(w.state().rule(&rid("r2")).is_some());
    // …but plan nothing and reclaim nothing.
    let plan = w.state().reclamation_plan(w.now);
    assert!(
        plan.reclaims.iter().all(|r| r.pool != pid("figma")),
        "{plan:?}"
    );
    assert!(
        plan.notices.iter().all(|n| n.pool != pid("figma")),
        "{plan:?}"
    );
    let applied = w.ok(&apply_reclamation());
    assert!(applied.changes.is_empty(), "{:?}", applied.changes);
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    assert_eq!(w.assignment("a2").status, AssignmentStatus::Active);

    // No new seats, named or leased.
    assert_eq!(
        w.refused(&assign("a3", "figma", "cy")),
        Refusal::PoolArchived { pool: pid("figma") }
    );
    assert_eq!(
        w.refused_code(&checkout("l1", "cad", "ws-1")),
        "pool_archived"
    );
    // Seats held can still be given back.
    w.ok(&deallocate("a1"));
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------

/// A pool of 5 expiring at t0 + 10 days under `policy`, with ada and bob
/// assigned and cy's seat already released.
fn expiring_pool(policy: ExpiryPolicy) -> World {
    let mut w = world_with_users();
    let mut spec = named("zoom", 5);
    spec.expires_at = Some(at(10 * DAY));
    spec.expiry_policy = policy;
    w.ok(&create_pool(spec));
    w.ok(&assign("a-ada", "zoom", "ada"));
    w.ok(&assign("a-bob", "zoom", "bob"));
    w.ok(&assign("a-cy", "zoom", "cy"));
    w.ok(&deallocate("a-cy"));
    w
}

#[test]
fn pool_is_expired_from_its_date_on_even_before_apply_expiry() {
    let mut w = expiring_pool(ExpiryPolicy::BlockNew);
    w.set(10 * DAY - 1);
    w.ok(&assign("a-dan", "zoom", "dan"));
    w.set(10 * DAY);
    assert_eq!(
        w.refused(&assign("a-eve", "zoom", "eve")),
        Refusal::PoolExpired { pool: pid("zoom") }
    );
    assert_eq!(
        w.pool("zoom").status,
        PoolStatus::Active,
        "expiry not applied yet"
    );
    w.check_replay();
}

#[test]
fn revoke_all_expiry_expires_every_active_assignment() {
    let mut w = expiring_pool(ExpiryPolicy::RevokeAll);
    w.set(10 * DAY - 1);
    let early = w.ok(&Command::ApplyExpiry);
    assert!(early.changes.is_empty(), "not due yet");

    w.set(10 * DAY);
    w.ok(&Command::ApplyExpiry);
    assert_eq!(w.pool("zoom").status, PoolStatus::Expired);
    for a in ["a-ada", "a-bob"] {
        assert_eq!(w.assignment(a).status, AssignmentStatus::Expired, "{a}");
        assert_eq!(w.assignment(a).ended_at, Some(w.now));
    }
    // An assignment that had already ended keeps its end.
    assert_eq!(w.assignment("a-cy").status, AssignmentStatus::Released);
    assert_eq!(w.allocated("zoom"), 0);
    assert_eq!(active_seats(w.state(), &pid("zoom")), 0);
    assert_eq!(
        w.refused_code(&assign("a-dan", "zoom", "dan")),
        "pool_expired"
    );

    // Applying again changes nothing.
    assert!(w.ok(&Command::ApplyExpiry).changes.is_empty());
    w.check_replay();
}

#[test]
fn revoke_all_expiry_ends_the_pools_leases_too() {
    let mut w = World::new();
    let mut spec = concurrent("cad", 3, LeaseOptions::default());
    spec.expires_at = Some(at(DAY));
    spec.expiry_policy = ExpiryPolicy::RevokeAll;
    w.ok(&create_pool(spec));
    w.set(DAY - 300);
    w.ok(&checkout("l1", "cad", "ws-1"));
    w.ok(&checkout("l2", "cad", "ws-2"));
    w.set(DAY);
    w.ok(&Command::ApplyExpiry);
    assert_eq!(w.pool("cad").status, PoolStatus::Expired);
    assert_eq!(w.allocated("cad"), 0);
    assert_eq!(leases_holding(w.state(), &pid("cad"), w.now), 0);
    w.check_replay();
}

#[test]
fn block_new_expiry_keeps_existing_assignments_and_refuses_new_ones() {
    let mut w = expiring_pool(ExpiryPolicy::BlockNew);
    w.set(10 * DAY);
    w.ok(&Command::ApplyExpiry);
    assert_eq!(w.pool("zoom").status, PoolStatus::Expired);
    assert_eq!(w.assignment("a-ada").status, AssignmentStatus::Active);
    assert_eq!(w.assignment("a-bob").status, AssignmentStatus::Active);
    assert_eq!(w.allocated("zoom"), 2);
    assert_eq!(
        w.refused(&assign("a-dan", "zoom", "dan")),
        Refusal::PoolExpired { pool: pid("zoom") }
    );
    // Existing seats can still be given back.
    w.ok(&deallocate("a-bob"));
    assert_eq!(w.allocated("zoom"), 1);
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Users and assignments
// ---------------------------------------------------------------------------

#[test]
fn assigning_to_an_unknown_or_inactive_user_is_refused() {
    let mut w = world_with_users();
    w.ok(&create_user("zed", false, "on_leave"));
    w.ok(&create_pool(named("figma", 5)));
    assert_eq!(
        w.refused(&assign("a1", "figma", "ghost")),
        Refusal::UnknownUser {
            user: "ghost".into()
        }
    );
    assert_eq!(
        w.refused(&assign("a1", "figma", "zed")),
        Refusal::InactiveUser { user: "zed".into() }
    );
    // Reactivated, zed can have a seat.
    w.ok(&update_user(
        "zed",
        UserPatch {
            active: Some(true),
            ..UserPatch::default()
        },
    ));
    w.ok(&assign("a1", "figma", "zed"));
    w.check_replay();
}

#[test]
fn a_user_holds_at_most_one_seat_of_a_pool() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&assign("a1", "figma", "ada"));
    assert_eq!(
        w.refused(&assign("a2", "figma", "ada")),
        Refusal::AlreadyAssigned {
            assignment: aid("a1")
        }
    );
    // After giving it back, ada may have one again.
    w.ok(&deallocate("a1"));
    w.ok(&assign("a2", "figma", "ada"));
    w.check_replay();
}

#[test]
fn deallocate_releases_and_reclaim_needs_a_reason() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&assign("a1", "figma", "ada"));
    w.ok(&assign("a2", "figma", "bob"));

    w.ok(&deallocate("a1"));
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Released);
    assert_eq!(w.assignment("a1").ended_at, Some(w.now));
    assert_eq!(w.refused_code(&deallocate("a1")), "assignment_not_active");
    assert_eq!(w.refused_code(&deallocate("nope")), "unknown_assignment");

    assert_eq!(w.refused(&reclaim("a2", "")), Refusal::ReasonRequired);
    assert_eq!(w.refused(&reclaim("a2", "   ")), Refusal::ReasonRequired);
    assert_eq!(w.assignment("a2").status, AssignmentStatus::Active);
    w.ok(&reclaim("a2", "left the company"));
    let a2 = w.assignment("a2");
    assert_eq!(a2.status, AssignmentStatus::Reclaimed);
    assert_eq!(a2.reason.as_deref(), Some("left the company"));
    assert_eq!(w.allocated("figma"), 0);
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Incompatibilities
// ---------------------------------------------------------------------------

#[test]
fn incompatibility_applies_both_ways_and_deleting_it_lifts_it() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&create_pool(named("sketch", 5)));
    w.ok(&incompatible(
        "i1",
        "figma",
        "sketch",
        "one design tool each",
    ));
    let between = |w: &World, a: &str, b: &str| {
        w.state()
            .incompatibility_between(&pid(a), &pid(b))
            .map(|i| i.id.clone())
    };
    assert_eq!(between(&w, "figma", "sketch"), Some(iid("i1")));
    assert_eq!(between(&w, "sketch", "figma"), Some(iid("i1")));

    // A then B: refused, naming A and the reason.
    w.ok(&assign("a1", "figma", "ada"));
    assert_eq!(
        w.refused(&assign("a2", "sketch", "ada")),
        Refusal::Incompatible {
            pool: pid("figma"),
            pool_name: "Pool figma".into(),
            reason: "one design tool each".into()
        }
    );
    // B then A: refused, naming B.
    w.ok(&assign("b1", "sketch", "bob"));
    assert_eq!(
        w.refused(&assign("b2", "figma", "bob")),
        Refusal::Incompatible {
            pool: pid("sketch"),
            pool_name: "Pool sketch".into(),
            reason: "one design tool each".into()
        }
    );
    // Others are unaffected.
    w.ok(&assign("c1", "figma", "cy"));

    // Deleting the rule lifts the constraint, both ways.
    w.ok(&Command::DeleteIncompatibility { id: iid("i1") });
    assert_eq!(between(&w, "figma", "sketch"), None);
    assert_eq!(between(&w, "sketch", "figma"), None);
    w.ok(&assign("a2", "sketch", "ada"));
    w.ok(&assign("b2", "figma", "bob"));
    w.check_replay();
}

#[test]
fn incompatibility_is_between_two_distinct_pools_once_either_way_round() {
    let mut w = World::new();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&create_pool(named("sketch", 5)));
    assert_eq!(
        w.refused_code(&incompatible("i0", "figma", "figma", "same")),
        "same_pool"
    );
    assert_eq!(
        w.refused_code(&incompatible("i0", "figma", "nope", "x")),
        "unknown_pool"
    );
    w.ok(&incompatible(
        "i1",
        "figma",
        "sketch",
        "one design tool each",
    ));
    assert_eq!(
        w.refused_code(&incompatible("i2", "sketch", "figma", "again")),
        "duplicate_rule"
    );
    assert_eq!(
        w.refused_code(&incompatible("i3", "figma", "sketch", "again")),
        "duplicate_rule"
    );
    assert_eq!(w.state().incompatibilities().count(), 1);
    w.check_replay();
}

#[test]
fn incompatibility_applies_to_leases_as_to_assignments() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&create_pool(concurrent("cad", 5, LeaseOptions::default())));
    w.ok(&incompatible("i1", "cad", "figma", "licence terms"));
    // ada holds a named seat: her checkout is refused.
    w.ok(&assign("a1", "figma", "ada"));
    assert_eq!(
        w.refused(&checkout("l1", "cad", "ada")),
        Refusal::Incompatible {
            pool: pid("figma"),
            pool_name: "Pool figma".into(),
            reason: "licence terms".into()
        }
    );
    // bob holds a lease: his assignment is refused while it holds a seat.
    w.ok(&checkout("l2", "cad", "bob"));
    assert_eq!(
        w.refused(&assign("b1", "figma", "bob")),
        Refusal::Incompatible {
            pool: pid("cad"),
            pool_name: "Pool cad".into(),
            reason: "licence terms".into()
        }
    );
    // Once his lease is dead, it no longer counts.
    w.advance(600);
    w.ok(&assign("b1", "figma", "bob"));
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Bulk
// ---------------------------------------------------------------------------

#[test]
fn bulk_assign_with_valid_and_invalid_users_reports_each_item_in_order() {
    let mut w = world_with_users();
    w.ok(&create_user("zed", false, "active"));
    w.ok(&create_user("fay", true, "active"));
    w.ok(&create_pool(named("figma", 3)));
    w.ok(&assign("taken", "figma", "eve"));
    w.ok(&deallocate("taken"));

    let bulk = w.ok(&bulk_assign(
        "figma",
        &[
            ("b1", "ada"),   // ok
            ("b2", "ghost"), // unknown
            ("b3", "zed"),   // inactive
            ("b4", "ada"),   // ada again in this request
            ("b1", "dan"),   // b1 again in this request
            ("taken", "cy"), // an id already used
            ("b5", "bob"),   // ok
            ("b6", "eve"),   // ok: the pool is now full
            ("b7", "fay"),   // over capacity
        ],
    ));
    let report = bulk_of(&bulk);
    assert_eq!(
        codes(report),
        [
            "ok",
            "unknown_user",
            "inactive_user",
            "duplicate_in_request",
            "duplicate_in_request",
            "duplicate_id",
            "ok",
            "ok",
            "capacity_exceeded",
        ]
    );
    assert_eq!((report.succeeded, report.failed), (3, 6));
    assert_eq!(
        report.items[8],
        Err(Refusal::CapacityExceeded {
            capacity: 3,
            allocated: 3
        })
    );
    assert_eq!(report.items[0], Ok(aid("b1")));
    let ok = w.assignment("b1");
    assert_eq!(ok.user, uid("ada"));
    assert_eq!(ok.status, AssignmentStatus::Active);
    // One event per seat given.
    assert_eq!(bulk.changes.len(), 3);
    assert_eq!(w.allocated("figma"), 3);
    w.check_replay();
}

#[test]
fn bulk_reclaim_needs_a_reason_and_reports_each_item() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&bulk_assign(
        "figma",
        &[("a1", "ada"), ("a2", "bob"), ("a3", "cy")],
    ));
    w.ok(&deallocate("a3"));

    let before = w.engine.clone();
    assert_eq!(
        w.refused(&bulk_reclaim(&["a1", "a2"], " ")),
        Refusal::ReasonRequired
    );
    assert_eq!(w.engine, before);

    let bulk = w.ok(&bulk_reclaim(
        &["a1", "ghost", "a1", "a3", "a2"],
        "licence audit",
    ));
    let report = bulk_of(&bulk);
    assert_eq!(
        codes(report),
        [
            "ok",
            "unknown_assignment",
            "duplicate_in_request",
            "assignment_not_active",
            "ok"
        ]
    );
    assert_eq!((report.succeeded, report.failed), (2, 3));
    for a in ["a1", "a2"] {
        assert_eq!(w.assignment(a).status, AssignmentStatus::Reclaimed);
        assert_eq!(w.assignment(a).reason.as_deref(), Some("licence audit"));
    }
    assert_eq!(w.allocated("figma"), 0);
    w.check_replay();
}

#[test]
fn bulk_of_1001_is_refused_whole_and_1000_is_accepted() {
    let mut engine = SeatEngine::new();
    let cx = Context::new(t0(), "admin");
    let mut trail = Vec::new();
    trail.extend(
        engine
            .run(&create_pool(named("big", 1000)), &cx)
            .unwrap()
            .events,
    );
    for i in 0..=MAX_BULK_ITEMS {
        let u = format!("u{i}");
        trail.extend(
            engine
                .run(&create_user(&u, true, "active"), &cx)
                .unwrap()
                .events,
        );
    }
    let items = |n: usize| -> Vec<(String, String)> {
        (0..n).map(|i| (format!("a{i}"), format!("u{i}"))).collect()
    };
    let bulk = |items: &[(String, String)]| {
        let refs: Vec<(&str, &str)> = items
            .iter()
            .map(|(a, u)| (a.as_str(), u.as_str()))
            .collect();
        bulk_assign("big", &refs)
    };

    let before = engine.clone();
    assert_eq!(
        engine.run(&bulk(&items(1001)), &cx).unwrap_err(),
        Refusal::BulkTooLarge {
            limit: 1000,
            given: 1001
        }
    );
    assert_eq!(engine, before, "nothing was done");
    assert_eq!(engine.state().allocated(&pid("big"), t0()), Some(0));

    let done = engine.run(&bulk(&items(1000)), &cx).unwrap();
    let Reply::Bulk(report) = &done.outcome.reply else {
        panic!()
    };
    assert_eq!((report.succeeded, report.failed), (1000, 0));
    assert_eq!(done.events.len(), 1000);
    trail.extend(done.events);
    assert_eq!(engine.state().allocated(&pid("big"), t0()), Some(1000));

    // The same limit for bulk reclaims.
    let ids: Vec<String> = (0..=MAX_BULK_ITEMS)
        .map(|i| format!("a{}", i % 1000))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let before = engine.clone();
    assert_eq!(
        engine.run(&bulk_reclaim(&refs, "audit"), &cx).unwrap_err(),
        Refusal::BulkTooLarge {
            limit: 1000,
            given: 1001
        }
    );
    assert_eq!(engine, before);
    let done = engine
        .run(&bulk_reclaim(&refs[..1000], "audit"), &cx)
        .unwrap();
    trail.extend(done.events);
    assert_eq!(engine.state().allocated(&pid("big"), t0()), Some(0));
    assert_eq!(SeatEngine::replay(&trail).unwrap(), engine);
}

// ---------------------------------------------------------------------------
// Reclamation
// ---------------------------------------------------------------------------

/// figma with ada assigned at t0 (last active long before), and an
/// inactivity rule of 30 days with 7 days' notice.
fn idle_ada() -> World {
    let mut w = world_with_users();
    w.ok(&update_user(
        "ada",
        UserPatch {
            last_activity: Some(t0()),
            ..UserPatch::default()
        },
    ));
    w.set(0);
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&inactivity_rule("r1", "figma", 30, 7));
    w.ok(&assign("a1", "figma", "ada"));
    w
}

#[test]
fn reclamation_notice_then_reclaim_after_the_notice_period() {
    let mut w = idle_ada();
    // 23 days in, the seat is due within the notification period: a notice.
    w.set(23 * DAY);
    let before = w.engine.clone();
    let plan = w.state().reclamation_plan(w.now);
    assert_eq!(w.engine, before, "the plan is a dry run");
    assert_eq!(plan.notices.len(), 1, "{plan:?}");
    assert_eq!(plan.notices[0].assignment, aid("a1"));
    assert_eq!(plan.notices[0].reclaim_on, at(30 * DAY));
    assert!(plan.reclaims.is_empty());

    let applied = w.ok(&apply_reclamation());
    assert_eq!(applied.changes.len(), 1);
    let notice = w.state().notice(&rid("r1"), &aid("a1")).unwrap();
    assert_eq!(notice.noticed_at, w.now, "a notice is dated now");
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);

    // Not before the notice period and the threshold have both passed.
    w.set(30 * DAY - 1);
    assert!(w.state().reclamation_plan(w.now).reclaims.is_empty());
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);

    w.set(30 * DAY);
    let plan = w.state().reclamation_plan(w.now);
    assert_eq!(plan.reclaims.len(), 1, "{plan:?}");
    assert_eq!(plan.reclaims[0].reason, "rule:r1");
    w.ok(&apply_reclamation());
    let a1 = w.assignment("a1");
    assert_eq!(a1.status, AssignmentStatus::Reclaimed);
    assert_eq!(a1.reason.as_deref(), Some("rule:r1"));
    assert_eq!(w.allocated("figma"), 0);
    w.check_replay();
}

#[test]
fn reclamation_without_an_earlier_notice_only_notifies_first() {
    let mut w = idle_ada();
    // Long past due, but nobody was told: a notice now, no reclaim.
    w.set(40 * DAY);
    let plan = w.state().reclamation_plan(w.now);
    assert_eq!(plan.notices.len(), 1);
    assert!(plan.reclaims.is_empty(), "{plan:?}");
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    assert_eq!(
        w.state().notice(&rid("r1"), &aid("a1")).unwrap().noticed_at,
        at(40 * DAY)
    );

    // Applying again within the period records nothing new and reclaims nothing.
    w.set(47 * DAY - 1);
    let again = w.ok(&apply_reclamation());
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);

    // A full notice period after the notice: reclaimed.
    w.set(47 * DAY);
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Reclaimed);
    assert_eq!(w.assignment("a1").reason.as_deref(), Some("rule:r1"));
    w.check_replay();
}

#[test]
fn inactivity_counts_from_the_later_of_last_activity_and_assignment() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&inactivity_rule("r1", "figma", 30, 0));
    // bob was last seen at t0 but only got his seat 20 days later.
    w.ok(&update_user(
        "bob",
        UserPatch {
            last_activity: Some(t0()),
            ..UserPatch::default()
        },
    ));
    w.set(20 * DAY);
    w.ok(&assign("a1", "figma", "bob"));
    // 30 days after his last activity, but 10 after the assignment: kept.
    w.set(30 * DAY);
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    // Activity after the assignment moves it on again.
    w.ok(&update_user(
        "bob",
        UserPatch {
            last_activity: Some(at(35 * DAY)),
            ..UserPatch::default()
        },
    ));
    w.set(50 * DAY);
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    // 30 days after that activity: with no notice period, reclaimed at once.
    w.set(65 * DAY);
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Reclaimed);
    assert_eq!(w.assignment("a1").reason.as_deref(), Some("rule:r1"));
    w.check_replay();
}

#[test]
fn activity_after_a_notice_keeps_the_seat() {
    let mut w = idle_ada();
    w.set(23 * DAY);
    w.ok(&apply_reclamation());
    assert!(w.state().notice(&rid("r1"), &aid("a1")).is_some());
    // Ada shows up before the reclaim date.
    w.ok(&update_user(
        "ada",
        UserPatch {
            last_activity: Some(at(25 * DAY)),
            ..UserPatch::default()
        },
    ));
    w.set(30 * DAY);
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    w.check_replay();
}

#[test]
fn lifecycle_trigger_reclaims_users_in_that_state() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 5)));
    w.ok(&assign("a1", "figma", "ada"));
    w.ok(&assign("a2", "figma", "bob"));
    w.ok(&lifecycle_rule("r1", "figma", "terminated"));
    assert!(w.state().reclamation_plan(w.now).reclaims.is_empty());

    w.ok(&update_user(
        "bob",
        UserPatch {
            lifecycle: Some("terminated".into()),
            ..UserPatch::default()
        },
    ));
    let plan = w.state().reclamation_plan(w.now);
    assert_eq!(plan.reclaims.len(), 1);
    assert_eq!(plan.reclaims[0].assignment, aid("a2"));
    assert_eq!(plan.reclaims[0].reason, "rule:r1");

    // Disabled, the rule does nothing.
    w.ok(&Command::UpdateRule {
        rule: rid("r1"),
        patch: RulePatch {
            enabled: Some(false),
            ..RulePatch::default()
        },
    });
    assert!(w.ok(&apply_reclamation()).changes.is_empty());
    assert_eq!(w.assignment("a2").status, AssignmentStatus::Active);

    w.ok(&Command::UpdateRule {
        rule: rid("r1"),
        patch: RulePatch {
            enabled: Some(true),
            ..RulePatch::default()
        },
    });
    w.ok(&apply_reclamation());
    assert_eq!(w.assignment("a1").status, AssignmentStatus::Active);
    let a2 = w.assignment("a2");
    assert_eq!(a2.status, AssignmentStatus::Reclaimed);
    assert_eq!(a2.reason.as_deref(), Some("rule:r1"));
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Entitlement links
// ---------------------------------------------------------------------------

#[test]
fn entitlement_grant_uses_the_highest_priority_pool_that_can_take_it_and_withdraw_releases() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma-pro", 1)));
    w.ok(&create_pool(named("figma-basic", 5)));
    w.ok(&create_pool(named("figma-vip", 5)));
    w.ok(&link("k-pro", "figma-pro", "design", 10, true));
    w.ok(&link("k-basic", "figma-basic", "design", 1, true));
    // The best link of all, but disabled.
    w.ok(&link("k-vip", "figma-vip", "design", 100, false));

    let a = w.ok(&grant("g-ada", "ada", "design"));
    let a = assignment_of(&w, &a);
    assert_eq!(a.pool, pid("figma-pro"));
    assert_eq!(a.source, AssignmentSource::Entitlement);
    assert_eq!(a.entitlement.as_deref(), Some("design"));

    // The best pool is full: the next one.
    let b = w.ok(&grant("g-bob", "bob", "design"));
    assert_eq!(assignment_of(&w, &b).pool, pid("figma-basic"));
    assert_eq!(
        w.state().grant(&uid("bob"), "design").unwrap().id,
        aid("g-bob")
    );
    assert_eq!(w.allocated("figma-vip"), 0, "a disabled link is skipped");

    assert_eq!(
        w.refused_code(&grant("g-ada2", "ada", "design")),
        "already_granted"
    );
    assert_eq!(
        w.refused_code(&grant("g-x", "cy", "video")),
        "no_linked_seat"
    );
    assert_eq!(w.refused_code(&withdraw("cy", "design")), "not_granted");

    // Withdraw releases the seat…
    w.ok(&withdraw("ada", "design"));
    assert_eq!(w.assignment("g-ada").status, AssignmentStatus::Released);
    assert!(w.state().grant(&uid("ada"), "design").is_none());
    assert_eq!(w.allocated("figma-pro"), 0);
    // …so the best pool takes the next grant again.
    let c = w.ok(&grant("g-cy", "cy", "design"));
    assert_eq!(assignment_of(&w, &c).pool, pid("figma-pro"));
    w.check_replay();
}

#[test]
fn entitlement_grant_skips_pools_the_user_cannot_hold() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("top", 5)));
    w.ok(&create_pool(named("mid", 5)));
    w.ok(&create_pool(named("low", 5)));
    w.ok(&create_pool(named("rival", 5)));
    w.ok(&link("k-top", "top", "design", 3, true));
    w.ok(&link("k-mid", "mid", "design", 2, true));
    w.ok(&link("k-low", "low", "design", 1, true));
    w.ok(&incompatible("i1", "mid", "rival", "one of the two"));
    w.ok(&Command::ArchivePool { pool: pid("top") });
    w.ok(&assign("r1", "rival", "ada"));
    // top is archived, mid incompatible with ada's rival seat: low.
    let g = w.ok(&grant("g1", "ada", "design"));
    assert_eq!(assignment_of(&w, &g).pool, pid("low"));
    // bob holds neither: mid.
    let g = w.ok(&grant("g2", "bob", "design"));
    assert_eq!(assignment_of(&w, &g).pool, pid("mid"));
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Leases
// ---------------------------------------------------------------------------

#[test]
fn lease_ttl_defaults_to_600_seconds_with_a_minimum_of_60() {
    let mut w = World::new();
    assert_eq!(LeaseOptions::default().ttl_seconds, 600);
    let too_short = concurrent("c0", 1, lease_options(|o| o.ttl_seconds = 59));
    assert_eq!(w.refused_code(&create_pool(too_short)), "invalid_value");
    w.ok(&create_pool(concurrent(
        "c1",
        1,
        lease_options(|o| o.ttl_seconds = 60),
    )));
    w.ok(&create_pool(concurrent("cad", 1, LeaseOptions::default())));
    let l = w.ok(&checkout("l1", "cad", "ws-1"));
    let l = lease_of(&w, &l);
    assert_eq!(l.status, LeaseStatus::Out);
    assert_eq!(l.expires_at, at(600));
    assert!(!l.borrowed && !l.overage);
    w.check_replay();
}

#[test]
fn a_checkout_may_set_its_own_ttl_which_its_heartbeats_keep() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent("cad", 2, LeaseOptions::default())));
    assert_eq!(
        w.refused_code(&checkout_for("l0", "cad", "ws-0", 59)),
        "invalid_value"
    );
    let l = w.ok(&checkout_for("l1", "cad", "ws-1", 120));
    assert_eq!(lease_of(&w, &l).expires_at, at(120));
    w.set(100);
    w.ok(&heartbeat("l1"));
    assert_eq!(w.lease("l1").expires_at, at(220));
    w.set(220);
    assert_eq!(w.allocated("cad"), 0);
    w.check_replay();
}

#[test]
fn lease_heartbeat_extends_and_a_lease_past_expiry_is_dead_and_frees_its_seat() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent("cad", 1, LeaseOptions::default())));
    w.ok(&checkout("l1", "cad", "ws-1"));
    assert_eq!(
        w.refused(&checkout("l2", "cad", "ws-2")),
        Refusal::CapacityExceeded {
            capacity: 1,
            allocated: 1
        }
    );

    // A heartbeat at 500 s: alive until 1100 s.
    w.set(500);
    w.ok(&heartbeat("l1"));
    assert_eq!(w.lease("l1").expires_at, at(1100));
    w.set(1099);
    assert_eq!(w.allocated("cad"), 1);
    assert_eq!(
        w.refused_code(&checkout("l2", "cad", "ws-2")),
        "capacity_exceeded"
    );

    // At 1100 s it is dead: no seat held, no heartbeat, the seat is free.
    w.set(1100);
    assert_eq!(w.allocated("cad"), 0);
    assert_eq!(
        w.refused(&heartbeat("l1")),
        Refusal::LeaseNotOut { lease: lid("l1") }
    );
    w.ok(&checkout("l2", "cad", "ws-2"));
    assert_eq!(w.allocated("cad"), 1);
    w.check_replay();
}

#[test]
fn lease_release_ends_it_and_linger_keeps_the_seat_held_for_a_while() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent(
        "plain",
        1,
        LeaseOptions::default(),
    )));
    w.ok(&create_pool(concurrent(
        "sticky",
        1,
        lease_options(|o| o.linger_seconds = 120),
    )));

    // Without linger, a release frees the seat at once.
    w.ok(&checkout("p1", "plain", "ws-1"));
    w.ok(&release("p1"));
    assert_eq!(w.lease("p1").status, LeaseStatus::Released);
    assert_eq!(w.refused_code(&heartbeat("p1")), "lease_not_out");
    assert_eq!(w.refused_code(&release("p1")), "lease_not_out");
    w.ok(&checkout("p2", "plain", "ws-2"));

    // With 120 s of linger, the seat stays held until 120 s after release.
    w.ok(&checkout("s1", "sticky", "ws-1"));
    w.set(100);
    w.ok(&release("s1"));
    assert_eq!(w.allocated("sticky"), 1);
    w.set(219);
    assert_eq!(
        w.refused_code(&checkout("s2", "sticky", "ws-2")),
        "capacity_exceeded"
    );
    w.set(220);
    assert_eq!(w.allocated("sticky"), 0);
    w.ok(&checkout("s2", "sticky", "ws-2"));
    w.check_replay();
}

#[test]
fn lease_overage_lets_checkouts_go_beyond_capacity_flagged() {
    for (overage, capacity, limit) in [
        (Overage::None, 4, 4),
        (Overage::X1_25, 4, 5),
        (Overage::X1_25, 3, 3),
        (Overage::X1_5, 3, 4),
        (Overage::X1_5, 4, 6),
        (Overage::X2, 2, 4),
    ] {
        let mut w = World::new();
        w.ok(&create_pool(concurrent(
            "cad",
            capacity,
            lease_options(|o| o.overage = overage),
        )));
        for i in 0..limit {
            let l = w.ok(&checkout(&format!("l{i}"), "cad", &format!("ws-{i}")));
            assert_eq!(
                lease_of(&w, &l).overage,
                i >= capacity,
                "{overage:?} × {capacity}: checkout {i}"
            );
        }
        assert_eq!(
            w.refused(&checkout("over", "cad", "ws-over")),
            Refusal::CapacityExceeded {
                capacity: u64::from(limit),
                allocated: u64::from(limit)
            },
            "{overage:?} × {capacity}"
        );
        assert_eq!(w.allocated("cad"), u64::from(limit));
        w.check_replay();
    }
}

#[test]
fn lease_overage_may_not_be_lowered_below_the_leases_out() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent(
        "cad",
        2,
        lease_options(|o| o.overage = Overage::X2),
    )));
    for i in 0..3 {
        w.ok(&checkout(&format!("l{i}"), "cad", &format!("ws-{i}")));
    }
    let set = |overage| {
        patch_pool(
            "cad",
            PoolPatch {
                lease: Some(lease_options(|o| o.overage = overage)),
                ..PoolPatch::default()
            },
        )
    };
    // ⌊2 × 1.25⌋ = 2 < 3 leases out.
    assert_eq!(
        w.refused(&set(Overage::X1_25)),
        Refusal::CapacityBelowAllocated {
            capacity: 2,
            allocated: 3
        }
    );
    // ⌊2 × 1.5⌋ = 3 is enough.
    w.ok(&set(Overage::X1_5));
    assert_eq!(
        w.refused_code(&checkout("l9", "cad", "ws-9")),
        "capacity_exceeded"
    );
    w.check_replay();
}

#[test]
fn lease_borrowing_is_an_offline_lease_of_up_to_n_days() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent("cad", 2, LeaseOptions::default())));
    w.ok(&create_pool(concurrent(
        "lend",
        2,
        lease_options(|o| o.max_borrow_days = 3),
    )));
    assert_eq!(
        w.refused(&borrow("b0", "cad", "laptop", 1)),
        Refusal::BorrowNotAllowed { max_days: 0 }
    );
    assert_eq!(
        w.refused(&borrow("b1", "lend", "laptop", 4)),
        Refusal::BorrowNotAllowed { max_days: 3 }
    );
    let l = w.ok(&borrow("b1", "lend", "laptop", 3));
    let l = lease_of(&w, &l);
    assert!(l.borrowed);
    assert_eq!(l.expires_at, at(3 * DAY));
    // No heartbeat needed while it is away.
    w.set(3 * DAY - 1);
    assert_eq!(w.allocated("lend"), 1);
    // It comes back by itself.
    w.set(3 * DAY);
    assert_eq!(w.allocated("lend"), 0);
    w.check_replay();
}

#[test]
fn lease_same_holder_checking_out_twice_gets_its_existing_lease_back() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent("cad", 2, LeaseOptions::default())));
    let first = w.ok(&checkout("l1", "cad", "ws-1"));
    let events = w.trail.len();
    w.set(30);
    let again = w.ok(&checkout("l2", "cad", "ws-1"));
    assert_eq!(lease_of(&w, &again).id, lid("l1"));
    assert_eq!(lease_of(&w, &again), lease_of(&w, &first));
    assert!(again.changes.is_empty());
    assert_eq!(w.trail.len(), events, "no event");
    assert!(w.state().lease(&lid("l2")).is_none());
    assert_eq!(w.allocated("cad"), 1);

    // Any non-empty id holds leases; the empty one is no id at all.
    assert!(HolderId::new("").is_err());
    w.ok(&checkout("l3", "cad", "licence-server/instance 7"));
    w.check_replay();
}

#[test]
fn lease_lingering_seat_is_taken_up_again_by_its_holder() {
    let mut w = World::new();
    w.ok(&create_pool(concurrent(
        "cad",
        1,
        lease_options(|o| o.linger_seconds = 300),
    )));
    w.ok(&checkout("l1", "cad", "ws-1"));
    w.ok(&release("l1"));
    w.set(100);
    // Another holder still finds the seat held…
    assert_eq!(
        w.refused_code(&checkout("l2", "cad", "ws-2")),
        "capacity_exceeded"
    );
    // …but its holder takes it up again.
    let back = w.ok(&checkout("l3", "cad", "ws-1"));
    assert_eq!(lease_of(&w, &back).id, lid("l1"));
    assert_eq!(w.lease("l1").status, LeaseStatus::Out);
    assert_eq!(w.lease("l1").expires_at, at(700));
    w.check_replay();
}

// ---------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------

#[test]
fn every_change_is_one_chained_event_and_tampering_names_the_first_bad_seq() {
    let mut w = world_with_users();
    w.ok(&create_pool(named("figma", 2)));
    w.ok(&bulk_assign("figma", &[("a1", "ada"), ("a2", "bob")]));
    w.ok(&reclaim("a1", "audit"));
    // 5 users, a pool, 2 seats, a reclaim.
    assert_eq!(w.trail.len(), 9);
    let actions: Vec<&str> = w.trail.iter().map(Event::action).collect();
    assert_eq!(
        actions[5..],
        [
            "pool.created",
            "assignment.created",
            "assignment.created",
            "assignment.reclaimed"
        ]
    );
    for (i, e) in w.trail.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(Event::from_bytes(&e.to_bytes()).unwrap(), *e);
    }
    assert_eq!(
        SeatEngine::verify_chain(&w.trail, ChainHead::GENESIS),
        Ok(w.engine.head())
    );
    w.check_replay();

    let mut edited = w.trail.clone();
    edited[6].actor = "mallory".into();
    let err = SeatEngine::replay(&edited).unwrap_err();
    assert_eq!((err.code(), err.seq()), ("bad_hash", 7));

    let mut removed = w.trail.clone();
    removed.remove(3);
    let err = SeatEngine::replay(&removed).unwrap_err();
    assert_eq!(err.code(), "out_of_sequence");
    assert_eq!(
        err,
        AuditError::OutOfSequence {
            expected: 4,
            seq: 5
        }
    );

    let mut swapped = w.trail.clone();
    swapped.swap(2, 7);
    let err = SeatEngine::replay(&swapped).unwrap_err();
    assert_eq!(
        err,
        AuditError::OutOfSequence {
            expected: 3,
            seq: 8
        }
    );

    let cut = &w.trail[..8];
    assert_eq!(
        SeatEngine::replay_to(cut, w.engine.head()).unwrap_err(),
        AuditError::Truncated { seq: 9 }
    );
}

#[test]
fn rule_events_survive_their_stored_form() {
    let mut w = World::new();
    w.ok(&create_pool(named("figma", 2)));
    w.ok(&inactivity_rule("r1", "figma", 30, 7));
    w.ok(&lifecycle_rule("r2", "figma", "terminated"));
    w.ok(&Command::UpdateRule {
        rule: rid("r1"),
        patch: RulePatch {
            trigger: Some(Trigger::Lifecycle {
                state: "on_leave".into(),
            }),
            ..RulePatch::default()
        },
    });
    let stored: Vec<Vec<u8>> = w.trail.iter().map(Event::to_bytes).collect();
    let loaded: Vec<Event> = stored
        .iter()
        .map(|b| Event::from_bytes(b).unwrap())
        .collect();
    assert_eq!(loaded, w.trail);
    assert_eq!(SeatEngine::replay(&loaded).unwrap(), w.engine);
}

#[test]
fn a_stored_change_that_breaks_an_objects_own_rules_is_inconsistent() {
    // A forged row or event: the same checks as a command, on the way in.
    let mut state = SeatState::new();
    let mut pool = licman_core::seats::__doc_pool(pid("p"), 1);
    pool.capacity = 0;
    let err = state.apply(&Change::PoolCreated(pool)).unwrap_err();
    assert_eq!(err.code(), "inconsistent_state");
    assert_eq!(state, SeatState::new());
    let mut pool = licman_core::seats::__doc_pool(pid("p"), 1);
    pool.license_type = LicenseType::Concurrent;
    state.apply(&Change::PoolCreated(pool)).unwrap();
    state
        .apply(&Change::UserCreated(User {
            id: uid("ada"),
            email: "ada@example.com".into(),
            active: true,
            lifecycle: String::new(),
            last_activity: None,
        }))
        .unwrap();
    let before = state.clone();
    let seat = Assignment {
        id: aid("a1"),
        pool: pid("p"),
        user: uid("ada"),
        source: AssignmentSource::Manual,
        entitlement: None,
        status: AssignmentStatus::Active,
        assigned_at: at(0),
        ended_at: None,
        reason: None,
        notes: String::new(),
    };
    assert_eq!(
        state.apply(&Change::Assigned(seat)).unwrap_err().code(),
        "inconsistent_state"
    );
    assert_eq!(state, before);
}

#[test]
fn a_host_record_cannot_pass_for_a_change_of_seats() {
    let mut state = SeatState::new();
    let forged = Change::HostRecord {
        action: "assignment.created".into(),
        pool: None,
        details: String::new(),
    };
    assert_eq!(
        state.apply(&forged).unwrap_err().code(),
        "inconsistent_state"
    );
    let fine = Change::HostRecord {
        action: "pool.secret_read".into(),
        pool: None,
        details: "by ada".into(),
    };
    state.apply(&fine).unwrap();
    let mut engine = SeatEngine::new();
    let cx = Context::new(at(0), "ada");
    assert_eq!(
        engine
            .record("Pool.Secret", None, "", &cx)
            .unwrap_err()
            .code(),
        "invalid_value"
    );
    assert_eq!(
        engine
            .record("pool.secret_read", Some(pid("nope")), "", &cx)
            .unwrap_err()
            .code(),
        "unknown_pool"
    );
    let event = engine
        .record("pool.secret_read", None, "by ada", &cx)
        .unwrap();
    assert_eq!(SeatEngine::replay([&event]).unwrap(), engine);
}

/// A store loads the rows one command needs in whatever order its query
/// returns them: the state it builds equals the engine's, however the rows
/// were ordered, and differs as soon as one seat does.
#[test]
fn states_loaded_in_different_orders_are_equal() {
    let mut engine_state = SeatState::new();
    for c in [
        create_pool(named("figma", 3)),
        create_pool(named("sketch", 3)),
        create_user("ada", true, "active"),
        create_user("bob", true, "active"),
        assign("a1", "figma", "ada"),
        assign("a2", "sketch", "bob"),
        assign("a3", "figma", "bob"),
    ] {
        engine_state.execute(&c, t0()).unwrap();
    }
    engine_state
        .execute(
            &Command::CreateIncompatibility {
                id: iid("i1"),
                pool_a: pid("figma"),
                pool_b: pid("sketch"),
                reason: "one design tool".into(),
            },
            t0(),
        )
        .unwrap(); // (bob holds both: a breach the compliance report shows)
    engine_state.execute(&deallocate("a2"), t0()).unwrap();

    // The same rows loaded in another order: users and pools reversed, the
    // assignments shuffled (so every row number differs).
    let pool = |id: &str| engine_state.pool(&pid(id)).unwrap().clone();
    let user = |id: &str| engine_state.user(&uid(id)).unwrap().clone();
    let assignment = |id: &str| engine_state.assignment(&aid(id)).unwrap().clone();
    let mut loaded = SeatState::new();
    for change in [
        Change::UserCreated(user("bob")),
        Change::UserCreated(user("ada")),
        Change::PoolCreated(pool("sketch")),
        Change::PoolCreated(pool("figma")),
        Change::Assigned(assignment("a3")),
        Change::Assigned(Assignment {
            status: AssignmentStatus::Active,
            ended_at: None,
            ..assignment("a2")
        }),
        Change::Assigned(assignment("a1")),
        Change::IncompatibilityCreated(engine_state.incompatibility(&iid("i1")).unwrap().clone()),
        Change::Deallocated {
            assignment: aid("a2"),
            at: t0(),
        },
    ] {
        loaded.apply(&change).unwrap();
    }
    assert_eq!(loaded, engine_state);
    assert_eq!(
        loaded
            .active_assignment(&pid("figma"), &uid("bob"))
            .map(|a| &a.id),
        Some(&aid("a3"))
    );

    loaded.execute(&deallocate("a3"), t0()).unwrap();
    assert_ne!(loaded, engine_state, "one seat less is another state");
}
