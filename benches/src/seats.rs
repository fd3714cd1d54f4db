//! Seat-engine fixtures (feature `seats`): the big states the criterion
//! benches (`benches/seats.rs`) and the callgrind runner (`ops seat_…`)
//! measure, and the naive baselines beside them.
//!
//! The big states are loaded the way a store loads them: [`SeatState::reserve`],
//! the pools by `CreatePool` (so they are whatever the engine makes of a
//! spec), then [`SeatState::apply`] of `UserCreated`, `Assigned`, rules,
//! notices and incompatibilities, so building 100,000 assignments takes a
//! fraction of a second. The replay trail is the exception: it is
//! made by [`SeatEngine::run`] from real commands, so its events are the
//! ones a host would store.

use std::collections::BTreeMap;
use std::time::Duration;

use licman_core::Timestamp;
use licman_core::seats::{
    Assignment, AssignmentId, AssignmentSource, AssignmentStatus, BulkAssignItem, Change, Command,
    Context, Currency, Event, HolderId, IncompatibilityId, LeaseId, LicenseType, Money, Notice,
    PoolId, PoolSpec, ReclamationRule, RuleId, SeatEngine, SeatState, Trigger, User, UserId,
    UserPatch,
};

use crate::NOW;

const DAY: u64 = 86_400;

/// `NOW` minus `days` days.
pub fn days_ago(days: u64) -> Timestamp {
    Timestamp::from_unix_seconds(NOW.unix_seconds() - days * DAY)
}

/// Pool `i`'s id (`pool-00042`).
pub fn pool_id(i: usize) -> PoolId {
    PoolId::new(&format!("pool-{i:05}")).expect("pool id")
}

/// User `i`'s id (`user-000042`).
pub fn user_id(i: usize) -> UserId {
    UserId::new(&format!("user-{i:06}")).expect("user id")
}

/// An assignment id (`{prefix}-0000042`).
pub fn assignment_id(prefix: &str, i: usize) -> AssignmentId {
    AssignmentId::new(&format!("{prefix}-{i:07}")).expect("assignment id")
}

/// A named pool's settings: monthly, 15.00 USD a seat, one of 20 vendors.
pub fn named_pool(id: PoolId, i: usize, capacity: u32) -> PoolSpec {
    let mut spec = PoolSpec::new(id, &format!("Pool {i}"), capacity);
    spec.vendor = format!("Vendor {}", i % 20);
    spec.product = format!("Product {}", i % 97);
    spec.seat_cost = Money::new(1500, Currency::USD);
    spec
}

/// Creates a pool the way the engine does (a year ago).
fn create_pool(state: &mut SeatState, spec: PoolSpec) {
    state
        .execute(&Command::CreatePool(spec), days_ago(365))
        .expect("a fixture pool is valid");
}

/// An active user.
pub fn user(id: UserId, lifecycle: &str, last_activity: Option<Timestamp>) -> User {
    User {
        email: format!("{id}@example.com"),
        id,
        active: true,
        lifecycle: lifecycle.into(),
        last_activity,
    }
}

/// An active manual assignment.
pub fn assignment(id: AssignmentId, pool: PoolId, user: UserId, at: Timestamp) -> Assignment {
    Assignment {
        id,
        pool,
        user,
        source: AssignmentSource::Manual,
        entitlement: None,
        status: AssignmentStatus::Active,
        assigned_at: at,
        ended_at: None,
        reason: None,
        notes: String::new(),
    }
}

fn load(state: &mut SeatState, change: Change) {
    state.apply(&change).expect("a fixture change applies");
}

/// The shape of the assign benchmarks' state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignShape {
    /// Named pools.
    pub pools: usize,
    /// Active assignments; users are half as many, two seats each (user
    /// `u` in pools `2u` and `2u + 1`, modulo the pools).
    pub assignments: usize,
    /// Assignments the maps are reserved for beyond those, so that a run of
    /// new assignments measures assigning, not one rehash of the whole map
    /// at a size that happens to be crossed.
    pub headroom: usize,
}

impl AssignShape {
    /// The issue's state: 10,000 pools and 100,000 assignments, reserved
    /// for exactly those (hashbrown's table for 100,000 holds 114,688, so
    /// the benches run up to 14,000 new assignments on one copy).
    pub const ISSUE: AssignShape = AssignShape {
        pools: 10_000,
        assignments: 100_000,
        headroom: 0,
    };

    /// Users: two seats each.
    pub fn users(&self) -> usize {
        self.assignments / 2
    }

    /// Pools `i` and `i + pools / 2` are incompatible for `i < pools / 10`
    /// (a fifth of the pools carry a rule; no user of the fixture holds
    /// both sides).
    pub fn incompatible_pairs(&self) -> usize {
        self.pools / 10
    }
}

/// The assign benchmarks' state: `shape.pools` pools of 2,000 seats,
/// `shape.users()` users, `shape.assignments` active assignments and the
/// incompatibilities of [`AssignShape::incompatible_pairs`].
pub fn assign_state(shape: AssignShape) -> SeatState {
    let pools: Vec<PoolId> = (0..shape.pools).map(pool_id).collect();
    let users: Vec<UserId> = (0..shape.users()).map(user_id).collect();
    let mut state = SeatState::new();
    state.reserve(shape.pools, users.len(), shape.assignments + shape.headroom);
    for (i, id) in pools.iter().enumerate() {
        create_pool(&mut state, named_pool(id.clone(), i, 2_000));
    }
    for id in &users {
        load(
            &mut state,
            Change::UserCreated(user(id.clone(), "active", Some(days_ago(1)))),
        );
    }
    for k in 0..shape.assignments {
        let a = assignment(
            assignment_id("a", k),
            pools[k % shape.pools].clone(),
            users[k / 2].clone(),
            days_ago(90),
        );
        load(&mut state, Change::Assigned(a));
    }
    for i in 0..shape.incompatible_pairs() {
        let inc = Command::CreateIncompatibility {
            id: IncompatibilityId::new(&format!("inc-{i:05}")).expect("id"),
            pool_a: pools[i].clone(),
            pool_b: pools[i + shape.pools / 2].clone(),
            reason: "the same product twice".into(),
        };
        state
            .execute(&inc, days_ago(365))
            .expect("a fixture incompatibility");
    }
    state
}

/// Adds an enabled rule (a year ago).
fn create_rule(state: &mut SeatState, id: RuleId, pool: &PoolId, trigger: Trigger, notify: u32) {
    let rule = Command::CreateRule {
        id,
        pool: pool.clone(),
        trigger,
        notify_days: notify,
        enabled: true,
    };
    state
        .execute(&rule, days_ago(365))
        .expect("a fixture rule is valid");
}

