//! The seat state and its indexes. It changes only by applying
//! [`Change`]s, the same way whether the engine just decided them or a
//! replay reads them back, so replaying a trail rebuilds the state exactly.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::seats::change::Change;
use crate::seats::ids::{
    AssignmentId, HolderId, IncompatibilityId, LeaseId, LinkId, PoolId, RuleId, UserId,
};
use crate::seats::model::{
    Assignment, AssignmentStatus, EntitlementLink, Incompatibility, Lease, LeaseStatus,
    LicenseType, Notice, Pool, PoolStatus, ReclamationRule, User,
};
use crate::seats::refusal::Refusal;
use crate::seats::validate::{
    check_host_record, check_link, check_pool, check_reason, check_rule, check_user,
};
use crate::time::Timestamp;

/// The hasher of every index: foldhash, seeded by the host.
pub(crate) type Hasher = foldhash::fast::FixedState;
pub(crate) type Map<K, V> = hashbrown::HashMap<K, V, Hasher>;

/// An active assignment as its pool's index keeps it: the id and the
/// assignment time, which is all reclamation and analytics need to judge a
/// seat without reading the assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seat {
    pub(crate) assignment: AssignmentId,
    pub(crate) assigned_at: Timestamp,
}

/// A seat as its holder's entry keeps it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct HeldSeat {
    pub(crate) pool: PoolId,
    pub(crate) assignment: AssignmentId,
    pub(crate) assigned_at: Timestamp,
}

/// A user with the seats they hold (active assignments), so that work
/// about inactive users (reclamation, analytics) starts from the users and
/// visits only their seats.
#[derive(Clone, Debug)]
pub(crate) struct UserEntry {
    pub(crate) user: User,
    pub(crate) seats: Vec<HeldSeat>,
}

impl PartialEq for UserEntry {
    fn eq(&self, other: &Self) -> bool {
        let sorted = |v: &[HeldSeat]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        self.user == other.user && sorted(&self.seats) == sorted(&other.seats)
    }
}

/// A pool with the indexes the rules consult.
#[derive(Clone, Debug)]
pub(crate) struct PoolEntry {
    pub(crate) pool: Pool,
    /// Active assignments by user.
    pub(crate) seated: Map<UserId, Seat>,
    /// Leases that may hold a seat (out, or released and lingering) by
    /// holder; dead ones leave when culled.
    pub(crate) leases: Map<HolderId, LeaseId>,
    /// Incompatible pools and the rule for each.
    pub(crate) incompatible: Vec<(PoolId, IncompatibilityId)>,
    pub(crate) rules: Vec<RuleId>,
    pub(crate) links: Vec<LinkId>,
}

impl PartialEq for PoolEntry {
    fn eq(&self, other: &Self) -> bool {
        let sorted = |v: &[(PoolId, IncompatibilityId)]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        let ids = |v: &[RuleId]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        let links = |v: &[LinkId]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        self.pool == other.pool
            && self.seated == other.seated
            && self.leases == other.leases
            && sorted(&self.incompatible) == sorted(&other.incompatible)
            && ids(&self.rules) == ids(&other.rules)
            && links(&self.links) == links(&other.links)
    }
}

impl PoolEntry {
    /// Seats held at `now`: active assignments (named) or leases holding a
    /// seat (concurrent).
    pub(crate) fn allocated_at(&self, now: Timestamp, leases: &Map<LeaseId, Lease>) -> u64 {
        match self.pool.license_type {
            LicenseType::Named => self.seated.len() as u64,
            LicenseType::Concurrent => self
                .leases
                .values()
                .filter(|id| leases.get(*id).is_some_and(|l| l.holds_seat_at(now)))
                .count() as u64,
        }
    }
}

