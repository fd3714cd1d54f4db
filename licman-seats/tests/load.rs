//! Load and faults, bounded and on loopback only: 64 clients doing
//! checkout / heartbeat / release against two server processes on one
//! database; seats never exceed capacity and every lease is accounted for;
//! then a server killed with SIGKILL mid-load loses no committed lease, and
//! the leases it gave out die by their TTL. The figures (requests/s, p50,
//! p99, beside the store's own in the same run) go to stderr; more cycles:
//! `LICMAN_LOAD_CYCLES=100 cargo test -p licman-seats --test load -- --nocapture`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::server::{ADMIN, INSTANCE, Server};
use common::{Db, Kind, ok};
use licman_core::seats::{Command, HolderId, LeaseId, PoolId, Reply};
use serde_json::json;

const CLIENTS: usize = 64;
const CAPACITY: u32 = 32;

fn cycles() -> usize {
    std::env::var("LICMAN_LOAD_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Figures {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn report(&mut self, what: &str) {
        self.latencies.sort();
        eprintln!(
            "{what}: {} requests in {:.2} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests as f64 / self.elapsed.as_secs_f64(),
            percentile(&self.latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&self.latencies, 0.99).as_secs_f64() * 1000.0,
        );
    }
}

/// The database: PostgreSQL when the test script started one (CI always
/// does), else a SQLite file.
fn database() -> Db {
    Db::postgres().unwrap_or_else(Db::sqlite)
}