/// User number `j` of a shuffled order (a multiplicative permutation).
fn shuffled(j: usize, n: usize) -> usize {
    (j % n) * 7_919 % n
}

/// `n` assign commands, each of which succeeds on [`assign_state`] when
/// executed in order: command `j` gives a shuffled user `u` a seat in pool
/// `2u + 2 + u % 2 + 2 (j / users)`, which they do not hold (so the pools
/// fill evenly). A fifth of them land in a
/// pool with an incompatibility, so the check runs (and passes).
pub fn assign_commands(shape: AssignShape, n: usize, prefix: &str) -> Vec<Command> {
    let users = shape.users();
    assert!(
        users % 7_919 != 0 && n / users + 3 < shape.pools / 2,
        "assign_commands: a shape the pairs stay unique in"
    );
    (0..n)
        .map(|j| {
            let u = shuffled(j, users);
            Command::Assign {
                id: assignment_id(prefix, j),
                pool: pool_id((2 * u + 2 + u % 2 + 2 * (j / users)) % shape.pools),
                user: user_id(u),
                source: AssignmentSource::Manual,
                notes: String::new(),
            }
        })
        .collect()
}

/// `n` bulk assigns of `size` items each, each succeeding in full on
/// [`assign_state`] in order: bulk `b` fills pool `pools / 10 + b` (a pool
/// with no incompatibility) with `size` shuffled users who hold no seat in
/// it.
pub fn bulk_commands(state: &SeatState, shape: AssignShape, n: usize, size: usize) -> Vec<Command> {
    let users = shape.users();
    assert!(
        shape.pools / 10 + n <= shape.pools / 2,
        "bulk_commands: enough pools without incompatibilities"
    );
    let ids: Vec<UserId> = (0..users).map(user_id).collect();
    (0..n)
        .map(|b| {
            let pool = pool_id(shape.pools / 10 + b);
            let prefix = format!("bulk{b}");
            let items = (0..users)
                .map(|k| &ids[shuffled(k + b * 31, users)])
                .filter(|u| state.active_assignment(&pool, u).is_none())
                .take(size)
                .enumerate()
                .map(|(i, user)| BulkAssignItem {
                    id: assignment_id(&prefix, i),
                    user: user.clone(),
                })
                .collect::<Vec<_>>();
            assert_eq!(items.len(), size, "bulk_commands: enough free users");
            Command::BulkAssign {
                pool,
                items,
                source: AssignmentSource::Automatic,
                notes: String::new(),
            }
        })
        .collect()
}

/// The assign and bulk-assign fixture: the base state and commands that
/// each succeed when executed in order on a fresh copy of it.
#[derive(Debug)]
pub struct AssignFixture {
    /// Its shape.
    pub shape: AssignShape,
    /// The state every run starts from.
    pub state: SeatState,
    /// Single assigns, each of a new assignment id.
    pub assigns: Vec<Command>,
    /// Bulk assigns of [`AssignFixture::BULK`] items.
    pub bulks: Vec<Command>,
}

impl AssignFixture {
    /// Items of one bulk assign: the issue's 1,000 (the engine's
    /// `MAX_BULK_ITEMS`).
    pub const BULK: usize = 1_000;

    /// The state, `assigns` single assigns and `bulks` bulk assigns.
    pub fn new(shape: AssignShape, assigns: usize, bulks: usize) -> AssignFixture {
        let state = assign_state(shape);
        AssignFixture {
            shape,
            assigns: assign_commands(shape, assigns, "new"),
            bulks: bulk_commands(&state, shape, bulks, Self::BULK),
            state,
        }
    }
}

/// The shape of the reclamation-plan state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanShape {
    /// Named pools; each has an inactivity rule (30 days, 7 days' notice)
    /// and every fourth also a lifecycle rule (`terminated`, no notice).
    pub pools: usize,
    /// Active assignments, assigned 60 days ago; users are half as many,
    /// two seats each.
    pub assignments: usize,
}

impl PlanShape {
    /// The issue's state: 100,000 assignments, in 1,000 pools.
    pub const ISSUE: PlanShape = PlanShape {
        pools: 1_000,
        assignments: 100_000,
    };

    /// Users: two seats each.
    pub fn users(&self) -> usize {
        self.assignments / 2
    }
}

/// The inactivity rule of pool `i`.
pub fn idle_rule(i: usize) -> RuleId {
    RuleId::new(&format!("rule-{i:05}-idle")).expect("rule id")
}

/// The reclamation-plan state; user `u` holds two seats, in adjacent pools
/// chosen by a hash of `u`. Users by `u % 10`: 0–5 active a day ago
/// (nothing to do); 6 last active 25 days ago (a notice: due in 5 days,
/// within the 7 days' notice); 7 inactive 40 days, no notice yet (a
/// notice); 8 inactive 40 days with a notice recorded 10 days ago (a
/// reclaim); 9 `terminated` (a reclaim where the pool has the lifecycle
/// rule). So about 20 % of the assignments get a notice and 12.5 % are
/// reclaimed.
pub fn plan_state(shape: PlanShape) -> SeatState {
    let pools: Vec<PoolId> = (0..shape.pools).map(pool_id).collect();
    let users: Vec<UserId> = (0..shape.users()).map(user_id).collect();
    let per_pool = shape.assignments.div_ceil(shape.pools);
    let mut state = SeatState::new();
    state.reserve(shape.pools, users.len(), shape.assignments);
    for (i, id) in pools.iter().enumerate() {
        let capacity = u32::try_from(per_pool * 3 / 2 + 1).expect("capacity");
        create_pool(&mut state, named_pool(id.clone(), i, capacity));
        create_rule(
            &mut state,
            idle_rule(i),
            id,
            Trigger::Inactivity { days: 30 },
            7,
        );
        if i % 4 == 0 {
            let left = RuleId::new(&format!("rule-{i:05}-left")).expect("rule id");
            let trigger = Trigger::Lifecycle {
                state: "terminated".into(),
            };
            create_rule(&mut state, left, id, trigger, 0);
        }
    }
    for (u, id) in users.iter().enumerate() {
        let (lifecycle, last) = match u % 10 {
            6 => ("active", days_ago(25)),
            7 | 8 => ("active", days_ago(40)),
            9 => ("terminated", days_ago(1)),
            _ => ("active", days_ago(1)),
        };
        load(
            &mut state,
            Change::UserCreated(user(id.clone(), lifecycle, Some(last))),
        );
    }
    for k in 0..shape.assignments {
        // A shuffled user's pair of pools, so the kinds of user spread
        // over every pool (and over the pools with a lifecycle rule).
        let u = k / 2;
        let h = (u as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33;
        let p = (2 * h as usize + k % 2) % shape.pools;
        let id = assignment_id("a", k);
        load(
            &mut state,
            Change::Assigned(assignment(
                id.clone(),
                pools[p].clone(),
                users[u].clone(),
                days_ago(60),
            )),
        );
        if u % 10 == 8 {
            load(
                &mut state,
                Change::NoticeRecorded(Notice {
                    rule: idle_rule(p),
                    assignment: id,
                    noticed_at: days_ago(10),
                    reclaim_on: days_ago(3),
                }),
            );
        }
    }
    state
}

/// The shape of a replay trail, made by [`SeatEngine::run`] from
/// commands: pools and users first, then rounds of ten events one second
/// apart: four assigns, two deallocations, a checkout of a concurrent seat,
/// a heartbeat and a release of the previous round's, and a user's
/// activity update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrailShape {
    /// Named pools (1,000 seats each).
    pub named_pools: usize,
    /// Concurrent pools (10 seats each, each incompatible with the next).
    pub concurrent_pools: usize,
    /// Users.
    pub users: usize,
    /// Events in all.
    pub events: usize,
}

