//! Bearer tokens and their roles: the tokens file `serve --tokens` reads,
//! and `token new`, which makes a token and the entry to add for it.
//!
//! ```toml
//! [[token]]
//! name = "ops"
//! role = "admin"
//! sha256 = "…64 hex digits: SHA-256 of the bearer token…"
//!
//! [[token]]
//! name = "team-lead"
//! role = "manager"
//! sha256 = "…"
//! manages = ["ada", "bob"]
//!
//! [[token]]
//! name = "ada"
//! role = "staff"
//! sha256 = "…"
//! user = "ada"
//!
//! [[token]]
//! name = "cad-workstations"
//! role = "instance"
//! sha256 = "…"
//! pools = ["cad"]
//! ```
//!
//! The file holds only hashes: a token is shown once, by `token new`, and
//! the server keeps no copy of it. A presented token is hashed and compared
//! with every entry in constant time.

use std::collections::BTreeSet;
use std::path::Path;

use clap::Subcommand;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::cli::{Output, out};
use crate::error::Failure;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Reads pools; assigns, deallocates and reclaims for the users it
    /// manages; no pool, user or rule changes.
    Manager,
    /// Reads its own user's assignments.
    Staff,
    /// Checks out, heartbeats and releases leases of its pools.
    Instance,
}

impl Role {
    /// The role's name in the tokens file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Staff => "staff",
            Role::Instance => "instance",
        }
    }

    fn parse(text: &str) -> Result<Role, Failure> {
        match text {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "staff" => Ok(Role::Staff),
            "instance" => Ok(Role::Instance),
            _ => Err(Failure::invalid(format!(
                "role {text:?} is not one of admin, manager, staff, instance"
            ))),
        }
    }
}

/// One `[[token]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    role: Role,
    sha256: String,
    #[serde(default)]
    manages: Option<Vec<String>>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    pools: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    token: Vec<Entry>,
}

/// Who a request is: a token's name and role, and what the role reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's name (recorded as the actor).
    pub name: String,
    /// Its role.
    pub role: Role,
    /// A manager's users.
    pub manages: BTreeSet<String>,
    /// A staff token's own user.
    pub user: Option<String>,
    /// An instance's pools (ids or names, as written).
    pub pools: BTreeSet<String>,
}

/// The tokens a server accepts.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Principal)>,
}

/// A token name: letters, digits, `.`, `_` and `-`, up to 64 of them (it
/// appears in the audit trail's actor).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Tokens {
    /// Reads a tokens file.
    pub fn load(path: &Path) -> Result<Tokens, Failure> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::new(
                "io",
                format!("cannot read the tokens file {}: {e}", path.display()),
            )
        })?;
        Tokens::parse(&text).map_err(|f| {
            let message = format!("{}: {}", path.display(), f.message);
            f.with_message(message)
        })
    }

    /// Parses the TOML of a tokens file: every entry checked (a name, a
    /// 64-hex hash used once, the fields its role needs and no others).
    ///
    /// ```
    /// use licman_seats::server::tokens::{Role, Tokens};
    /// let file = format!("[[token]]\nname = \"ops\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
    ///     Tokens::hash_hex("s3cret"));
    /// let tokens = Tokens::parse(&file).unwrap();
    /// assert_eq!(tokens.authenticate("s3cret").map(|p| p.role), Some(Role::Admin));
    /// assert!(tokens.authenticate("guess").is_none());
    /// ```
    pub fn parse(text: &str) -> Result<Tokens, Failure> {
        let file: File = toml::from_str(text).map_err(|e| {
            Failure::invalid(format!(
                "the tokens file does not parse: {}",
                toml_error(text, &e)
            ))
        })?;
        let mut entries: Vec<([u8; 32], Principal)> = Vec::new();
        for (n, e) in file.token.into_iter().enumerate() {
            let at = format!("token {} ({:?})", n + 1, e.name);
            if !valid_name(&e.name) {
                return Err(Failure::invalid(format!(
                    "{at}: a name is 1 to 64 letters, digits, '.', '_' or '-'"
                )));
            }
            let hash = crate::hex::decode32(&e.sha256)
                .ok_or_else(|| Failure::invalid(format!("{at}: sha256 is not 64 hex digits")))?;
            if entries.iter().any(|(h, p)| *h == hash || p.name == e.name) {
                return Err(Failure::invalid(format!(
                    "{at}: its name or hash is used by another entry"
                )));
            }
            let misplaced = |field: &str, holder: &str| {
                Failure::invalid(format!("{at}: `{field}` belongs to {holder} tokens"))
            };
            match e.role {
                Role::Manager if e.manages.is_none() => {
                    return Err(Failure::invalid(format!(
                        "{at}: a manager needs `manages = [user ids]`"
                    )));
                }
                Role::Staff if e.user.is_none() => {
                    return Err(Failure::invalid(format!(
                        "{at}: a staff token needs `user = \"id\"`"
                    )));
                }
                Role::Instance if e.pools.is_none() => {
                    return Err(Failure::invalid(format!(
                        "{at}: an instance needs `pools = [pool ids or names]`"
                    )));
                }
                _ => {}
            }
            if e.manages.is_some() && e.role != Role::Manager {
                return Err(misplaced("manages", "manager"));
            }
            if e.user.is_some() && e.role != Role::Staff {
                return Err(misplaced("user", "staff"));
            }
            if e.pools.is_some() && e.role != Role::Instance {
                return Err(misplaced("pools", "instance"));
            }
            entries.push((
                hash,
                Principal {
                    name: e.name,
                    role: e.role,
                    manages: e.manages.unwrap_or_default().into_iter().collect(),
                    user: e.user,
                    pools: e.pools.unwrap_or_default().into_iter().collect(),
                },
            ));
        }
        Ok(Tokens { entries })
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The principal of a presented token, if it is one of these. Every
    /// entry is compared, each in constant time.
    pub fn authenticate(&self, token: &str) -> Option<&Principal> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (h, principal) in &self.entries {
            let diff = h.iter().zip(&hash).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 {
                found = Some(principal);
            }
        }
        found
    }

    /// The hex SHA-256 of a token, as the file stores it.
    pub fn hash_hex(token: &str) -> String {
        crate::hex::encode(&Sha256::digest(token.as_bytes()))
    }
}

