//! Incompatibilities, reclamation rules (and `reclaim-run`), entitlement
//! links (and `grant` / `withdraw`).

use clap::Subcommand;
use licman_core::seats::{
    AssignmentId, Command, IncompatibilityId, LinkId, Reply, RuleId, RulePatch, Trigger,
};
use serde_json::json;

use super::{Ctx, Output, Page, assignment_id, find_pool, new_id, out, paged, user_id};
use crate::error::Failure;
use crate::render;
use crate::store::Store;

/// `incompat …`.
#[derive(Debug, Subcommand)]
pub enum IncompatCmd {
    /// Makes two pools incompatible: no user may hold a seat of both.
    Add {
        /// One pool (id or name).
        pool_a: String,
        /// The other.
        pool_b: String,
        /// Why (shown in the refusal).
        #[arg(long)]
        reason: String,
    },
    /// Lists incompatibilities.
    List {
        /// Naming this pool (id or name).
        #[arg(long)]
        pool: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Lifts an incompatibility.
    Remove {
        /// Its id.
        rule: String,
    },
}

/// `rule …`.
#[derive(Debug, Subcommand)]
pub enum RuleCmd {
    /// Adds a reclamation rule to a pool.
    Add {
        /// The pool (id or name).
        pool: String,
        /// Reclaim from users inactive this many days.
        #[arg(
            long,
            value_name = "DAYS",
            conflicts_with = "lifecycle",
            required_unless_present = "lifecycle"
        )]
        inactivity: Option<u32>,
        /// Reclaim from users in this lifecycle state (terminated…).
        #[arg(long, value_name = "STATE")]
        lifecycle: Option<String>,
        /// Days between the notice and the reclaim, fewer than the
        /// inactivity threshold [default: 7, or the threshold less one day
        /// when that is shorter].
        #[arg(long, value_name = "DAYS")]
        notify: Option<u32>,
        /// Added disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Lists rules.
    List {
        /// Of this pool (id or name).
        #[arg(long)]
        pool: Option<String>,
        /// inactivity or lifecycle.
        #[arg(long)]
        trigger: Option<String>,
        /// Enabled or not.
        #[arg(long)]
        enabled: Option<bool>,
        #[command(flatten)]
        page: Page,
    },
    /// Changes a rule.
    Update {
        /// Its id.
        rule: String,
        /// A new inactivity threshold (inactivity rules).
        #[arg(long, value_name = "DAYS")]
        threshold: Option<u32>,
        /// New notice days.
        #[arg(long, value_name = "DAYS")]
        notify: Option<u32>,
        /// Enable or disable.
        #[arg(long)]
        enabled: Option<bool>,
    },
    /// Deletes a rule.
    Remove {
        /// Its id.
        rule: String,
    },
}