impl TrailShape {
    /// The issue's trail: 1,000,000 events over 800 named and 200
    /// concurrent pools and 20,000 users. Its state ends with about
    /// 390,000 assignments (half of them ended) and 98,000 leases.
    pub const ISSUE: TrailShape = TrailShape {
        named_pools: 800,
        concurrent_pools: 200,
        users: 20_000,
        events: 1_000_000,
    };
}

/// The trail of `shape` (exactly `shape.events` events, seq 1 on).
pub fn trail(shape: TrailShape) -> Vec<Event> {
    let named = shape.named_pools;
    assert!(
        named > 1 && named % 37 != 0 && named * shape.users > shape.events / 2,
        "trail: a shape the (user, pool) pairs stay unique in"
    );
    let mut engine = SeatEngine::new();
    let mut trail: Vec<Event> = Vec::with_capacity(shape.events + 16);
    let start = days_ago(30);
    let run = |engine: &mut SeatEngine, trail: &mut Vec<Event>, command: &Command, now| {
        let done = engine
            .run(command, &Context::new(now, "bench"))
            .expect("every trail command succeeds");
        trail.extend(done.events);
    };
    for i in 0..named + shape.concurrent_pools {
        let mut spec = PoolSpec::new(pool_id(i), &format!("Pool {i}"), 1_000);
        spec.seat_cost = Money::new(1500, Currency::USD);
        if i >= named {
            spec.license_type = LicenseType::Concurrent;
            spec.capacity = 10;
        }
        run(&mut engine, &mut trail, &Command::CreatePool(spec), start);
    }
    for u in 0..shape.users {
        let create = Command::CreateUser {
            id: user_id(u),
            email: format!("user-{u:06}@example.com"),
            active: true,
            lifecycle: "active".into(),
            last_activity: None,
        };
        run(&mut engine, &mut trail, &create, start);
    }
    for i in 1..shape.concurrent_pools {
        let inc = Command::CreateIncompatibility {
            id: IncompatibilityId::new(&format!("inc-{i:05}")).expect("id"),
            pool_a: pool_id(named + i - 1),
            pool_b: pool_id(named + i),
            reason: "one floating seat at a time".into(),
        };
        run(&mut engine, &mut trail, &inc, start);
    }
    // Assignment k: user k % users, pool (u + 37 (k / users)) % named, so a
    // user's pools stay distinct and no pool comes near its capacity.
    let assign = |k: usize| {
        let u = k % shape.users;
        Command::Assign {
            id: assignment_id("a", k),
            pool: pool_id((u + 37 * (k / shape.users)) % named),
            user: user_id(u),
            source: AssignmentSource::Manual,
            notes: String::new(),
        }
    };
    let lease = |r: usize| LeaseId::new(&format!("l-{r:07}")).expect("lease id");
    let mut r = 0;
    while trail.len() < shape.events {
        let now = Timestamp::from_unix_seconds(start.unix_seconds() + r as u64);
        for i in 0..4 {
            run(&mut engine, &mut trail, &assign(4 * r + i), now);
        }
        for i in 0..2 {
            let done = Command::Deallocate {
                assignment: assignment_id("a", 2 * r + i),
            };
            run(&mut engine, &mut trail, &done, now);
        }
        let checkout = Command::Checkout {
            id: lease(r),
            pool: pool_id(named + r % shape.concurrent_pools.max(1)),
            holder: HolderId::new(&format!("host-{r:07}")).expect("holder id"),
            borrow_days: None,
            ttl_seconds: None,
        };
        if shape.concurrent_pools > 0 {
            run(&mut engine, &mut trail, &checkout, now);
            // The previous round's lease: a second later, so the heartbeat
            // moves its expiry (one that changes nothing records nothing).
            if r > 0 {
                for command in [
                    Command::Heartbeat {
                        lease: lease(r - 1),
                    },
                    Command::Release {
                        lease: lease(r - 1),
                    },
                ] {
                    run(&mut engine, &mut trail, &command, now);
                }
            }
        }
        let seen = Command::UpdateUser {
            user: user_id(r % shape.users),
            patch: UserPatch {
                last_activity: Some(now),
                ..UserPatch::default()
            },
        };
        run(&mut engine, &mut trail, &seen, now);
        r += 1;
    }
    trail.truncate(shape.events);
    trail
}

/// The replay baseline: every change applied to a fresh state, no hash or
/// sequence checked.
pub fn apply_unverified(trail: &[Event]) -> SeatState {
    let mut state = SeatState::new();
    for event in trail {
        state.apply(&event.change).expect("the trail applies");
    }
    state
}

/// A pool in the naive model.
#[derive(Clone, Debug)]
pub struct NaivePool {
    /// Its id.
    pub id: PoolId,
    /// Its seats.
    pub capacity: u32,
    /// The pools it is incompatible with.
    pub incompatible: Vec<PoolId>,
}

/// A user in the naive model.
#[derive(Clone, Debug)]
pub struct NaiveUser {
    /// Their id.
    pub id: UserId,
    /// Whether they may get seats.
    pub active: bool,
}

