//! `cargo bench -p licman-benches --bench seats`: the seat engine's targets,
//! each beside its naive baseline, in one run. See docs/PERFORMANCE.md
//! (Seats) for the figures and `benches/callgrind.sh seat_…` for
//! instruction counts.

#![allow(clippy::expect_used)] // fixed inputs; a failure is a bug in the benchmark

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use licman_benches::NOW;
use licman_benches::seats::{
    AnalyticsShape, AssignFixture, AssignShape, LookupFloor, NaiveAnalyticsModel, NaivePlanModel,
    NaiveSeats, PlanShape, TrailShape, analytics_state, apply_unverified, plan_state, trail,
};
use licman_core::seats::{AnalyticsOptions, ChainHead, Context, Reply, SeatEngine};

/// New assignments one copy of the base state takes before a fresh copy
/// replaces it: the room its assignment map has (114,688) beyond the
/// 100,000, so no rehash is timed and the state stays between 100,000 and
/// 114,000 assignments. (A table reserved for more is over glibc's 32 MiB
/// mmap threshold: each fresh copy's untouched pages would fault on the
/// first insert into them, microseconds that a long-running host does not
/// pay.)
const CHUNK: usize = 14_000;

/// A state the timed commands run on, one after another across criterion's
/// samples, like a host's: it is replaced by a fresh copy of the base
/// (untimed) only when every command has run on it.
struct Rolling<'a, S, T> {
    fresh: Box<dyn Fn() -> S + 'a>,
    commands: &'a [T],
    state: S,
    used: usize,
}

impl<'a, S, T> Rolling<'a, S, T> {
    fn new(commands: &'a [T], fresh: impl Fn() -> S + 'a) -> Rolling<'a, S, T> {
        Rolling {
            state: fresh(),
            fresh: Box::new(fresh),
            commands,
            used: 0,
        }
    }

    /// Runs `op` on the next `iters` commands; only the commands are timed.
    fn run(&mut self, iters: u64, mut op: impl FnMut(&mut S, &T)) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = usize::try_from(iters).expect("iterations");
        while left > 0 {
            if self.used == self.commands.len() {
                self.state = (self.fresh)();
                self.used = 0;
            }
            let n = left.min(self.commands.len() - self.used);
            let batch = &self.commands[self.used..self.used + n];
            let start = Instant::now();
            for c in batch {
                op(&mut self.state, c);
            }
            total += start.elapsed();
            self.used += n;
            left -= n;
        }
        total
    }
}

