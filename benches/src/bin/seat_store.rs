//! The seat store under load: assignments per second and p50/p99 latency
//! on SQLite and PostgreSQL with 1, 4 and 16 concurrent clients (each a
//! `Store` of its own, as separate processes or instances would be),
//! beside pgbench's built-in simple-update on the same server and a naive
//! check-then-insert implementation under the same load, and a race of 16
//! clients for the last 100 seats that counts what each over-allocates.
//!
//! ```text
//! seat-store --pg postgres://postgres@127.0.0.1:PORT [--pgbench PATH] [--seconds 8]
//! ```
//!
//! `make bench-seats` starts a throwaway PostgreSQL and runs it; the
//! figures go into docs/PERFORMANCE.md. Nothing here is asserted: it
//! measures.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)] // a measuring tool

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use licman_core::seats::{AssignmentId, AssignmentSource, Command, PoolId, PoolSpec, UserId};
use licman_seats::shared::SharedStore;
use licman_seats::store::Store;

const CLIENTS: &[usize] = &[1, 4, 16];

struct Args {
    pg: Option<String>,
    pgbench: Option<String>,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        pg: None,
        pgbench: None,
        seconds: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--pg" => a.pg = it.next(),
            "--pgbench" => a.pgbench = it.next(),
            "--seconds" => a.seconds = it.next().and_then(|s| s.parse().ok()).unwrap_or(8),
            other => {
                eprintln!(
                    "unknown argument {other}\nusage: seat-store [--pg URL] [--pgbench PATH] [--seconds N]"
                );
                std::process::exit(2);
            }
        }
    }
    a
}