#[test]
fn sixty_four_clients_on_two_servers_never_exceed_capacity_and_account_for_every_lease() {
    let db = database();
    let a = Server::start(&db, &[]);
    let b = Server::start(&db, &[]);
    let cad = a.send(ADMIN, "POST", "/api/v1/pools",
        &json!({"name": "CAD", "vendor": "Acme", "capacity": CAPACITY, "license_type": "concurrent"}));
    assert_eq!(cad.status, 201, "{}", cad.text);
    let cycles = cycles();
    let held = AtomicI64::new(0);
    let most_held = AtomicI64::new(0);
    let (checkouts, refusals, releases) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let latencies = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for c in 0..CLIENTS {
            let server = if c % 2 == 0 { &a } else { &b };
            let (held, most_held, latencies) = (&held, &most_held, &latencies);
            let (checkouts, refusals, releases) = (&checkouts, &refusals, &releases);
            scope.spawn(move || {
                let mut mine = Vec::new();
                let mut timed = |f: &mut dyn FnMut() -> common::server::Answer| {
                    let t = Instant::now();
                    let answer = f();
                    mine.push(t.elapsed());
                    answer
                };
                for i in 0..cycles {
                    let holder = format!("c{c}-{i}");
                    let out = timed(&mut || {
                        server.send(
                            INSTANCE,
                            "POST",
                            "/api/v1/leases",
                            &json!({"pool": "CAD", "holder": holder}),
                        )
                    });
                    match out.status {
                        200 => {
                            checkouts.fetch_add(1, Ordering::Relaxed);
                            let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                            most_held.fetch_max(now, Ordering::SeqCst);
                            let id = out.body["id"].as_str().unwrap().to_string();
                            let beat = timed(&mut || {
                                server.send(
                                    INSTANCE,
                                    "POST",
                                    &format!("/api/v1/leases/{id}/heartbeat"),
                                    &json!(null),
                                )
                            });
                            assert_eq!(beat.status, 200, "{}", beat.text);
                            held.fetch_sub(1, Ordering::SeqCst);
                            let gone = timed(&mut || {
                                server.send(
                                    INSTANCE,
                                    "POST",
                                    &format!("/api/v1/leases/{id}/release"),
                                    &json!(null),
                                )
                            });
                            assert_eq!(gone.status, 200, "{}", gone.text);
                            releases.fetch_add(1, Ordering::Relaxed);
                        }
                        409 => {
                            assert_eq!(
                                out.body["error"]["code"], "capacity_exceeded",
                                "{}",
                                out.text
                            );
                            refusals.fetch_add(1, Ordering::Relaxed);
                        }
                        other => panic!("checkout answered {other}: {}", out.text),
                    }
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
    });
    let elapsed = started.elapsed();
    let latencies = latencies.into_inner().unwrap();
    let mut figures = Figures {
        requests: latencies.len(),
        elapsed,
        latencies,
    };
    figures.report(&format!(
        "HTTP, {CLIENTS} clients, two servers, {:?}",
        db.kind
    ));
    // Never more held than the pool has (as the clients saw it), and the
    // trail accounts for every lease: each checkout one lease.out, each
    // release one lease.released, nothing left out.
    assert!(most_held.load(Ordering::SeqCst) <= i64::from(CAPACITY));
    let count = |action: &str| {
        ok(&db, &["audit", "--action", action, "--limit", "0"])["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count("lease.out"), checkouts.load(Ordering::Relaxed));
    assert_eq!(count("lease.released"), releases.load(Ordering::Relaxed));
    assert_eq!(
        checkouts.load(Ordering::Relaxed),
        releases.load(Ordering::Relaxed)
    );
    assert_eq!(
        checkouts.load(Ordering::Relaxed) + refusals.load(Ordering::Relaxed),
        (CLIENTS * cycles) as u64
    );
    assert_eq!(
        ok(&db, &["leases", "--status", "active", "--limit", "0"])["total"],
        0
    );
    assert_eq!(ok(&db, &["audit", "verify"])["ok"], true);

    // The store itself, in the same run: the same cycles from 64 threads
    // on one shared store (the server's own path, without HTTP).
    let store = licman_seats::shared::SharedStore::open(&db.url).unwrap();
    let pool = PoolId::new(cad.body["id"].as_str().unwrap()).unwrap();
    let direct = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for c in 0..CLIENTS {
            let (store, pool, direct) = (&store, &pool, &direct);
            scope.spawn(move || {
                let mut mine = Vec::new();
                for i in 0..cycles {
                    let t = Instant::now();
                    let out = store.run(
                        Command::Checkout {
                            id: LeaseId::new(&format!("d{c}-{i}")).unwrap(),
                            pool: pool.clone(),
                            holder: HolderId::new(&format!("d{c}-{i}")).unwrap(),
                            borrow_days: None,
                            ttl_seconds: None,
                        },
                        "load",
                        None,
                    );
                    mine.push(t.elapsed());
                    let Ok(recorded) = out else { continue };
                    let Reply::Lease(id) = recorded.outcome.reply else {
                        panic!()
                    };
                    for command in [
                        Command::Heartbeat { lease: id.clone() },
                        Command::Release { lease: id },
                    ] {
                        let t = Instant::now();
                        store.run(command, "load", None).unwrap();
                        mine.push(t.elapsed());
                    }
                }
                direct.lock().unwrap().extend(mine);
            });
        }
    });
    let elapsed = started.elapsed();
    let direct = direct.into_inner().unwrap();
    let mut figures = Figures {
        requests: direct.len(),
        elapsed,
        latencies: direct,
    };
    figures.report(&format!(
        "store, {CLIENTS} threads, one SharedStore, {:?}",
        db.kind
    ));
}

#[test]
fn a_server_killed_mid_load_loses_no_committed_lease_and_its_leases_die_by_their_ttl() {
    let db = database();
    let mut doomed = Server::start(&db, &[]);
    let survivor = Server::start(&db, &[]);
    let made = survivor.send(ADMIN, "POST", "/api/v1/pools",
        &json!({"name": "CAD", "vendor": "Acme", "capacity": 1000, "license_type": "concurrent", "ttl_seconds": 60}));
    assert_eq!(made.status, 201, "{}", made.text);
    let granted: Mutex<Vec<String>> = Mutex::default();
    let killed_at = Mutex::new(None::<Instant>);
    std::thread::scope(|scope| {
        for c in 0..16 {
            let server = if c % 2 == 0 { &doomed } else { &survivor };
            let granted = &granted;
            scope.spawn(move || {
                for i in 0..40 {
                    let a = server.try_send(
                        INSTANCE,
                        "POST",
                        "/api/v1/leases",
                        &json!({"pool": "CAD", "holder": format!("k{c}-{i}")}),
                    );
                    match a {
                        Some(a) if a.status == 200 => granted
                            .lock()
                            .unwrap()
                            .push(a.body["id"].as_str().unwrap().into()),
                        Some(a) => assert!(a.status == 409 || a.status >= 500, "{}", a.text),
                        None => {} // the server is gone
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(150));
        *killed_at.lock().unwrap() = Some(Instant::now());
        std::process::Command::new("kill")
            .args(["-KILL", &doomed.pid().to_string()])
            .status()
            .unwrap();
    });
    doomed.kill(); // reaps it
    assert!(killed_at.lock().unwrap().is_some());
    // Every lease a client was told it got is in the trail, and holds a
    // seat until its TTL; none is counted twice.
    let granted = granted.into_inner().unwrap();
    assert!(!granted.is_empty());
    let listed = ok(&db, &["leases", "--limit", "100000"]);
    let ids: std::collections::BTreeSet<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    for id in &granted {
        assert!(
            ids.contains(id),
            "lease {id} was granted but is not in the store"
        );
    }
    assert_eq!(ids.len() as u64, listed["total"].as_u64().unwrap());
    assert_eq!(ok(&db, &["audit", "verify"])["ok"], true);
    // Nobody heartbeats them: a minute and a second on, every one is dead
    // and its seat free.
    let later =
        licman_core::Timestamp::from_unix_seconds(licman_seats::time::now().unix_seconds() + 61);
    let at = later.to_string();
    assert_eq!(
        ok(
            &db,
            &["--at", &at, "leases", "--status", "active", "--limit", "0"]
        )["total"],
        0
    );
    assert_eq!(
        ok(&db, &["--at", &at, "pool", "show", "CAD"])["allocated"],
        0
    );
    // The survivor still serves.
    let after = survivor.send(
        INSTANCE,
        "POST",
        "/api/v1/leases",
        &json!({"pool": "CAD", "holder": "after"}),
    );
    assert_eq!(after.status, 200, "{}", after.text);
    if db.kind == Kind::Sqlite {
        eprintln!("(SQLite: CI runs this on PostgreSQL)");
    }
}
