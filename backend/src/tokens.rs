//! Service-account tokens for CI pipelines. A token is shown once, when it is
//! made; only its SHA-256 is stored, so a database leak does not leak tokens.
//! A token acts as `token:<name>`: its names live in their own namespace, so
//! no token can pass for a person in the audit log or at the gate. Tokens are
//! managed by the local operator (the CLI), and every change is audited.

use crate::Refusal;
use crate::acting::{LocalOperator, authorize};
use crate::releases::audit;
use crate::store::StoredToken;
use crate::{Backend, StoreError};
use airlock_domain::access::{Action, Identity, IdentityKind, Role, service_account_name};
use airlock_domain::audit::AuditAction;
use airlock_domain::names::Slug;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sha2::{Digest as _, Sha256};

/// Every token starts with this, so secret scanners can recognise a leaked one.
pub const TOKEN_PREFIX: &str = "airlock_";

/// What a token's identity is called: `token:ci-pipeline`.
pub fn identity_name(token_name: &str) -> String {
    service_account_name(token_name)
}

/// How long a token lives unless `--expires` says otherwise.
pub const DEFAULT_LIFETIME_DAYS: i64 = 90;
/// The longest lifetime a token may be given: a forgotten token must die.
pub const MAX_LIFETIME_DAYS: i64 = 730;
/// `last_used_at` is written at most this often per token, not per request.
const LAST_USED_PRECISION: Duration = Duration::minutes(1);

/// When a token made `now` expires: `90d` (days from now) or `2027-03-01`
/// (the start of that day, UTC); `None` takes the default of 90 days.
pub fn expiry(text: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let refuse = || {
        Refusal::invalid(
            "expires",
            format!("Give --expires as days (e.g. 30d) or a date (e.g. 2027-03-01), at most {MAX_LIFETIME_DAYS} days ahead."),
        )
    };
    let at = match text.map(str::trim) {
        None => now + Duration::days(DEFAULT_LIFETIME_DAYS),
        Some(text) => match text.strip_suffix('d').map(str::parse::<i64>) {
            Some(Ok(days)) if (1..=MAX_LIFETIME_DAYS).contains(&days) => now + Duration::days(days),
            Some(_) => return Err(refuse()),
            None => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| refuse())?;
                date.and_hms_opt(0, 0, 0).ok_or_else(refuse)?.and_utc()
            }
        },
    };
    if at <= now || at > now + Duration::days(MAX_LIFETIME_DAYS) {
        return Err(refuse());
    }
    Ok(at)
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
    /// When it stops working (see [`expiry`]).
    pub expires_at: DateTime<Utc>,
}

/// Creates a token and returns it; the only time it exists in clear text.
/// Only the local operator makes tokens: no token or page can mint another.
pub async fn create(
    backend: &Backend,
    operator: &LocalOperator,
    name: &str,
    grant: TokenGrant,
    now: DateTime<Utc>,
) -> Result<String, Refusal> {
    let by = authorize(operator.into(), Action::ManagePeople)?;
    if Slug::parse(name).is_err() {
        return Err(Refusal::invalid("name", "A token name may contain only lowercase letters, digits and '-', such as ci-pipeline."));
    }
    let TokenGrant { mut roles, mut tenants, expires_at } = grant;
    roles.sort();
    roles.dedup();
    tenants.sort();
    tenants.dedup();
    if roles.is_empty() {
        return Err(Refusal::invalid("role", "Give the token at least one role."));
    }
    if roles.contains(&Role::Approver) {
        return Err(Refusal::invalid(
            "role",
            "A token cannot hold the approver role: approvals that open a gate must come from people who signed in.",
        ));
    }
    match (roles.contains(&Role::TenantAdmin), tenants.is_empty()) {
        (true, true) => {
            return Err(Refusal::invalid("tenant", "A tenant_admin token needs --tenant naming the tenants it administers."));
        }
        (false, false) => return Err(Refusal::invalid("tenant", "Only a tenant_admin token takes --tenant.")),
        _ => {}
    }
    let known = backend.store.tenants().await?;
    if let Some(unknown) = tenants.iter().find(|t| !known.iter().any(|k| &k.slug == *t)) {
        return Err(Refusal::invalid("tenant", format!("There is no tenant {unknown}.")));
    }
    let secret =
        crate::auth::random_hex(32).map_err(|_| Refusal::invalid("token", "The system's random number generator is unavailable."))?;
    let token = format!("{TOKEN_PREFIX}{secret}");
    let stored = StoredToken {
        name: name.to_owned(),
        roles,
        tenants,
        created_at: now,
        expires_at: Some(expires_at),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = backend.store.begin().await?;
    match tx.insert_token(&stored, &hash(&token)).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(Refusal::invalid("name", format!("A token named {name} already exists; choose another name.")));
        }
        other => other?,
    }
    let after = serde_json::json!({ "name": name, "roles": stored.roles, "tenants": stored.tenants, "expires_at": expires_at }).to_string();
    tx.append_audit(audit(by.name(), AuditAction::TokenCreated, &format!("token/{name}"), None, Some(after), now)).await?;
    tx.commit().await?;
    Ok(token)
}

/// Every token, revoked ones included (for `airlock token list`).
pub async fn list(backend: &Backend, operator: &LocalOperator) -> Result<Vec<StoredToken>, Refusal> {
    authorize(operator.into(), Action::ManagePeople)?;
    Ok(backend.store.tokens().await?)
}

/// Revokes a token at once: its next request is refused.
pub async fn revoke(backend: &Backend, operator: &LocalOperator, name: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    let by = authorize(operator.into(), Action::ManagePeople)?;
    let mut tx = backend.store.begin().await?;
    if !tx.revoke_token(name, now).await? {
        return Err(Refusal::invalid("name", format!("There is no active token named {name}.")));
    }
    tx.append_audit(audit(by.name(), AuditAction::TokenRevoked, &format!("token/{name}"), None, None, now)).await?;
    tx.commit().await?;
    Ok(())
}

/// The identity a bearer token stands for, if it is one of ours, not
/// revoked and not expired; notes when it was last used.
pub async fn identify(backend: &Backend, token: &str, now: DateTime<Utc>) -> Result<Option<Identity>, Refusal> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(stored) = backend.store.token_by_hash(&hash(token)).await? else { return Ok(None) };
    if !stored.is_usable(now) {
        return Ok(None);
    }
    if stored.last_used_at.is_none_or(|at| now - at >= LAST_USED_PRECISION) {
        backend.store.token_used(&stored.name, now).await?;
    }
    Ok(Some(Identity {
        name: identity_name(&stored.name),
        kind: IdentityKind::ServiceAccount,
        roles: stored.roles,
        tenants: stored.tenants,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    #[test]
    fn tokens_expire_after_ninety_days_unless_told_otherwise() {
        assert_eq!(expiry(None, now()).unwrap(), now() + Duration::days(90));
        assert_eq!(expiry(Some("7d"), now()).unwrap(), now() + Duration::days(7));
        assert_eq!(expiry(Some("2027-03-01"), now()).unwrap(), Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn an_expiry_in_the_past_too_far_ahead_or_unreadable_is_refused() {
        for text in ["0d", "-3d", "731d", "2026-11-30", "2020-01-01", "2031-01-01", "soon", "d", ""] {
            assert!(expiry(Some(text), now()).is_err(), "{text} was accepted");
        }
    }
}
