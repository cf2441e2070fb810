//! Service-account tokens for CI pipelines. A token is shown once, when it is
//! made; only its SHA-256 is stored, so a database leak does not leak tokens.
//! A token acts as `token:<name>`: its names live in their own namespace, so
//! no token can pass for a person in the audit log or at the gate. Tokens are
//! managed by the local operator (the CLI), and every change is audited.

use crate::releases::{audit, ReleaseError};
use crate::store::StoredToken;
use crate::{Backend, StoreError};
use airlock_domain::access::{Identity, IdentityKind, Role};
use airlock_domain::audit::AuditAction;
use airlock_domain::names::Slug;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};

/// Every token starts with this, so secret scanners can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "airlock_";

/// What a token's identity is called: `token:ci-pipeline`.
pub fn identity_name(token_name: &str) -> String {
    format!("token:{token_name}")
}

pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a new token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub roles: Vec<Role>,
    /// The tenants a `tenant_admin` token administers (required with that role, refused without it).
    pub tenants: Vec<String>,
}

/// Creates a token and returns it; the only time it exists in clear text.
/// `operator` is who ran the command, for the audit log.
pub async fn create(backend: &Backend, operator: &str, name: &str, grant: TokenGrant, now: DateTime<Utc>) -> Result<String, ReleaseError> {
    if Slug::parse(name).is_err() {
        return Err(ReleaseError::invalid("name", "A token name may contain only lowercase letters, digits and '-', such as ci-pipeline."));
    }
    let TokenGrant { mut roles, mut tenants } = grant;
    roles.sort();
    roles.dedup();
    tenants.sort();
    tenants.dedup();
    if roles.is_empty() {
        return Err(ReleaseError::invalid("role", "Give the token at least one role."));
    }
    match (roles.contains(&Role::TenantAdmin), tenants.is_empty()) {
        (true, true) => return Err(ReleaseError::invalid("tenant", "A tenant_admin token needs --tenant naming the tenants it administers.")),
        (false, false) => return Err(ReleaseError::invalid("tenant", "Only a tenant_admin token takes --tenant.")),
        _ => {}
    }
    let known = backend.store.tenants().await?;
    if let Some(unknown) = tenants.iter().find(|t| !known.iter().any(|k| &k.slug == *t)) {
        return Err(ReleaseError::invalid("tenant", format!("There is no tenant {unknown}.")));
    }
    let secret = crate::auth::random_hex(32).map_err(|_| ReleaseError::invalid("token", "The system's random number generator is unavailable."))?;
    let token = format!("{TOKEN_PREFIX}{secret}");
    let stored = StoredToken { name: name.to_owned(), roles, tenants, created_at: now, revoked_at: None };
    let mut tx = backend.store.begin().await?;
    match tx.insert_token(&stored, &hash(&token)).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(ReleaseError::invalid("name", format!("A token named {name} already exists; choose another name.")));
        }
        other => other?,
    }
    let after = serde_json::json!({ "name": name, "roles": stored.roles, "tenants": stored.tenants }).to_string();
    tx.append_audit(audit(operator, AuditAction::TokenCreated, &format!("token/{name}"), None, Some(after), now)).await?;
    tx.commit().await?;
    Ok(token)
}

/// Every token, revoked ones included (for `airlock token list`).
pub async fn list(backend: &Backend) -> Result<Vec<StoredToken>, ReleaseError> {
    Ok(backend.store.tokens().await?)
}

/// Revokes a token at once: its next request is refused.
pub async fn revoke(backend: &Backend, operator: &str, name: &str, now: DateTime<Utc>) -> Result<(), ReleaseError> {
    let mut tx = backend.store.begin().await?;
    if !tx.revoke_token(name, now).await? {
        return Err(ReleaseError::invalid("name", format!("There is no active token named {name}.")));
    }
    tx.append_audit(audit(operator, AuditAction::TokenRevoked, &format!("token/{name}"), None, None, now)).await?;
    tx.commit().await?;
    Ok(())
}

/// The identity a bearer token stands for, if it is one of ours and not revoked.
pub async fn identify(backend: &Backend, token: &str) -> Result<Option<Identity>, ReleaseError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let stored = backend.store.token_by_hash(&hash(token)).await?.filter(|t| t.revoked_at.is_none());
    Ok(stored.map(|t| Identity { name: identity_name(&t.name), kind: IdentityKind::ServiceAccount, roles: t.roles, tenants: t.tenants }))
}