/// Everything the engine knows: pools, users, assignments, leases, rules.
///
/// Build it empty and feed it commands ([`SeatState::execute`]), replay a
/// trail into it ([`crate::seats::SeatEngine::replay`]), or (a store
/// loading only what one command decides on) [`SeatState::apply`] the
/// `*Created` changes of the rows it loaded.
///
/// ```
/// use licman_core::seats::*;
/// use licman_core::Timestamp;
/// let now = Timestamp::from_date(2026, 12, 1).unwrap();
/// let mut state = SeatState::new();
/// state.execute(&Command::CreatePool(PoolSpec::new(PoolId::new("p1")?, "Figma", 2)), now)?;
/// assert_eq!(state.pool(&PoolId::new("p1")?).map(|p| p.capacity), Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SeatState {
    pub(crate) pools: Map<PoolId, PoolEntry>,
    pub(crate) pool_names: Map<String, PoolId>,
    pub(crate) users: Map<UserId, UserEntry>,
    pub(crate) assignments: Map<AssignmentId, Assignment>,
    pub(crate) leases: Map<LeaseId, Lease>,
    pub(crate) incompatibilities: Map<IncompatibilityId, Incompatibility>,
    pub(crate) rules: Map<RuleId, ReclamationRule>,
    pub(crate) links: Map<LinkId, EntitlementLink>,
    /// (user, entitlement) → the active assignment it allocated.
    pub(crate) grants: Map<(UserId, String), AssignmentId>,
    /// Active assignment → the notices rules recorded for it.
    pub(crate) notices: Map<AssignmentId, Vec<Notice>>,
    /// Every user by last activity (never active first), so that the users
    /// quiet since a time are a range, not a scan of everyone.
    pub(crate) by_activity: BTreeSet<(Timestamp, UserId)>,
}

impl PartialEq for SeatState {
    fn eq(&self, other: &Self) -> bool {
        self.pools == other.pools
            && self.pool_names == other.pool_names
            && self.users == other.users
            && self.assignments == other.assignments
            && self.leases == other.leases
            && self.incompatibilities == other.incompatibilities
            && self.rules == other.rules
            && self.links == other.links
            && self.grants == other.grants
            && self.notices == other.notices
    }
}

impl Eq for SeatState {}

impl Default for SeatState {
    fn default() -> Self {
        SeatState::new()
    }
}

/// Where a user sorts in `by_activity`: their last activity, or the epoch
/// if they were never active.
fn quiet_since(user: &User) -> Timestamp {
    user.last_activity.unwrap_or(Timestamp::UNIX_EPOCH)
}

fn map<K, V>(hasher: &Hasher) -> Map<K, V> {
    Map::with_hasher(hasher.clone())
}

impl SeatState {
    /// The seed of [`SeatState::new`].
    pub const DEFAULT_HASH_SEED: u64 = 0x6c69_636d_616e_7365;

    /// An empty state with the default index seed.
    pub fn new() -> SeatState {
        SeatState::with_hash_seed(Self::DEFAULT_HASH_SEED)
    }

    /// An empty state whose indexes hash with `seed`. A host holding ids
    /// chosen by others (imported user ids) passes a random seed, so that
    /// nobody can choose ids that collide.
    ///
    /// ```
    /// use licman_core::seats::SeatState;
    /// assert_eq!(SeatState::with_hash_seed(42), SeatState::new());
    /// ```
    pub fn with_hash_seed(seed: u64) -> SeatState {
        let h = Hasher::with_seed(seed);
        SeatState {
            pools: map(&h),
            pool_names: map(&h),
            users: map(&h),
            assignments: map(&h),
            leases: map(&h),
            incompatibilities: map(&h),
            rules: map(&h),
            links: map(&h),
            grants: map(&h),
            notices: map(&h),
            by_activity: BTreeSet::new(),
        }
    }

    pub(crate) fn hasher(&self) -> &Hasher {
        self.pools.hasher()
    }

    pub(crate) fn new_map<K, V>(&self) -> Map<K, V> {
        map(self.hasher())
    }

    /// Room for `pools` pools, `users` users and `assignments` assignments
    /// without rehashing (bulk loads).
    pub fn reserve(&mut self, pools: usize, users: usize, assignments: usize) {
        self.pools.reserve(pools);
        self.pool_names.reserve(pools);
        self.users.reserve(users);
        self.assignments.reserve(assignments);
    }

