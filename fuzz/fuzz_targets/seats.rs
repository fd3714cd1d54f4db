//! The seat engine under any command sequence: each input byte pair picks
//! a command over a few pools, users and holders; after every command the
//! seats held never exceed capacity (times the overage factor for leases),
//! a refusal leaves the state as it was, and the trail replays into the
//! same engine. The input's tail is also decoded as a stored event, which
//! must fail cleanly or round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licman_core::Timestamp;
use licman_core::seats::*;

const POOLS: [&str; 3] = ["p0", "p1", "p2"];
const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];

fn pool(b: u8) -> PoolId {
    PoolId::new(POOLS[usize::from(b) % POOLS.len()]).unwrap()
}
fn user(b: u8) -> UserId {
    UserId::new(USERS[usize::from(b) % USERS.len()]).unwrap()
}

fn command(op: u8, arg: u8, n: usize) -> Command {
    let id = format!("x{n}");
    match op % 16 {
        0 => {
            let mut spec = PoolSpec::new(pool(arg), POOLS[usize::from(arg) % 3], u32::from(arg % 4));
            spec.license_type = if arg & 0x10 != 0 { LicenseType::Concurrent } else { LicenseType::Named };
            spec.lease.overage = [Overage::None, Overage::X1_25, Overage::X1_5, Overage::X2][usize::from(arg >> 5) % 4];
            spec.lease.linger_seconds = u32::from(arg >> 7) * 120;
            spec.lease.max_borrow_days = u32::from(arg >> 6);
            spec.expires_at = (arg & 0x40 != 0).then(|| Timestamp::from_unix_seconds(u64::from(arg) * 1000));
            spec.expiry_policy = if arg & 0x80 != 0 { ExpiryPolicy::RevokeAll } else { ExpiryPolicy::BlockNew };
            Command::CreatePool(spec)
        }
        1 => Command::CreateUser {
            id: user(arg),
            email: format!("{}@example.com", USERS[usize::from(arg) % 4]),
            active: arg & 0x10 == 0,
            lifecycle: if arg & 0x20 != 0 { "terminated".into() } else { "active".into() },
            last_activity: None,
        },
        2 | 3 => Command::Assign {
            id: AssignmentId::new(&id).unwrap(),
            pool: pool(arg),
            user: user(arg >> 2),
            source: AssignmentSource::Manual,
            notes: String::new(),
        },
        4 => Command::Deallocate { assignment: AssignmentId::new(&format!("x{}", arg)).unwrap() },
        5 => Command::Reclaim {
            assignment: AssignmentId::new(&format!("x{}", arg)).unwrap(),
            reason: if arg & 1 == 0 { "audit".into() } else { " ".into() },
        },
        6 => Command::UpdatePool {
            pool: pool(arg),
            patch: PoolPatch { capacity: Some(u32::from(arg >> 2) % 5), ..PoolPatch::default() },
        },
        7 => Command::ArchivePool { pool: pool(arg) },
        8 => Command::DeletePool { pool: pool(arg) },
        9 => Command::ApplyExpiry,
        10 => Command::CreateIncompatibility {
            id: IncompatibilityId::new(&id).unwrap(),
            pool_a: pool(arg),
            pool_b: pool(arg >> 2),
            reason: "overlap".into(),
        },
        11 => Command::Checkout {
            id: LeaseId::new(&id).unwrap(),
            pool: pool(arg),
            holder: HolderId::new(USERS[usize::from(arg >> 2) % 4]).unwrap(),
            borrow_days: (arg & 0x80 != 0).then_some(u32::from(arg >> 4) % 3),
            ttl_seconds: (arg & 0x08 != 0).then_some(u32::from(arg) * 4),
        },
        12 => Command::Release { lease: LeaseId::new(&format!("x{}", arg)).unwrap() },
        13 => Command::BulkAssign {
            pool: pool(arg),
            items: (0..usize::from(arg >> 2) % 6)
                .map(|i| BulkAssignItem { id: AssignmentId::new(&format!("{id}.{i}")).unwrap(), user: user(arg.wrapping_add(i as u8)) })
                .collect(),
            source: AssignmentSource::Automatic,
            notes: String::new(),
        },
        14 => Command::CreateRule {
            id: RuleId::new(&id).unwrap(),
            pool: pool(arg),
            trigger: if arg & 1 == 0 { Trigger::Inactivity { days: u32::from(arg >> 4) } } else { Trigger::Lifecycle { state: "terminated".into() } },
            notify_days: u32::from(arg >> 6),
            enabled: true,
        },
        _ => Command::ApplyReclamation { rules: Vec::new() },
    }
}

fuzz_target!(|data: &[u8]| {
    let split = data.len().min(256) & !1;
    let (program, tail) = data.split_at(split);
    let mut engine = SeatEngine::new();
    let mut trail = Vec::new();
    let mut now = Timestamp::from_unix_seconds(1_000);
    for (n, pair) in program.chunks_exact(2).enumerate() {
        now = now.saturating_add(core::time::Duration::from_secs(u64::from(pair[1] & 0x0f) * 3600));
        let before = engine.clone();
        match engine.run(&command(pair[0], pair[1], n), &Context::new(now, "fuzz")) {
            Ok(recorded) => {
                assert_eq!(recorded.events.len(), recorded.outcome.changes.len());
                trail.extend(recorded.events);
            }
            Err(_) => assert_eq!(engine, before, "a refusal changed the state"),
        }
        for p in engine.state().pools() {
            let held = engine.state().allocated(&p.id, now).unwrap();
            let limit = match p.license_type {
                LicenseType::Named => u64::from(p.capacity),
                LicenseType::Concurrent => p.lease.overage.limit(p.capacity),
            };
            assert!(held <= limit, "{held} seats held of {limit} in {}", p.id);
        }
    }
    assert_eq!(SeatEngine::replay(&trail).unwrap(), engine);
    if let Ok(event) = Event::from_bytes(tail) {
        assert_eq!(Event::from_bytes(&event.to_bytes()).unwrap(), event);
    }
});
