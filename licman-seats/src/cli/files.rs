//! Commands that read files: `user import FILE.csv` and `bulk reclaim`.
//!
//! A file is checked whole before anything is written: a malformed row is
//! refused with its line number and the store is left as it was.

use std::io::Read as _;
use std::path::PathBuf;

use licman_core::Timestamp;
use licman_core::seats::{AssignmentId, Command, Reply, UserId, UserPatch};
use serde_json::{Value, json};

use super::{Ctx, Output, assignment_id, find_pool, out};
use crate::error::Failure;
use crate::store::{Decided, Store};
use crate::time::parse_time;

/// The largest file a command reads.
pub(crate) const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// What a command reads: a file (`-` for stdin) named on the command line,
/// or text already in hand (the body of a request to the server, which
/// never names a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file, or stdin for `-`.
    Path(PathBuf),
    /// The text itself.
    Text(String),
}

impl From<std::ffi::OsString> for Input {
    fn from(path: std::ffi::OsString) -> Input {
        Input::Path(PathBuf::from(path))
    }
}

/// Reads an [`Input`] as UTF-8, bounded.
pub(crate) fn read_input(input: &Input) -> Result<String, Failure> {
    let path = match input {
        Input::Path(path) => path,
        Input::Text(text) if text.len() as u64 > MAX_INPUT_BYTES => {
            return Err(Failure::invalid(format!(
                "the input is larger than {MAX_INPUT_BYTES} bytes"
            )));
        }
        Input::Text(text) => return Ok(text.clone()),
    };
    let mut text = String::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_string(&mut text))
    };
    let name = if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    result.map_err(|e| Failure::new("io", format!("cannot read {name}: {e}")))?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::invalid(format!(
            "{name} is larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    // A byte-order mark (a file saved on Windows) is not part of the text.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// One row of a users CSV.
#[derive(Debug)]
struct UserRow {
    line: u64,
    id: UserId,
    email: String,
    active: Option<bool>,
    state: Option<String>,
    last_active: Option<Timestamp>,
}

const USER_COLUMNS: &[&str] = &["id", "email", "active", "state", "last_active"];

fn boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn parse_users(text: &str) -> Result<Vec<UserRow>, Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| Failure::invalid(format!("line 1: {e}; nothing was imported")))?
        .clone();
    let mut at = [None; 5];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        let Some(slot) = USER_COLUMNS.iter().position(|c| *c == name) else {
            return Err(Failure::invalid(format!(
                "line 1: unknown column {name:?} (the columns are {}); nothing was imported",
                USER_COLUMNS.join(",")
            )));
        };
        if at[slot].replace(i).is_some() {
            return Err(Failure::invalid(format!(
                "line 1: column {name:?} twice; nothing was imported"
            )));
        }
    }
    if at[0].is_none() || at[1].is_none() {
        return Err(Failure::invalid(
            "line 1: the header needs the columns id and email; nothing was imported",
        ));
    }
    let mut rows: Vec<UserRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Failure::invalid(format!("line {line}: {e}; nothing was imported"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let bad =
            |what: String| Failure::invalid(format!("line {line}: {what}; nothing was imported"));
        // A cell as `export` wrote it: a formula's escaping `'` removed.
        let cell = |slot: usize| {
            at[slot]
                .and_then(|i| record.get(i))
                .map(|c| super::transfer::unescape_cell(c.trim()))
                .unwrap_or("")
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let id = UserId::new(cell(0)).map_err(|e| bad(format!("user id {:?}: {e}", cell(0))))?;
        if let Some(first) = seen.insert(id.clone(), line) {
            return Err(bad(format!("user {id} is on line {first} too")));
        }
        let active = match cell(2) {
            "" => None,
            text => Some(
                boolean(text)
                    .ok_or_else(|| bad(format!("active {text:?} is not true or false")))?,
            ),
        };
        let last_active = match cell(4) {
            "" => None,
            text => Some(parse_time(text).map_err(|e| bad(e.message))?),
        };
        rows.push(UserRow {
            line,
            id,
            email: cell(1).to_string(),
            active,
            state: Some(cell(3)).filter(|s| !s.is_empty()).map(str::to_string),
            last_active,
        });
    }
    Ok(rows)
}

/// `user import FILE.csv`: adds the users that are new and updates the
/// ones whose fields differ, in one transaction (importing the same file
/// twice changes nothing the second time).
pub(crate) fn import_users(
    store: &mut Store,
    file: &Input,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let rows = parse_users(&read_input(file)?)?;
    let (created, updated, unchanged) =
        store.transact(cx.actor, cx.at, false, &mut |engine, ecx, _| {
            let mut events = Vec::new();
            let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
            for row in &rows {
                let command = match engine.state().user(&row.id) {
                    None => {
                        created += 1;
                        Command::CreateUser {
                            id: row.id.clone(),
                            email: row.email.clone(),
                            active: row.active.unwrap_or(true),
                            lifecycle: row.state.clone().unwrap_or_else(|| "active".into()),
                            last_activity: row.last_active,
                        }
                    }
                    Some(u) => {
                        let patch = UserPatch {
                            email: Some(row.email.clone()).filter(|e| *e != u.email),
                            active: row.active.filter(|a| *a != u.active),
                            lifecycle: row.state.clone().filter(|s| *s != u.lifecycle),
                            last_activity: row.last_active.filter(|t| Some(*t) != u.last_activity),
                        };
                        if patch == UserPatch::default() {
                            unchanged += 1;
                            continue;
                        }
                        updated += 1;
                        Command::UpdateUser {
                            user: row.id.clone(),
                            patch,
                        }
                    }
                };
                let recorded = engine.run(&command, ecx).map_err(|refusal| {
                    Failure::new(
                        refusal.code(),
                        format!("line {}: {refusal}; nothing was imported", row.line),
                    )
                })?;
                events.extend(recorded.events);
            }
            Ok(Decided {
                value: (created, updated, unchanged),
                events,
                secrets: Vec::new(),
            })
        })?;
    Ok(out(
        json!({"rows": rows.len(), "created": created, "updated": updated, "unchanged": unchanged}),
        format!(
            "{} rows: {created} created, {updated} updated, {unchanged} unchanged",
            rows.len()
        ),
    ))
}

/// An assignment id and its place in the input.
type Numbered = (usize, AssignmentId);

/// `bulk reclaim POOL --assignments FILE --reason S`: one assignment id a
/// line; an id of another pool fails as `not_in_pool` without touching it.
pub(crate) fn bulk_reclaim(
    store: &mut Store,
    pool: &str,
    file: &Input,
    reason: &str,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let text = read_input(file)?;
    let mut ids: Vec<AssignmentId> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let id = line.trim();
        if id.is_empty() {
            continue;
        }
        ids.push(assignment_id(id).map_err(|e| {
            Failure::invalid(format!(
                "line {}: {}; nothing was reclaimed",
                n + 1,
                e.message
            ))
        })?);
    }
    let pool = find_pool(store.state(), pool)?.id.clone();
    // Which ids are of another pool is decided under the lock, on the
    // state the reclaim itself sees.
    let (inside, outside, report) =
        store.transact(cx.actor, cx.at, false, &mut |engine, ecx, _| {
            let (inside, outside): (Vec<Numbered>, Vec<Numbered>) =
                ids.iter().cloned().enumerate().partition(|(_, id)| {
                    engine.state().assignment(id).is_none_or(|a| a.pool == pool)
                });
            let recorded = engine.run(
                &Command::BulkReclaim {
                    assignments: inside.iter().map(|(_, id)| id.clone()).collect(),
                    reason: reason.into(),
                },
                ecx,
            )?;
            let Reply::Bulk(report) = recorded.outcome.reply else {
                return Err(Failure::new("database", "a bulk reclaim gave no report"));
            };
            Ok(Decided {
                value: (inside, outside, report),
                events: recorded.events,
                secrets: Vec::new(),
            })
        })?;
    let mut results: Vec<(usize, Value)> = inside
        .iter()
        .zip(&report.items)
        .map(|((i, id), result)| {
            let v = match result {
                Ok(_) => json!({"assignment_id": id.as_str(), "ok": true}),
                Err(r) => json!({"assignment_id": id.as_str(), "ok": false,
                    "error": Failure::from(r.clone()).to_json()["error"]}),
            };
            (*i, v)
        })
        .collect();
    for (i, id) in &outside {
        results.push((
            *i,
            json!({"assignment_id": id.as_str(), "ok": false, "error": {"code": "not_in_pool",
                "message": format!("assignment {id} is not of pool {pool}")}}),
        ));
    }
    results.sort_by_key(|(i, _)| *i);
    let failed = report.failed + outside.len();
    Ok(out(
        json!({"succeeded": report.succeeded, "failed": failed,
               "results": results.into_iter().map(|(_, v)| v).collect::<Vec<_>>()}),
        format!("{} reclaimed, {failed} failed", report.succeeded),
    ))
}