    /// A pool by id.
    pub fn pool(&self, id: &PoolId) -> Option<&Pool> {
        self.pools.get(id).map(|e| &e.pool)
    }

    /// A pool by name.
    pub fn pool_named(&self, name: &str) -> Option<&Pool> {
        self.pool_names.get(name).and_then(|id| self.pool(id))
    }

    /// Every pool, in no particular order.
    pub fn pools(&self) -> impl Iterator<Item = &Pool> {
        self.pools.values().map(|e| &e.pool)
    }

    /// Seats of `pool` held at `now` (active assignments, or leases that
    /// hold a seat).
    pub fn allocated(&self, pool: &PoolId, now: Timestamp) -> Option<u64> {
        self.pools
            .get(pool)
            .map(|e| e.allocated_at(now, &self.leases))
    }

    /// The users last active at or before `time` (or never), with the pools
    /// they hold seats of, quietest first.
    pub(crate) fn quiet_users(&self, time: Timestamp) -> impl Iterator<Item = &UserEntry> + '_ {
        self.by_activity
            .iter()
            .take_while(move |(t, _)| *t <= time)
            .filter_map(|(_, id)| self.users.get(id))
    }

    /// A user by id.
    pub fn user(&self, id: &UserId) -> Option<&User> {
        self.users.get(id).map(|e| &e.user)
    }

    /// Every user, in no particular order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values().map(|e| &e.user)
    }

    /// An assignment by id (active or ended).
    pub fn assignment(&self, id: &AssignmentId) -> Option<&Assignment> {
        self.assignments.get(id)
    }

    /// Every assignment, active or ended, in no particular order.
    pub fn assignments(&self) -> impl Iterator<Item = &Assignment> {
        self.assignments.values()
    }

    /// The user's active assignment in the pool.
    pub fn active_assignment(&self, pool: &PoolId, user: &UserId) -> Option<&Assignment> {
        let seat = self.pools.get(pool)?.seated.get(user)?;
        self.assignments.get(&seat.assignment)
    }

    /// The active assignments of a pool, in no particular order.
    pub fn active_assignments<'a>(
        &'a self,
        pool: &PoolId,
    ) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.pools
            .get(pool)
            .into_iter()
            .flat_map(|e| e.seated.values())
            .filter_map(|seat| self.assignments.get(&seat.assignment))
    }

    /// A lease by id.
    pub fn lease(&self, id: &LeaseId) -> Option<&Lease> {
        self.leases.get(id)
    }

    /// Every lease, in no particular order.
    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.leases.values()
    }

    /// The holder's lease of the pool that may still hold a seat.
    pub fn lease_of(&self, pool: &PoolId, holder: &HolderId) -> Option<&Lease> {
        let id = self.pools.get(pool)?.leases.get(holder)?;
        self.leases.get(id)
    }

    /// An incompatibility by id.
    pub fn incompatibility(&self, id: &IncompatibilityId) -> Option<&Incompatibility> {
        self.incompatibilities.get(id)
    }

    /// Every incompatibility, in no particular order.
    pub fn incompatibilities(&self) -> impl Iterator<Item = &Incompatibility> {
        self.incompatibilities.values()
    }

    /// The incompatibility between two pools, whichever way round.
    pub fn incompatibility_between(&self, a: &PoolId, b: &PoolId) -> Option<&Incompatibility> {
        let entry = self.pools.get(a)?;
        let (_, id) = entry.incompatible.iter().find(|(other, _)| other == b)?;
        self.incompatibilities.get(id)
    }

    /// A reclamation rule by id.
    pub fn rule(&self, id: &RuleId) -> Option<&ReclamationRule> {
        self.rules.get(id)
    }

    /// Every reclamation rule, in no particular order.
    pub fn rules(&self) -> impl Iterator<Item = &ReclamationRule> {
        self.rules.values()
    }

    /// An entitlement link by id.
    pub fn link(&self, id: &LinkId) -> Option<&EntitlementLink> {
        self.links.get(id)
    }

    /// Every entitlement link, in no particular order.
    pub fn links(&self) -> impl Iterator<Item = &EntitlementLink> {
        self.links.values()
    }

    /// The assignment an entitlement grant allocated to a user.
    pub fn grant(&self, user: &UserId, entitlement: &str) -> Option<&Assignment> {
        let id = self
            .grants
            .get(&(user.clone(), String::from(entitlement)))?;
        self.assignments.get(id)
    }

    /// The notice a rule recorded for an active assignment.
    pub fn notice(&self, rule: &RuleId, assignment: &AssignmentId) -> Option<&Notice> {
        self.notices
            .get(assignment)?
            .iter()
            .find(|n| &n.rule == rule)
    }

    /// Every recorded notice of an active assignment, in no particular order.
    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.notices.values().flatten()
    }

    fn entry_mut(&mut self, pool: &PoolId) -> Result<&mut PoolEntry, Refusal> {
        self.pools
            .get_mut(pool)
            .ok_or_else(|| Refusal::inconsistent(alloc::format!("no pool {pool}")))
    }

    /// Applies one change. The engine's own changes always apply; a change
    /// read back from a store that contradicts the state (a seat of an
    /// unknown pool, an id used twice) is refused as `inconsistent_state`
    /// and changes nothing.
    ///
    /// ```
    /// use licman_core::seats::*;
    /// let mut state = SeatState::new();
    /// let bad = Change::PoolDeleted { pool: PoolId::new("nope").unwrap() };
    /// assert_eq!(state.apply(&bad).unwrap_err().code(), "inconsistent_state");
    /// ```
    pub fn apply(&mut self, change: &Change) -> Result<(), Refusal> {
        let bad = |what: &str, id: &str| Refusal::inconsistent(alloc::format!("{what} {id}"));
        let invalid =
            |id: &str, refusal: Refusal| Refusal::inconsistent(alloc::format!("{id}: {refusal}"));
        match change {
            Change::PoolCreated(p) | Change::PoolUpdated(p) => {
                check_pool(p).map_err(|r| invalid(p.id.as_str(), r))?
            }
            Change::UserCreated(u) | Change::UserUpdated(u) => {
                check_user(u).map_err(|r| invalid(u.id.as_str(), r))?
            }
            Change::RuleCreated(r) | Change::RuleUpdated(r) => {
                check_rule(r).map_err(|e| invalid(r.id.as_str(), e))?
            }
            Change::LinkCreated(l) | Change::LinkUpdated(l) => {
                check_link(l).map_err(|r| invalid(l.id.as_str(), r))?
            }
            Change::HostRecord {
                action, details, ..
            } => check_host_record(action, details).map_err(|r| invalid(action, r))?,
            Change::IncompatibilityCreated(i) => {
                check_reason(&i.reason).map_err(|r| invalid(i.id.as_str(), r))?
            }
            _ => {}
        }
        match change {
            Change::PoolCreated(pool) => {
                if self.pools.contains_key(&pool.id) {
                    return Err(bad("pool exists:", pool.id.as_str()));
                }
                if self.pool_names.contains_key(pool.name.as_str()) {
                    return Err(bad("pool name taken:", &pool.name));
                }
                self.pool_names.insert(pool.name.clone(), pool.id.clone());
                let entry = PoolEntry {
                    pool: pool.clone(),
                    seated: self.new_map(),
                    leases: self.new_map(),
                    incompatible: Vec::new(),
                    rules: Vec::new(),
                    links: Vec::new(),
                };
                self.pools.insert(pool.id.clone(), entry);
            }
            Change::PoolUpdated(pool) => {
                if let Some(holder) = self.pool_names.get(pool.name.as_str()) {
                    if holder != &pool.id {
                        return Err(bad("pool name taken:", &pool.name));
                    }
                }
                let entry = self.entry_mut(&pool.id)?;
                if entry.pool.license_type != pool.license_type {
                    return Err(bad("license type changed:", pool.id.as_str()));
                }
                let old_name = core::mem::replace(&mut entry.pool, pool.clone()).name;
                if old_name != pool.name {
                    self.pool_names.remove(old_name.as_str());
                    self.pool_names.insert(pool.name.clone(), pool.id.clone());
                }
            }
            Change::PoolArchived { pool, at } => {
                let entry = self.entry_mut(pool)?;
                entry.pool.status = PoolStatus::Archived;
                entry.pool.updated_at = *at;
            }
            Change::PoolExpired { pool, at } => {
                let entry = self.entry_mut(pool)?;
                entry.pool.status = PoolStatus::Expired;
                entry.pool.updated_at = *at;
            }
            Change::PoolDeleted { pool } => {
                let entry = self
                    .pools
                    .get(pool)
                    .ok_or_else(|| bad("no pool", pool.as_str()))?;
                if !entry.seated.is_empty() || !entry.leases.is_empty() {
                    return Err(bad("deleted pool holds seats:", pool.as_str()));
                }
                let Some(entry) = self.pools.remove(pool) else {
                    return Err(bad("no pool", pool.as_str()));
                };
                self.pool_names.remove(entry.pool.name.as_str());
                for (other, id) in &entry.incompatible {
                    self.incompatibilities.remove(id);
                    if let Some(o) = self.pools.get_mut(other) {
                        o.incompatible.retain(|(_, i)| i != id);
                    }
                }
                for rule in &entry.rules {
                    self.rules.remove(rule);
                }
                if !entry.rules.is_empty() {
                    self.notices.retain(|_, notices| {
                        notices.retain(|n| !entry.rules.contains(&n.rule));
                        !notices.is_empty()
                    });
                }
                for link in &entry.links {
                    self.links.remove(link);
                }
            }
            Change::UserCreated(user) => {
                if self.users.contains_key(&user.id) {
                    return Err(bad("user exists:", user.id.as_str()));
                }
                self.by_activity
                    .insert((quiet_since(user), user.id.clone()));
                self.users.insert(
                    user.id.clone(),
                    UserEntry {
                        user: user.clone(),
                        seats: Vec::new(),
                    },
                );
            }
            Change::UserUpdated(user) => {
                let slot = self
                    .users
                    .get_mut(&user.id)
                    .ok_or_else(|| bad("no user", user.id.as_str()))?;
                let before = quiet_since(&slot.user);
                if before != quiet_since(user) {
                    self.by_activity.remove(&(before, user.id.clone()));
                    self.by_activity
                        .insert((quiet_since(user), user.id.clone()));
                }
                slot.user = user.clone();
            }
            Change::Assigned(a) => {
                if a.status != AssignmentStatus::Active {
                    return Err(bad("assignment not active:", a.id.as_str()));
                }
                let Some(holder) = self.users.get_mut(&a.user) else {
                    return Err(bad("no user", a.user.as_str()));
                };
                // (The pool's vacant seat entry below proves the user holds
                // none there, so their list needs no scan.)
                let grant = match &a.entitlement {
                    Some(e) => {
                        let key = (a.user.clone(), e.clone());
                        if self.grants.contains_key(&key) {
                            return Err(bad("entitlement granted twice:", e));
                        }
                        Some(key)
                    }
                    None => None,
                };
                let entry = self
                    .pools
                    .get_mut(&a.pool)
                    .ok_or_else(|| bad("no pool", a.pool.as_str()))?;
                if entry.pool.license_type != LicenseType::Named {
                    return Err(bad("assignment in a concurrent pool:", a.id.as_str()));
                }
                // One hash per map: both slots are found (and checked free)
                // before either is filled.
                let hashbrown::hash_map::Entry::Vacant(seat) = entry.seated.entry(a.user.clone())
                else {
                    return Err(bad("seated twice:", a.user.as_str()));
                };
                let hashbrown::hash_map::Entry::Vacant(slot) = self.assignments.entry(a.id.clone())
                else {
                    return Err(bad("assignment exists:", a.id.as_str()));
                };
                if holder.seats.capacity() == 0 {
                    holder.seats.reserve_exact(4);
                }
                holder.seats.push(HeldSeat {
                    pool: a.pool.clone(),
                    assignment: a.id.clone(),
                    assigned_at: a.assigned_at,
                });
                seat.insert(Seat {
                    assignment: a.id.clone(),
                    assigned_at: a.assigned_at,
                });
                slot.insert(a.clone());
                if let Some(key) = grant {
                    self.grants.insert(key, a.id.clone());
                }
            }
            Change::Deallocated { assignment, at } => {
                self.end_assignment(assignment, AssignmentStatus::Released, *at, None)?;
            }
            Change::Reclaimed {
                assignment,
                at,
                reason,
            } => {
                self.end_assignment(assignment, AssignmentStatus::Reclaimed, *at, Some(reason))?;
            }
            Change::AssignmentExpired { assignment, at } => {
                self.end_assignment(assignment, AssignmentStatus::Expired, *at, None)?;
            }
            Change::LeaseOut(lease) => {
                if self.leases.contains_key(&lease.id) {
                    return Err(bad("lease exists:", lease.id.as_str()));
                }
                if lease.status != LeaseStatus::Out {
                    return Err(bad("lease not out:", lease.id.as_str()));
                }
                let entry = self
                    .pools
                    .get_mut(&lease.pool)
                    .ok_or_else(|| bad("no pool", lease.pool.as_str()))?;
                if entry.pool.license_type != LicenseType::Concurrent {
                    return Err(bad("lease of a named pool:", lease.id.as_str()));
                }
                if entry.leases.contains_key(&lease.holder) {
                    return Err(bad("holder leased twice:", lease.holder.as_str()));
                }
                entry.leases.insert(lease.holder.clone(), lease.id.clone());
                self.leases.insert(lease.id.clone(), lease.clone());
            }
            Change::LeaseRenewed { lease, expires_at } => {
                let l = self
                    .leases
                    .get_mut(lease)
                    .ok_or_else(|| bad("no lease", lease.as_str()))?;
                if l.status == LeaseStatus::Ended {
                    return Err(bad("lease ended:", lease.as_str()));
                }
                l.status = LeaseStatus::Out;
                l.expires_at = *expires_at;
                l.released_at = None;
            }
            Change::LeaseReleased {
                lease,
                at,
                linger_seconds,
            } => {
                let l = self
                    .leases
                    .get_mut(lease)
                    .ok_or_else(|| bad("no lease", lease.as_str()))?;
                if l.status != LeaseStatus::Out {
                    return Err(bad("lease not out:", lease.as_str()));
                }
                l.status = LeaseStatus::Released;
                l.released_at = Some(*at);
                l.linger_seconds = *linger_seconds;
                if *linger_seconds == 0 {
                    let (pool, holder) = (l.pool.clone(), l.holder.clone());
                    if let Some(e) = self.pools.get_mut(&pool) {
                        e.leases.remove(&holder);
                    }
                }
            }
            Change::LeaseCulled { lease } => {
                let l = self
                    .leases
                    .get_mut(lease)
                    .ok_or_else(|| bad("no lease", lease.as_str()))?;
                if l.status == LeaseStatus::Out {
                    l.status = LeaseStatus::Ended;
                }
                let (pool, holder) = (l.pool.clone(), l.holder.clone());
                let entry = self.entry_mut(&pool)?;
                if entry.leases.get(&holder) != Some(lease) {
                    return Err(bad("culled lease not held:", lease.as_str()));
                }
                entry.leases.remove(&holder);
            }
            Change::IncompatibilityCreated(inc) => {
                if self.incompatibilities.contains_key(&inc.id) {
                    return Err(bad("incompatibility exists:", inc.id.as_str()));
                }
                if inc.pool_a == inc.pool_b
                    || !self.pools.contains_key(&inc.pool_b)
                    || self
                        .incompatibility_between(&inc.pool_a, &inc.pool_b)
                        .is_some()
                {
                    return Err(bad("bad incompatibility", inc.id.as_str()));
                }
                self.entry_mut(&inc.pool_a)?
                    .incompatible
                    .push((inc.pool_b.clone(), inc.id.clone()));
                self.entry_mut(&inc.pool_b)?
                    .incompatible
                    .push((inc.pool_a.clone(), inc.id.clone()));
                self.incompatibilities.insert(inc.id.clone(), inc.clone());
            }
            Change::IncompatibilityDeleted { id } => {
                let inc = self
                    .incompatibilities
                    .remove(id)
                    .ok_or_else(|| bad("no incompatibility", id.as_str()))?;
                for pool in [&inc.pool_a, &inc.pool_b] {
                    if let Some(e) = self.pools.get_mut(pool) {
                        e.incompatible.retain(|(_, i)| i != id);
                    }
                }
            }
            Change::RuleCreated(rule) => {
                if self.rules.contains_key(&rule.id) {
                    return Err(bad("rule exists:", rule.id.as_str()));
                }
                self.entry_mut(&rule.pool)?.rules.push(rule.id.clone());
                self.rules.insert(rule.id.clone(), rule.clone());
            }
            Change::RuleUpdated(rule) => {
                let slot = self
                    .rules
                    .get_mut(&rule.id)
                    .ok_or_else(|| bad("no rule", rule.id.as_str()))?;
                if slot.pool != rule.pool {
                    return Err(bad("rule moved:", rule.id.as_str()));
                }
                *slot = rule.clone();
            }
            Change::RuleDeleted { rule } => {
                let r = self
                    .rules
                    .remove(rule)
                    .ok_or_else(|| bad("no rule", rule.as_str()))?;
                if let Some(e) = self.pools.get_mut(&r.pool) {
                    e.rules.retain(|id| id != rule);
                }
                self.notices.retain(|_, notices| {
                    notices.retain(|n| &n.rule != rule);
                    !notices.is_empty()
                });
            }
            Change::LinkCreated(link) => {
                if self.links.contains_key(&link.id) {
                    return Err(bad("link exists:", link.id.as_str()));
                }
                self.entry_mut(&link.pool)?.links.push(link.id.clone());
                self.links.insert(link.id.clone(), link.clone());
            }
            Change::LinkUpdated(link) => {
                let slot = self
                    .links
                    .get_mut(&link.id)
                    .ok_or_else(|| bad("no link", link.id.as_str()))?;
                if slot.pool != link.pool || slot.entitlement != link.entitlement {
                    return Err(bad("link moved:", link.id.as_str()));
                }
                *slot = link.clone();
            }
            Change::LinkDeleted { link } => {
                let l = self
                    .links
                    .remove(link)
                    .ok_or_else(|| bad("no link", link.as_str()))?;
                if let Some(e) = self.pools.get_mut(&l.pool) {
                    e.links.retain(|id| id != link);
                }
            }
            Change::NoticeRecorded(notice) => {
                let active = self
                    .assignments
                    .get(&notice.assignment)
                    .is_some_and(|a| a.status == AssignmentStatus::Active);
                if !active || !self.rules.contains_key(&notice.rule) {
                    return Err(bad("notice for nothing:", notice.assignment.as_str()));
                }
                let notices = self.notices.entry(notice.assignment.clone()).or_default();
                notices.retain(|n| n.rule != notice.rule);
                notices.push(notice.clone());
            }
            Change::HostRecord { .. } => {}
        }
        Ok(())
    }

    fn end_assignment(
        &mut self,
        id: &AssignmentId,
        status: AssignmentStatus,
        at: Timestamp,
        reason: Option<&String>,
    ) -> Result<(), Refusal> {
        let a = self
            .assignments
            .get_mut(id)
            .ok_or_else(|| Refusal::inconsistent(alloc::format!("no assignment {id}")))?;
        if a.status != AssignmentStatus::Active {
            return Err(Refusal::inconsistent(alloc::format!(
                "assignment {id} already ended"
            )));
        }
        a.status = status;
        a.ended_at = Some(at);
        if reason.is_some() {
            a.reason = reason.cloned();
        }
        if let Some(entry) = self.pools.get_mut(&a.pool) {
            entry.seated.remove(&a.user);
        }
        if let Some(holder) = self.users.get_mut(&a.user) {
            holder.seats.retain(|s| s.pool != a.pool);
        }
        if let Some(e) = &a.entitlement {
            self.grants.remove(&(a.user.clone(), e.clone()));
        }
        if !self.notices.is_empty() {
            self.notices.remove(id);
        }
        Ok(())
    }
}
