//! The seat audit-trail vector: a fixed seat-management scenario (pools,
//! users, assignments, a bulk assign, an incompatibility refusal, a lease,
//! a reclamation rule and its plan, expiry) and every event it records, as
//! stored bytes and hashes, so that any implementation of the chain can
//! check it decodes, hashes and replays them identically:
//! `testdata/seats/audit-trail.json`.

use std::fs;
use std::path::Path;
use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::*;
use serde_json::{Value, json};

use crate::Result;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn at(day: u32, hour: u32) -> Result<Timestamp> {
    Timestamp::from_civil(2026, 12, day, hour, 0, 0).ok_or_else(|| "bad date".into())
}

/// The scenario's commands, each at its time and by its actor.
fn scenario() -> Result<Vec<(Timestamp, &'static str, Command)>> {
    let p = |s: &str| PoolId::new(s);
    let u = |s: &str| UserId::new(s);
    let a = |s: &str| AssignmentId::new(s);
    let mut figma = PoolSpec::new(p("figma")?, "Figma Professional", 3);
    figma.vendor = "Figma".into();
    figma.plan = "Professional".into();
    figma.seat_cost = Money::parse("15.00", Currency::USD)?;
    figma.tags = vec!["design".into()];
    let mut sketch = PoolSpec::new(p("sketch")?, "Sketch", 5);
    sketch.vendor = "Sketch".into();
    sketch.seat_cost = Money::parse("99.00", "EUR".parse()?)?;
    sketch.billing = BillingPeriod::Annual;
    sketch.expires_at = Some(at(20, 0)?);
    sketch.expiry_policy = ExpiryPolicy::RevokeAll;
    let mut cad = PoolSpec::new(p("cad")?, "CAD floating", 2);
    cad.license_type = LicenseType::Concurrent;
    cad.seat_cost = Money::parse("120000", "JPY".parse()?)?;
    cad.billing = BillingPeriod::Perpetual;
    cad.lease = LeaseOptions {
        ttl_seconds: 600,
        overage: Overage::X1_5,
        linger_seconds: 60,
        max_borrow_days: 7,
    };
    let user = |id: &str, active: bool, last: Option<Timestamp>| -> Result<Command> {
        Ok(Command::CreateUser {
            id: u(id)?,
            email: format!("{id}@example.com"),
            active,
            lifecycle: if active {
                "active".into()
            } else {
                "terminated".into()
            },
            last_activity: last,
        })
    };
    let day1 = at(1, 9)?;
    Ok(vec![
        (day1, "it-admin", Command::CreatePool(figma)),
        (day1, "it-admin", Command::CreatePool(sketch)),
        (day1, "it-admin", Command::CreatePool(cad)),
        (day1, "it-admin", user("ada", true, Some(day1))?),
        (day1, "it-admin", user("bob", true, None)?),
        (day1, "it-admin", user("cy", true, Some(day1))?),
        (day1, "it-admin", user("dee", false, None)?),
        (
            day1,
            "it-admin",
            Command::CreateIncompatibility {
                id: IncompatibilityId::new("inc-1")?,
                pool_a: p("figma")?,
                pool_b: p("sketch")?,
                reason: "one design tool each".into(),
            },
        ),
        (
            day1,
            "it-admin",
            Command::Assign {
                id: a("a-1")?,
                pool: p("figma")?,
                user: u("ada")?,
                source: AssignmentSource::Manual,
                notes: "onboarding".into(),
            },
        ),
        (
            at(2, 10)?,
            "hr-sync",
            Command::BulkAssign {
                pool: p("sketch")?,
                items: vec![
                    BulkAssignItem {
                        id: a("b-1")?,
                        user: u("bob")?,
                    },
                    BulkAssignItem {
                        id: a("b-2")?,
                        user: u("ada")?,
                    },
                    BulkAssignItem {
                        id: a("b-3")?,
                        user: u("dee")?,
                    },
                    BulkAssignItem {
                        id: a("b-4")?,
                        user: u("cy")?,
                    },
                ],
                source: AssignmentSource::Automatic,
                notes: String::new(),
            },
        ),
        (
            at(2, 11)?,
            "ws-17",
            Command::Checkout {
                id: LeaseId::new("l-1")?,
                pool: p("cad")?,
                holder: HolderId::new("ws-17")?,
                borrow_days: None,
                ttl_seconds: None,
            },
        ),
        (
            Timestamp::from_civil(2026, 12, 2, 11, 5, 0).ok_or("bad date")?,
            "ws-17",
            Command::Heartbeat {
                lease: LeaseId::new("l-1")?,
            },
        ),
        (
            Timestamp::from_civil(2026, 12, 2, 11, 8, 0).ok_or("bad date")?,
            "ws-17",
            Command::Release {
                lease: LeaseId::new("l-1")?,
            },
        ),
        (
            at(2, 12)?,
            "ws-17",
            Command::Heartbeat {
                lease: LeaseId::new("l-1")?,
            },
        ),
        (
            at(3, 9)?,
            "it-admin",
            Command::CreateRule {
                id: RuleId::new("r-1")?,
                pool: p("sketch")?,
                trigger: Trigger::Inactivity { days: 2 },
                notify_days: 1,
                enabled: true,
            },
        ),
        (
            at(4, 9)?,
            "scheduler",
            Command::ApplyReclamation { rules: vec![] },
        ),
        (
            at(7, 9)?,
            "scheduler",
            Command::ApplyReclamation { rules: vec![] },
        ),
        (
            at(8, 9)?,
            "it-admin",
            Command::Reclaim {
                assignment: a("a-1")?,
                reason: "left the design team".into(),
            },
        ),
        (
            at(9, 9)?,
            "it-admin",
            Command::Assign {
                id: a("c-1")?,
                pool: p("sketch")?,
                user: u("ada")?,
                source: AssignmentSource::Manual,
                notes: String::new(),
            },
        ),
        (at(20, 0)?, "scheduler", Command::ApplyExpiry),
        (
            at(21, 9)?,
            "it-admin",
            Command::ArchivePool { pool: p("sketch")? },
        ),
    ])
}