/// The naive baseline: the same pools, users and assignments in `Vec`s with
/// no index, every rule checked by scanning them (pools and users found by
/// a scan, then one pass over the assignments for a used id, a seat
/// already held, a seat in an incompatible pool and the pool's seats in
/// use).
#[derive(Clone, Debug)]
pub struct NaiveSeats {
    /// Pools.
    pub pools: Vec<NaivePool>,
    /// Users.
    pub users: Vec<NaiveUser>,
    /// Assignments, active or ended.
    pub assignments: Vec<Assignment>,
}

/// Why the naive model refuses an assign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NaiveRefusal {
    /// No such pool.
    UnknownPool,
    /// No such user.
    UnknownUser,
    /// The user may not get seats.
    InactiveUser,
    /// The assignment id is taken.
    DuplicateId,
    /// The user holds a seat of the pool.
    AlreadyAssigned,
    /// The user holds a seat of an incompatible pool.
    Incompatible,
    /// Every seat is taken.
    CapacityExceeded,
}

impl NaiveSeats {
    /// The naive model of `state` (its pools, users, assignments and
    /// incompatibilities).
    pub fn from_state(state: &SeatState) -> NaiveSeats {
        let mut pools: Vec<NaivePool> = state
            .pools()
            .map(|p| NaivePool {
                id: p.id.clone(),
                capacity: p.capacity,
                incompatible: Vec::new(),
            })
            .collect();
        pools.sort_by(|a, b| a.id.cmp(&b.id));
        for inc in state.incompatibilities() {
            for p in &mut pools {
                if let Some(other) = inc.other_than(&p.id) {
                    p.incompatible.push(other.clone());
                }
            }
        }
        let mut users: Vec<NaiveUser> = state
            .users()
            .map(|u| NaiveUser {
                id: u.id.clone(),
                active: u.active,
            })
            .collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        let mut assignments: Vec<Assignment> = state.assignments().cloned().collect();
        assignments.sort_by(|a, b| a.id.cmp(&b.id));
        NaiveSeats {
            pools,
            users,
            assignments,
        }
    }

    /// Assigns a seat, checking what the engine checks by scanning.
    pub fn assign(
        &mut self,
        id: &AssignmentId,
        pool: &PoolId,
        user: &UserId,
        now: Timestamp,
    ) -> Result<(), NaiveRefusal> {
        let p = self
            .pools
            .iter()
            .find(|p| p.id == *pool)
            .ok_or(NaiveRefusal::UnknownPool)?;
        let u = self
            .users
            .iter()
            .find(|u| u.id == *user)
            .ok_or(NaiveRefusal::UnknownUser)?;
        if !u.active {
            return Err(NaiveRefusal::InactiveUser);
        }
        let mut in_use = 0u32;
        for a in &self.assignments {
            if a.id == *id {
                return Err(NaiveRefusal::DuplicateId);
            }
            if a.status != AssignmentStatus::Active {
                continue;
            }
            let here = a.pool == *pool;
            if a.user == *user {
                if here {
                    return Err(NaiveRefusal::AlreadyAssigned);
                }
                if p.incompatible.contains(&a.pool) {
                    return Err(NaiveRefusal::Incompatible);
                }
            }
            in_use += u32::from(here);
        }
        if in_use >= p.capacity {
            return Err(NaiveRefusal::CapacityExceeded);
        }
        self.assignments
            .push(assignment(id.clone(), pool.clone(), user.clone(), now));
        Ok(())
    }

    /// [`NaiveSeats::assign`] of an `Assign` command (other commands are
    /// refused as an unknown pool).
    pub fn assign_command(
        &mut self,
        command: &Command,
        now: Timestamp,
    ) -> Result<(), NaiveRefusal> {
        match command {
            Command::Assign { id, pool, user, .. } => self.assign(id, pool, user, now),
            _ => Err(NaiveRefusal::UnknownPool),
        }
    }

    /// A bulk assign as the naive model does it: each item assigned in turn
    /// (so each scans). Returns how many succeeded.
    pub fn bulk_assign(&mut self, command: &Command, now: Timestamp) -> usize {
        let Command::BulkAssign { pool, items, .. } = command else {
            return 0;
        };
        items
            .iter()
            .filter(|item| self.assign(&item.id, pool, &item.user, now).is_ok())
            .count()
    }
}

/// The naive reclamation baseline's model: the tables as `Vec`s in id
/// order, users and notices in `BTreeMap`s.
#[derive(Clone, Debug)]
pub struct NaivePlanModel {
    /// Enabled rules, by id.
    pub rules: Vec<ReclamationRule>,
    /// Every assignment, by id.
    pub assignments: Vec<Assignment>,
    /// Users by id.
    pub users: BTreeMap<UserId, User>,
    /// Notices by (assignment, rule).
    pub notices: BTreeMap<(AssignmentId, RuleId), Notice>,
}

/// What the naive plan decides: (rule, assignment) notices and reclaims.
pub type NaivePlan = (Vec<(RuleId, AssignmentId)>, Vec<(RuleId, AssignmentId)>);

impl NaivePlanModel {
    /// The naive model of `state`.
    pub fn from_state(state: &SeatState) -> NaivePlanModel {
        let mut rules: Vec<ReclamationRule> =
            state.rules().filter(|r| r.enabled).cloned().collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let mut assignments: Vec<Assignment> = state.assignments().cloned().collect();
        assignments.sort_by(|a, b| a.id.cmp(&b.id));
        NaivePlanModel {
            rules,
            assignments,
            users: state.users().map(|u| (u.id.clone(), u.clone())).collect(),
            notices: state
                .notices()
                .map(|n| ((n.assignment.clone(), n.rule.clone()), n.clone()))
                .collect(),
        }
    }

