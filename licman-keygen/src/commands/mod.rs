//! The subcommands, one module each: its clap arguments (`Args`) and its
//! `run`, which does the work and hands a report to the module's
//! rendering. This module holds the top-level enum and the dispatch.

use clap::Subcommand;

use crate::error::Result;

mod activate;
mod catalog;
mod describe;
mod doctor;
mod inspect;
pub mod issue;
mod keypair;
mod keys;
pub mod ledger;
mod renew;
mod revoke;
mod shared;
mod verify;

/// How results are printed: for people, or as JSON (`--json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
}

impl Output {
    /// `--json` or not.
    pub fn from_flag(json: bool) -> Output {
        if json { Output::Json } else { Output::Text }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a signing key pair: NAME.secret (encrypted, mode 0600) and NAME.pub.
    #[command(after_help = "\
Examples:
  licman-keygen keypair --out-dir keys --name netaudit-2026
  LICMAN_PASSPHRASE=… licman-keygen keypair --out-dir keys --name netaudit-2026
  licman-keygen keypair --out-dir ci-keys --name test --unencrypted    # CI only: the key is stored in the clear")]
    Keypair(keypair::Args),

    /// Validate a product catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),

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
    Issue(Box<issue::Args>),

    /// Decode a license without trusting it (no signature check).
    #[command(after_help = "\
Examples:
  licman-keygen inspect acme.lic
  licman-keygen inspect --catalog netaudit.toml --json - < acme.lic")]
    Inspect(inspect::Args),

    /// Verify a license: signature, key id, product, dates, revocation, machine.
    #[command(after_help = "\
--product or --catalog is required: the product to expect never comes from the license itself.

Examples:
  licman-keygen verify --public-key keys/netaudit-2026.pub --catalog netaudit.toml acme.lic
  licman-keygen verify --public-key keys/netaudit-2026.pub --product netaudit acme.lic
  licman-keygen verify --public-key keys/old.pub --public-key keys/new.pub --catalog netaudit.toml \\
      --at 2027-06-01 --revocations revoked.lrl --json acme.lic")]
    Verify(verify::Args),

    /// Revoke licenses: write a signed revocation list with every license revoked so far.
    #[command(after_help = "\
Examples:
  licman-keygen revoke --secret-key keys/k.secret --license-id 0f8fad5b-d9cb-469f-a165-70867728950e \\
      --reason \"chargeback\" --out revoked.lrl")]
    Revoke(revoke::Args),

    /// Query, export, import and audit the ledger.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),

    /// Renew a license from the ledger: a new license, same customer and binding, a later expiry.
    #[command(after_help = "\
Examples:
  licman-keygen renew 0f8fad5b-d9cb-469f-a165-70867728950e --secret-key keys/k.secret --catalog netaudit.toml --for 1y
  licman-keygen renew 0f8fad5b-d9cb-469f-a165-70867728950e --secret-key keys/new.secret --public-key keys/old.pub \\
      --catalog netaudit.toml --until 2028-06-30 --revoke-old --out acme-2028.lic")]
    Renew(Box<renew::RenewArgs>),

    /// Reissue a license from the ledger with another tier, modules or quotas (same dates, customer, binding).
    #[command(after_help = "\
Examples:
  licman-keygen reissue 0f8fad5b-d9cb-469f-a165-70867728950e --secret-key keys/k.secret --catalog netaudit.toml \\
      --tier enterprise --revoke-old
  licman-keygen reissue 0f8fad5b-d9cb-469f-a165-70867728950e --secret-key keys/k.secret --catalog netaudit.toml \\
      --add-module scheduled_audits --quota devices=50")]
    Reissue(Box<renew::ReissueArgs>),

    /// Answer an activation request: a license bound to the requesting machine, recorded with the request.
    #[command(after_help = "\
