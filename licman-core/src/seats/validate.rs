//! The rules an object's own fields must keep (lengths, ranges, formats),
//! applied when a command creates or changes it and to every object read
//! back from a store.

use alloc::string::String;
use alloc::vec::Vec;

use crate::seats::change::Change;
use crate::seats::model::{EntitlementLink, LeaseOptions, Pool, ReclamationRule, Trigger, User};
use crate::seats::money::Money;
use crate::seats::refusal::Refusal;

/// The largest pool.
pub const MAX_CAPACITY: u32 = 10_000_000;
/// The largest seat cost, in minor units.
pub const MAX_SEAT_COST_MINOR: u128 = 1_000_000_000_000_000;
/// The longest text field (notes), in bytes.
pub const MAX_TEXT_LEN: usize = 4096;
/// The longest name (pool, vendor, product, tag, entitlement, lifecycle state), in bytes.
pub const MAX_NAME_LEN: usize = 200;
/// The longest actor an event records, in bytes (a server's actor names
/// the token, the address and the user agent).
pub const MAX_ACTOR_LEN: usize = 1024;

/// Who acts: not empty, at most [`MAX_ACTOR_LEN`] bytes, no control
/// characters (it is sealed into the trail and shown in it).
pub(crate) fn check_actor(actor: &str) -> Result<(), Refusal> {
    if actor.trim().is_empty() {
        return Err(Refusal::invalid("actor", "may not be empty"));
    }
    if actor.len() > MAX_ACTOR_LEN {
        return Err(Refusal::invalid(
            "actor",
            alloc::format!("may be at most {MAX_ACTOR_LEN} bytes"),
        ));
    }
    if actor.chars().any(char::is_control) {
        return Err(Refusal::invalid("actor", "may not hold control characters"));
    }
    Ok(())
}
/// The most tags of a pool.
pub const MAX_TAGS: usize = 32;
/// The longest warning, inactivity threshold or notice period, in days.
pub const MAX_DAYS: u32 = 3650;
/// The longest linger, in seconds (one day).
pub const MAX_LINGER_SECONDS: u32 = 86_400;
/// The longest heartbeat TTL, in seconds (30 days).
pub const MAX_TTL_SECONDS: u32 = 30 * 86_400;