    /// The same decisions as [`SeatState::reclamation_plan`] in one scan of
    /// the assignments: each active one against its pool's rules (in id
    /// order; the first that reclaims it takes it), then the notices and
    /// reclaims sorted by rule and assignment.
    pub fn plan(&self, now: Timestamp) -> NaivePlan {
        let days = |n: u32| Duration::from_secs(u64::from(n) * DAY);
        let mut by_pool: BTreeMap<&PoolId, Vec<&ReclamationRule>> = BTreeMap::new();
        for rule in &self.rules {
            by_pool.entry(&rule.pool).or_default().push(rule);
        }
        let (mut notices, mut reclaims) = (Vec::new(), Vec::new());
        for a in self
            .assignments
            .iter()
            .filter(|a| a.status == AssignmentStatus::Active)
        {
            let (Some(rules), Some(user)) = (by_pool.get(&a.pool), self.users.get(&a.user)) else {
                continue;
            };
            let mut taken = false;
            for rule in rules {
                let reclaim = match &rule.trigger {
                    Trigger::Lifecycle { state } => &user.lifecycle == state,
                    Trigger::Inactivity { days: threshold } => {
                        let last = user
                            .last_activity
                            .map_or(a.assigned_at, |t| t.max(a.assigned_at));
                        let due = last.saturating_add(days(*threshold));
                        let notice = self
                            .notices
                            .get(&(a.id.clone(), rule.id.clone()))
                            .filter(|n| n.noticed_at >= last);
                        match notice {
                            Some(n) => {
                                now >= due.max(n.noticed_at.saturating_add(days(rule.notify_days)))
                            }
                            None => {
                                if now.saturating_add(days(rule.notify_days)) >= due {
                                    notices.push((rule.id.clone(), a.id.clone()));
                                }
                                rule.notify_days == 0 && now >= due
                            }
                        }
                    }
                };
                if reclaim && !taken {
                    taken = true;
                    reclaims.push((rule.id.clone(), a.id.clone()));
                }
            }
        }
        notices.sort();
        reclaims.sort();
        (notices, reclaims)
    }
}

/// The shape of the analytics state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnalyticsShape {
    /// Pools. Every 25th is concurrent (25 seats, 20 leases out); the
    /// named ones vary by `i % 4` from nearly full to under half used;
    /// every 10th expires within 120 days, a fifth bill in EUR, every 7th
    /// yearly, every 11th once (perpetual), 20 vendors, and every other one
    /// has a 30-day inactivity rule (the others use the default 90 days).
    pub pools: usize,
    /// Active assignments, in the named pools, assigned 60 days ago; users
    /// are half as many, two seats each. A tenth of the users were last
    /// active 45 days ago, a tenth 120 days ago, a tenth never.
    pub assignments: usize,
}

impl AnalyticsShape {
    /// The issue's state: 1,000 pools and 100,000 assignments.
    pub const ISSUE: AnalyticsShape = AnalyticsShape {
        pools: 1_000,
        assignments: 100_000,
    };

    /// Users: two seats each.
    pub fn users(&self) -> usize {
        self.assignments / 2
    }

    fn concurrent(i: usize) -> bool {
        i % 25 == 0
    }
}

/// The analytics state of `shape`.
pub fn analytics_state(shape: AnalyticsShape) -> SeatState {
    let pools: Vec<PoolId> = (0..shape.pools).map(pool_id).collect();
    let named: Vec<usize> = (0..shape.pools)
        .filter(|i| !AnalyticsShape::concurrent(*i))
        .collect();
    let per_pool = shape.assignments / named.len().max(1);
    let users: Vec<UserId> = (0..shape.users()).map(user_id).collect();
    let mut state = SeatState::new();
    state.reserve(shape.pools, users.len(), shape.assignments);
    for (i, id) in pools.iter().enumerate() {
        // Seats held about 95 %, 70 %, 42 % and 87 % of the capacity.
        let fill = [105, 143, 238, 115][i % 4];
        let capacity = u32::try_from(per_pool * fill / 100 + 1).expect("capacity");
        let mut spec = named_pool(id.clone(), i, capacity);
        if AnalyticsShape::concurrent(i) {
            spec.license_type = LicenseType::Concurrent;
            spec.capacity = 25;
        }
        if i % 5 == 0 {
            spec.seat_cost = Money::new(1200, "EUR".parse().expect("EUR"));
        }
        if i % 7 == 0 {
            spec.billing = licman_core::seats::BillingPeriod::Annual;
            spec.seat_cost = Money::new(15_000, spec.seat_cost.currency());
        } else if i % 11 == 0 {
            spec.billing = licman_core::seats::BillingPeriod::Perpetual;
            spec.seat_cost = Money::new(40_000, spec.seat_cost.currency());
        }
        if i % 10 == 0 {
            spec.expires_at = Some(Timestamp::from_unix_seconds(
                NOW.unix_seconds() + (1 + i as u64 % 120) * DAY,
            ));
        }
        create_pool(&mut state, spec);
        if i % 2 == 0 && !AnalyticsShape::concurrent(i) {
            let rule = RuleId::new(&format!("rule-{i:05}-idle")).expect("rule id");
            create_rule(&mut state, rule, id, Trigger::Inactivity { days: 30 }, 7);
        }
        if AnalyticsShape::concurrent(i) {
            for j in 0..20 {
                let checkout = Command::Checkout {
                    id: LeaseId::new(&format!("lease-{i:05}-{j:02}")).expect("lease id"),
                    pool: id.clone(),
                    holder: HolderId::new(&format!("host-{i:05}-{j:02}")).expect("holder id"),
                    borrow_days: None,
                    ttl_seconds: None,
                };
                let at = Timestamp::from_unix_seconds(NOW.unix_seconds() - 60);
                state.execute(&checkout, at).expect("a fixture lease");
            }
        }
    }
    for (u, id) in users.iter().enumerate() {
        let last = match u % 10 {
            7 => Some(days_ago(45)),
            8 => Some(days_ago(120)),
            9 => None,
            _ => Some(days_ago(1)),
        };
        load(
            &mut state,
            Change::UserCreated(user(id.clone(), "active", last)),
        );
    }
    for k in 0..shape.assignments {
        let u = k / 2;
        let h = (u as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33;
        let p = named[(2 * h as usize + k % 2) % named.len()];
        let a = assignment(
            assignment_id("a", k),
            pools[p].clone(),
            users[u].clone(),
            days_ago(60),
        );
        load(&mut state, Change::Assigned(a));
    }
    state
}

/// The naive analytics baseline's model: the tables as `Vec`s in id
/// order, users in a `BTreeMap`.
#[derive(Clone, Debug)]
pub struct NaiveAnalyticsModel {
    /// Pools, by id.
    pub pools: Vec<licman_core::seats::Pool>,
    /// Rules, by id.
    pub rules: Vec<ReclamationRule>,
    /// Assignments, by id.
    pub assignments: Vec<Assignment>,
    /// Leases, by id.
    pub leases: Vec<licman_core::seats::Lease>,
    /// Users by id.
    pub users: BTreeMap<UserId, User>,
}

/// What the naive analytics computes: each pool's seats held, the monthly
/// and one-time cost per currency, the (vendor, currency) sums (pools,
/// capacity, held, monthly), the expiring pools and the recommendations
/// with their savings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NaiveAnalytics {
    /// (pool, seats held), by pool.
    pub allocated: Vec<(PoolId, u64)>,
    /// Currency → (monthly, one-time) minor units.
    pub costs: BTreeMap<Currency, (u128, u128)>,
    /// (vendor, currency) → (pools, capacity, held, monthly minor units).
    pub vendors: BTreeMap<(String, Currency), (u64, u64, u64, u128)>,
    /// Pools expiring within the window.
    pub expiring: Vec<PoolId>,
    /// (kind, pool, savings in minor units), by kind then pool.
    pub recommendations: Vec<(licman_core::seats::RecommendationKind, PoolId, Option<u128>)>,
}

