//! `site-key new`, `pool secret`, `rekey`, and setting a pool's secret
//! (`pool create|update --secret-file`).

use std::path::Path;

use clap::Subcommand;
use licman_core::seats::{Command, PoolId};
use serde_json::json;
use zeroize::Zeroizing;

use super::{Ctx, Output, find_pool, out};
use crate::error::Failure;
use crate::secrets::{SecretWrite, SiteKey};
use crate::store::{Decided, Store};

/// `site-key …`.
#[derive(Debug, Subcommand)]
pub enum SiteKeyCmd {
    /// Creates a site key file (mode 0600; an existing file is not
    /// replaced). Keep it out of the database's backups.
    New {
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

pub(crate) fn site_key(cmd: &SiteKeyCmd) -> Result<Output, Failure> {
    match cmd {
        SiteKeyCmd::New { out: path } => {
            let key = SiteKey::generate()?;
            key.write_new(path)?;
            Ok(out(
                json!({"path": path.display().to_string(), "key_id": key.id()}),
                format!("wrote site key {} to {}", key.id(), path.display()),
            ))
        }
    }
}

/// The site key `--site-key` or `LICMAN_SEATS_KEY` names.
pub(crate) fn required_key(cx: &Ctx<'_>, why: &str) -> Result<SiteKey, Failure> {
    let path = cx.site_key.ok_or_else(|| {
        Failure::new(
            "site_key",
            format!("{why} needs the site key: --site-key FILE or LICMAN_SEATS_KEY=FILE"),
        )
    })?;
    SiteKey::read(path)
}

/// A secret file's text: UTF-8, one trailing newline dropped.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::new("io", format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > crate::secrets::MAX_SECRET_LEN as u64 + 2 {
        return Err(Failure::invalid(format!(
            "{} is larger than a pool secret may be ({} bytes)",
            path.display(),
            crate::secrets::MAX_SECRET_LEN
        )));
    }
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Failure::new("io", format!("cannot read {} as text: {e}", path.display()))
        })?);
    let trimmed = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Ok(Zeroizing::new(trimmed.to_string()))
}

/// Runs `command` (a pool create or update) and stores the pool's new
/// secret in the same transaction, recording `pool.secret_set`.
pub(crate) fn run_with_secret(
    store: &mut Store,
    command: &Command,
    pool: &PoolId,
    secret_file: &Path,
    cx: &Ctx<'_>,
) -> Result<(), Failure> {
    let key = required_key(cx, "a pool secret")?;
    let secret = read_secret_file(secret_file)?;
    let sealed = key.seal(pool, &secret)?;
    store.transact(cx.actor, cx.at, false, &mut |engine, ecx, _| {
        let mut events = engine.run(command, ecx)?.events;
        events.push(engine.record(
            "pool.secret_set",
            Some(pool.clone()),
            &format!("sealed with site key {}", key.id()),
            ecx,
        )?);
        Ok(Decided {
            value: (),
            events,
            secrets: vec![SecretWrite::Put {
                pool: pool.clone(),
                sealed: sealed.clone(),
            }],
        })
    })
}

/// `pool secret POOL`: opens the secret and records the read
/// (`pool.secret_read`) in the same transaction; a read that cannot open
/// it (no secret, the wrong key) records nothing and shows nothing.
pub(crate) fn show(store: &mut Store, pool: &str, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let key = required_key(cx, "showing a pool secret")?;
    let pool = find_pool(store.state(), pool)?.id.clone();
    let secret = store.transact(cx.actor, None, true, &mut |engine, ecx, secrets| {
        let sealed = secrets
            .iter()
            .find(|(p, _)| *p == pool)
            .map(|(_, s)| s)
            .ok_or_else(|| Failure::new("no_secret", format!("pool {pool} has no secret")))?;
        let secret = key.open(&pool, sealed)?;
        let event = engine.record("pool.secret_read", Some(pool.clone()), "", ecx)?;
        Ok(Decided {
            value: secret,
            events: vec![event],
            secrets: Vec::new(),
        })
    })?;
    Ok(out(
        json!({"pool_id": pool.as_str(), "secret": secret.as_str()}),
        secret.as_str(),
    ))
}

/// `rekey --new-key FILE`: every secret opened with the current key and
/// sealed with the new one, in one transaction (`site_key.rotated`).
pub(crate) fn rekey(store: &mut Store, new_key: &Path, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let old = required_key(cx, "rekey")?;
    let new = SiteKey::read(new_key)?;
    if old.id() == new.id() {
        return Err(Failure::invalid("the new site key is the current one"));
    }
    let n = store.transact(cx.actor, None, true, &mut |engine, ecx, secrets| {
        let mut writes = Vec::with_capacity(secrets.len());
        for (pool, sealed) in secrets {
            let plain = old.open(pool, sealed)?;
            writes.push(SecretWrite::Put {
                pool: pool.clone(),
                sealed: new.seal(pool, &plain)?,
            });
        }
        let event = engine.record(
            "site_key.rotated",
            None,
            &format!(
                "from site key {} to {}: {} secrets sealed again",
                old.id(),
                new.id(),
                writes.len()
            ),
            ecx,
        )?;
        Ok(Decided {
            value: writes.len(),
            events: vec![event],
            secrets: writes,
        })
    })?;
    Ok(out(
        json!({"secrets": n, "from_key_id": old.id(), "to_key_id": new.id()}),
        format!(
            "{n} secrets sealed with site key {} (was {}); use the new key from now on",
            new.id(),
            old.id()
        ),
    ))
}