/// `token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Makes a fresh bearer token and prints it with the `[[token]]` entry
    /// for the tokens file (which keeps only its hash).
    #[command(after_help = "Examples:
  licman-seats token new --name ops --role admin
  licman-seats token new --name lead --role manager --manages ada --manages bob
  licman-seats token new --name ada --role staff --user ada
  licman-seats token new --name cad-hosts --role instance --pool cad")]
    New {
        /// The token's name (recorded as the actor of what it does).
        #[arg(long)]
        name: String,
        /// admin, manager, staff or instance.
        #[arg(long)]
        role: String,
        /// A user a manager manages (repeat for more).
        #[arg(long, value_name = "USER")]
        manages: Vec<String>,
        /// A staff token's own user.
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// A pool an instance may lease from (repeat for more).
        #[arg(long = "pool", value_name = "POOL")]
        pools: Vec<String>,
    },
}

/// A TOML error as `line N: what`, without the source line the parser's
/// own message quotes (it may hold a secret).
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text
                .get(..span.start)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

fn toml_string(text: &str) -> String {
    // A TOML basic string is a JSON string without the \/ escape.
    serde_json::Value::from(text).to_string()
}

fn toml_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Runs `token new`.
pub fn command(cmd: &TokenCmd) -> Result<Output, Failure> {
    let TokenCmd::New {
        name,
        role,
        manages,
        user,
        pools,
    } = cmd;
    let role = Role::parse(role)?;
    let mut entry = format!(
        "[[token]]\nname = {}\nrole = {}\n",
        toml_string(name),
        toml_string(role.name())
    );
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| Failure::new("io", format!("no randomness for a token: {e}")))?;
    let token = format!("lmst1_{}", crate::hex::encode(&secret));
    entry.push_str(&format!(
        "sha256 = {}\n",
        toml_string(&Tokens::hash_hex(&token))
    ));
    match role {
        Role::Manager => entry.push_str(&format!("manages = {}\n", toml_list(manages))),
        Role::Staff => {
            let user = user.as_deref().unwrap_or("");
            entry.push_str(&format!("user = {}\n", toml_string(user)));
        }
        Role::Instance => entry.push_str(&format!("pools = {}\n", toml_list(pools))),
        Role::Admin => {}
    }
    // The entry must read back as what was asked for.
    Tokens::parse(&entry)?;
    let text = format!("# token: {token}\n# (shown once; the file keeps only its hash)\n{entry}");
    Ok(out(
        json!({"name": name, "role": role.name(), "token": token, "entry": entry}),
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(extra: &str) -> String {
        format!(
            "[[token]]\nname = \"t\"\nsha256 = \"{}\"\n{extra}",
            Tokens::hash_hex("x")
        )
    }

    #[test]
    fn each_role_needs_its_scope_and_no_other() {
        assert!(Tokens::parse(&entry("role = \"admin\"\n")).is_ok());
        assert!(Tokens::parse(&entry("role = \"manager\"\n")).is_err());
        assert!(Tokens::parse(&entry("role = \"manager\"\nmanages = [\"ada\"]\n")).is_ok());
        assert!(Tokens::parse(&entry("role = \"staff\"\n")).is_err());
        assert!(Tokens::parse(&entry("role = \"staff\"\nuser = \"ada\"\n")).is_ok());
        assert!(Tokens::parse(&entry("role = \"instance\"\npools = []\n")).is_ok());
        assert!(Tokens::parse(&entry("role = \"admin\"\npools = [\"a\"]\n")).is_err());
        assert!(Tokens::parse(&entry("role = \"root\"\n")).is_err());
        assert!(Tokens::parse(&entry("role = \"admin\"\nextra = 1\n")).is_err());
    }

    #[test]
    fn a_hash_or_name_used_twice_and_a_bad_hash_are_refused() {
        let one = entry("role = \"admin\"\n");
        assert!(Tokens::parse(&format!("{one}{one}")).is_err());
        let short = "[[token]]\nname = \"t\"\nrole = \"admin\"\nsha256 = \"abcd\"\n";
        assert!(Tokens::parse(short).is_err());
        let bad_name = "[[token]]\nname = \"a b\"\nrole = \"admin\"\nsha256 = \"".to_string()
            + &Tokens::hash_hex("x")
            + "\"\n";
        assert!(Tokens::parse(&bad_name).is_err());
    }

    #[test]
    fn token_new_prints_an_entry_that_authenticates_its_token() {
        let output = command(&TokenCmd::New {
            name: "lead".into(),
            role: "manager".into(),
            manages: vec!["ada".into(), "b\"ob".into()],
            user: None,
            pools: vec![],
        })
        .unwrap();
        let token = output.json["token"].as_str().unwrap();
        let tokens = Tokens::parse(output.json["entry"].as_str().unwrap()).unwrap();
        let p = tokens.authenticate(token).unwrap();
        assert_eq!(p.role, Role::Manager);
        assert!(p.manages.contains("b\"ob"));
        assert!(tokens.authenticate(&format!("{token}x")).is_none());
    }
}