impl NaiveAnalyticsModel {
    /// The naive model of `state`.
    pub fn from_state(state: &SeatState) -> NaiveAnalyticsModel {
        let mut pools: Vec<_> = state.pools().cloned().collect();
        pools.sort_by(|a, b| a.id.cmp(&b.id));
        let mut rules: Vec<_> = state.rules().cloned().collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let mut assignments: Vec<_> = state.assignments().cloned().collect();
        assignments.sort_by(|a, b| a.id.cmp(&b.id));
        let mut leases: Vec<_> = state.leases().cloned().collect();
        leases.sort_by(|a, b| a.id.cmp(&b.id));
        NaiveAnalyticsModel {
            pools,
            rules,
            assignments,
            leases,
            users: state.users().map(|u| (u.id.clone(), u.clone())).collect(),
        }
    }

    /// The figures of [`SeatState::analytics`] (bar the texts) in one scan
    /// of the assignments and one of the leases into per-pool counts, then
    /// one pass over the pools.
    pub fn analytics(&self, now: Timestamp, window_days: u32) -> NaiveAnalytics {
        use licman_core::seats::{BillingPeriod, PoolStatus, RecommendationKind as Kind};
        let mut threshold: BTreeMap<&PoolId, u32> = BTreeMap::new();
        for rule in self.rules.iter().filter(|r| r.enabled) {
            if let Trigger::Inactivity { days } = rule.trigger {
                let t = threshold.entry(&rule.pool).or_insert(days);
                *t = (*t).min(days);
            }
        }
        let threshold_of = |pool: &PoolId| {
            threshold
                .get(pool)
                .copied()
                .unwrap_or(licman_core::seats::DEFAULT_INACTIVITY_DAYS)
        };
        // (held, held by inactive users) per pool.
        let mut counts: BTreeMap<&PoolId, (u64, u64)> = BTreeMap::new();
        for a in self
            .assignments
            .iter()
            .filter(|a| a.status == AssignmentStatus::Active)
        {
            let c = counts.entry(&a.pool).or_default();
            c.0 += 1;
            let last = self
                .users
                .get(&a.user)
                .and_then(|u| u.last_activity)
                .map_or(a.assigned_at, |t| t.max(a.assigned_at));
            let cut = now
                .unix_seconds()
                .checked_sub(u64::from(threshold_of(&a.pool)) * DAY);
            if cut.is_some_and(|cut| last.unix_seconds() <= cut) {
                c.1 += 1;
            }
        }
        for l in self.leases.iter().filter(|l| l.holds_seat_at(now)) {
            counts.entry(&l.pool).or_default().0 += 1;
        }
        let mut out = NaiveAnalytics::default();
        for pool in &self.pools {
            let (held, inactive) = counts.get(&pool.id).copied().unwrap_or_default();
            out.allocated.push((pool.id.clone(), held));
            let status = match pool.status {
                PoolStatus::Active if pool.is_past_expiry(now) => PoolStatus::Expired,
                s => s,
            };
            if status == PoolStatus::Archived {
                continue;
            }
            let capacity = u64::from(pool.capacity);
            let seat = pool.monthly_seat_cost().minor_units();
            let monthly = seat.saturating_mul(u128::from(capacity));
            let one_time = match pool.billing {
                BillingPeriod::Perpetual => pool
                    .seat_cost
                    .minor_units()
                    .saturating_mul(u128::from(capacity)),
                _ => 0,
            };
            let currency = pool.seat_cost.currency();
            let c = out.costs.entry(currency).or_default();
            c.0 = c.0.saturating_add(monthly);
            c.1 = c.1.saturating_add(one_time);
            let v = out
                .vendors
                .entry((pool.vendor.clone(), currency))
                .or_default();
            v.0 += 1;
            v.1 += capacity;
            v.2 += held;
            v.3 = v.3.saturating_add(monthly);
            let days_left = pool
                .days_until_expiry(now)
                .filter(|d| *d > 0)
                .and_then(|d| u64::try_from(d).ok());
            if days_left.is_some_and(|d| d <= u64::from(window_days)) {
                out.expiring.push(pool.id.clone());
            }
            if status != PoolStatus::Active {
                continue;
            }
            let (h, b) = (u128::from(held), u128::from(capacity));
            if h * 100 < b * 60 {
                let unused = seat.saturating_mul(u128::from(capacity - held));
                out.recommendations
                    .push((Kind::Underutilized, pool.id.clone(), Some(unused)));
            } else if h * 10 > b * 9 {
                out.recommendations
                    .push((Kind::HighUtilization, pool.id.clone(), None));
            }
            if days_left.is_some_and(|d| d <= u64::from(pool.warning_days)) {
                out.recommendations
                    .push((Kind::ExpiringSoon, pool.id.clone(), None));
            }
            if pool.license_type == LicenseType::Named && inactive > 0 {
                let savings = seat.saturating_mul(u128::from(inactive));
                out.recommendations.push((
                    Kind::ReclaimOpportunity,
                    pool.id.clone(),
                    Some(savings),
                ));
            }
        }
        out.recommendations
            .sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        out
    }
}

/// The least a single assign can cost on a state of a given size, whatever
/// an engine does beyond it: the model keeps only what an assign must read
/// and write (a pool's capacity, seats out and status; a user's active
/// flag; the set of pool and user pairs holding a seat; the assignment
/// rows) in flat arrays behind foldhash tables, the engine's hasher, and
/// decides nothing else: no incompatibility, no outcome, no event.
///
/// [`LookupFloor::assign_by_ids`] takes the command as the engine's contract
/// gives it (host-chosen string ids for the assignment, the pool and the
/// user: three hash probes, one id copied into the index);
/// [`LookupFloor::assign_by_handles`] takes integer handles the host
/// resolved beforehand and allocates the assignment's number itself (no
/// hash of a string). docs/PERFORMANCE.md (Seats) compares both with the
/// engine in one run.
#[derive(Clone, Debug)]
pub struct LookupFloor {
    pool_index: hashbrown::HashMap<String, u32, foldhash::fast::FixedState>,
    user_index: hashbrown::HashMap<String, u32, foldhash::fast::FixedState>,
    assignment_index: hashbrown::HashMap<String, u32, foldhash::fast::FixedState>,
    pools: Vec<FloorPool>,
    users_active: Vec<bool>,
    held: hashbrown::HashSet<u64, foldhash::fast::FixedState>,
    rows: Vec<FloorRow>,
}

