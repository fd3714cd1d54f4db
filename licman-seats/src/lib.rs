//! `licman-seats`: the seat engine of `licman-core` (feature `seats`) kept
//! in a database, and the CLI over it.
//!
//! The store is event-sourced, as the engine is built to be: the audit
//! trail is the data. Every command runs in one write transaction that
//! first reads the events other writers added since this process last
//! looked (and applies them to its copy of the state), then asks the
//! engine, then appends the events the engine sealed. The store's write
//! lock (SQLite's `BEGIN IMMEDIATE`, a row lock on PostgreSQL) makes two
//! writers take turns, so the engine always
//! decides on the newest state and two admins racing for the last seat
//! cannot both win; no seat rule is written a second time in SQL.
//!
//! ```no_run
//! use licman_seats::store::Store;
//! use licman_core::seats::{Command, PoolId, PoolSpec};
//! let mut store = Store::open("licman-seats.db")?; // or a postgres:// URL
//! let spec = PoolSpec::new(PoolId::new("figma")?, "Figma", 10);
//! store.run(&Command::CreatePool(spec), "ada", None)?;
//! assert_eq!(store.state().pool(&PoolId::new("figma")?).map(|p| p.capacity), Some(10));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cli;
pub mod error;
pub mod hex;
pub mod licensed;
pub mod postgres;
pub mod render;
pub mod secrets;
pub mod server;
pub mod shared;
pub mod sqlite;
pub mod store;
pub mod time;
