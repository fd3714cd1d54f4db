//! `licman-keygen doctor`: what an operator should look at. File modes of
//! the secret keys and the ledger, unfinished rows and batches, licenses
//! expiring within 7, 30 and 90 days, and how fresh each product's
//! revocation list is. A problem exits 1; warnings alone exit 0.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use super::Output;
use crate::dates;
use crate::error::{CliError, Exit, Result};
use crate::keyfile::{self, SealedKey};
use crate::ledger::{self, Ledger};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directories (or files) of secret keys to check (default: ./keys if it exists).
    #[arg(long = "keys", value_name = "DIR|FILE")]
    keys: Vec<PathBuf>,
    /// The ledger, a file or a postgres:// URL (default ./licman-ledger.db).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "LICMAN_LEDGER",
        hide_env_values = true
    )]
    ledger: Option<PathBuf>,
    /// A revocation list older than this is a warning.
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    max_list_age: String,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warning,
    Problem,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Problem => "problem",
        }
    }
}

struct Finding {
    check: &'static str,
    level: Level,
    message: String,
}

fn secret_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(path) {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "secret"))
                    .collect();
                found.sort();
                files.extend(found);
            }
        } else {
            files.push(path.clone());
        }
    }
    files
}

fn check_keys(paths: &[PathBuf], findings: &mut Vec<Finding>) {
    for path in secret_files(paths) {
        let shown = path.display();
        match keyfile::mode_of(&path) {
            Some(mode) if mode & 0o077 != 0 => findings.push(Finding {
                check: "key_mode",
                level: Level::Problem,
                message: format!(
                    "{shown} is mode {mode:04o}: others can read it (chmod 600 {shown})"
                ),
            }),
            None => findings.push(Finding {
                check: "key_mode",
                level: Level::Problem,
                message: format!("{shown} cannot be read"),
            }),
            Some(_) => {}
        }
        match SealedKey::read(&path) {
            Ok(key) if !key.encrypted => findings.push(Finding {
                check: "key_encrypted",
                level: Level::Warning,
                message: format!(
                    "{shown} (key {}) is not encrypted: for tests and CI only",
                    key.key_id
                ),
            }),
            Ok(key) => findings.push(Finding {
                check: "key",
                level: Level::Ok,
                message: format!("{shown}: key {}, encrypted, private", key.key_id),
            }),
            Err(e) => findings.push(Finding {
                check: "key",
                level: Level::Problem,
                message: e.message,
            }),
        }
    }
}

fn check_ledger(path: &Path, max_list_age: Duration, findings: &mut Vec<Finding>) -> Result<()> {
    // Read only: a diagnosis migrates nothing and resolves nothing.
    let ledger = match Ledger::open_read_only(path) {
        Ok(ledger) => ledger,
        Err(e) => {
            findings.push(Finding {
                check: "ledger",
                level: Level::Problem,
                message: e.message,
            });
            return Ok(());
        }
    };
    let Some(ledger) = ledger else {
        findings.push(Finding {
            check: "ledger",
            level: Level::Warning,
            message: format!("no ledger at {}", ledger::shown(path)),
        });
        return Ok(());
    };
    if let Some(mode) = keyfile::mode_of(path).filter(|m| m & 0o077 != 0) {
        findings.push(Finding {
            check: "ledger_mode",
            level: Level::Problem,
            message: format!(
                "{} is mode {mode:04o}: it holds customers' names, emails and keys (chmod 600)",
                path.display()
            ),
        });
    }
    let now = dates::now()?;
    let health = ledger.health()?;
    if health.pending + health.unconfirmed + health.running_batches + health.interrupted_batches > 0
    {
        findings.push(Finding {
            check: "unfinished",
            level: Level::Warning,
            message: format!(
                "{} pending and {} unconfirmed licenses, {} running and {} interrupted batches: \
                 re-run an interrupted batch with --resume; pending rows are settled when the ledger is next opened for issuing",
                health.pending, health.unconfirmed, health.running_batches, health.interrupted_batches
            ),
        });
    } else {
        findings.push(Finding {
            check: "unfinished",
            level: Level::Ok,
            message: "no unfinished rows or batches".into(),
        });
    }
    for days in [7u64, 30, 90] {
        let soon = ledger.expiring(Duration::from_secs(days * 86_400), now)?;
        findings.push(Finding {
            check: "expiring",
            level: if soon.is_empty() || days > 30 {
                Level::Ok
            } else {
                Level::Warning
            },
            message: format!(
                "{} license(s) expire within {days} days{}",
                soon.len(),
                if soon.is_empty() {
                    String::new()
                } else {
                    format!(
                        ": {}",
                        soon.iter()
                            .take(5)
                            .map(|r| r.customer_id.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
        });
    }
    for (product, serial, issued_at) in &health.lists {
        let age = Duration::from_secs(now.unix_seconds().saturating_sub(issued_at.unix_seconds()));
        let stale = age > max_list_age;
        findings.push(Finding {
            check: "revocation_list",
            level: if stale { Level::Warning } else { Level::Ok },
            message: format!(
                "{product}: revocation list {serial} issued {}{}",
                days_text(age),
                if stale {
                    " (older than --max-list-age: products that require a fresh list will refuse)"
                } else {
                    ""
                }
            ),
        });
    }
    for (product, count) in &health.unpublished {
        findings.push(Finding {
            check: "unpublished_revocations",
            level: Level::Warning,
            message: format!(
                "{product}: {count} revocation(s) in no signed list yet: run `licman-keygen revoke`"
            ),
        });
    }
    Ok(())
}

fn days_text(age: Duration) -> String {
    let days = age.as_secs() / 86_400;
    if days == 0 {
        "today".into()
    } else {
        format!("{days} days")
    }
}

pub fn run(args: &Args, out: Output) -> Result<()> {
    let max_list_age = dates::parse_duration(&args.max_list_age)?;
    let mut findings = Vec::new();
    let keys = if args.keys.is_empty() {
        let default = PathBuf::from("keys");
        if default.is_dir() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        args.keys.clone()
    };
    check_keys(&keys, &mut findings);
    check_ledger(
        &ledger::default_path(args.ledger.as_deref()),
        max_list_age,
        &mut findings,
    )?;
    let worst = findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok);
    match out {
        Output::Json => outln!(
            "{}",
            crate::escape::json(&json!({
                "status": worst.name(),
                "findings": findings.iter().map(|f| json!({"check": f.check, "level": f.level.name(), "message": f.message})).collect::<Vec<_>>(),
            }))
        ),
        Output::Text => {
            for f in &findings {
                let mark = match f.level {
                    Level::Ok => "ok     ",
                    Level::Warning => "warning",
                    Level::Problem => "PROBLEM",
                };
                // Messages quote names from the ledger (a customer, a
                // product): shown escaped, like every listing.
                outln!("{mark}  {}", crate::escape::printable(&f.message));
            }
        }
    }
    if worst == Level::Problem {
        let mut e = CliError::failure("doctor", "doctor found problems");
        e.printed = true;
        e.exit = Exit::Failure;
        return Err(e);
    }
    Ok(())
}
