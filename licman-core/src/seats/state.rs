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
use crate::seats::table::{Hashed, Keyed, Row, Table};
use crate::seats::validate::{
    check_host_record, check_link, check_pool, check_reason, check_rule, check_user,
};
use crate::time::Timestamp;

/// The hasher of every index: foldhash, seeded by the host.
pub(crate) type Hasher = foldhash::fast::FixedState;
pub(crate) type Map<K, V> = hashbrown::HashMap<K, V, Hasher>;

impl Keyed<PoolId> for PoolEntry {
    fn key(&self) -> &PoolId {
        &self.pool.id
    }
}

impl Keyed<UserId> for UserEntry {
    fn key(&self) -> &UserId {
        &self.user.id
    }
}

impl Keyed<LeaseId> for Lease {
    fn key(&self) -> &LeaseId {
        &self.id
    }
}

impl Keyed<AssignmentId> for Assignment {
    fn key(&self) -> &AssignmentId {
        &self.id
    }
}

/// A pool's row in the state.
pub(crate) type PoolRow = Row<PoolEntry>;
/// A user's row in the state.
pub(crate) type UserRow = Row<UserEntry>;
/// An assignment's row in the state.
pub(crate) type AssignmentRow = Row<Assignment>;
/// A lease's row in the state.
pub(crate) type LeaseRow = Row<Lease>;

/// An active assignment as its pool's index keeps it: the row and the
/// assignment time, which is all reclamation and analytics need to judge a
/// seat without reading the assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seat {
    pub(crate) assignment: AssignmentRow,
    pub(crate) assigned_at: Timestamp,
}

/// A seat as its holder's entry keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeldSeat {
    pub(crate) pool: PoolRow,
    pub(crate) assignment: AssignmentRow,
    pub(crate) assigned_at: Timestamp,
}

/// A user with the seats they hold (active assignments), so that work
/// about inactive users (reclamation, analytics) starts from the users and
/// visits only their seats.
#[derive(Clone, Debug)]
pub(crate) struct UserEntry {
    pub(crate) user: User,
    pub(crate) seats: SeatList,
}

/// Seats a user's entry keeps inline; more go to the heap.
const INLINE_SEATS: usize = 3;

/// A user's seats: inline in their entry while they hold at most
/// [`INLINE_SEATS`] (most people hold a few), so reading or changing them
/// touches the entry's own cache lines and no separate heap block.
#[derive(Clone, Debug)]
pub(crate) enum SeatList {
    Inline(u8, [HeldSeat; INLINE_SEATS]),
    Heap(Vec<HeldSeat>),
}

impl SeatList {
    const EMPTY_SLOT: HeldSeat = HeldSeat {
        pool: Row::FIRST,
        assignment: Row::FIRST,
        assigned_at: Timestamp::UNIX_EPOCH,
    };

    pub(crate) const fn new() -> SeatList {
        SeatList::Inline(0, [Self::EMPTY_SLOT; INLINE_SEATS])
    }