The request comes from the product on the customer's machine (`licman.activation_request(...)` and the
like in every binding), as a file, on standard input (-), or as its lmreq1_… text. The license is made from
the ledger's record of the license the request names (or --license-id), or from a catalog tier (--tier);
it is bound to the request's machine fingerprint and names the request (metadata licman.activation).
Each request is answered once: activating it again prints the same license.

Examples:
  licman-keygen activate request.txt --secret-key keys/k.secret --catalog netaudit.toml --out acme-plant-7.lic
  licman-keygen activate lmreq1_AQhuZXRh… --secret-key keys/k.secret --catalog netaudit.toml \\
      --license-id 0f8fad5b-d9cb-469f-a165-70867728950e --format armored
  licman-keygen activate - --secret-key keys/k.secret --catalog netaudit.toml --tier starter \\
      --customer acme-corp --valid-for 1y < request.txt")]
    Activate(Box<activate::Args>),

    /// Write an activation request for this machine (or another machine id), as the product does.
    #[command(after_help = "\
Examples:
  licman-keygen request --product netaudit --customer acme-corp --out request.txt
  licman-keygen request --product netaudit --license-id 0f8fad5b-d9cb-469f-a165-70867728950e --armored
  licman-keygen request --product netaudit --machine-id 5f3c6a0e9a6b4d0e8a5b1c2d3e4f5a6b")]
    Request(activate::RequestArgs),

    /// Check the operator's setup: key file modes, the ledger, unfinished work, expiries, revocation lists.
    #[command(after_help = "\
Exits 1 when it finds a problem (a readable secret key or ledger, a damaged key file); warnings alone exit 0.

Examples:
  licman-keygen doctor
  licman-keygen doctor --keys keys --ledger licman-ledger.db --max-list-age 7d --json")]
    Doctor(doctor::Args),

    /// Print the public key of a secret key file (or write it with --out).
    #[command(after_help = "\
Examples:
  licman-keygen pubkey keys/netaudit-2026.secret
  licman-keygen pubkey keys/netaudit-2026.secret --out keys/netaudit-2026.pub --force")]
    Pubkey(keys::PubkeyArgs),

    /// Change a secret key file's passphrase (the key stays the same; the file is replaced atomically).
    #[command(after_help = "\
Examples:
  licman-keygen passphrase keys/netaudit-2026.secret
  LICMAN_PASSPHRASE=old LICMAN_NEW_PASSPHRASE=new licman-keygen passphrase keys/netaudit-2026.secret")]
    Passphrase(keys::PassphraseArgs),

    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  licman-keygen completions bash > /etc/bash_completion.d/licman-keygen
  licman-keygen completions zsh > \"${fpath[1]}/_licman-keygen\"")]
    Completions(CompletionsArgs),

    /// Print the manual page (roff).
    #[command(after_help = "\
Examples:
  licman-keygen man > licman-keygen.1 && man ./licman-keygen.1")]
    Man,
}

/// `completions SHELL`.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs a subcommand.
pub fn run(command: &Command, out: Output) -> Result<()> {
    match command {
        Command::Keypair(args) => keypair::run(args, out),
        Command::Catalog(command) => catalog::run(command, out),
        Command::Issue(args) => issue::run(args, out),
        Command::Inspect(args) => inspect::run(args, out),
        Command::Verify(args) => verify::run(args, out),
        Command::Revoke(args) => revoke::run(args, out),
        Command::Ledger(command) => ledger::run(command, out),
        Command::Renew(args) => renew::renew(args, out),
        Command::Reissue(args) => renew::reissue(args, out),
        Command::Activate(args) => activate::run(args, out),
        Command::Request(args) => activate::request(args, out),
        Command::Doctor(args) => doctor::run(args, out),
        Command::Pubkey(args) => keys::pubkey(args, out),
        Command::Passphrase(args) => keys::passphrase(args, out),
        // Generated from the clap definitions, in lib.rs.
        Command::Completions(_) | Command::Man => Ok(()),
    }
}