fn assign(c: &mut Criterion) {
    let shape = AssignShape::ISSUE;
    let started = Instant::now();
    let f = AssignFixture::new(shape, CHUNK, CHUNK / AssignFixture::BULK);
    println!(
        "assign state: {} pools, {} users, {} assignments, {} incompatibilities, built in {:.2} s",
        shape.pools,
        shape.users(),
        shape.assignments,
        shape.incompatible_pairs(),
        started.elapsed().as_secs_f64()
    );
    let mut check = f.state.clone();
    assert!(
        f.assigns.iter().all(|a| check.execute(a, NOW).is_ok()),
        "every assign succeeds"
    );
    let mut check = f.state.clone();
    for bulk in &f.bulks {
        let done = check.execute(bulk, NOW).expect("bulk");
        let Reply::Bulk(report) = done.reply else {
            unreachable!("a bulk reply")
        };
        assert_eq!(
            report.succeeded,
            AssignFixture::BULK,
            "every bulk item succeeds"
        );
    }
    drop(check);
    let small_shape = AssignShape {
        pools: 1_000,
        assignments: 10_000,
        headroom: 0,
    };
    // 10,000 reserved: a table of 16,384, room for 4,336 more.
    let small = AssignFixture::new(small_shape, 4_000, 0);

    let cx = Context::new(NOW, "bench");
    let mut group = c.benchmark_group("seat assign (10,000 pools, 100,000 assignments)");
    let mut rolling = Rolling::new(&f.assigns, || f.state.clone());
    group.bench_function("SeatState::execute(Assign)", |b| {
        b.iter_custom(|iters| {
            rolling.run(iters, |state, command| {
                black_box(state.execute(black_box(command), NOW)).ok();
            })
        })
    });
    drop(rolling);
    let mut rolling = Rolling::new(&f.assigns, || {
        SeatEngine::from_parts(f.state.clone(), ChainHead::GENESIS)
    });
    group.bench_function("SeatEngine::run(Assign), sealed (SHA-256 event)", |b| {
        b.iter_custom(|iters| {
            rolling.run(iters, |engine, command| {
                black_box(engine.run(black_box(command), &cx)).ok();
            })
        })
    });
    drop(rolling);
    let mut rolling = Rolling::new(&small.assigns, || small.state.clone());
    group.bench_function(
        "SeatState::execute(Assign), 1,000 pools and 10,000 assignments (cache-resident)",
        |b| {
            b.iter_custom(|iters| {
                rolling.run(iters, |state, command| {
                    black_box(state.execute(black_box(command), NOW)).ok();
                })
            })
        },
    );
    drop(rolling);
    // The floor under any engine with this contract, and under one with
    // integer handles (LookupFloor's doc); the same commands on a model of
    // the same state, rolled the same way.
    let floor = LookupFloor::from_state(&f.state);
    let mut rolling = Rolling::new(&f.assigns, || floor.clone());
    group.bench_function(
        "lookup floor: string ids (3 probes, no decision or event)",
        |b| {
            b.iter_custom(|iters| {
                rolling.run(iters, |model, command| {
                    black_box(model.assign_by_ids(black_box(command), NOW));
                })
            })
        },
    );
    drop(rolling);
    let handles: Vec<(u32, u32)> = f
        .assigns
        .iter()
        .map(|c| floor.handles(c).expect("known ids"))
        .collect();
    let mut rolling = Rolling::new(&handles, || floor.clone());
    group.bench_function(
        "lookup floor: integer handles (no string hashed, no decision or event)",
        |b| {
            b.iter_custom(|iters| {
                rolling.run(iters, |model, &(pool, user)| {
                    black_box(model.assign_by_handles(black_box(pool), black_box(user), NOW));
                })
            })
        },
    );
    drop(rolling);
    drop(floor);
    let mut naive = NaiveSeats::from_state(&f.state);
    let mut next = 0;
    group.bench_function("Vec<Assignment> scan (naive)", |b| {
        b.iter(|| {
            let command = &f.assigns[next % f.assigns.len()];
            next += 1;
            let done = naive.assign_command(black_box(command), NOW);
            if done.is_ok() {
                naive.assignments.pop();
            }
            done
        })
    });
    group.finish();

    let mut group = c.benchmark_group("seat bulk assign 1,000 (10,000 pools, 100,000 assignments)");
    let mut rolling = Rolling::new(&f.bulks, || f.state.clone());
    group.bench_function("SeatState::execute(BulkAssign)", |b| {
        b.iter_custom(|iters| {
            rolling.run(iters, |state, command| {
                black_box(state.execute(black_box(command), NOW)).ok();
            })
        })
    });
    drop(rolling);
    let mut rolling = Rolling::new(&f.bulks, || {
        SeatEngine::from_parts(f.state.clone(), ChainHead::GENESIS)
    });
    group.bench_function("SeatEngine::run(BulkAssign), sealed (1,000 events)", |b| {
        b.iter_custom(|iters| {
            rolling.run(iters, |engine, command| {
                black_box(engine.run(black_box(command), &cx)).ok();
            })
        })
    });
    drop(rolling);
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    let mut naive = NaiveSeats::from_state(&f.state);
    let base = naive.assignments.len();
    group.bench_function("1,000 Vec<Assignment> scans (naive)", |b| {
        b.iter(|| {
            let done = naive.bulk_assign(black_box(&f.bulks[0]), NOW);
            naive.assignments.truncate(base);
            done
        })
    });
    group.finish();
}

