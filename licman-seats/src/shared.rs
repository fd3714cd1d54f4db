//! One store shared by the threads of a process (a server's request
//! handlers, an instance's workers), with its commits grouped.
//!
//! Every write to the trail takes the chain's one lock, so writers of
//! separate stores commit one at a time and the database cannot group
//! their flushes. Inside one process that limit goes away: a caller
//! queues its command, and whichever caller holds the store next runs
//! every command queued by then in one transaction ([`Store::run_each`]),
//! one commit for all, and hands each caller its own answer. Under load the
//! batch grows by itself (the commands that arrive during one commit go
//! into the next); alone, a caller's command is a batch of one. Each
//! command is decided on the state the ones before it left, exactly as if
//! they had run one after another.
//!
//! ```no_run
//! use licman_seats::shared::SharedStore;
//! use licman_core::seats::{Command, UserId};
//! let store = SharedStore::open("licman-seats.db")?;
//! std::thread::scope(|s| {
//!     for name in ["ada", "bob"] {
//!         let store = &store;
//!         s.spawn(move || {
//!             store.run(Command::CreateUser { id: UserId::new(name).unwrap(),
//!                 email: format!("{name}@example.com"), active: true,
//!                 lifecycle: "active".into(), last_activity: None }, "hr", None)
//!         });
//!     }
//! });
//! assert_eq!(store.with(|s| s.state().users().count()), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::{Arc, Condvar, Mutex, PoisonError};

use licman_core::Timestamp;
use licman_core::seats::{Command, Recorded};

use crate::error::Failure;
use crate::store::Store;

type Answer = Result<Recorded, Failure>;

/// Where a queued command's answer arrives.
#[derive(Default)]
struct Slot {
    answer: Mutex<Option<Answer>>,
}

struct Queued {
    command: Command,
    actor: String,
    at: Option<Timestamp>,
    slot: Arc<Slot>,
}

/// A [`Store`] shared by threads, whose concurrent commands commit
/// together.
pub struct SharedStore {
    store: Mutex<Store>,
    turn: Mutex<Turn>,
    answered: Condvar,
}

/// The queue, and whether a caller is running a batch.
#[derive(Default)]
struct Turn {
    queue: Vec<Queued>,
    leading: bool,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStore")
    }
}

impl SharedStore {
    /// Opens the store `location` names (see [`Store::open`]).
    pub fn open(location: &str) -> Result<SharedStore, Failure> {
        Ok(SharedStore::new(Store::open(location)?))
    }

    /// Shares an open store.
    pub fn new(store: Store) -> SharedStore {
        SharedStore {
            store: Mutex::new(store),
            turn: Mutex::new(Turn::default()),
            answered: Condvar::new(),
        }
    }

    /// Reads the store (its state, its trail) while no batch runs.
    pub fn with<R>(&self, read: impl FnOnce(&mut Store) -> R) -> R {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        read(&mut store)
    }

    /// Runs `command` as `actor` (at `at`, or the store's clock), in the
    /// next batch, and returns its own answer.
    pub fn run(&self, command: Command, actor: &str, at: Option<Timestamp>) -> Answer {
        let slot = Arc::new(Slot::default());
        let mut turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        turn.queue.push(Queued {
            command,
            actor: actor.to_string(),
            at,
            slot: slot.clone(),
        });
        loop {
            if let Some(answer) = take(&slot) {
                return answer;
            }
            if turn.leading {
                // A batch is running; the next one starts when it is done.
                turn = self
                    .answered
                    .wait(turn)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // This caller runs everything queued by now, its own command
            // among it, with the queue open to others meanwhile.
            turn.leading = true;
            let batch = std::mem::take(&mut turn.queue);
            drop(turn);
            self.run_batch(&batch);
            turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
            turn.leading = false;
            self.answered.notify_all();
        }
    }

    fn run_batch(&self, batch: &[Queued]) {
        let jobs: Vec<(Command, String, Option<Timestamp>)> = batch
            .iter()
            .map(|q| (q.command.clone(), q.actor.clone(), q.at))
            .collect();
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        match store.run_each(&jobs) {
            Ok(answers) => {
                for (q, answer) in batch.iter().zip(answers) {
                    put(&q.slot, answer);
                }
            }
            Err(failure) => {
                for q in batch {
                    put(&q.slot, Err(failure.clone()));
                }
            }
        }
    }
}

fn take(slot: &Slot) -> Option<Answer> {
    slot.answer
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}

fn put(slot: &Slot, answer: Answer) {
    *slot.answer.lock().unwrap_or_else(PoisonError::into_inner) = Some(answer);
}