#[derive(Clone, Copy, Debug)]
struct FloorPool {
    capacity: u32,
    allocated: u32,
    active: bool,
}

#[derive(Clone, Copy, Debug)]
struct FloorRow {
    pool: u32,
    user: u32,
    assigned_at: u64,
}

impl LookupFloor {
    /// The model of `state`: its pools, users and active assignments, with
    /// room reserved for exactly the assignments it holds (as the engine's
    /// fixture is).
    pub fn from_state(state: &SeatState) -> LookupFloor {
        let hasher = || foldhash::fast::FixedState::with_seed(7);
        let mut floor = LookupFloor {
            pool_index: hashbrown::HashMap::with_hasher(hasher()),
            user_index: hashbrown::HashMap::with_hasher(hasher()),
            assignment_index: hashbrown::HashMap::with_capacity_and_hasher(
                state.assignments().count(),
                hasher(),
            ),
            pools: Vec::new(),
            users_active: Vec::new(),
            held: hashbrown::HashSet::with_hasher(hasher()),
            rows: Vec::new(),
        };
        for pool in state.pools() {
            let row = u32::try_from(floor.pools.len()).expect("pools fit u32");
            floor.pool_index.insert(pool.id.as_str().to_owned(), row);
            floor.pools.push(FloorPool {
                capacity: pool.capacity,
                allocated: 0,
                active: pool.status == licman_core::seats::PoolStatus::Active,
            });
        }
        for user in state.users() {
            let row = u32::try_from(floor.users_active.len()).expect("users fit u32");
            floor.user_index.insert(user.id.as_str().to_owned(), row);
            floor.users_active.push(user.active);
        }
        floor.held.reserve(state.assignments().count());
        floor.rows.reserve(state.assignments().count());
        for a in state.assignments() {
            let (Some(&pool), Some(&user)) = (
                floor.pool_index.get(a.pool.as_str()),
                floor.user_index.get(a.user.as_str()),
            ) else {
                continue;
            };
            let row = u32::try_from(floor.rows.len()).expect("rows fit u32");
            floor.assignment_index.insert(a.id.as_str().to_owned(), row);
            if a.status == AssignmentStatus::Active {
                floor.pools[pool as usize].allocated += 1;
                floor.held.insert(pair(pool, user));
            }
            floor.rows.push(FloorRow {
                pool,
                user,
                assigned_at: a.assigned_at.unix_seconds(),
            });
        }
        floor
    }

    /// The pool and user handles of an `Assign` command (resolved once,
    /// untimed, as a host holding handles would), or `None` for another
    /// command or an unknown id.
    pub fn handles(&self, command: &Command) -> Option<(u32, u32)> {
        let Command::Assign { pool, user, .. } = command else {
            return None;
        };
        Some((
            *self.pool_index.get(pool.as_str())?,
            *self.user_index.get(user.as_str())?,
        ))
    }

    /// An `Assign` as the contract gives it: the new id checked and kept,
    /// the pool and the user found by id. True when the seat was taken.
    pub fn assign_by_ids(&mut self, command: &Command, now: Timestamp) -> bool {
        let Command::Assign { id, pool, user, .. } = command else {
            return false;
        };
        if self.assignment_index.contains_key(id.as_str()) {
            return false;
        }
        let (Some(&pool), Some(&user)) = (
            self.pool_index.get(pool.as_str()),
            self.user_index.get(user.as_str()),
        ) else {
            return false;
        };
        let Some(row) = self.take_seat(pool, user, now) else {
            return false;
        };
        self.assignment_index.insert(id.as_str().to_owned(), row);
        true
    }

    /// The same with handles: the assignment's number is its row. `None`
    /// when the seat was not taken.
    pub fn assign_by_handles(&mut self, pool: u32, user: u32, now: Timestamp) -> Option<u32> {
        self.take_seat(pool, user, now)
    }

    fn take_seat(&mut self, pool: u32, user: u32, now: Timestamp) -> Option<u32> {
        let p = self.pools.get(pool as usize)?;
        if !p.active || p.allocated >= p.capacity || !*self.users_active.get(user as usize)? {
            return None;
        }
        if !self.held.insert(pair(pool, user)) {
            return None;
        }
        self.pools[pool as usize].allocated += 1;
        let row = u32::try_from(self.rows.len()).ok()?;
        self.rows.push(FloorRow {
            pool,
            user,
            assigned_at: now.unix_seconds(),
        });
        Some(row)
    }

    /// Row `n`: its pool and user handles and when it was taken.
    pub fn row(&self, n: u32) -> Option<(u32, u32, Timestamp)> {
        let r = self.rows.get(n as usize)?;
        Some((r.pool, r.user, Timestamp::from_unix_seconds(r.assigned_at)))
    }

    /// Seats out in the model (every pool).
    pub fn allocated(&self) -> u64 {
        self.pools.iter().map(|p| u64::from(p.allocated)).sum()
    }
}

