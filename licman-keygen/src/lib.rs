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

mod commands;
mod dates;
mod error;
mod escape;
mod issue;
mod keyfile;
mod ledger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
  LICMAN_PASSPHRASE  passphrase of the secret key (else --passphrase-file, else a prompt)
  LICMAN_LEDGER      ledger file (default ./licman-ledger.db)";

#[derive(Parser, Debug)]
#[command(name = "licman-keygen", version, about = ABOUT, after_help = EXIT_CODES)]
struct Cli {
    /// Print results and errors as JSON.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a signing key pair: NAME.secret (encrypted, mode 0600) and NAME.pub.
    #[command(after_help = "\
Examples:
  licman-keygen keypair --out-dir keys --name netaudit-2026
  LICMAN_PASSPHRASE=… licman-keygen keypair --out-dir keys --name netaudit-2026
  licman-keygen keypair --out-dir ci-keys --name test --unencrypted    # CI only: the key is stored in the clear")]
    Keypair(KeypairArgs),

    /// Validate a product catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),

    /// Issue a license from a catalog tier plus overrides, or a batch from CSV.
    #[command(after_help = "\
Examples:
  licman-keygen issue --secret-key keys/netaudit-2026.secret --catalog netaudit.toml \\
      --tier professional --customer acme-corp --email it@acme.example --valid-for 1y --grace 14d
  licman-keygen issue --secret-key keys/k.secret --catalog netaudit.toml --tier starter --customer c-7 \\
      --expires 2027-06-30 --add-module scheduled_audits --quota devices=25 --format armored --out c-7.lic
  licman-keygen issue --batch customers.csv --secret-key keys/k.secret --catalog netaudit.toml \\
      --valid-for 1y --out results.csv
  licman-keygen issue --batch customers.csv --resume --secret-key keys/k.secret --catalog netaudit.toml \\
      --valid-for 1y --out results-2.csv    # after an interrupted run: skip the rows already issued

Batch CSV columns (header row required; only customer_id is required, and tier unless --tier is given):
  customer_id, customer_name, email, tier, starts, expires, valid_for, perpetual (true/false), grace,
  add_modules, remove_modules, quotas (name=N;name=unlimited), bind (fingerprints; separated),
  bind_policy (any, all or a number), meta (key=value;key=value)
  Empty cells use the command-line options. Results CSV (mode 0600): row, customer_id, status, license_id, key, error.
  The ledger remembers which rows of which file (its path, and each row's content) were issued: running the
  same file again is refused while any of its rows has a license, unless --resume skips those rows.")]
    Issue(Box<issue::IssueArgs>),

    /// Decode a license without trusting it (no signature check).
    #[command(after_help = "\
Examples:
  licman-keygen inspect acme.lic
  licman-keygen inspect --catalog netaudit.toml --json - < acme.lic")]
    Inspect(commands::InspectArgs),

    /// Verify a license: signature, key id, product, dates, revocation, machine.
    #[command(after_help = "\
--product or --catalog is required: the product to expect never comes from the license itself.

Examples:
  licman-keygen verify --public-key keys/netaudit-2026.pub --catalog netaudit.toml acme.lic
  licman-keygen verify --public-key keys/netaudit-2026.pub --product netaudit acme.lic
  licman-keygen verify --public-key keys/old.pub --public-key keys/new.pub --catalog netaudit.toml \\
      --at 2027-06-01 --revocations revoked.lrl --json acme.lic")]
    Verify(commands::VerifyArgs),

    /// Revoke licenses: write a signed revocation list with every license revoked so far.
    #[command(after_help = "\
Examples:
  licman-keygen revoke --secret-key keys/k.secret --license-id 0f8fad5b-d9cb-469f-a165-70867728950e \\
      --reason \"chargeback\" --out revoked.lrl")]
    Revoke(commands::RevokeArgs),

    /// Query, export, import and audit the ledger.
    #[command(subcommand)]
    Ledger(commands::LedgerCommand),
}

#[derive(Args, Debug)]
struct KeypairArgs {
    /// Directory for NAME.secret and NAME.pub (created if missing).
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
    /// Base name of the key files.
    #[arg(long)]
    name: String,
    /// Store the secret key without encryption (for CI); you are warned.
    #[arg(long)]
    unencrypted: bool,
    /// Replace existing key files.
    #[arg(long)]
    force: bool,
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Argon2id memory cost, in MiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    kdf_memory_mib: u32,
    /// Argon2id iterations.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=16))]
    kdf_iterations: u32,
    /// Record the new key in this ledger's audit log (if the ledger exists or is named).
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum CatalogCommand {
    /// Check a catalog file: syntax, ids, names, tiers, inheritance, routes.
    #[command(
        after_help = "Examples:\n  licman-keygen catalog check examples/catalogs/netaudit.toml\n  licman-keygen catalog check netaudit.toml --json"
    )]
    Check {
        /// The catalog (TOML).
        #[arg(value_name = "CATALOG.toml")]
        catalog: PathBuf,
    },
}

/// Output format of an issued license.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The compact key (`lm1_…`).
    Compact,
    /// The armored multi-line file.
    Armored,
    /// JSON: the claims and the key.
    Json,
}

fn run(cli: Cli) -> error::Result<()> {
    let json = cli.json;
    match cli.command {
        Command::Keypair(args) => commands::keypair(
            &args.out_dir,
            &args.name,
            args.unencrypted,
            args.force,
            &keyfile::PassphraseSource {
                file: args.passphrase_file,
            },
            keyfile::KdfParams {
                memory_kib: args.kdf_memory_mib * 1024,
                iterations: args.kdf_iterations,
                parallelism: 1,
            },
            args.ledger.as_deref(),
            json,
        ),
        Command::Catalog(CatalogCommand::Check { catalog }) => {
            commands::catalog_check(&catalog, json)
        }
        Command::Issue(args) => issue::run(&args, json),
        Command::Inspect(args) => commands::inspect(&args, json),
        Command::Verify(args) => commands::verify(&args, json),
        Command::Revoke(args) => commands::revoke(&args, json),
        Command::Ledger(command) => commands::ledger(command, json),
    }
}

/// Runs the command line: what the `licman-keygen` binary does.
pub fn run_cli() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, json),
    }
}

/// Prints an error: one line on stderr, or a JSON object on stdout with `--json`.
fn report(e: &CliError, json: bool) -> ExitCode {
    if e.printed {
        // The verdict is already on stdout.
    } else if json {
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
        crate::commands::parse_import(text, "input")
            .map(|rows| rows.len())
            .map_err(|e| e.message)
    }

    /// Parses a batch CSV (header and rows) into license requests against
    /// the NetAudit catalog; returns how many rows made valid claims.
    pub fn batch_rows(csv_text: &str, catalog: &licman_core::Catalog) -> Result<usize, String> {
        crate::issue::fuzz_batch(csv_text, catalog).map_err(|e| e.message)
    }
}