pub(crate) fn check_name(field: &'static str, text: &str, required: bool) -> Result<(), Refusal> {
    if required && text.trim().is_empty() {
        return Err(Refusal::invalid(field, "may not be empty"));
    }
    if text.len() > MAX_NAME_LEN {
        return Err(Refusal::invalid(
            field,
            alloc::format!("may be at most {MAX_NAME_LEN} bytes"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::invalid(field, "may not hold control characters"));
    }
    Ok(())
}

/// A name people read and match by (a pool's name, vendor, product,
/// plan and tags, a lifecycle state, an entitlement), checked when a
/// command sets it: no space at either end ("Figma " beside "Figma") and
/// no invisible character ([`is_invisible_at`]), either of which could
/// make one name pass for another. Not checked on replay: a trail written
/// before the check still replays ([`normalize_label`] is what an import
/// of such names makes of them).
pub(crate) fn check_label(field: &'static str, text: &str) -> Result<(), Refusal> {
    if text.trim() != text {
        return Err(Refusal::invalid(field, "may not begin or end with a space"));
    }
    let chars: Vec<char> = text.chars().collect();
    if let Some(c) = (0..chars.len())
        .find(|&i| is_invisible_at(&chars, i))
        .map(|i| chars[i])
    {
        return Err(Refusal::invalid(
            field,
            alloc::format!(
                "may not hold the invisible character U+{:04X} (formatting characters, \
                 bidirectional controls, zero-width characters, fillers)",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// `text` as a command takes a label (a pool's name, vendor, product,
/// plan or tag, a lifecycle state, an entitlement: no space at either end,
/// no character that shows nothing; docs/SEATS.md, The model): every such
/// character left out, then the spaces at either end. A name recorded
/// before labels were checked ("Figma ") comes through an import this way.
///
/// ```
/// use licman_core::seats::normalize_label;
/// assert_eq!(normalize_label(" Fig\u{200B}ma\u{202E} "), "Figma");
/// assert_eq!(normalize_label("Figma"), "Figma");
/// // A joiner between two letters of a script that needs it stays.
/// assert_eq!(normalize_label("\u{645}\u{200C}\u{627}"), "\u{645}\u{200C}\u{627}");
/// ```
pub fn normalize_label(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let kept: String = (0..chars.len())
        .filter(|&i| !is_invisible_at(&chars, i))
        .map(|i| chars[i])
        .collect();
    kept.trim().into()
}

/// Whether `chars[i]` is a character that shows nothing: a format
/// character (Unicode category Cf: bidirectional controls and isolates,
/// zero-width spaces, word joiners, tag characters, the byte-order mark…),
/// a filler (Hangul fillers, the combining grapheme joiner, Mongolian and
/// Khmer invisible marks), or a variation selector. Two exceptions keep
/// the scripts that need them: a zero-width joiner or non-joiner between
/// two non-ASCII characters (Persian, Indic scripts, emoji sequences), and
/// a variation selector after a non-ASCII character (emoji presentation).
fn is_invisible_at(chars: &[char], i: usize) -> bool {
    let wide = |j: Option<usize>| {
        j.and_then(|j| chars.get(j))
            .is_some_and(|c| !c.is_ascii() && !c.is_whitespace())
    };
    match chars[i] {
        '\u{200C}' | '\u{200D}' => !(wide(i.checked_sub(1)) && wide(Some(i + 1))),
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => !wide(i.checked_sub(1)),
        c => matches!(
            c,
            // Cf, Unicode 15.1
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
                // Fillers and invisible marks
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{3164}'
                | '\u{FFA0}'
        ),
    }
}

/// [`check_label`] of a new pool's names and tags.
pub(crate) fn check_pool_labels(pool: &Pool) -> Result<(), Refusal> {
    check_label("name", &pool.name)?;
    check_label("vendor", &pool.vendor)?;
    check_label("product", &pool.product)?;
    check_label("plan", &pool.plan)?;
    pool.tags.iter().try_for_each(|t| check_label("tags", t))
}

pub(crate) fn check_text(field: &'static str, text: &str) -> Result<(), Refusal> {
    if text.len() > MAX_TEXT_LEN {
        return Err(Refusal::invalid(
            field,
            alloc::format!("may be at most {MAX_TEXT_LEN} bytes"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Refusal::invalid(
            field,
            "may not hold control characters other than newlines and tabs",
        ));
    }
    Ok(())
}

pub(crate) fn check_days(field: &'static str, days: u32) -> Result<(), Refusal> {
    if days > MAX_DAYS {
        return Err(Refusal::invalid(
            field,
            alloc::format!("may be at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

/// Every rule a pool's own settings must keep: applied when a pool is
/// created or changed, and to every pool read back from a store.
pub(crate) fn check_pool(pool: &Pool) -> Result<(), Refusal> {
    check_name("name", &pool.name, true)?;
    check_name("vendor", &pool.vendor, false)?;
    check_name("product", &pool.product, false)?;
    check_name("plan", &pool.plan, false)?;
    check_tags(&pool.tags)?;
    check_capacity(pool.capacity)?;
    check_cost(&pool.seat_cost)?;
    check_days("warning_days", pool.warning_days)?;
    check_text("notes", &pool.notes)?;
    check_lease_options(&pool.lease)?;
    if let (Some(start), Some(end)) = (pool.starts_at, pool.expires_at) {
        if end <= start {
            return Err(Refusal::invalid("expires_at", "must be after starts_at"));
        }
    }
    Ok(())
}

pub(crate) fn check_capacity(capacity: u32) -> Result<(), Refusal> {
    if capacity == 0 || capacity > MAX_CAPACITY {
        return Err(Refusal::invalid(
            "capacity",
            alloc::format!("must be 1 to {MAX_CAPACITY}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_cost(cost: &Money) -> Result<(), Refusal> {
    if cost.minor_units() > MAX_SEAT_COST_MINOR {
        return Err(Refusal::invalid(
            "seat_cost",
            "is larger than the engine keeps",
        ));
    }
    Ok(())
}

pub(crate) fn check_lease_options(o: &LeaseOptions) -> Result<(), Refusal> {
    if o.ttl_seconds < LeaseOptions::MIN_TTL_SECONDS || o.ttl_seconds > MAX_TTL_SECONDS {
        return Err(Refusal::invalid(
            "lease.ttl_seconds",
            alloc::format!(
                "must be {} to {MAX_TTL_SECONDS}",
                LeaseOptions::MIN_TTL_SECONDS
            ),
        ));
    }
    if o.linger_seconds > MAX_LINGER_SECONDS {
        return Err(Refusal::invalid(
            "lease.linger_seconds",
            alloc::format!("may be at most {MAX_LINGER_SECONDS}"),
        ));
    }
    if o.max_borrow_days > LeaseOptions::MAX_BORROW_DAYS {
        return Err(Refusal::invalid(
            "lease.max_borrow_days",
            alloc::format!("may be at most {}", LeaseOptions::MAX_BORROW_DAYS),
        ));
    }
    Ok(())
}

pub(crate) fn check_tags(tags: &[String]) -> Result<(), Refusal> {
    if tags.len() > MAX_TAGS {
        return Err(Refusal::invalid(
            "tags",
            alloc::format!("at most {MAX_TAGS}"),
        ));
    }
    for tag in tags {
        check_name("tags", tag, true)?;
    }
    Ok(())
}

pub(crate) fn check_trigger(trigger: &Trigger) -> Result<(), Refusal> {
    match trigger {
        Trigger::Inactivity { days } if *days == 0 || *days > MAX_DAYS => Err(Refusal::invalid(
            "trigger.days",
            alloc::format!("must be 1 to {MAX_DAYS}"),
        )),
        Trigger::Inactivity { .. } => Ok(()),
        Trigger::Lifecycle { state } => check_name("trigger.state", state, true),
    }
}

pub(crate) fn check_email(email: &str) -> Result<(), Refusal> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_control() || c.is_whitespace())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(Refusal::invalid(
            "email",
            "must be an address like ada@example.com",
        ))
    }
}

pub(crate) fn check_reason(reason: &str) -> Result<(), Refusal> {
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    check_text("reason", reason)
}

/// A user's own fields.
pub(crate) fn check_user(user: &User) -> Result<(), Refusal> {
    check_email(&user.email)?;
    check_name("lifecycle", &user.lifecycle, false)
}

/// A reclamation rule's own fields.
pub(crate) fn check_rule(rule: &ReclamationRule) -> Result<(), Refusal> {
    check_trigger(&rule.trigger)?;
    check_days("notify_days", rule.notify_days)
}

/// A new or changed rule's notice period: shorter than its inactivity
/// threshold, since the notice goes out that many days before the seat is
/// due, counted from the user's last sign of life (a longer one would warn
/// users who are active). A lifecycle rule's is not limited. Checked when a
/// command creates or changes a rule, not on replay: a trail written
/// before the check still replays.
pub(crate) fn check_notice_period(rule: &ReclamationRule) -> Result<(), Refusal> {
    match rule.trigger {
        Trigger::Inactivity { days } if rule.notify_days >= days => Err(Refusal::invalid(
            "notify_days",
            alloc::format!(
                "must be less than the inactivity threshold ({days} days): the notice goes out \
                 that many days before the seat is reclaimed"
            ),
        )),
        _ => Ok(()),
    }
}

/// An entitlement link's own fields.
pub(crate) fn check_link(link: &EntitlementLink) -> Result<(), Refusal> {
    check_name("entitlement", &link.entitlement, true)
}

/// A host record's action (a dotted lower-case name that is none of the
/// engine's own actions) and details.
pub(crate) fn check_host_record(action: &str, details: &str) -> Result<(), Refusal> {
    let named = action.len() <= 64
        && action.contains('.')
        && action
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if !named || Change::ENGINE_ACTIONS.contains(&action) {
        return Err(Refusal::invalid(
            "action",
            "a host action is a dotted lower-case name that is none of the engine's actions",
        ));
    }
    check_text("details", details)
}