fn reclamation(c: &mut Criterion) {
    let shape = PlanShape::ISSUE;
    let started = Instant::now();
    let state = plan_state(shape);
    let plan = state.reclamation_plan(NOW);
    println!(
        "plan state: {} pools, {} rules, {} assignments, {} notices recorded, built in {:.2} s; \
         the plan: {} notices, {} reclaims",
        shape.pools,
        state.rules().count(),
        shape.assignments,
        state.notices().count(),
        started.elapsed().as_secs_f64(),
        plan.notices.len(),
        plan.reclaims.len()
    );
    let naive = NaivePlanModel::from_state(&state);
    let (notices, reclaims) = naive.plan(NOW);
    assert_eq!(
        (notices.len(), reclaims.len()),
        (plan.notices.len(), plan.reclaims.len()),
        "the naive plan decides the same"
    );

    let mut group = c.benchmark_group("seat reclamation plan (100,000 assignments)");
    group.bench_function("SeatState::reclamation_plan", |b| {
        b.iter(|| state.reclamation_plan(black_box(NOW)))
    });
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(
        "one scan of Vec<Assignment>, BTreeMap look-ups (naive)",
        |b| b.iter(|| naive.plan(black_box(NOW))),
    );
    group.finish();
}

fn analytics(c: &mut Criterion) {
    let shape = AnalyticsShape::ISSUE;
    let started = Instant::now();
    let state = analytics_state(shape);
    let options = AnalyticsOptions::default();
    let report = state.analytics(NOW, &options);
    println!(
        "analytics state: {} pools, {} users, {} assignments, {} leases, built in {:.2} s; \
         the report: {} seats held of {}, {} vendor rows, {} expiring, {} recommendations",
        shape.pools,
        shape.users(),
        shape.assignments,
        state.leases().count(),
        started.elapsed().as_secs_f64(),
        report.summary.allocated,
        report.summary.capacity,
        report.vendors.len(),
        report.expiring.len(),
        report.recommendations.len()
    );
    let naive = NaiveAnalyticsModel::from_state(&state);
    let figures = naive.analytics(NOW, options.expiring_window_days);
    assert_eq!(
        figures.recommendations.len(),
        report.recommendations.len(),
        "the naive analytics decides the same"
    );

    let mut group = c.benchmark_group("seat analytics (1,000 pools, 100,000 assignments)");
    group.bench_function("SeatState::analytics", |b| {
        b.iter(|| state.analytics(black_box(NOW), &options))
    });
    group.sample_size(20);
    group.bench_function(
        "one scan of Vec<Assignment>, BTreeMap look-ups (naive)",
        |b| b.iter(|| naive.analytics(black_box(NOW), options.expiring_window_days)),
    );
    group.finish();
}

fn replay(c: &mut Criterion) {
    let shape = TrailShape::ISSUE;
    let started = Instant::now();
    let trail = trail(shape);
    let built = started.elapsed();
    let engine = SeatEngine::replay(&trail).expect("the trail replays");
    let state = engine.state();
    println!(
        "trail: {} events made by SeatEngine::run in {:.2} s; its state: {} pools, {} users, \
         {} assignments ({} active), {} leases",
        trail.len(),
        built.as_secs_f64(),
        state.pools().count(),
        state.users().count(),
        state.assignments().count(),
        state
            .assignments()
            .filter(|a| a.status == licman_core::seats::AssignmentStatus::Active)
            .count(),
        state.leases().count()
    );
    drop(engine);

    let mut group = c.benchmark_group("seat replay (1,000,000 events)");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("SeatEngine::replay (hash chain verified)", |b| {
        b.iter_with_large_drop(|| SeatEngine::replay(black_box(&trail)).expect("replays"))
    });
    group.bench_function(
        "SeatState::apply of each change, unverified (baseline)",
        |b| b.iter_with_large_drop(|| apply_unverified(black_box(&trail))),
    );
    group.bench_function("SeatEngine::verify_chain only (no state)", |b| {
        b.iter(|| SeatEngine::verify_chain(black_box(&trail), ChainHead::GENESIS).is_ok())
    });
    group.finish();
}

criterion_group!(benches, assign, reclamation, analytics, replay);
criterion_main!(benches);
