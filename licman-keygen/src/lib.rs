//! `licman-keygen`: the operator's CLI. Key pairs with an encrypted secret
//! key, catalog checks, issuing (single and batch), inspecting, verifying,
//! revoking, and a ledger of everything issued. See docs/KEYGEN.md.
//!
//! The crate is a library only so that the fuzz targets reach its parsers
//! ([`fuzz`]); its interface is the `licman-keygen` binary.

// The modules are private: `pub` inside them is crate-visible by nature.
#![allow(unreachable_pub)]

/// `println!` that never panics: a closed pipe (`licman-keygen … | head`)
/// ends the output quietly instead of aborting.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that never panics (see `outln!`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod commands;
mod dates;
mod error;
mod escape;
mod keyfile;
mod ledger;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser};

use crate::commands::{Command, Output};
use crate::error::{CliError, Exit};

const ABOUT: &str =
    "Issue, inspect, verify and revoke licman licenses, and keep a ledger of everything issued.";

const EXIT_CODES: &str = "\
Exit codes:
  0  success (verify: the license is valid)
  1  failure: I/O, passphrase, ledger, catalog, refusal to overwrite, or failed rows
  2  usage error
  3  malformed license, key or list
  4  bad signature or unknown key
  5  expired
  6  not yet valid
  7  revoked
  8  issued for another product, or bound to other machines
  9  clock problem (issued in the future, clock turned back)

Environment:
  LICMAN_PASSPHRASE      passphrase of the secret key (else --passphrase-file, else a prompt)
  LICMAN_NEW_PASSPHRASE  the new passphrase of `passphrase` (else --new-passphrase-file, else a prompt)
  LICMAN_LEDGER          the ledger: a file or a postgres:// URL (default ./licman-ledger.db)";

#[derive(Parser, Debug)]
#[command(name = "licman-keygen", version, about = ABOUT, after_help = EXIT_CODES)]
struct Cli {
    /// Print results and errors as JSON.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

/// Runs the command line: what the `licman-keygen` binary does.
pub fn run_cli() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(2);
            // With --json a usage error is a JSON object too (help and
            // the version are what was asked for, printed as they are).
            let asked_json = std::env::args_os().skip(1).any(|a| a == "--json");
            let is_error = code != 0;
            if asked_json && is_error {
                let message = e.render().to_string();
                // The error's own lines, before clap's usage and hint.
                let message = message
                    .trim()
                    .trim_start_matches("error: ")
                    .lines()
                    .take_while(|line| !line.trim().is_empty())
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" ");
                outln!("{}", escape::json(&CliError::usage(message).json()));
            } else {
                let _ = e.print();
            }
            return ExitCode::from(code);
        }
    };
    let out = Output::from_flag(cli.json);
    // What is generated from the clap definitions themselves.
    match &cli.command {
        Command::Completions(args) => {
            // Into memory first: clap_complete panics on a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "licman-keygen",
                &mut script,
            );
            out!("{}", String::from_utf8_lossy(&script));
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            let page = clap_mangen::Man::new(Cli::command());
            let mut roff = Vec::new();
            return match page.render(&mut roff) {
                Ok(()) => {
                    out!("{}", String::from_utf8_lossy(&roff));
                    ExitCode::SUCCESS
                }
                Err(e) => report(
                    &CliError::failure("man", format!("cannot render the manual page: {e}")),
                    out,
                ),
            };
        }
        _ => {}
    }
    match commands::run(&cli.command, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, out),
    }
}

/// Prints an error: one line on stderr, or a JSON object on stdout with `--json`.
fn report(e: &CliError, out: Output) -> ExitCode {
    if e.printed {
        // The verdict is already on stdout.
    } else if out == Output::Json {
        outln!("{}", escape::json(&e.json()));
    } else {
        // Messages can quote untrusted text (a license's product, a CSV cell).
        eprintln!(
            "error: {}",
            escape::printable(&e.message.replace('\n', " "))
        );
    }
    ExitCode::from(e.exit as u8)
}

/// Exit codes are small constants.
const _: () = assert!(Exit::Clock as u8 == 9);

/// Entry points for the fuzz targets (`fuzz/`): keygen's input parsers,
/// without files or a ledger. Not a stable interface.
#[doc(hidden)]
pub mod fuzz {
    /// Parses an import file's text (a CSV or JSON export); returns the
    /// number of rows, or the error message.
    pub fn import_rows(text: &str) -> Result<usize, String> {
        crate::commands::ledger::parse_import(text, "input")
            .map(|rows| rows.len())
            .map_err(|e| e.message)
    }

    /// Parses a batch CSV (header and rows) into license requests against
    /// the NetAudit catalog; returns how many rows made valid claims.
    pub fn batch_rows(csv_text: &str, catalog: &licman_core::Catalog) -> Result<usize, String> {
        crate::commands::issue::fuzz_batch(csv_text, catalog).map_err(|e| e.message)
    }
}
