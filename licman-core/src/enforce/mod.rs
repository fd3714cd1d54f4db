//! Enforcement over a verified license bound to its catalog: entitlements
//! (modules, quotas), group access, the gateway's `authorize`, the typed
//! denials with their HTTP bodies, upgrade diffs and storage clean-up.

pub mod access;
pub mod denial;
pub mod entitlements;
mod gateway;
pub mod storage;
pub mod upgrade;
