//! Service-account tokens for CI pipelines. A token is shown once, when it is
//! made; only its SHA-256 is stored, so a database leak does not leak tokens.
//! The token's name is the identity: two tokens with two names are two people
//! to the gate.

use crate::releases::ReleaseError;
use crate::{Backend, StoreError};
use airlock_domain::access::{Identity, IdentityKind, Role};
use airlock_domain::audit::{AuditAction, AuditDraft};
use airlock_domain::names::Slug;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

/// Every token starts with this, so secret scanners can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "airlock_";

pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token and returns it; the only time it exists in clear text.
/// `operator` is who ran the command, for the audit log.
pub async fn create(backend: &Backend, operator: &str, name: &str, roles: &[Role], now: DateTime<Utc>) -> Result<String, ReleaseError> {
    if Slug::parse(name).is_err() {
        return Err(ReleaseError::invalid("name", "A token name may contain only lowercase letters, digits and '-', such as ci-pipeline."));
    }
    if roles.is_empty() {
        return Err(ReleaseError::invalid("role", "Give the token at least one role."));
    }
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| ReleaseError::invalid("token", "The system's random number generator is unavailable."))?;
    let token = format!("{TOKEN_PREFIX}{}", secret.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut tx = backend.store.begin().await?;
    match tx.insert_token(name, &hash(&token), &roles, now).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(ReleaseError::invalid("name", format!("A token named {name} already exists; choose another name.")));
        }
        other => other?,
    }
    let after = serde_json::json!({ "name": name, "roles": roles }).to_string();
    tx.append_audit(AuditDraft {
        at: now,
        actor: operator.to_owned(),
        action: AuditAction::TokenCreated,
        subject: format!("token/{name}"),
        before: None,
        after: Some(after),
    })
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The identity a bearer token stands for, if it is one of ours.
pub async fn identify(backend: &Backend, token: &str) -> Result<Option<Identity>, ReleaseError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let stored = backend.store.token_by_hash(&hash(token)).await?;
    Ok(stored.map(|t| Identity { name: t.name, kind: IdentityKind::ServiceAccount, roles: t.roles }))
}