pub(crate) fn write(dir: &Path) -> Result<()> {
    let mut engine = SeatEngine::new();
    let mut steps = Vec::new();
    let mut events = Vec::new();
    for (now, actor, command) in scenario()? {
        // Recorded a minute after the time it is evaluated at, as a store
        // with its own clock would.
        let cx = Context::new(now, actor).recorded_at(now.saturating_add(Duration::from_secs(60)));
        let step = match engine.run(&command, &cx) {
            Ok(done) => {
                let first = events.len() + 1;
                for event in &done.events {
                    events.push(json!({
                        "seq": event.seq,
                        "action": event.action(),
                        "bytes": hex(&event.to_bytes()),
                        "prev_hash": hex(&event.prev_hash),
                        "hash": hex(&event.hash),
                    }));
                }
                let mut step = json!({"actor": actor, "at": now.to_string(), "events": (first..=events.len()).collect::<Vec<_>>()});
                if let Reply::Bulk(report) = &done.outcome.reply {
                    step["items"] = report
                        .items
                        .iter()
                        .map(|item| match item {
                            Ok(id) => json!({"ok": id.as_str()}),
                            Err(refusal) => json!({"refused": refusal.code()}),
                        })
                        .collect();
                }
                step
            }
            Err(refusal) => {
                json!({"actor": actor, "at": now.to_string(), "refused": refusal.code()})
            }
        };
        steps.push(step);
    }
    let state = engine.state();
    let end = at(21, 9)?;
    let mut pools: Vec<Value> = state
        .pools()
        .map(|pool| {
            json!({
                "id": pool.id.as_str(),
                "status": pool.status.name(),
                "allocated": state.allocated(&pool.id, end).unwrap_or(0),
            })
        })
        .collect();
    pools.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let head = engine.head();
    let value = json!({
        "description": "A fixed seat-management scenario and every audit event it records (Event::to_bytes, hex), chained by SHA-256 over the domain, the previous hash and the event's body (docs/SEATS.md). Replaying the events must give the same hashes and the final pools below. Generated by testdata/generator.",
        "domain": String::from_utf8_lossy(AUDIT_DOMAIN),
        "steps": steps,
        "events": events,
        "head": {"next_seq": head.next_seq, "last_hash": hex(&head.last_hash)},
        "final_pools": pools,
    });
    fs::create_dir_all(dir)?;
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    fs::write(dir.join("audit-trail.json"), text)?;
    Ok(())
}