/// A fresh store location: a SQLite file, or a new PostgreSQL database.
fn fresh(pg: Option<&str>, name: &str) -> String {
    match pg {
        None => {
            let dir =
                std::env::temp_dir().join(format!("seat-bench-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("seats.db");
            let _ = std::fs::remove_file(&path);
            path.display().to_string()
        }
        Some(base) => {
            let mut admin =
                postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).unwrap();
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            format!("{base}/{name}")
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Run {
    ops: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: u64,
}

impl Run {
    fn line(&self, what: &str, clients: usize) -> String {
        let mut l = self.latencies.clone();
        l.sort();
        format!(
            "| {what} | {clients} | {:.0} | {:.2} | {:.2} | {} |",
            self.ops as f64 / self.elapsed.as_secs_f64(),
            percentile(&l, 0.5).as_secs_f64() * 1e3,
            percentile(&l, 0.99).as_secs_f64() * 1e3,
            self.errors
        )
    }
}

/// Runs `clients` threads for `seconds`, each calling `op(client, n)`.
fn load(
    clients: usize,
    seconds: u64,
    setup: impl Fn(usize) -> Box<dyn FnMut(u64) -> bool + Send> + Sync,
) -> Run {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let results: Vec<(Vec<Duration>, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let barrier = barrier.clone();
                let next = next.clone();
                let deadline = deadline.clone();
                let mut op = setup(c);
                s.spawn(move || {
                    barrier.wait();
                    let end = deadline.lock().unwrap().expect("start");
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    while Instant::now() < end {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let t = Instant::now();
                        if op(n) {
                            lat.push(t.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        *deadline.lock().unwrap() = Some(Instant::now() + Duration::from_secs(seconds));
        barrier.wait();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut latencies = Vec::new();
    let mut errors = 0;
    for (l, e) in results {
        latencies.extend(l);
        errors += e;
    }
    Run {
        ops: latencies.len() as u64,
        elapsed: Duration::from_secs(seconds),
        latencies,
        errors,
    }
}

const USERS: usize = 200_000;

/// A store with one pool of `capacity` seats and [`USERS`] users.
fn prepare(location: &str, capacity: u32) {
    let mut store = Store::open(location).unwrap();
    store
        .run(
            &Command::CreatePool(PoolSpec::new(
                PoolId::new("pool").unwrap(),
                "Bench",
                capacity,
            )),
            "bench",
            None,
        )
        .unwrap();
    let users: Vec<Command> = (0..USERS)
        .map(|i| Command::CreateUser {
            id: UserId::new(&format!("u{i}")).unwrap(),
            email: format!("u{i}@example.com"),
            active: true,
            lifecycle: "active".into(),
            last_activity: None,
        })
        .collect();
    for chunk in users.chunks(10_000) {
        store.run_all(chunk, "bench", None).unwrap();
    }
}

fn assign_command(n: u64) -> Command {
    Command::Assign {
        id: AssignmentId::new(&format!("a{n}")).unwrap(),
        pool: PoolId::new("pool").unwrap(),
        user: UserId::new(&format!("u{}", n as usize % USERS)).unwrap(),
        source: AssignmentSource::Manual,
        notes: String::new(),
    }
}

fn assign(store: &mut Store, n: u64) -> Result<(), String> {
    store
        .run(&assign_command(n), "bench", None)
        .map(drop)
        .map_err(|f| f.code)
}

/// The naive implementation: count, then insert, with no lock between.
fn naive_schema(pg: Option<&str>, location: &str) {
    let sql =
        "CREATE TABLE naive_seats (pool text NOT NULL, usr text NOT NULL, PRIMARY KEY (pool, usr))";
    match pg {
        None => {
            let c = rusqlite::Connection::open(location).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            c.pragma_update(None, "synchronous", "FULL").unwrap();
            c.execute_batch(sql).unwrap();
        }
        Some(_) => postgres::Client::connect(location, postgres::NoTls)
            .unwrap()
            .batch_execute(sql)
            .unwrap(),
    }
}

fn naive_client(
    pg: Option<&str>,
    location: &str,
    capacity: i64,
) -> Box<dyn FnMut(u64) -> bool + Send> {
    match pg {
        None => {
            let c = rusqlite::Connection::open(location).unwrap();
            c.busy_timeout(Duration::from_secs(30)).unwrap();
            Box::new(move |n| {
                let count: i64 = c
                    .query_row(
                        "SELECT count(*) FROM naive_seats WHERE pool = 'pool'",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                if count >= capacity {
                    return false;
                }
                c.execute(
                    "INSERT INTO naive_seats VALUES ('pool', ?1)",
                    [format!("u{}", n as usize % USERS)],
                )
                .is_ok()
            })
        }
        Some(_) => {
            let mut c = postgres::Client::connect(location, postgres::NoTls).unwrap();
            Box::new(move |n| {
                let count: i64 = c
                    .query_one("SELECT count(*) FROM naive_seats WHERE pool = 'pool'", &[])
                    .unwrap()
                    .get(0);
                if count >= capacity {
                    return false;
                }
                c.execute(
                    "INSERT INTO naive_seats VALUES ('pool', $1)",
                    &[&format!("u{}", n as usize % USERS)],
                )
                .is_ok()
            })
        }
    }
}

fn naive_count(pg: Option<&str>, location: &str) -> i64 {
    let sql = "SELECT count(*) FROM naive_seats";
    match pg {
        None => rusqlite::Connection::open(location)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap(),
        Some(_) => postgres::Client::connect(location, postgres::NoTls)
            .unwrap()
            .query_one(sql, &[])
            .unwrap()
            .get(0),
    }
}

/// Sixteen clients race for the last 100 seats (each tries until refused).
fn race(pg: Option<&str>, name: &str, naive: bool) -> u64 {
    let location = fresh(pg, name);
    let capacity = 100;
    if naive {
        naive_schema(pg, &location);
    } else {
        prepare(&location, capacity);
    }
    let next = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..16 {
            let location = location.clone();
            let next = &next;
            s.spawn(move || {
                if naive {
                    let mut op = naive_client(pg, &location, i64::from(capacity));
                    for _ in 0..200 {
                        let _ = op(next.fetch_add(1, Ordering::Relaxed));
                    }
                } else {
                    let mut store = Store::open(&location).unwrap();
                    for _ in 0..200 {
                        if assign(&mut store, next.fetch_add(1, Ordering::Relaxed))
                            .is_err_and(|c| c == "capacity_exceeded")
                        {
                            break;
                        }
                    }
                }
            });
        }
    });
    let held = if naive {
        naive_count(pg, &location) as u64
    } else {
        let store = Store::open(&location).unwrap();
        store
            .state()
            .allocated(&PoolId::new("pool").unwrap(), licman_seats::time::now())
            .unwrap()
    };
    held.saturating_sub(u64::from(capacity))
}

fn pgbench(bin: &str, base: &str, seconds: u64) -> Option<f64> {
    let url = fresh(Some(base), "pgbench_db");
    let init = std::process::Command::new(bin)
        .args(["-i", "-q", "-s", "16", &url])
        .output()
        .ok()?;
    if !init.status.success() {
        eprintln!(
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        return None;
    }
    let run = std::process::Command::new(bin)
        .args([
            "-b",
            "simple-update",
            "-c",
            "16",
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            &url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&run.stdout).to_string();
    text.lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|t| t.parse().ok())
}

fn main() {
    let a = args();
    println!("| store | clients | assignments/s | p50 ms | p99 ms | refused or failed |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut backends: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
    if let Some(pg) = a.pg.as_deref() {
        backends.push(("PostgreSQL", Some(pg)));
    }
    for (name, pg) in &backends {
        for &clients in CLIENTS {
            let db = format!("bench_{}_{clients}", name.to_lowercase());
            let location = fresh(*pg, &db);
            prepare(&location, 10_000_000);
            let run = load(clients, a.seconds, |_| {
                let mut store = Store::open(&location).unwrap();
                Box::new(move |n| assign(&mut store, n).is_ok())
            });
            println!("{}", run.line(&format!("licman-seats, {name}"), clients));
        }
        for &clients in CLIENTS {
            let db = format!("shared_{}_{clients}", name.to_lowercase());
            let location = fresh(*pg, &db);
            prepare(&location, 10_000_000);
            let shared = Arc::new(SharedStore::open(&location).unwrap());
            let run = load(clients, a.seconds, |_| {
                let shared = shared.clone();
                Box::new(move |n| shared.run(assign_command(n), "bench", None).is_ok())
            });
            println!(
                "{}",
                run.line(
                    &format!("licman-seats, one shared store (grouped commits), {name}"),
                    clients
                )
            );
        }
        for &clients in CLIENTS {
            let db = format!("naive_{}_{clients}", name.to_lowercase());
            let location = fresh(*pg, &db);
            naive_schema(*pg, &location);
            let run = load(clients, a.seconds, |_| {
                naive_client(*pg, &location, i64::MAX)
            });
            println!(
                "{}",
                run.line(&format!("naive check-then-insert, {name}"), clients)
            );
        }
    }
    if let (Some(bin), Some(pg)) = (a.pgbench.as_deref(), a.pg.as_deref()) {
        match pgbench(bin, pg, a.seconds) {
            Some(tps) => {
                println!("\npgbench -b simple-update -c 16 -j 2 on the same server: {tps:.0} TPS")
            }
            None => println!("\npgbench did not run"),
        }
    }
    println!("\n| store | seats over capacity after 16 clients race for the last 100 |");
    println!("|---|---:|");
    for (name, pg) in &backends {
        let ours = race(*pg, &format!("race_ours_{}", name.to_lowercase()), false);
        let naive = race(*pg, &format!("race_naive_{}", name.to_lowercase()), true);
        println!("| licman-seats, {name} | {ours} |");
        println!("| naive check-then-insert, {name} | {naive} |");
    }
}