fn pair(pool: u32, user: u32) -> u64 {
    (u64::from(pool) << 32) | u64::from(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: AssignShape = AssignShape {
        pools: 100,
        assignments: 4_000,
        headroom: 0,
    };

    #[test]
    fn every_assign_and_bulk_succeeds_and_the_naive_model_agrees() {
        let f = AssignFixture::new(SMALL, 1_500, 3);
        let mut state = f.state.clone();
        let mut naive = NaiveSeats::from_state(&f.state);
        for c in &f.assigns {
            assert!(state.execute(c, NOW).is_ok(), "{c:?}");
            assert_eq!(naive.assign_command(c, NOW), Ok(()));
        }
        // The naive model refuses what the engine refuses.
        assert_eq!(
            naive.assign_command(&f.assigns[0], NOW),
            Err(NaiveRefusal::DuplicateId)
        );
        let mut state = f.state.clone();
        for c in &f.bulks {
            let done = state.execute(c, NOW).expect("bulk");
            let licman_core::seats::Reply::Bulk(report) = done.reply else {
                panic!("a bulk report");
            };
            assert_eq!(report.succeeded, AssignFixture::BULK);
        }
        let mut naive = NaiveSeats::from_state(&f.state);
        assert_eq!(naive.bulk_assign(&f.bulks[0], NOW), AssignFixture::BULK);
    }

    #[test]
    fn the_lookup_floor_takes_the_seats_the_engine_takes_and_refuses_a_repeat() {
        let f = AssignFixture::new(SMALL, 1_500, 0);
        let mut state = f.state.clone();
        let mut by_ids = LookupFloor::from_state(&f.state);
        let mut by_handles = by_ids.clone();
        let before = by_ids.allocated();
        for c in &f.assigns {
            assert!(state.execute(c, NOW).is_ok(), "{c:?}");
            assert!(by_ids.assign_by_ids(c, NOW), "{c:?}");
            let (pool, user) = by_handles.handles(c).expect("known ids");
            let row = by_handles
                .assign_by_handles(pool, user, NOW)
                .expect("a seat");
            assert_eq!(by_handles.row(row), Some((pool, user, NOW)));
        }
        assert_eq!(by_ids.allocated(), before + 1_500);
        assert_eq!(by_handles.allocated(), before + 1_500);
        // A repeated id, and a repeated pool and user, take nothing.
        assert!(!by_ids.assign_by_ids(&f.assigns[0], NOW));
        let (pool, user) = by_handles.handles(&f.assigns[0]).expect("known ids");
        assert_eq!(by_handles.assign_by_handles(pool, user, NOW), None);
        assert_eq!(by_ids.allocated(), before + 1_500);
    }

    #[test]
    fn a_fifth_of_the_assigns_meet_an_incompatibility_rule() {
        let f = AssignFixture::new(SMALL, 1_000, 0);
        let with_rule = f
            .assigns
            .iter()
            .filter(|c| {
                let Command::Assign { pool, .. } = c else {
                    return false;
                };
                f.state
                    .incompatibilities()
                    .any(|i| i.other_than(pool).is_some())
            })
            .count();
        assert!((150..=250).contains(&with_rule), "{with_rule}");
    }

    #[test]
    fn the_plan_has_its_share_of_notices_and_reclaims_and_the_naive_plan_agrees() {
        let state = plan_state(PlanShape {
            pools: 20,
            assignments: 4_000,
        });
        let plan = state.reclamation_plan(NOW);
        assert_eq!(plan.notices.len(), 800, "users 6 and 7 of every 10");
        // Users 8 (notice expired), and users 9 in the pools with a
        // lifecycle rule (a quarter of the pools).
        let lifecycle = plan.reclaims.len() - 400;
        assert!((60..=140).contains(&lifecycle), "{lifecycle}");
        let (notices, reclaims) = NaivePlanModel::from_state(&state).plan(NOW);
        let pairs = |v: Vec<(&RuleId, &AssignmentId)>| {
            v.into_iter()
                .map(|(r, a)| (r.clone(), a.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            notices,
            pairs(
                plan.notices
                    .iter()
                    .map(|n| (&n.rule, &n.assignment))
                    .collect()
            )
        );
        assert_eq!(
            reclaims,
            pairs(
                plan.reclaims
                    .iter()
                    .map(|r| (&r.rule, &r.assignment))
                    .collect()
            )
        );
    }

    #[test]
    fn the_analytics_has_every_kind_of_figure_and_the_naive_analytics_agrees() {
        use licman_core::seats::{AnalyticsOptions, RecommendationKind as Kind};
        let state = analytics_state(AnalyticsShape {
            pools: 100,
            assignments: 10_000,
        });
        let report = state.analytics(NOW, &AnalyticsOptions::default());
        let naive = NaiveAnalyticsModel::from_state(&state).analytics(NOW, 90);
        let allocated: Vec<(PoolId, u64)> = report
            .pools
            .iter()
            .map(|p| (p.pool.clone(), p.allocated))
            .collect();
        assert_eq!(allocated, naive.allocated);
        let recommendations: Vec<_> = report
            .recommendations
            .iter()
            .map(|r| {
                let savings = r.potential_monthly_savings.map(|m| m.minor_units());
                (r.kind, r.pool.clone(), savings)
            })
            .collect();
        assert_eq!(recommendations, naive.recommendations);
        let costs: Vec<(Currency, u128)> = report
            .summary
            .monthly_cost
            .iter()
            .map(|m| (m.currency(), m.minor_units()))
            .collect();
        let naive_costs: Vec<(Currency, u128)> =
            naive.costs.iter().map(|(c, (m, _))| (*c, *m)).collect();
        assert_eq!(costs, naive_costs);
        let expiring: Vec<PoolId> = report.expiring.iter().map(|e| e.pool.clone()).collect();
        let mut naive_expiring = naive.expiring.clone();
        naive_expiring.sort_by_key(|p| {
            let pool = state.pool(p).expect("pool");
            (pool.expires_at, p.clone())
        });
        assert_eq!(expiring, naive_expiring);
        assert_eq!(report.vendors.len(), naive.vendors.len());
        for kind in [
            Kind::Underutilized,
            Kind::HighUtilization,
            Kind::ExpiringSoon,
            Kind::ReclaimOpportunity,
        ] {
            assert!(
                report.recommendations.iter().any(|r| r.kind == kind),
                "{kind:?}"
            );
        }
        assert!(report.summary.allocated > 10_000, "leases count too");
    }

    #[test]
    fn the_trail_replays_into_the_engine_and_applies_unverified() {
        let shape = TrailShape {
            named_pools: 20,
            concurrent_pools: 5,
            users: 200,
            events: 3_000,
        };
        let trail = trail(shape);
        assert_eq!(trail.len(), 3_000);
        // Every ten events past the first rounds are one round of each kind.
        let kinds = |events: &[Event]| {
            let mut k: Vec<String> = events.iter().map(|e| e.action().to_owned()).collect();
            k.sort_unstable();
            k
        };
        assert_eq!(kinds(&trail[2_000..2_010]), kinds(&trail[2_990..3_000]));
        assert_eq!(
            trail[2_000..2_010]
                .iter()
                .filter(|e| matches!(e.change, Change::Assigned(_)))
                .count(),
            4
        );
        let engine = SeatEngine::replay(&trail).expect("replays");
        assert_eq!(engine.head().next_seq, 3_001);
        assert_eq!(apply_unverified(&trail), *engine.state());
    }
}