/// `link …`.
#[derive(Debug, Subcommand)]
pub enum LinkCmd {
    /// Links an entitlement to a pool: `grant` takes seats from the
    /// enabled link of highest priority with a free seat.
    Add {
        /// The pool (id or name).
        pool: String,
        /// The entitlement's name.
        entitlement: String,
        /// Higher first.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        priority: i32,
    },
    /// Lists links.
    List {
        /// Of this pool (id or name).
        #[arg(long)]
        pool: Option<String>,
        /// Of this entitlement.
        #[arg(long)]
        entitlement: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Changes a link.
    Update {
        /// Its id.
        link: String,
        /// A new priority.
        #[arg(long, allow_hyphen_values = true)]
        priority: Option<i32>,
        /// Enable or disable.
        #[arg(long)]
        enabled: Option<bool>,
    },
    /// Deletes a link.
    Remove {
        /// Its id.
        link: String,
    },
}

fn incompat_id(text: &str) -> Result<IncompatibilityId, Failure> {
    IncompatibilityId::new(text)
        .map_err(|e| Failure::invalid(format!("incompatibility id {text:?}: {e}")))
}

fn rule_id(text: &str) -> Result<RuleId, Failure> {
    RuleId::new(text).map_err(|e| Failure::invalid(format!("rule id {text:?}: {e}")))
}

fn link_id(text: &str) -> Result<LinkId, Failure> {
    LinkId::new(text).map_err(|e| Failure::invalid(format!("link id {text:?}: {e}")))
}

fn deleted(id: &str) -> Output {
    out(json!({"id": id, "deleted": true}), format!("deleted {id}"))
}

pub(crate) fn incompat(
    store: &mut Store,
    cmd: &IncompatCmd,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    match cmd {
        IncompatCmd::Add {
            pool_a,
            pool_b,
            reason,
        } => {
            let state = store.state();
            let (a, b) = (
                find_pool(state, pool_a)?.id.clone(),
                find_pool(state, pool_b)?.id.clone(),
            );
            let id = incompat_id(&new_id("inc")?)?;
            store.run(
                &Command::CreateIncompatibility {
                    id: id.clone(),
                    pool_a: a,
                    pool_b: b,
                    reason: reason.clone(),
                },
                cx.actor,
                cx.at,
            )?;
            let state = store.state();
            let i = state
                .incompatibility(&id)
                .ok_or_else(|| Failure::new("database", "the incompatibility is missing"))?;
            Ok(out(render::incompatibility(state, i), id.as_str()))
        }
        IncompatCmd::List { pool, page } => {
            let state = store.state();
            let pool = pool.as_deref().map(|p| find_pool(state, p)).transpose()?;
            let mut items: Vec<_> = state
                .incompatibilities()
                .filter(|i| pool.is_none_or(|p| i.pool_a == p.id || i.pool_b == p.id))
                .collect();
            items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            paged(
                &items,
                page,
                |i| render::incompatibility(state, i),
                &["id", "pool_a_name", "pool_b_name", "reason"],
            )
        }
        IncompatCmd::Remove { rule } => {
            let id = incompat_id(rule)?;
            store.run(
                &Command::DeleteIncompatibility { id: id.clone() },
                cx.actor,
                cx.at,
            )?;
            Ok(deleted(id.as_str()))
        }
    }
}

/// A rule's notice period when none is given (shortened to the threshold
/// less one day for a shorter inactivity threshold).
const DEFAULT_NOTIFY_DAYS: u32 = 7;

pub(crate) fn rule(store: &mut Store, cmd: &RuleCmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    match cmd {
        RuleCmd::Add {
            pool,
            inactivity,
            lifecycle,
            notify,
            disabled,
        } => {
            let pool = find_pool(store.state(), pool)?.id.clone();
            let trigger = match (inactivity, lifecycle) {
                (Some(days), None) => Trigger::Inactivity { days: *days },
                (None, Some(state)) => Trigger::Lifecycle {
                    state: state.clone(),
                },
                _ => {
                    return Err(Failure::invalid(
                        "a rule has one trigger: --inactivity DAYS or --lifecycle STATE",
                    ));
                }
            };
            // The engine wants a notice shorter than the threshold.
            let notify = notify.unwrap_or(match trigger {
                Trigger::Inactivity { days } => DEFAULT_NOTIFY_DAYS.min(days.saturating_sub(1)),
                Trigger::Lifecycle { .. } => DEFAULT_NOTIFY_DAYS,
            });
            let id = rule_id(&new_id("rule")?)?;
            store.run(
                &Command::CreateRule {
                    id: id.clone(),
                    pool,
                    trigger,
                    notify_days: notify,
                    enabled: !disabled,
                },
                cx.actor,
                cx.at,
            )?;
            shown_rule(store, &id)
        }
        RuleCmd::List {
            pool,
            trigger,
            enabled,
            page,
        } => {
            let state = store.state();
            if let Some(t) = trigger.as_deref() {
                if t != "inactivity" && t != "lifecycle" {
                    return Err(Failure::invalid(format!(
                        "trigger {t:?} is not one of inactivity, lifecycle"
                    )));
                }
            }
            let pool = pool.as_deref().map(|p| find_pool(state, p)).transpose()?;
            let mut items: Vec<_> = state
                .rules()
                .filter(|r| pool.is_none_or(|p| r.pool == p.id))
                .filter(|r| enabled.is_none_or(|e| r.enabled == e))
                .filter(|r| {
                    trigger.as_deref().is_none_or(|t| match r.trigger {
                        Trigger::Inactivity { .. } => t == "inactivity",
                        Trigger::Lifecycle { .. } => t == "lifecycle",
                    })
                })
                .collect();
            items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            paged(
                &items,
                page,
                |r| render::rule(state, r),
                &[
                    "id",
                    "pool_name",
                    "trigger",
                    "threshold_days",
                    "state",
                    "notify_days",
                    "enabled",
                ],
            )
        }
        RuleCmd::Update {
            rule,
            threshold,
            notify,
            enabled,
        } => {
            let id = rule_id(rule)?;
            let trigger = match threshold {
                None => None,
                Some(days) => match store.state().rule(&id).map(|r| &r.trigger) {
                    Some(Trigger::Lifecycle { .. }) => {
                        return Err(Failure::invalid(
                            "a lifecycle rule has no threshold; --threshold is for inactivity rules",
                        ));
                    }
                    // An unknown rule is the engine's refusal to give.
                    _ => Some(Trigger::Inactivity { days: *days }),
                },
            };
            store.run(
                &Command::UpdateRule {
                    rule: id.clone(),
                    patch: RulePatch {
                        trigger,
                        notify_days: *notify,
                        enabled: *enabled,
                    },
                },
                cx.actor,
                cx.at,
            )?;
            shown_rule(store, &id)
        }
        RuleCmd::Remove { rule } => {
            let id = rule_id(rule)?;
            store.run(&Command::DeleteRule { rule: id.clone() }, cx.actor, cx.at)?;
            Ok(deleted(id.as_str()))
        }
    }
}

fn shown_rule(store: &Store, id: &RuleId) -> Result<Output, Failure> {
    let state = store.state();
    let r = state
        .rule(id)
        .ok_or_else(|| Failure::new("database", "the rule is missing"))?;
    Ok(out(render::rule(state, r), id.as_str()))
}

/// `reclaim-run [--apply]`: the plan as of now (or `--at`); `--apply`
/// records its notices and reclaims its seats in one transaction.
pub(crate) fn reclaim_run(store: &mut Store, apply: bool, cx: &Ctx<'_>) -> Result<Output, Failure> {
    let plan = if apply {
        let recorded = store.run(
            &Command::ApplyReclamation { rules: Vec::new() },
            cx.actor,
            cx.at,
        )?;
        let Reply::Reclamation(plan) = recorded.outcome.reply else {
            return Err(Failure::new("database", "reclamation gave no plan"));
        };
        plan
    } else {
        store.state().reclamation_plan(cx.now)
    };
    let mut json = render::plan(&plan);
    if let serde_json::Value::Object(m) = &mut json {
        m.insert("applied".into(), json!(apply));
    }
    let text = format!(
        "{} notices, {} reclaims{}",
        plan.notices.len(),
        plan.reclaims.len(),
        if apply {
            " (applied)"
        } else {
            " (a plan: --apply carries it out)"
        }
    );
    Ok(out(json, text))
}

pub(crate) fn link(store: &mut Store, cmd: &LinkCmd, cx: &Ctx<'_>) -> Result<Output, Failure> {
    match cmd {
        LinkCmd::Add {
            pool,
            entitlement,
            priority,
        } => {
            let pool = find_pool(store.state(), pool)?.id.clone();
            let id = link_id(&new_id("link")?)?;
            store.run(
                &Command::CreateLink {
                    id: id.clone(),
                    pool,
                    entitlement: entitlement.clone(),
                    priority: *priority,
                    enabled: true,
                },
                cx.actor,
                cx.at,
            )?;
            shown_link(store, &id)
        }
        LinkCmd::List {
            pool,
            entitlement,
            page,
        } => {
            let state = store.state();
            let pool = pool.as_deref().map(|p| find_pool(state, p)).transpose()?;
            let mut items: Vec<_> = state
                .links()
                .filter(|l| pool.is_none_or(|p| l.pool == p.id))
                .filter(|l| entitlement.as_deref().is_none_or(|e| l.entitlement == e))
                .collect();
            items.sort_by(|a, b| {
                (&a.entitlement, std::cmp::Reverse(a.priority), &a.id).cmp(&(
                    &b.entitlement,
                    std::cmp::Reverse(b.priority),
                    &b.id,
                ))
            });
            paged(
                &items,
                page,
                |l| render::link(state, l),
                &["id", "entitlement", "pool_name", "priority", "enabled"],
            )
        }
        LinkCmd::Update {
            link,
            priority,
            enabled,
        } => {
            let id = link_id(link)?;
            store.run(
                &Command::UpdateLink {
                    link: id.clone(),
                    priority: *priority,
                    enabled: *enabled,
                },
                cx.actor,
                cx.at,
            )?;
            shown_link(store, &id)
        }
        LinkCmd::Remove { link } => {
            let id = link_id(link)?;
            store.run(&Command::DeleteLink { link: id.clone() }, cx.actor, cx.at)?;
            Ok(deleted(id.as_str()))
        }
    }
}

fn shown_link(store: &Store, id: &LinkId) -> Result<Output, Failure> {
    let state = store.state();
    let l = state
        .link(id)
        .ok_or_else(|| Failure::new("database", "the link is missing"))?;
    Ok(out(render::link(state, l), id.as_str()))
}

fn shown_assignment(store: &Store, id: &AssignmentId) -> Result<Output, Failure> {
    let state = store.state();
    let a = state
        .assignment(id)
        .ok_or_else(|| Failure::new("database", "the assignment is missing"))?;
    Ok(out(
        render::assignment(state, a),
        format!("{id}\t{}\t{}", a.pool, a.status.name()),
    ))
}

/// `grant USER ENTITLEMENT`: a seat from the best linked pool.
pub(crate) fn grant(
    store: &mut Store,
    user: &str,
    entitlement: &str,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let id = assignment_id(&new_id("asg")?)?;
    store.run(
        &Command::Grant {
            id: id.clone(),
            user: user_id(user)?,
            entitlement: entitlement.into(),
        },
        cx.actor,
        cx.at,
    )?;
    shown_assignment(store, &id)
}

/// `withdraw USER ENTITLEMENT`: the granted seat is released.
pub(crate) fn withdraw(
    store: &mut Store,
    user: &str,
    entitlement: &str,
    cx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let recorded = store.run(
        &Command::Withdraw {
            user: user_id(user)?,
            entitlement: entitlement.into(),
        },
        cx.actor,
        cx.at,
    )?;
    // The seat the engine released, as it decided under the lock.
    let Reply::Assignment(id) = recorded.outcome.reply else {
        return Err(Failure::new("database", "a withdraw gave no assignment"));
    };
    shown_assignment(store, &id)
}