    pub(crate) fn as_slice(&self) -> &[HeldSeat] {
        match self {
            SeatList::Inline(len, seats) => seats.get(..usize::from(*len)).unwrap_or(&[]),
            SeatList::Heap(seats) => seats,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    fn push(&mut self, seat: HeldSeat) {
        match self {
            SeatList::Inline(len, seats) => match seats.get_mut(usize::from(*len)) {
                Some(slot) => {
                    *slot = seat;
                    *len += 1;
                }
                None => {
                    let mut heap = Vec::with_capacity(2 * INLINE_SEATS);
                    heap.extend_from_slice(seats);
                    heap.push(seat);
                    *self = SeatList::Heap(heap);
                }
            },
            SeatList::Heap(seats) => seats.push(seat),
        }
    }

    /// Drops the seat of an assignment, keeping the others' order.
    fn remove(&mut self, assignment: AssignmentRow) {
        match self {
            SeatList::Inline(len, seats) => {
                let n = usize::from(*len);
                if let Some(at) = seats
                    .iter()
                    .take(n)
                    .position(|s| s.assignment == assignment)
                {
                    seats.copy_within(at + 1..n, at);
                    *len -= 1;
                }
            }
            SeatList::Heap(seats) => seats.retain(|s| s.assignment != assignment),
        }
    }
}

impl<'a> IntoIterator for &'a SeatList {
    type Item = &'a HeldSeat;
    type IntoIter = core::slice::Iter<'a, HeldSeat>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

/// A pool with the indexes the rules consult.
#[derive(Clone, Debug)]
pub(crate) struct PoolEntry {
    pub(crate) pool: Pool,
    /// When the pool's status last changed (its creation, archiving,
    /// expiry, or an update that changed it): where a breach of an
    /// archived or expired pool begins.
    pub(crate) status_since: Timestamp,
    /// Active assignments by user.
    pub(crate) seated: Map<UserRow, Seat>,
    /// Leases that may hold a seat (out, or released and lingering) by
    /// holder; dead ones leave when culled.
    pub(crate) leases: Map<HolderId, LeaseRow>,
    /// Incompatible pools and the rule for each.
    pub(crate) incompatible: Vec<(PoolRow, IncompatibilityId)>,
    pub(crate) rules: Vec<RuleId>,
    pub(crate) links: Vec<LinkId>,
}

impl PoolEntry {
    /// Seats held at `now`: active assignments (named) or leases holding a
    /// seat (concurrent).
    pub(crate) fn allocated_at(&self, now: Timestamp, leases: &Table<LeaseId, Lease>) -> u64 {
        match self.pool.license_type {
            LicenseType::Named => self.seated.len() as u64,
            LicenseType::Concurrent => self
                .leases
                .values()
                .filter(|row| leases.at(**row).is_some_and(|l| l.holds_seat_at(now)))
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
/// Two states are equal when they hold the same things, whatever order
/// they were loaded in.
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
    pub(crate) pools: Table<PoolId, PoolEntry>,
    pub(crate) pool_names: Map<String, PoolId>,
    pub(crate) users: Table<UserId, UserEntry>,
    /// Every assignment, active or ended (they are never removed).
    pub(crate) assignments: Table<AssignmentId, Assignment>,
    /// Every lease, out or ended (they are never removed).
    pub(crate) leases: Table<LeaseId, Lease>,
    pub(crate) incompatibilities: Map<IncompatibilityId, Incompatibility>,
    pub(crate) rules: Map<RuleId, ReclamationRule>,
    pub(crate) links: Map<LinkId, EntitlementLink>,
    /// (user, entitlement) → the active assignment it allocated.
    pub(crate) grants: Map<(UserId, String), AssignmentId>,
    /// Active assignment → the notices rules recorded for it.
    pub(crate) notices: Map<AssignmentRow, Vec<Notice>>,
    /// Every user by last activity (never active first), so that the users
    /// quiet since a time are a range, not a scan of everyone.
    pub(crate) by_activity: BTreeSet<(Timestamp, UserRow)>,
}

impl PartialEq for SeatState {
    fn eq(&self, other: &Self) -> bool {
        self.pool_names == other.pool_names
            && self.leases.len() == other.leases.len()
            && self
                .leases
                .values()
                .all(|l| other.leases.get(&l.id) == Some(l))
            && self.incompatibilities == other.incompatibilities
            && self.rules == other.rules
            && self.links == other.links
            && self.grants == other.grants
            && self.assignments.len() == other.assignments.len()
            && self
                .assignments
                .values()
                .all(|a| other.assignments.get(&a.id) == Some(a))
            && self.users.len() == other.users.len()
            && self.users.values().all(|e| {
                other
                    .users
                    .get(&e.user.id)
                    .is_some_and(|o| o.user == e.user && self.held(e) == other.held(o))
            })
            && self.pools.len() == other.pools.len()
            && self.pools.values().all(|e| {
                other
                    .pools
                    .get(&e.pool.id)
                    .is_some_and(|o| self.same_pool_entry(e, other, o))
            })
            && self.notices.len() == other.notices.len()
            && self.notices.iter().all(|(row, notices)| {
                self.assignments
                    .at(*row)
                    .and_then(|a| other.assignments.row(&a.id))
                    .and_then(|r| other.notices.get(&r))
                    == Some(notices)
            })
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

/// Comparison helpers: what a row refers to, by id.
impl SeatState {
    fn pool_id_at(&self, row: PoolRow) -> Option<&PoolId> {
        self.pools.at(row).map(|e| &e.pool.id)
    }

    fn user_id_at(&self, row: UserRow) -> Option<&UserId> {
        self.users.at(row).map(|e| &e.user.id)
    }

    pub(crate) fn assignment_id_at(&self, row: AssignmentRow) -> Option<&AssignmentId> {
        self.assignments.at(row).map(|a| &a.id)
    }

    /// A user's seats by id, sorted.
    fn held(&self, e: &UserEntry) -> Vec<(Option<&PoolId>, Option<&AssignmentId>, Timestamp)> {
        let mut v: Vec<_> = e
            .seats
            .as_slice()
            .iter()
            .map(|s| {
                (
                    self.pool_id_at(s.pool),
                    self.assignment_id_at(s.assignment),
                    s.assigned_at,
                )
            })
            .collect();
        v.sort();
        v
    }

    /// A pool's leases by holder, with their ids, sorted.
    fn lease_ids<'a>(&'a self, e: &'a PoolEntry) -> Vec<(&'a HolderId, Option<&'a LeaseId>)> {
        let mut v: Vec<_> = e
            .leases
            .iter()
            .map(|(h, row)| (h, self.leases.at(*row).map(|l| &l.id)))
            .collect();
        v.sort();
        v
    }

    fn same_pool_entry(&self, e: &PoolEntry, other: &SeatState, o: &PoolEntry) -> bool {
        let seated = |state: &SeatState, entry: &PoolEntry| {
            let mut v: Vec<_> = entry
                .seated
                .iter()
                .map(|(u, s)| {
                    (
                        state.user_id_at(*u).cloned(),
                        state.assignment_id_at(s.assignment).cloned(),
                        s.assigned_at,
                    )
                })
                .collect();
            v.sort();
            v
        };
        let incompatible = |state: &SeatState, entry: &PoolEntry| {
            let mut v: Vec<_> = entry
                .incompatible
                .iter()
                .map(|(p, id)| (state.pool_id_at(*p).cloned(), id.clone()))
                .collect();
            v.sort();
            v
        };
        let sorted = |v: &[RuleId]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        let links = |v: &[LinkId]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        e.pool == o.pool
            && self.lease_ids(e) == other.lease_ids(o)
            && sorted(&e.rules) == sorted(&o.rules)
            && links(&e.links) == links(&o.links)
            && seated(self, e) == seated(other, o)
            && incompatible(self, e) == incompatible(other, o)
    }
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
            pools: Table::with_hasher(&h),
            pool_names: map(&h),
            users: Table::with_hasher(&h),
            assignments: Table::with_hasher(&h),
            leases: Table::with_hasher(&h),
            incompatibilities: map(&h),
            rules: map(&h),
            links: map(&h),
            grants: map(&h),
            notices: map(&h),
            by_activity: BTreeSet::new(),
        }
    }

    pub(crate) fn hasher(&self) -> &Hasher {
        self.pool_names.hasher()
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
    /// they hold seats of, quietest first. (Visiting them in row order
    /// instead, by sorting the range, measured slower.)
    pub(crate) fn quiet_users(&self, time: Timestamp) -> impl Iterator<Item = &UserEntry> + '_ {
        self.by_activity
            .iter()
            .take_while(move |(t, _)| *t <= time)
            .filter_map(|(_, row)| self.users.at(*row))
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
        let user = self.users.row(user)?;
        let seat = self.pools.get(pool)?.seated.get(&user)?;
        self.assignments.at(seat.assignment)
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
            .filter_map(|seat| self.assignments.at(seat.assignment))
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
        let row = self.pools.get(pool)?.leases.get(holder)?;
        self.leases.at(*row)
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
        let b = self.pools.row(b)?;
        let (_, id) = entry.incompatible.iter().find(|(other, _)| *other == b)?;
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
            .get(&self.assignments.row(assignment)?)?
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
                let entry = PoolEntry {
                    pool: pool.clone(),
                    status_since: pool.created_at,
                    seated: self.new_map(),
                    leases: self.new_map(),
                    incompatible: Vec::new(),
                    rules: Vec::new(),
                    links: Vec::new(),
                };
                if self.pools.insert_new(entry).is_none() {
                    return Err(bad("no room for pool", pool.id.as_str()));
                }
                self.pool_names.insert(pool.name.clone(), pool.id.clone());
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
                if entry.pool.status != pool.status {
                    entry.status_since = pool.updated_at;
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
                entry.status_since = *at;
            }
            Change::PoolExpired { pool, at } => {
                let entry = self.entry_mut(pool)?;
                entry.pool.status = PoolStatus::Expired;
                entry.pool.updated_at = *at;
                entry.status_since = *at;
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
                    if let Some(o) = self.pools.at_mut(*other) {
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
                let entry = UserEntry {
                    user: user.clone(),
                    seats: SeatList::new(),
                };
                let Some(row) = self.users.insert_new(entry) else {
                    return Err(bad("no room for user", user.id.as_str()));
                };
                self.by_activity.insert((quiet_since(user), row));
            }
            Change::UserUpdated(user) => {
                let row = self
                    .users
                    .row(&user.id)
                    .ok_or_else(|| bad("no user", user.id.as_str()))?;
                let slot = self
                    .users
                    .at_mut(row)
                    .ok_or_else(|| bad("no user", user.id.as_str()))?;
                let before = quiet_since(&slot.user);
                slot.user = user.clone();
                if before != quiet_since(user) {
                    self.by_activity.remove(&(before, row));
                    self.by_activity.insert((quiet_since(user), row));
                }
            }
            Change::Assigned(a) => {
                let Some(user) = self.users.row(&a.user) else {
                    return Err(bad("no user", a.user.as_str()));
                };
                let Some(pool) = self.pools.row(&a.pool) else {
                    return Err(bad("no pool", a.pool.as_str()));
                };
                let hash = self.assignments.hash(&a.id);
                self.seat_assignment(a, pool, user, hash)?;
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
                let hash = self.leases.hash(&lease.id);
                if self.leases.row_hashed(hash, &lease.id).is_some() {
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
                let Some(row) = self.leases.insert_hashed(hash, lease.clone()) else {
                    return Err(bad("no room for lease", lease.id.as_str()));
                };
                entry.leases.insert(lease.holder.clone(), row);
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
                let row = self
                    .leases
                    .row(lease)
                    .ok_or_else(|| bad("no lease", lease.as_str()))?;
                let l = self
                    .leases
                    .at_mut(row)
                    .ok_or_else(|| bad("no lease", lease.as_str()))?;
                match l.status {
                    LeaseStatus::Out => l.status = LeaseStatus::Ended,
                    // Released it stays, and holds no seat from now on: a
                    // `revoke_all` expiry culls a lease still lingering.
                    LeaseStatus::Released => l.linger_seconds = 0,
                    LeaseStatus::Ended => {}
                }
                let (pool, holder) = (l.pool.clone(), l.holder.clone());
                let entry = self.entry_mut(&pool)?;
                if entry.leases.get(&holder) != Some(&row) {
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
                let (Some(row_a), Some(row_b)) =
                    (self.pools.row(&inc.pool_a), self.pools.row(&inc.pool_b))
                else {
                    return Err(bad("bad incompatibility", inc.id.as_str()));
                };
                self.entry_mut(&inc.pool_a)?
                    .incompatible
                    .push((row_b, inc.id.clone()));
                self.entry_mut(&inc.pool_b)?
                    .incompatible
                    .push((row_a, inc.id.clone()));
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
                let row = self.assignments.row(&notice.assignment);
                let active = row
                    .and_then(|r| self.assignments.at(r))
                    .is_some_and(|a| a.status == AssignmentStatus::Active);
                let (Some(row), true) = (row, active && self.rules.contains_key(&notice.rule))
                else {
                    return Err(bad("notice for nothing:", notice.assignment.as_str()));
                };
                let notices = self.notices.entry(row).or_default();
                notices.retain(|n| n.rule != notice.rule);
                notices.push(notice.clone());
            }
            Change::HostRecord { .. } => {}
        }
        Ok(())
    }

    /// Adds an active assignment of `user` (its row) in `pool` (its row),
    /// `hash` being its id's: how [`SeatState::apply`] of `Assigned` and
    /// the engine's own assigns (which found the rows deciding) both do it.
    /// Refused as `inconsistent_state`, changing nothing, if the seat or
    /// the id is taken, the pool is concurrent or the grant is made.
    pub(crate) fn seat_assignment(
        &mut self,
        a: &Assignment,
        pool: PoolRow,
        user: UserRow,
        hash: Hashed,
    ) -> Result<(), Refusal> {
        let bad = |what: &str, id: &str| Refusal::inconsistent(alloc::format!("{what} {id}"));
        if a.status != AssignmentStatus::Active {
            return Err(bad("assignment not active:", a.id.as_str()));
        }
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
            .at_mut(pool)
            .ok_or_else(|| bad("no pool", a.pool.as_str()))?;
        if entry.pool.license_type != LicenseType::Named {
            return Err(bad("assignment in a concurrent pool:", a.id.as_str()));
        }
        // The seat's slot is found (and checked free) before the
        // assignment's row is added, and filled after. (The vacant slot
        // proves the user holds no seat there, so their list needs no scan.)
        let hashbrown::hash_map::Entry::Vacant(seat) = entry.seated.entry(user) else {
            return Err(bad("seated twice:", a.user.as_str()));
        };
        let Some(row) = self.assignments.insert_hashed(hash, a.clone()) else {
            return Err(bad("assignment exists:", a.id.as_str()));
        };
        seat.insert(Seat {
            assignment: row,
            assigned_at: a.assigned_at,
        });
        if let Some(holder) = self.users.at_mut(user) {
            holder.seats.push(HeldSeat {
                pool,
                assignment: row,
                assigned_at: a.assigned_at,
            });
        }
        if let Some(key) = grant {
            self.grants.insert(key, a.id.clone());
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
        let row = self
            .assignments
            .row(id)
            .ok_or_else(|| Refusal::inconsistent(alloc::format!("no assignment {id}")))?;
        let a = self
            .assignments
            .at_mut(row)
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
        let user_row = self.users.row(&a.user);
        if let (Some(entry), Some(u)) = (self.pools.get_mut(&a.pool), user_row) {
            entry.seated.remove(&u);
        }
        if let Some(holder) = user_row.and_then(|u| self.users.at_mut(u)) {
            holder.seats.remove(row);
        }
        if let Some(e) = &a.entitlement {
            self.grants.remove(&(a.user.clone(), e.clone()));
        }
        if !self.notices.is_empty() {
            self.notices.remove(&row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::table::Table;

    #[test]
    fn a_seat_list_spills_to_the_heap_and_keeps_its_order() {
        // Real rows, from a table of assignments.
        let mut table: Table<AssignmentId, Assignment> = Table::with_hasher(&Hasher::with_seed(3));
        let rows: Vec<AssignmentRow> = (0..6)
            .filter_map(|i| {
                let id = AssignmentId::new(&alloc::format!("a{i}")).ok()?;
                table.insert_new(Assignment {
                    id,
                    pool: PoolId::new("p").ok()?,
                    user: UserId::new("u").ok()?,
                    source: crate::seats::model::AssignmentSource::Manual,
                    entitlement: None,
                    status: AssignmentStatus::Active,
                    assigned_at: Timestamp::UNIX_EPOCH,
                    ended_at: None,
                    reason: None,
                    notes: String::new(),
                })
            })
            .collect();
        assert_eq!(rows.len(), 6);
        let seat = |r: AssignmentRow| HeldSeat {
            pool: Row::FIRST,
            assignment: r,
            assigned_at: Timestamp::UNIX_EPOCH,
        };
        let held = |list: &SeatList| -> Vec<AssignmentRow> {
            list.as_slice().iter().map(|s| s.assignment).collect()
        };
        let mut list = SeatList::new();
        assert!(list.is_empty());
        for r in &rows[..INLINE_SEATS] {
            list.push(seat(*r));
        }
        assert!(matches!(list, SeatList::Inline(..)));
        list.remove(rows[1]);
        assert_eq!(held(&list), [rows[0], rows[2]]);
        list.remove(rows[5]); // not held: nothing changes
        assert_eq!(held(&list), [rows[0], rows[2]]);
        for r in &rows[3..] {
            list.push(seat(*r));
        }
        assert!(matches!(list, SeatList::Heap(_)), "a fourth seat spills");
        assert_eq!(held(&list), [rows[0], rows[2], rows[3], rows[4], rows[5]]);
        list.remove(rows[0]);
        assert_eq!(held(&list), [rows[2], rows[3], rows[4], rows[5]]);
    }
}
